#!/bin/bash
# The harness itself: two namespaces joined by a veth ping each other.
#
#   [a] veth-a 10.200.0.1/24 ---- veth-b 10.200.0.2/24 [b]
#
. "$(dirname "$0")/lib.sh"

ns_add a b
veth_between a veth-a b veth-b
nsx a ip addr add 10.200.0.1/24 dev veth-a
nsx b ip addr add 10.200.0.2/24 dev veth-b
nsx a ip -6 addr add fd00:200::1/64 dev veth-a nodad
nsx b ip -6 addr add fd00:200::2/64 dev veth-b nodad

check "a pings b over IPv4" nsx a ping -c 1 -W 2 10.200.0.2
check "b pings a over IPv4" nsx b ping -c 1 -W 2 10.200.0.1
check "a pings b over IPv6" nsx a ping -6 -c 1 -W 2 fd00:200::2
check_fails "nothing answers at an address nobody has" nsx a ping -c 1 -W 1 10.200.0.9
check_eq "the namespace is named with the test prefix" "$P-a" "$(ip netns list | awk '{print $1}' | grep -x "$P-a")"
finish
