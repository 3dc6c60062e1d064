// SPDX-License-Identifier: MIT
/*
 * svc/plumb-svc/etcd.c — the etcd source: every key under the prefix holds one
 * object or a List (the key is the source name). List the prefix, sync, then
 * watch from the next revision; a broken stream reconnects by itself (common/
 * etcd), a compacted revision or SIGHUP lists everything again.
 */
#include "svc/plumb-svc/plumb-svc.h"

#include "common/etcd.h"
#include "common/log.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct etcd_src {
	struct svc_engine *e;
	struct etcd_client *client;
	const char *prefix;
	char end[512];
	struct etcd_watch *watch;
	struct svc_names touched;
	bool relist;
};

static int on_watch(void *arg, const struct etcd_watch_update *u)
{
	struct etcd_src *s = arg;
	struct svc_store *store = svc_engine_store(s->e);

	if (u->err == -ERANGE) {
		log_warn("etcd: revision compacted away; listing %s again", s->prefix);
		s->relist = true;
		return 1;
	}
	if (u->err < 0) {
		log_warn("etcd: watch: %s (reconnecting)", u->msg ? u->msg : strerror(-u->err));
		return 0;
	}
	for (size_t i = 0; i < u->n; i++) {
		const struct etcd_event *ev = &u->events[i];
		struct svc_objects none = {0};
		int r;

		if (ev->type == ETCD_EVENT_PUT)
			r = svc_source_update(store, ev->kv.key, ev->kv.value, ev->kv.value_len,
					      &s->touched);
		else
			r = svc_store_replace(store, ev->kv.key, &none, &s->touched);
		if (r < 0)
			return r;
	}
	return 0;
}

/* List the prefix into the store (sources gone from etcd are forgotten) and
 * start watching right after the listed revision. */
static int relist(struct etcd_src *s, struct plumb_err *err)
{
	struct svc_store *store = svc_engine_store(s->e);
	struct etcd_kvs kvs = {0};
	struct svc_names seen = {0};
	const char **sources = NULL;
	size_t n = 0;
	int r;

	etcd_watch_free(s->watch);
	s->watch = NULL;
	r = etcd_range(s->client, s->prefix, s->end, 0, &kvs, err);
	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < kvs.n; i++) {
		r = svc_names_add(&seen, kvs.kv[i].key);
		if (r >= 0)
			r = svc_source_update(store, kvs.kv[i].key, kvs.kv[i].value,
					      kvs.kv[i].value_len, &s->touched);
	}
	if (r >= 0)
		r = svc_store_sources(store, &sources, &n);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct svc_objects none = {0};

		if (svc_names_add(&seen, sources[i]) > 0) { /* not in etcd any more */
			char *copy = strdup(sources[i]);

			r = copy ? svc_store_replace(store, copy, &none, &s->touched) : -ENOMEM;
			free(copy);
		}
	}
	free(sources);
	svc_names_free(&seen);
	if (r >= 0)
		r = etcd_watch_new(s->client, s->prefix, s->end, kvs.revision + 1, on_watch, s,
				   &s->watch, err);
	else
		r = plumb_err_set(err, -r, "etcd: loading %s: %s", s->prefix, strerror(-r));
	etcd_kvs_free(&kvs);
	s->relist = false;
	return r;
}

static void sync_touched(struct etcd_src *s, bool all, double t0, const char *why)
{
	svc_sync_and_log(s->e, &s->touched, all, t0, why);
	svc_names_free(&s->touched);
}

static int etcd_loop(struct etcd_src *s, int sfd)
{
	struct plumb_err err = {0};
	double t0 = svc_now_ms();
	int r;

	for (;;) {
		struct pollfd p[2] = {{etcd_watch_fd(s->watch), POLLIN, 0}, {sfd, POLLIN, 0}};
		struct signalfd_siginfo si;
		bool hup = false;

		if (poll(p, 2, etcd_watch_timeout_ms(s->watch)) < 0 && errno != EINTR)
			return -errno;
		if (p[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGHUP) {
				log_info("signal %u: exiting, rules stay in place", si.ssi_signo);
				return 0;
			}
			hup = true;
		}
		t0 = svc_now_ms();
		r = etcd_watch_dispatch(s->watch, &err);
		if (r < 0)
			log_warn("etcd: %s", plumb_err_msg(&err, r));
		if (hup || s->relist) {
			if (hup && (r = svc_engine_reload(s->e, &err)) < 0)
				log_error("SIGHUP: %s", plumb_err_msg(&err, r));
			while ((r = relist(s, &err)) < 0) {
				struct pollfd ps = {sfd, POLLIN, 0};

				log_error("%s (retrying in 1 s)", plumb_err_msg(&err, r));
				if (poll(&ps, 1, 1000) > 0 && read(sfd, &si, sizeof(si)) == sizeof(si) &&
				    si.ssi_signo != SIGHUP)
					return 0;
			}
			sync_touched(s, true, t0, hup ? "SIGHUP resync" : "relist");
		} else if (s->touched.n) {
			sync_touched(s, false, t0, "change");
		}
	}
}

int svc_run_etcd(struct svc_engine *e, const char *urls, const char *prefix, int sfd)
{
	struct etcd_config cfg = {0};
	struct etcd_src s = {.e = e, .prefix = prefix};
	struct plumb_err err = {0};
	double t0 = svc_now_ms();
	char *buf = strdup(urls);
	int r;

	if (!buf)
		return -ENOMEM;
	r = etcd_config_endpoints(&cfg, buf, &err);
	if (r >= 0 && !etcd_prefix_end(prefix, s.end, sizeof(s.end)))
		r = plumb_err_set(&err, EINVAL, "etcd prefix '%s' is too long", prefix);
	if (r >= 0)
		r = etcd_client_new(&cfg, &s.client, &err);
	if (r >= 0)
		r = relist(&s, &err);
	if (r < 0) {
		log_error("%s", plumb_err_msg(&err, r));
	} else {
		sync_touched(&s, true, t0, "initial sync");
		r = etcd_loop(&s, sfd);
	}
	svc_names_free(&s.touched);
	etcd_watch_free(s.watch);
	etcd_client_free(s.client);
	free(buf);
	return r;
}
