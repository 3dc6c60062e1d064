// SPDX-License-Identifier: MIT
/* ipam/range.c — range sets: defaults and validation as host-local 1.1.1 does
 * them, membership, and the round-robin candidate order. Pure, no I/O. */
#include "ipam/internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool is_special(const struct ipam_range *r, const struct plumb_ip *ip)
{
	struct plumb_ip last;

	if (plumb_ip_equal(ip, &r->gateway) || plumb_ip_equal(ip, &r->subnet.ip))
		return true;
	plumb_cidr_last(&r->subnet, &last);
	return ip->family == AF_INET && plumb_ip_equal(ip, &last);
}

bool ipam_range_contains(const struct ipam_range *r, const struct plumb_ip *ip)
{
	if (!plumb_cidr_contains(&r->subnet, ip))
		return false;
	if (r->start.family && plumb_ip_cmp(ip, &r->start) < 0)
		return false;
	return !r->end.family || plumb_ip_cmp(ip, &r->end) <= 0;
}

const struct ipam_range *ipam_rangeset_find(const struct ipam_rangeset *rs,
					    const struct plumb_ip *ip)
{
	for (size_t i = 0; i < rs->n; i++)
		if (ipam_range_contains(&rs->r[i], ip))
			return &rs->r[i];
	return NULL;
}

const char *ipam_rangeset_str(const struct ipam_rangeset *rs, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < rs->n && off < len; i++) {
		char a[PLUMB_IP_STRLEN], b[PLUMB_IP_STRLEN];
		int w = snprintf(buf + off, len - off, "%s%s-%s", i ? "," : "",
				 plumb_ip_str(&rs->r[i].start, a, sizeof(a)),
				 plumb_ip_str(&rs->r[i].end, b, sizeof(b)));

		if (w < 0)
			break;
		off += (size_t)w;
	}
	return buf;
}

/* Fill one range's defaults and check it; `where` names it in messages. */
static int range_finish(struct ipam_range *r, const char *where, struct plumb_err *err)
{
	struct plumb_cidr net;
	unsigned bits = plumb_ip_bits(r->subnet.ip.family);
	char a[PLUMB_CIDR_STRLEN], b[PLUMB_CIDR_STRLEN];

	if (!r->subnet.ip.family)
		return plumb_err_set(err, EINVAL, "%s: missing field 'subnet'", where);
	if (r->subnet.prefix + 2 > bits)
		return plumb_err_set(err, EINVAL, "%s: network %s too small to allocate from",
				     where, plumb_cidr_str(&r->subnet, a, sizeof(a)));
	plumb_cidr_network(&r->subnet, &net);
	if (!plumb_cidr_equal(&net, &r->subnet))
		return plumb_err_set(err, EINVAL,
				     "%s: subnet %s has host bits set; the network address is %s",
				     where, plumb_cidr_str(&r->subnet, a, sizeof(a)),
				     plumb_cidr_str(&net, b, sizeof(b)));
	const struct {
		struct plumb_ip *ip;
		const char *name;
	} f[] = {{&r->start, "rangeStart"}, {&r->end, "rangeEnd"}, {&r->gateway, "gateway"}};
	for (size_t i = 0; i < 3; i++) {
		if (f[i].ip->family && f[i].ip->family != r->subnet.ip.family)
			return plumb_err_set(err, EINVAL, "%s: %s %s is not of the subnet's family",
					     where, f[i].name, plumb_ip_str(f[i].ip, a, sizeof(a)));
		if (i < 2 && f[i].ip->family && !plumb_cidr_contains(&r->subnet, f[i].ip))
			return plumb_err_set(err, EINVAL, "%s: %s %s not in network %s", where,
					     f[i].name, plumb_ip_str(f[i].ip, a, sizeof(a)),
					     plumb_cidr_str(&r->subnet, b, sizeof(b)));
	}
	if (!r->gateway.family)
		plumb_ip_add(&net.ip, 1, &r->gateway);
	if (!r->start.family)
		plumb_ip_add(&net.ip, 1, &r->start);
	if (!r->end.family) {
		plumb_cidr_last(&net, &r->end);
		if (r->end.family == AF_INET)
			plumb_ip_add(&r->end, -1, &r->end);
	}
	if (plumb_ip_cmp(&r->start, &r->end) > 0)
		return plumb_err_set(err, EINVAL, "%s: rangeStart %s is after rangeEnd %s", where,
				     plumb_ip_str(&r->start, a, sizeof(a)),
				     plumb_ip_str(&r->end, b, sizeof(b)));
	return 0;
}

static bool ranges_overlap(const struct ipam_range *x, const struct ipam_range *y)
{
	if (x->start.family != y->start.family)
		return false;
	return ipam_range_contains(x, &y->start) || ipam_range_contains(x, &y->end) ||
	       ipam_range_contains(y, &x->start) || ipam_range_contains(y, &x->end);
}

static bool sets_overlap(const struct ipam_rangeset *a, const struct ipam_rangeset *b)
{
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++)
			if (ranges_overlap(&a->r[i], &b->r[j]))
				return true;
	return false;
}

static int rangeset_finish(struct ipam_rangeset *rs, size_t s, struct plumb_err *err)
{
	char where[48];
	int r;

	if (rs->n == 0)
		return plumb_err_set(err, EINVAL, "ranges[%zu]: empty range set", s);
	for (size_t i = 0; i < rs->n; i++) {
		snprintf(where, sizeof(where), "ranges[%zu][%zu]", s, i);
		r = range_finish(&rs->r[i], where, err);
		if (r < 0)
			return r;
		if (rs->r[i].subnet.ip.family != rs->r[0].subnet.ip.family)
			return plumb_err_set(err, EINVAL, "%s: mixed address families in one range set",
					     where);
		for (size_t j = 0; j < i; j++)
			if (ranges_overlap(&rs->r[j], &rs->r[i]))
				return plumb_err_set(err, EINVAL, "ranges[%zu]: ranges %zu and %zu overlap",
						     s, j, i);
	}
	return 0;
}

int ipam_config_finish(struct ipam_config *cfg, struct plumb_err *err)
{
	int r;

	if (!cfg->network[0])
		return plumb_err_set(err, EINVAL, "missing field 'name' (the network name)");
	if (strchr(cfg->network, '/') || !strcmp(cfg->network, ".") || !strcmp(cfg->network, ".."))
		return plumb_err_set(err, EINVAL, "field 'name': '%s' cannot name a directory",
				     cfg->network);
	if (cfg->n_rangesets == 0)
		return plumb_err_set(err, EINVAL, "ipam: no IP ranges specified (field 'ranges' or 'subnet')");
	for (size_t s = 0; s < cfg->n_rangesets; s++) {
		r = rangeset_finish(&cfg->rangesets[s], s, err);
		if (r < 0)
			return r;
		for (size_t t = 0; t < s; t++)
			if (sets_overlap(&cfg->rangesets[t], &cfg->rangesets[s]))
				return plumb_err_set(err, EINVAL, "ranges: range set %zu overlaps with %zu",
						     t, s);
	}
	return 0;
}

void ipam_iter_init(struct ipam_iter *it, const struct ipam_rangeset *rs,
		    const struct plumb_ip *last)
{
	*it = (struct ipam_iter){.rs = rs};
	if (!last || !last->family)
		return;
	for (size_t i = 0; i < rs->n; i++) {
		if (ipam_range_contains(&rs->r[i], last)) {
			it->idx = i;
			it->cur = *last;
			it->started = true; /* the first candidate is last + 1 */
			return;
		}
	}
}

bool ipam_iter_next(struct ipam_iter *it, struct plumb_ip *ip, const struct ipam_range **range)
{
	while (!it->done && it->rs->n) {
		const struct ipam_range *r = &it->rs->r[it->idx];

		if (!it->started) {
			it->cur = r->start;
			it->started = true;
		} else if (plumb_ip_equal(&it->cur, &r->end)) {
			it->idx = (it->idx + 1) % it->rs->n;
			r = &it->rs->r[it->idx];
			it->cur = r->start;
		} else {
			plumb_ip_add(&it->cur, 1, &it->cur);
		}
		if (!it->have_first) {
			it->first = it->cur;
			it->have_first = true;
		} else if (plumb_ip_equal(&it->cur, &it->first)) {
			it->done = true; /* back where we started: every address tried */
			break;
		}
		if (is_special(r, &it->cur))
			continue;
		*ip = it->cur;
		if (range)
			*range = r;
		return true;
	}
	return false;
}
