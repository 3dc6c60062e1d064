#!/bin/bash
# nat/: the MAC spoofing check (the reference bridge plugin's macspoofchk) in
# table bridge plumb: frames from a checked pod port must carry its MAC.
#
#   [pod1] eth0 10.88.0.5 -- v-pod1 --+
#                                     +-- br0 [node]
#   [pod2] eth0 10.88.0.6 -- v-pod2 --+
. "$(dirname "$0")/lib.sh"

ns_add node pod1 pod2
nsx node ip link add br0 type bridge
nsx node ip link set br0 up
for p in pod1:10.88.0.5 pod2:10.88.0.6; do
	pod=${p%%:*} ip=${p#*:}
	veth_between node "v-$pod" "$pod" eth0
	nsx node ip link set "v-$pod" master br0
	nsx "$pod" ip addr add "$ip/24" dev eth0
done
mac1=$(nsx pod1 cat /sys/class/net/eth0/address)
nc_ns() { "$NETCTL" "$@" --ns "$(N node)"; }
# fresh neighbour entries on both sides, so an earlier dropped ARP exchange
# (a FAILED entry) does not decide the next attempt
ping2() {
	nsx pod1 ip neigh flush dev eth0
	nsx pod2 ip neigh flush dev eth0
	nsx pod1 ping -c 1 -W 2 10.88.0.6
}

# an unrelated bridge-family table must stay as it is
nsx node nft add table bridge other
nsx node nft add chain bridge other fchk '{ type filter hook forward priority 0; }'
nsx node nft add rule bridge other fchk ether type arp counter
other() { nsx node nft list table bridge other | grep -v 'counter packets'; }
other_before=$(other)

check "pod1 reaches pod2 before any check" ping2
check "check port v-pod1 for pod1's MAC" nc_ns nat macspoof add v-pod1 "$mac1" --owner cni/net/c1/eth0
check "pod1 with its own MAC still reaches pod2" ping2
forge_mac() { nsx pod1 ip link set eth0 address 02:00:00:00:00:99; }
forge_mac
check_fails "pod1 with a forged MAC is dropped" ping2
check_fails "checking the same port twice is refused" nc_ns nat macspoof add v-pod1 "$mac1"
check_fails "a bad MAC is refused" nc_ns nat macspoof add v-pod2 02:00:00:00:00
check_eq "owner-del removes the port's two elements" "removed 2" "$(nc_ns nat owner-del cni/net/c1/eth0)"
wait_for 5 "without the check the forged MAC passes" ping2
nsx pod1 ip link set eth0 address "$mac1"
check "check again, remove by key" nc_ns nat macspoof add v-pod1 "$mac1"
check "remove by key" nc_ns nat macspoof del v-pod1 "$mac1"
check_fails "removing it twice says it is not checked" nc_ns nat macspoof del v-pod1 "$mac1"
check "flush removes the plumb tables" nc_ns nat flush
check_fails "table bridge plumb is gone" nsx node nft list table bridge plumb
check_eq "table bridge other is untouched" "$other_before" "$(other)"
finish
