// SPDX-License-Identifier: MIT
/* ipam/node-etcd.c — the etcd node-subnet store (a cluster).
 *
 * Key:   /plumb/<cluster>/subnets/<network address>-<mask>
 * Value: "node=<name> underlay=<address>"
 * Each key is attached to a lease of the store's TTL; acquiring again renews
 * it (a node agent calls acquire every TTL/3). A new subnet is taken with a
 * transaction that only puts the key if its create_revision is 0 (it does not
 * exist), so two nodes racing for one subnet cannot both win. */
#include "ipam/internal.h"

#include "common/etcd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct etcd_store {
	struct ipam_node_store base;
	struct etcd_client *c;
	int64_t ttl;
};

struct entry {
	struct ipam_node_subnet s;
	int64_t lease, mod_revision;
};

static void prefix_of(const struct ipam_node_pool *pool, char *buf, size_t len)
{
	snprintf(buf, len, "/plumb/%s/subnets/", pool->cluster);
}

static void key_of(const struct ipam_node_pool *pool, const struct plumb_cidr *c, char *buf,
		   size_t len)
{
	char ip[PLUMB_IP_STRLEN];

	snprintf(buf, len, "/plumb/%s/subnets/%s-%u", pool->cluster,
		 plumb_ip_str(&c->ip, ip, sizeof(ip)), c->prefix);
}

static void value_of(const char *node, const char *underlay, char *buf, size_t len)
{
	snprintf(buf, len, "node=%s underlay=%s", node, underlay);
}

/* One key into an entry; false for keys that are not this pool's. */
static bool parse_entry(const struct ipam_node_pool *pool, const struct etcd_kv *kv,
			struct entry *e)
{
	char prefix[128], cidr[PLUMB_CIDR_STRLEN + 1], *dash;
	const char *node, *under;
	size_t pl;

	prefix_of(pool, prefix, sizeof(prefix));
	pl = strlen(prefix);
	if (kv->key_len <= pl || kv->key_len - pl > PLUMB_CIDR_STRLEN)
		return false;
	memcpy(cidr, kv->key + pl, kv->key_len - pl);
	cidr[kv->key_len - pl] = '\0';
	dash = strrchr(cidr, '-');
	if (!dash)
		return false;
	*dash = '/';
	*e = (struct entry){.lease = kv->lease, .mod_revision = kv->mod_revision};
	/* keep every subnet that overlaps the pool: they are all taken space */
	if (plumb_cidr_parse(cidr, false, &e->s.subnet) < 0 ||
	    !plumb_cidr_overlaps(&pool->cidr, &e->s.subnet))
		return false;
	node = strstr(kv->value, "node=");
	under = strstr(kv->value, "underlay=");
	if (!node)
		return false;
	node += 5;
	snprintf(e->s.node, sizeof(e->s.node), "%.*s", (int)strcspn(node, " "), node);
	if (under) {
		under += 9;
		snprintf(e->s.underlay, sizeof(e->s.underlay), "%.*s", (int)strcspn(under, " "), under);
	}
	return true;
}

static int load(struct etcd_store *es, const struct ipam_node_pool *pool, struct entry **out,
		size_t *n, struct plumb_err *err)
{
	char prefix[128], end[128];
	struct etcd_kvs kvs;
	struct entry *v;
	int r;

	prefix_of(pool, prefix, sizeof(prefix));
	r = etcd_range(es->c, prefix, etcd_prefix_end(prefix, end, sizeof(end)), 0, &kvs, err);
	if (r < 0)
		return r;
	v = calloc(kvs.n + 1, sizeof(*v));
	if (!v) {
		etcd_kvs_free(&kvs);
		return plumb_err_set(err, ENOMEM, "out of memory");
	}
	*n = 0;
	for (size_t i = 0; i < kvs.n; i++)
		if (parse_entry(pool, &kvs.kv[i], &v[*n]))
			(*n)++;
	etcd_kvs_free(&kvs);
	*out = v;
	return 0;
}

/* Renew (and if needed update) a subnet the node already holds. 1 = done,
 * 0 = its lease had expired (allocate afresh), <0 error. */
static int renew(struct etcd_store *es, const struct ipam_node_pool *pool, struct entry *m,
		 const char *underlay, struct plumb_err *err)
{
	char key[192], val[512];
	int64_t ttl;
	bool ok;
	int r;

	if (m->lease) {
		r = etcd_lease_keepalive(es->c, m->lease, &ttl, err);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
	}
	if (!underlay[0] || !strcmp(underlay, m->s.underlay))
		return 1;
	key_of(pool, &m->s.subnet, key, sizeof(key));
	value_of(m->s.node, underlay, val, sizeof(val));
	struct etcd_cmp cmp = {.key = key, .target = ETCD_CMP_MOD, .number = m->mod_revision};
	struct etcd_op put = {.type = ETCD_OP_PUT, .key = key, .value = val,
			      .value_len = strlen(val), .lease = m->lease};

	r = etcd_txn(es->c, &cmp, 1, &put, 1, NULL, 0, &ok, NULL, err);
	if (r < 0)
		return r;
	snprintf(m->s.underlay, sizeof(m->s.underlay), "%s", underlay);
	return ok ? 1 : 0;
}

static int etcd_acquire(struct ipam_node_store *s, const struct ipam_node_pool *pool,
			const char *node, const char *underlay, struct ipam_node_subnet *out,
			struct plumb_err *err)
{
	struct etcd_store *es = (struct etcd_store *)s;
	int64_t lease = 0;
	int r = 0;

	for (int attempt = 0; attempt < 32; attempt++) {
		struct ipam_node_subnet *taken;
		struct entry *v = NULL, *mine = NULL;
		struct plumb_cidr pick;
		char key[192], val[512];
		size_t n;
		bool ok;

		if ((r = load(es, pool, &v, &n, err)) < 0)
			break;
		for (size_t i = 0; i < n && !mine; i++)
			if (!strcmp(v[i].s.node, node) && ipam_node_pool_has(pool, &v[i].s.subnet))
				mine = &v[i];
		if (mine && (r = renew(es, pool, mine, underlay, err)) != 0) {
			if (r > 0)
				*out = mine->s, r = 0;
			free(v);
			break;
		}
		/* taken[] is the subnets part of v, laid out as entries */
		taken = malloc((n + 1) * sizeof(*taken));
		for (size_t i = 0; taken && i < n; i++)
			taken[i] = v[i].s;
		r = taken ? ipam_node_pool_first_free(pool, taken, n, &pick, err)
			  : plumb_err_set(err, ENOMEM, "out of memory");
		free(taken);
		free(v);
		if (r < 0)
			break;
		if (!lease && es->ttl > 0 && (r = etcd_lease_grant(es->c, es->ttl, &lease, err)) < 0)
			break;
		key_of(pool, &pick, key, sizeof(key));
		value_of(node, underlay, val, sizeof(val));
		struct etcd_cmp cmp = {.key = key, .target = ETCD_CMP_CREATE, .number = 0};
		struct etcd_op put = {.type = ETCD_OP_PUT, .key = key, .value = val,
				      .value_len = strlen(val), .lease = lease};

		if ((r = etcd_txn(es->c, &cmp, 1, &put, 1, NULL, 0, &ok, NULL, err)) < 0)
			break;
		if (ok) {
			*out = (struct ipam_node_subnet){.subnet = pick};
			snprintf(out->node, sizeof(out->node), "%s", node);
			snprintf(out->underlay, sizeof(out->underlay), "%s", underlay);
			return 0;
		}
		r = plumb_err_set(err, EAGAIN, "node %s: subnets kept being taken by other nodes", node);
	}
	if (lease)
		etcd_lease_revoke(es->c, lease, NULL); /* never leave an unused lease */
	return r;
}

static int etcd_release(struct ipam_node_store *s, const struct ipam_node_pool *pool,
			const char *node, struct plumb_err *err)
{
	struct etcd_store *es = (struct etcd_store *)s;
	struct entry *v = NULL;
	size_t n;
	int r = load(es, pool, &v, &n, err);

	for (size_t i = 0; r == 0 && i < n; i++) {
		char key[192];
		bool ok;

		if (strcmp(v[i].s.node, node) || !ipam_node_pool_has(pool, &v[i].s.subnet))
			continue;
		key_of(pool, &v[i].s.subnet, key, sizeof(key));
		/* delete only the version we read: never someone else's new lease */
		struct etcd_cmp cmp = {.key = key, .target = ETCD_CMP_MOD, .number = v[i].mod_revision};
		struct etcd_op del = {.type = ETCD_OP_DELETE, .key = key};

		r = etcd_txn(es->c, &cmp, 1, &del, 1, NULL, 0, &ok, NULL, err);
		if (r == 0 && ok && v[i].lease)
			etcd_lease_revoke(es->c, v[i].lease, NULL);
	}
	free(v);
	return r;
}

static int etcd_list(struct ipam_node_store *s, const struct ipam_node_pool *pool,
		     struct ipam_node_subnet **out, size_t *n, struct plumb_err *err)
{
	struct etcd_store *es = (struct etcd_store *)s;
	struct entry *v = NULL;
	struct ipam_node_subnet *res;
	int r = load(es, pool, &v, n, err);

	if (r < 0)
		return r;
	res = calloc(*n + 1, sizeof(*res));
	size_t k = 0;

	for (size_t i = 0; res && i < *n; i++)
		if (ipam_node_pool_has(pool, &v[i].s.subnet))
			res[k++] = v[i].s;
	*n = k;
	free(v);
	if (!res)
		return plumb_err_set(err, ENOMEM, "out of memory");
	*out = res;
	return 0;
}

static void etcd_close(struct ipam_node_store *s)
{
	struct etcd_store *es = (struct etcd_store *)s;

	etcd_client_free(es->c);
	free(es);
}

static const struct ipam_node_store_ops etcd_ops = {
	.acquire = etcd_acquire, .release = etcd_release, .list = etcd_list, .close = etcd_close,
};

int ipam_node_store_open_etcd(const struct etcd_config *etcd, int64_t ttl,
			      struct ipam_node_store **out, struct plumb_err *err)
{
	struct etcd_store *es = calloc(1, sizeof(*es));
	int r;

	if (!es)
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = etcd_client_new(etcd, &es->c, err);
	if (r < 0) {
		free(es);
		return r;
	}
	es->base.ops = &etcd_ops;
	es->ttl = ttl;
	*out = &es->base;
	return 0;
}
