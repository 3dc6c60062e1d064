/* SPDX-License-Identifier: MIT */
/* svc/internal.h — svc/'s private pieces: a small string-keyed hash table. */
#ifndef PLUMB_SVC_INTERNAL_H
#define PLUMB_SVC_INTERNAL_H

#include <stddef.h>

struct svc_hent {
	struct svc_hent *next;
	char *key;
	void *val;
};

/* Chained hash table; keys are copied, values are the caller's. */
struct svc_hash {
	size_t nb, n;
	struct svc_hent **b;
};

void *svc_hash_get(const struct svc_hash *h, const char *key);
/* Insert or replace; *old (may be NULL) gets the replaced value. 0 or -ENOMEM. */
int svc_hash_put(struct svc_hash *h, const char *key, void *val, void **old);
/* Remove; returns the value or NULL. */
void *svc_hash_del(struct svc_hash *h, const char *key);
/* Free the table (not the values: walk them first with svc_hash_next). */
void svc_hash_free(struct svc_hash *h);
/* Iterate: start with *pos = 0, *e = NULL; returns the next entry or NULL. */
struct svc_hent *svc_hash_next(const struct svc_hash *h, size_t *pos, struct svc_hent *e);

#endif
