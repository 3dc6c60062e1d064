// SPDX-License-Identifier: MIT
/* netctl addr add|del|show — IPv4/IPv6 addresses in any namespace. */
#include "netctl/netctl.h"

#include "netctl/rtnl.h"

#include <errno.h>

static void addr_text(FILE *f, json_t *result)
{
	json_t *v;
	size_t i;

	json_array_foreach(result, i, v)
		fprintf(f, "%s %s scope %s\n", json_string_value(json_object_get(v, "dev")),
			json_string_value(json_object_get(v, "address")),
			json_string_value(json_object_get(v, "scope")));
}

/* add and del: "CIDR --dev IF [--ns NS] [--nodad]". */
static int addr_change(struct netctl *ctx, int argc, char **argv, bool add, struct plumb_err *err)
{
	_cleanup_ns_ struct netctl_ns ns = NETCTL_NS_INIT;
	const char *ns_name = NULL, *dev = NULL;
	bool nodad = false;
	const struct netctl_opt opts[] = {
		{"--ns", OPT_STR, &ns_name},
		{"--dev", OPT_STR, &dev},
		{"--nodad", OPT_FLAG, &nodad},
	};
	struct plumb_cidr c;
	struct plumb_link l;
	char *pos[1];
	size_t n;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts) - !add, pos, 1, 1, &n, err);
	if (r < 0)
		return r;
	if (!dev)
		return netctl_usage_err(ctx, err, "missing --dev IFNAME");
	r = netctl_parse_cidr(ctx, "the address", pos[0], &c, err);
	if (r < 0)
		return r;
	r = netctl_ns_open(ns_name, &ns, err);
	if (r < 0)
		return r;
	r = plumb_link_get(&ns.nl, dev, 0, &l, err);
	if (r < 0)
		return r;
	if (add)
		r = plumb_addr_add(&ns.nl, l.ifindex, &c, nodad ? PLUMB_ADDR_NODAD : 0, err);
	else
		r = plumb_addr_del(&ns.nl, l.ifindex, &c, err);
	return r < 0 ? plumb_err_wrap(err, r, "interface '%s'", dev) : 0;
}

static int addr_add(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return addr_change(ctx, argc, argv, true, err);
}

static int addr_del(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return addr_change(ctx, argc, argv, false, err);
}

static int addr_show(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_ns_ struct netctl_ns ns = NETCTL_NS_INIT;
	_cleanup_free_ struct plumb_link *links = NULL;
	_cleanup_free_ struct plumb_addr *addrs = NULL;
	const char *ns_name = NULL, *dev = NULL;
	const struct netctl_opt opts[] = {{"--ns", OPT_STR, &ns_name}, {"--dev", OPT_STR, &dev}};
	int r, nlinks, naddrs, ifindex = 0;
	json_t *result;
	size_t n;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), NULL, 0, 0, &n, err);
	if (r < 0)
		return r;
	r = netctl_ns_open(ns_name, &ns, err);
	if (r < 0)
		return r;
	nlinks = plumb_link_list(&ns.nl, &links, err);
	if (nlinks < 0)
		return nlinks;
	if (dev) {
		struct plumb_link l;

		r = plumb_link_get(&ns.nl, dev, 0, &l, err);
		if (r < 0)
			return r;
		ifindex = l.ifindex;
	}
	naddrs = plumb_addr_list(&ns.nl, ifindex, AF_UNSPEC, &addrs, err);
	if (naddrs < 0)
		return naddrs;
	result = json_array();
	for (int i = 0; i < naddrs; i++) {
		json_t *o = netctl_json_addr(&addrs[i]);
		const char *name = netctl_ifname(links, nlinks, addrs[i].ifindex);

		json_object_set_new(o, "dev", json_string(name ? name : "?"));
		json_array_append_new(result, o);
	}
	netctl_output(ctx, result, addr_text);
	return 0;
}

static const struct netctl_cmd addr_cmds[] = {
	{"add", addr_add, "CIDR --dev IF [--ns NS] [--nodad]", "add an address"},
	{"del", addr_del, "CIDR --dev IF [--ns NS]", "delete an address"},
	{"show", addr_show, "[--dev IF] [--ns NS]", "list addresses"},
};

int netctl_addr(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return netctl_dispatch(ctx, "addr", addr_cmds, ARRAY_SIZE(addr_cmds), argc, argv, err);
}
