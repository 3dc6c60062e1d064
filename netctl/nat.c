// SPDX-License-Identifier: MIT
/* netctl nat — masquerade and published ports in table inet plumb:
 *   nat masq add|del|list CIDR        nat exclude add|del|list CIDR
 *   nat port add|del|list tcp 8080[-8090] 10.88.0.5:80 [--host-ip IP]
 *   nat macspoof add|del PORT MAC
 *   nat show | flush | owner-del TAG | gc PREFIX [VALID...]
 * Every command takes --ns NS (default: netctl's own namespace). */
#include "netctl/netctl.h"

#include "common/netns.h"
#include "nat/nat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Open table plumb's handle in --ns (or here). */
static int nat_at(struct nat *n, const char *ns, struct plumb_err *err)
{
	_cleanup_close_ int fd = -1;

	if (ns) {
		fd = netns_open(ns, err);
		if (fd < 0)
			return fd;
	}
	return nat_open(n, fd, err);
}

static void nat_closep(struct nat *n)
{
	nat_close(n);
}
#define _cleanup_nat_ _cleanup_(nat_closep)

/* ---- masq / exclude ---- */

static int masq_parse(const struct netctl *ctx, const char *s, enum nat_masq_kind kind,
		      struct nat_masq *m, struct plumb_err *err)
{
	struct plumb_cidr net;

	memset(m, 0, sizeof(*m));
	m->kind = kind;
	/* a pod is one address, written bare or as /32, /128 */
	if (plumb_cidr_parse(s, kind == NAT_MASQ_POD, &m->cidr) < 0)
		return netctl_usage_err(ctx, err, "invalid %s '%s' (want e.g. %s)",
					kind == NAT_MASQ_POD ? "address" : "CIDR", s,
					kind == NAT_MASQ_POD ? "10.88.0.5" : "10.88.0.0/16");
	plumb_cidr_network(&m->cidr, &net);
	if (!plumb_ip_equal(&net.ip, &m->cidr.ip)) {
		char want[PLUMB_CIDR_STRLEN];

		return netctl_usage_err(ctx, err, "'%s' has host bits set (did you mean %s?)", s,
					plumb_cidr_str(&net, want, sizeof(want)));
	}
	return 0;
}

static int masq_change(struct netctl *ctx, int argc, char **argv, enum nat_masq_kind kind, bool add,
		       struct plumb_err *err)
{
	_cleanup_nat_ struct nat n = {0};
	const char *ns = NULL, *owner = NULL, *except = NULL;
	bool pod = false;
	const struct netctl_opt opts[] = {
	    {"--ns", OPT_STR, &ns},
	    {"--owner", OPT_STR, &owner},
	    {"--pod", OPT_FLAG, &pod},
	    {"--except-to", OPT_STR, &except},
	};
	struct nat_masq m[16];
	char *pos[16];
	size_t np;
	int r;

	/* --pod/--except-to only for masq */
	r = netctl_parse(ctx, argc, argv, opts, kind == NAT_MASQ_SUBNET ? 4 : 2, pos, 1, 16, &np,
			 err);
	if (r < 0)
		return r;
	if (owner && !add)
		return netctl_usage_err(ctx, err,
					"--owner is for adding (see 'netctl nat owner-del')");
	if (except)
		pod = true;
	for (size_t i = 0; i < np; i++) {
		r = masq_parse(ctx, pos[i], pod ? NAT_MASQ_POD : kind, &m[i], err);
		if (r < 0)
			return r;
		if (except && plumb_cidr_parse(except, false, &m[i].net) < 0)
			return netctl_usage_err(ctx, err, "invalid --except-to '%s'", except);
		if (owner && snprintf(m[i].owner, sizeof(m[i].owner), "%s", owner) >=
				 (int)sizeof(m[i].owner))
			return netctl_usage_err(ctx, err, "owner tag is too long");
	}
	r = nat_at(&n, ns, err);
	if (r < 0)
		return r;
	return add ? nat_masq_add(&n, m, np, err) : nat_masq_del(&n, m, np, err);
}

static const char *kind_word(enum nat_masq_kind k)
{
	return k == NAT_MASQ_SUBNET ? "subnet" : k == NAT_MASQ_POD ? "pod" : "exclude";
}

static json_t *masq_json(const struct nat_masq *m)
{
	char c[PLUMB_CIDR_STRLEN], net[PLUMB_CIDR_STRLEN];
	json_t *o = json_pack("{s:s, s:s}", "kind", kind_word(m->kind), "cidr",
			      plumb_cidr_str(&m->cidr, c, sizeof(c)));

	if (m->net.ip.family)
		json_object_set_new(o, "network",
				    json_string(plumb_cidr_str(&m->net, net, sizeof(net))));
	if (m->owner[0])
		json_object_set_new(o, "owner", json_string(m->owner));
	return o;
}

static void masq_text(FILE *f, json_t *result)
{
	size_t i;
	json_t *v;

	json_array_foreach(result, i, v)
	{
		const char *net = json_string_value(json_object_get(v, "network"));
		const char *owner = json_string_value(json_object_get(v, "owner"));

		fprintf(f, "%-8s %s", json_string_value(json_object_get(v, "kind")),
			json_string_value(json_object_get(v, "cidr")));
		if (net)
			fprintf(f, " except-to %s", net);
		if (owner)
			fprintf(f, " owner %s", owner);
		fputc('\n', f);
	}
}

static bool owned(const char *want, const char *owner)
{
	return !want || !strcmp(want, owner);
}

/* The masquerade entries as JSON; only those of `kind` unless kind < 0, only
 * those of `owner` unless it is NULL. */
static int masq_collect(struct nat *n, int kind, const char *owner, json_t **out,
			struct plumb_err *err)
{
	struct nat_masq *m = NULL;
	int r = nat_masq_list(n, &m, err);

	if (r < 0)
		return r;
	*out = json_array();
	for (int i = 0; i < r; i++)
		if ((kind < 0 || (int)m[i].kind == kind ||
		     (kind == NAT_MASQ_SUBNET && m[i].kind == NAT_MASQ_POD)) &&
		    owned(owner, m[i].owner))
			json_array_append_new(*out, masq_json(&m[i]));
	free(m);
	return 0;
}

static int masq_list_kind(struct netctl *ctx, int argc, char **argv, enum nat_masq_kind kind,
			  struct plumb_err *err)
{
	_cleanup_nat_ struct nat n = {0};
	const char *ns = NULL, *owner = NULL;
	const struct netctl_opt opts[] = {{"--ns", OPT_STR, &ns}, {"--owner", OPT_STR, &owner}};
	json_t *result;
	size_t np;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, 2, NULL, 0, 0, &np, err);
	if (r < 0)
		return r;
	r = nat_at(&n, ns, err);
	if (r < 0)
		return r;
	r = masq_collect(&n, (int)kind, owner, &result, err);
	if (r < 0)
		return r;
	netctl_output(ctx, result, masq_text);
	return 0;
}

#define MASQ_VERBS(prefix, kind)                                                                   \
	static int prefix##_add(struct netctl *c, int argc, char **argv, struct plumb_err *e)      \
	{                                                                                          \
		return masq_change(c, argc, argv, kind, true, e);                                  \
	}                                                                                          \
	static int prefix##_del(struct netctl *c, int argc, char **argv, struct plumb_err *e)      \
	{                                                                                          \
		return masq_change(c, argc, argv, kind, false, e);                                 \
	}                                                                                          \
	static int prefix##_list(struct netctl *c, int argc, char **argv, struct plumb_err *e)     \
	{                                                                                          \
		return masq_list_kind(c, argc, argv, kind, e);                                     \
	}

MASQ_VERBS(masq, NAT_MASQ_SUBNET)
MASQ_VERBS(excl, NAT_MASQ_EXCLUDE)

static const struct netctl_cmd masq_cmds[] = {
    {"add", masq_add, "CIDR... | --pod IP... [--except-to NET] [--owner TAG] [--ns NS]",
     "masquerade traffic from a pod subnet, or from pod addresses except to their network"},
    {"del", masq_del, "CIDR... | --pod IP... [--except-to NET] [--ns NS]",
     "stop masquerading a subnet or pods"},
    {"list", masq_list, "[--owner TAG] [--ns NS]", "masqueraded subnets and pods"},
};

static const struct netctl_cmd excl_cmds[] = {
    {"add", excl_add, "CIDR... [--owner TAG] [--ns NS]",
     "never masquerade traffic to these destinations (cluster ranges)"},
    {"del", excl_del, "CIDR... [--ns NS]", "remove excluded destinations"},
    {"list", excl_list, "[--owner TAG] [--ns NS]", "excluded destinations"},
};

static int nat_masq(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	/* argv[-1] is "masq": hand the dispatcher its family name back. */
	ctx->verb = "nat masq";
	return netctl_dispatch(ctx, "nat masq", masq_cmds, ARRAY_SIZE(masq_cmds), argc + 1,
			       argv - 1, err);
}

static int nat_exclude(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	ctx->verb = "nat exclude";
	return netctl_dispatch(ctx, "nat exclude", excl_cmds, ARRAY_SIZE(excl_cmds), argc + 1,
			       argv - 1, err);
}

/* ---- ports ---- */

/* "8080" or "8080-8090" -> first port and count. */
static int port_range_parse(const char *s, uint16_t *first, uint16_t *count)
{
	unsigned long a, b;
	char *end;

	errno = 0;
	a = strtoul(s, &end, 10);
	if (end == s || errno || a == 0 || a > 65535 || *s == '-' || *s == '+')
		return -EINVAL;
	b = a;
	if (*end == '-') {
		const char *t = end + 1;

		b = strtoul(t, &end, 10);
		if (end == t || errno || b < a || b > 65535 || *t == '-' || *t == '+')
			return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	*first = (uint16_t)a;
	*count = (uint16_t)(b - a + 1);
	return 0;
}

/* PROTO HOSTPORT[-END] [IP:PORT] plus --host-ip / --owner. */
static int port_parse(const struct netctl *ctx, char **pos, size_t np, const char *host_ip,
		      const char *owner, struct nat_port *p, struct plumb_err *err)
{
	memset(p, 0, sizeof(*p));
	if (nat_proto_parse(pos[0], &p->proto) < 0)
		return netctl_usage_err(ctx, err, "unknown protocol '%s' (tcp, udp or sctp)",
					pos[0]);
	if (port_range_parse(pos[1], &p->host_port, &p->count) < 0)
		return netctl_usage_err(ctx, err, "invalid host port '%s' (want 1-65535 or A-B)",
					pos[1]);
	if (np > 2 && nat_addr_port_parse(pos[2], &p->ip, &p->port) < 0)
		return netctl_usage_err(
		    ctx, err, "invalid container address '%s' (want IP:PORT or [IPv6]:PORT)",
		    pos[2]);
	if (host_ip && plumb_ip_parse(host_ip, &p->host_ip) < 0)
		return netctl_usage_err(ctx, err, "invalid --host-ip '%s'", host_ip);
	if (owner && snprintf(p->owner, sizeof(p->owner), "%s", owner) >= (int)sizeof(p->owner))
		return netctl_usage_err(ctx, err, "owner tag is too long");
	return 0;
}

static int port_change(struct netctl *ctx, int argc, char **argv, bool add, struct plumb_err *err)
{
	_cleanup_nat_ struct nat n = {0};
	const char *ns = NULL, *host_ip = NULL, *owner = NULL;
	const struct netctl_opt opts[] = {
	    {"--ns", OPT_STR, &ns},
	    {"--host-ip", OPT_STR, &host_ip},
	    {"--owner", OPT_STR, &owner},
	};
	struct nat_port p;
	char *pos[3];
	size_t np;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, add ? 3 : 2, pos, add ? 3 : 2, 3, &np, err);
	if (r < 0)
		return r;
	r = port_parse(ctx, pos, np, host_ip, owner, &p, err);
	if (r < 0)
		return r;
	r = nat_at(&n, ns, err);
	if (r < 0)
		return r;
	return add ? nat_port_add(&n, &p, 1, err) : nat_port_del(&n, &p, 1, err);
}

static int port_add(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return port_change(ctx, argc, argv, true, err);
}

static int port_del(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return port_change(ctx, argc, argv, false, err);
}

static json_t *port_json(const struct nat_port *p)
{
	char h[PLUMB_IP_STRLEN], c[PLUMB_IP_STRLEN];
	json_t *o =
	    json_pack("{s:s, s:i, s:s, s:i}", "proto", nat_proto_name(p->proto), "host_port",
		      p->host_port, "ip", plumb_ip_str(&p->ip, c, sizeof(c)), "port", p->port);

	if (p->host_ip.family)
		json_object_set_new(o, "host_ip",
				    json_string(plumb_ip_str(&p->host_ip, h, sizeof(h))));
	if (p->owner[0])
		json_object_set_new(o, "owner", json_string(p->owner));
	return o;
}

static void port_text(FILE *f, json_t *result)
{
	size_t i;
	json_t *v;

	json_array_foreach(result, i, v)
	{
		const char *hip = json_string_value(json_object_get(v, "host_ip"));
		const char *ip = json_string_value(json_object_get(v, "ip"));
		const char *owner = json_string_value(json_object_get(v, "owner"));
		bool v6 = strchr(ip, ':') != NULL;

		fprintf(f, "%-4s ", json_string_value(json_object_get(v, "proto")));
		if (hip)
			fprintf(f, v6 ? "[%s]:" : "%s:", hip);
		fprintf(f, "%lld -> ", json_integer_value(json_object_get(v, "host_port")));
		fprintf(f, v6 ? "[%s]:%lld" : "%s:%lld", ip,
			json_integer_value(json_object_get(v, "port")));
		if (owner)
			fprintf(f, " owner %s", owner);
		fputc('\n', f);
	}
}

static int port_collect(struct nat *n, const char *owner, json_t **out, struct plumb_err *err)
{
	struct nat_port *p = NULL;
	int r = nat_port_list(n, &p, err);

	if (r < 0)
		return r;
	*out = json_array();
	for (int i = 0; i < r; i++)
		if (owned(owner, p[i].owner))
			json_array_append_new(*out, port_json(&p[i]));
	free(p);
	return 0;
}

static int port_list(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_nat_ struct nat n = {0};
	const char *ns = NULL, *owner = NULL;
	const struct netctl_opt opts[] = {{"--ns", OPT_STR, &ns}, {"--owner", OPT_STR, &owner}};
	json_t *result;
	size_t np;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, 2, NULL, 0, 0, &np, err);
	if (r < 0)
		return r;
	r = nat_at(&n, ns, err);
	if (r < 0)
		return r;
	r = port_collect(&n, owner, &result, err);
	if (r < 0)
		return r;
	netctl_output(ctx, result, port_text);
	return 0;
}

static const struct netctl_cmd port_cmds[] = {
    {"add", port_add, "tcp|udp|sctp HOSTPORT[-END] IP:PORT [--host-ip IP] [--owner TAG] [--ns NS]",
     "publish a container port (or a range) on the node"},
    {"del", port_del, "tcp|udp|sctp HOSTPORT[-END] [IP:PORT] [--host-ip IP] [--ns NS]",
     "withdraw a published port"},
    {"list", port_list, "[--owner TAG] [--ns NS]", "published ports (of one owner)"},
};

static int nat_port(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	ctx->verb = "nat port";
	return netctl_dispatch(ctx, "nat port", port_cmds, ARRAY_SIZE(port_cmds), argc + 1,
			       argv - 1, err);
}

/* ---- MAC spoofing check ---- */

static int mac_parse(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != 6 ||
	    strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static int macspoof_change(struct netctl *ctx, int argc, char **argv, bool add,
			   struct plumb_err *err)
{
	_cleanup_nat_ struct nat n = {0};
	const char *ns = NULL, *owner = NULL;
	const struct netctl_opt opts[] = {{"--ns", OPT_STR, &ns}, {"--owner", OPT_STR, &owner}};
	uint8_t mac[6];
	char *pos[2];
	size_t np;
	int r = netctl_parse(ctx, argc, argv, opts, add ? 2 : 1, pos, 2, 2, &np, err);

	if (r < 0)
		return r;
	if (mac_parse(pos[1], mac) < 0)
		return netctl_usage_err(
		    ctx, err, "invalid MAC address '%s' (want aa:bb:cc:dd:ee:ff)", pos[1]);
	r = nat_at(&n, ns, err);
	if (r < 0)
		return r;
	return add ? nat_macspoof_add(&n, pos[0], mac, owner, err)
		   : nat_macspoof_del(&n, pos[0], mac, err);
}

static int macspoof_add(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return macspoof_change(ctx, argc, argv, true, err);
}

static int macspoof_del(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return macspoof_change(ctx, argc, argv, false, err);
}

static const struct netctl_cmd macspoof_cmds[] = {
    {"add", macspoof_add, "PORT MAC [--owner TAG] [--ns NS]",
     "drop frames entering the bridge from PORT whose source MAC is not MAC"},
    {"del", macspoof_del, "PORT MAC [--ns NS]", "stop checking PORT"},
};

static int nat_macspoof(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	ctx->verb = "nat macspoof";
	return netctl_dispatch(ctx, "nat macspoof", macspoof_cmds, ARRAY_SIZE(macspoof_cmds),
			       argc + 1, argv - 1, err);
}

/* ---- show, flush, owners ---- */

static void show_text(FILE *f, json_t *result)
{
	if (!json_is_true(json_object_get(result, "table"))) {
		fprintf(f, "table inet plumb: absent\n");
		return;
	}
	fprintf(f, "table inet plumb\nmasquerade:\n");
	masq_text(f, json_object_get(result, "masquerade"));
	fprintf(f, "ports:\n");
	port_text(f, json_object_get(result, "ports"));
}

/* Options --ns only, no positionals; then open. */
static int ns_only(struct netctl *ctx, int argc, char **argv, struct nat *n, char **pos,
		   size_t minp, size_t maxp, size_t *np, struct plumb_err *err)
{
	const char *ns = NULL;
	const struct netctl_opt opts[] = {{"--ns", OPT_STR, &ns}};
	int r = netctl_parse(ctx, argc, argv, opts, 1, pos, minp, maxp, np, err);

	return r < 0 ? r : nat_at(n, ns, err);
}

static int nat_show(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_nat_ struct nat n = {0};
	const char *ns = NULL, *owner = NULL;
	const struct netctl_opt opts[] = {{"--ns", OPT_STR, &ns}, {"--owner", OPT_STR, &owner}};
	json_t *masq = NULL, *ports = NULL;
	size_t np;
	int r = netctl_parse(ctx, argc, argv, opts, 2, NULL, 0, 0, &np, err);

	if (r == 0)
		r = nat_at(&n, ns, err);
	if (r < 0)
		return r;
	r = nat_table_exists(&n, err);
	if (r < 0)
		return r;
	if (r == 0) {
		netctl_output(ctx, json_pack("{s:b}", "table", 0), show_text);
		return 0;
	}
	r = masq_collect(&n, -1, owner, &masq, err);
	if (r == 0)
		r = port_collect(&n, owner, &ports, err);
	if (r < 0) {
		json_decref(masq);
		return r;
	}
	netctl_output(ctx,
		      json_pack("{s:b, s:o, s:o}", "table", 1, "masquerade", masq, "ports", ports),
		      show_text);
	return 0;
}

static int nat_flush(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_nat_ struct nat n = {0};
	size_t np;
	int r = ns_only(ctx, argc, argv, &n, NULL, 0, 0, &np, err);

	return r < 0 ? r : nat_table_destroy(&n, err);
}

static void removed_text(FILE *f, json_t *result)
{
	fprintf(f, "removed %lld\n", json_integer_value(json_object_get(result, "removed")));
}

static int nat_owner_del_cmd(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_nat_ struct nat n = {0};
	char *pos[1];
	size_t np;
	int r = ns_only(ctx, argc, argv, &n, pos, 1, 1, &np, err);

	if (r == 0)
		r = nat_owner_del(&n, pos[0], err);
	if (r >= 0)
		netctl_output(ctx, json_pack("{s:i}", "removed", r), removed_text);
	return r < 0 ? r : 0;
}

static int nat_gc_cmd(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_nat_ struct nat n = {0};
	char *pos[32];
	size_t np;
	int r = ns_only(ctx, argc, argv, &n, pos, 1, 32, &np, err);

	if (r == 0)
		r = nat_owner_gc(&n, pos[0], (const char *const *)pos + 1, np - 1, err);
	if (r >= 0)
		netctl_output(ctx, json_pack("{s:i}", "removed", r), removed_text);
	return r < 0 ? r : 0;
}

static const struct netctl_cmd nat_cmds[] = {
    {"masq", nat_masq, "add|del|list ...", "masquerade pod subnets"},
    {"exclude", nat_exclude, "add|del|list ...", "destinations never masqueraded"},
    {"port", nat_port, "add|del|list ...", "publish container ports on the node"},
    {"macspoof", nat_macspoof, "add|del PORT MAC ...", "source MAC check on bridge ports"},
    {"show", nat_show, "[--owner TAG] [--ns NS]", "everything plumb programmed in table inet plumb"},
    {"flush", nat_flush, "[--ns NS]", "remove tables inet/bridge plumb (and nothing else)"},
    {"owner-del", nat_owner_del_cmd, "TAG [--ns NS]", "remove every element tagged TAG"},
    {"gc", nat_gc_cmd, "PREFIX [VALID-TAG...] [--ns NS]",
     "remove elements tagged PREFIX* that are not in the valid list"},
};

int netctl_nat(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return netctl_dispatch(ctx, "nat", nat_cmds, ARRAY_SIZE(nat_cmds), argc, argv, err);
}
