/* SPDX-License-Identifier: MIT */
/*
 * bridge/bridge.h — Linux bridges: ensure one exists (idempotently) with its
 * gateway addresses, and configure its ports.
 *
 * Owns: the bridges it creates, the gateway addresses it adds to them, and the
 * bridge-port settings (hairpin, PVID) of ports it is asked about.
 * Never touches: a link with the bridge's name that is not a bridge (an error
 * names it), addresses it did not add, veth pairs (veth/).
 * Acts in: the namespace of the plumb_nl socket (the node's "host" namespace).
 */
#ifndef PLUMB_BRIDGE_H
#define PLUMB_BRIDGE_H

#include "common/cidr.h"
#include "common/err.h"
#include "common/link.h"
#include "common/nl.h"

#include <stdbool.h>
#include <stddef.h>

#define BRIDGE_MAX_ADDRS 8

struct bridge_config {
	const char *name;
	unsigned mtu;	     /* 0: kernel default on create, left alone on reuse */
	bool promisc;	     /* IFF_PROMISC on the bridge (CNI promiscMode) */
	bool vlan_filtering; /* IFLA_BR_VLAN_FILTERING (CNI "vlan"); set on create
				and on reuse */
	/* Gateway addresses to ensure (added when missing, kept when present). */
	struct plumb_cidr addrs[BRIDGE_MAX_ADDRS];
	size_t naddrs;
};

struct bridge_info {
	struct plumb_link link; /* the bridge itself, up */
	bool created;		/* bridge_ensure made it (false: it was there) */
};

/* Make sure a bridge cfg->name exists, is up, has cfg's MTU/promisc/VLAN
 * filtering and every address in cfg->addrs (IPv6 ones without DAD). An
 * existing bridge is reused; a non-bridge link of that name is -EEXIST naming
 * it and its kind. On failure everything this call did is undone (a bridge it
 * created is deleted, addresses it added are removed). Happy path on an existing
 * bridge with its addresses: 2 round trips. */
int bridge_ensure(struct plumb_nl *nl, const struct bridge_config *cfg, struct bridge_info *out,
		  struct plumb_err *err);

/* The bridge called name: -ENODEV if missing, -EINVAL naming the kind if it is
 * not a bridge. */
int bridge_get(struct plumb_nl *nl, const char *name, struct plumb_link *out,
	       struct plumb_err *err);

/* Delete the bridge (its ports are released, not deleted). -ENODEV if missing,
 * -EINVAL if the link is not a bridge. */
int bridge_delete(struct plumb_nl *nl, const char *name, struct plumb_err *err);

/* Ports of the bridge with ifindex br, sorted by ifindex. *out malloc'd (free()),
 * NULL if none. Returns the count or -errno. */
int bridge_ports(struct plumb_nl *nl, int br, struct plumb_link **out, struct plumb_err *err);

/* Attach port to bridge br (up as well), or detach it (stays up, stays alive). */
int bridge_port_attach(struct plumb_nl *nl, int br, int port, struct plumb_err *err);
int bridge_port_detach(struct plumb_nl *nl, int port, struct plumb_err *err);

/* Bridge-port settings, one RTM_SETLINK each (AF_BRIDGE). */
struct bridge_port_config {
	bool set_hairpin;
	bool hairpin;	 /* IFLA_BRPORT_MODE: reflect frames back out the port they came in */
	unsigned pvid;	 /* 1..4094: add this VLAN to the port as PVID + egress
			    untagged (what the reference plugin's "vlan" does); 0: leave */
};
int bridge_port_set(struct plumb_nl *nl, int port, const struct bridge_port_config *pc,
		    struct plumb_err *err);

#endif
