// SPDX-License-Identifier: MIT
#include "common/addr.h"

#include "common/cleanup.h"
#include "common/link.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

/* A libnl address from a plumb_ip (prefix given separately). */
static struct nl_addr *nladdr_from_ip(const struct plumb_ip *ip, unsigned prefix)
{
	struct nl_addr *a = nl_addr_build(ip->family, ip->a, plumb_ip_len(ip->family));

	if (a)
		nl_addr_set_prefixlen(a, (int)prefix);
	return a;
}

static int addr_build(int ifindex, const struct plumb_cidr *c, struct rtnl_addr **out)
{
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *ra = rtnl_addr_alloc();
	_cleanup_(nl_addr_putp) struct nl_addr *local = NULL;

	if (!ra)
		return -ENOMEM;
	local = nladdr_from_ip(&c->ip, c->prefix);
	if (!local)
		return -ENOMEM;
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, c->ip.family);
	if (rtnl_addr_set_local(ra, local) < 0)
		return -EINVAL;
	rtnl_addr_set_prefixlen(ra, (int)c->prefix);
	*out = TAKE_PTR(ra);
	return 0;
}

int plumb_addr_add(struct plumb_nl *nl, int ifindex, const struct plumb_cidr *cidr, unsigned flags,
		   struct plumb_err *err)
{
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *ra = NULL;
	char s[PLUMB_CIDR_STRLEN], label[PLUMB_LINK_LABEL_MAX];
	int r;

	plumb_cidr_str(cidr, s, sizeof(s));
	r = addr_build(ifindex, cidr, &ra);
	if (r < 0)
		return plumb_err_set(err, -r, "address %s: %s", s, strerror(-r));
	if ((flags & PLUMB_ADDR_NODAD) && cidr->ip.family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	if (flags & PLUMB_ADDR_NOPREFIXROUTE)
		rtnl_addr_set_flags(ra, IFA_F_NOPREFIXROUTE);
	r = rtnl_addr_add(nl->sk, ra, NLM_F_EXCL);
	if (r >= 0)
		return 0;
	r = plumb_nl_error(nl, r, err, "add address %s", s);
	if (r == -EEXIST)
		return plumb_err_set(
		    err, EEXIST, "address %s already exists on interface %s in netns '%s'", s,
		    plumb_link_label(nl, ifindex, label, sizeof(label)), plumb_nl_ns(nl));
	return plumb_err_wrap(err, r, "interface %s in netns '%s'",
			      plumb_link_label(nl, ifindex, label, sizeof(label)), plumb_nl_ns(nl));
}

int plumb_addr_del(struct plumb_nl *nl, int ifindex, const struct plumb_cidr *cidr,
		   struct plumb_err *err)
{
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *ra = NULL;
	char s[PLUMB_CIDR_STRLEN], label[PLUMB_LINK_LABEL_MAX];
	int r;

	plumb_cidr_str(cidr, s, sizeof(s));
	r = addr_build(ifindex, cidr, &ra);
	if (r < 0)
		return plumb_err_set(err, -r, "address %s: %s", s, strerror(-r));
	r = rtnl_addr_delete(nl->sk, ra, 0);
	if (r >= 0)
		return 0;
	r = plumb_nl_error(nl, r, err, "delete address %s", s);
	if (r == -EADDRNOTAVAIL)
		return plumb_err_set(
		    err, EADDRNOTAVAIL, "address %s is not on interface %s in netns '%s'", s,
		    plumb_link_label(nl, ifindex, label, sizeof(label)), plumb_nl_ns(nl));
	return plumb_err_wrap(err, r, "interface %s in netns '%s'",
			      plumb_link_label(nl, ifindex, label, sizeof(label)), plumb_nl_ns(nl));
}

/* Collects the RTM_NEWADDR messages of a dump into a growing array. */
struct addr_dump {
	int ifindex, family;
	struct plumb_addr *v;
	int n, cap;
	bool oom;
};

static int on_addr(struct nl_msg *msg, void *arg)
{
	struct addr_dump *d = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct ifaddrmsg *ifa = nlmsg_data(h);
	struct nlattr *tb[IFA_MAX + 1], *a;
	struct plumb_addr *x;
	unsigned len;

	if (h->nlmsg_type != RTM_NEWADDR || nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL) < 0)
		return NL_OK;
	/* The kernel filters too when strict checking is on; this covers kernels
	 * that ignore the request's index and family. */
	if ((d->ifindex && (int)ifa->ifa_index != d->ifindex) ||
	    (d->family != AF_UNSPEC && ifa->ifa_family != d->family))
		return NL_OK;
	/* IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on a
	 * point-to-point link, and the only one IPv6 sends. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	len = plumb_ip_len(ifa->ifa_family);
	if (!a || !len || (unsigned)nla_len(a) != len)
		return NL_OK;
	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 16;
		struct plumb_addr *nv = realloc(d->v, (size_t)cap * sizeof(*nv));

		if (!nv) {
			d->oom = true;
			return NL_STOP;
		}
		d->v = nv;
		d->cap = cap;
	}
	x = &d->v[d->n++];
	memset(x, 0, sizeof(*x));
	x->ifindex = (int)ifa->ifa_index;
	x->cidr.ip.family = ifa->ifa_family;
	memcpy(x->cidr.ip.a, nla_data(a), len);
	x->cidr.prefix = ifa->ifa_prefixlen;
	x->scope = ifa->ifa_scope;
	x->flags = tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	return NL_OK;
}

/* One RTM_GETADDR dump for ifindex/family. With NETLINK_GET_STRICT_CHK the
 * kernel sends only that link's addresses, so the cost does not grow with the
 * namespace (a node's every pod adds a link-local address to it). The option
 * is per socket and libnl's own dumps send headers strict mode rejects, so it
 * is on only for this request. */
/* One attempt; starts the list afresh (a retried dump must not append to the
 * entries of the interrupted one). */
static int addr_dump_once(struct plumb_nl *nl, void *arg)
{
	struct addr_dump *d = arg;
	struct ifaddrmsg ifa = {.ifa_family = (unsigned char)d->family,
				.ifa_index = (unsigned)d->ifindex};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETADDR, NLM_F_DUMP);
	int fd = nl_socket_get_fd(nl->sk), on = 1, off = 0, r;
	struct nl_cb *cb, *base;

	d->n = 0;
	if (!msg)
		return -NLE_NOMEM;
	if (nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	base = nl_socket_get_cb(nl->sk); /* a new reference */
	cb = nl_cb_clone(base);		 /* keeps the error callback (extack) */
	nl_cb_put(base);
	if (!cb) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_addr, d);
	setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &on, sizeof(on));
	r = nl_send_auto(nl->sk, msg);
	if (r >= 0)
		r = nl_recvmsgs(nl->sk, cb);
	setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &off, sizeof(off));
	nl_cb_put(cb);
	nlmsg_free(msg);
	return r;
}

int plumb_addr_list(struct plumb_nl *nl, int ifindex, int family, struct plumb_addr **out,
		    struct plumb_err *err)
{
	struct addr_dump d = {.ifindex = ifindex, .family = family};
	int r;

	*out = NULL;
	r = plumb_nl_dump_retry(nl, addr_dump_once, &d);
	if (d.oom)
		r = -NLE_NOMEM;
	if (r < 0) {
		free(d.v);
		return plumb_nl_error(nl, r, err, "list addresses in netns '%s'", plumb_nl_ns(nl));
	}
	if (d.n)
		*out = d.v;
	else
		free(d.v);
	return d.n;
}

int plumb_addr_exists(struct plumb_nl *nl, int ifindex, const struct plumb_cidr *cidr,
		      struct plumb_err *err)
{
	_cleanup_free_ struct plumb_addr *v = NULL;
	int n = plumb_addr_list(nl, ifindex, cidr->ip.family, &v, err);

	for (int i = 0; i < n; i++)
		if (plumb_ip_equal(&v[i].cidr.ip, &cidr->ip) && v[i].cidr.prefix == cidr->prefix)
			return 1;
	return n < 0 ? n : 0;
}
