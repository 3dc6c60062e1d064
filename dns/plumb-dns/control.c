// SPDX-License-Identifier: MIT
/* The control socket: JSON lines in, one JSON line out per request.
 *   {"cmd":"register", <registration>}      {"cmd":"unregister","network","id"}
 *   {"cmd":"network", <network settings>}   {"cmd":"list"}   {"cmd":"ping"}
 * Every change is checked before it is stored, then the zone is rebuilt and
 * the state file rewritten before the answer goes out: "ok" means durable. */
#include "dns/plumb-dns/regjson.h"
#include "dns/plumb-dns/server.h"

#include "common/cleanup.h"
#include "common/file.h"
#include "common/log.h"

#include <errno.h>
#include <libgen.h>
#include <malloc.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_LINE_MAX (16 << 20) /* a batch of a node's registrations */

int srv_apply(struct srv *s, struct plumb_err *err)
{
	struct dns_zone_opts o = {.ttl = s->o.ttl};
	struct dns_zone *z;
	int r = dns_zone_build(&s->reg, &o, &z, err);

	if (r < 0)
		return r;
	dns_zone_carry_rotation(z, s->zone);
	dns_zone_free(s->zone);
	s->zone = z;
	listeners_reconcile(s);
	return 0;
}

int ctl_open(struct srv *s, struct plumb_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;
	char *reply = NULL;

	if (strlen(s->o.control) >= sizeof(sa.sun_path))
		return plumb_err_set(err, ENAMETOOLONG, "control socket path '%s' is too long",
				     s->o.control);
	/* A live daemon on this socket: do not steal it. A dead one's file: reuse. */
	if (dns_ctl_request(s->o.control, "{\"cmd\":\"ping\"}", &reply, 1000, NULL) == 0) {
		free(reply);
		return plumb_err_set(err, EADDRINUSE, "a plumb-dns already serves %s",
				     s->o.control);
	}
	unlink(s->o.control);
	strcpy(sa.sun_path, s->o.control);
	{
		_cleanup_free_ char *dir = strdup(s->o.control);
		int r = dir ? plumb_mkdir_p(dirname(dir), 0755, err) : -ENOMEM;

		if (r < 0)
			return r == -ENOMEM ? plumb_err_set(err, ENOMEM, "out of memory") : r;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return plumb_err_set(err, errno, "socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(s->o.control, 0600) < 0 ||
	    listen(fd, 64) < 0)
		return plumb_err_set(err, errno, "control socket %s: %s", s->o.control,
				     strerror(errno));
	s->ctl_ev = (struct ev){EV_CTL_LISTEN, TAKE_FD(fd), NULL};
	return srv_epoll_add(s, &s->ctl_ev, EPOLLIN);
}

static void ctl_close(struct srv *s, struct ctlconn *c)
{
	for (struct ctlconn **pp = &s->ctls; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	srv_epoll_del(s, &c->ev);
	close(c->ev.fd);
	free(c->buf);
	free(c);
	/* A batch of registrations leaves a heap full of freed JSON; give the
	 * pages back so a loaded daemon stays small (the query path allocates
	 * nothing, so nothing refills it). */
	malloc_trim(0);
}

void ctl_close_all(struct srv *s)
{
	while (s->ctls)
		ctl_close(s, s->ctls);
	if (s->ctl_ev.fd >= 0) {
		close(s->ctl_ev.fd);
		unlink(s->o.control);
	}
}

void ctl_accept(struct srv *s)
{
	for (;;) {
		int fd = accept4(s->ctl_ev.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctlconn *c;

		if (fd < 0)
			return;
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->ev = (struct ev){EV_CTL_CONN, fd, c};
		if (srv_epoll_add(s, &c->ev, EPOLLIN) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = s->ctls;
		s->ctls = c;
	}
}

/* Replies are small except list; a client that does not read within a
 * second loses its connection rather than stalling every query. */
static int ctl_write(int fd, const char *text)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};

			if (poll(&p, 1, 1000) <= 0)
				return -ETIMEDOUT;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

static int commit(struct srv *s, struct plumb_err *err)
{
	int r = srv_apply(s, err);

	if (r < 0)
		return r;
	return state_save(s, err);
}

static int register_one(struct srv *s, json_t *req, struct dns_reg_buf *b, struct plumb_err *err)
{
	int r;

	if ((r = regjson_parse(req, b, err)) < 0)
		return r;
	/* the listener first: a namespace we cannot serve is an error now,
	 * with nothing stored */
	if (b->r.netns && (r = listener_ensure_netns(s, b->r.netns, err)) < 0)
		return r;
	if ((r = dns_registry_put(&s->reg, &b->r, err)) < 0)
		return r;
	log_info("registered %s/%s (%s)", b->r.network, b->r.id, b->r.name ? b->r.name : "");
	return 0;
}

/* One registration, or {"entries":[...]}: many, with one zone rebuild and one
 * state write (loading a node's worth of names should not be quadratic).
 * Entries before a bad one stay registered; the error names the bad one. */
static int cmd_register(struct srv *s, json_t *req, struct plumb_err *err)
{
	_cleanup_free_ struct dns_reg_buf *b = malloc(sizeof(*b));
	json_t *entries = json_object_get(req, "entries"), *v;
	size_t i;
	int r = 0;

	if (!b)
		return plumb_err_set(err, ENOMEM, "out of memory");
	if (!entries) {
		r = register_one(s, req, b, err);
		return r < 0 ? r : commit(s, err);
	}
	if (!json_is_array(entries))
		return plumb_err_set(err, EINVAL, "field 'entries' must be an array");
	json_array_foreach(entries, i, v) {
		if ((r = register_one(s, v, b, err)) < 0) {
			plumb_err_wrap(err, r, "entries[%zu]", i);
			break;
		}
	}
	if (i == 0)
		return r;
	{
		int c = commit(s, NULL);

		return r < 0 ? r : c;
	}
}

static int cmd_unregister(struct srv *s, json_t *req, json_t *reply, struct plumb_err *err)
{
	const char *network = NULL, *id = NULL;
	int r, n;

	if ((r = pjson_string(req, "network", NULL, false, &network, err)) < 0 ||
	    (r = pjson_string(req, "id", NULL, true, &id, err)) < 0)
		return r;
	n = dns_registry_del(&s->reg, network, id);
	json_object_set_new(reply, "removed", json_integer(n));
	if (!n)
		return 0; /* DEL twice is fine */
	log_info("unregistered %s/%s", network ? network : "*", id);
	return commit(s, err);
}

static int cmd_network(struct srv *s, json_t *req, struct plumb_err *err)
{
	struct dns_netconf n;
	int r;

	if ((r = netjson_parse(req, &n, err)) < 0)
		return r;
	for (size_t i = 0; i < n.nlisten; i++)
		if ((r = listener_ensure_addr(s, &n.listen[i], err)) < 0)
			return plumb_err_wrap(err, r, "network '%s'", n.name);
	if ((r = dns_registry_net_put(&s->reg, &n, err)) < 0)
		return r;
	return commit(s, err);
}

static int cmd_list(struct srv *s, json_t *reply, struct plumb_err *err)
{
	json_t *ls;
	int r;

	if ((r = registry_json_set(reply, &s->reg, err)) < 0)
		return r;
	ls = json_array();
	for (struct listener *l = s->listeners; l; l = l->next) {
		char buf[PLUMB_IP_STRLEN];
		json_t *o = json_pack("{s:s, s:i}", "address",
				      plumb_ip_str(&l->addr, buf, sizeof(buf)), "port", s->o.port);
		json_t *names = json_array();

		if (l->netns)
			json_object_set_new(o, "netns", json_string(l->netns));
		for (size_t i = 0; i < l->nnet_names; i++)
			json_array_append_new(names, json_string(l->net_names[i]));
		json_object_set_new(o, "networks", names);
		json_array_append_new(ls, o);
	}
	json_object_set_new(reply, "listeners", ls);
	json_object_set_new(reply, "names", json_integer((json_int_t)dns_zone_names(s->zone)));
	json_object_set_new(reply, "upstreams", json_integer((json_int_t)s->nup));
	return 0;
}

static json_t *handle(struct srv *s, const char *line)
{
	_cleanup_json_ json_t *req = NULL;
	json_t *reply = json_object();
	struct plumb_err err = {0};
	json_error_t jerr;
	const char *cmd = NULL;
	int r;

	req = json_loads(line, 0, &jerr);
	if (!req || !json_is_object(req))
		r = plumb_err_set(&err, EINVAL, "request is not a JSON object: %s",
				  req ? "" : jerr.text);
	else if ((r = pjson_string(req, "cmd", NULL, true, &cmd, &err)) < 0)
		;
	else if (!strcmp(cmd, "ping"))
		json_object_set_new(reply, "pid", json_integer(getpid()));
	else if (!strcmp(cmd, "register"))
		r = cmd_register(s, req, &err);
	else if (!strcmp(cmd, "unregister"))
		r = cmd_unregister(s, req, reply, &err);
	else if (!strcmp(cmd, "network"))
		r = cmd_network(s, req, &err);
	else if (!strcmp(cmd, "list"))
		r = cmd_list(s, reply, &err);
	else
		r = plumb_err_set(&err, EINVAL, "unknown cmd '%s' (register, unregister, network, "
						"list, ping)",
				  cmd);
	json_object_set_new(reply, "ok", json_boolean(r >= 0));
	if (r < 0) {
		json_object_set_new(reply, "error", json_string(plumb_err_msg(&err, r)));
		log_warn("control: %s", plumb_err_msg(&err, r));
	}
	return reply;
}

void ctl_event(struct srv *s, struct ctlconn *c, uint32_t events)
{
	for (;;) {
		char *nl;
		ssize_t n;

		if (c->cap - c->len < 4096) {
			size_t cap = c->cap ? c->cap * 2 : 8192;
			char *nb;

			if (cap > CTL_LINE_MAX || !(nb = realloc(c->buf, cap))) {
				ctl_close(s, c);
				return;
			}
			c->buf = nb;
			c->cap = cap;
		}
		n = recv(c->ev.fd, c->buf + c->len, c->cap - c->len - 1, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			ctl_close(s, c);
			return;
		}
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
		while ((nl = memchr(c->buf, '\n', c->len))) {
			json_t *reply;
			char *text;
			int r;

			*nl = '\0';
			reply = handle(s, c->buf);
			text = json_dumps(reply, JSON_COMPACT);
			json_decref(reply);
			r = text ? ctl_write(c->ev.fd, text) : -ENOMEM;
			if (r == 0)
				r = ctl_write(c->ev.fd, "\n");
			free(text);
			c->len -= (size_t)(nl + 1 - c->buf);
			memmove(c->buf, nl + 1, c->len + 1);
			if (r < 0) {
				ctl_close(s, c);
				return;
			}
		}
	}
	(void)events;
}
