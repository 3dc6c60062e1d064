// SPDX-License-Identifier: MIT
/* DNS over TCP (RFC 1035 4.2.2 framing, RFC 7766): several queries per
 * connection, answers possibly out of order when some are forwarded, an idle
 * timeout, and a cap on connections and on unsent output. */
#include "dns/plumb-dns/server.h"

#include "common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define TCP_IDLE_MS 10000
#define TCP_MAX_PENDING_OUT (256 * 1024)

void tcp_close(struct srv *s, struct tcpconn *c)
{
	for (struct tcpconn **pp = &s->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	srv_epoll_del(s, &c->ev);
	close(c->ev.fd);
	free(c->rbuf);
	free(c->wbuf);
	free(c);
	s->nconns--;
}

void tcp_close_listener(struct srv *s, struct listener *l)
{
	for (struct tcpconn *c = s->conns, *next; c; c = next) {
		next = c->next;
		if (c->l == l)
			tcp_close(s, c);
	}
}

/* The oldest idle connection makes room when we are full. */
static void evict_oldest(struct srv *s)
{
	struct tcpconn *old = NULL;

	for (struct tcpconn *c = s->conns; c; c = c->next)
		if (!old || c->last_ms < old->last_ms)
			old = c;
	if (old)
		tcp_close(s, old);
}

void tcp_accept(struct srv *s, struct listener *l)
{
	for (int i = 0; i < 16; i++) {
		int fd = accept4(l->tcp.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct tcpconn *c;

		if (fd < 0)
			return;
		if (s->nconns >= SRV_MAX_TCP)
			evict_oldest(s);
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		c->ev = (struct ev){EV_TCP_CONN, fd, c};
		c->serial = ++s->serial;
		c->l = l;
		c->last_ms = srv_now_ms();
		if (srv_epoll_add(s, &c->ev, EPOLLIN) < 0) {
			close(fd);
			free(c);
			return;
		}
		c->next = s->conns;
		s->conns = c;
		s->nconns++;
	}
}

struct tcpconn *tcp_by_serial(struct srv *s, uint64_t serial)
{
	for (struct tcpconn *c = s->conns; c; c = c->next)
		if (c->serial == serial)
			return c;
	return NULL;
}

static int flush(struct srv *s, struct tcpconn *c)
{
	while (c->woff < c->wlen) {
		ssize_t n = send(c->ev.fd, c->wbuf + c->woff, c->wlen - c->woff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct epoll_event e = {.events = EPOLLIN | EPOLLOUT,
							.data.ptr = &c->ev};

				epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->ev.fd, &e);
				return 0;
			}
			return -errno;
		}
		c->woff += (size_t)n;
	}
	c->woff = c->wlen = 0;
	{
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = &c->ev};

		epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->ev.fd, &e);
	}
	return 0;
}

void tcp_send_msg(struct srv *s, struct tcpconn *c, const uint8_t *msg, size_t len)
{
	size_t need = c->wlen + 2 + len;

	if (need - c->woff > TCP_MAX_PENDING_OUT) {
		tcp_close(s, c); /* a client that does not read its answers */
		return;
	}
	if (need > c->wcap) {
		size_t cap = c->wcap ? c->wcap : 1024;
		uint8_t *nb;

		while (cap < need)
			cap *= 2;
		if (!(nb = realloc(c->wbuf, cap))) {
			tcp_close(s, c);
			return;
		}
		c->wbuf = nb;
		c->wcap = cap;
	}
	c->wbuf[c->wlen] = (uint8_t)(len >> 8);
	c->wbuf[c->wlen + 1] = (uint8_t)len;
	memcpy(c->wbuf + c->wlen + 2, msg, len);
	c->wlen += 2 + len;
	if (flush(s, c) < 0)
		tcp_close(s, c);
}

/* Answer every complete message in the read buffer. Returns -1 when c was
 * closed. */
static int process(struct srv *s, struct tcpconn *c)
{
	size_t off = 0;
	uint64_t serial = c->serial;

	while (c->rlen - off >= 2) {
		size_t mlen = (size_t)c->rbuf[off] << 8 | c->rbuf[off + 1];
		const uint8_t *msg = c->rbuf + off + 2;
		struct dns_query q;
		size_t olen = 0;
		enum dns_verdict v;

		if (c->rlen - off - 2 < mlen)
			break;
		off += 2 + mlen;
		v = dns_answer(s->zone, c->l->nets, c->l->nnets, msg, mlen, true, &q, s->out,
			       sizeof(s->out), &olen);
		if (v == DNS_REPLY)
			tcp_send_msg(s, c, s->out, olen);
		else if (v == DNS_FORWARD)
			fwd_start(s, &q, msg, mlen, true, serial, NULL, 0);
		if (!tcp_by_serial(s, serial))
			return -1;
	}
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
	return 0;
}

void tcp_event(struct srv *s, struct tcpconn *c, uint32_t events)
{
	c->last_ms = srv_now_ms();
	if (events & EPOLLOUT && flush(s, c) < 0) {
		tcp_close(s, c);
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		ssize_t n;

		if (c->rcap - c->rlen < 512) {
			size_t cap = c->rcap ? c->rcap * 2 : 1024;
			uint8_t *nb;

			if (cap > 2 + DNS_TCP_MAX + 1024) {
				tcp_close(s, c); /* no message is this large */
				return;
			}
			if (!(nb = realloc(c->rbuf, cap))) {
				tcp_close(s, c);
				return;
			}
			c->rbuf = nb;
			c->rcap = cap;
		}
		n = recv(c->ev.fd, c->rbuf + c->rlen, c->rcap - c->rlen, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			tcp_close(s, c);
			return;
		}
		c->rlen += (size_t)n;
		if (process(s, c) < 0)
			return;
	}
}

void tcp_expire(struct srv *s, long now)
{
	for (struct tcpconn *c = s->conns, *next; c; c = next) {
		next = c->next;
		if (now - c->last_ms > TCP_IDLE_MS)
			tcp_close(s, c);
	}
}
