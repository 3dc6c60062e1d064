// SPDX-License-Identifier: MIT
/* Unit tests for common/cidr: parsing, formatting and arithmetic edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/cidr.h"

#include <errno.h>
#include <string.h>

static struct plumb_cidr C(const char *s)
{
	struct plumb_cidr c;

	assert_int_equal(plumb_cidr_parse(s, false, &c), 0);
	return c;
}

static struct plumb_ip IP(const char *s)
{
	struct plumb_ip ip;

	assert_int_equal(plumb_ip_parse(s, &ip), 0);
	return ip;
}

static void assert_ip(const struct plumb_ip *ip, const char *want)
{
	char buf[PLUMB_IP_STRLEN];

	assert_string_equal(plumb_ip_str(ip, buf, sizeof(buf)), want);
}

static void test_parse_valid(void **state)
{
	struct plumb_cidr c;
	char buf[PLUMB_CIDR_STRLEN];

	c = C("10.0.0.5/24");
	assert_int_equal(c.ip.family, AF_INET);
	assert_int_equal(c.prefix, 24);
	assert_string_equal(plumb_cidr_str(&c, buf, sizeof(buf)), "10.0.0.5/24");
	c = C("0.0.0.0/0");
	assert_int_equal(c.prefix, 0);
	c = C("fd00::1/64");
	assert_int_equal(c.ip.family, AF_INET6);
	assert_string_equal(plumb_cidr_str(&c, buf, sizeof(buf)), "fd00::1/64");
	c = C("::/0");
	assert_int_equal(c.prefix, 0);
	assert_int_equal(plumb_cidr_parse("10.1.2.3", true, &c), 0);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(plumb_cidr_parse("::1", true, &c), 0);
	assert_int_equal(c.prefix, 128);
}

static void test_parse_malformed(void **state)
{
	static const char *bad[] = {
		"",	       "10.0.0.0",	 "10.0.0.0/",	  "10.0.0.0/33",   "10.0.0.0/-1",
		"10.0.0/24",   "10.0.0.256/24", "10.0.0.0/24x",  "10.0.0.0/ 24",  "fd00::/129",
		"fd00:::1/64", "abc/8",		 "10.0.0.0/0024", "/24",	   "10.0.0.0//24",
		"10.0.0.0/24/24", " 10.0.0.0/24",
	};
	struct plumb_cidr c;
	struct plumb_ip ip;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (plumb_cidr_parse(bad[i], false, &c) != -EINVAL)
			fail_msg("'%s' parsed as a prefix", bad[i]);
	}
	assert_int_equal(plumb_cidr_parse(NULL, true, &c), -EINVAL);
	assert_int_equal(plumb_ip_parse("1.2.3", &ip), -EINVAL);
	assert_int_equal(plumb_ip_parse("010.1.2.3", &ip), -EINVAL);
	assert_int_equal(plumb_ip_parse("", &ip), -EINVAL);
}

static void test_network_last(void **state)
{
	struct plumb_cidr c = C("10.0.0.5/24"), n;
	struct plumb_ip last, mask;

	plumb_cidr_network(&c, &n);
	assert_ip(&n.ip, "10.0.0.0");
	plumb_cidr_last(&c, &last);
	assert_ip(&last, "10.0.0.255");
	plumb_cidr_mask(&c, &mask);
	assert_ip(&mask, "255.255.255.0");

	c = C("10.9.8.7/32");
	plumb_cidr_network(&c, &n);
	assert_ip(&n.ip, "10.9.8.7");
	plumb_cidr_last(&c, &last);
	assert_ip(&last, "10.9.8.7");

	c = C("10.9.8.7/31");
	plumb_cidr_network(&c, &n);
	assert_ip(&n.ip, "10.9.8.6");
	plumb_cidr_last(&c, &last);
	assert_ip(&last, "10.9.8.7");
	assert_int_equal(plumb_cidr_size(&c), 2);

	c = C("1.2.3.4/0");
	plumb_cidr_network(&c, &n);
	assert_ip(&n.ip, "0.0.0.0");
	plumb_cidr_last(&c, &last);
	assert_ip(&last, "255.255.255.255");
	assert_int_equal(plumb_cidr_size(&c), (uint64_t)1 << 32);

	c = C("fd00::1:2/127");
	plumb_cidr_network(&c, &n);
	assert_ip(&n.ip, "fd00::1:2");
	plumb_cidr_last(&c, &last);
	assert_ip(&last, "fd00::1:3");

	c = C("fd00::7/128");
	plumb_cidr_last(&c, &last);
	assert_ip(&last, "fd00::7");
	assert_int_equal(plumb_cidr_size(&c), 1);

	c = C("fd00::/64");
	assert_int_equal(plumb_cidr_size(&c), UINT64_MAX);
	plumb_cidr_last(&c, &last);
	assert_ip(&last, "fd00::ffff:ffff:ffff:ffff");

	c = C("2001:db8::1/0");
	plumb_cidr_network(&c, &n);
	assert_ip(&n.ip, "::");
	plumb_cidr_last(&c, &last);
	assert_ip(&last, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

static void test_add_overflow(void **state)
{
	struct plumb_ip ip = IP("255.255.255.254"), out;

	assert_int_equal(plumb_ip_add(&ip, 1, &out), 0);
	assert_ip(&out, "255.255.255.255");
	assert_int_equal(plumb_ip_add(&out, 1, &out), -ERANGE);
	assert_ip(&out, "255.255.255.255");
	ip = IP("0.0.0.0");
	assert_int_equal(plumb_ip_add(&ip, -1, &out), -ERANGE);
	ip = IP("10.0.0.255");
	assert_int_equal(plumb_ip_add(&ip, 1, &out), 0);
	assert_ip(&out, "10.0.1.0");
	assert_int_equal(plumb_ip_add(&out, -257, &out), 0);
	assert_ip(&out, "9.255.255.255");

	ip = IP("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	assert_int_equal(plumb_ip_add(&ip, 1, &out), 0);
	assert_int_equal(plumb_ip_add(&out, 1, &out), -ERANGE);
	ip = IP("::");
	assert_int_equal(plumb_ip_add(&ip, -1, &out), -ERANGE);
	ip = IP("fd00::ffff:ffff:ffff:ffff");
	assert_int_equal(plumb_ip_add(&ip, 1, &out), 0);
	assert_ip(&out, "fd00:0:0:1::");
	assert_true(plumb_ip_diff(&ip, &out) == 1);
	assert_true(plumb_ip_diff(&out, &ip) == -1);
}

static void test_contains_overlaps(void **state)
{
	struct plumb_cidr a = C("10.244.0.0/16"), b = C("10.244.3.0/24"), d = C("10.245.0.0/24");
	struct plumb_cidr all = C("0.0.0.0/0"), v6 = C("fd00::/8");
	struct plumb_ip ip = IP("10.244.255.255"), ip6 = IP("fd12::1"), v4 = IP("10.0.0.1");

	assert_true(plumb_cidr_contains(&a, &ip));
	assert_false(plumb_cidr_contains(&d, &ip));
	assert_true(plumb_cidr_contains(&all, &ip));
	assert_true(plumb_cidr_contains(&v6, &ip6));
	assert_false(plumb_cidr_contains(&v6, &v4));
	assert_false(plumb_cidr_contains(&all, &ip6));
	assert_true(plumb_cidr_overlaps(&a, &b));
	assert_true(plumb_cidr_overlaps(&b, &a));
	assert_false(plumb_cidr_overlaps(&a, &d));
	assert_false(plumb_cidr_overlaps(&a, &v6));
}

static void test_subnets(void **state)
{
	struct plumb_cidr p = C("10.244.0.0/16"), s;
	char buf[PLUMB_CIDR_STRLEN];

	assert_int_equal(plumb_cidr_subnet_count(&p, 24), 256);
	assert_int_equal(plumb_cidr_subnet(&p, 24, 0, &s), 0);
	assert_string_equal(plumb_cidr_str(&s, buf, sizeof(buf)), "10.244.0.0/24");
	assert_int_equal(plumb_cidr_subnet(&p, 24, 255, &s), 0);
	assert_string_equal(plumb_cidr_str(&s, buf, sizeof(buf)), "10.244.255.0/24");
	assert_int_equal(plumb_cidr_subnet(&p, 24, 256, &s), -ERANGE);
	assert_int_equal(plumb_cidr_subnet(&p, 15, 0, &s), -EINVAL);
	assert_int_equal(plumb_cidr_subnet(&p, 33, 0, &s), -EINVAL);
	assert_int_equal(plumb_cidr_subnet(&p, 16, 0, &s), 0);
	assert_int_equal(plumb_cidr_subnet(&p, 16, 1, &s), -ERANGE);
	assert_int_equal(plumb_cidr_subnet(&p, 32, 65535, &s), 0);
	assert_string_equal(plumb_cidr_str(&s, buf, sizeof(buf)), "10.244.255.255/32");

	p = C("fd10::/48");
	assert_int_equal(plumb_cidr_subnet_count(&p, 64), 65536);
	assert_int_equal(plumb_cidr_subnet(&p, 64, 3, &s), 0);
	assert_string_equal(plumb_cidr_str(&s, buf, sizeof(buf)), "fd10:0:0:3::/64");
	p = C("::/0");
	assert_int_equal(plumb_cidr_subnet_count(&p, 64), UINT64_MAX);
	assert_int_equal(plumb_cidr_subnet(&p, 128, UINT64_MAX, &s), 0);
	assert_string_equal(plumb_cidr_str(&s, buf, sizeof(buf)), "::ffff:ffff:ffff:ffff/128");
}

static void test_reverse(void **state)
{
	struct plumb_ip ip = IP("10.88.0.5");
	char buf[80];

	assert_string_equal(plumb_ip_reverse_name(&ip, buf, sizeof(buf)), "5.0.88.10.in-addr.arpa");
	ip = IP("2001:db8::567:89ab");
	assert_string_equal(plumb_ip_reverse_name(&ip, buf, sizeof(buf)),
			    "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

static void test_cmp(void **state)
{
	struct plumb_ip a = IP("10.0.0.1"), b = IP("10.0.0.2"), c = IP("::1");

	assert_true(plumb_ip_cmp(&a, &b) < 0);
	assert_true(plumb_ip_cmp(&b, &a) > 0);
	assert_true(plumb_ip_cmp(&a, &a) == 0);
	assert_true(plumb_ip_cmp(&a, &c) < 0); /* AF_INET < AF_INET6 */
	assert_true(plumb_ip_equal(&a, &a));
	assert_false(plumb_ip_equal(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),	cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_network_last),	cmocka_unit_test(test_add_overflow),
		cmocka_unit_test(test_contains_overlaps), cmocka_unit_test(test_subnets),
		cmocka_unit_test(test_reverse),		cmocka_unit_test(test_cmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
