#!/bin/bash
# timeout: 300
# The bridge plugin (with host-local and portmap) driven as a runtime drives a
# conflist: ADD, CHECK, DEL with prevResult, every option, every failure path.
#
#   [outside] o0 192.0.2.2/24 (no route back to the pods)
#       |
#   [node]  n0 192.0.2.1/24   br-t 10.77.0.1/24 fd00:77::1/64 (made by the plugin)
#                               |-- veth.. -- eth0 [pod1] 10.77.0.x fd00:77::x
#                               `-- veth.. -- eth0 [pod2] 10.77.0.y fd00:77::y
#
. "$(dirname "$0")/lib.sh"

ns_add node outside pod1 pod2 pod3
veth_between node n0 outside o0
nsx node ip addr add 192.0.2.1/24 dev n0
nsx outside ip addr add 192.0.2.2/24 dev o0
DATA=$(mktemp -d)
defer rm -rf "$DATA"
ns() { echo "/run/netns/$P-$1"; }

# list [EXTRA-BRIDGE-KEYS [RANGES [ROUTES]]]: the conflist under test
list() {
	local extra=${1:+,$1}
	local ranges=${2:-'[[{"subnet":"10.77.0.0/24"}],[{"subnet":"fd00:77::/64"}]]'}
	local routes=${3:-'[{"dst":"0.0.0.0/0"},{"dst":"::/0"}]'}
	printf '{"cniVersion":"1.0.0","name":"t","plugins":[
 {"type":"bridge","bridge":"br-t","isGateway":true,"ipMasq":true%s,
  "ipam":{"type":"host-local","dataDir":"%s","ranges":%s,
          "routes":%s}},
 {"type":"portmap","capabilities":{"portMappings":true}}]}' "$extra" "$DATA" "$ranges" "$routes"
}
L=$(list)
leases() { ls "$DATA/t" 2>/dev/null | grep -v -e lock -e last_reserved | sort | tr '\n' ' '; }
veths() { ip -n "$P-node" -o link show type veth | grep -v ' n0@' | wc -l; }
plumb_elems() { nsx node nft list ruleset 2>/dev/null | grep -oE 'comment "(bridge|portmap)/' | wc -l; }
host_end() { jq -r '.interfaces[1].name' <<<"$1"; }

# --- ADD two pods on a dual-stack network ---
R1=$(cni_list node "$CNI_DIR" ADD c1 eth0 "$(ns pod1)" "$L")
check_eq "ADD pod1 succeeds with a 1.0.0 result" 1.0.0 "$(jq -r .cniVersion <<<"$R1" 2>&1)"
R2=$(cni_list node "$CNI_DIR" ADD c2 eth0 "$(ns pod2)" "$L")
A1=$(jq -r '.ips[0].address' <<<"$R1" | cut -d/ -f1)
A2=$(jq -r '.ips[0].address' <<<"$R2" | cut -d/ -f1)
B2=$(jq -r '.ips[1].address' <<<"$R2" | cut -d/ -f1)
check_match "pod1 got an IPv4 and an IPv6 address" '^10\.77\.0\.[0-9]+/24 fd00:77::[0-9a-f]+/64$' \
	"$(jq -r '[.ips[].address] | join(" ")' <<<"$R1")"
check_eq "the result names bridge, host end and eth0 in the sandbox" "br-t veth eth0 $(ns pod1)" \
	"$(jq -r '[.interfaces[0].name, (.interfaces[1].name[0:4]), .interfaces[2].name, .interfaces[2].sandbox] | join(" ")' <<<"$R1")"
check_eq "the result's MAC is eth0's" "$(jq -r '.interfaces[2].mac' <<<"$R1")" \
	"$(ip -n "$P-pod1" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)"
check "pod1 pings pod2 (IPv4)" nsx pod1 ping -c 1 -W 2 "$A2"
check "pod1 pings pod2 (IPv6, no DAD wait)" nsx pod1 ping -6 -c 1 -W 2 "$B2"
check "pod1 pings its gateway" nsx pod1 ping -c 1 -W 2 10.77.0.1
check "pod1 reaches the outside, masqueraded" nsx pod1 ping -c 1 -W 2 192.0.2.2
check_eq "IPv6 DAD is off on eth0" 0 "$(nsx pod1 sysctl -n net.ipv6.conf.eth0.accept_dad)"
check_match "a dual-stack pod keeps its IPv6 link-local address" "inet6 fe80::" \
	"$(ip -n "$P-pod1" -6 -o addr show dev eth0)"
check_eq "the host end, a bridge port, makes no IPv6 link-local (the pods' IPv6 still passes)" "" \
	"$(ip -n "$P-node" -6 -o addr show dev "$(host_end "$R1")" 2>&1)"
check_eq "so the node's IPv6 table holds no link-local route of a host end" "" \
	"$(ip -n "$P-node" -6 route show table all dev "$(host_end "$R1")" 2>&1 | grep fe80)"
check_eq "leases in host-local's format" "$(printf 'c1\r\neth0')" "$(cat "$DATA/t/$A1")"
check_eq "ip_forward is on in the node" 1 "$(nsx node sysctl -n net.ipv4.ip_forward)"
check "CHECK passes on the real state" cni_list node "$CNI_DIR" CHECK c1 eth0 "$(ns pod1)" "$L" null "$R1"

# --- CHECK notices what is missing ---
nsx pod1 ip addr del "$(jq -r '.ips[0].address' <<<"$R1")" dev eth0
out=$(cni_list node "$CNI_DIR" CHECK c1 eth0 "$(ns pod1)" "$L" null "$R1")
check_match "CHECK fails once pod1's address is gone, naming it" "lacks address $A1" "$out"

# --- DEL: twice, unknown container, netns gone ---
check "DEL pod1" cni_list node "$CNI_DIR" DEL c1 eth0 "$(ns pod1)" "$L" null "$R1"
check "DEL pod1 again" cni_list node "$CNI_DIR" DEL c1 eth0 "$(ns pod1)" "$L" null "$R1"
check "DEL of a container never added" cni_list node "$CNI_DIR" DEL nobody eth0 "$(ns pod3)" "$L"
ip netns del "$P-pod2"
check "DEL pod2 after its netns is gone" cni_list node "$CNI_DIR" DEL c2 eth0 "$(ns pod2)" "$L" null "$R2"
ip netns add "$P-pod2"
check_eq "no lease left" "" "$(leases)"
check_eq "no veth left" 0 "$(veths)"
check_eq "no masquerade element left" 0 "$(plumb_elems)"

# --- options ---
R=$(cni_list node "$CNI_DIR" ADD o1 eth0 "$(ns pod1)" "$(list '"mtu":1400,"hairpinMode":true,"isDefaultGateway":true')")
check_eq "mtu 1400 on eth0" 1400 "$(ip -n "$P-pod1" -o link show eth0 | grep -o 'mtu [0-9]*' | cut -d' ' -f2)"
check_eq "mtu 1400 on the host end" 1400 \
	"$(ip -n "$P-node" -o link show "$(host_end "$R")" | grep -o 'mtu [0-9]*' | cut -d' ' -f2)"
check_match "hairpin on the host end" "hairpin on" "$(nsx node bridge -d link show dev "$(host_end "$R")")"
check_match "isDefaultGateway: default route via the gateway" "default via 10.77.0.1 dev eth0" \
	"$(ip -n "$P-pod1" route)"
cni_list node "$CNI_DIR" DEL o1 eth0 "$(ns pod1)" "$L" null "$R" >/dev/null
R=$(cni_list node "$CNI_DIR" ADD o2 eth0 "$(ns pod1)" "$(list '"bridge":"br-v","vlan":42')")
if nsx node ip link add br-vt type bridge vlan_filtering 1 2>/dev/null; then
	nsx node ip link del br-vt
	check_match "vlan 42 is the host end's PVID" "42 PVID Egress Untagged" \
		"$(nsx node bridge vlan show dev "$(host_end "$R")")"
	cni_list node "$CNI_DIR" DEL o2 eth0 "$(ns pod1)" "$L" null "$R" >/dev/null
else # this kernel has no CONFIG_BRIDGE_VLAN_FILTERING
	check_match "vlan without kernel support fails, saying so" "not supported" "$R"
	check_eq "and leaves no veth" 0 "$(veths)"
fi
R=$(cni_list node "$CNI_DIR" ADD o3 eth0 "$(ns pod1)" "$(list '"bridge":"br-p","promiscMode":true')")
check_match "promiscMode sets the bridge promiscuous" "PROMISC" "$(ip -n "$P-node" link show br-p)"
cni_list node "$CNI_DIR" DEL o3 eth0 "$(ns pod1)" "$L" null "$R" >/dev/null
nsx node ip link add br-f type bridge
nsx node ip addr add 10.77.0.200/24 dev br-f
R=$(cni_list node "$CNI_DIR" ADD o4 eth0 "$(ns pod1)" "$(list '"bridge":"br-f","forceAddress":true')")
check_eq "forceAddress replaces the bridge's other address in the subnet" "10.77.0.1/24" \
	"$(ip -n "$P-node" -4 -o addr show br-f | awk '{print $4}')"
cni_list node "$CNI_DIR" DEL o4 eth0 "$(ns pod1)" "$L" null "$R" >/dev/null
CAP='"capabilities":{"mac":true,"ips":true}'
R=$(cni_list node "$CNI_DIR" ADD o5 eth0 "$(ns pod1)" "$(list "$CAP")" \
	'{"mac":"02:11:22:33:44:55","ips":["10.77.0.50/24"]}')
check_eq "the mac capability sets eth0's MAC" "02:11:22:33:44:55" \
	"$(ip -n "$P-pod1" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)"
check_eq "the ips capability picks the address" "10.77.0.50/24" "$(jq -r '.ips[0].address' <<<"$R")"
cni_list node "$CNI_DIR" DEL o5 eth0 "$(ns pod1)" "$(list "$CAP")" null "$R" >/dev/null
M='"bridge":"br-m","ipMasq":false,"macspoofchk":true'
R=$(cni_list node "$CNI_DIR" ADD m1 eth0 "$(ns pod1)" "$(list "$M" '[[{"subnet":"10.81.0.0/24"}]]')")
check "macspoofchk: the pod pings its gateway with its own MAC" nsx pod1 ping -c 1 -W 2 10.81.0.1
check_match "macspoofchk: the check is in table bridge plumb" 'bridge/t/m1/eth0' \
	"$(nsx node nft list table bridge plumb 2>&1)"
nsx pod1 ip link set eth0 address 02:00:00:00:00:99
nsx pod1 ip neigh flush dev eth0
check_fails "macspoofchk: with a forged MAC it cannot" nsx pod1 ping -c 1 -W 2 10.81.0.1
cni_list node "$CNI_DIR" DEL m1 eth0 "$(ns pod1)" "$(list "$M")" null "$R" >/dev/null
check_eq "macspoofchk: DEL removes the check" 0 "$(plumb_elems)"
V4='[[{"subnet":"10.82.0.0/24"}]]'
R=$(cni_list node "$CNI_DIR" ADD v1 eth0 "$(ns pod1)" "$(list '"bridge":"br-4"' "$V4" '[{"dst":"0.0.0.0/0"}]')")
check_match "an IPv4-only pod's eth0 makes no IPv6 link-local (Docker turns IPv6 off there)" \
	"addrgenmode none" "$(ip -n "$P-pod1" -d link show dev eth0)"
check_eq "so eth0 has no IPv6 address to announce" "" "$(ip -n "$P-pod1" -6 -o addr show dev eth0)"
check "and IPv4 works: it pings its gateway" nsx pod1 ping -c 1 -W 2 10.82.0.1
cni_list node "$CNI_DIR" DEL v1 eth0 "$(ns pod1)" "$(list '"bridge":"br-4"' "$V4" '[{"dst":"0.0.0.0/0"}]')" null "$R" >/dev/null
R=$(cni_list node "$CNI_DIR" ADD v2 eth0 "$(ns pod1)" "$(list '"bridge":"br-4"' "$V4")")
check_match "given an IPv6 route, an IPv4-only pod keeps its IPv6 link-local" "inet6 fe80::" \
	"$(ip -n "$P-pod1" -6 -o addr show dev eth0)"
cni_list node "$CNI_DIR" DEL v2 eth0 "$(ns pod1)" "$(list '"bridge":"br-4"' "$V4")" null "$R" >/dev/null
check_eq "the options left no lease" "" "$(leases)"

# --- failures leave nothing behind ---
fails_clean() { # DESC WANT-CODE OUTPUT
	check_eq "$1: code $2" "$2" "$(jq -r .code <<<"$3" 2>/dev/null)"
	check_eq "$1: no lease, veth or rule left" "0 0 " "$(veths) $(plumb_elems) $(leases)"
}
out=$(cni_list node "$CNI_DIR" ADD f1 eth0 "$(ns pod1)" "$(list '"mtu":"big"')")
fails_clean "a wrong type in the config" 7 "$out"
check_match "the message names the field" "mtu" "$out"
out=$(cni_list node "$CNI_DIR" ADD f2 eth0 "$(ns pod1)" "$(list '' '[[{"subnet":"10.77.0.0/33"}]]')")
fails_clean "an invalid subnet" 7 "$out"
out=$(cni_list node "$CNI_DIR" ADD f3 lo "$(ns pod1)" "$L")
fails_clean "an ifname that exists in the pod" 999 "$out"
out=$(cni_list node "$CNI_DIR" ADD f4 eth0 "/run/netns/$P-nosuch" "$L")
fails_clean "a namespace that does not exist (spec: container unknown)" 3 "$out"
out=$(CNI_ARGS="IP=10.99.0.5" cni_list node "$CNI_DIR" ADD f6 eth0 "$(ns pod1)" "$L")
fails_clean "a requested address outside the ranges" 7 "$out"
S=$(list '' '[[{"subnet":"10.78.0.0/30"}]]')
R=$(cni_list node "$CNI_DIR" ADD x1 eth0 "$(ns pod1)" "$S")
out=$(cni_list node "$CNI_DIR" ADD x2 eth0 "$(ns pod2)" "$S")
check_match "an exhausted range is an error naming it" "10.78.0" "$out"
check_eq "and leaves only the first pod's lease and veth" "1 10.78.0.2 " "$(veths) $(leases)"
cni_list node "$CNI_DIR" DEL x1 eth0 "$(ns pod1)" "$S" null "$R" >/dev/null

# --- portmap, chained ---
RC='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},
 {"hostPort":8081,"containerPort":80,"protocol":"tcp","hostIP":"192.0.2.1"},
 {"hostPort":8082,"containerPort":80,"protocol":"tcp","hostIP":"10.77.0.1"}]}'
R=$(cni_list node "$CNI_DIR" ADD w1 eth0 "$(ns pod1)" "$L" "$RC")
W=$(jq -r '.ips[0].address' <<<"$R" | cut -d/ -f1)
mkdir -p "$DATA/www" && echo "pod1 page" >"$DATA/www/index.html"
nsx pod1 busybox httpd -f -p 80 -h "$DATA/www" &
bg_pid $!
wait_for 5 "the pod's web server answers locally" nsx pod1 curl -sf --max-time 1 "http://$W/"
check_eq "host port 8080 reaches the pod from outside" "pod1 page" \
	"$(nsx outside curl -s --max-time 5 http://192.0.2.1:8080/)"
check_eq "hostIP 192.0.2.1:8081 reaches the pod" "pod1 page" \
	"$(nsx outside curl -s --max-time 5 http://192.0.2.1:8081/)"
check_fails "a port bound to another hostIP is not published on 192.0.2.1" \
	nsx outside curl -sf --max-time 3 http://192.0.2.1:8082/
check "portmap CHECK passes" cni_list node "$CNI_DIR" CHECK w1 eth0 "$(ns pod1)" "$L" "$RC" "$R"
out=$(cni_list node "$CNI_DIR" ADD w2 eth0 "$(ns pod2)" "$L" "$RC")
check_match "the same host port twice is refused" "8080" "$out"
check_eq "the refused pod left no lease (runtime DELs the list)" "ok" \
	"$(cni_list node "$CNI_DIR" DEL w2 eth0 "$(ns pod2)" "$L" "$RC" >/dev/null && echo ok)"
check "DEL removes the mapping" cni_list node "$CNI_DIR" DEL w1 eth0 "$(ns pod1)" "$L" "$RC" "$R"
check_fails "host port 8080 is closed" nsx outside curl -sf --max-time 3 http://192.0.2.1:8080/
check_fails "host port 8081 is closed" nsx outside curl -sf --max-time 3 http://192.0.2.1:8081/
check_eq "nothing is left" "0 0 " "$(veths) $(plumb_elems) $(leases)"
R=$(cni_list node "$CNI_DIR" ADD w3 eth0 "$(ns pod1)" "$L" "$RC")
check_eq "published again" "pod1 page" "$(nsx outside curl -s --max-time 5 http://192.0.2.1:8080/)"
check "DEL without prevResult (a runtime that lost its cache) finds the mapping by tag" \
	cni_list node "$CNI_DIR" DEL w3 eth0 "$(ns pod1)" "$L" "$RC"
check_fails "so host port 8080 is closed again" nsx outside curl -sf --max-time 3 http://192.0.2.1:8080/
check_eq "and nothing is left" "0 0 " "$(veths) $(plumb_elems) $(leases)"

# --- GC and STATUS (1.1.0) ---
L11=$(jq -c '.cniVersion="1.1.0"' <<<"$L")
Ra=$(cni_list node "$CNI_DIR" ADD g1 eth0 "$(ns pod1)" "$L11")
Rb=$(cni_list node "$CNI_DIR" ADD g2 eth0 "$(ns pod2)" "$L11")
gcconf=$(jq -c '.plugins[0] + {cniVersion:"1.1.0", name:"t", "cni.dev/valid-attachments":[{containerID:"g1",ifname:"eth0"}]}' <<<"$L")
check "GC keeping only g1 succeeds" cni node "$CNI_DIR" bridge GC "" "" "" <<<"$gcconf"
check_eq "g2's leases are gone, g1's kept" 2 "$(leases | wc -w)"
check_eq "g2's veth is gone" 1 "$(veths)"
check_eq "g2's masquerade elements are gone (g1 keeps its 4)" 4 "$(plumb_elems)"
check "pod1 still reaches the outside" nsx pod1 ping -c 1 -W 2 192.0.2.2
check "STATUS says ready" cni node "$CNI_DIR" bridge STATUS "" "" "" <<<"$gcconf"
out=$(nsx node env -i CNI_COMMAND=STATUS CNI_PATH=/nonexistent "$CNI_DIR/bridge" <<<"$gcconf")
check_eq "STATUS without its IPAM plugin is code 50" 50 "$(jq .code <<<"$out")"
cni_list node "$CNI_DIR" DEL g1 eth0 "$(ns pod1)" "$L11" null "$Ra" >/dev/null
check_eq "finally nothing is left" "0 0 " "$(veths) $(plumb_elems) $(leases)"
finish
