// SPDX-License-Identifier: MIT
/* Round trips for nat/service*.c (no root): the layout and element batches are
 * built as netlink messages, parsed back with libnftnl and compared with what
 * the layout promises — every svc-c<N>/svc-p<N> chain draws among exactly N
 * slots, the selector maps send N - 1 to chain N, and elements keep their bytes
 * and comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nat/service-internal.h"

#include <arpa/inet.h>
#include <libnftnl/expr.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

struct seen {
	int numgen_mod[2][NAT_SVC_MAX_BACKENDS + 1]; /* [nodeport][N] */
	int sel[2][NAT_SVC_MAX_BACKENDS];	     /* chain N for key N - 1 */
	int rules, sets, chains, dynsets, rejects, class_elems;
	struct nat_svc_elem elems[16];
	char comments[16][NAT_COMMENT_MAX];
	size_t nelems;
};

static int expr_cb(struct nftnl_expr *e, void *data)
{
	struct seen *s = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (!strcmp(name, "dynset"))
		s->dynsets++;
	if (!strcmp(name, "reject"))
		s->rejects++;
	return 0;
}

static void parse_rule(const struct nlmsghdr *nlh, struct seen *s)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	const char *chain;
	unsigned int k;
	char kind;
	int mod = 0, lookups = 0, nat = 0;

	assert_int_equal(nftnl_rule_nlmsg_parse(nlh, r), 0);
	s->rules++;
	chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	nftnl_expr_foreach(r, expr_cb, s);
	if (sscanf(chain, "svc-%c%u", &kind, &k) == 2 && (kind == 'c' || kind == 'p')) {
		it = nftnl_expr_iter_create(r);
		while ((e = nftnl_expr_iter_next(it))) {
			const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

			if (!strcmp(name, "numgen")) {
				assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_NG_TYPE), NFT_NG_RANDOM);
				assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_NG_OFFSET), 0);
				mod = (int)nftnl_expr_get_u32(e, NFTNL_EXPR_NG_MODULUS);
			} else if (!strcmp(name, "lookup")) {
				const char *set = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);

				assert_string_equal(set, lookups++ ? "svc-eps"
							   : kind == 'c' ? "svc-ids" : "svc-npids");
			} else if (!strcmp(name, "nat")) {
				nat++;
			}
		}
		nftnl_expr_iter_destroy(it);
		assert_int_equal(lookups, 2);
		assert_int_equal(nat, 1);
		s->numgen_mod[kind == 'p'][k] = mod;
	}
	nftnl_rule_free(r);
}

/* libnftnl 1.2 does not parse verdict elements back, so the selector maps'
 * elements are read attribute by attribute: key -> goto chain. */
static const struct nlattr *nested(const struct nlattr *a, uint16_t type)
{
	const struct nlattr *x;

	mnl_attr_for_each_nested(x, a)
		if (mnl_attr_get_type(x) == type)
			return x;
	return NULL;
}

static void parse_selector(const struct nlmsghdr *nlh, struct seen *s, int np)
{
	const struct nlattr *a, *list = NULL, *el;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_ELEMENTS)
			list = a;
	assert_non_null(list);
	mnl_attr_for_each_nested(el, list) {
		const struct nlattr *key = nested(nested(el, NFTA_SET_ELEM_KEY), NFTA_DATA_VALUE);
		const struct nlattr *v = nested(nested(el, NFTA_SET_ELEM_DATA), NFTA_DATA_VERDICT);
		unsigned int n;
		uint32_t k;
		char kind;

		assert_non_null(key);
		assert_non_null(v);
		assert_int_equal(mnl_attr_get_payload_len(key), 4);
		memcpy(&k, mnl_attr_get_payload(key), 4);
		assert_int_equal((int32_t)ntohl(mnl_attr_get_u32(nested(v, NFTA_VERDICT_CODE))), NFT_GOTO);
		assert_int_equal(sscanf(mnl_attr_get_str(nested(v, NFTA_VERDICT_CHAIN)), "svc-%c%u",
					&kind, &n), 2);
		assert_int_equal(kind, np ? 'p' : 'c');
		assert_true(k < NAT_SVC_MAX_BACKENDS);
		s->sel[np][k] = (int)n;
	}
}

static const char *elems_set_name(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_SET)
			return mnl_attr_get_str(a);
	return "";
}

static void parse_elems(const struct nlmsghdr *nlh, struct seen *s)
{
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;
	const char *name;

	name = elems_set_name(nlh);
	if (!strcmp(name, "svc-csel") || !strcmp(name, "svc-psel")) {
		parse_selector(nlh, s, name[4] == 'p');
		nftnl_set_free(set);
		return;
	}
	if (!strcmp(name, "svc-affsel")) {
		s->class_elems++;
		nftnl_set_free(set);
		return;
	}
	assert_int_equal(nftnl_set_elems_nlmsg_parse(nlh, set), 0);
	it = nftnl_set_elems_iter_create(set);
	while ((e = nftnl_set_elems_iter_next(it))) {
		uint32_t len = 0;
		const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);

		if (s->nelems < 16) {
			struct nat_svc_elem *x = &s->elems[s->nelems];
			const void *d;

			memset(x, 0, sizeof(*x));
			for (int i = 0; i < NAT_SVC_NSETS; i++)
				if (!strcmp(nat_svc_set_name(i), name))
					x->set = (uint8_t)i;
			memcpy(x->key, k, len);
			x->klen = (uint8_t)len;
			if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA)) {
				d = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &len);
				memcpy(x->data, d, len);
				x->dlen = (uint8_t)len;
			}
			nat_elem_comment(e, s->comments[s->nelems], NAT_COMMENT_MAX);
			s->nelems++;
		}
	}
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(set);
}

/* Walk every message of a finished batch. */
static void parse_batch(struct nat_batch *b, struct seen *s)
{
	size_t len;
	const void *wire = nat_batch_wire(b, &len);
	const struct nlmsghdr *nlh = wire;
	int left = (int)len;

	assert_non_null(wire);
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
		case NFT_MSG_NEWRULE:
			parse_rule(nlh, s);
			break;
		case NFT_MSG_NEWSETELEM:
		case NFT_MSG_DELSETELEM:
			parse_elems(nlh, s);
			break;
		case NFT_MSG_NEWSET:
			s->sets++;
			break;
		case NFT_MSG_NEWCHAIN:
		case NFT_MSG_DELCHAIN:
			s->chains++;
			break;
		}
	}
}

static void test_layout_draws_among_exactly_n(void **state)
{
	struct nat_batch *b = nat_batch_new();
	static struct seen s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(nat_svc_layout_build(b, NULL), 0);
	parse_batch(b, &s);
	for (int np = 0; np < 2; np++)
		for (int n = 1; n <= NAT_SVC_MAX_BACKENDS; n++) {
			assert_int_equal(s.numgen_mod[np][n], n); /* P(slot) = 1/N exactly */
			assert_int_equal(s.sel[np][n - 1], n);	  /* id & 0x3f = N - 1 -> chain N */
		}
	assert_int_equal(s.sets, 11); /* 8 data sets/maps + 3 selectors */
	assert_int_equal(s.rejects, 4);
	assert_int_equal(s.dynsets, 2); /* the stale-affinity deletes */
	nat_batch_free(b);
}

static void test_element_batch_round_trip(void **state)
{
	struct nat_svc_batch sb = {0};
	struct nat_svc_elem e;
	struct nat_batch *b = nat_batch_new();
	static struct seen s;
	uint32_t vip = inet_addr("10.96.0.10"), ep = inet_addr("10.1.0.2"), id;
	uint16_t port;

	memset(&s, 0, sizeof(s));
	id = nat_svc_id(5, 0, 3);
	nat_svc_elem_ids(&e, IPPROTO_TCP, vip, 80, id, "default/web:http");
	assert_int_equal(nat_svc_elemv_push(&sb.add, &e), 0);
	nat_svc_elem_eps(&e, id, 2, ep, 8080);
	assert_int_equal(nat_svc_elemv_push(&sb.add, &e), 0);
	nat_svc_elem_noep(&e, IPPROTO_UDP, vip, 53, "default/dns:dns");
	assert_int_equal(nat_svc_elemv_push(&sb.del, &e), 0);
	sb.class_add[sb.nclass_add++] = (struct nat_svc_class){1, 10800};
	assert_int_equal(nat_svc_batch_build(&sb, b), 0);
	parse_batch(b, &s);

	/* Class first (chain + 2 rules + selector element), then dels, then adds. */
	assert_int_equal(s.chains, 1);
	assert_int_equal(s.dynsets, 2); /* the class chain's two `update @svc-aff` */
	assert_int_equal(s.class_elems, 1);
	assert_int_equal(s.nelems, 3);
	assert_int_equal(s.elems[0].set, NAT_SVC_NOEP);
	assert_string_equal(s.comments[0], ""); /* deletes carry keys only */
	assert_int_equal(s.elems[1].set, NAT_SVC_IDS);
	assert_int_equal(s.elems[1].klen, 12);
	assert_int_equal(s.elems[1].key[0], IPPROTO_TCP);
	assert_memory_equal(s.elems[1].key + 4, &vip, 4);
	memcpy(&port, s.elems[1].key + 8, 2);
	assert_int_equal(ntohs(port), 80);
	assert_memory_equal(s.elems[1].data, &id, 4);
	assert_string_equal(s.comments[1], "default/web:http");
	assert_int_equal(s.elems[2].set, NAT_SVC_EPS);
	assert_int_equal(s.elems[2].dlen, 8);
	assert_memory_equal(s.elems[2].data, &ep, 4);
	nat_svc_batch_free(&sb);
	nat_batch_free(b);
}

static void test_ids_carry_count_and_class(void **state)
{
	uint32_t id = nat_svc_id(0xabcde, 7, 64);

	assert_int_equal(id & 0x3f, 63);
	assert_int_equal(id >> 6 & 0x3f, 7);
	assert_int_equal(id >> 12, 0xabcde);
	assert_int_equal(nat_svc_id(1, 0, 1), 0x1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_draws_among_exactly_n),
		cmocka_unit_test(test_element_batch_round_trip),
		cmocka_unit_test(test_ids_carry_count_and_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
