// SPDX-License-Identifier: MIT
/* Unit tests for netctl's option parser: values, errors that name the option. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "netctl/netctl.h"

#include <errno.h>
#include <string.h>

struct opts {
	bool json;
	const char *ns;
	struct netctl_strv addrs;
	uint64_t mtu;
	bool mtu_seen;
};

static int parse(struct opts *o, char **pos, size_t *npos, struct plumb_err *err, char **argv,
		 int argc)
{
	const struct netctl_opt table[] = {
		{"--json|-j", OPT_FLAG, &o->json},
		{"--ns", OPT_STR, &o->ns},
		{"--addr", OPT_MULTI, &o->addrs},
		{"--mtu", OPT_UINT, &o->mtu, 65535, &o->mtu_seen},
	};
	struct netctl ctx = {.verb = "bridge", .sub = "add"};

	return netctl_parse(&ctx, argc, argv, table, 4, pos, 1, 2, npos, err);
}

#define ARGV(...) ((char *[]){__VA_ARGS__}), (int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))

static void test_values(void **state)
{
	struct opts o = {0};
	struct plumb_err err = {0};
	char *pos[2];
	size_t n;

	assert_int_equal(parse(&o, pos, &n, &err, ARGV("br0", "--addr", "10.0.0.1/24", "-j",
						       "--addr=fd00::1/64", "--mtu", "9000",
						       "--ns=pod1")),
			 0);
	assert_int_equal(n, 1);
	assert_string_equal(pos[0], "br0");
	assert_true(o.json);
	assert_string_equal(o.ns, "pod1");
	assert_int_equal(o.addrs.n, 2);
	assert_string_equal(o.addrs.v[1], "fd00::1/64");
	assert_int_equal(o.mtu, 9000);
	assert_true(o.mtu_seen);
}

static void test_double_dash(void **state)
{
	struct opts o = {0};
	struct plumb_err err = {0};
	char *pos[2];
	size_t n;

	assert_int_equal(parse(&o, pos, &n, &err, ARGV("a", "--", "--mtu")), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pos[1], "--mtu");
	assert_false(o.mtu_seen);
}

static void test_errors_name_the_problem(void **state)
{
	struct opts o = {0};
	struct plumb_err err = {0};
	char *pos[2];
	size_t n;

	assert_int_equal(parse(&o, pos, &n, &err, ARGV("br0", "--mtu", "abc")), -EINVAL);
	assert_string_equal(err.msg, "netctl bridge add: option '--mtu' needs a number, got 'abc'");
	assert_int_equal(parse(&o, pos, &n, &err, ARGV("br0", "--mtu", "70000")), -EINVAL);
	assert_string_equal(err.msg, "netctl bridge add: option '--mtu' is 70000, more than 65535");
	assert_int_equal(parse(&o, pos, &n, &err, ARGV("br0", "--mtu", "-1")), -EINVAL);
	assert_int_equal(parse(&o, pos, &n, &err, ARGV("br0", "--frob")), -EINVAL);
	assert_string_equal(err.msg, "netctl bridge add: unknown option '--frob'");
	assert_int_equal(parse(&o, pos, &n, &err, ARGV("br0", "--ns")), -EINVAL);
	assert_string_equal(err.msg, "netctl bridge add: option '--ns' needs a value");
	assert_int_equal(parse(&o, pos, &n, &err, ARGV("br0", "--json=1")), -EINVAL);
	assert_string_equal(err.msg, "netctl bridge add: option '--json' takes no value");
	assert_int_equal(parse(&o, pos, &n, &err, ARGV("a", "b", "c")), -EINVAL);
	assert_string_equal(err.msg, "netctl bridge add: unexpected argument 'c'");
	assert_int_equal(parse(&o, pos, &n, &err, ARGV("--json")), -EINVAL);
	assert_string_equal(err.msg,
			    "netctl bridge add: missing argument (see 'netctl bridge help')");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_double_dash),
		cmocka_unit_test(test_errors_name_the_problem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
