// SPDX-License-Identifier: MIT
/*
 * nat/service-elem.c — the byte layout of Service elements.
 *
 * Registers are 32-bit: a protocol (1 byte) and a port (2 bytes, network order)
 * each take a whole 4-byte slot in a concatenation, zero padded, exactly as the
 * kernel's meta and payload loads leave them. Ids and slots are host-order
 * 32-bit values, as the lookup data and numgen put them in registers.
 */
#include "nat/service.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const set_names[NAT_SVC_NSETS] = {
	[NAT_SVC_IDS] = "svc-ids",	   [NAT_SVC_NPIDS] = "svc-npids",
	[NAT_SVC_EPS] = "svc-eps",	   [NAT_SVC_EPSET] = "svc-epset",
	[NAT_SVC_NOEP] = "svc-noep",	   [NAT_SVC_NPNOEP] = "svc-npnoep",
	[NAT_SVC_HAIRPIN] = "svc-hairpin",
};

const char *nat_svc_set_name(enum nat_svc_set set)
{
	return set < NAT_SVC_NSETS ? set_names[set] : "?";
}

static uint8_t *put_u32(uint8_t *p, uint32_t v) /* host order */
{
	memcpy(p, &v, 4);
	return p + 4;
}

static uint8_t *put_addr(uint8_t *p, uint32_t addr) /* network order already */
{
	memcpy(p, &addr, 4);
	return p + 4;
}

static uint8_t *put_port(uint8_t *p, uint16_t port)
{
	uint16_t be = htons(port);

	memset(p, 0, 4);
	memcpy(p, &be, 2);
	return p + 4;
}

static uint8_t *put_proto(uint8_t *p, uint8_t proto)
{
	memset(p, 0, 4);
	p[0] = proto;
	return p + 4;
}

static void init(struct nat_svc_elem *e, enum nat_svc_set set, const char *comment)
{
	memset(e, 0, sizeof(*e));
	e->set = (uint8_t)set;
	e->comment = comment;
}

void nat_svc_elem_ids(struct nat_svc_elem *e, uint8_t proto, uint32_t vip, uint16_t port,
		      uint32_t id, const char *comment)
{
	init(e, NAT_SVC_IDS, comment);
	put_port(put_addr(put_proto(e->key, proto), vip), port);
	e->klen = 12;
	put_u32(e->data, id);
	e->dlen = 4;
}

void nat_svc_elem_npids(struct nat_svc_elem *e, uint8_t proto, uint16_t node_port, uint32_t id,
			const char *comment)
{
	init(e, NAT_SVC_NPIDS, comment);
	put_port(put_proto(e->key, proto), node_port);
	e->klen = 8;
	put_u32(e->data, id);
	e->dlen = 4;
}

void nat_svc_elem_eps(struct nat_svc_elem *e, uint32_t id, uint32_t slot, uint32_t addr,
		      uint16_t port)
{
	init(e, NAT_SVC_EPS, NULL);
	put_u32(put_u32(e->key, id), slot);
	e->klen = 8;
	put_port(put_addr(e->data, addr), port);
	e->dlen = 8;
}

void nat_svc_elem_epset(struct nat_svc_elem *e, uint32_t id, uint32_t addr, uint16_t port)
{
	init(e, NAT_SVC_EPSET, NULL);
	put_port(put_addr(put_u32(e->key, id & ~0xfffu), addr), port);
	e->klen = 12;
}

void nat_svc_elem_noep(struct nat_svc_elem *e, uint8_t proto, uint32_t vip, uint16_t port,
		       const char *comment)
{
	init(e, NAT_SVC_NOEP, comment);
	put_port(put_addr(put_proto(e->key, proto), vip), port);
	e->klen = 12;
}

void nat_svc_elem_npnoep(struct nat_svc_elem *e, uint8_t proto, uint16_t node_port,
			 const char *comment)
{
	init(e, NAT_SVC_NPNOEP, comment);
	put_port(put_proto(e->key, proto), node_port);
	e->klen = 8;
}

void nat_svc_elem_hairpin(struct nat_svc_elem *e, uint32_t addr)
{
	init(e, NAT_SVC_HAIRPIN, NULL);
	put_addr(put_addr(e->key, addr), addr);
	e->klen = 8;
}

int nat_svc_elem_cmp(const struct nat_svc_elem *a, const struct nat_svc_elem *b)
{
	if (a->set != b->set)
		return a->set < b->set ? -1 : 1;
	if (a->klen != b->klen)
		return a->klen < b->klen ? -1 : 1;
	return memcmp(a->key, b->key, a->klen);
}

int nat_svc_elemv_push(struct nat_svc_elemv *v, const struct nat_svc_elem *e)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct nat_svc_elem *nv = realloc(v->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = *e;
	return 0;
}

void nat_svc_elemv_free(struct nat_svc_elemv *v)
{
	free(v->v);
	*v = (struct nat_svc_elemv){0};
}

void nat_svc_batch_free(struct nat_svc_batch *b)
{
	nat_svc_elemv_free(&b->del);
	nat_svc_elemv_free(&b->add);
	b->nclass_add = b->nclass_del = 0;
}
