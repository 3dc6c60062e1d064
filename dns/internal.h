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

/*
 * A name record: a run of 32-bit words in z->w.
 *   w[0]        network (16 bits) | wire length without the terminal 0 (8) | ZF_* (8)
 *   w[1..]      the lower-cased wire name, zero-padded to whole words
 *   counts      na (16) | naaaa (16); absent with ZF_ONE_A (one A, nothing else)
 *   nsrv        only with ZF_SRV
 *   rot[3]      only with ZF_MULTI: rotation counters, bumped per multi-address
 *               answer, one per form the name was asked in (as given, minus the
 *               domain, minus the network): busybox asks "es.dns.podman" and
 *               "es" for one lookup, and a shared counter would step twice
 *   na A (one word each), naaaa AAAA (4 words each), nsrv SRV (port, target:
 *   arena offset of a full wire name)
 * Most names are one container with one address: 3 or 4 words in all.
 */
#define ZF_ONE_A 0x01
#define ZF_SRV 0x02
#define ZF_MULTI 0x04

struct zrec {
	uint32_t *w;
	uint16_t net;
	uint8_t len;
	uint8_t flags;
	const uint8_t *name;
	uint16_t na, naaaa;
	uint32_t nsrv;
	uint32_t *rot;		/* NULL unless ZF_MULTI */
	const uint32_t *a4, *a6, *srv;
};

static inline uint32_t zrec_head(uint16_t net, uint8_t len, uint8_t flags)
{
	return net | (uint32_t)len << 16 | (uint32_t)flags << 24;
}

static inline void zrec_read(uint32_t *w, struct zrec *r)
{
	uint32_t *p = w + 1 + ((w[0] >> 16 & 0xff) + 3) / 4;

	r->w = w;
	r->net = (uint16_t)w[0];
	r->len = (uint8_t)(w[0] >> 16);
	r->flags = (uint8_t)(w[0] >> 24);
	r->name = (const uint8_t *)(w + 1);
	r->na = 1;
	r->naaaa = 0;
	r->nsrv = 0;
	r->rot = NULL;
	if (!(r->flags & ZF_ONE_A)) {
		r->na = (uint16_t)*p;
		r->naaaa = (uint16_t)(*p++ >> 16);
	}
	if (r->flags & ZF_SRV)
		r->nsrv = *p++;
	if (r->flags & ZF_MULTI) {
		r->rot = p;
		p += 3;
	}
	r->a4 = p;
	r->a6 = p + r->na;
	r->srv = r->a6 + 4 * (size_t)r->naaaa;
}

/* The word after the record: the next record's first. */
static inline const uint32_t *zrec_end(const struct zrec *r)
{
	return r->srv + 2 * (size_t)r->nsrv;
}

/* Slots of the name and PTR tables: 8 bits of the key's hash as a tag (so a
 * probe rarely touches a record that is not the one) and, below, the record's
 * word offset + 1 (0: empty). Tables are any size (at most 70 % full, not the
 * next power of two): the home slot is the hash scaled to the size, so its
 * high bits choose the slot and the low ones make the tag. (registry.c's
 * index of registrations probes with zslot_home/zslot_next too.) */
#define ZSLOT_OFF_BITS 24
#define ZSLOT_OFF_MASK ((1u << ZSLOT_OFF_BITS) - 1)
#define ZSLOT_TAG(h) ((h) << ZSLOT_OFF_BITS)
#define ZSLOT_TAG_OF(v) ((v) & ~ZSLOT_OFF_MASK)

static inline uint32_t zslot_home(uint32_t h, uint32_t size)
{
	return (uint32_t)(((uint64_t)h * size) >> 32);
}

static inline uint32_t zslot_next(uint32_t s, uint32_t size)
{
	return ++s == size ? 0 : s;
}

/* Slots for n keys, at most 70 % full. */
static inline size_t zslot_count(size_t n)
{
	return n * 10 / 7 + 2;
}

struct dns_zone {
	uint32_t ttl;
	struct znet *nets;
	size_t nnets;
	char **net_names;	/* for dns_zone_net_index */
	uint32_t *w;		/* name records */
	size_t nw;
	size_t nnames;
	uint32_t *slots;	/* names: open addressing, linear probing */
	uint32_t nslots;
	uint32_t *pslots;	/* PTR: address -> the registering container's name */
	uint32_t npslots;
	size_t nptrs;
	uint8_t *arena;		/* network suffixes, SRV targets */
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

/* Find a name (wire, len without the terminal 0) on net: its record, or NULL. */
uint32_t *zone_find(struct dns_zone *z, uint16_t net, uint32_t hash, const uint8_t *name,
		    size_t len);
/* The name record that registered addr on net (first registration wins). */
uint32_t *zone_find_ptr(const struct dns_zone *z, uint16_t net, int family, const uint8_t *addr);
uint32_t zone_ptr_hash(uint16_t net, int family, const uint8_t *addr);

#endif
