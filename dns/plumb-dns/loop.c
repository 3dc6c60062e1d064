// SPDX-License-Identifier: MIT
/* The event loop: one epoll set for listeners, TCP connections, forwarded
 * queries, the control socket and signals; every 2 s the housekeeping (pod
 * namespaces gone, idle TCP, resolv.conf changed). */
#include "dns/plumb-dns/server.h"

#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define CHECK_INTERVAL_MS 2000

long srv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int srv_epoll_add(struct srv *s, struct ev *ev, uint32_t events)
{
	struct epoll_event e = {.events = events, .data.ptr = ev};

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, ev->fd, &e) < 0 ? -errno : 0;
}

void srv_epoll_del(struct srv *s, struct ev *ev)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, ev->fd, NULL);
}

int srv_udp_watch(struct srv *s, struct listener *l)
{
	return s->uring ? uring_udp_watch(s, l) : srv_epoll_add(s, &l->udp, EPOLLIN);
}

void srv_udp_unwatch(struct srv *s, struct listener *l)
{
	if (s->uring)
		uring_udp_unwatch(s, l);
	else
		srv_epoll_del(s, &l->udp);
}

static void on_signal(struct srv *s)
{
	struct signalfd_siginfo si;

	while (read(s->sig_ev.fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: re-reading upstreams");
			upstreams_refresh(s, true);
		} else {
			s->stop = true;
		}
	}
}

void srv_dispatch(struct srv *s, struct ev *ev, uint32_t events)
{
	switch (ev->kind) {
	case EV_UDP: udp_readable(s, ev->owner); break;
	case EV_TCP_LISTEN: tcp_accept(s, ev->owner); break;
	case EV_TCP_CONN: tcp_event(s, ev->owner, events); break;
	case EV_FWD: fwd_event(s, ev->owner, events); break;
	case EV_CTL_LISTEN: ctl_accept(s); break;
	case EV_CTL_CONN: ctl_event(s, ev->owner, events); break;
	case EV_SIGNAL: on_signal(s); break;
	}
}

long srv_tick(struct srv *s)
{
	long now = srv_now_ms(), wait, f;

	if (now >= s->next_check_ms) {
		listeners_check(s);
		tcp_expire(s, now);
		upstreams_refresh(s, false);
		s->next_check_ms = now + CHECK_INTERVAL_MS;
	}
	wait = s->next_check_ms - now;
	if (s->fwds && (f = fwd_expire(s, now)) >= 0 && f < wait)
		wait = f;
	return wait < 0 ? 0 : wait;
}

void srv_run(struct srv *s)
{
	struct epoll_event evs[64];

	s->next_check_ms = srv_now_ms() + CHECK_INTERVAL_MS;
	if (s->uring) {
		uring_run(s);
		return;
	}
	while (!s->stop) {
		int n = epoll_wait(s->epfd, evs, ARRAY_SIZE(evs), (int)srv_tick(s));

		for (int i = 0; i < n; i++)
			srv_dispatch(s, evs[i].data.ptr, evs[i].events);
	}
}
