/* SPDX-License-Identifier: MIT */
/* cni-plugins/lib/internal.h — shared between the files of the CNI core only. */
#ifndef PLUMB_CNI_INTERNAL_H
#define PLUMB_CNI_INTERNAL_H

#include "cni-plugins/lib/cni.h"
#include "common/json.h"

/* A "dns" object: results name the lists nameservers/search, runtimeConfig
 * servers/searches. */
int cni_dns_decode(json_t *o, const char *ctx, bool runtime, struct cni_dns *d,
		   struct plumb_err *err);
/* A result object (prevResult or a delegate's answer); ctx names it in errors. */
int cni_result_decode_json(json_t *o, const char *ctx, struct cni_result *res,
			   struct plumb_err *err);

/* Append a requested address ("10.1.2.3/24" or bare) to rt->ips. */
int cni_runtime_add_ip(struct cni_runtime *rt, const char *s, const char *ctx,
		       struct plumb_err *err);

#endif
