/* SPDX-License-Identifier: MIT */
/*
 * netctl/netctl.h — the netctl CLI's shared pieces: the verb table entry, the
 * option parser and the output printer.
 *
 * Every command builds its result as a jansson value and hands it to
 * netctl_output(); `-j` prints that value as JSON, otherwise the command's own
 * text renderer prints it. One data path for both, so they cannot disagree.
 */
#ifndef PLUMB_NETCTL_H
#define PLUMB_NETCTL_H

#include "common/err.h"
#include "common/json.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct netctl {
	bool json;	   /* -j: JSON on stdout */
	const char *verb;  /* "bridge" */
	const char *sub;   /* "add", or NULL */
	FILE *out;	   /* stdout; tests swap it */
};

/* A verb family ("bridge") or one of its subcommands ("add"). */
struct netctl_cmd {
	const char *name;
	int (*run)(struct netctl *ctx, int argc, char **argv, struct plumb_err *err);
	const char *args;    /* usage after the name: "NAME [--mtu N]" */
	const char *summary; /* one line */
};

/* Run the subcommand argv[0] from table, or print the family's help for
 * "help"/no subcommand. Returns 0 or -errno (-EINVAL for usage errors). */
int netctl_dispatch(struct netctl *ctx, const char *family, const struct netctl_cmd *table,
		    size_t n, int argc, char **argv, struct plumb_err *err);
void netctl_print_help(FILE *f, const char *family, const struct netctl_cmd *table, size_t n);

/* ---- options ---- */
enum netctl_opt_kind {
	OPT_FLAG,  /* bool *, no value */
	OPT_STR,   /* const char **, last one wins */
	OPT_MULTI, /* struct netctl_strv *, every occurrence kept */
	OPT_UINT,  /* uint64_t *, bounded by max */
};

struct netctl_strv {
	const char *v[32];
	size_t n;
};

struct netctl_opt {
	const char *name; /* "--mtu" (short alias after '|': "--json|-j") */
	enum netctl_opt_kind kind;
	void *out;
	uint64_t max; /* OPT_UINT only; 0 = no bound */
	bool *seen;   /* optional: set when the option was given */
};

/* Parse argv: options anywhere, "--" ends options, everything else is
 * positional (at most max_pos, at least min_pos). Errors name the option and
 * the command ("netctl bridge add: option '--mtu' needs a number, got 'x'"). */
int netctl_parse(const struct netctl *ctx, int argc, char **argv, const struct netctl_opt *opts,
		 size_t nopts, char **pos, size_t min_pos, size_t max_pos, size_t *npos,
		 struct plumb_err *err);

/* A usage error that names the command: "netctl veth add: <msg>". */
int netctl_usage_err(const struct netctl *ctx, struct plumb_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- output ---- */
typedef void (*netctl_text_fn)(FILE *f, json_t *result);
/* Print result (JSON with -j, else through text; text may be NULL for commands
 * that print nothing in text mode). Takes ownership of result. */
void netctl_output(struct netctl *ctx, json_t *result, netctl_text_fn text);

/* ---- verb families (one file each) ---- */
int netctl_ns(struct netctl *ctx, int argc, char **argv, struct plumb_err *err);
int netctl_bridge(struct netctl *ctx, int argc, char **argv, struct plumb_err *err);
int netctl_veth(struct netctl *ctx, int argc, char **argv, struct plumb_err *err);
int netctl_addr(struct netctl *ctx, int argc, char **argv, struct plumb_err *err);
int netctl_route(struct netctl *ctx, int argc, char **argv, struct plumb_err *err);
int netctl_show(struct netctl *ctx, int argc, char **argv, struct plumb_err *err);
int netctl_ipam(struct netctl *ctx, int argc, char **argv, struct plumb_err *err);
int netctl_node(struct netctl *ctx, int argc, char **argv, struct plumb_err *err);
int netctl_nat(struct netctl *ctx, int argc, char **argv, struct plumb_err *err);
int netctl_dns(struct netctl *ctx, int argc, char **argv, struct plumb_err *err);
int netctl_svc(struct netctl *ctx, int argc, char **argv, struct plumb_err *err);

#endif
