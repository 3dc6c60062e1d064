// SPDX-License-Identifier: MIT
/* Client side of the plumb-dns control socket, and starting the daemon once
 * per node (netctl dns and the dnsname CNI plugin share this). */
#include "dns/dns.h"

#include "common/cleanup.h"
#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int wait_fd(int fd, short ev, long deadline)
{
	struct pollfd p = {.fd = fd, .events = ev};
	long left = deadline - now_ms();
	int r;

	if (left <= 0)
		return -ETIMEDOUT;
	r = poll(&p, 1, (int)left);
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

static int ctl_connect(const char *path, struct plumb_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return plumb_err_set(err, ENAMETOOLONG, "control socket path '%s' is too long",
				     path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return plumb_err_set(err, errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return plumb_err_set(err, errno, "plumb-dns control socket %s: %s", path,
				     strerror(errno));
	return TAKE_FD(fd);
}

static int send_all(int fd, const char *p, size_t n, long deadline)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EAGAIN) {
				int r = wait_fd(fd, POLLOUT, deadline);

				if (r < 0)
					return r;
				continue;
			}
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int dns_ctl_request(const char *sock_path, const char *line, char **reply, int timeout_ms,
		    struct plumb_err *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	long deadline = now_ms() + timeout_ms;
	int r;

	fd = ctl_connect(sock_path, err);
	if (fd < 0)
		return fd;
	if ((r = send_all(fd, line, strlen(line), deadline)) < 0 ||
	    (r = send_all(fd, "\n", 1, deadline)) < 0)
		return plumb_err_set(err, r, "plumb-dns control socket %s: send: %s", sock_path,
				     strerror(-r));
	for (;;) {
		ssize_t n;

		if (len + 4096 + 1 > cap) {
			char *nb;

			if (cap > (16u << 20))
				return plumb_err_set(err, EFBIG, "plumb-dns reply is too large");
			nb = realloc(buf, cap = cap ? cap * 2 : 8192);
			if (!nb)
				return plumb_err_set(err, ENOMEM, "out of memory");
			buf = nb;
		}
		r = wait_fd(fd, POLLIN, deadline);
		if (r < 0)
			return plumb_err_set(err, -r, "plumb-dns did not answer on %s: %s",
					     sock_path, strerror(-r));
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return plumb_err_set(err, errno, "plumb-dns control socket: %s",
					     strerror(errno));
		if (n == 0)
			return plumb_err_set(err, EPIPE, "plumb-dns closed the control socket "
							 "without an answer");
		len += (size_t)n;
		buf[len] = '\0';
		if (memchr(buf, '\n', len))
			break;
	}
	*strchr(buf, '\n') = '\0';
	*reply = TAKE_PTR(buf);
	return 0;
}

static int ping(const char *sock)
{
	char *reply = NULL;
	int r = dns_ctl_request(sock, "{\"cmd\":\"ping\"}", &reply, 2000, NULL);

	free(reply);
	return r;
}

/* Run the daemon; `plumb-dns --daemon` returns once it serves (or failed). */
static int spawn(const char *binary, const char *sock, char *const *extra,
		 struct plumb_err *err)
{
	const char *argv[48];
	size_t n = 0;
	int status;
	pid_t pid;

	argv[n++] = binary;
	argv[n++] = "--daemon";
	argv[n++] = "--control";
	argv[n++] = sock;
	for (size_t i = 0; extra && extra[i] && n < ARRAY_SIZE(argv) - 1; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	pid = fork();
	if (pid < 0)
		return plumb_err_set(err, errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		/* stdout may be a CNI result being written: keep the daemon off it */
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		execvp(binary, (char **)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return plumb_err_set(err, errno, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return plumb_err_set(err, EIO, "could not start %s (exit status %d)", binary,
				     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

int dns_daemon_ensure(const char *binary, const char *sock_path, const char *lock_path,
		      char *const *extra_args, struct plumb_err *err)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int lock = -1;
	int r;

	if (ping(sock_path) == 0)
		return 0;
	if (!(dir = strdup(lock_path)))
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = plumb_mkdir_p(dirname(dir), 0755, err);
	if (r < 0)
		return r;
	lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0)
		return plumb_err_set(err, errno, "%s: %s", lock_path, strerror(errno));
	/* Two concurrent first ADDs: the second waits here, then finds the
	 * daemon the first one started. */
	while (flock(lock, LOCK_EX) < 0)
		if (errno != EINTR)
			return plumb_err_set(err, errno, "flock %s: %s", lock_path,
					     strerror(errno));
	if (ping(sock_path) == 0)
		return 0;
	r = spawn(binary, sock_path, extra_args, err);
	if (r < 0)
		return r;
	return 1;
}
