/* SPDX-License-Identifier: MIT */
/*
 * nat/nat.h — masquerade and port publishing in nftables.
 *
 * Owns: `table inet plumb` (created on first use, removed by nat_table_destroy)
 * and, inside it, the NAT layer's chains and sets (nat/README.md); and
 * `table bridge plumb` for the MAC spoofing check. Never reads,
 * edits or flushes any other table, so Docker, Podman/netavark and iptables-nft
 * rules on the same host are left alone.
 * Acts in: the namespace given to nat_open (a socket opened inside it).
 *
 * Chains and rules are created once; every call below changes set/map
 * ELEMENTS only, in one netlink transaction (all or nothing), so a change costs
 * the same however many mappings exist, and the packet path is a hash lookup.
 * Every element carries an owner tag (its nft comment): CNI DEL and GC find a
 * container's elements by owner alone.
 */
#ifndef PLUMB_NAT_NAT_H
#define PLUMB_NAT_NAT_H

#include "common/cidr.h"
#include "common/err.h"
#include "nat/internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Owner tags fit in an element comment (nft's limit is 128 bytes). */
#define NAT_OWNER_MAX NAT_COMMENT_MAX

/* A handle on table plumb inside one namespace. */
struct nat {
	struct nat_sock sock;
	bool ready; /* the layer is known to exist */
};

/* Open inside nsfd (< 0: here). Nothing is created until a change is made. */
int nat_open(struct nat *n, int nsfd, struct plumb_err *err);
void nat_close(struct nat *n);

/* Create table plumb and the NAT layer if missing (idempotent; safe against a
 * concurrent caller). Every add below calls it. */
int nat_table_ensure(struct nat *n, struct plumb_err *err);
/* Remove table inet plumb and all it holds (the service mapper's layer too).
 * Returns 0 when it was not there either. */
int nat_table_destroy(struct nat *n, struct plumb_err *err);
/* 1 when table plumb exists, 0 when not. */
int nat_table_exists(struct nat *n, struct plumb_err *err);

/* ---- masquerade ---- */

enum nat_masq_kind {
	NAT_MASQ_SUBNET,  /* masquerade traffic from `cidr` (a pod subnet) */
	NAT_MASQ_POD,	  /* masquerade traffic from one pod address `cidr` (/32, /128),
			     except to its own network `net` (the CNI bridge's ipMasq) */
	NAT_MASQ_EXCLUDE, /* never masquerade traffic to `cidr` (cluster ranges) */
};

struct nat_masq {
	enum nat_masq_kind kind;
	struct plumb_cidr cidr;
	struct plumb_cidr net;	   /* NAT_MASQ_POD: may be unset (family 0) */
	char owner[NAT_OWNER_MAX]; /* "" = none */
};

/* Add or remove masquerade entries, all in one transaction. Adding one that
 * exists is -EEXIST, removing a missing one -ENOENT; err names the entry. */
int nat_masq_add(struct nat *n, const struct nat_masq *m, size_t count, struct plumb_err *err);
int nat_masq_del(struct nat *n, const struct nat_masq *m, size_t count, struct plumb_err *err);
/* What is programmed, in *out (free()); returns the count. No table: 0. */
int nat_masq_list(struct nat *n, struct nat_masq **out, struct plumb_err *err);

/* ---- port publishing ---- */

struct nat_port {
	uint8_t proto;		 /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
	struct plumb_ip host_ip; /* family 0: every local address (not loopback) */
	uint16_t host_port;
	uint16_t count;	    /* a range host_port..+count-1 -> port..+count-1; 0 = 1 */
	struct plumb_ip ip; /* the container's address */
	uint16_t port;
	char owner[NAT_OWNER_MAX];
};

/* Publish or withdraw mappings, all in one transaction. A host port already
 * published (same proto, same host address or both "any") is -EEXIST;
 * withdrawing one that is not published is -ENOENT (err names it). Deleting
 * needs only proto, host_ip, host_port and count. */
int nat_port_add(struct nat *n, const struct nat_port *p, size_t count, struct plumb_err *err);
int nat_port_del(struct nat *n, const struct nat_port *p, size_t count, struct plumb_err *err);
/* Withdraw those of the given host ports (proto, host_ip, host_port, count as
 * in nat_port_del) that are published AND tagged `owner`; ports published by
 * someone else are left alone. One lookup per port plus one transaction, so
 * its cost does not grow with the number of mappings (CNI DEL from the
 * runtimeConfig's portMappings). Returns how many ports were withdrawn. */
int nat_port_del_owned(struct nat *n, const struct nat_port *p, size_t count, const char *owner,
		       struct plumb_err *err);
/* Published ports, one entry per host port (count 1), in *out (free()). */
int nat_port_list(struct nat *n, struct nat_port **out, struct plumb_err *err);

/* ---- MAC spoofing check (the reference bridge plugin's macspoofchk) ---- */

/* Frames entering a bridge from pod port `ifname` (the host end of its veth)
 * must carry source MAC `mac`; others are dropped. Lives in `table bridge
 * plumb` (bridge filtering needs the bridge family), created on first use,
 * removed with table inet plumb by nat_table_destroy. -EEXIST when the port
 * is already checked, -ENOENT when removing one that is not. */
int nat_macspoof_add(struct nat *n, const char *ifname, const uint8_t mac[6], const char *owner,
		     struct plumb_err *err);
int nat_macspoof_del(struct nat *n, const char *ifname, const uint8_t mac[6],
		     struct plumb_err *err);

struct nat_macspoof {
	char ifname[IFNAMSIZ];
	uint8_t mac[6];
	char owner[NAT_OWNER_MAX];
};
/* The checked ports, in *out (free()); returns the count (0: no table). */
int nat_macspoof_list(struct nat *n, struct nat_macspoof **out, struct plumb_err *err);

/* ---- owners (CNI DEL and GC) ---- */

/* The owner tag of one CNI plugin's elements for one attachment:
 * "<plugin>/<network>/<container id>/<ifname>" (a network name longer than 32
 * bytes becomes "#<hash>"), and the prefix that plugin's GC sweeps:
 * "<plugin>/<network>/". Each plugin tags its own elements, so one plugin's
 * DEL or GC never removes another's. Return 0 or -ENAMETOOLONG. */
int nat_owner_cni(char *buf, size_t len, const char *plugin, const char *network,
		  const char *container_id, const char *ifname);
int nat_owner_cni_prefix(char *buf, size_t len, const char *plugin, const char *network);
/* Remove every element (masquerade, ports, MAC checks) tagged `owner`, in one
 * transaction. Returns how many were removed (0 is fine: DEL is idempotent).
 * Finding them means reading the sets whole: nat_owner_del_kinds reads only
 * the sets of the kinds (NAT_KIND_*) the owner can have written to. */
enum { NAT_KIND_MASQ = 1, NAT_KIND_PORT = 2, NAT_KIND_MACSPOOF = 4, NAT_KIND_ALL = 7 };
int nat_owner_del(struct nat *n, const char *owner, struct plumb_err *err);
int nat_owner_del_kinds(struct nat *n, const char *owner, unsigned kinds, struct plumb_err *err);
/* Remove every element whose owner starts with `prefix` ("portmap/mynet/") and is
 * not one of valid[0..nvalid). Returns how many were removed. */
int nat_owner_gc(struct nat *n, const char *prefix, const char *const *valid, size_t nvalid,
		 struct plumb_err *err);

/* ---- text forms (netctl, messages) ---- */

/* "tcp", "udp", "sctp"; NULL for anything else. */
const char *nat_proto_name(uint8_t proto);
/* Name -> IPPROTO_*; -EINVAL for an unknown protocol. */
int nat_proto_parse(const char *s, uint8_t *proto);
/* "tcp 8080 -> 10.88.0.5:80", "tcp 192.0.2.1:8080-8081 -> [fd00::5]:80-81". */
const char *nat_port_str(const struct nat_port *p, char *buf, size_t len);
/* Fill the address and port of "10.88.0.5:80" / "[fd00::5]:80". */
int nat_addr_port_parse(const char *s, struct plumb_ip *ip, uint16_t *port);

#endif
