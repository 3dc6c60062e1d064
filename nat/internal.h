/* SPDX-License-Identifier: MIT */
/*
 * nat/internal.h — the nftables plumbing shared by every file in nat/ (and by
 * the service mapper's nat/service*.c): a netfilter socket opened inside a
 * chosen namespace, an all-or-nothing batch builder over libnftnl + libmnl that
 * collects every ACK and turns a failure into -errno + the kernel's extack text
 * + the label of the message (or set element) that failed, dumps, rule
 * expression helpers and an idempotent "create this layer once" helper.
 *
 * Everything here acts on `table inet plumb` (NAT_TABLE) only; nothing reads or
 * writes another table. Ownership: a struct nat_batch owns its buffer and its
 * labels; the nftnl objects handed to nat_batch_* stay the caller's (they are
 * serialised at once and may be freed right after).
 */
#ifndef PLUMB_NAT_INTERNAL_H
#define PLUMB_NAT_INTERNAL_H

#include "common/cleanup.h"
#include "common/err.h"

/* glibc before the uapi headers, or struct in_addr is defined twice. */
#include <net/if.h>
#include <netinet/in.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter/nf_tables.h>
#include <stdbool.h>
#include <stdint.h>

#define NAT_TABLE "plumb"
#define NAT_FAMILY NFPROTO_INET

DEFINE_CLEANUP_FUNC(struct nftnl_table *, nftnl_table_free)
DEFINE_CLEANUP_FUNC(struct nftnl_chain *, nftnl_chain_free)
DEFINE_CLEANUP_FUNC(struct nftnl_rule *, nftnl_rule_free)
DEFINE_CLEANUP_FUNC(struct nftnl_set *, nftnl_set_free)
DEFINE_CLEANUP_FUNC(struct nftnl_set_elem *, nftnl_set_elem_free)
DEFINE_CLEANUP_FUNC(struct nftnl_expr *, nftnl_expr_free)

/* ---- socket ---- */

/* A NETLINK_NETFILTER socket that lives in the namespace it was opened in. */
struct nat_sock {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq; /* next sequence number */
};

/* Open inside nsfd (nsfd < 0: the caller's namespace), extended ACKs on. */
int nat_sock_open(struct nat_sock *s, int nsfd, struct plumb_err *err);
void nat_sock_close(struct nat_sock *s);

/* ---- batches ---- */

/* One nfnetlink transaction: BATCH_BEGIN, messages, BATCH_END. Every message
 * asks for an ACK; each carries a label ("set 'hostport4'") and each element
 * of an element message its own ("element tcp 8080") for error messages. */
struct nat_batch;

struct nat_batch *nat_batch_new(void);
void nat_batch_free(struct nat_batch *b);
DEFINE_CLEANUP_FUNC(struct nat_batch *, nat_batch_free)
#define _cleanup_batch_ _cleanup_(nat_batch_freep)

/* The nfproto of the messages appended from now on (default NAT_FAMILY;
 * NFPROTO_BRIDGE for `table bridge plumb`). */
void nat_batch_family(struct nat_batch *b, uint16_t family);

/* Number of messages between BEGIN and END (0: nothing to send). */
size_t nat_batch_count(const struct nat_batch *b);

/* Append one object message. type is NFT_MSG_NEW* / NFT_MSG_DEL*; flags are
 * added to NLM_F_REQUEST|NLM_F_ACK (NLM_F_CREATE, NLM_F_EXCL, NLM_F_APPEND...).
 * label is copied. Return 0 or -ENOMEM. */
int nat_batch_table(struct nat_batch *b, uint16_t type, uint16_t flags, struct nftnl_table *t,
		    const char *label);
int nat_batch_chain(struct nat_batch *b, uint16_t type, uint16_t flags, struct nftnl_chain *c,
		    const char *label);
int nat_batch_rule(struct nat_batch *b, uint16_t type, uint16_t flags, struct nftnl_rule *r,
		   const char *label);
int nat_batch_set(struct nat_batch *b, uint16_t type, uint16_t flags, struct nftnl_set *s,
		  const char *label);

/* Element messages: open one for table/set (family NAT_FAMILY), add elements
 * one at a time with their own label, close it. A long run of elements is split
 * into several messages of the same transaction automatically. */
int nat_batch_elems_begin(struct nat_batch *b, uint16_t type, uint16_t flags, const char *set);
int nat_batch_elem(struct nat_batch *b, struct nftnl_set_elem *e, const char *label_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with a label the caller keeps alive until the batch is freed: no
 * formatting or copy per element (a 10k-service sync adds 144k of them). */
int nat_batch_elem_borrowed(struct nat_batch *b, struct nftnl_set_elem *e, const char *label);
int nat_batch_elems_end(struct nat_batch *b);

/* The finished transaction (BEGIN..END) for tests: bytes and length. The batch
 * is sealed after this (no more messages). */
const void *nat_batch_wire(struct nat_batch *b, size_t *len);

/* The label an error on message `msg` (0-based after BEGIN) names: the
 * element whose bytes contain offset `off` (the kernel's NLMSGERR_ATTR_OFFS,
 * from the start of that message), else the message's own label (off < 0).
 * NULL if there is no such message. */
const char *nat_batch_label(const struct nat_batch *b, uint32_t msg, int64_t off);

/* Send the transaction and read every ACK. All or nothing: on failure the
 * kernel applied none of it. Returns 0, or the first failure's -errno with
 * err = "<label>: <strerror> (<extack>)"; *failed (may be NULL) gets the index
 * of the failing message (0-based among the messages, -1 when not known). */
int nat_batch_send(struct nat_sock *s, struct nat_batch *b, int *failed, struct plumb_err *err);

/* Append a hint to the message already in err: "<message>: <hint>".
 * Returns -abs(code). */
int nat_err_hint(struct plumb_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- reading back ---- */

/* Dump one kind of object of table plumb: type is NFT_MSG_GETCHAIN,
 * NFT_MSG_GETSET, NFT_MSG_GETRULE or NFT_MSG_GETTABLE; cb is called for every
 * message (a negative return stops the dump and is returned). -ENOENT when the
 * table does not exist. */
typedef int (*nat_dump_fn)(const struct nlmsghdr *nlh, void *arg);
int nat_dump(struct nat_sock *s, uint16_t type, nat_dump_fn cb, void *arg, struct plumb_err *err);

/* Every element of set `set`, parsed into *out (a struct nftnl_set whose
 * element list the caller iterates, free with nftnl_set_free). -ENOENT when
 * the table or the set does not exist. */
int nat_dump_elems(struct nat_sock *s, const char *set, struct nftnl_set **out,
		   struct plumb_err *err);
/* The same in table plumb of another family (NFPROTO_BRIDGE). */
int nat_dump_elems_in(struct nat_sock *s, uint16_t family, const char *set, struct nftnl_set **out,
		      struct plumb_err *err);

/* Read one element of set `set` (table inet plumb) by its key (`key` holds
 * NFTNL_SET_ELEM_KEY): *out gets a set holding it, with its data and comment.
 * -ENOENT when there is no such element (or set, or table). One round trip,
 * whatever the set's size. */
int nat_get_elem(struct nat_sock *s, const char *set, struct nftnl_set_elem *key,
		 struct nftnl_set **out, struct plumb_err *err);

/* 1 when chain `name` exists in table plumb, 0 when it (or the table) does not. */
int nat_chain_exists(struct nat_sock *s, const char *name, struct plumb_err *err);
int nat_chain_exists_in(struct nat_sock *s, uint16_t family, const char *name,
			struct plumb_err *err);

/* ---- idempotent layers ---- */

/* Create a layer of the table (chains, sets, rules) exactly once. If chain
 * `marker` exists, nothing is sent. Otherwise build() fills a batch (it must
 * create `marker` with NLM_F_EXCL, so two racing callers cannot both add the
 * rules) which is sent; losing that race (EEXIST on the marker) is success.
 * The table itself is added (without EXCL) at the head of the batch. */
typedef int (*nat_layer_fn)(struct nat_batch *b, void *arg);
int nat_layer_ensure(struct nat_sock *s, const char *marker, nat_layer_fn build, void *arg,
		     struct plumb_err *err);
/* The same for table plumb of another family (the batch starts in it). */
int nat_layer_ensure_in(struct nat_sock *s, uint16_t family, const char *marker, nat_layer_fn build,
			void *arg, struct plumb_err *err);

/* ---- object builders (table plumb, family inet) ---- */

struct nftnl_table *nat_table_new(void);
/* A base chain when hook is given (type "nat"/"filter", hook NF_INET_*,
 * priority), a regular chain when type is NULL. */
struct nftnl_chain *nat_chain_new(const char *name, const char *type, int hook, int prio);
struct nftnl_rule *nat_rule_new(const char *chain);

/* A set or map. key_types/data_type are nft datatype ids (NAT_T_*) so that
 * `nft list` shows them; key_lens gives each concatenated field's length in
 * bytes (unpadded). data_type 0: a plain set. flags: NFT_SET_* besides MAP. */
struct nftnl_set *nat_set_new(const char *name, const uint32_t *key_types, const uint8_t *key_lens,
			      size_t nkeys, const uint32_t *data_types, const uint8_t *data_lens,
			      size_t ndata, uint32_t flags);

/* nft's datatype ids (nftables src/datatype.h), for key/data types. */
enum {
	NAT_T_IPADDR = 7,
	NAT_T_IP6ADDR = 8,
	NAT_T_ETHERADDR = 9,
	NAT_T_INET_PROTOCOL = 12,
	NAT_T_INET_SERVICE = 13,
	NAT_T_MARK = 19,
	NAT_T_IFNAME = 41,
};

/* Register numbers: 32-bit registers start at 8 (NFT_REG32_00). */
#define NAT_R32(n) (NFT_REG32_00 + (n))

/* Expression helpers: each appends one expression to r, returns 0 or -ENOMEM. */
int nat_e_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg);
int nat_e_meta_set(struct nftnl_rule *r, uint32_t key, uint32_t sreg);
int nat_e_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg);
int nat_e_cmp(struct nftnl_rule *r, uint32_t sreg, uint32_t op, const void *data, uint32_t len);
int nat_e_bitwise(struct nftnl_rule *r, uint32_t sreg, uint32_t dreg, uint32_t len,
		  const void *mask, const void * xor);
int nat_e_lookup(struct nftnl_rule *r, const char *set, uint32_t sreg, int dreg, bool invert);
int nat_e_ct(struct nftnl_rule *r, uint32_t key, int dir, uint32_t dreg);
int nat_e_fib(struct nftnl_rule *r, uint32_t flags, uint32_t result, uint32_t dreg);
int nat_e_verdict(struct nftnl_rule *r, int verdict, const char *chain);
int nat_e_masq(struct nftnl_rule *r);
int nat_e_dnat(struct nftnl_rule *r, int family, uint32_t reg_addr, uint32_t reg_proto);
/* "meta nfproto ipv4|ipv6" (family NFPROTO_IPV4/IPV6). */
int nat_e_nfproto(struct nftnl_rule *r, uint8_t family);
/* Masked comparison of a register: (reg & mask) op value. */
int nat_e_masked_cmp(struct nftnl_rule *r, uint32_t reg, uint32_t op, const void *mask,
		     const void *value, uint32_t len);

/* ---- elements ---- */

/* Owner tag and comment of an element live in its userdata as nft's comment
 * TLV, so `nft list` shows them. NAT_OWNER_MAX includes the NUL. */
#define NAT_COMMENT_MAX 128
int nat_elem_set_comment(struct nftnl_set_elem *e, const char *comment);
/* The comment, copied into buf ("" when none). */
void nat_elem_comment(struct nftnl_set_elem *e, char *buf, size_t len);

/* Keys and data of elements: concatenated fields, each padded to 4 bytes, in
 * network byte order (what the registers hold). */
struct nat_key {
	uint8_t b[64];
	uint32_t len;
};
struct plumb_ip;
void nat_key_ip(struct nat_key *k, const struct plumb_ip *ip);
void nat_key_u8(struct nat_key *k, uint8_t v);
void nat_key_be16(struct nat_key *k, uint16_t v);
void nat_key_be32(struct nat_key *k, uint32_t v);
void nat_key_bytes(struct nat_key *k, const void *p, uint32_t len);

/* In a dumped interval set (start and interval-end elements), the end that
 * closes the interval starting at `start`: the smallest end key above it.
 * false when there is none (the interval runs to the top). */
bool nat_interval_end(struct nftnl_set *s, const void *start, uint32_t len, uint8_t *end);

/* A growing array of fixed-size records (the caller frees data). */
struct nat_vec {
	void *data;
	size_t n, cap;
};
/* Room for one more zeroed record; NULL on ENOMEM. */
void *nat_vec_push(struct nat_vec *v, size_t size);

/* ---- the NAT layer's own names (nat/README.md draws the layout) ---- */

#define NAT_CHAIN_PRE "nat-prerouting"
#define NAT_CHAIN_OUT "nat-output"
#define NAT_CHAIN_POST "nat-postrouting"
#define NAT_CHAIN_HAIRPIN "hairpin"
/* Created last-but-with-EXCL: its existence means the whole layer exists. */
#define NAT_MARKER NAT_CHAIN_POST

/* Set by chain hairpin (prerouting, right after DNAT) on a new DNATed
 * connection whose reply would bypass the node; nat-postrouting masquerades it. The same bit as the
 * reference portmap plugin's masquerade mark, with the same meaning. */
#define NAT_HAIRPIN_MARK 0x2000u

/* Port maps: [ip]proto . port -> ip . port (v4/v6, any local address or one). */
#define NAT_SET_PORT4 "hostport4"
#define NAT_SET_PORT4_IP "hostport4-ip"
#define NAT_SET_PORT6 "hostport6"
#define NAT_SET_PORT6_IP "hostport6-ip"
/* Masquerade: per-pod sources (hash), per-pod "own network" exceptions
 * (src . dst intervals), registered pod subnets, never-masqueraded
 * destinations (cluster ranges). */
#define NAT_SET_POD4 "masq-pod4"
#define NAT_SET_POD6 "masq-pod6"
#define NAT_SET_SKIP4 "masq-skip4"
#define NAT_SET_SKIP6 "masq-skip6"
#define NAT_SET_NET4 "masq-net4"
#define NAT_SET_NET6 "masq-net6"
#define NAT_SET_NOMASQ4 "nomasq-dst4"
#define NAT_SET_NOMASQ6 "nomasq-dst6"

/* table bridge plumb: the MAC spoofing check (nat/macspoof.c) */
#define NAT_CHAIN_MACSPOOF "macspoof"
#define NAT_SET_MACPORTS "macspoof-ports"
#define NAT_SET_MACALLOW "macspoof-allow"

/* Build the NAT layer (chains, sets, rules) into b; nat_layer_ensure's build. */
int nat_layout_build(struct nat_batch *b, void *unused);

/* The element messages of nat_port_add/del and nat_masq_add/del, without
 * validation or sending (the round-trip tests parse them back). */
struct nat_port;
struct nat_masq;
int nat_port_batch(struct nat_batch *b, const struct nat_port *p, size_t count, bool add);
int nat_masq_batch(struct nat_batch *b, const struct nat_masq *m, size_t count, bool add);
int nat_macspoof_batch(struct nat_batch *b, const char *ifname, const uint8_t mac[6], bool add,
		       const char *owner);

#endif
