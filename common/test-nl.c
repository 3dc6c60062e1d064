// SPDX-License-Identifier: MIT
/* common/nl: a netlink socket opened inside a namespace works there, and the
 * kernel's extack text reaches the error message. Needs root (skips otherwise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/netns.h"
#include "common/nl.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct fixture {
	char name[64];
	int fd;
};

static int setup(void **state)
{
	static struct fixture f;

	if (geteuid() != 0)
		return 0;
	snprintf(f.name, sizeof(f.name), "plumb-unit-nl-%d", getpid());
	if (netns_create(f.name, NULL) < 0)
		return -1;
	f.fd = netns_open(f.name, NULL);
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

/* An IPv4 address added twice: the kernel answers EEXIST with extack text. */
static int add_lo_addr(struct plumb_nl *nl)
{
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *a = rtnl_addr_alloc();
	_cleanup_(nl_addr_putp) struct nl_addr *local = NULL;
	int r;

	r = nl_addr_parse("10.77.0.1/24", AF_INET, &local);
	if (r < 0)
		return r;
	rtnl_addr_set_ifindex(a, 1);
	rtnl_addr_set_local(a, local);
	return rtnl_addr_add(nl->sk, a, NLM_F_EXCL);
}

static void test_extack_in_message(void **state)
{
	struct fixture *f = *state;
	_cleanup_nl_ struct plumb_nl nl = {.nsfd = -1};
	struct plumb_err err = {0};
	int r;

	if (!f)
		skip();
	assert_int_equal(plumb_nl_open(&nl, f->fd, &err), 0);
	assert_int_equal(add_lo_addr(&nl), 0);
	r = add_lo_addr(&nl);
	assert_true(r < 0);
	assert_int_equal(plumb_nl_error(&nl, r, &err, "address %s on lo", "10.77.0.1/24"), -EEXIST);
	assert_non_null(strstr(err.msg, "address 10.77.0.1/24 on lo: File exists"));
	assert_non_null(strstr(err.msg, "Address already assigned"));
	/* the error state does not leak into the next, unrelated error */
	assert_int_equal(plumb_nl_errno(&nl, -NLE_NOMEM), ENOMEM);
}

static void test_socket_lives_in_namespace(void **state)
{
	struct fixture *f = *state;
	_cleanup_nl_ struct plumb_nl nl = {.nsfd = -1};
	_cleanup_(rtnl_link_putp) struct rtnl_link *lo = NULL;

	if (!f)
		skip();
	assert_int_equal(plumb_nl_open(&nl, f->fd, NULL), 0);
	assert_int_equal(rtnl_link_get_kernel(nl.sk, 0, "lo", &lo), 0);
	/* A fresh namespace's lo is down; the host's is up: proves where we are. */
	assert_false(rtnl_link_get_flags(lo) & IFF_UP);
	assert_true(nl.nsfd >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extack_in_message),
		cmocka_unit_test(test_socket_lives_in_namespace),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
