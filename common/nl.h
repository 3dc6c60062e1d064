/* SPDX-License-Identifier: MIT */
/*
 * common/nl.h — rtnetlink sockets over libnl-route-3, opened inside a chosen
 * namespace, with the kernel's extended-ack text captured for error messages.
 *
 * A struct plumb_nl must not be copied or moved while open (libnl's error
 * callback points at it). Owned by its opener; close with plumb_nl_close.
 */
#ifndef PLUMB_COMMON_NL_H
#define PLUMB_COMMON_NL_H

#include "common/cleanup.h"
#include "common/err.h"

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

struct plumb_nl {
	struct nl_sock *sk;
	int nsfd;	   /* dup of the namespace the socket lives in, -1 if opened here */
	int last_errno;	   /* from the last NLMSG_ERROR, positive */
	char extack[256];  /* kernel's message for it, "" if none */
	const char *ns_name; /* optional label for messages ("pod1"); the opener sets it
			      * after plumb_nl_open; NULL reads as "(current)" */
};

/* The namespace label for messages ("in netns '%s'"): ns_name or "(current)". */
static inline const char *plumb_nl_ns(const struct plumb_nl *nl)
{
	return nl && nl->ns_name ? nl->ns_name : "(current)";
}

/* Open a NETLINK_ROUTE socket inside nsfd (nsfd < 0: the caller's namespace).
 * The struct keeps its own dup of nsfd for work that must run in there (sysctls). */
int plumb_nl_open(struct plumb_nl *nl, int nsfd, struct plumb_err *err);
void plumb_nl_close(struct plumb_nl *nl);

/* Turn a libnl return code (negative NLE_*) into -errno and a message:
 * "<what>: <strerror>[ (<kernel extack>)]". Returns 0 when nlerr >= 0. */
int plumb_nl_error(struct plumb_nl *nl, int nlerr, struct plumb_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Call dump(nl, arg) again while the kernel marks the dump interrupted
 * (NLE_DUMP_INTR: the table changed under it), at most PLUMB_NL_DUMP_TRIES
 * calls in all. dump must leave arg ready for a fresh attempt. Returns its
 * last libnl code. */
#define PLUMB_NL_DUMP_TRIES 3
int plumb_nl_dump_retry(struct plumb_nl *nl, int (*dump)(struct plumb_nl *nl, void *arg),
			void *arg);

/* libnl return code -> errno (positive), for code paths that branch on it. */
int plumb_nl_errno(struct plumb_nl *nl, int nlerr);

DEFINE_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put)
DEFINE_CLEANUP_FUNC(struct rtnl_addr *, rtnl_addr_put)
DEFINE_CLEANUP_FUNC(struct rtnl_route *, rtnl_route_put)
DEFINE_CLEANUP_FUNC(struct nl_cache *, nl_cache_free)
DEFINE_CLEANUP_FUNC(struct nl_addr *, nl_addr_put)
DEFINE_CLEANUP_FUNC(struct nl_msg *, nlmsg_free)

static inline void plumb_nl_closep(struct plumb_nl *nl)
{
	plumb_nl_close(nl);
}

#define _cleanup_nl_ _cleanup_(plumb_nl_closep)

#endif
