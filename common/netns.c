// SPDX-License-Identifier: MIT
#include "common/netns.h"

#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int netns_name_check(const char *name, struct plumb_err *err)
{
	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strlen(name) > 200)
		return plumb_err_set(err, EINVAL, "invalid namespace name '%s'", name ? name : "");
	return 0;
}

static int ns_path(const char *spec, char *buf, size_t len, struct plumb_err *err)
{
	if (!spec || !*spec)
		return plumb_err_set(err, EINVAL, "empty namespace name");
	if (!strncmp(spec, "pid:", 4)) {
		char *end;
		long pid = strtol(spec + 4, &end, 10);

		if (*end || pid <= 0)
			return plumb_err_set(err, EINVAL, "invalid namespace '%s'", spec);
		snprintf(buf, len, "/proc/%ld/ns/net", pid);
		return 0;
	}
	if (strchr(spec, '/')) {
		snprintf(buf, len, "%s", spec);
		return 0;
	}
	if (netns_name_check(spec, err) < 0)
		return -EINVAL;
	snprintf(buf, len, NETNS_RUN_DIR "/%s", spec);
	return 0;
}

int netns_open(const char *spec, struct plumb_err *err)
{
	char path[4096];
	int fd, r;

	r = ns_path(spec, path, sizeof(path), err);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = errno;
		if (r == ENOENT)
			return plumb_err_set(err, r, "network namespace '%s' does not exist", spec);
		return plumb_err_set(err, r, "cannot open network namespace '%s': %s", spec,
				     strerror(r));
	}
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		/* A plain file (say /run/netns/x left by a crash) or another ns type. */
		close(fd);
		return plumb_err_set(err, EINVAL, "'%s' is not a network namespace", spec);
	}
	return fd;
}

int netns_open_self(struct plumb_err *err)
{
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return plumb_err_set(err, errno, "cannot open own network namespace: %s",
				     strerror(errno));
	return fd;
}

int netns_run(int nsfd, netns_fn fn, void *arg, struct plumb_err *err)
{
	_cleanup_close_ int home = -1;
	int r;

	if (nsfd < 0)
		return fn(arg, err);
	home = netns_open_self(err);
	if (home < 0)
		return home;
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return plumb_err_set(err, errno, "cannot enter network namespace: %s",
				     strerror(errno));
	r = fn(arg, err);
	if (setns(home, CLONE_NEWNET) < 0) {
		fprintf(stderr, "plumb: cannot return to the original network namespace: %s\n",
			strerror(errno));
		abort();
	}
	return r;
}

struct socket_args {
	int domain, type, protocol;
};

static int socket_here(void *arg, struct plumb_err *err)
{
	struct socket_args *a = arg;
	int fd = socket(a->domain, a->type | SOCK_CLOEXEC, a->protocol);

	if (fd < 0)
		return plumb_err_set(err, errno, "socket: %s", strerror(errno));
	return fd;
}

int netns_socket(int nsfd, int domain, int type, int protocol, struct plumb_err *err)
{
	struct socket_args a = {domain, type, protocol};

	return netns_run(nsfd, socket_here, &a, err);
}

/* /run/netns must be a shared mount point so bind mounts made in it show up in
 * every mount namespace (the same thing `ip netns add` does). */
static int prepare_run_dir(struct plumb_err *err)
{
	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return plumb_err_set(err, errno, "mkdir %s: %s", NETNS_RUN_DIR, strerror(errno));
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return plumb_err_set(err, errno, "mount --make-shared %s: %s", NETNS_RUN_DIR,
				     strerror(errno));
	/* Not a mount point yet: bind it onto itself, then make it shared. */
	if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0 ||
	    mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return plumb_err_set(err, errno, "mount --bind %s: %s", NETNS_RUN_DIR,
				     strerror(errno));
	return 0;
}

static int bind_new_netns(void *arg, struct plumb_err *err)
{
	const char *path = arg;

	if (unshare(CLONE_NEWNET) < 0)
		return plumb_err_set(err, errno, "unshare(CLONE_NEWNET): %s", strerror(errno));
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
		return plumb_err_set(err, errno, "bind mount %s: %s", path, strerror(errno));
	return 0;
}

int netns_create(const char *name, struct plumb_err *err)
{
	_cleanup_close_ int self = -1;
	char path[4096];
	int fd, r;

	r = netns_name_check(name, err);
	if (r < 0)
		return r;
	r = prepare_run_dir(err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == EEXIST)
			return plumb_err_set(err, EEXIST, "network namespace '%s' already exists",
					     name);
		return plumb_err_set(err, errno, "create %s: %s", path, strerror(errno));
	}
	close(fd);
	self = netns_open_self(err);
	if (self < 0) {
		unlink(path);
		return self;
	}
	/* netns_run's "there and back" with self as the way home: unshare moves the
	 * thread into the new namespace, and netns_run brings it back. */
	r = netns_run(self, bind_new_netns, path, err);
	if (r < 0) {
		umount2(path, MNT_DETACH);
		unlink(path);
		return plumb_err_wrap(err, r, "network namespace '%s'", name);
	}
	return 0;
}

int netns_delete(const char *name, struct plumb_err *err)
{
	char path[4096];
	int r;

	r = netns_name_check(name, err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	if (access(path, F_OK) < 0)
		return plumb_err_set(err, ENOENT, "network namespace '%s' does not exist", name);
	umount2(path, MNT_DETACH);
	if (unlink(path) < 0)
		return plumb_err_set(err, errno, "remove %s: %s", path, strerror(errno));
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void netns_list_free(char **names)
{
	if (!names)
		return;
	for (char **p = names; *p; p++)
		free(*p);
	free(names);
}

int netns_list(char ***names, struct plumb_err *err)
{
	_cleanup_closedir_ DIR *d = opendir(NETNS_RUN_DIR);
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (!d) {
		if (errno != ENOENT)
			return plumb_err_set(err, errno, "%s: %s", NETNS_RUN_DIR, strerror(errno));
		v = calloc(1, sizeof(*v));
		if (!v)
			return plumb_err_set(err, ENOMEM, "out of memory");
		*names = v;
		return 0;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n + 2 > cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv)
				goto oom;
			v = nv;
		}
		if (!(v[n] = strdup(de->d_name)))
			goto oom;
		v[++n] = NULL;
	}
	if (!v && !(v = calloc(1, sizeof(*v))))
		goto oom;
	qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	return (int)n;
oom:
	netns_list_free(v);
	return plumb_err_set(err, ENOMEM, "out of memory");
}
