// SPDX-License-Identifier: MIT
/*
 * nat/service.c — the static part of the Service layout, made once.
 *
 * Registers below are 32-bit slots R(0..); a concatenation occupies consecutive
 * slots. Most rules start by loading the ClusterIP key
 *   R0 = meta l4proto, R1 = ip daddr, R2 = th dport
 * (or the NodePort key R0 = l4proto, R1 = th dport) and looking up the id.
 * Lookups that write their data over their own key are fine: the kernel reads
 * the key before it copies the data.
 */
#include "nat/internal.h"
#include "nat/service.h"
#include "nat/service-internal.h"

#include <errno.h>
#include <libnftnl/expr.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter_ipv4.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define R(n) NAT_R32(n)

static int add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return -ENOMEM;
	nftnl_rule_add_expr(r, e); /* r owns e from here */
	return 0;
}

static int e_numgen(struct nftnl_rule *r, uint32_t mod, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("numgen");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_NG_DREG, dreg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NG_MODULUS, mod);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NG_TYPE, NFT_NG_RANDOM);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NG_OFFSET, 0);
	}
	return add_expr(r, e);
}

static int e_dynset(struct nftnl_rule *r, const char *set, uint32_t op, uint32_t sreg_key,
		    int sreg_data, uint64_t timeout_ms)
{
	struct nftnl_expr *e = nftnl_expr_alloc("dynset");

	if (e) {
		nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, set);
		nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, op);
		nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, sreg_key);
		if (sreg_data >= 0)
			nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_DATA, (uint32_t)sreg_data);
		if (timeout_ms)
			nftnl_expr_set_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT, timeout_ms);
	}
	return add_expr(r, e);
}

static int e_reject(struct nftnl_rule *r, bool tcp)
{
	struct nftnl_expr *e = nftnl_expr_alloc("reject");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE,
				   tcp ? NFT_REJECT_TCP_RST : NFT_REJECT_ICMPX_UNREACH);
		nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE,
				  tcp ? 0 : NFT_REJECT_ICMPX_PORT_UNREACH);
	}
	return add_expr(r, e);
}

/* R0.. = l4proto . ip daddr . th dport (ClusterIP key) or l4proto . th dport. */
static int load_key(struct nftnl_rule *r, bool nodeport)
{
	int rc = nat_e_meta(r, NFT_META_L4PROTO, R(0));

	if (!rc && !nodeport)
		rc = nat_e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, R(1));
	if (!rc)
		rc = nat_e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, R(nodeport ? 1 : 2));
	return rc;
}

/* The same key from the connection's original direction (after DNAT). */
static int load_orig_key(struct nftnl_rule *r, bool nodeport)
{
	int rc = nat_e_meta(r, NFT_META_L4PROTO, R(0));

	if (!rc && !nodeport)
		rc = nat_e_ct(r, NFT_CT_DST_IP, IP_CT_DIR_ORIGINAL, R(1));
	if (!rc)
		rc = nat_e_ct(r, NFT_CT_PROTO_DST, IP_CT_DIR_ORIGINAL, R(nodeport ? 1 : 2));
	return rc;
}

static const char *ids_set(bool nodeport)
{
	return nodeport ? "svc-npids" : "svc-ids";
}

/* R0 = R0 & mask (host-order 32-bit). */
static int mask_r0(struct nftnl_rule *r, uint32_t mask)
{
	uint32_t zero = 0;

	return nat_e_bitwise(r, R(0), R(0), 4, &mask, &zero);
}

static int ct_has(struct nftnl_rule *r, uint32_t key, uint32_t bits)
{
	uint32_t zero = 0;
	int rc = nat_e_ct(r, key, -1, R(4));

	if (!rc)
		rc = nat_e_masked_cmp(r, R(4), NFT_CMP_NEQ, &bits, &zero, 4);
	return rc;
}

static int send_rule(struct nat_batch *b, struct nftnl_rule *r, int rc, const char *label)
{
	if (!rc)
		rc = nat_batch_rule(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, r, label);
	nftnl_rule_free(r);
	return rc;
}

/* svc-c<k> / svc-p<k>: dnat to (id . numgen random mod k) map @svc-eps. */
static int pick_rule(struct nat_batch *b, bool nodeport, uint32_t k)
{
	char chain[16];
	struct nftnl_rule *r;
	int rc;

	snprintf(chain, sizeof(chain), "svc-%c%u", nodeport ? 'p' : 'c', k);
	r = nat_rule_new(chain);
	if (!r)
		return -ENOMEM;
	rc = load_key(r, nodeport);
	if (!rc)
		rc = nat_e_lookup(r, ids_set(nodeport), R(0), R(0), false);
	if (!rc)
		rc = e_numgen(r, k, R(1));
	if (!rc)
		rc = nat_e_lookup(r, "svc-eps", R(0), R(0), false);
	if (!rc)
		rc = nat_e_dnat(r, NFPROTO_IPV4, R(0), R(1));
	return send_rule(b, r, rc, chain);
}

/* R0 . R1 = the svc-aff key of the packet's frontend: its id without the
 * class and endpoint-count bits (so affinity survives an endpoint-count
 * change), then the client's address. orig: the frontend from conntrack's
 * original tuple (the packet is already DNATed). The rule that looks entries
 * up and the one that records them must build the same key. */
static int affinity_key(struct nftnl_rule *r, bool nodeport, bool orig)
{
	int rc = orig ? load_orig_key(r, nodeport) : load_key(r, nodeport);

	if (!rc)
		rc = nat_e_lookup(r, ids_set(nodeport), R(0), R(0), false);
	if (!rc)
		rc = mask_r0(r, ~0xfffu);
	if (!rc)
		rc = nat_e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R(1));
	return rc;
}

/* Affinity: a remembered endpoint that still belongs to the frontend wins;
 * one that no longer does is forgotten (then numgen picks afresh). */
static int affinity_rules(struct nat_batch *b, const char *chain, bool nodeport)
{
	for (int stale = 0; stale < 2; stale++) {
		struct nftnl_rule *r = nat_rule_new(chain);
		int rc;

		if (!r)
			return -ENOMEM;
		rc = affinity_key(r, nodeport, false);
		if (!rc)
			rc = nat_e_lookup(r, "svc-aff", R(0), R(1), false);
		if (!rc)
			rc = nat_e_lookup(r, "svc-epset", R(0), -1, stale);
		if (!rc && !stale)
			rc = nat_e_dnat(r, NFPROTO_IPV4, R(1), R(2));
		if (!rc && stale)
			rc = nat_e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R(1));
		if (!rc && stale)
			/* A map's dynset needs a data register even to delete, and the
			 * kernel refuses loads from registers this rule did not set. */
			rc = e_dynset(r, "svc-aff", NFT_DYNSET_OP_DELETE, R(0), R(1), 0);
		rc = send_rule(b, r, rc, chain);
		if (rc)
			return rc;
	}
	return 0;
}

/* id & 0x3f = N - 1 picks the chain that draws among N slots. */
static int dispatch_rule(struct nat_batch *b, const char *chain, bool nodeport)
{
	struct nftnl_rule *r = nat_rule_new(chain);
	int rc;

	if (!r)
		return -ENOMEM;
	rc = load_key(r, nodeport);
	if (!rc)
		rc = nat_e_lookup(r, ids_set(nodeport), R(0), R(0), false);
	if (!rc)
		rc = mask_r0(r, 0x3f);
	if (!rc)
		rc = nat_e_lookup(r, nodeport ? "svc-psel" : "svc-csel", R(0), NFT_REG_VERDICT,
				  false);
	return send_rule(b, r, rc, chain);
}

/* "fib daddr type local" and not 127.0.0.0/8 (NodePorts never answer on
 * loopback, as in kube-proxy's nftables mode). */
static int local_not_loopback(struct nftnl_rule *r)
{
	uint32_t local = RTN_LOCAL, lo_mask = htonl(0xff000000), lo = htonl(0x7f000000);
	int rc = nat_e_fib(r, NFTA_FIB_F_DADDR, NFT_FIB_RESULT_ADDRTYPE, R(4));

	if (!rc)
		rc = nat_e_cmp(r, R(4), NFT_CMP_EQ, &local, 4);
	if (!rc)
		rc = nat_e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, R(4));
	if (!rc)
		rc = nat_e_masked_cmp(r, R(4), NFT_CMP_NEQ, &lo_mask, &lo, 4);
	return rc;
}

/* NodePort traffic: mark it for masquerade and go to svc-np. */
static int nodeport_entry_rule(struct nat_batch *b)
{
	uint32_t keep = ~NAT_SVC_MASQ_MARK, set = NAT_SVC_MASQ_MARK;
	struct nftnl_rule *r = nat_rule_new("svc-nat");
	int rc;

	if (!r)
		return -ENOMEM;
	rc = local_not_loopback(r);
	if (!rc)
		rc = load_key(r, true);
	if (!rc)
		rc = nat_e_lookup(r, "svc-npids", R(0), -1, false);
	if (!rc)
		rc = nat_e_meta(r, NFT_META_MARK, R(4));
	if (!rc)
		rc = nat_e_bitwise(r, R(4), R(4), 4, &keep, &set);
	if (!rc)
		rc = nat_e_meta_set(r, NFT_META_MARK, R(4));
	if (!rc)
		rc = nat_e_verdict(r, NFT_GOTO, "svc-np");
	return send_rule(b, r, rc, "svc-nat nodeport");
}

/* Reject new connections to frontends without a ready endpoint. */
static int reject_rules(struct nat_batch *b)
{
	for (int np = 0; np < 2; np++)
		for (int tcp = 1; tcp >= 0; tcp--) {
			struct nftnl_rule *r = nat_rule_new("svc-reject");
			uint8_t proto = IPPROTO_TCP;
			int rc = np ? local_not_loopback(r) : 0;

			if (!r)
				return -ENOMEM;
			if (!rc)
				rc = load_key(r, np);
			if (!rc)
				rc = nat_e_lookup(r, np ? "svc-npnoep" : "svc-noep", R(0), -1, false);
			if (!rc && tcp)
				rc = nat_e_cmp(r, R(0), NFT_CMP_EQ, &proto, 1);
			if (!rc)
				rc = e_reject(r, tcp);
			rc = send_rule(b, r, rc, "svc-reject");
			if (rc)
				return rc;
		}
	return 0;
}

/* Remember the endpoint a new DNATed connection got, per affinity class. */
static int affinity_record_rules(struct nat_batch *b)
{
	for (int np = 0; np < 2; np++) {
		struct nftnl_rule *r = nat_rule_new("svc-affrec");
		int rc;

		if (!r)
			return -ENOMEM;
		rc = ct_has(r, NFT_CT_STATUS, IPS_DST_NAT);
		if (!rc)
			rc = load_orig_key(r, np);
		if (!rc)
			rc = nat_e_lookup(r, ids_set(np), R(0), R(0), false);
		if (!rc)
			rc = mask_r0(r, 0xfc0);
		if (!rc)
			rc = nat_e_lookup(r, "svc-affsel", R(0), NFT_REG_VERDICT, false);
		rc = send_rule(b, r, rc, "svc-affrec");
		if (rc)
			return rc;
	}
	return 0;
}

int nat_svc_class_rules(struct nat_batch *b, const struct nat_svc_class *c)
{
	char chain[32];

	nat_svc_class_chain(c->timeout, chain, sizeof(chain));
	for (int np = 0; np < 2; np++) {
		struct nftnl_rule *r = nat_rule_new(chain);
		int rc;

		if (!r)
			return -ENOMEM;
		rc = affinity_key(r, np, true);
		if (!rc)
			rc = nat_e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, R(2));
		if (!rc)
			rc = nat_e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, R(3));
		if (!rc)
			rc = e_dynset(r, "svc-aff", NFT_DYNSET_OP_UPDATE, R(0), R(2),
				      (uint64_t)c->timeout * 1000);
		if (!rc && !np)
			rc = nat_e_verdict(r, NFT_RETURN, NULL);
		rc = send_rule(b, r, rc, chain);
		if (rc)
			return rc;
	}
	return 0;
}

static int hairpin_rule(struct nat_batch *b)
{
	struct nftnl_rule *r = nat_rule_new(NAT_SVC_MARKER);
	int rc;

	if (!r)
		return -ENOMEM;
	rc = nat_e_nfproto(r, NFPROTO_IPV4);
	if (!rc)
		rc = ct_has(r, NFT_CT_STATUS, IPS_DST_NAT);
	if (!rc)
		rc = nat_e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 8, R(0)); /* saddr . daddr */
	if (!rc)
		rc = nat_e_lookup(r, "svc-hairpin", R(0), -1, false);
	if (!rc)
		rc = nat_e_masq(r);
	return send_rule(b, r, rc, "svc-postrouting hairpin");
}

static int nodeport_masq_rule(struct nat_batch *b)
{
	uint32_t bit = NAT_SVC_MASQ_MARK, zero = 0;
	struct nftnl_rule *r = nat_rule_new(NAT_SVC_MARKER);
	int rc;

	if (!r)
		return -ENOMEM;
	rc = nat_e_meta(r, NFT_META_MARK, R(0));
	if (!rc)
		rc = nat_e_masked_cmp(r, R(0), NFT_CMP_NEQ, &bit, &zero, 4);
	if (!rc)
		rc = nat_e_masq(r);
	return send_rule(b, r, rc, "svc-postrouting nodeport");
}

/* A base chain whose one rule jumps (IPv4 only, new connections if asked). */
static int hook_chain(struct nat_batch *b, const char *name, const char *type, int hook, int prio,
		      const char *target, bool new_only)
{
	struct nftnl_chain *c = nat_chain_new(name, type, hook, prio);
	struct nftnl_rule *r;
	int rc;

	if (!c)
		return -ENOMEM;
	rc = nat_batch_chain(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, c, name);
	nftnl_chain_free(c);
	if (rc || !target)
		return rc;
	r = nat_rule_new(name);
	if (!r)
		return -ENOMEM;
	rc = nat_e_nfproto(r, NFPROTO_IPV4);
	if (!rc && new_only)
		rc = ct_has(r, NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_NEW));
	if (!rc)
		rc = nat_e_verdict(r, NFT_JUMP, target);
	return send_rule(b, r, rc, name);
}

static int marker_chain(struct nat_batch *b)
{
	struct nftnl_chain *c = nat_chain_new(NAT_SVC_MARKER, "nat", NF_INET_POST_ROUTING,
					      NF_IP_PRI_NAT_SRC);
	int rc;

	if (!c)
		return -ENOMEM;
	rc = nat_batch_chain(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, c, NAT_SVC_MARKER);
	nftnl_chain_free(c);
	return rc;
}

static int plain_chain(struct nat_batch *b, const char *name)
{
	struct nftnl_chain *c = nat_chain_new(name, NULL, 0, 0);
	int rc;

	if (!c)
		return -ENOMEM;
	rc = nat_batch_chain(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, c, name);
	nftnl_chain_free(c);
	return rc;
}

static int selector_elems(struct nat_batch *b, bool nodeport)
{
	int rc = nat_batch_elems_begin(b, NFT_MSG_NEWSETELEM, NLM_F_CREATE,
				       nodeport ? "svc-psel" : "svc-csel");

	for (uint32_t k = 1; !rc && k <= NAT_SVC_MAX_BACKENDS; k++) {
		char chain[16];
		uint32_t key = k - 1;
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();

		if (!e)
			return -ENOMEM;
		snprintf(chain, sizeof(chain), "svc-%c%u", nodeport ? 'p' : 'c', k);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &key, 4);
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, NFT_GOTO);
		nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, chain);
		rc = nat_batch_elem(b, e, "%s", chain);
		nftnl_set_elem_free(e);
	}
	return rc ?: nat_batch_elems_end(b);
}

/* The sets and maps; see nat/service.h for their shapes. */
static int layout_sets(struct nat_batch *b)
{
	static const uint32_t P = NAT_T_INET_PROTOCOL, A = NAT_T_IPADDR, S = NAT_T_INET_SERVICE,
			      M = NAT_T_MARK;
	const struct {
		const char *name;
		uint32_t kt[3];
		uint8_t kl[3];
		size_t nk;
		uint32_t dt[2];
		uint8_t dl[2];
		size_t nd;
		uint32_t flags;
	} sets[] = {
		{"svc-ids", {P, A, S}, {1, 4, 2}, 3, {M}, {4}, 1, 0},
		{"svc-npids", {P, S}, {1, 2}, 2, {M}, {4}, 1, 0},
		{"svc-eps", {M, M}, {4, 4}, 2, {A, S}, {4, 2}, 2, 0},
		{"svc-epset", {M, A, S}, {4, 4, 2}, 3, {0}, {0}, 0, 0},
		{"svc-noep", {P, A, S}, {1, 4, 2}, 3, {0}, {0}, 0, 0},
		{"svc-npnoep", {P, S}, {1, 2}, 2, {0}, {0}, 0, 0},
		{"svc-hairpin", {A, A}, {4, 4}, 2, {0}, {0}, 0, 0},
		{"svc-aff", {M, A}, {4, 4}, 2, {A, S}, {4, 2}, 2, NFT_SET_TIMEOUT | NFT_SET_EVAL},
	};
	int rc = 0;

	for (size_t i = 0; !rc && i < ARRAY_SIZE(sets); i++) {
		struct nftnl_set *s = nat_set_new(sets[i].name, sets[i].kt, sets[i].kl, sets[i].nk,
						  sets[i].nd ? sets[i].dt : NULL, sets[i].dl,
						  sets[i].nd, sets[i].flags);

		if (!s)
			return -ENOMEM;
		if (sets[i].flags & NFT_SET_EVAL)
			nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, 65536);
		rc = nat_batch_set(b, NFT_MSG_NEWSET, NLM_F_CREATE, s, sets[i].name);
		nftnl_set_free(s);
	}
	for (int i = 0; !rc && i < 3; i++) {
		const char *name = i == 0 ? "svc-csel" : i == 1 ? "svc-psel" : "svc-affsel";
		uint32_t m = M;
		uint8_t l = 4;
		struct nftnl_set *s = nat_set_new(name, &m, &l, 1, NULL, NULL, 0, 0);

		if (!s)
			return -ENOMEM;
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, 0);
		rc = nat_batch_set(b, NFT_MSG_NEWSET, NLM_F_CREATE, s, name);
		nftnl_set_free(s);
	}
	return rc;
}

int nat_svc_layout_build(struct nat_batch *b, void *arg)
{
	static const char *const plain[] = {"svc-nat", "svc-np", "svc-reject", "svc-affrec"};
	int rc = 0;

	(void)arg;
	for (size_t i = 0; !rc && i < ARRAY_SIZE(plain); i++)
		rc = plain_chain(b, plain[i]);
	for (uint32_t k = 1; !rc && k <= NAT_SVC_MAX_BACKENDS; k++) {
		char name[16];

		snprintf(name, sizeof(name), "svc-c%u", k);
		rc = plain_chain(b, name);
		snprintf(name, sizeof(name), "svc-p%u", k);
		if (!rc)
			rc = plain_chain(b, name);
	}
	if (!rc)
		rc = layout_sets(b);
	for (uint32_t k = 1; !rc && k <= NAT_SVC_MAX_BACKENDS; k++) {
		rc = pick_rule(b, false, k);
		if (!rc)
			rc = pick_rule(b, true, k);
	}
	if (!rc)
		rc = selector_elems(b, false);
	if (!rc)
		rc = selector_elems(b, true);
	if (!rc)
		rc = affinity_rules(b, "svc-nat", false);
	if (!rc)
		rc = dispatch_rule(b, "svc-nat", false);
	if (!rc)
		rc = nodeport_entry_rule(b);
	if (!rc)
		rc = affinity_rules(b, "svc-np", true);
	if (!rc)
		rc = dispatch_rule(b, "svc-np", true);
	if (!rc)
		rc = reject_rules(b);
	if (!rc)
		rc = affinity_record_rules(b);
	/* Hooks last: nothing sees traffic until the whole layout is there. */
	if (!rc)
		rc = hook_chain(b, "svc-filter-pre", "filter", NF_INET_PRE_ROUTING,
				NF_IP_PRI_NAT_DST - 10, "svc-reject", true);
	if (!rc)
		rc = hook_chain(b, "svc-filter-out", "filter", NF_INET_LOCAL_OUT,
				NF_IP_PRI_NAT_DST - 10, "svc-reject", true);
	if (!rc)
		rc = hook_chain(b, "svc-prerouting", "nat", NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST,
				"svc-nat", false);
	if (!rc)
		rc = hook_chain(b, "svc-output", "nat", NF_INET_LOCAL_OUT, NF_IP_PRI_NAT_DST,
				"svc-nat", false);
	if (!rc)
		rc = hook_chain(b, "svc-aff-pre", "filter", NF_INET_PRE_ROUTING,
				NF_IP_PRI_NAT_DST + 10, "svc-affrec", true);
	if (!rc)
		rc = hook_chain(b, "svc-aff-out", "filter", NF_INET_LOCAL_OUT,
				NF_IP_PRI_NAT_DST + 10, "svc-affrec", true);
	/* The marker chain (created exclusively, so two racing bootstraps cannot
	 * both add rules) and its rules come last. */
	if (!rc)
		rc = marker_chain(b);
	if (!rc)
		rc = hairpin_rule(b);
	if (!rc)
		rc = nodeport_masq_rule(b);
	return rc;
}

int nat_svc_layout_ensure(struct nat_sock *s, struct plumb_err *err)
{
	int r = nat_chain_exists(s, NAT_SVC_MARKER, err);

	if (r < 0)
		return r;
	if (r > 0)
		return 0;
	r = nat_layer_ensure(s, NAT_SVC_MARKER, nat_svc_layout_build, NULL, err);
	return r < 0 ? r : 1;
}
