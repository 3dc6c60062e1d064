// SPDX-License-Identifier: MIT
/* netctl dns add|del|list|network|start — talk to plumb-dns over its control
 * socket (PLUMB_DNS_SOCK or --socket), starting it when it is not running. */
#include "netctl/netctl.h"

#include "common/cleanup.h"
#include "common/cidr.h"
#include "dns/ctl-json.h"
#include "dns/dns.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *sock_path(const char *opt)
{
	const char *env = getenv("PLUMB_DNS_SOCK");

	return opt ? opt : env && *env ? env : DNS_CTL_SOCK_DEFAULT;
}

static int ensure(const char *sock, char *const *extra, struct plumb_err *err)
{
	char bin[PATH_MAX + 16];
	_cleanup_free_ char *lock = NULL;

	if (asprintf(&lock, "%s.lock", sock) < 0)
		return plumb_err_set(err, ENOMEM, "out of memory");
	return dns_daemon_ensure(dns_daemon_find(getenv("PLUMB_DNS_BIN"), bin, sizeof(bin)), sock, lock, extra, err);
}

static json_t *strv_json(const struct netctl_strv *v)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(v->v[i]));
	return a;
}

static int dns_add(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	struct netctl_strv ips = {0}, aliases = {0};
	const char *netns = NULL, *id = NULL, *sock = NULL;
	char *pos[2], nspath[PATH_MAX];
	_cleanup_json_ json_t *req = NULL;
	const struct netctl_opt opts[] = {
		{"--ip", OPT_MULTI, &ips},	 {"--alias", OPT_MULTI, &aliases},
		{"--netns", OPT_STR, &netns}, {"--id", OPT_STR, &id},
		{"--socket", OPT_STR, &sock},
	};
	size_t n;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), pos, 2, 2, &n, err);
	if (r < 0)
		return r;
	if (!ips.n)
		return netctl_usage_err(ctx, err, "at least one --ip is needed");
	for (size_t i = 0; i < ips.n; i++) {
		struct plumb_ip ip;

		if (plumb_ip_parse(ips.v[i], &ip) < 0)
			return netctl_usage_err(ctx, err, "'%s' is not an IP address", ips.v[i]);
	}
	req = json_pack("{s:s, s:s, s:s, s:s}", "cmd", "register", "network", pos[0], "name",
			pos[1], "id", id ? id : pos[1]);
	json_object_set_new(req, "addresses", strv_json(&ips));
	json_object_set_new(req, "aliases", strv_json(&aliases));
	if (netns) {
		snprintf(nspath, sizeof(nspath), strchr(netns, '/') ? "%s" : "/run/netns/%s", netns);
		json_object_set_new(req, "netns", json_string(nspath));
	}
	sock = sock_path(sock);
	if ((r = ensure(sock, NULL, err)) < 0)
		return r;
	return dns_ctl_call(sock, req, NULL, err);
}

static int dns_del(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	const char *sock = NULL;
	char *pos[2];
	const struct netctl_opt opts[] = {{"--socket", OPT_STR, &sock}};
	_cleanup_json_ json_t *req = NULL;
	size_t n;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), pos, 2, 2, &n, err);
	if (r < 0)
		return r;
	req = json_pack("{s:s, s:s, s:s}", "cmd", "unregister", "network", pos[0], "id", pos[1]);
	return dns_ctl_call(sock_path(sock), req, NULL, err);
}

static int dns_network(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	struct netctl_strv listen = {0}, subnets = {0};
	const char *domain = NULL, *sock = NULL;
	char *pos[1];
	const struct netctl_opt opts[] = {
		{"--domain", OPT_STR, &domain},
		{"--listen", OPT_MULTI, &listen},
		{"--subnet", OPT_MULTI, &subnets},
		{"--socket", OPT_STR, &sock},
	};
	_cleanup_json_ json_t *req = NULL;
	size_t n;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), pos, 1, 1, &n, err);
	if (r < 0)
		return r;
	req = json_pack("{s:s, s:s}", "cmd", "network", "network", pos[0]);
	if (domain)
		json_object_set_new(req, "domain", json_string(domain));
	json_object_set_new(req, "listen", strv_json(&listen));
	json_object_set_new(req, "subnets", strv_json(&subnets));
	sock = sock_path(sock);
	if ((r = ensure(sock, NULL, err)) < 0)
		return r;
	return dns_ctl_call(sock, req, NULL, err);
}

static void list_text(FILE *f, json_t *rep)
{
	json_t *entries = json_object_get(rep, "entries"), *e, *v;
	size_t i, j;

	fprintf(f, "%-12s %-20s %-16s %-24s %s\n", "NETWORK", "NAME", "ID", "ADDRESSES",
		"ALIASES");
	json_array_foreach(entries, i, e) {
		char addrs[256] = "", aliases[256] = "";

		json_array_foreach(json_object_get(e, "addresses"), j, v)
			snprintf(addrs + strlen(addrs), sizeof(addrs) - strlen(addrs), "%s%s",
				 j ? "," : "", json_string_value(v));
		json_array_foreach(json_object_get(e, "aliases"), j, v)
			snprintf(aliases + strlen(aliases), sizeof(aliases) - strlen(aliases),
				 "%s%s", j ? "," : "", json_string_value(v));
		fprintf(f, "%-12s %-20s %-16.16s %-24s %s\n",
			json_string_value(json_object_get(e, "network")),
			json_string_value(json_object_get(e, "name")) ?: "-",
			json_string_value(json_object_get(e, "id")), addrs,
			aliases[0] ? aliases : "-");
	}
}

static int dns_list(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	const char *sock = NULL;
	const struct netctl_opt opts[] = {{"--socket", OPT_STR, &sock}};
	_cleanup_json_ json_t *req = json_pack("{s:s}", "cmd", "list");
	json_t *rep = NULL;
	size_t n;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), NULL, 0, 0, &n, err);
	if (r < 0)
		return r;
	r = dns_ctl_call(sock_path(sock), req, &rep, err);
	if (r < 0)
		return r;
	json_object_del(rep, "ok");
	netctl_output(ctx, rep, list_text);
	return 0;
}

static int dns_start(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	const char *sock = NULL, *state = NULL;
	struct netctl_strv listen = {0}, upstream = {0};
	const struct netctl_opt opts[] = {
		{"--socket", OPT_STR, &sock},
		{"--state", OPT_STR, &state},
		{"--listen", OPT_MULTI, &listen},
		{"--upstream", OPT_MULTI, &upstream},
	};
	char *extra[2 * (ARRAY_SIZE(listen.v) + ARRAY_SIZE(upstream.v)) + 3];
	size_t n, k = 0;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), NULL, 0, 0, &n, err);
	if (r < 0)
		return r;
	if (state) {
		extra[k++] = "--state";
		extra[k++] = (char *)state;
	}
	for (size_t i = 0; i < listen.n; i++) {
		extra[k++] = "--listen";
		extra[k++] = (char *)listen.v[i];
	}
	for (size_t i = 0; i < upstream.n; i++) {
		extra[k++] = "--upstream";
		extra[k++] = (char *)upstream.v[i];
	}
	extra[k] = NULL;
	r = ensure(sock_path(sock), extra, err);
	if (r < 0)
		return r;
	if (!ctx->json)
		fprintf(ctx->out, "%s\n", r ? "plumb-dns started" : "plumb-dns already running");
	return 0;
}

static const struct netctl_cmd dns_cmds[] = {
	{"add", dns_add, "NETWORK NAME --ip ADDR... [--alias NAME]... [--netns NS] [--id ID]",
	 "register a container's name (starts plumb-dns if needed)"},
	{"del", dns_del, "NETWORK ID", "unregister a container"},
	{"list", dns_list, "", "registered names and listeners"},
	{"network", dns_network, "NETWORK [--domain D] [--listen GW]... [--subnet CIDR]...",
	 "a network's DNS domain and gateway listeners"},
	{"start", dns_start, "[--state FILE] [--listen ADDR]... [--upstream ADDR]...",
	 "start plumb-dns unless it runs"},
};

int netctl_dns(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return netctl_dispatch(ctx, "dns", dns_cmds, ARRAY_SIZE(dns_cmds), argc, argv, err);
}
