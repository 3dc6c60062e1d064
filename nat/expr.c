// SPDX-License-Identifier: MIT
/* libnftnl object and expression builders for table inet plumb. Each helper
 * hands the new expression to the rule (libnftnl's add_expr takes ownership). */
#include "nat/internal.h"

#include <errno.h>
#include <libnftnl/udata.h>
#include <string.h>

struct nftnl_table *nat_table_new(void)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		return NULL;
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NAT_FAMILY);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NAT_TABLE);
	return t;
}

struct nftnl_chain *nat_chain_new(const char *name, const char *type, int hook, int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c)
		return NULL;
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NAT_FAMILY);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NAT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (type) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	return c;
}

struct nftnl_rule *nat_rule_new(const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		return NULL;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NAT_FAMILY);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NAT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	return r;
}

/* nft's concatenated type id: 6 bits per field, first field highest. */
static uint32_t concat_type(const uint32_t *types, size_t n)
{
	uint32_t t = 0;

	for (size_t i = 0; i < n; i++)
		t = (t << 6) | types[i];
	return t;
}

static uint32_t padded_len(const uint8_t *lens, size_t n)
{
	uint32_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += (lens[i] + 3u) & ~3u;
	return n == 1 ? lens[0] : len;
}

/* A batch-local id; a hash of the name keeps it stable and unique enough
 * (ids only need to differ among the sets of one transaction). */
static uint32_t set_id(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h ? h : 1;
}

struct nftnl_set *nat_set_new(const char *name, const uint32_t *key_types, const uint8_t *key_lens,
			      size_t nkeys, const uint32_t *data_types, const uint8_t *data_lens,
			      size_t ndata, uint32_t flags)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return NULL;
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NAT_FAMILY);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NAT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	/* Mandatory in NEWSET: lets later messages of the batch refer to it. */
	nftnl_set_set_u32(s, NFTNL_SET_ID, set_id(name));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, concat_type(key_types, nkeys));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, padded_len(key_lens, nkeys));
	if (nkeys > 1) {
		uint8_t field[NFT_REG32_COUNT] = {0};

		memcpy(field, key_lens, nkeys);
		nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, field, (uint32_t)nkeys);
		/* The kernel insists the flag and the field list go together. */
		flags |= NFT_SET_CONCAT;
	}
	if (ndata) {
		flags |= NFT_SET_MAP;
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, concat_type(data_types, ndata));
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, padded_len(data_lens, ndata));
	}
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	return s;
}

static struct nftnl_expr *expr(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e)
		nftnl_rule_add_expr(r, e); /* the rule owns it from here */
	return e;
}

int nat_e_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "meta");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	return 0;
}

int nat_e_meta_set(struct nftnl_rule *r, uint32_t key, uint32_t sreg)
{
	struct nftnl_expr *e = expr(r, "meta");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, sreg);
	return 0;
}

int nat_e_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "payload");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	return 0;
}

int nat_e_cmp(struct nftnl_rule *r, uint32_t sreg, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "cmp");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set_data(e, NFTNL_EXPR_CMP_DATA, data, len);
	return 0;
}

int nat_e_bitwise(struct nftnl_rule *r, uint32_t sreg, uint32_t dreg, uint32_t len,
		  const void *mask, const void * xor)
{
	struct nftnl_expr *e = expr(r, "bitwise");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_XOR, xor, len);
	return 0;
}

int nat_e_masked_cmp(struct nftnl_rule *r, uint32_t reg, uint32_t op, const void *mask,
		     const void *value, uint32_t len)
{
	static const uint8_t zero[16];
	int rc = nat_e_bitwise(r, reg, reg, len, mask, zero);

	return rc < 0 ? rc : nat_e_cmp(r, reg, op, value, len);
}

int nat_e_lookup(struct nftnl_rule *r, const char *set, uint32_t sreg, int dreg, bool invert)
{
	struct nftnl_expr *e = expr(r, "lookup");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	if (dreg >= 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, (uint32_t)dreg);
	if (invert)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	return 0;
}

int nat_e_ct(struct nftnl_rule *r, uint32_t key, int dir, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "ct");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	if (dir >= 0)
		nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, (uint8_t)dir);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
	return 0;
}

int nat_e_fib(struct nftnl_rule *r, uint32_t flags, uint32_t result, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "fib");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, flags);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, result);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, dreg);
	return 0;
}

int nat_e_verdict(struct nftnl_rule *r, int verdict, const char *chain)
{
	struct nftnl_expr *e = expr(r, "immediate");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	return 0;
}

int nat_e_masq(struct nftnl_rule *r)
{
	return expr(r, "masq") ? 0 : -ENOMEM;
}

int nat_e_dnat(struct nftnl_rule *r, int family, uint32_t reg_addr, uint32_t reg_proto)
{
	struct nftnl_expr *e = expr(r, "nat");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, (uint32_t)family);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, reg_addr);
	/* The kernel derives MAP_IPS / PROTO_SPECIFIED from the registers. */
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, reg_proto);
	return 0;
}

int nat_e_nfproto(struct nftnl_rule *r, uint8_t family)
{
	int rc = nat_e_meta(r, NFT_META_NFPROTO, NFT_REG_1);

	return rc < 0 ? rc : nat_e_cmp(r, NFT_REG_1, NFT_CMP_EQ, &family, 1);
}

int nat_elem_set_comment(struct nftnl_set_elem *e, const char *comment)
{
	struct nftnl_udata_buf *u;
	int r = 0;

	if (!comment || !*comment)
		return 0;
	if (strlen(comment) >= NAT_COMMENT_MAX)
		return -ENAMETOOLONG;
	u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	if (!u)
		return -ENOMEM;
	if (!nftnl_udata_put_strz(u, NFTNL_UDATA_SET_ELEM_COMMENT, comment) ||
	    nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(u),
			       nftnl_udata_buf_len(u)) < 0)
		r = -ENOMEM;
	nftnl_udata_buf_free(u);
	return r;
}

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	const struct nftnl_udata **tb = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_SET_ELEM_COMMENT)
		*tb = attr;
	return 0;
}

void nat_elem_comment(struct nftnl_set_elem *e, char *buf, size_t len)
{
	const struct nftnl_udata *c = NULL;
	uint32_t ulen = 0;
	const void *ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &ulen);

	buf[0] = '\0';
	if (!ud || nftnl_udata_parse(ud, ulen, comment_cb, &c) < 0 || !c)
		return;
	snprintf(buf, len, "%.*s", (int)nftnl_udata_len(c), (const char *)nftnl_udata_get(c));
	/* the TLV holds the terminating NUL too */
}
