// SPDX-License-Identifier: MIT
/* ipam/lease.c — ADD, DEL and CHECK for pod addresses, host-local's semantics
 * over ipam/store.c. One lock hold covers a whole call (all range sets). */
#include "ipam/internal.h"

#include "common/cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* The addresses (id, ifname) verifiably holds, via the index; stale index
 * entries (released by another plugin since) are dropped. */
static size_t held_by_index(struct ipam_store *st, const char *id, const char *ifname,
			    struct plumb_ip *out)
{
	struct plumb_ip hint[IPAM_MAX_RANGESETS];
	size_t n, k = 0;

	ipam_index_get(st, id, ifname, hint, IPAM_MAX_RANGESETS, &n);
	for (size_t i = 0; i < n; i++)
		if (ipam_store_owned(st, &hint[i], id, ifname))
			out[k++] = hint[i];
	if (n && !k)
		ipam_index_del(st, id, ifname);
	return k;
}

static void rollback(struct ipam_store *st, const struct ipam_result *res)
{
	for (size_t i = 0; i < res->n_addrs; i++)
		ipam_store_remove(st, &res->addrs[i].addr.ip, NULL);
}

/* The requested address that falls in range set rs, marking it used. */
static const struct plumb_ip *take_requested(const struct ipam_config *cfg,
					     const struct ipam_rangeset *rs, bool *used)
{
	for (size_t i = 0; i < cfg->n_requested; i++) {
		if (!used[i] && ipam_rangeset_find(rs, &cfg->requested[i])) {
			used[i] = true;
			return &cfg->requested[i];
		}
	}
	return NULL;
}

static int reserve_requested(struct ipam_store *st, const struct ipam_rangeset *rs,
			     const struct plumb_ip *ip, const struct ipam_range **range,
			     struct plumb_err *err)
{
	char a[PLUMB_IP_STRLEN], b[512];
	struct plumb_ip last;
	int r;

	*range = ipam_rangeset_find(rs, ip);
	plumb_cidr_last(&(*range)->subnet, &last);
	if (plumb_ip_equal(ip, &(*range)->gateway))
		return plumb_err_set(err, EINVAL, "requested ip %s is subnet's gateway",
				     plumb_ip_str(ip, a, sizeof(a)));
	if (plumb_ip_equal(ip, &(*range)->subnet.ip) ||
	    (ip->family == AF_INET && plumb_ip_equal(ip, &last)))
		return plumb_err_set(err, EINVAL, "requested ip %s is the subnet's %s address",
				     plumb_ip_str(ip, a, sizeof(a)),
				     plumb_ip_equal(ip, &last) ? "broadcast" : "network");
	r = ipam_store_reserve(st, ip, err);
	if (r == 0)
		return plumb_err_set(err, EADDRINUSE,
				     "requested IP address %s is not available in range set %s",
				     plumb_ip_str(ip, a, sizeof(a)),
				     ipam_rangeset_str(rs, b, sizeof(b)));
	return r < 0 ? r : 0;
}

static int ip_cmp(const void *a, const void *b)
{
	return plumb_ip_cmp(a, b);
}

/* After this many taken candidates in a row, read the directory once and skip
 * the taken ones without a syscall each: a nearly full /16 then costs one
 * readdir instead of up to 65k link(2) calls. */
#define PROBES_BEFORE_LISTING 32

static int reserve_next(struct ipam_store *st, const struct ipam_rangeset *rs, unsigned idx,
			struct plumb_ip *ip, const struct ipam_range **range, struct plumb_err *err)
{
	_cleanup_free_ struct plumb_ip *taken = NULL;
	size_t n_taken = 0, probes = 0;
	char b[512];
	struct ipam_iter it;
	struct plumb_ip last = {0};
	int r;

	if (ipam_store_last_get(st, idx, &last) < 0)
		last.family = 0; /* none, or unreadable: start at the beginning */
	ipam_iter_init(&it, rs, &last);
	while (ipam_iter_next(&it, ip, range)) {
		if (taken && bsearch(ip, taken, n_taken, sizeof(*taken), ip_cmp))
			continue;
		r = ipam_store_reserve(st, ip, err);
		if (r != 0)
			return r < 0 ? r : 0;
		if (++probes == PROBES_BEFORE_LISTING && ipam_store_taken(st, rs, &taken, &n_taken) < 0)
			taken = NULL; /* fall back to probing every address */
	}
	return plumb_err_set(err, ENOSPC, "no IP addresses available in range set: %s",
			     ipam_rangeset_str(rs, b, sizeof(b)));
}

static int acquire_locked(struct ipam_store *st, const struct ipam_config *cfg, const char *id,
			  const char *ifname, struct ipam_result *out, struct plumb_err *err)
{
	bool used[IPAM_MAX_REQUESTED] = {0};
	struct plumb_ip held[IPAM_MAX_RANGESETS];
	char a[PLUMB_IP_STRLEN];
	int r;

	if (held_by_index(st, id, ifname, held) > 0)
		return plumb_err_set(err, EEXIST,
				     "%s has been allocated to %s, duplicate allocation is not allowed",
				     plumb_ip_str(&held[0], a, sizeof(a)), id);
	r = ipam_store_stage(st, id, ifname, err);
	if (r < 0)
		return r;
	for (unsigned s = 0; s < cfg->n_rangesets; s++) {
		const struct ipam_rangeset *rs = &cfg->rangesets[s];
		const struct plumb_ip *want = take_requested(cfg, rs, used);
		const struct ipam_range *range = NULL;
		struct plumb_ip ip;

		if (want) {
			ip = *want;
			r = reserve_requested(st, rs, &ip, &range, err);
		} else {
			r = reserve_next(st, rs, s, &ip, &range, err);
		}
		if (r < 0) {
			r = plumb_err_wrap(err, r, "failed to allocate for range %u", s);
			goto fail;
		}
		out->addrs[out->n_addrs++] = (struct ipam_addr){
			.addr = {.ip = ip, .prefix = range->subnet.prefix},
			.gateway = range->gateway,
			.rangeset = s,
		};
		ipam_store_last_set(st, s, &ip, NULL); /* only a round-robin hint */
	}
	for (size_t i = 0; i < cfg->n_requested; i++) {
		if (!used[i]) {
			r = plumb_err_set(err, EINVAL,
					  "failed to allocate all requested IPs: %s is in no range set",
					  plumb_ip_str(&cfg->requested[i], a, sizeof(a)));
			goto fail;
		}
	}
	ipam_store_unstage(st);
	{
		struct plumb_ip ips[IPAM_MAX_RANGESETS];

		for (size_t i = 0; i < out->n_addrs; i++)
			ips[i] = out->addrs[i].addr.ip;
		ipam_index_put(st, id, ifname, ips, out->n_addrs); /* a hint: failure is harmless */
	}
	return 0;
fail:
	rollback(st, out);
	ipam_store_unstage(st);
	out->n_addrs = 0;
	return r;
}

int ipam_lease_acquire(const struct ipam_config *cfg, const char *id, const char *ifname,
		       struct ipam_result *out, struct plumb_err *err)
{
	struct ipam_store st;
	int r;

	*out = (struct ipam_result){0};
	if (!id || !id[0] || !ifname || !ifname[0])
		return plumb_err_set(err, EINVAL, "ipam: container id and ifname are required");
	if (cfg->resolv_conf[0]) {
		r = ipam_dns_read(cfg->resolv_conf, &out->dns, err);
		if (r < 0)
			return r;
		out->has_dns = true;
	}
	out->n_routes = cfg->n_routes;
	memcpy(out->routes, cfg->routes, sizeof(cfg->routes[0]) * cfg->n_routes);
	r = ipam_store_open(cfg->data_dir, cfg->network, &st, err);
	if (r < 0)
		return r;
	r = acquire_locked(&st, cfg, id, ifname, out, err);
	ipam_store_close(&st);
	return r;
}

/* Addresses of (id, ifname): the index first, the full scan when it knows
 * nothing (leases written by host-local itself). */
static size_t find_held(struct ipam_store *st, const char *id, const char *ifname,
			struct plumb_ip *out, size_t max)
{
	size_t n = held_by_index(st, id, ifname, out);

	if (n == 0)
		ipam_store_scan(st, id, ifname, out, max, &n);
	return n;
}

int ipam_lease_release(const struct ipam_config *cfg, const char *id, const char *ifname,
		       struct plumb_err *err)
{
	struct plumb_ip ips[256];
	struct ipam_store st;
	size_t n;
	int r = 0;

	if (!id || !id[0] || !ifname)
		return plumb_err_set(err, EINVAL, "ipam: container id and ifname are required");
	r = ipam_store_open(cfg->data_dir, cfg->network, &st, err);
	if (r < 0)
		return r;
	n = find_held(&st, id, ifname, ips, ARRAY_SIZE(ips));
	if (n == 0) /* files of host-local before 0.7 hold only the id */
		ipam_store_scan(&st, id, NULL, ips, ARRAY_SIZE(ips), &n);
	for (size_t i = 0; i < n && r == 0; i++)
		r = ipam_store_remove(&st, &ips[i], err);
	if (r == 0)
		ipam_index_del(&st, id, ifname);
	ipam_store_close(&st);
	return r;
}

int ipam_lease_check(const struct ipam_config *cfg, const char *id, const char *ifname,
		     struct ipam_result *out, struct plumb_err *err)
{
	struct plumb_ip ips[256];
	struct ipam_store st;
	size_t n;
	int r;

	*out = (struct ipam_result){0};
	r = ipam_store_open(cfg->data_dir, cfg->network, &st, err);
	if (r < 0)
		return r;
	n = find_held(&st, id, ifname, ips, ARRAY_SIZE(ips));
	ipam_store_close(&st);
	for (unsigned s = 0; s < cfg->n_rangesets; s++) {
		const struct ipam_range *range = NULL;
		size_t i;

		for (i = 0; i < n; i++)
			if ((range = ipam_rangeset_find(&cfg->rangesets[s], &ips[i])))
				break;
		if (!range)
			return plumb_err_set(err, ENOENT,
					     "ipam: %s/%s holds no address in range set %u of network '%s'",
					     id, ifname, s, cfg->network);
		out->addrs[out->n_addrs++] = (struct ipam_addr){
			.addr = {.ip = ips[i], .prefix = range->subnet.prefix},
			.gateway = range->gateway,
			.rangeset = s,
		};
	}
	out->n_routes = cfg->n_routes;
	memcpy(out->routes, cfg->routes, sizeof(cfg->routes[0]) * cfg->n_routes);
	return 0;
}
