// SPDX-License-Identifier: MIT
/* Listeners: 127.0.0.11:53 inside pod namespaces, gateway and --listen
 * addresses here; and the UDP query path (batched with recvmmsg/sendmmsg). */
#include "dns/plumb-dns/server.h"

#include "common/cleanup.h"
#include "common/log.h"
#include "common/netns.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

static void sa_from_ip(const struct plumb_ip *ip, uint16_t port, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, ip->a, 4);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, ip->a, 16);
		*len = sizeof(*sin6);
	}
}

static int bound_socket(int nsfd, const struct plumb_ip *ip, uint16_t port, int type,
			bool freebind, struct plumb_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[PLUMB_IP_STRLEN];
	int one = 1;
	_cleanup_close_ int fd = netns_socket(nsfd, ip->family, type | SOCK_NONBLOCK, 0, err);

	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ip->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* A gateway address may appear after us (the bridge is made later). */
	if (freebind)
		setsockopt(fd, ip->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
			   ip->family == AF_INET ? IP_FREEBIND : IPV6_FREEBIND, &one, sizeof(one));
	/* At 20k queries/s a 25 ms stall of a busy node queues some 500
	 * queries, about 400 KB of buffers: twice the default. The memory is
	 * only used while queries wait. FORCE passes rmem_max (we run as root;
	 * otherwise the plain option gets what rmem_max allows). */
	if (type == SOCK_DGRAM) {
		int rcv = SRV_UDP_RCVBUF;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	}
	sa_from_ip(ip, port, &ss, &len);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		return plumb_err_set(err, errno, "cannot bind %s port %u/%s: %s%s",
				     plumb_ip_str(ip, buf, sizeof(buf)), port,
				     type == SOCK_STREAM ? "tcp" : "udp", strerror(errno),
				     errno == EADDRNOTAVAIL ? " (is lo up there?)" : "");
	if (type == SOCK_STREAM && listen(fd, 128) < 0)
		return plumb_err_set(err, errno, "listen: %s", strerror(errno));
	return TAKE_FD(fd);
}

static void listener_free(struct srv *s, struct listener *l)
{
	tcp_close_listener(s, l);
	if (l->udp.fd >= 0) {
		srv_udp_unwatch(s, l);
		close(l->udp.fd);
	}
	if (l->tcp.fd >= 0) {
		srv_epoll_del(s, &l->tcp);
		close(l->tcp.fd);
	}
	for (size_t i = 0; i < l->nnet_names; i++)
		free(l->net_names[i]);
	free(l->netns);
	free(l);
}

static int listener_new(struct srv *s, int nsfd, const char *netns, const struct plumb_ip *ip,
			struct listener **out, struct plumb_err *err)
{
	_cleanup_free_ struct listener *l = calloc(1, sizeof(*l));
	struct stat st;
	int r;

	if (!l)
		return plumb_err_set(err, ENOMEM, "out of memory");
	l->udp = (struct ev){EV_UDP, -1, l};
	l->tcp = (struct ev){EV_TCP_LISTEN, -1, l};
	l->addr = *ip;
	l->serial = ++s->serial;
	if (netns) {
		if (fstat(nsfd, &st) < 0 || !(l->netns = strdup(netns)))
			return plumb_err_set(err, errno ? errno : ENOMEM, "netns '%s': %s", netns,
					     strerror(errno));
		l->ns_dev = st.st_dev;
		l->ns_ino = st.st_ino;
	}
	r = l->udp.fd = bound_socket(nsfd, ip, s->o.port, SOCK_DGRAM, !netns, err);
	if (r >= 0)
		r = l->tcp.fd = bound_socket(nsfd, ip, s->o.port, SOCK_STREAM, !netns, err);
	/* UDP last: once watched (io_uring), only listener_free undoes it */
	if (r >= 0 && (r = srv_epoll_add(s, &l->tcp, EPOLLIN)) < 0)
		plumb_err_set(err, -r, "epoll: %s", strerror(-r));
	if (r >= 0 && (r = srv_udp_watch(s, l)) < 0)
		plumb_err_set(err, -r, "cannot watch the UDP socket: %s", strerror(-r));
	if (r < 0) {
		if (l->udp.fd >= 0)
			close(l->udp.fd);
		if (l->tcp.fd >= 0)
			close(l->tcp.fd);
		free(l->netns);
		return netns ? plumb_err_wrap(err, r, "in network namespace '%s'", netns) : r;
	}
	l->next = s->listeners;
	s->listeners = l;
	*out = TAKE_PTR(l);
	return 0;
}

static struct listener *find_netns(struct srv *s, const char *path)
{
	struct stat st;

	for (struct listener *l = s->listeners; l; l = l->next)
		if (l->netns && !strcmp(l->netns, path))
			return stat(path, &st) == 0 && st.st_ino == l->ns_ino &&
					       st.st_dev == l->ns_dev
				       ? l
				       : NULL;
	return NULL;
}

static struct listener *find_addr(struct srv *s, const struct plumb_ip *ip)
{
	for (struct listener *l = s->listeners; l; l = l->next)
		if (!l->netns && !l->is_static && plumb_ip_equal(&l->addr, ip))
			return l;
	return NULL;
}

int listener_ensure_netns(struct srv *s, const char *path, struct plumb_err *err)
{
	struct plumb_ip dns_ip = {.family = AF_INET, .a = {127, 0, 0, 11}};
	struct listener *l = find_netns(s, path);
	_cleanup_close_ int nsfd = -1;
	int r;

	if (l)
		return 0;
	/* a stale listener on the same path (namespace replaced): drop it */
	for (struct listener **pp = &s->listeners; *pp; pp = &(*pp)->next) {
		if ((*pp)->netns && !strcmp((*pp)->netns, path)) {
			struct listener *old = *pp;

			*pp = old->next;
			listener_free(s, old);
			break;
		}
	}
	nsfd = netns_open(path, err);
	if (nsfd < 0)
		return nsfd;
	r = listener_new(s, nsfd, path, &dns_ip, &l, err);
	if (r < 0)
		return r;
	log_info("listening on 127.0.0.11:%u in %s", s->o.port, path);
	return 0;
}

int listener_ensure_addr(struct srv *s, const struct plumb_ip *ip, struct plumb_err *err)
{
	struct listener *l;

	if (find_addr(s, ip))
		return 0;
	return listener_new(s, -1, NULL, ip, &l, err);
}

int listener_add_static(struct srv *s, const char *spec, struct plumb_err *err)
{
	_cleanup_free_ char *copy = strdup(spec);
	struct listener *l;
	struct plumb_ip ip;
	char *at, *tok, *save = NULL;
	int r;

	if (!copy)
		return plumb_err_set(err, ENOMEM, "out of memory");
	at = strchr(copy, '@');
	if (at)
		*at++ = '\0';
	if (plumb_ip_parse(copy, &ip) < 0)
		return plumb_err_set(err, EINVAL, "--listen '%s': '%s' is not an IP address",
				     spec, copy);
	r = listener_new(s, -1, NULL, &ip, &l, err);
	if (r < 0)
		return plumb_err_wrap(err, r, "--listen '%s'", spec);
	l->is_static = true;
	for (tok = at ? strtok_r(at, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save))
		if (l->nnet_names < SRV_MAX_LISTEN_NETS)
			l->net_names[l->nnet_names++] = strdup(tok);
	return 0;
}

static void add_net(struct listener *l, const char *name)
{
	for (size_t i = 0; i < l->nnet_names; i++)
		if (!strcmp(l->net_names[i], name))
			return;
	if (l->nnet_names < SRV_MAX_LISTEN_NETS)
		l->net_names[l->nnet_names++] = strdup(name);
}

static void reconcile_gateways(struct srv *s)
{
	for (size_t i = 0; i < s->reg.nnets; i++) {
		const struct dns_netconf *n = &s->reg.nets[i];

		for (size_t j = 0; j < n->nlisten; j++) {
			struct listener *l = find_addr(s, &n->listen[j]);
			struct plumb_err err = {0};

			if (!l && listener_new(s, -1, NULL, &n->listen[j], &l, &err) < 0) {
				log_warn("network %s: %s", n->name, err.msg);
				continue;
			}
			l->mark = true;
			add_net(l, n->name);
			memcpy(l->allowed, n->subnets, sizeof(l->allowed));
			l->nallowed = n->nsubnets;
		}
	}
}

static void resolve_nets(struct srv *s, struct listener *l)
{
	l->nnets = 0;
	if (l->is_static && !l->nnet_names) {
		/* --listen ADDR alone: the node's own view, every network */
		for (size_t i = 0; i < s->reg.nnets && l->nnets < SRV_MAX_LISTEN_NETS; i++) {
			int k = dns_zone_net_index(s->zone, s->reg.nets[i].name);

			if (k >= 0)
				l->nets[l->nnets++] = k;
		}
		for (size_t i = 0; i < s->reg.nregs && l->nnets < SRV_MAX_LISTEN_NETS; i++) {
			int k = dns_zone_net_index(s->zone, dns_registry_network(&s->reg, i));
			bool dup = false;

			for (size_t j = 0; j < l->nnets; j++)
				dup |= l->nets[j] == k;
			if (k >= 0 && !dup)
				l->nets[l->nnets++] = k;
		}
		return;
	}
	for (size_t i = 0; i < l->nnet_names; i++) {
		int k = dns_zone_net_index(s->zone, l->net_names[i]);

		if (k >= 0)
			l->nets[l->nnets++] = k;
	}
}

void listeners_reconcile(struct srv *s)
{
	for (struct listener *l = s->listeners; l; l = l->next) {
		l->mark = l->is_static;
		if (l->is_static)
			continue;
		for (size_t i = 0; i < l->nnet_names; i++)
			free(l->net_names[i]);
		l->nnet_names = 0;
	}
	for (size_t i = 0; i < s->reg.nregs; i++) {
		const char *netns = dns_registry_netns(&s->reg, i);
		const char *network = dns_registry_network(&s->reg, i);
		struct plumb_err err = {0};
		struct listener *l;

		if (!netns)
			continue;
		if (listener_ensure_netns(s, netns, &err) < 0) {
			log_debug("%s/%s: %s", network, netns, err.msg);
			continue;
		}
		if (!(l = find_netns(s, netns)))
			continue; /* replaced again under us: the next check sorts it */
		l->mark = true;
		add_net(l, network);
	}
	reconcile_gateways(s);
	for (struct listener **pp = &s->listeners; *pp;) {
		struct listener *l = *pp;

		if (l->mark) {
			resolve_nets(s, l);
			pp = &l->next;
			continue;
		}
		*pp = l->next;
		log_info("closing listener %s", l->netns ? l->netns : "(gateway)");
		listener_free(s, l);
	}
}

void listeners_check(struct srv *s)
{
	for (struct listener **pp = &s->listeners; *pp;) {
		struct listener *l = *pp;
		struct stat st;

		if (!l->netns || (stat(l->netns, &st) == 0 && st.st_ino == l->ns_ino &&
				  st.st_dev == l->ns_dev)) {
			pp = &l->next;
			continue;
		}
		/* The pod went away without an unregister: let its namespace go. */
		log_info("namespace %s is gone, closing its listener", l->netns);
		*pp = l->next;
		listener_free(s, l);
	}
}

struct listener *listener_by_serial(struct srv *s, uint64_t serial)
{
	for (struct listener *l = s->listeners; l; l = l->next)
		if (l->serial == serial)
			return l;
	return NULL;
}

void listeners_free(struct srv *s)
{
	while (s->listeners) {
		struct listener *l = s->listeners;

		s->listeners = l->next;
		listener_free(s, l);
	}
}

static bool client_allowed(const struct listener *l, const struct sockaddr_storage *ss)
{
	struct plumb_ip ip = {0};

	if (!l->nallowed)
		return true;
	if (ss->ss_family == AF_INET) {
		ip.family = AF_INET;
		memcpy(ip.a, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		ip.family = AF_INET6;
		memcpy(ip.a, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	}
	for (size_t i = 0; i < l->nallowed; i++)
		if (plumb_cidr_contains(&l->allowed[i], &ip))
			return true;
	return false;
}

size_t udp_answer(struct srv *s, struct listener *l, const uint8_t *pkt, size_t len,
		  const struct sockaddr_storage *from, socklen_t fromlen, uint8_t *out, size_t outcap)
{
	struct dns_query q;
	size_t olen = 0;
	enum dns_verdict v;

	if (!client_allowed(l, from))
		return 0; /* never an open resolver */
	v = dns_answer(s->zone, l->nets, l->nnets, pkt, len, false, &q, out, outcap, &olen);
	if (v == DNS_FORWARD)
		fwd_start(s, &q, pkt, len, false, l->serial, (const struct sockaddr *)from, fromlen);
	return v == DNS_REPLY ? olen : 0;
}

/* What one wake-up of the UDP path touches is kept to a few pages: on this
 * kind of virtual machine every page a batch touches costs again after each
 * sleep (an echo server receiving 64 queries a page apart cost 0.3-1.3 us
 * more per query than with 512-byte slots, alternating runs). Queries land in
 * 512-byte slots; the rest of a longer query goes to a tail that is only
 * touched when one comes. Replies go back to back, and the message headers
 * that took the queries in carry the replies out. */
struct udp_batch {
	struct mmsghdr msg[SRV_UDP_BATCH];
	struct iovec iov[SRV_UDP_BATCH][2];
	struct sockaddr_storage from[SRV_UDP_BATCH];
	uint8_t rx[SRV_UDP_BATCH][SRV_RX_SLOT];
	uint8_t rx_tail[SRV_UDP_BATCH][SRV_RECV_SIZE - SRV_RX_SLOT];
	uint8_t joined[SRV_RECV_SIZE]; /* a query longer than its slot, in one piece */
	uint8_t replies[SRV_UDP_REPLIES];
};

struct udp_batch *udp_batch_new(void)
{
	return malloc(sizeof(struct udp_batch)); /* untouched pages cost nothing */
}

static int udp_receive(struct udp_batch *b, int fd)
{
	for (int i = 0; i < SRV_UDP_BATCH; i++) {
		b->iov[i][0] = (struct iovec){b->rx[i], SRV_RX_SLOT};
		b->iov[i][1] = (struct iovec){b->rx_tail[i], sizeof(b->rx_tail[i])};
		b->msg[i].msg_hdr = (struct msghdr){.msg_name = &b->from[i],
						    .msg_namelen = sizeof(b->from[i]),
						    .msg_iov = b->iov[i],
						    .msg_iovlen = 2};
	}
	return recvmmsg(fd, b->msg, SRV_UDP_BATCH, MSG_DONTWAIT, NULL);
}

static const uint8_t *udp_query(struct udp_batch *b, int i, size_t len)
{
	if (len <= SRV_RX_SLOT)
		return b->rx[i];
	memcpy(b->joined, b->rx[i], SRV_RX_SLOT);
	memcpy(b->joined + SRV_RX_SLOT, b->rx_tail[i], len - SRV_RX_SLOT);
	return b->joined;
}

void udp_send(int fd, struct mmsghdr *msg, int n)
{
	for (int sent = 0; sent < n;) {
		int r = sendmmsg(fd, msg + sent, (unsigned)(n - sent), MSG_DONTWAIT);

		if (r > 0)
			sent += r;
		else if (r < 0 && errno == EINTR)
			continue;
		else if (r < 0 && errno != EAGAIN)
			sent++;
		else
			break;
	}
}

/* Answer the n queries in b; reply k goes out in msg[k], which query k has
 * already been read from. */
static void udp_answer_batch(struct srv *s, struct listener *l, struct udp_batch *b, int n)
{
	size_t off = 0;
	int nout = 0;

	for (int i = 0; i < n; i++) {
		size_t len = b->msg[i].msg_len, olen;
		struct msghdr *h;

		if (sizeof(b->replies) - off < DNS_UDP_MAX) {
			udp_send(l->udp.fd, b->msg, nout);
			nout = 0;
			off = 0;
		}
		olen = udp_answer(s, l, udp_query(b, i, len), len, &b->from[i],
				  b->msg[i].msg_hdr.msg_namelen, b->replies + off, DNS_UDP_MAX);
		if (!olen)
			continue;
		h = &b->msg[nout].msg_hdr;
		b->iov[nout][0] = (struct iovec){b->replies + off, olen};
		*h = (struct msghdr){.msg_name = &b->from[i],
				     .msg_namelen = b->msg[i].msg_hdr.msg_namelen,
				     .msg_iov = b->iov[nout],
				     .msg_iovlen = 1};
		nout++;
		off += olen;
	}
	udp_send(l->udp.fd, b->msg, nout);
}

void udp_readable(struct srv *s, struct listener *l)
{
	for (int round = 0; round < 8; round++) {
		int n = udp_receive(s->udp, l->udp.fd);

		if (n <= 0)
			return;
		udp_answer_batch(s, l, s->udp, n);
		if (n < SRV_UDP_BATCH)
			return;
	}
}
