/* SPDX-License-Identifier: MIT */
/*
 * common/err.h — errors that carry a human message up to the edge.
 *
 * Every plumb function returns 0 (or a count) on success and a negative errno on
 * failure. A `struct plumb_err *err` last parameter carries the message that names
 * the object and what was wrong; the edge (netctl, a CNI plugin, a daemon) prints
 * it once. `err` may be NULL everywhere: the code still comes back.
 */
#ifndef PLUMB_COMMON_ERR_H
#define PLUMB_COMMON_ERR_H

#include <stddef.h>

#define PLUMB_ERR_MSG_MAX 1024

struct plumb_err {
	int code; /* positive errno, 0 when unset */
	char msg[PLUMB_ERR_MSG_MAX];
};

/* Record code and message; returns -abs(code) so an error site is one line:
 *   return plumb_err_set(err, EEXIST, "veth '%s' already exists", name); */
int plumb_err_set(struct plumb_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix context to the message already in err ("bridge 'cni0': <old>"), keeping
 * its code unless err is empty, in which case `code` is used. Returns -abs(code
 * in err). Use on the way up: `return plumb_err_wrap(err, r, "pod %s", id);` */
int plumb_err_wrap(struct plumb_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void plumb_err_clear(struct plumb_err *err);

/* The message, or strerror(code) when no message was set. Never NULL. */
const char *plumb_err_msg(const struct plumb_err *err, int code);

#endif
