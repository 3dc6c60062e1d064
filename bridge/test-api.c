// SPDX-License-Identifier: MIT
/*
 * The bridge/veth/addr/route API as the CNI bridge plugin calls it, against the
 * real kernel in two namespaces of its own ("host" and "pod"); needs root
 * (skipped otherwise). Never touches the namespace it runs in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bridge/bridge.h"
#include "common/addr.h"
#include "common/netns.h"
#include "common/route.h"
#include "veth/veth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct fixture {
	char host_name[64], pod_name[64];
	int hostfd, podfd;
	struct plumb_nl host, pod;
};

static int setup(void **state)
{
	static struct fixture f;
	struct plumb_err err = {0};

	if (geteuid() != 0)
		return 0;
	snprintf(f.host_name, sizeof(f.host_name), "plumb-unit-br-%d-h", getpid());
	snprintf(f.pod_name, sizeof(f.pod_name), "plumb-unit-br-%d-p", getpid());
	if (netns_create(f.host_name, &err) < 0 || netns_create(f.pod_name, &err) < 0) {
		fprintf(stderr, "setup: %s\n", err.msg);
		netns_delete(f.host_name, NULL);
		return -1;
	}
	f.hostfd = netns_open(f.host_name, &err);
	f.podfd = netns_open(f.pod_name, &err);
	if (f.hostfd < 0 || f.podfd < 0 || plumb_nl_open(&f.host, f.hostfd, &err) < 0 ||
	    plumb_nl_open(&f.pod, f.podfd, &err) < 0) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	f.host.ns_name = "host";
	f.pod.ns_name = "pod";
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	plumb_nl_close(&f->host);
	plumb_nl_close(&f->pod);
	close(f->hostfd);
	close(f->podfd);
	netns_delete(f->pod_name, NULL);
	return netns_delete(f->host_name, NULL) < 0 ? -1 : 0;
}

#define ROOT_ONLY(f)                                                                               \
	do {                                                                                       \
		if (!(f))                                                                          \
			skip();                                                                    \
	} while (0)

static void cidr(const char *s, struct plumb_cidr *c)
{
	assert_int_equal(plumb_cidr_parse(s, false, c), 0);
}

static void test_cni_add_check_del(void **state)
{
	struct fixture *f = *state;
	struct plumb_err err = {0};
	struct bridge_config bc = {.name = "cni0", .mtu = 1400, .promisc = true,
				   .vlan_filtering = true, .naddrs = 2};
	struct veth_config vc = {.container_id = "c0ffee", .ifname = "eth0", .mtu = 1400,
				 .has_mac = true, .mac = {2, 0, 0, 0, 0, 5}, .no_dad = true};
	struct bridge_port_config pc = {.set_hairpin = true, .hairpin = true, .pvid = 100};
	struct plumb_cidr a4, a6;
	struct plumb_route rt = {0};
	struct bridge_info bi, again;
	struct plumb_link peer, *ports = NULL;
	struct veth_pair p;
	char want[IFNAMSIZ];

	ROOT_ONLY(f);
	cidr("10.88.0.1/16", &bc.addrs[0]);
	cidr("fd88::1/64", &bc.addrs[1]);
	/* Some kernels lack CONFIG_BRIDGE_VLAN_FILTERING: then the error must say
	 * so, and the rest runs without VLANs. */
	if (bridge_ensure(&f->host, &bc, &bi, &err) == -EOPNOTSUPP) {
		assert_non_null(strstr(err.msg, "CONFIG_BRIDGE_VLAN_FILTERING"));
		assert_int_equal(bridge_get(&f->host, "cni0", &peer, &err), -ENODEV);
		bc.vlan_filtering = false;
		pc.pvid = 0;
		if (bridge_ensure(&f->host, &bc, &bi, &err) < 0)
			fail_msg("%s", err.msg);
	}
	assert_true(bi.created);
	assert_int_equal(bi.link.mtu, 1400);
	assert_true(bi.link.promisc);
	assert_int_equal(bridge_ensure(&f->host, &bc, &again, &err), 0);
	assert_false(again.created);
	assert_int_equal(again.link.ifindex, bi.link.ifindex);
	assert_int_equal(plumb_addr_exists(&f->host, bi.link.ifindex, &bc.addrs[1], &err), 1);

	vc.master = bi.link.ifindex;
	assert_int_equal(veth_pair_create(&f->host, &f->pod, &vc, &p, &err), 0);
	veth_host_name("c0ffee", "eth0", want);
	assert_string_equal(p.host.name, want);
	assert_int_equal(p.host.master, bi.link.ifindex);
	assert_string_equal(p.cont.name, "eth0");
	assert_memory_equal(p.cont.mac, vc.mac, 6);
	assert_int_equal(p.cont.mtu, 1400);
	assert_true(p.cont.up && p.host.up);
	assert_int_equal(bridge_port_set(&f->host, p.host.ifindex, &pc, &err), 0);

	cidr("10.88.0.5/16", &a4);
	cidr("fd88::5/64", &a6);
	assert_int_equal(plumb_addr_add(&f->pod, p.cont.ifindex, &a4, PLUMB_ADDR_NODAD, &err), 0);
	assert_int_equal(plumb_addr_add(&f->pod, p.cont.ifindex, &a6, PLUMB_ADDR_NODAD, &err), 0);
	rt.dst.ip.family = AF_INET;
	assert_int_equal(plumb_ip_parse("10.88.0.1", &rt.gw), 0);
	assert_int_equal(plumb_route_add(&f->pod, &rt, &err), 0);

	/* CHECK: everything is where ADD put it. */
	assert_int_equal(plumb_addr_exists(&f->pod, p.cont.ifindex, &a4, &err), 1);
	assert_int_equal(plumb_addr_exists(&f->pod, p.cont.ifindex, &a6, &err), 1);
	a4.prefix = 24;
	assert_int_equal(plumb_addr_exists(&f->pod, p.cont.ifindex, &a4, &err), 0);
	assert_int_equal(plumb_route_exists(&f->pod, &rt, &err), 1);
	assert_int_equal(plumb_ip_parse("10.88.0.9", &rt.gw), 0);
	assert_int_equal(plumb_route_exists(&f->pod, &rt, &err), 0);
	assert_int_equal(veth_peer_find(&f->pod, "eth0", &f->host, &peer, &err), 0);
	assert_string_equal(peer.name, want);
	assert_int_equal(bridge_ports(&f->host, bi.link.ifindex, &ports, &err), 1);
	assert_string_equal(ports[0].name, want);
	free(ports);

	/* DEL, twice: the second finds nothing and that is success. */
	assert_int_equal(veth_pair_delete(&f->pod, "eth0", &err), 1);
	assert_int_equal(veth_pair_delete(&f->pod, "eth0", &err), 0);
	assert_int_equal(plumb_link_get(&f->host, want, 0, &peer, &err), -ENODEV);
	assert_int_equal(veth_pair_delete(&f->host, "cni0", &err), -EINVAL);
	assert_string_equal(err.msg, "interface 'cni0' in netns 'host' is a bridge, not a veth: "
				     "not deleting it");
	assert_int_equal(bridge_delete(&f->host, "cni0", &err), 0);
	assert_int_equal(bridge_get(&f->host, "cni0", &peer, &err), -ENODEV);
}

static void test_hash_collision_names_both(void **state)
{
	struct fixture *f = *state;
	struct plumb_err err = {0};
	/* Found by search: both hash to vethac5110f3 with ifname eth0. */
	struct veth_config a = {.container_id = "pod-250176", .ifname = "eth0"};
	struct veth_config b = {.container_id = "pod-1254140", .ifname = "eth0"};
	struct veth_pair p, q;
	struct plumb_link l;

	ROOT_ONLY(f);
	veth_host_name(b.container_id, b.ifname, q.host.name);
	assert_string_equal(q.host.name, "vethac5110f3");
	assert_int_equal(veth_pair_create(&f->host, &f->pod, &a, &p, &err), 0);
	assert_string_equal(p.host.name, "vethac5110f3");
	assert_string_equal(p.host.alias, "plumb:pod-250176:eth0");
	assert_int_equal(veth_pair_create(&f->host, &f->pod, &b, &q, &err), -EEXIST);
	assert_string_equal(err.msg, "host interface 'vethac5110f3' for container 'pod-1254140' "
				     "ifname 'eth0' collides with the one of 'pod-250176:eth0' in "
				     "netns 'host' (hash collision): delete one, or pass a host name");
	/* Nothing half-made: the pod still has only the first pair's eth0. */
	assert_int_equal(plumb_link_get(&f->pod, "eth0", 0, &l, &err), 0);
	assert_string_equal(l.kind, "veth");
	assert_int_equal(veth_pair_delete(&f->host, "vethac5110f3", &err), 1);
	assert_int_equal(plumb_link_get(&f->pod, "eth0", 0, &l, &err), -ENODEV);
}

static void test_move_link(void **state)
{
	struct fixture *f = *state;
	struct plumb_err err = {0};
	struct veth_config c = {.host_name = "mv-host", .ifname = "mv-pod"};
	struct veth_pair p;
	struct plumb_link l;

	ROOT_ONLY(f);
	assert_int_equal(veth_pair_create(&f->host, &f->pod, &c, &p, &err), 0);
	/* Bring the pod end home under a new name, then delete by it. */
	if (plumb_link_move(&f->pod, p.cont.ifindex, f->hostfd, "mv-back", &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(plumb_link_get(&f->host, "mv-back", 0, &l, &err), 0);
	assert_int_equal(l.peer_ifindex, p.host.ifindex);
	assert_int_equal(plumb_link_get(&f->pod, "mv-pod", 0, &l, &err), -ENODEV);
	assert_int_equal(veth_pair_delete(&f->host, "mv-back", &err), 1);
	assert_int_equal(plumb_link_get(&f->host, "mv-host", 0, &l, &err), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cni_add_check_del),
		cmocka_unit_test(test_hash_collision_names_both),
		cmocka_unit_test(test_move_link),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
