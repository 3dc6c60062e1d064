// SPDX-License-Identifier: MIT
/* Unit tests for per-node subnets with the file store on a temp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ipam/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/plumb-node-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct ipam_node_pool pool(const char *cidr, unsigned mask)
{
	struct ipam_node_pool p = {.mask = mask};

	assert_int_equal(plumb_cidr_parse(cidr, false, &p.cidr), 0);
	return p;
}

static const char *cs(const struct plumb_cidr *c)
{
	static char buf[4][PLUMB_CIDR_STRLEN];
	static int k;

	return plumb_cidr_str(c, buf[k++ % 4], PLUMB_CIDR_STRLEN);
}

static void test_acquire_idempotent_release(void **state)
{
	struct ipam_node_store *s;
	struct ipam_node_pool p4 = pool("10.244.0.0/16", 0), p6 = pool("fd00:244::/48", 0);
	struct ipam_node_subnet a, b, again, *v;
	size_t n;

	assert_int_equal(ipam_node_store_open_file(dir, &s, NULL), 0);
	assert_int_equal(ipam_node_cidr_acquire(s, &p4, "a", "192.168.0.1", &a, NULL), 0);
	assert_string_equal(cs(&a.subnet), "10.244.0.0/24");
	assert_int_equal(ipam_node_cidr_acquire(s, &p4, "b", NULL, &b, NULL), 0);
	assert_string_equal(cs(&b.subnet), "10.244.1.0/24");
	assert_int_equal(ipam_node_cidr_acquire(s, &p4, "a", NULL, &again, NULL), 0);
	assert_string_equal(cs(&again.subnet), "10.244.0.0/24");
	assert_string_equal(again.underlay, "192.168.0.1");
	assert_int_equal(ipam_node_cidr_acquire(s, &p6, "a", NULL, &again, NULL), 0);
	assert_string_equal(cs(&again.subnet), "fd00:244::/64");
	assert_int_equal(ipam_node_cidr_release(s, &p4, "a", NULL), 0);
	assert_int_equal(ipam_node_cidr_release(s, &p4, "nobody", NULL), 0);
	assert_int_equal(ipam_node_cidr_list(s, &p4, &v, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].node, "b");
	free(v);
	assert_int_equal(ipam_node_cidr_acquire(s, &p4, "c", NULL, &a, NULL), 0);
	assert_string_equal(cs(&a.subnet), "10.244.0.0/24"); /* the freed one first */
	ipam_node_store_close(s);
}

static void test_exhaustion_and_errors(void **state)
{
	struct ipam_node_store *s;
	struct ipam_node_pool p = pool("10.9.0.0/23", 24), bad = pool("10.9.0.0/23", 8);
	struct ipam_node_subnet x;
	struct plumb_err e = {0};

	assert_int_equal(ipam_node_store_open_file(dir, &s, NULL), 0);
	assert_int_equal(ipam_node_cidr_acquire(s, &p, "a", NULL, &x, NULL), 0);
	assert_int_equal(ipam_node_cidr_acquire(s, &p, "b", NULL, &x, NULL), 0);
	assert_int_equal(ipam_node_cidr_acquire(s, &p, "c", NULL, &x, &e), -ENOSPC);
	assert_non_null(strstr(e.msg, "10.9.0.0/23 has no free /24"));
	assert_int_equal(ipam_node_cidr_acquire(s, &bad, "c", NULL, &x, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "/8"));
	assert_int_equal(ipam_node_cidr_acquire(s, &p, "a b", NULL, &x, &e), -EINVAL);
	assert_int_equal(ipam_node_cidr_acquire(s, &p, "a", "nonsense", &x, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "underlay"));
	ipam_node_store_close(s);
}

static void test_pools_with_other_masks_do_not_overlap(void **state)
{
	struct ipam_node_store *s;
	struct ipam_node_pool big = pool("10.8.0.0/16", 24), small = pool("10.8.0.0/23", 25);
	struct ipam_node_subnet x;

	assert_int_equal(ipam_node_store_open_file(dir, &s, NULL), 0);
	assert_int_equal(ipam_node_cidr_acquire(s, &big, "a", NULL, &x, NULL), 0);
	assert_int_equal(ipam_node_cidr_acquire(s, &small, "b", NULL, &x, NULL), 0);
	assert_string_equal(cs(&x.subnet), "10.8.1.0/25");
	ipam_node_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_acquire_idempotent_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pools_with_other_masks_do_not_overlap, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
