// SPDX-License-Identifier: MIT
#include "common/json.h"

#include <errno.h>

static json_t *field(json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_null(v) ? NULL : v;
}

static int missing(const char *key, const char *ctx, bool required, struct plumb_err *err)
{
	if (!required)
		return 0;
	return plumb_err_set(err, EINVAL, "missing field '%s%s%s'", ctx ? ctx : "", ctx ? "." : "",
			     key);
}

static int wrong(const char *key, const char *ctx, const char *what, struct plumb_err *err)
{
	return plumb_err_set(err, EINVAL, "field '%s%s%s' must be %s", ctx ? ctx : "",
			     ctx ? "." : "", key, what);
}

int pjson_string(json_t *obj, const char *key, const char *ctx, bool required, const char **out,
		 struct plumb_err *err)
{
	json_t *v = field(obj, key);

	if (!v)
		return missing(key, ctx, required, err);
	if (!json_is_string(v))
		return wrong(key, ctx, "a string", err);
	*out = json_string_value(v);
	return 0;
}

int pjson_bool(json_t *obj, const char *key, const char *ctx, bool required, bool *out,
	       struct plumb_err *err)
{
	json_t *v = field(obj, key);

	if (!v)
		return missing(key, ctx, required, err);
	if (!json_is_boolean(v))
		return wrong(key, ctx, "true or false", err);
	*out = json_is_true(v);
	return 0;
}

int pjson_int(json_t *obj, const char *key, const char *ctx, bool required, int64_t min,
	      int64_t max, int64_t *out, struct plumb_err *err)
{
	json_t *v = field(obj, key);
	json_int_t i;

	if (!v)
		return missing(key, ctx, required, err);
	if (!json_is_integer(v))
		return wrong(key, ctx, "an integer", err);
	i = json_integer_value(v);
	if (i < min || i > max)
		return plumb_err_set(err, EINVAL, "field '%s%s%s' is %lld, not within %lld..%lld",
				     ctx ? ctx : "", ctx ? "." : "", key, (long long)i,
				     (long long)min, (long long)max);
	*out = i;
	return 0;
}

int pjson_object(json_t *obj, const char *key, const char *ctx, bool required, json_t **out,
		 struct plumb_err *err)
{
	json_t *v = field(obj, key);

	if (!v)
		return missing(key, ctx, required, err);
	if (!json_is_object(v))
		return wrong(key, ctx, "an object", err);
	*out = v;
	return 0;
}

int pjson_array(json_t *obj, const char *key, const char *ctx, bool required, json_t **out,
		struct plumb_err *err)
{
	json_t *v = field(obj, key);

	if (!v)
		return missing(key, ctx, required, err);
	if (!json_is_array(v))
		return wrong(key, ctx, "an array", err);
	*out = v;
	return 0;
}

char *pjson_dumps(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}
