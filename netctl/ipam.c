// SPDX-License-Identifier: MIT
/* netctl ipam list|alloc|release|gc — a network's pod address reservations,
 * in host-local's on-disk format (<data-dir>/<network>/). */
#include "netctl/netctl.h"

#include "common/cleanup.h"
#include "common/file.h"
#include "ipam/config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ipam_opts {
	const char *network, *data_dir, *id, *ifname, *config, *valid_file;
	struct netctl_strv subnets, ips, valid;
};

static int need(const struct netctl *ctx, const char *v, const char *opt, struct plumb_err *err)
{
	return v ? 0 : netctl_usage_err(ctx, err, "option '%s' is required", opt);
}

static void lease_text(FILE *f, json_t *result)
{
	size_t i;
	json_t *v;

	json_array_foreach(result, i, v)
		fprintf(f, "%-40s %s %s\n", json_string_value(json_object_get(v, "ip")),
			json_string_value(json_object_get(v, "id")),
			json_string_value(json_object_get(v, "ifname")));
}

static int ipam_list(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	struct ipam_opts o = {0};
	const struct netctl_opt opts[] = {
		{"--network", OPT_STR, &o.network},
		{"--data-dir", OPT_STR, &o.data_dir},
	};
	_cleanup_free_ struct ipam_lease *l = NULL;
	size_t n, npos;
	json_t *res;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), NULL, 0, 0, &npos, err);
	if (r < 0 || (r = need(ctx, o.network, "--network", err)) < 0)
		return r;
	r = ipam_lease_list(o.data_dir, o.network, &l, &n, err);
	if (r < 0)
		return r;
	res = json_array();
	for (size_t i = 0; i < n; i++) {
		char ip[PLUMB_IP_STRLEN];

		json_array_append_new(res, json_pack("{s:s,s:s,s:s}", "ip",
						     plumb_ip_str(&l[i].ip, ip, sizeof(ip)), "id",
						     l[i].id, "ifname", l[i].ifname));
	}
	netctl_output(ctx, res, lease_text);
	return 0;
}

/* The network config: a CNI config file (--config), or ranges from --subnet
 * (each its own range set) under --network. */
static int load_config(const struct netctl *ctx, const struct ipam_opts *o,
		       struct ipam_config *cfg, struct plumb_err *err)
{
	int r;

	if (o->config) {
		_cleanup_free_ char *text = NULL;
		long len = plumb_file_read(o->config, 1 << 20, &text, err);

		if (len < 0)
			return len;
		r = ipam_config_parse(text, (size_t)len, NULL, cfg, err);
		if (r < 0)
			return plumb_err_wrap(err, r, "%s", o->config);
	} else {
		*cfg = (struct ipam_config){0};
		if ((r = need(ctx, o->network, "--network (or --config)", err)) < 0)
			return r;
		if (!o->subnets.n)
			return netctl_usage_err(ctx, err, "give --subnet CIDR or --config FILE");
		snprintf(cfg->network, sizeof(cfg->network), "%s", o->network);
		for (size_t i = 0; i < o->subnets.n && i < IPAM_MAX_RANGESETS; i++) {
			cfg->rangesets[i].n = 1;
			if (plumb_cidr_parse(o->subnets.v[i], false, &cfg->rangesets[i].r[0].subnet) < 0)
				return netctl_usage_err(ctx, err, "invalid --subnet '%s'", o->subnets.v[i]);
			cfg->n_rangesets++;
		}
	}
	if (o->data_dir)
		snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", o->data_dir);
	if (o->network && o->config)
		snprintf(cfg->network, sizeof(cfg->network), "%s", o->network);
	for (size_t i = 0; i < o->ips.n; i++) {
		if (cfg->n_requested >= IPAM_MAX_REQUESTED ||
		    plumb_ip_parse(o->ips.v[i], &cfg->requested[cfg->n_requested]) < 0)
			return netctl_usage_err(ctx, err, "invalid --ip '%s'", o->ips.v[i]);
		cfg->n_requested++;
	}
	return ipam_config_finish(cfg, err);
}

static void alloc_text(FILE *f, json_t *result)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(result, "ips"), i, v)
		fprintf(f, "%s gateway %s\n", json_string_value(json_object_get(v, "address")),
			json_string_value(json_object_get(v, "gateway")));
}

static int ipam_alloc(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	struct ipam_opts o = {0};
	const struct netctl_opt opts[] = {
		{"--network", OPT_STR, &o.network},   {"--data-dir", OPT_STR, &o.data_dir},
		{"--config", OPT_STR, &o.config},     {"--subnet", OPT_MULTI, &o.subnets},
		{"--id", OPT_STR, &o.id},	      {"--ifname", OPT_STR, &o.ifname},
		{"--ip", OPT_MULTI, &o.ips},
	};
	static struct ipam_config cfg;
	static struct ipam_result res;
	size_t npos;
	json_t *ips;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), NULL, 0, 0, &npos, err);
	if (r < 0 || (r = need(ctx, o.id, "--id", err)) < 0 ||
	    (r = load_config(ctx, &o, &cfg, err)) < 0)
		return r;
	r = ipam_lease_acquire(&cfg, o.id, o.ifname ? o.ifname : "eth0", &res, err);
	if (r < 0)
		return r;
	ips = json_array();
	for (size_t i = 0; i < res.n_addrs; i++) {
		char a[PLUMB_CIDR_STRLEN], g[PLUMB_IP_STRLEN];

		json_array_append_new(ips, json_pack("{s:s,s:s}", "address",
						     plumb_cidr_str(&res.addrs[i].addr, a, sizeof(a)),
						     "gateway",
						     plumb_ip_str(&res.addrs[i].gateway, g, sizeof(g))));
	}
	netctl_output(ctx, json_pack("{s:o}", "ips", ips), alloc_text);
	return 0;
}

static int ipam_release(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	struct ipam_opts o = {0};
	const struct netctl_opt opts[] = {
		{"--network", OPT_STR, &o.network}, {"--data-dir", OPT_STR, &o.data_dir},
		{"--id", OPT_STR, &o.id},	    {"--ifname", OPT_STR, &o.ifname},
	};
	struct ipam_config cfg = {0};
	size_t npos;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), NULL, 0, 0, &npos, err);
	if (r < 0 || (r = need(ctx, o.network, "--network", err)) < 0 ||
	    (r = need(ctx, o.id, "--id", err)) < 0)
		return r;
	snprintf(cfg.network, sizeof(cfg.network), "%s", o.network);
	if (o.data_dir)
		snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", o.data_dir);
	return ipam_lease_release(&cfg, o.id, o.ifname ? o.ifname : "eth0", err);
}

/* "ID/IFNAME" (or "ID IFNAME" lines in a file) into an attachment. */
static int split_attachment(const struct netctl *ctx, char *s, struct ipam_attachment *a,
			    struct plumb_err *err)
{
	char *sep = strpbrk(s, "/ \t");

	if (!sep || sep == s || !sep[1])
		return netctl_usage_err(ctx, err, "valid attachment '%s' must be ID/IFNAME", s);
	*sep = '\0';
	a->id = s;
	a->ifname = sep + 1;
	return 0;
}

static int ipam_gc(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	struct ipam_opts o = {0};
	const struct netctl_opt opts[] = {
		{"--network", OPT_STR, &o.network},
		{"--data-dir", OPT_STR, &o.data_dir},
		{"--valid", OPT_MULTI, &o.valid},
		{"--valid-file", OPT_STR, &o.valid_file},
	};
	_cleanup_free_ struct ipam_attachment *v = NULL;
	_cleanup_free_ char *text = NULL;
	size_t npos, n = 0, cap = 1;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), NULL, 0, 0, &npos, err);
	if (r < 0 || (r = need(ctx, o.network, "--network", err)) < 0)
		return r;
	if (o.valid_file) {
		long len = plumb_file_read(o.valid_file, 16 << 20, &text, err);

		if (len < 0)
			return len;
		for (char *p = text; *p; p++)
			cap += *p == '\n';
	}
	cap += o.valid.n;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return plumb_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < o.valid.n; i++)
		if ((r = split_attachment(ctx, (char *)o.valid.v[i], &v[n++], err)) < 0)
			return r;
	for (char *save = NULL, *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (line[0] && line[0] != '#' &&
		    (r = split_attachment(ctx, line, &v[n++], err)) < 0)
			return r;
	r = ipam_lease_gc(o.data_dir, o.network, v, n, err);
	if (r < 0)
		return r;
	netctl_output(ctx, json_pack("{s:i}", "removed", r), NULL);
	if (!ctx->json)
		fprintf(ctx->out, "removed %d reservation%s\n", r, r == 1 ? "" : "s");
	return 0;
}

static const struct netctl_cmd ipam_cmds[] = {
	{"list", ipam_list, "--network N [--data-dir D]", "reservations of a network"},
	{"alloc", ipam_alloc,
	 "--id ID [--ifname IF] (--config FILE | --network N --subnet CIDR...) [--ip IP]... [--data-dir D]",
	 "reserve addresses as host-local ADD would"},
	{"release", ipam_release, "--network N --id ID [--ifname IF] [--data-dir D]",
	 "release an attachment's addresses"},
	{"gc", ipam_gc, "--network N [--valid ID/IF]... [--valid-file F] [--data-dir D]",
	 "remove every reservation not held by a valid attachment"},
};

int netctl_ipam(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return netctl_dispatch(ctx, "ipam", ipam_cmds, ARRAY_SIZE(ipam_cmds), argc, argv, err);
}
