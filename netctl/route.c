// SPDX-License-Identifier: MIT
/* netctl route add|del|show — unicast routes (main table) in any namespace. */
#include "netctl/netctl.h"

#include "netctl/rtnl.h"

#include <errno.h>
#include <string.h>

static void route_text(FILE *f, json_t *result)
{
	json_t *v, *x;
	size_t i;

	json_array_foreach(result, i, v) {
		fprintf(f, "%s", json_string_value(json_object_get(v, "dst")));
		if ((x = json_object_get(v, "gateway")))
			fprintf(f, " via %s", json_string_value(x));
		if ((x = json_object_get(v, "dev")))
			json_is_string(x) ? fprintf(f, " dev %s", json_string_value(x))
					  : fprintf(f, " dev #%lld", json_integer_value(x));
		if ((x = json_object_get(v, "metric")))
			fprintf(f, " metric %lld", json_integer_value(x));
		if (json_object_get(v, "onlink"))
			fprintf(f, " onlink");
		fputc('\n', f);
	}
}

/* "DST|default[-4|-6] [--via IP] [--dev IF] [--metric N] [--onlink] [--ns NS]". */
static int route_change(struct netctl *ctx, int argc, char **argv, bool add,
			struct plumb_err *err)
{
	_cleanup_ns_ struct netctl_ns ns = NETCTL_NS_INIT;
	const char *ns_name = NULL, *via = NULL, *dev = NULL;
	uint64_t metric = 0;
	bool onlink = false, v6 = false;
	const struct netctl_opt opts[] = {
		{"--ns", OPT_STR, &ns_name},		 {"--via", OPT_STR, &via},
		{"--dev", OPT_STR, &dev},	 {"--metric", OPT_UINT, &metric, UINT32_MAX},
		{"--onlink", OPT_FLAG, &onlink}, {"-6", OPT_FLAG, &v6},
	};
	struct plumb_route rt = {0};
	char *pos[1];
	size_t n;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), pos, 1, 1, &n, err);
	if (r < 0)
		return r;
	if (via) {
		r = netctl_parse_ip(ctx, "--via", via, &rt.gw, err);
		if (r < 0)
			return r;
	}
	if (!strcmp(pos[0], "default")) {
		/* The family of a default route comes from --via, or -6. */
		rt.dst.ip.family = rt.gw.family ? rt.gw.family : v6 ? AF_INET6 : AF_INET;
	} else {
		r = netctl_parse_cidr(ctx, "the destination", pos[0], &rt.dst, err);
		if (r < 0)
			return r;
	}
	if (rt.gw.family && rt.gw.family != rt.dst.ip.family)
		return netctl_usage_err(ctx, err, "--via %s and destination %s differ in family", via,
					pos[0]);
	if (add && !via && !dev)
		return netctl_usage_err(ctx, err, "need --via IP or --dev IF");
	rt.metric = (unsigned)metric;
	rt.onlink = onlink;
	r = netctl_ns_open(ns_name, &ns, err);
	if (r < 0)
		return r;
	if (dev) {
		struct plumb_link l;

		r = plumb_link_get(&ns.nl, dev, 0, &l, err);
		if (r < 0)
			return r;
		rt.ifindex = l.ifindex;
	}
	return add ? plumb_route_add(&ns.nl, &rt, err) : plumb_route_del(&ns.nl, &rt, err);
}

static int route_add(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return route_change(ctx, argc, argv, true, err);
}

static int route_del(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return route_change(ctx, argc, argv, false, err);
}

static int route_show(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_ns_ struct netctl_ns ns = NETCTL_NS_INIT;
	_cleanup_free_ struct plumb_link *links = NULL;
	_cleanup_free_ struct plumb_route *routes = NULL;
	const char *ns_name = NULL;
	bool v4 = false, v6 = false;
	const struct netctl_opt opts[] = {
		{"--ns", OPT_STR, &ns_name}, {"-4", OPT_FLAG, &v4}, {"-6", OPT_FLAG, &v6}};
	int r, nlinks, nroutes;
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
	nroutes = plumb_route_list(&ns.nl, v4 == v6 ? AF_UNSPEC : v4 ? AF_INET : AF_INET6, 0, &routes,
				   err);
	if (nroutes < 0)
		return nroutes;
	result = json_array();
	for (int i = 0; i < nroutes; i++)
		json_array_append_new(result, netctl_json_route(&routes[i], links, nlinks));
	netctl_output(ctx, result, route_text);
	return 0;
}

static const struct netctl_cmd route_cmds[] = {
	{"add", route_add, "DST|default [-6] [--via IP] [--dev IF] [--metric N] [--onlink] [--ns NS]",
	 "add a route to the main table"},
	{"del", route_del, "DST|default [-6] [--via IP] [--dev IF] [--metric N] [--ns NS]",
	 "delete a route"},
	{"show", route_show, "[-4|-6] [--ns NS]", "list the main table's unicast routes"},
};

int netctl_route(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return netctl_dispatch(ctx, "route", route_cmds, ARRAY_SIZE(route_cmds), argc, argv, err);
}
