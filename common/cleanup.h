/* SPDX-License-Identifier: MIT */
/*
 * common/cleanup.h — scope-bound cleanup, so error paths cannot leak.
 *
 *   _cleanup_free_ char *s = strdup(x);
 *   _cleanup_close_ int fd = open(...);
 *   return TAKE_PTR(s);   // hand ownership to the caller
 *
 * Library-specific helpers (libnl, jansson, libnftnl) live beside the code that
 * wraps those libraries, made with DEFINE_CLEANUP_FUNC.
 */
#ifndef PLUMB_COMMON_CLEANUP_H
#define PLUMB_COMMON_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

/* static inline void <func>p(type *p): calls func(*p) when *p is non-NULL. */
#define DEFINE_CLEANUP_FUNC(type, func)                                                            \
	static inline void func##p(type *p)                                                        \
	{                                                                                          \
		if (*p)                                                                            \
			func(*p);                                                                  \
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

DEFINE_CLEANUP_FUNC(FILE *, fclose)
DEFINE_CLEANUP_FUNC(DIR *, closedir)

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _ptr_ = (p);                                                         \
		(p) = NULL;                                                                        \
		_ptr_;                                                                             \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd_ = (fd);                                                                   \
		(fd) = -1;                                                                         \
		_fd_;                                                                              \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
