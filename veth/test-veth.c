// SPDX-License-Identifier: MIT
/* Unit tests for veth's pure part: the host-end name derivation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "veth/veth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_name_is_pinned(void **state)
{
	char n[IFNAMSIZ];

	/* Pinned values: changing the hash would orphan every existing pod's veth
	 * (a DEL or a person could no longer find it by name). */
	veth_host_name("abc123", "eth0", n);
	assert_string_equal(n, "veth9a74f832");
	veth_host_name("", "", n);
	assert_string_equal(n, "veth117697cd");
}

static void test_name_shape(void **state)
{
	char n[IFNAMSIZ];

	veth_host_name("a-very-long-container-id-0123456789abcdef0123456789abcdef", "net1", n);
	assert_int_equal(strlen(n), 12);
	assert_memory_equal(n, "veth", 4);
	for (int i = 4; i < 12; i++)
		assert_non_null(strchr("0123456789abcdef", n[i]));
}

static void test_name_depends_on_both_parts(void **state)
{
	char a[IFNAMSIZ], b[IFNAMSIZ];

	veth_host_name("abc123", "eth0", a);
	veth_host_name("abc123", "eth1", b);
	assert_string_not_equal(a, b);
	veth_host_name("abc124", "eth0", b);
	assert_string_not_equal(a, b);
	/* The separator keeps ("ab","c") and ("a","bc") apart. */
	veth_host_name("ab", "c", a);
	veth_host_name("a", "bc", b);
	assert_string_equal(a, "veth35708e65");
	assert_string_equal(b, "vethb125c599");
	/* NULL reads as "". */
	veth_host_name(NULL, NULL, a);
	assert_string_equal(a, "veth117697cd");
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_no_collision_in_10k_ids(void **state)
{
	static char names[10000][IFNAMSIZ];
	char id[80];

	for (int i = 0; i < 10000; i++) {
		snprintf(id, sizeof(id), "%064d", i);
		veth_host_name(id, "eth0", names[i]);
	}
	/* 10k names in 2^32: a collision has probability ~1% for a good hash;
	 * these ids (all but the last digits the same, the worst case for a weak
	 * hash) have none, and the check keeps the hash from degrading unnoticed. */
	qsort(names, 10000, IFNAMSIZ, cmp_name);
	for (int i = 1; i < 10000; i++)
		assert_string_not_equal(names[i - 1], names[i]);
}

static void test_create_rejects_bad_input_before_the_kernel(void **state)
{
	struct plumb_nl host = {.nsfd = -1}, pod = {.nsfd = 3};
	struct veth_config cfg = {.ifname = "eth0"};
	struct plumb_err err = {0};
	struct veth_pair p;

	/* No netlink socket is opened: these must fail on the arguments alone. */
	pod.nsfd = -1;
	assert_int_equal(veth_pair_create(&host, &pod, &cfg, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "without a netns"));
	pod.nsfd = 3;
	assert_int_equal(veth_pair_create(&host, &pod, &cfg, &p, &err), -EINVAL);
	assert_string_equal(err.msg, "veth for 'eth0': need a container id or a host name");
	cfg.ifname = "eth0/1";
	cfg.container_id = "x";
	assert_int_equal(veth_pair_create(&host, &pod, &cfg, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid interface name 'eth0/1'"));
	cfg.ifname = "eth0";
	cfg.host_name = "0123456789abcdef";
	assert_int_equal(veth_pair_create(&host, &pod, &cfg, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'0123456789abcdef' is too long"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_is_pinned),
		cmocka_unit_test(test_name_shape),
		cmocka_unit_test(test_name_depends_on_both_parts),
		cmocka_unit_test(test_no_collision_in_10k_ids),
		cmocka_unit_test(test_create_rejects_bad_input_before_the_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
