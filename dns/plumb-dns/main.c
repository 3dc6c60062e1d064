// SPDX-License-Identifier: MIT
/*
 * plumb-dns — the embedded DNS for container networks: names, aliases (all
 * addresses, rotated per query), name.<network>, names under a network's
 * domain, PTR, service SRV/A, per network; forwards the rest upstream.
 * Listens on 127.0.0.11:53 inside every registered pod namespace, on network
 * gateway addresses and on --listen addresses. Registrations arrive on a unix
 * control socket and are kept in a state file.
 */
#include "dns/plumb-dns/server.h"

#include "common/cleanup.h"
#include "common/file.h"
#include "common/log.h"

#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: plumb-dns [options]\n"
		"  --control PATH       control socket [$PLUMB_DNS_SOCK or " DNS_CTL_SOCK_DEFAULT "]\n"
		"  --state PATH         state file, '' for none [$PLUMB_DNS_STATE or " DNS_STATE_DEFAULT "]\n"
		"  --listen ADDR[@NET,...]  also serve here (our namespace); no @: every network\n"
		"  --upstream ADDR[:PORT]   forward here (repeatable); default: resolv.conf\n"
		"  --resolv-conf PATH   [/etc/resolv.conf]\n"
		"  --port N             DNS port of every listener [53]\n"
		"  --ttl N              TTL of local answers [10]\n"
		"  --timeout-ms N       per-upstream timeout [1500]\n"
		"  --pidfile PATH       write our PID here\n"
		"  --io uring|epoll     UDP path: io_uring (falls back to epoll when the\n"
		"                       kernel cannot) or plain epoll [uring]\n"
		"  --daemon             go to the background once serving\n"
		"  --log PATH           with --daemon: log here instead of nowhere\n");
}

static int parse_uint(const char *opt, const char *v, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(v, &end, 10);
	if (!*v || *end || errno || *out > max) {
		fprintf(stderr, "plumb-dns: %s needs a number up to %lu, got '%s'\n", opt, max, v);
		return -EINVAL;
	}
	return 0;
}

struct cli {
	bool daemon;
	const char *log;
};

static int parse_args(int argc, char **argv, struct srv_opts *o, struct cli *cli)
{
	static const struct option opts[] = {
		{"control", required_argument, NULL, 'c'}, {"state", required_argument, NULL, 's'},
		{"listen", required_argument, NULL, 'l'},  {"upstream", required_argument, NULL, 'u'},
		{"resolv-conf", required_argument, NULL, 'r'}, {"port", required_argument, NULL, 'p'},
		{"ttl", required_argument, NULL, 't'},	   {"timeout-ms", required_argument, NULL, 'T'},
		{"pidfile", required_argument, NULL, 'P'}, {"daemon", no_argument, NULL, 'd'},
		{"log", required_argument, NULL, 'L'},	   {"help", no_argument, NULL, 'h'},
		{"io", required_argument, NULL, 'I'},
		{0},
	};
	unsigned long v;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o->control = optarg; break;
		case 's': o->state = *optarg ? optarg : NULL; break;
		case 'r': o->resolv_conf = optarg; break;
		case 'P': o->pidfile = optarg; break;
		case 'd': cli->daemon = true; break;
		case 'L': cli->log = optarg; break;
		case 'I':
			if (strcmp(optarg, "uring") && strcmp(optarg, "epoll")) {
				fprintf(stderr, "plumb-dns: --io wants 'uring' or 'epoll', got '%s'\n",
					optarg);
				return -EINVAL;
			}
			o->no_uring = !strcmp(optarg, "epoll");
			break;
		case 'l':
			if (o->nlisten >= ARRAY_SIZE(o->listen)) {
				fprintf(stderr, "plumb-dns: too many --listen\n");
				return -EINVAL;
			}
			o->listen[o->nlisten++] = optarg;
			break;
		case 'u':
			if (o->nupstreams >= SRV_MAX_UPSTREAMS ||
			    upstream_parse(optarg, &o->upstreams[o->nupstreams]) < 0) {
				fprintf(stderr, "plumb-dns: --upstream '%s': want ADDR, ADDR:PORT or "
						"[V6]:PORT (at most %d)\n",
					optarg, SRV_MAX_UPSTREAMS);
				return -EINVAL;
			}
			o->nupstreams++;
			break;
		case 'p':
			if (parse_uint("--port", optarg, 65535, &v) < 0 || !v)
				return -EINVAL;
			o->port = (uint16_t)v;
			break;
		case 't':
			if (parse_uint("--ttl", optarg, 86400, &v) < 0)
				return -EINVAL;
			o->ttl = (uint32_t)v;
			break;
		case 'T':
			if (parse_uint("--timeout-ms", optarg, 60000, &v) < 0 || !v)
				return -EINVAL;
			o->timeout_ms = (int)v;
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "plumb-dns: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* Fork twice; the first process exits 0 only once the daemon says it is
 * serving (so `plumb-dns --daemon` returning means queries work), 1 if it
 * died first. Returns the write end the daemon signals on. */
static int daemonize(void)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		char c;

		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	return p[1];
}

static void detach_stdio(const char *log)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int lfd = log ? open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(lfd >= 0 ? lfd : null, 2);
		close(null);
	}
	if (lfd >= 0)
		close(lfd);
}

static int setup(struct srv *s, struct plumb_err *err)
{
	struct rlimit rl;
	sigset_t mask;
	int r;

	/* two sockets per pod: take every descriptor we may have */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return plumb_err_set(err, errno, "epoll_create: %s", strerror(errno));
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sig_ev = (struct ev){EV_SIGNAL, signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC), NULL};
	if (s->sig_ev.fd < 0 || srv_epoll_add(s, &s->sig_ev, EPOLLIN) < 0)
		return plumb_err_set(err, errno, "signalfd: %s", strerror(errno));
	if (!s->o.no_uring) {
		struct plumb_err uerr = {0};

		if ((r = uring_init(s, &uerr)) < 0)
			log_info("io_uring unavailable (%s): serving UDP with epoll",
				 plumb_err_msg(&uerr, r));
	}
	/* the epoll loop's receive batch; the ring has buffers of its own */
	if (!s->uring && !(s->udp = udp_batch_new()))
		return plumb_err_set(err, ENOMEM, "out of memory");
	upstreams_refresh(s, true);
	if ((r = ctl_open(s, err)) < 0)
		return r;
	for (size_t i = 0; i < s->o.nlisten; i++)
		if ((r = listener_add_static(s, s->o.listen[i], err)) < 0)
			return r;
	if ((r = state_load(s, err)) < 0)
		return r;
	/* a pod that vanished while we were down is not a reason to stop */
	r = srv_apply(s, err);
	/* the parsed state file is freed: give its pages back (the query path
	 * allocates nothing, so nothing would reuse them) */
	malloc_trim(0);
	return r;
}

static void teardown(struct srv *s)
{
	fwd_free_all(s);
	listeners_free(s);
	uring_free(s); /* after the listeners: their receives are cancelled */
	while (s->conns)
		tcp_close(s, s->conns);
	ctl_close_all(s);
	dns_zone_free(s->zone);
	dns_registry_free(&s->reg);
	free(s->udp);
	if (s->sig_ev.fd >= 0)
		close(s->sig_ev.fd);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->o.pidfile)
		unlink(s->o.pidfile);
}

int main(int argc, char **argv)
{
	struct srv *s = calloc(1, sizeof(*s));
	struct plumb_err err = {0};
	struct cli cli = {0};
	int notify = -1, r;

	plumb_log_init("plumb-dns");
	if (!s)
		return 1;
	s->epfd = s->sig_ev.fd = s->ctl_ev.fd = -1;
	s->o = (struct srv_opts){.control = DNS_CTL_SOCK_DEFAULT, .state = DNS_STATE_DEFAULT,
				 .resolv_conf = "/etc/resolv.conf", .port = 53, .ttl = 10,
				 .timeout_ms = 1500};
	/* the same environment netctl and the dnsname plugin honour */
	if (getenv("PLUMB_DNS_SOCK") && *getenv("PLUMB_DNS_SOCK"))
		s->o.control = getenv("PLUMB_DNS_SOCK");
	if (getenv("PLUMB_DNS_STATE"))
		s->o.state = *getenv("PLUMB_DNS_STATE") ? getenv("PLUMB_DNS_STATE") : NULL;
	if (parse_args(argc, argv, &s->o, &cli) < 0)
		return 2;
	if (cli.daemon && (notify = daemonize()) < 0) {
		fprintf(stderr, "plumb-dns: cannot daemonize: %s\n", strerror(-notify));
		return 1;
	}
	r = setup(s, &err);
	if (r < 0) {
		fprintf(stderr, "plumb-dns: %s\n", plumb_err_msg(&err, r));
		teardown(s);
		free(s);
		return 1;
	}
	if (s->o.pidfile) {
		char pid[32];

		snprintf(pid, sizeof(pid), "%d\n", getpid());
		plumb_file_write_atomic(s->o.pidfile, pid, strlen(pid), 0644, NULL);
	}
	if (notify >= 0) {
		detach_stdio(cli.log);
		if (write(notify, "1", 1) != 1)
			log_warn("could not tell the parent we are ready");
		close(notify);
	}
	log_info("serving %zu names", dns_zone_names(s->zone));
	srv_run(s);
	teardown(s);
	free(s);
	return 0;
}
