// SPDX-License-Identifier: MIT
/* mnl/mnl.c against libmnl's documented contract: what the CNI plugins'
 * netlink (through libnftnl and nat/) relies on. Linked with mnl.o, whose
 * definitions take precedence over the shared libmnl. */
#include <libmnl/libmnl.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

struct seen {
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	char str[16];
	int nested;
	int count;
};

static int inner_cb(const struct nlattr *a, void *data)
{
	struct seen *s = data;

	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U32), 0);
	s->nested += (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int attr_cb(const struct nlattr *a, void *data)
{
	struct seen *s = data;

	s->count++;
	switch (mnl_attr_get_type(a)) {
	case 1: assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U8), 0); s->u8 = mnl_attr_get_u8(a); break;
	case 2: assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U16), 0); s->u16 = mnl_attr_get_u16(a); break;
	case 3: assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U32), 0); s->u32 = mnl_attr_get_u32(a); break;
	case 4: assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U64), 0); s->u64 = mnl_attr_get_u64(a); break;
	case 5:
		assert_int_equal(mnl_attr_validate(a, MNL_TYPE_NUL_STRING), 0);
		snprintf(s->str, sizeof(s->str), "%s", mnl_attr_get_str(a));
		break;
	case 6: return mnl_attr_parse_nested(a, inner_cb, s);
	default: fail();
	}
	return MNL_CB_OK;
}

static void test_build_and_parse(void **state)
{
	uint64_t buf64[64] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf64);
	struct seen s = {0};
	struct nlattr *nest;
	uint8_t *extra;

	(void)state;
	nlh->nlmsg_type = 0x10;
	extra = mnl_nlmsg_put_extra_header(nlh, 3); /* padded to 4 */
	extra[0] = 7;
	assert_int_equal(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + 4);
	mnl_attr_put_u8(nlh, 1, 0xab);
	mnl_attr_put_u16(nlh, 2, 0xbeef);
	mnl_attr_put_u32(nlh, 3, 0xdeadbeef);
	mnl_attr_put_u64(nlh, 4, 0x0123456789abcdefULL);
	mnl_attr_put_strz(nlh, 5, "plumb");
	nest = mnl_attr_nest_start(nlh, 6);
	mnl_attr_put_u32(nlh, 1, 40);
	mnl_attr_put_u32(nlh, 2, 2);
	mnl_attr_nest_end(nlh, nest);
	assert_true(nest->nla_type & NLA_F_NESTED);
	assert_int_equal(nest->nla_len, MNL_ATTR_HDRLEN + 2 * (MNL_ATTR_HDRLEN + 4));
	assert_int_equal(nlh->nlmsg_len % MNL_ALIGNTO, 0);
	assert_true(mnl_nlmsg_ok(nlh, (int)nlh->nlmsg_len));
	assert_false(mnl_nlmsg_ok(nlh, (int)nlh->nlmsg_len - 1)); /* claims more than there is */

	assert_int_equal(mnl_attr_parse(nlh, 4, attr_cb, &s), MNL_CB_OK);
	assert_int_equal(s.count, 6);
	assert_int_equal(s.u8, 0xab);
	assert_int_equal(s.u16, 0xbeef);
	assert_int_equal(s.u32, 0xdeadbeef);
	assert_true(s.u64 == 0x0123456789abcdefULL);
	assert_string_equal(s.str, "plumb");
	assert_int_equal(s.nested, 42);
	assert_int_equal(((uint8_t *)mnl_nlmsg_get_payload(nlh))[0], 7);
}

static void test_validate(void **state)
{
	uint64_t buf64[16] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf64);
	struct nlattr *a;

	(void)state;
	mnl_attr_put_u16(nlh, 1, 0x0101); /* a u16 is not a u32, nor a u8 */
	a = mnl_nlmsg_get_payload(nlh);
	errno = 0;
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U32), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U8), -1);
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_BINARY), 0);
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_FLAG), -1); /* a flag has no payload */
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_NUL_STRING), -1);
	assert_int_equal(errno, EINVAL); /* 01 01: no terminating NUL */
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_STRING), 0);
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_MAX), -1);
	assert_int_equal(mnl_attr_type_valid(a, 1), 1);
	assert_int_equal(mnl_attr_type_valid(a, 0), -1);
	assert_int_equal(errno, EOPNOTSUPP);

	nlh = mnl_nlmsg_put_header(buf64);
	mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh, 2));
	assert_int_equal(mnl_attr_validate(mnl_nlmsg_get_payload(nlh), MNL_TYPE_NESTED), 0);
	a = mnl_nlmsg_get_payload(nlh);
	assert_false(mnl_attr_ok(a, MNL_ATTR_HDRLEN - 1));
	a->nla_len = 200; /* longer than what is left */
	assert_false(mnl_attr_ok(a, 64));
}

static void test_batch(void **state)
{
	uint64_t buf64[16];
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf64, 40);
	struct nlmsghdr *nlh;

	(void)state;
	assert_non_null(b);
	assert_true(mnl_nlmsg_batch_is_empty(b));
	nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	mnl_attr_put_u32(nlh, 1, 1); /* 24 bytes */
	assert_true(mnl_nlmsg_batch_next(b));
	assert_int_equal(mnl_nlmsg_batch_size(b), 24);
	nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	mnl_attr_put_u32(nlh, 2, 2);
	assert_false(mnl_nlmsg_batch_next(b)); /* 48 > 40 */
	assert_int_equal(mnl_nlmsg_batch_size(b), 24);
	mnl_nlmsg_batch_reset(b); /* the one that did not fit starts the next batch */
	assert_int_equal(mnl_nlmsg_batch_size(b), 24);
	nlh = mnl_nlmsg_batch_head(b);
	assert_int_equal(mnl_attr_get_type(mnl_nlmsg_get_payload(nlh)), 2);
	mnl_nlmsg_batch_reset(b);
	assert_true(mnl_nlmsg_batch_is_empty(b));
	mnl_nlmsg_batch_stop(b);
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	++*(int *)data;
	return MNL_CB_OK;
}

/* buf: one data message (seq 5) and then a control message */
static size_t two(uint64_t *buf64, uint16_t ctl_type, int error, uint32_t seq)
{
	struct nlmsghdr *a = mnl_nlmsg_put_header(buf64), *b;
	struct nlmsgerr *e;

	a->nlmsg_type = 0x20;
	a->nlmsg_seq = 5;
	b = mnl_nlmsg_put_header((char *)a + a->nlmsg_len);
	b->nlmsg_type = ctl_type;
	b->nlmsg_seq = seq;
	e = mnl_nlmsg_put_extra_header(b, sizeof(*e));
	e->error = error;
	return a->nlmsg_len + b->nlmsg_len;
}

static void test_cb_run(void **state)
{
	uint64_t buf64[32] = {0};
	struct nlmsghdr *first = (struct nlmsghdr *)(void *)buf64;
	int n = 0;
	size_t len;

	(void)state;
	len = two(buf64, NLMSG_ERROR, 0, 5); /* an ACK ends the run */
	assert_int_equal(mnl_cb_run(buf64, len, 5, 0, count_cb, &n), MNL_CB_STOP);
	assert_int_equal(n, 1);
	len = two(buf64, NLMSG_ERROR, -ENOENT, 5); /* an error fails it, errno set */
	errno = 0;
	assert_int_equal(mnl_cb_run(buf64, len, 5, 0, count_cb, &n), MNL_CB_ERROR);
	assert_int_equal(errno, ENOENT);
	len = two(buf64, NLMSG_DONE, 0, 5);
	assert_int_equal(mnl_cb_run(buf64, len, 5, 0, count_cb, &n), MNL_CB_STOP);
	len = two(buf64, NLMSG_NOOP, 0, 5); /* nothing ends it: all messages read */
	assert_int_equal(mnl_cb_run(buf64, len, 5, 0, count_cb, &n), MNL_CB_OK);
	len = two(buf64, NLMSG_ERROR, 0, 6); /* an answer to another request */
	assert_int_equal(mnl_cb_run(buf64, len, 5, 0, count_cb, &n), -1);
	assert_int_equal(errno, EPROTO);
	assert_int_equal(mnl_cb_run(buf64, len, 0, 0, count_cb, &n), MNL_CB_STOP); /* 0: any */
	len = two(buf64, NLMSG_ERROR, 0, 5);
	first->nlmsg_pid = 99;
	assert_int_equal(mnl_cb_run(buf64, len, 5, 98, count_cb, &n), -1);
	assert_int_equal(errno, ESRCH);
	first->nlmsg_flags = NLM_F_DUMP_INTR;
	assert_int_equal(mnl_cb_run(buf64, len, 5, 0, count_cb, &n), -1);
	assert_int_equal(errno, EINTR);
	/* an error message too short to hold its error */
	first->nlmsg_flags = 0;
	first->nlmsg_type = NLMSG_ERROR;
	assert_int_equal(mnl_cb_run(buf64, MNL_NLMSG_HDRLEN, 5, 0, count_cb, &n), MNL_CB_ERROR);
	assert_int_equal(errno, EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_and_parse),
	    cmocka_unit_test(test_validate),
	    cmocka_unit_test(test_batch),
	    cmocka_unit_test(test_cb_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
