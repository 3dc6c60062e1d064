// SPDX-License-Identifier: MIT
/*
 * svc/plumb-svc/dir.c — the directory source: every "*.json" file holds one
 * object or a List, as `kubectl get -o json` prints them. inotify tells which
 * file changed; only that file is read again. Editors' temporary and hidden
 * files are ignored.
 */
#include "svc/plumb-svc/plumb-svc.h"

#include "common/cleanup.h"
#include "common/file.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define SVC_FILE_MAX (64u << 20)

struct svc_dir {
	char *path;
	int fd;
};

int svc_source_update(struct svc_store *s, const char *source, const char *text, size_t len,
		      struct svc_names *touched)
{
	struct svc_objects objs = {0};
	struct svc_names problems = {0};
	struct plumb_err err = {0};
	int r;

	r = svc_reader_parse(text, len, source, &objs, &problems, &err);
	for (size_t i = 0; i < problems.n; i++)
		log_warn("%s", problems.v[i]);
	svc_names_free(&problems);
	if (r < 0) {
		log_warn("%s (keeping what it held before)", plumb_err_msg(&err, r));
		return 0;
	}
	r = svc_store_replace(s, source, &objs, touched);
	svc_objects_free(&objs);
	return r;
}

static bool wanted(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".json");
}

static int read_one(struct svc_dir *d, struct svc_store *s, const char *name,
		    struct svc_names *touched)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	struct plumb_err err = {0};
	struct svc_objects none = {0};
	long len;

	if (asprintf(&path, "%s/%s", d->path, name) < 0)
		return -ENOMEM;
	len = plumb_file_read(path, SVC_FILE_MAX, &text, &err);
	if (len == -ENOENT)
		return svc_store_replace(s, name, &none, touched); /* gone: forget it */
	if (len < 0) {
		log_warn("%s", plumb_err_msg(&err, (int)len));
		return 0;
	}
	return svc_source_update(s, name, text, (size_t)len, touched);
}

int svc_dir_open(const char *dir, struct svc_dir **ret, struct plumb_err *err)
{
	struct svc_dir *d = calloc(1, sizeof(*d));

	if (!d || !(d->path = strdup(dir))) {
		free(d);
		return plumb_err_set(err, ENOMEM, "out of memory");
	}
	d->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->fd < 0 ||
	    inotify_add_watch(d->fd, dir,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
				      IN_ONLYDIR) < 0) {
		int e = errno;

		svc_dir_close(d);
		return plumb_err_set(err, e, "watching directory '%s': %s", dir, strerror(e));
	}
	*ret = d;
	return 0;
}

void svc_dir_close(struct svc_dir *d)
{
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	free(d->path);
	free(d);
}

int svc_dir_fd(const struct svc_dir *d)
{
	return d->fd;
}

int svc_dir_load_all(struct svc_dir *d, struct svc_store *s, struct svc_names *touched,
		     struct plumb_err *err)
{
	_cleanup_closedir_ DIR *dir = opendir(d->path);
	struct svc_names seen = {0};
	const char **sources = NULL;
	struct dirent *de;
	size_t n = 0;
	int r = 0;

	if (!dir)
		return plumb_err_set(err, errno, "reading directory '%s': %s", d->path,
				     strerror(errno));
	while (r >= 0 && (de = readdir(dir)))
		if (wanted(de->d_name)) {
			r = svc_names_add(&seen, de->d_name);
			if (r >= 0)
				r = read_one(d, s, de->d_name, touched);
		}
	/* Files that went away while we were not looking. */
	if (r >= 0)
		r = svc_store_sources(s, &sources, &n);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct svc_objects none = {0};

		/* Adding succeeds only for a source no file was seen for. */
		if (svc_names_add(&seen, sources[i]) > 0) {
			char *copy = strdup(sources[i]);

			r = copy ? svc_store_replace(s, copy, &none, touched) : -ENOMEM;
			free(copy);
		}
	}
	free(sources);
	svc_names_free(&seen);
	return r < 0 ? plumb_err_set(err, -r, "loading '%s': %s", d->path, strerror(-r)) : 0;
}

int svc_dir_read_events(struct svc_dir *d, struct svc_store *s, struct svc_names *touched,
			struct plumb_err *err)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct svc_names names = {0};
	int r = 0;

	for (;;) {
		ssize_t n = read(d->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			if (ev->mask & IN_Q_OVERFLOW)
				r = 1; /* lost events: the caller reloads everything */
			else if (ev->len && wanted(ev->name) && svc_names_add(&names, ev->name) < 0)
				r = -ENOMEM;
			p += sizeof(*ev) + ev->len;
		}
	}
	/* Each changed file once, however many events it had. */
	for (size_t i = 0; r >= 0 && i < names.n; i++)
		r = read_one(d, s, names.v[i], touched);
	svc_names_free(&names);
	return r < 0 ? plumb_err_set(err, -r, "reading '%s': %s", d->path, strerror(-r)) : r;
}
