// SPDX-License-Identifier: MIT
#include "common/addr.h"

#include "common/cleanup.h"

#include <errno.h>
#include <linux/if_addr.h>
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

int plumb_addr_add(struct plumb_nl *nl, int ifindex, const struct plumb_cidr *cidr,
		   unsigned flags, struct plumb_err *err)
{
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *ra = NULL;
	char s[PLUMB_CIDR_STRLEN];
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
	if (r < 0 && plumb_nl_errno(nl, r) == EEXIST) {
		nl->last_errno = 0;
		nl->extack[0] = '\0';
		return plumb_err_set(err, EEXIST,
				     "address %s already exists on interface #%d in netns '%s'", s,
				     ifindex, plumb_nl_ns(nl));
	}
	return plumb_nl_error(nl, r, err, "add address %s to interface #%d in netns '%s'", s,
			      ifindex, plumb_nl_ns(nl));
}

int plumb_addr_del(struct plumb_nl *nl, int ifindex, const struct plumb_cidr *cidr,
		   struct plumb_err *err)
{
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *ra = NULL;
	char s[PLUMB_CIDR_STRLEN];
	int r;

	plumb_cidr_str(cidr, s, sizeof(s));
	r = addr_build(ifindex, cidr, &ra);
	if (r < 0)
		return plumb_err_set(err, -r, "address %s: %s", s, strerror(-r));
	r = rtnl_addr_delete(nl->sk, ra, 0);
	if (r < 0 && plumb_nl_errno(nl, r) == EADDRNOTAVAIL) {
		nl->last_errno = 0;
		nl->extack[0] = '\0';
		return plumb_err_set(err, EADDRNOTAVAIL,
				     "address %s is not on interface #%d in netns '%s'", s, ifindex,
				     plumb_nl_ns(nl));
	}
	return plumb_nl_error(nl, r, err, "delete address %s from interface #%d in netns '%s'", s,
			      ifindex, plumb_nl_ns(nl));
}

static int addr_fill(struct rtnl_addr *ra, struct plumb_addr *out)
{
	struct nl_addr *local = rtnl_addr_get_local(ra);
	unsigned len;

	if (!local)
		return -ENOENT;
	len = nl_addr_get_len(local);
	if (len != plumb_ip_len(rtnl_addr_get_family(ra)))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->ifindex = rtnl_addr_get_ifindex(ra);
	out->cidr.ip.family = rtnl_addr_get_family(ra);
	memcpy(out->cidr.ip.a, nl_addr_get_binary_addr(local), len);
	out->cidr.prefix = (unsigned)rtnl_addr_get_prefixlen(ra);
	out->scope = rtnl_addr_get_scope(ra);
	out->flags = rtnl_addr_get_flags(ra);
	return 0;
}

int plumb_addr_list(struct plumb_nl *nl, int ifindex, int family, struct plumb_addr **out,
		    struct plumb_err *err)
{
	_cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
	_cleanup_free_ struct plumb_addr *v = NULL;
	struct nl_object *o;
	int r, n = 0, cap;

	*out = NULL;
	r = rtnl_addr_alloc_cache(nl->sk, &cache);
	if (r < 0)
		return plumb_nl_error(nl, r, err, "list addresses in netns '%s'", plumb_nl_ns(nl));
	cap = nl_cache_nitems(cache);
	if (!cap)
		return 0;
	v = calloc((size_t)cap, sizeof(*v));
	if (!v)
		return plumb_err_set(err, ENOMEM, "out of memory");
	for (o = nl_cache_get_first(cache); o && n < cap; o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;

		if (ifindex && rtnl_addr_get_ifindex(ra) != ifindex)
			continue;
		if (family != AF_UNSPEC && rtnl_addr_get_family(ra) != family)
			continue;
		if (addr_fill(ra, &v[n]) == 0)
			n++;
	}
	if (n)
		*out = TAKE_PTR(v);
	return n;
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
