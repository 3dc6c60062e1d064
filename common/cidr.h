/* SPDX-License-Identifier: MIT */
/*
 * common/cidr.h — IPv4/IPv6 addresses and prefixes: parsing, formatting and the
 * arithmetic IPAM, NAT and DNS need. Pure functions, no allocation, no kernel.
 *
 * An address is stored in network byte order in a[0..3] (IPv4) or a[0..15]
 * (IPv6). A prefix keeps the address as written ("10.0.0.5/24" keeps .5);
 * plumb_cidr_network() masks the host bits.
 */
#ifndef PLUMB_COMMON_CIDR_H
#define PLUMB_COMMON_CIDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" plus NUL */
#define PLUMB_IP_STRLEN 46
#define PLUMB_CIDR_STRLEN 50

struct plumb_ip {
	int family; /* AF_INET or AF_INET6; 0 when unset */
	uint8_t a[16];
};

struct plumb_cidr {
	struct plumb_ip ip;
	unsigned prefix;
};

/* Bytes (4 or 16) and bits (32 or 128) of an address of this family. */
unsigned plumb_ip_len(int family);
unsigned plumb_ip_bits(int family);

/* Parse a bare address. Returns 0 or -EINVAL. */
int plumb_ip_parse(const char *s, struct plumb_ip *out);
/* Parse "addr/prefix". A bare address is rejected unless allow_bare, in which
 * case it becomes a host prefix (/32, /128). Returns 0 or -EINVAL. */
int plumb_cidr_parse(const char *s, bool allow_bare, struct plumb_cidr *out);

/* Format into buf (at least PLUMB_IP_STRLEN / PLUMB_CIDR_STRLEN); returns buf. */
const char *plumb_ip_str(const struct plumb_ip *ip, char *buf, size_t len);
const char *plumb_cidr_str(const struct plumb_cidr *c, char *buf, size_t len);

bool plumb_ip_equal(const struct plumb_ip *a, const struct plumb_ip *b);
/* Order by family, then numerically. */
int plumb_ip_cmp(const struct plumb_ip *a, const struct plumb_ip *b);
bool plumb_ip_is_zero(const struct plumb_ip *ip);

/* out = ip + delta (delta may be negative). -ERANGE when it would wrap past
 * the top or bottom of the address space; out is untouched then. */
int plumb_ip_add(const struct plumb_ip *ip, __int128 delta, struct plumb_ip *out);
/* b - a as a signed 128-bit number (same family required). */
__int128 plumb_ip_diff(const struct plumb_ip *a, const struct plumb_ip *b);

/* Network address (host bits zero) and last address (host bits one; the IPv4
 * broadcast). */
void plumb_cidr_network(const struct plumb_cidr *c, struct plumb_cidr *out);
void plumb_cidr_last(const struct plumb_cidr *c, struct plumb_ip *out);
/* The netmask as an address (255.255.255.0). */
void plumb_cidr_mask(const struct plumb_cidr *c, struct plumb_ip *out);

bool plumb_cidr_contains(const struct plumb_cidr *c, const struct plumb_ip *ip);
bool plumb_cidr_overlaps(const struct plumb_cidr *a, const struct plumb_cidr *b);
bool plumb_cidr_equal(const struct plumb_cidr *a, const struct plumb_cidr *b);

/* Number of addresses in the prefix, saturated at UINT64_MAX (an IPv6 /64 has
 * 2^64, which does not fit). */
uint64_t plumb_cidr_size(const struct plumb_cidr *c);

/* The index-th subnet of length new_prefix inside parent (index 0 is the first).
 * -EINVAL when new_prefix is shorter than the parent's or too long for the
 * family; -ERANGE when index is past the last subnet. */
int plumb_cidr_subnet(const struct plumb_cidr *parent, unsigned new_prefix, uint64_t index,
		      struct plumb_cidr *out);
/* Number of subnets of length new_prefix in parent, saturated at UINT64_MAX. */
uint64_t plumb_cidr_subnet_count(const struct plumb_cidr *parent, unsigned new_prefix);

/* The reverse-DNS name ("4.3.2.1.in-addr.arpa" / nibbles ".ip6.arpa"). */
const char *plumb_ip_reverse_name(const struct plumb_ip *ip, char *buf, size_t len);

#endif
