// SPDX-License-Identifier: MIT
/* netctl ns add|del|list|exec — named network namespaces under /run/netns. */
#include "netctl/netctl.h"

#include "common/cleanup.h"
#include "common/link.h"
#include "common/netns.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

/* A fresh namespace's lo is down; every container runtime brings it up, and a
 * lab without 127.0.0.1 surprises people. */
static int ns_lo_up(const char *name, struct plumb_err *err)
{
	_cleanup_nl_ struct plumb_nl nl = {.nsfd = -1};
	_cleanup_close_ int fd = netns_open(name, err);
	struct plumb_link lo;
	int r;

	if (fd < 0)
		return fd;
	r = plumb_nl_open(&nl, fd, err);
	if (r < 0)
		return r;
	nl.ns_name = name;
	r = plumb_link_get(&nl, "lo", 0, &lo, err);
	return r < 0 ? r : plumb_link_set_up(&nl, lo.ifindex, true, err);
}

static int ns_add(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	char *pos[16];
	size_t n;
	int r;

	r = netctl_parse(ctx, argc, argv, NULL, 0, pos, 1, 16, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = netns_create(pos[i], err);
		if (r >= 0) {
			r = ns_lo_up(pos[i], err);
			if (r < 0)
				netns_delete(pos[i], NULL);
		}
		if (r < 0) {
			/* All or nothing: drop the ones this command made. */
			while (i-- > 0)
				netns_delete(pos[i], NULL);
			return r;
		}
	}
	return 0;
}

static int ns_del(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	char *pos[16];
	size_t n;
	int r;

	r = netctl_parse(ctx, argc, argv, NULL, 0, pos, 1, 16, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = netns_delete(pos[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static void ns_list_text(FILE *f, json_t *result)
{
	size_t i;
	json_t *v;

	json_array_foreach(result, i, v)
		fprintf(f, "%s\n", json_string_value(json_object_get(v, "name")));
}

static int ns_list(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	char **names = NULL;
	json_t *result;
	size_t n;
	int r;

	r = netctl_parse(ctx, argc, argv, NULL, 0, NULL, 0, 0, &n, err);
	if (r < 0)
		return r;
	r = netns_list(&names, err);
	if (r < 0)
		return r;
	result = json_array();
	for (char **p = names; *p; p++)
		json_array_append_new(result, json_pack("{s:s}", "name", *p));
	netns_list_free(names);
	netctl_output(ctx, result, ns_list_text);
	return 0;
}

static int ns_exec(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	_cleanup_close_ int fd = -1;
	int cmd = 1;

	/* No option parsing past NAME: everything after it belongs to the command. */
	if (argc > 1 && !strcmp(argv[1], "--"))
		cmd = 2;
	if (argc <= cmd)
		return netctl_usage_err(ctx, err, "usage: netctl ns exec NAME [--] CMD [ARGS...]");
	fd = netns_open(argv[0], err);
	if (fd < 0)
		return fd;
	/* This process becomes the command: leaving it in the namespace is the point. */
	if (setns(fd, CLONE_NEWNET) < 0)
		return plumb_err_set(err, errno, "netctl ns exec: enter '%s': %s", argv[0],
				     strerror(errno));
	fflush(NULL);
	execvp(argv[cmd], &argv[cmd]);
	return plumb_err_set(err, errno, "netctl ns exec: %s: %s", argv[cmd], strerror(errno));
}

static const struct netctl_cmd ns_cmds[] = {
	{"add", ns_add, "NAME...", "create namespaces under /run/netns (lo up)"},
	{"del", ns_del, "NAME...", "delete namespaces"},
	{"list", ns_list, "", "list namespaces"},
	{"exec", ns_exec, "NAME [--] CMD [ARGS...]", "run a command inside a namespace"},
};

int netctl_ns(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return netctl_dispatch(ctx, "ns", ns_cmds, sizeof(ns_cmds) / sizeof(ns_cmds[0]), argc,
			       argv, err);
}
