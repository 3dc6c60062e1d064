// SPDX-License-Identifier: MIT
/* ipam/gc.c — list and garbage-collect a network's reservations. */
#include "ipam/internal.h"

#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static DIR *open_dir_at(int dfd, const char *path)
{
	int fd = openat(dfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

/* Split a reservation's content into id and ifname (host-local's format, or
 * the old one with only the id). */
static void parse_owner(int dfd, const char *name, struct ipam_lease *l)
{
	char buf[1024];
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	char *sep, *s, *e;

	l->id[0] = l->ifname[0] = '\0';
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (s = buf; *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'; s++)
		;
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\r' ||
					  e[-1] == '\t');)
		*--e = '\0';
	sep = strstr(s, "\r\n");
	if (sep) {
		*sep = '\0';
		snprintf(l->ifname, sizeof(l->ifname), "%s", sep + 2);
	}
	snprintf(l->id, sizeof(l->id), "%s", s);
}

static int lease_cmp(const void *a, const void *b)
{
	return plumb_ip_cmp(&((const struct ipam_lease *)a)->ip, &((const struct ipam_lease *)b)->ip);
}

static int list_dir(DIR *d, struct ipam_lease **out, size_t *n, struct plumb_err *err)
{
	_cleanup_free_ struct ipam_lease *v = NULL;
	size_t cap = 0, k = 0;
	struct dirent *de;

	while ((de = readdir(d))) {
		struct plumb_ip ip;

		if (plumb_ip_parse(de->d_name, &ip) < 0)
			continue;
		if (k == cap) {
			struct ipam_lease *nv = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));

			if (!nv)
				return plumb_err_set(err, ENOMEM, "out of memory");
			v = nv;
		}
		v[k].ip = ip;
		parse_owner(dirfd(d), de->d_name, &v[k]);
		k++;
	}
	if (k)
		qsort(v, k, sizeof(*v), lease_cmp);
	*out = TAKE_PTR(v);
	*n = k;
	return 0;
}

int ipam_lease_list(const char *data_dir, const char *network, struct ipam_lease **out,
		    size_t *n, struct plumb_err *err)
{
	char dir[PATH_MAX];
	_cleanup_closedir_ DIR *d = NULL;

	*out = NULL;
	*n = 0;
	if (!data_dir || !data_dir[0])
		data_dir = IPAM_DEFAULT_DATA_DIR;
	snprintf(dir, sizeof(dir), "%s/%s", data_dir, network);
	/* No lock: reservations appear complete (link) so a reader sees whole ones. */
	d = open_dir_at(AT_FDCWD, dir);
	if (!d)
		return errno == ENOENT ? 0 : plumb_err_set(err, errno, "ipam: %s: %s", dir, strerror(errno));
	return list_dir(d, out, n, err);
}

static bool is_valid(const struct ipam_lease *l, const struct ipam_attachment *valid, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t idlen = strlen(valid[i].id);

		/* valid ids are compared trimmed, as they were written */
		while (idlen && valid[i].id[idlen - 1] == ' ')
			idlen--;
		if (strlen(l->id) != idlen || strncmp(l->id, valid[i].id, idlen))
			continue;
		if (!l->ifname[0] || !strcmp(l->ifname, valid[i].ifname))
			return true;
	}
	return false;
}

/* Drop index entries ("<id>:<ifname>") of attachments that are not valid, and
 * leftover temp files there. */
static void gc_index(struct ipam_store *st, const struct ipam_attachment *valid, size_t n)
{
	_cleanup_closedir_ DIR *d = open_dir_at(AT_FDCWD, st->idxdir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		struct ipam_lease l = {0};
		char *sep;

		if (de->d_type == DT_DIR)
			continue;
		if (de->d_name[0] != '.' && (sep = strchr(de->d_name, ':'))) {
			snprintf(l.id, sizeof(l.id), "%.*s", (int)(sep - de->d_name), de->d_name);
			snprintf(l.ifname, sizeof(l.ifname), "%s", sep + 1);
			if (l.ifname[0] && is_valid(&l, valid, n))
				continue;
		}
		unlinkat(dirfd(d), de->d_name, 0);
	}
}

int ipam_lease_gc(const char *data_dir, const char *network, const struct ipam_attachment *valid,
		  size_t n_valid, struct plumb_err *err)
{
	_cleanup_free_ struct ipam_lease *v = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct ipam_store st;
	struct stat sb;
	size_t n = 0;
	int r, removed = 0;

	if (!data_dir || !data_dir[0])
		data_dir = IPAM_DEFAULT_DATA_DIR;
	{
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s/%s", data_dir, network);
		if (stat(dir, &sb) < 0)
			return errno == ENOENT ? 0 : plumb_err_set(err, errno, "ipam: %s: %s", dir, strerror(errno));
	}
	r = ipam_store_open(data_dir, network, &st, err);
	if (r < 0)
		return r;
	d = open_dir_at(st.dirfd, ".");
	r = d ? list_dir(d, &v, &n, err) : plumb_err_set(err, errno, "ipam: %s: %s", st.dir, strerror(errno));
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (is_valid(&v[i], valid, n_valid))
			continue;
		r = ipam_store_remove(&st, &v[i].ip, err);
		removed += r == 0;
	}
	if (r == 0) {
		/* leftovers of writes interrupted by a crash */
		unlinkat(st.dirfd, ".plumb-stage", 0);
		gc_index(&st, valid, n_valid);
	}
	ipam_store_close(&st);
	return r < 0 ? r : removed;
}
