// SPDX-License-Identifier: MIT
/*
 * svc/engine.c — the loop body shared by plumb-svc and `netctl svc apply`:
 * desired groups from the store, programmed groups from memory (read back from
 * the kernel once at start), one plan, one batch, adopt on success.
 */
#include "svc/svc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct svc_engine {
	struct svc_store *store;
	struct svc_programmed *prog;
	struct nat_svc *nft;
};

void svc_engine_free(struct svc_engine *e)
{
	if (!e)
		return;
	svc_store_free(e->store);
	svc_programmed_free(e->prog);
	nat_svc_close(e->nft);
	free(e);
}

/* Read the kernel's Service elements into a fresh programmed state. */
int svc_engine_reload(struct svc_engine *e, struct plumb_err *err)
{
	struct nat_svc_dump d = {0};
	struct svc_programmed *p = NULL;
	int r;

	/* Someone may have removed table plumb (netctl nat flush): make the
	 * layout again. Just made, it holds nothing to read back. */
	r = nat_svc_bootstrap(e->nft, err);
	if (r == 0)
		r = nat_svc_dump(e->nft, &d, err);
	if (r < 0)
		return r;
	if (svc_programmed_new(&p) < 0)
		r = -ENOMEM;
	else if (r == 0)
		r = svc_readback(&d, p);
	nat_svc_dump_free(&d);
	if (r < 0) {
		svc_programmed_free(p);
		return plumb_err_set(err, -r, "reading back the service table: %s", strerror(-r));
	}
	svc_programmed_free(e->prog);
	e->prog = p;
	return 0;
}

int svc_engine_open(struct svc_engine **ret, struct plumb_err *err)
{
	struct svc_engine *e = calloc(1, sizeof(*e));
	int r;

	if (!e)
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = svc_store_new(&e->store);
	if (r >= 0)
		r = nat_svc_open(&e->nft, err);
	if (r >= 0)
		r = svc_engine_reload(e, err);
	if (r < 0) {
		svc_engine_free(e);
		return r == -ENOMEM ? plumb_err_set(err, ENOMEM, "out of memory") : r;
	}
	*ret = e;
	return 0;
}

struct svc_store *svc_engine_store(struct svc_engine *e)
{
	return e->store;
}

struct svc_programmed *svc_engine_programmed(struct svc_engine *e)
{
	return e->prog;
}

int svc_engine_sync(struct svc_engine *e, const struct svc_names *names,
		    struct svc_names *problems, struct svc_sync_stats *st, struct plumb_err *err)
{
	struct svc_group *desired = calloc(names->n ? names->n : 1, sizeof(*desired));
	struct svc_plan *plan = NULL;
	const struct nat_svc_batch *b;
	int r = 0;

	if (!desired)
		return plumb_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; r >= 0 && i < names->n; i++)
		r = svc_store_group(e->store, names->v[i], &desired[i]);
	if (r >= 0)
		r = svc_plan_make(e->prog, desired, names->n, &plan, problems);
	for (size_t i = 0; i < names->n; i++)
		svc_group_free(&desired[i]);
	free(desired);
	if (r < 0)
		return plumb_err_set(err, -r, "planning the service changes: %s", strerror(-r));
	b = svc_plan_batch(plan);
	if (st)
		*st = (struct svc_sync_stats){names->n, b->add.n, b->del.n};
	r = nat_svc_commit(e->nft, b, err);
	if (r >= 0)
		svc_plan_commit(e->prog, plan);
	svc_plan_free(e->prog, plan);
	if (r < 0) {
		/* The kernel refused the whole batch: trust it, not memory (and
		 * remake the layout if it is gone, for the caller's full resync). */
		struct plumb_err e2 = {0};

		(void)svc_engine_reload(e, &e2);
	}
	return r;
}

int svc_engine_sync_all(struct svc_engine *e, struct svc_names *problems,
			struct svc_sync_stats *st, struct plumb_err *err)
{
	struct svc_names names = {0};
	int r = svc_store_names(e->store, &names);

	if (r >= 0)
		r = svc_programmed_names(e->prog, &names);
	if (r < 0) {
		svc_names_free(&names);
		return plumb_err_set(err, ENOMEM, "out of memory");
	}
	r = svc_engine_sync(e, &names, problems, st, err);
	svc_names_free(&names);
	return r;
}
