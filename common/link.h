/* SPDX-License-Identifier: MIT */
/*
 * common/link.h — read and change any network interface through a plumb_nl
 * socket: look up, bring up, MTU, move to another namespace, delete, list.
 *
 * Owns: nothing. These are the verbs bridge/, veth/, the CNI plugins and netctl
 * share; creating a bridge or a veth pair belongs to bridge/ and veth/.
 * Acts in: the namespace the socket was opened in (plumb_nl_open).
 * Why common/: bridge/ and veth/ sit side by side in the layering and may not
 * call each other, yet both need "find this link" and "give it an address".
 */
#ifndef PLUMB_COMMON_LINK_H
#define PLUMB_COMMON_LINK_H

#include "common/err.h"
#include "common/nl.h"

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

/* What plumb needs to know about one interface. Plain data, no pointers. */
struct plumb_link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16];	  /* IFLA_INFO_KIND: "bridge", "veth", ""; for a veth peer too */
	char alias[128];  /* IFLA_IFALIAS, "" if none (128: a 64-char id fits) */
	int master;	  /* ifindex of the bridge it is a port of, 0 if none */
	int peer_ifindex; /* IFLA_LINK: a veth's peer ifindex (in its own netns), else 0 */
	int peer_netnsid; /* IFLA_LINK_NETNSID: the peer's netns id as seen here, -1 = same ns */
	unsigned mtu;
	uint8_t mac[6];
	bool up;      /* IFF_UP (administratively) */
	bool promisc; /* IFF_PROMISC */
};

/* Look a link up by name (ifindex 0) or by ifindex (name NULL): one RTM_GETLINK.
 * -ENODEV when there is none; the message names it and the namespace. */
int plumb_link_get(struct plumb_nl *nl, const char *name, int ifindex, struct plumb_link *out,
		   struct plumb_err *err);

/* Set or clear IFF_UP / IFF_PROMISC, and the MTU (mtu 0: leave it). */
int plumb_link_set_up(struct plumb_nl *nl, int ifindex, bool up, struct plumb_err *err);
int plumb_link_set_promisc(struct plumb_nl *nl, int ifindex, bool on, struct plumb_err *err);
int plumb_link_set_mtu(struct plumb_nl *nl, int ifindex, unsigned mtu, struct plumb_err *err);
/* Enslave to master (a bridge's ifindex), or release with master 0. */
int plumb_link_set_master(struct plumb_nl *nl, int ifindex, int master, struct plumb_err *err);
int plumb_link_set_alias(struct plumb_nl *nl, int ifindex, const char *alias,
			 struct plumb_err *err);
/* No IPv6 link-local address on this link (addrgenmode none), and so none of
 * its DAD, router solicitations or MLD reports; set it before the link gets
 * its carrier. A netlink attribute, unlike the disable_ipv6 sysctl, whose
 * /proc/sys lookup slows down as namespaces multiply. IPv6 not in the kernel
 * at all: nothing to do, 0. */
int plumb_link_set_no_ipv6_ll(struct plumb_nl *nl, int ifindex, struct plumb_err *err);

/* Move a link into the namespace nsfd, renamed to new_name when not NULL. */
int plumb_link_move(struct plumb_nl *nl, int ifindex, int nsfd, const char *new_name,
		    struct plumb_err *err);

/* Delete a link. -ENODEV when it is not there. */
int plumb_link_del(struct plumb_nl *nl, int ifindex, struct plumb_err *err);

/* Every link in the namespace (a dump), sorted by ifindex; *out is malloc'd
 * (free()), NULL when empty. Returns the count or -errno. */
int plumb_link_list(struct plumb_nl *nl, struct plumb_link **out, struct plumb_err *err);

/* For error messages: "'eth0'" (the name, quoted) or "#5" when it cannot be
 * looked up, into buf (PLUMB_LINK_LABEL_MAX bytes). One RTM_GETLINK, so call it
 * on error paths only, after the kernel's extack was taken (plumb_nl_error). */
#define PLUMB_LINK_LABEL_MAX (IFNAMSIZ + 16)
const char *plumb_link_label(struct plumb_nl *nl, int ifindex, char *buf, size_t len);

/* Is name a valid interface name (1..15 bytes, no '/', ':' or whitespace, not
 * "." or "..")? -EINVAL with a message naming it otherwise. Pure. */
int plumb_link_name_check(const char *name, struct plumb_err *err);

/* Parse "aa:bb:cc:dd:ee:ff" into mac. -EINVAL otherwise. Pure. */
int plumb_mac_parse(const char *s, uint8_t mac[6]);
/* "aa:bb:cc:dd:ee:ff"; buf at least 18 bytes. */
const char *plumb_mac_str(const uint8_t mac[6], char *buf, size_t len);

/* Write value to /proc/sys/<path> inside nsfd (nsfd < 0: here), e.g.
 * ("net/ipv4/ip_forward", "1") or ("net/ipv6/conf/eth0/accept_dad", "0"). The
 * path uses '/' so interface names with dots stay intact. The thread goes there
 * and back (netns_run); the process never stays in another namespace. */
int plumb_ns_sysctl_write(int nsfd, const char *path, const char *value, struct plumb_err *err);
int plumb_ns_sysctl_read(int nsfd, const char *path, char *buf, size_t len, struct plumb_err *err);

/* Forwarding on for family inside nsfd (AF_INET: net/ipv4/ip_forward,
 * AF_INET6: net/ipv6/conf/all/forwarding), what a gateway bridge needs. */
int plumb_ns_ip_forward(int nsfd, int family, struct plumb_err *err);
/* route_localnet=1 on ifname inside nsfd: lets DNAT to 127.0.0.0/8 work for
 * packets that come in on it (host ports published on localhost). */
int plumb_ns_route_localnet(int nsfd, const char *ifname, struct plumb_err *err);

#endif
