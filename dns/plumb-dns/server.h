/* SPDX-License-Identifier: MIT */
/*
 * dns/plumb-dns/server.h — the plumb-dns daemon's pieces.
 *
 * One process, one thread, one epoll set. Sockets it owns: UDP+TCP listeners
 * on 127.0.0.11 inside registered pod namespaces (made there with
 * netns_socket, served from here), listeners on network gateway addresses and
 * --listen addresses in its own namespace, one socket per forwarded query, and
 * the unix control socket. It never changes a namespace's links, addresses or
 * routes: a pod's lo must already be up.
 */
#ifndef PLUMB_DNS_SERVER_H
#define PLUMB_DNS_SERVER_H

#include "common/cidr.h"
#include "common/err.h"
#include "dns/dns.h"

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define SRV_MAX_LISTEN_NETS 16
#define SRV_MAX_UPSTREAMS 8
#define SRV_MAX_TCP 256
#define SRV_MAX_FWD 1024
#define SRV_UDP_BATCH 64
#define SRV_RECV_SIZE 1500 /* a query bigger than this is cut and gets FORMERR */
#define SRV_RX_SLOT 512 /* queries are smaller; see struct udp_batch */
#define SRV_UDP_REPLIES (16 * 4096) /* a batch's replies, back to back */
#define SRV_UDP_RCVBUF (1 << 20) /* per UDP listener, see bound_socket */

enum ev_kind {
	EV_UDP,
	EV_TCP_LISTEN,
	EV_TCP_CONN,
	EV_FWD,
	EV_CTL_LISTEN,
	EV_CTL_CONN,
	EV_SIGNAL,
};

/* The first member of everything registered with epoll. */
struct ev {
	enum ev_kind kind;
	int fd;
	void *owner;
};

struct listener {
	struct ev udp, tcp;
	uint64_t serial;
	char *netns;		/* pod namespace path, or NULL (our own namespace) */
	dev_t ns_dev;
	ino_t ns_ino;
	struct plumb_ip addr;
	bool is_static;		/* from --listen: never removed */
	bool mark;
	char *net_names[SRV_MAX_LISTEN_NETS];
	size_t nnet_names;
	int nets[SRV_MAX_LISTEN_NETS]; /* zone indexes of net_names */
	size_t nnets;
	struct plumb_cidr allowed[4];  /* gateway listeners: who may ask */
	size_t nallowed;
	struct urecv *urecv;	/* io_uring: its multishot receive, or NULL */
	struct listener *next;
};

struct tcpconn {
	struct ev ev;
	uint64_t serial;
	struct listener *l;
	uint8_t *rbuf;
	size_t rlen, rcap;
	uint8_t *wbuf;
	size_t wlen, woff, wcap;
	long last_ms;
	struct tcpconn *next;
};

struct upstream {
	struct sockaddr_storage sa;
	socklen_t salen;
};

/* A client waiting for an upstream answer. */
struct fwd {
	struct ev ev;
	bool tcp_up;		/* talking TCP to the upstream now */
	bool client_tcp;
	uint64_t client_serial;	/* listener (UDP) or connection (TCP) */
	struct sockaddr_storage client;
	socklen_t clientlen;
	struct dns_query q;
	uint16_t up_id;
	int up;			/* index into upstreams */
	int tries;
	long deadline_ms;
	uint8_t *query;
	size_t qlen;
	uint8_t *resp;		/* TCP response being read */
	size_t rlen, rcap;
	size_t sent;		/* TCP: bytes of the query written */
	struct fwd *next, *prev;
};

struct ctlconn {
	struct ev ev;
	char *buf;
	size_t len, cap;
	struct ctlconn *next;
};

struct srv_opts {
	const char *control;
	const char *state;
	const char *resolv_conf;
	const char *pidfile;
	uint16_t port;
	uint32_t ttl;
	int timeout_ms;
	struct upstream upstreams[SRV_MAX_UPSTREAMS];
	size_t nupstreams;	/* configured; 0: from resolv_conf */
	const char *listen[8];	/* ADDR[@net,net] */
	size_t nlisten;
	bool no_uring;		/* --io epoll */
};

struct srv {
	struct srv_opts o;
	int epfd;
	bool stop;
	struct dns_registry reg;
	struct dns_zone *zone;
	struct listener *listeners;
	struct tcpconn *conns;
	size_t nconns;
	struct fwd *fwds;
	size_t nfwds;
	struct ctlconn *ctls;
	struct ev ctl_ev, sig_ev;
	uint64_t serial;
	struct upstream up[SRV_MAX_UPSTREAMS];
	size_t nup;
	struct timespec resolv_mtime;
	long next_check_ms;
	struct udp_batch *udp;	/* the epoll loop's UDP batch; NULL with io_uring */
	struct uring *uring;	/* NULL: the epoll loop serves UDP too */
	uint8_t out[DNS_TCP_MAX]; /* TCP answers, forwarded replies */
};

long srv_now_ms(void);
/* Serve until SIGTERM/SIGINT. */
void srv_run(struct srv *s);
int srv_epoll_add(struct srv *s, struct ev *ev, uint32_t events);
void srv_epoll_del(struct srv *s, struct ev *ev);
/* Start/stop serving a listener's UDP socket (epoll, or io_uring). */
int srv_udp_watch(struct srv *s, struct listener *l);
void srv_udp_unwatch(struct srv *s, struct listener *l);

/* listen.c */
int listener_add_static(struct srv *s, const char *spec, struct plumb_err *err);
/* Make sure a listener for this pod namespace exists (register checks it
 * before anything is stored). */
int listener_ensure_netns(struct srv *s, const char *path, struct plumb_err *err);
/* The same for a gateway address in our own namespace. */
int listener_ensure_addr(struct srv *s, const struct plumb_ip *ip, struct plumb_err *err);
/* Bring listeners in line with the registry and the zone. */
void listeners_reconcile(struct srv *s);
/* Drop listeners whose namespace has gone. */
void listeners_check(struct srv *s);
struct listener *listener_by_serial(struct srv *s, uint64_t serial);
void listeners_free(struct srv *s);
void udp_readable(struct srv *s, struct listener *l);
/* Send msg[0..n) on fd: a peer that refuses its reply is skipped, a full
 * socket buffer drops the rest (the clients retry, as after any loss). */
void udp_send(int fd, struct mmsghdr *msg, int n);
/* One UDP query from a client of l: the reply's length in out (0: nothing to
 * send now: dropped, refused to outsiders, or forwarded). */
size_t udp_answer(struct srv *s, struct listener *l, const uint8_t *pkt, size_t len,
		  const struct sockaddr_storage *from, socklen_t fromlen, uint8_t *out, size_t outcap);
struct udp_batch *udp_batch_new(void);

/* uring.c: the UDP path on io_uring (io_uring_enter + sendmmsg per wake-up). */
/* 0, or -errno when this kernel cannot (the epoll loop serves then). */
int uring_init(struct srv *s, struct plumb_err *err);
void uring_run(struct srv *s);
int uring_udp_watch(struct srv *s, struct listener *l);
void uring_udp_unwatch(struct srv *s, struct listener *l);
void uring_free(struct srv *s);
/* The housekeeping both loops run every CHECK_INTERVAL_MS; returns the
 * epoll_wait timeout until the next thing due. */
long srv_tick(struct srv *s);
void srv_dispatch(struct srv *s, struct ev *ev, uint32_t events);

/* tcp.c */
void tcp_accept(struct srv *s, struct listener *l);
void tcp_event(struct srv *s, struct tcpconn *c, uint32_t events);
void tcp_send_msg(struct srv *s, struct tcpconn *c, const uint8_t *msg, size_t len);
struct tcpconn *tcp_by_serial(struct srv *s, uint64_t serial);
void tcp_close(struct srv *s, struct tcpconn *c);
void tcp_expire(struct srv *s, long now);
void tcp_close_listener(struct srv *s, struct listener *l);

/* forward.c */
/* Forward a query for a client (UDP: addr; TCP: conn). Replies SERVFAIL or
 * REFUSED itself when it cannot. */
void fwd_start(struct srv *s, const struct dns_query *q, const uint8_t *pkt, size_t len,
	       bool client_tcp, uint64_t client_serial, const struct sockaddr *client,
	       socklen_t clientlen);
void fwd_event(struct srv *s, struct fwd *f, uint32_t events);
/* Expire forwards past their deadline; returns ms until the next one (or -1). */
long fwd_expire(struct srv *s, long now);
void fwd_free_all(struct srv *s);
/* Send a finished answer to whoever asked. */
void srv_reply(struct srv *s, bool client_tcp, uint64_t serial, const struct sockaddr *client,
	       socklen_t clientlen, const uint8_t *msg, size_t len);

/* upstream.c */
/* Parse "nameserver" lines of resolv.conf text, skipping loopback addresses
 * (a stub there could be us, or loop back to us). Returns the count. */
size_t upstreams_parse_resolv(const char *text, struct upstream *out, size_t max);
/* "1.2.3.4", "1.2.3.4:5353", "[fd00::1]:53", "fd00::1". */
int upstream_parse(const char *spec, struct upstream *out);
/* Reload from resolv.conf if configured so and it changed. */
void upstreams_refresh(struct srv *s, bool force);

/* control.c */
int ctl_open(struct srv *s, struct plumb_err *err);
void ctl_accept(struct srv *s);
void ctl_event(struct srv *s, struct ctlconn *c, uint32_t events);
void ctl_close_all(struct srv *s);
/* Rebuild the zone from the registry and bring listeners in line. */
int srv_apply(struct srv *s, struct plumb_err *err);

/* state.c: JSON <-> registry, the state file. */
struct json_t;
int state_load(struct srv *s, struct plumb_err *err);
int state_save(struct srv *s, struct plumb_err *err);

#endif
