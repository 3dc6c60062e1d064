// SPDX-License-Identifier: MIT
/*
 * netctl — hands-on container networking: namespaces, bridges, veth pairs,
 * addresses, routes, NAT, IPAM, DNS, services. One verb family per file; this
 * file only holds the verb table and global options.
 */
#include "netctl/netctl.h"

#include "common/mem.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int cmd_help(struct netctl *ctx, int argc, char **argv, struct plumb_err *err);

static const struct netctl_cmd verbs[] = {
	{"ns", netctl_ns, "add|del|list|exec ...", "network namespaces (compatible with ip netns)"},
	{"bridge", netctl_bridge, "add|del|show|port ...", "Linux bridges and their gateway addresses"},
	{"veth", netctl_veth, "add|del|show ...", "veth pairs from a namespace to the host/a bridge"},
	{"addr", netctl_addr, "add|del|show ...", "addresses, in any namespace (--ns)"},
	{"route", netctl_route, "add|del|show ...", "routes, in any namespace (--ns)"},
	{"show", netctl_show, "[--ns NS]...", "overview: namespaces, links, veth ends, addresses, routes"},
	{"ipam", netctl_ipam, "list|alloc|release|gc ...", "pod address reservations (host-local format)"},
	{"node", netctl_node, "cidr acquire|release|list ...", "per-node subnets (file store or etcd)"},
	{"nat", netctl_nat, "masq|exclude|port|show|flush ...", "masquerade and published ports (table inet plumb)"},
	{"dns", netctl_dns, "add|del|list|network|start ...", "names in plumb-dns"},
	{"svc", netctl_svc, "apply|list|show ...", "Kubernetes-shaped services (ClusterIP, NodePort) in table plumb"},
	{"help", cmd_help, "[VERB]", "this help, or a verb's"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: netctl [-j] VERB [ARGS...]\n\n"
		   "  -j, --json    print results as JSON\n\n"
		   "verbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-7s %-34s %s\n", verbs[i].name, verbs[i].args, verbs[i].summary);
	fprintf(f, "\n'netctl VERB help' describes a verb.\n");
}

static const struct netctl_cmd *find_verb(const char *name)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

static int cmd_help(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	const struct netctl_cmd *v;

	if (argc < 2) {
		usage(ctx->out);
		return 0;
	}
	v = find_verb(argv[1]);
	if (!v || v->run == cmd_help)
		return plumb_err_set(err, EINVAL, "netctl help: unknown verb '%s'", argv[1]);
	ctx->verb = v->name;
	{
		char *sub[] = {(char *)v->name, "help", NULL};

		return v->run(ctx, 2, sub, err);
	}
}

int main(int argc, char **argv)
{
	struct netctl ctx = {.out = stdout};
	struct plumb_err err = {0};
	const struct netctl_cmd *v;
	int i = 1, r;

	plumb_mem_tune();
	plumb_log_init("netctl");
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			ctx.json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "netctl: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	v = find_verb(argv[i]);
	if (!v) {
		fprintf(stderr, "netctl: unknown verb '%s' (see 'netctl help')\n", argv[i]);
		return 2;
	}
	ctx.verb = v->name;
	r = v->run(&ctx, argc - i, argv + i, &err);
	if (r < 0) {
		fprintf(stderr, "%s\n", plumb_err_msg(&err, r));
		return r == -EINVAL ? 2 : 1;
	}
	return 0;
}
