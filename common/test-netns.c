// SPDX-License-Identifier: MIT
/* Unit tests for common/netns: enter/leave, sockets inside, errors. Needs root
 * for the namespace parts (skipped, and reported as skipped, otherwise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
	char name[64];
	int fd;
};

static ino_t ns_inode(void)
{
	struct stat st;

	assert_int_equal(stat("/proc/thread-self/ns/net", &st), 0);
	return st.st_ino;
}

static int setup(void **state)
{
	static struct fixture f;
	struct plumb_err err = {0};

	if (geteuid() != 0)
		return 0;
	snprintf(f.name, sizeof(f.name), "plumb-unit-%d", getpid());
	if (netns_create(f.name, &err) < 0) {
		fprintf(stderr, "netns_create: %s\n", err.msg);
		return -1;
	}
	f.fd = netns_open(f.name, &err);
	if (f.fd < 0)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	close(f->fd);
	return netns_delete(f->name, NULL) < 0 ? -1 : 0;
}

static int report_inode(void *arg, struct plumb_err *err)
{
	*(ino_t *)arg = ns_inode();
	return 7;
}

static int fail_inside(void *arg, struct plumb_err *err)
{
	return plumb_err_set(err, EBUSY, "inside");
}

static void test_run_enters_and_returns(void **state)
{
	struct fixture *f = *state;
	ino_t home = ns_inode(), inside = 0;

	if (!f)
		skip();
	assert_int_equal(netns_run(f->fd, report_inode, &inside, NULL), 7);
	assert_int_not_equal(inside, home);
	assert_int_equal(ns_inode(), home);
	/* an error inside comes back, and so does the thread */
	assert_int_equal(netns_run(f->fd, fail_inside, NULL, NULL), -EBUSY);
	assert_int_equal(ns_inode(), home);
	/* nsfd < 0 runs in place */
	assert_int_equal(netns_run(-1, report_inode, &inside, NULL), 7);
	assert_int_equal(inside, home);
}

static void test_socket_belongs_inside(void **state)
{
	struct fixture *f = *state;
	_cleanup_close_ int s = -1;
	struct stat st_sock_ns;
	ino_t inside = 0;
	int nsfd;

	if (!f)
		skip();
	s = netns_socket(f->fd, AF_INET, SOCK_DGRAM, 0, NULL);
	assert_true(s >= 0);
	assert_true(fcntl(s, F_GETFD) & FD_CLOEXEC);
	/* SIOCGSKNS would name the socket's namespace; compare via its inode */
	nsfd = ioctl(s, 0x894C /* SIOCGSKNS */);
	assert_true(nsfd >= 0);
	assert_int_equal(fstat(nsfd, &st_sock_ns), 0);
	close(nsfd);
	netns_run(f->fd, report_inode, &inside, NULL);
	assert_int_equal(st_sock_ns.st_ino, inside);
}

static void test_open_errors(void **state)
{
	struct plumb_err err = {0};
	char tmp[] = "/tmp/plumb-notns-XXXXXX";
	int fd;

	assert_int_equal(netns_open("no-such-ns-plumb", &err), -ENOENT);
	assert_string_equal(err.msg, "network namespace 'no-such-ns-plumb' does not exist");
	assert_int_equal(netns_open("", &err), -EINVAL);
	assert_int_equal(netns_open("pid:abc", &err), -EINVAL);
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(netns_open(tmp, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "is not a network namespace"));
	unlink(tmp);
	assert_int_equal(netns_name_check("a/b", &err), -EINVAL);
	assert_int_equal(netns_name_check("..", &err), -EINVAL);
	assert_int_equal(netns_name_check("pod-1", &err), 0);
}

static void test_create_delete_list(void **state)
{
	struct fixture *f = *state;
	struct plumb_err err = {0};
	char **names = NULL;
	int n, found = 0;

	if (!f)
		skip();
	assert_int_equal(netns_create(f->name, &err), -EEXIST);
	n = netns_list(&names, &err);
	assert_true(n >= 1);
	for (int i = 0; i < n; i++)
		found += !strcmp(names[i], f->name);
	assert_int_equal(found, 1);
	netns_list_free(names);
	assert_int_equal(netns_delete("no-such-ns-plumb", &err), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_enters_and_returns),
		cmocka_unit_test(test_socket_belongs_inside),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_create_delete_list),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
