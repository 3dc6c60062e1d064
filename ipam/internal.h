/* SPDX-License-Identifier: MIT */
/* ipam/internal.h — shared between the files of ipam/ only. */
#ifndef PLUMB_IPAM_INTERNAL_H
#define PLUMB_IPAM_INTERNAL_H

#include "ipam/ipam.h"

/* ---- range.c: pure range arithmetic ---- */

/* ip lies in the range's subnet and between start and end. */
bool ipam_range_contains(const struct ipam_range *r, const struct plumb_ip *ip);
/* The range of the set holding ip, or NULL. */
const struct ipam_range *ipam_rangeset_find(const struct ipam_rangeset *rs,
					    const struct plumb_ip *ip);
/* "10.0.0.0/24,10.0.1.0/24" for messages. */
const char *ipam_rangeset_str(const struct ipam_rangeset *rs, char *buf, size_t len);

/* Candidates of a range set in host-local's order: after `last` when the set
 * contains it, else from the first range's start; wraps once around the set,
 * skipping each range's gateway, network address and IPv4 broadcast. */
struct ipam_iter {
	const struct ipam_rangeset *rs;
	size_t idx;
	struct plumb_ip cur, first;
	bool started, have_first, done;
};
void ipam_iter_init(struct ipam_iter *it, const struct ipam_rangeset *rs,
		    const struct plumb_ip *last);
/* Next candidate into *ip (and its range). false when the set is used up. */
bool ipam_iter_next(struct ipam_iter *it, struct plumb_ip *ip, const struct ipam_range **range);

/* ---- store.c: the on-disk reservation store ---- */

struct ipam_store {
	int dirfd;  /* <data_dir>/<network> */
	int lockfd; /* its `lock`, flocked while open */
	int idxfd;  /* <data_dir>/.plumb-index/<network>, -1 until needed */
	char dir[PATH_MAX], idxdir[PATH_MAX];
};

/* Open (creating) the network's directory and take its lock. */
int ipam_store_open(const char *data_dir, const char *network, struct ipam_store *st,
		    struct plumb_err *err);
void ipam_store_close(struct ipam_store *st);

/* Stage "<id>\r\n<ifname>" in a temp file; then reserve links it to the
 * address's name (EEXIST = taken), so a reservation appears complete or not
 * at all, and two writers can never both own a name. */
int ipam_store_stage(struct ipam_store *st, const char *id, const char *ifname,
		     struct plumb_err *err);
/* 1 reserved, 0 taken, <0 error. */
int ipam_store_reserve(struct ipam_store *st, const struct plumb_ip *ip, struct plumb_err *err);
void ipam_store_unstage(struct ipam_store *st);

int ipam_store_last_get(struct ipam_store *st, unsigned rangeset, struct plumb_ip *out);
int ipam_store_last_set(struct ipam_store *st, unsigned rangeset, const struct plumb_ip *ip,
			struct plumb_err *err);

/* 1 when ip's file holds exactly (id, ifname) (or only id when ifname NULL). */
int ipam_store_owned(struct ipam_store *st, const struct plumb_ip *ip, const char *id,
		     const char *ifname);
int ipam_store_remove(struct ipam_store *st, const struct plumb_ip *ip, struct plumb_err *err);

/* Addresses held by (id, ifname) (ifname NULL: by the old id-only format),
 * found by reading every reservation (the reference's way; the slow path). */
int ipam_store_scan(struct ipam_store *st, const char *id, const char *ifname,
		    struct plumb_ip *out, size_t max, size_t *n);

/* Every reserved address of range set rs, sorted (for plumb_ip_cmp), in a
 * malloc'd array: one directory read, for when round robin keeps hitting
 * taken addresses. */
int ipam_store_taken(struct ipam_store *st, const struct ipam_rangeset *rs,
		     struct plumb_ip **out, size_t *n);

/* The per-attachment index: which addresses (id, ifname) holds, so ADD and
 * DEL need not read the whole directory. A hint only: every entry is checked
 * against the reservation file before use. */
int ipam_index_get(struct ipam_store *st, const char *id, const char *ifname,
		   struct plumb_ip *out, size_t max, size_t *n);
int ipam_index_put(struct ipam_store *st, const char *id, const char *ifname,
		   const struct plumb_ip *ips, size_t n);
void ipam_index_del(struct ipam_store *st, const char *id, const char *ifname);

/* An address as Go's net.IP.String() writes it (RFC 5952), the file name. */
const char *ipam_ip_name(const struct plumb_ip *ip, char *buf, size_t len);

/* "id\r\nifname" as host-local trims it: surrounding whitespace of id dropped. */
int ipam_owner_format(const char *id, const char *ifname, char *buf, size_t len);

/* ---- node.c: per-node subnets, shared by the file and etcd stores ---- */

struct ipam_node_store_ops {
	int (*acquire)(struct ipam_node_store *s, const struct ipam_node_pool *pool,
		       const char *node, const char *underlay, struct ipam_node_subnet *out,
		       struct plumb_err *err);
	int (*release)(struct ipam_node_store *s, const struct ipam_node_pool *pool,
		       const char *node, struct plumb_err *err);
	int (*list)(struct ipam_node_store *s, const struct ipam_node_pool *pool,
		    struct ipam_node_subnet **out, size_t *n, struct plumb_err *err);
	void (*close)(struct ipam_node_store *s);
};

struct ipam_node_store {
	const struct ipam_node_store_ops *ops;
};

/* Check the pool and fill its default mask into *out. */
int ipam_node_pool_check(const struct ipam_node_pool *pool, struct ipam_node_pool *out,
			 struct plumb_err *err);
/* subnet is one of pool's node subnets (right length, inside the cluster CIDR). */
bool ipam_node_pool_has(const struct ipam_node_pool *pool, const struct plumb_cidr *subnet);
/* The first node subnet of pool not in taken[0..n). -ENOSPC when full. */
int ipam_node_pool_first_free(const struct ipam_node_pool *pool,
			      const struct ipam_node_subnet *taken, size_t n,
			      struct plumb_cidr *out, struct plumb_err *err);
int ipam_node_subnet_cmp(const void *a, const void *b);
/* Node names go into files and keys: no whitespace, '/', '=' or control bytes. */
int ipam_node_name_check(const char *node, struct plumb_err *err);

#endif
