// SPDX-License-Identifier: MIT
/*
 * Differential libFuzzer target: common/jscan.c against jansson.
 * jscan_parse() must accept exactly the inputs json_loadb(flags 0) accepts, and
 * what it accepts must read back as the same values: every string unescaped
 * alike, every integer equal, every real a real, objects with the same members
 * (the last of duplicate keys winning), arrays in the same order.
 *
 * One deliberate divergence: jansson cannot put a NUL byte back after looking
 * one past the end of a number or literal (its one-character push-back buffer
 * uses NUL as "empty"), so it silently drops a NUL right after "1" or "true":
 * "[1\0]" loads as [1]. jscan refuses every NUL outside a string (RFC 8259 has
 * no such token). When only that differs, the input with those NULs removed
 * must be accepted by jscan and read back like jansson's result.
 */
#include "common/jscan.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz-jscan: %s\n", what);
	abort();
}

static void same(struct jscan_val v, json_t *j);

static void same_string(struct jscan_val v, json_t *j)
{
	size_t n = json_string_length(j), len = 0;
	char *buf = malloc(n + 1);

	if (!buf)
		abort();
	if (jscan_string(v, buf, n + 1, &len) != 0 || len != n || memcmp(buf, json_string_value(j), n))
		fail("string differs");
	if (!jscan_string_eq(v, json_string_value(j)))
		fail("jscan_string_eq differs from jscan_string");
	if (n && jscan_string(v, buf, n, &len) != -ENOSPC)
		fail("a string one byte too long for the buffer is not -ENOSPC");
	free(buf);
}

static void same_object(struct jscan_val v, json_t *j)
{
	struct jscan_iter it = jscan_iter(v);
	struct jscan_val k, val, k2, val2, picked;
	size_t distinct = 0;

	while (jscan_next_member(&it, &k, &val)) {
		struct jscan_iter rest = it;
		size_t len = 0;
		char *key;
		bool last = true;
		json_t *jv;

		jscan_string(k, NULL, 0, &len);
		if (!(key = malloc(len + 1)) || jscan_string(k, key, len + 1, NULL) != 0)
			fail("key does not read back");
		while (last && jscan_next_member(&rest, &k2, &val2))
			last = !jscan_string_eq(k2, key);
		if (!(jv = json_object_getn(j, key, len)))
			fail("member missing in jansson's object");
		if (last) { /* the one jansson kept */
			distinct++;
			same(val, jv);
			if (len < 64) {
				const char *keys[] = {key};

				jscan_pick(v, keys, 1, &picked);
				if (picked.p != val.p)
					fail("jscan_pick did not take the last duplicate");
			}
		}
		free(key);
	}
	if (distinct != json_object_size(j))
		fail("member count differs");
}

static void same(struct jscan_val v, json_t *j)
{
	static const char *const keys[] = {"a"};
	struct jscan_iter it, it2;
	struct jscan_val e, e2, picked, picked2;
	int64_t i;
	bool b;
	size_t n = 0;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		if (jscan_type(v) != JSCAN_OBJECT || jscan_count(v) < json_object_size(j))
			fail("object differs");
		same_object(v, j);
		return;
	case JSON_ARRAY:
		if (jscan_type(v) != JSCAN_ARRAY || jscan_count(v) != json_array_size(j))
			fail("array differs");
		it = jscan_iter(v);
		it2 = jscan_iter(v);
		while (jscan_next(&it, &e)) {
			/* jscan_next_pick walks the same elements and picks like jscan_pick */
			if (!jscan_next_pick(&it2, &e2, keys, 1, &picked) || e2.p != e.p)
				fail("jscan_next_pick walks differently");
			jscan_pick(e, keys, 1, &picked2);
			if (picked.p != picked2.p)
				fail("jscan_next_pick picks differently");
			same(e, json_array_get(j, n++));
		}
		if (jscan_next_pick(&it2, &e2, keys, 1, &picked))
			fail("jscan_next_pick walks past the end");
		return;
	case JSON_STRING:
		same_string(v, j);
		return;
	case JSON_INTEGER:
		if (jscan_int(v, &i) != 0 || i != json_integer_value(j))
			fail("integer differs");
		return;
	case JSON_REAL:
		if (jscan_type(v) != JSCAN_NUMBER || jscan_int(v, &i) != -EINVAL)
			fail("real differs");
		return;
	case JSON_TRUE:
	case JSON_FALSE:
		if (jscan_bool(v, &b) != 0 || b != json_is_true(j))
			fail("boolean differs");
		return;
	case JSON_NULL:
		if (jscan_type(v) != JSCAN_NULL)
			fail("null differs");
		return;
	}
}

/* The input as jansson read it: a NUL right after a number or literal dropped. */
static size_t drop_pushed_back_nuls(const uint8_t *data, size_t size, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < size; i++) {
		uint8_t prev = i ? data[i - 1] : 0;
		bool alnum = (prev >= '0' && prev <= '9') || (prev >= 'a' && prev <= 'z') ||
			     (prev >= 'A' && prev <= 'Z');

		if (!data[i] && alnum)
			continue;
		out[n++] = (char)data[i];
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plumb_err err = {0};
	struct jscan_val root;
	json_error_t jerr;
	json_t *j = json_loadb((const char *)data, size, 0, &jerr);
	int r = jscan_parse((const char *)data, size, &root, &err);

	if (r < 0 && (!err.msg[0] || strncmp(err.msg, "line ", 5)))
		fail("an error without line and column");
	if (r == 0 && !j)
		fail("jscan accepts what jansson refuses");
	if (r < 0 && j) {
		char *copy = malloc(size + 1);
		size_t n;

		if (!copy)
			abort();
		n = drop_pushed_back_nuls(data, size, copy);
		if (n == size || jscan_parse(copy, n, &root, &err) != 0)
			fail("jscan refuses what jansson accepts");
		same(root, j);
		free(copy);
	} else if (r == 0) {
		same(root, j);
	}
	json_decref(j);
	return 0;
}
