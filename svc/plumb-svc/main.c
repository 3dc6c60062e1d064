// SPDX-License-Identifier: MIT
/*
 * plumb-svc — keep table plumb's Service layout in step with Kubernetes-shaped
 * Service and EndpointSlice objects from a directory (inotify) or an etcd
 * prefix (watch). Logs to stderr. SIGHUP: read everything again and resync.
 * SIGTERM/SIGINT: exit and leave the rules in place, so traffic keeps flowing
 * and a restart finds the table as it was (and changes only what differs).
 */
#include "svc/plumb-svc/plumb-svc.h"

#include "common/mem.h"
#include "common/log.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct opts {
	const char *dir, *etcd, *prefix;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: plumb-svc --dir DIR\n"
		   "       plumb-svc --etcd URL --prefix PREFIX\n\n"
		   "Maps Kubernetes-shaped Services (ClusterIP, NodePort) to their ready\n"
		   "endpoints in nftables table inet plumb, in the current network namespace.\n"
		   "Objects: Service and EndpointSlice JSON as `kubectl get -o json` prints them.\n"
		   "Signals: HUP re-reads everything; TERM/INT exit, leaving the rules in place.\n"
		   "Logging: PLUMB_LOG=error|warn|info|debug (default info).\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {{"dir", required_argument, NULL, 'd'},
					   {"etcd", required_argument, NULL, 'e'},
					   {"prefix", required_argument, NULL, 'p'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	int c;

	while ((c = getopt_long(argc, argv, "d:e:p:h", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dir = optarg;
			break;
		case 'e':
			o->etcd = optarg;
			break;
		case 'p':
			o->prefix = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc || !!o->dir == !!o->etcd || (o->etcd && !o->prefix) ||
	    (o->dir && o->prefix)) {
		fprintf(stderr, "plumb-svc: give either --dir DIR or --etcd URL --prefix PREFIX\n");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int run_dir(struct svc_engine *e, const char *path, int sfd)
{
	struct svc_dir *d = NULL;
	struct plumb_err err = {0};
	struct svc_names touched = {0};
	double t0 = svc_now_ms();
	int r;

	r = svc_dir_open(path, &d, &err);
	if (r >= 0)
		r = svc_dir_load_all(d, svc_engine_store(e), &touched, &err);
	if (r < 0) {
		log_error("%s", plumb_err_msg(&err, r));
		svc_dir_close(d);
		return r;
	}
	/* The start is a full resync: what the kernel has and nobody wants goes. */
	svc_sync_and_log(e, &touched, true, t0, "initial sync");
	svc_names_free(&touched);
	for (;;) {
		struct pollfd p[2] = {{svc_dir_fd(d), POLLIN, 0}, {sfd, POLLIN, 0}};
		struct signalfd_siginfo si;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (p[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGHUP) {
				log_info("signal %u: exiting, rules stay in place", si.ssi_signo);
				r = 0;
				break;
			}
			t0 = svc_now_ms();
			r = svc_engine_reload(e, &err);
			if (r >= 0)
				r = svc_dir_load_all(d, svc_engine_store(e), &touched, &err);
			if (r < 0)
				log_error("SIGHUP: %s", plumb_err_msg(&err, r));
			else
				svc_sync_and_log(e, &touched, true, t0, "SIGHUP resync");
			svc_names_free(&touched);
		}
		if (p[0].revents) {
			t0 = svc_now_ms();
			r = svc_dir_read_events(d, svc_engine_store(e), &touched, &err);
			if (r == 1) /* inotify overflowed: read everything */
				r = svc_dir_load_all(d, svc_engine_store(e), &touched, &err);
			if (r < 0)
				log_error("%s", plumb_err_msg(&err, r));
			else if (touched.n)
				svc_sync_and_log(e, &touched, false, t0, "change");
			svc_names_free(&touched);
		}
	}
	svc_dir_close(d);
	return r;
}

int main(int argc, char **argv)
{
	struct svc_engine *e = NULL;
	struct plumb_err err = {0};
	struct opts o = {0};
	int r, sfd;

	plumb_mem_tune();
	plumb_log_init("plumb-svc");
	if (!getenv("PLUMB_LOG"))
		plumb_log_set_level(PLUMB_LOG_INFO);
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	sfd = open_signals();
	if (sfd < 0) {
		log_error("signalfd: %s", strerror(errno));
		return 1;
	}
	r = svc_engine_open(&e, &err);
	if (r < 0) {
		log_error("%s", plumb_err_msg(&err, r));
		close(sfd);
		return 1;
	}
	if (o.dir)
		r = run_dir(e, o.dir, sfd);
	else
		r = svc_run_etcd(e, o.etcd, o.prefix, sfd);
	svc_engine_free(e);
	close(sfd);
	return r < 0 ? 1 : 0;
}
