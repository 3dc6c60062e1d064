// SPDX-License-Identifier: MIT
/* Unit tests for plumb-dns's edges: registrations as JSON (parse, errors that
 * name the field, dump -> parse round trip) and upstreams from resolv.conf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dns/plumb-dns/regjson.h"
#include "dns/plumb-dns/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static void parse(const char *text, int want, const char *msg_part)
{
	struct dns_reg_buf *b = malloc(sizeof(*b));
	json_t *o = json_loads(text, 0, NULL);
	struct plumb_err err = {0};
	int r;

	assert_non_null(o);
	r = regjson_parse(o, b, &err);
	assert_int_equal(r, want);
	if (msg_part)
		assert_non_null(strstr(err.msg, msg_part));
	json_decref(o);
	free(b);
}

static void test_regjson_errors_name_the_field(void **state)
{
	parse("{\"network\":\"prod\",\"id\":\"c1\",\"name\":\"web\",\"addresses\":[\"10.0.0.2/24\"]}", 0,
	      NULL);
	parse("{\"id\":\"c1\"}", -EINVAL, "'network'");
	parse("{\"network\":\"prod\",\"id\":\"c1\",\"addresses\":[\"nope\"]}", -EINVAL,
	      "addresses[0]");
	parse("{\"network\":\"prod\",\"id\":\"c1\",\"aliases\":[\"a b\"]}", -EINVAL, "alias 'a b'");
	parse("{\"network\":\"prod\",\"id\":\"c1\",\"aliases\":[3]}", -EINVAL, "aliases[0]");
	parse("{\"network\":\"prod\",\"id\":\"c1\",\"kind\":\"vm\"}", -EINVAL, "'kind'");
	parse("{\"network\":\"prod\",\"id\":\"s\",\"kind\":\"service\",\"name\":\"api\"}", -EINVAL,
	      "'namespace'");
	parse("{\"network\":\"prod\",\"id\":\"s\",\"kind\":\"service\",\"name\":\"api\","
	      "\"namespace\":\"default\",\"ports\":[{\"port\":70000}]}",
	      -EINVAL, "ports[0]");
}

static void test_regjson_round_trip(void **state)
{
	const char *text = "{\"kind\":\"service\",\"network\":\"prod\",\"id\":\"svc/default/api\","
			   "\"name\":\"api\",\"namespace\":\"default\",\"clusterDomain\":\"k8s.local\","
			   "\"headless\":true,\"addresses\":[\"10.1.0.5\",\"fd00::5\"],"
			   "\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":80}],"
			   "\"aliases\":[\"x\"],\"netns\":\"/run/netns/p\"}";
	struct dns_reg_buf *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	json_t *o = json_loads(text, 0, NULL), *dumped, *again;

	assert_int_equal(regjson_parse(o, a, NULL), 0);
	assert_string_equal(a->r.ports[0].proto, "tcp"); /* Kubernetes' "TCP" */
	dumped = regjson_dump(&a->r);
	assert_int_equal(regjson_parse(dumped, b, NULL), 0);
	assert_int_equal(b->r.kind, DNS_REG_SERVICE);
	assert_true(b->r.headless);
	assert_string_equal(b->r.cluster_domain, "k8s.local");
	assert_int_equal(b->r.naddrs, 2);
	assert_true(plumb_ip_equal(&a->r.addrs[1], &b->r.addrs[1]));
	assert_int_equal(b->r.ports[0].port, 80);
	assert_string_equal(b->r.netns, "/run/netns/p");
	again = regjson_dump(&b->r);
	assert_true(json_equal(dumped, again));
	json_decref(o);
	json_decref(dumped);
	json_decref(again);
	free(a);
	free(b);
}

static void test_resolv_conf_skips_loopback(void **state)
{
	struct upstream up[8];
	const char *text = "# systemd-resolved stub\n"
			   "nameserver 127.0.0.53\n"
			   "search example.org\n"
			   "nameserver 192.0.2.1\n"
			   "  nameserver   2001:db8::53  \n"
			   "nameserver ::1\n"
			   "nameserver not-an-address\n"
			   "nameserver 198.51.100.7";
	struct sockaddr_in *sin = (struct sockaddr_in *)&up[0].sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&up[1].sa;
	char buf[64];

	assert_int_equal(upstreams_parse_resolv(text, up, 8), 3);
	assert_string_equal(inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf)), "192.0.2.1");
	assert_int_equal(ntohs(sin->sin_port), 53);
	assert_string_equal(inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf)), "2001:db8::53");
	assert_int_equal(upstreams_parse_resolv(text, up, 1), 1);
	assert_int_equal(upstreams_parse_resolv("", up, 8), 0);
}

static void test_upstream_specs(void **state)
{
	struct upstream u;

	assert_int_equal(upstream_parse("10.0.0.1:5353", &u), 0);
	assert_int_equal(ntohs(((struct sockaddr_in *)&u.sa)->sin_port), 5353);
	assert_int_equal(upstream_parse("[fd00::1]:54", &u), 0);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&u.sa)->sin6_port), 54);
	assert_int_equal(upstream_parse("fd00::1", &u), 0);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&u.sa)->sin6_port), 53);
	assert_int_equal(upstream_parse("10.0.0.1:0", &u), -EINVAL);
	assert_int_equal(upstream_parse("10.0.0.1:99999", &u), -EINVAL);
	assert_int_equal(upstream_parse("[fd00::1", &u), -EINVAL);
	assert_int_equal(upstream_parse("host.example", &u), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regjson_errors_name_the_field),
		cmocka_unit_test(test_regjson_round_trip),
		cmocka_unit_test(test_resolv_conf_skips_loopback),
		cmocka_unit_test(test_upstream_specs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
