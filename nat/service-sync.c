// SPDX-License-Identifier: MIT
/*
 * nat/service-sync.c — Service element batches and reading them back.
 *
 * One nat_svc_batch is one transaction: class chains (rare: a new affinity
 * timeout), then element deletes, element adds, then class chains nobody uses
 * any more. Element messages touch data maps and sets only, so the kernel does
 * not re-validate the table (see nat/service.h).
 */
#include "nat/service-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int nat_svc_open(struct nat_svc **ret, struct plumb_err *err)
{
	struct nat_svc *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = nat_sock_open(&s->sock, -1, err);
	if (r < 0) {
		free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void nat_svc_close(struct nat_svc *s)
{
	if (!s)
		return;
	nat_sock_close(&s->sock);
	free(s);
}

int nat_svc_bootstrap(struct nat_svc *s, struct plumb_err *err)
{
	return nat_svc_layout_ensure(&s->sock, err);
}

static struct nftnl_set_elem *elem_new(const struct nat_svc_elem *e, bool with_data)
{
	struct nftnl_set_elem *n = nftnl_set_elem_alloc();

	if (!n)
		return NULL;
	nftnl_set_elem_set(n, NFTNL_SET_ELEM_KEY, e->key, e->klen);
	if (with_data && e->dlen)
		nftnl_set_elem_set(n, NFTNL_SET_ELEM_DATA, e->data, e->dlen);
	if (with_data && e->comment && nat_elem_set_comment(n, e->comment) < 0) {
		nftnl_set_elem_free(n);
		return NULL;
	}
	return n;
}

/* All elements of one set from v, as one element message run. */
static int elems_of_set(struct nat_batch *b, const struct nat_svc_elemv *v, uint8_t set, bool add)
{
	bool open = false;
	int rc = 0;

	for (size_t i = 0; !rc && i < v->n; i++) {
		struct nftnl_set_elem *n;

		if (v->v[i].set != set)
			continue;
		if (!open) {
			rc = nat_batch_elems_begin(b, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
						   add ? NLM_F_CREATE : 0, nat_svc_set_name(set));
			open = true;
			if (rc)
				break;
		}
		n = elem_new(&v->v[i], add);
		if (!n)
			return -ENOMEM;
		/* v (and its comments) outlives the batch: nat_svc_commit frees it. */
		rc = nat_batch_elem_borrowed(b, n, v->v[i].comment ? v->v[i].comment : "endpoint");
		nftnl_set_elem_free(n);
	}
	if (!rc && open)
		rc = nat_batch_elems_end(b);
	return rc;
}

static int class_elem(struct nat_batch *b, const struct nat_svc_class *c, bool add)
{
	uint32_t key = (uint32_t)c->tclass << 6;
	struct nftnl_set_elem *e;
	char chain[32];
	int rc;

	nat_svc_class_chain(c->timeout, chain, sizeof(chain));
	rc = nat_batch_elems_begin(b, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
				   add ? NLM_F_CREATE : 0, "svc-affsel");
	if (rc)
		return rc;
	e = nftnl_set_elem_alloc();
	if (!e)
		return -ENOMEM;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &key, 4);
	if (add) {
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, NFT_GOTO);
		nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, chain);
	}
	rc = nat_batch_elem(b, e, "affinity class %u (%u s)", c->tclass, c->timeout);
	nftnl_set_elem_free(e);
	return rc ?: nat_batch_elems_end(b);
}

static int class_chain(struct nat_batch *b, const struct nat_svc_class *c, bool add)
{
	struct nftnl_chain *ch;
	char name[32];
	int rc;

	nat_svc_class_chain(c->timeout, name, sizeof(name));
	ch = nat_chain_new(name, NULL, 0, 0);
	if (!ch)
		return -ENOMEM;
	rc = nat_batch_chain(b, add ? NFT_MSG_NEWCHAIN : NFT_MSG_DELCHAIN, add ? NLM_F_CREATE : 0,
			     ch, name);
	nftnl_chain_free(ch);
	if (!rc && add)
		rc = nat_svc_class_rules(b, c);
	return rc;
}

/* The batch as netlink messages (no socket needed: tests look at them). */
int nat_svc_batch_build(const struct nat_svc_batch *sb, struct nat_batch *b)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < sb->nclass_add; i++) {
		rc = class_chain(b, &sb->class_add[i], true);
		if (!rc)
			rc = class_elem(b, &sb->class_add[i], true);
	}
	for (uint8_t set = 0; !rc && set < NAT_SVC_NSETS; set++)
		rc = elems_of_set(b, &sb->del, set, false);
	for (uint8_t set = 0; !rc && set < NAT_SVC_NSETS; set++)
		rc = elems_of_set(b, &sb->add, set, true);
	for (size_t i = 0; !rc && i < sb->nclass_del; i++) {
		rc = class_elem(b, &sb->class_del[i], false);
		if (!rc)
			rc = class_chain(b, &sb->class_del[i], false);
	}
	return rc;
}

int nat_svc_commit(struct nat_svc *s, const struct nat_svc_batch *sb, struct plumb_err *err)
{
	_cleanup_batch_ struct nat_batch *b = nat_batch_new();
	int rc;

	if (!b)
		return plumb_err_set(err, ENOMEM, "out of memory");
	rc = nat_svc_batch_build(sb, b);
	if (rc < 0)
		return plumb_err_set(err, -rc, "building the service batch: %s", strerror(-rc));
	if (!nat_batch_count(b))
		return 0;
	return nat_batch_send(&s->sock, b, NULL, err);
}

/* ---- reading back ---- */

static const uint8_t key_len[NAT_SVC_NSETS] = {
	[NAT_SVC_IDS] = 12, [NAT_SVC_NPIDS] = 8,  [NAT_SVC_EPS] = 8,	 [NAT_SVC_EPSET] = 12,
	[NAT_SVC_NOEP] = 12, [NAT_SVC_NPNOEP] = 8, [NAT_SVC_HAIRPIN] = 8,
};

/* Comments are packed into 64 KiB blocks: a 10k-service table has ~150k of
 * them, and one strdup each (with the pointer array grown by one) made the
 * read-back quadratic and the heap a sieve. */
#define STRING_BLOCK (64 * 1024)

static char *keep_string(struct nat_svc_dump *d, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (n > STRING_BLOCK)
		return NULL;
	if (!d->nstrings || d->string_used + n > STRING_BLOCK) {
		char **v = realloc(d->strings, (d->nstrings + 1) * sizeof(*v));

		if (!v)
			return NULL;
		d->strings = v;
		if (!(v[d->nstrings] = malloc(STRING_BLOCK)))
			return NULL;
		d->nstrings++;
		d->string_used = 0;
	}
	p = d->strings[d->nstrings - 1] + d->string_used;
	memcpy(p, s, n);
	d->string_used += n;
	return p;
}

static int dump_elem(struct nat_svc_dump *d, uint8_t set, struct nftnl_set_elem *n)
{
	struct nat_svc_elem e = {.set = set};
	char comment[NAT_COMMENT_MAX];
	const void *p;
	uint32_t len = 0;

	p = nftnl_set_elem_get(n, NFTNL_SET_ELEM_KEY, &len);
	if (!p || len != key_len[set])
		return 0; /* not ours to understand: leave it */
	memcpy(e.key, p, len);
	e.klen = (uint8_t)len;
	if (nftnl_set_elem_is_set(n, NFTNL_SET_ELEM_DATA)) {
		p = nftnl_set_elem_get(n, NFTNL_SET_ELEM_DATA, &len);
		if (p && len <= sizeof(e.data)) {
			memcpy(e.data, p, len);
			e.dlen = (uint8_t)len;
		}
	}
	nat_elem_comment(n, comment, sizeof(comment));
	if (comment[0] && !(e.comment = keep_string(d, comment)))
		return -ENOMEM;
	return nat_svc_elemv_push(&d->elems, &e);
}

static int dump_classes(struct nat_svc *s, struct nat_svc_dump *d, struct plumb_err *err)
{
	_cleanup_(nftnl_set_freep) struct nftnl_set *set = NULL;
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *n;
	int r = nat_dump_elems(&s->sock, "svc-affsel", &set, err);

	if (r < 0)
		return r;
	it = nftnl_set_elems_iter_create(set);
	if (!it)
		return -ENOMEM;
	while ((n = nftnl_set_elems_iter_next(it)) && d->nclasses < NAT_SVC_MAX_CLASSES) {
		uint32_t len = 0, key = 0;
		const void *k = nftnl_set_elem_get(n, NFTNL_SET_ELEM_KEY, &len);
		const char *chain = nftnl_set_elem_get_str(n, NFTNL_SET_ELEM_CHAIN);
		unsigned int t;

		if (!k || len != 4 || !chain || sscanf(chain, "svc-aff-%u", &t) != 1)
			continue;
		memcpy(&key, k, 4);
		d->classes[d->nclasses++] = (struct nat_svc_class){(uint8_t)(key >> 6), t};
	}
	nftnl_set_elems_iter_destroy(it);
	return 0;
}

int nat_svc_dump(struct nat_svc *s, struct nat_svc_dump *d, struct plumb_err *err)
{
	int r;

	*d = (struct nat_svc_dump){0};
	for (uint8_t set = 0; set < NAT_SVC_NSETS; set++) {
		_cleanup_(nftnl_set_freep) struct nftnl_set *ns = NULL;
		struct nftnl_set_elems_iter *it;
		struct nftnl_set_elem *n;

		r = nat_dump_elems(&s->sock, nat_svc_set_name(set), &ns, err);
		if (r < 0)
			goto fail;
		it = nftnl_set_elems_iter_create(ns);
		if (!it) {
			r = -ENOMEM;
			goto fail;
		}
		while (r >= 0 && (n = nftnl_set_elems_iter_next(it)))
			r = dump_elem(d, set, n);
		nftnl_set_elems_iter_destroy(it);
		if (r < 0)
			goto fail;
	}
	r = dump_classes(s, d, err);
	if (r >= 0)
		return 0;
fail:
	nat_svc_dump_free(d);
	if (r == -ENOMEM)
		return plumb_err_set(err, ENOMEM, "out of memory");
	return r;
}

void nat_svc_dump_free(struct nat_svc_dump *d)
{
	nat_svc_elemv_free(&d->elems);
	for (size_t i = 0; i < d->nstrings; i++)
		free(d->strings[i]);
	free(d->strings);
	*d = (struct nat_svc_dump){0};
}
