// SPDX-License-Identifier: MIT
/* svc/hash.c — the string-keyed hash table behind the store and the diff engine. */
#include "svc/internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

static struct svc_hent **slot(const struct svc_hash *h, const char *key)
{
	struct svc_hent **p = &h->b[hash_str(key) & (h->nb - 1)];

	while (*p && strcmp((*p)->key, key))
		p = &(*p)->next;
	return p;
}

void *svc_hash_get(const struct svc_hash *h, const char *key)
{
	struct svc_hent *e;

	if (!h->nb)
		return NULL;
	e = *slot(h, key);
	return e ? e->val : NULL;
}

static int grow(struct svc_hash *h)
{
	size_t nb = h->nb ? h->nb * 2 : 64;
	struct svc_hent **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < h->nb; i++) {
		struct svc_hent *e = h->b[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = b[hash_str(e->key) & (nb - 1)];
			b[hash_str(e->key) & (nb - 1)] = e;
		}
	}
	free(h->b);
	h->b = b;
	h->nb = nb;
	return 0;
}

int svc_hash_put(struct svc_hash *h, const char *key, void *val, void **old)
{
	struct svc_hent **p, *e;

	if (old)
		*old = NULL;
	if ((h->n + 1) * 2 > h->nb && grow(h) < 0)
		return -ENOMEM;
	p = slot(h, key);
	if (*p) {
		if (old)
			*old = (*p)->val;
		(*p)->val = val;
		return 0;
	}
	e = malloc(sizeof(*e));
	if (!e || !(e->key = strdup(key))) {
		free(e);
		return -ENOMEM;
	}
	e->val = val;
	e->next = NULL;
	*p = e;
	h->n++;
	return 0;
}

void *svc_hash_del(struct svc_hash *h, const char *key)
{
	struct svc_hent **p, *e;
	void *val;

	if (!h->nb)
		return NULL;
	p = slot(h, key);
	e = *p;
	if (!e)
		return NULL;
	*p = e->next;
	val = e->val;
	free(e->key);
	free(e);
	h->n--;
	return val;
}

struct svc_hent *svc_hash_next(const struct svc_hash *h, size_t *pos, struct svc_hent *e)
{
	if (e && e->next)
		return e->next;
	if (e)
		(*pos)++;
	for (; *pos < h->nb; (*pos)++)
		if (h->b[*pos])
			return h->b[*pos];
	return NULL;
}

void svc_hash_free(struct svc_hash *h)
{
	for (size_t i = 0; i < h->nb; i++) {
		struct svc_hent *e = h->b[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e->key);
			free(e);
		}
	}
	free(h->b);
	*h = (struct svc_hash){0};
}
