// SPDX-License-Identifier: MIT
/* Reading the masquerade sets back into struct nat_masq entries. Interval
 * sets come back as separate start and interval-end elements; pair them. */
#include "nat/nat.h"

#include <errno.h>
#include <string.h>

/* The prefix length p with start/p spanning exactly start..last, or -1. */
static int prefix_of(const struct plumb_ip *start, const struct plumb_ip *last)
{
	unsigned bits = plumb_ip_bits(start->family);

	for (unsigned p = 0; p <= bits; p++) {
		struct plumb_cidr c = {*start, p}, net;
		struct plumb_ip l;

		plumb_cidr_network(&c, &net);
		plumb_cidr_last(&c, &l);
		if (plumb_ip_equal(&net.ip, start) && plumb_ip_equal(&l, last))
			return (int)p;
	}
	return -1;
}

static void ip_from(struct plumb_ip *ip, int fam, const uint8_t *b)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = fam;
	memcpy(ip->a, b, plumb_ip_len(fam));
}

struct list_ctx {
	struct nat_vec v;
	int fam;
	enum nat_masq_kind kind;
	struct nftnl_set *set; /* for pairing interval ends */
	int r;
};

struct end_ctx {
	const uint8_t *start;
	uint32_t len;
	uint8_t best[16];
	bool found;
};

/* The smallest interval-end key above start. */
static int find_end(struct nftnl_set_elem *e, void *arg)
{
	struct end_ctx *c = arg;
	uint32_t len = 0;
	const uint8_t *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);

	if (!nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) ||
	    !(nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END))
		return 0;
	if (!k || len != c->len || memcmp(k, c->start, len) <= 0)
		return 0;
	if (!c->found || memcmp(k, c->best, len) < 0) {
		memcpy(c->best, k, len);
		c->found = true;
	}
	return 0;
}

bool nat_interval_end(struct nftnl_set *s, const void *start, uint32_t len, uint8_t *end)
{
	struct end_ctx ec = {start, len};

	if (len > sizeof(ec.best))
		return false;
	nftnl_set_elem_foreach(s, find_end, &ec);
	if (ec.found)
		memcpy(end, ec.best, len);
	return ec.found;
}

static int interval_one(struct nftnl_set_elem *e, void *arg)
{
	struct list_ctx *c = arg;
	uint32_t len = 0, flags = 0;
	const uint8_t *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	uint8_t end[16];
	struct plumb_ip start, last, after;
	struct nat_masq *m;
	int p;

	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
		flags = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
	if (flags & NFT_SET_ELEM_INTERVAL_END)
		return 0;
	if (!k || len != plumb_ip_len(c->fam))
		return c->r = -EBADMSG;
	ip_from(&start, c->fam, k);
	if (nat_interval_end(c->set, k, len, end)) {
		ip_from(&after, c->fam, end);
		plumb_ip_add(&after, -1, &last);
	} else {
		memset(&last, 0xff, sizeof(last));
		last.family = c->fam;
	}
	p = prefix_of(&start, &last);
	m = nat_vec_push(&c->v, sizeof(*m));
	if (!m)
		return c->r = -ENOMEM;
	if (p < 0) /* not written by plumb: show the start as a host entry */
		p = (int)plumb_ip_bits(c->fam);
	m->kind = c->kind;
	m->cidr.ip = start;
	m->cidr.prefix = (unsigned)p;
	nat_elem_comment(e, m->owner, sizeof(m->owner));
	return 0;
}

static int pod_one(struct nftnl_set_elem *e, void *arg)
{
	struct list_ctx *c = arg;
	uint32_t len = 0;
	const uint8_t *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	struct nat_masq *m;

	if (!k || len != plumb_ip_len(c->fam))
		return c->r = -EBADMSG;
	m = nat_vec_push(&c->v, sizeof(*m));
	if (!m)
		return c->r = -ENOMEM;
	m->kind = NAT_MASQ_POD;
	ip_from(&m->cidr.ip, c->fam, k);
	m->cidr.prefix = plumb_ip_bits(c->fam);
	nat_elem_comment(e, m->owner, sizeof(m->owner));
	return 0;
}

/* pod . network pairs: attach the network to the pod's entry. */
static int skip_one(struct nftnl_set_elem *e, void *arg)
{
	struct list_ctx *c = arg;
	uint32_t len = 0, lend = 0, al = plumb_ip_len(c->fam);
	const uint8_t *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	const uint8_t *ke = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &lend);
	struct nat_masq *all = c->v.data;
	struct plumb_ip pod, start, last;
	int p;

	if (!k || !ke || len != 2 * al || lend != 2 * al)
		return c->r = -EBADMSG;
	ip_from(&pod, c->fam, k);
	ip_from(&start, c->fam, k + al);
	ip_from(&last, c->fam, ke + al);
	p = prefix_of(&start, &last);
	for (size_t i = 0; p >= 0 && i < c->v.n; i++)
		if (all[i].kind == NAT_MASQ_POD && plumb_ip_equal(&all[i].cidr.ip, &pod)) {
			all[i].net.ip = start;
			all[i].net.prefix = (unsigned)p;
		}
	return 0;
}

int nat_masq_list(struct nat *n, struct nat_masq **out, struct plumb_err *err)
{
	static const struct {
		const char *set;
		int fam;
		enum nat_masq_kind kind;
		int (*fn)(struct nftnl_set_elem *, void *);
	} sets[] = {
	    {NAT_SET_NET4, AF_INET, NAT_MASQ_SUBNET, interval_one},
	    {NAT_SET_NET6, AF_INET6, NAT_MASQ_SUBNET, interval_one},
	    {NAT_SET_POD4, AF_INET, NAT_MASQ_POD, pod_one},
	    {NAT_SET_SKIP4, AF_INET, NAT_MASQ_POD, skip_one},
	    {NAT_SET_POD6, AF_INET6, NAT_MASQ_POD, pod_one},
	    {NAT_SET_SKIP6, AF_INET6, NAT_MASQ_POD, skip_one},
	    {NAT_SET_NOMASQ4, AF_INET, NAT_MASQ_EXCLUDE, interval_one},
	    {NAT_SET_NOMASQ6, AF_INET6, NAT_MASQ_EXCLUDE, interval_one},
	};
	struct list_ctx c = {0};
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
		_cleanup_(nftnl_set_freep) struct nftnl_set *s = NULL;

		r = nat_dump_elems(&n->sock, sets[i].set, &s, err);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			goto fail;
		c.fam = sets[i].fam;
		c.kind = sets[i].kind;
		c.set = s;
		c.r = 0;
		if (nftnl_set_elem_foreach(s, sets[i].fn, &c) < 0 || c.r < 0) {
			r = plumb_err_set(err, c.r ? -c.r : EBADMSG, "set '%s': unexpected element",
					  sets[i].set);
			goto fail;
		}
	}
	*out = c.v.data;
	return (int)c.v.n;
fail:
	free(c.v.data);
	return r;
}
