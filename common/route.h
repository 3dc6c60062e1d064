/* SPDX-License-Identifier: MIT */
/*
 * common/route.h — unicast routes: add, delete, list, find.
 *
 * Owns: nothing; the caller owns the routes it adds (a pod's default route,
 * a node's route to another node's pod subnet). Acts in: the namespace of the
 * plumb_nl socket, main table unless told otherwise. In common/ for the same
 * reason as common/addr.h.
 */
#ifndef PLUMB_COMMON_ROUTE_H
#define PLUMB_COMMON_ROUTE_H

#include "common/cidr.h"
#include "common/err.h"
#include "common/nl.h"

#include <stdbool.h>

struct plumb_route {
	struct plumb_cidr dst; /* dst.ip.family is the route's family; prefix 0 = default */
	struct plumb_ip gw;    /* gw.family 0: no gateway (a device route) */
	int ifindex;	       /* output device; 0 = let the kernel find it from gw */
	unsigned metric;       /* RTA_PRIORITY; 0 = the kernel's default */
	unsigned table;	       /* 0 = main */
	bool onlink;	       /* RTNH_F_ONLINK: gw need not be in a local subnet */
	int scope;	       /* RT_SCOPE_*, on list; on add it is derived (link
				* without gw, universe with) */
};

/* Add a route. -EEXIST if the same destination/metric is already there. */
int plumb_route_add(struct plumb_nl *nl, const struct plumb_route *rt, struct plumb_err *err);
/* Delete the route that matches dst, metric, table (and gw/ifindex when set).
 * -ESRCH if none does. */
int plumb_route_del(struct plumb_nl *nl, const struct plumb_route *rt, struct plumb_err *err);

/* Unicast routes of family (AF_UNSPEC: both) in table (0: main), the kernel's
 * own IPv6 multicast/local entries left out. *out malloc'd (free()), NULL when
 * empty. Returns the count or -errno. */
int plumb_route_list(struct plumb_nl *nl, int family, unsigned table, struct plumb_route **out,
		     struct plumb_err *err);

/* 1 if a route with rt's dst (and gw, ifindex, metric when set) exists, else 0. */
int plumb_route_exists(struct plumb_nl *nl, const struct plumb_route *rt, struct plumb_err *err);

/* "default via 172.18.0.1 dev 5 metric 100" style text (ifindex, not name). */
const char *plumb_route_str(const struct plumb_route *rt, char *buf, size_t len);

#endif
