/* SPDX-License-Identifier: MIT */
/*
 * svc/plumb-svc/plumb-svc.h — the daemon's pieces: sources of objects feed the
 * store; the main loop syncs the services they touched.
 */
#ifndef PLUMB_SVC_DAEMON_H
#define PLUMB_SVC_DAEMON_H

#include "common/err.h"
#include <stdbool.h>
#include "svc/svc.h"

/* ---- directory source: one object (or List) per *.json file, inotify ---- */

struct svc_dir;

/* Watch dir (inotify); nothing is read yet. */
int svc_dir_open(const char *dir, struct svc_dir **ret, struct plumb_err *err);
void svc_dir_close(struct svc_dir *d);
int svc_dir_fd(const struct svc_dir *d);
/* Read every file into the store (and forget sources whose file is gone):
 * the start and SIGHUP. Touched service names go to touched. */
int svc_dir_load_all(struct svc_dir *d, struct svc_store *s, struct svc_names *touched,
		     struct plumb_err *err);
/* Drain pending inotify events and re-read the files they name. */
int svc_dir_read_events(struct svc_dir *d, struct svc_store *s, struct svc_names *touched,
			struct plumb_err *err);

/* Parse one source's text into the store. On a JSON syntax error the source's
 * previous objects stay (a half-written file must not remove services). Bad
 * objects are logged by name and field. */
int svc_source_update(struct svc_store *s, const char *source, const char *text, size_t len,
		      struct svc_names *touched);

/* ---- syncing (sync.c) ---- */

/* CLOCK_MONOTONIC in milliseconds, for the log's timings. */
double svc_now_ms(void);
/* Program the touched services (all of them when all is set; all of them too
 * if the table changed under the engine) and log one line: the count, the
 * elements added and deleted, and the time since t0. */
int svc_sync_and_log(struct svc_engine *e, const struct svc_names *touched, bool all, double t0,
		     const char *why);

/* ---- etcd source: every key under prefix holds an object or a List ---- */

/* List, sync, watch until SIGTERM/SIGINT (0) or a local failure (-errno).
 * urls: "http://a:2379,http://b:2379". */
int svc_run_etcd(struct svc_engine *e, const char *urls, const char *prefix, int sfd);

#endif
