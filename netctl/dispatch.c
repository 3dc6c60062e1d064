// SPDX-License-Identifier: MIT
/* netctl subcommand dispatch and per-family help, shared by every verb file. */
#include "netctl/netctl.h"

#include <errno.h>
#include <string.h>

void netctl_print_help(FILE *f, const char *family, const struct netctl_cmd *table, size_t n)
{
	fprintf(f, "usage:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  netctl %s %s %s\n      %s\n", family, table[i].name, table[i].args,
			table[i].summary);
}

int netctl_dispatch(struct netctl *ctx, const char *family, const struct netctl_cmd *table,
		    size_t n, int argc, char **argv, struct plumb_err *err)
{
	/* argv[0] is the family name itself. */
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		netctl_print_help(argc < 2 ? stderr : ctx->out, family, table, n);
		return argc < 2 ? plumb_err_set(err, EINVAL, "netctl %s: missing subcommand",
						family)
				: 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(table[i].name, argv[1]))
			continue;
		ctx->sub = table[i].name;
		if (argc > 2 && (!strcmp(argv[2], "help") || !strcmp(argv[2], "--help"))) {
			netctl_print_help(ctx->out, family, &table[i], 1);
			return 0;
		}
		return table[i].run(ctx, argc - 2, argv + 2, err);
	}
	return plumb_err_set(err, EINVAL, "netctl %s: unknown subcommand '%s' (see 'netctl %s help')",
			     family, argv[1], family);
}
