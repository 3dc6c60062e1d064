/* SPDX-License-Identifier: MIT */
/*
 * nat/service.h — the Service layout inside `table inet plumb`.
 *
 * Owns: the chains, sets and maps named `svc-*` in table inet plumb (nat/ owns the
 * table itself). Never touches: other tables, other chains of table plumb.
 * Namespace: the caller's (the netlink socket is opened where the caller runs).
 *
 * Layout (IPv4). Everything per service or per endpoint is an ELEMENT of a data
 * map or set, so a change never makes the kernel re-validate the table:
 *   svc-ids     proto . vip . port        : id     ClusterIP frontends
 *   svc-npids   proto . nodeport          : id     NodePort frontends
 *   svc-eps     id . slot                 : addr . port   (slot < N)
 *   svc-epset   base . addr . port                 endpoints of affinity frontends
 *   svc-noep    proto . vip . port                 frontends with no ready endpoint
 *   svc-npnoep  proto . nodeport                   (rejected)
 *   svc-hairpin addr . addr                        endpoint talking to itself
 *   svc-aff     base . saddr : addr . port         dynamic, timeout: ClientIP affinity
 * id = serial << 12 | class << 6 | (N - 1); base = id & ~0xfff.
 * Static part, made once by nat_svc_bootstrap: 64 chains svc-c<N> (ClusterIP) and
 * 64 svc-p<N> (NodePort), each one rule
 *   dnat to (id . numgen random mod N) map @svc-eps
 * reached through the static verdict maps svc-csel/svc-psel keyed by N - 1, so
 * every endpoint is picked with probability exactly 1/N. Affinity classes (one
 * per distinct timeout in use, a chain svc-aff-<T> holding the `update @svc-aff`
 * rule) are the only rule changes, made when a new timeout first appears.
 */
#ifndef PLUMB_NAT_SERVICE_H
#define PLUMB_NAT_SERVICE_H

#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAT_SVC_MAX_BACKENDS 64
#define NAT_SVC_MAX_CLASSES 63 /* class 0 = no affinity */
#define NAT_SVC_SERIAL_MAX ((1u << 20) - 1)
#define NAT_SVC_MASQ_MARK 0x4000u /* packet mark bit: NodePort traffic to masquerade */

enum nat_svc_set {
	NAT_SVC_IDS,
	NAT_SVC_NPIDS,
	NAT_SVC_EPS,
	NAT_SVC_EPSET,
	NAT_SVC_NOEP,
	NAT_SVC_NPNOEP,
	NAT_SVC_HAIRPIN,
	NAT_SVC_NSETS,
};

/* One element of one of the sets above, in kernel byte layout. */
struct nat_svc_elem {
	uint8_t set; /* enum nat_svc_set */
	uint8_t klen, dlen;
	uint8_t key[12];
	uint8_t data[8];
	const char *comment; /* borrowed; ids/noep/npnoep carry the frontend's name */
};

static inline uint32_t nat_svc_id(uint32_t serial, uint8_t tclass, size_t n)
{
	return serial << 12 | (uint32_t)tclass << 6 | (uint32_t)(n - 1);
}

/* Element constructors (addresses in network order, ports in host order). */
void nat_svc_elem_ids(struct nat_svc_elem *e, uint8_t proto, uint32_t vip, uint16_t port,
		      uint32_t id, const char *comment);
void nat_svc_elem_npids(struct nat_svc_elem *e, uint8_t proto, uint16_t node_port, uint32_t id,
			const char *comment);
void nat_svc_elem_eps(struct nat_svc_elem *e, uint32_t id, uint32_t slot, uint32_t addr,
		      uint16_t port);
void nat_svc_elem_epset(struct nat_svc_elem *e, uint32_t id, uint32_t addr, uint16_t port);
void nat_svc_elem_noep(struct nat_svc_elem *e, uint8_t proto, uint32_t vip, uint16_t port,
		       const char *comment);
void nat_svc_elem_npnoep(struct nat_svc_elem *e, uint8_t proto, uint16_t node_port,
			 const char *comment);
void nat_svc_elem_hairpin(struct nat_svc_elem *e, uint32_t addr);
/* Order by (set, key), for sorting and merging. */
int nat_svc_elem_cmp(const struct nat_svc_elem *a, const struct nat_svc_elem *b);

/* The kernel set name of a set ("svc-ids"). */
const char *nat_svc_set_name(enum nat_svc_set set);

struct nat_svc_class {
	uint8_t tclass;	  /* 1..63 */
	uint32_t timeout; /* seconds */
};

struct nat_svc_elemv {
	size_t n, cap;
	struct nat_svc_elem *v;
};

int nat_svc_elemv_push(struct nat_svc_elemv *v, const struct nat_svc_elem *e);
void nat_svc_elemv_free(struct nat_svc_elemv *v);

/* One transaction: class chains added, element deletes, element adds, class
 * chains deleted — in that order. */
struct nat_svc_batch {
	struct nat_svc_elemv del, add;
	size_t nclass_add, nclass_del;
	struct nat_svc_class class_add[NAT_SVC_MAX_CLASSES], class_del[NAT_SVC_MAX_CLASSES];
};

void nat_svc_batch_free(struct nat_svc_batch *b);
static inline bool nat_svc_batch_empty(const struct nat_svc_batch *b)
{
	return !b->del.n && !b->add.n && !b->nclass_add && !b->nclass_del;
}

/* ---- talking to the kernel ---- */

struct nat_svc;

/* Open a netlink socket in the caller's namespace. */
int nat_svc_open(struct nat_svc **ret, struct plumb_err *err);
void nat_svc_close(struct nat_svc *s);

/* Make the static layout if it is missing (table inet plumb included); leaves
 * an existing layout and its elements alone. Returns 1 if it created the
 * layout, 0 if it was there. */
int nat_svc_bootstrap(struct nat_svc *s, struct plumb_err *err);
/* Send b as one transaction. */
int nat_svc_commit(struct nat_svc *s, const struct nat_svc_batch *b, struct plumb_err *err);

/* What the kernel holds: every element of every svc set (comments copied into
 * strings the dump owns) and the affinity classes. */
struct nat_svc_dump {
	struct nat_svc_elemv elems;
	size_t nclasses;
	struct nat_svc_class classes[NAT_SVC_MAX_CLASSES];
	char **strings;	    /* blocks of packed, NUL-terminated comments */
	size_t nstrings;    /* blocks */
	size_t string_used; /* bytes used in the last block */
};

/* Returns -ENOENT when the layout is not there. */
int nat_svc_dump(struct nat_svc *s, struct nat_svc_dump *d, struct plumb_err *err);
void nat_svc_dump_free(struct nat_svc_dump *d);

#endif
