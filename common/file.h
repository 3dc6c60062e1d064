/* SPDX-License-Identifier: MIT */
/*
 * common/file.h — small file helpers with crash-safe writes.
 */
#ifndef PLUMB_COMMON_FILE_H
#define PLUMB_COMMON_FILE_H

#include "common/err.h"

#include <stddef.h>

/* Write data to path so that, even after kill -9 or power loss at any point,
 * path is either its old content (or absent) or the complete new content:
 * a temp file in the same directory, fsync, rename, fsync of the directory. */
int plumb_file_write_atomic(const char *path, const void *data, size_t len, int mode,
			    struct plumb_err *err);

/* Read a whole file (at most max bytes) into a NUL-terminated malloc'd buffer.
 * Returns the length or -errno (-EFBIG past max). */
long plumb_file_read(const char *path, size_t max, char **out, struct plumb_err *err);

/* mkdir -p with mode. */
int plumb_mkdir_p(const char *path, int mode, struct plumb_err *err);

/* Write "value" to /proc/sys/<key with . as />, in the caller's namespace. */
int plumb_sysctl_write(const char *key, const char *value, struct plumb_err *err);
int plumb_sysctl_read(const char *key, char *buf, size_t len, struct plumb_err *err);

#endif
