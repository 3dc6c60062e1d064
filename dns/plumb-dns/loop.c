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

static void dispatch(struct srv *s, struct ev *ev, uint32_t events)
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

void srv_run(struct srv *s)
{
	struct epoll_event evs[64];

	s->next_check_ms = srv_now_ms() + CHECK_INTERVAL_MS;
	while (!s->stop) {
		long now = srv_now_ms(), wait = s->next_check_ms - now, f;
		int n;

		if (s->fwds && (f = fwd_expire(s, now)) >= 0 && f < wait)
			wait = f;
		n = epoll_wait(s->epfd, evs, ARRAY_SIZE(evs), wait < 0 ? 0 : (int)wait);
		for (int i = 0; i < n; i++)
			dispatch(s, evs[i].data.ptr, evs[i].events);
		now = srv_now_ms();
		if (now >= s->next_check_ms) {
			listeners_check(s);
			tcp_expire(s, now);
			upstreams_refresh(s, false);
			s->next_check_ms = now + CHECK_INTERVAL_MS;
		}
	}
}
