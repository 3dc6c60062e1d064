// SPDX-License-Identifier: MIT
/* libFuzzer target: the DNS query path end to end. Any bytes go through
 * dns_answer over a small zone (parser, lookup, builder); whatever comes back
 * must itself parse, stay inside the size the client allowed, and carry the
 * query's ID. Every record of a reply is walked again with dns_rr_read. */
#include "dns/dns.h"

#include <assert.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_zone *fuzz_zone(void)
{
	static struct dns_zone *z;
	static struct dns_registry reg;
	struct dns_netconf prod = {.name = "prod", .domain = "dns.podman"};
	struct plumb_ip ip[3];
	char *aliases[] = {"es"};
	struct dns_port port = {.name = "http", .proto = "tcp", .port = 80};
	struct dns_reg c = {.network = "prod", .id = "c1", .name = "web", .aliases = aliases,
			    .naliases = 1, .addrs = ip, .naddrs = 2};
	struct dns_reg s = {.kind = DNS_REG_SERVICE, .network = "prod", .id = "s1", .name = "api",
			    .svc_namespace = "default", .addrs = &ip[2], .naddrs = 1,
			    .ports = &port, .nports = 1};
	struct dns_zone_opts o = {.ttl = 60};

	if (z)
		return z;
	plumb_ip_parse("10.1.0.2", &ip[0]);
	plumb_ip_parse("fd00::2", &ip[1]);
	plumb_ip_parse("10.96.0.1", &ip[2]);
	dns_registry_net_put(&reg, &prod, NULL);
	dns_registry_put(&reg, &c, NULL);
	c.id = "c2";
	c.name = "db";
	dns_registry_put(&reg, &c, NULL);
	dns_registry_put(&reg, &s, NULL);
	assert(dns_zone_build(&reg, &o, &z, NULL) == 0);
	return z;
}

static void check_reply(const uint8_t *out, size_t len, const struct dns_query *q, bool tcp)
{
	struct dns_header h;
	size_t off = DNS_HDR_LEN;
	uint8_t name[DNS_NAME_MAX];

	assert(dns_header_read(out, len, &h) == 0);
	assert(h.id == q->hdr.id);
	assert(h.flags & DNS_F_QR);
	assert(len <= (tcp ? DNS_TCP_MAX : (q->edns ? q->udp_size : DNS_UDP_MIN)));
	for (unsigned i = 0; i < h.qdcount; i++) {
		assert(dns_name_read(out, len, &off, name, true) > 0);
		off += 4;
	}
	for (unsigned i = 0; i < (unsigned)h.ancount + h.nscount + h.arcount; i++) {
		struct dns_rr rr;

		assert(dns_rr_read(out, len, &off, &rr) == 0);
		if (rr.type == DNS_T_PTR || rr.type == DNS_T_SRV) {
			size_t r = rr.rdata_off + (rr.type == DNS_T_SRV ? 6 : 0);

			assert(dns_name_read(out, len, &r, name, true) > 0);
		}
	}
	assert(off == len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[DNS_TCP_MAX];
	struct dns_zone *z = fuzz_zone();
	struct dns_query q;
	int net = 0;
	size_t len = 0;

	for (int tcp = 0; tcp < 2; tcp++) {
		enum dns_verdict v = dns_answer(z, &net, 1, data, size, tcp, &q, out, sizeof(out),
						&len);

		if (v == DNS_REPLY)
			check_reply(out, len, &q, tcp);
		else if (v == DNS_FORWARD)
			assert(q.question_end > DNS_HDR_LEN && q.question_end <= size);
	}
	return 0;
}
