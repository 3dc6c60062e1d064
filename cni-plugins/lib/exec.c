// SPDX-License-Identifier: MIT
/* Delegation: running another plugin (an IPAM plugin) found on CNI_PATH with our
 * environment and config, as the spec describes, and deciding when plumb's own
 * host-local may run in-process instead. */
#include "cni-plugins/lib/internal.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define DELEGATE_OUT_MAX (1 << 20)

int cni_find_plugin(const char *cni_path, const char *type, char *out, size_t len,
		    struct plumb_err *err)
{
	const char *p = cni_path ? cni_path : "";

	if (!*type || strchr(type, '/'))
		return plumb_err_set(err, EINVAL, "'%s' is not a plugin name", type);
	while (*p) {
		const char *end = strchrnul(p, ':');
		int n = (int)(end - p);

		if (n > 0 && snprintf(out, len, "%.*s/%s", n, p, type) < (int)len &&
		    access(out, X_OK) == 0)
			return 0;
		p = *end ? end + 1 : end;
	}
	return plumb_err_set(err, ENOENT, "plugin '%s' not found in CNI_PATH '%s'", type,
			     cni_path ? cni_path : "");
}

/* environ with CNI_COMMAND replaced; the strings are borrowed but the array and
 * the new CNI_COMMAND are owned by *cmdvar / the returned array. */
static char **env_with(const char *cmd, char **cmdvar)
{
	size_t n = 0, j = 0;
	char **e;

	while (environ[n])
		n++;
	e = calloc(n + 2, sizeof(*e));
	if (!e || asprintf(cmdvar, "CNI_COMMAND=%s", cmd) < 0) {
		free(e);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "CNI_COMMAND=", 12) != 0)
			e[j++] = environ[i];
	e[j] = *cmdvar;
	return e;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static long read_all(int fd, char **out)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *nb;
	ssize_t n;

	while (buf) {
		if (len + 1 >= cap) {
			nb = cap < DELEGATE_OUT_MAX ? realloc(buf, cap * 2) : NULL;
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			buf[len] = '\0';
			*out = buf;
			return n < 0 ? -EIO : (long)len;
		}
		len += (size_t)n;
	}
	free(buf);
	return -ENOMEM;
}

/* Spawn `path` with stdin fed from raw and stdout captured. Returns the exit
 * status (>= 0) or -errno; *out gets what it printed. */
static int spawn_capture(const char *path, char **envp, const char *raw, size_t len, char **out,
			 struct plumb_err *err)
{
	posix_spawn_file_actions_t fa;
	int in[2] = {-1, -1}, outp[2] = {-1, -1}, st = 0, r;
	char *argv[] = {(char *)path, NULL};
	pid_t pid;
	long n;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, outp[1], STDOUT_FILENO);
	r = -posix_spawn(&pid, path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (r < 0)
		goto out;
	close(in[0]);
	close(outp[1]);
	in[0] = outp[1] = -1;
	/* Plugins read all of stdin before they answer, so write then read. */
	r = write_all(in[1], raw, len);
	close(in[1]);
	in[1] = -1;
	n = read_all(outp[0], out);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n < 0 && r == 0)
		r = (int)n;
	if (r == 0)
		r = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (outp[i] >= 0)
			close(outp[i]);
	}
	if (r < 0)
		return plumb_err_set(err, -r, "running '%s': %s", path, strerror(-r));
	return r;
}

/* A delegate's failure: keep its code and message. */
static int delegate_error(const char *path, const char *out, int status, int *code,
			  struct plumb_err *err)
{
	_cleanup_json_ json_t *o = json_loads(out, 0, NULL);
	json_t *c = json_object_get(o, "code"), *m = json_object_get(o, "msg");
	json_t *d = json_object_get(o, "details");
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (json_is_integer(c) && json_is_string(m)) {
		if (code)
			*code = (int)json_integer_value(c);
		if (json_is_string(d) && *json_string_value(d))
			return plumb_err_set(err, EIO, "%s: %s (%s)", name, json_string_value(m),
					     json_string_value(d));
		return plumb_err_set(err, EIO, "%s: %s", name, json_string_value(m));
	}
	if (code)
		*code = CNI_ERR_GENERIC;
	return plumb_err_set(err, EIO, "%s exited with status %d: %.200s", name, status, out);
}

int cni_delegate(const struct cni_req *req, const char *plugin_path, enum cni_cmd cmd,
		 struct cni_result *res, int *code, struct plumb_err *err)
{
	_cleanup_free_ char *cmdvar = NULL, *out = NULL;
	_cleanup_free_ char **envp = env_with(cni_cmd_name(cmd), &cmdvar);
	int st, r;

	if (!envp)
		return plumb_err_set(err, ENOMEM, "out of memory");
	st = spawn_capture(plugin_path, envp, req->conf.raw, req->conf.raw_len, &out, err);
	if (st < 0)
		return st;
	if (st != 0)
		return delegate_error(plugin_path, out ? out : "", st, code, err);
	if (cmd != CNI_CMD_ADD || !res)
		return 0;
	r = cni_result_decode(out, res, err);
	if (r < 0) {
		if (code)
			*code = CNI_ERR_DECODE;
		return plumb_err_wrap(err, r, "answer of %s", plugin_path);
	}
	return 0;
}

/* Does the ELF file at path carry plumb's marker note (skel.c)? Reads the
 * header, the program headers and the PT_NOTE segments: a few hundred bytes,
 * where scanning the whole binary cost ~0.3 ms of page faults per call. */
static bool has_marker(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t mlen = strlen(cni_plumb_marker);
	Elf64_Phdr ph[32];
	Elf64_Ehdr eh;
	char note[512];

	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phnum > ARRAY_SIZE(ph))
		return false;
	if (pread(fd, ph, eh.e_phnum * sizeof(ph[0]), (off_t)eh.e_phoff) !=
	    (ssize_t)(eh.e_phnum * sizeof(ph[0])))
		return false;
	for (size_t i = 0; i < eh.e_phnum; i++) {
		ssize_t n;

		if (ph[i].p_type != PT_NOTE || ph[i].p_filesz > sizeof(note))
			continue;
		n = pread(fd, note, ph[i].p_filesz, (off_t)ph[i].p_offset);
		if (n > 0 && memmem(note, (size_t)n, cni_plumb_marker, mlen))
			return true;
	}
	return false;
}

bool cni_delegate_is_ours(const char *plugin_path)
{
	char self[PATH_MAX], other[PATH_MAX];

	if (!realpath("/proc/self/exe", self) || !realpath(plugin_path, other))
		return false;
	if (strcmp(dirname(self), dirname(other)) != 0)
		return false;
	return has_marker(plugin_path);
}
