// SPDX-License-Identifier: MIT
/* The NAT layer of table inet plumb: its base chains, data sets/maps and the
 * fixed rules that look them up. Built once (nat_layer_ensure); afterwards only
 * elements change. nat/README.md shows the same layout in nft syntax. */
#include "nat/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter_ipv4.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>

#define V4 NFPROTO_IPV4
#define V6 NFPROTO_IPV6
#define NH NFT_PAYLOAD_NETWORK_HEADER
#define TH NFT_PAYLOAD_TRANSPORT_HEADER

/* Offsets of the addresses in the IPv4 / IPv6 header. */
static uint32_t saddr_off(int fam)
{
	return fam == V4 ? 12 : 8;
}
static uint32_t daddr_off(int fam)
{
	return fam == V4 ? 16 : 24;
}
static uint32_t alen(int fam)
{
	return fam == V4 ? 4 : 16;
}
/* 32-bit registers an address takes. */
static uint32_t awords(int fam)
{
	return alen(fam) / 4;
}

static const char *port_set(int fam, bool with_ip)
{
	if (fam == V4)
		return with_ip ? NAT_SET_PORT4_IP : NAT_SET_PORT4;
	return with_ip ? NAT_SET_PORT6_IP : NAT_SET_PORT6;
}

static int add_rule(struct nat_batch *b, struct nftnl_rule *r, int rc, const char *what)
{
	char label[128];

	if (rc < 0) {
		nftnl_rule_free(r);
		return rc;
	}
	snprintf(label, sizeof(label), "rule in chain '%s' (%s)",
		 nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), what);
	rc = nat_batch_rule(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, r, label);
	nftnl_rule_free(r);
	return rc;
}

/* daddr not loopback (127.0.0.0/8, ::1): DNAT to a pod would make the kernel
 * drop the packet as martian unless route_localnet, so such traffic is left
 * alone (as kube-proxy's nftables mode does). */
static int not_loopback(struct nftnl_rule *r, int fam)
{
	static const uint8_t m4[4] = {255}, v4[4] = {127};
	static const uint8_t lo6[16] = {[15] = 1};
	int rc = nat_e_payload(r, NH, daddr_off(fam), alen(fam), NFT_REG_1);

	if (rc < 0)
		return rc;
	if (fam == V4)
		return nat_e_masked_cmp(r, NFT_REG_1, NFT_CMP_NEQ, m4, v4, 4);
	return nat_e_cmp(r, NFT_REG_1, NFT_CMP_NEQ, lo6, 16);
}

/* [ip daddr .] meta l4proto . th dport -> dnat to <map value: addr . port>. */
static int port_rule(struct nat_batch *b, const char *chain, int fam, bool with_ip)
{
	struct nftnl_rule *r = nat_rule_new(chain);
	uint32_t rtn_local = RTN_LOCAL, k = 0;
	int rc;

	if (!r)
		return -ENOMEM;
	rc = nat_e_nfproto(r, (uint8_t)fam);
	if (rc == 0 && with_ip) {
		rc = nat_e_payload(r, NH, daddr_off(fam), alen(fam), NAT_R32(0));
		k = awords(fam);
	} else if (rc == 0) {
		rc = not_loopback(r, fam);
		if (rc == 0)
			rc = nat_e_fib(r, NFTA_FIB_F_DADDR, NFT_FIB_RESULT_ADDRTYPE, NFT_REG_1);
		if (rc == 0)
			rc = nat_e_cmp(r, NFT_REG_1, NFT_CMP_EQ, &rtn_local, 4);
	}
	if (rc == 0)
		rc = nat_e_meta(r, NFT_META_L4PROTO, NAT_R32(k));
	if (rc == 0)
		rc = nat_e_payload(r, TH, 2, 2, NAT_R32(k + 1));
	if (rc == 0)
		rc = nat_e_lookup(r, port_set(fam, with_ip), NAT_R32(0), NFT_REG_1, false);
	/* The map's value is addr . port: the port sits right after the address. */
	if (rc == 0)
		rc = nat_e_dnat(r, fam, NFT_REG_1, NAT_R32(awords(fam)));
	return add_rule(b, r, rc, with_ip ? "port map, one host address" : "port map, any local");
}

/* Chain hairpin (prerouting, just after DNAT): a new DNATed connection whose
 * new destination is reached through the interface it came in on (pod ->
 * node:port -> the same pod, or a pod on the same bridge) would get its replies
 * straight from the pod, bypassing the node's conntrack. `fib daddr . iif oif`
 * finds exactly that; mark it so nat-postrouting masquerades it. */
static int hairpin_mark_rule(struct nat_batch *b)
{
	struct nftnl_rule *r = nat_rule_new(NAT_CHAIN_HAIRPIN);
	uint32_t dnat = IPS_DST_NAT, newbit = NF_CT_STATE_BIT(IP_CT_NEW), zero = 0;
	uint32_t keep = ~NAT_HAIRPIN_MARK, set = NAT_HAIRPIN_MARK;
	int rc;

	if (!r)
		return -ENOMEM;
	rc = nat_e_ct(r, NFT_CT_STATE, -1, NFT_REG_1);
	if (rc == 0)
		rc = nat_e_masked_cmp(r, NFT_REG_1, NFT_CMP_NEQ, &newbit, &zero, 4);
	if (rc == 0)
		rc = nat_e_ct(r, NFT_CT_STATUS, -1, NFT_REG_1);
	if (rc == 0)
		rc = nat_e_masked_cmp(r, NFT_REG_1, NFT_CMP_NEQ, &dnat, &zero, 4);
	if (rc == 0)
		rc = nat_e_fib(r, NFTA_FIB_F_DADDR | NFTA_FIB_F_IIF, NFT_FIB_RESULT_OIF, NFT_REG_1);
	if (rc == 0)
		rc = nat_e_cmp(r, NFT_REG_1, NFT_CMP_NEQ, &zero, 4);
	if (rc == 0)
		rc = nat_e_meta(r, NFT_META_MARK, NFT_REG_1);
	if (rc == 0)
		rc = nat_e_bitwise(r, NFT_REG_1, NFT_REG_1, 4, &keep, &set);
	if (rc == 0)
		rc = nat_e_meta_set(r, NFT_META_MARK, NFT_REG_1);
	return add_rule(b, r, rc, "hairpin mark");
}

static int hairpin_masq_rule(struct nat_batch *b)
{
	struct nftnl_rule *r = nat_rule_new(NAT_CHAIN_POST);
	uint32_t bit = NAT_HAIRPIN_MARK;
	int rc;

	if (!r)
		return -ENOMEM;
	rc = nat_e_meta(r, NFT_META_MARK, NFT_REG_1);
	if (rc == 0)
		rc = nat_e_masked_cmp(r, NFT_REG_1, NFT_CMP_EQ, &bit, &bit, 4);
	if (rc == 0)
		rc = nat_e_masq(r);
	return add_rule(b, r, rc, "hairpin masquerade");
}

/* Multicast destinations are never masqueraded (the reference's
 * `! -d 224.0.0.0/4`; ff00::/8 for IPv6). */
static int multicast_rule(struct nat_batch *b, int fam)
{
	static const uint8_t m4[4] = {0xf0}, v4[4] = {0xe0}, m6[16] = {0xff}, v6[16] = {0xff};
	struct nftnl_rule *r = nat_rule_new(NAT_CHAIN_POST);
	int rc;

	if (!r)
		return -ENOMEM;
	rc = nat_e_nfproto(r, (uint8_t)fam);
	if (rc == 0)
		rc = nat_e_payload(r, NH, daddr_off(fam), alen(fam), NFT_REG_1);
	if (rc == 0)
		rc = nat_e_masked_cmp(r, NFT_REG_1, NFT_CMP_EQ, fam == V4 ? m4 : m6,
				      fam == V4 ? v4 : v6, alen(fam));
	if (rc == 0)
		rc = nat_e_verdict(r, NFT_RETURN, NULL);
	return add_rule(b, r, rc, "multicast");
}

enum masq_match { M_SKIP_PAIR, M_NOMASQ_DST, M_POD, M_NET };

/* One postrouting rule: look the packet up in one masquerade set; return
 * (never masquerade) or masquerade on a hit. */
static int masq_rule(struct nat_batch *b, int fam, enum masq_match m)
{
	static const char *const sets[2][4] = {
	    {NAT_SET_SKIP4, NAT_SET_NOMASQ4, NAT_SET_POD4, NAT_SET_NET4},
	    {NAT_SET_SKIP6, NAT_SET_NOMASQ6, NAT_SET_POD6, NAT_SET_NET6},
	};
	const char *set = sets[fam == V6][m];
	struct nftnl_rule *r = nat_rule_new(NAT_CHAIN_POST);
	int rc;

	if (!r)
		return -ENOMEM;
	rc = nat_e_nfproto(r, (uint8_t)fam);
	if (rc == 0 && m == M_SKIP_PAIR) {
		rc = nat_e_payload(r, NH, saddr_off(fam), alen(fam), NAT_R32(0));
		if (rc == 0)
			rc = nat_e_payload(r, NH, daddr_off(fam), alen(fam), NAT_R32(awords(fam)));
	} else if (rc == 0) {
		rc = nat_e_payload(r, NH, m == M_NOMASQ_DST ? daddr_off(fam) : saddr_off(fam),
				   alen(fam), NAT_R32(0));
	}
	if (rc == 0)
		rc = nat_e_lookup(r, set, NAT_R32(0), -1, false);
	if (rc == 0)
		rc = m <= M_NOMASQ_DST ? nat_e_verdict(r, NFT_RETURN, NULL) : nat_e_masq(r);
	return add_rule(b, r, rc, set);
}

static int add_set(struct nat_batch *b, struct nftnl_set *s)
{
	char label[96];
	int rc;

	if (!s)
		return -ENOMEM;
	snprintf(label, sizeof(label), "set '%s'", nftnl_set_get_str(s, NFTNL_SET_NAME));
	rc = nat_batch_set(b, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL, s, label);
	nftnl_set_free(s);
	return rc;
}

static int add_sets(struct nat_batch *b, int fam)
{
	const uint32_t ip = fam == V4 ? NAT_T_IPADDR : NAT_T_IP6ADDR;
	const uint8_t al = (uint8_t)alen(fam);
	const uint32_t pk[] = {NAT_T_INET_PROTOCOL, NAT_T_INET_SERVICE};
	const uint8_t pkl[] = {1, 2};
	const uint32_t ipk[] = {ip, NAT_T_INET_PROTOCOL, NAT_T_INET_SERVICE};
	const uint8_t ipkl[] = {al, 1, 2};
	const uint32_t dv[] = {ip, NAT_T_INET_SERVICE};
	const uint8_t dvl[] = {al, 2};
	const uint32_t pair[] = {ip, ip};
	const uint8_t pairl[] = {al, al};
	const bool v4 = fam == V4;
	int rc;

	rc = add_set(b, nat_set_new(port_set(fam, false), pk, pkl, 2, dv, dvl, 2, 0));
	if (rc == 0)
		rc = add_set(b, nat_set_new(port_set(fam, true), ipk, ipkl, 3, dv, dvl, 2, 0));
	if (rc == 0)
		rc = add_set(b, nat_set_new(v4 ? NAT_SET_POD4 : NAT_SET_POD6, &ip, &al, 1, NULL,
					    NULL, 0, 0));
	if (rc == 0)
		rc = add_set(b, nat_set_new(v4 ? NAT_SET_SKIP4 : NAT_SET_SKIP6, pair, pairl, 2,
					    NULL, NULL, 0, NFT_SET_INTERVAL));
	if (rc == 0)
		rc = add_set(b, nat_set_new(v4 ? NAT_SET_NET4 : NAT_SET_NET6, &ip, &al, 1, NULL,
					    NULL, 0, NFT_SET_INTERVAL));
	if (rc == 0)
		rc = add_set(b, nat_set_new(v4 ? NAT_SET_NOMASQ4 : NAT_SET_NOMASQ6, &ip, &al, 1,
					    NULL, NULL, 0, NFT_SET_INTERVAL));
	return rc;
}

static int add_chain(struct nat_batch *b, const char *name, const char *type, int hook, int prio)
{
	struct nftnl_chain *c = nat_chain_new(name, type, hook, prio);
	char label[96];
	int rc;

	if (!c)
		return -ENOMEM;
	snprintf(label, sizeof(label), "chain '%s'", name);
	rc = nat_batch_chain(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, c, label);
	nftnl_chain_free(c);
	return rc;
}

int nat_layout_build(struct nat_batch *b, void *unused)
{
	static const int fams[] = {V4, V6};
	int rc;

	rc = add_chain(b, NAT_CHAIN_PRE, "nat", NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST);
	if (rc == 0)
		rc = add_chain(b, NAT_CHAIN_OUT, "nat", NF_INET_LOCAL_OUT, NF_IP_PRI_NAT_DST);
	if (rc == 0)
		rc = add_chain(b, NAT_CHAIN_HAIRPIN, "filter", NF_INET_PRE_ROUTING,
			       NF_IP_PRI_NAT_DST + 1);
	if (rc == 0)
		rc = add_chain(b, NAT_CHAIN_POST, "nat", NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC);
	for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(fams); i++)
		rc = add_sets(b, fams[i]);
	/* A host-address mapping wins over an any-local one on the same port. */
	for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(fams); i++) {
		rc = port_rule(b, NAT_CHAIN_PRE, fams[i], true);
		if (rc == 0)
			rc = port_rule(b, NAT_CHAIN_PRE, fams[i], false);
		if (rc == 0)
			rc = port_rule(b, NAT_CHAIN_OUT, fams[i], true);
		if (rc == 0)
			rc = port_rule(b, NAT_CHAIN_OUT, fams[i], false);
	}
	if (rc == 0)
		rc = hairpin_mark_rule(b);
	if (rc == 0)
		rc = hairpin_masq_rule(b);
	for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(fams); i++) {
		rc = multicast_rule(b, fams[i]);
		for (int m = M_SKIP_PAIR; rc == 0 && m <= M_NET; m++)
			rc = masq_rule(b, fams[i], (enum masq_match)m);
	}
	return rc;
}
