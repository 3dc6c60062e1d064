/* SPDX-License-Identifier: MIT */
/*
 * veth/veth.h — veth pairs that connect a container's namespace to the host.
 *
 * Owns: veth pairs it creates. A pair is born in one RTM_NEWLINK with its
 * container end already inside the target namespace under its final name
 * (the peer's IFLA_NET_NS_FD) and its host end already a port of the bridge
 * (IFLA_MASTER) and up, so nobody ever sees a half-made pair, and undoing it
 * is one delete.
 * Never touches: bridges (bridge/), addresses and routes it was not asked for.
 * Acts in: two namespaces, each through a plumb_nl socket the caller opened
 * there ("host" = where the host end lives, "pod" = the container's).
 *
 * Host end names: "veth" + 8 hex digits of a 32-bit FNV-1a hash of
 * "<container id>\0<container ifname>" — stable across runs and machines, so a
 * DEL or a person can find it again. Two different (id, ifname) pairs hash to
 * the same name with probability ~n/2^32; plumb does not silently pick
 * another name then: the create fails with -EEXIST and a message naming the new
 * container, its ifname and the owner recorded in the existing link's alias
 * ("plumb:<id>:<ifname>"), so nothing is ever attached to the wrong pod.
 */
#ifndef PLUMB_VETH_H
#define PLUMB_VETH_H

#include "common/err.h"
#include "common/link.h"
#include "common/nl.h"

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

/* The derived host-end name into out (IFNAMSIZ bytes). Pure. */
void veth_host_name(const char *container_id, const char *ifname, char out[IFNAMSIZ]);

struct veth_config {
	const char *container_id; /* for the host name and the alias; required
				     unless host_name is given */
	const char *ifname;	  /* container end's final name, e.g. "eth0" */
	const char *host_name;	  /* NULL: veth_host_name(container_id, ifname) */
	unsigned mtu;		  /* both ends; 0 = kernel default (1500) */
	bool has_mac;
	uint8_t mac[6]; /* container end's MAC when has_mac, else random */
	int master;	/* host end enslaved to this bridge ifindex at birth; 0 none */
	/* Turn IPv6 DAD off on the container end (accept_dad=0 before it comes up),
	 * so neither its link-local nor any later address waits as "tentative". */
	bool no_dad;
	/* No IPv6 link-local address on the container end (addrgenmode none,
	 * before it comes up) for a pod that gets no IPv6 address, much as
	 * Docker turns IPv6 off on IPv4-only networks: without it each new pod's
	 * DAD, router solicitations and MLD reports are multicast that a bridge
	 * floods to every other port, a cost that grows with the pods. */
	bool no_ipv6;
	/* The same on the host end, before the container end gives it a
	 * carrier: a bridge port forwards IPv6 without an address of its own,
	 * and its link-local and prefix routes would swell the host namespace's
	 * IPv6 table, which the kernel walks whole on every link change there. */
	bool host_no_ipv6;
};

/* Both ends as created. */
struct veth_pair {
	struct plumb_link host; /* in the host namespace */
	struct plumb_link cont; /* in the pod namespace, up */
};

/* Create the pair: host end in host's namespace (up, enslaved when cfg->master),
 * container end in pod's namespace under cfg->ifname (up). pod->nsfd must be
 * set (pod was opened with an nsfd). On failure nothing is left: the pair is
 * deleted again. Errors: -EEXIST naming the interface and namespace (or the
 * hash collision, see above), -EINVAL for bad names. 3-4 round trips in the
 * host namespace, 2 in the pod (plus one sysctl write with no_dad, one round
 * trip with no_ipv6 and one with host_no_ipv6). */
int veth_pair_create(struct plumb_nl *host, struct plumb_nl *pod, const struct veth_config *cfg,
		     struct veth_pair *out, struct plumb_err *err);

/* Delete the pair one of whose ends is `name` in nl's namespace. Returns 1 when
 * deleted, 0 when there was no such link (already gone is success, as CNI DEL
 * wants); -EINVAL naming it when the link is not a veth (never deletes anything
 * else). */
int veth_pair_delete(struct plumb_nl *nl, const char *name, struct plumb_err *err);

/* The host end of the container interface ifname: read ifname's peer index in
 * pod, then that link in host, and check it points back (ifindexes are per
 * namespace, so a lone index match is not proof). -ENODEV when ifname is
 * missing or not a veth, -ENOENT when the peer is not in host's namespace. */
int veth_peer_find(struct plumb_nl *pod, const char *ifname, struct plumb_nl *host,
		   struct plumb_link *out, struct plumb_err *err);

#endif
