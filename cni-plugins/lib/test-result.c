// SPDX-License-Identifier: MIT
/* Unit tests for the CNI core's output side: results in each cniVersion's shape,
 * decode/encode round trips, error objects and errno -> code mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cni-plugins/lib/cni.h"
#include "common/cleanup.h"

#include <errno.h>
#include <string.h>

static void sample(struct cni_result *r)
{
	struct plumb_cidr a4, a6, def, d6;
	struct plumb_ip g4, g6;

	memset(r, 0, sizeof(*r));
	plumb_cidr_parse("10.88.0.5/16", false, &a4);
	plumb_cidr_parse("fd00:88::5/64", false, &a6);
	plumb_cidr_parse("0.0.0.0/0", false, &def);
	plumb_cidr_parse("::/0", false, &d6);
	plumb_ip_parse("10.88.0.1", &g4);
	plumb_ip_parse("fd00:88::1", &g6);
	cni_result_add_iface(r, "cni0", "0a:58:0a:58:00:01", NULL);
	cni_result_add_iface(r, "veth1234abcd", "0a:58:0a:58:00:02", NULL);
	cni_result_add_iface(r, "eth0", "0a:58:0a:58:00:05", "/run/netns/p");
	r->ifaces[2].mtu = 1400;
	cni_result_add_ip(r, &a4, &g4, 2);
	cni_result_add_ip(r, &a6, &g6, 2);
	cni_result_add_route(r, &def, &g4);
	cni_result_add_route(r, &d6, NULL);
	r->routes[0].priority = 100;
	snprintf(r->dns.nameservers[0], sizeof(r->dns.nameservers[0]), "10.88.0.1");
	r->dns.n_nameservers = 1;
}

static void test_encode_per_version(void **state)
{
	struct cni_result r;
	_cleanup_free_ char *v031 = NULL, *v100 = NULL, *v110 = NULL, *ipam = NULL;

	sample(&r);
	v031 = cni_result_encode(&r, CNI_V031, false);
	v100 = cni_result_encode(&r, CNI_V100, false);
	v110 = cni_result_encode(&r, CNI_V110, false);
	ipam = cni_result_encode(&r, CNI_V040, true);
	assert_string_equal(
		v031,
		"{\"cniVersion\":\"0.3.1\",\"interfaces\":[{\"name\":\"cni0\",\"mac\":"
		"\"0a:58:0a:58:00:01\"},{\"name\":\"veth1234abcd\",\"mac\":\"0a:58:0a:58:00:02\"},"
		"{\"name\":\"eth0\",\"mac\":\"0a:58:0a:58:00:05\",\"sandbox\":\"/run/netns/p\"}],"
		"\"ips\":[{\"version\":\"4\",\"address\":\"10.88.0.5/16\",\"gateway\":\"10.88.0.1\","
		"\"interface\":2},{\"version\":\"6\",\"address\":\"fd00:88::5/64\",\"gateway\":"
		"\"fd00:88::1\",\"interface\":2}],\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":"
		"\"10.88.0.1\"},{\"dst\":\"::/0\"}],\"dns\":{\"nameservers\":[\"10.88.0.1\"]}}");
	/* 1.0.0 drops "version"; only 1.1.0 carries mtu and route attributes */
	assert_null(strstr(v100, "\"version\""));
	assert_null(strstr(v100, "mtu"));
	assert_null(strstr(v100, "priority"));
	assert_non_null(strstr(v100, "\"cniVersion\":\"1.0.0\""));
	assert_non_null(strstr(v110, "\"mtu\":1400"));
	assert_non_null(strstr(v110, "\"priority\":100"));
	/* IPAM answers carry neither interfaces nor interface indexes */
	assert_null(strstr(ipam, "interface"));
	assert_non_null(strstr(ipam, "\"version\":\"4\""));
}

static void test_roundtrip_all_versions(void **state)
{
	static const int versions[] = {CNI_V030, CNI_V031, CNI_V040, CNI_V100, CNI_V110};
	struct cni_result r, back;

	sample(&r);
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		_cleanup_free_ char *a = cni_result_encode(&r, versions[i], false);
		_cleanup_free_ char *b = NULL;
		struct plumb_err err = {0};

		assert_int_equal(cni_result_decode(a, &back, &err), 0);
		assert_int_equal(back.version, versions[i]);
		assert_int_equal(back.n_ifaces, 3);
		assert_int_equal(back.n_ips, 2);
		assert_int_equal(back.n_routes, 2);
		assert_true(plumb_cidr_equal(&back.ips[1].address, &r.ips[1].address));
		assert_true(plumb_ip_equal(&back.ips[0].gateway, &r.ips[0].gateway));
		assert_int_equal(back.ips[1].iface, 2);
		assert_string_equal(back.ifaces[2].sandbox, "/run/netns/p");
		b = cni_result_encode(&back, versions[i], false);
		assert_string_equal(a, b);
	}
}

static void test_decode_errors(void **state)
{
	struct plumb_err err = {0};
	struct cni_result r;

	assert_int_equal(cni_result_decode("nope", &r, &err), -EBADMSG);
	assert_int_equal(cni_result_decode("{\"ips\":[{\"address\":\"10.0.0.1/24\","
					   "\"gateway\":\"fd00::1\"}]}",
					   &r, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "gateway"));
	assert_int_equal(cni_result_decode("{\"routes\":[{\"gw\":\"10.0.0.1\"}]}", &r, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "routes[0].dst"));
	assert_int_equal(cni_result_decode("{\"interfaces\":[{\"mac\":\"x\"}]}", &r, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "interfaces[0].name"));
	assert_int_equal(cni_result_decode("{\"cniVersion\":\"7.0.0\"}", &r, &err),
			 -EPROTONOSUPPORT);
}

static void test_error_object(void **state)
{
	_cleanup_free_ char *a = cni_error_encode("1.0.0", 7, "field 'mtu' must be an integer",
						  NULL);
	_cleanup_free_ char *b = cni_error_encode(NULL, 11, "busy", "Device or resource busy");

	assert_string_equal(a, "{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"field 'mtu' must "
			       "be an integer\"}");
	assert_string_equal(b, "{\"cniVersion\":\"1.1.0\",\"code\":11,\"msg\":\"busy\","
			       "\"details\":\"Device or resource busy\"}");
}

static void test_errno_to_code(void **state)
{
	assert_int_equal(cni_code_from_errno(-EPROTONOSUPPORT), CNI_ERR_INCOMPATIBLE_VERSION);
	assert_int_equal(cni_code_from_errno(-ESRCH), CNI_ERR_UNKNOWN_CONTAINER);
	assert_int_equal(cni_code_from_errno(-EIO), CNI_ERR_IO);
	assert_int_equal(cni_code_from_errno(-EBADMSG), CNI_ERR_DECODE);
	assert_int_equal(cni_code_from_errno(-EINVAL), CNI_ERR_INVALID_CONFIG);
	assert_int_equal(cni_code_from_errno(EINVAL), CNI_ERR_INVALID_CONFIG);
	assert_int_equal(cni_code_from_errno(-EAGAIN), CNI_ERR_TRY_AGAIN);
	assert_int_equal(cni_code_from_errno(-EBUSY), CNI_ERR_TRY_AGAIN);
	assert_int_equal(cni_code_from_errno(-EEXIST), CNI_ERR_GENERIC);
}

static void test_find_plugin(void **state)
{
	char path[256];
	struct plumb_err err = {0};

	assert_int_equal(cni_find_plugin("/nonexistent:/bin", "sh", path, sizeof(path), &err), 0);
	assert_string_equal(path, "/bin/sh");
	assert_int_equal(cni_find_plugin("/nonexistent::/also-not", "sh", path, sizeof(path), &err),
			 -ENOENT);
	assert_non_null(strstr(err.msg, "'sh'"));
	assert_int_equal(cni_find_plugin("/bin", "../bin/sh", path, sizeof(path), &err), -EINVAL);
	/* /bin/sh is not plumb's own plugin; this test binary carries the marker
	 * and sits in its own directory, so it counts as ours */
	assert_false(cni_delegate_is_ours("/bin/sh"));
	const char *volatile keep = cni_plumb_marker; /* links the marker in */

	(void)keep;
	assert_true(cni_delegate_is_ours("/proc/self/exe"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_per_version), cmocka_unit_test(test_roundtrip_all_versions),
		cmocka_unit_test(test_decode_errors),	   cmocka_unit_test(test_error_object),
		cmocka_unit_test(test_errno_to_code),	   cmocka_unit_test(test_find_plugin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
