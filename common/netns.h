/* SPDX-License-Identifier: MIT */
/*
 * common/netns.h — network namespaces: open, create, delete, list, and do work
 * inside one without leaving the process there.
 *
 * Named namespaces live under /run/netns, compatible with `ip netns`. Work in a
 * namespace is done on the calling thread (setns there and back); a socket opened
 * inside keeps belonging to that namespace after the thread has come back.
 */
#ifndef PLUMB_COMMON_NETNS_H
#define PLUMB_COMMON_NETNS_H

#include "common/err.h"

#define NETNS_RUN_DIR "/run/netns"

/* Open a namespace given as a name ("pod1" -> /run/netns/pod1), a path
 * ("/proc/123/ns/net", "/var/run/netns/x"), or "pid:123". Returns an O_CLOEXEC
 * fd or -errno; the message names the namespace. */
int netns_open(const char *spec, struct plumb_err *err);
/* The calling thread's current namespace. */
int netns_open_self(struct plumb_err *err);

/* Run fn(arg, err) inside nsfd on the calling thread, then return to where the
 * thread was. Returns fn's result, or -errno when entering fails. If the thread
 * cannot come back the process aborts: carrying on in the wrong namespace would
 * silently change the wrong host. nsfd < 0 runs fn in place. */
typedef int (*netns_fn)(void *arg, struct plumb_err *err);
int netns_run(int nsfd, netns_fn fn, void *arg, struct plumb_err *err);

/* socket(2) created inside nsfd (nsfd < 0: here), SOCK_CLOEXEC always added. */
int netns_socket(int nsfd, int domain, int type, int protocol, struct plumb_err *err);

/* Create /run/netns/NAME (like `ip netns add`). -EEXIST if it exists. */
int netns_create(const char *name, struct plumb_err *err);
/* Remove /run/netns/NAME (like `ip netns del`). -ENOENT if unknown. */
int netns_delete(const char *name, struct plumb_err *err);
/* Is `name` a valid namespace name (no '/', not "." or "..", not empty)? */
int netns_name_check(const char *name, struct plumb_err *err);

/* Names under /run/netns, sorted; *names is NULL-terminated, free with
 * netns_list_free. Returns the count or -errno. */
int netns_list(char ***names, struct plumb_err *err);
void netns_list_free(char **names);

#endif
