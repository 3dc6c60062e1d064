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

/* What plumb-dns does after a registry change: a new zone that goes on
 * rotating where the old one was. */
static void rebuild(struct fx *f)
{
	struct dns_zone_opts o = {.ttl = 30};
	struct dns_zone *z2;

	assert_int_equal(dns_zone_build(&f->reg, &o, &z2, NULL), 0);
	dns_zone_carry_rotation(z2, f->z);
	dns_zone_free(f->z);
	f->z = z2;
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
	add(&f->reg, "prod", "c9", "other", NULL, "10.1.0.9");
	rebuild(f);
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

/* ------------------------------------------------ packed registry/zone ---- */

static const char HEXID[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void test_registry_packs_and_unpacks(void **state)
{
	struct dns_registry reg = {0};
	_cleanup_free_ struct dns_reg_buf *b = malloc(sizeof(*b));
	struct plumb_ip ips[3];
	char *aliases[] = {"es", "Search.Backend"};
	struct dns_port ports[2] = {{.name = "http", .proto = "tcp", .port = 80},
				    {.name = "", .proto = "udp", .port = 5353}};
	char upper[sizeof(HEXID)];
	struct dns_reg c = {.network = "prod", .id = (char *)HEXID, .name = "Web1",
			    .aliases = aliases, .naliases = 2, .addrs = ips, .naddrs = 3,
			    .netns = "/run/netns/pod1"};
	struct dns_reg svc = {.kind = DNS_REG_SERVICE, .network = "k8s", .id = "svc/default/api",
			      .name = "api", .svc_namespace = "default", .cluster_domain = NULL,
			      .headless = true, .addrs = ips, .naddrs = 1, .ports = ports,
			      .nports = 2};

	(void)state;
	plumb_ip_parse("10.1.0.2", &ips[0]);
	plumb_ip_parse("fd00::2", &ips[1]);
	plumb_ip_parse("10.1.0.3", &ips[2]);
	assert_int_equal(dns_registry_put(&reg, &c, NULL), 0);
	assert_int_equal(dns_registry_put(&reg, &svc, NULL), 0);
	/* the same digits in capitals are another id (only lower-case hex is
	 * packed, so nothing is folded) */
	for (size_t i = 0; i < sizeof(HEXID); i++)
		upper[i] = (char)(HEXID[i] >= 'a' ? HEXID[i] - 32 : HEXID[i]);
	c.id = upper;
	c.netns = NULL;
	c.naddrs = 1;
	assert_int_equal(dns_registry_put(&reg, &c, NULL), 0);
	assert_int_equal(reg.nregs, 3);

	dns_registry_get(&reg, 0, b);
	assert_int_equal(b->r.kind, DNS_REG_CONTAINER);
	assert_string_equal(b->r.network, "prod");
	assert_string_equal(b->r.id, HEXID);
	assert_string_equal(b->r.name, "Web1"); /* case kept for list and state */
	assert_int_equal(b->r.naliases, 2);
	assert_string_equal(b->r.aliases[1], "Search.Backend");
	assert_int_equal(b->r.naddrs, 3);
	for (int i = 0; i < 3; i++)
		assert_true(plumb_ip_equal(&b->r.addrs[i], &ips[i]));
	assert_string_equal(b->r.netns, "/run/netns/pod1");
	assert_string_equal(dns_registry_netns(&reg, 0), "/run/netns/pod1");
	assert_string_equal(dns_registry_network(&reg, 0), "prod");

	dns_registry_get(&reg, 1, b);
	assert_int_equal(b->r.kind, DNS_REG_SERVICE);
	assert_string_equal(b->r.id, "svc/default/api");
	assert_string_equal(b->r.svc_namespace, "default");
	assert_null(b->r.cluster_domain);
	assert_true(b->r.headless);
	assert_null(b->r.netns);
	assert_null(dns_registry_netns(&reg, 1));
	assert_int_equal(b->r.nports, 2);
	assert_string_equal(b->r.ports[0].name, "http");
	assert_string_equal(b->r.ports[1].proto, "udp");
	assert_int_equal(b->r.ports[1].port, 5353);

	dns_registry_get(&reg, 2, b);
	assert_string_equal(b->r.id, upper);
	assert_int_equal(b->r.naddrs, 1);
	assert_null(b->r.netns);

	assert_int_equal(dns_registry_del(&reg, "prod", HEXID), 1);
	assert_int_equal(reg.nregs, 2);
	dns_registry_get(&reg, 1, b);
	assert_string_equal(b->r.id, upper);
	dns_registry_free(&reg);
}

/* The packed format counts aliases in a byte and ports in a byte: more are
 * refused by name, and nothing is stored. */
static void test_registry_limits(void **state)
{
	struct dns_registry reg = {0};
	struct plumb_err err = {0};
	char *aliases[DNS_REG_ALIASES_MAX + 1];
	struct dns_port ports[DNS_REG_PORTS_MAX + 1];
	struct plumb_ip ip;
	char longid[DNS_REG_ID_MAX + 2];
	struct dns_reg r = {.network = "prod", .id = "c1", .name = "web", .aliases = aliases,
			    .naliases = DNS_REG_ALIASES_MAX + 1, .addrs = &ip, .naddrs = 1};
	struct dns_reg svc = {.kind = DNS_REG_SERVICE, .network = "prod", .id = "s1", .name = "api",
			      .svc_namespace = "default", .addrs = &ip, .naddrs = 1,
			      .ports = ports, .nports = DNS_REG_PORTS_MAX + 1};

	(void)state;
	plumb_ip_parse("10.1.0.2", &ip);
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		aliases[i] = "al";
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++)
		ports[i] = (struct dns_port){.name = "p", .proto = "tcp", .port = 80};
	assert_int_equal(dns_registry_put(&reg, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too many aliases"));
	assert_int_equal(dns_registry_put(&reg, &svc, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too many service ports"));
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	r.naliases = DNS_REG_ALIASES_MAX;
	r.id = longid;
	assert_int_equal(dns_registry_put(&reg, &r, &err), -EINVAL);
	assert_int_equal(reg.nregs, 0);
	assert_int_equal(reg.blob_len, 0);
	/* at the limits it fits and comes back whole */
	longid[DNS_REG_ID_MAX] = '\0';
	svc.nports = DNS_REG_PORTS_MAX;
	assert_int_equal(dns_registry_put(&reg, &r, &err), 0);
	assert_int_equal(dns_registry_put(&reg, &svc, &err), 0);
	{
		_cleanup_free_ struct dns_reg_buf *b = malloc(sizeof(*b));

		dns_registry_get(&reg, 0, b);
		assert_int_equal(b->r.naliases, DNS_REG_ALIASES_MAX);
		assert_string_equal(b->r.id, longid);
		dns_registry_get(&reg, 1, b);
		assert_int_equal(b->r.nports, DNS_REG_PORTS_MAX);
	}
	dns_registry_free(&reg);
}

static void test_registry_replace_delete_compact(void **state)
{
	struct dns_registry reg = {0};
	_cleanup_free_ struct dns_reg_buf *b = malloc(sizeof(*b));
	char id[80], name[32], ip[32];
	size_t peak;

	(void)state;
	for (int i = 0; i < 3000; i++) {
		snprintf(id, sizeof(id), "%064x", i);
		snprintf(name, sizeof(name), "c%d", i);
		snprintf(ip, sizeof(ip), "10.9.%d.%d", i / 250, 1 + i % 250);
		add(&reg, i % 2 ? "odd" : "even", id, name, NULL, ip);
	}
	assert_int_equal(reg.nregs, 3000);
	/* replacing keeps the registration's place and changes its data */
	for (int i = 0; i < 3000; i += 3) {
		snprintf(id, sizeof(id), "%064x", i);
		snprintf(name, sizeof(name), "renamed%d", i);
		add(&reg, i % 2 ? "odd" : "even", id, name, "al", "10.8.0.1");
	}
	assert_int_equal(reg.nregs, 3000);
	peak = reg.blob_len + reg.blob_dead;
	for (int i = 0; i < 3000; i++) {
		dns_registry_get(&reg, (size_t)i, b);
		snprintf(id, sizeof(id), "%064x", i);
		snprintf(name, sizeof(name), i % 3 ? "c%d" : "renamed%d", i);
		assert_string_equal(b->r.id, id);
		assert_string_equal(b->r.name, name);
		assert_string_equal(b->r.network, i % 2 ? "odd" : "even");
		assert_int_equal(b->r.naliases, i % 3 ? 0 : 1);
	}
	/* an id on another network is another registration */
	snprintf(id, sizeof(id), "%064x", 1);
	assert_int_equal(dns_registry_del(&reg, "even", id), 0);
	/* every odd one goes, then two thirds of the rest: the dead bytes are
	 * compacted away, and the network name nobody uses any more with them */
	for (int i = 1; i < 3000; i += 2) {
		snprintf(id, sizeof(id), "%064x", i);
		assert_int_equal(dns_registry_del(&reg, NULL, id), 1);
		assert_true(reg.blob_dead * 2 <= reg.blob_len);
	}
	for (int i = 0; i < 3000; i += 2) {
		if (i % 3 == 0)
			continue;
		snprintf(id, sizeof(id), "%064x", i);
		assert_int_equal(dns_registry_del(&reg, "even", id), 1);
	}
	assert_int_equal(reg.nregs, 500);
	assert_true(reg.blob_len < peak / 3);
	assert_int_equal(reg.nnetnames, 1);
	for (int i = 0; i < 500; i++) {
		dns_registry_get(&reg, (size_t)i, b);
		snprintf(id, sizeof(id), "%064x", 6 * i);
		assert_string_equal(b->r.id, id);
		assert_string_equal(b->r.network, "even");
	}
	/* the index still finds them after compaction */
	snprintf(id, sizeof(id), "%064x", 2994);
	add(&reg, "even", id, "last", NULL, "10.7.0.1");
	assert_int_equal(reg.nregs, 500);
	dns_registry_get(&reg, 499, b);
	assert_string_equal(b->r.name, "last");
	dns_registry_free(&reg);
}

/* Thousands of names: every one found with its address, PTR back to it,
 * absent ones NXDOMAIN; the tables stay right at their fill limit. */
static void test_zone_many_names(void **state)
{
	struct fx f = {0};
	struct dns_zone_opts o = {.ttl = 30};
	struct dns_netconf prod = {.name = "prod", .domain = "dns.podman"};
	char id[32], name[64], ip[32];
	int n = 5000;

	(void)state;
	assert_int_equal(dns_registry_net_put(&f.reg, &prod, NULL), 0);
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "id%d", i);
		snprintf(name, sizeof(name), "host-%d", i);
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", 1 + i / 62500, (i / 250) % 250, 1 + i % 250);
		add(&f.reg, "prod", id, name, i < 200 ? (i % 2 ? "odd" : "even") : NULL, ip);
	}
	/* a second container on an address already taken: PTR keeps the first */
	add(&f.reg, "prod", "dup", "late", NULL, "10.1.0.1");
	assert_int_equal(dns_zone_build(&f.reg, &o, &f.z, NULL), 0);
	assert_int_equal(dns_zone_names(f.z), (size_t)n + 3);
	f.prod = dns_zone_net_index(f.z, "prod");
	for (int i = 0; i < n; i++) {
		uint8_t want[4] = {10, (uint8_t)(1 + i / 62500), (uint8_t)((i / 250) % 250),
				   (uint8_t)(1 + i % 250)};

		snprintf(name, sizeof(name), i % 2 ? "host-%d" : "HOST-%d.dns.podman", i);
		ask(&f, f.prod, name, DNS_T_A, 0, false, &R);
		assert_int_equal(R.nans, 1);
		assert_memory_equal(R.addrs[0], want, 4);
		snprintf(ip, sizeof(ip), "%d.%d.%d.10.in-addr.arpa", want[3], want[2], want[1]);
		ask(&f, f.prod, ip, DNS_T_PTR, 0, false, &R);
		assert_int_equal(R.nans, 1);
		snprintf(name, sizeof(name), "nohost-%d", i);
		ask(&f, f.prod, name, DNS_T_A, 0, false, &R);
		assert_int_equal(DNS_F_RCODE(R.h.flags), DNS_R_NXDOMAIN);
	}
	{
		uint8_t qbuf[512], out[512], target[DNS_NAME_MAX];
		char text[DNS_NAME_MAX + 1];
		struct dns_query q;
		struct dns_rr rr;
		size_t len = query(qbuf, "1.0.1.10.in-addr.arpa", DNS_T_PTR, 0), off;

		assert_int_equal(dns_answer(f.z, &f.prod, 1, qbuf, len, false, &q, out,
					    sizeof(out), &len),
				 DNS_REPLY);
		off = q.question_end;
		assert_int_equal(dns_rr_read(out, len, &off, &rr), 0);
		off = rr.rdata_off;
		assert_true(dns_name_read(out, len, &off, target, true) > 0);
		dns_name_to_text(target, text, sizeof(text));
		assert_string_equal(text, "host-0.dns.podman");
	}
	ask(&f, f.prod, "even", DNS_T_A, 0, true, &R); /* 100 A: TCP-sized */
	assert_int_equal(R.nans, 100);
	dns_zone_free(f.z);
	dns_registry_free(&f.reg);
}

/* Rotation survives a rebuild (the counters move to the new zone), and a
 * name that loses its second address stops carrying them. */
static void test_rotation_carried_over_rebuild(void **state)
{
	struct fx *f = *state;
	uint8_t first[4];

	ask(f, f->prod, "es", DNS_T_A, 0, false, &R);
	ask(f, f->prod, "es", DNS_T_A, 0, false, &R);
	memcpy(first, R.addrs[0], 4);
	add(&f->reg, "prod", "c9", "other", NULL, "10.1.0.99");
	rebuild(f);
	/* next in line after the second answer, not back to the start */
	ask(f, f->prod, "es", DNS_T_A, 0, false, &R);
	assert_int_equal(R.nans, 2);
	assert_memory_not_equal(R.addrs[0], first, 4);
	assert_int_equal(dns_registry_del(&f->reg, "prod", "c2"), 1);
	rebuild(f);
	ask(f, f->prod, "es", DNS_T_A, 0, false, &R);
	assert_int_equal(R.nans, 1);
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
		cmocka_unit_test(test_registry_packs_and_unpacks),
		cmocka_unit_test(test_registry_limits),
		cmocka_unit_test(test_registry_replace_delete_compact),
		cmocka_unit_test(test_zone_many_names),
		cmocka_unit_test_setup_teardown(test_rotation_carried_over_rebuild, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
