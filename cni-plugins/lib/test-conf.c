// SPDX-License-Identifier: MIT
/* Unit tests for the CNI core's input side: environment, CNI_ARGS, config
 * parsing (common keys, runtimeConfig, prevResult, GC attachments), versions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cni-plugins/lib/cni.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

/* ---- environment ---- */

static const char *const *fake_env;

static const char *fake_getenv(const char *k)
{
	size_t n = strlen(k);

	for (const char *const *e = fake_env; *e; e++)
		if (strncmp(*e, k, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static int load(const char *const *env, struct cni_env *out, struct plumb_err *err)
{
	fake_env = env;
	return cni_env_load(out, fake_getenv, err);
}

static void test_env_add_ok(void **state)
{
	static const char *const env[] = {"CNI_COMMAND=ADD", "CNI_CONTAINERID=abc-1_2.3",
					  "CNI_NETNS=/run/netns/x", "CNI_IFNAME=eth0",
					  "CNI_PATH=/opt/cni/bin", "CNI_ARGS=IP=10.0.0.5;K=V", NULL};
	struct plumb_err err = {0};
	struct cni_env e;

	assert_int_equal(load(env, &e, &err), 0);
	assert_int_equal(e.cmd, CNI_CMD_ADD);
	assert_string_equal(e.container_id, "abc-1_2.3");
	assert_string_equal(e.ifname, "eth0");
}

static void test_env_errors_name_the_variable(void **state)
{
	static const struct {
		const char *env[7];
		const char *want;
	} cases[] = {
		{{"CNI_CONTAINERID=a", NULL}, "CNI_COMMAND"},
		{{"CNI_COMMAND=FROB", NULL}, "CNI_COMMAND 'FROB'"},
		{{"CNI_COMMAND=ADD", "CNI_NETNS=/x", "CNI_IFNAME=eth0", "CNI_PATH=/p", NULL},
		 "CNI_CONTAINERID"},
		{{"CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_IFNAME=eth0", "CNI_PATH=/p", NULL},
		 "CNI_NETNS"},
		{{"CNI_COMMAND=CHECK", "CNI_CONTAINERID=a", "CNI_NETNS=/x", "CNI_PATH=/p", NULL},
		 "CNI_IFNAME"},
		{{"CNI_COMMAND=DEL", "CNI_CONTAINERID=a", "CNI_IFNAME=eth0", NULL}, "CNI_PATH"},
		{{"CNI_COMMAND=ADD", "CNI_CONTAINERID=-bad", "CNI_NETNS=/x", "CNI_IFNAME=eth0",
		  "CNI_PATH=/p", NULL},
		 "CNI_CONTAINERID '-bad'"},
		{{"CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_NETNS=/x",
		  "CNI_IFNAME=averyveryverylongname", "CNI_PATH=/p", NULL},
		 "longer than 15"},
		{{"CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_NETNS=/x", "CNI_IFNAME=et/h0",
		  "CNI_PATH=/p", NULL},
		 "'/'"},
		{{"CNI_COMMAND=ADD", "CNI_CONTAINERID=a", "CNI_NETNS=/x", "CNI_IFNAME=eth0",
		  "CNI_PATH=/p", "CNI_ARGS=novalue", NULL},
		 "CNI_ARGS"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct plumb_err err = {0};
		struct cni_env e;

		assert_int_equal(load(cases[i].env, &e, &err), -EINVAL);
		if (!strstr(err.msg, cases[i].want))
			fail_msg("case %zu: '%s' does not mention '%s'", i, err.msg, cases[i].want);
	}
}

static void test_env_netns_too_long(void **state)
{
	static char netns[CNI_SANDBOX_MAX + 16] = "CNI_NETNS=/run/netns/";
	const char *const env[] = {"CNI_COMMAND=ADD", "CNI_CONTAINERID=a", netns,
				   "CNI_IFNAME=eth0", "CNI_PATH=/p", NULL};
	size_t n = strlen(netns);
	struct plumb_err err = {0};
	struct cni_env e;

	/* exactly CNI_SANDBOX_MAX - 1 characters of path: accepted */
	memset(netns + n, 'x', CNI_SANDBOX_MAX - 1 - (n - strlen("CNI_NETNS=")));
	assert_int_equal(load(env, &e, &err), 0);
	assert_int_equal(strlen(e.netns), CNI_SANDBOX_MAX - 1);
	/* one more: refused by name, never truncated into a result */
	netns[strlen(netns)] = 'y';
	assert_int_equal(load(env, &e, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "CNI_NETNS is longer than"));
}

static void test_env_del_without_netns(void **state)
{
	static const char *const env[] = {"CNI_COMMAND=DEL", "CNI_CONTAINERID=a",
					  "CNI_IFNAME=eth0", "CNI_PATH=/p", NULL};
	static const char *const ver[] = {"CNI_COMMAND=VERSION", NULL};
	struct cni_env e;

	assert_int_equal(load(env, &e, NULL), 0);
	assert_null(e.netns);
	assert_int_equal(load(ver, &e, NULL), 0);
	assert_int_equal(e.cmd, CNI_CMD_VERSION);
}

static void test_args_get(void **state)
{
	char buf[64];

	assert_int_equal(cni_args_get("IgnoreUnknown=1;IP=10.1.2.3;K8S_POD_NAME=p", "IP", buf,
				      sizeof(buf), NULL),
			 1);
	assert_string_equal(buf, "10.1.2.3");
	assert_int_equal(cni_args_get("IP=1", "IPX", buf, sizeof(buf), NULL), 0);
	assert_int_equal(cni_args_get("A=1;", "B", buf, sizeof(buf), NULL), 0);
	assert_int_equal(cni_args_get("A=1;;B=2", "B", buf, sizeof(buf), NULL), -EINVAL);
	assert_int_equal(cni_args_get("=1", "B", buf, sizeof(buf), NULL), -EINVAL);
	assert_int_equal(cni_args_get("A=1", "A", buf, 1, NULL), -EINVAL);
}

/* ---- config ---- */

static int parse(const char *s, enum cni_cmd cmd, struct cni_conf *c, struct plumb_err *err)
{
	return cni_conf_parse(s, strlen(s), cmd, c, err);
}

static void test_conf_full(void **state)
{
	const char *s =
		"{\"cniVersion\":\"1.0.0\",\"name\":\"podman\",\"type\":\"bridge\","
		"\"bridge\":\"cni0\",\"isGateway\":true,\"mtu\":1400,"
		"\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"10.88.0.0/16\"}]]},"
		"\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,"
		"\"protocol\":\"tcp\"},{\"hostPort\":53,\"containerPort\":5353,\"protocol\":\"UDP\","
		"\"hostIP\":\"192.168.1.1\"}],\"ips\":[\"10.88.0.9/16\",\"fd00::9\"],"
		"\"mac\":\"AA:bb:cc:dd:ee:01\",\"aliases\":{\"podman\":[\"web\",\"www\"],"
		"\"other\":[\"x\"]},\"dns\":{\"servers\":[\"10.88.0.1\"],\"searches\":[\"dns.podman\"]}},"
		"\"args\":{\"cni\":{\"ips\":[\"10.88.0.10\"]}},"
		"\"prevResult\":{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"cni0\"},"
		"{\"name\":\"eth0\",\"sandbox\":\"/run/netns/p\"}],\"ips\":[{\"version\":\"4\","
		"\"address\":\"10.88.0.9/16\",\"gateway\":\"10.88.0.1\",\"interface\":1}],"
		"\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}";
	struct plumb_err err = {0};
	struct cni_conf c;
	const char *br = NULL;
	bool gw = false;
	int64_t mtu = 0;
	char buf[64];

	assert_int_equal(parse(s, CNI_CMD_ADD, &c, &err), 0);
	assert_int_equal(c.version, CNI_V100);
	assert_string_equal(c.name, "podman");
	assert_string_equal(c.type, "bridge");
	assert_string_equal(c.ipam_type, "host-local");
	assert_int_equal(c.rt.n_ports, 2);
	assert_int_equal(c.rt.ports[0].host_port, 8080);
	assert_int_equal(c.rt.ports[0].proto, IPPROTO_TCP);
	assert_int_equal(c.rt.ports[1].proto, IPPROTO_UDP);
	assert_int_equal(c.rt.ports[1].container_port, 5353);
	assert_string_equal(plumb_ip_str(&c.rt.ports[1].host_ip, buf, sizeof(buf)), "192.168.1.1");
	assert_int_equal(c.rt.n_ips, 3);
	assert_string_equal(plumb_cidr_str(&c.rt.ips[1], buf, sizeof(buf)), "fd00::9/128");
	assert_string_equal(c.rt.mac, "aa:bb:cc:dd:ee:01");
	assert_int_equal(c.rt.n_aliases, 2);
	assert_string_equal(c.rt.aliases[1], "www");
	assert_true(c.rt.has_dns);
	assert_string_equal(c.rt.dns.nameservers[0], "10.88.0.1");
	assert_string_equal(c.rt.dns.search[0], "dns.podman");
	assert_true(c.has_prev);
	assert_int_equal(c.prev.version, CNI_V040);
	assert_int_equal(c.prev.n_ifaces, 2);
	assert_int_equal(c.prev.ips[0].iface, 1);
	assert_int_equal(c.prev.n_routes, 1);
	assert_int_equal(cni_conf_get_str(&c, NULL, "bridge", &br, &err), 0);
	assert_string_equal(br, "cni0");
	assert_int_equal(cni_conf_get_bool(&c, NULL, "isGateway", &gw, &err), 0);
	assert_true(gw);
	assert_int_equal(cni_conf_get_int(&c, NULL, "mtu", 0, 65535, &mtu, &err), 0);
	assert_int_equal(mtu, 1400);
	assert_int_equal(cni_conf_get_bool(&c, NULL, "bridge", &gw, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "bridge"));
	assert_true(cni_conf_has(&c, "ipam", "ranges"));
	assert_false(cni_conf_has(&c, "ipam", "subnet"));
	assert_int_equal(cni_conf_array_len(&c, "ipam", "ranges", &err), 1);
	cni_conf_free(&c);
}

static void test_conf_errors(void **state)
{
	static const struct {
		const char *json;
		int r;
		const char *want;
	} cases[] = {
		{"{\"cniVersion\":\"1.0.0\",", -EBADMSG, "not JSON"},
		{"[1]", -EINVAL, "JSON object"},
		{"{\"name\":\"n\"}", -EINVAL, "cniVersion"},
		{"{\"cniVersion\":\"0.2.0\",\"name\":\"n\"}", -EPROTONOSUPPORT, "0.2.0"},
		{"{\"cniVersion\":\"banana\",\"name\":\"n\"}", -EINVAL, "banana"},
		{"{\"cniVersion\":\"1.0.0\"}", -EINVAL, "'name'"},
		{"{\"cniVersion\":\"1.0.0\",\"name\":\"a b\"}", -EINVAL, "network name"},
		{"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":{}}", -EINVAL, "ipam.type"},
		{"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":{\"type\":\"../x\"}}", -EINVAL,
		 "ipam.type"},
		{"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":"
		 "[{\"hostPort\":0,\"containerPort\":80}]}}",
		 -EINVAL, "portMappings[0].hostPort"},
		{"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":"
		 "[{\"hostPort\":80,\"containerPort\":80,\"protocol\":\"icmp\"}]}}",
		 -EINVAL, "icmp"},
		{"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"ips\":[\"x\"]}}",
		 -EINVAL, "runtimeConfig.ips[0]"},
		{"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"mac\":\"zz\"}}",
		 -EINVAL, "mac"},
		{"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":{\"ips\":[{\"address\":"
		 "\"10.0.0.1\"}]}}",
		 -EINVAL, "prevResult.ips[0].address"},
		{"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":{\"ips\":[{\"address\":"
		 "\"10.0.0.1/24\",\"interface\":3}]}}",
		 -EINVAL, "interface"},
		{"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"a\":1,\"a\":2}", -EBADMSG, "duplicate"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct plumb_err err = {0};
		struct cni_conf c;
		int r = parse(cases[i].json, CNI_CMD_ADD, &c, &err);

		cni_conf_free(&c);
		if (r != cases[i].r || !strstr(err.msg, cases[i].want))
			fail_msg("case %zu: got %d '%s', want %d mentioning '%s'", i, r, err.msg,
				 cases[i].r, cases[i].want);
	}
}

static void test_conf_gc_attachments(void **state)
{
	const char *s = "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"cni.dev/valid-attachments\":"
			"[{\"containerID\":\"c1\",\"ifname\":\"eth0\"},{\"containerID\":\"c2\","
			"\"ifname\":\"eth1\"}]}";
	const char *old = "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"cni.dev/attachments\":"
			  "[{\"containerID\":\"c9\",\"ifname\":\"eth0\"}]}";
	const char *bad = "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"cni.dev/valid-attachments\":"
			  "[{\"containerID\":\"c9\"}]}";
	struct plumb_err err = {0};
	struct cni_conf c;

	assert_int_equal(parse(s, CNI_CMD_GC, &c, &err), 0);
	assert_int_equal(c.n_valid, 2);
	assert_string_equal(c.valid[1].container_id, "c2");
	assert_string_equal(c.valid[1].ifname, "eth1");
	cni_conf_free(&c);
	assert_int_equal(parse(old, CNI_CMD_GC, &c, &err), 0);
	assert_int_equal(c.n_valid, 1);
	assert_string_equal(c.valid[0].container_id, "c9");
	cni_conf_free(&c);
	assert_int_equal(parse(bad, CNI_CMD_GC, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "ifname"));
	cni_conf_free(&c);
}

static void test_versions(void **state)
{
	int v;
	char buf[16];

	assert_int_equal(cni_version_parse("0.3.0", &v, NULL), 0);
	assert_int_equal(v, CNI_V030);
	assert_int_equal(cni_version_parse("1.1.0", &v, NULL), 0);
	assert_int_equal(v, CNI_V110);
	assert_int_equal(cni_version_parse("0.1.0", &v, NULL), -EPROTONOSUPPORT);
	assert_int_equal(cni_version_parse("1.2.0", &v, NULL), -EPROTONOSUPPORT);
	assert_int_equal(cni_version_parse("1.0", &v, NULL), -EINVAL);
	assert_int_equal(cni_version_parse("1.0.0x", &v, NULL), -EINVAL);
	assert_int_equal(cni_version_parse(NULL, &v, NULL), -EINVAL);
	assert_string_equal(cni_version_str(CNI_V031, buf, sizeof(buf)), "0.3.1");
	assert_string_equal(cni_version_str(CNI_V110, buf, sizeof(buf)), "1.1.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_add_ok),
		cmocka_unit_test(test_env_errors_name_the_variable),
		cmocka_unit_test(test_env_netns_too_long),
		cmocka_unit_test(test_env_del_without_netns),
		cmocka_unit_test(test_args_get),
		cmocka_unit_test(test_conf_full),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_conf_gc_attachments),
		cmocka_unit_test(test_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
