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
	struct zptr *ptrs;
	size_t capptrs;
	size_t capnets;
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

/* Every address of r under owner name `wire`. */
static int tuples_for_name(struct zbuild *b, uint16_t net, const struct dns_reg *r,
			   const uint8_t *wire, int len)
{
	int rc = tuple_add(b, net, wire, len, 0, NULL);

	for (size_t i = 0; i < r->naddrs && rc == 0; i++)
		rc = tuple_add(b, net, wire, len, r->addrs[i].family == AF_INET ? 4 : 6,
			       r->addrs[i].a);
	return rc;
}

static int ptr_add(struct zbuild *b, uint16_t net, const struct plumb_ip *ip,
		   const uint8_t *name, int len)
{
	struct dns_zone *z = b->z;
	const struct znet *n = &z->nets[net];
	uint8_t full[DNS_NAME_MAX];
	size_t slen = n->suf_len[0];
	struct zptr *p;
	long off;

	if ((size_t)len - 1 + slen > DNS_NAME_MAX)
		return 0; /* no room for the suffix: answer no PTR for it */
	memcpy(full, name, (size_t)len - 1);
	memcpy(full + len - 1, z->arena + n->ptr_suffix, slen);
	if (grow((void **)&b->ptrs, &b->capptrs, z->nptrs + 1, sizeof(*b->ptrs)) < 0)
		return -ENOMEM;
	if ((off = arena_add(b, full, (size_t)len - 1 + slen)) < 0)
		return -ENOMEM;
	p = &b->ptrs[z->nptrs++];
	memset(p, 0, sizeof(*p));
	p->net = net;
	p->family = (uint8_t)ip->family;
	memcpy(p->addr, ip->a, plumb_ip_len(ip->family));
	p->target = (uint32_t)off;
	p->hash = zone_ptr_hash(net, ip->family, p->addr);
	return 0;
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
	if ((rc = tuples_for_name(b, net, r, fqdn, flen)) < 0)
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
		if ((rc = tuples_for_name(b, (uint16_t)net, r, wire, len)) < 0)
			return rc;
		for (size_t i = 0; i < r->naddrs; i++)
			if ((rc = ptr_add(b, (uint16_t)net, &r->addrs[i], wire, len)) < 0)
				return rc;
	}
	for (size_t i = 0; i < r->naliases; i++) {
		if ((len = dns_name_from_text(r->aliases[i], wire)) <= 1)
			continue;
		if ((rc = tuples_for_name(b, (uint16_t)net, r, wire, len)) < 0)
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

static size_t table_size(size_t n)
{
	size_t s = 16;

	while (s < n * 2)
		s *= 2;
	return s;
}

/* Count records per kind in the sorted tuples, then lay them out. */
static int group(struct zbuild *b)
{
	struct dns_zone *z = b->z;
	size_t n4 = 0, n6 = 0, ns = 0, nn = 0;

	for (size_t i = 0; i < b->nt; i++) {
		bool dup = i && same_owner(b, &b->t[i], &b->t[i - 1]) &&
			   same_record(&b->t[i], &b->t[i - 1]);

		if (!i || !same_owner(b, &b->t[i], &b->t[i - 1]))
			nn++;
		if (dup)
			continue;
		n4 += b->t[i].kind == 4;
		n6 += b->t[i].kind == 6;
		ns += b->t[i].kind == 'S';
	}
	z->names = calloc(nn ? nn : 1, sizeof(*z->names));
	z->a4 = malloc((n4 ? n4 : 1) * 4);
	z->a6 = malloc((n6 ? n6 : 1) * 16);
	z->srv = malloc((ns ? ns : 1) * sizeof(*z->srv));
	if (!z->names || !z->a4 || !z->a6 || !z->srv)
		return -ENOMEM;
	n4 = n6 = ns = 0;
	for (size_t i = 0; i < b->nt; i++) {
		const struct tuple *t = &b->t[i];
		struct zname *zn;

		if (!i || !same_owner(b, t, &b->t[i - 1])) {
			long off = arena_add(b, b->tmp + t->name, t->len);

			if (off < 0)
				return -ENOMEM;
			zn = &z->names[z->nnames++];
			zn->net = t->net;
			zn->len = t->len;
			zn->name = (uint32_t)off;
			zn->a = (uint32_t)n4;
			zn->aaaa = (uint32_t)n6;
			zn->srv = (uint32_t)ns;
			zn->hash = zhash_final(zhash_bytes(ZHASH_INIT, b->tmp + t->name, t->len),
					       t->net);
		} else if (same_record(t, &b->t[i - 1])) {
			continue;
		}
		zn = &z->names[z->nnames - 1];
		if (t->kind == 4) {
			memcpy(z->a4[n4++], t->addr, 4);
			zn->na++;
		} else if (t->kind == 6) {
			memcpy(z->a6[n6++], t->addr, 16);
			zn->naaaa++;
		} else if (t->kind == 'S') {
			/* wire names hold no zero octet but the last */
			size_t tl = strlen((const char *)b->tmp + t->target) + 1;
			long off = arena_add(b, b->tmp + t->target, tl);

			if (off < 0)
				return -ENOMEM;
			z->srv[ns].port = t->port;
			z->srv[ns++].target = (uint32_t)off;
			zn->nsrv++;
		}
	}
	return 0;
}

static int index_names(struct dns_zone *z)
{
	size_t size = table_size(z->nnames);

	z->slots = calloc(size, sizeof(*z->slots));
	if (!z->slots)
		return -ENOMEM;
	z->mask = (uint32_t)(size - 1);
	for (size_t i = 0; i < z->nnames; i++) {
		uint32_t s = z->names[i].hash & z->mask;

		while (z->slots[s])
			s = (s + 1) & z->mask;
		z->slots[s] = (uint32_t)i + 1;
	}
	return 0;
}

static int index_ptrs(struct zbuild *b)
{
	struct dns_zone *z = b->z;
	size_t size = table_size(z->nptrs);

	z->ptrs = TAKE_PTR(b->ptrs);
	z->pslots = calloc(size, sizeof(*z->pslots));
	if (!z->pslots)
		return -ENOMEM;
	z->pmask = (uint32_t)(size - 1);
	for (size_t i = 0; i < z->nptrs; i++) {
		const struct zptr *p = &z->ptrs[i];
		uint32_t s = p->hash & z->pmask;

		/* first registration of an address wins */
		if (zone_find_ptr(z, p->net, p->family, p->addr))
			continue;
		while (z->pslots[s])
			s = (s + 1) & z->pmask;
		z->pslots[s] = (uint32_t)i + 1;
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
	for (size_t i = 0; i < b->reg->nregs; i++)
		if ((rc = reg_tuples(b, &b->reg->regs[i])) < 0)
			return rc;
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
	if (!b.z)
		return plumb_err_set(err, ENOMEM, "out of memory");
	b.z->ttl = opts ? opts->ttl : 0;
	rc = build(&b);
	free(b.tmp);
	free(b.t);
	free(b.ptrs);
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
	free(z->names);
	free(z->slots);
	free(z->ptrs);
	free(z->pslots);
	free(z->a4);
	free(z->a6);
	free(z->srv);
	free(z->arena);
	free(z);
}

void dns_zone_carry_rotation(struct dns_zone *z, const struct dns_zone *old)
{
	if (!old)
		return;
	for (size_t i = 0; i < old->nnames; i++) {
		const struct zname *o = &old->names[i];
		int net = dns_zone_net_index(z, old->net_names[o->net]);
		const uint8_t *name = old->arena + o->name;
		struct zname *n;

		if (net < 0)
			continue;
		n = zone_find(z, (uint16_t)net,
			      zhash_final(zhash_bytes(ZHASH_INIT, name, o->len), (uint16_t)net), name,
			      o->len);
		if (n)
			memcpy(n->rot, o->rot, sizeof(n->rot));
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

struct zname *zone_find(struct dns_zone *z, uint16_t net, uint32_t hash, const uint8_t *name,
			size_t len)
{
	for (uint32_t s = hash & z->mask;; s = (s + 1) & z->mask) {
		uint32_t i = z->slots[s];
		struct zname *n;

		if (!i)
			return NULL;
		n = &z->names[i - 1];
		if (n->hash == hash && n->net == net && n->len == len &&
		    !memcmp(z->arena + n->name, name, len))
			return n;
	}
}

uint32_t zone_ptr_hash(uint16_t net, int family, const uint8_t *addr)
{
	return zhash_final(zhash_bytes(ZHASH_INIT, addr, family == AF_INET ? 4 : 16), net);
}

const struct zptr *zone_find_ptr(const struct dns_zone *z, uint16_t net, int family,
				 const uint8_t *addr)
{
	uint32_t h = zone_ptr_hash(net, family, addr);
	size_t alen = family == AF_INET ? 4 : 16;

	for (uint32_t s = h & z->pmask;; s = (s + 1) & z->pmask) {
		uint32_t i = z->pslots[s];
		const struct zptr *p;

		if (!i)
			return NULL;
		p = &z->ptrs[i - 1];
		if (p->hash == h && p->net == net && p->family == family &&
		    !memcmp(p->addr, addr, alen))
			return p;
	}
}
