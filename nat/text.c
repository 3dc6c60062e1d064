// SPDX-License-Identifier: MIT
/* Text forms of protocols, mappings and owner tags. Pure functions. */
#include "nat/nat.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {{"tcp", IPPROTO_TCP}, {"udp", IPPROTO_UDP}, {"sctp", IPPROTO_SCTP}};

const char *nat_proto_name(uint8_t proto)
{
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	return NULL;
}

int nat_proto_parse(const char *s, uint8_t *proto)
{
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++)
		if (s && !strcasecmp(protos[i].name, s)) {
			*proto = protos[i].proto;
			return 0;
		}
	return -EINVAL;
}

static const char *ip_port(const struct plumb_ip *ip, uint16_t port, uint16_t count, char *buf,
			   size_t len)
{
	char a[PLUMB_IP_STRLEN], p[16];

	if (count > 1)
		snprintf(p, sizeof(p), "%u-%u", port, port + count - 1);
	else
		snprintf(p, sizeof(p), "%u", port);
	if (!ip->family)
		snprintf(buf, len, "%s", p);
	else if (ip->family == AF_INET6)
		snprintf(buf, len, "[%s]:%s", plumb_ip_str(ip, a, sizeof(a)), p);
	else
		snprintf(buf, len, "%s:%s", plumb_ip_str(ip, a, sizeof(a)), p);
	return buf;
}

const char *nat_port_str(const struct nat_port *p, char *buf, size_t len)
{
	char h[80], c[80];
	const char *name = nat_proto_name(p->proto);

	snprintf(buf, len, "%s %s -> %s", name ? name : "?",
		 ip_port(&p->host_ip, p->host_port, p->count, h, sizeof(h)),
		 ip_port(&p->ip, p->port, p->count, c, sizeof(c)));
	return buf;
}

int nat_addr_port_parse(const char *s, struct plumb_ip *ip, uint16_t *port)
{
	char host[PLUMB_IP_STRLEN + 2];
	const char *colon, *ps;
	unsigned long v;
	char *end;

	if (!s)
		return -EINVAL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(close - s - 1), s + 1);
		ps = close + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon || (size_t)(colon - s) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
		ps = colon + 1;
	}
	if (plumb_ip_parse(host, ip) < 0 || (s[0] == '[') != (ip->family == AF_INET6))
		return -EINVAL;
	errno = 0;
	v = strtoul(ps, &end, 10);
	if (!*ps || *end || errno || v == 0 || v > 65535 || *ps == '-' || *ps == '+')
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* A network name longer than this is shortened to "#" + 8 hex digits of
 * its hash, so that owner tags of 64-character container ids fit. */
#define OWNER_NET_MAX 32

static const char *owner_net(const char *network, char *buf, size_t len)
{
	uint32_t h = 2166136261u;

	if (strlen(network) <= OWNER_NET_MAX)
		return network;
	for (const char *p = network; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(buf, len, "#%08x", h);
	return buf;
}

int nat_owner_cni_prefix(char *buf, size_t len, const char *plugin, const char *network)
{
	char h[16];
	int n = snprintf(buf, len, "%s/%s/", plugin, owner_net(network, h, sizeof(h)));

	return n < 0 || (size_t)n >= len || (size_t)n >= NAT_OWNER_MAX ? -ENAMETOOLONG : 0;
}

int nat_owner_cni(char *buf, size_t len, const char *plugin, const char *network,
		  const char *container_id, const char *ifname)
{
	char h[16];
	int n = snprintf(buf, len, "%s/%s/%s/%s", plugin, owner_net(network, h, sizeof(h)),
			 container_id, ifname);

	return n < 0 || (size_t)n >= len || (size_t)n >= NAT_OWNER_MAX ? -ENAMETOOLONG : 0;
}
