/* SPDX-License-Identifier: MIT */
/*
 * common/addr.h — IPv4/IPv6 addresses on an interface: add, delete, list, find.
 *
 * Owns: nothing; callers own the addresses they add (bridge/ its gateway
 * addresses, veth/ and the CNI plugins a pod's). Acts in: the namespace of the
 * plumb_nl socket. In common/ because bridge/ and veth/ both need it (see
 * common/link.h).
 */
#ifndef PLUMB_COMMON_ADDR_H
#define PLUMB_COMMON_ADDR_H

#include "common/cidr.h"
#include "common/err.h"
#include "common/nl.h"

#include <stdbool.h>

/* Flags for plumb_addr_add. */
enum {
	/* IFA_F_NODAD: usable at once, no duplicate address detection. Container
	 * addresses come from IPAM and are unique by construction; DAD would only
	 * hold the address "tentative" for a second or more. IPv6 only. */
	PLUMB_ADDR_NODAD = 1 << 0,
	/* IFA_F_NOPREFIXROUTE: do not add the prefix route for the subnet. */
	PLUMB_ADDR_NOPREFIXROUTE = 1 << 1,
};

struct plumb_addr {
	int ifindex;
	struct plumb_cidr cidr; /* the address as assigned, with its prefix length */
	int scope;		/* RT_SCOPE_UNIVERSE, RT_SCOPE_LINK (fe80::), ... */
	unsigned flags;		/* IFA_F_* as the kernel reports them */
};

/* Add cidr to ifindex. -EEXIST if it is already there (same address and prefix). */
int plumb_addr_add(struct plumb_nl *nl, int ifindex, const struct plumb_cidr *cidr,
		   unsigned flags, struct plumb_err *err);
/* Delete it. -EADDRNOTAVAIL if it is not there. */
int plumb_addr_del(struct plumb_nl *nl, int ifindex, const struct plumb_cidr *cidr,
		   struct plumb_err *err);

/* Addresses of ifindex (0: of every link) of family (AF_UNSPEC: both), in the
 * kernel's order; link-local ones included (check .scope). *out is malloc'd
 * (free()), NULL when empty. Returns the count or -errno. */
int plumb_addr_list(struct plumb_nl *nl, int ifindex, int family, struct plumb_addr **out,
		    struct plumb_err *err);

/* 1 if ifindex has exactly this address with this prefix length, 0 if not. */
int plumb_addr_exists(struct plumb_nl *nl, int ifindex, const struct plumb_cidr *cidr,
		      struct plumb_err *err);

#endif
