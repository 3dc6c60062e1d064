// SPDX-License-Identifier: MIT
#include "common/nl.h"

#include "common/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* Keep the raw errno and the extack text of every NLMSG_ERROR; libnl itself
 * would reduce both to one of its NLE_* codes. */
static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct plumb_nl *nl = arg;
	struct nlmsghdr *hdr = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t off = sizeof(*e), total;

	nl->last_errno = -e->error;
	nl->extack[0] = '\0';
	if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(hdr->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	total = hdr->nlmsg_len - NLMSG_HDRLEN;
	while (off + NLA_HDRLEN <= total) {
		struct nlattr *a = (struct nlattr *)((char *)e + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > total)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(nl->extack, sizeof(nl->extack), "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN), (char *)a + NLA_HDRLEN);
			break;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return NL_STOP;
}

struct open_args {
	struct plumb_nl *nl;
};

static int open_here(void *arg, struct plumb_err *err)
{
	struct plumb_nl *nl = ((struct open_args *)arg)->nl;
	struct nl_cb *cb;
	int one = 1, r, fd;

	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return plumb_err_set(err, ENOMEM, "netlink: out of memory");
	r = nl_connect(nl->sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(nl->sk);
		nl->sk = NULL;
		return plumb_err_set(err, EIO, "netlink connect: %s", nl_geterror(r));
	}
	fd = nl_socket_get_fd(nl->sk);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* Best effort: old kernels simply do not send the text. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_set_buffer_size(nl->sk, 1 << 20, 1 << 20);
	cb = nl_socket_get_cb(nl->sk);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, nl);
	nl_cb_put(cb);
	return 0;
}

int plumb_nl_open(struct plumb_nl *nl, int nsfd, struct plumb_err *err)
{
	struct open_args a = {nl};
	int r;

	memset(nl, 0, sizeof(*nl));
	nl->nsfd = -1;
	r = netns_run(nsfd, open_here, &a, err);
	if (r < 0)
		return r;
	if (nsfd >= 0) {
		nl->nsfd = fcntl(nsfd, F_DUPFD_CLOEXEC, 3);
		if (nl->nsfd < 0) {
			r = -errno;
			plumb_nl_close(nl);
			return plumb_err_set(err, r, "dup namespace fd: %s", strerror(-r));
		}
	}
	return 0;
}

void plumb_nl_close(struct plumb_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
	if (nl->nsfd >= 0)
		close(nl->nsfd);
	nl->nsfd = -1;
}

int plumb_nl_dump_retry(struct plumb_nl *nl, int (*dump)(struct plumb_nl *nl, void *arg),
			void *arg)
{
	int r = 0;

	for (int attempt = 0; attempt < PLUMB_NL_DUMP_TRIES; attempt++) {
		r = dump(nl, arg);
		if (r != -NLE_DUMP_INTR)
			break;
	}
	return r;
}

static const struct {
	int nle, err;
} nle_map[] = {
	{NLE_EXIST, EEXIST},	     {NLE_NODEV, ENODEV},	  {NLE_NOMEM, ENOMEM},
	{NLE_PERM, EPERM},	     {NLE_INVAL, EINVAL},	  {NLE_OBJ_NOTFOUND, ENOENT},
	{NLE_BUSY, EBUSY},	     {NLE_RANGE, ERANGE},	  {NLE_NOADDR, EADDRNOTAVAIL},
	{NLE_AGAIN, EAGAIN},	     {NLE_OPNOTSUPP, EOPNOTSUPP}, {NLE_AF_NOSUPPORT, EAFNOSUPPORT},
	{NLE_NOACCESS, EACCES},	     {NLE_MSGSIZE, EMSGSIZE},	  {NLE_MSG_TOOSHORT, EBADMSG},
	{NLE_MSGTYPE_NOSUPPORT, EOPNOTSUPP}, {NLE_DUMP_INTR, EINTR}, {NLE_BAD_SOCK, EBADF},
	{NLE_MISSING_ATTR, EINVAL},  {NLE_AF_MISMATCH, EINVAL},	  {NLE_NOATTR, ENOENT},
};

int plumb_nl_errno(struct plumb_nl *nl, int nlerr)
{
	if (nlerr >= 0)
		return 0;
	/* The kernel's own errno beats libnl's coarser translation, when it is the
	 * one this code came from (libnl maps several errnos onto one NLE_*). */
	if (nl && nl->last_errno > 0 && nl_syserr2nlerr(nl->last_errno) == -nlerr)
		return nl->last_errno;
	for (size_t i = 0; i < ARRAY_SIZE(nle_map); i++)
		if (nle_map[i].nle == -nlerr)
			return nle_map[i].err;
	return EIO;
}

int plumb_nl_error(struct plumb_nl *nl, int nlerr, struct plumb_err *err, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	int e;

	if (nlerr >= 0)
		return 0;
	e = plumb_nl_errno(nl, nlerr);
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (nl && nl->extack[0])
		plumb_err_set(err, e, "%s: %s (%s)", what, strerror(e), nl->extack);
	else
		plumb_err_set(err, e, "%s: %s", what, strerror(e));
	if (nl) {
		nl->last_errno = 0;
		nl->extack[0] = '\0';
	}
	return -e;
}
