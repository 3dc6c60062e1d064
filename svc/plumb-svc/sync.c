// SPDX-License-Identifier: MIT
/* svc/plumb-svc/sync.c — one sync and its log line, for every source. */
#include "svc/plumb-svc/plumb-svc.h"

#include "common/log.h"

#include <time.h>

double svc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int svc_sync_and_log(struct svc_engine *e, const struct svc_names *touched, bool all, double t0,
		     const char *why)
{
	struct svc_names problems = {0};
	struct svc_sync_stats st = {0};
	struct plumb_err err = {0};
	int r;

	r = all ? svc_engine_sync_all(e, &problems, &st, &err)
		: svc_engine_sync(e, touched, &problems, &st, &err);
	if (r < 0 && !all) {
		/* The table changed under us (the engine re-read it): resync all. */
		log_warn("%s: %s; resyncing everything", why, plumb_err_msg(&err, r));
		plumb_err_clear(&err);
		r = svc_engine_sync_all(e, &problems, &st, &err);
	}
	for (size_t i = 0; i < problems.n; i++)
		log_warn("%s", problems.v[i]);
	if (r < 0)
		log_error("%s: %s", why, plumb_err_msg(&err, r));
	else
		log_info("%s: %zu service%s, +%zu -%zu elements, %.3f ms", why, st.services,
			 st.services == 1 ? "" : "s", st.added, st.deleted, svc_now_ms() - t0);
	svc_names_free(&problems);
	return r;
}
