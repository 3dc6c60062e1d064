// SPDX-License-Identifier: MIT
/* Compile a registry into a zone: networks, names (containers, aliases,
 * services, SRV owners) grouped with all their addresses, PTR entries. */
#include "dns/internal.h"

#include "common/cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One (network, owner name, record) fact before grouping. */
struct tuple {
	uint16_t net;
	uint8_t kind; /* 0: name exists, 4: A, 6: AAAA, 'S': SRV */
	uint8_t len;  /* wire length without the terminal 0 */
	uint32_t name;	 /* offset in the builder's temp arena */
	uint32_t target; /* SRV: temp arena offset of the target (with 0) */
	uint16_t port;
	uint32_t seq;	 /* A/AAAA of a container's own name: registration + 1 (PTR) */
	uint8_t addr[16];
};

/* A PTR candidate after grouping: registration order decides who wins. */
struct ptrc {
	uint32_t seq;
	uint32_t rec; /* word offset of the name record */
	uint16_t net;
	uint8_t family;
	uint8_t addr[16];
};

struct zbuild {
	struct dns_zone *z;
	const struct dns_registry *reg;
	uint8_t *tmp; /* temp arena for tuple names */
	size_t tmp_len, tmp_cap;
	struct tuple *t;
	size_t nt, capt;
	size_t arena_cap;
	size_t capw;
	struct ptrc *pc;
	size_t npc, cappc;
	size_t capnets;
	uint32_t seq; /* of the registration being compiled, + 1 */
	struct dns_reg_buf *rb;
};

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 64;
	void *nv;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	nv = realloc(*v, c * elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = c;
	return 0;
}

/* Append bytes to the zone's arena; returns the offset or -ENOMEM. */
static long arena_add(struct zbuild *b, const uint8_t *p, size_t n)
{
	struct dns_zone *z = b->z;
	void *a = z->arena;

	if (grow(&a, &b->arena_cap, z->arena_len + n, 1) < 0)
		return -ENOMEM;
	z->arena = a;
	memcpy(z->arena + z->arena_len, p, n);
	z->arena_len += n;
	return (long)(z->arena_len - n);
}

static long tmp_add(struct zbuild *b, const uint8_t *p, size_t n)
{
	void *a = b->tmp;

	if (grow(&a, &b->tmp_cap, b->tmp_len + n, 1) < 0)
		return -ENOMEM;
	b->tmp = a;
	memcpy(b->tmp + b->tmp_len, p, n);
	b->tmp_len += n;
	return (long)(b->tmp_len - n);
}

static int net_add_suffix(struct zbuild *b, struct znet *n, const char *text, bool strip)
{
	uint8_t wire[DNS_NAME_MAX];
	int len = dns_name_from_text(text, wire);
	long off;

	if (len <= 1)
		return 0;
	for (int i = 0; i < n->nauth; i++)
		if (n->suf_len[i] == len && !memcmp(b->z->arena + n->suf[i], wire, (size_t)len))
			return 0;
	if (n->nauth >= ZNET_SUFFIX_MAX || (strip && (n->nauth != n->nstrip ||
						      n->nstrip >= ZNET_STRIP_MAX)))
		return 0;
	off = arena_add(b, wire, (size_t)len);
	if (off < 0)
		return -ENOMEM;
	n->suf[n->nauth] = (uint32_t)off;
	n->suf_len[n->nauth] = (uint8_t)len;
	n->nauth++;
	if (strip)
		n->nstrip++;
	return 0;
}

/* Index of network `name`, creating it (with its suffixes) when new. */
static int net_get(struct zbuild *b, const char *name)
{
	struct dns_zone *z = b->z;
	const struct dns_netconf *conf;
	uint8_t wire[DNS_NAME_MAX];
	struct znet *n;
	int len;
	long off;

	for (size_t i = 0; i < z->nnets; i++)
		if (!strcmp(z->net_names[i], name))
			return (int)i;
	if (z->nnets >= UINT16_MAX)
		return -ENOSPC;
	if (grow((void **)&z->nets, &b->capnets, z->nnets + 1, sizeof(*z->nets)) < 0)
		return -ENOMEM;
	z->net_names = realloc(z->net_names, b->capnets * sizeof(char *));
	if (!z->net_names || !(z->net_names[z->nnets] = strdup(name)))
		return -ENOMEM;
	n = &z->nets[z->nnets];
	memset(n, 0, sizeof(*n));
	z->nnets++;
	len = dns_name_from_text(name, wire);
	if (len < 2)
		return -EINVAL;
	if ((off = arena_add(b, wire, (size_t)len)) < 0)
		return -ENOMEM;
	n->name = (uint32_t)off;
	n->name_len = (uint8_t)(len - 1);
	conf = dns_registry_net_find(b->reg, name);
	/* Docker-style name.<network>, and names under the DNS domain (busybox and
	 * glibc ask for name.<search domain> first). */
	if (conf && conf->domain && net_add_suffix(b, n, conf->domain, true) < 0)
		return -ENOMEM;
	if (net_add_suffix(b, n, name, true) < 0)
		return -ENOMEM;
	n->ptr_suffix = n->suf[0];
	return (int)(z->nnets - 1);
}

static int tuple_add(struct zbuild *b, uint16_t net, const uint8_t *wire, int len, uint8_t kind,
		     const uint8_t *addr)
{
	struct tuple *t;
	long off;

	if (grow((void **)&b->t, &b->capt, b->nt + 1, sizeof(*b->t)) < 0)
		return -ENOMEM;
	if ((off = tmp_add(b, wire, (size_t)len - 1)) < 0)
		return -ENOMEM;
	t = &b->t[b->nt++];
	memset(t, 0, sizeof(*t));
	t->net = net;
	t->kind = kind;
	t->len = (uint8_t)(len - 1);
	t->name = (uint32_t)off;
	if (addr)
		memcpy(t->addr, addr, kind == 4 ? 4 : 16);
	return 0;
}

/* Every address of r under owner name `wire`; ptr: these are the
 * container's own name, which PTR answers give for its addresses. */
static int tuples_for_name(struct zbuild *b, uint16_t net, const struct dns_reg *r,
			   const uint8_t *wire, int len, bool ptr)
{
	const struct znet *n = &b->z->nets[net];
	int rc = tuple_add(b, net, wire, len, 0, NULL);

	/* no room for the PTR suffix: answer no PTR for it */
	ptr &= (size_t)len - 1 + n->suf_len[0] <= DNS_NAME_MAX;
	for (size_t i = 0; i < r->naddrs && rc == 0; i++) {
		rc = tuple_add(b, net, wire, len, r->addrs[i].family == AF_INET ? 4 : 6,
			       r->addrs[i].a);
		if (rc == 0 && ptr)
			b->t[b->nt - 1].seq = b->seq;
	}
	return rc;
}

static int service_tuples(struct zbuild *b, uint16_t net, const struct dns_reg *r)
{
	char text[3 * DNS_NAME_MAX];
	uint8_t fqdn[DNS_NAME_MAX], owner[DNS_NAME_MAX];
	int flen, olen, rc;
	long toff;

	snprintf(text, sizeof(text), "%s.%s.svc.%s", r->name, r->svc_namespace,
		 r->cluster_domain && *r->cluster_domain ? r->cluster_domain : "cluster.local");
	if ((flen = dns_name_from_text(text, fqdn)) < 0)
		return 0; /* too long together: nothing to serve */
	if ((rc = tuples_for_name(b, net, r, fqdn, flen, false)) < 0)
		return rc;
	if (net_add_suffix(b, &b->z->nets[net],
			   r->cluster_domain && *r->cluster_domain ? r->cluster_domain
								   : "cluster.local",
			   false) < 0)
		return -ENOMEM;
	if ((toff = tmp_add(b, fqdn, (size_t)flen)) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < r->nports; i++) {
		snprintf(text, sizeof(text), "_%s._%s.%s", r->ports[i].name[0] ? r->ports[i].name : "port",
			 r->ports[i].proto, "");
		olen = dns_name_from_text(text, owner);
		if (olen < 0 || (size_t)olen - 1 + (size_t)flen > DNS_NAME_MAX)
			continue;
		memcpy(owner + olen - 1, fqdn, (size_t)flen);
		if ((rc = tuple_add(b, net, owner, olen - 1 + flen, 'S', NULL)) < 0)
			return rc;
		b->t[b->nt - 1].target = (uint32_t)toff;
		b->t[b->nt - 1].port = r->ports[i].port;
	}
	return 0;
}

static int reg_tuples(struct zbuild *b, const struct dns_reg *r)
{
	uint8_t wire[DNS_NAME_MAX];
	int net = net_get(b, r->network), len, rc;

	if (net < 0)
		return net;
	if (r->kind == DNS_REG_SERVICE)
		return service_tuples(b, (uint16_t)net, r);
	if (r->name && *r->name && (len = dns_name_from_text(r->name, wire)) > 1) {
		if ((rc = tuples_for_name(b, (uint16_t)net, r, wire, len, true)) < 0)
			return rc;
	}
	for (size_t i = 0; i < r->naliases; i++) {
		if ((len = dns_name_from_text(r->aliases[i], wire)) <= 1)
			continue;
		if ((rc = tuples_for_name(b, (uint16_t)net, r, wire, len, false)) < 0)
			return rc;
	}
	return 0;
}

/* qsort has no context argument; the temp arena travels in a thread-local. */
static __thread const uint8_t *sort_tmp;

static int tuple_cmp(const void *pa, const void *pb)
{
	const struct tuple *a = pa, *b = pb;
	int c;

	if (a->net != b->net)
		return a->net < b->net ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	c = memcmp(sort_tmp + a->name, sort_tmp + b->name, a->len);
	if (c)
		return c;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

static bool same_owner(const struct zbuild *b, const struct tuple *x, const struct tuple *y)
{
	return x->net == y->net && x->len == y->len &&
	       !memcmp(b->tmp + x->name, b->tmp + y->name, x->len);
}

static bool same_record(const struct tuple *x, const struct tuple *y)
{
	return x->kind == y->kind && x->port == y->port && x->target == y->target &&
	       !memcmp(x->addr, y->addr, 16);
}

static int w_add(struct zbuild *b, const uint32_t *v, size_t n)
{
	struct dns_zone *z = b->z;
	void *w = z->w;

	if (grow(&w, &b->capw, z->nw + n, sizeof(uint32_t)) < 0)
		return -ENOMEM;
	z->w = w;
	memcpy(z->w + z->nw, v, n * sizeof(uint32_t));
	z->nw += n;
	return 0;
}

static int ptr_candidate(struct zbuild *b, const struct tuple *t, uint32_t rec)
{
	struct ptrc *p;

	if (grow((void **)&b->pc, &b->cappc, b->npc + 1, sizeof(*b->pc)) < 0)
		return -ENOMEM;
	p = &b->pc[b->npc++];
	p->seq = t->seq;
	p->rec = rec;
	p->net = t->net;
	p->family = t->kind == 4 ? AF_INET : AF_INET6;
	memcpy(p->addr, t->addr, 16);
	return 0;
}

/* One owner's tuples t[0..n) (sorted: existence, A, AAAA, SRV) -> a record. */
static int emit_name(struct zbuild *b, const struct tuple *t, size_t n)
{
	uint32_t head[1 + DNS_NAME_MAX / 4 + 1] = {0}, cnt[2], rot[3] = {0};
	size_t na = 0, naaaa = 0, nsrv = 0, nh;
	uint32_t rec = (uint32_t)b->z->nw;
	uint8_t flags = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (i && same_record(&t[i], &t[i - 1]))
			continue;
		na += t[i].kind == 4;
		naaaa += t[i].kind == 6;
		nsrv += t[i].kind == 'S';
	}
	if (na > UINT16_MAX || naaaa > UINT16_MAX)
		return -E2BIG;
	if (na == 1 && !naaaa && !nsrv)
		flags |= ZF_ONE_A;
	if (nsrv)
		flags |= ZF_SRV;
	if (na > 1 || naaaa > 1)
		flags |= ZF_MULTI;
	head[0] = zrec_head(t->net, t->len, flags);
	memcpy(head + 1, b->tmp + t->name, t->len);
	nh = 1 + ((size_t)t->len + 3) / 4;
	cnt[0] = (uint32_t)(na | naaaa << 16);
	cnt[1] = (uint32_t)nsrv;
	if ((rc = w_add(b, head, nh)) < 0 ||
	    (!(flags & ZF_ONE_A) && (rc = w_add(b, cnt, 1)) < 0) ||
	    (nsrv && (rc = w_add(b, cnt + 1, 1)) < 0) ||
	    ((flags & ZF_MULTI) && (rc = w_add(b, rot, 3)) < 0))
		return rc;
	for (size_t i = 0; i < n; i++) {
		uint32_t v[4];

		if (t[i].seq && (rc = ptr_candidate(b, &t[i], rec)) < 0)
			return rc;
		if (i && same_record(&t[i], &t[i - 1]))
			continue;
		if (t[i].kind == 4 || t[i].kind == 6) {
			memcpy(v, t[i].addr, t[i].kind == 4 ? 4 : 16);
			rc = w_add(b, v, t[i].kind == 4 ? 1 : 4);
		} else if (t[i].kind == 'S') {
			/* wire names hold no zero octet but the last */
			size_t tl = strlen((const char *)b->tmp + t[i].target) + 1;
			long off = arena_add(b, b->tmp + t[i].target, tl);

			if (off < 0)
				return -ENOMEM;
			v[0] = t[i].port;
			v[1] = (uint32_t)off;
			rc = w_add(b, v, 2);
		}
		if (rc < 0)
			return rc;
	}
	if (b->z->nw >= ZSLOT_OFF_MASK)
		return -E2BIG; /* 64 MB of records: far past any node */
	b->z->nnames++;
	return 0;
}

static int group(struct zbuild *b)
{
	for (size_t i = 0, j; i < b->nt; i = j) {
		int rc;

		for (j = i + 1; j < b->nt && same_owner(b, &b->t[i], &b->t[j]); j++)
			;
		if ((rc = emit_name(b, &b->t[i], j - i)) < 0)
			return rc;
	}
	if (b->capw > b->z->nw) { /* give back the growth slack */
		uint32_t *w = realloc(b->z->w, (b->z->nw ? b->z->nw : 1) * sizeof(uint32_t));

		if (w)
			b->z->w = w;
	}
	return 0;
}

/* A key (a wire name or an address) on network net. */
static uint32_t bytes_hash(const uint8_t *key, size_t len, uint16_t net)
{
	return zhash_final(zhash_bytes(ZHASH_INIT, key, len), net);
}

/* Put record offset rec under hash h (the caller sized the table). */
static void slot_put(uint32_t *slots, uint32_t nslots, uint32_t h, uint32_t rec)
{
	uint32_t s;

	for (s = zslot_home(h, nslots); slots[s]; s = zslot_next(s, nslots))
		;
	slots[s] = ZSLOT_TAG(h) | (rec + 1);
}

static int index_names(struct dns_zone *z)
{
	size_t size = zslot_count(z->nnames);

	if (size > UINT32_MAX)
		return -E2BIG;
	z->slots = calloc(size, sizeof(*z->slots));
	if (!z->slots)
		return -ENOMEM;
	z->nslots = (uint32_t)size;
	for (size_t off = 0; off < z->nw;) {
		struct zrec r;

		zrec_read(z->w + off, &r);
		slot_put(z->slots, z->nslots, bytes_hash(r.name, r.len, r.net), (uint32_t)off);
		off = (size_t)(zrec_end(&r) - z->w);
	}
	return 0;
}

static int ptrc_cmp(const void *pa, const void *pb)
{
	const struct ptrc *a = pa, *b = pb;

	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int index_ptrs(struct zbuild *b)
{
	struct dns_zone *z = b->z;
	size_t size = zslot_count(b->npc);

	if (size > UINT32_MAX)
		return -E2BIG;
	z->pslots = calloc(size, sizeof(*z->pslots));
	if (!z->pslots)
		return -ENOMEM;
	z->npslots = (uint32_t)size;
	if (b->npc)
		qsort(b->pc, b->npc, sizeof(*b->pc), ptrc_cmp);
	for (size_t i = 0; i < b->npc; i++) {
		const struct ptrc *p = &b->pc[i];

		/* first registration of an address wins */
		if (zone_find_ptr(z, p->net, p->family, p->addr))
			continue;
		slot_put(z->pslots, z->npslots, zone_ptr_hash(p->net, p->family, p->addr), p->rec);
		z->nptrs++;
	}
	return 0;
}

static int build(struct zbuild *b)
{
	int rc;

	/* networks in registry order first, so indexes are stable across builds */
	for (size_t i = 0; i < b->reg->nnets; i++)
		if ((rc = net_get(b, b->reg->nets[i].name)) < 0)
			return rc;
	for (size_t i = 0; i < b->reg->nregs; i++) {
		dns_registry_get(b->reg, i, b->rb);
		b->seq = (uint32_t)i + 1;
		if ((rc = reg_tuples(b, &b->rb->r)) < 0)
			return rc;
	}
	sort_tmp = b->tmp;
	if (b->nt)
		qsort(b->t, b->nt, sizeof(*b->t), tuple_cmp);
	if ((rc = group(b)) < 0 || (rc = index_names(b->z)) < 0 || (rc = index_ptrs(b)) < 0)
		return rc;
	return 0;
}

int dns_zone_build(const struct dns_registry *reg, const struct dns_zone_opts *opts,
		   struct dns_zone **out, struct plumb_err *err)
{
	struct zbuild b = {.reg = reg};
	int rc;

	b.z = calloc(1, sizeof(*b.z));
	b.rb = malloc(sizeof(*b.rb));
	if (!b.z || !b.rb) {
		free(b.z);
		free(b.rb);
		return plumb_err_set(err, ENOMEM, "out of memory");
	}
	b.z->ttl = opts ? opts->ttl : 0;
	rc = build(&b);
	free(b.rb);
	free(b.tmp);
	free(b.t);
	free(b.pc);
	if (rc < 0) {
		dns_zone_free(b.z);
		return plumb_err_set(err, -rc, "cannot build the DNS zone: %s", strerror(-rc));
	}
	*out = b.z;
	return 0;
}

void dns_zone_free(struct dns_zone *z)
{
	if (!z)
		return;
	for (size_t i = 0; i < z->nnets; i++)
		free(z->net_names[i]);
	free(z->net_names);
	free(z->nets);
	free(z->w);
	free(z->slots);
	free(z->pslots);
	free(z->arena);
	free(z);
}

void dns_zone_carry_rotation(struct dns_zone *z, const struct dns_zone *old)
{
	if (!old)
		return;
	for (size_t off = 0; off < old->nw;) {
		struct zrec o, n;
		int net;
		uint32_t *w;

		zrec_read(old->w + off, &o);
		off = (size_t)(zrec_end(&o) - old->w);
		if (!o.rot || (net = dns_zone_net_index(z, old->net_names[o.net])) < 0)
			continue;
		w = zone_find(z, (uint16_t)net, bytes_hash(o.name, o.len, (uint16_t)net), o.name,
			      o.len);
		if (!w)
			continue;
		zrec_read(w, &n);
		if (n.rot)
			memcpy(n.rot, o.rot, 3 * sizeof(uint32_t));
	}
}

int dns_zone_net_index(const struct dns_zone *z, const char *network)
{
	for (size_t i = 0; i < z->nnets; i++)
		if (!strcmp(z->net_names[i], network))
			return (int)i;
	return -ENOENT;
}

size_t dns_zone_names(const struct dns_zone *z)
{
	return z->nnames;
}

uint32_t *zone_find(struct dns_zone *z, uint16_t net, uint32_t hash, const uint8_t *name,
		    size_t len)
{
	uint32_t tag = ZSLOT_TAG(hash), head = net | (uint32_t)len << 16;

	for (uint32_t s = zslot_home(hash, z->nslots);; s = zslot_next(s, z->nslots)) {
		uint32_t v = z->slots[s];
		uint32_t *w;

		if (!v)
			return NULL;
		if (ZSLOT_TAG_OF(v) != tag)
			continue;
		w = z->w + (v & ZSLOT_OFF_MASK) - 1;
		if ((w[0] & 0xffffff) == head && !memcmp(w + 1, name, len))
			return w;
	}
}

uint32_t zone_ptr_hash(uint16_t net, int family, const uint8_t *addr)
{
	return bytes_hash(addr, family == AF_INET ? 4 : 16, net);
}

static bool rec_has_addr(const struct zrec *r, int family, const uint8_t *addr)
{
	if (family == AF_INET) {
		for (uint16_t i = 0; i < r->na; i++)
			if (!memcmp(&r->a4[i], addr, 4))
				return true;
		return false;
	}
	for (uint16_t i = 0; i < r->naaaa; i++)
		if (!memcmp(r->a6 + 4 * i, addr, 16))
			return true;
	return false;
}

uint32_t *zone_find_ptr(const struct dns_zone *z, uint16_t net, int family, const uint8_t *addr)
{
	uint32_t h = zone_ptr_hash(net, family, addr), tag = ZSLOT_TAG(h);

	for (uint32_t s = zslot_home(h, z->npslots);; s = zslot_next(s, z->npslots)) {
		uint32_t v = z->pslots[s];
		struct zrec r;

		if (!v)
			return NULL;
		if (ZSLOT_TAG_OF(v) != tag)
			continue;
		zrec_read(z->w + (v & ZSLOT_OFF_MASK) - 1, &r);
		if (r.net == net && rec_has_addr(&r, family, addr))
			return r.w;
	}
}
