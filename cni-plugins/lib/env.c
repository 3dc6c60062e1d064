// SPDX-License-Identifier: MIT
/* The CNI_* environment: which variables each command needs and what makes
 * them valid (the spec's rules, the same the reference library applies). */
#include "cni-plugins/lib/cni.h"

#include "common/cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

static const char *const cmd_names[] = {
	[CNI_CMD_ADD] = "ADD",	     [CNI_CMD_DEL] = "DEL", [CNI_CMD_CHECK] = "CHECK",
	[CNI_CMD_STATUS] = "STATUS", [CNI_CMD_GC] = "GC",   [CNI_CMD_VERSION] = "VERSION",
};

enum cni_cmd cni_cmd_parse(const char *s)
{
	for (size_t i = 1; s && i < ARRAY_SIZE(cmd_names); i++)
		if (strcmp(s, cmd_names[i]) == 0)
			return (enum cni_cmd)i;
	return CNI_CMD_NONE;
}

const char *cni_cmd_name(enum cni_cmd c)
{
	return c > CNI_CMD_NONE && c <= CNI_CMD_VERSION ? cmd_names[c] : "?";
}

/* Letters, digits, '_', '.', '-', starting with a letter or digit. */
static bool is_id(const char *s)
{
	if (!s || !isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

int cni_container_id_check(const char *id, struct plumb_err *err)
{
	if (!id || !*id)
		return plumb_err_set(err, EINVAL, "CNI_CONTAINERID is empty");
	if (!is_id(id))
		return plumb_err_set(err, EINVAL,
				     "CNI_CONTAINERID '%s' is invalid: only letters, digits, '_', '.' "
				     "and '-' are allowed, starting with a letter or digit",
				     id);
	if (strlen(id) >= CNI_NAME_MAX)
		return plumb_err_set(err, EINVAL, "CNI_CONTAINERID is longer than %d characters",
				     CNI_NAME_MAX - 1);
	return 0;
}

int cni_netname_check(const char *name, struct plumb_err *err)
{
	if (!name || !*name)
		return plumb_err_set(err, EINVAL, "network name is empty");
	if (!is_id(name) || strlen(name) >= CNI_NAME_MAX)
		return plumb_err_set(err, EINVAL,
				     "network name '%s' is invalid: only letters, digits, '_', '.' "
				     "and '-' are allowed, starting with a letter or digit",
				     name);
	return 0;
}

int cni_ifname_check(const char *name, struct plumb_err *err)
{
	if (!name || !*name)
		return plumb_err_set(err, EINVAL, "CNI_IFNAME is empty");
	if (strlen(name) >= IFNAMSIZ)
		return plumb_err_set(err, EINVAL, "CNI_IFNAME '%s' is longer than %d characters",
				     name, IFNAMSIZ - 1);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return plumb_err_set(err, EINVAL, "CNI_IFNAME '%s' is not a valid name", name);
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return plumb_err_set(err, EINVAL,
					     "CNI_IFNAME '%s' contains '/', ':' or whitespace",
					     name);
	return 0;
}

/* Which variables a command needs (VERSION needs none). */
enum { NEED_ID = 1, NEED_NETNS = 2, NEED_IFNAME = 4, NEED_PATH = 8 };

static unsigned needs(enum cni_cmd c)
{
	switch (c) {
	case CNI_CMD_ADD:
	case CNI_CMD_CHECK:
		return NEED_ID | NEED_NETNS | NEED_IFNAME | NEED_PATH;
	case CNI_CMD_DEL: /* the namespace may already be gone */
		return NEED_ID | NEED_IFNAME | NEED_PATH;
	case CNI_CMD_STATUS:
	case CNI_CMD_GC:
		return NEED_PATH;
	default:
		return 0;
	}
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

int cni_env_load(struct cni_env *env, const char *(*getenv_fn)(const char *),
		 struct plumb_err *err)
{
	unsigned need;
	int r;

	memset(env, 0, sizeof(*env));
	env->command = nonempty(getenv_fn("CNI_COMMAND"));
	env->container_id = nonempty(getenv_fn("CNI_CONTAINERID"));
	env->netns = nonempty(getenv_fn("CNI_NETNS"));
	env->ifname = nonempty(getenv_fn("CNI_IFNAME"));
	env->args = nonempty(getenv_fn("CNI_ARGS"));
	env->path = nonempty(getenv_fn("CNI_PATH"));
	if (!env->command)
		return plumb_err_set(err, EINVAL, "CNI_COMMAND is not set");
	env->cmd = cni_cmd_parse(env->command);
	if (env->cmd == CNI_CMD_NONE)
		return plumb_err_set(err, EINVAL,
				     "CNI_COMMAND '%s' is unknown (ADD, DEL, CHECK, STATUS, GC or "
				     "VERSION)",
				     env->command);
	need = needs(env->cmd);
	if ((need & NEED_ID) && !env->container_id)
		return plumb_err_set(err, EINVAL, "CNI_CONTAINERID is not set");
	if ((need & NEED_NETNS) && !env->netns)
		return plumb_err_set(err, EINVAL, "CNI_NETNS is not set");
	if ((need & NEED_IFNAME) && !env->ifname)
		return plumb_err_set(err, EINVAL, "CNI_IFNAME is not set");
	if ((need & NEED_PATH) && !env->path)
		return plumb_err_set(err, EINVAL, "CNI_PATH is not set");
	if (env->netns && strlen(env->netns) >= CNI_SANDBOX_MAX)
		return plumb_err_set(err, EINVAL, "CNI_NETNS is longer than %d characters",
				     CNI_SANDBOX_MAX - 1);
	if (env->container_id && (r = cni_container_id_check(env->container_id, err)) < 0)
		return r;
	if (env->ifname && (r = cni_ifname_check(env->ifname, err)) < 0)
		return r;
	if (env->args && (r = cni_args_get(env->args, "", NULL, 0, err)) < 0)
		return r;
	return 0;
}

int cni_args_get(const char *args, const char *key, char *buf, size_t len,
		 struct plumb_err *err)
{
	size_t klen = strlen(key);
	const char *p = args;

	while (p && *p) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', n);

		if (!eq || eq == p)
			return plumb_err_set(err, EINVAL,
					     "CNI_ARGS: '%.*s' is not a KEY=VALUE pair", (int)n, p);
		if (klen && (size_t)(eq - p) == klen && memcmp(p, key, klen) == 0) {
			size_t vlen = n - klen - 1;

			if (vlen >= len)
				return plumb_err_set(err, EINVAL, "CNI_ARGS: value of %s is too long",
						     key);
			memcpy(buf, eq + 1, vlen);
			buf[vlen] = '\0';
			return 1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}
