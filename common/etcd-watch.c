// SPDX-License-Identifier: MIT
/* common/etcd-watch.c — a streaming /v3/watch on a curl multi handle whose
 * sockets live in one epoll fd, so a caller's event loop needs one fd and one
 * timeout. The stream is newline-delimited JSON (one WatchResponse a line). */
#include "common/etcd-internal.h"

#include "common/cleanup.h"
#include "common/json.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct etcd_watch {
	struct etcd_client *c;
	char *key, *range_end; /* range_end NULL = one key */
	int64_t next_rev;      /* where a reconnect resumes; 0 = now */
	etcd_watch_fn fn;
	void *ud;
	CURLM *multi;
	CURL *easy;	  /* NULL between connections */
	int epfd;
	int64_t deadline; /* ms, curl's timer; -1 none */
	int64_t retry_at; /* ms, next reconnect when easy == NULL */
	unsigned failures;
	size_t ep;
	struct etcd_buf buf;
	int ret; /* a callback's non-zero return */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct etcd_watch *w = userp;
	struct epoll_event ev = {.data.fd = s};

	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, s, &ev) < 0 && errno == ENOENT)
		epoll_ctl(w->epfd, EPOLL_CTL_ADD, s, &ev);
	return 0;
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct etcd_watch *w = userp;

	w->deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	return 0;
}

static void deliver_error(struct etcd_watch *w, int code, const char *msg)
{
	struct etcd_watch_update u = {.err = -code, .msg = msg};
	int r = w->fn(w->ud, &u);

	if (r && !w->ret)
		w->ret = r;
}

/* One WatchResponse line. */
static void handle_line(struct etcd_watch *w, const char *line, size_t len)
{
	_cleanup_json_ json_t *j = json_loadb(line, len, 0, NULL);
	json_t *res = json_object_get(j, "result"), *arr, *o;
	struct etcd_event ev[64];
	struct etcd_watch_update u = {0};
	size_t i, n = 0;
	int r;

	if (!res) {
		const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));

		deliver_error(w, EIO, m ? m : "etcd watch: unexpected message");
		return;
	}
	u.revision = etcd_json_int(json_object_get(res, "header"), "revision");
	u.created = json_is_true(json_object_get(res, "created"));
	if (etcd_json_int(res, "compact_revision") > 0) {
		/* Our resume point was compacted away: the caller must re-list. */
		w->next_rev = 0;
		deliver_error(w, ERANGE, "etcd watch: revision compacted, re-list and watch again");
		return;
	}
	if (u.created && !w->next_rev)
		w->next_rev = u.revision + 1;
	arr = json_object_get(res, "events");
	json_array_foreach(arr, i, o) {
		const char *type = json_string_value(json_object_get(o, "type"));

		if (n == ARRAY_SIZE(ev))
			break;
		/* PUT is the enum's zero value, which the gateway leaves out */
		ev[n].type = type && !strcmp(type, "DELETE") ? ETCD_EVENT_DELETE : ETCD_EVENT_PUT;
		if (etcd_kv_from_json(json_object_get(o, "kv"), &ev[n].kv) < 0)
			continue;
		if (ev[n].kv.mod_revision >= w->next_rev)
			w->next_rev = ev[n].kv.mod_revision + 1;
		n++;
	}
	u.n = n;
	u.events = ev;
	w->failures = 0;
	if (n || u.created) {
		r = w->fn(w->ud, &u);
		if (r && !w->ret)
			w->ret = r;
	}
	for (i = 0; i < n; i++)
		etcd_kv_clear(&ev[i].kv);
}

static void drain_lines(struct etcd_watch *w, bool final)
{
	char *start = w->buf.p, *nl;

	while (start && (nl = memchr(start, '\n', w->buf.len - (size_t)(start - w->buf.p)))) {
		if (nl > start)
			handle_line(w, start, (size_t)(nl - start));
		start = nl + 1;
	}
	if (!start)
		return;
	w->buf.len -= (size_t)(start - w->buf.p);
	memmove(w->buf.p, start, w->buf.len);
	if (final && w->buf.len) {
		handle_line(w, w->buf.p, w->buf.len);
		w->buf.len = 0;
	}
}

static size_t write_cb(char *ptr, size_t size, size_t n, void *userdata)
{
	struct etcd_watch *w = userdata;
	size_t r = etcd_buf_write(ptr, size, n, &w->buf);

	if (r)
		drain_lines(w, false);
	return r;
}

static int start(struct etcd_watch *w, struct plumb_err *err)
{
	_cleanup_json_ json_t *req = json_object(), *outer = NULL;
	_cleanup_free_ char *k = etcd_b64_encode(w->key, strlen(w->key)), *body = NULL;
	char url[1024];

	json_object_set_new(req, "key", json_string(k));
	if (w->range_end) {
		_cleanup_free_ char *e = etcd_b64_encode(w->range_end, strlen(w->range_end) ?: 1);

		json_object_set_new(req, "range_end", json_string(e));
	}
	if (w->next_rev)
		json_object_set_new(req, "start_revision", json_integer(w->next_rev));
	outer = json_pack("{s:O}", "create_request", req);
	body = outer ? json_dumps(outer, JSON_COMPACT) : NULL;
	w->easy = curl_easy_init();
	if (!body || !w->easy)
		return plumb_err_set(err, ENOMEM, "out of memory");
	snprintf(url, sizeof(url), "%s/v3/watch", w->c->cfg.endpoints[w->ep]);
	etcd_curl_common(w->c, w->easy);
	curl_easy_setopt(w->easy, CURLOPT_URL, url);
	curl_easy_setopt(w->easy, CURLOPT_COPYPOSTFIELDS, body);
	curl_easy_setopt(w->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(w->easy, CURLOPT_WRITEDATA, w);
	w->buf.len = 0;
	if (curl_multi_add_handle(w->multi, w->easy) != CURLM_OK)
		return plumb_err_set(err, EIO, "etcd watch: curl_multi_add_handle failed");
	return 0;
}

/* The stream ended: tell the callback, move to the next endpoint, back off. */
static void finished(struct etcd_watch *w, CURLcode cc)
{
	char msg[512];
	long status = 0;

	drain_lines(w, true);
	curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &status);
	snprintf(msg, sizeof(msg), "etcd watch %s: %s", w->c->cfg.endpoints[w->ep],
		 cc != CURLE_OK ? curl_easy_strerror(cc)
		 : status != 200 ? "HTTP error"
				 : "stream closed by the server");
	curl_multi_remove_handle(w->multi, w->easy);
	curl_easy_cleanup(w->easy);
	w->easy = NULL;
	w->ep = (w->ep + 1) % w->c->cfg.n_endpoints;
	w->failures++;
	w->retry_at = now_ms() + (w->failures > 6 ? 5000 : 50 << w->failures);
	deliver_error(w, cc == CURLE_COULDNT_CONNECT ? ECONNREFUSED : EIO, msg);
}

int etcd_watch_new(struct etcd_client *c, const char *key, const char *range_end,
		   int64_t start_revision, etcd_watch_fn fn, void *userdata,
		   struct etcd_watch **out, struct plumb_err *err)
{
	struct etcd_watch *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return plumb_err_set(err, ENOMEM, "out of memory");
	*w = (struct etcd_watch){.c = c, .next_rev = start_revision, .fn = fn, .ud = userdata,
				 .epfd = -1, .deadline = -1, .ep = c->cur};
	w->key = strdup(key);
	w->range_end = range_end ? malloc(strlen(range_end) + 1) : NULL;
	if (w->range_end)
		strcpy(w->range_end, range_end);
	w->multi = curl_multi_init();
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!w->key || (range_end && !w->range_end) || !w->multi || w->epfd < 0) {
		etcd_watch_free(w);
		return plumb_err_set(err, ENOMEM, "etcd watch: out of resources");
	}
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	r = start(w, err);
	if (r < 0) {
		etcd_watch_free(w);
		return r;
	}
	*out = w;
	return 0;
}

void etcd_watch_free(struct etcd_watch *w)
{
	if (!w)
		return;
	if (w->easy) {
		curl_multi_remove_handle(w->multi, w->easy);
		curl_easy_cleanup(w->easy);
	}
	if (w->multi)
		curl_multi_cleanup(w->multi);
	if (w->epfd >= 0)
		close(w->epfd);
	free(w->buf.p);
	free(w->key);
	free(w->range_end);
	free(w);
}

int etcd_watch_fd(const struct etcd_watch *w)
{
	return w->epfd;
}

int etcd_watch_timeout_ms(const struct etcd_watch *w)
{
	int64_t at = w->easy ? w->deadline : w->retry_at, left;

	if (at < 0)
		return -1;
	left = at - now_ms();
	return left < 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

int etcd_watch_dispatch(struct etcd_watch *w, struct plumb_err *err)
{
	struct epoll_event ev[16];
	CURLMsg *m;
	int running, n, left;

	if (!w->easy) {
		if (now_ms() < w->retry_at)
			return w->ret;
		n = start(w, err);
		if (n < 0)
			return n;
		curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	n = epoll_wait(w->epfd, ev, ARRAY_SIZE(ev), 0);
	for (int i = 0; i < n; i++) {
		int flags = (ev[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
			    (ev[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
			    (ev[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);

		curl_multi_socket_action(w->multi, ev[i].data.fd, flags, &running);
	}
	if (w->deadline >= 0 && now_ms() >= w->deadline)
		curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	while (w->easy && (m = curl_multi_info_read(w->multi, &left)))
		if (m->msg == CURLMSG_DONE)
			finished(w, m->data.result);
	n = w->ret;
	w->ret = 0;
	return n;
}

int etcd_watch_run(struct etcd_watch *w, volatile bool *stop, struct plumb_err *err)
{
	while (!stop || !*stop) {
		struct pollfd p = {.fd = w->epfd, .events = POLLIN};
		int t = etcd_watch_timeout_ms(w), r;

		if (t < 0 || t > 200)
			t = 200;
		if (poll(&p, 1, t) < 0 && errno != EINTR)
			return plumb_err_set(err, errno, "etcd watch: poll: %s", strerror(errno));
		r = etcd_watch_dispatch(w, err);
		if (r)
			return r;
	}
	return 0;
}
