// SPDX-License-Identifier: MIT
/* Unit tests for ipam/config.c: host-local's keys, requested addresses from
 * all three sources, and errors that name the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ipam/config.h"

#include <errno.h>
#include <string.h>

static int parse(const char *json, const char *args, struct ipam_config *c, struct plumb_err *e)
{
	return ipam_config_parse(json, strlen(json), args, c, e);
}

static const char *s(const struct plumb_ip *ip)
{
	static char buf[4][PLUMB_IP_STRLEN];
	static int k;

	return plumb_ip_str(ip, buf[k++ % 4], PLUMB_IP_STRLEN);
}

static void test_full(void **state)
{
	static struct ipam_config c;
	const char *j =
		"{\"cniVersion\":\"1.0.0\",\"name\":\"pods\",\"type\":\"bridge\","
		"\"runtimeConfig\":{\"ips\":[\"10.2.0.9/24\"]},"
		"\"args\":{\"cni\":{\"ips\":[\"fd00:2::9\"]}},"
		"\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"/tmp/x\",\"resolvConf\":\"/etc/r\","
		"\"ranges\":[[{\"subnet\":\"10.2.0.0/24\",\"rangeStart\":\"10.2.0.5\",\"gateway\":\"10.2.0.254\"}],"
		"[{\"subnet\":\"fd00:2::/64\"}]],"
		"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"10.9.0.0/16\",\"gw\":\"10.2.0.254\"}]}}";

	assert_int_equal(parse(j, "IgnoreUnknown=1;IP=10.2.0.7;K8S_POD_NAME=x", &c, NULL), 0);
	assert_string_equal(c.network, "pods");
	assert_string_equal(c.data_dir, "/tmp/x");
	assert_string_equal(c.resolv_conf, "/etc/r");
	assert_int_equal(c.n_rangesets, 2);
	assert_string_equal(s(&c.rangesets[0].r[0].start), "10.2.0.5");
	assert_string_equal(s(&c.rangesets[0].r[0].gateway), "10.2.0.254");
	assert_string_equal(s(&c.rangesets[1].r[0].gateway), "fd00:2::1");
	assert_int_equal(c.n_routes, 2);
	assert_int_equal(c.routes[0].gw.family, 0);
	assert_string_equal(s(&c.routes[1].gw), "10.2.0.254");
	assert_int_equal(c.n_requested, 3);
	assert_string_equal(s(&c.requested[0]), "10.2.0.7");
	assert_string_equal(s(&c.requested[1]), "fd00:2::9");
	assert_string_equal(s(&c.requested[2]), "10.2.0.9");
}

static void test_legacy_single_range(void **state)
{
	static struct ipam_config c;
	const char *j = "{\"name\":\"n\",\"ipam\":{\"subnet\":\"10.3.0.0/16\","
			"\"rangeStart\":\"10.3.1.0\",\"rangeEnd\":\"10.3.1.9\","
			"\"ranges\":[[{\"subnet\":\"fd00:3::/64\"}]]}}";

	assert_int_equal(parse(j, NULL, &c, NULL), 0);
	assert_int_equal(c.n_rangesets, 2); /* the old single range comes first */
	assert_string_equal(s(&c.rangesets[0].r[0].end), "10.3.1.9");
	assert_int_equal(c.rangesets[1].r[0].subnet.ip.family, AF_INET6);
}

static void expect_err(const char *json, const char *args, const char *want)
{
	static struct ipam_config c;
	struct plumb_err e = {0};

	assert_true(parse(json, args, &c, &e) < 0);
	if (!strstr(e.msg, want))
		fail_msg("error '%s' does not mention '%s'", e.msg, want);
}

static void test_errors_name_the_field(void **state)
{
	expect_err("{\"name\":\"n\"}", NULL, "'ipam'");
	expect_err("{\"ipam\":{}}", NULL, "'name'");
	expect_err("{\"name\":\"n\",\"ipam\":{}}", NULL, "no IP ranges");
	expect_err("{\"name\":\"n\",\"ipam\":{\"ranges\":[[{\"subnet\":\"10.0.0.0/33\"}]]}}", NULL,
		   "ipam.ranges[0][0].subnet: invalid CIDR '10.0.0.0/33'");
	expect_err("{\"name\":\"n\",\"ipam\":{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"},{}]]}}",
		   NULL, "ipam.ranges[0][1].subnet");
	expect_err("{\"name\":\"n\",\"ipam\":{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\","
		   "\"rangeEnd\":\"10.0.0.x\"}]]}}",
		   NULL, "ipam.ranges[0][0].rangeEnd: invalid IP address '10.0.0.x'");
	expect_err("{\"name\":\"n\",\"ipam\":{\"ranges\":[{\"subnet\":\"10.0.0.0/24\"}]}}", NULL,
		   "ipam.ranges[0]: must be an array");
	expect_err("{\"name\":\"n\",\"ipam\":{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"}]],"
		   "\"routes\":[{\"gw\":\"10.0.0.1\"}]}}",
		   NULL, "ipam.routes[0].dst");
	expect_err("{\"name\":\"n\",\"ipam\":{\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"}]],"
		   "\"dataDir\":5}}",
		   NULL, "ipam.dataDir");
	expect_err("{\"name\":\"n\",\"ipam\":{\"subnet\":\"10.0.0.0/24\"}}", "IP=1.2.3", "CNI_ARGS IP");
	expect_err("{\"name\":\"n\",\"runtimeConfig\":{\"ips\":[7]},\"ipam\":{\"subnet\":\"10.0.0.0/24\"}}",
		   NULL, "runtimeConfig.ips[0]");
	expect_err("{\"name\":\"a/b\",\"ipam\":{\"subnet\":\"10.0.0.0/24\"}}", NULL, "'name'");
	expect_err("{\"name\":\"n\",", NULL, "invalid JSON");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_legacy_single_range),
		cmocka_unit_test(test_errors_name_the_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
