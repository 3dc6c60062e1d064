// SPDX-License-Identifier: MIT
/* bridge ADD: IPAM, bridge, veth, addresses, routes, rules — all or nothing.
 * Every step that leaves state records how to undo it; a failure unwinds them
 * in reverse, so a failed ADD leaves no veth, no lease and no rule. The bridge
 * itself and its gateway address are shared by every pod and stay, as with the
 * reference plugin. */
#include "cni-plugins/bridge/internal.h"

#include "bridge/bridge.h"
#include "common/addr.h"
#include "common/netns.h"
#include "common/route.h"
#include "veth/veth.h"

#include <errno.h>
#include <string.h>

struct add_ctx {
	struct cni_req *req;
	struct br_conf bc;
	struct plumb_nl host, pod;
	struct cni_result ipam; /* what IPAM gave: ips, routes, dns */
	struct plumb_ip gw[CNI_MAX_IPS];
	struct bridge_info br;
	struct veth_pair veth;
	bool undo_ipam, undo_veth, undo_rules;
};

/* The gateway of each address: IPAM's, or with isGateway and none given the
 * subnet's first address, as the reference computes it. */
static int pick_gateways(struct add_ctx *c, struct plumb_err *err)
{
	for (size_t i = 0; i < c->ipam.n_ips; i++) {
		struct cni_ipconf *ip = &c->ipam.ips[i];
		struct plumb_cidr net;

		c->gw[i] = ip->gateway;
		if (c->gw[i].family || !c->bc.is_gateway)
			continue;
		plumb_cidr_network(&ip->address, &net);
		if (plumb_ip_add(&net.ip, 1, &c->gw[i]) < 0)
			return plumb_err_set(err, EINVAL, "no gateway address fits %s's subnet",
					     c->bc.bridge);
		ip->gateway = c->gw[i];
	}
	return 0;
}

static void bridge_addrs(struct add_ctx *c, struct bridge_config *cfg)
{
	for (size_t i = 0; c->bc.is_gateway && i < c->ipam.n_ips; i++) {
		struct plumb_cidr g = {.ip = c->gw[i], .prefix = c->ipam.ips[i].address.prefix};
		bool dup = false;

		if (!g.ip.family)
			continue;
		for (size_t j = 0; j < cfg->naddrs; j++)
			dup |= plumb_cidr_equal(&cfg->addrs[j], &g);
		if (!dup && cfg->naddrs < BRIDGE_MAX_ADDRS)
			cfg->addrs[cfg->naddrs++] = g;
	}
}

/* forceAddress: drop an existing bridge's other addresses inside a gateway's
 * subnet before ours go on (deleting a primary IPv4 address after would take
 * our then-secondary one with it). */
static int force_addresses(struct add_ctx *c, const struct bridge_config *cfg,
			   struct plumb_err *err)
{
	_cleanup_free_ struct plumb_addr *have = NULL;
	struct plumb_link br;
	int n = bridge_get(&c->host, cfg->name, &br, err);

	if (n == -ENODEV) {
		plumb_err_clear(err);
		return 0;
	}
	if (n < 0 || (n = plumb_addr_list(&c->host, br.ifindex, AF_UNSPEC, &have, err)) < 0)
		return n;
	for (int i = 0; i < n; i++)
		for (size_t j = 0; j < cfg->naddrs; j++) {
			struct plumb_cidr net;

			plumb_cidr_network(&cfg->addrs[j], &net);
			if (have[i].cidr.ip.family != net.ip.family ||
			    !plumb_cidr_contains(&net, &have[i].cidr.ip) ||
			    plumb_cidr_equal(&have[i].cidr, &cfg->addrs[j]))
				continue;
			int r = plumb_addr_del(&c->host, br.ifindex, &have[i].cidr, err);

			if (r < 0 && r != -EADDRNOTAVAIL)
				return r;
		}
	return 0;
}

static bool has_family(const struct cni_result *r, int family)
{
	for (size_t i = 0; i < r->n_ips; i++)
		if (r->ips[i].address.ip.family == family)
			return true;
	return false;
}

/* ip_forward on the node when it routes for the pods; read first so the common
 * case costs no write. */
static int enable_forwarding(struct add_ctx *c, struct plumb_err *err)
{
	static const char *const keys[] = {"net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding"};
	const bool fam[2] = {has_family(&c->ipam, AF_INET), has_family(&c->ipam, AF_INET6)};

	for (int f = 0; f < 2; f++) {
		char v[8] = "";
		int r;

		if (!fam[f])
			continue;
		if (plumb_ns_sysctl_read(-1, keys[f], v, sizeof(v), NULL) >= 0 && v[0] == '1')
			continue;
		if ((r = plumb_ns_sysctl_write(-1, keys[f], "1", err)) < 0)
			return r;
	}
	return 0;
}

/* A new bridge takes the lowest MAC among its ports, so its address (the pods'
 * gateway MAC) would change whenever a port comes or goes and pods' ARP caches
 * would point at nothing. Setting it explicitly pins it. */
static int pin_bridge_mac(struct add_ctx *c, struct plumb_err *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *orig = rtnl_link_alloc();
	_cleanup_(rtnl_link_putp) struct rtnl_link *chg = rtnl_link_alloc();
	_cleanup_(nl_addr_putp) struct nl_addr *a = nl_addr_build(AF_LLC, c->br.link.mac, 6);
	int r;

	if (!orig || !chg || !a)
		return plumb_err_set(err, ENOMEM, "out of memory");
	rtnl_link_set_ifindex(orig, c->br.link.ifindex);
	rtnl_link_set_addr(chg, a);
	r = rtnl_link_change(c->host.sk, orig, chg, 0);
	return plumb_nl_error(&c->host, r, err, "pinning the MAC of bridge '%s'", c->bc.bridge);
}

static int setup_bridge(struct add_ctx *c, struct plumb_err *err)
{
	struct bridge_config cfg = {
		.name = c->bc.bridge,
		.mtu = c->bc.mtu,
		.promisc = c->bc.promisc,
		.vlan_filtering = c->bc.vlan != 0,
	};
	int r;

	bridge_addrs(c, &cfg);
	if (c->bc.force_address && (r = force_addresses(c, &cfg, err)) < 0)
		return r;
	r = bridge_ensure(&c->host, &cfg, &c->br, err);
	if (r >= 0 && c->br.created)
		r = pin_bridge_mac(c, err);
	if (r >= 0 && c->bc.is_gateway)
		r = enable_forwarding(c, err);
	return r;
}

static bool has_route_family(const struct cni_result *r, int family)
{
	for (size_t i = 0; i < r->n_routes; i++)
		if (r->routes[i].dst.ip.family == family)
			return true;
	return false;
}

static int setup_veth(struct add_ctx *c, struct plumb_err *err)
{
	struct veth_config vc = {
		.container_id = c->req->env.container_id,
		.ifname = c->req->env.ifname,
		.mtu = c->bc.mtu,
		.master = c->br.link.ifindex,
		/* IPv6 pods: no DAD wait. IPv4-only pods: no IPv6 link-local
		 * on eth0 (Docker turns IPv6 off there), else every new pod's
		 * link-local chatter is flooded to all the others and ADD slows
		 * down as the bridge fills. A pod without addresses keeps the
		 * kernel's defaults (it may configure itself), and so does one
		 * given IPv6 routes. */
		.no_dad = has_family(&c->ipam, AF_INET6),
		.no_ipv6 = has_family(&c->ipam, AF_INET) && !has_family(&c->ipam, AF_INET6) &&
			   !has_route_family(&c->ipam, AF_INET6),
		.host_no_ipv6 = true, /* a bridge port needs no address */
	};
	struct bridge_port_config pc = {.set_hairpin = c->bc.hairpin, .hairpin = c->bc.hairpin,
					.pvid = c->bc.vlan};
	int r;

	if (c->req->conf.rt.mac[0]) {
		vc.has_mac = true;
		plumb_mac_parse(c->req->conf.rt.mac, vc.mac);
	}
	r = veth_pair_create(&c->host, &c->pod, &vc, &c->veth, err);
	if (r < 0)
		return r;
	c->undo_veth = true;
	if (c->bc.hairpin || c->bc.vlan)
		return bridge_port_set(&c->host, c->veth.host.ifindex, &pc, err);
	return 0;
}

static const struct plumb_ip *gw_for(const struct add_ctx *c, int family)
{
	for (size_t i = 0; i < c->ipam.n_ips; i++)
		if (c->ipam.ips[i].address.ip.family == family && c->gw[i].family)
			return &c->gw[i];
	return NULL;
}

/* isDefaultGateway: a default route via the bridge for each family that has a
 * gateway and no default route from IPAM yet. */
static void add_default_routes(struct add_ctx *c)
{
	static const int fams[] = {AF_INET, AF_INET6};

	for (size_t f = 0; f < ARRAY_SIZE(fams); f++) {
		const struct plumb_ip *gw = gw_for(c, fams[f]);
		struct plumb_cidr def = {.ip = {.family = fams[f]}, .prefix = 0};
		bool have = false;

		for (size_t i = 0; i < c->ipam.n_routes; i++)
			have |= c->ipam.routes[i].dst.ip.family == fams[f] &&
				c->ipam.routes[i].dst.prefix == 0;
		if (gw && !have)
			cni_result_add_route(&c->ipam, &def, gw);
	}
}

static int setup_pod(struct add_ctx *c, struct plumb_err *err)
{
	int ifindex = c->veth.cont.ifindex, r;

	for (size_t i = 0; i < c->ipam.n_ips; i++) {
		r = plumb_addr_add(&c->pod, ifindex, &c->ipam.ips[i].address, PLUMB_ADDR_NODAD, err);
		if (r < 0)
			return r;
	}
	if (c->bc.is_default_gateway)
		add_default_routes(c);
	for (size_t i = 0; i < c->ipam.n_routes; i++) {
		const struct cni_route *cr = &c->ipam.routes[i];
		const struct plumb_ip *gw = cr->gw.family ? &cr->gw : gw_for(c, cr->dst.ip.family);
		struct plumb_route rt = {.dst = cr->dst, .ifindex = ifindex};

		if (gw)
			rt.gw = *gw;
		if (cr->priority > 0)
			rt.metric = (unsigned)cr->priority;
		r = plumb_route_add(&c->pod, &rt, err);
		/* The spec: another network may own the default route already. */
		if (r == -EEXIST && rt.dst.prefix == 0) {
			plumb_err_clear(err);
			continue;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static void fill_result(struct add_ctx *c, struct cni_result *res)
{
	char mac[18];
	int cont;

	cni_result_add_iface(res, c->bc.bridge, plumb_mac_str(c->br.link.mac, mac, sizeof(mac)),
			     NULL);
	cni_result_add_iface(res, c->veth.host.name,
			     plumb_mac_str(c->veth.host.mac, mac, sizeof(mac)), NULL);
	cont = cni_result_add_iface(res, c->veth.cont.name,
				    plumb_mac_str(c->veth.cont.mac, mac, sizeof(mac)),
				    c->req->env.netns);
	res->ifaces[cont].mtu = (int)c->veth.cont.mtu;
	for (size_t i = 0; i < c->ipam.n_ips; i++)
		cni_result_add_ip(res, &c->ipam.ips[i].address, &c->ipam.ips[i].gateway, cont);
	memcpy(res->routes, c->ipam.routes, sizeof(res->routes));
	res->n_routes = c->ipam.n_routes;
	res->dns = c->req->conf.dns.n_nameservers || c->req->conf.dns.domain[0] ? c->req->conf.dns
										 : c->ipam.dns;
}

static void rollback(struct add_ctx *c)
{
	struct plumb_err ignored = {0};

	if (c->undo_rules)
		br_rules_del(c->req, &c->bc, &ignored);
	if (c->undo_veth) /* one delete takes both ends and the pod's addresses */
		veth_pair_delete(&c->host, c->veth.host.name, &ignored);
	if (c->undo_ipam)
		cni_ipam_run(c->req, CNI_CMD_DEL, NULL, &ignored);
}

static int open_sockets(struct add_ctx *c, struct plumb_err *err)
{
	_cleanup_close_ int fd = netns_open(c->req->env.netns, err);
	int r;

	if (fd < 0) {
		/* The spec's "container unknown": nothing was made, no DEL needed. */
		if (fd == -ENOENT)
			c->req->code = CNI_ERR_UNKNOWN_CONTAINER;
		return fd;
	}
	if ((r = plumb_nl_open(&c->host, -1, err)) < 0)
		return r;
	if ((r = plumb_nl_open(&c->pod, fd, err)) < 0)
		return r;
	c->pod.ns_name = c->req->env.netns;
	return 0;
}

static int do_add(struct add_ctx *c, struct cni_result *res, struct plumb_err *err)
{
	int r;

	if ((r = br_conf_parse(c->req, &c->bc, err)) < 0)
		return r;
	if ((r = open_sockets(c, err)) < 0)
		return r;
	if (c->req->conf.ipam_type[0]) {
		if ((r = cni_ipam_run(c->req, CNI_CMD_ADD, &c->ipam, err)) < 0)
			return r;
		c->undo_ipam = true;
		if (!c->ipam.n_ips)
			return plumb_err_set(err, EINVAL, "IPAM plugin '%s' returned no address",
					     c->req->conf.ipam_type);
	}
	if ((r = pick_gateways(c, err)) < 0 || (r = setup_bridge(c, err)) < 0 ||
	    (r = setup_veth(c, err)) < 0 || (r = setup_pod(c, err)) < 0)
		return r;
	fill_result(c, res);
	c->undo_rules = true;
	return br_rules_add(c->req, &c->bc, res, err);
}

int br_add(struct cni_req *req, struct cni_result *res, struct plumb_err *err)
{
	_cleanup_free_ struct add_ctx *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return plumb_err_set(err, ENOMEM, "out of memory");
	c->req = req;
	c->host.nsfd = c->pod.nsfd = -1;
	r = do_add(c, res, err);
	if (r < 0)
		rollback(c);
	plumb_nl_close(&c->pod);
	plumb_nl_close(&c->host);
	return r;
}
