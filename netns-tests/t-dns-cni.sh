#!/bin/bash
# The dnsname CNI plugin chained after bridge: the first ADD starts plumb-dns
# (two concurrent first ADDs start one), names and Podman-style aliases from
# runtimeConfig resolve at the bridge gateway, the result carries dns, DEL
# unregisters (twice is fine).
#
#   [node]  cni-dns0 10.90.0.1/24 (bridge + gateway, made by the bridge plugin)
#           plumb-dns, started by dnsname, listening on 10.90.0.1:53
#      |-- [c1] K8S_POD_NAME=es1, alias es
#      |-- [c2] K8S_POD_NAME=es2, alias es
#      `-- [c3] K8S_POD_NAME=client
# timeout: 120
. "$(dirname "$0")/lib.sh"
for tool in dig jq; do command -v $tool >/dev/null || skip "$tool is not installed"; done
for p in bridge host-local dnsname; do [ -x "$CNI_DIR/$p" ] || skip "no $p plugin in $CNI_DIR"; done

ns_add node c1 c2 c3
D=$(mktemp -d /tmp/plumb-dnsname.XXXXXX)
defer rm -rf "$D"
defer 'kill $(cat '"$D"'/pid 2>/dev/null) 2>/dev/null'
RAW="$SRC/netns-tests/dns-raw.py"
LIST=$(cat <<JSON
{"cniVersion": "1.0.0", "name": "prod", "plugins": [
  {"type": "bridge", "bridge": "cni-dns0", "isGateway": true,
   "ipam": {"type": "host-local", "dataDir": "$D/ipam",
            "ranges": [[{"subnet": "10.90.0.0/24", "gateway": "10.90.0.1"}]]}},
  {"type": "dnsname", "domainName": "dns.podman", "socket": "$D/dns.sock",
   "stateFile": "$D/state.json", "capabilities": {"aliases": true}}]}
JSON
)
RC='{"aliases": {"prod": ["es"], "other": ["nope"]}}'
add() { # container name ns [rc]
	CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=$2" cni_list node "$CNI_DIR" ADD "$1" eth0 \
		"/run/netns/$(N "$3")" "$LIST" "${4:-$RC}"
}
ask() { nsx c3 dig +time=2 +tries=1 @10.90.0.1 "$@"; }

# two first ADDs at once: one daemon
add ctr1 es1 c1 >"$D/r1" 2>&1 &
a1=$!
add ctr2 es2 c2 >"$D/r2" 2>&1 &
a2=$!
wait $a1; rc1=$?
wait $a2; rc2=$?
check_eq "ADD of es1 succeeds" 0 "$rc1"
check_eq "ADD of es2 (at the same time) succeeds" 0 "$rc2"
cat "$D/r1" "$D/r2" | grep -v '^{' | sed 's/^/    | /'
nsx node "$RAW" pid "$D/dns.sock" >"$D/pid"
check_eq "the concurrent first ADDs started exactly one plumb-dns" 1 \
	"$(pgrep -fc -- "--control $D/dns.sock")"
check_eq "the result names the gateway as nameserver" '"10.90.0.1"' "$(jq -c '.dns.nameservers[0]' "$D/r1")"
check_eq "the result searches the domain" '"dns.podman"' "$(jq -c '.dns.search[0]' "$D/r1")"
check_eq "the result keeps the bridge's address" 1 "$(jq '.ips | length' "$D/r1")"
IP1=$(jq -r '.ips[0].address' "$D/r1"); IP1=${IP1%/*}
IP2=$(jq -r '.ips[0].address' "$D/r2"); IP2=${IP2%/*}
check "ADD of the client succeeds" add ctr3 client c3 '{}'

check_eq "es1 by name" "$IP1" "$(ask +short es1 A)"
check_eq "es1 under the domain" "$IP1" "$(ask +short es1.dns.podman A)"
check_eq "es1.prod" "$IP1" "$(ask +short es1.prod A)"
both=$(ask +short es A | sort | tr '\n' ' ')
check_eq "the alias es has both addresses" "$(printf '%s\n' "$IP1" "$IP2" | sort | tr '\n' ' ')" "$both"
first1=$(ask +short es A | head -1); first2=$(ask +short es A | head -1)
check "the order rotates" test "$first1" != "$first2"
check_eq "another network's alias list was not applied" "NXDOMAIN" \
	"$(ask nope A | sed -nE 's/.*status: ([A-Z]+).*/\1/p')"
check_match "busybox nslookup with the search domain finds es" "Address:? *10\.90\.0\." \
	"$(nsx c3 sh -c "printf 'nameserver 10.90.0.1\nsearch dns.podman\n' >$D/resolv.conf; busybox nslookup es 10.90.0.1")"

check "CHECK of es2 passes" cni_list node "$CNI_DIR" CHECK ctr2 eth0 "/run/netns/$(N c2)" "$LIST" "$RC" "$(cat "$D/r2")"
check "DEL of es2" cni_list node "$CNI_DIR" DEL ctr2 eth0 "/run/netns/$(N c2)" "$LIST" "$RC"
check_eq "es has one address left" "$IP1" "$(ask +short es A)"
check "a second DEL of es2 succeeds" cni_list node "$CNI_DIR" DEL ctr2 eth0 "/run/netns/$(N c2)" "$LIST" "$RC"
out=$(cni_conf "$LIST" 1 "$(cat "$D/r2")" "$RC" | cni node "$CNI_DIR" dnsname CHECK ctr2 eth0 "/run/netns/$(N c2)")
check_match "dnsname CHECK of es2 after DEL says it is not registered" "ctr2 is not registered" "$out"
check_eq "es2 is gone" "NXDOMAIN" "$(ask es2 A | sed -nE 's/.*status: ([A-Z]+).*/\1/p')"

# dnsname alone (no prevResult) is a configuration error with a clear message
out=$(echo '{"cniVersion":"1.0.0","name":"prod","type":"dnsname","socket":"'"$D"'/dns.sock"}' |
	cni node "$CNI_DIR" dnsname ADD ctr9 eth0 "/run/netns/$(N c3)")
check_match "dnsname without prevResult says why" "chained after a plugin" "$out"
check_match "... with the invalid-config code" '"code": *7' "$out"
finish
