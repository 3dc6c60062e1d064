// SPDX-License-Identifier: MIT
/* DNS wire format: header, names (with compression), records, query parsing. */
#include "dns/dns.h"

#include <errno.h>
#include <string.h>

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint8_t lc(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
}

int dns_header_read(const uint8_t *pkt, size_t len, struct dns_header *h)
{
	if (len < DNS_HDR_LEN)
		return -EBADMSG;
	h->id = get16(pkt);
	h->flags = get16(pkt + 2);
	h->qdcount = get16(pkt + 4);
	h->ancount = get16(pkt + 6);
	h->nscount = get16(pkt + 8);
	h->arcount = get16(pkt + 10);
	return 0;
}

void dns_header_write(uint8_t *pkt, const struct dns_header *h)
{
	put16(pkt, h->id);
	put16(pkt + 2, h->flags);
	put16(pkt + 4, h->qdcount);
	put16(pkt + 6, h->ancount);
	put16(pkt + 8, h->nscount);
	put16(pkt + 10, h->arcount);
}

int dns_name_read(const uint8_t *pkt, size_t len, size_t *off, uint8_t *out, bool lower)
{
	size_t pos = *off, end = 0, n = 0;
	/* A pointer must go strictly before the label that holds it: every jump
	 * lowers the bound, so the walk terminates without a hop counter. */
	size_t bound = pos;
	bool jumped = false;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return -EBADMSG;
		l = pkt[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return -EBADMSG;
			target = (size_t)(l & 0x3f) << 8 | pkt[pos + 1];
			if (target >= bound)
				return -EBADMSG;
			if (!jumped)
				end = pos + 2;
			jumped = true;
			bound = target;
			pos = target;
			continue;
		}
		if (l & 0xc0) /* 0x40 / 0x80: extended and reserved label types */
			return -EBADMSG;
		if (n + 1 + l > DNS_NAME_MAX)
			return -EBADMSG;
		if (l == 0) {
			out[n++] = 0;
			if (!jumped)
				end = pos + 1;
			break;
		}
		if (pos + 1 + l > len)
			return -EBADMSG;
		out[n++] = l;
		if (lower) {
			for (size_t i = 0; i < l; i++)
				out[n + i] = lc(pkt[pos + 1 + i]);
		} else {
			memcpy(out + n, pkt + pos + 1, l);
		}
		n += l;
		pos += 1 + (size_t)l;
	}
	*off = end;
	return (int)n;
}

int dns_name_from_text(const char *text, uint8_t *out)
{
	size_t n = 0, tl = strlen(text);
	const char *p = text, *end = text + tl;

	if (tl && text[tl - 1] == '.')
		end--;
	if (end == text) {
		out[0] = 0;
		return 1;
	}
	while (p <= end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		size_t l = dot ? (size_t)(dot - p) : (size_t)(end - p);

		if (l == 0 || l > DNS_LABEL_MAX || n + 1 + l + 1 > DNS_NAME_MAX)
			return -EINVAL;
		out[n++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			out[n++] = lc((uint8_t)p[i]);
		if (!dot)
			break;
		p = dot + 1;
	}
	out[n++] = 0;
	return (int)n;
}

int dns_name_to_text(const uint8_t *wire, char *buf, size_t len)
{
	size_t n = 0;

	for (const uint8_t *p = wire; *p; p += 1 + *p) {
		if (n && n + 1 < len)
			buf[n++] = '.';
		for (size_t i = 0; i < *p && n + 1 < len; i++) {
			uint8_t c = p[1 + i];

			buf[n++] = (c > 32 && c < 127 && c != '.') ? (char)c : '?';
		}
	}
	if (len)
		buf[n < len ? n : len - 1] = '\0';
	return (int)n;
}

int dns_name_labels(const uint8_t *wire, uint8_t *offs)
{
	int n = 0;

	for (size_t p = 0; wire[p] && n < DNS_LABELS_MAX; p += 1 + wire[p])
		offs[n++] = (uint8_t)p;
	return n;
}

int dns_rr_read(const uint8_t *pkt, size_t len, size_t *off, struct dns_rr *rr)
{
	size_t pos = *off;
	int r;

	r = dns_name_read(pkt, len, &pos, rr->name, true);
	if (r < 0)
		return r;
	if (pos + 10 > len)
		return -EBADMSG;
	rr->type = get16(pkt + pos);
	rr->class = get16(pkt + pos + 2);
	rr->ttl = get32(pkt + pos + 4);
	rr->rdlen = get16(pkt + pos + 8);
	pos += 10;
	if (pos + rr->rdlen > len)
		return -EBADMSG;
	rr->rdata = pkt + pos;
	rr->rdata_off = pos;
	*off = pos + rr->rdlen;
	return 0;
}

static int query_opt(struct dns_query *q, const struct dns_rr *rr)
{
	if (q->edns || rr->name[0] != 0)
		return -EBADMSG; /* RFC 6891: one OPT, owner is the root */
	q->edns = true;
	q->udp_size = rr->class < DNS_UDP_MIN ? DNS_UDP_MIN
		      : rr->class > DNS_UDP_MAX ? DNS_UDP_MAX
						: rr->class;
	q->edns_version = (uint8_t)(rr->ttl >> 16);
	q->edns_do = rr->ttl & 0x8000;
	return 0;
}

int dns_query_parse(const uint8_t *pkt, size_t len, struct dns_query *q)
{
	size_t pos = DNS_HDR_LEN;
	unsigned rest;
	int r;

	q->edns = false;
	q->udp_size = DNS_UDP_MIN;
	q->qname_len = 0;
	q->question_end = 0;
	if (dns_header_read(pkt, len, &q->hdr) < 0 || (q->hdr.flags & DNS_F_QR))
		return -EPROTO;
	if (q->hdr.qdcount != 1)
		return -EBADMSG;
	r = dns_name_read(pkt, len, &pos, q->qname, true);
	if (r < 0)
		return r;
	if (pos + 4 > len)
		return -EBADMSG;
	/* The question is the first name: a pointer could only aim into the
	 * header. Refuse it, so the question can be echoed byte for byte. */
	if (pos - DNS_HDR_LEN != (size_t)r)
		return -EBADMSG;
	q->qname_len = r;
	q->qtype = get16(pkt + pos);
	q->qclass = get16(pkt + pos + 2);
	pos += 4;
	q->question_end = pos;
	/* Walk every record the header announces: a count that lies fails here. */
	rest = (unsigned)q->hdr.ancount + q->hdr.nscount + q->hdr.arcount;
	for (unsigned i = 0; i < rest; i++) {
		struct dns_rr rr;

		r = dns_rr_read(pkt, len, &pos, &rr);
		if (r < 0)
			return r;
		if (rr.type == DNS_T_OPT) {
			if (i < (unsigned)q->hdr.ancount + q->hdr.nscount)
				return -EBADMSG;
			r = query_opt(q, &rr);
			if (r < 0)
				return r;
		}
	}
	if (pos != len)
		return -EBADMSG; /* trailing garbage: the counts lied low */
	return 0;
}

/* ------------------------------------------------------------- builder ---- */

void dns_builder_init(struct dns_builder *b, uint8_t *buf, size_t cap, size_t limit)
{
	b->buf = buf;
	b->cap = cap;
	b->limit = limit < cap ? limit : cap;
	b->len = 0;
	b->full = false;
	b->ncomp = 0;
}

static bool room(struct dns_builder *b, size_t n)
{
	if (b->full || b->len + n > b->limit) {
		b->full = true;
		return false;
	}
	return true;
}

int dns_builder_header(struct dns_builder *b, const struct dns_header *h)
{
	if (!room(b, DNS_HDR_LEN))
		return -EMSGSIZE;
	dns_header_write(b->buf + b->len, h);
	b->len += DNS_HDR_LEN;
	return 0;
}

/* Does the (uncompressed) wire suffix s equal the name stored at off in the
 * message being built (which may itself end in a pointer)? */
static bool name_at_equals(const struct dns_builder *b, size_t off, const uint8_t *s)
{
	for (int hops = 0; hops < 64;) {
		uint8_t l = b->buf[off];

		if ((l & 0xc0) == 0xc0) {
			off = (size_t)(l & 0x3f) << 8 | b->buf[off + 1];
			hops++;
			continue;
		}
		if (l != *s)
			return false;
		if (l == 0)
			return true;
		for (size_t i = 1; i <= l; i++)
			if (lc(b->buf[off + i]) != s[i])
				return false;
		off += 1 + (size_t)l;
		s += 1 + l;
	}
	return false;
}

/* Offset in the message of a name equal to s, or 0 (12 is the smallest real
 * offset, so 0 never is one). Every stored name and each of its suffixes is
 * a candidate. */
static size_t comp_find(const struct dns_builder *b, const uint8_t *s)
{
	for (uint16_t i = 0; i < b->ncomp; i++) {
		size_t off = b->comp[i];

		/* walk the labels of the stored name, trying each suffix */
		while (off < b->len) {
			uint8_t l = b->buf[off];

			if (l == 0)
				break;
			if ((l & 0xc0) == 0xc0) {
				off = (size_t)(l & 0x3f) << 8 | b->buf[off + 1];
				continue;
			}
			if (name_at_equals(b, off, s))
				return off;
			off += 1 + (size_t)l;
		}
	}
	return 0;
}

int dns_builder_name(struct dns_builder *b, const uint8_t *wire)
{
	size_t start = b->len;
	const uint8_t *s = wire;

	while (*s) {
		size_t hit = comp_find(b, s);

		if (hit && hit < 0x4000) {
			if (!room(b, 2))
				goto undo;
			put16(b->buf + b->len, (uint16_t)(0xc000 | hit));
			b->len += 2;
			goto done;
		}
		if (!room(b, 1 + (size_t)*s))
			goto undo;
		memcpy(b->buf + b->len, s, 1 + (size_t)*s);
		b->len += 1 + (size_t)*s;
		s += 1 + *s;
	}
	if (!room(b, 1))
		goto undo;
	b->buf[b->len++] = 0;
done:
	if (b->len > start + 2 && b->ncomp < DNS_COMP_MAX && start < 0x4000)
		b->comp[b->ncomp++] = (uint16_t)start;
	return 0;
undo:
	b->len = start;
	return -EMSGSIZE;
}

static int fixed(struct dns_builder *b, uint16_t type, uint16_t class, uint32_t ttl,
		 uint16_t rdlen)
{
	uint8_t *p;

	if (!room(b, 10))
		return -EMSGSIZE;
	p = b->buf + b->len;
	put16(p, type);
	put16(p + 2, class);
	put16(p + 4, (uint16_t)(ttl >> 16));
	put16(p + 6, (uint16_t)ttl);
	put16(p + 8, rdlen);
	b->len += 10;
	return 0;
}

int dns_builder_question(struct dns_builder *b, const uint8_t *wire, uint16_t type, uint16_t class)
{
	size_t start = b->len;

	if (dns_builder_name(b, wire) < 0 || !room(b, 4)) {
		b->len = start;
		return -EMSGSIZE;
	}
	put16(b->buf + b->len, type);
	put16(b->buf + b->len + 2, class);
	b->len += 4;
	return 0;
}

static int owner(struct dns_builder *b, const uint8_t *wire)
{
	if (wire)
		return dns_builder_name(b, wire);
	if (!room(b, 2))
		return -EMSGSIZE;
	put16(b->buf + b->len, 0xc000 | DNS_HDR_LEN);
	b->len += 2;
	return 0;
}

int dns_builder_rr(struct dns_builder *b, const uint8_t *wire, uint16_t type, uint16_t class,
		   uint32_t ttl, const void *rdata, uint16_t rdlen)
{
	size_t start = b->len;

	if (owner(b, wire) < 0 || fixed(b, type, class, ttl, rdlen) < 0 || !room(b, rdlen)) {
		b->len = start;
		return -EMSGSIZE;
	}
	memcpy(b->buf + b->len, rdata, rdlen);
	b->len += rdlen;
	return 0;
}

/* Write type/class/ttl with a zero rdlength, let fill() add the rdata, then
 * patch the length. */
static int rr_begin(struct dns_builder *b, const uint8_t *wire, uint16_t type, uint32_t ttl,
		    size_t *lenpos)
{
	if (owner(b, wire) < 0 || fixed(b, type, 1, ttl, 0) < 0)
		return -EMSGSIZE;
	*lenpos = b->len - 2;
	return 0;
}

static void rr_end(struct dns_builder *b, size_t lenpos)
{
	put16(b->buf + lenpos, (uint16_t)(b->len - lenpos - 2));
}

int dns_builder_rr_name(struct dns_builder *b, const uint8_t *own, uint16_t type, uint32_t ttl,
			const uint8_t *target)
{
	size_t start = b->len, lenpos;
	uint16_t ncomp = b->ncomp;

	if (rr_begin(b, own, type, ttl, &lenpos) < 0 || dns_builder_name(b, target) < 0) {
		b->len = start;
		b->ncomp = ncomp;
		return -EMSGSIZE;
	}
	rr_end(b, lenpos);
	return 0;
}

int dns_builder_rr_srv(struct dns_builder *b, const uint8_t *own, uint32_t ttl, uint16_t prio,
		       uint16_t weight, uint16_t port, const uint8_t *target)
{
	size_t start = b->len, lenpos;
	uint16_t ncomp = b->ncomp;

	if (rr_begin(b, own, DNS_T_SRV, ttl, &lenpos) < 0 || !room(b, 6))
		goto undo;
	put16(b->buf + b->len, prio);
	put16(b->buf + b->len + 2, weight);
	put16(b->buf + b->len + 4, port);
	b->len += 6;
	if (dns_builder_name(b, target) < 0)
		goto undo;
	rr_end(b, lenpos);
	return 0;
undo:
	b->len = start;
	b->ncomp = ncomp;
	return -EMSGSIZE;
}

int dns_builder_opt(struct dns_builder *b, uint16_t udp_size, uint8_t ext_rcode, bool dobit)
{
	uint32_t ttl = (uint32_t)ext_rcode << 24 | (dobit ? 0x8000u : 0);

	if (!room(b, 11))
		return -EMSGSIZE;
	b->buf[b->len++] = 0;
	return fixed(b, DNS_T_OPT, udp_size, ttl, 0);
}

void dns_builder_count(struct dns_builder *b, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	put16(b->buf + 4, qd);
	put16(b->buf + 6, an);
	put16(b->buf + 8, ns);
	put16(b->buf + 10, ar);
}
