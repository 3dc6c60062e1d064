#!/bin/bash
# timeout: 600
# 64 runtimes' worth of ADDs at once on a bridge that does not exist yet (they
# race to create it, its address, the nftables table and the lease files), each
# through the whole conflist with its own published port; then 64 DELs at once.
#
#   [node] br-cc 10.80.0.1/24 -- [q0] [q1] ... [q63]
#
. "$(dirname "$0")/lib.sh"

N=64
pods=()
for ((i = 0; i < N; i++)); do pods+=("q$i"); done
ns_add node "${pods[@]}"
DATA=$(mktemp -d)
OUT=$(mktemp -d)
defer rm -rf "$DATA" "$OUT"
L=$(printf '{"cniVersion":"1.0.0","name":"cc","plugins":[
 {"type":"bridge","bridge":"br-cc","isGateway":true,"ipMasq":true,
  "ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.80.0.0/24"}]]}},
 {"type":"portmap","capabilities":{"portMappings":true}}]}' "$DATA")
rc() { printf '{"portMappings":[{"hostPort":%d,"containerPort":80,"protocol":"tcp"}]}' $((20000 + $1)); }

for ((i = 0; i < N; i++)); do
	cni_list node "$CNI_DIR" ADD "cc$i" eth0 "/run/netns/$P-q$i" "$L" "$(rc $i)" >"$OUT/$i" 2>&1 &
done
wait
ok=0
for ((i = 0; i < N; i++)); do
	jq -e '.ips[0].address' "$OUT/$i" >/dev/null 2>&1 && ok=$((ok + 1)) || sed 's/^/    q'$i': /' "$OUT/$i"
done
check_eq "all $N concurrent ADDs succeed" $N $ok
check_eq "with $N distinct addresses" $N "$(cat "$OUT"/* | jq -r '.ips[0].address' 2>/dev/null | sort -u | grep -c .)"
check_eq "$N leases on disk" $N "$(ls "$DATA/cc" | grep -c '^10\.')"
check_eq "$N veths on the bridge" $N "$(ip -n "$P-node" -o link show master br-cc | grep -c veth)"
check_eq "$N published ports" $N "$(nsx node nft list map inet plumb hostport4 | grep -oE 'tcp \. [0-9]+ ' | wc -l)"
check "the first pod pings the last" nsx q0 ping -c 1 -W 2 "$(jq -r '.ips[0].address' "$OUT/$((N - 1))" | cut -d/ -f1)"

for ((i = 0; i < N; i++)); do
	cni_list node "$CNI_DIR" DEL "cc$i" eth0 "/run/netns/$P-q$i" "$L" "$(rc $i)" "$(cat "$OUT/$i")" \
		>"$OUT/del$i" 2>&1 &
done
wait
ok=0
for ((i = 0; i < N; i++)); do
	[ -s "$OUT/del$i" ] && sed 's/^/    del q'$i': /' "$OUT/del$i" || ok=$((ok + 1))
done
check_eq "all $N concurrent DELs succeed" $N $ok
check_eq "no lease left" 0 "$(ls "$DATA/cc" | grep -c '^10\.')"
check_eq "no veth left" 0 "$(ip -n "$P-node" -o link show type veth | wc -l)"
check_eq "no rule left" 0 "$(nsx node nft list ruleset | grep -oE 'comment "(bridge|portmap)/' | wc -l)"
finish
