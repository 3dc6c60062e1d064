// SPDX-License-Identifier: MIT
/* Unit tests for ipam leases on a temp data dir: format, exhaustion, round
 * robin, requested addresses, release, GC, interop with host-local's files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ipam/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fx {
	char dir[64];
	struct ipam_config cfg;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/plumb-ipam-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->cfg.network, sizeof(f->cfg.network), "net1");
	snprintf(f->cfg.data_dir, sizeof(f->cfg.data_dir), "%s", f->dir);
	f->cfg.n_rangesets = 1;
	f->cfg.rangesets[0].n = 1;
	plumb_cidr_parse("10.1.0.0/29", false, &f->cfg.rangesets[0].r[0].subnet);
	*state = f;
	return ipam_config_finish(&f->cfg, NULL);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static const char *s(const struct plumb_ip *ip)
{
	static char buf[4][PLUMB_IP_STRLEN];
	static int k;

	return plumb_ip_str(ip, buf[k++ % 4], PLUMB_IP_STRLEN);
}

static void read_file(const struct fx *f, const char *name, char *buf, size_t len)
{
	char path[256];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/net1/%s", f->dir, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
}

static void write_file(const struct fx *f, const char *name, const char *data)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/net1/%s", f->dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(data, fp);
	fclose(fp);
}

static void test_format(void **state)
{
	struct fx *f = *state;
	struct ipam_result res;
	char buf[128];
	struct stat sb;

	assert_int_equal(ipam_lease_acquire(&f->cfg, " c1 ", "eth0", &res, NULL), 0);
	assert_int_equal(res.n_addrs, 1);
	assert_string_equal(s(&res.addrs[0].addr.ip), "10.1.0.2");
	assert_int_equal(res.addrs[0].addr.prefix, 29);
	assert_string_equal(s(&res.addrs[0].gateway), "10.1.0.1");
	read_file(f, "10.1.0.2", buf, sizeof(buf));
	assert_string_equal(buf, "c1\r\neth0"); /* id trimmed, as host-local does */
	read_file(f, "last_reserved_ip.0", buf, sizeof(buf));
	assert_string_equal(buf, "10.1.0.2");
	snprintf(buf, sizeof(buf), "%s/net1/lock", f->dir);
	assert_int_equal(stat(buf, &sb), 0);
	snprintf(buf, sizeof(buf), "%s/net1/.plumb-stage", f->dir);
	assert_int_equal(stat(buf, &sb), -1); /* no temp left behind */
}

static void test_exhaustion_never_duplicates(void **state)
{
	struct fx *f = *state;
	struct ipam_result res;
	struct plumb_err e = {0};
	char id[16], seen[8] = {0};

	/* a /29: .2-.6 usable (.1 gateway, .0 network, .7 broadcast) */
	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		assert_int_equal(ipam_lease_acquire(&f->cfg, id, "eth0", &res, NULL), 0);
		int last = res.addrs[0].addr.ip.a[3];

		assert_true(last >= 2 && last <= 6);
		assert_int_equal(seen[last], 0);
		seen[last] = 1;
	}
	assert_int_equal(ipam_lease_acquire(&f->cfg, "c9", "eth0", &res, &e), -ENOSPC);
	assert_non_null(strstr(e.msg, "no IP addresses available in range set: 10.1.0.1-10.1.0.6"));
	assert_int_equal(res.n_addrs, 0);
	/* release one; the next ADD gets exactly that one */
	assert_int_equal(ipam_lease_release(&f->cfg, "c2", "eth0", NULL), 0);
	assert_int_equal(ipam_lease_acquire(&f->cfg, "c9", "eth0", &res, NULL), 0);
	assert_string_equal(s(&res.addrs[0].addr.ip), "10.1.0.4");
}

static void test_round_robin_after_release(void **state)
{
	struct fx *f = *state;
	struct ipam_result res;

	assert_int_equal(ipam_lease_acquire(&f->cfg, "a", "eth0", &res, NULL), 0);
	assert_int_equal(ipam_lease_release(&f->cfg, "a", "eth0", NULL), 0);
	assert_int_equal(ipam_lease_acquire(&f->cfg, "b", "eth0", &res, NULL), 0);
	/* .2 is free again but host-local continues after last_reserved_ip */
	assert_string_equal(s(&res.addrs[0].addr.ip), "10.1.0.3");
	write_file(f, "last_reserved_ip.0", "10.1.0.6");
	assert_int_equal(ipam_lease_acquire(&f->cfg, "c", "eth0", &res, NULL), 0);
	assert_string_equal(s(&res.addrs[0].addr.ip), "10.1.0.2");
	write_file(f, "last_reserved_ip.0", "garbage");
	assert_int_equal(ipam_lease_acquire(&f->cfg, "d", "eth0", &res, NULL), 0);
	assert_string_equal(s(&res.addrs[0].addr.ip), "10.1.0.4");
}

static void test_duplicate_add_refused(void **state)
{
	struct fx *f = *state;
	struct ipam_result res;
	struct plumb_err e = {0};

	assert_int_equal(ipam_lease_acquire(&f->cfg, "a", "eth0", &res, NULL), 0);
	assert_int_equal(ipam_lease_acquire(&f->cfg, "a", "eth0", &res, &e), -EEXIST);
	assert_non_null(strstr(e.msg, "duplicate allocation is not allowed"));
	assert_int_equal(ipam_lease_acquire(&f->cfg, "a", "eth1", &res, NULL), 0);
	assert_string_equal(s(&res.addrs[0].addr.ip), "10.1.0.3");
}

static void test_requested(void **state)
{
	struct fx *f = *state;
	struct ipam_result res;
	struct plumb_err e = {0};
	struct ipam_lease *l;
	size_t n;

	f->cfg.n_requested = 1;
	plumb_ip_parse("10.1.0.5", &f->cfg.requested[0]);
	assert_int_equal(ipam_lease_acquire(&f->cfg, "a", "eth0", &res, NULL), 0);
	assert_string_equal(s(&res.addrs[0].addr.ip), "10.1.0.5");
	assert_int_equal(ipam_lease_acquire(&f->cfg, "b", "eth0", &res, &e), -EADDRINUSE);
	assert_non_null(strstr(e.msg, "10.1.0.5 is not available"));
	plumb_ip_parse("10.1.0.1", &f->cfg.requested[0]);
	assert_int_equal(ipam_lease_acquire(&f->cfg, "b", "eth0", &res, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "gateway"));
	plumb_ip_parse("10.9.0.1", &f->cfg.requested[0]);
	assert_int_equal(ipam_lease_acquire(&f->cfg, "b", "eth0", &res, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "failed to allocate all requested IPs"));
	/* failures left nothing reserved */
	assert_int_equal(ipam_lease_list(f->dir, "net1", &l, &n, NULL), 0);
	assert_int_equal(n, 1);
	free(l);
}

static void test_dual_stack_all_or_nothing(void **state)
{
	struct fx *f = *state;
	struct ipam_result res;
	struct ipam_lease *l;
	size_t n;

	f->cfg.n_rangesets = 2;
	f->cfg.rangesets[1].n = 1;
	plumb_cidr_parse("fd00:1::/125", false, &f->cfg.rangesets[1].r[0].subnet);
	assert_int_equal(ipam_config_finish(&f->cfg, NULL), 0);
	for (int i = 0; i < 6; i++) { /* v6 has .2-.7 (6), v4 5: the 6th ADD fails */
		char id[8];

		snprintf(id, sizeof(id), "c%d", i);
		int r = ipam_lease_acquire(&f->cfg, id, "eth0", &res, NULL);

		assert_int_equal(r, i < 5 ? 0 : -ENOSPC);
		if (r == 0) {
			assert_int_equal(res.n_addrs, 2);
			assert_int_equal(res.addrs[1].addr.ip.family, AF_INET6);
			assert_int_equal(res.addrs[1].addr.prefix, 125);
		}
	}
	assert_int_equal(ipam_lease_list(f->dir, "net1", &l, &n, NULL), 0);
	assert_int_equal(n, 10); /* the failed ADD kept neither of its two */
	free(l);
}

static void test_release_reference_files(void **state)
{
	struct fx *f = *state;
	struct ipam_lease *l;
	size_t n;

	assert_int_equal(mkdir(f->dir, 0755) == 0 || errno == EEXIST, 1);
	char d[128];

	snprintf(d, sizeof(d), "%s/net1", f->dir);
	mkdir(d, 0755);
	write_file(f, "10.1.0.3", "ref\r\neth0");
	write_file(f, "10.1.0.4", "old");
	write_file(f, "10.1.0.5", "other\r\neth0");
	assert_int_equal(ipam_lease_release(&f->cfg, "ref", "eth0", NULL), 0);
	assert_int_equal(ipam_lease_release(&f->cfg, "old", "eth0", NULL), 0);
	assert_int_equal(ipam_lease_release(&f->cfg, "nobody", "eth0", NULL), 0);
	assert_int_equal(ipam_lease_list(f->dir, "net1", &l, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].id, "other");
	assert_string_equal(l[0].ifname, "eth0");
	free(l);
}

static void test_stale_index_does_not_release_others(void **state)
{
	struct fx *f = *state;
	struct ipam_result res;
	char buf[64];

	assert_int_equal(ipam_lease_acquire(&f->cfg, "a", "eth0", &res, NULL), 0);
	/* host-local releases a's address and gives it to b behind plumb's back */
	write_file(f, "10.1.0.2", "b\r\neth0");
	assert_int_equal(ipam_lease_release(&f->cfg, "a", "eth0", NULL), 0);
	read_file(f, "10.1.0.2", buf, sizeof(buf));
	assert_string_equal(buf, "b\r\neth0");
	/* and a may be added again: the stale index entry is no duplicate */
	assert_int_equal(ipam_lease_acquire(&f->cfg, "a", "eth0", &res, NULL), 0);
}

static void test_gc_and_check(void **state)
{
	struct fx *f = *state;
	struct ipam_result res;
	struct ipam_attachment keep[] = {{"a", "eth0"}, {"old", "eth9"}};
	struct ipam_lease *l;
	size_t n;

	assert_int_equal(ipam_lease_acquire(&f->cfg, "a", "eth0", &res, NULL), 0);
	assert_int_equal(ipam_lease_acquire(&f->cfg, "b", "eth0", &res, NULL), 0);
	write_file(f, "10.1.0.5", "old");
	write_file(f, "10.1.0.6", ""); /* a reference ADD killed between create and write */
	write_file(f, ".plumb-stage", "x\r\neth0");
	assert_int_equal(ipam_lease_gc(f->dir, "net1", keep, 2, NULL), 2);
	assert_int_equal(ipam_lease_list(f->dir, "net1", &l, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(s(&l[0].ip), "10.1.0.2");
	assert_string_equal(s(&l[1].ip), "10.1.0.5");
	free(l);
	assert_int_equal(ipam_lease_check(&f->cfg, "a", "eth0", &res, NULL), 0);
	assert_string_equal(s(&res.addrs[0].addr.ip), "10.1.0.2");
	assert_int_equal(ipam_lease_check(&f->cfg, "b", "eth0", &res, NULL), -ENOENT);
	assert_int_equal(ipam_lease_gc(f->dir, "absent", keep, 2, NULL), 0);
}

/* kill -9 between link(2) and the stage file's unlink leaves the stage file
 * hard-linked to a live reservation: the next writer must not truncate it. */
static void test_crash_after_link(void **state)
{
	struct fx *f = *state;
	struct ipam_result res;
	char a[256], b[256], buf[64];

	assert_int_equal(ipam_lease_acquire(&f->cfg, "a", "eth0", &res, NULL), 0);
	snprintf(a, sizeof(a), "%s/net1/10.1.0.2", f->dir);
	snprintf(b, sizeof(b), "%s/net1/.plumb-stage", f->dir);
	assert_int_equal(link(a, b), 0);
	assert_int_equal(ipam_lease_acquire(&f->cfg, "bb", "eth1", &res, NULL), 0);
	assert_string_equal(s(&res.addrs[0].addr.ip), "10.1.0.3");
	read_file(f, "10.1.0.2", buf, sizeof(buf));
	assert_string_equal(buf, "a\r\neth0");
}

/* kill -9 after the reservation but before the index write: DEL still finds
 * it (scan) and GC removes it when its attachment is not valid. */
static void test_crash_before_index(void **state)
{
	struct fx *f = *state;
	struct ipam_result res;
	struct ipam_lease *l;
	char idx[256];
	size_t n;

	assert_int_equal(ipam_lease_acquire(&f->cfg, "a", "eth0", &res, NULL), 0);
	assert_int_equal(ipam_lease_acquire(&f->cfg, "b", "eth0", &res, NULL), 0);
	snprintf(idx, sizeof(idx), "%s/.plumb-index/net1/a:eth0", f->dir);
	assert_int_equal(unlink(idx), 0);
	snprintf(idx, sizeof(idx), "%s/.plumb-index/net1/b:eth0", f->dir);
	assert_int_equal(unlink(idx), 0);
	assert_int_equal(ipam_lease_release(&f->cfg, "a", "eth0", NULL), 0);
	assert_int_equal(ipam_lease_gc(f->dir, "net1", NULL, 0, NULL), 1);
	assert_int_equal(ipam_lease_list(f->dir, "net1", &l, &n, NULL), 0);
	assert_int_equal(n, 0);
	free(l);
}

/* A full /24 with one hole far behind last_reserved_ip: found through the
 * directory listing after the first probes, and then a clean ENOSPC. */
static void test_nearly_full_finds_the_hole(void **state)
{
	struct fx *f = *state;
	struct ipam_result res;
	char id[16];

	plumb_cidr_parse("10.2.0.0/24", false, &f->cfg.rangesets[0].r[0].subnet);
	f->cfg.rangesets[0].r[0].start.family = f->cfg.rangesets[0].r[0].end.family = 0;
	f->cfg.rangesets[0].r[0].gateway.family = 0;
	assert_int_equal(ipam_config_finish(&f->cfg, NULL), 0);
	for (int i = 0; i < 253; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		assert_int_equal(ipam_lease_acquire(&f->cfg, id, "eth0", &res, NULL), 0);
	}
	assert_int_equal(ipam_lease_release(&f->cfg, "c98", "eth0", NULL), 0); /* 10.2.0.100 */
	write_file(f, "last_reserved_ip.0", "10.2.0.101");
	assert_int_equal(ipam_lease_acquire(&f->cfg, "late", "eth0", &res, NULL), 0);
	assert_string_equal(s(&res.addrs[0].addr.ip), "10.2.0.100");
	assert_int_equal(ipam_lease_acquire(&f->cfg, "none", "eth0", &res, NULL), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_never_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_robin_after_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_add_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dual_stack_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_reference_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_index_does_not_release_others, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gc_and_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_after_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_before_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nearly_full_finds_the_hole, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
