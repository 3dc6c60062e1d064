// SPDX-License-Identifier: MIT
/* The reference bridge plugin's macspoofchk, in `table bridge plumb`: frames
 * entering the bridge from a checked pod port must carry that pod's source MAC.
 * One static rule; per pod, two elements (the port, and port . MAC). */
#include "nat/nat.h"

#include <errno.h>
#include <libnftnl/udata.h>
#include <stdio.h>
#include <string.h>

/* Bridge-family priority of the check: before the bridge filter (-200). */
#define MACSPOOF_PRIO (-300)

/* `nft list` shows a lone ifname key as "" unless the set's userdata records
 * the key byte order nft itself writes for ifname: BYTEORDER_HOST_ENDIAN (1).
 * Cosmetic: the kernel compares the same bytes either way. */
static void key_as_written(struct nftnl_set *s)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(64);

	if (!u)
		return; /* cosmetic only */
	if (nftnl_udata_put_u32(u, NFTNL_UDATA_SET_KEYBYTEORDER, 1))
		nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(u),
				   nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
}

static int macspoof_layout(struct nat_batch *b, void *unused)
{
	static const uint32_t port_t[] = {NAT_T_IFNAME}, pair_t[] = {NAT_T_IFNAME, NAT_T_ETHERADDR};
	static const uint8_t port_l[] = {IFNAMSIZ}, pair_l[] = {IFNAMSIZ, 6};
	struct nftnl_set *ports =
	    nat_set_new(NAT_SET_MACPORTS, port_t, port_l, 1, NULL, NULL, 0, 0);
	struct nftnl_set *pairs =
	    nat_set_new(NAT_SET_MACALLOW, pair_t, pair_l, 2, NULL, NULL, 0, 0);
	struct nftnl_chain *c =
	    nat_chain_new(NAT_CHAIN_MACSPOOF, "filter", NF_BR_PRE_ROUTING, MACSPOOF_PRIO);
	struct nftnl_rule *r = nat_rule_new(NAT_CHAIN_MACSPOOF);
	int rc = (ports && pairs && c && r) ? 0 : -ENOMEM;

	if (ports)
		key_as_written(ports);

	if (rc == 0)
		rc = nat_batch_set(b, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL, ports,
				   "set '" NAT_SET_MACPORTS "'");
	if (rc == 0)
		rc = nat_batch_set(b, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL, pairs,
				   "set '" NAT_SET_MACALLOW "'");
	if (rc == 0)
		rc = nat_batch_chain(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, c,
				     "chain '" NAT_CHAIN_MACSPOOF "'");
	/* iifname @ports  iifname . ether saddr != @allow  drop */
	if (rc == 0)
		rc = nat_e_meta(r, NFT_META_IIFNAME, NAT_R32(0));
	if (rc == 0)
		rc = nat_e_lookup(r, NAT_SET_MACPORTS, NAT_R32(0), -1, false);
	if (rc == 0)
		rc = nat_e_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NAT_R32(4));
	if (rc == 0)
		rc = nat_e_lookup(r, NAT_SET_MACALLOW, NAT_R32(0), -1, true);
	if (rc == 0)
		rc = nat_e_verdict(r, NF_DROP, NULL);
	if (rc == 0)
		rc = nat_batch_rule(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, r,
				    "rule in chain '" NAT_CHAIN_MACSPOOF "'");
	if (ports)
		nftnl_set_free(ports);
	if (pairs)
		nftnl_set_free(pairs);
	if (c)
		nftnl_chain_free(c);
	if (r)
		nftnl_rule_free(r);
	return rc;
}

int nat_macspoof_batch(struct nat_batch *b, const char *ifname, const uint8_t mac[6], bool add,
		       const char *owner)
{
	char label[96];
	struct nat_key port = {0}, pair = {0};
	uint8_t name[IFNAMSIZ] = {0};
	int r = 0;

	memcpy(name, ifname, strnlen(ifname, IFNAMSIZ - 1));
	nat_key_bytes(&port, name, IFNAMSIZ);
	nat_key_bytes(&pair, name, IFNAMSIZ);
	nat_key_bytes(&pair, mac, 6);
	snprintf(label, sizeof(label), "MAC check of port '%s' (%02x:%02x:%02x:%02x:%02x:%02x)",
		 ifname, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	nat_batch_family(b, NFPROTO_BRIDGE);
	for (int i = 0; r == 0 && i < 2; i++) {
		_cleanup_(nftnl_set_elem_freep) struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		const struct nat_key *k = i ? &pair : &port;

		if (!e)
			return -ENOMEM;
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, k->b, k->len);
		if (add && (r = nat_elem_set_comment(e, owner)) < 0)
			break;
		r = nat_batch_elems_begin(b, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
					  add ? NLM_F_CREATE | NLM_F_EXCL : 0,
					  i ? NAT_SET_MACALLOW : NAT_SET_MACPORTS);
		if (r == 0)
			r = nat_batch_elem(b, e, "%s", label);
		if (r == 0)
			r = nat_batch_elems_end(b);
	}
	return r;
}

static int macspoof_change(struct nat *n, const char *ifname, const uint8_t mac[6], bool add,
			   const char *owner, struct plumb_err *err)
{
	_cleanup_batch_ struct nat_batch *b = NULL;
	int r;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ)
		return plumb_err_set(err, EINVAL, "MAC check: invalid interface name '%s'",
				     ifname ? ifname : "");
	if (add) {
		r = nat_layer_ensure_in(&n->sock, NFPROTO_BRIDGE, NAT_CHAIN_MACSPOOF,
					macspoof_layout, NULL, err);
		if (r < 0)
			return plumb_err_wrap(err, r, "creating table bridge %s", NAT_TABLE);
	}
	b = nat_batch_new();
	if (!b)
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = nat_macspoof_batch(b, ifname, mac, add, owner);
	if (r < 0)
		return plumb_err_set(err, -r, "building the MAC check: %s", strerror(-r));
	r = nat_batch_send(&n->sock, b, NULL, err);
	if (r == -EEXIST)
		return nat_err_hint(err, r, "port '%s' is already checked", ifname);
	if (r == -ENOENT)
		return nat_err_hint(err, r, "not checked");
	return r;
}

int nat_macspoof_add(struct nat *n, const char *ifname, const uint8_t mac[6], const char *owner,
		     struct plumb_err *err)
{
	return macspoof_change(n, ifname, mac, true, owner, err);
}

int nat_macspoof_del(struct nat *n, const char *ifname, const uint8_t mac[6], struct plumb_err *err)
{
	return macspoof_change(n, ifname, mac, false, NULL, err);
}
