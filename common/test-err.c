// SPDX-License-Identifier: MIT
/* Unit tests for common/err: setting, wrapping, NULL err. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/err.h"

#include <errno.h>
#include <string.h>

static int inner(struct plumb_err *err)
{
	return plumb_err_set(err, EEXIST, "veth '%s' already exists", "veth1234");
}

static int outer(struct plumb_err *err)
{
	int r = inner(err);

	return r < 0 ? plumb_err_wrap(err, r, "netns '%s'", "pod1") : 0;
}

static void test_set_returns_negative(void **state)
{
	struct plumb_err e = {0};

	assert_int_equal(plumb_err_set(&e, EINVAL, "x"), -EINVAL);
	assert_int_equal(plumb_err_set(&e, -EINVAL, "x"), -EINVAL);
	assert_int_equal(e.code, EINVAL);
	assert_int_equal(plumb_err_set(NULL, ENOENT, "x"), -ENOENT);
}

static void test_wrap_keeps_code(void **state)
{
	struct plumb_err e = {0};

	assert_int_equal(outer(&e), -EEXIST);
	assert_string_equal(e.msg, "netns 'pod1': veth 'veth1234' already exists");
	assert_int_equal(outer(NULL), -EEXIST);
	/* wrapping with a different code keeps the original cause's code */
	assert_int_equal(plumb_err_wrap(&e, EIO, "ctx"), -EEXIST);
}

static void test_wrap_empty_uses_strerror(void **state)
{
	struct plumb_err e = {0};

	assert_int_equal(plumb_err_wrap(&e, ENOENT, "file '%s'", "x"), -ENOENT);
	assert_string_equal(e.msg, "file 'x': No such file or directory");
}

static void test_msg_fallback(void **state)
{
	struct plumb_err e = {0};

	assert_string_equal(plumb_err_msg(&e, EPERM), strerror(EPERM));
	assert_string_equal(plumb_err_msg(NULL, -EPERM), strerror(EPERM));
	plumb_err_set(&e, EPERM, "nope");
	assert_string_equal(plumb_err_msg(&e, EPERM), "nope");
	plumb_err_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(e.msg, "");
}

static void test_truncation(void **state)
{
	struct plumb_err e = {0};
	char big[3000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	plumb_err_set(&e, EINVAL, "%s", big);
	assert_int_equal(strlen(e.msg), PLUMB_ERR_MSG_MAX - 1);
	plumb_err_wrap(&e, EINVAL, "ctx");
	assert_int_equal(strlen(e.msg), PLUMB_ERR_MSG_MAX - 1);
	assert_memory_equal(e.msg, "ctx: aaa", 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_returns_negative),
		cmocka_unit_test(test_wrap_keeps_code),
		cmocka_unit_test(test_wrap_empty_uses_strerror),
		cmocka_unit_test(test_msg_fallback),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
