/* SPDX-License-Identifier: MIT */
/* nat/service-internal.h — shared by nat/service*.c only. */
#ifndef PLUMB_NAT_SERVICE_INTERNAL_H
#define PLUMB_NAT_SERVICE_INTERNAL_H

#include "nat/internal.h"
#include "nat/service.h"

#include <stdio.h>

/* The Service layer's marker: the last chain its bootstrap creates. */
#define NAT_SVC_MARKER "svc-postrouting"

struct nat_svc {
	struct nat_sock sock;
};

/* The static layout's messages (nat_layer_ensure's build; tests parse them). */
int nat_svc_layout_build(struct nat_batch *b, void *arg);

/* Make the static layout unless the marker chain exists: 1 made, 0 there. */
int nat_svc_layout_ensure(struct nat_sock *s, struct plumb_err *err);

/* Chain of an affinity class: "svc-aff-<timeout>". */
static inline void nat_svc_class_chain(uint32_t timeout, char *buf, size_t len)
{
	snprintf(buf, len, "svc-aff-%u", timeout);
}

/* The messages of one batch, appended to b (used by commit and by tests). */
int nat_svc_batch_build(const struct nat_svc_batch *sb, struct nat_batch *b);

/* The two `update @svc-aff` rules of a class chain, appended to b. */
int nat_svc_class_rules(struct nat_batch *b, const struct nat_svc_class *c);

#endif
