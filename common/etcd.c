// SPDX-License-Identifier: MIT
/* common/etcd.c — unary etcd v3 calls over the JSON gateway, with endpoint
 * failover. The watch stream is in common/etcd-watch.c. */
#include "common/etcd-internal.h"

#include "common/cleanup.h"
#include "common/json.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- base64 ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *etcd_b64_encode(const void *data, size_t len)
{
	const unsigned char *in = data;
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? in[i + 1] << 8 : 0) |
			     (i + 2 < len ? in[i + 2] : 0);

		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? b64[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int b64_val(char ch)
{
	const char *p = ch ? strchr(b64, ch) : NULL;

	return p ? (int)(p - b64) : -1;
}

int etcd_b64_decode(const char *s, char **out, size_t *len)
{
	size_t n = strlen(s), k = 0;
	unsigned acc = 0;
	int bits = 0;
	char *buf = malloc(n / 4 * 3 + 4);

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n && s[i] != '='; i++) {
		int v = b64_val(s[i]);

		if (v < 0) {
			free(buf);
			return -EINVAL;
		}
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[k++] = (char)(acc >> bits & 0xff);
		}
	}
	buf[k] = '\0';
	*out = buf;
	*len = k;
	return 0;
}

/* ---- JSON helpers ---- */

int64_t etcd_json_int(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

void etcd_kv_clear(struct etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
	*kv = (struct etcd_kv){0};
}

int etcd_kv_from_json(json_t *o, struct etcd_kv *kv)
{
	const char *k = json_string_value(json_object_get(o, "key"));
	const char *v = json_string_value(json_object_get(o, "value"));
	int r;

	*kv = (struct etcd_kv){0};
	if ((r = etcd_b64_decode(k ? k : "", &kv->key, &kv->key_len)) < 0 ||
	    (r = etcd_b64_decode(v ? v : "", &kv->value, &kv->value_len)) < 0) {
		etcd_kv_clear(kv);
		return r;
	}
	kv->create_revision = etcd_json_int(o, "create_revision");
	kv->mod_revision = etcd_json_int(o, "mod_revision");
	kv->version = etcd_json_int(o, "version");
	kv->lease = etcd_json_int(o, "lease");
	return 0;
}

void etcd_kvs_free(struct etcd_kvs *kvs)
{
	for (size_t i = 0; i < kvs->n; i++)
		etcd_kv_clear(&kvs->kv[i]);
	free(kvs->kv);
	*kvs = (struct etcd_kvs){0};
}

static int kvs_from_json(json_t *resp, struct etcd_kvs *out)
{
	json_t *arr = json_object_get(resp, "kvs"), *o;
	size_t i;
	int r;

	*out = (struct etcd_kvs){0};
	out->revision = etcd_json_int(json_object_get(resp, "header"), "revision");
	out->more = json_is_true(json_object_get(resp, "more"));
	if (!json_array_size(arr))
		return 0;
	out->kv = calloc(json_array_size(arr), sizeof(*out->kv));
	if (!out->kv)
		return -ENOMEM;
	json_array_foreach(arr, i, o) {
		if ((r = etcd_kv_from_json(o, &out->kv[i])) < 0) {
			etcd_kvs_free(out);
			return r;
		}
		out->n++;
	}
	return 0;
}

const char *etcd_prefix_end(const char *prefix, char *buf, size_t len)
{
	size_t n = strlen(prefix);

	if (n + 1 > len)
		return NULL;
	memcpy(buf, prefix, n + 1);
	while (n > 0) {
		if ((unsigned char)buf[n - 1] < 0xff) {
			buf[n - 1]++;
			buf[n] = '\0';
			return buf;
		}
		buf[--n] = '\0';
	}
	return "\0"; /* every key: etcd's "\0" range end */
}

/* ---- client ---- */

int etcd_config_endpoints(struct etcd_config *cfg, char *buf, struct plumb_err *err)
{
	char *save = NULL;

	cfg->n_endpoints = 0;
	for (char *e = strtok_r(buf, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
		if (strncmp(e, "http://", 7) && strncmp(e, "https://", 8))
			return plumb_err_set(err, EINVAL,
					     "etcd endpoint '%s' must start with http:// or https://", e);
		if (cfg->n_endpoints >= ETCD_MAX_ENDPOINTS)
			return plumb_err_set(err, EINVAL, "more than %d etcd endpoints",
					     ETCD_MAX_ENDPOINTS);
		cfg->endpoints[cfg->n_endpoints++] = e;
	}
	if (!cfg->n_endpoints)
		return plumb_err_set(err, EINVAL, "no etcd endpoint given");
	return 0;
}

int etcd_client_new(const struct etcd_config *cfg, struct etcd_client **out,
		    struct plumb_err *err)
{
	_cleanup_free_ struct etcd_client *c = calloc(1, sizeof(*c));
	size_t total = 0;
	char *p;

	if (!c)
		return plumb_err_set(err, ENOMEM, "out of memory");
	if (!cfg->n_endpoints || cfg->n_endpoints > ETCD_MAX_ENDPOINTS)
		return plumb_err_set(err, EINVAL, "etcd: between 1 and %d endpoints needed",
				     ETCD_MAX_ENDPOINTS);
	c->cfg = *cfg;
	/* Copy the strings so the caller's config need not outlive the client. */
	for (size_t i = 0; i < cfg->n_endpoints; i++)
		total += strlen(cfg->endpoints[i]) + 1;
	total += (cfg->ca ? strlen(cfg->ca) : 0) + (cfg->cert ? strlen(cfg->cert) : 0) +
		 (cfg->key ? strlen(cfg->key) : 0) + 3;
	p = c->strings = malloc(total);
	if (!p)
		return plumb_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < cfg->n_endpoints; i++) {
		c->cfg.endpoints[i] = p;
		p = stpcpy(p, cfg->endpoints[i]) + 1;
	}
	if (cfg->ca)
		c->cfg.ca = p, p = stpcpy(p, cfg->ca) + 1;
	if (cfg->cert)
		c->cfg.cert = p, p = stpcpy(p, cfg->cert) + 1;
	if (cfg->key)
		c->cfg.key = p, p = stpcpy(p, cfg->key) + 1;
	if (!c->cfg.connect_timeout_ms)
		c->cfg.connect_timeout_ms = 2000;
	if (!c->cfg.timeout_ms)
		c->cfg.timeout_ms = 5000;
	pthread_once(&curl_once, curl_init);
	c->easy = curl_easy_init();
	if (!c->easy) {
		free(c->strings);
		return plumb_err_set(err, ENOMEM, "etcd: curl_easy_init failed");
	}
	*out = TAKE_PTR(c);
	return 0;
}

void etcd_client_free(struct etcd_client *c)
{
	if (!c)
		return;
	if (c->easy)
		curl_easy_cleanup(c->easy);
	free(c->strings);
	free(c);
}

size_t etcd_buf_write(char *ptr, size_t size, size_t n, void *userdata)
{
	struct etcd_buf *b = userdata;
	size_t len = size * n;

	if (b->len + len + 1 > b->cap) {
		size_t cap = (b->len + len + 1) * 2;
		char *np = realloc(b->p, cap);

		if (!np)
			return 0; /* makes curl fail the transfer */
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, ptr, len);
	b->len += len;
	b->p[b->len] = '\0';
	return len;
}

void etcd_curl_common(struct etcd_client *c, CURL *h)
{
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->cfg.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (c->cfg.ca)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cfg.ca);
	if (c->cfg.cert)
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->cfg.cert);
	if (c->cfg.key)
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->cfg.key);
}

/* gRPC status codes (as the gateway reports them) to errno. */
static int grpc_errno(int64_t code)
{
	switch (code) {
	case 3: return EINVAL;	 /* INVALID_ARGUMENT */
	case 5: return ENOENT;	 /* NOT_FOUND */
	case 6: return EEXIST;	 /* ALREADY_EXISTS */
	case 7: return EACCES;	 /* PERMISSION_DENIED */
	case 8: return ENOSPC;	 /* RESOURCE_EXHAUSTED */
	case 9: return EAGAIN;	 /* FAILED_PRECONDITION */
	case 11: return ERANGE;	 /* OUT_OF_RANGE (compacted) */
	case 16: return EACCES;	 /* UNAUTHENTICATED */
	default: return EIO;
	}
}

/* One HTTP POST to one endpoint: 1 = try the next endpoint, 0 = done (resp set),
 * <0 = etcd said no (err set). */
static int post_one(struct etcd_client *c, const char *ep, const char *path, const char *body,
		    json_t **resp, char *why, size_t whylen, struct plumb_err *err)
{
	char url[1024], ebuf[CURL_ERROR_SIZE] = "";
	struct etcd_buf b = {0};
	_cleanup_free_ char *owned = NULL;
	long status = 0;
	CURLcode cc;
	json_t *j;

	snprintf(url, sizeof(url), "%s%s", ep, path);
	curl_easy_reset(c->easy);
	etcd_curl_common(c, c->easy);
	curl_easy_setopt(c->easy, CURLOPT_URL, url);
	curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, c->cfg.timeout_ms);
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, etcd_buf_write);
	curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, ebuf); /* names the TLS failure */
	cc = curl_easy_perform(c->easy);
	owned = b.p;
	if (cc != CURLE_OK) {
		snprintf(why, whylen, "%s: %s", ep, ebuf[0] ? ebuf : curl_easy_strerror(cc));
		return 1;
	}
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	j = b.p ? json_loads(b.p, 0, NULL) : NULL;
	if (status >= 500 && status != 501) {
		const char *m = json_string_value(json_object_get(j, "message"));

		snprintf(why, whylen, "%s: HTTP %ld%s%s", ep, status, m ? ": " : "", m ? m : "");
		json_decref(j);
		return 1;
	}
	if (status != 200 || !j) {
		const char *m = json_string_value(json_object_get(j, "message"));
		int code = j ? grpc_errno(etcd_json_int(j, "code")) : EIO;
		int r = plumb_err_set(err, code, "etcd %s%s: %s", ep, path,
				      m ? m : (j ? "unexpected reply" : "reply is not JSON"));

		json_decref(j);
		return r;
	}
	*resp = j;
	return 0;
}

/* POST body (consumed) to path on the first endpoint that answers. */
static int call(struct etcd_client *c, const char *path, json_t *body, json_t **resp,
		struct plumb_err *err)
{
	_cleanup_json_ json_t *b = body;
	_cleanup_free_ char *text = b ? json_dumps(b, JSON_COMPACT) : NULL;
	char why[ETCD_MAX_ENDPOINTS][256] = {{0}};
	char all[PLUMB_ERR_MSG_MAX] = "";
	size_t off = 0;

	if (!text)
		return plumb_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < c->cfg.n_endpoints; i++) {
		size_t idx = (c->cur + i) % c->cfg.n_endpoints;
		int r = post_one(c, c->cfg.endpoints[idx], path, text, resp, why[i],
				 sizeof(why[i]), err);

		if (r <= 0) {
			if (r == 0)
				c->cur = idx;
			return r;
		}
	}
	for (size_t i = 0; i < c->cfg.n_endpoints && off < sizeof(all); i++)
		off += (size_t)snprintf(all + off, sizeof(all) - off, "%s%s", i ? "; " : "", why[i]);
	return plumb_err_set(err, EHOSTUNREACH, "etcd: no endpoint answered %s (%s)", path, all);
}

static json_t *b64_json(const void *data, size_t len)
{
	_cleanup_free_ char *s = etcd_b64_encode(data, len);

	return s ? json_string(s) : NULL;
}

static json_t *range_body(const char *key, const char *range_end, int64_t limit)
{
	json_t *o = json_object();

	json_object_set_new(o, "key", b64_json(key, strlen(key)));
	if (range_end)
		json_object_set_new(o, "range_end", b64_json(range_end, strlen(range_end) ? strlen(range_end) : 1));
	if (limit)
		json_object_set_new(o, "limit", json_integer(limit));
	return o;
}

int etcd_range(struct etcd_client *c, const char *key, const char *range_end, int64_t limit,
	       struct etcd_kvs *out, struct plumb_err *err)
{
	_cleanup_json_ json_t *resp = NULL;
	int r = call(c, "/v3/kv/range", range_body(key, range_end, limit), &resp, err);

	if (r < 0)
		return r;
	r = kvs_from_json(resp, out);
	return r < 0 ? plumb_err_set(err, -r, "etcd: bad range reply") : 0;
}

static json_t *put_body(const char *key, const void *value, size_t len, int64_t lease)
{
	json_t *o = json_object();

	json_object_set_new(o, "key", b64_json(key, strlen(key)));
	json_object_set_new(o, "value", b64_json(value, len));
	if (lease)
		json_object_set_new(o, "lease", json_integer(lease));
	return o;
}

int etcd_put(struct etcd_client *c, const char *key, const void *value, size_t len,
	     int64_t lease, struct plumb_err *err)
{
	_cleanup_json_ json_t *resp = NULL;

	return call(c, "/v3/kv/put", put_body(key, value, len, lease), &resp, err);
}

int etcd_delete(struct etcd_client *c, const char *key, const char *range_end,
		struct plumb_err *err)
{
	_cleanup_json_ json_t *resp = NULL;
	int r = call(c, "/v3/kv/deleterange", range_body(key, range_end, 0), &resp, err);

	return r < 0 ? r : (int)etcd_json_int(resp, "deleted");
}

static json_t *op_json(const struct etcd_op *op)
{
	switch (op->type) {
	case ETCD_OP_PUT:
		return json_pack("{s:o}", "request_put",
				 put_body(op->key, op->value, op->value_len, op->lease));
	case ETCD_OP_DELETE:
		return json_pack("{s:o}", "request_delete_range",
				 range_body(op->key, op->range_end, 0));
	default:
		return json_pack("{s:o}", "request_range", range_body(op->key, op->range_end, 0));
	}
}

static json_t *cmp_json(const struct etcd_cmp *cmp)
{
	static const char *const target[] = {"CREATE", "MOD", "VERSION", "VALUE"};
	static const char *const result[] = {"EQUAL", "NOT_EQUAL", "LESS", "GREATER"};
	static const char *const field[] = {"create_revision", "mod_revision", "version"};
	json_t *o = json_pack("{s:o,s:s,s:s}", "key", b64_json(cmp->key, strlen(cmp->key)),
			      "target", target[cmp->target], "result", result[cmp->result]);

	if (cmp->target == ETCD_CMP_VALUE)
		json_object_set_new(o, "value", b64_json(cmp->value, strlen(cmp->value)));
	else
		json_object_set_new(o, field[cmp->target], json_integer(cmp->number));
	return o;
}

int etcd_txn(struct etcd_client *c, const struct etcd_cmp *cmp, size_t n_cmp,
	     const struct etcd_op *success, size_t n_success, const struct etcd_op *failure,
	     size_t n_failure, bool *succeeded, struct etcd_kvs *range_out, struct plumb_err *err)
{
	json_t *body = json_object(), *a;
	_cleanup_json_ json_t *resp = NULL;
	size_t i;
	int r;

	a = json_array();
	for (i = 0; i < n_cmp; i++)
		json_array_append_new(a, cmp_json(&cmp[i]));
	json_object_set_new(body, "compare", a);
	a = json_array();
	for (i = 0; i < n_success; i++)
		json_array_append_new(a, op_json(&success[i]));
	json_object_set_new(body, "success", a);
	a = json_array();
	for (i = 0; i < n_failure; i++)
		json_array_append_new(a, op_json(&failure[i]));
	json_object_set_new(body, "failure", a);
	r = call(c, "/v3/kv/txn", body, &resp, err);
	if (r < 0)
		return r;
	*succeeded = json_is_true(json_object_get(resp, "succeeded"));
	if (range_out) {
		json_t *o;

		*range_out = (struct etcd_kvs){0};
		json_array_foreach(json_object_get(resp, "responses"), i, o) {
			json_t *rr = json_object_get(o, "response_range");

			if (rr) {
				r = kvs_from_json(rr, range_out);
				if (r < 0)
					return plumb_err_set(err, -r, "etcd: bad txn reply");
				break;
			}
		}
	}
	return 0;
}

int etcd_lease_grant(struct etcd_client *c, int64_t ttl, int64_t *id, struct plumb_err *err)
{
	_cleanup_json_ json_t *resp = NULL;
	int r = call(c, "/v3/lease/grant", json_pack("{s:I}", "TTL", (json_int_t)ttl), &resp, err);

	if (r < 0)
		return r;
	*id = etcd_json_int(resp, "ID");
	if (!*id)
		return plumb_err_set(err, EIO, "etcd: lease grant: %s",
				     json_string_value(json_object_get(resp, "error")) ?: "no lease ID");
	return 0;
}

int etcd_lease_keepalive(struct etcd_client *c, int64_t id, int64_t *ttl, struct plumb_err *err)
{
	_cleanup_json_ json_t *resp = NULL;
	int r = call(c, "/v3/lease/keepalive", json_pack("{s:I}", "ID", (json_int_t)id), &resp, err);

	if (r < 0)
		return r;
	/* a streaming call: the reply is {"result": {...}} */
	*ttl = etcd_json_int(json_object_get(resp, "result"), "TTL");
	if (*ttl <= 0)
		return plumb_err_set(err, ENOENT, "etcd: lease %llx has expired",
				     (unsigned long long)id);
	return 0;
}

int etcd_lease_revoke(struct etcd_client *c, int64_t id, struct plumb_err *err)
{
	_cleanup_json_ json_t *resp = NULL;

	return call(c, "/v3/lease/revoke", json_pack("{s:I}", "ID", (json_int_t)id), &resp, err);
}
