#!/bin/bash
# The Docker-style manual lab, done with netctl: a bridge with a gateway address
# in the "host" namespace, two pods each connected by one `netctl veth add`.
#
#   [pod1] eth0 172.28.0.2/24      [pod2] eth0 172.28.0.3/24
#           fd28::2/64                     fd28::3/64
#            |                              |
#   [host]  veth<hash> ---- br0 ---- veth<hash>
#                   172.28.0.1/24, fd28::1/64
#
. "$(dirname "$0")/lib.sh"

ns_add host pod1 pod2
nc() { nsx host "$NETCTL" "$@"; }

check "bridge add with v4+v6 gateway addresses" \
	nc bridge add br0 --addr 172.28.0.1/24 --addr fd28::1/64
check "pod1: veth add --ns --bridge --addr --gw" \
	nc veth add --ns "$(N pod1)" --bridge br0 --addr 172.28.0.2/24 --addr fd28::2/64 \
	--gw 172.28.0.1 --gw fd28::1
check "pod2: the same, IPv4 and IPv6" \
	nc veth add --ns "$(N pod2)" --bridge br0 --addr 172.28.0.3/24 --addr fd28::3/64 \
	--gw 172.28.0.1 --gw fd28::1

# The container end was born in the pod under its final name, and is up.
check_match "pod1 has eth0, up" "eth0.*UP" "$(ip -n "$(N pod1)" -br link show eth0)"
check_eq "pod1 has no other interface but lo" "eth0 lo" \
	"$(ip -n "$(N pod1)" -br link | awk '{sub(/@.*/, "", $1); print $1}' | sort | xargs)"
host_end=$(nsx host ip -br link | awk '/^veth/ {sub(/@.*/, "", $1); print $1}' | head -1)
check_match "host end is veth + 8 hex digits" '^veth[0-9a-f]{8}$' "$host_end"
check_match "host end is a port of br0" "master br0" "$(nsx host ip link show "$host_end")"
check_eq "br0 has both ports" 2 "$(nsx host ip -br link show master br0 | wc -l)"
check_match "pod1 default route via the gateway" "default via 172.28.0.1 dev eth0" \
	"$(ip -n "$(N pod1)" route)"
check_match "pod1 IPv6 default route" "default via fd28::1 dev eth0" "$(ip -n "$(N pod1)" -6 route)"
# DAD off: the address is usable at once, never "tentative".
check_match "pod1's IPv6 address is nodad" "fd28::2/64 scope global nodad" \
	"$(ip -n "$(N pod1)" -6 addr show dev eth0)"
check_eq "accept_dad is 0 in pod1" 0 \
	"$(nsx pod1 cat /proc/sys/net/ipv6/conf/eth0/accept_dad)"

check "pod1 pings its gateway" nsx pod1 ping -c 1 -W 2 172.28.0.1
check "pod1 pings pod2 across the bridge" nsx pod1 ping -c 1 -W 2 172.28.0.3
check "pod2 pings pod1" nsx pod2 ping -c 1 -W 2 172.28.0.2
check "pod1 pings the IPv6 gateway at once (no DAD wait)" nsx pod1 ping -6 -c 1 -W 2 fd28::1
check "pod2 pings pod1 over IPv6" nsx pod2 ping -6 -c 1 -W 2 fd28::2

# Idempotent re-add: the bridge is reused, addresses kept, nothing doubled.
check "bridge add again is fine" nc bridge add br0 --addr 172.28.0.1/24 --addr fd28::1/64
check_eq "still one 172.28.0.1 on br0" 1 \
	"$(nsx host ip -4 addr show dev br0 | grep -c 'inet 172.28.0.1/24')"
check_eq "ports survive the re-add" 2 "$(nsx host ip -br link show master br0 | wc -l)"
check "pod1 still pings pod2" nsx pod1 ping -c 1 -W 2 172.28.0.3

# Delete by the container end: both ends go.
check "veth del by the container end" nc veth del --ns "$(N pod1)" eth0
check_fails "pod1 has no eth0 any more" ip -n "$(N pod1)" link show eth0
check_eq "br0 has one port left" 1 "$(nsx host ip -br link show master br0 | wc -l)"
check "veth del --missing-ok of a gone link succeeds" nc veth del --ns "$(N pod1)" --missing-ok eth0
check "bridge del" nc bridge del br0
check_fails "br0 is gone" nsx host ip link show br0
finish
