#!/bin/bash
# make demo: a small lab in namespaces of its own, torn down at the end.
#
#   [pod-a] eth0 10.222.0.2/24 ---- eth0 10.222.0.3/24 [pod-b]
#
set -eu
netctl=${PLUMB_BUILD:-build}/bin/netctl
p="plumb-demo-$$"
cleanup() { $netctl ns del "$p-a" "$p-b" 2>/dev/null || true; }
trap cleanup EXIT

echo "== netctl ns add $p-a $p-b"
$netctl ns add "$p-a" "$p-b"
ip -n "$p-a" link add eth0 type veth peer name eth0 netns "$p-b"
for n in a b; do
	ip -n "$p-$n" link set lo up
	ip -n "$p-$n" link set eth0 up
done
ip -n "$p-a" addr add 10.222.0.2/24 dev eth0
ip -n "$p-b" addr add 10.222.0.3/24 dev eth0
echo "== netctl ns list"
$netctl ns list | grep "^$p"
echo "== ping pod-a -> pod-b"
$netctl ns exec "$p-a" ping -c 2 -W 2 10.222.0.3
echo "== done; namespaces removed"
