// SPDX-License-Identifier: MIT
/* The handle on table plumb: open, create once, destroy. */
#include "nat/nat.h"

#include <errno.h>
#include <string.h>

int nat_open(struct nat *n, int nsfd, struct plumb_err *err)
{
	memset(n, 0, sizeof(*n));
	return nat_sock_open(&n->sock, nsfd, err);
}

void nat_close(struct nat *n)
{
	nat_sock_close(&n->sock);
	n->ready = false;
}

int nat_table_ensure(struct nat *n, struct plumb_err *err)
{
	int r;

	if (n->ready)
		return 0;
	r = nat_layer_ensure(&n->sock, NAT_MARKER, nat_layout_build, NULL, err);
	if (r < 0)
		return plumb_err_wrap(err, r, "creating table inet %s", NAT_TABLE);
	n->ready = true;
	return 0;
}

static int found(const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		return -ENOMEM;
	if (nftnl_table_nlmsg_parse(nlh, t) == 0 &&
	    !strcmp(nftnl_table_get_str(t, NFTNL_TABLE_NAME), NAT_TABLE))
		*(int *)arg = 1;
	nftnl_table_free(t);
	return 0;
}

int nat_table_exists(struct nat *n, struct plumb_err *err)
{
	int yes = 0;
	int r = nat_dump(&n->sock, NFT_MSG_GETTABLE, found, &yes, err);

	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : yes;
}

/* Delete table plumb of one family if it is there. */
static int destroy_one(struct nat *n, uint16_t family, const char *label, struct plumb_err *err)
{
	_cleanup_(nftnl_table_freep) struct nftnl_table *t = nat_table_new();
	_cleanup_batch_ struct nat_batch *b = nat_batch_new();
	int r;

	if (!t || !b)
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = family == NAT_FAMILY ? nat_table_exists(n, err)
				 : nat_chain_exists_in(&n->sock, family, NAT_CHAIN_MACSPOOF, err);
	if (r <= 0)
		return r;
	nat_batch_family(b, family);
	r = nat_batch_table(b, NFT_MSG_DELTABLE, 0, t, label);
	if (r < 0)
		return plumb_err_set(err, -r, "out of memory");
	r = nat_batch_send(&n->sock, b, NULL, err);
	/* Gone in between: the goal is reached all the same. */
	return r == -ENOENT ? 0 : r;
}

int nat_table_destroy(struct nat *n, struct plumb_err *err)
{
	int r;

	n->ready = false;
	r = destroy_one(n, NAT_FAMILY, "table inet " NAT_TABLE, err);
	if (r == 0)
		r = destroy_one(n, NFPROTO_BRIDGE, "table bridge " NAT_TABLE, err);
	return r;
}
