// SPDX-License-Identifier: MIT
/* Forwarding what is not ours: one connected socket per query (a fresh random
 * source port and a random ID each try), answers matched on ID and question,
 * a timeout then the next upstream, SERVFAIL when all failed, and a retry
 * over TCP when an upstream truncates. */
#include "dns/plumb-dns/server.h"

#include "common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>

static void fwd_close_socket(struct srv *s, struct fwd *f)
{
	if (f->ev.fd < 0)
		return;
	srv_epoll_del(s, &f->ev);
	close(f->ev.fd);
	f->ev.fd = -1;
}

static void fwd_free(struct srv *s, struct fwd *f)
{
	fwd_close_socket(s, f);
	if (f->prev)
		f->prev->next = f->next;
	else
		s->fwds = f->next;
	if (f->next)
		f->next->prev = f->prev;
	free(f->query);
	free(f->resp);
	free(f);
	s->nfwds--;
}

void srv_reply(struct srv *s, bool client_tcp, uint64_t serial, const struct sockaddr *client,
	       socklen_t clientlen, const uint8_t *msg, size_t len)
{
	if (client_tcp) {
		struct tcpconn *c = tcp_by_serial(s, serial);

		if (c)
			tcp_send_msg(s, c, msg, len);
	} else {
		struct listener *l = listener_by_serial(s, serial);

		if (l)
			sendto(l->udp.fd, msg, len, MSG_DONTWAIT, client, clientlen);
	}
}

static void fwd_fail(struct srv *s, struct fwd *f, int rcode)
{
	size_t n = dns_reply_rcode(&f->q, f->query, rcode, 0, s->out, sizeof(s->out));

	srv_reply(s, f->client_tcp, f->client_serial, (struct sockaddr *)&f->client, f->clientlen,
		  s->out, n);
	fwd_free(s, f);
}

static int try_send(struct srv *s, struct fwd *f)
{
	const struct upstream *up;
	uint16_t id;
	int fd;

	fwd_close_socket(s, f);
	f->rlen = f->sent = 0;
	if (f->up >= (int)s->nup)
		return -ENOENT;
	up = &s->up[f->up];
	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)(srv_now_ms() * 2654435761u >> 7);
	f->up_id = id;
	f->query[0] = (uint8_t)(id >> 8);
	f->query[1] = (uint8_t)id;
	fd = socket(up->sa.ss_family, (f->tcp_up ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
					       SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	f->ev.fd = fd;
	if (connect(fd, (const struct sockaddr *)&up->sa, up->salen) < 0 && errno != EINPROGRESS)
		return -errno;
	if (!f->tcp_up && send(fd, f->query, f->qlen, MSG_DONTWAIT) < 0)
		return -errno;
	f->deadline_ms = srv_now_ms() + s->o.timeout_ms;
	f->tries++;
	return srv_epoll_add(s, &f->ev, f->tcp_up ? EPOLLOUT : EPOLLIN);
}

/* Move on to the next upstream (UDP again); SERVFAIL when none is left. */
static void next_upstream(struct srv *s, struct fwd *f)
{
	for (;;) {
		f->up++;
		f->tcp_up = false;
		if (f->up >= (int)s->nup) {
			fwd_fail(s, f, DNS_R_SERVFAIL);
			return;
		}
		if (try_send(s, f) == 0)
			return;
	}
}

void fwd_start(struct srv *s, const struct dns_query *q, const uint8_t *pkt, size_t len,
	       bool client_tcp, uint64_t client_serial, const struct sockaddr *client,
	       socklen_t clientlen)
{
	struct fwd *f;

	if (!s->nup || s->nfwds >= SRV_MAX_FWD || len > DNS_UDP_MAX) {
		/* nowhere to send it, or too busy: say so at once */
		size_t n = dns_reply_rcode(q, pkt, DNS_R_REFUSED, 0, s->out, sizeof(s->out));

		srv_reply(s, client_tcp, client_serial, client, clientlen, s->out, n);
		return;
	}
	f = calloc(1, sizeof(*f));
	if (!f || !(f->query = malloc(len))) {
		free(f);
		return;
	}
	f->ev = (struct ev){EV_FWD, -1, f};
	f->q = *q;
	memcpy(f->query, pkt, len);
	f->qlen = len;
	f->client_tcp = client_tcp;
	f->client_serial = client_serial;
	if (client) {
		memcpy(&f->client, client, clientlen);
		f->clientlen = clientlen;
	}
	f->up = -1;
	f->next = s->fwds;
	if (s->fwds)
		s->fwds->prev = f;
	s->fwds = f;
	s->nfwds++;
	next_upstream(s, f);
}

/* Is this the answer to our question (ID, QR, same question)? */
static bool matches(const struct fwd *f, const uint8_t *r, size_t len)
{
	struct dns_header h;
	uint8_t name[DNS_NAME_MAX];
	size_t off = DNS_HDR_LEN;
	int n;

	if (dns_header_read(r, len, &h) < 0 || h.id != f->up_id || !(h.flags & DNS_F_QR) ||
	    h.qdcount != 1)
		return false;
	n = dns_name_read(r, len, &off, name, true);
	if (n != f->q.qname_len || memcmp(name, f->q.qname, (size_t)n) || off + 4 > len)
		return false;
	return (uint16_t)(r[off] << 8 | r[off + 1]) == f->q.qtype &&
	       (uint16_t)(r[off + 2] << 8 | r[off + 3]) == f->q.qclass;
}

static void deliver(struct srv *s, struct fwd *f, uint8_t *r, size_t len)
{
	size_t limit = f->q.edns ? f->q.udp_size : DNS_UDP_MIN;

	if (!f->client_tcp && len > limit) {
		/* the upstream ignored the client's size: TC sends it to TCP */
		len = dns_reply_rcode(&f->q, f->query, DNS_F_RCODE(r[3]), DNS_F_TC, s->out,
				      sizeof(s->out));
		r = s->out;
	} else {
		r[0] = (uint8_t)(f->q.hdr.id >> 8);
		r[1] = (uint8_t)f->q.hdr.id;
	}
	srv_reply(s, f->client_tcp, f->client_serial, (struct sockaddr *)&f->client, f->clientlen,
		  r, len);
	fwd_free(s, f);
}

/* A complete response r from the upstream: accept, retry, or move on (f may
 * be gone afterwards). Returns false when r is not ours and f is untouched. */
static bool got_response(struct srv *s, struct fwd *f, uint8_t *r, size_t len)
{
	int rcode;

	if (!matches(f, r, len))
		return false; /* late or spoofed: keep waiting */
	rcode = DNS_F_RCODE(r[3]);
	if (rcode == DNS_R_SERVFAIL || rcode == DNS_R_REFUSED) {
		next_upstream(s, f);
		return true;
	}
	if ((r[2] << 8 | r[3]) & DNS_F_TC && !f->tcp_up) {
		f->tcp_up = true;
		if (try_send(s, f) < 0)
			next_upstream(s, f);
		return true;
	}
	deliver(s, f, r, len);
	return true;
}

static void udp_event(struct srv *s, struct fwd *f)
{
	for (;;) {
		ssize_t n = recv(f->ev.fd, s->out, DNS_UDP_MAX, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) { /* ICMP unreachable: this upstream is down */
			next_upstream(s, f);
			return;
		}
		if (got_response(s, f, s->out, (size_t)n))
			return; /* f was answered, freed, or moved on */
	}
}

static void tcp_up_event(struct srv *s, struct fwd *f, uint32_t events)
{
	if (f->sent < f->qlen + 2) {
		uint8_t msg[2 + DNS_UDP_MAX];
		ssize_t n;

		msg[0] = (uint8_t)(f->qlen >> 8);
		msg[1] = (uint8_t)f->qlen;
		memcpy(msg + 2, f->query, f->qlen);
		n = send(f->ev.fd, msg + f->sent, f->qlen + 2 - f->sent,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN) {
			next_upstream(s, f);
			return;
		}
		if (n > 0)
			f->sent += (size_t)n;
		if (f->sent == f->qlen + 2) {
			struct epoll_event e = {.events = EPOLLIN, .data.ptr = &f->ev};

			epoll_ctl(s->epfd, EPOLL_CTL_MOD, f->ev.fd, &e);
		}
		return;
	}
	for (;;) {
		ssize_t n;

		if (f->rcap - f->rlen < 1024) {
			size_t cap = f->rcap ? f->rcap * 2 : 4096;
			uint8_t *nb;

			if (cap > 2 + DNS_TCP_MAX + 4096 || !(nb = realloc(f->resp, cap))) {
				next_upstream(s, f);
				return;
			}
			f->resp = nb;
			f->rcap = cap;
		}
		n = recv(f->ev.fd, f->resp + f->rlen, f->rcap - f->rlen, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			next_upstream(s, f);
			return;
		}
		f->rlen += (size_t)n;
		if (f->rlen >= 2) {
			size_t mlen = (size_t)f->resp[0] << 8 | f->resp[1];

			if (f->rlen >= 2 + mlen) {
				/* a TCP answer that is not ours: give up on it */
				if (!got_response(s, f, f->resp + 2, mlen))
					next_upstream(s, f);
				return;
			}
		}
	}
	(void)events;
}

void fwd_event(struct srv *s, struct fwd *f, uint32_t events)
{
	if (f->tcp_up)
		tcp_up_event(s, f, events);
	else
		udp_event(s, f);
}

long fwd_expire(struct srv *s, long now)
{
	long next = -1;

	for (struct fwd *f = s->fwds, *nx; f; f = nx) {
		nx = f->next;
		if (f->deadline_ms <= now) {
			log_debug("upstream %d timed out", f->up);
			next_upstream(s, f);
		}
	}
	for (struct fwd *f = s->fwds; f; f = f->next)
		if (next < 0 || f->deadline_ms - now < next)
			next = f->deadline_ms - now;
	return next < 0 ? -1 : (next < 1 ? 1 : next);
}

void fwd_free_all(struct srv *s)
{
	while (s->fwds)
		fwd_free(s, s->fwds);
}
