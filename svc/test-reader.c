// SPDX-License-Identifier: MIT
/* Unit tests for svc/reader.c: kubectl-shaped JSON in, svc structs out; bad
 * objects are named by kind, name and field and do not hide the good ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "svc/svc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static const char *const SERVICE = "{"
	"\"apiVersion\":\"v1\",\"kind\":\"Service\","
	"\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"},"
	"\"spec\":{\"type\":\"NodePort\",\"clusterIP\":\"10.96.0.10\",\"clusterIPs\":[\"10.96.0.10\"],"
	"\"sessionAffinity\":\"ClientIP\","
	"\"sessionAffinityConfig\":{\"clientIP\":{\"timeoutSeconds\":30}},"
	"\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":80,\"targetPort\":8080,"
	"\"nodePort\":30080},"
	"{\"name\":\"dns\",\"protocol\":\"UDP\",\"port\":53,\"targetPort\":\"dns-port\"}]}}";

static const char *const SLICE = "{"
	"\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\","
	"\"metadata\":{\"name\":\"web-abc\",\"namespace\":\"shop\","
	"\"labels\":{\"kubernetes.io/service-name\":\"web\"}},"
	"\"addressType\":\"IPv4\","
	"\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":8080}],"
	"\"endpoints\":["
	"{\"addresses\":[\"10.1.0.2\"],\"conditions\":{\"ready\":true}},"
	"{\"addresses\":[\"10.1.0.3\"],\"conditions\":{\"ready\":false}},"
	"{\"addresses\":[\"10.1.0.4\"]}]}";

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void parse(const char *text, struct svc_objects *o, struct svc_names *problems, int want)
{
	struct plumb_err err = {0};

	assert_int_equal(svc_reader_parse(text, strlen(text), "t.json", o, problems, &err), want);
}

static void test_service_fields(void **state)
{
	struct svc_objects o = {0};
	struct svc_names p = {0};
	const struct svc_service *s;

	parse(SERVICE, &o, &p, 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(o.n, 1);
	s = &o.v[0].svc;
	assert_int_equal(o.v[0].kind, SVC_KIND_SERVICE);
	assert_string_equal(s->ns, "shop");
	assert_string_equal(s->name, "web");
	assert_int_equal(s->cluster_ip, ip("10.96.0.10"));
	assert_true(s->node_ports);
	assert_int_equal(s->affinity, 30);
	assert_int_equal(s->nports, 2);
	assert_string_equal(s->ports[0].name, "http");
	assert_int_equal(s->ports[0].proto, IPPROTO_TCP);
	assert_int_equal(s->ports[0].port, 80);
	assert_int_equal(s->ports[0].target, 8080);
	assert_int_equal(s->ports[0].node_port, 30080);
	assert_int_equal(s->ports[1].proto, IPPROTO_UDP);
	assert_string_equal(s->ports[1].target_name, "dns-port");
	svc_objects_free(&o);
	svc_names_free(&p);
}

static void test_slice_ready_default(void **state)
{
	struct svc_objects o = {0};
	struct svc_names p = {0};
	const struct svc_slice *s;

	parse(SLICE, &o, &p, 0);
	assert_int_equal(o.n, 1);
	s = &o.v[0].slice;
	assert_string_equal(s->service, "web");
	assert_int_equal(s->nports, 1);
	assert_int_equal(s->ports[0].port, 8080);
	assert_int_equal(s->neps, 3);
	assert_true(s->eps[0].ready);
	assert_false(s->eps[1].ready);
	assert_true(s->eps[2].ready); /* no conditions: ready, as Kubernetes says */
	assert_int_equal(s->eps[2].addr, ip("10.1.0.4"));
	svc_objects_free(&o);
	svc_names_free(&p);
}

static void test_list_and_array(void **state)
{
	char text[4096];
	struct svc_objects o = {0};
	struct svc_names p = {0};

	snprintf(text, sizeof(text), "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[%s,%s,"
		 "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"}}]}", SERVICE, SLICE);
	parse(text, &o, &p, 0);
	assert_int_equal(o.n, 2); /* the Pod is not ours and is ignored */
	assert_int_equal(p.n, 0);
	svc_objects_free(&o);
	snprintf(text, sizeof(text), "[%s,%s]", SLICE, SERVICE);
	parse(text, &o, &p, 0);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.v[0].kind, SVC_KIND_SLICE);
	svc_objects_free(&o);
	svc_names_free(&p);
}

static void test_malformed_named_rest_kept(void **state)
{
	char text[4096];
	struct svc_objects o = {0};
	struct svc_names p = {0};
	const char *bad = "{\"kind\":\"Service\",\"metadata\":{\"name\":\"broken\",\"namespace\":\"ns1\"},"
			  "\"spec\":{\"clusterIP\":\"10.96.0.11\",\"ports\":[{\"port\":99999}]}}";
	const char *badip = "{\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"s1\","
			    "\"labels\":{\"kubernetes.io/service-name\":\"a\"}},"
			    "\"endpoints\":[{\"addresses\":[\"10.1.0.300\"]}]}";

	snprintf(text, sizeof(text), "{\"kind\":\"ServiceList\",\"items\":[%s,%s,%s]}", bad, SERVICE,
		 badip);
	parse(text, &o, &p, 0);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.v[0].svc.name, "web");
	assert_int_equal(p.n, 2);
	assert_non_null(strstr(p.v[0], "t.json: Service 'ns1/broken'"));
	assert_non_null(strstr(p.v[0], "spec.ports[0].port"));
	assert_non_null(strstr(p.v[1], "EndpointSlice 'default/s1'"));
	assert_non_null(strstr(p.v[1], "endpoints[0].addresses[0]"));
	svc_objects_free(&o);
	svc_names_free(&p);
}

static void test_bad_values(void **state)
{
	static const struct {
		const char *spec, *field;
	} cases[] = {
		{"\"type\":\"Weird\"", "spec.type"},
		{"\"clusterIP\":\"10.96.0.300\"", "spec.clusterIP"},
		{"\"sessionAffinity\":\"Cookie\"", "spec.sessionAffinity"},
		{"\"ports\":[{\"port\":80,\"protocol\":\"ICMP\"}]", "spec.ports[0].protocol"},
		{"\"ports\":[{\"port\":\"80\"}]", "spec.ports[0].port"},
		{"\"ports\":[{\"name\":\"a\",\"port\":80},{\"name\":\"a\",\"port\":81}]",
		 "spec.ports[1].name"},
		{"\"sessionAffinity\":\"ClientIP\",\"sessionAffinityConfig\":{\"clientIP\":"
		 "{\"timeoutSeconds\":0}}",
		 "timeoutSeconds"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024];
		struct svc_objects o = {0};
		struct svc_names p = {0};

		snprintf(text, sizeof(text),
			 "{\"kind\":\"Service\",\"metadata\":{\"name\":\"s%zu\"},\"spec\":{%s}}", i,
			 cases[i].spec);
		parse(text, &o, &p, 0);
		assert_int_equal(o.n, 0);
		assert_int_equal(p.n, 1);
		if (!strstr(p.v[0], cases[i].field))
			fail_msg("case %zu: '%s' does not name '%s'", i, p.v[0], cases[i].field);
		svc_objects_free(&o);
		svc_names_free(&p);
	}
}

static void test_not_json(void **state)
{
	struct svc_objects o = {0};
	struct svc_names p = {0};
	struct plumb_err err = {0};

	assert_int_equal(svc_reader_parse("{nope", 5, "x.json", &o, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "x.json: line 1"));
	svc_names_free(&p);
}

static void test_headless_and_ipv6_ignored(void **state)
{
	struct svc_objects o = {0};
	struct svc_names p = {0};
	struct svc_group g = {0};
	const char *headless = "{\"kind\":\"Service\",\"metadata\":{\"name\":\"h\"},"
			       "\"spec\":{\"clusterIP\":\"None\",\"ports\":[{\"port\":80}]}}";

	parse(headless, &o, &p, 0);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.v[0].svc.cluster_ip, 0);
	assert_int_equal(svc_group_build(&o.v[0].svc, NULL, 0, &g), 0);
	assert_int_equal(g.n, 0); /* nothing to program */
	svc_group_free(&g);
	svc_objects_free(&o);
	svc_names_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_fields),
		cmocka_unit_test(test_slice_ready_default),
		cmocka_unit_test(test_list_and_array),
		cmocka_unit_test(test_malformed_named_rest_kept),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_headless_and_ipv6_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
