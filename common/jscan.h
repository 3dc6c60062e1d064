/* SPDX-License-Identifier: MIT */
/*
 * common/jscan.h — a strict, allocation-free JSON scanner for edges that read
 * big inputs (svc/reader.c reads a 12 MB List of 20,000 objects): validate the
 * whole text once, then walk it by positions instead of building a DOM.
 *
 * jscan_parse() accepts exactly what jansson's json_loadb(flags 0) accepts:
 * RFC 8259 with an object or array at the top, valid UTF-8 without raw control
 * characters in strings, no \u0000, unpaired surrogates refused, at most
 * JSCAN_MAX_DEPTH nested values, integers within int64, reals within double,
 * nothing after the value but whitespace. Everything after it walks text it
 * already checked, so the walking functions have no syntax errors to report.
 *
 * A value is a position (struct jscan_val); positions are plain pointers into
 * the caller's text, valid as long as it is, and re-reading from one costs
 * nothing. Object members: the last of duplicate keys wins, as in jansson.
 * Nothing here allocates, prints or keeps state between calls.
 */
#ifndef PLUMB_COMMON_JSCAN_H
#define PLUMB_COMMON_JSCAN_H

#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSCAN_MAX_DEPTH 2048 /* jansson's: a scalar inside 2047 arrays is the deepest value */

enum jscan_type {
	JSCAN_ABSENT = 0, /* no such member (p == NULL) */
	JSCAN_NULL,
	JSCAN_FALSE,
	JSCAN_TRUE,
	JSCAN_NUMBER,
	JSCAN_STRING,
	JSCAN_ARRAY,
	JSCAN_OBJECT,
};

/* A value of a validated text: p is its first byte, end the text's end. */
struct jscan_val {
	const char *p, *end;
};

/* Check text[0..len) and set *root to its top-level value. Not JSON: -EINVAL
 * and "line L, column C: what" in err (column in bytes, both from 1). */
int jscan_parse(const char *text, size_t len, struct jscan_val *root, struct plumb_err *err);

enum jscan_type jscan_type(struct jscan_val v);

/* Elements of an array or members of an object, in order. An iterator over a
 * value of another type (or an absent one) yields nothing. */
struct jscan_iter {
	const char *p, *end;
};

struct jscan_iter jscan_iter(struct jscan_val v);
bool jscan_next(struct jscan_iter *it, struct jscan_val *elem);
/* key is the member's name as a string value (read it with jscan_string*). */
bool jscan_next_member(struct jscan_iter *it, struct jscan_val *key, struct jscan_val *val);
/* Number of elements or members (0 for other types). */
size_t jscan_count(struct jscan_val v);

#define JSCAN_PICK_MAX 16

/* One pass over object obj: vals[i] is the value of member keys[i] (the last
 * one when a key repeats), JSCAN_ABSENT when missing or when obj is not an
 * object. Keys are matched after unescaping; at most JSCAN_PICK_MAX keys. */
void jscan_pick(struct jscan_val obj, const char *const *keys, size_t n, struct jscan_val *vals);
/* jscan_next, and jscan_pick on the element, in one pass over it (an array of
 * objects is read with one pass per element, not two). */
bool jscan_next_pick(struct jscan_iter *it, struct jscan_val *elem, const char *const *keys,
		     size_t n, struct jscan_val *vals);

/* A string value, unescaped (\uXXXX and surrogate pairs become UTF-8), into buf
 * of size bytes, NUL-terminated (a string never holds NUL: \u0000 is refused).
 * *len (may be NULL) gets the unescaped length. -EINVAL: not a string;
 * -ENOSPC: longer than size - 1, buf holds the bytes that fit. */
int jscan_string(struct jscan_val v, char *buf, size_t size, size_t *len);
/* The value is a string equal to s after unescaping. */
bool jscan_string_eq(struct jscan_val v, const char *s);
/* An integer-valued number (no fraction, no exponent, as jansson's integers).
 * -EINVAL otherwise; never out of range, jscan_parse refused those. */
int jscan_int(struct jscan_val v, int64_t *out);
/* true or false; -EINVAL otherwise. */
int jscan_bool(struct jscan_val v, bool *out);

#endif
