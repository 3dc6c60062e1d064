// SPDX-License-Identifier: MIT
/*
 * common/jscan.c — strict JSON validation in one pass over the text, then
 * navigation by positions over text known to be valid (see common/jscan.h).
 */
#include "common/jscan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* String bytes: 0 plain ASCII, 1 '"', 2 '\\', 3 control character, 4 non-ASCII. */
static const uint8_t str_class[256] = {
	[0 ... 0x1f] = 3, ['"'] = 1, ['\\'] = 2, [0x80 ... 0xff] = 4,
};

/* Bytes that end a run of plain string bytes once the text is known valid. */
static const uint8_t str_stop[256] = {['"'] = 1, ['\\'] = 1};

/* Bytes that matter when skipping a container: quotes, brackets, braces. */
static const uint8_t skip_class[256] = {
	['"'] = 1, ['{'] = 2, ['['] = 2, ['}'] = 3, [']'] = 3,
};

/* 2^1024 - 2^970: the smallest magnitude strtod rounds to infinity (halfway
 * between DBL_MAX and 2^1024, a tie that goes to the even 2^1024). jansson
 * refuses reals that overflow a double; this decides it exactly, without
 * copying the number into a buffer for strtod. */
static const char DBL_OVERFLOW[] =
	"1797693134862315807937289714053034150799341327100378269361737789804449682927647509"
	"4664901797758720709633028641669288791094655554785194040263065748867150582068190890"
	"2000708383676273854845817711531764475730270069855571366959622842914819860834936475"
	"292719074168444365510704342711559699508093042880177904174497792";

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* Eight bytes at a time through strings, the bulk of the text: a mask with
 * the high bit of each byte that matches (exact for the lowest match, which is
 * the one used; the tricks can only mark bytes above a true match). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define JSCAN_SWAR 1
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

static inline uint64_t load8(const char *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

static inline uint64_t eq_mask(uint64_t x, unsigned char c)
{
	uint64_t v = x ^ (ONES * c);

	return (v - ONES) & ~v & HIGHS;
}
#endif

/* The first '"' or '\\' at or after p (end if none). */
static inline const char *str_plain(const char *p, const char *end)
{
	if (p >= end)
		return end;
#ifdef JSCAN_SWAR
	for (; end - p >= 8; p += 8) {
		uint64_t x = load8(p), m = eq_mask(x, '"') | eq_mask(x, '\\');

		if (m)
			return p + (__builtin_ctzll(m) >> 3);
	}
#endif
	while (p < end && !str_stop[(uint8_t)*p])
		p++;
	return p;
}

/* The first byte at or after p that a string cannot hold as it is: '"', '\\',
 * a control character or a non-ASCII byte (end if none). */
static inline const char *str_ascii(const char *p, const char *end)
{
#ifdef JSCAN_SWAR
	for (; end - p >= 8; p += 8) {
		uint64_t x = load8(p);
		uint64_t m = eq_mask(x, '"') | eq_mask(x, '\\') | (x & HIGHS) |
			     ((x - ONES * 0x20) & ~x & HIGHS);

		if (m)
			return p + (__builtin_ctzll(m) >> 3);
	}
#endif
	while (p < end && !str_class[(uint8_t)*p])
		p++;
	return p;
}

/* ---- validation ---- */

struct vctx {
	const char *text, *end;
	struct plumb_err *err;
};

/* Set "line L, column C: what" for position at; returns NULL for the caller. */
__attribute__((format(printf, 3, 4))) static const char *verr(const struct vctx *c,
							       const char *at, const char *fmt, ...)
{
	char what[200];
	const char *bol = c->text;
	int line = 1;
	va_list ap;

	for (const char *q = c->text; q < at; q++)
		if (*q == '\n') {
			line++;
			bol = q + 1;
		}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	plumb_err_set(c->err, EINVAL, "line %d, column %td: %s", line, at - bol + 1, what);
	return NULL;
}

/* One UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF). */
static const char *v_utf8(const struct vctx *c, const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, left = (size_t)(c->end - p);

	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3;
		lo = u[0] == 0xe0 ? 0xa0 : 0x80;
		hi = u[0] == 0xed ? 0x9f : 0xbf;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		lo = u[0] == 0xf0 ? 0x90 : 0x80;
		hi = u[0] == 0xf4 ? 0x8f : 0xbf;
	} else {
		return verr(c, p, "invalid UTF-8 byte 0x%02x", u[0]);
	}
	if (left < n || u[1] < lo || u[1] > hi)
		return verr(c, p, "invalid UTF-8 sequence");
	for (size_t i = 2; i < n; i++)
		if ((u[i] & 0xc0) != 0x80)
			return verr(c, p, "invalid UTF-8 sequence");
	return p + n;
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char h = p[i];

		v <<= 4;
		if (is_digit(h))
			v |= h - '0';
		else if (h >= 'a' && h <= 'f')
			v |= h - 'a' + 10;
		else if (h >= 'A' && h <= 'F')
			v |= h - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* p at a backslash inside a string. */
static const char *v_escape(const struct vctx *c, const char *p)
{
	int u, lo;

	if (c->end - p < 2)
		return verr(c, p, "unterminated string");
	if (p[1] && strchr("\"\\/bfnrt", p[1]))
		return p + 2;
	if (p[1] != 'u')
		return verr(c, p, "invalid escape '\\%c'", p[1]);
	if (c->end - p < 6 || (u = hex4(p + 2)) < 0)
		return verr(c, p, "invalid \\u escape");
	if (!u)
		return verr(c, p, "\\u0000 is not allowed");
	if (u >= 0xdc00 && u <= 0xdfff)
		return verr(c, p, "unpaired surrogate '\\u%04X'", u);
	if (u < 0xd800 || u > 0xdbff)
		return p + 6;
	if (c->end - p < 12 || p[6] != '\\' || p[7] != 'u' || (lo = hex4(p + 8)) < 0xdc00 ||
	    lo > 0xdfff)
		return verr(c, p, "unpaired surrogate '\\u%04X'", u);
	return p + 12;
}

/* p at the opening quote; returns the byte after the closing one. */
static const char *v_string(const struct vctx *c, const char *p)
{
	p++;
	for (;;) {
		p = str_ascii(p, c->end);
		if (p >= c->end)
			return verr(c, p, "unterminated string");
		switch (str_class[(uint8_t)*p]) {
		case 1:
			return p + 1;
		case 2:
			p = v_escape(c, p);
			break;
		case 3:
			return verr(c, p, "control character 0x%02x in a string", (unsigned)*p);
		default:
			p = v_utf8(c, p);
		}
		if (!p)
			return NULL;
	}
}

static bool int_overflows(const char *s, const char *e)
{
	bool neg = *s == '-';
	const char *d = s + neg;

	if (e - d != 19)
		return e - d > 19; /* no leading zeros: the digit count is the magnitude */
	return memcmp(d, neg ? "9223372036854775808" : "9223372036854775807", 19) > 0;
}

/* Does the JSON real s..e (already checked) round to infinity as a double? */
static bool real_overflows(const char *s, const char *e)
{
	const char *p = s + (*s == '-'), *first = NULL;
	long long exp10 = 0, x = 0;
	bool xneg = false, in_frac = false;
	size_t k = 0;

	/* value = 0.d1d2d3... * 10^exp10, d1 the first non-zero digit */
	for (; p < e && (is_digit(*p) || *p == '.'); p++) {
		if (*p == '.') {
			in_frac = true;
		} else if (!first && *p == '0') {
			if (in_frac)
				exp10--;
		} else {
			if (!first)
				first = p;
			if (!in_frac)
				exp10++;
		}
	}
	if (!first)
		return false; /* zero */
	if (p < e) { /* exponent: saturate far beyond any double */
		p++;
		xneg = *p == '-';
		p += *p == '-' || *p == '+';
		for (; p < e; p++)
			if (x < 100000000000LL)
				x = x * 10 + (*p - '0');
	}
	exp10 += xneg ? -x : x;
	if (exp10 != (long long)sizeof(DBL_OVERFLOW) - 1)
		return exp10 > (long long)sizeof(DBL_OVERFLOW) - 1;
	/* Same magnitude as the threshold: compare digit by digit. */
	for (p = first; p < e && (is_digit(*p) || *p == '.'); p++) {
		if (*p == '.')
			continue;
		if (k == sizeof(DBL_OVERFLOW) - 1) {
			if (*p != '0')
				return true;
			continue;
		}
		if (*p != DBL_OVERFLOW[k])
			return *p > DBL_OVERFLOW[k];
		k++;
	}
	/* The digits ran out: equal (a tie, rounds up) unless the rest of the
	 * threshold holds a non-zero digit. */
	for (; k < sizeof(DBL_OVERFLOW) - 1; k++)
		if (DBL_OVERFLOW[k] != '0')
			return false;
	return true;
}

static const char *v_number(const struct vctx *c, const char *p)
{
	const char *s = p, *end = c->end;
	bool real = false;

	if (*p == '-')
		p++;
	if (p >= end || !is_digit(*p))
		return verr(c, s, "invalid number");
	if (*p == '0') {
		if (++p < end && is_digit(*p))
			return verr(c, s, "invalid number (leading zero)");
	} else {
		while (p < end && is_digit(*p))
			p++;
	}
	if (p < end && *p == '.') {
		real = true;
		if (++p >= end || !is_digit(*p))
			return verr(c, s, "invalid number (digit expected after '.')");
		while (p < end && is_digit(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		real = true;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || !is_digit(*p))
			return verr(c, s, "invalid number (digit expected in the exponent)");
		while (p < end && is_digit(*p))
			p++;
	}
	if (!real && int_overflows(s, p))
		return verr(c, s, "integer out of range");
	if (real && real_overflows(s, p))
		return verr(c, s, "number out of range");
	return p;
}

static const char *v_literal(const struct vctx *c, const char *p)
{
	static const char *const words[] = {"true", "false", "null"};

	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(words[i]);

		if ((size_t)(c->end - p) >= n && !memcmp(p, words[i], n))
			return p + n;
	}
	return verr(c, p, "invalid token");
}

/* A scalar value at p (string, number, literal). */
static const char *v_scalar(const struct vctx *c, const char *p)
{
	if (*p == '"')
		return v_string(c, p);
	if (*p == '-' || is_digit(*p))
		return v_number(c, p);
	if (*p == 't' || *p == 'f' || *p == 'n')
		return v_literal(c, p);
	return verr(c, p, "value expected");
}

enum vstate { V_VALUE, V_KEY, V_AFTER };

/* p at a member's name: returns the start of its value. */
static const char *v_member_name(const struct vctx *c, const char *p)
{
	if (p >= c->end || *p != '"')
		return verr(c, p, "string (a member name) expected");
	if (!(p = v_string(c, p)))
		return NULL;
	p = skip_ws(p, c->end);
	if (p >= c->end || *p != ':')
		return verr(c, p, "':' expected");
	return skip_ws(p + 1, c->end);
}

int jscan_parse(const char *text, size_t len, struct jscan_val *root, struct plumb_err *err)
{
	struct vctx c = {text, text + len, err};
	uint8_t is_obj[JSCAN_MAX_DEPTH / 8] = {0}; /* bit per open container */
	const char *p = skip_ws(text, c.end), *start = p;
	enum vstate st = V_VALUE;
	size_t depth = 0; /* open containers */
	bool obj;

	if (p >= c.end || (*p != '{' && *p != '['))
		p = verr(&c, p, "'[' or '{' expected");
	while (p) {
		switch (st) {
		case V_KEY:
			p = v_member_name(&c, p);
			st = V_VALUE;
			break;
		case V_VALUE: /* p at a value with depth containers around it */
			st = V_AFTER;
			if (depth + 1 > JSCAN_MAX_DEPTH) {
				p = verr(&c, p, "nested deeper than %d", JSCAN_MAX_DEPTH);
			} else if (p >= c.end) {
				p = verr(&c, p, "value expected, found the end");
			} else if (*p != '{' && *p != '[') {
				p = v_scalar(&c, p);
			} else {
				obj = *p == '{';
				is_obj[depth / 8] &= (uint8_t)~(1u << depth % 8);
				is_obj[depth / 8] |= (uint8_t)(obj << depth % 8);
				depth++;
				p = skip_ws(p + 1, c.end);
				if (p < c.end && *p == (obj ? '}' : ']')) {
					depth--;
					p++;
				} else {
					st = obj ? V_KEY : V_VALUE;
				}
			}
			break;
		case V_AFTER:
			p = skip_ws(p, c.end);
			if (!depth) {
				if (p == c.end) {
					*root = (struct jscan_val){start, c.end};
					return 0;
				}
				p = verr(&c, p, "end of input expected");
				break;
			}
			obj = is_obj[(depth - 1) / 8] & (1u << (depth - 1) % 8);
			if (p < c.end && *p == ',') {
				p = skip_ws(p + 1, c.end);
				st = obj ? V_KEY : V_VALUE;
			} else if (p < c.end && *p == (obj ? '}' : ']')) {
				p++;
				depth--;
			} else {
				p = verr(&c, p, obj ? "',' or '}' expected" : "',' or ']' expected");
			}
			break;
		}
	}
	return -EINVAL; /* err holds what and where */
}

/* ---- navigation over validated text ---- */

/* p at an opening quote: the byte after the closing one. Strings here are
 * short (names, addresses), so a plain loop beats memchr's call. */
static inline const char *skip_string(const char *p, const char *end)
{
	for (p = str_plain(p + 1, end); p < end; p = str_plain(p + 2, end))
		if (*p == '"')
			return p + 1;
	/* else a backslash: skip what it escapes (\uXXXX's digits are plain) */
	return end;
}

static const char *skip_value(const char *p, const char *end)
{
	size_t depth = 0;

	if (p >= end)
		return end;
	if (*p == '"')
		return skip_string(p, end);
	if (*p != '{' && *p != '[') {
		while (p < end && (is_digit(*p) || (*p >= 'a' && *p <= 'z') || *p == '.' ||
				   *p == '-' || *p == '+' || *p == 'E'))
			p++;
		return p;
	}
	while (p < end) {
		switch (skip_class[(uint8_t)*p]) {
		case 0:
			p++;
			break;
		case 1:
			p = skip_string(p, end);
			break;
		case 2:
			depth++;
			p++;
			break;
		default:
			p++;
			if (!--depth)
				return p;
		}
	}
	return end;
}

enum jscan_type jscan_type(struct jscan_val v)
{
	if (!v.p || v.p >= v.end)
		return JSCAN_ABSENT;
	switch (*v.p) {
	case '{':
		return JSCAN_OBJECT;
	case '[':
		return JSCAN_ARRAY;
	case '"':
		return JSCAN_STRING;
	case 't':
		return JSCAN_TRUE;
	case 'f':
		return JSCAN_FALSE;
	case 'n':
		return JSCAN_NULL;
	default:
		return JSCAN_NUMBER;
	}
}

struct jscan_iter jscan_iter(struct jscan_val v)
{
	enum jscan_type t = jscan_type(v);

	if (t != JSCAN_ARRAY && t != JSCAN_OBJECT)
		return (struct jscan_iter){NULL, NULL};
	return (struct jscan_iter){skip_ws(v.p + 1, v.end), v.end};
}

/* After an element or member value at q: past the comma, or at the closer. */
static const char *next_item(const char *q, const char *end)
{
	q = skip_ws(q, end);
	if (q < end && *q == ',')
		q = skip_ws(q + 1, end);
	return q;
}

bool jscan_next(struct jscan_iter *it, struct jscan_val *elem)
{
	if (!it->p || it->p >= it->end || *it->p == ']' || *it->p == '}')
		return false;
	*elem = (struct jscan_val){it->p, it->end};
	it->p = next_item(skip_value(it->p, it->end), it->end);
	if (it->p == elem->p) /* not an element (an object's member): stop */
		it->p = NULL;
	return true;
}

bool jscan_next_member(struct jscan_iter *it, struct jscan_val *key, struct jscan_val *val)
{
	const char *q;

	if (!it->p || it->p >= it->end || *it->p != '"')
		return false;
	*key = (struct jscan_val){it->p, it->end};
	q = skip_ws(skip_string(it->p, it->end), it->end);
	q = skip_ws(q + (q < it->end), it->end); /* the colon */
	*val = (struct jscan_val){q, it->end};
	it->p = next_item(skip_value(q, it->end), it->end);
	return true;
}

size_t jscan_count(struct jscan_val v)
{
	struct jscan_iter it = jscan_iter(v);
	struct jscan_val k, e;
	size_t n = 0;

	if (jscan_type(v) == JSCAN_OBJECT)
		while (jscan_next_member(&it, &k, &e))
			n++;
	else
		while (jscan_next(&it, &e))
			n++;
	return n;
}

/* One character of a string at *p (not its closing quote) as UTF-8 into out:
 * the number of bytes (1-4); *p moves past it. */
static size_t unescape_one(const char **p, char out[4])
{
	const char *s = *p;
	unsigned u;

	if (*s != '\\') {
		out[0] = *s;
		*p = s + 1;
		return 1;
	}
	*p = s + 2;
	switch (s[1]) {
	case 'b':
		out[0] = '\b';
		return 1;
	case 'f':
		out[0] = '\f';
		return 1;
	case 'n':
		out[0] = '\n';
		return 1;
	case 'r':
		out[0] = '\r';
		return 1;
	case 't':
		out[0] = '\t';
		return 1;
	case 'u':
		break;
	default: /* " \ / */
		out[0] = s[1];
		return 1;
	}
	u = (unsigned)hex4(s + 2);
	*p = s + 6;
	if (u >= 0xd800 && u <= 0xdbff) { /* validated: a low surrogate follows */
		u = 0x10000 + ((u - 0xd800) << 10) + ((unsigned)hex4(s + 8) - 0xdc00);
		*p = s + 12;
	}
	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xc0 | u >> 6);
		out[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	if (u < 0x10000) {
		out[0] = (char)(0xe0 | u >> 12);
		out[1] = (char)(0x80 | (u >> 6 & 0x3f));
		out[2] = (char)(0x80 | (u & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | u >> 18);
	out[1] = (char)(0x80 | (u >> 12 & 0x3f));
	out[2] = (char)(0x80 | (u >> 6 & 0x3f));
	out[3] = (char)(0x80 | (u & 0x3f));
	return 4;
}

int jscan_string(struct jscan_val v, char *buf, size_t size, size_t *len)
{
	const char *p;
	size_t n = 0;
	bool fits = true;

	if (jscan_type(v) != JSCAN_STRING)
		return -EINVAL;
	for (p = v.p + 1; p < v.end && *p != '"';) {
		const char *run = p;
		char c[4];
		size_t k;

		while (p < v.end && *p != '"' && *p != '\\')
			p++;
		if (p > run) { /* plain bytes, copied as they are */
			k = (size_t)(p - run);
			if (fits && n + k < size)
				memcpy(buf + n, run, k);
			else if (fits && (fits = false, size))
				memcpy(buf + n, run, size - 1 - n);
			n += k;
			continue;
		}
		k = unescape_one(&p, c);
		if (fits && n + k < size)
			memcpy(buf + n, c, k);
		else if (fits && (fits = false, size))
			memcpy(buf + n, c, size - 1 - n < k ? size - 1 - n : k);
		n += k;
	}
	if (size)
		buf[fits ? n : size - 1] = '\0';
	if (len)
		*len = n;
	return fits && size ? 0 : -ENOSPC;
}

bool jscan_string_eq(struct jscan_val v, const char *s)
{
	const char *p;

	if (jscan_type(v) != JSCAN_STRING)
		return false;
	for (p = v.p + 1; p < v.end && *p != '"';) {
		char c[4];
		size_t k;

		if (*p != '\\') { /* fast path; a NUL in s never matches raw text */
			if (*p++ != *s++)
				return false;
			continue;
		}
		k = unescape_one(&p, c);
		for (size_t i = 0; i < k; i++)
			if (*s++ != c[i])
				return false;
	}
	return !*s;
}

/* Does the member name at key (an opening quote) equal s? Raw bytes first:
 * names are rarely escaped. */
static bool key_eq(const char *key, size_t rawlen, bool escaped, const char *s, size_t slen,
		   const char *end)
{
	if (!escaped)
		return rawlen == slen && !memcmp(key + 1, s, slen);
	return jscan_string_eq((struct jscan_val){key, end}, s);
}

/* jscan_pick's pass; returns the position after the value obj (an object or not). */
static const char *pick(struct jscan_val obj, const char *const *keys, size_t n,
			struct jscan_val *vals)
{
	const char *p, *end = obj.end;
	size_t klen[JSCAN_PICK_MAX];

	for (size_t i = 0; i < n; i++)
		vals[i] = (struct jscan_val){NULL, end};
	if (jscan_type(obj) != JSCAN_OBJECT || n > JSCAN_PICK_MAX)
		return obj.p ? skip_value(obj.p, end) : NULL;
	for (size_t i = 0; i < n; i++)
		klen[i] = strlen(keys[i]);
	for (p = skip_ws(obj.p + 1, end); p < end && *p == '"';) {
		const char *key = p, *q;
		bool escaped = false;

		for (q = str_plain(p + 1, end); q < end && *q != '"'; q = str_plain(q + 2, end))
			escaped = true; /* a backslash */
		p = skip_ws(q + 1, end);
		p = skip_ws(p + 1, end); /* the colon */
		for (size_t i = 0; i < n; i++)
			if (key_eq(key, (size_t)(q - key - 1), escaped, keys[i], klen[i], end)) {
				vals[i] = (struct jscan_val){p, end};
				break;
			}
		p = next_item(skip_value(p, end), end);
	}
	return p < end ? p + 1 : end; /* past the closing brace */
}

void jscan_pick(struct jscan_val obj, const char *const *keys, size_t n, struct jscan_val *vals)
{
	pick(obj, keys, n, vals);
}

bool jscan_next_pick(struct jscan_iter *it, struct jscan_val *elem, const char *const *keys,
		     size_t n, struct jscan_val *vals)
{
	if (!it->p || it->p >= it->end || *it->p == ']' || *it->p == '}')
		return false;
	*elem = (struct jscan_val){it->p, it->end};
	it->p = next_item(pick(*elem, keys, n, vals), it->end);
	if (it->p == elem->p) /* not an element (an object's member): stop */
		it->p = NULL;
	return true;
}

int jscan_int(struct jscan_val v, int64_t *out)
{
	const char *p = v.p;
	uint64_t u = 0;
	bool neg;

	if (jscan_type(v) != JSCAN_NUMBER)
		return -EINVAL;
	neg = *p == '-';
	for (p += neg; p < v.end && is_digit(*p); p++)
		u = u * 10 + (uint64_t)(*p - '0');
	if (p < v.end && (*p == '.' || *p == 'e' || *p == 'E'))
		return -EINVAL;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u; /* in range: checked by jscan_parse */
	return 0;
}

int jscan_bool(struct jscan_val v, bool *out)
{
	enum jscan_type t = jscan_type(v);

	if (t != JSCAN_TRUE && t != JSCAN_FALSE)
		return -EINVAL;
	*out = t == JSCAN_TRUE;
	return 0;
}
