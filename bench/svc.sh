#!/bin/bash
# bench/svc.sh — plumb-svc beside kube-proxy's nftables layout (`nft -f`) and its
# iptables layout (`iptables-nft-restore`), same workload, same run. Not a test.
#
#   bench/svc.sh [--skip-slow] [--sizes "100 1000 10000"] [--conns 2000] [--changes 5]
#
# Workload: ../shared/peers/svc/gen.py (S services x 10 endpoints, every 5th
# with a NodePort); bench/svc-gen.py writes the same services as Kubernetes JSON.
#   1. full sync of S services: `netctl svc apply -f` (read + program, shown
#      apart) vs `nft -f` (one transaction) vs `iptables-nft-restore`
#   2. one endpoint change at the largest S: plumb-svc's own log ("change: ...
#      ms", from reading the inotify event to the kernel's commit) for one
#      endpoint replaced and for all 10 replaced; the peers' partial-sync inputs
#      from gen.py (--mode incr), CLI wall and kernel commit (strace -T)
#   3. new-connection latency (connbench, p50 of N connects) through the first and
#      the last ClusterIP at S=1 and at the largest S
# --skip-slow skips the kube-proxy nft layout at S >= 10000 (its one-transaction
# load took 146 s on these machines, 2 x that with the latency part).
# Namespaces are svb<pid>-*, removed on exit; the root namespace is not touched.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
B=${PLUMB_BUILD:-$here/build}
PEERS=${PEERS_SVC:-/work/shared/peers/svc}
SIZES="100 1000 10000"
CONNS=2000
CHANGES=5
SKIP_SLOW=0
while [ $# -gt 0 ]; do
	case $1 in
	--skip-slow) SKIP_SLOW=1; shift ;;
	--sizes) SIZES=$2; shift 2 ;;
	--conns) CONNS=$2; shift 2 ;;
	--changes) CHANGES=$2; shift 2 ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "bench/svc.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "bench/svc.sh: needs root (namespaces)" >&2; exit 1; }
[ -x "$B/bin/netctl" ] && [ -x "$B/bin/plumb-svc" ] || { echo "build first (make)" >&2; exit 1; }
MAX=${SIZES##* }
P=svb$$
T=$(mktemp -d /tmp/plumb-bench-svc-XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	for n in $(ip netns list | awk '{print $1}' | grep "^$P-"); do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$n"
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { echo "${EPOCHREALTIME/./}"; } # microseconds
nsx() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }
fresh() { ip netns del "$P-$1" 2>/dev/null; ip netns add "$P-$1"; nsx "$1" ip link set lo up; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e6 }'; }
row() { printf '| %-44s | %12s | %12s | %12s |\n' "$@"; }
timed() { # ns cmd... -> seconds (or "fail")
	local ns=$1 t0 t1
	shift
	t0=$(now)
	if nsx "$ns" "$@" >"$T/out" 2>"$T/err"; then
		t1=$(now)
		secs "$t0" "$t1"
	else
		echo fail
		sed 's/^/    # /' "$T/err" | tail -3 >&2
	fi
}
# Kernel commit of an nft/iptables-nft transaction: the batch sendmsg's duration.
commit_ms() { # ns cmd...
	local ns=$1
	shift
	nsx "$ns" strace -f -T -e trace=sendmsg "$@" 2>&1 >/dev/null |
		awk -F'<' '/sendmsg/ { v = $NF; sub(">", "", v); if (v + 0 > m) m = v + 0 } END { printf "%.2f", m * 1000 }'
}

gcc -O2 -o "$T/connbench" "$PEERS/connbench.c" || exit 1
echo "# bench/svc.sh — $(date -u '+%F %T') UTC, kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# nft $(nft --version | awk '{print $2}'), $(iptables-nft-restore --version 2>&1 | head -1)"
echo

# ---------------------------------------------------------------- 1. full sync
echo "## 1. Full sync, S services x 10 endpoints (wall seconds; one cold namespace each)"
echo
row "S / what" "plumb" "kube-proxy nft" "iptables-nft"
row "---" "---:" "---:" "---:"
for S in $SIZES; do
	python3 "$here/bench/svc-gen.py" list "$S" >"$T/list-$S.json"
	python3 "$PEERS/gen.py" --style nft -S "$S" -o "$T/nft-$S.nft"
	python3 "$PEERS/gen.py" --style ipt -S "$S" -o "$T/ipt-$S.rules"
	fresh p
	pl=$(timed p "$B/bin/netctl" -j svc apply -f "$T/list-$S.json")
	split=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["ms"]; print("read %.0f ms, program %.0f ms" % (d["read"], d["program"]))' "$T/out" 2>/dev/null)
	pn=skipped
	if [ "$SKIP_SLOW" = 0 ] || [ "$S" -lt 10000 ]; then
		fresh n
		pn=$(timed n timeout 900 nft -f "$T/nft-$S.nft")
	fi
	fresh i
	pi=$(timed i iptables-nft-restore "$T/ipt-$S.rules")
	row "$S (plumb: $split)" "$pl" "$pn" "$pi"
	ip netns del "$P-n" 2>/dev/null
	ip netns del "$P-i" 2>/dev/null
done
echo

# ---------------------------------------------------------------- 2. one change
echo "## 2. One endpoint change at S=$MAX"
echo
mkdir -p "$T/dir"
python3 "$here/bench/svc-gen.py" dir "$MAX" "$T/dir"
K=$((MAX / 2))
fresh p
LOG=$T/plumb-svc.log
nsx p "$B/bin/netctl" svc apply -f "$T/list-$MAX.json" >/dev/null
ip netns exec "$P-p" env PLUMB_LOG=info "$B/bin/plumb-svc" --dir "$T/dir" 2>"$LOG" &
PIDS+=($!)
for _ in $(seq 600); do grep -q "initial sync" "$LOG" && break; sleep 0.1; done
echo "plumb-svc restarted over the $MAX-service table: $(grep -o 'initial sync.*' "$LOG")"
changes() { # one-or-all -> median ms over CHANGES changes
	local mode=$1 g n ms=()
	for ((g = 1; g <= CHANGES; g++)); do
		n=$(grep -c "change:" "$LOG")
		python3 "$here/bench/svc-gen.py" slice "$K" $((g % 2)) "$mode" >"$T/dir/.s.tmp"
		mv "$T/dir/.s.tmp" "$T/dir/slice-$K.json"
		for _ in $(seq 300); do [ "$(grep -c "change:" "$LOG")" -gt "$n" ] && break; sleep 0.02; done
		ms+=("$(grep "change:" "$LOG" | tail -1 | sed 's/.*elements, \([0-9.]*\) ms/\1/')")
	done
	printf '%s\n' "${ms[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.3f ms (min %.3f, max %.3f)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
one=$(changes 1)
all=$(changes 0)
grep "change:" "$LOG" | tail -2 | sed 's/^/    # /'
echo
row "what (S=$MAX)" "plumb" "kube-proxy nft" "iptables-nft"
row "---" "---:" "---:" "---:"
row "1 endpoint replaced: seen -> committed" "$one" "" ""
row "10 endpoints replaced: seen -> committed" "$all" "" ""
python3 "$PEERS/gen.py" --style ipt -S "$MAX" --mode incr --change "$K" -o "$T/ipt-incr.rules"
fresh i
nsx i iptables-nft-restore "$T/ipt-$MAX.rules"
ipw=$(timed i iptables-nft-restore --noflush "$T/ipt-incr.rules")
ipc=$(commit_ms i iptables-nft-restore --noflush "$T/ipt-incr.rules")
nw=skipped nc=skipped
if [ "$SKIP_SLOW" = 0 ] || [ "$MAX" -lt 10000 ]; then
	python3 "$PEERS/gen.py" --style nft -S "$MAX" --mode incr --change "$K" -o "$T/nft-incr.nft"
	fresh n
	for ((a = 0; a < MAX; a += 1000)); do # chunked load: same table, much faster
		python3 "$PEERS/gen.py" --style nft -S "$MAX" --range "$a:$((a + 1000 > MAX ? MAX : a + 1000))" -o "$T/chunk.nft"
		nsx n nft -f "$T/chunk.nft"
	done
	nw=$(timed n nft -f "$T/nft-incr.nft")
	nc=$(commit_ms n nft -f "$T/nft-incr.nft")
fi
row "10 endpoints replaced: CLI wall" "" "${nw} s" "${ipw} s"
row "10 endpoints replaced: kernel commit" "" "${nc} ms" "${ipc} ms"
echo

# ---------------------------------------------------------------- 3. latency
echo "## 3. New-connection latency through a ClusterIP (connbench, $CONNS connects, p50 us)"
echo
topo() { # node namespace gets the rules; cli -> node -> back (answers 10.203.128.0/17)
	local n
	for n in cli node back; do fresh "$n"; done
	ip -n "$P-cli" link add c0 type veth peer name nc netns "$P-node"
	ip -n "$P-back" link add b0 type veth peer name nb netns "$P-node"
	ip -n "$P-cli" addr add 10.203.1.2/24 dev c0
	ip -n "$P-node" addr add 10.203.1.1/24 dev nc
	ip -n "$P-node" addr add 10.203.2.1/24 dev nb
	ip -n "$P-back" addr add 10.203.2.2/24 dev b0
	ip -n "$P-cli" link set c0 up
	ip -n "$P-node" link set nc up
	ip -n "$P-node" link set nb up
	ip -n "$P-back" link set b0 up
	ip -n "$P-cli" route add default via 10.203.1.1
	ip -n "$P-back" route add default via 10.203.2.1
	ip -n "$P-back" route add local 10.203.128.0/17 dev lo
	ip -n "$P-node" route add 10.203.128.0/17 via 10.203.2.2
	nsx node sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$P-back" "$T/connbench" serve 8080 3600 >/dev/null 2>&1 &
	PIDS+=($!)
	sleep 0.3
}
cip() { local n=$((0x0A600000 + 1 + $1)); echo "$((n >> 24)).$(((n >> 16) & 255)).$(((n >> 8) & 255)).$((n & 255))"; }
p50() { nsx cli "$T/connbench" connect "$1" 80 "$CONNS" 200 | sed -n 's/.*p50=\([0-9.]*\).*/\1/p'; }
load() { # style S
	case $1 in
	plumb) nsx node "$B/bin/netctl" svc apply -f "$T/list-$2.json" >/dev/null ;;
	ipt) nsx node iptables-nft-restore "$T/ipt-$2.rules" ;;
	nft) nsx node nft delete table ip svcmap 2>/dev/null
	     for ((a = 0; a < $2; a += 1000)); do
		python3 "$PEERS/gen.py" --style nft -S "$2" --range "$a:$((a + 1000 > $2 ? $2 : a + 1000))" -o "$T/chunk.nft"
		nsx node nft -f "$T/chunk.nft"
	     done ;;
	esac
}
[ -f "$T/list-1.json" ] || python3 "$here/bench/svc-gen.py" list 1 >"$T/list-1.json"
python3 "$PEERS/gen.py" --style ipt -S 1 -o "$T/ipt-1.rules"
declare -A LAT
for style in plumb nft ipt; do
	topo
	LAT[$style,1,first]=$(load "$style" 1 && p50 "$(cip 0)")
	if [ "$style" = nft ] && [ "$SKIP_SLOW" = 1 ] && [ "$MAX" -ge 10000 ]; then
		LAT[$style,$MAX,first]=skipped LAT[$style,$MAX,last]=skipped
	else
		load "$style" "$MAX"
		LAT[$style,$MAX,first]=$(p50 "$(cip 0)")
		LAT[$style,$MAX,last]=$(p50 "$(cip $((MAX - 1)))")
	fi
done
row "target" "plumb" "kube-proxy nft" "iptables-nft"
row "---" "---:" "---:" "---:"
row "S=1, ClusterIP" "${LAT[plumb,1,first]}" "${LAT[nft,1,first]}" "${LAT[ipt,1,first]}"
row "S=$MAX, first ClusterIP" "${LAT[plumb,$MAX,first]}" "${LAT[nft,$MAX,first]}" "${LAT[ipt,$MAX,first]}"
row "S=$MAX, last ClusterIP" "${LAT[plumb,$MAX,last]}" "${LAT[nft,$MAX,last]}" "${LAT[ipt,$MAX,last]}"
echo
echo "# the machine is shared: compare columns of this run, not runs"
