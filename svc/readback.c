// SPDX-License-Identifier: MIT
/*
 * svc/readback.c — what the kernel holds, as programmed groups, so a restart
 * (or a one-shot `netctl svc apply`) diffs against the real table instead of
 * rebuilding it. Frontend names come from the element comments; ids carry the
 * serial, the affinity class and the endpoint count.
 */
#include "svc/internal.h"
#include "svc/svc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where the frontend of an id lives: groups are allocated one by one and never
 * move, indexes into their fe arrays stay valid. */
struct fe_ref {
	struct svc_group *g;
	size_t idx;
};

struct rb {
	struct svc_hash groups; /* "ns/name" -> struct svc_group * */
	struct svc_hash ids;	/* id as hex -> struct fe_ref * */
};

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t port_at(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return ntohs(v);
}

/* The group a frontend name ("ns/svc:port") belongs to, made on first sight. */
static struct svc_group *group_of(struct rb *rb, const char *fename)
{
	char name[SVC_NAME_MAX];
	struct svc_group *g;
	char *colon;

	snprintf(name, sizeof(name), "%s", fename ? fename : "?/?");
	colon = strrchr(name, ':');
	if (colon)
		*colon = '\0';
	g = svc_hash_get(&rb->groups, name);
	if (g)
		return g;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	snprintf(g->svc, sizeof(g->svc), "%s", name);
	if (svc_hash_put(&rb->groups, name, g, NULL) < 0) {
		free(g);
		return NULL;
	}
	return g;
}

static struct svc_frontend *fe_add(struct svc_group *g, const struct nat_svc_elem *e)
{
	struct svc_frontend *v = realloc(g->fe, (g->n + 1) * sizeof(*v)), *fe;

	if (!v)
		return NULL;
	g->fe = v;
	fe = memset(&v[g->n++], 0, sizeof(*fe));
	snprintf(fe->name, sizeof(fe->name), "%s", e->comment ? e->comment : "?/?:");
	fe->proto = e->key[0];
	if (e->klen == 12) {
		fe->vip = u32_at(e->key + 4);
		fe->port = port_at(e->key + 8);
	}
	return fe;
}

static struct svc_frontend *fe_of_id(struct rb *rb, uint32_t id)
{
	char key[16];
	struct fe_ref *ref;

	snprintf(key, sizeof(key), "%x", id);
	ref = svc_hash_get(&rb->ids, key);
	return ref ? &ref->g->fe[ref->idx] : NULL;
}

static int add_ids(struct rb *rb, const struct nat_svc_elem *e)
{
	struct svc_group *g = group_of(rb, e->comment);
	uint32_t id = u32_at(e->data);
	struct svc_frontend *fe;
	struct fe_ref *ref;
	char key[16];

	if (!g || !(fe = fe_add(g, e)) || !(ref = malloc(sizeof(*ref))))
		return -ENOMEM;
	fe->serial = id >> 12;
	fe->tclass = (uint8_t)(id >> 6 & 0x3f);
	fe->n = (id & 0x3f) + 1;
	*ref = (struct fe_ref){g, g->n - 1};
	snprintf(key, sizeof(key), "%x", id);
	if (svc_hash_put(&rb->ids, key, ref, NULL) < 0) {
		free(ref);
		return -ENOMEM;
	}
	return 0;
}

static void add_eps(struct rb *rb, const struct nat_svc_elem *e)
{
	struct svc_frontend *fe = fe_of_id(rb, u32_at(e->key));
	uint32_t slot = u32_at(e->key + 4);

	if (fe && slot < fe->n && slot < SVC_MAX_BACKENDS)
		fe->be[slot] = (struct svc_backend){u32_at(e->data), port_at(e->data + 4)};
}

static void add_npids(struct rb *rb, const struct nat_svc_elem *e)
{
	struct svc_frontend *fe = fe_of_id(rb, u32_at(e->data));

	if (fe)
		fe->node_port = port_at(e->key + 4);
}

static void add_npnoep(struct rb *rb, const struct nat_svc_elem *e)
{
	char name[SVC_NAME_MAX], *colon;
	struct svc_group *g;

	snprintf(name, sizeof(name), "%s", e->comment ? e->comment : "");
	colon = strrchr(name, ':');
	if (colon)
		*colon = '\0';
	g = svc_hash_get(&rb->groups, name);
	for (size_t i = 0; g && i < g->n; i++)
		if (!g->fe[i].n && g->fe[i].proto == e->key[0] && !strcmp(g->fe[i].name, e->comment))
			g->fe[i].node_port = port_at(e->key + 4);
}

static int build(struct rb *rb, const struct nat_svc_dump *d)
{
	for (size_t i = 0; i < d->elems.n; i++) {
		const struct nat_svc_elem *e = &d->elems.v[i];

		if (e->set == NAT_SVC_IDS && add_ids(rb, e) < 0)
			return -ENOMEM;
		if (e->set == NAT_SVC_NOEP && (!group_of(rb, e->comment) ||
					       !fe_add(group_of(rb, e->comment), e)))
			return -ENOMEM;
	}
	for (size_t i = 0; i < d->elems.n; i++) {
		const struct nat_svc_elem *e = &d->elems.v[i];

		if (e->set == NAT_SVC_EPS)
			add_eps(rb, e);
		else if (e->set == NAT_SVC_NPIDS)
			add_npids(rb, e);
		else if (e->set == NAT_SVC_NPNOEP)
			add_npnoep(rb, e);
	}
	return 0;
}

static void rb_free(struct rb *rb)
{
	struct svc_hent *e = NULL;
	size_t pos = 0;

	while ((e = svc_hash_next(&rb->ids, &pos, e)))
		free(e->val);
	pos = 0;
	while ((e = svc_hash_next(&rb->groups, &pos, e))) {
		svc_group_free(e->val);
		free(e->val);
	}
	svc_hash_free(&rb->ids);
	svc_hash_free(&rb->groups);
}

int svc_readback(const struct nat_svc_dump *d, struct svc_programmed *p)
{
	uint32_t timeout[NAT_SVC_MAX_CLASSES + 1] = {0};
	struct rb rb = {0};
	struct svc_hent *e = NULL;
	size_t pos = 0;
	int r;

	for (size_t i = 0; i < d->nclasses; i++)
		if (d->classes[i].tclass && d->classes[i].tclass <= NAT_SVC_MAX_CLASSES) {
			timeout[d->classes[i].tclass] = d->classes[i].timeout;
			(void)svc_programmed_adopt_class(p, d->classes[i].tclass,
							 d->classes[i].timeout);
		}
	r = build(&rb, d);
	while (r >= 0 && (e = svc_hash_next(&rb.groups, &pos, e))) {
		struct svc_group *g = e->val;

		for (size_t i = 0; i < g->n; i++)
			g->fe[i].affinity = timeout[g->fe[i].tclass];
		r = svc_programmed_adopt(p, g);
	}
	for (size_t i = 0; r >= 0 && i < d->elems.n; i++)
		if (d->elems.v[i].set == NAT_SVC_HAIRPIN)
			r = svc_programmed_adopt_hairpin(p, u32_at(d->elems.v[i].key));
	rb_free(&rb);
	return r;
}
