// SPDX-License-Identifier: MIT
/* Unit tests for the DNS wire format: names, round trips through the builder
 * and the parser, compression, and packets built to break the parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dns/dns.h"

#include <errno.h>
#include <string.h>

static void test_name_text_round_trip(void **state)
{
	uint8_t w[DNS_NAME_MAX];
	char t[DNS_NAME_MAX + 1];

	assert_int_equal(dns_name_from_text("Web.DNS.podman.", w), 16);
	assert_memory_equal(w, "\3web\3dns\6podman", 16);
	assert_int_equal(dns_name_to_text(w, t, sizeof(t)), 14);
	assert_string_equal(t, "web.dns.podman");
	assert_int_equal(dns_name_from_text(".", w), 1);
	assert_int_equal(w[0], 0);
	assert_int_equal(dns_name_from_text("a..b", w), -EINVAL);
	/* 64-octet label */
	assert_int_equal(dns_name_from_text("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
					    w),
			 -EINVAL);
}

static void test_name_too_long(void **state)
{
	char t[300];
	uint8_t w[DNS_NAME_MAX];

	/* 63+1 four times = 256 > 255 wire octets with the root */
	memset(t, 'a', sizeof(t));
	for (int i = 63; i < 256; i += 64)
		t[i] = '.';
	t[255] = '\0';
	assert_int_equal(dns_name_from_text(t, w), -EINVAL);
	t[253] = '\0'; /* 63.63.63.61 -> 64*3+62+1 = 255 */
	assert_int_equal(dns_name_from_text(t, w), 255);
}

/* Build "id, RD, one question, optional OPT" the way a stub resolver does. */
static size_t make_query(uint8_t *buf, size_t cap, const char *name, uint16_t type,
			 int edns_size)
{
	struct dns_builder b;
	struct dns_header h = {.id = 0x1234, .flags = DNS_F_RD, .qdcount = 1};
	uint8_t w[DNS_NAME_MAX];

	assert_true(dns_name_from_text(name, w) > 0);
	dns_builder_init(&b, buf, cap, cap);
	assert_int_equal(dns_builder_header(&b, &h), 0);
	assert_int_equal(dns_builder_question(&b, w, type, 1), 0);
	if (edns_size) {
		assert_int_equal(dns_builder_opt(&b, (uint16_t)edns_size, 0, true), 0);
		dns_builder_count(&b, 1, 0, 0, 1);
	}
	return b.len;
}

static void test_query_round_trip(void **state)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t n = make_query(buf, sizeof(buf), "Es.Prod", DNS_T_AAAA, 1232);

	assert_int_equal(dns_query_parse(buf, n, &q), 0);
	assert_int_equal(q.hdr.id, 0x1234);
	assert_int_equal(q.qtype, DNS_T_AAAA);
	assert_int_equal(q.qclass, 1);
	assert_int_equal(q.qname_len, 9);
	assert_memory_equal(q.qname, "\2es\4prod", 9);
	assert_true(q.edns);
	assert_true(q.edns_do);
	assert_int_equal(q.udp_size, 1232);
	assert_int_equal(q.question_end, 12 + 9 + 4);

	n = make_query(buf, sizeof(buf), "x", DNS_T_A, 100);
	assert_int_equal(dns_query_parse(buf, n, &q), 0);
	assert_int_equal(q.udp_size, DNS_UDP_MIN); /* clamped up */
	n = make_query(buf, sizeof(buf), "x", DNS_T_A, 0);
	assert_int_equal(dns_query_parse(buf, n, &q), 0);
	assert_false(q.edns);
}

static void test_compression(void **state)
{
	uint8_t buf[1024], w[DNS_NAME_MAX], target[DNS_NAME_MAX];
	struct dns_builder b;
	struct dns_header h = {.id = 7, .flags = DNS_F_QR, .qdcount = 1, .ancount = 3};
	const char *targets[] = {"web1.prod.dns.podman", "web2.prod.dns.podman",
				 "prod.dns.podman"};
	size_t off;
	struct dns_rr rr;

	dns_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	dns_builder_header(&b, &h);
	dns_name_from_text("svc.prod.dns.podman", w);
	assert_int_equal(dns_builder_question(&b, w, DNS_T_PTR, 1), 0);
	for (int i = 0; i < 3; i++) {
		dns_name_from_text(targets[i], target);
		assert_int_equal(dns_builder_rr_name(&b, NULL, DNS_T_PTR, 60, target), 0);
	}
	/* web1 + pointer (7), web2 + pointer (7), one pointer (2) */
	assert_int_equal(b.len, 12 + 21 + 4 + (12 + 7) + (12 + 7) + (12 + 2));
	off = 12 + 21 + 4;
	for (int i = 0; i < 3; i++) {
		char t[DNS_NAME_MAX + 1];

		assert_int_equal(dns_rr_read(buf, b.len, &off, &rr), 0);
		assert_memory_equal(rr.name, w, 21);
		assert_int_equal(rr.ttl, 60);
		size_t roff = rr.rdata_off;
		assert_true(dns_name_read(buf, b.len, &roff, target, true) > 0);
		dns_name_to_text(target, t, sizeof(t));
		assert_string_equal(t, targets[i]);
	}
	assert_int_equal(off, b.len);
}

static void test_builder_limit(void **state)
{
	uint8_t buf[64], a[4] = {10, 0, 0, 1};
	struct dns_builder b;
	struct dns_header h = {0};
	uint8_t w[DNS_NAME_MAX];
	int n = 0;

	dns_builder_init(&b, buf, sizeof(buf), 40);
	dns_builder_header(&b, &h);
	dns_name_from_text("a", w);
	dns_builder_question(&b, w, DNS_T_A, 1);
	while (dns_builder_rr(&b, NULL, DNS_T_A, 1, 0, a, 4) == 0)
		n++;
	assert_int_equal(n, 1); /* 12+7 + 16 = 35; a second one would be 51 */
	assert_true(b.full);
	assert_int_equal(b.len, 35);
}

static void test_pointer_loops_rejected(void **state)
{
	uint8_t w[DNS_NAME_MAX];
	/* header, then a name that is a pointer to itself */
	uint8_t self[14] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12};
	/* a forward pointer: to offset 14, after itself */
	uint8_t fwd[17] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 1, 'a', 0};
	/* two labels pointing at each other: 12 -> 16 is forward, so rejected */
	uint8_t pair[20] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 16, 1, 'b', 0xc0, 12};
	size_t off = 12;

	assert_int_equal(dns_name_read(self, sizeof(self), &off, w, true), -EBADMSG);
	off = 12;
	assert_int_equal(dns_name_read(fwd, sizeof(fwd), &off, w, true), -EBADMSG);
	off = 12;
	assert_int_equal(dns_name_read(pair, sizeof(pair), &off, w, true), -EBADMSG);
	/* a backward pointer is fine: name at 16 points to "a" at 12 */
	off = 16;
	uint8_t back[18] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 0xc0, 12};
	assert_int_equal(dns_name_read(back, sizeof(back), &off, w, true), 3);
	assert_int_equal(off, 18);
}

static void test_bad_labels_rejected(void **state)
{
	uint8_t w[DNS_NAME_MAX], pkt[600];
	size_t off = 12;

	memset(pkt, 0, sizeof(pkt));
	pkt[12] = 0x40; /* extended label type */
	assert_int_equal(dns_name_read(pkt, 20, &off, w, true), -EBADMSG);
	pkt[12] = 5; /* label runs past the end */
	off = 12;
	assert_int_equal(dns_name_read(pkt, 15, &off, w, true), -EBADMSG);
	/* a name longer than 255 octets, built from many short labels */
	for (size_t i = 12; i < 12 + 300; i += 2) {
		pkt[i] = 1;
		pkt[i + 1] = 'x';
	}
	pkt[312] = 0;
	off = 12;
	assert_int_equal(dns_name_read(pkt, 313, &off, w, true), -EBADMSG);
}

static void test_counts_that_lie(void **state)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t n = make_query(buf, sizeof(buf), "web", DNS_T_A, 0);

	buf[7] = 3; /* ancount 3, no records */
	assert_int_equal(dns_query_parse(buf, n, &q), -EBADMSG);
	buf[7] = 0;
	buf[5] = 2; /* two questions announced, one present */
	assert_int_equal(dns_query_parse(buf, n, &q), -EBADMSG);
	buf[5] = 0;
	assert_int_equal(dns_query_parse(buf, n, &q), -EBADMSG); /* no question */
	buf[5] = 1;
	assert_int_equal(dns_query_parse(buf, n + 3, &q), -EBADMSG); /* trailing bytes */
	assert_int_equal(dns_query_parse(buf, n - 1, &q), -EBADMSG); /* cut question */
	assert_int_equal(dns_query_parse(buf, 11, &q), -EPROTO);
	buf[2] |= 0x80; /* a response: never answered */
	assert_int_equal(dns_query_parse(buf, n, &q), -EPROTO);
}

static void test_two_opts_rejected(void **state)
{
	uint8_t buf[512];
	struct dns_query q;
	struct dns_builder b;
	size_t n = make_query(buf, sizeof(buf), "web", DNS_T_A, 1232);

	dns_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	b.len = n;
	dns_builder_opt(&b, 1232, 0, false);
	dns_builder_count(&b, 1, 0, 0, 2);
	assert_int_equal(dns_query_parse(buf, b.len, &q), -EBADMSG);
}

static void test_compressed_question_rejected(void **state)
{
	/* question name = pointer into the header */
	uint8_t pkt[18] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 4, 0, 1, 0, 1};
	struct dns_query q;

	assert_int_equal(dns_query_parse(pkt, sizeof(pkt), &q), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_text_round_trip),
		cmocka_unit_test(test_name_too_long),
		cmocka_unit_test(test_query_round_trip),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_builder_limit),
		cmocka_unit_test(test_pointer_loops_rejected),
		cmocka_unit_test(test_bad_labels_rejected),
		cmocka_unit_test(test_counts_that_lie),
		cmocka_unit_test(test_two_opts_rejected),
		cmocka_unit_test(test_compressed_question_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
