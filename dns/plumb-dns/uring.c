// SPDX-License-Identifier: MIT
/* The UDP query path on io_uring. Each UDP listener has one multishot
 * recvmsg into a ring of provided buffers; the replies of a wake-up go out
 * together with one sendmmsg (per listener), which costs less per reply
 * than a sendmsg SQE each (perf: the SQE's prep, file lookup and completion
 * are a quarter of a microsecond); everything else (TCP, the control
 * socket, forwarded queries, signals) stays in the epoll set, which the ring
 * watches with a one-shot poll. A wake-up that answers a batch of queries
 * thus costs io_uring_enter + sendmmsg instead of epoll_wait + recvmmsg +
 * sendmmsg: on this kind of virtual machine a system call costs about a
 * microsecond, several times the work of answering a query.
 *
 * Still one thread, and it sleeps in io_uring_enter: no polling thread
 * (SQPOLL would spin a core), no busy loop. A query is answered in the
 * wake-up that brought it: nothing ever waits for more queries to come. */
#include "dns/plumb-dns/server.h"

#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif

#define UR_ENTRIES 256
#define UR_NBUF 64	   /* provided receive buffers (a power of two) */
#define UR_BUFSZ 2048	   /* io_uring_recvmsg_out + address + SRV_RECV_SIZE */
#define UR_BGID 0

/* user_data: a pointer with the kind in the low bits */
enum { UD_RECV = 1, UD_EPOLL = 3, UD_CANCEL = 4, UD_MASK = 7 };

/* A listener's receive. It outlives the listener when the listener goes
 * while the kernel still holds the request: freed at its last completion. */
struct urecv {
	struct listener *l; /* NULL once the listener is gone */
	bool armed;
	bool queued;	    /* on the re-arm list */
	struct urecv *next_rearm;
	struct urecv *prev, *next; /* every receive, for the final cleanup */
};

struct uring {
	struct io_uring ring;
	struct io_uring_buf_ring *br;
	size_t br_len;
	uint8_t *bufs;
	struct msghdr rmsg; /* what every multishot receive is shaped by */
	bool epoll_armed;
	struct urecv *rearm; /* receives that ended (buffers ran out...) */
	struct urecv *all;
	/* This wake-up's replies, all to out_fd, back to back in the arena
	 * (s->out is the TCP path's, which may run in between). */
	int out_fd;
	unsigned nout;
	size_t arena_off;
	struct mmsghdr out[SRV_UDP_BATCH];
	struct iovec out_iov[SRV_UDP_BATCH];
	struct sockaddr_in6 out_to[SRV_UDP_BATCH];
	uint8_t arena[SRV_UDP_REPLIES];
};

static struct urecv *urecv_new(struct uring *u, struct listener *l)
{
	struct urecv *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->l = l;
	r->next = u->all;
	if (u->all)
		u->all->prev = r;
	u->all = r;
	return r;
}

static void urecv_free(struct uring *u, struct urecv *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		u->all = r->next;
	if (r->next)
		r->next->prev = r->prev;
	free(r);
}

static struct io_uring_sqe *sqe_get(struct uring *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) { /* full: hand what is queued to the kernel, no waiting */
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
	}
	return sqe;
}

/* Multishot recvmsg needs Linux 6.0. */
static bool kernel_has_multishot_recv(void)
{
	struct utsname u;
	int major = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.", &major) != 1)
		return false;
	return major >= 6;
}

static unsigned uring_flags(void)
{
	const char *e = getenv("PLUMB_DNS_URING_FLAGS"); /* measuring: "0" = plain */

	if (e)
		return (unsigned)strtoul(e, NULL, 0);
	return IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
}

void uring_free(struct srv *s)
{
	struct uring *u = s->uring;

	if (!u)
		return;
	io_uring_queue_exit(&u->ring); /* cancels what is in flight */
	while (u->all) {
		if (u->all->l)
			u->all->l->urecv = NULL;
		urecv_free(u, u->all);
	}
	if (u->br)
		munmap(u->br, u->br_len);
	free(u->bufs);
	free(u);
	s->uring = NULL;
}

int uring_init(struct srv *s, struct plumb_err *err)
{
	struct io_uring_buf_reg reg = {0};
	struct uring *u;
	int r;

	if (!kernel_has_multishot_recv())
		return plumb_err_set(err, ENOSYS, "kernel older than 6.0: no multishot receive");
	if (!(u = calloc(1, sizeof(*u))))
		return plumb_err_set(err, ENOMEM, "out of memory");
	s->uring = u;
	/* One thread submits and reaps: completions can wait as task work
	 * until we enter to wait (6.1), rather than interrupt us while we
	 * answer; older kernels get the plain ring. */
	r = io_uring_queue_init(UR_ENTRIES, &u->ring, uring_flags());
	if (r == -EINVAL)
		r = io_uring_queue_init(UR_ENTRIES, &u->ring, 0);
	if (r < 0) {
		free(u);
		s->uring = NULL;
		return plumb_err_set(err, -r, "io_uring_queue_init: %s", strerror(-r));
	}
	if (!(u->ring.features & IORING_FEAT_EXT_ARG)) {
		uring_free(s);
		return plumb_err_set(err, ENOSYS, "io_uring without timed waits");
	}
	u->br_len = UR_NBUF * sizeof(struct io_uring_buf);
	u->br = mmap(NULL, u->br_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	u->bufs = malloc(UR_NBUF * UR_BUFSZ);
	if (u->br == MAP_FAILED || !u->bufs) {
		if (u->br == MAP_FAILED)
			u->br = NULL;
		uring_free(s);
		return plumb_err_set(err, ENOMEM, "out of memory");
	}
	reg.ring_addr = (unsigned long)u->br;
	reg.ring_entries = UR_NBUF;
	reg.bgid = UR_BGID;
	if ((r = io_uring_register_buf_ring(&u->ring, &reg, 0)) < 0) {
		uring_free(s);
		return plumb_err_set(err, -r, "io_uring buffer ring: %s", strerror(-r));
	}
	io_uring_buf_ring_init(u->br);
	for (int i = 0; i < UR_NBUF; i++)
		io_uring_buf_ring_add(u->br, u->bufs + (size_t)i * UR_BUFSZ, UR_BUFSZ, (unsigned short)i,
				      io_uring_buf_ring_mask(UR_NBUF), i);
	io_uring_buf_ring_advance(u->br, UR_NBUF);
	u->rmsg.msg_namelen = sizeof(struct sockaddr_in6);
	return 0;
}

static int recv_arm(struct uring *u, struct urecv *r)
{
	struct io_uring_sqe *sqe = sqe_get(u);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_recvmsg_multishot(sqe, r->l->udp.fd, &u->rmsg, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = UR_BGID;
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)r | UD_RECV);
	r->armed = true;
	return 0;
}

int uring_udp_watch(struct srv *s, struct listener *l)
{
	struct urecv *r = urecv_new(s->uring, l);
	int rc;

	if (!r)
		return -ENOMEM;
	if ((rc = recv_arm(s->uring, r)) < 0) {
		urecv_free(s->uring, r);
		return rc;
	}
	l->urecv = r;
	return 0;
}

void uring_udp_unwatch(struct srv *s, struct listener *l)
{
	struct uring *u = s->uring;
	struct urecv *r = l->urecv;
	struct io_uring_sqe *sqe;

	if (!r)
		return;
	l->urecv = NULL;
	r->l = NULL;
	if (!r->armed) {
		if (!r->queued)
			urecv_free(u, r); /* else freed when the re-arm list meets it */
		return;
	}
	/* the kernel holds the socket until the receive is cancelled; its last
	 * completion frees r */
	if ((sqe = sqe_get(u))) {
		io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)r | UD_RECV, 0);
		io_uring_sqe_set_data64(sqe, UD_CANCEL);
	}
	io_uring_submit(&u->ring);
}

static void buf_recycle(struct uring *u, unsigned bid)
{
	io_uring_buf_ring_add(u->br, u->bufs + (size_t)bid * UR_BUFSZ, UR_BUFSZ, (unsigned short)bid,
			      io_uring_buf_ring_mask(UR_NBUF), 0);
	io_uring_buf_ring_advance(u->br, 1);
}

static void replies_flush(struct uring *u)
{
	udp_send(u->out_fd, u->out, (int)u->nout);
	u->nout = 0;
	u->arena_off = 0;
}

/* Room for one more answer, to fd: what waits for another socket, or
 * fills the batch, goes first. */
static uint8_t *reply_room(struct uring *u, int fd)
{
	if (u->nout && (u->out_fd != fd || u->nout == SRV_UDP_BATCH ||
			sizeof(u->arena) - u->arena_off < DNS_UDP_MAX))
		replies_flush(u);
	u->out_fd = fd;
	return u->arena + u->arena_off;
}

static void reply_add(struct uring *u, size_t olen, const void *to, socklen_t tolen)
{
	unsigned k = u->nout++;

	memcpy(&u->out_to[k], to, tolen);
	u->out_iov[k] = (struct iovec){u->arena + u->arena_off, olen};
	u->out[k].msg_hdr = (struct msghdr){.msg_name = &u->out_to[k],
					    .msg_namelen = tolen,
					    .msg_iov = &u->out_iov[k],
					    .msg_iovlen = 1};
	u->arena_off += olen;
}

static void on_recv(struct srv *s, struct io_uring_cqe *cqe)
{
	struct uring *u = s->uring;
	struct urecv *r = (struct urecv *)(uintptr_t)(cqe->user_data & ~(uint64_t)UD_MASK);
	bool more = cqe->flags & IORING_CQE_F_MORE;

	if (cqe->flags & IORING_CQE_F_BUFFER) {
		unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		uint8_t *buf = u->bufs + (size_t)bid * UR_BUFSZ;
		struct io_uring_recvmsg_out *o;

		/* the kernel wrote it behind valgrind's back */
		if (cqe->res > 0)
			VALGRIND_MAKE_MEM_DEFINED(buf, (size_t)cqe->res);
		if (r->l && cqe->res > 0 &&
		    (o = io_uring_recvmsg_validate(buf, cqe->res, &u->rmsg))) {
			struct sockaddr_storage from = {0};
			socklen_t fromlen = o->namelen;
			const uint8_t *pkt = io_uring_recvmsg_payload(o, &u->rmsg);
			size_t len = io_uring_recvmsg_payload_length(o, cqe->res, &u->rmsg), olen;
			uint8_t *out = reply_room(u, r->l->udp.fd);

			if (fromlen > sizeof(struct sockaddr_in6))
				fromlen = sizeof(struct sockaddr_in6);
			memcpy(&from, io_uring_recvmsg_name(o), fromlen);
			olen = udp_answer(s, r->l, pkt, len, &from, fromlen, out, DNS_UDP_MAX);
			if (olen)
				reply_add(u, olen, &from, fromlen);
		}
		buf_recycle(u, bid);
	}
	if (more)
		return;
	/* ended: cancelled (listener gone), out of buffers, or an error */
	r->armed = false;
	if (!r->l) {
		if (!r->queued)
			urecv_free(u, r);
		return;
	}
	if (cqe->res < 0 && cqe->res != -ENOBUFS && cqe->res != -ECANCELED)
		log_debug("UDP receive ended: %s", strerror(-cqe->res));
	if (!r->queued) { /* re-armed after this batch, its buffers back */
		r->queued = true;
		r->next_rearm = u->rearm;
		u->rearm = r;
	}
}

static void epoll_arm(struct srv *s)
{
	struct uring *u = s->uring;
	struct io_uring_sqe *sqe;

	if (u->epoll_armed || !(sqe = sqe_get(u)))
		return;
	/* one-shot: checked at arming, so events epoll still holds fire at once */
	io_uring_prep_poll_add(sqe, s->epfd, POLLIN);
	io_uring_sqe_set_data64(sqe, UD_EPOLL);
	u->epoll_armed = true;
}

static void on_epoll(struct srv *s)
{
	struct epoll_event evs[64];
	int n = epoll_wait(s->epfd, evs, ARRAY_SIZE(evs), 0);

	/* before anything there can close a listener the replies are for */
	if (s->uring->nout)
		replies_flush(s->uring);

	s->uring->epoll_armed = false;
	for (int i = 0; i < n; i++)
		srv_dispatch(s, evs[i].data.ptr, evs[i].events);
}

static void rearm_ended(struct uring *u)
{
	while (u->rearm) {
		struct urecv *r = u->rearm;

		u->rearm = r->next_rearm;
		r->queued = false;
		if (!r->l)
			urecv_free(u, r);
		else if (recv_arm(u, r) < 0)
			log_warn("cannot re-arm a UDP receive");
	}
}

void uring_run(struct srv *s)
{
	struct uring *u = s->uring;

	while (!s->stop) {
		long wait = srv_tick(s);
		struct __kernel_timespec ts = {.tv_sec = wait / 1000,
					       .tv_nsec = (wait % 1000) * 1000000L};
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;
		int r;

		epoll_arm(s);
		r = io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, &ts, NULL);
		if (r < 0 && r != -ETIME && r != -EINTR) {
			log_warn("io_uring wait: %s", strerror(-r));
			continue;
		}
		io_uring_for_each_cqe(&u->ring, head, cqe) {
			switch (cqe->user_data & UD_MASK) {
			case UD_RECV: on_recv(s, cqe); break;
			case UD_EPOLL: on_epoll(s); break;
			default: break;
			}
			n++;
		}
		io_uring_cq_advance(&u->ring, n);
		if (u->nout)
			replies_flush(u);
		rearm_ended(u);
	}
}
