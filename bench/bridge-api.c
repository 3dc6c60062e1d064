// SPDX-License-Identifier: MIT
/*
 * bench/bridge-api.c — what one CNI-style ADD and DEL cost through the
 * bridge/veth/addr/route API alone (no process start, no JSON, no IPAM):
 *
 *   bridge-api HOST_NS POD_PREFIX N
 *
 * Run inside nothing: it opens HOST_NS and POD_PREFIX0..N-1 (all must exist;
 * bench/bridge-veth.sh makes them). Prints median/p95 in microseconds.
 */
#include "bridge/bridge.h"
#include "common/addr.h"
#include "common/netns.h"
#include "common/route.h"
#include "veth/veth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static void report(const char *what, long long *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("%-34s median %6lld us  p95 %6lld us  (n=%d)\n", what, v[n / 2], v[n * 95 / 100], n);
}

/* One ADD: socket in the pod, bridge ensured, pair, address, default route. */
static int add_one(struct plumb_nl *host, const char *pod_name, int i, struct plumb_err *err)
{
	struct bridge_config bc = {.name = "benchbr0", .naddrs = 1};
	struct veth_config vc = {.ifname = "eth0"};
	struct plumb_route rt = {0};
	struct plumb_cidr a;
	struct bridge_info bi;
	struct veth_pair p;
	struct plumb_nl pod;
	char id[32], ip[32];
	int fd, r;

	plumb_cidr_parse("10.209.0.1/16", false, &bc.addrs[0]);
	snprintf(id, sizeof(id), "bench%d", i);
	snprintf(ip, sizeof(ip), "10.209.%d.%d/16", (i + 2) / 256, (i + 2) % 256);
	plumb_cidr_parse(ip, false, &a);
	plumb_ip_parse("10.209.0.1", &rt.gw);
	rt.dst.ip.family = AF_INET;
	fd = netns_open(pod_name, err);
	if (fd < 0)
		return fd;
	r = plumb_nl_open(&pod, fd, err);
	close(fd);
	if (r < 0)
		return r;
	r = bridge_ensure(host, &bc, &bi, err);
	vc.container_id = id;
	vc.master = bi.link.ifindex;
	if (r >= 0)
		r = veth_pair_create(host, &pod, &vc, &p, err);
	if (r >= 0)
		r = plumb_addr_add(&pod, p.cont.ifindex, &a, PLUMB_ADDR_NODAD, err);
	if (r >= 0) {
		rt.ifindex = p.cont.ifindex;
		r = plumb_route_add(&pod, &rt, err);
	}
	plumb_nl_close(&pod);
	return r;
}

static int del_one(const char *pod_name, struct plumb_err *err)
{
	struct plumb_nl pod;
	int fd = netns_open(pod_name, err), r;

	if (fd < 0)
		return fd;
	r = plumb_nl_open(&pod, fd, err);
	close(fd);
	if (r < 0)
		return r;
	r = veth_pair_delete(&pod, "eth0", err);
	plumb_nl_close(&pod);
	return r;
}

int main(int argc, char **argv)
{
	struct plumb_err err = {0};
	struct plumb_nl host;
	long long *add, *del;
	char name[256];
	int n, fd;

	if (argc != 4 || (n = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: %s HOST_NS POD_PREFIX N\n", argv[0]);
		return 2;
	}
	add = calloc((size_t)n, sizeof(*add));
	del = calloc((size_t)n, sizeof(*del));
	fd = netns_open(argv[1], &err);
	if (!add || !del || fd < 0 || plumb_nl_open(&host, fd, &err) < 0) {
		fprintf(stderr, "%s\n", plumb_err_msg(&err, ENOMEM));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		long long t0 = now_us();

		snprintf(name, sizeof(name), "%s%d", argv[2], i);
		if (add_one(&host, name, i, &err) < 0) {
			fprintf(stderr, "ADD %d: %s\n", i, err.msg);
			return 1;
		}
		add[i] = now_us() - t0;
	}
	for (int i = 0; i < n; i++) {
		long long t0 = now_us();

		snprintf(name, sizeof(name), "%s%d", argv[2], i);
		if (del_one(name, &err) < 0) {
			fprintf(stderr, "DEL %d: %s\n", i, err.msg);
			return 1;
		}
		del[i] = now_us() - t0;
	}
	report("plumb API ADD (bridge+veth+addr+rt)", add, n);
	report("plumb API DEL", del, n);
	plumb_nl_close(&host);
	close(fd);
	free(add);
	free(del);
	return 0;
}
