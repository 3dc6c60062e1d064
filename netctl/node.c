// SPDX-License-Identifier: MIT
/* netctl node cidr acquire|release|list|watch — per-node subnets cut from a
 * cluster CIDR, kept in a local file store or in etcd (--etcd). */
#include "netctl/netctl.h"

#include "common/cleanup.h"
#include "common/etcd.h"
#include "ipam/ipam.h"

#include <errno.h>
#include <signal.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_STATE_DIR "/var/lib/plumb"

struct node_opts {
	const char *node, *etcd, *state_dir, *cluster, *underlay, *ca, *cert, *key;
	struct netctl_strv cidrs;
	uint64_t mask, ttl, timeout, count;
	bool ttl_set;
	char etcd_buf[1024];
	struct etcd_config ec;
	struct ipam_node_pool pools[8];
	size_t n_pools;
};

#define NODE_OPTS(o)                                                                               \
	{"--node", OPT_STR, &(o).node}, {"--cluster-cidr", OPT_MULTI, &(o).cidrs},                 \
	{"--mask", OPT_UINT, &(o).mask, 128}, {"--etcd", OPT_STR, &(o).etcd},                      \
	{"--state-dir", OPT_STR, &(o).state_dir}, {"--cluster", OPT_STR, &(o).cluster},            \
	{"--ttl", OPT_UINT, &(o).ttl, 86400 * 365, &(o).ttl_set},                                  \
	{"--underlay", OPT_STR, &(o).underlay}, {"--cacert", OPT_STR, &(o).ca},                    \
	{"--cert", OPT_STR, &(o).cert}, {"--key", OPT_STR, &(o).key},                              \
	{"--timeout", OPT_UINT, &(o).timeout, 600000}

static int parse_opts(struct netctl *ctx, int argc, char **argv, struct node_opts *o,
		      const struct netctl_opt *extra, size_t n_extra, bool need_node,
		      struct plumb_err *err)
{
	struct netctl_opt opts[24] = {NODE_OPTS(*o)};
	size_t n = 12, npos;
	int r;

	for (size_t i = 0; i < n_extra; i++)
		opts[n++] = extra[i];
	r = netctl_parse(ctx, argc, argv, opts, n, NULL, 0, 0, &npos, err);
	if (r < 0)
		return r;
	if (need_node && !o->node)
		return netctl_usage_err(ctx, err, "option '--node' is required");
	if (!o->cidrs.n)
		return netctl_usage_err(ctx, err, "option '--cluster-cidr' is required");
	for (size_t i = 0; i < o->cidrs.n && i < ARRAY_SIZE(o->pools); i++) {
		struct ipam_node_pool *p = &o->pools[o->n_pools++];

		*p = (struct ipam_node_pool){.mask = (unsigned)o->mask};
		if (plumb_cidr_parse(o->cidrs.v[i], false, &p->cidr) < 0)
			return netctl_usage_err(ctx, err, "invalid --cluster-cidr '%s'", o->cidrs.v[i]);
		/* one --mask for a dual-stack pair would be wrong for one family */
		if (o->cidrs.n > 1 && p->mask && p->cidr.ip.family == AF_INET6 && p->mask <= 32)
			p->mask = 0;
		snprintf(p->cluster, sizeof(p->cluster), "%s", o->cluster ? o->cluster : "");
	}
	if (o->etcd) {
		snprintf(o->etcd_buf, sizeof(o->etcd_buf), "%s", o->etcd);
		r = etcd_config_endpoints(&o->ec, o->etcd_buf, err);
		if (r < 0)
			return netctl_usage_err(ctx, err, "--etcd: %s", plumb_err_msg(err, r));
		o->ec.ca = o->ca;
		o->ec.cert = o->cert;
		o->ec.key = o->key;
		o->ec.timeout_ms = (long)o->timeout;
		o->ec.connect_timeout_ms = o->timeout ? (long)o->timeout : 0;
	}
	return 0;
}

static int open_store(const struct node_opts *o, struct ipam_node_store **s,
		      struct plumb_err *err)
{
	if (o->etcd)
		return ipam_node_store_open_etcd(&o->ec, o->ttl_set ? (int64_t)o->ttl : 60, s, err);
	return ipam_node_store_open_file(o->state_dir ? o->state_dir : DEFAULT_STATE_DIR, s, err);
}

static json_t *subnet_json(const struct ipam_node_subnet *s)
{
	char c[PLUMB_CIDR_STRLEN];

	return json_pack("{s:s,s:s,s:s}", "subnet", plumb_cidr_str(&s->subnet, c, sizeof(c)),
			 "node", s->node, "underlay", s->underlay);
}

static void subnets_text(FILE *f, json_t *result)
{
	size_t i;
	json_t *v;

	json_array_foreach(result, i, v) {
		const char *u = json_string_value(json_object_get(v, "underlay"));

		fprintf(f, "%-24s %s%s%s\n", json_string_value(json_object_get(v, "subnet")),
			json_string_value(json_object_get(v, "node")), u && u[0] ? " " : "",
			u ? u : "");
	}
}

static int acquire_all(struct ipam_node_store *s, const struct node_opts *o, json_t *res,
		       struct plumb_err *err)
{
	int r = 0;

	for (size_t i = 0; i < o->n_pools && r == 0; i++) {
		struct ipam_node_subnet sub;

		r = ipam_node_cidr_acquire(s, &o->pools[i], o->node, o->underlay, &sub, err);
		if (r == 0 && res)
			json_array_append_new(res, subnet_json(&sub));
	}
	return r;
}

/* --hold: stay in the foreground renewing every TTL/3 until SIGINT or SIGTERM
 * (then the lease simply runs out, or --release-on-exit gives it back). The
 * signals are blocked and awaited with sigtimedwait: no handler, no global. */
static int hold(struct ipam_node_store *s, const struct node_opts *o, bool release_on_exit,
		struct plumb_err *err)
{
	int64_t ttl = o->ttl_set ? (int64_t)o->ttl : 60;
	struct timespec every = {.tv_sec = ttl / 3 > 0 ? ttl / 3 : 1};
	sigset_t set;
	int r = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		int sig = sigtimedwait(&set, NULL, &every);

		if (sig == SIGINT || sig == SIGTERM)
			break;
		r = acquire_all(s, o, NULL, err);
		if (r < 0) /* etcd may come back: say so and keep trying */
			fprintf(stderr, "netctl node cidr acquire --hold: %s\n", plumb_err_msg(err, r));
	}
	for (size_t i = 0; release_on_exit && i < o->n_pools; i++)
		r = ipam_node_cidr_release(s, &o->pools[i], o->node, err);
	return r < 0 && release_on_exit ? r : 0;
}

static int cidr_acquire(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	struct node_opts o = {0};
	bool keep = false, release_on_exit = false;
	const struct netctl_opt extra[] = {
		{"--hold", OPT_FLAG, &keep},
		{"--release-on-exit", OPT_FLAG, &release_on_exit},
	};
	struct ipam_node_store *s = NULL;
	json_t *res;
	int r;

	if ((r = parse_opts(ctx, argc, argv, &o, extra, ARRAY_SIZE(extra), true, err)) < 0 ||
	    (r = open_store(&o, &s, err)) < 0)
		return r;
	res = json_array();
	r = acquire_all(s, &o, res, err);
	if (r < 0) {
		ipam_node_store_close(s);
		json_decref(res);
		return r;
	}
	netctl_output(ctx, res, subnets_text);
	fflush(ctx->out);
	if (keep)
		r = hold(s, &o, release_on_exit, err);
	ipam_node_store_close(s);
	return r;
}

static int cidr_release(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	struct node_opts o = {0};
	struct ipam_node_store *s = NULL;
	int r;

	if ((r = parse_opts(ctx, argc, argv, &o, NULL, 0, true, err)) < 0 ||
	    (r = open_store(&o, &s, err)) < 0)
		return r;
	for (size_t i = 0; i < o.n_pools && r == 0; i++)
		r = ipam_node_cidr_release(s, &o.pools[i], o.node, err);
	ipam_node_store_close(s);
	return r;
}

static int cidr_list(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	struct node_opts o = {0};
	struct ipam_node_store *s = NULL;
	json_t *res;
	int r;

	if ((r = parse_opts(ctx, argc, argv, &o, NULL, 0, false, err)) < 0 ||
	    (r = open_store(&o, &s, err)) < 0)
		return r;
	res = json_array();
	for (size_t i = 0; i < o.n_pools && r == 0; i++) {
		_cleanup_free_ struct ipam_node_subnet *v = NULL;
		size_t n;

		r = ipam_node_cidr_list(s, &o.pools[i], &v, &n, err);
		for (size_t k = 0; r == 0 && k < n; k++)
			if (!o.node || !strcmp(o.node, v[k].node))
				json_array_append_new(res, subnet_json(&v[k]));
	}
	ipam_node_store_close(s);
	if (r < 0) {
		json_decref(res);
		return r;
	}
	netctl_output(ctx, res, subnets_text);
	return 0;
}

struct watch_state {
	FILE *out;
	uint64_t left; /* events still to print; 0 = forever */
};

static int on_watch(void *ud, const struct etcd_watch_update *u)
{
	struct watch_state *ws = ud;

	if (u->err) {
		fprintf(stderr, "netctl node cidr watch: %s (reconnecting)\n", u->msg);
		return 0;
	}
	if (u->created) {
		fprintf(ws->out, "watching from revision %lld\n", (long long)u->revision);
	}
	for (size_t i = 0; i < u->n; i++) {
		const struct etcd_event *e = &u->events[i];
		const char *slash = strrchr(e->kv.key, '/');

		fprintf(ws->out, "%s %s%s%s\n", e->type == ETCD_EVENT_PUT ? "put" : "delete",
			slash ? slash + 1 : e->kv.key, e->type == ETCD_EVENT_PUT ? " " : "",
			e->type == ETCD_EVENT_PUT ? e->kv.value : "");
		if (ws->left && --ws->left == 0) {
			fflush(ws->out);
			return 1;
		}
	}
	fflush(ws->out);
	return 0;
}

static int cidr_watch(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	struct node_opts o = {0};
	const struct netctl_opt extra[] = {{"--count", OPT_UINT, &o.count}};
	struct watch_state ws = {.out = ctx->out};
	struct etcd_client *c = NULL;
	struct etcd_watch *w = NULL;
	char prefix[128], end[128];
	int r;

	if ((r = parse_opts(ctx, argc, argv, &o, extra, 1, false, err)) < 0)
		return r;
	if (!o.etcd)
		return netctl_usage_err(ctx, err, "watch needs --etcd");
	ws.left = o.count;
	snprintf(prefix, sizeof(prefix), "/plumb/%s/subnets/", o.cluster ? o.cluster : "default");
	r = etcd_client_new(&o.ec, &c, err);
	if (r == 0)
		r = etcd_watch_new(c, prefix, etcd_prefix_end(prefix, end, sizeof(end)), 0, on_watch,
				   &ws, &w, err);
	if (r == 0)
		r = etcd_watch_run(w, NULL, err);
	etcd_watch_free(w);
	etcd_client_free(c);
	return r < 0 ? r : 0;
}

static const struct netctl_cmd cidr_cmds[] = {
	{"acquire", cidr_acquire,
	 "--node NAME --cluster-cidr CIDR... [--mask N] [--underlay IP] [--etcd URL,... [--ttl S] [--hold [--release-on-exit]]] [--state-dir D]",
	 "the node's subnet: its existing one (lease renewed) or the first free one; --hold keeps renewing until SIGTERM"},
	{"release", cidr_release, "--node NAME --cluster-cidr CIDR... [--etcd URL,...] [--state-dir D]",
	 "give the node's subnet back"},
	{"list", cidr_list, "--cluster-cidr CIDR... [--node NAME] [--etcd URL,...] [--state-dir D]",
	 "subnets taken from the cluster CIDR"},
	{"watch", cidr_watch, "--cluster-cidr CIDR --etcd URL,... [--count N]",
	 "print subnet changes as etcd reports them"},
};

static int node_cidr(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	/* argv[-1] is "cidr": the nested dispatch wants the family name first. */
	return netctl_dispatch(ctx, "node cidr", cidr_cmds, ARRAY_SIZE(cidr_cmds), argc + 1,
			       argv - 1, err);
}

static const struct netctl_cmd node_cmds[] = {
	{"cidr", node_cidr, "acquire|release|list|watch ...",
	 "per-node subnets (options common to all: --cluster NAME, --cacert/--cert/--key, --timeout MS)"},
};

int netctl_node(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return netctl_dispatch(ctx, "node", node_cmds, ARRAY_SIZE(node_cmds), argc, argv, err);
}
