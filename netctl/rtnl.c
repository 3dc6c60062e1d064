// SPDX-License-Identifier: MIT
/* Helpers the link-level verb families share (see rtnl.h). */
#include "netctl/rtnl.h"

#include "common/netns.h"

#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* The /run/netns name of the namespace we are in, if any: lets messages say
 * "netns 'lab-host'" when netctl runs under `ip netns exec lab-host`. */
static void own_ns_name(char *buf, size_t len)
{
	_cleanup_closedir_ DIR *d = opendir(NETNS_RUN_DIR);
	struct stat self, st;
	struct dirent *de;
	char path[4096];

	snprintf(buf, len, "(current)");
	if (!d || stat("/proc/thread-self/ns/net", &self) < 0)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", de->d_name);
		if (stat(path, &st) == 0 && st.st_dev == self.st_dev && st.st_ino == self.st_ino) {
			snprintf(buf, len, "%s", de->d_name);
			return;
		}
	}
}

int netctl_ns_open(const char *ns_name, struct netctl_ns *ns, struct plumb_err *err)
{
	int r;

	if (ns_name) {
		ns->fd = netns_open(ns_name, err);
		if (ns->fd < 0)
			return ns->fd;
		snprintf(ns->name, sizeof(ns->name), "%s", ns_name);
	} else {
		own_ns_name(ns->name, sizeof(ns->name));
	}
	r = plumb_nl_open(&ns->nl, ns->fd, err);
	if (r < 0)
		return r;
	ns->nl.ns_name = ns->name;
	return 0;
}

void netctl_ns_close(struct netctl_ns *ns)
{
	plumb_nl_close(&ns->nl);
	if (ns->fd >= 0)
		close(ns->fd);
	ns->fd = -1;
}

int netctl_parse_cidr(const struct netctl *ctx, const char *opt, const char *s,
		      struct plumb_cidr *out, struct plumb_err *err)
{
	if (plumb_cidr_parse(s, false, out) < 0)
		return netctl_usage_err(ctx, err, "invalid CIDR '%s' for %s (want ADDRESS/PREFIX)",
					s, opt);
	return 0;
}

int netctl_parse_ip(const struct netctl *ctx, const char *opt, const char *s,
		    struct plumb_ip *out, struct plumb_err *err)
{
	if (plumb_ip_parse(s, out) < 0)
		return netctl_usage_err(ctx, err, "invalid IP address '%s' for %s", s, opt);
	return 0;
}

const char *netctl_ifname(const struct plumb_link *names, int n, int ifindex)
{
	for (int i = 0; i < n; i++)
		if (names[i].ifindex == ifindex)
			return names[i].name;
	return NULL;
}

json_t *netctl_json_link(const struct plumb_link *l, const struct plumb_link *names, int n)
{
	char mac[18];
	json_t *o = json_pack("{s:s, s:i, s:s, s:i, s:s, s:b}", "ifname", l->name, "ifindex",
			      l->ifindex, "kind", l->kind, "mtu", (int)l->mtu, "mac",
			      plumb_mac_str(l->mac, mac, sizeof(mac)), "up", l->up);
	const char *m;

	if (!o)
		return NULL;
	if (l->promisc)
		json_object_set_new(o, "promisc", json_true());
	if (l->master) {
		m = netctl_ifname(names, n, l->master);
		json_object_set_new(o, "master", m ? json_string(m) : json_integer(l->master));
	}
	if (l->peer_ifindex) {
		json_object_set_new(o, "peer_ifindex", json_integer(l->peer_ifindex));
		if (l->peer_netnsid >= 0)
			json_object_set_new(o, "peer_netnsid", json_integer(l->peer_netnsid));
	}
	if (l->alias[0])
		json_object_set_new(o, "alias", json_string(l->alias));
	return o;
}

json_t *netctl_json_addr(const struct plumb_addr *a)
{
	char s[PLUMB_CIDR_STRLEN];

	return json_pack("{s:s, s:s, s:s}", "address", plumb_cidr_str(&a->cidr, s, sizeof(s)),
			 "family", a->cidr.ip.family == AF_INET ? "inet" : "inet6", "scope",
			 a->scope == 0 ? "global" : a->scope == 253 ? "link" : "host");
}

json_t *netctl_json_route(const struct plumb_route *rt, const struct plumb_link *names, int n)
{
	char d[PLUMB_CIDR_STRLEN], g[PLUMB_IP_STRLEN];
	json_t *o = json_pack("{s:s}", "dst",
			      rt->dst.prefix ? plumb_cidr_str(&rt->dst, d, sizeof(d)) : "default");
	const char *dev;

	if (!o)
		return NULL;
	if (rt->gw.family)
		json_object_set_new(o, "gateway", json_string(plumb_ip_str(&rt->gw, g, sizeof(g))));
	if (rt->ifindex) {
		dev = netctl_ifname(names, n, rt->ifindex);
		json_object_set_new(o, "dev", dev ? json_string(dev) : json_integer(rt->ifindex));
	}
	if (rt->metric)
		json_object_set_new(o, "metric", json_integer(rt->metric));
	if (rt->onlink)
		json_object_set_new(o, "onlink", json_true());
	return o;
}
