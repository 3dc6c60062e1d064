#!/bin/bash
# bench/cni.sh [N] [CONC]: plumb's CNI plugins against the reference plugins
# (Debian's /usr/lib/cni), in the same run, on the same machine.
#
# For each plugin directory, in a namespace of its own that plays the node:
#  - bridge (isGateway, ipMasq, host-local /16) + portmap, N pods in a row:
#    ADD and DEL latency (median, p95), first 20 vs last 20 pods;
#  - CONC ADDs started at once: all must succeed; median latency and wall time.
# Measured by bench/cni-lat.py (setns once, spawn each plugin: the plugins' own
# cost). Then the peers' script /work/shared/peers/cni/cni-lat.sh (ip netns exec
# per call, as PEERS.md measured) for both directories with fewer pods.
# Prints the ratio reference/plumb for every figure. Not a test: no assertions
# on time. The machine is shared and noisy: only the ratios mean much.
set -u
N=${1:-200}
CONC=${2:-16}
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${PLUMB_BUILD:-$here/../build}
OURS=$(cd "$BUILD/cni" && pwd)
REF=/usr/lib/cni
PEER=${PEER_SCRIPT:-/work/shared/peers/cni/cni-lat.sh}
[ "$(id -u)" = 0 ] || { echo "bench/cni.sh: needs root (network namespaces)"; exit 1; }
for d in "$OURS" "$REF"; do
	for p in bridge host-local portmap; do
		[ -x "$d/$p" ] || { echo "bench/cni.sh: $d/$p missing"; exit 1; }
	done
done

tag=pcb$$
FLOOR_DIR=$(mktemp -d /tmp/plumb-bench-cni-XXXXXX)
cleanup() {
	for n in $(ip netns list | awk '{print $1}' | grep "^$tag"); do ip netns del "$n"; done
	rm -rf "$FLOOR_DIR"
}
trap cleanup EXIT

run() { # DIR LABEL -> JSON
	local node=$tag-$2
	ip netns add "$node"
	ip -n "$node" link set lo up
	python3 "$here/cni-lat.py" "$1" "$node" "$N" "$CONC"
	ip netns del "$node"
}
# The floor: an empty static binary, spawned exactly as the plugins are.
echo 'int main(void) { return 0; }' >"$FLOOR_DIR/empty.c"
gcc -O2 -static -o "$FLOOR_DIR/empty" "$FLOOR_DIR/empty.c" || exit 1
export FLOOR_BIN=$FLOOR_DIR/empty
echo "bench/cni.sh: N=$N pods in a row, $CONC concurrent ADDs; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
ours=$(run "$OURS" ours) || { echo "plumb run failed: $ours"; exit 1; }
ref=$(run "$REF" ref) || { echo "reference run failed: $ref"; exit 1; }

row() { # LABEL JQ-PATH
	local o r
	o=$(jq -r "$2" <<<"$ours") r=$(jq -r "$2" <<<"$ref")
	printf '%-34s %10.2f %10.2f %8.1fx\n' "$1" "$o" "$r" "$(echo "$r / $o" | bc -l)"
}
echo
printf '%-34s %10s %10s %9s\n' "ms (plugin spawned directly)" plumb reference ratio
row "bridge+host-local ADD median" .bridge_add.median
row "bridge+host-local ADD p95" .bridge_add.p95
row "portmap ADD median" .portmap_add.median
row "portmap ADD p95" .portmap_add.p95
row "chain ADD median" .chain_add.median
row "chain ADD p95" .chain_add.p95
row "chain DEL median" .chain_del.median
row "chain DEL p95" .chain_del.p95
row "chain ADD median, first 20 pods" .chain_add_first
row "chain ADD median, last 20 pods" .chain_add_last
row "$CONC concurrent chain ADDs, median" .concurrent.median
row "$CONC concurrent chain ADDs, wall" .concurrent.wall
printf '%-34s %10s %10s\n' "$CONC concurrent ADDs succeeded" \
	"$(jq -r .concurrent.ok <<<"$ours")/$CONC" "$(jq -r .concurrent.ok <<<"$ref")/$CONC"

# What is left when the floors are taken away, and the best ratio they allow.
fl() { jq -r "$1" <<<"$ours"; }
spawn=$(fl .floor.spawn) vdel=$(fl .floor.veth_del)
echo
printf '%-34s %10.2f   (spawn an empty static binary; 2 per chain)\n' "floor: process spawn" "$spawn"
printf '%-34s %10.2f   (RTM_DELLINK of a bridged veth, kernel only)\n' "floor: kernel veth delete" "$vdel"
printf '%-34s %10.2f   (of which until the kernel announces the pair gone;\n' "  ...pair unregistered after" "$(fl .floor.veth_gone)"
printf '%-34s %10s    the rest is its RCU wait before it lets the caller go)\n' "" ""
printf '%-34s %10.2f   (chain ADD median - 2 spawns)\n' "plumb's own chain ADD" \
	"$(echo "$(fl .chain_add.median) - 2 * $spawn" | bc -l)"
printf '%-34s %10.2f   (chain DEL median - 2 spawns - veth delete)\n' "plumb's own chain DEL" \
	"$(echo "$(fl .chain_del.median) - 2 * $spawn - $vdel" | bc -l)"
printf '%-34s %9.1fx   (reference chain DEL / (2 spawns + veth delete))\n' "best DEL ratio these floors allow" \
	"$(echo "$(jq -r .chain_del.median <<<"$ref") / (2 * $spawn + $vdel)" | bc -l)"

if [ -x "$PEER" ]; then
	PN=$(( N < 50 ? N : 50 ))
	echo
	echo "the peers' script ($PEER, ip netns exec per call, $PN pods):"
	for d in "$OURS" "$REF"; do
		echo "  $d:"
		(cd "$here/.." && "$PEER" "$d" "$PN" 2>&1 | sed 's/^/    /')
	done
fi
