// SPDX-License-Identifier: MIT
/* Unit tests for common/jscan.c: the grammar jansson's json_loadb(flags 0)
 * accepts and nothing more, escapes and UTF-8, depth and number limits, errors
 * that name line and column, and reading values back by position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/jscan.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_n(const char *text, size_t len, struct jscan_val *root, struct plumb_err *err)
{
	struct jscan_val r;
	struct plumb_err e = {0};

	return jscan_parse(text, len, root ? root : &r, err ? err : &e);
}

static int parse(const char *text)
{
	return parse_n(text, strlen(text), NULL, NULL);
}

static void accepts(const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (parse(v[i]) != 0)
			fail_msg("refused: %s", v[i]);
}

static void refuses(const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (parse(v[i]) != -EINVAL)
			fail_msg("accepted: %s", v[i]);
}

static void test_grammar(void **state)
{
	static const char *const good[] = {
		"{}", "[]", " \t\r\n{ } \n", "[1,\"a\",true,false,null,{},[]]",
		"{\"a\":{\"b\":[{\"c\":null}]}}", "{\"\":1}", "[\"\"]",
		"{\"a\":1,\"a\":2}", /* duplicates: jansson keeps the last */
	};
	static const char *const bad[] = {
		"", " ", "1", "\"x\"", "true", "null", /* top level: object or array only */
		"{", "[", "[1", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\" 1}", "{1:2}", "{a:1}",
		"[1,]", "[,1]", "{\"a\":1,}", "{,}", "[1 2]", "[1]]", "{}}", "[]x", "{} {}",
		"[tru]", "[truex]", "[nul]", "[True]", "[NaN]", "[Infinity]", "['a']", "[1]\x01",
		"[\"a\" \"b\"]", "/* */[]", "[1\0]", /* a NUL after a number: see fuzz-jscan.c */
	};

	accepts(good, ARRAY_SIZE(good));
	refuses(bad, ARRAY_SIZE(bad));
	assert_int_equal(parse_n("[1\0]", 4, NULL, NULL), -EINVAL);
	assert_int_equal(parse_n("[1]\0", 4, NULL, NULL), -EINVAL);
}

static void test_numbers(void **state)
{
	static const char *const good[] = {
		"[0]", "[-0]", "[1.5]", "[1e5]", "[1E+5]", "[1e-5]", "[-1.25e-3]", "[0.0]",
		"[9223372036854775807]", "[-9223372036854775808]", "[1e-400]", "[0e99999999999]",
		"[1.7976931348623157e308]", "[-1.7976931348623158e308]", "[1e308]",
		"[0.00001e313]", "[100000000000000000000000000000000000000.0]",
	};
	static const char *const bad[] = {
		"[01]", "[-01]", "[00]", "[1.]", "[.5]", "[-]", "[+1]", "[1e]", "[1e+]", "[1.e5]",
		"[0x10]", "[1.5.5]", "[- 1]", "[9223372036854775808]", "[-9223372036854775809]",
		"[99999999999999999999]", "[1e309]", "[-1e309]", "[1.7976931348623159e308]",
		"[1e99999999999999999999999]", "[0.0001e313]",
	};

	accepts(good, ARRAY_SIZE(good));
	refuses(bad, ARRAY_SIZE(bad));
}

/* The real-overflow decision against strtod, around the boundary and far from it. */
static void test_reals_like_strtod(void **state)
{
	static const char *const mant[] = {
		"1", "1.7976931348623157", "1.7976931348623158", "1.79769313486231580793728971",
		"1.797693134862315807937289714053034150799341327100378269361737789804449682927647509",
		"1.7976931348623159", "17976931348623158.0", "0.17976931348623158",
		"179769313486231580793728971405303415079934132710037826936173778980444968292764750946"
		"649017977587207096330286416692887910946555547851940402630657488671505820681908902000"
		"708383676273854845817711531764475730270069855571366959622842914819860834936475292719"
		"074168444365510704342711559699508093042880177904174497792",
		"179769313486231580793728971405303415079934132710037826936173778980444968292764750946"
		"649017977587207096330286416692887910946555547851940402630657488671505820681908902000"
		"708383676273854845817711531764475730270069855571366959622842914819860834936475292719"
		"074168444365510704342711559699508093042880177904174497791.999",
		"2", "9.99", "0.0000123",
	};
	static const char *const exps[] = {"", "e0", "e308", "e307", "e-1", "e-16", "e-17",
					   "e+292", "e291", "e309", "e-308", "e-400"};
	char text[600];

	for (size_t m = 0; m < ARRAY_SIZE(mant); m++)
		for (size_t e = 0; e < ARRAY_SIZE(exps); e++) {
			char num[560];
			bool overflow;

			snprintf(num, sizeof(num), "%s%s", mant[m], exps[e]);
			errno = 0;
			overflow = isinf(strtod(num, NULL)) && errno == ERANGE;
			if (!strchr(num, '.') && !strchr(num, 'e'))
				continue; /* an integer, not a real */
			snprintf(text, sizeof(text), "[%s]", num);
			if ((parse(text) == 0) == overflow)
				fail_msg("%s: strtod says %s", num, overflow ? "overflow" : "finite");
		}
}

static void test_strings_and_escapes(void **state)
{
	static const char *const good[] = {
		"[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"]", "[\"\\u00e9\\u00E9\"]", "[\"\\ud83d\\ude00\"]",
		"[\"\\uFFFF\"]", "[\"\x7f\"]", "[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]",
		"[\"\xef\xbb\xbf\"]", "[\"\xf4\x8f\xbf\xbf\"]",
	};
	static const char *const bad[] = {
		"[\"\\u0000\"]", "[\"\\x41\"]", "[\"\\u12\"]", "[\"\\u12G4\"]", "[\"\\U00e9\"]",
		"[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]", "[\"\\ud800\\ud800\"]",
		"[\"\\ud800x\"]", "[\"\\ud800\\n\"]", "[\"a\nb\"]", "[\"a\tb\"]", "[\"\x01\"]",
		"[\"abc]", "[\"\\\"]", "{\"a\\u0000\":1}",
		/* invalid UTF-8: stray continuation, overlong, surrogate, > U+10FFFF, cut */
		"[\"\x80\"]", "[\"\xc0\xaf\"]", "[\"\xc1\xbf\"]", "[\"\xe0\x80\x80\"]",
		"[\"\xe0\x9f\xbf\"]", "[\"\xed\xa0\x80\"]", "[\"\xf0\x80\x80\x80\"]",
		"[\"\xf4\x90\x80\x80\"]", "[\"\xf5\x80\x80\x80\"]", "[\"\xff\"]", "[\"\xc3\"]",
		"[\"\xe2\x82\"]", "[\"\xf0\x9f\x98\"]", "[\xc3\xa9]",
	};

	accepts(good, ARRAY_SIZE(good));
	refuses(bad, ARRAY_SIZE(bad));
}

static void test_depth(void **state)
{
	size_t n = JSCAN_MAX_DEPTH + 2;
	char *s = malloc(2 * n + 2);

	/* jansson counts every value: a scalar inside 2047 arrays is depth 2048 */
	for (size_t d = JSCAN_MAX_DEPTH - 2; d <= JSCAN_MAX_DEPTH + 1; d++) {
		size_t k = 0;

		for (size_t i = 0; i < d; i++)
			s[k++] = '[';
		s[k++] = '1';
		for (size_t i = 0; i < d; i++)
			s[k++] = ']';
		assert_int_equal(parse_n(s, k, NULL, NULL), d + 1 <= JSCAN_MAX_DEPTH ? 0 : -EINVAL);
		/* without the scalar the innermost array is the deepest value */
		memmove(s + d, s + d + 1, d);
		assert_int_equal(parse_n(s, 2 * d, NULL, NULL), d <= JSCAN_MAX_DEPTH ? 0 : -EINVAL);
	}
	free(s);
}

static void test_errors_name_line_and_column(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"{\n  \"a\": 1,\n  \"b\" 2\n}", "line 3, column 7: ':' expected"},
		{"[1,\n 2,\n ]", "line 3, column 2: value expected"},
		{"{nope", "line 1, column 2: string (a member name) expected"},
		{"[\"a\",\n\"\\q\"]", "line 2, column 2: invalid escape '\\q'"},
		{"[1]\n\nx", "line 3, column 1: end of input expected"},
		{"[\"ab", "line 1, column 5: unterminated string"},
		{"", "line 1, column 1: '[' or '{' expected"},
		{"[18446744073709551616]", "line 1, column 2: integer out of range"},
		{"[\"\xc3(\"]", "line 1, column 3: invalid UTF-8 sequence"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct plumb_err err = {0};

		assert_int_equal(parse_n(cases[i].text, strlen(cases[i].text), NULL, &err), -EINVAL);
		assert_int_equal(err.code, EINVAL);
		assert_string_equal(err.msg, cases[i].msg);
	}
}

static void test_walk(void **state)
{
	const char *text = " {\"kind\" : \"List\", \"items\":[ {\"a\":1}, [2, 3] ,\"s\", -7, 2.5, true,"
			   "false, null ], \"k\\u0069nd\":\"Last\", \"n\":{}}";
	struct jscan_val root, f[4], e, k, v;
	struct jscan_iter it;
	const char *keys[] = {"kind", "items", "missing", "n"};
	enum jscan_type want[] = {JSCAN_OBJECT, JSCAN_ARRAY, JSCAN_STRING, JSCAN_NUMBER,
				  JSCAN_NUMBER, JSCAN_TRUE,  JSCAN_FALSE,  JSCAN_NULL};
	char buf[16];
	int64_t i64;
	bool b;
	size_t n = 0;

	assert_int_equal(parse_n(text, strlen(text), &root, NULL), 0);
	assert_int_equal(jscan_type(root), JSCAN_OBJECT);
	assert_int_equal(jscan_count(root), 4);
	jscan_pick(root, keys, 4, f);
	assert_true(jscan_string_eq(f[0], "Last")); /* "k\u0069nd" is "kind", and the last wins */
	assert_int_equal(jscan_type(f[2]), JSCAN_ABSENT);
	assert_int_equal(jscan_type(f[3]), JSCAN_OBJECT);
	assert_int_equal(jscan_count(f[3]), 0);
	assert_int_equal(jscan_count(f[1]), 8);
	it = jscan_iter(f[1]);
	while (jscan_next(&it, &e))
		assert_int_equal(jscan_type(e), want[n++]);
	assert_int_equal(n, 8);
	it = jscan_iter(f[1]);
	jscan_next(&it, &e);
	jscan_next(&it, &e);
	assert_int_equal(jscan_count(e), 2);
	jscan_next(&it, &e);
	assert_int_equal(jscan_int(e, &i64), -EINVAL); /* a string */
	jscan_next(&it, &e);
	assert_int_equal(jscan_int(e, &i64), 0);
	assert_int_equal(i64, -7);
	jscan_next(&it, &e);
	assert_int_equal(jscan_int(e, &i64), -EINVAL); /* a real */
	jscan_next(&it, &e);
	assert_int_equal(jscan_bool(e, &b), 0);
	assert_true(b);
	jscan_next(&it, &e);
	assert_int_equal(jscan_bool(e, &b), 0);
	assert_false(b);
	jscan_next(&it, &e);
	assert_int_equal(jscan_bool(e, &b), -EINVAL);
	assert_false(jscan_next(&it, &e));
	/* members in text order, keys unescaped on demand */
	it = jscan_iter(root);
	assert_true(jscan_next_member(&it, &k, &v));
	assert_int_equal(jscan_string(k, buf, sizeof(buf), NULL), 0);
	assert_string_equal(buf, "kind");
	assert_true(jscan_string_eq(v, "List"));
	assert_true(jscan_next_member(&it, &k, &v));
	assert_true(jscan_next_member(&it, &k, &v));
	assert_int_equal(jscan_string(k, buf, sizeof(buf), NULL), 0);
	assert_string_equal(buf, "kind");
	assert_true(jscan_next_member(&it, &k, &v));
	assert_false(jscan_next_member(&it, &k, &v));
	/* jscan_next_pick: the same walk, each object element picked on the way */
	it = jscan_iter(f[1]);
	assert_true(jscan_next_pick(&it, &e, (const char *const[]){"a"}, 1, &v));
	assert_int_equal(jscan_type(e), JSCAN_OBJECT);
	assert_int_equal(jscan_int(v, &i64), 0);
	assert_int_equal(i64, 1);
	assert_true(jscan_next_pick(&it, &e, (const char *const[]){"a"}, 1, &v));
	assert_int_equal(jscan_type(e), JSCAN_ARRAY);
	assert_int_equal(jscan_type(v), JSCAN_ABSENT); /* not an object: nothing picked */
	for (n = 2; jscan_next_pick(&it, &e, (const char *const[]){"a"}, 1, &v); n++)
		assert_int_equal(jscan_type(e), want[n]);
	assert_int_equal(n, 8);
	/* a non-container iterates nothing; an absent value picks nothing */
	it = jscan_iter(f[0]);
	assert_false(jscan_next(&it, &e));
	jscan_pick(f[2], keys, 1, f);
	assert_int_equal(jscan_type(f[0]), JSCAN_ABSENT);
}

static void test_string_reads(void **state)
{
	const char *text = "[\"a\\\"b\\\\c\\/\\n\", \"\\u00e9\\ud83d\\ude00\", \"abcdef\", \"\"]";
	struct jscan_val root, e;
	struct jscan_iter it;
	char buf[16];
	size_t len;

	assert_int_equal(parse_n(text, strlen(text), &root, NULL), 0);
	it = jscan_iter(root);
	jscan_next(&it, &e);
	assert_int_equal(jscan_string(e, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "a\"b\\c/\n");
	assert_int_equal(len, 7);
	assert_true(jscan_string_eq(e, "a\"b\\c/\n"));
	assert_false(jscan_string_eq(e, "a\"b\\c/"));
	assert_false(jscan_string_eq(e, "a\"b\\c/\nx"));
	jscan_next(&it, &e);
	assert_int_equal(jscan_string(e, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "\xc3\xa9\xf0\x9f\x98\x80");
	assert_true(jscan_string_eq(e, "\xc3\xa9\xf0\x9f\x98\x80"));
	assert_false(jscan_string_eq(e, "\xc3\xa9\xf0\x9f\x98"));
	jscan_next(&it, &e);
	assert_int_equal(jscan_string(e, buf, 6, &len), -ENOSPC);
	assert_string_equal(buf, "abcde"); /* what fits, terminated */
	assert_int_equal(len, 6);
	assert_int_equal(jscan_string(e, buf, 7, &len), 0);
	jscan_next(&it, &e);
	assert_int_equal(jscan_string(e, buf, 1, &len), 0);
	assert_string_equal(buf, "");
	assert_true(jscan_string_eq(e, ""));
	assert_int_equal(jscan_string(root, buf, sizeof(buf), &len), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_reals_like_strtod),
		cmocka_unit_test(test_strings_and_escapes),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_errors_name_line_and_column),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_string_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
