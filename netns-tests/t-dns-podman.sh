#!/bin/bash
# timeout: 900
# Podman with --network-alias on plumb's CNI plugins (bridge + dnsname): two
# containers share the alias es; a third resolves es to both, in rotating order.
#
#   [node] cni-plumbd0 10.89.7.1/24 (bridge; plumb-dns answers here, started by dnsname)
#            |-- es1  10.89.7.x  --network-alias es
#            |-- es2  10.89.7.y  --network-alias es
#            `-- (throwaway containers running busybox nslookup)
#
# The Podman part runs in one `ip netns exec node` (fixtures/dns-podman-node.sh).
. "$(dirname "$0")/lib.sh"
for tool in podman runc busybox; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (make deps)"
done
for p in bridge host-local dnsname; do [ -x "$CNI_DIR/$p" ] || skip "no $p plugin in $CNI_DIR"; done

ns_add node
out=$(nsx node env CNI_PLUGINS="$CNI_DIR" bash "$SRC/netns-tests/fixtures/dns-podman-node.sh" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 77 ] && skip "$(echo "$out" | sed -n 's/^SKIP: //p' | tail -1)"
check_eq "every check of the Podman run passed" 0 "$rc"
check_eq "no veth is left in the node" "" "$(ip -n "$P-node" -o link show type veth)"
# plumb-dns got SIGTERM from the fixture's cleanup; give it (and a sanitizer
# build's exit-time leak check) a moment
wait_for 15 "no process (plumb-dns included) is left in the node" \
	sh -c "test -z \"\$(ip netns pids $P-node)\""
finish
