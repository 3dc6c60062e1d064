// SPDX-License-Identifier: MIT
/* bridge CHECK and STATUS. CHECK compares prevResult with what really exists:
 * the bridge, the container interface (a veth whose peer is a port of that
 * bridge), its MAC, addresses and routes, the lease and the rules. */
#include "cni-plugins/bridge/internal.h"

#include "bridge/bridge.h"
#include "common/addr.h"
#include "common/link.h"
#include "common/netns.h"
#include "common/route.h"
#include "veth/veth.h"

#include <errno.h>
#include <string.h>

/* The container interface's index in prev: named CNI_IFNAME, with a sandbox. */
static int find_cont(const struct cni_req *req, struct plumb_err *err)
{
	const struct cni_result *p = &req->conf.prev;

	for (size_t i = 0; i < p->n_ifaces; i++)
		if (p->ifaces[i].sandbox[0] && strcmp(p->ifaces[i].name, req->env.ifname) == 0)
			return (int)i;
	return plumb_err_set(err, EINVAL, "prevResult has no interface '%s' inside a sandbox",
			     req->env.ifname);
}

static int check_link(struct cni_req *req, struct plumb_nl *host, struct plumb_nl *pod,
		      const struct br_conf *bc, int idx, struct plumb_link *cont,
		      struct plumb_err *err)
{
	const struct cni_iface *want = &req->conf.prev.ifaces[idx];
	struct plumb_link br, peer;
	char mac[18];
	int r;

	if ((r = bridge_get(host, bc->bridge, &br, err)) < 0)
		return r;
	if ((r = plumb_link_get(pod, req->env.ifname, 0, cont, err)) < 0)
		return r;
	if (strcmp(cont->kind, "veth") != 0)
		return plumb_err_set(err, EINVAL, "'%s' in %s is a %s, not a veth", req->env.ifname,
				     req->env.netns, cont->kind[0] ? cont->kind : "device");
	plumb_mac_str(cont->mac, mac, sizeof(mac));
	if (want->mac[0] && strcasecmp(want->mac, mac) != 0)
		return plumb_err_set(err, EINVAL, "'%s' in %s has MAC %s, prevResult says %s",
				     req->env.ifname, req->env.netns, mac, want->mac);
	if ((r = veth_peer_find(pod, req->env.ifname, host, &peer, err)) < 0)
		return r;
	if (peer.master != br.ifindex)
		return plumb_err_set(err, EINVAL, "host end '%s' of '%s' is not a port of bridge '%s'",
				     peer.name, req->env.ifname, bc->bridge);
	if (!cont->up)
		return plumb_err_set(err, ENETDOWN, "'%s' in %s is down", req->env.ifname,
				     req->env.netns);
	return 0;
}

static int check_addrs_routes(struct cni_req *req, struct plumb_nl *pod, int idx,
			      const struct plumb_link *cont, struct plumb_err *err)
{
	const struct cni_result *p = &req->conf.prev;
	char buf[PLUMB_CIDR_STRLEN];
	int r;

	for (size_t i = 0; i < p->n_ips; i++) {
		if (p->ips[i].iface != idx)
			continue;
		r = plumb_addr_exists(pod, cont->ifindex, &p->ips[i].address, err);
		if (r < 0)
			return r;
		if (r == 0)
			return plumb_err_set(err, ENOENT, "'%s' in %s lacks address %s",
					     req->env.ifname, req->env.netns,
					     plumb_cidr_str(&p->ips[i].address, buf, sizeof(buf)));
	}
	for (size_t i = 0; i < p->n_routes; i++) {
		struct plumb_route rt = {.dst = p->routes[i].dst, .gw = p->routes[i].gw};

		r = plumb_route_exists(pod, &rt, err);
		if (r < 0)
			return r;
		if (r == 0)
			return plumb_err_set(err, ENOENT, "%s lacks the route to %s",
					     req->env.netns,
					     plumb_cidr_str(&rt.dst, buf, sizeof(buf)));
	}
	return 0;
}

int br_check(struct cni_req *req, struct plumb_err *err)
{
	_cleanup_nl_ struct plumb_nl host = {.nsfd = -1}, pod = {.nsfd = -1};
	_cleanup_close_ int fd = -1;
	struct plumb_link cont;
	struct br_conf bc;
	int idx, r;

	if ((r = br_conf_parse(req, &bc, err)) < 0)
		return r;
	if (!req->conf.has_prev) {
		req->code = CNI_ERR_INVALID_CONFIG;
		return plumb_err_set(err, EINVAL, "CHECK needs a prevResult");
	}
	if ((idx = find_cont(req, err)) < 0) {
		req->code = CNI_ERR_INVALID_CONFIG;
		return idx;
	}
	if ((r = cni_ipam_run(req, CNI_CMD_CHECK, NULL, err)) < 0)
		return r;
	if ((fd = netns_open(req->env.netns, err)) < 0) {
		req->code = CNI_ERR_UNKNOWN_CONTAINER;
		return fd;
	}
	if ((r = plumb_nl_open(&host, -1, err)) < 0 || (r = plumb_nl_open(&pod, fd, err)) < 0)
		return r;
	pod.ns_name = req->env.netns;
	if ((r = check_link(req, &host, &pod, &bc, idx, &cont, err)) < 0 ||
	    (r = check_addrs_routes(req, &pod, idx, &cont, err)) < 0)
		return r;
	return br_rules_check(req, &bc, &req->conf.prev, err);
}

int br_status(struct cni_req *req, struct plumb_err *err)
{
	struct br_conf bc;
	int r = br_conf_parse(req, &bc, err);

	if (r < 0)
		return r;
	r = cni_ipam_run(req, CNI_CMD_STATUS, NULL, err);
	if (r < 0 && !req->code)
		req->code = CNI_ERR_NOT_AVAILABLE;
	return r;
}
