// SPDX-License-Identifier: MIT
/* The netfilter socket (opened inside a namespace), dumps of table plumb, and
 * the create-once helper for a layer of chains and rules. */
#include "nat/internal.h"

#include "common/netns.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define DUMP_RETRIES 5

static int open_here(void *arg, struct plumb_err *err)
{
	struct nat_sock *s = arg;
	int one = 1, rcv = 4 << 20, fd;

	s->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!s->nl)
		return plumb_err_set(err, errno, "nftables: netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(s->nl);
		s->nl = NULL;
		return plumb_err_set(err, e, "nftables: netlink bind: %s", strerror(e));
	}
	fd = mnl_socket_get_fd(s->nl);
	/* Best effort: without them errors just carry less detail, and a huge
	 * batch's replies could overflow the default receive buffer. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	s->portid = mnl_socket_get_portid(s->nl);
	return 0;
}

int nat_sock_open(struct nat_sock *s, int nsfd, struct plumb_err *err)
{
	memset(s, 0, sizeof(*s));
	s->seq = (uint32_t)time(NULL);
	return netns_run(nsfd, open_here, s, err);
}

void nat_sock_close(struct nat_sock *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
	s->nl = NULL;
}

struct dump_ctx {
	nat_dump_fn cb;
	void *arg;
	int r;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;

	d->r = d->cb(nlh, d->arg);
	return d->r < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

/* Send one request (already in buf) and run cb over the replies until the
 * kernel says done. Returns 0, -errno (errno from the kernel), or cb's error. */
static int request(struct nat_sock *s, struct nlmsghdr *nlh, nat_dump_fn cb, void *arg)
{
	static const size_t bufsz = 32768;
	_cleanup_free_ char *buf = malloc(bufsz);
	struct dump_ctx d = {cb, arg, 0};
	uint32_t seq = nlh->nlmsg_seq;
	int r;

	if (!buf)
		return -ENOMEM;
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(s->nl, buf, bufsz);

		if (n < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t)n, seq, s->portid, dump_cb, &d);
		if (r == MNL_CB_STOP)
			return 0;
		if (r < 0)
			return d.r < 0 ? d.r : -errno;
	}
}

static struct nlmsghdr *get_msg(char *buf, struct nat_sock *s, uint16_t family, uint16_t type,
				const char *name)
{
	uint16_t flags = name ? NLM_F_ACK : NLM_F_DUMP; /* a dump ends with DONE */
	struct nlmsghdr *nlh;

	/* attribute padding is not always cleared: send no stack garbage */
	memset(buf, 0, MNL_SOCKET_BUFFER_SIZE);
	nlh = nftnl_nlmsg_build_hdr(buf, type, family, flags, s->seq++);

	if (type != NFT_MSG_GETTABLE)
		mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, NAT_TABLE); /* same id for sets, rules */
	else
		mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NAT_TABLE);
	if (name && type == NFT_MSG_GETCHAIN)
		mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, name);
	return nlh;
}

static int dump_retry(struct nat_sock *s, uint16_t family, uint16_t type, const char *name,
		      nat_dump_fn cb, void *arg, int (*reset)(void *), struct plumb_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int r = 0;

	for (int i = 0; i < DUMP_RETRIES; i++) {
		if (reset && (r = reset(arg)) < 0)
			return plumb_err_set(err, -r, "out of memory");
		r = request(s, get_msg(buf, s, family, type, name), cb, arg);
		/* The table changed while being dumped: start again. */
		if (r != -EINTR)
			break;
	}
	if (r == -ENOENT || r >= 0)
		return r;
	return plumb_err_set(err, -r, "nftables: reading table inet %s: %s", NAT_TABLE,
			     strerror(-r));
}

int nat_dump(struct nat_sock *s, uint16_t type, nat_dump_fn cb, void *arg, struct plumb_err *err)
{
	return dump_retry(s, NAT_FAMILY, type, NULL, cb, arg, NULL, err);
}

struct elems_ctx {
	const char *name;
	struct nftnl_set *set;
};

static int elems_reset(void *arg)
{
	struct elems_ctx *c = arg;

	if (c->set)
		nftnl_set_free(c->set);
	c->set = nftnl_set_alloc();
	return c->set ? 0 : -ENOMEM;
}

static int elems_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct elems_ctx *c = arg;

	return nftnl_set_elems_nlmsg_parse(nlh, c->set) < 0 ? -EBADMSG : 0;
}

int nat_dump_elems(struct nat_sock *s, const char *set, struct nftnl_set **out,
		   struct plumb_err *err)
{
	return nat_dump_elems_in(s, NAT_FAMILY, set, out, err);
}

int nat_dump_elems_in(struct nat_sock *s, uint16_t family, const char *set, struct nftnl_set **out,
		      struct plumb_err *err)
{
	struct elems_ctx c = {set, NULL};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int r = 0;

	/* GETSETELEM names the set in the request, so it is built by hand. */
	for (int i = 0; i < DUMP_RETRIES; i++) {
		struct nlmsghdr *nlh;

		if (elems_reset(&c) < 0)
			return plumb_err_set(err, ENOMEM, "out of memory");
		memset(buf, 0, sizeof(buf));
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, family, NLM_F_DUMP, s->seq++);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NAT_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
		r = request(s, nlh, elems_cb, &c);
		if (r != -EINTR)
			break;
	}
	if (r < 0) {
		nftnl_set_free(c.set);
		if (r == -ENOENT)
			return r;
		return plumb_err_set(err, -r, "nftables: reading set '%s': %s", set, strerror(-r));
	}
	*out = c.set;
	return 0;
}

static int ignore(const struct nlmsghdr *nlh, void *arg)
{
	*(int *)arg = 1;
	return 0;
}

int nat_chain_exists(struct nat_sock *s, const char *name, struct plumb_err *err)
{
	return nat_chain_exists_in(s, NAT_FAMILY, name, err);
}

int nat_chain_exists_in(struct nat_sock *s, uint16_t family, const char *name,
			struct plumb_err *err)
{
	int found = 0;
	int r = dump_retry(s, family, NFT_MSG_GETCHAIN, name, ignore, &found, NULL, err);

	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : found;
}

int nat_layer_ensure(struct nat_sock *s, const char *marker, nat_layer_fn build, void *arg,
		     struct plumb_err *err)
{
	return nat_layer_ensure_in(s, NAT_FAMILY, marker, build, arg, err);
}

int nat_layer_ensure_in(struct nat_sock *s, uint16_t family, const char *marker, nat_layer_fn build,
			void *arg, struct plumb_err *err)
{
	_cleanup_(nftnl_table_freep) struct nftnl_table *t = NULL;
	_cleanup_batch_ struct nat_batch *b = NULL;
	struct plumb_err e2 = {0};
	int r, failed;

	r = nat_chain_exists_in(s, family, marker, err);
	if (r != 0)
		return r < 0 ? r : 0;
	t = nat_table_new();
	b = nat_batch_new();
	if (!t || !b)
		return plumb_err_set(err, ENOMEM, "out of memory");
	nat_batch_family(b, family);
	r = nat_batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, t, "table " NAT_TABLE);
	if (r == 0)
		r = build(b, arg);
	if (r < 0)
		return plumb_err_set(err, -r, "building table inet %s: %s", NAT_TABLE,
				     strerror(-r));
	r = nat_batch_send(s, b, &failed, &e2);
	/* Someone else created the layer between our check and our batch. */
	if (r == -EEXIST && nat_chain_exists_in(s, family, marker, NULL) == 1)
		return 0;
	if (r < 0) {
		if (err)
			*err = e2;
		return r;
	}
	return 0;
}
