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

/* Kubernetes objects may put "kind", "type" or "addressType" after the fields
 * they govern: the reader looks at them first whatever the order. */
static void test_order_independent(void **state)
{
	struct svc_objects o = {0};
	struct svc_names p = {0};
	const char *text =
		"{\"items\":["
		"{\"spec\":{\"ports\":[{\"port\":99999}],\"type\":\"ExternalName\"},"
		"\"metadata\":{\"name\":\"ext\"},\"kind\":\"Service\"},"
		"{\"endpoints\":[{\"addresses\":[\"fd00::1\"]}],\"metadata\":{\"name\":\"v6\","
		"\"labels\":{\"kubernetes.io/service-name\":\"x\"}},\"addressType\":\"IPv6\","
		"\"kind\":\"EndpointSlice\"},"
		"{\"spec\":{\"ports\":[{\"nodePort\":30001,\"port\":81}],\"clusterIP\":\"10.96.0.9\","
		"\"type\":\"NodePort\"},\"metadata\":{\"namespace\":\"b\",\"name\":\"np\"},"
		"\"kind\":\"Service\"}"
		"],\"kind\":\"List\"}";

	parse(text, &o, &p, 0);
	assert_int_equal(p.n, 0); /* the ExternalName's ports and the IPv6 addresses are not read */
	assert_int_equal(o.n, 3);
	assert_int_equal(o.v[0].svc.nports, 0);
	assert_int_equal(o.v[1].slice.neps, 0);
	assert_true(o.v[2].svc.node_ports);
	assert_int_equal(o.v[2].svc.ports[0].node_port, 30001);
	assert_string_equal(o.v[2].svc.ns, "b");
	svc_objects_free(&o);
	svc_names_free(&p);
}

/* Duplicate keys: the last wins (as jansson); keys and values may be escaped. */
static void test_duplicates_and_escapes(void **state)
{
	struct svc_objects o = {0};
	struct svc_names p = {0};
	const char *text = "{\"kind\":\"Pod\",\"k\\u0069nd\":\"Serv\\u0069ce\","
			   "\"metadata\":{\"name\":\"first\",\"name\":\"w\\u00e9b\"},"
			   "\"spec\":{\"clusterIP\":\"10.96.0.1\",\"ports\":[{\"port\":1,\"port\":80,"
			   "\"name\":\"h\\/1\"}]}}";

	parse(text, &o, &p, 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.v[0].svc.name, "w\xc3\xa9" "b");
	assert_int_equal(o.v[0].svc.ports[0].port, 80);
	assert_string_equal(o.v[0].svc.ports[0].name, "h/1");
	svc_objects_free(&o);
	svc_names_free(&p);
}

static void test_port_limits(void **state)
{
	char text[8192], *t;
	struct svc_objects o = {0};
	struct svc_names p = {0};

	for (int n = 32; n <= 33; n++) {
		t = text + sprintf(text, "[{\"kind\":\"Service\",\"metadata\":{\"name\":\"s\"},"
				   "\"spec\":{\"clusterIP\":\"10.96.0.1\",\"ports\":[");
		for (int i = 0; i < n; i++)
			t += sprintf(t, "%s{\"name\":\"p%d\",\"port\":%d}", i ? "," : "", i, i + 1);
		t += sprintf(t, "]}},{\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"e\","
			     "\"labels\":{\"kubernetes.io/service-name\":\"s\"}},\"ports\":[");
		for (int i = 0; i < n; i++)
			t += sprintf(t, "%s{\"name\":\"p%d\",\"port\":%d}", i ? "," : "", i, i + 1);
		sprintf(t, "]}]");
		parse(text, &o, &p, 0);
		if (n == 32) {
			assert_int_equal(o.n, 2);
			assert_int_equal(o.v[0].svc.nports, 32);
			assert_int_equal(o.v[1].slice.nports, 32);
		} else {
			assert_int_equal(o.n, 0);
			assert_int_equal(p.n, 2);
			assert_non_null(strstr(p.v[0], "'spec.ports' has more than 32 ports"));
			assert_non_null(strstr(p.v[1], "'ports' has more than 32 ports"));
		}
		svc_objects_free(&o);
		svc_names_free(&p);
	}
}

static void test_endpoint_conditions(void **state)
{
	struct svc_objects o = {0};
	struct svc_names p = {0};
	const char *text = "[{\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"a\","
			   "\"labels\":{\"kubernetes.io/service-name\":\"s\"}},\"endpoints\":["
			   "{\"addresses\":[\"10.1.0.1\"],\"conditions\":{\"ready\":null}},"
			   "{\"addresses\":[\"10.1.0.2\",\"10.1.0.3\"],\"conditions\":{}}]},"
			   "{\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"b\","
			   "\"labels\":{\"kubernetes.io/service-name\":\"s\"}},\"endpoints\":["
			   "{\"addresses\":[\"10.1.0.4\"],\"conditions\":{\"ready\":\"yes\"}}]},"
			   "{\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"c\"}}]";

	parse(text, &o, &p, 0);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.v[0].slice.neps, 3);
	assert_true(o.v[0].slice.eps[0].ready && o.v[0].slice.eps[2].ready);
	assert_int_equal(p.n, 2);
	assert_non_null(strstr(p.v[0], "EndpointSlice 'default/b': field 'conditions.ready' must be "
				       "true or false"));
	assert_non_null(strstr(p.v[1], "missing field 'metadata.labels.kubernetes.io/service-name'"));
	svc_objects_free(&o);
	svc_names_free(&p);
}

/* Text that is not JSON adds nothing and names the line: a half-written file. */
static void test_not_json_adds_nothing(void **state)
{
	static const char *const texts[] = {
		"{\"kind\":\"List\",\n\"items\":[\n{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\"},"
		"\"spec\":{\"clusterIP\":\"10.96.0.1\",\"ports\":[{\"port\":80}]}},\n{\"kind\":",
		"[{\"kind\":\"Service\"},\n\n{\"port\":99999999999999999999}]",
		"[{\"kind\":\"Service\"}]\n\n\n,",
		"{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\\u0000\"}}",
	};
	static const char *const lines[] = {"t.json: line 4", "t.json: line 3", "t.json: line 4",
					    "t.json: line 1"};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct svc_objects o = {0};
		struct svc_names p = {0};
		struct plumb_err err = {0};

		assert_int_equal(svc_reader_parse(texts[i], strlen(texts[i]), "t.json", &o, &p, &err),
				 -EINVAL);
		assert_int_equal(o.n, 0);
		assert_int_equal(p.n, 0);
		if (!strstr(err.msg, lines[i]))
			fail_msg("case %zu: '%s' does not name '%s'", i, err.msg, lines[i]);
		svc_names_free(&p);
	}
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
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_duplicates_and_escapes),
		cmocka_unit_test(test_port_limits),
		cmocka_unit_test(test_endpoint_conditions),
		cmocka_unit_test(test_not_json_adds_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
