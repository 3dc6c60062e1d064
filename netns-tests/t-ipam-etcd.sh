#!/bin/bash
# Per-node subnets in a real etcd (Debian's etcd-server) that the test starts
# on 127.0.0.1 inside its own namespace, with a temp data dir.
#
#   [etcd]  etcd 127.0.0.1:2379  <-- netctl node cidr (3 nodes at once, a
#                                    watcher, a node whose lease expires)
#
# timeout: 120
. "$(dirname "$0")/lib.sh"

command -v etcd >/dev/null || skip "etcd not installed (Debian package etcd-server)"
ns_add etcd
D=$(mktemp -d /tmp/plumb-ipam-etcd-XXXXXX)
defer rm -rf "$D"
URL=http://127.0.0.1:2379
CIDR=10.244.0.0/16

start_etcd() {
	# exec'd directly (not through the nsx function) so $! is etcd itself
	ip netns exec "$(N etcd)" etcd --name t --data-dir "$D/data" --listen-client-urls $URL --advertise-client-urls $URL \
		--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster t=http://127.0.0.1:2380 >>"$D/etcd.log" 2>&1 &
	ETCD_PID=$!
	bg_pid $ETCD_PID
}
etcd_up() { nsx etcd $NETCTL node cidr list --cluster-cidr $CIDR --etcd $URL --timeout 500 >/dev/null; }
node() { nsx etcd $NETCTL node cidr "$@" --cluster-cidr $CIDR --etcd $URL | awk '{$1 = $1} 1'; }

start_etcd
wait_for 20 "etcd answers" etcd_up

# a watcher sees every change below
ip netns exec "$(N etcd)" timeout 60 $NETCTL node cidr watch --cluster-cidr $CIDR --etcd $URL --count 5 >"$D/watch" 2>"$D/watch.err" &
WATCH=$!
bg_pid $WATCH
wait_for 10 "the watcher is connected" grep -q "watching from" "$D/watch"

# three nodes at once
for n in n1 n2 n3; do
	node acquire --node $n --underlay 192.168.7.${n#n} >"$D/$n" &
	eval "pid_$n=$!"
done
fails=0
for n in n1 n2 n3; do eval "wait \$pid_$n" || fails=$((fails + 1)); done
check_eq "three concurrent acquires succeed" 0 "$fails"
check_eq "three distinct subnets" 3 "$(cat "$D"/n[123] | awk '{print $1}' | sort -u | wc -l)"
check_match "each is a /24 of the cluster CIDR" '^(10\.244\.[0-2]\.0/24 n[123] 192\.168\.7\.[123]\s*){3}$' \
	"$(cat "$D"/n[123] | sort | tr '\n' ' ')"
check_eq "acquire is idempotent: n2 gets its subnet back" "$(cat "$D/n2")" "$(node acquire --node n2)"
check_eq "the key layout is documented: /plumb/default/subnets/<net>-<mask>" \
	"node=n1 underlay=192.168.7.1" \
	"$(nsx etcd etcdctl --endpoints $URL get --print-value-only "/plumb/default/subnets/$(awk '{sub("/", "-", $1); print $1}' "$D/n1")")"

# a node whose lease is not renewed loses its subnet
check_match "n4 acquires with a 2 s lease" '^10\.244\.3\.0/24 n4' "$(node acquire --node n4 --ttl 2)"
n4_gone() { [ -z "$(node list --node n4)" ]; }
wait_for 15 "n4's subnet is gone once its lease expires" n4_gone
check_match "n5 gets the freed subnet" '^10\.244\.3\.0/24 n5' "$(node acquire --node n5)"
wait $WATCH
check_eq "the watcher saw 3 puts, n4's put and its expiry, then stopped" 0 $?
check_eq "watch output" "put put put put delete" "$(grep -E '^(put|delete)' "$D/watch" | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')"

# a node that renews (acquires again within the TTL) keeps its subnet
first=$(node acquire --node n8 --ttl 4)
for i in 1 2 3 4 5 6; do sleep 1; node acquire --node n8 --ttl 4 >/dev/null; done
check_eq "n8 renewed its 4 s lease for 6 s and still has the same subnet" "$first" "$(node list --node n8)"
node release --node n8
# --hold renews by itself; after SIGTERM the lease runs out
ip netns exec "$(N etcd)" $NETCTL node cidr acquire --node n10 --cluster-cidr $CIDR --etcd $URL --ttl 3 --hold >"$D/n10" 2>&1 &
HOLD=$!
bg_pid $HOLD
sleep 5
check_match "a --hold node keeps its 3 s lease past 5 s" 'n10' "$(node list --node n10)"
kill -TERM $HOLD
wait $HOLD
check_eq "--hold exits cleanly on SIGTERM" 0 $?
n10_gone() { [ -z "$(node list --node n10)" ]; }
wait_for 15 "then its lease runs out" n10_gone

# release, and failover to the second endpoint
check "n1 releases" node release --node n1
check_eq "n1 has no subnet" "" "$(node list --node n1)"
check_eq "a dead first endpoint fails over to the second; n6 gets n1's old subnet" \
	"$(awk '{print $1}' "$D/n1") n6" \
	"$(nsx etcd $NETCTL node cidr acquire --node n6 --cluster-cidr $CIDR --etcd http://127.0.0.1:1,$URL | awk '{print $1, $2}')"

# a second watcher lives through the restart below
ip netns exec "$(N etcd)" timeout 60 $NETCTL node cidr watch --cluster-cidr $CIDR --etcd $URL --count 2 >"$D/watch2" 2>"$D/watch2.err" &
WATCH2=$!
bg_pid $WATCH2
wait_for 10 "the second watcher is connected" grep -q "watching from" "$D/watch2"

# etcd stops: a clear error, not a crash and not a made-up subnet
kill $ETCD_PID
wait $ETCD_PID 2>/dev/null
out=$(nsx etcd $NETCTL node cidr acquire --node n7 --cluster-cidr $CIDR --etcd $URL 2>&1)
rc=$?
check_eq "acquire fails with exit 1 (not a signal)" 1 "$rc"
check_match "the error names etcd and the endpoint" "etcd: no endpoint answered .*127\.0\.0\.1:2379.*connect" "$out"
out=$(node list 2>&1)
check_match "list fails the same way" "no endpoint answered" "$out"

# and everything is still there when it comes back
start_etcd
wait_for 20 "etcd is back" etcd_up
check_eq "after the restart the subnets are as before" "n2 n3 n5 n6" "$(node list | awk '{print $2}' | sort | tr '\n' ' ' | sed 's/ $//')"
# changes made before the watcher has reconnected (it backs off) still reach it
node acquire --node n9 >/dev/null
node release --node n9
wait $WATCH2
check_eq "the second watcher reconnected and saw both changes, then stopped" 0 $?
check_eq "what it saw after the restart" "put node=n9 delete" \
	"$(grep -E '^(put|delete)' "$D/watch2" | awk '{print $1, $3}' | tr '\n' ' ' | sed 's/ *$//')"
check_match "it said why it was reconnecting" "reconnecting" "$(cat "$D/watch2.err")"
finish
