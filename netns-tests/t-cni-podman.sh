#!/bin/bash
# timeout: 900
# Podman end to end on plumb's CNI plugins: Podman's CNI backend pointed at
# $PLUMB_BUILD/cni (CNI_PLUGINS=/usr/lib/cni runs the same test on the reference).
#
#   [outside] o0 192.0.2.2/24 (no route back to the pods)
#       |
#   [node]    n0 192.0.2.1/24    cni-plumb0 10.89.0.1/24 (bridge, made by the plugin)
#                                 |-- a   10.89.0.x
#                                 |-- b   10.89.0.y
#                                 `-- web 10.89.0.z   (-p 8080:80, busybox httpd)
#
# The Podman part runs in one `ip netns exec node` (fixtures/cni-podman-node.sh).
. "$(dirname "$0")/lib.sh"

for tool in podman runc busybox curl nsenter; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (make deps)"
done
CNI_PLUGINS=${CNI_PLUGINS:-$CNI_DIR}
for p in bridge host-local portmap; do
	[ -x "$CNI_PLUGINS/$p" ] || skip "no $p plugin in $CNI_PLUGINS"
done

ns_add node outside
veth_between node n0 outside o0
nsx node ip addr add 192.0.2.1/24 dev n0
nsx outside ip addr add 192.0.2.2/24 dev o0

out=$(nsx node env CNI_PLUGINS="$CNI_PLUGINS" OUTSIDE_IP=192.0.2.2 NODE_IP=192.0.2.1 \
	bash "$SRC/netns-tests/fixtures/cni-podman-node.sh" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 77 ] && skip "$(echo "$out" | sed -n 's/^SKIP: //p' | tail -1)"
check_eq "every check of the Podman run passed" 0 "$rc"
# The bridge stays (as with the reference plugin); no veth may.
check_eq "no veth is left in the node" "" "$(ip -n "$P-node" -o link show type veth | grep -v ' n0@')"
check_eq "no cgroup of the test's containers is left" "" "$(ls -d /sys/fs/cgroup/*/plumb-"$P" /sys/fs/cgroup/plumb-"$P" 2>/dev/null)"
finish
