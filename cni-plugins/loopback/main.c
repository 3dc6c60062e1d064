// SPDX-License-Identifier: MIT
/* loopback: brings `lo` up inside the pod (ADD), down again (DEL), and checks it
 * is up (CHECK). Drop-in for the reference plugin, results included. */
#include "cni-plugins/lib/cni.h"
#include "common/netns.h"
#include "common/nl.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* One RTM_NEWLINK for ifindex 1: the kernel always gives a namespace's loopback
 * ifindex 1 (LOOPBACK_IFINDEX), so no lookup round trip is needed. */
static int set_lo(const char *netns, bool up, bool missing_ok, struct plumb_err *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *orig = rtnl_link_alloc();
	_cleanup_(rtnl_link_putp) struct rtnl_link *chg = rtnl_link_alloc();
	_cleanup_nl_ struct plumb_nl nl = {.nsfd = -1};
	_cleanup_close_ int fd = netns_open(netns, err);
	int r;

	if (fd < 0)
		return missing_ok && fd == -ENOENT ? 0 : fd;
	if (!orig || !chg)
		return plumb_err_set(err, ENOMEM, "out of memory");
	if ((r = plumb_nl_open(&nl, fd, err)) < 0)
		return r;
	rtnl_link_set_ifindex(orig, 1);
	if (up)
		rtnl_link_set_flags(chg, IFF_UP);
	else
		rtnl_link_unset_flags(chg, IFF_UP);
	r = rtnl_link_change(nl.sk, orig, chg, 0);
	return plumb_nl_error(&nl, r, err, "setting lo %s in %s", up ? "up" : "down", netns);
}

static int lo_add(struct cni_req *req, struct cni_result *res, struct plumb_err *err)
{
	struct plumb_cidr v4, v6;
	int r = set_lo(req->env.netns, true, false, err);

	if (r < 0) {
		if (r == -ENOENT && access(req->env.netns, F_OK) < 0)
			req->code = CNI_ERR_UNKNOWN_CONTAINER; /* nothing made, no DEL needed */
		return r;
	}
	if (req->conf.has_prev) { /* chained: pass the previous result on */
		*res = req->conf.prev;
		return 0;
	}
	plumb_cidr_parse("127.0.0.1/8", false, &v4);
	plumb_cidr_parse("::1/128", false, &v6);
	cni_result_add_iface(res, "lo", "00:00:00:00:00:00", req->env.netns);
	cni_result_add_ip(res, &v4, NULL, 0);
	cni_result_add_ip(res, &v6, NULL, 0);
	return 0;
}

static int lo_del(struct cni_req *req, struct plumb_err *err)
{
	if (!req->env.netns)
		return 0;
	return set_lo(req->env.netns, false, true, err);
}

static int lo_check(struct cni_req *req, struct plumb_err *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
	_cleanup_nl_ struct plumb_nl nl = {.nsfd = -1};
	_cleanup_close_ int fd = netns_open(req->env.netns, err);
	int r;

	if (fd < 0) {
		req->code = CNI_ERR_UNKNOWN_CONTAINER;
		return fd;
	}
	if ((r = plumb_nl_open(&nl, fd, err)) < 0)
		return r;
	r = rtnl_link_get_kernel(nl.sk, 0, "lo", &link);
	if (r < 0)
		return plumb_nl_error(&nl, r, err, "looking up lo in %s", req->env.netns);
	if (!(rtnl_link_get_flags(link) & IFF_UP))
		return plumb_err_set(err, ENETDOWN, "lo is down in %s", req->env.netns);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct cni_plugin p = {
		.name = "loopback",
		.about = "plumb loopback CNI plugin: brings lo up in the pod",
		.add = lo_add,
		.del = lo_del,
		.check = lo_check,
	};
	return cni_main(&p, argc, argv);
}
