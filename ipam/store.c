// SPDX-License-Identifier: MIT
/* ipam/store.c — the reservation files of one network, in host-local's format.
 *
 * <dir>/<ip> holds "<id>\r\n<ifname>"; it is created by link(2) from a staged
 * temp file: link fails with EEXIST when the name is taken (the same exclusive
 * create host-local gets from O_CREAT|O_EXCL) but, unlike open+write, the name
 * never exists with partial content, even after kill -9. Every caller holds
 * the network's `lock` (flock), the same lock host-local takes. */
#include "ipam/internal.h"

#include "common/cleanup.h"
#include "common/file.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAGE_NAME ".plumb-stage"
#define LAST_PREFIX "last_reserved_ip."
#define OWNER_MAX 1024

const char *ipam_ip_name(const struct plumb_ip *ip, char *buf, size_t len)
{
	unsigned w[8];
	int best = -1, best_len = 0;
	size_t off = 0;

	if (ip->family != AF_INET6)
		return plumb_ip_str(ip, buf, len);
	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)ip->a[2 * i] << 8 | ip->a[2 * i + 1];
	/* RFC 5952 as Go does it: the longest run of >= 2 zero groups, first wins. */
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && w[j] == 0)
			j++;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	buf[0] = '\0';
	for (int i = 0; i < 8 && off < len; i++) {
		if (i == best) {
			off += (size_t)snprintf(buf + off, len - off, "::");
			i += best_len - 1;
			continue;
		}
		off += (size_t)snprintf(buf + off, len - off, "%s%x",
					(i && i != best + best_len) ? ":" : "", w[i]);
	}
	return buf;
}

static const char *trim(const char *s, size_t *len)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	*len = n;
	return s;
}

int ipam_owner_format(const char *id, const char *ifname, char *buf, size_t len)
{
	size_t n;
	const char *t = trim(id, &n);
	int w = ifname ? snprintf(buf, len, "%.*s\r\n%s", (int)n, t, ifname)
		       : snprintf(buf, len, "%.*s", (int)n, t);

	return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : w;
}

int ipam_store_open(const char *data_dir, const char *network, struct ipam_store *st,
		    struct plumb_err *err)
{
	char lock[PATH_MAX + 8];
	int r;

	if (!data_dir || !data_dir[0])
		data_dir = IPAM_DEFAULT_DATA_DIR;
	*st = (struct ipam_store){.dirfd = -1, .lockfd = -1, .idxfd = -1};
	if ((size_t)snprintf(st->dir, sizeof(st->dir), "%s/%s", data_dir, network) >= sizeof(st->dir) ||
	    (size_t)snprintf(st->idxdir, sizeof(st->idxdir), "%s/.plumb-index/%s", data_dir,
			     network) >= sizeof(st->idxdir))
		return plumb_err_set(err, ENAMETOOLONG, "ipam: data dir path too long");
	snprintf(lock, sizeof(lock), "%s/lock", st->dir);
	/* host-local's lock file: created 0750, flock(LOCK_EX) on it. */
	st->lockfd = open(lock, O_RDONLY | O_CREAT | O_CLOEXEC, 0750);
	if (st->lockfd < 0 && errno == ENOENT) {
		r = plumb_mkdir_p(st->dir, 0755, err);
		if (r < 0)
			return r;
		st->lockfd = open(lock, O_RDONLY | O_CREAT | O_CLOEXEC, 0750);
	}
	if (st->lockfd < 0)
		return plumb_err_set(err, errno, "ipam: open %s: %s", lock, strerror(errno));
	while (flock(st->lockfd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			r = plumb_err_set(err, errno, "ipam: lock %s: %s", lock, strerror(errno));
			ipam_store_close(st);
			return r;
		}
	}
	st->dirfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dirfd < 0) {
		r = plumb_err_set(err, errno, "ipam: open %s: %s", st->dir, strerror(errno));
		ipam_store_close(st);
		return r;
	}
	return 0;
}

void ipam_store_close(struct ipam_store *st)
{
	if (st->idxfd >= 0)
		close(st->idxfd);
	if (st->dirfd >= 0)
		close(st->dirfd);
	if (st->lockfd >= 0)
		close(st->lockfd); /* drops the flock */
	st->idxfd = st->dirfd = st->lockfd = -1;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ipam_store_stage(struct ipam_store *st, const char *id, const char *ifname,
		     struct plumb_err *err)
{
	char owner[OWNER_MAX];
	_cleanup_close_ int fd = -1;
	int n = ipam_owner_format(id, ifname, owner, sizeof(owner)), r;

	if (n < 0)
		return plumb_err_set(err, -n, "ipam: container id or ifname too long");
	/* A leftover stage file may be hard-linked to a live reservation (kill -9
	 * between link and unlink): unlink it, never truncate it. */
	if (unlinkat(st->dirfd, STAGE_NAME, 0) < 0 && errno != ENOENT)
		return plumb_err_set(err, errno, "ipam: %s/%s: %s", st->dir, STAGE_NAME,
				     strerror(errno));
	fd = openat(st->dirfd, STAGE_NAME, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return plumb_err_set(err, errno, "ipam: create %s/%s: %s", st->dir, STAGE_NAME,
				     strerror(errno));
	r = write_all(fd, owner, (size_t)n);
	if (r < 0) {
		unlinkat(st->dirfd, STAGE_NAME, 0);
		return plumb_err_set(err, -r, "ipam: write %s/%s: %s", st->dir, STAGE_NAME,
				     strerror(-r));
	}
	return 0;
}

int ipam_store_reserve(struct ipam_store *st, const struct plumb_ip *ip, struct plumb_err *err)
{
	char name[PLUMB_IP_STRLEN];

	ipam_ip_name(ip, name, sizeof(name));
	if (linkat(st->dirfd, STAGE_NAME, st->dirfd, name, 0) == 0)
		return 1;
	if (errno == EEXIST)
		return 0;
	return plumb_err_set(err, errno, "ipam: reserve %s/%s: %s", st->dir, name, strerror(errno));
}

void ipam_store_unstage(struct ipam_store *st)
{
	unlinkat(st->dirfd, STAGE_NAME, 0);
}

static long read_at(int dfd, const char *name, char *buf, size_t len)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t off = 0;

	if (fd < 0)
		return -errno;
	while (off + 1 < len) {
		ssize_t n = read(fd, buf + off, len - 1 - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	return (long)off;
}

int ipam_store_last_get(struct ipam_store *st, unsigned rangeset, struct plumb_ip *out)
{
	char name[32], buf[PLUMB_IP_STRLEN + 8], ipbuf[PLUMB_IP_STRLEN];
	const char *t;
	size_t n;
	long r;

	snprintf(name, sizeof(name), LAST_PREFIX "%u", rangeset);
	r = read_at(st->dirfd, name, buf, sizeof(buf));
	if (r < 0)
		return (int)r;
	t = trim(buf, &n);
	if (n >= sizeof(ipbuf))
		return -EINVAL;
	memcpy(ipbuf, t, n);
	ipbuf[n] = '\0';
	return plumb_ip_parse(ipbuf, out);
}

/* Written in place, not by rename: replacing a file by rename makes ext4 start
 * writeback of it (auto_da_alloc), which cost more than the rest of an ADD on a
 * loaded machine. The file is only a round-robin hint (host-local writes it in
 * place too): a torn write at worst moves where the next search starts. */
int ipam_store_last_set(struct ipam_store *st, unsigned rangeset, const struct plumb_ip *ip,
			struct plumb_err *err)
{
	char name[32], buf[PLUMB_IP_STRLEN];
	_cleanup_close_ int fd = -1;
	size_t len;

	snprintf(name, sizeof(name), LAST_PREFIX "%u", rangeset);
	ipam_ip_name(ip, buf, sizeof(buf));
	len = strlen(buf);
	fd = openat(st->dirfd, name, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || pwrite(fd, buf, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) < 0)
		return plumb_err_set(err, errno, "ipam: write %s/%s: %s", st->dir, name,
				     strerror(errno));
	return 0;
}

/* Compare a reservation's content with an owner string, as host-local does
 * (surrounding whitespace ignored). */
static int content_is(int dfd, const char *name, const char *want)
{
	char buf[OWNER_MAX];
	const char *t;
	size_t n;
	long r = read_at(dfd, name, buf, sizeof(buf));

	if (r < 0)
		return (int)r;
	t = trim(buf, &n);
	return n == strlen(want) && !memcmp(t, want, n);
}

int ipam_store_owned(struct ipam_store *st, const struct plumb_ip *ip, const char *id,
		     const char *ifname)
{
	char name[PLUMB_IP_STRLEN], owner[OWNER_MAX];

	if (ipam_owner_format(id, ifname, owner, sizeof(owner)) < 0)
		return 0;
	ipam_ip_name(ip, name, sizeof(name));
	return content_is(st->dirfd, name, owner) == 1;
}

int ipam_store_remove(struct ipam_store *st, const struct plumb_ip *ip, struct plumb_err *err)
{
	char name[PLUMB_IP_STRLEN];

	ipam_ip_name(ip, name, sizeof(name));
	if (unlinkat(st->dirfd, name, 0) < 0 && errno != ENOENT)
		return plumb_err_set(err, errno, "ipam: remove %s/%s: %s", st->dir, name,
				     strerror(errno));
	return 0;
}

int ipam_store_scan(struct ipam_store *st, const char *id, const char *ifname,
		    struct plumb_ip *out, size_t max, size_t *n)
{
	char owner[OWNER_MAX];
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd;

	*n = 0;
	if (ipam_owner_format(id, ifname, owner, sizeof(owner)) < 0)
		return 0;
	fd = openat(st->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((de = readdir(d)) && *n < max) {
		struct plumb_ip ip;

		if (plumb_ip_parse(de->d_name, &ip) < 0)
			continue;
		if (content_is(st->dirfd, de->d_name, owner) == 1)
			out[(*n)++] = ip;
	}
	return 0;
}

static int ip_cmp(const void *a, const void *b)
{
	return plumb_ip_cmp(a, b);
}

int ipam_store_taken(struct ipam_store *st, const struct ipam_rangeset *rs,
		     struct plumb_ip **out, size_t *n)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct plumb_ip *v = NULL;
	size_t cap = 0;
	struct dirent *de;
	int fd = openat(st->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	*n = 0;
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		struct plumb_ip ip;

		if (plumb_ip_parse(de->d_name, &ip) < 0 || !ipam_rangeset_find(rs, &ip))
			continue;
		if (*n == cap) {
			struct plumb_ip *nv = realloc(v, (cap = cap ? cap * 2 : 256) * sizeof(*v));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[(*n)++] = ip;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), ip_cmp);
	*out = v;
	return 0;
}

/* ---- the per-attachment index ---- */

static int index_name(const char *id, const char *ifname, char *buf, size_t len)
{
	size_t n;
	const char *t = trim(id, &n);
	int w;

	/* Names that cannot be a file name simply go unindexed (slow path). */
	if (!n || memchr(t, '/', n) || memchr(t, ':', n) || strchr(ifname, '/') ||
	    (n == 1 && t[0] == '.') || (n == 2 && t[0] == '.' && t[1] == '.'))
		return -EINVAL;
	w = snprintf(buf, len, "%.*s:%s", (int)n, t, ifname);
	return w < 0 || (size_t)w >= len || w > 255 ? -ENAMETOOLONG : 0;
}

static int index_open(struct ipam_store *st, bool create)
{
	if (st->idxfd >= 0)
		return 0;
	st->idxfd = open(st->idxdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->idxfd < 0 && errno == ENOENT && create) {
		if (plumb_mkdir_p(st->idxdir, 0755, NULL) < 0)
			return -errno;
		st->idxfd = open(st->idxdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	return st->idxfd < 0 ? -errno : 0;
}

int ipam_index_get(struct ipam_store *st, const char *id, const char *ifname,
		   struct plumb_ip *out, size_t max, size_t *n)
{
	char name[300], buf[IPAM_MAX_RANGESETS * (PLUMB_IP_STRLEN + 1) + 1];
	char *save = NULL;
	long r;

	*n = 0;
	if (index_name(id, ifname, name, sizeof(name)) < 0 || index_open(st, false) < 0)
		return 0;
	r = read_at(st->idxfd, name, buf, sizeof(buf));
	if (r < 0)
		return 0;
	for (char *line = strtok_r(buf, "\n", &save); line && *n < max;
	     line = strtok_r(NULL, "\n", &save))
		if (plumb_ip_parse(line, &out[*n]) == 0)
			(*n)++;
	return 0;
}

int ipam_index_put(struct ipam_store *st, const char *id, const char *ifname,
		   const struct plumb_ip *ips, size_t n)
{
	char name[300], buf[IPAM_MAX_RANGESETS * (PLUMB_IP_STRLEN + 1) + 1];
	size_t off = 0;
	int r;

	if (index_name(id, ifname, name, sizeof(name)) < 0)
		return 0;
	r = index_open(st, true);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && i < IPAM_MAX_RANGESETS; i++) {
		char s[PLUMB_IP_STRLEN];

		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s\n",
					ipam_ip_name(&ips[i], s, sizeof(s)));
	}
	/* In place: a torn entry cannot mislead, every entry is verified on use. */
	{
		_cleanup_close_ int fd = openat(st->idxfd, name,
						O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);

		if (fd < 0)
			return -errno;
		return write_all(fd, buf, off);
	}
}

void ipam_index_del(struct ipam_store *st, const char *id, const char *ifname)
{
	char name[300];

	if (index_name(id, ifname, name, sizeof(name)) < 0 || index_open(st, false) < 0)
		return;
	unlinkat(st->idxfd, name, 0);
}
