// SPDX-License-Identifier: MIT
/* libFuzzer target: Kubernetes JSON into svc objects, then frontends and a plan
 * against an empty programmed state — no input may crash, leak or produce a
 * frontend the diff engine cannot expand. */
#include "svc/svc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct svc_objects objs = {0};
	struct svc_names problems = {0}, touched = {0}, names = {0};
	struct svc_programmed *p = NULL;
	struct svc_store *s = NULL;
	struct svc_plan *plan = NULL;
	struct svc_group *g;
	struct plumb_err err = {0};

	if (svc_reader_parse((const char *)data, size, "fuzz", &objs, &problems, &err) < 0) {
		assert(err.msg[0]);
		goto out;
	}
	if (svc_store_new(&s) < 0 || svc_store_replace(s, "fuzz", &objs, &touched) < 0 ||
	    svc_store_names(s, &names) < 0 || svc_programmed_new(&p) < 0)
		goto out;
	g = calloc(names.n ? names.n : 1, sizeof(*g));
	for (size_t i = 0; g && i < names.n; i++) {
		assert(svc_store_group(s, names.v[i], &g[i]) == 0);
		for (size_t f = 0; f < g[i].n; f++)
			assert(g[i].fe[f].n <= SVC_MAX_BACKENDS);
	}
	if (g && svc_plan_make(p, g, names.n, &plan, &problems) == 0) {
		svc_plan_commit(p, plan);
		svc_plan_free(p, plan);
	}
	for (size_t i = 0; g && i < names.n; i++)
		svc_group_free(&g[i]);
	free(g);
out:
	svc_programmed_free(p);
	svc_store_free(s);
	svc_objects_free(&objs);
	svc_names_free(&problems);
	svc_names_free(&touched);
	svc_names_free(&names);
	return 0;
}
