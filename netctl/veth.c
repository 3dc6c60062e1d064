// SPDX-License-Identifier: MIT
/*
 * netctl veth add|del — connect a namespace to the host (and a bridge) in one
 * command: the pair, the container end's addresses, its default routes. If any
 * step fails the pair is deleted, which takes everything added to it along.
 */
#include "netctl/netctl.h"

#include "bridge/bridge.h"
#include "netctl/rtnl.h"
#include "veth/veth.h"

#include <errno.h>
#include <string.h>

int netctl_veth_add_parse(struct netctl *ctx, int argc, char **argv, struct veth_add_args *a,
			  struct plumb_err *err)
{
	const struct netctl_opt opts[] = {
		{"--ns", OPT_STR, &a->ns},	       {"--name", OPT_STR, &a->name},
		{"--host-name", OPT_STR, &a->host_name}, {"--id", OPT_STR, &a->id},
		{"--bridge", OPT_STR, &a->bridge},     {"--mac", OPT_STR, &a->mac},
		{"--addr", OPT_MULTI, &a->addrs},      {"--gw", OPT_MULTI, &a->gws},
		{"--mtu", OPT_UINT, &a->mtu, 65535},
	};
	size_t n;
	int r;

	a->name = "eth0";
	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), NULL, 0, 0, &n, err);
	if (r < 0)
		return r;
	if (!a->ns)
		return netctl_usage_err(ctx, err, "missing --ns NS (the namespace to connect)");
	if (plumb_link_name_check(a->name, err) < 0 ||
	    (a->host_name && plumb_link_name_check(a->host_name, err) < 0) ||
	    (a->bridge && plumb_link_name_check(a->bridge, err) < 0))
		return netctl_usage_err(ctx, err, "%s", err->msg);
	if (a->addrs.n > VETH_MAX_ADDRS || a->gws.n > VETH_MAX_ADDRS)
		return netctl_usage_err(ctx, err, "at most %d --addr and %d --gw", VETH_MAX_ADDRS,
					VETH_MAX_ADDRS);
	for (size_t i = 0; i < a->addrs.n; i++)
		if (netctl_parse_cidr(ctx, "--addr", a->addrs.v[i], &a->cidrs[i], err) < 0)
			return -EINVAL;
	for (size_t i = 0; i < a->gws.n; i++) {
		if (netctl_parse_ip(ctx, "--gw", a->gws.v[i], &a->gw[i], err) < 0)
			return -EINVAL;
		for (size_t k = 0; k < i; k++)
			if (a->gw[k].family == a->gw[i].family)
				return netctl_usage_err(ctx, err, "two --gw of the same family");
	}
	if (a->mac && plumb_mac_parse(a->mac, a->cfg.mac) < 0)
		return netctl_usage_err(ctx, err, "invalid MAC '%s' for --mac", a->mac);
	a->cfg.has_mac = a->mac != NULL;
	a->cfg.ifname = a->name;
	a->cfg.host_name = a->host_name;
	/* Without --id the namespace's name identifies the "container". */
	a->cfg.container_id = a->id ? a->id : a->ns;
	a->cfg.mtu = (unsigned)a->mtu;
	for (size_t i = 0; i < a->addrs.n; i++)
		a->cfg.no_dad |= a->cidrs[i].ip.family == AF_INET6;
	return 0;
}

/* Addresses and default routes on the container end. */
static int veth_configure(struct plumb_nl *pod, const struct veth_add_args *a, int ifindex,
			  struct plumb_err *err)
{
	int r;

	for (size_t i = 0; i < a->addrs.n; i++) {
		r = plumb_addr_add(pod, ifindex, &a->cidrs[i], PLUMB_ADDR_NODAD, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < a->gws.n; i++) {
		struct plumb_route rt = {.gw = a->gw[i], .ifindex = ifindex};

		rt.dst.ip.family = a->gw[i].family;
		r = plumb_route_add(pod, &rt, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static json_t *pair_json(const struct veth_add_args *a, const struct veth_pair *p)
{
	json_t *host = netctl_json_link(&p->host, NULL, 0), *cont = netctl_json_link(&p->cont, NULL, 0);
	json_t *addrs = json_array();

	json_object_set_new(cont, "netns", json_string(a->ns));
	if (a->bridge)
		json_object_set_new(host, "master", json_string(a->bridge));
	for (size_t i = 0; i < a->addrs.n; i++)
		json_array_append_new(addrs, json_string(a->addrs.v[i]));
	json_object_set_new(cont, "addresses", addrs);
	return json_pack("{s:o, s:o}", "host", host, "container", cont);
}

static void pair_text(FILE *f, json_t *r)
{
	json_t *h = json_object_get(r, "host"), *c = json_object_get(r, "container");

	fprintf(f, "%s%s%s%s <-> %s in netns %s\n", json_string_value(json_object_get(h, "ifname")),
		json_object_get(h, "master") ? " (bridge " : "",
		json_object_get(h, "master") ? json_string_value(json_object_get(h, "master")) : "",
		json_object_get(h, "master") ? ")" : "",
		json_string_value(json_object_get(c, "ifname")),
		json_string_value(json_object_get(c, "netns")));
}

static int veth_add(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_ns_ struct netctl_ns host = NETCTL_NS_INIT, pod = NETCTL_NS_INIT;
	struct veth_add_args a = {0};
	struct veth_pair p;
	int r;

	r = netctl_veth_add_parse(ctx, argc, argv, &a, err);
	if (r < 0)
		return r;
	r = netctl_ns_open(a.ns, &pod, err);
	if (r < 0)
		return r;
	r = netctl_ns_open(NULL, &host, err);
	if (r < 0)
		return r;
	if (a.bridge) {
		struct plumb_link br;

		r = bridge_get(&host.nl, a.bridge, &br, err);
		if (r < 0)
			return r;
		a.cfg.master = br.ifindex;
	}
	r = veth_pair_create(&host.nl, &pod.nl, &a.cfg, &p, err);
	if (r < 0)
		return r;
	r = veth_configure(&pod.nl, &a, p.cont.ifindex, err);
	if (r < 0) {
		/* Rollback: one delete takes the pair, its addresses and routes. */
		plumb_link_del(&host.nl, p.host.ifindex, NULL);
		return plumb_err_wrap(err, r, "netctl veth add (rolled back, veth '%s' deleted)",
				      p.host.name);
	}
	netctl_output(ctx, pair_json(&a, &p), pair_text);
	return 0;
}

static int veth_del(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_ns_ struct netctl_ns ns = NETCTL_NS_INIT;
	const char *ns_name = NULL;
	bool missing_ok = false;
	const struct netctl_opt opts[] = {
		{"--ns", OPT_STR, &ns_name},
		{"--missing-ok", OPT_FLAG, &missing_ok},
	};
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
		r = veth_pair_delete(&ns.nl, pos[i], err);
		if (r < 0)
			return r;
		if (r == 0 && !missing_ok)
			return plumb_err_set(err, ENODEV, "veth '%s' does not exist in netns '%s'",
					     pos[i], plumb_nl_ns(&ns.nl));
	}
	return 0;
}

static void peers_text(FILE *f, json_t *result)
{
	json_t *v;
	size_t i;

	json_array_foreach(result, i, v) pair_text(f, v);
}

/* netctl veth show --ns NS [NAME]: the container ends in NS and their host peers
 * here (veth_peer_find). */
static int veth_show(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_ns_ struct netctl_ns host = NETCTL_NS_INIT, pod = NETCTL_NS_INIT;
	_cleanup_free_ struct plumb_link *links = NULL, *hlinks = NULL;
	const char *ns_name = NULL;
	const struct netctl_opt opts[] = {{"--ns", OPT_STR, &ns_name}};
	char *pos[1] = {NULL};
	json_t *result;
	size_t n;
	int r, nl, nh;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), pos, 0, 1, &n, err);
	if (r < 0)
		return r;
	if (!ns_name)
		return netctl_usage_err(ctx, err, "missing --ns NS");
	r = netctl_ns_open(ns_name, &pod, err);
	if (r < 0)
		return r;
	r = netctl_ns_open(NULL, &host, err);
	if (r < 0)
		return r;
	nl = plumb_link_list(&pod.nl, &links, err);
	if (nl < 0)
		return nl;
	nh = plumb_link_list(&host.nl, &hlinks, err);
	if (nh < 0)
		return nh;
	result = json_array();
	for (int i = 0; i < nl; i++) {
		struct plumb_link peer;
		json_t *c, *h;

		if (pos[0] ? strcmp(links[i].name, pos[0]) : strcmp(links[i].kind, "veth"))
			continue;
		r = veth_peer_find(&pod.nl, links[i].name, &host.nl, &peer, err);
		if (r == -ENOENT && !pos[0]) { /* its peer is elsewhere: not ours to show */
			plumb_err_clear(err);
			continue;
		}
		if (r < 0) {
			json_decref(result);
			return r;
		}
		c = netctl_json_link(&links[i], links, nl);
		json_object_set_new(c, "netns", json_string(ns_name));
		h = netctl_json_link(&peer, hlinks, nh);
		json_object_set_new(h, "netns", json_string(host.name));
		json_array_append_new(result, json_pack("{s:o, s:o}", "host", h, "container", c));
	}
	netctl_output(ctx, result, peers_text);
	return 0;
}

static const struct netctl_cmd veth_cmds[] = {
	{"add", veth_add,
	 "--ns NS [--name eth0] [--host-name H | --id ID] [--bridge BR] [--addr CIDR]... "
	 "[--gw IP]... [--mtu N] [--mac MAC]",
	 "connect NS: a veth pair with its end in NS named --name, the host end on BR,\n"
	 "      addresses and default routes; all undone if any step fails"},
	{"del", veth_del, "NAME... [--ns NS] [--missing-ok]",
	 "delete veth pairs by either end (the end named NAME in NS)"},
	{"show", veth_show, "--ns NS [NAME]", "the veths in NS and their host ends here"},
};

int netctl_veth(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return netctl_dispatch(ctx, "veth", veth_cmds, ARRAY_SIZE(veth_cmds), argc, argv, err);
}
