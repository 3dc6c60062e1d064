// SPDX-License-Identifier: MIT
/* Round-trip tests for nat/'s message builders (no root, no kernel): build a
 * batch, walk it as the kernel would, parse every message back with libnftnl
 * and compare with what was meant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nat/nat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <string.h>

/* Messages of a sealed batch, by nftables message type. */
struct walk {
	int begin, end, other;
	int count[NFT_MSG_MAX];
	const struct nlmsghdr *msg[512];
	size_t n;
};

static void walk(struct nat_batch *b, struct walk *w)
{
	size_t len;
	const struct nlmsghdr *nlh = nat_batch_wire(b, &len);
	int left = (int)len;

	memset(w, 0, sizeof(*w));
	assert_non_null(nlh);
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN) {
			w->begin++;
			continue;
		}
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_END) {
			w->end++;
			continue;
		}
		assert_int_equal(nlh->nlmsg_type >> 8, NFNL_SUBSYS_NFTABLES);
		/* every message asks for its ACK */
		assert_true(nlh->nlmsg_flags & NLM_F_ACK);
		w->count[nlh->nlmsg_type & 0xff]++;
		if (w->n < ARRAY_SIZE(w->msg))
			w->msg[w->n++] = nlh;
	}
	assert_int_equal(left, 0);
	assert_int_equal(w->begin, 1);
	assert_int_equal(w->end, 1);
}

static void rule_text(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	assert_int_equal(nftnl_rule_nlmsg_parse(nlh, r), 0);
	nftnl_rule_snprintf(buf, len, r, NFTNL_OUTPUT_DEFAULT, 0);
	nftnl_rule_free(r);
}

/* The n-th rule of chain (0-based), as libnftnl prints it. */
static void find_rule(struct walk *w, const char *chain, int nth, char *buf, size_t len)
{
	for (size_t i = 0; i < w->n; i++) {
		if ((w->msg[i]->nlmsg_type & 0xff) != NFT_MSG_NEWRULE)
			continue;
		rule_text(w->msg[i], buf, len);
		if (!strncmp(buf + strlen("inet plumb "), chain, strlen(chain)) &&
		    buf[strlen("inet plumb ") + strlen(chain)] == '\n' && nth-- == 0)
			return;
	}
	fail_msg("no rule %d in chain %s", nth, chain);
}

static void test_layout(void **state)
{
	struct nat_batch *b = nat_batch_new();
	char buf[4096];
	struct walk w;

	assert_int_equal(nat_layout_build(b, NULL), 0);
	walk(b, &w);
	assert_int_equal(w.count[NFT_MSG_NEWCHAIN], 4);
	assert_int_equal(w.count[NFT_MSG_NEWSET], 12);
	assert_int_equal(w.count[NFT_MSG_NEWRULE], 20);
	/* any local address, IPv4: not loopback, fib says local, map lookup, dnat */
	find_rule(&w, NAT_CHAIN_PRE, 1, buf, sizeof(buf));
	assert_string_equal(buf, "inet plumb nat-prerouting\n"
				 "  [ meta load nfproto => reg 1 ]\n"
				 "  [ cmp eq reg 1 0x00000002 ]\n"
				 "  [ payload load 4b @ network header + 16 => reg 1 ]\n"
				 "  [ bitwise reg 1 = ( reg 1 & 0x000000ff ) ^ 0x00000000 ]\n"
				 "  [ cmp neq reg 1 0x0000007f ]\n"
				 "  [ fib daddr type => reg 1 ]\n"
				 "  [ cmp eq reg 1 0x00000002 ]\n"
				 "  [ meta load l4proto => reg 8 ]\n"
				 "  [ payload load 2b @ transport header + 2 => reg 9 ]\n"
				 "  [ lookup reg 8 set hostport4 dreg 1 ]\n"
				 "  [ nat dnat ip addr_min reg 1 proto_min reg 9 ]\n");
	/* IPv6 with a host address: the port follows the 16-byte address */
	find_rule(&w, NAT_CHAIN_OUT, 2, buf, sizeof(buf));
	assert_non_null(strstr(buf, "[ lookup reg 8 set hostport6-ip dreg 1 ]"));
	assert_non_null(strstr(buf, "[ nat dnat ip6 addr_min reg 1 proto_min reg 12 ]"));
	find_rule(&w, NAT_CHAIN_HAIRPIN, 0, buf, sizeof(buf));
	assert_non_null(strstr(buf, "[ fib daddr . iif oif => reg 1 ]"));
	assert_non_null(strstr(buf, "( reg 1 & 0xffffdfff ) ^ 0x00002000"));
	find_rule(&w, NAT_CHAIN_POST, 0, buf, sizeof(buf));
	assert_non_null(strstr(buf, "[ cmp eq reg 1 0x00002000 ]\n  [ masq ]"));
	find_rule(&w, NAT_CHAIN_POST, 2, buf, sizeof(buf));
	assert_non_null(
	    strstr(buf, "[ lookup reg 8 set masq-skip4 ]\n  [ immediate reg 0 return ]"));
	nat_batch_free(b);
}

static void test_layout_sets(void **state)
{
	struct nat_batch *b = nat_batch_new();
	struct walk w;
	int seen = 0;

	assert_int_equal(nat_layout_build(b, NULL), 0);
	walk(b, &w);
	for (size_t i = 0; i < w.n; i++) {
		struct nftnl_set *s;
		const char *name;

		if ((w.msg[i]->nlmsg_type & 0xff) != NFT_MSG_NEWSET)
			continue;
		s = nftnl_set_alloc();
		assert_int_equal(nftnl_set_nlmsg_parse(w.msg[i], s), 0);
		name = nftnl_set_get_str(s, NFTNL_SET_NAME);
		/* the kernel wants an id in every NEWSET */
		assert_true(nftnl_set_is_set(s, NFTNL_SET_ID));
		if (!strcmp(name, NAT_SET_PORT6_IP)) {
			/* ipv6 . proto . port (16+4+4) -> ipv6 . port (16+4) */
			assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 24);
			assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN), 20);
			assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE),
					 (NAT_T_IP6ADDR << 12) | (NAT_T_INET_PROTOCOL << 6) |
					     NAT_T_INET_SERVICE);
			assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_FLAGS),
					 NFT_SET_MAP | NFT_SET_CONCAT);
			seen++;
		} else if (!strcmp(name, NAT_SET_SKIP4)) {
			assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 8);
			assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_FLAGS),
					 NFT_SET_INTERVAL | NFT_SET_CONCAT);
			seen++;
		} else if (!strcmp(name, NAT_SET_NET6)) {
			assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 16);
			assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_FLAGS), NFT_SET_INTERVAL);
			seen++;
		}
		nftnl_set_free(s);
	}
	assert_int_equal(seen, 3);
	nat_batch_free(b);
}

/* Parse element message i back into a set. */
static struct nftnl_set *elems_of(const struct nlmsghdr *nlh)
{
	struct nftnl_set *s = nftnl_set_alloc();

	assert_int_equal(nftnl_set_elems_nlmsg_parse(nlh, s), 0);
	return s;
}

static const uint8_t *key(struct nftnl_set_elem *e, uint16_t attr, uint32_t *len)
{
	const uint8_t *k = nftnl_set_elem_get(e, attr, len);

	assert_non_null(k);
	return k;
}

struct elem_list {
	struct nftnl_set_elem *e[64];
	int n;
};

static int collect(struct nftnl_set_elem *e, void *arg)
{
	struct elem_list *l = arg;

	if (l->n < 64)
		l->e[l->n++] = e;
	return 0;
}

static void test_port_elems(void **state)
{
	struct nat_port p[2] = {0};
	struct nat_batch *b = nat_batch_new();
	static const uint8_t want_key[] = {IPPROTO_TCP, 0, 0, 0, 0x1f, 0x91, 0, 0}; /* tcp . 8081 */
	static const uint8_t want_data[] = {10, 88, 0, 5, 0, 81, 0, 0}; /* 10.88.0.5 . 81 */
	struct elem_list l = {0};
	struct nftnl_set *s;
	char comment[NAT_OWNER_MAX];
	uint32_t len;
	struct walk w;

	p[0].proto = IPPROTO_TCP;
	p[0].host_port = 8080;
	p[0].count = 2;
	assert_int_equal(plumb_ip_parse("10.88.0.5", &p[0].ip), 0);
	p[0].port = 80;
	snprintf(p[0].owner, sizeof(p[0].owner), "cni/net/abc/eth0");
	p[1].proto = IPPROTO_UDP;
	p[1].host_port = 53;
	assert_int_equal(plumb_ip_parse("fd00::1", &p[1].host_ip), 0);
	assert_int_equal(plumb_ip_parse("fd00::5", &p[1].ip), 0);
	p[1].port = 5353;
	assert_int_equal(nat_port_batch(b, p, 2, true), 0);
	walk(b, &w);
	assert_int_equal(w.count[NFT_MSG_NEWSETELEM], 2); /* one per map touched */
	assert_true(w.msg[0]->nlmsg_flags & NLM_F_EXCL);  /* a taken port must fail */

	s = elems_of(w.msg[0]);
	assert_string_equal(nftnl_set_get_str(s, NFTNL_SET_NAME), NAT_SET_PORT4);
	nftnl_set_elem_foreach(s, collect, &l);
	assert_int_equal(l.n, 2); /* the range, one element per port */
	assert_memory_equal(key(l.e[1], NFTNL_SET_ELEM_KEY, &len), want_key, sizeof(want_key));
	assert_int_equal(len, sizeof(want_key));
	assert_memory_equal(key(l.e[1], NFTNL_SET_ELEM_DATA, &len), want_data, sizeof(want_data));
	nat_elem_comment(l.e[1], comment, sizeof(comment));
	assert_string_equal(comment, "cni/net/abc/eth0");
	nftnl_set_free(s);

	s = elems_of(w.msg[1]);
	assert_string_equal(nftnl_set_get_str(s, NFTNL_SET_NAME), NAT_SET_PORT6_IP);
	l.n = 0;
	nftnl_set_elem_foreach(s, collect, &l);
	assert_int_equal(l.n, 1);
	key(l.e[0], NFTNL_SET_ELEM_KEY, &len);
	assert_int_equal(len, 24);
	key(l.e[0], NFTNL_SET_ELEM_DATA, &len);
	assert_int_equal(len, 20);
	nftnl_set_free(s);
	nat_batch_free(b);
}

static void test_port_delete_has_key_only(void **state)
{
	struct nat_port p = {.proto = IPPROTO_SCTP, .host_port = 9000};
	struct nat_batch *b = nat_batch_new();
	struct elem_list l = {0};
	struct nftnl_set *s;
	struct walk w;

	assert_int_equal(nat_port_batch(b, &p, 1, false), 0);
	walk(b, &w);
	assert_int_equal(w.count[NFT_MSG_DELSETELEM], 1);
	s = elems_of(w.msg[0]);
	nftnl_set_elem_foreach(s, collect, &l);
	assert_int_equal(l.n, 1);
	assert_false(nftnl_set_elem_is_set(l.e[0], NFTNL_SET_ELEM_DATA));
	nftnl_set_free(s);
	nat_batch_free(b);
}

static void test_masq_elems(void **state)
{
	struct nat_masq m[2] = {0};
	struct nat_batch *b = nat_batch_new();
	static const uint8_t start[] = {10, 88, 0, 0}, end[] = {10, 89, 0, 0};
	static const uint8_t pair_lo[] = {10, 99, 0, 5, 10, 99, 0, 0};
	static const uint8_t pair_hi[] = {10, 99, 0, 5, 10, 99, 0, 255};
	struct elem_list l = {0};
	struct nftnl_set *s;
	uint32_t len;
	struct walk w;

	m[0].kind = NAT_MASQ_SUBNET;
	assert_int_equal(plumb_cidr_parse("10.88.0.0/16", false, &m[0].cidr), 0);
	snprintf(m[0].owner, sizeof(m[0].owner), "me");
	m[1].kind = NAT_MASQ_POD;
	assert_int_equal(plumb_cidr_parse("10.99.0.5", true, &m[1].cidr), 0);
	assert_int_equal(plumb_cidr_parse("10.99.0.0/24", false, &m[1].net), 0);
	assert_int_equal(nat_masq_batch(b, m, 2, true), 0);
	walk(b, &w);
	assert_int_equal(w.count[NFT_MSG_NEWSETELEM], 3); /* net4, pod4, skip4 */

	s = elems_of(w.msg[0]);
	assert_string_equal(nftnl_set_get_str(s, NFTNL_SET_NAME), NAT_SET_NET4);
	nftnl_set_elem_foreach(s, collect, &l);
	assert_int_equal(l.n, 2); /* start, and the end flagged interval-end */
	assert_memory_equal(key(l.e[0], NFTNL_SET_ELEM_KEY, &len), start, 4);
	assert_memory_equal(key(l.e[1], NFTNL_SET_ELEM_KEY, &len), end, 4);
	assert_int_equal(nftnl_set_elem_get_u32(l.e[1], NFTNL_SET_ELEM_FLAGS),
			 NFT_SET_ELEM_INTERVAL_END);
	/* the kernel refuses userdata on an interval end */
	assert_false(nftnl_set_elem_is_set(l.e[1], NFTNL_SET_ELEM_USERDATA));
	nftnl_set_free(s);

	s = elems_of(w.msg[2]);
	assert_string_equal(nftnl_set_get_str(s, NFTNL_SET_NAME), NAT_SET_SKIP4);
	l.n = 0;
	nftnl_set_elem_foreach(s, collect, &l);
	assert_int_equal(l.n, 1);
	assert_memory_equal(key(l.e[0], NFTNL_SET_ELEM_KEY, &len), pair_lo, 8);
	assert_memory_equal(key(l.e[0], NFTNL_SET_ELEM_KEY_END, &len), pair_hi, 8);
	nftnl_set_free(s);
	nat_batch_free(b);
}

static int count_one(struct nftnl_set_elem *e, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

/* Thousands of elements: split into several messages of one transaction,
 * each below the 64 KiB an attribute length can describe. */
static void test_large_batch_splits(void **state)
{
	struct nat_port p = {.proto = IPPROTO_TCP, .host_port = 1000, .count = 5000, .port = 1000};
	struct nat_batch *b = nat_batch_new();
	int total = 0;
	struct walk w;

	assert_int_equal(plumb_ip_parse("10.88.0.5", &p.ip), 0);
	snprintf(p.owner, sizeof(p.owner), "cni/some-network/0123456789abcdef/eth0");
	assert_int_equal(nat_port_batch(b, &p, 1, true), 0);
	walk(b, &w);
	assert_true(w.count[NFT_MSG_NEWSETELEM] > 1);
	for (size_t i = 0; i < w.n; i++) {
		struct nftnl_set *s = elems_of(w.msg[i]);

		assert_true(w.msg[i]->nlmsg_len < 65536);
		nftnl_set_elem_foreach(s, count_one, &total);
		nftnl_set_free(s);
	}
	assert_int_equal(total, 5000);
	nat_batch_free(b);
}

static void test_text(void **state)
{
	struct plumb_ip ip;
	uint16_t port;
	uint8_t proto;
	char buf[160];
	struct nat_port p = {.proto = IPPROTO_UDP, .host_port = 5000, .count = 3, .port = 6000};

	assert_int_equal(nat_addr_port_parse("10.88.0.5:80", &ip, &port), 0);
	assert_int_equal(port, 80);
	assert_int_equal(nat_addr_port_parse("[fd00::5]:443", &ip, &port), 0);
	assert_int_equal(ip.family, AF_INET6);
	assert_int_equal(nat_addr_port_parse("fd00::5:443", &ip, &port), -EINVAL);
	assert_int_equal(nat_addr_port_parse("10.88.0.5", &ip, &port), -EINVAL);
	assert_int_equal(nat_addr_port_parse("10.88.0.5:0", &ip, &port), -EINVAL);
	assert_int_equal(nat_addr_port_parse("10.88.0.5:65536", &ip, &port), -EINVAL);
	assert_int_equal(nat_addr_port_parse("[10.88.0.5]:80", &ip, &port), -EINVAL);
	assert_int_equal(nat_proto_parse("SCTP", &proto), 0);
	assert_int_equal(proto, IPPROTO_SCTP);
	assert_int_equal(nat_proto_parse("icmp", &proto), -EINVAL);
	assert_int_equal(plumb_ip_parse("10.88.0.5", &p.ip), 0);
	assert_int_equal(plumb_ip_parse("192.0.2.1", &p.host_ip), 0);
	assert_string_equal(nat_port_str(&p, buf, sizeof(buf)),
			    "udp 192.0.2.1:5000-5002 -> 10.88.0.5:6000-6002");
	assert_int_equal(nat_owner_cni(buf, sizeof(buf), "portmap", "net", "abc", "eth0"), 0);
	assert_string_equal(buf, "portmap/net/abc/eth0");
	assert_int_equal(nat_owner_cni_prefix(buf, sizeof(buf), "portmap", "net"), 0);
	assert_string_equal(buf, "portmap/net/");
	{
		char id[200], net[80], prefix[NAT_OWNER_MAX];

		/* a long network name is hashed, the same way in tag and prefix */
		memset(net, 'n', sizeof(net) - 1);
		net[sizeof(net) - 1] = '\0';
		memset(id, 'a', 64);
		id[64] = '\0';
		assert_int_equal(nat_owner_cni(buf, sizeof(buf), "bridge", net, id, "eth0"), 0);
		assert_int_equal(nat_owner_cni_prefix(prefix, sizeof(prefix), "bridge", net), 0);
		assert_int_equal(strncmp(buf, prefix, strlen(prefix)), 0);
		assert_true(strlen(buf) < NAT_OWNER_MAX);
		memset(id, 'a', sizeof(id) - 1);
		id[sizeof(id) - 1] = '\0';
		assert_int_equal(nat_owner_cni(buf, sizeof(buf), "bridge", "net", id, "eth0"),
				 -ENAMETOOLONG);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),     cmocka_unit_test(test_layout_sets),
	    cmocka_unit_test(test_port_elems), cmocka_unit_test(test_port_delete_has_key_only),
	    cmocka_unit_test(test_masq_elems), cmocka_unit_test(test_large_batch_splits),
	    cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
