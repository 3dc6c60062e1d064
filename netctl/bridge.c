// SPDX-License-Identifier: MIT
/* netctl bridge add|del|show — Linux bridges and their gateway addresses. */
#include "netctl/netctl.h"

#include "bridge/bridge.h"
#include "netctl/rtnl.h"

#include <errno.h>
#include <string.h>

/* {"ifname", ..., "addresses": [...], "ports": [...]} for one bridge. */
static int bridge_json(struct plumb_nl *nl, const struct plumb_link *br, json_t **out,
		       struct plumb_err *err)
{
	_cleanup_free_ struct plumb_addr *addrs = NULL;
	_cleanup_free_ struct plumb_link *ports = NULL;
	json_t *o, *a, *p;
	int na, np;

	na = plumb_addr_list(nl, br->ifindex, AF_UNSPEC, &addrs, err);
	if (na < 0)
		return na;
	np = bridge_ports(nl, br->ifindex, &ports, err);
	if (np < 0)
		return np;
	o = netctl_json_link(br, NULL, 0);
	a = json_array();
	p = json_array();
	for (int i = 0; i < na; i++)
		if (addrs[i].scope == 0) /* gateway addresses, not fe80:: */
			json_array_append_new(a, netctl_json_addr(&addrs[i]));
	for (int i = 0; i < np; i++)
		json_array_append_new(p, json_string(ports[i].name));
	json_object_set_new(o, "addresses", a);
	json_object_set_new(o, "ports", p);
	*out = o;
	return 0;
}

static void bridge_text(FILE *f, json_t *result)
{
	json_t *br, *v;
	size_t i, k;

	json_array_foreach(result, i, br) {
		fprintf(f, "%s: mtu %lld %s%s\n", json_string_value(json_object_get(br, "ifname")),
			json_integer_value(json_object_get(br, "mtu")),
			json_is_true(json_object_get(br, "up")) ? "up" : "down",
			json_is_true(json_object_get(br, "promisc")) ? " promisc" : "");
		json_array_foreach(json_object_get(br, "addresses"), k, v)
			fprintf(f, "    address %s\n", json_string_value(json_object_get(v, "address")));
		json_array_foreach(json_object_get(br, "ports"), k, v)
			fprintf(f, "    port %s\n", json_string_value(v));
	}
}

static int bridge_add(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_ns_ struct netctl_ns ns = NETCTL_NS_INIT;
	struct netctl_strv addrs = {0};
	struct bridge_config cfg = {0};
	struct bridge_info bi;
	const char *ns_name = NULL;
	uint64_t mtu = 0;
	char *pos[1];
	json_t *o, *result;
	size_t n;
	int r;
	const struct netctl_opt opts[] = {
		{"--addr", OPT_MULTI, &addrs},
		{"--mtu", OPT_UINT, &mtu, 65535},
		{"--promisc", OPT_FLAG, &cfg.promisc},
		{"--vlan-filtering", OPT_FLAG, &cfg.vlan_filtering},
		{"--ns", OPT_STR, &ns_name},
	};

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), pos, 1, 1, &n, err);
	if (r < 0)
		return r;
	cfg.name = pos[0];
	r = plumb_link_name_check(cfg.name, err);
	if (r < 0)
		return netctl_usage_err(ctx, err, "%s", err->msg);
	if (addrs.n > BRIDGE_MAX_ADDRS)
		return netctl_usage_err(ctx, err, "at most %d --addr", BRIDGE_MAX_ADDRS);
	for (size_t i = 0; i < addrs.n; i++) {
		r = netctl_parse_cidr(ctx, "--addr", addrs.v[i], &cfg.addrs[i], err);
		if (r < 0)
			return r;
	}
	cfg.naddrs = addrs.n;
	cfg.mtu = (unsigned)mtu;
	r = netctl_ns_open(ns_name, &ns, err);
	if (r < 0)
		return r;
	r = bridge_ensure(&ns.nl, &cfg, &bi, err);
	if (r < 0)
		return r;
	r = bridge_json(&ns.nl, &bi.link, &o, err);
	if (r < 0)
		return r;
	json_object_set_new(o, "created", json_boolean(bi.created));
	result = json_array();
	json_array_append_new(result, o);
	netctl_output(ctx, result, NULL);
	return 0;
}

static int bridge_del(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_ns_ struct netctl_ns ns = NETCTL_NS_INIT;
	const char *ns_name = NULL;
	const struct netctl_opt opts[] = {{"--ns", OPT_STR, &ns_name}};
	char *pos[16];
	size_t n;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), pos, 1, 16, &n, err);
	if (r < 0)
		return r;
	r = netctl_ns_open(ns_name, &ns, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = bridge_delete(&ns.nl, pos[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int bridge_show(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_ns_ struct netctl_ns ns = NETCTL_NS_INIT;
	_cleanup_free_ struct plumb_link *links = NULL;
	const char *ns_name = NULL;
	const struct netctl_opt opts[] = {{"--ns", OPT_STR, &ns_name}};
	char *pos[1] = {NULL};
	json_t *result, *o;
	size_t n;
	int r, nl_n;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), pos, 0, 1, &n, err);
	if (r < 0)
		return r;
	r = netctl_ns_open(ns_name, &ns, err);
	if (r < 0)
		return r;
	if (n) {
		struct plumb_link br;

		r = bridge_get(&ns.nl, pos[0], &br, err);
		if (r < 0)
			return r;
		r = bridge_json(&ns.nl, &br, &o, err);
		if (r < 0)
			return r;
		result = json_array();
		json_array_append_new(result, o);
		netctl_output(ctx, result, bridge_text);
		return 0;
	}
	nl_n = plumb_link_list(&ns.nl, &links, err);
	if (nl_n < 0)
		return nl_n;
	result = json_array();
	for (int i = 0; i < nl_n; i++) {
		if (strcmp(links[i].kind, "bridge"))
			continue;
		r = bridge_json(&ns.nl, &links[i], &o, err);
		if (r < 0) {
			json_decref(result);
			return r;
		}
		json_array_append_new(result, o);
	}
	netctl_output(ctx, result, bridge_text);
	return 0;
}

static const struct netctl_cmd bridge_cmds[] = {
	{"add", bridge_add,
	 "NAME [--addr CIDR]... [--mtu N] [--promisc] [--vlan-filtering] [--ns NS]",
	 "create a bridge, or bring an existing one to these settings (idempotent)"},
	{"del", bridge_del, "NAME... [--ns NS]", "delete bridges (their ports stay)"},
	{"show", bridge_show, "[NAME] [--ns NS]", "bridges with their addresses and ports"},
};

int netctl_bridge(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return netctl_dispatch(ctx, "bridge", bridge_cmds, ARRAY_SIZE(bridge_cmds), argc, argv,
			       err);
}
