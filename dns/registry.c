// SPDX-License-Identifier: MIT
/* The registry: containers and services on networks, as told by register
 * requests. Plain data; the zone is compiled from it. */
#include "dns/dns.h"
#include "dns/internal.h" /* the slot probe of the zone's tables */

#include "common/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int name_check(const char *what, const char *s, bool required, struct plumb_err *err)
{
	uint8_t wire[DNS_NAME_MAX];

	if (!s || !*s) {
		if (required)
			return plumb_err_set(err, EINVAL, "missing %s", what);
		return 0;
	}
	/* Letters, digits, '-' and '_' in dot-separated labels: what container
	 * runtimes allow in names, and nothing a resolver would choke on. */
	if (strlen(s) > DNS_NAME_TEXT_MAX || strspn(s, "abcdefghijklmnopqrstuvwxyz"
						       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
						       strlen(s) ||
	    dns_name_from_text(s, wire) < 0)
		return plumb_err_set(err, EINVAL,
				     "%s '%s' is not a DNS name (labels of 1-63 letters, digits, "
				     "'-' or '_', at most 253 characters in all)",
				     what, s);
	return 0;
}

int dns_reg_validate(const struct dns_reg *r, struct plumb_err *err)
{
	int rc;

	if ((rc = name_check("network", r->network, true, err)) < 0)
		return rc;
	if (!r->id || !*r->id || strlen(r->id) > DNS_REG_ID_MAX)
		return plumb_err_set(err, EINVAL, "missing or too long container id");
	if (r->naliases > DNS_REG_ALIASES_MAX)
		return plumb_err_set(err, EINVAL, "too many aliases (%zu, at most %d)",
				     r->naliases, DNS_REG_ALIASES_MAX);
	if (r->netns && strlen(r->netns) >= 4096)
		return plumb_err_set(err, EINVAL, "netns path too long");
	if ((rc = name_check("name", r->name, r->kind == DNS_REG_SERVICE, err)) < 0)
		return rc;
	for (size_t i = 0; i < r->naliases; i++)
		if ((rc = name_check("alias", r->aliases[i], true, err)) < 0)
			return rc;
	if (r->naddrs > DNS_REG_ADDRS_MAX)
		return plumb_err_set(err, EINVAL, "too many addresses (%zu, at most %d)",
				     r->naddrs, DNS_REG_ADDRS_MAX);
	for (size_t i = 0; i < r->naddrs; i++)
		if (r->addrs[i].family != AF_INET && r->addrs[i].family != AF_INET6)
			return plumb_err_set(err, EINVAL, "address %zu has no family", i);
	if (r->kind == DNS_REG_SERVICE) {
		if ((rc = name_check("service namespace", r->svc_namespace, true, err)) < 0 ||
		    (rc = name_check("cluster domain", r->cluster_domain, false, err)) < 0)
			return rc;
		if (r->nports > DNS_REG_PORTS_MAX)
			return plumb_err_set(err, EINVAL, "too many service ports (%zu, at most %d)",
					     r->nports, DNS_REG_PORTS_MAX);
		for (size_t i = 0; i < r->nports; i++)
			if (!r->ports[i].port || !r->ports[i].proto[0])
				return plumb_err_set(err, EINVAL,
						     "service port %zu needs a port and a protocol",
						     i);
	}
	return 0;
}

void dns_reg_free(struct dns_reg *r)
{
	free(r->network);
	free(r->id);
	free(r->name);
	for (size_t i = 0; i < r->naliases; i++)
		free(r->aliases[i]);
	free(r->aliases);
	free(r->addrs);
	free(r->netns);
	free(r->svc_namespace);
	free(r->cluster_domain);
	free(r->ports);
	memset(r, 0, sizeof(*r));
}

/*
 * A packed registration in reg->blob:
 *   u8 flags (REC_*), u8 naliases, u16 naddrs, u16 network (netnames index)
 *   id: 32 bytes when REC_HEXID (a 64-hex-digit container id), else NUL-terminated
 *   name (when REC_NAME), each alias: NUL-terminated
 *   each address: 4 bytes when REC_V4ONLY, else a family octet (4 or 6) + 4/16
 *   netns (when REC_NETNS): NUL-terminated
 *   services: namespace, cluster domain ("" = unset), u8 nports, each port as
 *   name, protocol (NUL-terminated) and u16 port
 * Multi-byte fields are unaligned: always memcpy.
 */
#define REC_SERVICE 0x01
#define REC_HEADLESS 0x02
#define REC_HEXID 0x04
#define REC_NETNS 0x08
#define REC_NAME 0x10
#define REC_V4ONLY 0x20
#define REC_HDR 6
#define HEXID_LEN 64

static bool hex_id(const char *id)
{
	size_t n = strspn(id, "0123456789abcdef");

	return n == HEXID_LEN && !id[n];
}

static int hexval(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

static void hex_pack(const char *id, uint8_t *out)
{
	for (size_t i = 0; i < HEXID_LEN / 2; i++)
		out[i] = (uint8_t)(hexval(id[2 * i]) << 4 | hexval(id[2 * i + 1]));
}

static uint16_t rec_u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static const uint8_t *rec_at(const struct dns_registry *reg, size_t i)
{
	return reg->blob + reg->recs[i];
}

static size_t str_skip(const uint8_t *p)
{
	return strlen((const char *)p) + 1;
}

/* Offset of the part after the id, and after the addresses. */
static size_t rec_after_id(const uint8_t *p)
{
	return REC_HDR + (p[0] & REC_HEXID ? HEXID_LEN / 2 : str_skip(p + REC_HDR));
}

static size_t rec_netns_off(const uint8_t *p)
{
	size_t off = rec_after_id(p), naddrs = rec_u16(p + 2);

	if (p[0] & REC_NAME)
		off += str_skip(p + off);
	for (size_t i = 0; i < p[1]; i++)
		off += str_skip(p + off);
	if (p[0] & REC_V4ONLY)
		return off + 4 * naddrs;
	for (size_t i = 0; i < naddrs; i++)
		off += 1 + (p[off] == 4 ? 4 : 16);
	return off;
}

/* Length of the whole record. */
static size_t rec_len(const uint8_t *p)
{
	size_t off = rec_netns_off(p);

	if (p[0] & REC_NETNS)
		off += str_skip(p + off);
	if (p[0] & REC_SERVICE) {
		size_t nports;

		off += str_skip(p + off);
		off += str_skip(p + off);
		nports = p[off++];
		for (size_t i = 0; i < nports; i++) {
			off += str_skip(p + off);
			off += str_skip(p + off) + 2;
		}
	}
	return off;
}

static int blob_put(struct dns_registry *reg, const void *p, size_t n)
{
	if (reg->blob_len + n > reg->blob_cap) {
		size_t cap = reg->blob_cap ? reg->blob_cap : 4096;
		uint8_t *b;

		while (cap < reg->blob_len + n)
			cap *= 2;
		if (cap > UINT32_MAX || !(b = realloc(reg->blob, cap)))
			return -ENOMEM;
		reg->blob = b;
		reg->blob_cap = cap;
	}
	memcpy(reg->blob + reg->blob_len, p, n);
	reg->blob_len += n;
	return 0;
}

static int blob_str(struct dns_registry *reg, const char *s)
{
	return blob_put(reg, s ? s : "", (s ? strlen(s) : 0) + 1);
}

/* Index of an interned network name; -ENOENT when absent and !add. */
static int netname_index(struct dns_registry *reg, const char *name, bool add)
{
	char *copy;

	for (size_t i = 0; i < reg->nnetnames; i++)
		if (!strcmp(reg->netnames[i], name))
			return (int)i;
	if (!add)
		return -ENOENT;
	if (reg->nnetnames >= UINT16_MAX)
		return -ENOSPC;
	if (reg->nnetnames == reg->capnetnames) {
		size_t cap = reg->capnetnames ? reg->capnetnames * 2 : 8;
		char **v = realloc(reg->netnames, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		reg->netnames = v;
		reg->capnetnames = cap;
	}
	if (!(copy = strdup(name)))
		return -ENOMEM;
	reg->netnames[reg->nnetnames] = copy;
	return (int)reg->nnetnames++;
}

/* Append r to the blob; returns its offset or -errno (the blob is cut back). */
static long rec_append(struct dns_registry *reg, const struct dns_reg *r)
{
	size_t start = reg->blob_len;
	uint8_t hdr[REC_HDR] = {0}, hexid[HEXID_LEN / 2];
	bool v4only = true;
	int net = netname_index(reg, r->network, true), rc = 0;
	uint16_t v16;

	if (net < 0)
		return net;
	for (size_t i = 0; i < r->naddrs; i++)
		v4only &= r->addrs[i].family == AF_INET;
	hdr[0] = (uint8_t)((r->kind == DNS_REG_SERVICE ? REC_SERVICE : 0) |
			   (r->headless ? REC_HEADLESS : 0) | (hex_id(r->id) ? REC_HEXID : 0) |
			   (r->netns ? REC_NETNS : 0) | (r->name && *r->name ? REC_NAME : 0) |
			   (v4only ? REC_V4ONLY : 0));
	hdr[1] = (uint8_t)r->naliases;
	v16 = (uint16_t)r->naddrs;
	memcpy(hdr + 2, &v16, 2);
	v16 = (uint16_t)net;
	memcpy(hdr + 4, &v16, 2);
	rc = blob_put(reg, hdr, sizeof(hdr));
	if (hdr[0] & REC_HEXID) {
		hex_pack(r->id, hexid);
		rc = rc ?: blob_put(reg, hexid, sizeof(hexid));
	} else {
		rc = rc ?: blob_str(reg, r->id);
	}
	if (hdr[0] & REC_NAME)
		rc = rc ?: blob_str(reg, r->name);
	for (size_t i = 0; i < r->naliases; i++)
		rc = rc ?: blob_str(reg, r->aliases[i]);
	for (size_t i = 0; i < r->naddrs; i++) {
		uint8_t fam = r->addrs[i].family == AF_INET ? 4 : 6;

		if (!v4only)
			rc = rc ?: blob_put(reg, &fam, 1);
		rc = rc ?: blob_put(reg, r->addrs[i].a, fam == 4 ? 4 : 16);
	}
	if (r->netns)
		rc = rc ?: blob_str(reg, r->netns);
	if (r->kind == DNS_REG_SERVICE) {
		uint8_t np = (uint8_t)r->nports;

		rc = rc ?: blob_str(reg, r->svc_namespace);
		rc = rc ?: blob_str(reg, r->cluster_domain);
		rc = rc ?: blob_put(reg, &np, 1);
		for (size_t i = 0; i < r->nports; i++) {
			rc = rc ?: blob_str(reg, r->ports[i].name);
			rc = rc ?: blob_str(reg, r->ports[i].proto);
			rc = rc ?: blob_put(reg, &r->ports[i].port, 2);
		}
	}
	if (rc < 0) {
		reg->blob_len = start;
		return rc;
	}
	return (long)start;
}

/* The id of record i as a string: into buf (HEXID_LEN + 1 bytes) when packed. */
static const char *rec_id(const struct dns_registry *reg, size_t i, char *buf)
{
	const uint8_t *p = rec_at(reg, i);
	static const char hex[] = "0123456789abcdef";

	if (!(p[0] & REC_HEXID))
		return (const char *)p + REC_HDR;
	for (size_t k = 0; k < HEXID_LEN / 2; k++) {
		buf[2 * k] = hex[p[REC_HDR + k] >> 4];
		buf[2 * k + 1] = hex[p[REC_HDR + k] & 15];
	}
	buf[HEXID_LEN] = '\0';
	return buf;
}

void dns_registry_get(const struct dns_registry *reg, size_t i, struct dns_reg_buf *buf)
{
	const uint8_t *p = rec_at(reg, i);
	struct dns_reg *r = &buf->r;
	size_t off = rec_after_id(p);

	memset(r, 0, sizeof(*r));
	r->kind = p[0] & REC_SERVICE ? DNS_REG_SERVICE : DNS_REG_CONTAINER;
	r->headless = p[0] & REC_HEADLESS;
	r->network = reg->netnames[rec_u16(p + 4)];
	r->id = (char *)rec_id(reg, i, buf->id);
	if (p[0] & REC_NAME) {
		r->name = (char *)p + off;
		off += str_skip(p + off);
	}
	r->aliases = buf->aliases;
	r->naliases = p[1];
	for (size_t k = 0; k < r->naliases; k++) {
		buf->aliases[k] = (char *)p + off;
		off += str_skip(p + off);
	}
	r->addrs = buf->addrs;
	r->naddrs = rec_u16(p + 2);
	for (size_t k = 0; k < r->naddrs; k++) {
		int fam = p[0] & REC_V4ONLY ? 4 : p[off++];

		memset(&buf->addrs[k], 0, sizeof(buf->addrs[k]));
		buf->addrs[k].family = fam == 4 ? AF_INET : AF_INET6;
		memcpy(buf->addrs[k].a, p + off, fam == 4 ? 4 : 16);
		off += fam == 4 ? 4 : 16;
	}
	if (p[0] & REC_NETNS) {
		r->netns = (char *)p + off;
		off += str_skip(p + off);
	}
	if (!(p[0] & REC_SERVICE))
		return;
	r->svc_namespace = (char *)p + off;
	off += str_skip(p + off);
	r->cluster_domain = p[off] ? (char *)p + off : NULL;
	off += str_skip(p + off);
	r->ports = buf->ports;
	r->nports = p[off++];
	for (size_t k = 0; k < r->nports; k++) {
		struct dns_port *pt = &buf->ports[k];

		snprintf(pt->name, sizeof(pt->name), "%s", (const char *)p + off);
		off += str_skip(p + off);
		snprintf(pt->proto, sizeof(pt->proto), "%s", (const char *)p + off);
		off += str_skip(p + off);
		memcpy(&pt->port, p + off, 2);
		off += 2;
	}
}

const char *dns_registry_network(const struct dns_registry *reg, size_t i)
{
	return reg->netnames[rec_u16(rec_at(reg, i) + 4)];
}

const char *dns_registry_netns(const struct dns_registry *reg, size_t i)
{
	const uint8_t *p = rec_at(reg, i);

	return p[0] & REC_NETNS ? (const char *)p + rec_netns_off(p) : NULL;
}

static uint32_t key_hash(int net, const char *id)
{
	uint32_t h = 2166136261u;

	h = (h ^ (uint32_t)net) * 16777619u;
	h = (h ^ 0xff) * 16777619u;
	for (const char *p = id; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h ^ (h >> 15);
}

/* Does the record carry this id? packed: id's packed form when it is hex. */
static bool rec_has_id(const uint8_t *p, const char *id, const uint8_t *packed)
{
	if (p[0] & REC_HEXID)
		return packed && !memcmp(p + REC_HDR, packed, HEXID_LEN / 2);
	return !packed && !strcmp((const char *)p + REC_HDR, id);
}

/* Slot of (network index, id): its entry, or the empty slot where it goes. */
static uint32_t *index_slot(const struct dns_registry *reg, int net, const char *id)
{
	uint32_t size = (uint32_t)reg->index_size; /* index_rebuild keeps it below 2^32 */
	uint8_t packed[HEXID_LEN / 2];
	bool hex = hex_id(id);

	if (hex)
		hex_pack(id, packed);
	for (uint32_t s = zslot_home(key_hash(net, id), size);; s = zslot_next(s, size)) {
		uint32_t i = reg->index[s];
		const uint8_t *p;

		if (!i)
			return &reg->index[s];
		p = rec_at(reg, i - 1);
		if (rec_u16(p + 4) == net && rec_has_id(p, id, hex ? packed : NULL))
			return &reg->index[s];
	}
}

/* Rebuild the index (after growth or removals) at a size with room for n
 * and some growth: 60 % full now, rebuilt when it passes 75 %. */
static int index_rebuild(struct dns_registry *reg, size_t n)
{
	size_t size = n * 5 / 3 + 64;
	uint32_t *idx;
	char buf[HEXID_LEN + 1];

	if (size > UINT32_MAX)
		return -ENOMEM;
	idx = calloc(size, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	free(reg->index);
	reg->index = idx;
	reg->index_size = size;
	for (size_t i = 0; i < reg->nregs; i++)
		*index_slot(reg, rec_u16(rec_at(reg, i) + 4), rec_id(reg, i, buf)) =
			(uint32_t)i + 1;
	return 0;
}

/* Copy the live registrations into a fresh blob (dropping network names no
 * registration uses any more); offsets change, so the index is rebuilt. */
static int compact(struct dns_registry *reg)
{
	size_t len = 0, nn = 0;
	_cleanup_free_ uint16_t *map = calloc(reg->nnetnames + 1, sizeof(*map));
	uint8_t *nb;

	if (!map)
		return -ENOMEM;
	for (size_t i = 0; i < reg->nregs; i++) {
		len += rec_len(rec_at(reg, i));
		map[rec_u16(rec_at(reg, i) + 4)] = 1;
	}
	if (!(nb = malloc(len ? len : 1)))
		return -ENOMEM;
	for (size_t i = 0; i < reg->nnetnames; i++) {
		if (!map[i]) {
			free(reg->netnames[i]);
			continue;
		}
		map[i] = (uint16_t)nn;
		reg->netnames[nn++] = reg->netnames[i];
	}
	reg->nnetnames = nn;
	len = 0;
	for (size_t i = 0; i < reg->nregs; i++) {
		const uint8_t *p = rec_at(reg, i);
		size_t l = rec_len(p);
		uint16_t net = map[rec_u16(p + 4)];

		memcpy(nb + len, p, l);
		memcpy(nb + len + 4, &net, 2);
		reg->recs[i] = (uint32_t)len;
		len += l;
	}
	free(reg->blob);
	reg->blob = nb;
	reg->blob_len = reg->blob_cap = len;
	reg->blob_dead = 0;
	return index_rebuild(reg, reg->nregs);
}

/* Replaced and removed registrations leave dead bytes: compact when they
 * are more than the live ones. */
static void maybe_compact(struct dns_registry *reg)
{
	if (reg->blob_dead > 4096 && reg->blob_dead * 2 > reg->blob_len)
		compact(reg); /* no memory: keep the dead bytes, nothing is lost */
}

int dns_registry_put(struct dns_registry *reg, const struct dns_reg *r, struct plumb_err *err)
{
	uint32_t *slot;
	long off;
	int rc, net;

	rc = dns_reg_validate(r, err);
	if (rc < 0)
		return rc;
	if ((reg->nregs + 1) * 4 > reg->index_size * 3 && index_rebuild(reg, reg->nregs + 1) < 0)
		return plumb_err_set(err, ENOMEM, "out of memory");
	if (reg->nregs == reg->capregs) {
		size_t cap = reg->capregs ? reg->capregs * 2 : 16;
		uint32_t *v = realloc(reg->recs, cap * sizeof(*v));

		if (!v)
			return plumb_err_set(err, ENOMEM, "out of memory");
		reg->recs = v;
		reg->capregs = cap;
	}
	if ((off = rec_append(reg, r)) < 0)
		return plumb_err_set(err, (int)-off, "cannot store the registration: %s",
				     strerror((int)-off));
	net = rec_u16(reg->blob + off + 4);
	slot = index_slot(reg, net, r->id);
	if (*slot) {
		reg->blob_dead += rec_len(rec_at(reg, *slot - 1));
		reg->recs[*slot - 1] = (uint32_t)off;
	} else {
		reg->recs[reg->nregs++] = (uint32_t)off;
		*slot = (uint32_t)reg->nregs;
	}
	maybe_compact(reg);
	return 0;
}

int dns_registry_del(struct dns_registry *reg, const char *network, const char *id)
{
	int net = network ? netname_index(reg, network, false) : -1;
	uint8_t packed[HEXID_LEN / 2];
	bool hex = hex_id(id);
	size_t j = 0;
	int removed = 0;

	if (network && net < 0)
		return 0;
	if (hex)
		hex_pack(id, packed);
	for (size_t i = 0; i < reg->nregs; i++) {
		const uint8_t *p = rec_at(reg, i);

		if ((!network || rec_u16(p + 4) == net) && rec_has_id(p, id, hex ? packed : NULL)) {
			reg->blob_dead += rec_len(p);
			removed++;
			continue;
		}
		reg->recs[j++] = reg->recs[i];
	}
	reg->nregs = j;
	if (!removed)
		return 0;
	if (index_rebuild(reg, reg->nregs) < 0) {
		free(reg->index); /* no memory for an index: the next put makes one */
		reg->index = NULL;
		reg->index_size = 0;
	}
	maybe_compact(reg);
	return removed;
}

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

const struct dns_netconf *dns_registry_net_find(const struct dns_registry *reg, const char *name)
{
	for (size_t i = 0; i < reg->nnets; i++)
		if (same(reg->nets[i].name, name))
			return &reg->nets[i];
	return NULL;
}

void dns_netconf_free(struct dns_netconf *n)
{
	free(n->name);
	free(n->domain);
	memset(n, 0, sizeof(*n));
}

int dns_registry_net_put(struct dns_registry *reg, const struct dns_netconf *n,
			 struct plumb_err *err)
{
	struct dns_netconf *cur = (struct dns_netconf *)dns_registry_net_find(reg, n->name);
	_cleanup_free_ char *domain = NULL;
	int rc;

	if ((rc = name_check("network", n->name, true, err)) < 0 ||
	    (rc = name_check("domain", n->domain, false, err)) < 0)
		return rc;
	if (n->domain && *n->domain && !(domain = strdup(n->domain)))
		return plumb_err_set(err, ENOMEM, "out of memory");
	if (!cur) {
		if (reg->nnets == reg->capnets) {
			size_t cap = reg->capnets ? reg->capnets * 2 : 8;
			struct dns_netconf *v = realloc(reg->nets, cap * sizeof(*v));

			if (!v)
				return plumb_err_set(err, ENOMEM, "out of memory");
			reg->nets = v;
			reg->capnets = cap;
		}
		cur = &reg->nets[reg->nnets];
		memset(cur, 0, sizeof(*cur));
		if (!(cur->name = strdup(n->name)))
			return plumb_err_set(err, ENOMEM, "out of memory");
		reg->nnets++;
	}
	if (domain) {
		free(cur->domain);
		cur->domain = TAKE_PTR(domain);
	}
	if (n->nlisten) {
		memcpy(cur->listen, n->listen, sizeof(cur->listen));
		cur->nlisten = n->nlisten;
	}
	if (n->nsubnets) {
		memcpy(cur->subnets, n->subnets, sizeof(cur->subnets));
		cur->nsubnets = n->nsubnets;
	}
	return 0;
}

void dns_registry_free(struct dns_registry *reg)
{
	for (size_t i = 0; i < reg->nnetnames; i++)
		free(reg->netnames[i]);
	for (size_t i = 0; i < reg->nnets; i++)
		dns_netconf_free(&reg->nets[i]);
	free(reg->blob);
	free(reg->recs);
	free(reg->index);
	free(reg->netnames);
	free(reg->nets);
	memset(reg, 0, sizeof(*reg));
}
