// SPDX-License-Identifier: MIT
/* cni_main: the edge of every plugin. Reads stdin and the environment, checks
 * what the spec requires of each command, calls the plugin, and writes the
 * result or the error object to stdout. Nothing else in a plugin prints. */
#include "cni-plugins/lib/internal.h"

#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Embedded in every plumb plugin: cni_delegate_is_ours looks for it. */
#define PLUMB_MARKER "plumb-cni-plugin:in-process-ipam/1"
const char cni_plumb_marker[] = PLUMB_MARKER;

/* The same marker as an ELF note (owner "plumb", type 1): a plugin deciding
 * whether the host-local on CNI_PATH is ours reads the program headers and
 * the note, a few hundred bytes, instead of scanning a whole binary. */
__asm__(".pushsection .note.plumb,\"a\",@note\n"
	".balign 4\n"
	".long 2f - 1f\n"
	".long 4f - 3f\n"
	".long 1\n"
	"1: .asciz \"plumb\"\n"
	"2: .balign 4\n"
	"3: .asciz \"" PLUMB_MARKER "\"\n"
	"4: .balign 4\n"
	".popsection\n");

#define STDIN_MAX (4 << 20)

int cni_code_from_errno(int e)
{
	switch (e < 0 ? -e : e) {
	case EPROTONOSUPPORT:
		return CNI_ERR_INCOMPATIBLE_VERSION;
	case ESRCH:
		return CNI_ERR_UNKNOWN_CONTAINER;
	case EIO:
		return CNI_ERR_IO;
	case EBADMSG:
		return CNI_ERR_DECODE;
	case EINVAL:
	case EDOM:
	case ERANGE:
		return CNI_ERR_INVALID_CONFIG;
	case EAGAIN:
	case EBUSY:
	case ETIMEDOUT:
	case EINTR:
		return CNI_ERR_TRY_AGAIN;
	default:
		return CNI_ERR_GENERIC;
	}
}

char *cni_error_encode(const char *version, int code, const char *msg, const char *details)
{
	_cleanup_json_ json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "cniVersion", json_string(version ? version : CNI_VERSION_LATEST));
	json_object_set_new(o, "code", json_integer(code));
	json_object_set_new(o, "msg", json_string(msg));
	if (details && *details)
		json_object_set_new(o, "details", json_string(details));
	return json_dumps(o, JSON_COMPACT);
}

static void print_json(char *s)
{
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
	}
	free(s);
	fflush(stdout);
}

/* Best effort, for error objects before the config is fully parsed. */
static void sniff_version(const char *raw, size_t len, char *buf, size_t blen)
{
	_cleanup_json_ json_t *o = json_loadb(raw, len, 0, NULL);
	json_t *v = json_object_get(o, "cniVersion");
	int n;

	snprintf(buf, blen, "%s", CNI_VERSION_LATEST);
	if (json_is_string(v) && cni_version_parse(json_string_value(v), &n, NULL) == 0)
		snprintf(buf, blen, "%s", json_string_value(v));
}

static int fail(const char *version, int code, int r, const struct plumb_err *err)
{
	print_json(cni_error_encode(version, code, plumb_err_msg(err, r),
				    r < 0 ? strerror(-r) : NULL));
	return 1;
}

static long read_stdin(char **out, struct plumb_err *err)
{
	size_t cap = 4096, len = 0;
	_cleanup_free_ char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		return plumb_err_set(err, ENOMEM, "out of memory");
	for (;;) {
		if (len + 1 >= cap) {
			char *nb;

			if (cap >= STDIN_MAX)
				return plumb_err_set(err, EIO, "config on stdin is larger than %d bytes",
						     STDIN_MAX);
			nb = realloc(buf, cap * 2);
			if (!nb)
				return plumb_err_set(err, ENOMEM, "out of memory");
			buf = nb;
			cap *= 2;
		}
		n = read(STDIN_FILENO, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return plumb_err_set(err, EIO, "reading the config from stdin: %s",
					     strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = TAKE_PTR(buf);
	return (long)len;
}

static int do_version(const char *raw, size_t len)
{
	_cleanup_json_ json_t *o = json_object();
	json_t *a = json_array();
	char v[16];

	sniff_version(raw, len, v, sizeof(v));
	json_object_set_new(o, "cniVersion", json_string(v));
	for (size_t i = 0; cni_supported_versions[i]; i++)
		json_array_append_new(a, json_string(cni_supported_versions[i]));
	json_object_set_new(o, "supportedVersions", a);
	print_json(json_dumps(o, JSON_COMPACT));
	return 0;
}

/* CNI_ARGS IP=a,b and MAC=x: the oldest way to ask for addresses. */
static int merge_cni_args(struct cni_req *req, struct plumb_err *err)
{
	char buf[1024], *save = NULL, *tok;
	int r = cni_args_get(req->env.args, "IP", buf, sizeof(buf), err);

	if (r < 0)
		return r;
	for (tok = r ? strtok_r(buf, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save))
		if ((r = cni_runtime_add_ip(&req->conf.rt, tok, "CNI_ARGS IP", err)) < 0)
			return r;
	r = cni_args_get(req->env.args, "MAC", buf, sizeof(buf), err);
	if (r > 0 && !req->conf.rt.mac[0])
		snprintf(req->conf.rt.mac, sizeof(req->conf.rt.mac), "%.17s", buf);
	return r < 0 ? r : 0;
}

/* Commands newer than the config's cniVersion are refused with code 1. */
static int version_allows(const struct cni_req *req, struct plumb_err *err)
{
	int v = req->conf.version;
	enum cni_cmd c = req->env.cmd;

	if (c == CNI_CMD_CHECK && v < CNI_V040)
		return plumb_err_set(err, EPROTONOSUPPORT,
				     "cniVersion %s does not allow CHECK (0.4.0 or later needed)",
				     req->conf.version_str);
	if ((c == CNI_CMD_STATUS || c == CNI_CMD_GC) && v < CNI_V110)
		return plumb_err_set(err, EPROTONOSUPPORT,
				     "cniVersion %s does not allow %s (1.1.0 or later needed)",
				     req->conf.version_str, cni_cmd_name(c));
	return 0;
}

/* ADD prints its result, in the config's cniVersion, only when it succeeded. */
static int do_add(const struct cni_plugin *p, struct cni_req *req, struct plumb_err *err)
{
	_cleanup_free_ struct cni_result *res = calloc(1, sizeof(*res));
	int r;

	if (!res)
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = p->add(req, res, err);
	if (r < 0)
		return r;
	print_json(cni_result_encode(res, req->conf.version, p->ipam));
	return 0;
}

static int dispatch(const struct cni_plugin *p, struct cni_req *req, struct plumb_err *err)
{
	switch (req->env.cmd) {
	case CNI_CMD_ADD:
		return do_add(p, req, err);
	case CNI_CMD_DEL:
		return p->del(req, err);
	case CNI_CMD_CHECK:
		return p->check(req, err);
	case CNI_CMD_STATUS:
		return p->status ? p->status(req, err) : 0;
	case CNI_CMD_GC:
		return p->gc ? p->gc(req, err) : 0;
	default:
		return plumb_err_set(err, EINVAL, "unexpected command");
	}
}

static const char *env_getter(const char *k)
{
	return getenv(k);
}

static int conf_code(int r)
{
	return r == -EBADMSG	     ? CNI_ERR_DECODE
	       : r == -EPROTONOSUPPORT ? CNI_ERR_INCOMPATIBLE_VERSION
				       : CNI_ERR_INVALID_CONFIG;
}

/* An error before the config is parsed still answers in its cniVersion when it
 * has a usable one; sniffing costs a second parse, so only failures pay it. */
static int fail_unparsed(const char *raw, size_t len, int code, int r,
			 const struct plumb_err *err)
{
	char ver[16];

	sniff_version(raw, len, ver, sizeof(ver));
	return fail(ver, code, r, err);
}

static int run(const struct cni_plugin *p, struct cni_req *req, const char *raw, size_t len)
{
	struct plumb_err err = {0};
	int r;

	if ((r = cni_env_load(&req->env, env_getter, &err)) < 0)
		return fail_unparsed(raw, len, CNI_ERR_INVALID_ENV, r, &err);
	if (req->env.cmd == CNI_CMD_VERSION)
		return do_version(raw, len);
	if ((r = cni_conf_parse(raw, len, req->env.cmd, &req->conf, &err)) < 0)
		return fail_unparsed(raw, len, conf_code(r), r, &err);
	r = version_allows(req, &err);
	if (r >= 0 && req->env.cmd == CNI_CMD_ADD)
		r = merge_cni_args(req, &err);
	if (r < 0)
		return fail(req->conf.version_str, conf_code(r), r, &err);
	r = dispatch(p, req, &err);
	if (r < 0) {
		log_debug("%s %s failed: %s", p->name, req->env.command, plumb_err_msg(&err, r));
		return fail(req->conf.version_str, req->code ? req->code : cni_code_from_errno(r),
			    r, &err);
	}
	return 0;
}

int cni_main(const struct cni_plugin *p, int argc, char **argv)
{
	_cleanup_free_ struct cni_req *req = NULL;
	_cleanup_free_ char *raw = NULL;
	struct plumb_err err = {0};
	const char *cmd = getenv("CNI_COMMAND");
	long len;
	int rc;

	plumb_log_init(p->name);
	if ((!cmd || !*cmd) && ((argc > 1 && strcmp(argv[1], "--version") == 0) ||
				isatty(STDIN_FILENO))) {
		/* A person running the binary by hand, as the reference answers. */
		fprintf(stderr, "%s\nCNI protocol versions supported: 0.3.0, 0.3.1, 0.4.0, "
				"1.0.0, 1.1.0\n(%s)\n",
			p->about, cni_plumb_marker);
		return 0;
	}
	len = read_stdin(&raw, &err);
	if (len < 0)
		return fail(CNI_VERSION_LATEST, CNI_ERR_IO, (int)len, &err);
	req = calloc(1, sizeof(*req));
	if (!req)
		return fail(CNI_VERSION_LATEST, CNI_ERR_GENERIC, -ENOMEM, NULL);
	rc = run(p, req, raw, (size_t)len);
	cni_conf_free(&req->conf);
	return rc;
}
