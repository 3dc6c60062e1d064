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

/* The gateway sysctls --forward and --route-localnet ask for; a failure undoes
 * the bridge if this command created it. */
static int bridge_sysctls(struct netctl_ns *ns, const struct bridge_config *cfg,
			  const struct bridge_info *bi, bool forward, bool localnet,
			  struct plumb_err *err)
{
	bool v4 = !cfg->naddrs, v6 = false;
	int r = 0;

	for (size_t i = 0; i < cfg->naddrs; i++) {
		v4 |= cfg->addrs[i].ip.family == AF_INET;
		v6 |= cfg->addrs[i].ip.family == AF_INET6;
	}
	if (forward && v4)
		r = plumb_ns_ip_forward(ns->fd, AF_INET, err);
	if (!r && forward && v6)
		r = plumb_ns_ip_forward(ns->fd, AF_INET6, err);
	if (!r && localnet)
		r = plumb_ns_route_localnet(ns->fd, cfg->name, err);
	if (r < 0) {
		if (bi->created)
			plumb_link_del(&ns->nl, bi->link.ifindex, NULL);
		return plumb_err_wrap(err, r, "bridge '%s' in netns '%s'", cfg->name, ns->name);
	}
	return 0;
}

static int bridge_add(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_ns_ struct netctl_ns ns = NETCTL_NS_INIT;
	struct netctl_strv addrs = {0};
	struct bridge_config cfg = {0};
	struct bridge_info bi;
	const char *ns_name = NULL;
	uint64_t mtu = 0;
	bool forward = false, localnet = false;
	char *pos[1];
	json_t *o, *result;
	size_t n;
	int r;
	const struct netctl_opt opts[] = {
		{"--addr", OPT_MULTI, &addrs},
		{"--mtu", OPT_UINT, &mtu, 65535},
		{"--promisc", OPT_FLAG, &cfg.promisc},
		{"--vlan-filtering", OPT_FLAG, &cfg.vlan_filtering},
		{"--forward", OPT_FLAG, &forward},
		{"--route-localnet", OPT_FLAG, &localnet},
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
	r = bridge_sysctls(&ns, &cfg, &bi, forward, localnet, err);
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

static int parse_onoff(const struct netctl *ctx, const char *opt, const char *v, bool *out,
		       struct plumb_err *err)
{
	if (!strcmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "off"))
		*out = false;
	else
		return netctl_usage_err(ctx, err, "%s takes on or off, not '%s'", opt, v);
	return 0;
}

/* netctl bridge port PORT [--master BR | --nomaster] [--hairpin on|off] [--pvid N] */
static int bridge_port(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_ns_ struct netctl_ns ns = NETCTL_NS_INIT;
	const char *ns_name = NULL, *master = NULL, *hairpin = NULL;
	bool nomaster = false;
	uint64_t pvid = 0;
	const struct netctl_opt opts[] = {
		{"--ns", OPT_STR, &ns_name},	   {"--master", OPT_STR, &master},
		{"--nomaster", OPT_FLAG, &nomaster}, {"--hairpin", OPT_STR, &hairpin},
		{"--pvid", OPT_UINT, &pvid, 4094},
	};
	struct bridge_port_config pc = {0};
	struct plumb_link port, br;
	char *pos[1];
	size_t n;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), pos, 1, 1, &n, err);
	if (r < 0)
		return r;
	if (master && nomaster)
		return netctl_usage_err(ctx, err, "--master and --nomaster exclude each other");
	if (hairpin && parse_onoff(ctx, "--hairpin", hairpin, &pc.hairpin, err) < 0)
		return -EINVAL;
	pc.set_hairpin = hairpin != NULL;
	pc.pvid = (unsigned)pvid;
	r = netctl_ns_open(ns_name, &ns, err);
	if (r < 0)
		return r;
	r = plumb_link_get(&ns.nl, pos[0], 0, &port, err);
	if (r < 0)
		return r;
	if (master) {
		r = bridge_get(&ns.nl, master, &br, err);
		if (r < 0)
			return r;
		r = bridge_port_attach(&ns.nl, br.ifindex, port.ifindex, err);
	} else if (nomaster) {
		r = bridge_port_detach(&ns.nl, port.ifindex, err);
	}
	if (r >= 0)
		r = bridge_port_set(&ns.nl, port.ifindex, &pc, err);
	return r < 0 ? plumb_err_wrap(err, r, "bridge port '%s'", pos[0]) : 0;
}

static const struct netctl_cmd bridge_cmds[] = {
	{"add", bridge_add,
	 "NAME [--addr CIDR]... [--mtu N] [--promisc] [--vlan-filtering] [--forward]\n"
	 "      [--route-localnet] [--ns NS]",
	 "create a bridge, or bring an existing one to these settings (idempotent);\n"
	 "      --forward turns on IP forwarding in its namespace"},
	{"port", bridge_port,
	 "PORT [--master BR | --nomaster] [--hairpin on|off] [--pvid N] [--ns NS]",
	 "attach/detach a port and set its hairpin mode and PVID"},
	{"del", bridge_del, "NAME... [--ns NS]", "delete bridges (their ports stay)"},
	{"show", bridge_show, "[NAME] [--ns NS]", "bridges with their addresses and ports"},
};

int netctl_bridge(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return netctl_dispatch(ctx, "bridge", bridge_cmds, ARRAY_SIZE(bridge_cmds), argc, argv,
			       err);
}
