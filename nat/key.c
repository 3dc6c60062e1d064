// SPDX-License-Identifier: MIT
/* Element keys (concatenations padded to 32-bit registers) and a small vector. */
#include "nat/internal.h"

#include "common/cidr.h"

#include <string.h>

void nat_key_bytes(struct nat_key *k, const void *p, uint32_t len)
{
	uint32_t padded = (len + 3u) & ~3u;

	if (k->len + padded > sizeof(k->b))
		return; /* keys are at most 2 x 16 + 2 x 4 bytes; cannot happen */
	memcpy(k->b + k->len, p, len);
	memset(k->b + k->len + len, 0, padded - len);
	k->len += padded;
}

void nat_key_ip(struct nat_key *k, const struct plumb_ip *ip)
{
	nat_key_bytes(k, ip->a, plumb_ip_len(ip->family));
}

void nat_key_u8(struct nat_key *k, uint8_t v)
{
	nat_key_bytes(k, &v, 1);
}

void nat_key_be16(struct nat_key *k, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	nat_key_bytes(k, b, 2);
}

void nat_key_be32(struct nat_key *k, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	nat_key_bytes(k, b, 4);
}

void *nat_vec_push(struct nat_vec *v, size_t size)
{
	char *p;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *nd = realloc(v->data, cap * size);

		if (!nd)
			return NULL;
		v->data = nd;
		v->cap = cap;
	}
	p = (char *)v->data + v->n++ * size;
	memset(p, 0, size);
	return p;
}
