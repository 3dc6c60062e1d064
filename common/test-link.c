// SPDX-License-Identifier: MIT
/* Unit tests for common/link's pure helpers: interface names, MAC addresses,
 * and route text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/link.h"
#include "common/route.h"

#include <errno.h>
#include <string.h>

static void test_name_check(void **state)
{
	struct plumb_err err = {0};

	assert_int_equal(plumb_link_name_check("eth0", &err), 0);
	assert_int_equal(plumb_link_name_check("veth0123abcd", &err), 0);
	assert_int_equal(plumb_link_name_check("eth0.100", &err), 0);
	assert_int_equal(plumb_link_name_check("123456789012345", &err), 0);
	assert_int_equal(plumb_link_name_check("1234567890123456", &err), -EINVAL);
	assert_string_equal(err.msg,
			    "interface name '1234567890123456' is too long (16 bytes, at most 15)");
	assert_int_equal(plumb_link_name_check("", &err), -EINVAL);
	assert_string_equal(err.msg, "empty interface name");
	assert_int_equal(plumb_link_name_check(NULL, &err), -EINVAL);
	assert_int_equal(plumb_link_name_check("a/b", &err), -EINVAL);
	assert_int_equal(plumb_link_name_check("a:b", &err), -EINVAL);
	assert_int_equal(plumb_link_name_check("a b", &err), -EINVAL);
	assert_int_equal(plumb_link_name_check("..", &err), -EINVAL);
	assert_string_equal(err.msg, "invalid interface name '..'");
}

static void test_mac(void **state)
{
	uint8_t m[6];
	char s[18];

	assert_int_equal(plumb_mac_parse("02:42:ac:11:00:02", m), 0);
	assert_memory_equal(m, ((uint8_t[]){2, 0x42, 0xac, 0x11, 0, 2}), 6);
	assert_string_equal(plumb_mac_str(m, s, sizeof(s)), "02:42:ac:11:00:02");
	assert_int_equal(plumb_mac_parse("02:42:AC:11:00:FF", m), 0);
	assert_int_equal(m[5], 0xff);
	assert_int_equal(plumb_mac_parse("02:42:ac:11:00", m), -EINVAL);
	assert_int_equal(plumb_mac_parse("02:42:ac:11:00:022", m), -EINVAL);
	assert_int_equal(plumb_mac_parse("02-42-ac-11-00-02", m), -EINVAL);
	assert_int_equal(plumb_mac_parse("0x:42:ac:11:00:02", m), -EINVAL);
	assert_int_equal(plumb_mac_parse(" 2:42:ac:11:00:02", m), -EINVAL);
	assert_int_equal(plumb_mac_parse(NULL, m), -EINVAL);
}

static void test_route_str(void **state)
{
	struct plumb_route rt = {0};
	char s[160];

	assert_int_equal(plumb_ip_parse("172.18.0.1", &rt.gw), 0);
	rt.dst.ip.family = AF_INET;
	rt.ifindex = 5;
	rt.metric = 100;
	assert_string_equal(plumb_route_str(&rt, s, sizeof(s)), "default via 172.18.0.1 dev #5 metric 100");
	memset(&rt, 0, sizeof(rt));
	assert_int_equal(plumb_cidr_parse("fd00:1::/64", false, &rt.dst), 0);
	rt.onlink = true;
	assert_string_equal(plumb_route_str(&rt, s, sizeof(s)), "fd00:1::/64 onlink");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_check),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_route_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
