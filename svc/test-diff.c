// SPDX-License-Identifier: MIT
/* Unit tests for the diff engine (svc/diff.c) and the store (svc/store.c):
 * only the difference is sent, ids move on a count change, keys stay unique. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "svc/svc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* A group "ns/<name>" with one TCP frontend vip:80 and backends 10.1.0.<b>:8080. */
static struct svc_group group(const char *name, const char *vip, uint32_t affinity,
			      uint16_t node_port, const int *be, size_t n)
{
	struct svc_group g = {0};
	struct svc_frontend *fe = calloc(1, sizeof(*fe));
	char a[32];

	snprintf(g.svc, sizeof(g.svc), "ns/%s", name);
	snprintf(fe->name, sizeof(fe->name), "ns/%s:http", name);
	fe->proto = IPPROTO_TCP;
	fe->vip = ip(vip);
	fe->port = 80;
	fe->node_port = node_port;
	fe->affinity = affinity;
	for (size_t i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "10.1.0.%d", be[i]);
		fe->be[i] = (struct svc_backend){ip(a), 8080};
	}
	fe->n = n;
	g.fe = fe;
	g.n = 1;
	return g;
}

struct counts {
	size_t add[NAT_SVC_NSETS], del[NAT_SVC_NSETS];
	size_t cadd, cdel;
};

/* Plan, count what the batch does per set, commit. */
static struct counts apply(struct svc_programmed *p, struct svc_group *g, size_t n,
			   struct svc_names *problems)
{
	struct svc_plan *plan = NULL;
	const struct nat_svc_batch *b;
	struct counts c = {0};

	assert_int_equal(svc_plan_make(p, g, n, &plan, problems), 0);
	b = svc_plan_batch(plan);
	for (size_t i = 0; i < b->add.n; i++)
		c.add[b->add.v[i].set]++;
	for (size_t i = 0; i < b->del.n; i++)
		c.del[b->del.v[i].set]++;
	c.cadd = b->nclass_add;
	c.cdel = b->nclass_del;
	svc_plan_commit(p, plan);
	svc_plan_free(p, plan);
	return c;
}

static size_t total(const size_t *v)
{
	size_t t = 0;

	for (int i = 0; i < NAT_SVC_NSETS; i++)
		t += v[i];
	return t;
}

static uint32_t programmed_id(struct svc_programmed *p, const char *svc)
{
	const struct svc_group *g = svc_programmed_get(p, svc);

	assert_non_null(g);
	return nat_svc_id(g->fe[0].serial, g->fe[0].tclass, g->fe[0].n);
}

static void test_add_same_change_remove(void **state)
{
	struct svc_programmed *p;
	struct svc_names probs = {0};
	struct svc_group g;
	struct counts c;
	uint32_t id1, id2;

	assert_int_equal(svc_programmed_new(&p), 0);
	g = group("a", "10.96.0.1", 0, 0, (int[]){2, 3, 4}, 3);
	c = apply(p, &g, 1, &probs);
	assert_int_equal(c.add[NAT_SVC_IDS], 1);
	assert_int_equal(c.add[NAT_SVC_EPS], 3);
	assert_int_equal(c.add[NAT_SVC_HAIRPIN], 3);
	assert_int_equal(total(c.del), 0);
	id1 = programmed_id(p, "ns/a");
	assert_int_equal(id1 & 0x3f, 2); /* N - 1 in the low bits */

	/* The same desired state again: nothing to send. */
	g = group("a", "10.96.0.1", 0, 0, (int[]){2, 3, 4}, 3);
	c = apply(p, &g, 1, &probs);
	assert_int_equal(total(c.add) + total(c.del), 0);

	/* One backend replaced, same count: one slot element and the hairpins. */
	g = group("a", "10.96.0.1", 0, 0, (int[]){2, 3, 5}, 3);
	c = apply(p, &g, 1, &probs);
	assert_int_equal(c.del[NAT_SVC_EPS], 1);
	assert_int_equal(c.add[NAT_SVC_EPS], 1);
	assert_int_equal(c.del[NAT_SVC_HAIRPIN], 1);
	assert_int_equal(c.add[NAT_SVC_HAIRPIN], 1);
	assert_int_equal(c.del[NAT_SVC_IDS] + c.add[NAT_SVC_IDS], 0);
	assert_int_equal(programmed_id(p, "ns/a"), id1);

	/* Count 3 -> 2: the frontend moves to a new id, same serial. */
	g = group("a", "10.96.0.1", 0, 0, (int[]){2, 3}, 2);
	c = apply(p, &g, 1, &probs);
	assert_int_equal(c.del[NAT_SVC_IDS], 1);
	assert_int_equal(c.add[NAT_SVC_IDS], 1);
	assert_int_equal(c.del[NAT_SVC_EPS], 3);
	assert_int_equal(c.add[NAT_SVC_EPS], 2);
	id2 = programmed_id(p, "ns/a");
	assert_int_equal(id2 >> 12, id1 >> 12);
	assert_int_equal(id2 & 0x3f, 1);

	/* No ready backend: the frontend is rejected instead. */
	g = group("a", "10.96.0.1", 0, 30080, NULL, 0);
	c = apply(p, &g, 1, &probs);
	assert_int_equal(c.del[NAT_SVC_IDS], 1);
	assert_int_equal(c.del[NAT_SVC_EPS], 2);
	assert_int_equal(c.add[NAT_SVC_NOEP], 1);
	assert_int_equal(c.add[NAT_SVC_NPNOEP], 1);
	assert_int_equal(c.del[NAT_SVC_HAIRPIN], 2);

	/* Gone from the desired state: everything of it goes. */
	g = (struct svc_group){.svc = "ns/a"};
	c = apply(p, &g, 1, &probs);
	assert_int_equal(c.del[NAT_SVC_NOEP], 1);
	assert_int_equal(c.del[NAT_SVC_NPNOEP], 1);
	assert_int_equal(total(c.add), 0);
	assert_null(svc_programmed_get(p, "ns/a"));
	assert_int_equal(probs.n, 0);
	svc_names_free(&probs);
	svc_programmed_free(p);
}

static void test_conflict_reported_others_applied(void **state)
{
	struct svc_programmed *p;
	struct svc_names probs = {0};
	struct svc_group g[3];
	struct counts c;

	assert_int_equal(svc_programmed_new(&p), 0);
	g[0] = group("a", "10.96.0.1", 0, 30080, (int[]){2}, 1);
	c = apply(p, g, 1, &probs);
	/* b takes a's VIP:port, c takes a's NodePort, d is fine. */
	g[0] = group("b", "10.96.0.1", 0, 0, (int[]){3}, 1);
	g[1] = group("c", "10.96.0.3", 0, 30080, (int[]){4}, 1);
	g[2] = group("d", "10.96.0.4", 0, 0, (int[]){5}, 1);
	c = apply(p, g, 3, &probs);
	assert_int_equal(probs.n, 2);
	assert_non_null(strstr(probs.v[0], "service 'ns/b': 10.96.0.1:80/TCP is already used by service 'ns/a'"));
	assert_non_null(strstr(probs.v[1], "nodePort 30080/TCP is already used by service 'ns/a'"));
	assert_int_equal(c.add[NAT_SVC_IDS], 2); /* c (without its NodePort) and d */
	assert_int_equal(c.add[NAT_SVC_NPIDS], 0);
	assert_int_equal(total(c.del), 0);
	assert_non_null(svc_programmed_get(p, "ns/d"));
	assert_null(svc_programmed_get(p, "ns/b"));

	/* The holder keeps its VIP even when a newcomer comes first in the plan. */
	svc_names_free(&probs);
	g[0] = group("e", "10.96.0.4", 0, 0, (int[]){6}, 1);
	g[1] = group("d", "10.96.0.4", 0, 0, (int[]){5, 7}, 2);
	c = apply(p, g, 2, &probs);
	assert_int_equal(probs.n, 1);
	assert_non_null(strstr(probs.v[0], "service 'ns/e': 10.96.0.4:80/TCP is already used by service 'ns/d'"));
	assert_int_equal(svc_programmed_get(p, "ns/d")->fe[0].n, 2);
	assert_null(svc_programmed_get(p, "ns/e"));

	/* A VIP moving from a to b in one plan is not a conflict. */
	svc_names_free(&probs);
	g[0] = (struct svc_group){.svc = "ns/a"};
	g[1] = group("b", "10.96.0.1", 0, 0, (int[]){3}, 1);
	c = apply(p, g, 2, &probs);
	assert_int_equal(probs.n, 0);
	assert_int_equal(c.del[NAT_SVC_IDS], 1);
	assert_int_equal(c.add[NAT_SVC_IDS], 1);
	svc_names_free(&probs);
	svc_programmed_free(p);
}

static void test_affinity_classes(void **state)
{
	struct svc_programmed *p;
	struct svc_names probs = {0};
	struct svc_group g[2];
	struct counts c;

	assert_int_equal(svc_programmed_new(&p), 0);
	g[0] = group("a", "10.96.0.1", 30, 0, (int[]){2, 3}, 2);
	g[1] = group("b", "10.96.0.2", 30, 0, (int[]){4}, 1);
	c = apply(p, g, 2, &probs);
	assert_int_equal(c.cadd, 1); /* one timeout, one class */
	assert_int_equal(c.add[NAT_SVC_EPSET], 3);
	assert_int_equal(programmed_id(p, "ns/a") >> 6 & 0x3f, 1);
	g[0] = (struct svc_group){.svc = "ns/a"};
	c = apply(p, g, 1, &probs);
	assert_int_equal(c.cdel, 0); /* b still uses it */
	assert_int_equal(c.del[NAT_SVC_EPSET], 2);
	g[0] = (struct svc_group){.svc = "ns/b"};
	c = apply(p, g, 1, &probs);
	assert_int_equal(c.cdel, 1);
	svc_names_free(&probs);
	svc_programmed_free(p);
}

static void test_hairpin_shared(void **state)
{
	struct svc_programmed *p;
	struct svc_names probs = {0};
	struct svc_group g[2];
	struct counts c;

	assert_int_equal(svc_programmed_new(&p), 0);
	g[0] = group("a", "10.96.0.1", 0, 0, (int[]){2}, 1);
	g[1] = group("b", "10.96.0.2", 0, 0, (int[]){2}, 1);
	c = apply(p, g, 2, &probs);
	assert_int_equal(c.add[NAT_SVC_HAIRPIN], 1);
	g[0] = (struct svc_group){.svc = "ns/a"};
	c = apply(p, g, 1, &probs);
	assert_int_equal(c.del[NAT_SVC_HAIRPIN], 0); /* b's endpoint still needs it */
	g[0] = (struct svc_group){.svc = "ns/b"};
	c = apply(p, g, 1, &probs);
	assert_int_equal(c.del[NAT_SVC_HAIRPIN], 1);
	svc_names_free(&probs);
	svc_programmed_free(p);
}

static void test_failed_plan_leaves_state(void **state)
{
	struct svc_programmed *p;
	struct svc_names probs = {0};
	struct svc_plan *plan = NULL;
	struct svc_group g;

	assert_int_equal(svc_programmed_new(&p), 0);
	g = group("a", "10.96.0.1", 0, 0, (int[]){2}, 1);
	assert_int_equal(svc_plan_make(p, &g, 1, &plan, &probs), 0);
	svc_plan_free(p, plan); /* the kernel said no: nothing adopted */
	assert_null(svc_programmed_get(p, "ns/a"));
	g = group("a", "10.96.0.1", 0, 0, (int[]){2}, 1);
	assert_int_equal(apply(p, &g, 1, &probs).add[NAT_SVC_IDS], 1);
	svc_names_free(&probs);
	svc_programmed_free(p);
}

static void test_store_join_and_touched(void **state)
{
	struct svc_store *s;
	struct svc_objects o = {0};
	struct svc_names touched = {0};
	struct svc_group g = {0};
	struct svc_object svc = {.kind = SVC_KIND_SERVICE}, sl = {.kind = SVC_KIND_SLICE};
	struct svc_port ports[2];
	struct svc_slice_port sl_ports[1];

	assert_int_equal(svc_store_new(&s), 0);
	strcpy(svc.svc.ns, "ns");
	strcpy(svc.svc.name, "web");
	svc.svc.cluster_ip = ip("10.96.0.9");
	svc.svc.nports = 2;
	svc.svc.ports = ports; /* svc_objects_add copies them */
	svc.svc.ports[0] = (struct svc_port){.name = "http", .proto = IPPROTO_TCP, .port = 80};
	svc.svc.ports[1] = (struct svc_port){.name = "metrics", .proto = IPPROTO_TCP, .port = 9090};
	assert_int_equal(svc_objects_add(&o, &svc), 0);
	assert_int_equal(svc_store_replace(s, "web.json", &o, &touched), 0);
	assert_int_equal(touched.n, 1);
	assert_string_equal(touched.v[0], "ns/web");

	strcpy(sl.slice.ns, "ns");
	strcpy(sl.slice.name, "web-1");
	strcpy(sl.slice.service, "web");
	sl.slice.nports = 1;
	sl.slice.ports = sl_ports;
	sl.slice.ports[0] = (struct svc_slice_port){.name = "http", .proto = IPPROTO_TCP, .port = 8080};
	sl.slice.neps = 3;
	sl.slice.eps = calloc(3, sizeof(*sl.slice.eps));
	sl.slice.eps[0] = (struct svc_slice_ep){ip("10.1.0.3"), true};
	sl.slice.eps[1] = (struct svc_slice_ep){ip("10.1.0.2"), true};
	sl.slice.eps[2] = (struct svc_slice_ep){ip("10.1.0.4"), false};
	assert_int_equal(svc_objects_add(&o, &sl), 0);
	assert_int_equal(svc_store_replace(s, "web-1.json", &o, &touched), 0);
	assert_int_equal(touched.n, 1); /* the same service again */

	assert_int_equal(svc_store_group(s, "ns/web", &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.fe[0].name, "ns/web:http");
	assert_int_equal(g.fe[0].n, 2); /* the unready one is left out */
	assert_int_equal(g.fe[0].be[0].addr, ip("10.1.0.2")); /* sorted */
	assert_int_equal(g.fe[0].be[0].port, 8080);
	assert_int_equal(g.fe[1].n, 0); /* the slice has no "metrics" port */

	/* The slice's file goes away: the service has no endpoints. */
	assert_int_equal(svc_store_replace(s, "web-1.json", &o, &touched), 0);
	assert_int_equal(svc_store_group(s, "ns/web", &g), 0);
	assert_int_equal(g.fe[0].n, 0);
	svc_group_free(&g);
	svc_names_free(&touched);
	svc_store_free(s);
}

static void test_distribution_layout(void **state)
{
	/* 64 backends: one id, 64 slots, each slot a different backend. */
	int be[64];
	struct svc_programmed *p;
	struct svc_names probs = {0};
	struct svc_group g;
	struct counts c;

	for (int i = 0; i < 64; i++)
		be[i] = i + 1;
	assert_int_equal(svc_programmed_new(&p), 0);
	g = group("big", "10.96.0.7", 0, 0, be, 64);
	c = apply(p, &g, 1, &probs);
	assert_int_equal(c.add[NAT_SVC_EPS], 64);
	assert_int_equal(programmed_id(p, "ns/big") & 0x3f, 63);
	svc_names_free(&probs);
	svc_programmed_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_same_change_remove),
		cmocka_unit_test(test_conflict_reported_others_applied),
		cmocka_unit_test(test_affinity_classes),
		cmocka_unit_test(test_hairpin_shared),
		cmocka_unit_test(test_failed_plan_leaves_state),
		cmocka_unit_test(test_store_join_and_touched),
		cmocka_unit_test(test_distribution_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
