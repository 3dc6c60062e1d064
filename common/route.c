// SPDX-License-Identifier: MIT
#include "common/route.h"

#include "common/cleanup.h"
#include "common/link.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <netlink/route/nexthop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

DEFINE_CLEANUP_FUNC(struct rtnl_nexthop *, rtnl_route_nh_free)

static struct nl_addr *nladdr(const struct plumb_ip *ip, unsigned prefix)
{
	struct nl_addr *a = nl_addr_build(ip->family, ip->a, plumb_ip_len(ip->family));

	if (a)
		nl_addr_set_prefixlen(a, (int)prefix);
	return a;
}

/* A libnl route from rt. for_delete leaves the scope as a wildcard. */
static int route_build(const struct plumb_route *rt, bool for_delete, struct rtnl_route **out)
{
	_cleanup_(rtnl_route_putp) struct rtnl_route *r = rtnl_route_alloc();
	_cleanup_(nl_addr_putp) struct nl_addr *dst = NULL, *gw = NULL;
	_cleanup_(rtnl_route_nh_freep) struct rtnl_nexthop *nh = NULL;
	struct plumb_cidr net;
	int family = rt->dst.ip.family;

	if (!r)
		return -ENOMEM;
	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	if (rt->gw.family && rt->gw.family != family)
		return -EINVAL;
	plumb_cidr_network(&rt->dst, &net);
	dst = nladdr(&net.ip, net.prefix);
	if (!dst)
		return -ENOMEM;
	rtnl_route_set_family(r, (uint8_t)family);
	if (rtnl_route_set_dst(r, dst) < 0)
		return -EINVAL;
	rtnl_route_set_table(r, rt->table ? rt->table : RT_TABLE_MAIN);
	rtnl_route_set_type(r, RTN_UNICAST);
	/* On delete, RTPROT_UNSPEC matches any protocol; libnl would otherwise
	 * send its default (static) and miss every route `ip` or we added. */
	rtnl_route_set_protocol(r, for_delete ? RTPROT_UNSPEC : RTPROT_BOOT);
	if (rt->metric)
		rtnl_route_set_priority(r, rt->metric);
	rtnl_route_set_scope(r, for_delete ? RT_SCOPE_NOWHERE
					   : (rt->gw.family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK));
	if (rt->gw.family || rt->ifindex) {
		nh = rtnl_route_nh_alloc();
		if (!nh)
			return -ENOMEM;
		if (rt->ifindex)
			rtnl_route_nh_set_ifindex(nh, rt->ifindex);
		if (rt->gw.family) {
			gw = nladdr(&rt->gw, plumb_ip_bits(family));
			if (!gw)
				return -ENOMEM;
			rtnl_route_nh_set_gateway(nh, gw);
		}
		if (rt->onlink)
			rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
		rtnl_route_add_nexthop(r, TAKE_PTR(nh)); /* the route owns it now */
	}
	*out = TAKE_PTR(r);
	return 0;
}

/* The route as text; dev names the output device ("eth0"), NULL prints "#N". */
static const char *route_str_dev(const struct plumb_route *rt, const char *dev, char *buf,
				 size_t len)
{
	char d[PLUMB_CIDR_STRLEN], g[PLUMB_IP_STRLEN];
	size_t n = 0;

	if (!rt->dst.prefix)
		n += (size_t)snprintf(buf, len, "default");
	else
		n += (size_t)snprintf(buf, len, "%s", plumb_cidr_str(&rt->dst, d, sizeof(d)));
	if (rt->gw.family && n < len)
		n += (size_t)snprintf(buf + n, len - n, " via %s",
				      plumb_ip_str(&rt->gw, g, sizeof(g)));
	if (rt->ifindex && n < len && dev)
		n += (size_t)snprintf(buf + n, len - n, " dev %s", dev);
	else if (rt->ifindex && n < len)
		n += (size_t)snprintf(buf + n, len - n, " dev #%d", rt->ifindex);
	if (rt->metric && n < len)
		n += (size_t)snprintf(buf + n, len - n, " metric %u", rt->metric);
	if (rt->onlink && n < len)
		snprintf(buf + n, len - n, " onlink");
	return buf;
}

const char *plumb_route_str(const struct plumb_route *rt, char *buf, size_t len)
{
	return route_str_dev(rt, NULL, buf, len);
}

/* Error paths: the route again, with its device by name (one look-up). */
static const char *route_str_named(struct plumb_nl *nl, const struct plumb_route *rt, char *buf,
				   size_t len)
{
	struct plumb_link l;

	if (rt->ifindex && plumb_link_get(nl, NULL, rt->ifindex, &l, NULL) == 0)
		return route_str_dev(rt, l.name, buf, len);
	return route_str_dev(rt, NULL, buf, len);
}

int plumb_route_add(struct plumb_nl *nl, const struct plumb_route *rt, struct plumb_err *err)
{
	_cleanup_(rtnl_route_putp) struct rtnl_route *r = NULL;
	char s[160];
	int e;

	plumb_route_str(rt, s, sizeof(s));
	e = route_build(rt, false, &r);
	if (e < 0)
		return plumb_err_set(err, -e, "route '%s': %s", s,
				     e == -EINVAL ? "gateway and destination differ in family"
						  : strerror(-e));
	e = rtnl_route_add(nl->sk, r, NLM_F_EXCL);
	if (e >= 0)
		return 0;
	e = plumb_nl_error(nl, e, err, "add route");
	route_str_named(nl, rt, s, sizeof(s));
	if (e == -EEXIST)
		return plumb_err_set(err, EEXIST, "route '%s' already exists in netns '%s'", s,
				     plumb_nl_ns(nl));
	return plumb_err_wrap(err, e, "route '%s' in netns '%s'", s, plumb_nl_ns(nl));
}

int plumb_route_del(struct plumb_nl *nl, const struct plumb_route *rt, struct plumb_err *err)
{
	_cleanup_(rtnl_route_putp) struct rtnl_route *r = NULL;
	char s[160];
	int e;

	plumb_route_str(rt, s, sizeof(s));
	e = route_build(rt, true, &r);
	if (e < 0)
		return plumb_err_set(err, -e, "route '%s': %s", s, strerror(-e));
	e = rtnl_route_delete(nl->sk, r, 0);
	if (e >= 0)
		return 0;
	e = plumb_nl_error(nl, e, err, "delete route");
	route_str_named(nl, rt, s, sizeof(s));
	if (e == -ESRCH)
		return plumb_err_set(err, ESRCH, "route '%s' does not exist in netns '%s'", s,
				     plumb_nl_ns(nl));
	return plumb_err_wrap(err, e, "route '%s' in netns '%s'", s, plumb_nl_ns(nl));
}

static int route_fill(struct rtnl_route *r, struct plumb_route *out)
{
	struct nl_addr *dst = rtnl_route_get_dst(r);
	struct rtnl_nexthop *nh;
	int family = rtnl_route_get_family(r);
	unsigned len = plumb_ip_len(family);

	if (!len || !dst)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->dst.ip.family = family;
	if (nl_addr_get_len(dst) == len)
		memcpy(out->dst.ip.a, nl_addr_get_binary_addr(dst), len);
	out->dst.prefix = (unsigned)nl_addr_get_prefixlen(dst);
	out->table = rtnl_route_get_table(r);
	out->metric = rtnl_route_get_priority(r);
	out->scope = rtnl_route_get_scope(r);
	if (rtnl_route_get_nnexthops(r) > 0) {
		struct nl_addr *gw;

		nh = rtnl_route_nexthop_n(r, 0);
		out->ifindex = rtnl_route_nh_get_ifindex(nh);
		out->onlink = rtnl_route_nh_get_flags(nh) & RTNH_F_ONLINK;
		gw = rtnl_route_nh_get_gateway(nh);
		if (gw && nl_addr_get_len(gw) == len) {
			out->gw.family = family;
			memcpy(out->gw.a, nl_addr_get_binary_addr(gw), len);
		}
	}
	return 0;
}

struct route_dump {
	int family;
	struct nl_cache *cache;
};

/* One attempt; on error libnl frees the cache and leaves it NULL. */
static int dump_routes(struct plumb_nl *nl, void *arg)
{
	struct route_dump *d = arg;

	return rtnl_route_alloc_cache(nl->sk, d->family, 0, &d->cache);
}

int plumb_route_list(struct plumb_nl *nl, int family, unsigned table, struct plumb_route **out,
		     struct plumb_err *err)
{
	struct route_dump dump = {.family = family};
	_cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
	_cleanup_free_ struct plumb_route *v = NULL;
	struct nl_object *o;
	int e, n = 0, cap;

	*out = NULL;
	e = plumb_nl_dump_retry(nl, dump_routes, &dump);
	cache = dump.cache;
	if (e < 0)
		return plumb_nl_error(nl, e, err, "list routes in netns '%s'", plumb_nl_ns(nl));
	cap = nl_cache_nitems(cache);
	if (!cap)
		return 0;
	v = calloc((size_t)cap, sizeof(*v));
	if (!v)
		return plumb_err_set(err, ENOMEM, "out of memory");
	for (o = nl_cache_get_first(cache); o && n < cap; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;

		if (rtnl_route_get_table(r) != (table ? table : RT_TABLE_MAIN) ||
		    rtnl_route_get_type(r) != RTN_UNICAST)
			continue;
		if (route_fill(r, &v[n]) == 0)
			n++;
	}
	if (n)
		*out = TAKE_PTR(v);
	return n;
}

int plumb_route_exists(struct plumb_nl *nl, const struct plumb_route *rt, struct plumb_err *err)
{
	_cleanup_free_ struct plumb_route *v = NULL;
	struct plumb_cidr want;
	int n = plumb_route_list(nl, rt->dst.ip.family, rt->table, &v, err);

	plumb_cidr_network(&rt->dst, &want);
	for (int i = 0; i < n; i++) {
		if (!plumb_cidr_equal(&v[i].dst, &want))
			continue;
		if (rt->gw.family && !plumb_ip_equal(&v[i].gw, &rt->gw))
			continue;
		if (rt->ifindex && v[i].ifindex != rt->ifindex)
			continue;
		if (rt->metric && v[i].metric != rt->metric)
			continue;
		return 1;
	}
	return n < 0 ? n : 0;
}
