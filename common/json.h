/* SPDX-License-Identifier: MIT */
/*
 * common/json.h — jansson helpers for the edges (programs and config readers):
 * typed field access whose errors name the field. Modules never include this.
 */
#ifndef PLUMB_COMMON_JSON_H
#define PLUMB_COMMON_JSON_H

#include "common/cleanup.h"
#include "common/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* jansson ships json_decrefp (NULL-safe) for exactly this. */
#define _cleanup_json_ _cleanup_(json_decrefp)

/* Each getter: a missing key (or JSON null) leaves *out untouched and returns 0
 * unless required (then -EINVAL "missing field '<ctx>.<key>'"); a value of the
 * wrong type is -EINVAL "field '<ctx>.<key>' must be a string". `ctx` names the
 * enclosing object for the message ("ipam", "ranges[0][1]"); may be NULL. */
int pjson_string(json_t *obj, const char *key, const char *ctx, bool required, const char **out,
		 struct plumb_err *err);
int pjson_bool(json_t *obj, const char *key, const char *ctx, bool required, bool *out,
	       struct plumb_err *err);
int pjson_int(json_t *obj, const char *key, const char *ctx, bool required, int64_t min,
	      int64_t max, int64_t *out, struct plumb_err *err);
/* Object or array fields: *out is a borrowed reference. */
int pjson_object(json_t *obj, const char *key, const char *ctx, bool required, json_t **out,
		 struct plumb_err *err);
int pjson_array(json_t *obj, const char *key, const char *ctx, bool required, json_t **out,
		struct plumb_err *err);

/* Dump to a malloc'd compact string; NULL on OOM. */
char *pjson_dumps(const json_t *v);

#endif
