/* SPDX-License-Identifier: MIT */
/*
 * netctl/rtnl.h — what the link-level verb families (bridge, veth, addr, route,
 * show) share: opening a netlink socket in the namespace --ns names, parsing
 * addresses with errors that name the option, and one JSON shape per object.
 */
#ifndef PLUMB_NETCTL_RTNL_H
#define PLUMB_NETCTL_RTNL_H

#include "common/addr.h"
#include "common/link.h"
#include "common/nl.h"
#include "common/route.h"
#include "netctl/netctl.h"
#include "veth/veth.h"

/* A netlink socket in one namespace, labelled for messages. Not to be moved
 * while open (the socket's label points into it). */
struct netctl_ns {
	struct plumb_nl nl;
	int fd;	       /* the namespace, -1 for netctl's own */
	char name[64]; /* "pod1"; for netctl's own namespace, its /run/netns name
			  if it has one, else "(current)" */
};
#define NETCTL_NS_INIT {.nl = {.nsfd = -1}, .fd = -1}

/* Open ns->nl inside the namespace called ns_name (NULL: netctl's own). */
int netctl_ns_open(const char *ns_name, struct netctl_ns *ns, struct plumb_err *err);
void netctl_ns_close(struct netctl_ns *ns);
static inline void netctl_ns_closep(struct netctl_ns *ns)
{
	netctl_ns_close(ns);
}
#define _cleanup_ns_ _cleanup_(netctl_ns_closep)

/* Parse a CIDR given to option opt ("--addr"); usage error naming both. */
int netctl_parse_cidr(const struct netctl *ctx, const char *opt, const char *s,
		      struct plumb_cidr *out, struct plumb_err *err);
int netctl_parse_ip(const struct netctl *ctx, const char *opt, const char *s,
		    struct plumb_ip *out, struct plumb_err *err);

/* JSON objects (new references). names: the namespace's links, to turn ifindexes
 * into names (may be NULL). */
json_t *netctl_json_link(const struct plumb_link *l, const struct plumb_link *names, int n);
json_t *netctl_json_addr(const struct plumb_addr *a);
json_t *netctl_json_route(const struct plumb_route *rt, const struct plumb_link *names, int n);

/* The name of ifindex among names, or NULL. */
const char *netctl_ifname(const struct plumb_link *names, int n, int ifindex);

/* netctl veth add's options, parsed and checked before anything is created. */
#define VETH_MAX_ADDRS 8
struct veth_add_args {
	const char *ns, *name, *host_name, *id, *bridge, *mac;
	struct netctl_strv addrs, gws;
	uint64_t mtu;
	struct plumb_cidr cidrs[VETH_MAX_ADDRS];
	struct plumb_ip gw[VETH_MAX_ADDRS];
	struct veth_config cfg; /* ready for veth_pair_create, but for .master */
};
/* Everything that can be checked without the kernel, so bad input fails before
 * anything exists. Pure (unit-tested). */
int netctl_veth_add_parse(struct netctl *ctx, int argc, char **argv, struct veth_add_args *a,
			  struct plumb_err *err);

#endif
