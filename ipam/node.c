// SPDX-License-Identifier: MIT
/* ipam/node.c — per-node subnets: pool arithmetic, the store interface, and
 * the file store (one machine): <state_dir>/node-subnets, one line per
 * subnet "<cidr> <node> <underlay|->", rewritten atomically under flock. */
#include "ipam/internal.h"

#include "common/cleanup.h"
#include "common/file.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int ipam_node_pool_check(const struct ipam_node_pool *pool, struct ipam_node_pool *out,
			 struct plumb_err *err)
{
	char a[PLUMB_CIDR_STRLEN];
	unsigned bits = plumb_ip_bits(pool->cidr.ip.family);

	*out = *pool;
	if (!pool->cidr.ip.family)
		return plumb_err_set(err, EINVAL, "node pool: no cluster CIDR");
	plumb_cidr_network(&pool->cidr, &out->cidr);
	if (!out->mask)
		out->mask = pool->cidr.ip.family == AF_INET ? 24 : 64;
	if (out->mask < out->cidr.prefix || out->mask > bits)
		return plumb_err_set(err, EINVAL,
				     "node mask /%u does not fit cluster CIDR %s (must be /%u to /%u)",
				     out->mask, plumb_cidr_str(&out->cidr, a, sizeof(a)),
				     out->cidr.prefix, bits);
	if (!out->cluster[0])
		snprintf(out->cluster, sizeof(out->cluster), "default");
	for (const char *p = out->cluster; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return plumb_err_set(err, EINVAL, "cluster name '%s': only letters, digits, - _ .",
					     out->cluster);
	return 0;
}

bool ipam_node_pool_has(const struct ipam_node_pool *pool, const struct plumb_cidr *subnet)
{
	return subnet->prefix == pool->mask && plumb_cidr_contains(&pool->cidr, &subnet->ip);
}

int ipam_node_subnet_cmp(const void *a, const void *b)
{
	const struct ipam_node_subnet *x = a, *y = b;

	return plumb_ip_cmp(&x->subnet.ip, &y->subnet.ip);
}

int ipam_node_pool_first_free(const struct ipam_node_pool *pool,
			      const struct ipam_node_subnet *taken, size_t n,
			      struct plumb_cidr *out, struct plumb_err *err)
{
	uint64_t count = plumb_cidr_subnet_count(&pool->cidr, pool->mask);
	char a[PLUMB_CIDR_STRLEN];

	/* Taken subnets may come from another pool with another mask, so test
	 * overlap, not equality. Bounded: a pool this fragmented is full enough. */
	for (uint64_t i = 0; i < count && i < (1u << 24); i++) {
		struct plumb_cidr c;
		bool used = false;

		if (plumb_cidr_subnet(&pool->cidr, pool->mask, i, &c) < 0)
			break;
		for (size_t j = 0; j < n && !used; j++)
			used = plumb_cidr_overlaps(&taken[j].subnet, &c);
		if (!used) {
			*out = c;
			return 0;
		}
	}
	return plumb_err_set(err, ENOSPC, "cluster CIDR %s has no free /%u node subnet",
			     plumb_cidr_str(&pool->cidr, a, sizeof(a)), pool->mask);
}

int ipam_node_name_check(const char *node, struct plumb_err *err)
{
	if (!node || !node[0])
		return plumb_err_set(err, EINVAL, "node name is required");
	if (strlen(node) >= sizeof(((struct ipam_node_subnet *)0)->node))
		return plumb_err_set(err, EINVAL, "node name '%.40s...' is too long", node);
	for (const char *p = node; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p) || *p == '/' || *p == '=')
			return plumb_err_set(err, EINVAL,
					     "node name '%s' may not contain whitespace, '/' or '='", node);
	return 0;
}

/* ---- public entry points: check, then the store's own implementation ---- */

int ipam_node_cidr_acquire(struct ipam_node_store *store, const struct ipam_node_pool *pool,
			   const char *node, const char *underlay, struct ipam_node_subnet *out,
			   struct plumb_err *err)
{
	struct ipam_node_pool p;
	struct plumb_ip ip;
	int r;

	if ((r = ipam_node_pool_check(pool, &p, err)) < 0 || (r = ipam_node_name_check(node, err)) < 0)
		return r;
	if (underlay && underlay[0] && plumb_ip_parse(underlay, &ip) < 0)
		return plumb_err_set(err, EINVAL, "underlay address '%s' is not an IP address", underlay);
	return store->ops->acquire(store, &p, node, underlay ? underlay : "", out, err);
}

int ipam_node_cidr_release(struct ipam_node_store *store, const struct ipam_node_pool *pool,
			   const char *node, struct plumb_err *err)
{
	struct ipam_node_pool p;
	int r;

	if ((r = ipam_node_pool_check(pool, &p, err)) < 0 || (r = ipam_node_name_check(node, err)) < 0)
		return r;
	return store->ops->release(store, &p, node, err);
}

int ipam_node_cidr_list(struct ipam_node_store *store, const struct ipam_node_pool *pool,
			struct ipam_node_subnet **out, size_t *n, struct plumb_err *err)
{
	struct ipam_node_pool p;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = ipam_node_pool_check(pool, &p, err)) < 0)
		return r;
	r = store->ops->list(store, &p, out, n, err);
	if (r == 0 && *n)
		qsort(*out, *n, sizeof(**out), ipam_node_subnet_cmp);
	return r;
}

void ipam_node_store_close(struct ipam_node_store *store)
{
	if (store)
		store->ops->close(store);
}

/* ---- the file store ---- */

struct file_store {
	struct ipam_node_store base;
	char path[PATH_MAX], lock[PATH_MAX];
};

struct file_entries {
	size_t n, cap;
	struct ipam_node_subnet *v;
};

/* Lock, then read every line (all pools) of the file. */
static int file_load(struct file_store *fs, int *lockfd, struct file_entries *e,
		     struct plumb_err *err)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	long len;

	*e = (struct file_entries){0};
	*lockfd = open(fs->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*lockfd < 0)
		return plumb_err_set(err, errno, "node store: %s: %s", fs->lock, strerror(errno));
	while (flock(*lockfd, LOCK_EX) < 0)
		if (errno != EINTR)
			return plumb_err_set(err, errno, "node store: lock %s: %s", fs->lock, strerror(errno));
	len = plumb_file_read(fs->path, 64 << 20, &text, NULL);
	if (len == -ENOENT)
		return 0;
	if (len < 0)
		return plumb_err_set(err, (int)-len, "node store: read %s: %s", fs->path, strerror((int)-len));
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char cidr[PLUMB_CIDR_STRLEN + 1], node[256], under[PLUMB_IP_STRLEN + 1];
		struct ipam_node_subnet s = {0};

		if (sscanf(line, "%50s %255s %46s", cidr, node, under) != 3 ||
		    plumb_cidr_parse(cidr, false, &s.subnet) < 0)
			return plumb_err_set(err, EINVAL, "node store %s: bad line '%s'", fs->path, line);
		snprintf(s.node, sizeof(s.node), "%s", node);
		snprintf(s.underlay, sizeof(s.underlay), "%s", strcmp(under, "-") ? under : "");
		if (e->n == e->cap) {
			struct ipam_node_subnet *nv = realloc(e->v, (e->cap = e->cap ? e->cap * 2 : 16) * sizeof(*nv));

			if (!nv)
				return plumb_err_set(err, ENOMEM, "out of memory");
			e->v = nv;
		}
		e->v[e->n++] = s;
	}
	return 0;
}

static int file_save(struct file_store *fs, const struct file_entries *e, struct plumb_err *err)
{
	_cleanup_free_ char *buf = malloc(e->n * 400 + 1);
	size_t off = 0;

	if (!buf)
		return plumb_err_set(err, ENOMEM, "out of memory");
	buf[0] = '\0';
	for (size_t i = 0; i < e->n; i++) {
		char c[PLUMB_CIDR_STRLEN];

		off += (size_t)sprintf(buf + off, "%s %s %s\n",
				       plumb_cidr_str(&e->v[i].subnet, c, sizeof(c)), e->v[i].node,
				       e->v[i].underlay[0] ? e->v[i].underlay : "-");
	}
	return plumb_file_write_atomic(fs->path, buf, off, 0644, err);
}

static int file_acquire(struct ipam_node_store *s, const struct ipam_node_pool *pool,
			const char *node, const char *underlay, struct ipam_node_subnet *out,
			struct plumb_err *err)
{
	struct file_store *fs = (struct file_store *)s;
	_cleanup_close_ int lockfd = -1;
	struct file_entries e;
	struct ipam_node_subnet add = {0};
	int r = file_load(fs, &lockfd, &e, err);

	for (size_t i = 0; r == 0 && i < e.n; i++) {
		if (ipam_node_pool_has(pool, &e.v[i].subnet) && !strcmp(e.v[i].node, node)) {
			if (underlay[0] && strcmp(e.v[i].underlay, underlay)) {
				snprintf(e.v[i].underlay, sizeof(e.v[i].underlay), "%s", underlay);
				r = file_save(fs, &e, err);
			}
			*out = e.v[i];
			free(e.v);
			return r;
		}
	}
	if (r == 0)
		r = ipam_node_pool_first_free(pool, e.v, e.n, &add.subnet, err);
	if (r == 0) {
		snprintf(add.node, sizeof(add.node), "%s", node);
		snprintf(add.underlay, sizeof(add.underlay), "%s", underlay);
		struct ipam_node_subnet *nv = realloc(e.v, (e.n + 1) * sizeof(*nv));

		if (!nv) {
			r = plumb_err_set(err, ENOMEM, "out of memory");
		} else {
			e.v = nv;
			e.v[e.n++] = add;
			r = file_save(fs, &e, err);
			if (r == 0)
				*out = add;
		}
	}
	free(e.v);
	return r;
}

static int file_release(struct ipam_node_store *s, const struct ipam_node_pool *pool,
			const char *node, struct plumb_err *err)
{
	struct file_store *fs = (struct file_store *)s;
	_cleanup_close_ int lockfd = -1;
	struct file_entries e;
	size_t k = 0;
	int r = file_load(fs, &lockfd, &e, err);

	for (size_t i = 0; r == 0 && i < e.n; i++)
		if (!(ipam_node_pool_has(pool, &e.v[i].subnet) && !strcmp(e.v[i].node, node)))
			e.v[k++] = e.v[i];
	if (r == 0 && k != e.n) {
		e.n = k;
		r = file_save(fs, &e, err);
	}
	free(e.v);
	return r;
}

static int file_list(struct ipam_node_store *s, const struct ipam_node_pool *pool,
		     struct ipam_node_subnet **out, size_t *n, struct plumb_err *err)
{
	struct file_store *fs = (struct file_store *)s;
	_cleanup_close_ int lockfd = -1;
	struct file_entries e;
	size_t k = 0;
	int r = file_load(fs, &lockfd, &e, err);

	for (size_t i = 0; r == 0 && i < e.n; i++)
		if (ipam_node_pool_has(pool, &e.v[i].subnet))
			e.v[k++] = e.v[i];
	if (r < 0) {
		free(e.v);
		return r;
	}
	*out = e.v;
	*n = k;
	return 0;
}

static void file_close(struct ipam_node_store *s)
{
	free(s);
}

static const struct ipam_node_store_ops file_ops = {
	.acquire = file_acquire, .release = file_release, .list = file_list, .close = file_close,
};

int ipam_node_store_open_file(const char *state_dir, struct ipam_node_store **out,
			      struct plumb_err *err)
{
	struct file_store *fs;
	int r;

	if (!state_dir || !state_dir[0])
		return plumb_err_set(err, EINVAL, "node store: no state dir");
	r = plumb_mkdir_p(state_dir, 0755, err);
	if (r < 0)
		return r;
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return plumb_err_set(err, ENOMEM, "out of memory");
	fs->base.ops = &file_ops;
	snprintf(fs->path, sizeof(fs->path), "%s/node-subnets", state_dir);
	snprintf(fs->lock, sizeof(fs->lock), "%s/node-subnets.lock", state_dir);
	*out = &fs->base;
	return 0;
}
