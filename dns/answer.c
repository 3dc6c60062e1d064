// SPDX-License-Identifier: MIT
/* Answer a query from the zone: the hot path. No allocation, one pass over the
 * question name for every prefix hash, then a few hash probes. */
#include "dns/internal.h"

#include <errno.h>
#include <string.h>

#define OPT_LEN 11

struct qctx {
	struct dns_zone *z;
	const struct dns_query *q;
	uint8_t offs[DNS_LABELS_MAX + 1]; /* label starts; offs[nl] = the terminal 0 */
	uint32_t ph[DNS_LABELS_MAX + 1];  /* ph[k]: hash of the first k labels */
	int nl;
};

static void qctx_init(struct qctx *c)
{
	const uint8_t *w = c->q->qname;
	uint32_t h = ZHASH_INIT;
	size_t p = 0;

	c->nl = 0;
	c->ph[0] = h;
	while (w[p] && c->nl < DNS_LABELS_MAX) {
		c->offs[c->nl] = (uint8_t)p;
		h = zhash_bytes(h, w + p, 1 + (size_t)w[p]);
		p += 1 + (size_t)w[p];
		c->ph[++c->nl] = h;
	}
	c->offs[c->nl] = (uint8_t)p;
}

/* Does the question end in suffix (wire, with its 0) at a label boundary?
 * Returns the number of labels before it, or -1. */
static int suffix_labels(const struct qctx *c, const uint8_t *suf, size_t slen)
{
	size_t qlen = (size_t)c->q->qname_len;
	size_t pos;

	if (slen >= qlen)
		return -1;
	pos = qlen - slen;
	if (memcmp(c->q->qname + pos, suf, slen))
		return -1;
	for (int k = c->nl - 1; k > 0; k--) {
		if (c->offs[k] == pos)
			return k;
		if (c->offs[k] < pos)
			break;
	}
	return -1;
}

static uint32_t *lookup_k(struct qctx *c, int net, int k)
{
	return zone_find(c->z, (uint16_t)net, zhash_final(c->ph[k], (uint16_t)net), c->q->qname,
			 c->offs[k]);
}

/* Names as given first (on each network), then with a network's domain or
 * name stripped (Docker's name.<network>, Podman's name.dns.podman). */
static uint32_t *lookup(struct qctx *c, const int *nets, size_t nnets, int *form)
{
	uint32_t *n;

	*form = 0;
	if (c->nl == 0)
		return NULL;
	for (size_t i = 0; i < nnets; i++)
		if ((n = lookup_k(c, nets[i], c->nl)))
			return n;
	for (size_t i = 0; i < nnets; i++) {
		const struct znet *zn = &c->z->nets[nets[i]];

		for (int s = 0; s < zn->nstrip; s++) {
			int k = suffix_labels(c, c->z->arena + zn->suf[s], zn->suf_len[s]);

			if (k > 0 && (n = lookup_k(c, nets[i], k))) {
				*form = 1 + s;
				return n;
			}
		}
	}
	return NULL;
}

/* Single-label names and names under a network's suffixes are ours: unknown
 * ones get NXDOMAIN instead of leaking upstream. */
static bool authoritative(const struct qctx *c, const int *nets, size_t nnets)
{
	if (c->nl == 1)
		return true;
	for (size_t i = 0; i < nnets; i++) {
		const struct znet *zn = &c->z->nets[nets[i]];

		for (int s = 0; s < zn->nauth; s++)
			if (suffix_labels(c, c->z->arena + zn->suf[s], zn->suf_len[s]) > 0)
				return true;
	}
	return false;
}

static const uint8_t in_addr_arpa[] = "\7in-addr\4arpa";
static const uint8_t ip6_arpa[] = "\3ip6\4arpa";

static int label_hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "4.3.2.1.in-addr.arpa" / 32 nibbles ".ip6.arpa" -> address; -1 if neither. */
static int ptr_addr(const struct qctx *c, uint8_t *addr)
{
	const uint8_t *w = c->q->qname;

	if (c->nl == 6 && suffix_labels(c, in_addr_arpa, sizeof(in_addr_arpa)) == 4) {
		for (int i = 0; i < 4; i++) {
			const uint8_t *l = w + c->offs[i];
			unsigned v = 0;

			if (l[0] < 1 || l[0] > 3 || (l[0] > 1 && l[1] == '0'))
				return -1;
			for (int j = 1; j <= l[0]; j++) {
				if (l[j] < '0' || l[j] > '9')
					return -1;
				v = v * 10 + (l[j] - '0');
			}
			if (v > 255)
				return -1;
			addr[3 - i] = (uint8_t)v;
		}
		return AF_INET;
	}
	if (c->nl == 34 && suffix_labels(c, ip6_arpa, sizeof(ip6_arpa)) == 32) {
		memset(addr, 0, 16);
		for (int i = 0; i < 32; i++) {
			const uint8_t *l = w + c->offs[i];
			int v = l[0] == 1 ? label_hex(l[1]) : -1;

			if (v < 0)
				return -1;
			addr[15 - i / 2] |= (uint8_t)(i % 2 ? v << 4 : v);
		}
		return AF_INET6;
	}
	return -1;
}

/* Records of one family, starting at the rotation point. */
static uint16_t answer_addrs(struct dns_builder *b, struct dns_zone *z, const uint32_t *base,
			     size_t alen, uint16_t n, uint32_t rot, uint16_t type)
{
	uint16_t an = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint16_t j = (uint16_t)((rot + i) % n);

		if (dns_builder_rr(b, NULL, type, 1, z->ttl, base + j * (alen / 4), (uint16_t)alen) < 0)
			break;
		an++;
	}
	return an;
}

static uint16_t answer_name(struct dns_builder *b, struct dns_zone *z, uint32_t *w, int form,
			    uint16_t qtype)
{
	const bool want_a = qtype == DNS_T_A || qtype == DNS_T_ANY;
	const bool want_aaaa = qtype == DNS_T_AAAA || qtype == DNS_T_ANY;
	struct zrec n;
	uint16_t an = 0;
	uint32_t rot;

	zrec_read(w, &n);
	rot = n.rot ? n.rot[form] : 0;
	if (want_a)
		an += answer_addrs(b, z, n.a4, 4, n.na, rot, DNS_T_A);
	if (want_aaaa)
		an += answer_addrs(b, z, n.a6, 16, n.naaaa, rot, DNS_T_AAAA);
	if (qtype == DNS_T_SRV || qtype == DNS_T_ANY) {
		for (uint32_t i = 0; i < n.nsrv; i++) {
			const uint32_t *s = n.srv + 2 * i;

			if (dns_builder_rr_srv(b, NULL, z->ttl, 0, 100, (uint16_t)s[0],
					       z->arena + s[1]) < 0)
				break;
			an++;
		}
	}
	/* only multi-address names carry counters; bump only when the asked
	 * family rotated */
	if (n.rot && ((want_a && n.na > 1) || (want_aaaa && n.naaaa > 1)))
		n.rot[form]++;
	return an;
}

/* PTR target: the record's name + its network's PTR suffix (domain or
 * network name); the build left out names too long for that. */
static int answer_ptr(struct dns_builder *b, struct dns_zone *z, uint32_t *w)
{
	uint8_t full[DNS_NAME_MAX];
	struct zrec n;
	const struct znet *net;

	zrec_read(w, &n);
	net = &z->nets[n.net];
	memcpy(full, n.name, n.len);
	memcpy(full + n.len, z->arena + net->ptr_suffix, net->suf_len[0]);
	return dns_builder_rr_name(b, NULL, DNS_T_PTR, z->ttl, full) == 0;
}

static uint16_t reply_flags(const struct dns_query *q, int rcode)
{
	return (uint16_t)(DNS_F_QR | (q->hdr.flags & (DNS_F_RD | 0x7800)) | DNS_F_RA |
			  (rcode & 0xf));
}

/* The answer proper: 0 when it is ours (b holds it), 1 when to forward. */
static int resolve(struct qctx *c, const int *nets, size_t nnets, struct dns_builder *b,
		   uint16_t *an, int *rcode)
{
	const struct dns_query *q = c->q;
	uint32_t *n;
	uint8_t addr[16];
	int fam, form;

	qctx_init(c);
	if (q->qtype == DNS_T_PTR && (fam = ptr_addr(c, addr)) > 0) {
		for (size_t i = 0; i < nnets; i++) {
			uint32_t *p = zone_find_ptr(c->z, (uint16_t)nets[i], fam, addr);

			if (p) {
				*an = (uint16_t)answer_ptr(b, c->z, p);
				return 0;
			}
		}
		return 1;
	}
	n = lookup(c, nets, nnets, &form);
	if (n) {
		*an = answer_name(b, c->z, n, form, q->qtype);
		return 0;
	}
	if (authoritative(c, nets, nnets)) {
		*rcode = DNS_R_NXDOMAIN;
		return 0;
	}
	return 1;
}

static enum dns_verdict finish(struct dns_builder *b, const struct dns_query *q, uint16_t an,
			       int rcode, bool aa, size_t limit, size_t *outlen)
{
	struct dns_header h = {.id = q->hdr.id, .qdcount = 1};

	h.flags = reply_flags(q, rcode) | (aa ? DNS_F_AA : 0);
	if (b->full) {
		/* RFC 2181 9: rather no answer than a partial RRset; TC sends the
		 * client to TCP. */
		b->len = q->question_end;
		h.flags |= DNS_F_TC;
		an = 0;
	}
	b->limit = limit;
	b->full = false;
	if (q->edns)
		dns_builder_opt(b, DNS_UDP_MAX, (uint8_t)(rcode >> 4), q->edns_do);
	h.ancount = an;
	h.arcount = q->edns;
	dns_header_write(b->buf, &h);
	*outlen = b->len;
	return DNS_REPLY;
}

size_t dns_reply_rcode(const struct dns_query *q, const uint8_t *pkt, int rcode,
		       uint16_t extra_flags, uint8_t *out, size_t outcap)
{
	struct dns_header h = {.id = q->hdr.id};
	size_t len = DNS_HDR_LEN;

	h.flags = (uint16_t)(reply_flags(q, rcode) | extra_flags);
	if (q->question_end && q->question_end <= outcap) {
		memcpy(out + DNS_HDR_LEN, pkt + DNS_HDR_LEN, q->question_end - DNS_HDR_LEN);
		len = q->question_end;
		h.qdcount = 1;
	}
	if (q->edns && len + OPT_LEN <= outcap) {
		struct dns_builder b;

		dns_builder_init(&b, out, outcap, outcap);
		b.len = len;
		dns_builder_opt(&b, DNS_UDP_MAX, (uint8_t)(rcode >> 4), q->edns_do);
		len = b.len;
		h.arcount = 1;
	}
	dns_header_write(out, &h);
	return len;
}

enum dns_verdict dns_answer(struct dns_zone *z, const int *nets, size_t nnets, const uint8_t *pkt,
			    size_t len, bool tcp, struct dns_query *q, uint8_t *out, size_t outcap,
			    size_t *outlen)
{
	struct qctx c = {.z = z, .q = q};
	struct dns_builder b;
	size_t limit;
	uint16_t an = 0;
	int r, rcode = DNS_R_NOERROR;

	r = dns_query_parse(pkt, len, q);
	if (r == -EPROTO || outcap < DNS_UDP_MIN)
		return DNS_DROP;
	if (r < 0) {
		/* A header we could read but a body we could not: FORMERR, no
		 * question echoed (we do not trust it). */
		q->question_end = 0;
		q->edns = false;
		*outlen = dns_reply_rcode(q, pkt, DNS_R_FORMERR, 0, out, outcap);
		return DNS_REPLY;
	}
	if (DNS_F_OPCODE(q->hdr.flags) != 0) {
		*outlen = dns_reply_rcode(q, pkt, DNS_R_NOTIMP, 0, out, outcap);
		return DNS_REPLY;
	}
	if (q->edns && q->edns_version > 0) {
		*outlen = dns_reply_rcode(q, pkt, DNS_R_BADVERS, 0, out, outcap);
		return DNS_REPLY;
	}
	if (q->qclass != 1 && q->qclass != DNS_T_ANY) {
		*outlen = dns_reply_rcode(q, pkt, DNS_R_REFUSED, 0, out, outcap);
		return DNS_REPLY;
	}
	limit = tcp ? DNS_TCP_MAX : q->udp_size;
	if (limit > outcap)
		limit = outcap;
	/* Keep room for the OPT record the reply will carry. */
	dns_builder_init(&b, out, outcap, limit - (q->edns ? OPT_LEN : 0));
	memcpy(out + DNS_HDR_LEN, pkt + DNS_HDR_LEN, q->question_end - DNS_HDR_LEN);
	b.len = q->question_end;
	b.comp[b.ncomp++] = DNS_HDR_LEN;
	if (resolve(&c, nets, nnets, &b, &an, &rcode))
		return DNS_FORWARD;
	return finish(&b, q, an, rcode, true, limit, outlen);
}
