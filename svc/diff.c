// SPDX-License-Identifier: MIT
/*
 * svc/diff.c — desired vs programmed frontends, as element changes.
 *
 * Each frontend expands into the elements nat/service.h describes; the diff of
 * two expansions (sorted by set and key) is the batch: keys only in the old one
 * are deleted, keys only in the new one added, keys whose data changed deleted
 * and re-added. A frontend keeps its serial for life, so an endpoint change at
 * the same count touches one svc-eps element, and a count change moves the
 * frontend to a new id (the old id's slots go, the new id's slots come).
 */
#include "svc/internal.h"
#include "svc/svc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SERIAL_WORDS ((NAT_SVC_SERIAL_MAX + 1) / 64)

struct svc_programmed {
	struct svc_hash groups;	   /* "ns/name" -> struct svc_group * */
	struct svc_hash owners;	   /* frontend or NodePort key -> owning "ns/name" (strdup) */
	struct svc_hash hairpin;   /* "a.b.c.d" -> (uintptr_t) refcount */
	struct nat_svc_elemv stale; /* kernel elements nothing owns (from adopt) */
	uint64_t serials[SERIAL_WORDS];
	uint32_t next_serial;
	uint32_t class_timeout[NAT_SVC_MAX_CLASSES + 1];
	long class_refs[NAT_SVC_MAX_CLASSES + 1];
};

struct svc_plan {
	struct nat_svc_batch batch;
	size_t n;
	struct svc_group *groups; /* desired, serials and classes assigned */
	struct svc_hash hairpin;  /* address -> (intptr_t) refcount delta */
	long class_delta[NAT_SVC_MAX_CLASSES + 1];
	uint32_t class_timeout[NAT_SVC_MAX_CLASSES + 1]; /* for classes this plan adds */
	uint32_t *fresh;				 /* serials this plan allocated */
	size_t nfresh, capfresh;
	bool committed;
};

int svc_programmed_new(struct svc_programmed **ret)
{
	struct svc_programmed *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->serials[0] = 1; /* serial 0 means "none" */
	p->next_serial = 1;
	*ret = p;
	return 0;
}

static void free_values(struct svc_hash *h, void (*fn)(void *))
{
	struct svc_hent *e = NULL;
	size_t pos = 0;

	while ((e = svc_hash_next(h, &pos, e)))
		fn(e->val);
	svc_hash_free(h);
}

static void group_free_all(void *v)
{
	svc_group_free(v);
	free(v);
}

static void nop(void *v)
{
	(void)v;
}

void svc_programmed_free(struct svc_programmed *p)
{
	if (!p)
		return;
	free_values(&p->groups, group_free_all);
	free_values(&p->owners, free);
	free_values(&p->hairpin, nop);
	nat_svc_elemv_free(&p->stale);
	free(p);
}

static bool serial_used(const struct svc_programmed *p, uint32_t s)
{
	return p->serials[s / 64] >> (s % 64) & 1;
}

static void serial_set(struct svc_programmed *p, uint32_t s, bool used)
{
	if (used)
		p->serials[s / 64] |= 1ull << (s % 64);
	else
		p->serials[s / 64] &= ~(1ull << (s % 64));
}

/* Next free serial after the last one given (so ids are not reused at once,
 * which keeps stale affinity entries of a deleted frontend from matching). */
static uint32_t serial_alloc(struct svc_programmed *p)
{
	for (uint32_t i = 0; i < NAT_SVC_SERIAL_MAX; i++) {
		uint32_t s = (p->next_serial + i) % (NAT_SVC_SERIAL_MAX + 1);

		if (s && !serial_used(p, s)) {
			serial_set(p, s, true);
			p->next_serial = s + 1;
			return s;
		}
	}
	return 0;
}

static void fe_key(const struct svc_frontend *fe, char *buf, size_t len)
{
	snprintf(buf, len, "%u/%08x/%u", fe->proto, fe->vip, fe->port);
}

static void np_key(uint8_t proto, uint16_t np, char *buf, size_t len)
{
	snprintf(buf, len, "np/%u/%u", proto, np);
}

static void addr_key(uint32_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "%08x", addr);
}

static int own(struct svc_programmed *p, const char *key, const char *svc)
{
	char *copy = strdup(svc);
	void *old;

	if (!copy || svc_hash_put(&p->owners, key, copy, &old) < 0) {
		free(copy);
		return -ENOMEM;
	}
	free(old);
	return 0;
}

/* Record who owns a group's keys, its serials, classes and hairpin counts. */
static int group_account(struct svc_programmed *p, const struct svc_group *g)
{
	char key[64];

	for (size_t i = 0; i < g->n; i++) {
		const struct svc_frontend *fe = &g->fe[i];

		fe_key(fe, key, sizeof(key));
		if (own(p, key, g->svc) < 0)
			return -ENOMEM;
		if (fe->node_port) {
			np_key(fe->proto, fe->node_port, key, sizeof(key));
			if (own(p, key, g->svc) < 0)
				return -ENOMEM;
		}
		if (fe->serial)
			serial_set(p, fe->serial, true);
		if (fe->tclass)
			p->class_refs[fe->tclass]++;
	}
	return 0;
}

static int hairpin_add(struct svc_hash *h, uint32_t addr, long delta)
{
	char key[16];
	long v;

	addr_key(addr, key, sizeof(key));
	v = (long)(intptr_t)svc_hash_get(h, key) + delta;
	if (!v) {
		svc_hash_del(h, key);
		return 0;
	}
	return svc_hash_put(h, key, (void *)(intptr_t)v, NULL);
}

static int group_hairpins(struct svc_hash *h, const struct svc_group *g, long sign)
{
	for (size_t i = 0; i < g->n; i++)
		for (size_t b = 0; b < g->fe[i].n; b++)
			if (hairpin_add(h, g->fe[i].be[b].addr, sign) < 0)
				return -ENOMEM;
	return 0;
}

int svc_programmed_adopt(struct svc_programmed *p, struct svc_group *g)
{
	struct svc_group *copy = malloc(sizeof(*copy));
	void *old;

	if (!copy)
		return -ENOMEM;
	*copy = *g;
	*g = (struct svc_group){0};
	if (svc_hash_put(&p->groups, copy->svc, copy, &old) < 0) {
		group_free_all(copy);
		return -ENOMEM;
	}
	if (old)
		group_free_all(old);
	if (group_account(p, copy) < 0 || group_hairpins(&p->hairpin, copy, 1) < 0)
		return -ENOMEM;
	return 0;
}

int svc_programmed_adopt_class(struct svc_programmed *p, uint8_t tclass, uint32_t timeout)
{
	if (!tclass || tclass > NAT_SVC_MAX_CLASSES)
		return -EINVAL;
	p->class_timeout[tclass] = timeout;
	return 0;
}

int svc_programmed_adopt_hairpin(struct svc_programmed *p, uint32_t addr)
{
	struct nat_svc_elem e;
	char key[16];

	addr_key(addr, key, sizeof(key));
	if (svc_hash_get(&p->hairpin, key))
		return 0;
	nat_svc_elem_hairpin(&e, addr);
	return nat_svc_elemv_push(&p->stale, &e);
}

int svc_programmed_names(struct svc_programmed *p, struct svc_names *out)
{
	struct svc_hent *e = NULL;
	size_t pos = 0;

	while ((e = svc_hash_next(&p->groups, &pos, e)))
		if (svc_names_add(out, e->key) < 0)
			return -ENOMEM;
	return 0;
}

const struct svc_group *svc_programmed_get(struct svc_programmed *p, const char *svc)
{
	return svc_hash_get(&p->groups, svc);
}

/* ---- expansion ---- */

static int expand_fe(const struct svc_frontend *fe, struct nat_svc_elemv *v)
{
	struct nat_svc_elem e;
	uint32_t id;

	if (!fe->n) {
		nat_svc_elem_noep(&e, fe->proto, fe->vip, fe->port, fe->name);
		if (nat_svc_elemv_push(v, &e) < 0)
			return -ENOMEM;
		if (fe->node_port) {
			nat_svc_elem_npnoep(&e, fe->proto, fe->node_port, fe->name);
			if (nat_svc_elemv_push(v, &e) < 0)
				return -ENOMEM;
		}
		return 0;
	}
	id = nat_svc_id(fe->serial, fe->tclass, fe->n);
	nat_svc_elem_ids(&e, fe->proto, fe->vip, fe->port, id, fe->name);
	if (nat_svc_elemv_push(v, &e) < 0)
		return -ENOMEM;
	if (fe->node_port) {
		nat_svc_elem_npids(&e, fe->proto, fe->node_port, id, fe->name);
		if (nat_svc_elemv_push(v, &e) < 0)
			return -ENOMEM;
	}
	for (size_t s = 0; s < fe->n; s++) {
		nat_svc_elem_eps(&e, id, (uint32_t)s, fe->be[s].addr, fe->be[s].port);
		if (nat_svc_elemv_push(v, &e) < 0)
			return -ENOMEM;
		if (fe->tclass) {
			nat_svc_elem_epset(&e, id, fe->be[s].addr, fe->be[s].port);
			if (nat_svc_elemv_push(v, &e) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static int elem_qcmp(const void *a, const void *b)
{
	return nat_svc_elem_cmp(a, b);
}

static int expand_group(const struct svc_group *g, struct nat_svc_elemv *v)
{
	for (size_t i = 0; g && i < g->n; i++)
		if (expand_fe(&g->fe[i], v) < 0)
			return -ENOMEM;
	if (v->n)
		qsort(v->v, v->n, sizeof(v->v[0]), elem_qcmp);
	return 0;
}

static bool same_data(const struct nat_svc_elem *a, const struct nat_svc_elem *b)
{
	return a->dlen == b->dlen && !memcmp(a->data, b->data, a->dlen) &&
	       !strcmp(a->comment ? a->comment : "", b->comment ? b->comment : "");
}

/* Merge two sorted expansions into deletes and adds. */
static int diff_elems(const struct nat_svc_elemv *o, const struct nat_svc_elemv *n,
		      struct nat_svc_batch *b)
{
	size_t i = 0, j = 0;

	while (i < o->n || j < n->n) {
		int c = i == o->n ? 1 : j == n->n ? -1 : nat_svc_elem_cmp(&o->v[i], &n->v[j]);

		if (c < 0) {
			if (nat_svc_elemv_push(&b->del, &o->v[i++]) < 0)
				return -ENOMEM;
		} else if (c > 0) {
			if (nat_svc_elemv_push(&b->add, &n->v[j++]) < 0)
				return -ENOMEM;
		} else {
			if (!same_data(&o->v[i], &n->v[j]) &&
			    (nat_svc_elemv_push(&b->del, &o->v[i]) < 0 ||
			     nat_svc_elemv_push(&b->add, &n->v[j]) < 0))
				return -ENOMEM;
			i++;
			j++;
		}
	}
	return 0;
}

/* ---- planning ---- */

static const struct svc_frontend *find_fe(const struct svc_group *g,
					  const struct svc_frontend *fe)
{
	for (size_t i = 0; g && i < g->n; i++)
		if (g->fe[i].proto == fe->proto && g->fe[i].vip == fe->vip &&
		    g->fe[i].port == fe->port)
			return &g->fe[i];
	return NULL;
}

static int class_for(struct svc_programmed *p, struct svc_plan *plan, uint32_t timeout)
{
	int free_idx = 0;

	for (int c = 1; c <= NAT_SVC_MAX_CLASSES; c++) {
		if (p->class_timeout[c] == timeout || plan->class_timeout[c] == timeout)
			return c;
		if (!free_idx && !p->class_timeout[c] && !plan->class_timeout[c])
			free_idx = c;
	}
	if (free_idx) {
		plan->class_timeout[free_idx] = timeout;
		plan->batch.class_add[plan->batch.nclass_add++] =
			(struct nat_svc_class){(uint8_t)free_idx, timeout};
	}
	return free_idx;
}

static int fresh_push(struct svc_plan *plan, uint32_t s)
{
	if (plan->nfresh == plan->capfresh) {
		size_t cap = plan->capfresh ? plan->capfresh * 2 : 64;
		uint32_t *v = realloc(plan->fresh, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		plan->fresh = v;
		plan->capfresh = cap;
	}
	plan->fresh[plan->nfresh++] = s;
	return 0;
}

static const char *proto_name(uint8_t proto)
{
	return proto == 6 ? "TCP" : proto == 17 ? "UDP" : proto == 132 ? "SCTP" : "?";
}

/* Is key free for group svc? Taken by a group outside this plan, or by an
 * earlier frontend of this plan, means no. */
static const char *key_owner(struct svc_programmed *p, struct svc_hash *inplan,
			     struct svc_hash *claimed, const char *key, const char *svc)
{
	const char *o = svc_hash_get(claimed, key);

	if (o)
		return strcmp(o, svc) ? o : NULL;
	o = svc_hash_get(&p->owners, key);
	if (o && strcmp(o, svc) && !svc_hash_get(inplan, o))
		return o;
	return NULL;
}

static int preclaim(struct svc_programmed *p, const struct svc_group *g, struct svc_hash *claimed)
{
	char key[64];

	for (size_t i = 0; i < g->n; i++) {
		const struct svc_frontend *fe = &g->fe[i];
		const char *o;

		fe_key(fe, key, sizeof(key));
		o = svc_hash_get(&p->owners, key);
		if (o && !strcmp(o, g->svc) && svc_hash_put(claimed, key, (void *)g->svc, NULL) < 0)
			return -ENOMEM;
		if (!fe->node_port)
			continue;
		np_key(fe->proto, fe->node_port, key, sizeof(key));
		o = svc_hash_get(&p->owners, key);
		if (o && !strcmp(o, g->svc) && svc_hash_put(claimed, key, (void *)g->svc, NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Drop frontends that collide with another service's, assign serials and
 * classes to the rest. */
static int plan_group(struct svc_programmed *p, struct svc_plan *plan, struct svc_group *g,
		      const struct svc_group *old, struct svc_hash *inplan,
		      struct svc_hash *claimed, struct svc_names *problems)
{
	char key[64], msg[512];
	size_t keep = 0;

	for (size_t i = 0; i < g->n; i++) {
		struct svc_frontend *fe = &g->fe[i];
		const struct svc_frontend *was = find_fe(old, fe);
		const char *o;
		struct in_addr a = {fe->vip};

		fe_key(fe, key, sizeof(key));
		if ((o = key_owner(p, inplan, claimed, key, g->svc))) {
			snprintf(msg, sizeof(msg), "service '%s': %s:%u/%s is already used by service '%s'",
				 g->svc, inet_ntoa(a), fe->port, proto_name(fe->proto), o);
			if (svc_names_add(problems, msg) < 0)
				return -ENOMEM;
			continue;
		}
		if (svc_hash_put(claimed, key, g->svc, NULL) < 0)
			return -ENOMEM;
		if (fe->node_port) {
			np_key(fe->proto, fe->node_port, key, sizeof(key));
			if ((o = key_owner(p, inplan, claimed, key, g->svc))) {
				snprintf(msg, sizeof(msg),
					 "service '%s': nodePort %u/%s is already used by service '%s'",
					 g->svc, fe->node_port, proto_name(fe->proto), o);
				if (svc_names_add(problems, msg) < 0)
					return -ENOMEM;
				fe->node_port = 0;
			} else if (svc_hash_put(claimed, key, g->svc, NULL) < 0) {
				return -ENOMEM;
			}
		}
		fe->serial = was ? was->serial : 0;
		fe->tclass = 0;
		if (fe->n && !fe->serial) {
			fe->serial = serial_alloc(p);
			if (!fe->serial)
				return -ENOSPC;
			if (fresh_push(plan, fe->serial) < 0)
				return -ENOMEM;
		}
		if (fe->n && fe->affinity) {
			int c = class_for(p, plan, fe->affinity);

			if (!c) {
				snprintf(msg, sizeof(msg),
					 "service '%s': more than %d distinct affinity timeouts in use; "
					 "'%s' gets no session affinity",
					 g->svc, NAT_SVC_MAX_CLASSES, fe->name);
				if (svc_names_add(problems, msg) < 0)
					return -ENOMEM;
			}
			fe->tclass = (uint8_t)c;
		}
		g->fe[keep++] = *fe;
	}
	g->n = keep;
	return 0;
}

static int plan_accounting(struct svc_plan *plan, const struct svc_group *old,
			   const struct svc_group *g)
{
	for (size_t i = 0; old && i < old->n; i++)
		if (old->fe[i].tclass)
			plan->class_delta[old->fe[i].tclass]--;
	for (size_t i = 0; i < g->n; i++)
		if (g->fe[i].tclass)
			plan->class_delta[g->fe[i].tclass]++;
	if (old && group_hairpins(&plan->hairpin, old, -1) < 0)
		return -ENOMEM;
	return group_hairpins(&plan->hairpin, g, 1);
}

/* Hairpin elements whose count goes to or from zero; classes nobody uses. */
static int plan_finish(struct svc_programmed *p, struct svc_plan *plan)
{
	struct svc_hent *e = NULL;
	struct nat_svc_elem el;
	size_t pos = 0;

	while ((e = svc_hash_next(&plan->hairpin, &pos, e))) {
		long was = (long)(intptr_t)svc_hash_get(&p->hairpin, e->key);
		long now = was + (long)(intptr_t)e->val;
		uint32_t addr = (uint32_t)strtoul(e->key, NULL, 16);

		nat_svc_elem_hairpin(&el, addr);
		if (!was && now > 0 && nat_svc_elemv_push(&plan->batch.add, &el) < 0)
			return -ENOMEM;
		if (was > 0 && now <= 0 && nat_svc_elemv_push(&plan->batch.del, &el) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < p->stale.n; i++)
		if (nat_svc_elemv_push(&plan->batch.del, &p->stale.v[i]) < 0)
			return -ENOMEM;
	for (int c = 1; c <= NAT_SVC_MAX_CLASSES; c++)
		if (p->class_timeout[c] && p->class_refs[c] + plan->class_delta[c] <= 0)
			plan->batch.class_del[plan->batch.nclass_del++] =
				(struct nat_svc_class){(uint8_t)c, p->class_timeout[c]};
	return 0;
}

int svc_plan_make(struct svc_programmed *p, struct svc_group *desired, size_t n,
		  struct svc_plan **ret, struct svc_names *problems)
{
	struct svc_hash inplan = {0}, claimed = {0};
	struct svc_plan *plan = calloc(1, sizeof(*plan));
	int r = -ENOMEM;

	if (!plan || !(plan->groups = calloc(n ? n : 1, sizeof(*plan->groups))))
		goto out;
	for (size_t i = 0; i < n; i++) {
		plan->groups[i] = desired[i];
		desired[i] = (struct svc_group){0};
		snprintf(desired[i].svc, sizeof(desired[i].svc), "%s", plan->groups[i].svc);
		plan->n++;
		if (svc_hash_put(&inplan, plan->groups[i].svc, plan->groups[i].svc, NULL) < 0)
			goto out;
	}
	/* A key stays with the service that holds it and still wants it, whatever
	 * the order of the plan: claim those first. */
	for (size_t i = 0; i < plan->n; i++)
		if (preclaim(p, &plan->groups[i], &claimed) < 0)
			goto out;
	for (size_t i = 0; i < plan->n; i++) {
		struct svc_group *g = &plan->groups[i];
		const struct svc_group *old = svc_hash_get(&p->groups, g->svc);
		struct nat_svc_elemv ov = {0}, nv = {0};

		r = plan_group(p, plan, g, old, &inplan, &claimed, problems);
		if (r >= 0)
			r = plan_accounting(plan, old, g);
		if (r >= 0)
			r = expand_group(old, &ov);
		if (r >= 0)
			r = expand_group(g, &nv);
		if (r >= 0)
			r = diff_elems(&ov, &nv, &plan->batch);
		nat_svc_elemv_free(&ov);
		nat_svc_elemv_free(&nv);
		if (r < 0)
			goto out;
	}
	r = plan_finish(p, plan);
	if (r >= 0) {
		*ret = plan;
		plan = NULL;
	}
out:
	svc_hash_free(&inplan);
	svc_hash_free(&claimed);
	svc_plan_free(p, plan);
	return r;
}

const struct nat_svc_batch *svc_plan_batch(const struct svc_plan *plan)
{
	return &plan->batch;
}

static void group_unaccount(struct svc_programmed *p, const struct svc_group *g)
{
	char key[64];

	for (size_t i = 0; i < g->n; i++) {
		const struct svc_frontend *fe = &g->fe[i];

		fe_key(fe, key, sizeof(key));
		free(svc_hash_del(&p->owners, key));
		if (fe->node_port) {
			np_key(fe->proto, fe->node_port, key, sizeof(key));
			free(svc_hash_del(&p->owners, key));
		}
		if (fe->serial)
			serial_set(p, fe->serial, false);
		if (fe->tclass)
			p->class_refs[fe->tclass]--;
	}
}

void svc_plan_commit(struct svc_programmed *p, struct svc_plan *plan)
{
	struct svc_hent *e = NULL;
	size_t pos = 0;

	/* Everything below only moves memory already allocated, or frees it,
	 * except the owner strings and hash slots; on ENOMEM there the owners index
	 * is incomplete, which makes a later conflict check lenient, no worse. */
	for (size_t i = 0; i < plan->n; i++) {
		struct svc_group *old = svc_hash_del(&p->groups, plan->groups[i].svc);

		if (old) {
			group_unaccount(p, old);
			group_free_all(old);
		}
	}
	for (size_t i = 0; i < plan->n; i++) {
		struct svc_group *g = &plan->groups[i], *copy;

		if (!g->n) {
			svc_group_free(g);
			continue;
		}
		copy = malloc(sizeof(*copy));
		if (!copy)
			continue;
		*copy = *g;
		*g = (struct svc_group){0};
		if (svc_hash_put(&p->groups, copy->svc, copy, NULL) < 0) {
			group_free_all(copy);
			continue;
		}
		(void)group_account(p, copy);
	}
	while ((e = svc_hash_next(&plan->hairpin, &pos, e)))
		(void)hairpin_add(&p->hairpin, (uint32_t)strtoul(e->key, NULL, 16),
				  (long)(intptr_t)e->val);
	for (int c = 1; c <= NAT_SVC_MAX_CLASSES; c++) {
		if (plan->class_timeout[c])
			p->class_timeout[c] = plan->class_timeout[c];
		if (p->class_refs[c] <= 0) {
			p->class_refs[c] = 0;
			p->class_timeout[c] = 0;
		}
	}
	nat_svc_elemv_free(&p->stale);
	plan->committed = true;
}

void svc_plan_free(struct svc_programmed *p, struct svc_plan *plan)
{
	if (!plan)
		return;
	if (!plan->committed)
		for (size_t i = 0; i < plan->nfresh; i++)
			serial_set(p, plan->fresh[i], false);
	for (size_t i = 0; i < plan->n; i++)
		svc_group_free(&plan->groups[i]);
	free(plan->groups);
	free(plan->fresh);
	svc_hash_free(&plan->hairpin);
	nat_svc_batch_free(&plan->batch);
	free(plan);
}
