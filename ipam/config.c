// SPDX-License-Identifier: MIT
/* ipam/config.c — CNI network config JSON into struct ipam_config. */
#include "ipam/config.h"

#include "common/json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int get_ip(json_t *obj, const char *key, const char *ctx, struct plumb_ip *out,
		  struct plumb_err *err)
{
	const char *s = NULL;
	int r = pjson_string(obj, key, ctx, false, &s, err);

	if (r < 0 || !s)
		return r;
	if (plumb_ip_parse(s, out) < 0)
		return plumb_err_set(err, EINVAL, "%s.%s: invalid IP address '%s'", ctx, key, s);
	return 0;
}

static int get_cidr(json_t *obj, const char *key, const char *ctx, bool required,
		    struct plumb_cidr *out, struct plumb_err *err)
{
	const char *s = NULL;
	int r = pjson_string(obj, key, ctx, required, &s, err);

	if (r < 0 || !s)
		return r;
	if (plumb_cidr_parse(s, false, out) < 0)
		return plumb_err_set(err, EINVAL, "%s.%s: invalid CIDR '%s'", ctx, key, s);
	return 0;
}

static int parse_range(json_t *o, const char *ctx, struct ipam_range *r, struct plumb_err *err)
{
	int rc;

	if (!json_is_object(o))
		return plumb_err_set(err, EINVAL, "%s: must be an object", ctx);
	*r = (struct ipam_range){0};
	if ((rc = get_cidr(o, "subnet", ctx, true, &r->subnet, err)) < 0 ||
	    (rc = get_ip(o, "rangeStart", ctx, &r->start, err)) < 0 ||
	    (rc = get_ip(o, "rangeEnd", ctx, &r->end, err)) < 0 ||
	    (rc = get_ip(o, "gateway", ctx, &r->gateway, err)) < 0)
		return rc;
	return 0;
}

static int add_rangeset(struct ipam_config *cfg, struct plumb_err *err)
{
	if (cfg->n_rangesets >= IPAM_MAX_RANGESETS)
		return plumb_err_set(err, E2BIG, "ipam: more than %d range sets", IPAM_MAX_RANGESETS);
	cfg->rangesets[cfg->n_rangesets++] = (struct ipam_rangeset){0};
	return 0;
}

/* An array of range sets, each an array of ranges. */
static int parse_rangesets(json_t *arr, const char *ctx, struct ipam_config *cfg,
			   struct plumb_err *err)
{
	char where[96];
	size_t i, j;
	json_t *set, *o;
	int r;

	json_array_foreach(arr, i, set) {
		snprintf(where, sizeof(where), "%s[%zu]", ctx, i);
		if (!json_is_array(set))
			return plumb_err_set(err, EINVAL, "%s: must be an array of ranges", where);
		if ((r = add_rangeset(cfg, err)) < 0)
			return r;
		struct ipam_rangeset *rs = &cfg->rangesets[cfg->n_rangesets - 1];

		json_array_foreach(set, j, o) {
			if (rs->n >= IPAM_MAX_RANGES)
				return plumb_err_set(err, E2BIG, "%s: more than %d ranges", where,
						     IPAM_MAX_RANGES);
			snprintf(where, sizeof(where), "%s[%zu][%zu]", ctx, i, j);
			if ((r = parse_range(o, where, &rs->r[rs->n++], err)) < 0)
				return r;
		}
	}
	return 0;
}

static int parse_routes(json_t *arr, struct ipam_config *cfg, struct plumb_err *err)
{
	char where[48];
	size_t i;
	json_t *o;
	int r;

	json_array_foreach(arr, i, o) {
		snprintf(where, sizeof(where), "ipam.routes[%zu]", i);
		if (!json_is_object(o))
			return plumb_err_set(err, EINVAL, "%s: must be an object", where);
		if (cfg->n_routes >= IPAM_MAX_ROUTES)
			return plumb_err_set(err, E2BIG, "ipam.routes: more than %d", IPAM_MAX_ROUTES);
		struct ipam_route *rt = &cfg->routes[cfg->n_routes++];

		*rt = (struct ipam_route){0};
		if ((r = get_cidr(o, "dst", where, true, &rt->dst, err)) < 0 ||
		    (r = get_ip(o, "gw", where, &rt->gw, err)) < 0)
			return r;
	}
	return 0;
}

/* "10.0.0.5" or "10.0.0.5/24" (the address part is what counts). */
static int add_requested(struct ipam_config *cfg, const char *s, const char *ctx,
			 struct plumb_err *err)
{
	struct plumb_cidr c;

	if (plumb_cidr_parse(s, true, &c) < 0)
		return plumb_err_set(err, EINVAL, "%s: invalid IP address '%s'", ctx, s);
	if (cfg->n_requested >= IPAM_MAX_REQUESTED)
		return plumb_err_set(err, E2BIG, "%s: more than %d requested addresses", ctx,
				     IPAM_MAX_REQUESTED);
	cfg->requested[cfg->n_requested++] = c.ip;
	return 0;
}

static int parse_ip_list(json_t *arr, const char *ctx, struct ipam_config *cfg,
			 struct plumb_err *err)
{
	size_t i;
	json_t *v;
	int r;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return plumb_err_set(err, EINVAL, "%s: must be an array of addresses", ctx);
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return plumb_err_set(err, EINVAL, "%s[%zu]: must be a string", ctx, i);
		if ((r = add_requested(cfg, json_string_value(v), ctx, err)) < 0)
			return r;
	}
	return 0;
}

/* CNI_ARGS "K=V;K=V": IP= holds one address (or a comma-separated list);
 * other keys belong to other plugins and are ignored. */
static int parse_cni_args(const char *args, struct ipam_config *cfg, struct plumb_err *err)
{
	char buf[4096], *save = NULL;

	if (!args || !args[0])
		return 0;
	snprintf(buf, sizeof(buf), "%s", args);
	for (char *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
		char *save2 = NULL;

		if (strncmp(kv, "IP=", 3))
			continue;
		for (char *ip = strtok_r(kv + 3, ",", &save2); ip; ip = strtok_r(NULL, ",", &save2)) {
			int r = add_requested(cfg, ip, "CNI_ARGS IP", err);

			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int copy_str(json_t *o, const char *key, const char *ctx, char *dst, size_t len,
		    struct plumb_err *err)
{
	const char *s = NULL;
	int r = pjson_string(o, key, ctx, false, &s, err);

	if (r < 0 || !s)
		return r;
	if (strlen(s) >= len)
		return plumb_err_set(err, ENAMETOOLONG, "%s.%s: too long", ctx, key);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

int ipam_config_from_json(json_t *netconf, const char *cni_args, struct ipam_config *out,
			  struct plumb_err *err)
{
	json_t *ipam = NULL, *rc = NULL, *args = NULL, *arr = NULL;
	const char *name = NULL;
	int r;

	*out = (struct ipam_config){0};
	if (!json_is_object(netconf))
		return plumb_err_set(err, EINVAL, "network config must be a JSON object");
	if ((r = pjson_string(netconf, "name", NULL, true, &name, err)) < 0 ||
	    (r = pjson_object(netconf, "ipam", NULL, true, &ipam, err)) < 0 ||
	    (r = pjson_object(netconf, "runtimeConfig", NULL, false, &rc, err)) < 0 ||
	    (r = pjson_object(netconf, "args", NULL, false, &args, err)) < 0)
		return r;
	if (strlen(name) >= sizeof(out->network))
		return plumb_err_set(err, ENAMETOOLONG, "field 'name': too long");
	memcpy(out->network, name, strlen(name) + 1);
	if ((r = copy_str(ipam, "dataDir", "ipam", out->data_dir, sizeof(out->data_dir), err)) < 0 ||
	    (r = copy_str(ipam, "resolvConf", "ipam", out->resolv_conf, sizeof(out->resolv_conf), err)) < 0)
		return r;
	/* Range sets in host-local's order: runtime ipRanges, the old single
	 * range at ipam level, then ipam.ranges. */
	if ((r = pjson_array(rc, "ipRanges", "runtimeConfig", false, &arr, err)) < 0 ||
	    (arr && (r = parse_rangesets(arr, "runtimeConfig.ipRanges", out, err)) < 0))
		return r;
	if (json_object_get(ipam, "subnet")) {
		if ((r = add_rangeset(out, err)) < 0)
			return r;
		out->rangesets[out->n_rangesets - 1].n = 1;
		if ((r = parse_range(ipam, "ipam", &out->rangesets[out->n_rangesets - 1].r[0], err)) < 0)
			return r;
	}
	arr = NULL;
	if ((r = pjson_array(ipam, "ranges", "ipam", false, &arr, err)) < 0 ||
	    (arr && (r = parse_rangesets(arr, "ipam.ranges", out, err)) < 0))
		return r;
	arr = NULL;
	if ((r = pjson_array(ipam, "routes", "ipam", false, &arr, err)) < 0 ||
	    (arr && (r = parse_routes(arr, out, err)) < 0))
		return r;
	if ((r = parse_cni_args(cni_args, out, err)) < 0 ||
	    (r = parse_ip_list(json_object_get(json_object_get(args, "cni"), "ips"), "args.cni.ips",
			       out, err)) < 0 ||
	    (r = parse_ip_list(json_object_get(rc, "ips"), "runtimeConfig.ips", out, err)) < 0)
		return r;
	return ipam_config_finish(out, err);
}

int ipam_config_parse(const char *text, size_t len, const char *cni_args,
		      struct ipam_config *out, struct plumb_err *err)
{
	json_error_t jerr;
	_cleanup_json_ json_t *root = json_loadb(text, len, 0, &jerr);

	if (!root)
		return plumb_err_set(err, EINVAL, "network config: invalid JSON at line %d: %s",
				     jerr.line, jerr.text);
	return ipam_config_from_json(root, cni_args, out, err);
}
