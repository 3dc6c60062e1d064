// SPDX-License-Identifier: MIT
/* Masquerade: elements of masq-net*, nomasq-dst* (interval sets: a start and
 * an interval-end element per prefix), masq-pod* (hash) and masq-skip*
 * (pod address . its own network, a concatenated interval set). */
#include "nat/nat.h"

#include <errno.h>
#include <string.h>

static const char *set_of(enum nat_masq_kind kind, int fam, bool skip)
{
	bool v6 = fam == AF_INET6;

	switch (kind) {
	case NAT_MASQ_SUBNET:
		return v6 ? NAT_SET_NET6 : NAT_SET_NET4;
	case NAT_MASQ_EXCLUDE:
		return v6 ? NAT_SET_NOMASQ6 : NAT_SET_NOMASQ4;
	case NAT_MASQ_POD:
		if (skip)
			return v6 ? NAT_SET_SKIP6 : NAT_SET_SKIP4;
		return v6 ? NAT_SET_POD6 : NAT_SET_POD4;
	}
	return NULL;
}

static const char *kind_name(enum nat_masq_kind kind)
{
	return kind == NAT_MASQ_SUBNET ? "masquerade subnet"
	       : kind == NAT_MASQ_POD  ? "masquerade pod"
				       : "no-masquerade destination";
}

static int masq_check(const struct nat_masq *m, struct plumb_err *err)
{
	char s[PLUMB_CIDR_STRLEN];
	unsigned bits;

	if ((unsigned)m->kind > NAT_MASQ_EXCLUDE)
		return plumb_err_set(err, EINVAL, "unknown masquerade entry kind %d", m->kind);
	if (m->cidr.ip.family != AF_INET && m->cidr.ip.family != AF_INET6)
		return plumb_err_set(err, EINVAL, "%s: address missing", kind_name(m->kind));
	plumb_cidr_str(&m->cidr, s, sizeof(s));
	bits = plumb_ip_bits(m->cidr.ip.family);
	if (m->cidr.prefix > bits)
		return plumb_err_set(err, EINVAL, "%s %s: prefix too long", kind_name(m->kind), s);
	if (m->kind == NAT_MASQ_POD && m->cidr.prefix != bits)
		return plumb_err_set(err, EINVAL, "%s %s: must be one address (/%u)",
				     kind_name(m->kind), s, bits);
	if (m->kind == NAT_MASQ_POD && m->net.ip.family && m->net.ip.family != m->cidr.ip.family)
		return plumb_err_set(err, EINVAL, "%s %s: its network is of another family",
				     kind_name(m->kind), s);
	return 0;
}

static struct nftnl_set_elem *elem_new(const struct nat_key *k, const struct nat_key *kend,
				       uint32_t flags, const char *owner)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e)
		return NULL;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, k->b, k->len);
	if (kend)
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END, kend->b, kend->len);
	if (flags)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, flags);
	if (nat_elem_set_comment(e, owner) < 0) {
		nftnl_set_elem_free(e);
		return NULL;
	}
	return e;
}

static int put(struct nat_batch *b, struct nftnl_set_elem *e, const char *label)
{
	int r;

	if (!e)
		return -ENOMEM;
	r = nat_batch_elem(b, e, "%s", label);
	nftnl_set_elem_free(e);
	return r;
}

/* A prefix in an interval set: its start, and the first address after it
 * flagged interval-end (none when the prefix reaches the top of the space). */
static int put_prefix(struct nat_batch *b, const struct plumb_cidr *c, bool add, const char *owner,
		      const char *label)
{
	struct plumb_cidr net;
	struct plumb_ip last, after;
	struct nat_key k = {0}, ke = {0};
	int r;

	plumb_cidr_network(c, &net);
	plumb_cidr_last(c, &last);
	nat_key_ip(&k, &net.ip);
	r = put(b, elem_new(&k, NULL, 0, add ? owner : NULL), label);
	if (r < 0 || plumb_ip_add(&last, 1, &after) < 0)
		return r;
	nat_key_ip(&ke, &after);
	/* The kernel takes no userdata on an interval end: the owner lives on
	 * the start, and readers pair each start with its end. */
	return put(b, elem_new(&ke, NULL, NFT_SET_ELEM_INTERVAL_END, NULL), label);
}

static int put_entry(struct nat_batch *b, const struct nat_masq *m, bool add, bool skip,
		     const char *label)
{
	const char *owner = add ? m->owner : NULL;
	struct nat_key k = {0}, ke = {0};
	struct plumb_cidr net;
	struct plumb_ip last;

	if (m->kind != NAT_MASQ_POD)
		return put_prefix(b, &m->cidr, add, m->owner, label);
	if (!skip) {
		nat_key_ip(&k, &m->cidr.ip);
		return put(b, elem_new(&k, NULL, 0, owner), label);
	}
	/* pod . its network, as a range of pairs */
	plumb_cidr_network(&m->net, &net);
	plumb_cidr_last(&m->net, &last);
	nat_key_ip(&k, &m->cidr.ip);
	nat_key_ip(&k, &net.ip);
	nat_key_ip(&ke, &m->cidr.ip);
	nat_key_ip(&ke, &last);
	return put(b, elem_new(&k, &ke, 0, owner), label);
}

static const char *masq_label(const struct nat_masq *m, char *buf, size_t len)
{
	char a[PLUMB_CIDR_STRLEN], n[PLUMB_CIDR_STRLEN];

	plumb_cidr_str(&m->cidr, a, sizeof(a));
	if (m->kind == NAT_MASQ_POD && m->net.ip.family)
		snprintf(buf, len, "%s %s (own network %s)", kind_name(m->kind), a,
			 plumb_cidr_str(&m->net, n, sizeof(n)));
	else
		snprintf(buf, len, "%s %s", kind_name(m->kind), a);
	return buf;
}

/* Every (kind, family, skip) combination is one set: walk them in a fixed
 * order so each set gets a single element message. */
int nat_masq_batch(struct nat_batch *b, const struct nat_masq *m, size_t count, bool add)
{
	static const int fams[] = {AF_INET, AF_INET6};
	uint16_t type = add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM;
	uint16_t flags = add ? NLM_F_CREATE | NLM_F_EXCL : 0;
	int r = 0;

	for (int kind = NAT_MASQ_SUBNET; r == 0 && kind <= NAT_MASQ_EXCLUDE; kind++)
		for (size_t f = 0; r == 0 && f < ARRAY_SIZE(fams); f++)
			for (int skip = 0; r == 0 && skip <= (kind == NAT_MASQ_POD); skip++) {
				bool open = false;

				for (size_t i = 0; r == 0 && i < count; i++) {
					char label[200];

					if ((int)m[i].kind != kind ||
					    m[i].cidr.ip.family != fams[f] ||
					    (skip && !m[i].net.ip.family))
						continue;
					if (!open)
						r = nat_batch_elems_begin(
						    b, type, flags, set_of(kind, fams[f], skip));
					open = true;
					if (r == 0)
						r = put_entry(
						    b, &m[i], add, skip,
						    masq_label(&m[i], label, sizeof(label)));
				}
				if (r == 0 && open)
					r = nat_batch_elems_end(b);
			}
	return r;
}

static int masq_change(struct nat *n, const struct nat_masq *m, size_t count, bool add,
		       struct plumb_err *err)
{
	_cleanup_batch_ struct nat_batch *b = NULL;
	int r;

	for (size_t i = 0; i < count; i++) {
		r = masq_check(&m[i], err);
		if (r < 0)
			return r;
	}
	if (add && (r = nat_table_ensure(n, err)) < 0)
		return r;
	b = nat_batch_new();
	if (!b)
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = nat_masq_batch(b, m, count, add);
	if (r < 0)
		return plumb_err_set(err, -r, "building masquerade entries: %s", strerror(-r));
	r = nat_batch_send(&n->sock, b, NULL, err);
	if (r == -EEXIST || r == -ENOTEMPTY)
		return nat_err_hint(err, EEXIST, "already registered, or overlaps an entry");
	if (r == -ENOENT)
		return nat_err_hint(err, r, "not registered");
	return r;
}

int nat_masq_add(struct nat *n, const struct nat_masq *m, size_t count, struct plumb_err *err)
{
	return masq_change(n, m, count, true, err);
}

int nat_masq_del(struct nat *n, const struct nat_masq *m, size_t count, struct plumb_err *err)
{
	return masq_change(n, m, count, false, err);
}
