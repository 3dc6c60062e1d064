// SPDX-License-Identifier: MIT
/* netctl option parsing: small, table-driven, testable without root. */
#include "netctl/netctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int netctl_usage_err(const struct netctl *ctx, struct plumb_err *err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return plumb_err_set(err, EINVAL, "netctl %s%s%s: %s", ctx->verb ? ctx->verb : "",
			     ctx->sub ? " " : "", ctx->sub ? ctx->sub : "", msg);
}

/* Does arg name this option ("--json|-j" matches "--json" and "-j")? */
static bool opt_matches(const char *spec, const char *arg)
{
	size_t n = strlen(arg);

	while (*spec) {
		const char *bar = strchr(spec, '|');
		size_t len = bar ? (size_t)(bar - spec) : strlen(spec);

		if (len == n && !strncmp(spec, arg, n))
			return true;
		if (!bar)
			break;
		spec = bar + 1;
	}
	return false;
}

static int opt_long_name(const char *spec, char *buf, size_t len)
{
	const char *bar = strchr(spec, '|');

	return snprintf(buf, len, "%.*s", bar ? (int)(bar - spec) : (int)strlen(spec), spec);
}

static int set_value(const struct netctl *ctx, const struct netctl_opt *o, const char *val,
		     struct plumb_err *err)
{
	char name[64];
	char *end;
	unsigned long long v;

	opt_long_name(o->name, name, sizeof(name));
	switch (o->kind) {
	case OPT_STR:
		*(const char **)o->out = val;
		return 0;
	case OPT_MULTI: {
		struct netctl_strv *sv = o->out;

		if (sv->n >= sizeof(sv->v) / sizeof(sv->v[0]))
			return netctl_usage_err(ctx, err, "too many '%s' options", name);
		sv->v[sv->n++] = val;
		return 0;
	}
	case OPT_UINT:
		errno = 0;
		v = strtoull(val, &end, 10);
		if (!*val || *end || errno || val[0] == '-')
			return netctl_usage_err(ctx, err, "option '%s' needs a number, got '%s'",
						name, val);
		if (o->max && v > o->max)
			return netctl_usage_err(ctx, err, "option '%s' is %s, more than %llu",
						name, val, (unsigned long long)o->max);
		*(uint64_t *)o->out = v;
		return 0;
	case OPT_FLAG:
		break;
	}
	return 0;
}

int netctl_parse(const struct netctl *ctx, int argc, char **argv, const struct netctl_opt *opts,
		 size_t nopts, char **pos, size_t min_pos, size_t max_pos, size_t *npos,
		 struct plumb_err *err)
{
	bool only_positional = false;
	size_t n = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const struct netctl_opt *o = NULL;
		const char *val = NULL, *eq;
		char key[64];

		if (only_positional || a[0] != '-' || !a[1]) {
			if (n >= max_pos)
				return netctl_usage_err(ctx, err, "unexpected argument '%s'", a);
			pos[n++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			only_positional = true;
			continue;
		}
		/* --name=value */
		eq = strchr(a, '=');
		snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
		for (size_t k = 0; k < nopts && !o; k++)
			if (opt_matches(opts[k].name, key))
				o = &opts[k];
		if (!o)
			return netctl_usage_err(ctx, err, "unknown option '%s'", key);
		if (o->seen)
			*o->seen = true;
		if (o->kind == OPT_FLAG) {
			if (eq)
				return netctl_usage_err(ctx, err, "option '%s' takes no value", key);
			*(bool *)o->out = true;
			continue;
		}
		if (eq) {
			val = eq + 1;
		} else {
			if (i + 1 >= argc)
				return netctl_usage_err(ctx, err, "option '%s' needs a value", key);
			val = argv[++i];
		}
		if (set_value(ctx, o, val, err) < 0)
			return -EINVAL;
	}
	if (n < min_pos)
		return netctl_usage_err(ctx, err, "missing argument (see 'netctl %s help')",
					ctx->verb ? ctx->verb : "");
	*npos = n;
	return 0;
}
