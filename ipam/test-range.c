// SPDX-License-Identifier: MIT
/* Unit tests for ipam/range.c: defaults, edge prefixes, candidate order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ipam/internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct ipam_config one_range(const char *subnet, const char *start, const char *end,
				    const char *gw)
{
	struct ipam_config c = {.network = "t", .n_rangesets = 1};

	c.rangesets[0].n = 1;
	assert_int_equal(plumb_cidr_parse(subnet, false, &c.rangesets[0].r[0].subnet), 0);
	if (start)
		assert_int_equal(plumb_ip_parse(start, &c.rangesets[0].r[0].start), 0);
	if (end)
		assert_int_equal(plumb_ip_parse(end, &c.rangesets[0].r[0].end), 0);
	if (gw)
		assert_int_equal(plumb_ip_parse(gw, &c.rangesets[0].r[0].gateway), 0);
	return c;
}

static const char *s(const struct plumb_ip *ip)
{
	static char buf[4][PLUMB_IP_STRLEN];
	static int k;

	return plumb_ip_str(ip, buf[k++ % 4], PLUMB_IP_STRLEN);
}

/* All candidates, comma-joined, starting after `last` (NULL = from start). */
static void order(const struct ipam_rangeset *rs, const char *last, char *out, size_t len)
{
	struct ipam_iter it;
	struct plumb_ip ip, l = {0};
	size_t off = 0;

	if (last)
		assert_int_equal(plumb_ip_parse(last, &l), 0);
	ipam_iter_init(&it, rs, last ? &l : NULL);
	out[0] = '\0';
	while (ipam_iter_next(&it, &ip, NULL) && off < len)
		off += (size_t)snprintf(out + off, len - off, "%s%s", off ? "," : "", s(&ip));
}

static void test_defaults_v4(void **state)
{
	struct ipam_config c = one_range("10.0.0.0/24", NULL, NULL, NULL);
	struct ipam_range *r = &c.rangesets[0].r[0];

	assert_int_equal(ipam_config_finish(&c, NULL), 0);
	assert_string_equal(s(&r->start), "10.0.0.1");
	assert_string_equal(s(&r->end), "10.0.0.254");
	assert_string_equal(s(&r->gateway), "10.0.0.1");
}

static void test_defaults_v6(void **state)
{
	struct ipam_config c = one_range("fd00::/120", NULL, NULL, NULL);
	struct ipam_range *r = &c.rangesets[0].r[0];

	assert_int_equal(ipam_config_finish(&c, NULL), 0);
	assert_string_equal(s(&r->start), "fd00::1");
	assert_string_equal(s(&r->end), "fd00::ff"); /* no broadcast in IPv6 */
}

static void test_too_small(void **state)
{
	const char *nets[] = {"10.0.0.0/31", "10.0.0.1/32", "fd00::/127", "fd00::/128"};

	for (size_t i = 0; i < 4; i++) {
		struct ipam_config c = one_range(nets[i], NULL, NULL, NULL);
		struct plumb_err e = {0};

		assert_int_equal(ipam_config_finish(&c, &e), -EINVAL);
		assert_non_null(strstr(e.msg, "too small to allocate from"));
		assert_non_null(strstr(e.msg, "ranges[0][0]"));
	}
}

static void test_slash30_and_126(void **state)
{
	struct ipam_config c = one_range("10.0.0.4/30", NULL, NULL, NULL);
	char buf[256];

	assert_int_equal(ipam_config_finish(&c, NULL), 0);
	order(&c.rangesets[0], NULL, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.6"); /* .4 net, .5 gw, .7 broadcast */
	c = one_range("fd00::4/126", NULL, NULL, NULL);
	assert_int_equal(ipam_config_finish(&c, NULL), 0);
	order(&c.rangesets[0], NULL, buf, sizeof(buf));
	assert_string_equal(buf, "fd00::6,fd00::7");
}

static void test_host_bits(void **state)
{
	struct ipam_config c = one_range("10.0.0.5/24", NULL, NULL, NULL);
	struct plumb_err e = {0};

	assert_int_equal(ipam_config_finish(&c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "10.0.0.0/24"));
}

static void test_start_end(void **state)
{
	struct ipam_config c = one_range("10.0.0.0/24", "10.0.0.250", NULL, "10.0.0.252");
	struct plumb_err e = {0};
	char buf[256];

	assert_int_equal(ipam_config_finish(&c, NULL), 0);
	order(&c.rangesets[0], NULL, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.250,10.0.0.251,10.0.0.253,10.0.0.254");
	c = one_range("10.0.0.0/24", "10.0.1.5", NULL, NULL);
	assert_int_equal(ipam_config_finish(&c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "rangeStart 10.0.1.5 not in network 10.0.0.0/24"));
	c = one_range("10.0.0.0/24", "10.0.0.9", "10.0.0.8", NULL);
	assert_int_equal(ipam_config_finish(&c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "after rangeEnd"));
	/* an explicit rangeStart at the network address still never yields it */
	c = one_range("10.0.0.0/29", "10.0.0.0", "10.0.0.7", "10.0.0.6");
	assert_int_equal(ipam_config_finish(&c, NULL), 0);
	order(&c.rangesets[0], NULL, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5");
}

static void test_round_robin(void **state)
{
	struct ipam_config c = one_range("10.0.0.0/29", NULL, NULL, NULL);
	char buf[256];

	assert_int_equal(ipam_config_finish(&c, NULL), 0);
	order(&c.rangesets[0], "10.0.0.4", buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.5,10.0.0.6,10.0.0.2,10.0.0.3,10.0.0.4");
	/* last at the end of the range wraps to the start */
	order(&c.rangesets[0], "10.0.0.6", buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5,10.0.0.6");
	/* a last address outside the set is ignored */
	order(&c.rangesets[0], "192.168.0.1", buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5,10.0.0.6");
}

static void test_multi_range_set(void **state)
{
	struct ipam_config c = one_range("10.0.0.0/30", NULL, NULL, NULL);
	char buf[256];

	c.rangesets[0].n = 2;
	assert_int_equal(plumb_cidr_parse("10.0.1.0/30", false, &c.rangesets[0].r[1].subnet), 0);
	assert_int_equal(ipam_config_finish(&c, NULL), 0);
	order(&c.rangesets[0], "10.0.0.2", buf, sizeof(buf));
	assert_string_equal(buf, "10.0.1.2,10.0.0.2");
}

static void test_overlap_and_family(void **state)
{
	struct ipam_config c = one_range("10.0.0.0/24", NULL, NULL, NULL);
	struct plumb_err e = {0};

	c.n_rangesets = 2;
	c.rangesets[1] = c.rangesets[0];
	assert_int_equal(ipam_config_finish(&c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "range set 0 overlaps with 1"));
	c = one_range("10.0.0.0/24", NULL, NULL, NULL);
	c.rangesets[0].n = 2;
	assert_int_equal(plumb_cidr_parse("fd00::/64", false, &c.rangesets[0].r[1].subnet), 0);
	assert_int_equal(ipam_config_finish(&c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "mixed address families"));
}

static void test_v6_large(void **state)
{
	struct ipam_config c = one_range("fd00::/64", NULL, NULL, NULL);
	struct ipam_iter it;
	struct plumb_ip ip, last;

	assert_int_equal(ipam_config_finish(&c, NULL), 0);
	assert_string_equal(s(&c.rangesets[0].r[0].end), "fd00::ffff:ffff:ffff:ffff");
	assert_int_equal(plumb_ip_parse("fd00::ffff:ffff:ffff:fffe", &last), 0);
	ipam_iter_init(&it, &c.rangesets[0], &last);
	assert_true(ipam_iter_next(&it, &ip, NULL));
	assert_string_equal(s(&ip), "fd00::ffff:ffff:ffff:ffff");
	assert_true(ipam_iter_next(&it, &ip, NULL));
	assert_string_equal(s(&ip), "fd00::2");
}

static void test_ip_name_like_go(void **state)
{
	const char *cases[][2] = {
		{"fd00:0:0:1::5", "fd00:0:0:1::5"}, {"fd00::1:0:0:0:1", "fd00:0:0:1::1"},
		{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, {"::1.2.3.4", "::102:304"},
		{"fd00:1:0:0:1:0:0:1", "fd00:1::1:0:0:1"}, {"10.1.2.3", "10.1.2.3"},
	};
	char buf[PLUMB_IP_STRLEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct plumb_ip ip;

		assert_int_equal(plumb_ip_parse(cases[i][0], &ip), 0);
		assert_string_equal(ipam_ip_name(&ip, buf, sizeof(buf)), cases[i][1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_v4),	  cmocka_unit_test(test_defaults_v6),
		cmocka_unit_test(test_too_small),	  cmocka_unit_test(test_slash30_and_126),
		cmocka_unit_test(test_host_bits),	  cmocka_unit_test(test_start_end),
		cmocka_unit_test(test_round_robin),	  cmocka_unit_test(test_multi_range_set),
		cmocka_unit_test(test_overlap_and_family), cmocka_unit_test(test_v6_large),
		cmocka_unit_test(test_ip_name_like_go),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
