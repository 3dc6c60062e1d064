// SPDX-License-Identifier: MIT
/* svc/model.c — objects and frontends: joining a Service with its EndpointSlices. */
#include "svc/svc.h"

#include "common/cleanup.h"
#include "svc/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void svc_objects_free(struct svc_objects *o)
{
	for (size_t i = 0; i < o->n; i++) {
		if (o->v[i].kind == SVC_KIND_SLICE) {
			free(o->v[i].slice.ports);
			free(o->v[i].slice.eps);
		} else {
			free(o->v[i].svc.ports);
		}
	}
	free(o->v);
	*o = (struct svc_objects){0};
}

int svc_objects_add(struct svc_objects *o, struct svc_object *obj)
{
	bool svc = obj->kind == SVC_KIND_SERVICE;
	size_t n = svc ? obj->svc.nports : obj->slice.nports;
	size_t size = n * (svc ? sizeof(*obj->svc.ports) : sizeof(*obj->slice.ports));
	struct svc_object *copy;
	void *ports = NULL;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 8;
		struct svc_object *v = realloc(o->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		o->v = v;
		o->cap = cap;
	}
	if (n) {
		ports = malloc(size);
		if (!ports)
			return -ENOMEM;
		memcpy(ports, svc ? (void *)obj->svc.ports : (void *)obj->slice.ports, size);
	}
	copy = &o->v[o->n++];
	*copy = *obj;
	if (svc) {
		copy->svc.ports = ports;
	} else {
		copy->slice.ports = ports;
		obj->slice.eps = NULL;
	}
	return 0;
}

int svc_names_add(struct svc_names *nm, const char *s)
{
	struct svc_hash *seen = nm->seen;
	char *copy;

	if (!seen && !(seen = nm->seen = calloc(1, sizeof(*seen))))
		return -ENOMEM;
	if (svc_hash_get(seen, s))
		return 0;
	if (nm->n + 1 >= nm->cap) {
		size_t cap = nm->cap ? nm->cap * 2 : 16;
		char **v = realloc(nm->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		nm->v = v;
		nm->cap = cap;
	}
	copy = strdup(s);
	if (!copy || svc_hash_put(seen, s, copy, NULL) < 0) {
		free(copy);
		return -ENOMEM;
	}
	nm->v[nm->n++] = copy;
	nm->v[nm->n] = NULL;
	return 1;
}

void svc_names_free(struct svc_names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
	if (nm->seen) {
		svc_hash_free(nm->seen);
		free(nm->seen);
	}
	*nm = (struct svc_names){0};
}

void svc_group_free(struct svc_group *g)
{
	free(g->fe);
	g->fe = NULL;
	g->n = 0;
}

static int backend_cmp(const void *a, const void *b)
{
	const struct svc_backend *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->port - (int)y->port;
}

/* The endpoint port a slice gives service port sp: the slice port with the same
 * name and protocol; a slice without ports falls back to the numeric targetPort
 * (or the service port), which is what hand-written slices usually mean. */
static uint16_t slice_port_for(const struct svc_slice *sl, const struct svc_port *sp)
{
	if (!sl->nports)
		return sp->target ? sp->target : sp->port;
	for (size_t i = 0; i < sl->nports; i++)
		if (sl->ports[i].proto == sp->proto && !strcmp(sl->ports[i].name, sp->name))
			return sl->ports[i].port;
	return 0;
}

/* Ready backends of one service port, sorted, unique, at most SVC_MAX_BACKENDS. */
static void fill_backends(struct svc_frontend *fe, const struct svc_port *sp,
			  const struct svc_slice *const *slices, size_t nslices)
{
	struct svc_backend all[SVC_MAX_BACKENDS * 4];
	size_t n = 0, extra = 0, u = 0;

	for (size_t s = 0; s < nslices; s++) {
		uint16_t port = slice_port_for(slices[s], sp);

		if (!port)
			continue;
		for (size_t e = 0; e < slices[s]->neps; e++) {
			if (!slices[s]->eps[e].ready)
				continue;
			if (n == ARRAY_SIZE(all)) {
				extra++;
				continue;
			}
			all[n++] = (struct svc_backend){slices[s]->eps[e].addr, port};
		}
	}
	qsort(all, n, sizeof(all[0]), backend_cmp);
	for (size_t i = 0; i < n; i++)
		if (!u || backend_cmp(&all[i], &all[u - 1]))
			all[u++] = all[i];
	fe->n = u < SVC_MAX_BACKENDS ? u : SVC_MAX_BACKENDS;
	fe->dropped = u - fe->n + extra;
	memcpy(fe->be, all, fe->n * sizeof(all[0]));
}

int svc_group_build(const struct svc_service *svc, const struct svc_slice *const *slices,
		    size_t nslices, struct svc_group *g)
{
	svc_group_free(g);
	if (!svc)
		return 0;
	snprintf(g->svc, sizeof(g->svc), "%s/%s", svc->ns, svc->name);
	if (!svc->cluster_ip || !svc->nports)
		return 0;
	g->fe = calloc(svc->nports, sizeof(*g->fe));
	if (!g->fe)
		return -ENOMEM;
	for (size_t i = 0; i < svc->nports; i++) {
		const struct svc_port *sp = &svc->ports[i];
		struct svc_frontend *fe = &g->fe[g->n++];

		snprintf(fe->name, sizeof(fe->name), "%s/%s:%s", svc->ns, svc->name, sp->name);
		fe->proto = sp->proto;
		fe->vip = svc->cluster_ip;
		fe->port = sp->port;
		fe->node_port = svc->node_ports ? sp->node_port : 0;
		fe->affinity = svc->affinity;
		fill_backends(fe, sp, slices, nslices);
	}
	return 0;
}
