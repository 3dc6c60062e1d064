// SPDX-License-Identifier: MIT
/* netctl ns add|del|list|exec — named network namespaces under /run/netns. */
#include "netctl/netctl.h"

#include "common/cleanup.h"
#include "common/netns.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

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
		if (r < 0)
			return r;
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
	{"add", ns_add, "NAME...", "create namespaces under /run/netns"},
	{"del", ns_del, "NAME...", "delete namespaces"},
	{"list", ns_list, "", "list namespaces"},
	{"exec", ns_exec, "NAME [--] CMD [ARGS...]", "run a command inside a namespace"},
};

int netctl_ns(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return netctl_dispatch(ctx, "ns", ns_cmds, sizeof(ns_cmds) / sizeof(ns_cmds[0]), argc,
			       argv, err);
}
