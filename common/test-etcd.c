// SPDX-License-Identifier: MIT
/* Unit tests for the pure parts of common/etcd: base64, prefix ends,
 * endpoint lists. (Talking to a real etcd is netns-tests/t-ipam-etcd.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/etcd-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_b64_round_trip(void **state)
{
	const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "/plumb/x/subnets/10.0.0.0-24"};
	const char *want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy", NULL};

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *e = etcd_b64_encode(in[i], strlen(in[i])), *d;
		size_t n;

		if (want[i])
			assert_string_equal(e, want[i]);
		assert_int_equal(etcd_b64_decode(e, &d, &n), 0);
		assert_int_equal(n, strlen(in[i]));
		assert_memory_equal(d, in[i], n);
		free(e);
		free(d);
	}
	{
		const unsigned char bin[] = {0, 0xff, 0x10, 0};
		char *e = etcd_b64_encode(bin, 4), *d;
		size_t n;

		assert_int_equal(etcd_b64_decode(e, &d, &n), 0);
		assert_int_equal(n, 4);
		assert_memory_equal(d, bin, 4);
		free(e);
		free(d);
	}
	{
		char *d = NULL;
		size_t n;

		assert_int_equal(etcd_b64_decode("Zm9v!", &d, &n), -EINVAL);
	}
}

static void test_prefix_end(void **state)
{
	char buf[32];

	assert_string_equal(etcd_prefix_end("/plumb/", buf, sizeof(buf)), "/plumb0");
	assert_string_equal(etcd_prefix_end("a\xff", buf, sizeof(buf)), "b");
	assert_null(etcd_prefix_end("toolong", buf, 4));
}

static void test_endpoints(void **state)
{
	struct etcd_config c = {0};
	struct plumb_err e = {0};
	char ok[] = "http://127.0.0.1:2379,https://10.0.0.1:2379";
	char bad[] = "http://a:1,ftp://b";
	char empty[] = "";

	assert_int_equal(etcd_config_endpoints(&c, ok, &e), 0);
	assert_int_equal(c.n_endpoints, 2);
	assert_string_equal(c.endpoints[1], "https://10.0.0.1:2379");
	assert_int_equal(etcd_config_endpoints(&c, bad, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "'ftp://b'"));
	assert_int_equal(etcd_config_endpoints(&c, empty, &e), -EINVAL);
}

static void test_json_int(void **state)
{
	json_t *o = json_pack("{s:s,s:I}", "a", "7668682420877619718", "b", (json_int_t)5);

	assert_true(etcd_json_int(o, "a") == 7668682420877619718LL);
	assert_int_equal(etcd_json_int(o, "b"), 5);
	assert_int_equal(etcd_json_int(o, "c"), 0);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_round_trip),
		cmocka_unit_test(test_prefix_end),
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_json_int),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
