// SPDX-License-Identifier: MIT
/* nfnetlink transactions: build BEGIN..END into one growing buffer, send it,
 * read every ACK, and name the message or element the kernel refused. */
#include "nat/internal.h"

#include "common/mem.h"

#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* nla_len is 16 bits, so one element list must stay well below 64 KiB. */
#define ELEM_MSG_MAX (48 * 1024)
/* Room guaranteed before serialising any single object or element. */
#define ROOM (64 * 1024)

struct label {
	uint32_t msg;	     /* index among the messages (0 = first after BEGIN) */
	uint32_t start, end; /* byte range inside that message */
	const char *text;
	bool owned; /* text is ours to free (else the caller's, outliving the batch) */
};

struct nat_batch {
	char *buf;
	size_t len, cap;
	size_t nmsgs;
	struct label *labels;
	size_t nlabels, caplabels;
	bool sealed;
	uint16_t family; /* of the messages added from now on */
	/* the element message being filled, if any */
	bool in_elems;
	size_t elem_msg; /* offset of its nlmsghdr in buf */
	size_t elem_nest;
	int elem_count;
	uint16_t elem_type, elem_flags;
	char elem_set[NFT_SET_MAXNAMELEN];
};

static int room(struct nat_batch *b, size_t need)
{
	char *nb;
	size_t ncap;

	if (b->len + need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : ROOM * 2;
	while (ncap < b->len + need)
		ncap *= 2;
	nb = realloc(b->buf, ncap);
	if (!nb)
		return -ENOMEM;
	plumb_mem_populate(nb + b->cap, ncap - b->cap);
	/* Zeroed: nftnl_nlmsg_build_hdr and mnl attributes expect clean memory. */
	memset(nb + b->cap, 0, ncap - b->cap);
	b->buf = nb;
	b->cap = ncap;
	return 0;
}

static int push_label(struct nat_batch *b, uint32_t msg, uint32_t start, uint32_t end,
		      const char *text, bool copy)
{
	if (b->nlabels == b->caplabels) {
		size_t n = b->caplabels ? b->caplabels * 2 : 16;
		struct label *nl = realloc(b->labels, n * sizeof(*nl));

		if (!nl)
			return -ENOMEM;
		b->labels = nl;
		b->caplabels = n;
	}
	text = text ? text : "";
	if (copy && !(text = strdup(text)))
		return -ENOMEM;
	b->labels[b->nlabels++] = (struct label){msg, start, end, text, copy};
	return 0;
}

static int add_label(struct nat_batch *b, uint32_t msg, uint32_t start, uint32_t end,
		     const char *text)
{
	return push_label(b, msg, start, end, text, true);
}

struct nat_batch *nat_batch_new(void)
{
	struct nat_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	/* calloc, not room(): a fresh 128 KiB block comes zeroed from the kernel,
	 * so the pages a small batch never writes are never faulted in (a CNI
	 * ADD's one-element batch paid 32 page faults, ~0.4 ms, for memset). */
	b->buf = calloc(1, ROOM * 2);
	if (!b->buf) {
		free(b);
		return NULL;
	}
	b->cap = ROOM * 2;
	b->family = NAT_FAMILY;
	/* Sequence numbers are written at send time; 0 for now. */
	b->len = NLMSG_ALIGN(nftnl_batch_begin(b->buf, 0)->nlmsg_len);
	return b;
}

void nat_batch_free(struct nat_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nlabels; i++)
		if (b->labels[i].owned)
			free((char *)b->labels[i].text);
	free(b->labels);
	free(b->buf);
	free(b);
}

void nat_batch_family(struct nat_batch *b, uint16_t family)
{
	b->family = family;
}

size_t nat_batch_count(const struct nat_batch *b)
{
	return b->nmsgs;
}

/* Start a message at the tail; the caller fills the payload and calls
 * msg_close(). Returns NULL on ENOMEM. */
static struct nlmsghdr *msg_open(struct nat_batch *b, uint16_t type, uint16_t flags)
{
	if (b->sealed || b->in_elems || room(b, ROOM) < 0)
		return NULL;
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, b->family,
				     NLM_F_REQUEST | NLM_F_ACK | flags, 0);
}

static int msg_close(struct nat_batch *b, struct nlmsghdr *nlh, const char *label)
{
	int r = add_label(b, b->nmsgs, 0, nlh->nlmsg_len, label);

	if (r < 0)
		return r;
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->nmsgs++;
	return 0;
}

#define DEFINE_BATCH_OBJ(kind, type_t)                                                             \
	int nat_batch_##kind(struct nat_batch *b, uint16_t type, uint16_t flags, type_t *o,        \
			     const char *label)                                                    \
	{                                                                                          \
		struct nlmsghdr *nlh = msg_open(b, type, flags);                                   \
                                                                                                   \
		if (!nlh)                                                                          \
			return -ENOMEM;                                                            \
		nftnl_##kind##_nlmsg_build_payload(nlh, o);                                        \
		return msg_close(b, nlh, label);                                                   \
	}

DEFINE_BATCH_OBJ(table, struct nftnl_table)
DEFINE_BATCH_OBJ(chain, struct nftnl_chain)
DEFINE_BATCH_OBJ(rule, struct nftnl_rule)
DEFINE_BATCH_OBJ(set, struct nftnl_set)

static int elems_open(struct nat_batch *b)
{
	struct nlmsghdr *nlh = msg_open(b, b->elem_type, b->elem_flags);

	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NAT_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, b->elem_set);
	b->elem_msg = b->len;
	b->elem_nest = (char *)mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS) - b->buf;
	b->elem_count = 0;
	b->in_elems = true;
	return 0;
}

static int elems_close(struct nat_batch *b)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + b->elem_msg);
	char label[NFT_SET_MAXNAMELEN + 32];
	int r;

	b->in_elems = false;
	mnl_attr_nest_end(nlh, (struct nlattr *)(b->buf + b->elem_nest));
	snprintf(label, sizeof(label), "elements of set '%s'", b->elem_set);
	r = add_label(b, b->nmsgs, 0, nlh->nlmsg_len, label);
	if (r < 0)
		return r;
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->nmsgs++;
	return 0;
}

int nat_batch_elems_begin(struct nat_batch *b, uint16_t type, uint16_t flags, const char *set)
{
	if (b->sealed || b->in_elems || strlen(set) >= sizeof(b->elem_set))
		return -EINVAL;
	b->elem_type = type;
	b->elem_flags = flags;
	snprintf(b->elem_set, sizeof(b->elem_set), "%s", set);
	return elems_open(b);
}

/* Append e to the open element message; *start is where it begins in it. */
static int elem_put(struct nat_batch *b, struct nftnl_set_elem *e, uint32_t *start)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int r;

	if (!b->in_elems)
		return -EINVAL;
	nlh = (struct nlmsghdr *)(b->buf + b->elem_msg);
	if (nlh->nlmsg_len > ELEM_MSG_MAX) {
		r = elems_close(b);
		if (r == 0)
			r = elems_open(b);
		if (r < 0)
			return r;
	}
	r = room(b, 4096);
	if (r < 0)
		return r;
	nlh = (struct nlmsghdr *)(b->buf + b->elem_msg);
	*start = nlh->nlmsg_len;
	/* NFTA_LIST_ELEM for each, as the kernel's own dumps (and libnftnl's
	 * parser) have it; the kernel ignores the nest type. */
	nest = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	b->elem_count++;
	nftnl_set_elem_nlmsg_build_payload(nlh, e);
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

int nat_batch_elem(struct nat_batch *b, struct nftnl_set_elem *e, const char *label_fmt, ...)
{
	char label[512];
	uint32_t start;
	va_list ap;
	int r = elem_put(b, e, &start);

	if (r < 0)
		return r;
	va_start(ap, label_fmt);
	vsnprintf(label, sizeof(label), label_fmt, ap);
	va_end(ap);
	return add_label(b, b->nmsgs, start,
			 ((struct nlmsghdr *)(b->buf + b->elem_msg))->nlmsg_len, label);
}

int nat_batch_elem_borrowed(struct nat_batch *b, struct nftnl_set_elem *e, const char *label)
{
	uint32_t start;
	int r = elem_put(b, e, &start);

	if (r < 0)
		return r;
	return push_label(b, b->nmsgs, start,
			  ((struct nlmsghdr *)(b->buf + b->elem_msg))->nlmsg_len, label, false);
}

int nat_batch_elems_end(struct nat_batch *b)
{
	if (!b->in_elems)
		return -EINVAL;
	return elems_close(b);
}

const void *nat_batch_wire(struct nat_batch *b, size_t *len)
{
	if (b->in_elems && elems_close(b) < 0)
		return NULL;
	if (!b->sealed) {
		if (room(b, NLMSG_HDRLEN * 4) < 0)
			return NULL;
		b->len += NLMSG_ALIGN(nftnl_batch_end(b->buf + b->len, 0)->nlmsg_len);
		b->sealed = true;
	}
	*len = b->len;
	return b->buf;
}

/* The most precise label for a failure: an element whose bytes hold the
 * offending attribute, else the message's own. */
const char *nat_batch_label(const struct nat_batch *b, uint32_t msg, int64_t off)
{
	const char *best = NULL;
	uint32_t best_span = UINT32_MAX;

	for (size_t i = 0; i < b->nlabels; i++) {
		const struct label *l = &b->labels[i];

		if (l->msg != msg)
			continue;
		if (l->start != 0 && (off < 0 || off < l->start || off >= l->end))
			continue;
		if (l->end - l->start < best_span) {
			best = l->text;
			best_span = l->end - l->start;
		}
	}
	return best;
}

struct ack_state {
	uint32_t base; /* seq of BEGIN */
	size_t acks;   /* ACKs seen for our messages */
	int error;     /* first error, positive */
	uint32_t err_seq;
	int64_t err_off; /* NLMSGERR_ATTR_OFFS, -1 if none */
	char extack[256];
};

static void parse_ack(const struct nlmsghdr *nlh, struct ack_state *st)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e), total = nlh->nlmsg_len - NLMSG_HDRLEN;
	int64_t bad = -1;
	char text[256] = "";

	st->acks++;
	if (e->error == 0 || st->error)
		return;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		while (off + NLA_HDRLEN <= total) {
			const struct nlattr *a = (const void *)((const char *)e + off);

			if (a->nla_len < NLA_HDRLEN || off + a->nla_len > total)
				break;
			if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG)
				snprintf(text, sizeof(text), "%.*s", (int)(a->nla_len - NLA_HDRLEN),
					 (const char *)mnl_attr_get_payload(a));
			else if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_OFFS &&
				 a->nla_len >= NLA_HDRLEN + 4)
				bad = mnl_attr_get_u32(a);
			off += NLA_ALIGN(a->nla_len);
		}
	}
	st->error = -e->error;
	st->err_seq = e->msg.nlmsg_seq;
	st->err_off = bad;
	snprintf(st->extack, sizeof(st->extack), "%s", text);
}

static int read_acks(struct nat_sock *s, struct ack_state *st, struct plumb_err *err)
{
	static const size_t bufsz = 64 * 1024;
	_cleanup_free_ char *buf = malloc(bufsz);

	if (!buf)
		return plumb_err_set(err, ENOMEM, "out of memory");
	/* nfnetlink handles the whole batch inside sendmsg(), so every reply is
	 * already queued: read until the queue is empty. */
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(s->nl), buf, bufsz, MSG_DONTWAIT);
		const struct nlmsghdr *nlh = (const void *)buf;
		int left = (int)n;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return plumb_err_set(err, errno, "nftables: reading replies: %s",
					     strerror(errno));
		}
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
			if (nlh->nlmsg_type == NLMSG_ERROR && nlh->nlmsg_pid == s->portid)
				parse_ack(nlh, st);
	}
}

static void number_messages(struct nat_batch *b, uint32_t base)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)b->buf;
	int left = (int)b->len;
	uint32_t seq = base;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
		nlh->nlmsg_seq = seq++;
}

int nat_batch_send(struct nat_sock *s, struct nat_batch *b, int *failed, struct plumb_err *err)
{
	struct ack_state st = {.err_off = -1};
	const void *wire;
	size_t len;
	int r, sndbuf;

	if (failed)
		*failed = -1;
	wire = nat_batch_wire(b, &len);
	if (!wire)
		return plumb_err_set(err, ENOMEM, "out of memory");
	if (b->nmsgs == 0)
		return 0;
	st.base = s->seq;
	s->seq += b->nmsgs + 2;
	number_messages(b, st.base);
	/* A transaction is one datagram; make room for it (root only, best effort). */
	sndbuf = (int)len + 4096;
	if (len > 128 * 1024)
		setsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
			   sizeof(sndbuf));
	if (mnl_socket_sendto(s->nl, wire, len) < 0)
		return plumb_err_set(err, errno, "nftables: sending %zu messages: %s", b->nmsgs,
				     strerror(errno));
	r = read_acks(s, &st, err);
	if (r < 0)
		return r;
	if (st.error) {
		const char *what = "nftables transaction";
		int64_t idx = (int64_t)st.err_seq - st.base - 1;

		if (idx >= 0 && (size_t)idx < b->nmsgs) {
			const char *l = nat_batch_label(b, (uint32_t)idx, st.err_off);

			if (l && *l)
				what = l;
			if (failed)
				*failed = (int)idx;
		}
		if (st.extack[0])
			return plumb_err_set(err, st.error, "%s: %s (%s)", what, strerror(st.error),
					     st.extack);
		return plumb_err_set(err, st.error, "%s: %s", what, strerror(st.error));
	}
	if (st.acks < b->nmsgs)
		return plumb_err_set(err, EIO,
				     "nftables: %zu of %zu messages were not acknowledged",
				     b->nmsgs - st.acks, b->nmsgs);
	return 0;
}

int nat_err_hint(struct plumb_err *err, int code, const char *fmt, ...)
{
	char old[PLUMB_ERR_MSG_MAX], hint[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(hint, sizeof(hint), fmt, ap);
	va_end(ap);
	if (!err)
		return -abs(code);
	snprintf(old, sizeof(old), "%s", plumb_err_msg(err, code));
	return plumb_err_set(err, code, "%s: %s", old, hint);
}
