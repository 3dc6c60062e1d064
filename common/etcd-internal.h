/* SPDX-License-Identifier: MIT */
/* common/etcd-internal.h — shared by common/etcd.c and common/etcd-watch.c. */
#ifndef PLUMB_COMMON_ETCD_INTERNAL_H
#define PLUMB_COMMON_ETCD_INTERNAL_H

#include "common/etcd.h"

#include <curl/curl.h>
#include <jansson.h>

struct etcd_client {
	struct etcd_config cfg;
	char *strings;	/* one block holding the copied endpoint/TLS strings */
	size_t cur;	/* the endpoint that answered last */
	CURL *easy;	/* kept so its connection is reused */
};

struct etcd_buf {
	char *p;
	size_t len, cap;
};

/* base64 (standard alphabet, padded) of len bytes; malloc'd, NUL-terminated. */
char *etcd_b64_encode(const void *data, size_t len);
/* Decode into a malloc'd NUL-terminated buffer; -EINVAL on bad input. */
int etcd_b64_decode(const char *s, char **out, size_t *len);
/* An int64 that the gateway may write as "123" or 123; 0 when absent. */
int64_t etcd_json_int(json_t *obj, const char *key);
/* Fill kv from a gateway mvccpb.KeyValue object. */
int etcd_kv_from_json(json_t *o, struct etcd_kv *kv);
void etcd_kv_clear(struct etcd_kv *kv);
/* Set the options every request shares: TLS files, connect timeout. */
void etcd_curl_common(struct etcd_client *c, CURL *h);
size_t etcd_buf_write(char *ptr, size_t size, size_t n, void *userdata);

#endif
