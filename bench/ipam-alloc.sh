#!/bin/bash
# bench/ipam-alloc.sh [PREFILL] [N] — ADD then DEL latency of plumb's ipam
# (netctl ipam alloc/release: a whole process per call, like a plugin) and of
# the reference /usr/lib/cni/host-local, side by side in one run, each on its
# own temp data dir already holding PREFILL leases. Prints medians and p95 in ms.
# Root (for the namespace CNI_NETNS names); touches nothing outside its temp dir
# and one namespace it makes and deletes.
set -eu
PREFILL=${1:-200} N=${2:-100}
B=${PLUMB_BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}
D=$(mktemp -d /tmp/plumb-bench-ipam-XXXXXX)
NS=plumb-bench-ipam-$$
ip netns add $NS
trap 'ip netns del $NS; rm -rf "$D"' EXIT
conf() { printf '{"cniVersion":"1.0.0","name":"net","type":"bridge","ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.80.0.0/16"}]]}}' "$1"; }
conf "$D/p" >"$D/p.json"
ref() { conf "$D/r" | CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=/run/netns/$NS CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni /usr/lib/cni/host-local >/dev/null; }
plumb_add() { "$B/bin/netctl" ipam alloc --config "$D/p.json" --id "$1" >/dev/null; }
plumb_del() { "$B/bin/netctl" ipam release --network net --data-dir "$D/p" --id "$1"; }
for i in $(seq "$PREFILL"); do ref ADD pre$i; plumb_add pre$i; done
ms() { echo $((($(date +%s%N) - $1) / 1000)); }
for i in $(seq "$N"); do
	t=$(date +%s%N); ref ADD c$i; echo "ref_add $(ms $t)"
	t=$(date +%s%N); plumb_add c$i; echo "plumb_add $(ms $t)"
	t=$(date +%s%N); ref DEL c$i; echo "ref_del $(ms $t)"
	t=$(date +%s%N); plumb_del c$i; echo "plumb_del $(ms $t)"
done >"$D/times"
printf '%-10s %10s %10s   (%d leases already held, %d rounds)\n' call median_ms p95_ms "$PREFILL" "$N"
for k in ref_add plumb_add ref_del plumb_del; do
	awk -v k=$k '$1 == k {print $2}' "$D/times" | sort -n |
		awk -v k=$k '{v[NR] = $1} END {printf "%-10s %10.2f %10.2f\n", k, v[int(NR / 2) + 1] / 1000, v[int(NR * 0.95)] / 1000}'
done
