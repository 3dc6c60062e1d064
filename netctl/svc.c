// SPDX-License-Identifier: MIT
/* netctl svc apply|list|show — Kubernetes-shaped services onto table plumb. */
#include "netctl/netctl.h"

#include "common/file.h"
#include "svc/svc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SVC_INPUT_MAX (256u << 20)

static long read_input(const char *path, char **out, struct plumb_err *err)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;

	if (strcmp(path, "-"))
		return plumb_file_read(path, SVC_INPUT_MAX, out, err);
	for (;;) {
		ssize_t n;

		if (len + 65536 + 1 > cap) {
			char *nb = realloc(buf, cap = len + 65536 * 4 + 1);

			if (!nb) {
				free(buf);
				return plumb_err_set(err, ENOMEM, "out of memory");
			}
			buf = nb;
		}
		n = read(STDIN_FILENO, buf + len, cap - len - 1);
		if (n < 0) {
			free(buf);
			return plumb_err_set(err, errno, "reading stdin: %s", strerror(errno));
		}
		if (!n)
			break;
		len += (size_t)n;
		if (len > SVC_INPUT_MAX) {
			free(buf);
			return plumb_err_set(err, EFBIG, "stdin: more than %u bytes", SVC_INPUT_MAX);
		}
	}
	buf[len] = '\0';
	*out = buf;
	return (long)len;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void apply_text(FILE *f, json_t *result)
{
	fprintf(f, "%lld services, %lld elements added, %lld deleted\n",
		(long long)json_integer_value(json_object_get(result, "services")),
		(long long)json_integer_value(json_object_get(result, "added")),
		(long long)json_integer_value(json_object_get(result, "deleted")));
}

/* The whole desired state: what the input lacks is removed. Malformed objects
 * are named on stderr and left out; the rest is applied; exit non-zero. */
static int svc_apply(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	const char *file = NULL;
	const struct netctl_opt opts[] = {{"--file|-f", OPT_STR, &file}};
	struct svc_objects objs = {0};
	struct svc_names problems = {0}, touched = {0};
	struct svc_sync_stats st = {0};
	struct svc_engine *e = NULL;
	char *text = NULL;
	double t[4] = {0};
	long len;
	size_t npos, nsvc = 0;
	int r;

	r = netctl_parse(ctx, argc, argv, opts, ARRAY_SIZE(opts), NULL, 0, 0, &npos, err);
	if (r < 0)
		return r;
	if (!file)
		return netctl_usage_err(ctx, err, "-f FILE (or -f - for stdin) is required");
	t[0] = now_ms();
	len = read_input(file, &text, err);
	if (len < 0)
		return (int)len;
	r = svc_reader_parse(text, (size_t)len, strcmp(file, "-") ? file : "stdin", &objs,
			     &problems, err);
	free(text);
	t[1] = now_ms();
	if (r >= 0)
		r = svc_engine_open(&e, err);
	t[2] = now_ms();
	if (r >= 0) {
		r = svc_store_replace(svc_engine_store(e), "apply", &objs, &touched);
		if (r < 0)
			r = plumb_err_set(err, -r, "out of memory");
	}
	if (r >= 0)
		r = svc_engine_sync_all(e, &problems, &st, err);
	t[3] = now_ms();
	if (r >= 0) {
		struct svc_names all = {0};

		(void)svc_store_names(svc_engine_store(e), &all);
		nsvc = all.n;
		svc_names_free(&all);
	}
	for (size_t i = 0; i < problems.n; i++)
		fprintf(stderr, "netctl svc apply: %s\n", problems.v[i]);
	if (r >= 0)
		netctl_output(ctx,
			      json_pack("{s:I,s:I,s:I,s:I,s:{s:f,s:f,s:f}}", "services",
					(json_int_t)nsvc, "added", (json_int_t)st.added, "deleted",
					(json_int_t)st.deleted, "problems", (json_int_t)problems.n,
					"ms", "read", t[1] - t[0], "readback", t[2] - t[1], "program",
					t[3] - t[2]),
			      apply_text);
	if (r >= 0 && problems.n)
		r = plumb_err_set(err, EINVAL, "netctl svc apply: %zu object%s not applied (see above)",
				  problems.n, problems.n == 1 ? " was" : "s were");
	svc_names_free(&problems);
	svc_names_free(&touched);
	svc_objects_free(&objs);
	svc_engine_free(e);
	return r;
}

static const char *proto_str(uint8_t p)
{
	return p == 6 ? "TCP" : p == 17 ? "UDP" : p == 132 ? "SCTP" : "?";
}

static json_t *frontend_json(const struct svc_frontend *fe)
{
	char vip[INET_ADDRSTRLEN], ep[INET_ADDRSTRLEN + 8];
	json_t *eps = json_array();

	inet_ntop(AF_INET, &fe->vip, vip, sizeof(vip));
	for (size_t i = 0; i < fe->n; i++) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &fe->be[i].addr, a, sizeof(a));
		snprintf(ep, sizeof(ep), "%s:%u", a, fe->be[i].port);
		json_array_append_new(eps, json_string(ep));
	}
	return json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:o}", "name", fe->name, "protocol",
			 proto_str(fe->proto), "clusterIP", vip, "port", fe->port, "nodePort",
			 fe->node_port, "affinityTimeout", (int)fe->affinity, "endpoints", eps);
}

static void list_text(FILE *f, json_t *result)
{
	size_t i, j, k;
	json_t *s, *fe, *ep;

	json_array_foreach(result, i, s) {
		fprintf(f, "%s\n", json_string_value(json_object_get(s, "service")));
		json_array_foreach(json_object_get(s, "frontends"), j, fe) {
			json_t *eps = json_object_get(fe, "endpoints");
			int np = (int)json_integer_value(json_object_get(fe, "nodePort"));
			int aff = (int)json_integer_value(json_object_get(fe, "affinityTimeout"));

			fprintf(f, "  %s %s:%lld/%s", json_string_value(json_object_get(fe, "name")),
				json_string_value(json_object_get(fe, "clusterIP")),
				(long long)json_integer_value(json_object_get(fe, "port")),
				json_string_value(json_object_get(fe, "protocol")));
			if (np)
				fprintf(f, " nodePort %d", np);
			if (aff)
				fprintf(f, " affinity %ds", aff);
			if (!json_array_size(eps))
				fprintf(f, " -> (no ready endpoint: rejected)");
			else
				fprintf(f, " ->");
			json_array_foreach(eps, k, ep)
				fprintf(f, " %s", json_string_value(ep));
			fprintf(f, "\n");
		}
	}
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What the kernel holds, read back (nothing is created). */
static int svc_read(struct svc_programmed **ret, struct plumb_err *err)
{
	struct nat_svc *n = NULL;
	struct nat_svc_dump d;
	int r;

	r = svc_programmed_new(ret);
	if (r < 0)
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = nat_svc_open(&n, err);
	if (r >= 0)
		r = nat_svc_dump(n, &d, err);
	nat_svc_close(n);
	if (r == -ENOENT)
		return 0; /* no Service layout: nothing programmed */
	if (r < 0)
		return r;
	r = svc_readback(&d, *ret);
	nat_svc_dump_free(&d);
	return r < 0 ? plumb_err_set(err, -r, "out of memory") : 0;
}

static int svc_list_show(struct netctl *ctx, int argc, char **argv, bool show,
			 struct plumb_err *err)
{
	struct svc_programmed *p = NULL;
	struct svc_names names = {0};
	char *pos[1], want[140] = "";
	json_t *result;
	size_t npos;
	int r;

	r = netctl_parse(ctx, argc, argv, NULL, 0, pos, show ? 1 : 0, show ? 1 : 0, &npos, err);
	if (r < 0)
		return r;
	if (show)
		snprintf(want, sizeof(want), "%s%s", strchr(pos[0], '/') ? "" : "default/", pos[0]);
	r = svc_read(&p, err);
	if (r >= 0)
		r = svc_programmed_names(p, &names);
	if (r < 0) {
		svc_programmed_free(p);
		return r;
	}
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), str_cmp);
	result = json_array();
	for (size_t i = 0; i < names.n; i++) {
		const struct svc_group *g = svc_programmed_get(p, names.v[i]);
		json_t *fes;

		if (show && strcmp(want, names.v[i]))
			continue;
		fes = json_array();
		for (size_t j = 0; j < g->n; j++)
			json_array_append_new(fes, frontend_json(&g->fe[j]));
		json_array_append_new(result, json_pack("{s:s,s:o}", "service", names.v[i],
							"frontends", fes));
	}
	svc_names_free(&names);
	svc_programmed_free(p);
	if (show && !json_array_size(result)) {
		json_decref(result);
		return plumb_err_set(err, ENOENT, "netctl svc show: service '%s' is not programmed",
				     want);
	}
	netctl_output(ctx, result, list_text);
	return 0;
}

static int svc_list(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return svc_list_show(ctx, argc, argv, false, err);
}

static int svc_show(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return svc_list_show(ctx, argc, argv, true, err);
}

static const struct netctl_cmd svc_cmds[] = {
	{"apply", svc_apply, "-f FILE|-",
	 "make the services match FILE (Service/EndpointSlice JSON; absent ones are removed)"},
	{"list", svc_list, "", "programmed services: frontends and endpoints"},
	{"show", svc_show, "[NS/]NAME", "one programmed service"},
};

int netctl_svc(struct netctl *ctx, int argc, char **argv, struct plumb_err *err)
{
	return netctl_dispatch(ctx, "svc", svc_cmds, ARRAY_SIZE(svc_cmds), argc, argv, err);
}
