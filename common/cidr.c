// SPDX-License-Identifier: MIT
#include "common/cidr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

unsigned plumb_ip_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

unsigned plumb_ip_bits(int family)
{
	return plumb_ip_len(family) * 8;
}

int plumb_ip_parse(const char *s, struct plumb_ip *out)
{
	struct plumb_ip ip = {0};

	if (!s || !*s)
		return -EINVAL;
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, ip.a) != 1)
			return -EINVAL;
		ip.family = AF_INET6;
	} else {
		/* inet_pton is strict (no "10.1", no octal), which is what we want. */
		if (inet_pton(AF_INET, s, ip.a) != 1)
			return -EINVAL;
		ip.family = AF_INET;
	}
	*out = ip;
	return 0;
}

static int parse_prefix_len(const char *s, unsigned max, unsigned *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s < '0' || *s > '9' || strlen(s) > 3)
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

int plumb_cidr_parse(const char *s, bool allow_bare, struct plumb_cidr *out)
{
	char buf[PLUMB_CIDR_STRLEN + 1];
	struct plumb_cidr c = {0};
	const char *slash;
	size_t n;
	int r;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	r = plumb_ip_parse(buf, &c.ip);
	if (r < 0)
		return r;
	if (!slash) {
		if (!allow_bare)
			return -EINVAL;
		c.prefix = plumb_ip_bits(c.ip.family);
	} else {
		r = parse_prefix_len(slash + 1, plumb_ip_bits(c.ip.family), &c.prefix);
		if (r < 0)
			return r;
	}
	*out = c;
	return 0;
}

const char *plumb_ip_str(const struct plumb_ip *ip, char *buf, size_t len)
{
	if (!ip->family || !inet_ntop(ip->family, ip->a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *plumb_cidr_str(const struct plumb_cidr *c, char *buf, size_t len)
{
	char ip[PLUMB_IP_STRLEN];

	snprintf(buf, len, "%s/%u", plumb_ip_str(&c->ip, ip, sizeof(ip)), c->prefix);
	return buf;
}

bool plumb_ip_equal(const struct plumb_ip *a, const struct plumb_ip *b)
{
	return a->family == b->family && !memcmp(a->a, b->a, plumb_ip_len(a->family));
}

int plumb_ip_cmp(const struct plumb_ip *a, const struct plumb_ip *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, plumb_ip_len(a->family));
}

bool plumb_ip_is_zero(const struct plumb_ip *ip)
{
	for (unsigned i = 0; i < plumb_ip_len(ip->family); i++)
		if (ip->a[i])
			return false;
	return true;
}

static u128 ip_to_u128(const struct plumb_ip *ip)
{
	u128 v = 0;

	for (unsigned i = 0; i < plumb_ip_len(ip->family); i++)
		v = (v << 8) | ip->a[i];
	return v;
}

static void u128_to_ip(u128 v, int family, struct plumb_ip *out)
{
	unsigned len = plumb_ip_len(family);

	memset(out, 0, sizeof(*out));
	out->family = family;
	for (unsigned i = len; i-- > 0;) {
		out->a[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static u128 family_max(int family)
{
	return family == AF_INET ? (u128)UINT32_MAX : ~(u128)0;
}

int plumb_ip_add(const struct plumb_ip *ip, __int128 delta, struct plumb_ip *out)
{
	u128 v = ip_to_u128(ip), max = family_max(ip->family);

	if (!ip->family)
		return -EINVAL;
	if (delta >= 0) {
		if ((u128)delta > max - v)
			return -ERANGE;
		v += (u128)delta;
	} else {
		/* -delta of INT128_MIN overflows; compare through the unsigned type. */
		u128 d = (u128)(-(delta + 1)) + 1;

		if (d > v)
			return -ERANGE;
		v -= d;
	}
	u128_to_ip(v, ip->family, out);
	return 0;
}

__int128 plumb_ip_diff(const struct plumb_ip *a, const struct plumb_ip *b)
{
	return (__int128)(ip_to_u128(b) - ip_to_u128(a));
}

static u128 host_mask(const struct plumb_cidr *c)
{
	unsigned bits = plumb_ip_bits(c->ip.family);
	unsigned host = bits - c->prefix;

	if (host == 0)
		return 0;
	if (host >= 128)
		return ~(u128)0;
	return ((u128)1 << host) - 1;
}

void plumb_cidr_network(const struct plumb_cidr *c, struct plumb_cidr *out)
{
	u128 v = ip_to_u128(&c->ip) & ~host_mask(c) & family_max(c->ip.family);
	unsigned prefix = c->prefix;

	u128_to_ip(v, c->ip.family, &out->ip);
	out->prefix = prefix;
}

void plumb_cidr_last(const struct plumb_cidr *c, struct plumb_ip *out)
{
	u128_to_ip(ip_to_u128(&c->ip) | host_mask(c), c->ip.family, out);
}

void plumb_cidr_mask(const struct plumb_cidr *c, struct plumb_ip *out)
{
	u128_to_ip(~host_mask(c) & family_max(c->ip.family), c->ip.family, out);
}

bool plumb_cidr_contains(const struct plumb_cidr *c, const struct plumb_ip *ip)
{
	u128 m = ~host_mask(c);

	if (c->ip.family != ip->family)
		return false;
	return (ip_to_u128(&c->ip) & m) == (ip_to_u128(ip) & m);
}

bool plumb_cidr_overlaps(const struct plumb_cidr *a, const struct plumb_cidr *b)
{
	const struct plumb_cidr *wide = a->prefix <= b->prefix ? a : b;
	const struct plumb_cidr *narrow = wide == a ? b : a;

	return plumb_cidr_contains(wide, &narrow->ip);
}

bool plumb_cidr_equal(const struct plumb_cidr *a, const struct plumb_cidr *b)
{
	return a->prefix == b->prefix && plumb_ip_equal(&a->ip, &b->ip);
}

uint64_t plumb_cidr_size(const struct plumb_cidr *c)
{
	unsigned host = plumb_ip_bits(c->ip.family) - c->prefix;

	return host >= 64 ? UINT64_MAX : (uint64_t)1 << host;
}

uint64_t plumb_cidr_subnet_count(const struct plumb_cidr *parent, unsigned new_prefix)
{
	if (new_prefix < parent->prefix || new_prefix > plumb_ip_bits(parent->ip.family))
		return 0;
	return new_prefix - parent->prefix >= 64 ? UINT64_MAX
						 : (uint64_t)1 << (new_prefix - parent->prefix);
}

int plumb_cidr_subnet(const struct plumb_cidr *parent, unsigned new_prefix, uint64_t index,
		      struct plumb_cidr *out)
{
	unsigned bits = plumb_ip_bits(parent->ip.family);
	struct plumb_cidr net;
	u128 base;

	if (!bits || new_prefix < parent->prefix || new_prefix > bits)
		return -EINVAL;
	if (new_prefix - parent->prefix < 64 &&
	    index >= ((uint64_t)1 << (new_prefix - parent->prefix)))
		return -ERANGE;
	plumb_cidr_network(parent, &net);
	base = ip_to_u128(&net.ip);
	if (bits - new_prefix < 128)
		base |= (u128)index << (bits - new_prefix);
	u128_to_ip(base, parent->ip.family, &out->ip);
	out->prefix = new_prefix;
	return 0;
}

const char *plumb_ip_reverse_name(const struct plumb_ip *ip, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	buf[0] = '\0';
	if (ip->family == AF_INET) {
		snprintf(buf, len, "%u.%u.%u.%u.in-addr.arpa", ip->a[3], ip->a[2], ip->a[1],
			 ip->a[0]);
		return buf;
	}
	for (int i = 15; i >= 0 && n + 4 < len; i--) {
		buf[n++] = hex[ip->a[i] & 0xf];
		buf[n++] = '.';
		buf[n++] = hex[ip->a[i] >> 4];
		buf[n++] = '.';
	}
	buf[n] = '\0';
	snprintf(buf + n, len - n, "ip6.arpa");
	return buf;
}
