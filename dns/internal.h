/* SPDX-License-Identifier: MIT */
/* dns/internal.h — the compiled zone's layout, shared by zone.c (building) and
 * answer.c (reading). Everything is flat arrays indexed by uint32, so one zone
 * is a handful of allocations and a lookup touches a few cache lines. */
#ifndef PLUMB_DNS_INTERNAL_H
#define PLUMB_DNS_INTERNAL_H

#include "dns/dns.h"

#define ZNET_SUFFIX_MAX 6
#define ZNET_STRIP_MAX 2 /* domain, network name */

struct znet {
	uint32_t name;		/* arena offset of the network's name (wire, no terminal 0) */
	uint8_t name_len;
	uint8_t nstrip;		/* suffixes stripped before lookup: domain, network name */
	uint8_t nauth;		/* + cluster domains: names under these get NXDOMAIN */
	uint32_t suf[ZNET_SUFFIX_MAX];
	uint8_t suf_len[ZNET_SUFFIX_MAX]; /* wire length including the terminal 0 */
	uint32_t ptr_suffix;	/* what PTR answers append: domain or network, with 0 */
};

struct zname {
	uint32_t hash;
	uint16_t net;
	uint8_t len;		/* wire length without the terminal 0 */
	uint32_t name;		/* arena offset */
	uint32_t a, aaaa, srv;	/* first index into a4 / a6 / srv */
	uint16_t na, naaaa, nsrv;
	/* Rotation counters, bumped per multi-address answer, one per form the
	 * name was asked in (as given, minus the domain, minus the network):
	 * busybox asks "es.dns.podman" and "es" for one lookup, and a shared
	 * counter would step twice and show every lookup the same order. */
	uint32_t rot[1 + ZNET_STRIP_MAX];
};

struct zsrv {
	uint16_t port;
	uint32_t target;	/* arena offset of a full wire name (with 0) */
};

struct zptr {
	uint32_t hash;
	uint16_t net;
	uint8_t family;
	uint8_t addr[16];
	uint32_t target;	/* arena offset of a full wire name (with 0) */
};

struct dns_zone {
	uint32_t ttl;
	struct znet *nets;
	size_t nnets;
	char **net_names;	/* for dns_zone_net_index */
	struct zname *names;
	size_t nnames;
	uint32_t *slots;	/* open addressing: index + 1, 0 = empty */
	uint32_t mask;
	struct zptr *ptrs;
	size_t nptrs;
	uint32_t *pslots;
	uint32_t pmask;
	uint8_t (*a4)[4];
	uint8_t (*a6)[16];
	struct zsrv *srv;
	uint8_t *arena;
	size_t arena_len;
};

/* FNV-1a over a byte range, continuing from h; the key hash mixes in the net. */
#define ZHASH_INIT 2166136261u
static inline uint32_t zhash_bytes(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static inline uint32_t zhash_final(uint32_t h, uint16_t net)
{
	h ^= (uint32_t)net * 0x9e3779b1u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

/* Find a name (wire, len without the terminal 0) on net; NULL when absent. */
struct zname *zone_find(struct dns_zone *z, uint16_t net, uint32_t hash, const uint8_t *name,
			size_t len);
const struct zptr *zone_find_ptr(const struct dns_zone *z, uint16_t net, int family,
				 const uint8_t *addr);
uint32_t zone_ptr_hash(uint16_t net, int family, const uint8_t *addr);

#endif
