// SPDX-License-Identifier: MIT
/*
 * netctl show [--ns NS]... — one overview: per namespace its links (bridges,
 * veths with where their other end is), addresses and routes. Without --ns:
 * netctl's own namespace and every one under /run/netns.
 */
#include "netctl/netctl.h"

#include "common/netns.h"
#include "netctl/rtnl.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/net_namespace.h>
#include <string.h>
#include <sys/resource.h>


struct shown {
	struct netctl_ns ns;
	int fd; /* the namespace, also for netctl's own (to ask for its nsid) */
	struct plumb_link *links;
	int nlinks;
	bool current;
	bool wanted; /* shown; the others are only looked at for veth peers */
};

struct nsid_reply {
	int nsid;
};

static int on_nsid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[NETNSA_MAX + 1];

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct rtgenmsg), tb, NETNSA_MAX, NULL) == 0 &&
	    tb[NETNSA_NSID])
		((struct nsid_reply *)arg)->nsid = (int)nla_get_s32(tb[NETNSA_NSID]);
	return NL_STOP;
}

/* The id namespace fd has as seen from nl's namespace (RTM_GETNSID), -1 if none
 * was ever assigned (then no veth there points at it). */
static int nsid_of(struct plumb_nl *nl, int fd)
{
	struct rtgenmsg g = {.rtgen_family = AF_UNSPEC};
	struct nsid_reply rep = {-1};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETNSID, 0);
	struct nl_cb *cb, *base;
	int r = -ENOMEM;

	if (!msg)
		return -1;
	if (nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, NETNSA_FD, (uint32_t)fd) < 0)
		goto out;
	base = nl_socket_get_cb(nl->sk); /* a new reference */
	cb = nl_cb_clone(base);		 /* keeps the error callback (extack) */
	nl_cb_put(base);
	if (!cb)
		goto out;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_nsid, &rep);
	/* No ACK: the answer is the reply itself, and a stray ACK left queued
	 * would confuse the next request on this socket. */
	nl_socket_disable_auto_ack(nl->sk);
	r = nl_send_auto(nl->sk, msg);
	if (r >= 0)
		r = nl_recvmsgs(nl->sk, cb);
	nl_socket_enable_auto_ack(nl->sk);
	nl_cb_put(cb);
out:
	nlmsg_free(msg);
	nl->last_errno = 0;
	nl->extack[0] = '\0';
	return r < 0 ? -1 : rep.nsid;
}

/* {"ifname", "netns"} of the other end of veth l in namespace from, or NULL. */
static json_t *peer_json(struct shown *v, int n, struct shown *from, const struct plumb_link *l)
{
	for (int i = 0; i < n; i++) {
		struct shown *to = &v[i];

		if (l->peer_netnsid < 0 ? to != from : to == from)
			continue;
		if (l->peer_netnsid >= 0 && nsid_of(&from->ns.nl, to->fd) != l->peer_netnsid)
			continue;
		for (int k = 0; k < to->nlinks; k++)
			if (to->links[k].ifindex == l->peer_ifindex)
				return json_pack("{s:s, s:s}", "ifname", to->links[k].name, "netns",
						 to->ns.name);
	}
	return NULL;
}

static int show_one(struct shown *v, int n, struct shown *s, json_t **out, struct plumb_err *err)
{
	_cleanup_free_ struct plumb_addr *addrs = NULL;
	_cleanup_free_ struct plumb_route *routes = NULL;
	json_t *o, *links, *rts;
	int na, nr;

	na = plumb_addr_list(&s->ns.nl, 0, AF_UNSPEC, &addrs, err);
	if (na < 0)
		return na;
	nr = plumb_route_list(&s->ns.nl, AF_UNSPEC, 0, &routes, err);
	if (nr < 0)
		return nr;
	links = json_array();
	for (int i = 0; i < s->nlinks; i++) {
		const struct plumb_link *l = &s->links[i];
		json_t *lj = netctl_json_link(l, s->links, s->nlinks), *aj = json_array(), *p;

		for (int k = 0; k < na; k++)
			if (addrs[k].ifindex == l->ifindex && addrs[k].scope != 253)
				json_array_append_new(aj, netctl_json_addr(&addrs[k]));
		json_object_set_new(lj, "addresses", aj);
		if (!strcmp(l->kind, "veth") && l->peer_ifindex && (p = peer_json(v, n, s, l)))
			json_object_set_new(lj, "peer", p);
		json_array_append_new(links, lj);
	}
	rts = json_array();
	for (int i = 0; i < nr; i++)
		json_array_append_new(rts, netctl_json_route(&routes[i], s->links, s->nlinks));
	o = json_pack("{s:s, s:b, s:o, s:o}", "name", s->ns.name, "current", s->current, "links",
		      links, "routes", rts);
	*out = o;
	return 0;
}

static void show_text(FILE *f, json_t *result)
{
	json_t *ns, *l, *a, *r, *x;
	size_t i, k, j;

	json_array_foreach(result, i, ns)
	{
		fprintf(f, "%snetns %s%s\n", i ? "\n" : "",
			json_string_value(json_object_get(ns, "name")),
			json_is_true(json_object_get(ns, "current")) ? " (here)" : "");
		json_array_foreach(json_object_get(ns, "links"), k, l)
		{
			const char *kind = json_string_value(json_object_get(l, "kind"));

			fprintf(f, "  %-16s %-7s %-4s mtu %lld",
				json_string_value(json_object_get(l, "ifname")),
				kind && *kind ? kind : "-",
				json_is_true(json_object_get(l, "up")) ? "up" : "down",
				json_integer_value(json_object_get(l, "mtu")));
			if ((x = json_object_get(l, "master")) && json_is_string(x))
				fprintf(f, " master %s", json_string_value(x));
			if ((x = json_object_get(l, "peer")))
				fprintf(f, " <-> %s in netns %s",
					json_string_value(json_object_get(x, "ifname")),
					json_string_value(json_object_get(x, "netns")));
			fputc('\n', f);
			json_array_foreach(json_object_get(l, "addresses"), j, a) fprintf(
			    f, "      %s\n", json_string_value(json_object_get(a, "address")));
		}
		json_array_foreach(json_object_get(ns, "routes"), k, r)
		{
			fprintf(f, "  route %s", json_string_value(json_object_get(r, "dst")));
			if ((x = json_object_get(r, "gateway")))
				fprintf(f, " via %s", json_string_value(x));
			if ((x = json_object_get(r, "dev")) && json_is_string(x))
				fprintf(f, " dev %s", json_string_value(x));
			fputc('\n', f);
		}
	}
}

static int show_open(struct shown *s, const char *name, struct plumb_err *err)
{
	int r = netctl_ns_open(name, &s->ns, err);

	if (r < 0)
		return r;
	s->current = !name;
	s->fd = name ? fcntl(s->ns.fd, F_DUPFD_CLOEXEC, 3) : netns_open_self(err);
	if (s->fd < 0)
		return plumb_err_set(err, errno, "netns '%s': %s", s->ns.name, strerror(errno));
	s->nlinks = plumb_link_list(&s->ns.nl, &s->links, err);
	return s->nlinks < 0 ? s->nlinks : 0;
}

static void show_free_one(struct shown *s)
{
	netctl_ns_close(&s->ns);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->links);
	s->links = NULL;
}

static void show_free(struct shown *v, int n)
{
	for (int i = 0; v && i < n; i++)
		show_free_one(&v[i]);
	free(v);
}

/* Each namespace shown holds four descriptors (the namespace, a duplicate,
 * the rtnetlink sockets) while the veth peers are matched, so a node with many pods
 * needs more than the usual soft limit of 1024: raise it to the hard limit. */
static size_t show_max_ns(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 256;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return 256;
	}
	return rl.rlim_cur > 64 ? (size_t)(rl.rlim_cur - 32) / 4 : 0;
}

static bool listed(const struct netctl_strv *only, const char *name)
{
	for (size_t i = 0; i < only->n; i++)
		if (!strcmp(only->v[i], name))
			return true;
	return false;
}

/* Open here, every --ns (an error if one cannot be), and every other namespace
 * under /run/netns: those are not shown with --ns, but a veth's other end may be
 * in any of them. */
static int show_collect(const struct netctl_strv *only, struct shown **out, int *count,
			struct plumb_err *err)
{
	char **names = NULL;
	size_t max = show_max_ns();
	struct shown *v;
	int n = 0, nnames, r;

	nnames = netns_list(&names, err);
	if (nnames < 0)
		return nnames;
	if (1 + only->n + (size_t)nnames > max) {
		netns_list_free(names);
		return plumb_err_set(err, E2BIG,
				     "netctl show: %zu namespaces, more than the %zu the open-file "
				     "limit allows",
				     1 + only->n + (size_t)nnames, max);
	}
	v = calloc(1 + only->n + (size_t)nnames, sizeof(*v));
	if (!v) {
		netns_list_free(names);
		return plumb_err_set(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < 1 + only->n + (size_t)nnames; i++) {
		v[i].ns = (struct netctl_ns)NETCTL_NS_INIT;
		v[i].fd = -1;
	}
	r = show_open(&v[n++], NULL, err);
	v[0].wanted = !only->n;
	for (size_t i = 0; r >= 0 && i < only->n; i++) {
		r = show_open(&v[n++], only->v[i], err);
		v[n - 1].wanted = true;
	}
	for (int i = 0; r >= 0 && i < nnames; i++) {
		if (!strcmp(names[i], v[0].ns.name) || listed(only, names[i]))
			continue;
		/* Vanished since the listing, or not a namespace: nothing to show.
		 * Out of descriptors is an error, never a namespace left out. */
		struct plumb_err e2 = {0};
		int r2 = show_open(&v[n], names[i], &e2);

		if (r2 == -EMFILE || r2 == -ENFILE) {
			show_free_one(&v[n]);
			*err = e2;
			r = r2;
			break;
		}
		if (r2 < 0) {
			show_free_one(&v[n]);
			continue;
		}
		v[n++].wanted = !only->n;
	}
	netns_list_free(names);
	*out = v;
	*count = n;
	return r < 0 ? r : 0;
}

int netctl_show(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	struct netctl_strv only = {0};
	const struct netctl_opt opts[] = {{"--ns", OPT_MULTI, &only}};
	struct shown *v = NULL;
	json_t *result = NULL;
	size_t npos;
	int r, n = 0;

	if (argc > 1 && !strcmp(argv[1], "help")) {
		fprintf(ctx->out,
			"usage: netctl [-j] show [--ns NS]...\n"
			"  namespaces, their links (veth ends and where the other end is),\n"
			"  addresses and routes; without --ns: here and every /run/netns\n");
		return 0;
	}
	r = netctl_parse(ctx, argc - 1, argv + 1, opts, ARRAY_SIZE(opts), NULL, 0, 0, &npos, err);
	if (r < 0)
		return r;
	r = show_collect(&only, &v, &n, err);
	if (r < 0)
		goto out;
	result = json_array();
	for (int i = 0; i < n; i++) {
		json_t *o;

		if (!v[i].wanted)
			continue;
		r = show_one(v, n, &v[i], &o, err);
		if (r < 0)
			goto out;
		json_array_append_new(result, o);
	}
	netctl_output(ctx, TAKE_PTR(result), show_text);
	r = 0;
out:
	json_decref(result);
	show_free(v, n);
	return r;
}
