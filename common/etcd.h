/* SPDX-License-Identifier: MIT */
/*
 * common/etcd.h — an etcd v3 client over the JSON gateway (/v3/kv/range, put,
 * deleterange, txn; /v3/lease/grant, keepalive, revoke; /v3/watch), on libcurl.
 *
 * Owns: its HTTP connections. Never touches: the kernel, files (but TLS key
 * files it is pointed at). Namespace: the caller's — connections are made in
 * whatever network namespace the calling thread is in.
 *
 * Keys and values are byte strings (base64 on the wire is handled here).
 * Endpoints are tried in order from the last one that answered; a connection
 * failure, a timeout or an HTTP 5xx moves on to the next, an etcd error (bad
 * request, lease not found) does not. Every call sets a message naming the
 * endpoint and what failed. One client per thread: a client is not
 * thread-safe, but several clients can live in one process.
 */
#ifndef PLUMB_COMMON_ETCD_H
#define PLUMB_COMMON_ETCD_H

#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETCD_MAX_ENDPOINTS 8

struct etcd_config {
	size_t n_endpoints;
	const char *endpoints[ETCD_MAX_ENDPOINTS]; /* "http://127.0.0.1:2379", "https://..." */
	const char *ca, *cert, *key;		   /* PEM files for https; NULL = none */
	long connect_timeout_ms;		   /* 0 = 2000 */
	long timeout_ms;			   /* per unary request; 0 = 5000 */
};

/* Split "url1,url2" into cfg->endpoints (pointers into buf, which must stay
 * alive). Returns 0 or -EINVAL naming the bad entry. */
int etcd_config_endpoints(struct etcd_config *cfg, char *buf, struct plumb_err *err);

struct etcd_client;

int etcd_client_new(const struct etcd_config *cfg, struct etcd_client **out,
		    struct plumb_err *err);
void etcd_client_free(struct etcd_client *c);

struct etcd_kv {
	char *key, *value; /* NUL-terminated copies (the data may hold NULs too) */
	size_t key_len, value_len;
	int64_t create_revision, mod_revision, version, lease;
};

struct etcd_kvs {
	size_t n;
	struct etcd_kv *kv;
	int64_t revision; /* the store's revision when read */
	bool more;
};
void etcd_kvs_free(struct etcd_kvs *kvs);

/* The end of a prefix range ("abc" -> "abd"), into buf (>= strlen(prefix)+1). */
const char *etcd_prefix_end(const char *prefix, char *buf, size_t len);

/* Keys in [key, range_end) (range_end NULL = just key), at most limit (0 = all). */
int etcd_range(struct etcd_client *c, const char *key, const char *range_end, int64_t limit,
	       struct etcd_kvs *out, struct plumb_err *err);
int etcd_put(struct etcd_client *c, const char *key, const void *value, size_t len,
	     int64_t lease, struct plumb_err *err);
/* Returns the number of keys deleted. */
int etcd_delete(struct etcd_client *c, const char *key, const char *range_end,
		struct plumb_err *err);

/* ---- transactions: if every compare holds, run success ops, else failure ops ---- */
enum etcd_cmp_target { ETCD_CMP_CREATE, ETCD_CMP_MOD, ETCD_CMP_VERSION, ETCD_CMP_VALUE };
enum etcd_cmp_result { ETCD_CMP_EQUAL, ETCD_CMP_NOT_EQUAL, ETCD_CMP_LESS, ETCD_CMP_GREATER };

struct etcd_cmp {
	const char *key;
	enum etcd_cmp_target target;
	enum etcd_cmp_result result;
	int64_t number;	   /* CREATE, MOD, VERSION */
	const char *value; /* VALUE (NUL-terminated) */
};

enum etcd_op_type { ETCD_OP_PUT, ETCD_OP_DELETE, ETCD_OP_RANGE };

struct etcd_op {
	enum etcd_op_type type;
	const char *key, *range_end;
	const void *value; /* PUT */
	size_t value_len;
	int64_t lease; /* PUT */
};

/* *succeeded says which branch ran. range_out (may be NULL) receives the
 * result of the first RANGE op of the branch that ran. */
int etcd_txn(struct etcd_client *c, const struct etcd_cmp *cmp, size_t n_cmp,
	     const struct etcd_op *success, size_t n_success, const struct etcd_op *failure,
	     size_t n_failure, bool *succeeded, struct etcd_kvs *range_out, struct plumb_err *err);

/* ---- leases ---- */
int etcd_lease_grant(struct etcd_client *c, int64_t ttl, int64_t *id, struct plumb_err *err);
/* Renew once; *ttl gets the new TTL. -ENOENT when the lease has expired. */
int etcd_lease_keepalive(struct etcd_client *c, int64_t id, int64_t *ttl, struct plumb_err *err);
int etcd_lease_revoke(struct etcd_client *c, int64_t id, struct plumb_err *err);

/* ---- watch: a streaming /v3/watch, driven by the caller ----
 *
 * Event loop: poll etcd_watch_fd() for POLLIN with etcd_watch_timeout_ms() as
 * the timeout, then call etcd_watch_dispatch(). Dedicated thread:
 * etcd_watch_run(). Callbacks run inside dispatch/run, on that thread. When the
 * stream breaks (etcd restarted, endpoint down) the callback hears about it
 * (err < 0) and the watch reconnects, to the next endpoint, from the revision
 * after the last one delivered, so no event is lost or repeated.
 *
 * The usual pattern: etcd_range() the prefix, apply it, then watch from
 * kvs.revision + 1. If the callback gets -ERANGE (that revision was compacted
 * away) free the watch and start over with a fresh range. */
enum etcd_event_type { ETCD_EVENT_PUT, ETCD_EVENT_DELETE };

struct etcd_event {
	enum etcd_event_type type;
	struct etcd_kv kv; /* for DELETE: key and mod_revision only */
};

struct etcd_watch_update {
	int err;	  /* 0, or -errno when the stream broke (then msg says why) */
	const char *msg;  /* NULL when err == 0 */
	bool created;	  /* the first message of a (re)connected stream */
	int64_t revision; /* the store's revision at this update */
	size_t n;
	const struct etcd_event *events;
};

/* Return 0 to go on, anything else to make run() return it (dispatch() returns
 * it too). Borrowed data: valid only during the call. */
typedef int (*etcd_watch_fn)(void *userdata, const struct etcd_watch_update *u);

struct etcd_watch;

/* Watch [key, range_end) from start_revision (0 = from now). The client must
 * outlive the watch; the watch uses its own connection. */
int etcd_watch_new(struct etcd_client *c, const char *key, const char *range_end,
		   int64_t start_revision, etcd_watch_fn fn, void *userdata,
		   struct etcd_watch **out, struct plumb_err *err);
void etcd_watch_free(struct etcd_watch *w);
/* One fd that becomes readable when the watch has work (an epoll fd). */
int etcd_watch_fd(const struct etcd_watch *w);
/* How long the caller may sleep before calling dispatch anyway; -1 = no limit. */
int etcd_watch_timeout_ms(const struct etcd_watch *w);
/* Do the pending work without blocking. Returns 0, a callback's non-zero
 * return, or -errno on a local failure. */
int etcd_watch_dispatch(struct etcd_watch *w, struct plumb_err *err);
/* Loop on dispatch until a callback returns non-zero, *stop becomes true
 * (checked at least every 200 ms), or a local failure. */
int etcd_watch_run(struct etcd_watch *w, volatile bool *stop, struct plumb_err *err);

#endif
