#!/bin/bash
# netctl show / -j output, bridge ports (hairpin, attach/detach), veth show,
# addr and route verbs, and IPv6-only pods.
#
#   [pod1] eth0 10.31.0.2/24 fd31::2/64 ---- veth ---- br0 10.31.0.1/24 [host]
#   [pod2] net1 fd31::3/64 (IPv6 only)  ---- veth ----'    fd31::1/64
#
. "$(dirname "$0")/lib.sh"

ns_add host pod1 pod2
nc() { nsx host "$NETCTL" "$@"; }
jnc() { nsx host "$NETCTL" -j "$@"; }

check "bridge add" nc bridge add br0 --addr 10.31.0.1/24 --addr fd31::1/64 --mtu 1400
check "pod1 dual stack" nc veth add --ns "$(N pod1)" --bridge br0 --mtu 1400 \
	--addr 10.31.0.2/24 --addr fd31::2/64 --gw 10.31.0.1 --gw fd31::1 --mac 02:00:0a:1f:00:02
check "pod2 IPv6 only, other ifname, own id" nc veth add --ns "$(N pod2)" --name net1 \
	--id c0ffee --bridge br0 --addr fd31::3/64 --gw fd31::1
check "pod2 pings pod1 over IPv6" nsx pod2 ping -6 -c 1 -W 2 fd31::2
check_eq "pod1's MAC is the one asked for" 02:00:0a:1f:00:02 \
	"$(ip -n "$(N pod1)" -j link show eth0 | jq -r '.[0].address')"
check_eq "pod1's eth0 has MTU 1400" 1400 "$(ip -n "$(N pod1)" -j link show eth0 | jq '.[0].mtu')"

# --- netctl show -j: one object per namespace; veth ends point at each other.
show=$(jnc show --ns "$(N pod1)" --ns "$(N pod2)")
check "show -j is valid JSON" jq -e . <<<"$show"
check_eq "show -j lists the two namespaces asked for" "$(N pod1) $(N pod2)" \
	"$(jq -r '[.[].name] | join(" ")' <<<"$show")"
host1=$(jq -r '.[0].links[] | select(.ifname=="eth0") | .peer.ifname' <<<"$show")
check_eq "the peer named by show is a port of br0" br0 \
	"$(nsx host ip -j link show "$host1" | jq -r '.[0].master')"
check_eq "and it lives in the host namespace" "$P-host" \
	"$(jq -r '.[0].links[] | select(.ifname=="eth0") | .peer.netns' <<<"$show")"
check_eq "pod2's net1 addresses (global only)" "fd31::3/64" \
	"$(jq -r '.[1].links[] | select(.ifname=="net1") | [.addresses[].address] | join(" ")' <<<"$show")"
check_eq "pod1's default routes" "10.31.0.1 fd31::1" \
	"$(jq -r '[.[0].routes[] | select(.dst=="default") | .gateway] | join(" ")' <<<"$show")"
hshow=$(jnc show --ns "$P-host")
check_eq "from the host's side, the ports' peers are eth0 in pod1 and net1 in pod2" \
	"eth0@$P-pod1 net1@$P-pod2" \
	"$(jq -r '[.[0].links[] | select(.peer) | "\(.peer.ifname)@\(.peer.netns)"] | sort | join(" ")' <<<"$hshow")"
text=$(nc show --ns "$(N pod1)")
check_match "text show: the veth line says where the other end is" \
	"eth0 +veth +up +mtu 1400 <-> veth[0-9a-f]{8} in netns $P-host" "$text"
check_match "text show: the default route" "route default via 10.31.0.1 dev eth0" "$text"
check_match "plain show includes netctl's own namespace, marked" "netns $P-host \(here\)" "$(nc show)"

# --- gateway sysctls, in the bridge's namespace only
check "bridge add --forward --route-localnet (on the existing bridge)" \
	nc bridge add br0 --addr 10.31.0.1/24 --addr fd31::1/64 --forward --route-localnet
check_eq "host: ip_forward on" 1 "$(nsx host cat /proc/sys/net/ipv4/ip_forward)"
check_eq "host: IPv6 forwarding on (an IPv6 gateway address was given)" 1 \
	"$(nsx host cat /proc/sys/net/ipv6/conf/all/forwarding)"
check_eq "host: route_localnet on br0" 1 "$(nsx host cat /proc/sys/net/ipv4/conf/br0/route_localnet)"
check_eq "pod1: ip_forward untouched" 0 "$(nsx pod1 cat /proc/sys/net/ipv4/ip_forward)"

# --- bridge show / veth show
bshow=$(jnc bridge show br0)
check_eq "bridge show -j: addresses" "10.31.0.1/24 fd31::1/64" \
	"$(jq -r '[.[0].addresses[].address] | join(" ")' <<<"$bshow")"
check_eq "bridge show -j: two ports" 2 "$(jq '.[0].ports | length' <<<"$bshow")"
check_eq "bridge show -j: mtu" 1400 "$(jq '.[0].mtu' <<<"$bshow")"
check_match "bridge show text" "br0: mtu 1400 up" "$(nc bridge show)"
vshow=$(jnc veth show --ns "$(N pod2)")
check_eq "veth show finds net1's host end (derived from id c0ffee + net1)" \
	"$(jq -r '.[0].host.ifname' <<<"$vshow")" \
	"$(nsx host ip -j link | jq -r '.[] | select(.ifalias=="plumb:c0ffee:net1") | .ifname')"

# A runtime's 64-hex-digit container id is kept whole in the owner alias.
long=$(printf 'ab%.0s' $(seq 32))
check "veth add with a 64-character id" nc veth add --ns "$(N pod2)" --name net2 --id "$long" --bridge br0
check_eq "the host end's alias holds the whole id" "plumb:$long:net2" \
	"$(nsx host ip -j link | jq -r ".[] | select(.ifalias != null and (.ifalias | startswith(\"plumb:$long\"))) | .ifalias")"
check "and it goes again" nc veth del --ns "$(N pod2)" net2

# --- bridge port: hairpin, detach, attach
check "hairpin on" nc bridge port "$host1" --hairpin on
check_match "the kernel has hairpin on" "hairpin on" "$(nsx host bridge -d link show dev "$host1")"
check "hairpin off" nc bridge port "$host1" --hairpin off
check_match "the kernel has hairpin off" "hairpin off" "$(nsx host bridge -d link show dev "$host1")"
check "detach" nc bridge port "$host1" --nomaster
check_eq "br0 has one port" 1 "$(jnc bridge show br0 | jq '.[0].ports | length')"
check_fails "pod1 cannot reach the gateway while detached" nsx pod1 ping -c 1 -W 1 10.31.0.1
check "attach" nc bridge port "$host1" --master br0
check "pod1 reaches the gateway again" nsx pod1 ping -c 1 -W 2 10.31.0.1
check_fails "--hairpin takes on|off" nc bridge port "$host1" --hairpin yes
# attach + PVID in one command: on a kernel without bridge VLAN filtering the
# PVID step fails, and the attach must be undone with it.
check "detach for the PVID case" nc bridge port "$host1" --nomaster
if out=$(nc bridge port "$host1" --master br0 --pvid 100 2>&1); then
	check_match "the kernel has PVID 100 untagged" "100 PVID Egress Untagged" \
		"$(nsx host bridge vlan show dev "$host1")"
else
	check_match "the refusal names the missing kernel option" \
		"bridge port '$host1'.*CONFIG_BRIDGE_VLAN_FILTERING" "$out"
	check_eq "rolled back: the port is not attached" "" \
		"$(nsx host ip -j link show "$host1" | jq -r '.[0].master // empty')"
	check "attach again" nc bridge port "$host1" --master br0
fi
check "pod1 reaches the gateway after the PVID case" nsx pod1 ping -c 1 -W 2 10.31.0.1

# --- addr and route verbs inside a pod
check "addr add --ns" nc addr add 10.31.9.2/24 --dev eth0 --ns "$(N pod1)"
check_match "addr show --ns -j has it" '"10.31.9.2/24"' "$(jnc addr show --ns "$(N pod1)" --dev eth0)"
check "route add with metric" nc route add 10.32.0.0/16 --via 10.31.0.1 --metric 50 --ns "$(N pod1)"
check_match "the kernel has the route" "10.32.0.0/16 via 10.31.0.1 dev eth0 .*metric 50" \
	"$(ip -n "$(N pod1)" route)"
check "route add onlink" nc route add 10.33.0.0/16 --via 10.99.0.1 --dev eth0 --onlink --ns "$(N pod1)"
check_match "onlink route is there" "10.33.0.0/16 via 10.99.0.1 dev eth0 onlink" "$(ip -n "$(N pod1)" route)"
check_match "route show -j" '"metric": 50' "$(jnc route show --ns "$(N pod1)")"
check "route del" nc route del 10.32.0.0/16 --metric 50 --ns "$(N pod1)"
check_fails "the route is gone" sh -c "ip -n $(N pod1) route | grep -q 10.32.0.0"
check "addr del" nc addr del 10.31.9.2/24 --dev eth0 --ns "$(N pod1)"
check_fails "the address is gone" sh -c "ip -n $(N pod1) addr | grep -q 10.31.9.2"

# --- a node with more pods than a soft limit of 1024 open files would allow
# (four descriptors per namespace while peers are matched): 400 namespaces,
# fewer if the hard limit is low.
hard=$(ulimit -Hn)
count=400
[ "$hard" != unlimited ] && [ $(((hard - 32) / 4 - 8)) -lt $count ] && count=$(((hard - 32) / 4 - 8))
many=()
for i in $(seq "$count"); do many+=("m$i"); done
ns_add "${many[@]}"
out=$(ulimit -Sn 1024 && nsx host "$NETCTL" -j show 2>&1); jq -e . >/dev/null 2>&1 <<<"$out" || echo "  netctl show said: ${out:0:300}"
check_eq "show with $count more namespaces lists them all" \
	"$(ip netns list | grep -c "^$P-")" "$(jq 'length' <<<"$out" 2>/dev/null)"
check_eq "and still finds pod1's peer in the host namespace" "$P-host" \
	"$(jq -r --arg n "$P-pod1" '.[] | select(.name==$n) | .links[] | select(.ifname=="eth0") | .peer.netns' <<<"$out" 2>/dev/null)"

# --- help
check_match "netctl help lists the verbs" "bridge.*veth.*addr.*route.*show" "$("$NETCTL" help | tr '\n' ' ')"
check_match "netctl veth help" "netctl veth add --ns NS" "$("$NETCTL" veth help)"
check_match "netctl help show" "usage: netctl \[-j\] show" "$("$NETCTL" help show)"
finish
