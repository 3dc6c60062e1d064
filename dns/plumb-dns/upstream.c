// SPDX-License-Identifier: MIT
/* Where to forward: configured upstreams, or the node's resolv.conf (re-read
 * when it changes), never a loopback stub. */
#include "dns/plumb-dns/server.h"

#include "common/cleanup.h"
#include "common/file.h"
#include "common/log.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int fill(const struct plumb_ip *ip, uint16_t port, unsigned scope, struct upstream *out)
{
	memset(out, 0, sizeof(*out));
	if (ip->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->sa;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, ip->a, 4);
		out->salen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_scope_id = scope;
		memcpy(&sin6->sin6_addr, ip->a, 16);
		out->salen = sizeof(*sin6);
	}
	return 0;
}

int upstream_parse(const char *spec, struct upstream *out)
{
	char buf[128];
	const char *addr = spec, *port = NULL;
	struct plumb_ip ip;
	unsigned long p = 53;
	unsigned scope = 0;
	char *pct;

	if (strlen(spec) >= sizeof(buf))
		return -EINVAL;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || (close[1] && close[1] != ':'))
			return -EINVAL;
		snprintf(buf, sizeof(buf), "%.*s", (int)(close - spec - 1), spec + 1);
		port = close[1] ? close + 2 : NULL;
	} else if (strchr(spec, ':') == strrchr(spec, ':') && strchr(spec, ':')) {
		const char *c = strchr(spec, ':');

		snprintf(buf, sizeof(buf), "%.*s", (int)(c - spec), spec);
		port = c + 1;
	} else {
		snprintf(buf, sizeof(buf), "%s", addr);
	}
	if ((pct = strchr(buf, '%'))) {
		*pct = '\0';
		scope = if_nametoindex(pct + 1);
	}
	if (plumb_ip_parse(buf, &ip) < 0)
		return -EINVAL;
	if (port) {
		char *end;

		p = strtoul(port, &end, 10);
		if (!*port || *end || p == 0 || p > 65535)
			return -EINVAL;
	}
	return fill(&ip, (uint16_t)p, scope, out);
}

static bool is_loopback(const struct upstream *u)
{
	if (u->sa.ss_family == AF_INET)
		return ((const uint8_t *)&((const struct sockaddr_in *)&u->sa)->sin_addr)[0] == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)&u->sa)->sin6_addr);
}

size_t upstreams_parse_resolv(const char *text, struct upstream *out, size_t max)
{
	size_t n = 0;
	const char *line = text;

	while (line && *line && n < max) {
		const char *end = strchr(line, '\n');
		char buf[256], word[128];
		size_t len = end ? (size_t)(end - line) : strlen(line);

		snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1),
			 line);
		if (sscanf(buf, " nameserver %127s", word) == 1 && !strchr(word, '[') &&
		    upstream_parse(word, &out[n]) == 0) {
			/* ":53" is not written in resolv.conf; a v6 address with colons
			 * parses as bare because it has more than one */
			if (!is_loopback(&out[n]))
				n++;
		}
		line = end ? end + 1 : NULL;
	}
	return n;
}

void upstreams_refresh(struct srv *s, bool force)
{
	static const char *const resolved = "/run/systemd/resolve/resolv.conf";
	_cleanup_free_ char *text = NULL;
	struct stat st;

	if (s->o.nupstreams) {
		if (force) {
			memcpy(s->up, s->o.upstreams, sizeof(s->up));
			s->nup = s->o.nupstreams;
		}
		return;
	}
	if (stat(s->o.resolv_conf, &st) < 0) {
		if (force || s->nup)
			log_warn("%s: %s; nothing to forward to", s->o.resolv_conf, strerror(errno));
		s->nup = 0;
		return;
	}
	if (!force && st.st_mtim.tv_sec == s->resolv_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == s->resolv_mtime.tv_nsec)
		return;
	s->resolv_mtime = st.st_mtim;
	if (plumb_file_read(s->o.resolv_conf, 1 << 20, &text, NULL) < 0)
		return;
	s->nup = upstreams_parse_resolv(text, s->up, SRV_MAX_UPSTREAMS);
	/* systemd-resolved's stub at 127.0.0.53: its real servers are here */
	if (!s->nup) {
		free(text);
		text = NULL;
		if (plumb_file_read(resolved, 1 << 20, &text, NULL) >= 0)
			s->nup = upstreams_parse_resolv(text, s->up, SRV_MAX_UPSTREAMS);
	}
	log_info("%zu upstream server(s) from %s", s->nup, s->o.resolv_conf);
}
