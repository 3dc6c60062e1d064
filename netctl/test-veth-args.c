// SPDX-License-Identifier: MIT
/* Unit tests for `netctl veth add` argument checking: everything that can be
 * refused before the kernel is touched, with messages that name the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "netctl/rtnl.h"

#include <errno.h>
#include <string.h>

#define ARGV(...) (int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)), ((char *[]){__VA_ARGS__})

static int parse(struct veth_add_args *a, struct plumb_err *err, int argc, char **argv)
{
	struct netctl ctx = {.verb = "veth", .sub = "add"};

	memset(a, 0, sizeof(*a));
	plumb_err_clear(err);
	return netctl_veth_add_parse(&ctx, argc, argv, a, err);
}

static void test_defaults(void **state)
{
	struct veth_add_args a;
	struct plumb_err err = {0};

	assert_int_equal(parse(&a, &err, ARGV("--ns", "pod1")), 0);
	assert_string_equal(a.cfg.ifname, "eth0");
	assert_string_equal(a.cfg.container_id, "pod1"); /* the namespace names the container */
	assert_null(a.cfg.host_name);
	assert_false(a.cfg.has_mac);
	assert_false(a.cfg.no_dad);
	assert_int_equal(a.cfg.mtu, 0);
}

static void test_everything(void **state)
{
	struct veth_add_args a;
	struct plumb_err err = {0};

	assert_int_equal(parse(&a, &err, ARGV("--ns", "pod1", "--name", "net1", "--id", "c0ffee",
					      "--bridge", "cni0", "--addr", "10.1.0.5/24",
					      "--addr=fd00::5/64", "--gw", "10.1.0.1", "--gw",
					      "fd00::1", "--mtu", "9000", "--mac",
					      "02:00:00:00:00:05")),
			 0);
	assert_string_equal(a.cfg.ifname, "net1");
	assert_string_equal(a.cfg.container_id, "c0ffee");
	assert_string_equal(a.bridge, "cni0");
	assert_int_equal(a.addrs.n, 2);
	assert_int_equal(a.cidrs[1].ip.family, AF_INET6);
	assert_int_equal(a.cidrs[0].prefix, 24);
	assert_int_equal(a.gws.n, 2);
	assert_int_equal(a.gw[0].family, AF_INET);
	assert_int_equal(a.cfg.mtu, 9000);
	assert_true(a.cfg.has_mac);
	assert_int_equal(a.cfg.mac[5], 5);
	assert_true(a.cfg.no_dad); /* an IPv6 address: DAD off */
}

static void test_refusals_name_the_problem(void **state)
{
	struct veth_add_args a;
	struct plumb_err err = {0};

	assert_int_equal(parse(&a, &err, ARGV("--bridge", "br0")), -EINVAL);
	assert_string_equal(err.msg, "netctl veth add: missing --ns NS (the namespace to connect)");
	assert_int_equal(parse(&a, &err, ARGV("--ns", "p", "--addr", "10.0.0.300/24")), -EINVAL);
	assert_string_equal(err.msg, "netctl veth add: invalid CIDR '10.0.0.300/24' for --addr "
				     "(want ADDRESS/PREFIX)");
	assert_int_equal(parse(&a, &err, ARGV("--ns", "p", "--addr", "10.0.0.3")), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid CIDR '10.0.0.3'"));
	assert_int_equal(parse(&a, &err, ARGV("--ns", "p", "--gw", "10.0.0.1", "--gw", "10.0.0.2")),
			 -EINVAL);
	assert_string_equal(err.msg, "netctl veth add: two --gw of the same family");
	assert_int_equal(parse(&a, &err, ARGV("--ns", "p", "--gw", "x")), -EINVAL);
	assert_string_equal(err.msg, "netctl veth add: invalid IP address 'x' for --gw");
	assert_int_equal(parse(&a, &err, ARGV("--ns", "p", "--mac", "02:00:00:00:00")), -EINVAL);
	assert_string_equal(err.msg, "netctl veth add: invalid MAC '02:00:00:00:00' for --mac");
	assert_int_equal(parse(&a, &err, ARGV("--ns", "p", "--name", "this-is-too-long")), -EINVAL);
	assert_non_null(strstr(err.msg, "netctl veth add: interface name 'this-is-too-long' is too long"));
	assert_int_equal(parse(&a, &err, ARGV("--ns", "p", "--bridge", "a/b")), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid interface name 'a/b'"));
	assert_int_equal(parse(&a, &err, ARGV("--ns", "p", "--mtu", "70000")), -EINVAL);
	assert_string_equal(err.msg, "netctl veth add: option '--mtu' is 70000, more than 65535");
	assert_int_equal(parse(&a, &err, ARGV("--ns", "p", "extra")), -EINVAL);
	assert_string_equal(err.msg, "netctl veth add: unexpected argument 'extra'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_refusals_name_the_problem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
