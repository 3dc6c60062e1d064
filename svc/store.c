// SPDX-License-Identifier: MIT
/*
 * svc/store.c — the objects every source gave, indexed by service, so a change
 * in one file (or etcd key) rebuilds only the services it names.
 */
#include "svc/internal.h"
#include "svc/svc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every Service and slice that names one service, whichever source gave them. */
struct entry {
	size_t nsvc, nsl, capsvc, capsl;
	const struct svc_service **svc;
	const struct svc_slice **sl;
};

struct svc_store {
	struct svc_hash sources; /* source key -> struct svc_objects * */
	struct svc_hash entries; /* "ns/name" -> struct entry * */
};

int svc_store_new(struct svc_store **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	free(e->svc);
	free(e->sl);
	free(e);
}

void svc_store_free(struct svc_store *s)
{
	struct svc_hent *e = NULL;
	size_t pos = 0;

	if (!s)
		return;
	while ((e = svc_hash_next(&s->sources, &pos, e))) {
		svc_objects_free(e->val);
		free(e->val);
	}
	pos = 0;
	while ((e = svc_hash_next(&s->entries, &pos, e)))
		entry_free(e->val);
	svc_hash_free(&s->sources);
	svc_hash_free(&s->entries);
	free(s);
}

static void object_service_name(const struct svc_object *o, char *buf, size_t len)
{
	if (o->kind == SVC_KIND_SERVICE)
		snprintf(buf, len, "%s/%s", o->svc.ns, o->svc.name);
	else
		snprintf(buf, len, "%s/%s", o->slice.ns, o->slice.service);
}

static int ptr_push(const void ***v, size_t *n, size_t *cap, const void *p)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 2;
		const void **nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = p;
	return 0;
}

static void ptr_drop(const void **v, size_t *n, const void *p)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i] == p) {
			memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(*v));
			(*n)--;
			return;
		}
}

static int index_object(struct svc_store *s, const struct svc_object *o, const char *name)
{
	struct entry *e = svc_hash_get(&s->entries, name);

	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e || svc_hash_put(&s->entries, name, e, NULL) < 0) {
			free(e);
			return -ENOMEM;
		}
	}
	if (o->kind == SVC_KIND_SERVICE)
		return ptr_push((const void ***)&e->svc, &e->nsvc, &e->capsvc, &o->svc);
	return ptr_push((const void ***)&e->sl, &e->nsl, &e->capsl, &o->slice);
}

static void unindex_object(struct svc_store *s, const struct svc_object *o, const char *name)
{
	struct entry *e = svc_hash_get(&s->entries, name);

	if (!e)
		return;
	if (o->kind == SVC_KIND_SERVICE)
		ptr_drop((const void **)e->svc, &e->nsvc, &o->svc);
	else
		ptr_drop((const void **)e->sl, &e->nsl, &o->slice);
	if (!e->nsvc && !e->nsl)
		entry_free(svc_hash_del(&s->entries, name));
}

int svc_store_replace(struct svc_store *s, const char *source, struct svc_objects *objs,
		      struct svc_names *touched)
{
	struct svc_objects *old = svc_hash_get(&s->sources, source), *neu = NULL;
	char name[160];
	int r;

	if (objs->n) {
		neu = malloc(sizeof(*neu));
		if (!neu)
			return -ENOMEM;
		*neu = *objs;
		*objs = (struct svc_objects){0};
		/* Names first, so a failure below leaves the index as it was. */
		for (size_t i = 0; i < neu->n; i++) {
			object_service_name(&neu->v[i], name, sizeof(name));
			if ((r = svc_names_add(touched, name)) < 0)
				goto fail;
		}
	}
	if (old) {
		for (size_t i = 0; i < old->n; i++) {
			object_service_name(&old->v[i], name, sizeof(name));
			if ((r = svc_names_add(touched, name)) < 0)
				goto fail;
		}
		for (size_t i = 0; i < old->n; i++) {
			object_service_name(&old->v[i], name, sizeof(name));
			unindex_object(s, &old->v[i], name);
		}
		svc_hash_del(&s->sources, source);
		svc_objects_free(old);
		free(old);
	}
	if (!neu)
		return 0;
	if ((r = svc_hash_put(&s->sources, source, neu, NULL)) < 0)
		goto fail;
	for (size_t i = 0; i < neu->n; i++) {
		object_service_name(&neu->v[i], name, sizeof(name));
		if ((r = index_object(s, &neu->v[i], name)) < 0)
			return r; /* out of memory with the source stored: it stays indexed in part */
	}
	return 0;
fail:
	if (neu) {
		svc_objects_free(neu);
		free(neu);
	}
	return r;
}

int svc_store_sources(struct svc_store *s, const char ***ret, size_t *n)
{
	struct svc_hent *e = NULL;
	size_t pos = 0, i = 0;
	const char **v = calloc(s->sources.n + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	while ((e = svc_hash_next(&s->sources, &pos, e)))
		v[i++] = e->key;
	*ret = v;
	*n = i;
	return 0;
}

int svc_store_group(struct svc_store *s, const char *svc, struct svc_group *g)
{
	struct entry *e = svc_hash_get(&s->entries, svc);
	int r;

	svc_group_free(g);
	snprintf(g->svc, sizeof(g->svc), "%s", svc);
	if (!e || !e->nsvc)
		return 0;
	/* The latest Service wins when two sources give the same one. */
	r = svc_group_build(e->svc[e->nsvc - 1], e->sl, e->nsl, g);
	snprintf(g->svc, sizeof(g->svc), "%s", svc);
	return r;
}

int svc_store_names(struct svc_store *s, struct svc_names *out)
{
	struct svc_hent *e = NULL;
	size_t pos = 0;

	while ((e = svc_hash_next(&s->entries, &pos, e)))
		if (svc_names_add(out, e->key) < 0)
			return -ENOMEM;
	return 0;
}
