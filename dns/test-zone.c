// SPDX-License-Identifier: MIT
/* Unit tests for the zone and dns_answer: names, aliases and their rotation,
 * name.<network>, the network's domain, NODATA, NXDOMAIN vs forwarding,
 * isolation between networks, PTR, services, truncation, FORMERR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "dns/dns.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct fx {
	struct dns_registry reg;
	struct dns_zone *z;
	int prod, dev;
};

static void add(struct dns_registry *reg, const char *net, const char *id, const char *name,
		const char *alias, const char *ip)
{
	struct plumb_ip addr;
	char *aliases[] = {(char *)alias};
	struct dns_reg r = {.network = (char *)net, .id = (char *)id, .name = (char *)name,
			    .aliases = alias ? aliases : NULL, .naliases = alias ? 1 : 0,
			    .addrs = &addr, .naddrs = 1};

	assert_int_equal(plumb_ip_parse(ip, &addr), 0);
	assert_int_equal(dns_registry_put(reg, &r, NULL), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct dns_netconf prod = {.name = "prod", .domain = "dns.podman"};
	struct dns_zone_opts o = {.ttl = 30};

	assert_int_equal(dns_registry_net_put(&f->reg, &prod, NULL), 0);
	add(&f->reg, "prod", "c1", "es1", "es", "10.1.0.2");
	add(&f->reg, "prod", "c2", "es2", "es", "10.1.0.3");
	add(&f->reg, "prod", "c3", "web", NULL, "fd00::5");
	add(&f->reg, "dev", "c4", "secret", NULL, "10.2.0.9");
	assert_int_equal(dns_zone_build(&f->reg, &o, &f->z, NULL), 0);
	f->prod = dns_zone_net_index(f->z, "prod");
	f->dev = dns_zone_net_index(f->z, "dev");
	assert_true(f->prod >= 0 && f->dev >= 0 && f->prod != f->dev);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	dns_zone_free(f->z);
	dns_registry_free(&f->reg);
	free(f);
	return 0;
}

static size_t query(uint8_t *buf, const char *name, uint16_t type, int edns)
{
	struct dns_builder b;
	struct dns_header h = {.id = 0xbeef, .flags = DNS_F_RD, .qdcount = 1};
	uint8_t w[DNS_NAME_MAX];
	char lower[256];

	/* keep the caller's case on the wire: build from a lower copy, then
	 * patch the case back in */
	snprintf(lower, sizeof(lower), "%s", name);
	assert_true(dns_name_from_text(lower, w) > 0);
	dns_builder_init(&b, buf, 512, 512);
	dns_builder_header(&b, &h);
	dns_builder_question(&b, w, type, 1);
	for (size_t i = 0, p = 13; name[i]; i++, p++)
		if (name[i] != '.')
			buf[p] = (uint8_t)name[i];
	if (edns) {
		dns_builder_opt(&b, (uint16_t)edns, 0, false);
		dns_builder_count(&b, 1, 0, 0, 1);
	}
	return b.len;
}

struct reply {
	enum dns_verdict v;
	struct dns_header h;
	size_t len;
	uint8_t pkt[DNS_TCP_MAX];
	uint8_t addrs[128][16];
	int nans;
	uint16_t types[128];
};

static void ask(struct fx *f, int net, const char *name, uint16_t type, int edns, bool tcp,
		struct reply *r)
{
	uint8_t qbuf[512];
	size_t qlen = query(qbuf, name, type, edns);
	struct dns_query q;
	size_t off;

	memset(r, 0, offsetof(struct reply, pkt));
	r->v = dns_answer(f->z, &net, 1, qbuf, qlen, tcp, &q, r->pkt, sizeof(r->pkt), &r->len);
	if (r->v != DNS_REPLY)
		return;
	assert_int_equal(dns_header_read(r->pkt, r->len, &r->h), 0);
	assert_int_equal(r->h.id, 0xbeef);
	assert_true(r->h.flags & DNS_F_QR);
	/* the question comes back byte for byte, case included */
	assert_memory_equal(r->pkt + 12, qbuf + 12, q.question_end - 12);
	off = q.question_end;
	for (int i = 0; i < r->h.ancount; i++) {
		struct dns_rr rr;

		assert_int_equal(dns_rr_read(r->pkt, r->len, &off, &rr), 0);
		assert_memory_equal(rr.name, q.qname, (size_t)q.qname_len);
		r->types[i] = rr.type;
		memcpy(r->addrs[i], rr.rdata, rr.rdlen > 16 ? 16 : rr.rdlen);
		if (rr.type == DNS_T_A)
			assert_int_equal(rr.ttl, 30);
	}
	r->nans = r->h.ancount;
	for (int i = 0; i < r->h.arcount; i++) {
		struct dns_rr rr;

		assert_int_equal(dns_rr_read(r->pkt, r->len, &off, &rr), 0);
		assert_int_equal(rr.type, DNS_T_OPT);
	}
	assert_int_equal(off, r->len);
}

static struct reply R;

static void test_alias_returns_all_and_rotates(void **state)
{
	struct fx *f = *state;
	uint8_t first[4];

	ask(f, f->prod, "es", DNS_T_A, 0, false, &R);
	assert_int_equal(R.v, DNS_REPLY);
	assert_int_equal(DNS_F_RCODE(R.h.flags), DNS_R_NOERROR);
	assert_true(R.h.flags & DNS_F_AA);
	assert_int_equal(R.nans, 2);
	assert_memory_not_equal(R.addrs[0], R.addrs[1], 4);
	memcpy(first, R.addrs[0], 4);
	ask(f, f->prod, "es", DNS_T_A, 0, false, &R);
	assert_int_equal(R.nans, 2);
	assert_memory_not_equal(R.addrs[0], first, 4);
	ask(f, f->prod, "es", DNS_T_A, 0, false, &R);
	assert_memory_equal(R.addrs[0], first, 4);
	/* one lookup from busybox asks es.dns.podman and es: each form rotates on
	 * its own, so the next lookup still sees the other address first */
	ask(f, f->prod, "es.dns.podman", DNS_T_A, 0, false, &R);
	memcpy(first, R.addrs[0], 4);
	ask(f, f->prod, "es", DNS_T_A, 0, false, &R);
	ask(f, f->prod, "es.dns.podman", DNS_T_A, 0, false, &R);
	assert_memory_not_equal(R.addrs[0], first, 4);
	memcpy(first, R.addrs[0], 4);
	/* a rebuild (someone else registered) keeps the rotation going */
	{
		struct dns_zone_opts o = {.ttl = 30};
		struct dns_zone *z2;

		add(&f->reg, "prod", "c9", "other", NULL, "10.1.0.9");
		assert_int_equal(dns_zone_build(&f->reg, &o, &z2, NULL), 0);
		dns_zone_carry_rotation(z2, f->z);
		dns_zone_free(f->z);
		f->z = z2;
	}
	ask(f, f->prod, "es.dns.podman", DNS_T_A, 0, false, &R);
	assert_memory_not_equal(R.addrs[0], first, 4);
}

static void test_qualified_names(void **state)
{
	struct fx *f = *state;
	const char *names[] = {"es1", "ES1", "es1.prod", "es1.dns.podman", "Es1.Dns.Podman.",
			       "es.prod"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		ask(f, f->prod, names[i], DNS_T_A, 0, false, &R);
		assert_int_equal(R.v, DNS_REPLY);
		assert_int_equal(DNS_F_RCODE(R.h.flags), DNS_R_NOERROR);
		assert_true(R.nans >= 1);
	}
}

static void test_nodata_and_nxdomain(void **state)
{
	struct fx *f = *state;

	ask(f, f->prod, "es1", DNS_T_AAAA, 0, false, &R);
	assert_int_equal(R.v, DNS_REPLY);
	assert_int_equal(DNS_F_RCODE(R.h.flags), DNS_R_NOERROR);
	assert_int_equal(R.nans, 0);
	ask(f, f->prod, "web", DNS_T_AAAA, 0, false, &R);
	assert_int_equal(R.nans, 1);
	assert_int_equal(R.types[0], DNS_T_AAAA);
	ask(f, f->prod, "web", DNS_T_MX, 0, false, &R);
	assert_int_equal(DNS_F_RCODE(R.h.flags), DNS_R_NOERROR);
	assert_int_equal(R.nans, 0);
	ask(f, f->prod, "nosuch", DNS_T_A, 0, false, &R);
	assert_int_equal(DNS_F_RCODE(R.h.flags), DNS_R_NXDOMAIN);
	ask(f, f->prod, "nosuch.dns.podman", DNS_T_A, 0, false, &R);
	assert_int_equal(DNS_F_RCODE(R.h.flags), DNS_R_NXDOMAIN);
	ask(f, f->prod, "nosuch.prod", DNS_T_A, 0, false, &R);
	assert_int_equal(DNS_F_RCODE(R.h.flags), DNS_R_NXDOMAIN);
	/* not ours: forwarded */
	ask(f, f->prod, "example.org", DNS_T_A, 0, false, &R);
	assert_int_equal(R.v, DNS_FORWARD);
}

static void test_networks_isolated(void **state)
{
	struct fx *f = *state;

	ask(f, f->prod, "secret", DNS_T_A, 0, false, &R);
	assert_int_equal(DNS_F_RCODE(R.h.flags), DNS_R_NXDOMAIN);
	ask(f, f->dev, "secret", DNS_T_A, 0, false, &R);
	assert_int_equal(R.nans, 1);
	ask(f, f->dev, "es", DNS_T_A, 0, false, &R);
	assert_int_equal(DNS_F_RCODE(R.h.flags), DNS_R_NXDOMAIN);
	ask(f, f->dev, "secret.dev", DNS_T_A, 0, false, &R);
	assert_int_equal(R.nans, 1);
}

static void test_ptr(void **state)
{
	struct fx *f = *state;
	uint8_t qbuf[512], out[512];
	struct dns_query q;
	struct dns_rr rr;
	size_t len, off;
	char text[DNS_NAME_MAX + 1];
	uint8_t target[DNS_NAME_MAX];

	ask(f, f->prod, "2.0.1.10.in-addr.arpa", DNS_T_PTR, 0, false, &R);
	assert_int_equal(R.nans, 1);
	ask(f, f->dev, "2.0.1.10.in-addr.arpa", DNS_T_PTR, 0, false, &R);
	assert_int_equal(R.v, DNS_FORWARD);
	/* the target: name plus the network's domain */
	len = query(qbuf, "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa",
		    DNS_T_PTR, 0);
	assert_int_equal(dns_answer(f->z, &f->prod, 1, qbuf, len, false, &q, out, sizeof(out), &len),
			 DNS_REPLY);
	off = q.question_end;
	assert_int_equal(dns_rr_read(out, len, &off, &rr), 0);
	assert_int_equal(rr.type, DNS_T_PTR);
	off = rr.rdata_off;
	assert_true(dns_name_read(out, len, &off, target, true) > 0);
	dns_name_to_text(target, text, sizeof(text));
	assert_string_equal(text, "web.dns.podman");
}

static void test_truncation_and_tcp(void **state)
{
	struct fx *f = *state;
	struct dns_zone_opts o = {.ttl = 30};
	char id[16], ip[32];

	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "big%d", i);
		snprintf(ip, sizeof(ip), "10.9.%d.%d", i / 200, 1 + i % 200);
		add(&f->reg, "prod", id, id, "many", ip);
	}
	dns_zone_free(f->z);
	assert_int_equal(dns_zone_build(&f->reg, &o, &f->z, NULL), 0);
	ask(f, f->prod, "many", DNS_T_A, 0, false, &R);
	assert_true(R.h.flags & DNS_F_TC);
	assert_int_equal(R.nans, 0);
	assert_true(R.len <= 512);
	ask(f, f->prod, "many", DNS_T_A, 1232, false, &R);
	assert_int_equal(R.nans, 0); /* 100*16 > 1232 */
	assert_true(R.h.flags & DNS_F_TC);
	assert_int_equal(R.h.arcount, 1);
	ask(f, f->prod, "many", DNS_T_A, 4096, false, &R);
	assert_false(R.h.flags & DNS_F_TC);
	assert_int_equal(R.nans, 100);
	ask(f, f->prod, "many", DNS_T_A, 0, true, &R);
	assert_false(R.h.flags & DNS_F_TC);
	assert_int_equal(R.nans, 100);
}

static void test_service(void **state)
{
	struct fx *f = *state;
	struct dns_zone_opts o = {.ttl = 30};
	struct plumb_ip eps[2];
	struct dns_port port = {.name = "http", .proto = "tcp", .port = 8080};
	struct dns_reg svc = {.kind = DNS_REG_SERVICE, .network = "prod", .id = "svc/default/api",
			      .name = "api", .svc_namespace = "default", .headless = true,
			      .addrs = eps, .naddrs = 2, .ports = &port, .nports = 1};

	plumb_ip_parse("10.1.5.1", &eps[0]);
	plumb_ip_parse("10.1.5.2", &eps[1]);
	assert_int_equal(dns_registry_put(&f->reg, &svc, NULL), 0);
	dns_zone_free(f->z);
	assert_int_equal(dns_zone_build(&f->reg, &o, &f->z, NULL), 0);
	ask(f, f->prod, "api.default.svc.cluster.local", DNS_T_A, 0, false, &R);
	assert_int_equal(R.nans, 2);
	ask(f, f->prod, "_http._tcp.api.default.svc.cluster.local", DNS_T_SRV, 0, false, &R);
	assert_int_equal(R.nans, 1);
	assert_int_equal(R.types[0], DNS_T_SRV);
	assert_int_equal(R.addrs[0][4] << 8 | R.addrs[0][5], 8080);
	ask(f, f->prod, "nope.default.svc.cluster.local", DNS_T_A, 0, false, &R);
	assert_int_equal(DNS_F_RCODE(R.h.flags), DNS_R_NXDOMAIN);
	ask(f, f->dev, "api.default.svc.cluster.local", DNS_T_A, 0, false, &R);
	assert_int_equal(R.v, DNS_FORWARD);
}

static void test_unregister(void **state)
{
	struct fx *f = *state;
	struct dns_zone_opts o = {.ttl = 30};

	assert_int_equal(dns_registry_del(&f->reg, "prod", "c1"), 1);
	assert_int_equal(dns_registry_del(&f->reg, "prod", "c1"), 0);
	dns_zone_free(f->z);
	assert_int_equal(dns_zone_build(&f->reg, &o, &f->z, NULL), 0);
	ask(f, f->prod, "es", DNS_T_A, 0, false, &R);
	assert_int_equal(R.nans, 1);
	ask(f, f->prod, "es1", DNS_T_A, 0, false, &R);
	assert_int_equal(DNS_F_RCODE(R.h.flags), DNS_R_NXDOMAIN);
}

static void test_malformed_gets_formerr(void **state)
{
	struct fx *f = *state;
	uint8_t qbuf[512], out[512];
	struct dns_query q;
	size_t len = query(qbuf, "es", DNS_T_A, 0), olen;
	struct dns_header h;

	qbuf[7] = 9; /* ancount lies */
	assert_int_equal(dns_answer(f->z, &f->prod, 1, qbuf, len, false, &q, out, sizeof(out), &olen),
			 DNS_REPLY);
	dns_header_read(out, olen, &h);
	assert_int_equal(DNS_F_RCODE(h.flags), DNS_R_FORMERR);
	assert_int_equal(h.id, 0xbeef);
	assert_int_equal(olen, 12);
	/* a response is dropped, never answered (no reflection loops) */
	qbuf[7] = 0;
	qbuf[2] |= 0x80;
	assert_int_equal(dns_answer(f->z, &f->prod, 1, qbuf, len, false, &q, out, sizeof(out), &olen),
			 DNS_DROP);
	/* EDNS version 1: BADVERS */
	len = query(qbuf, "es", DNS_T_A, 1232);
	qbuf[len - 5] = 1;
	assert_int_equal(dns_answer(f->z, &f->prod, 1, qbuf, len, false, &q, out, sizeof(out), &olen),
			 DNS_REPLY);
	dns_header_read(out, olen, &h);
	assert_int_equal(h.arcount, 1);
	assert_int_equal(out[olen - 6], 1); /* extended rcode 16 >> 4 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alias_returns_all_and_rotates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qualified_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodata_and_nxdomain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_networks_isolated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ptr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation_and_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_service, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unregister, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_gets_formerr, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
