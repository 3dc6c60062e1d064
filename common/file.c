// SPDX-License-Identifier: MIT
#include "common/file.h"

#include "common/mem.h"

#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int plumb_file_write_atomic(const char *path, const void *data, size_t len, int mode,
			    struct plumb_err *err)
{
	_cleanup_free_ char *tmp = NULL, *dircopy = NULL;
	_cleanup_close_ int fd = -1, dfd = -1;
	int r;

	if (asprintf(&tmp, "%s.tmp.%d", path, getpid()) < 0 || !(dircopy = strdup(path)))
		return plumb_err_set(err, ENOMEM, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return plumb_err_set(err, errno, "create %s: %s", tmp, strerror(errno));
	r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return plumb_err_set(err, -r, "write %s: %s", path, strerror(-r));
	}
	dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	return 0;
}

long plumb_file_read(const char *path, size_t max, char **out, struct plumb_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 4096;
	struct stat st;

	if (fd < 0)
		return plumb_err_set(err, errno, "%s: %s", path, strerror(errno));
	/* A regular file's size is known: one buffer, faulted in at once (a
	 * 12 MB service list took ~3k page faults by doubling). */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (size_t)st.st_size <= max)
		cap = (size_t)st.st_size + 2; /* +1 for the NUL, +1 to see EOF */
	buf = malloc(cap);
	if (!buf)
		return plumb_err_set(err, ENOMEM, "out of memory");
	plumb_mem_populate(buf, cap);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *nb;

			if (cap > max + 1)
				return plumb_err_set(err, EFBIG, "%s: larger than %zu bytes", path,
						     max);
			nb = realloc(buf, cap *= 2);
			if (!nb)
				return plumb_err_set(err, ENOMEM, "out of memory");
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return plumb_err_set(err, errno, "read %s: %s", path, strerror(errno));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max)
		return plumb_err_set(err, EFBIG, "%s: larger than %zu bytes", path, max);
	buf[len] = '\0';
	*out = TAKE_PTR(buf);
	return (long)len;
}

int plumb_mkdir_p(const char *path, int mode, struct plumb_err *err)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return plumb_err_set(err, EINVAL, "invalid directory '%s'", path);
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
			return plumb_err_set(err, errno, "mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
		return plumb_err_set(err, errno, "mkdir %s: %s", buf, strerror(errno));
	return 0;
}

static void sysctl_path(const char *key, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "/proc/sys/");

	for (const char *k = key; *k && n + 1 < len; k++)
		buf[n++] = *k == '.' ? '/' : *k;
	buf[n] = '\0';
}

int plumb_sysctl_write(const char *key, const char *value, struct plumb_err *err)
{
	char path[512];
	_cleanup_close_ int fd = -1;
	int r;

	sysctl_path(key, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return plumb_err_set(err, errno, "sysctl %s: %s", key, strerror(errno));
	r = write_all(fd, value, strlen(value));
	if (r < 0)
		return plumb_err_set(err, -r, "sysctl %s=%s: %s", key, value, strerror(-r));
	return 0;
}

int plumb_sysctl_read(const char *key, char *buf, size_t len, struct plumb_err *err)
{
	char path[512];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	sysctl_path(key, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return plumb_err_set(err, errno, "sysctl %s: %s", key, strerror(errno));
	n = read(fd, buf, len - 1);
	if (n < 0)
		return plumb_err_set(err, errno, "sysctl %s: %s", key, strerror(errno));
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}
