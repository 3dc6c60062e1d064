// SPDX-License-Identifier: MIT
/* Removing elements by owner tag: CNI DEL (one owner) and CNI GC (everything
 * under a prefix that is not in the valid list). One transaction each. */
#include "nat/nat.h"

#include <errno.h>
#include <string.h>

static const struct {
	uint16_t family;
	unsigned kind;
	const char *name;
} nat_sets[] = {
    {NAT_FAMILY, NAT_KIND_PORT, NAT_SET_PORT4},
    {NAT_FAMILY, NAT_KIND_PORT, NAT_SET_PORT4_IP},
    {NAT_FAMILY, NAT_KIND_PORT, NAT_SET_PORT6},
    {NAT_FAMILY, NAT_KIND_PORT, NAT_SET_PORT6_IP},
    {NAT_FAMILY, NAT_KIND_MASQ, NAT_SET_POD4},
    {NAT_FAMILY, NAT_KIND_MASQ, NAT_SET_POD6},
    {NAT_FAMILY, NAT_KIND_MASQ, NAT_SET_SKIP4},
    {NAT_FAMILY, NAT_KIND_MASQ, NAT_SET_SKIP6},
    {NAT_FAMILY, NAT_KIND_MASQ, NAT_SET_NET4},
    {NAT_FAMILY, NAT_KIND_MASQ, NAT_SET_NET6},
    {NAT_FAMILY, NAT_KIND_MASQ, NAT_SET_NOMASQ4},
    {NAT_FAMILY, NAT_KIND_MASQ, NAT_SET_NOMASQ6},
    {NFPROTO_BRIDGE, NAT_KIND_MACSPOOF, NAT_SET_MACPORTS},
    {NFPROTO_BRIDGE, NAT_KIND_MACSPOOF, NAT_SET_MACALLOW},
};

struct match {
	const char *owner; /* exact owner, or */
	const char *prefix;
	const char *const *valid;
	size_t nvalid;
	unsigned kinds; /* the sets to read */
};

static bool matches(const struct match *m, const char *owner)
{
	if (!*owner)
		return false;
	if (m->owner)
		return !strcmp(owner, m->owner);
	if (strncmp(owner, m->prefix, strlen(m->prefix)))
		return false;
	for (size_t i = 0; i < m->nvalid; i++)
		if (m->valid[i] && !strcmp(owner, m->valid[i]))
			return false;
	return true;
}

struct del_ctx {
	const struct match *m;
	struct nat_batch *b;
	struct nftnl_set *dumped;
	const char *set;
	bool open;
	int removed;
	int r;
};

/* An interval set's start element carries the owner; its end (the next
 * interval-end element up) goes with it. */
static int del_interval_end(struct del_ctx *c, struct nftnl_set_elem *e, const char *owner)
{
	_cleanup_(nftnl_set_elem_freep) struct nftnl_set_elem *d = NULL;
	uint32_t len = 0;
	const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	uint8_t end[16];

	if (!nat_interval_end(c->dumped, k, len, end))
		return 0;
	d = nftnl_set_elem_alloc();
	if (!d)
		return -ENOMEM;
	nftnl_set_elem_set(d, NFTNL_SET_ELEM_KEY, end, len);
	nftnl_set_elem_set_u32(d, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	return nat_batch_elem(c->b, d, "end of an interval in set '%s' owned by '%s'", c->set,
			      owner);
}

/* The delete twin of element e: same key, key end and interval flag. */
static int del_one(struct nftnl_set_elem *e, void *arg)
{
	_cleanup_(nftnl_set_elem_freep) struct nftnl_set_elem *d = NULL;
	struct del_ctx *c = arg;
	char owner[NAT_OWNER_MAX];
	uint32_t len = 0, flags = 0;
	const void *k;

	nat_elem_comment(e, owner, sizeof(owner));
	if (!matches(c->m, owner))
		return 0;
	d = nftnl_set_elem_alloc();
	if (!d)
		return c->r = -ENOMEM;
	k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	nftnl_set_elem_set(d, NFTNL_SET_ELEM_KEY, k, len);
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END)) {
		k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &len);
		nftnl_set_elem_set(d, NFTNL_SET_ELEM_KEY_END, k, len);
	}
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
		flags = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END;
	if (flags)
		nftnl_set_elem_set_u32(d, NFTNL_SET_ELEM_FLAGS, flags);
	else
		c->removed++;
	if (!c->open && (c->r = nat_batch_elems_begin(c->b, NFT_MSG_DELSETELEM, 0, c->set)) < 0)
		return c->r;
	c->open = true;
	c->r = nat_batch_elem(c->b, d, "element of set '%s' owned by '%s'", c->set, owner);
	/* (a dump does not carry the set's flags; sets without interval-end
	 * elements simply have no end to find) */
	if (c->r < 0 || nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END))
		return c->r;
	return c->r = del_interval_end(c, e, owner);
}

static int owner_remove(struct nat *n, const struct match *m, struct plumb_err *err)
{
	_cleanup_batch_ struct nat_batch *b = nat_batch_new();
	struct del_ctx c = {.m = m, .b = b};
	int r;

	if (!b)
		return plumb_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < ARRAY_SIZE(nat_sets); i++) {
		_cleanup_(nftnl_set_freep) struct nftnl_set *s = NULL;

		if (!(nat_sets[i].kind & m->kinds))
			continue;
		r = nat_dump_elems_in(&n->sock, nat_sets[i].family, nat_sets[i].name, &s, err);
		if (r == -ENOENT)
			continue; /* no table (yet): nothing of this owner */
		if (r < 0)
			return r;
		nat_batch_family(b, nat_sets[i].family);
		c.set = nat_sets[i].name;
		c.dumped = s;
		c.open = false;
		if (nftnl_set_elem_foreach(s, del_one, &c) < 0 || c.r < 0)
			return plumb_err_set(err, c.r ? -c.r : EBADMSG, "set '%s': %s", c.set,
					     strerror(c.r ? -c.r : EBADMSG));
		if (c.open && (r = nat_batch_elems_end(b)) < 0)
			return plumb_err_set(err, -r, "out of memory");
	}
	r = nat_batch_send(&n->sock, b, NULL, err);
	return r < 0 ? r : c.removed;
}

/* An element removed by someone else between our dump and our batch fails
 * the whole batch with ENOENT: read again (a bounded number of times). */
static int owner_remove_retry(struct nat *n, const struct match *m, struct plumb_err *err)
{
	int r = 0;

	for (int i = 0; i < 3; i++) {
		plumb_err_clear(err);
		r = owner_remove(n, m, err);
		if (r != -ENOENT)
			break;
	}
	return r;
}

int nat_owner_del_kinds(struct nat *n, const char *owner, unsigned kinds, struct plumb_err *err)
{
	struct match m = {.owner = owner, .kinds = kinds};

	if (!owner || !*owner)
		return plumb_err_set(err, EINVAL, "an owner tag is required");
	return owner_remove_retry(n, &m, err);
}

int nat_owner_del(struct nat *n, const char *owner, struct plumb_err *err)
{
	return nat_owner_del_kinds(n, owner, NAT_KIND_ALL, err);
}

int nat_owner_gc(struct nat *n, const char *prefix, const char *const *valid, size_t nvalid,
		 struct plumb_err *err)
{
	struct match m = {.prefix = prefix, .valid = valid, .nvalid = nvalid, .kinds = NAT_KIND_ALL};

	/* An empty prefix would sweep entries added by hand and by other networks. */
	if (!prefix || !*prefix)
		return plumb_err_set(err, EINVAL, "garbage collection needs an owner prefix");
	return owner_remove_retry(n, &m, err);
}
