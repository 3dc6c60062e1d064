#!/bin/bash
# nat/: masquerade and published ports with real traffic.
#
#   [pod1] eth0 10.88.0.5/24 --+
#                              +-- br0 10.88.0.1/24 [node] eth0 192.0.2.1/24 ---- eth0 192.0.2.2/24 [out]
#   [pod2] eth0 10.88.0.6/24 --+
#
# Every namespace runs busybox httpd with a CGI that prints the peer address
# ($REMOTE_ADDR), so a client sees the source address the server saw. [out]
# has no route to 10.88.0.0/24: only masquerade lets pods reach it.
. "$(dirname "$0")/lib.sh"

ns_add node pod1 pod2 out
nsx node ip link add br0 type bridge
nsx node ip addr add 10.88.0.1/24 dev br0
nsx node ip link set br0 up
for p in pod1:10.88.0.5 pod2:10.88.0.6; do
	pod=${p%%:*} ip=${p#*:}
	veth_between node "v-$pod" "$pod" eth0
	nsx node ip link set "v-$pod" master br0
	# As the CNI bridge's hairpinMode: with br_netfilter loaded, a DNAT back
	# into the bridge is bridged, so a pod reaching itself needs its port to
	# send frames back where they came from.
	nsx node ip link set "v-$pod" type bridge_slave hairpin on
	nsx "$pod" ip addr add "$ip/24" dev eth0
	nsx "$pod" ip route add default via 10.88.0.1
done
veth_between node eth0 out eth0
nsx node ip addr add 192.0.2.1/24 dev eth0
nsx out ip addr add 192.0.2.2/24 dev eth0
nsx node sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
# IPv6 for pod1 and the node's uplink (fd00:88::/64 inside, fd00:2::/64 outside)
nsx node ip -6 addr add fd00:88::1/64 dev br0 nodad
nsx pod1 ip -6 addr add fd00:88::5/64 dev eth0 nodad
nsx pod1 ip -6 route add default via fd00:88::1
nsx node ip -6 addr add fd00:2::1/64 dev eth0 nodad
nsx out ip -6 addr add fd00:2::2/64 dev eth0 nodad

www=$(mktemp -d)
defer rm -rf "$www"
mkdir -p "$www/cgi-bin"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$www/cgi-bin/peer"
chmod +x "$www/cgi-bin/peer"
for n in pod1 pod2 out node; do
	nsx "$n" busybox httpd -f -p 0.0.0.0:80 -h "$www" &
	bg_pid $!
done
for n in pod1 out; do
	nsx "$n" busybox httpd -f -p "[::]:81" -h "$www" &
	bg_pid $!
done
for n in pod1 pod2 out node; do
	wait_for 5 "httpd listens in $n" nsx "$n" timeout 2 busybox wget -q -O /dev/null "http://127.0.0.1/cgi-bin/peer"
done

# peer NS URL: the address the server at URL saw us coming from ("" if unreachable)
# (busybox 1.35's static wget crashes with -T, hence timeout(1))
peer() { nsx "$1" timeout 3 busybox wget -q -O - "$2" 2>/dev/null; }

# An unrelated table made by nft and one by iptables-nft must stay byte for byte.
nsx node nft -f - <<'EOF'
table inet other {
	set blocked { type ipv4_addr; elements = { 198.51.100.7 } }
	chain input { type filter hook input priority 10; policy accept; ip saddr @blocked counter drop; }
	chain post { type nat hook postrouting priority 50; policy accept; ip daddr 203.0.113.0/24 counter masquerade; }
}
EOF
nsx node iptables-nft -t nat -A POSTROUTING -s 172.31.0.0/16 -d 203.0.113.0/24 -j MASQUERADE
nsx node iptables-nft -A FORWARD -s 203.0.113.9 -j DROP
others() { nsx node nft list table inet other; nsx node nft list table ip nat; nsx node nft list table ip filter; }
others_before=$(others)

nc_ns() { "$NETCTL" "$@" --ns "$(N node)"; }

# --- masquerade ---
check_eq "before masquerade, out cannot answer a pod" "" "$(peer pod1 http://192.0.2.2/cgi-bin/peer)"
check "register pod subnet 10.88.0.0/24 for masquerade" nc_ns nat masq add 10.88.0.0/24
check "exclude the cluster range 10.88.0.0/16" nc_ns nat exclude add 10.88.0.0/16
check_eq "pod1 reaches out, out sees the node's address" "192.0.2.1" "$(peer pod1 http://192.0.2.2/cgi-bin/peer)"
check_eq "pod2 reaches out masqueraded too" "192.0.2.1" "$(peer pod2 http://192.0.2.2/cgi-bin/peer)"
check_eq "pod1 -> pod2 on the same bridge keeps its address" "10.88.0.5" "$(peer pod1 http://10.88.0.6/cgi-bin/peer)"
check_eq "pod1 -> node's bridge address keeps its address" "10.88.0.5" "$(peer pod1 http://10.88.0.1/cgi-bin/peer)"

# --- per-pod masquerade, the CNI bridge's ipMasq (owner-tagged) ---
check "per-subnet masquerade removed" nc_ns nat masq del 10.88.0.0/24
check_eq "without it out cannot answer" "" "$(peer pod1 http://192.0.2.2/cgi-bin/peer)"
check "per-pod masquerade for pod1, except to its network" \
	nc_ns nat masq add --pod 10.88.0.5 --except-to 10.88.0.0/24 --owner cni/net1/c1/eth0
check_eq "pod1 reaches out masqueraded" "192.0.2.1" "$(peer pod1 http://192.0.2.2/cgi-bin/peer)"
check_eq "pod2 (not registered) does not" "" "$(peer pod2 http://192.0.2.2/cgi-bin/peer)"

# --- published ports ---
check "publish tcp 8080 -> pod1:80" nc_ns nat port add tcp 8080 10.88.0.5:80 --owner cni/net1/c1/eth0
check "publish tcp 9000-9001 -> pod2:80-81, only on 192.0.2.1" \
	nc_ns nat port add tcp 9000-9001 10.88.0.6:80 --host-ip 192.0.2.1 --owner cni/net1/c2/eth0
check_eq "out reaches node:8080, pod1 sees out's own address" "192.0.2.2" "$(peer out http://192.0.2.1:8080/cgi-bin/peer)"
check_eq "out reaches node:9000 (host address mapping) -> pod2" "192.0.2.2" "$(peer out http://192.0.2.1:9000/cgi-bin/peer)"
check_eq "the node itself reaches its own :8080 (output hook)" "192.0.2.1" "$(peer node http://192.0.2.1:8080/cgi-bin/peer)"
check_eq "the node reaches :8080 on its bridge address too" "10.88.0.1" "$(peer node http://10.88.0.1:8080/cgi-bin/peer)"
check_eq "pod1 reaches itself through node:8080 (hairpin, masqueraded)" "10.88.0.1" "$(peer pod1 http://192.0.2.1:8080/cgi-bin/peer)"
check_eq "pod2 reaches pod1 through node:8080 (same bridge, masqueraded)" "10.88.0.1" "$(peer pod2 http://192.0.2.1:8080/cgi-bin/peer)"
check_eq "a host-address mapping does not answer on another address" "" "$(peer node http://10.88.0.1:9000/cgi-bin/peer)"
check_match "list shows the range as single ports with owners" \
	"tcp  192.0.2.1:9001 -> 10.88.0.6:81 owner cni/net1/c2/eth0" "$(nc_ns nat port list)"
check_eq "list --owner shows only that owner's ports" "tcp  8080 -> 10.88.0.5:80 owner cni/net1/c1/eth0" \
	"$(nc_ns nat port list --owner cni/net1/c1/eth0)"

# --- IPv6 ---
check_eq "IPv6: before masquerade, out cannot answer pod1" "" "$(peer pod1 'http://[fd00:2::2]:81/cgi-bin/peer')"
check "IPv6: register fd00:88::/64 for masquerade" nc_ns nat masq add fd00:88::/64
check_eq "IPv6: pod1 reaches out as the node" "[fd00:2::1]" "$(peer pod1 'http://[fd00:2::2]:81/cgi-bin/peer')"
check "IPv6: publish tcp 8086 -> [fd00:88::5]:81" nc_ns nat port add tcp 8086 '[fd00:88::5]:81'
check_eq "IPv6: out reaches [node]:8086, pod1 sees out" "[fd00:2::2]" "$(peer out 'http://[fd00:2::1]:8086/cgi-bin/peer')"
check "IPv6: withdraw" nc_ns nat port del tcp 8086
check "IPv6: unregister" nc_ns nat masq del fd00:88::/64
check_eq "IPv6: node:8086 no longer answers" "" "$(peer out 'http://[fd00:2::1]:8086/cgi-bin/peer')"

# --- the routed path: without br_netfilter a hairpin is routed, not bridged ---
if nsx node sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null; then
	check_eq "hairpin also works routed (bridge-nf-call-iptables=0)" "10.88.0.1" \
		"$(peer pod1 http://192.0.2.1:8080/cgi-bin/peer)"
	nsx node sysctl -qw net.bridge.bridge-nf-call-iptables=1
fi

# --- removal: by hand, by owner, by GC ---
check "withdraw 9000-9001 by key" nc_ns nat port del tcp 9000-9001 --host-ip 192.0.2.1
check_eq "node:9000 no longer answers" "" "$(peer out http://192.0.2.1:9000/cgi-bin/peer)"
check "GC keeps the valid owner c1" nc_ns nat gc cni/net1/ cni/net1/c1/eth0
check_eq "...so node:8080 still answers" "192.0.2.2" "$(peer out http://192.0.2.1:8080/cgi-bin/peer)"
check_eq "owner-del removes c1's port and masquerade (3 elements)" "removed 3" "$(nc_ns nat owner-del cni/net1/c1/eth0)"
check_eq "node:8080 no longer answers from out" "" "$(peer out http://192.0.2.1:8080/cgi-bin/peer)"
check_eq "...nor from the node" "" "$(peer node http://192.0.2.1:8080/cgi-bin/peer)"
check_eq "...nor by hairpin" "" "$(peer pod1 http://192.0.2.1:8080/cgi-bin/peer)"
check_eq "pod1 is no longer masqueraded" "" "$(peer pod1 http://192.0.2.2/cgi-bin/peer)"
check "only the excluded range is left" nc_ns nat exclude del 10.88.0.0/16
check_eq "no element left in any plumb set" "" \
	"$(nsx node nft -j list table inet plumb | grep -o '"elem"')"
check_eq "the rules are still the 4+4+1+11 created once" "20" \
	"$(nsx node nft -j list table inet plumb | grep -o '"rule"' | wc -l)"
check "flush removes table inet plumb" nc_ns nat flush
check_fails "table inet plumb is gone" nsx node nft list table inet plumb
check_eq "unrelated nft and iptables-nft tables are untouched byte for byte" "$others_before" "$(others)"
finish
