/* SPDX-License-Identifier: MIT */
/*
 * ipam/ipam.h — address allocation: pod addresses (host-local compatible) and
 * per-node subnets cut from a cluster CIDR.
 *
 * Owns: the reservation store <dataDir>/<network>/ in the reference host-local
 * format (one file per address holding "<containerID>\r\n<ifname>",
 * last_reserved_ip.<rangeset>, a `lock` file taken with flock), plumb's
 * per-attachment index <dataDir>/.plumb-index/<network>/, the node subnet file
 * store, and the /plumb/<cluster>/subnets/ keys in etcd.
 * Never touches: the kernel (no addresses are configured here), other networks'
 * directories, files it does not recognise. Namespace: none (files and etcd).
 *
 * Plain structs in and out; the JSON config reader is in ipam/config.h.
 */
#ifndef PLUMB_IPAM_H
#define PLUMB_IPAM_H

#include "common/cidr.h"
#include "common/err.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPAM_MAX_RANGESETS 8
#define IPAM_MAX_RANGES 16 /* per range set */
#define IPAM_MAX_ROUTES 32
#define IPAM_MAX_REQUESTED 16
#define IPAM_MAX_DNS 8
#define IPAM_DEFAULT_DATA_DIR "/var/lib/cni/networks"

/* One range: addresses start..end (inclusive) of subnet, skipping the gateway.
 * After ipam_config_finish(): subnet is the network address, start defaults to
 * network+1, end to the last address (minus the IPv4 broadcast), gateway to
 * network+1 — all exactly as host-local 1.1.1 does. */
struct ipam_range {
	struct plumb_cidr subnet;
	struct plumb_ip start, end, gateway; /* family 0 = use the default */
};

/* A range set gives one address per ADD, from the first range with room. */
struct ipam_rangeset {
	size_t n;
	struct ipam_range r[IPAM_MAX_RANGES];
};

struct ipam_route {
	struct plumb_cidr dst;
	struct plumb_ip gw; /* family 0 = no gateway */
};

/* resolv.conf contents, as host-local's resolvConf option reports them. */
struct ipam_dns {
	size_t n_nameservers, n_search, n_options;
	char nameservers[IPAM_MAX_DNS][64];
	char domain[256];
	char search[IPAM_MAX_DNS][256];
	char options[IPAM_MAX_DNS][64];
};

struct ipam_config {
	char network[256];	   /* the CNI network name: directory under data_dir */
	char data_dir[PATH_MAX];   /* "" = IPAM_DEFAULT_DATA_DIR */
	char resolv_conf[PATH_MAX]; /* "" = no DNS in the result */
	size_t n_rangesets;
	struct ipam_rangeset rangesets[IPAM_MAX_RANGESETS];
	size_t n_routes;
	struct ipam_route routes[IPAM_MAX_ROUTES];
	/* Requested addresses (ips capability, args.cni.ips, CNI_ARGS IP=): each
	 * must fall in some range set, at most one per range set. */
	size_t n_requested;
	struct plumb_ip requested[IPAM_MAX_REQUESTED];
};

/* Validate cfg and fill the defaults (see struct ipam_range). Errors name the
 * range ("ranges[1][0]: rangeStart 10.0.1.5 not in network 10.0.0.0/24").
 * Idempotent. */
int ipam_config_finish(struct ipam_config *cfg, struct plumb_err *err);

struct ipam_addr {
	struct plumb_cidr addr;	 /* the address with its subnet's prefix length */
	struct plumb_ip gateway; /* the range's gateway */
	unsigned rangeset;	 /* index into cfg->rangesets */
};

/* What a CNI result needs: one address per range set, routes, DNS. */
struct ipam_result {
	size_t n_addrs;
	struct ipam_addr addrs[IPAM_MAX_RANGESETS];
	size_t n_routes;
	struct ipam_route routes[IPAM_MAX_ROUTES];
	bool has_dns;
	struct ipam_dns dns;
};

/* Reserve one address from every range set for (id, ifname), under the
 * network's lock: the requested address where one falls in the set, else the
 * next free one after last_reserved_ip (round robin). All or nothing: on error
 * nothing stays reserved. -EEXIST if (id, ifname) already holds an address in
 * this network (as host-local: duplicate ADD is refused), -ENOSPC when a range
 * set is exhausted, -EADDRINUSE when a requested address is taken. cfg must
 * have been through ipam_config_finish(). */
int ipam_lease_acquire(const struct ipam_config *cfg, const char *id, const char *ifname,
		       struct ipam_result *out, struct plumb_err *err);

/* Release every address (id, ifname) holds in the network; also files written
 * by old host-local versions holding only the id. Nothing held is success. */
int ipam_lease_release(const struct ipam_config *cfg, const char *id, const char *ifname,
		       struct plumb_err *err);

/* CNI CHECK: fill out with the addresses (id, ifname) holds; -ENOENT naming the
 * range set when one holds none. */
int ipam_lease_check(const struct ipam_config *cfg, const char *id, const char *ifname,
		     struct ipam_result *out, struct plumb_err *err);

struct ipam_lease {
	struct plumb_ip ip;
	char id[256];	/* "" for an empty or unreadable file */
	char ifname[64]; /* "" for the old id-only format */
};

/* Every reservation in data_dir/network (data_dir NULL or "" = default), sorted
 * by address. *out is malloc'd (free() it); an absent network is 0 leases. */
int ipam_lease_list(const char *data_dir, const char *network, struct ipam_lease **out,
		    size_t *n, struct plumb_err *err);

struct ipam_attachment {
	const char *id, *ifname;
};

/* Remove every reservation not held by one of the valid attachments (an
 * id-only file is kept when its id is valid), plus leftovers of interrupted
 * writes. Returns the number of reservations removed. */
int ipam_lease_gc(const char *data_dir, const char *network, const struct ipam_attachment *valid,
		  size_t n_valid, struct plumb_err *err);

/* Parse a resolv.conf the way host-local does. */
int ipam_dns_read(const char *path, struct ipam_dns *out, struct plumb_err *err);

/* ---- per-node subnets ---- */

/* A cluster CIDR cut into node subnets of `mask` bits (default 24 / 64). */
struct ipam_node_pool {
	char cluster[64]; /* name in etcd keys; "" = "default" */
	struct plumb_cidr cidr;
	unsigned mask;
};

struct ipam_node_subnet {
	struct plumb_cidr subnet;
	char node[256];
	char underlay[PLUMB_IP_STRLEN]; /* the node's own address, "" if unknown */
};

struct ipam_node_store;
struct etcd_config; /* common/etcd.h */

/* The file store: <state_dir>/node-subnets, one line per subnet, rewritten
 * atomically under flock. For one machine. */
int ipam_node_store_open_file(const char *state_dir, struct ipam_node_store **out,
			      struct plumb_err *err);
/* The etcd store: keys /plumb/<cluster>/subnets/<cidr with '/' as '-'> holding
 * "node=<name> underlay=<addr>", attached to a lease of ttl seconds. */
int ipam_node_store_open_etcd(const struct etcd_config *etcd, int64_t ttl,
			      struct ipam_node_store **out, struct plumb_err *err);
void ipam_node_store_close(struct ipam_node_store *store);

/* The node's subnet: its existing one (etcd: lease renewed) or the first free
 * one, taken atomically (etcd: a transaction on create_revision == 0).
 * -ENOSPC when the pool is full. */
int ipam_node_cidr_acquire(struct ipam_node_store *store, const struct ipam_node_pool *pool,
			   const char *node, const char *underlay, struct ipam_node_subnet *out,
			   struct plumb_err *err);
/* Give the node's subnet back; none held is success. */
int ipam_node_cidr_release(struct ipam_node_store *store, const struct ipam_node_pool *pool,
			   const char *node, struct plumb_err *err);
/* All subnets taken from the pool, sorted; *out malloc'd (free() it). */
int ipam_node_cidr_list(struct ipam_node_store *store, const struct ipam_node_pool *pool,
			struct ipam_node_subnet **out, size_t *n, struct plumb_err *err);

#endif
