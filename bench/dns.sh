#!/usr/bin/env bash
# bench/dns.sh — plumb-dns against dnsmasq and aardvark-dns, same data, same load, one run.
#
# Data (bench/dns/gen-data.sh, from ../shared/peers/dns): 1,000 names = 900 containers
# + 100 aliases x 4 addresses; query mix 35% A container, 25% A alias (4 answers),
# 25% AAAA (NODATA), 15% NXDOMAIN; "fqdn" (name.dns.podman.) and "bare" (name.) files.
# Load (bench/dns/dns-bench.sh): dnsperf max rate, then a fixed rate with per-query
# latencies; server CPU from /proc/PID/stat before/after; lost queries; RSS.
# Private memory (Private_Clean+Private_Dirty of smaps_rollup) after loading and after
# the load. Every process runs in namespaces this script makes and deletes:
#
#   [pb-dnsb-lab-$$]  lo: 127.0.0.11 dnsmasq | 10.202.0.1 aardvark-dns (gateway) |
#                     plumb-dns (its control socket only) | 127.0.0.53 stub upstream
#   [pb-dnsb-pod-$$]  lo only: 127.0.0.11:53 is plumb-dns's socket made in here;
#                     dnsperf for plumb-dns runs here, like a container asking.
#
# The floor (PEERS entry "floor"): bench/dns/udp-echo, which answers each query with
# the query itself and does nothing else, on 127.0.0.11 in a namespace of its own,
# loaded exactly like the servers. Its CPU per query is the kernel's cost of one UDP
# query in and one reply out on this machine: no server can go below it.
#
# SESSION: plumb-dns, dnsmasq and the floor run in the foreground of this script's
# session, as ../shared/peers measured dnsmasq. A server that daemonizes (setsid) gets
# an autogroup of its own (kernel.sched_autogroup_enabled=1 here), and the same work
# then costs ~1-1.5 us more per query: an epoll echo server measured 2.9-3.6 us in this
# session and 4.5-5.6 us after setsid, alternating (2026-11-23). aardvark-dns forks
# into the background itself; its cost is 10x the others' either way.
#
# Then private memory with 100,000 names (plumb-dns and dnsmasq; MEM100K=0 skips it).
# Usage: bench/dns.sh   (env: PEERS="plumb dnsmasq aardvark floor" SECS=10 RATE=20000 REPS=3
#                        CLIENTS=4 MEM100K=1 OUT=bench/results/dns-<stamp> PLUMB_BUILD=build)
# Needs root, dnsperf, dig, dnsmasq; aardvark-dns optional (Debian: aardvark-dns).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
LIB="$HERE/dns"
BUILD="${PLUMB_BUILD:-$ROOT/build}"
PEERS="${PEERS:-plumb dnsmasq aardvark floor}"
SECS="${SECS:-10}"; RATE="${RATE:-20000}"; REPS="${REPS:-3}"; CLIENTS="${CLIENTS:-4}"
OUT="${OUT:-$ROOT/bench/results/dns-$(date +%Y%m%d-%H%M%S)}"
LAB="pb-dnsb-lab-$$"; POD="pb-dnsb-pod-$$"; FLOOR="pb-dnsb-floor-$$"
DATA="$OUT/data"; RUN="$OUT/run"
AARDVARK="${AARDVARK:-$(command -v aardvark-dns || ls /usr/lib/podman/aardvark-dns /usr/libexec/podman/aardvark-dns 2>/dev/null | head -1 || true)}"
[[ $(id -u) == 0 ]] || { echo "bench/dns.sh needs root (namespaces)" >&2; exit 1; }
command -v dnsperf >/dev/null || { echo "dnsperf is not installed" >&2; exit 1; }
[[ -x $BUILD/bin/plumb-dns ]] || { echo "no $BUILD/bin/plumb-dns: run make first" >&2; exit 1; }
mkdir -p "$OUT" "$RUN"; chmod 755 "$OUT" "$RUN"

PIDS=()
cleanup() {
	set +e
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	ip netns del "$LAB" 2>/dev/null; ip netns del "$POD" 2>/dev/null; ip netns del "$FLOOR" 2>/dev/null
	rm -rf "/etc/netns/$LAB"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$LAB"; ip netns add "$POD"
ip -n "$LAB" link set lo up; ip -n "$POD" link set lo up
ip -n "$LAB" addr add 10.202.0.1/16 dev lo
ip -n "$LAB" addr add 10.202.0.250/32 dev lo
mkdir -p "/etc/netns/$LAB"; echo "nameserver 127.0.0.53" > "/etc/netns/$LAB/resolv.conf"
lab() { ip netns exec "$LAB" "$@"; }

"$LIB/gen-data.sh" "$DATA" | tee "$OUT/gen-data.log"
chmod -R a+rX "$DATA"

stop_pid() { kill "$1" 2>/dev/null || true; for _ in $(seq 1 20); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.25; done; kill -9 "$1" 2>/dev/null || true; }
mem() { # VmRSS and private (USS) kB
	awk '/^VmRSS/{r=$2} END{printf "rss %s kB", r}' "/proc/$1/status"
	awk '/^Private_(Clean|Dirty):/{u+=$2} END{printf " private %s kB", u}' "/proc/$1/smaps_rollup"
}
wait_ready() { # ns addr name [src]
	local i src=(); [[ -n ${4:-} ]] && src=(-b "$4")
	for i in $(seq 1 60); do
		ip netns exec "$1" dig +time=1 +tries=1 "${src[@]}" @"$2" "$3" >/dev/null 2>&1 && return 0; sleep 0.25
	done
	echo "server at $2 not ready" >&2; return 1
}
check() { # ns addr suffix [src]: correctness facts, one line
	local ns=$1 a=$2 s=$3 b=(); [[ -n ${4:-} ]] && b=(-b "$4")
	local d=(ip netns exec "$ns" dig +time=2 +tries=1 "${b[@]}" @"$a")
	local o1 o2
	o1=$("${d[@]}" +short "svc001$s" A | head -1); o2=$("${d[@]}" +short "svc001$s" A | head -1)
	echo "check[$s]: c0001=$("${d[@]}" +short "c0001$s" A | wc -l) svc001=$("${d[@]}" +short "svc001$s" A | wc -l)" \
		"first-rr=$o1,$o2 AAAA=$("${d[@]}" "c0001$s" AAAA | sed -nE 's/.*status: ([A-Z]+).*/\1/p')" \
		"nx=$("${d[@]}" "nx1$s" A | sed -nE 's/.*status: ([A-Z]+).*/\1/p')"
}
bench() { # label ns addr qfile pid [src]
	local label=$1 ns=$2 addr=$3 qf=$4 pid=$5 a=() r
	[[ -n ${6:-} ]] && a=(-a "$6")
	# the scheduling group matters (SESSION above): say which one the server is in
	echo "  server autogroup $(cut -d' ' -f1 "/proc/$pid/autogroup" 2>/dev/null || echo '?')," \
		"this script's $(cut -d' ' -f1 /proc/self/autogroup 2>/dev/null || echo '?')"
	for r in $(seq 1 "$REPS"); do
		echo "  load: $(cut -d' ' -f1-3 /proc/loadavg)"
		"$LIB/dns-bench.sh" -n "$ns" "${a[@]}" -l "$SECS" -r "$RATE" -c "$CLIENTS" -P "$pid" \
			-t "$label" -o "$OUT/raw/$label-$r" "$addr:53" "$qf" | tee -a "$OUT/bench.log"
	done
}

# plumb-dns's registrations, from the same containers.tsv, in batch requests of
# 10,000 entries (one zone rebuild and one state write each)
plumb_entries() { # [data dir]
	python3 - "${1:-$DATA}/containers.tsv" "/run/netns/$POD" <<'PY'
import json, sys
entries = []
for line in open(sys.argv[1]):
    cid, ip, name, alias = line.rstrip("\n").split("\t")
    entries.append({"network": "benchnet", "id": cid, "name": name,
                    "aliases": [] if alias == "-" else [alias], "addresses": [ip]})
entries.append({"network": "benchnet", "id": "bench-client", "name": "bench-client",
                "addresses": ["10.202.0.250"], "netns": sys.argv[2]})
print(json.dumps({"cmd": "network", "network": "benchnet", "domain": "dns.podman"}))
for k in range(0, len(entries), 10000):
    print(json.dumps({"cmd": "register", "entries": entries[k:k + 10000]}))
PY
}
ctl() { lab python3 "$ROOT/netns-tests/dns-raw.py" ctl "$RUN/plumb.sock" - | cut -c1-200; }
# plumb-dns with this state file, in the foreground like dnsmasq and the floor
# (see SESSION above); sets SPID once its control socket is there
start_plumb() {
	rm -f "$RUN/plumb.sock"
	ip netns exec "$LAB" "$BUILD/bin/plumb-dns" --control "$RUN/plumb.sock" --state "$1" \
		--ttl 600 >>"$RUN/plumb.log" 2>&1 &
	SPID=$!; PIDS+=("$SPID")
	for _ in $(seq 1 100); do [[ -S $RUN/plumb.sock ]] && break; sleep 0.05; done
}

{
	echo "kernel $(uname -r); $(nproc) cpus; $(dnsperf -h 2>&1 | grep -i '^Version' | head -1)"
	echo "plumb-dns $(git -C "$ROOT" describe --always --dirty 2>/dev/null)"
	/usr/sbin/dnsmasq --version | head -1
	[[ -n $AARDVARK ]] && echo "aardvark-dns $("$AARDVARK" --version 2>/dev/null | awk '{print $2}')"
} | tee "$OUT/versions.txt"

# `ip netns exec` execs in place, so $! is the server itself (a shell function would not be)
ip netns exec "$LAB" /usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
	--listen-address=127.0.0.53 --bind-interfaces --port=53 --user=nobody --group=nogroup \
	--pid-file= --local='/#/' --address=/upstream.test/10.202.9.9 >"$RUN/upstream.log" 2>&1 &
PIDS+=($!)
wait_ready "$LAB" 127.0.0.53 upstream.test

for peer in $PEERS; do
	echo; echo "######## $peer"
	case $peer in
	plumb)
		start_plumb "$RUN/plumb-state.json"
		plumb_entries | ctl
		wait_ready "$POD" 127.0.0.11 c0001
		echo "mem-loaded $(mem "$SPID")" | tee "$OUT/$peer.mem"
		check "$POD" 127.0.0.11 ".dns.podman"; check "$POD" 127.0.0.11 ""
		bench plumb-fqdn "$POD" 127.0.0.11 "$DATA/queries-fqdn.txt" "$SPID"
		bench plumb-bare "$POD" 127.0.0.11 "$DATA/queries-bare.txt" "$SPID"
		;;
	dnsmasq)
		ip netns exec "$LAB" /usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
			--addn-hosts="$DATA/hosts" --listen-address=127.0.0.11 --bind-interfaces --port=53 \
			--user=nobody --group=nogroup --pid-file= --domain-needed --local=/dns.podman/ \
			--cache-size=150 >"$RUN/dnsmasq.log" 2>&1 &
		SPID=$!; PIDS+=("$SPID")
		wait_ready "$LAB" 127.0.0.11 c0001
		echo "mem-loaded $(mem "$SPID")" | tee "$OUT/$peer.mem"
		check "$LAB" 127.0.0.11 ".dns.podman"; check "$LAB" 127.0.0.11 ""
		bench dnsmasq-fqdn "$LAB" 127.0.0.11 "$DATA/queries-fqdn.txt" "$SPID"
		bench dnsmasq-bare "$LAB" 127.0.0.11 "$DATA/queries-bare.txt" "$SPID"
		;;
	aardvark)
		[[ -n $AARDVARK ]] || { echo "aardvark-dns not found, skipped"; continue; }
		rm -rf "$RUN/aardvark"; cp -r "$DATA/aardvark" "$RUN/aardvark"
		lab "$AARDVARK" --config "$RUN/aardvark" -p 53 run >"$RUN/aardvark.log" 2>&1
		SPID=$(cat "$RUN/aardvark/aardvark.pid"); PIDS+=("$SPID")
		wait_ready "$LAB" 10.202.0.1 c0001 10.202.0.250
		echo "mem-loaded $(mem "$SPID")" | tee "$OUT/$peer.mem"
		check "$LAB" 10.202.0.1 ".dns.podman" 10.202.0.250; check "$LAB" 10.202.0.1 "" 10.202.0.250
		bench aardvark-fqdn "$LAB" 10.202.0.1 "$DATA/queries-fqdn.txt" "$SPID" 10.202.0.250
		bench aardvark-bare "$LAB" 10.202.0.1 "$DATA/queries-bare.txt" "$SPID" 10.202.0.250
		;;
	floor)
		gcc -O2 -Wall -Wextra -Werror -o "$RUN/udp-echo" "$LIB/udp-echo.c"
		ip netns add "$FLOOR"; ip -n "$FLOOR" link set lo up
		ip netns exec "$FLOOR" "$RUN/udp-echo" 127.0.0.11 &
		SPID=$!; PIDS+=("$SPID")
		wait_ready "$FLOOR" 127.0.0.11 c0001
		bench floor-fqdn "$FLOOR" 127.0.0.11 "$DATA/queries-fqdn.txt" "$SPID"
		bench floor-bare "$FLOOR" 127.0.0.11 "$DATA/queries-bare.txt" "$SPID"
		;;
	*) echo "unknown peer $peer"; continue ;;
	esac
	echo "mem-after-load $(mem "$SPID") peak $(awk '/^VmHWM/{print $2}' "/proc/$SPID/status") kB" | tee -a "$OUT/$peer.mem"
	stop_pid "$SPID"
done

# --- private memory with 100,000 names: 90,000 containers + 10,000 aliases x 4,
# the 1,000-name set scaled by 100; the same hosts file for dnsmasq. Measured
# after loading and again after 5 s of queries at 2,000 qps over the big set.
mem100k() {
	local d=$OUT/data100k peer SPID
	NAMES=100000 ALIASES=10000 "$LIB/gen-data.sh" "$d" | tee "$OUT/gen-data100k.log"
	chmod -R a+rX "$d"
	for peer in $PEERS; do
		[[ $peer == plumb || $peer == dnsmasq ]] || continue # aardvark-dns: not at this size
		echo; echo "######## $peer, 100,000 names"
		case $peer in
		plumb)
			rm -f "$RUN/plumb-state100k.json"
			start_plumb "$RUN/plumb-state100k.json"
			plumb_entries "$d" | lab python3 "$ROOT/netns-tests/dns-raw.py" ctl "$RUN/plumb.sock" - |
				cut -c1-100 | sort | uniq -c
			wait_ready "$POD" 127.0.0.11 c0001
			check "$POD" 127.0.0.11 ".dns.podman"
			echo "mem100k-loaded $(mem "$SPID")" | tee "$OUT/$peer.mem100k"
			timeout 20 ip netns exec "$POD" dnsperf -s 127.0.0.11 -d "$d/queries-fqdn.txt" -l 5 -Q 2000 |
				grep -E "Queries (sent|lost)" | tr -s ' ' | tr '\n' ' '; echo
			;;
		dnsmasq)
			ip netns exec "$LAB" /usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
				--no-hosts --addn-hosts="$d/hosts" --listen-address=127.0.0.11 --bind-interfaces --port=53 \
				--user=nobody --group=nogroup --pid-file= --domain-needed --local=/dns.podman/ \
				--cache-size=150 >"$RUN/dnsmasq100k.log" 2>&1 &
			SPID=$!; PIDS+=("$SPID")
			wait_ready "$LAB" 127.0.0.11 c0001
			check "$LAB" 127.0.0.11 ".dns.podman"
			echo "mem100k-loaded $(mem "$SPID")" | tee "$OUT/$peer.mem100k"
			timeout 20 ip netns exec "$LAB" dnsperf -s 127.0.0.11 -d "$d/queries-fqdn.txt" -l 5 -Q 2000 |
				grep -E "Queries (sent|lost)" | tr -s ' ' | tr '\n' ' '; echo
			;;
		esac
		echo "mem100k-after-load $(mem "$SPID")" | tee -a "$OUT/$peer.mem100k"
		stop_pid "$SPID"
	done
}
[[ ${MEM100K:-1} == 1 ]] && mem100k

echo; echo "######## summary (median of $REPS runs per metric; us/q = server CPU per query)"
"$LIB/summarize.sh" "$OUT/bench.log" | tee "$OUT/summary.txt"
for f in "$OUT"/*.mem "$OUT"/*.mem100k; do
	[[ -e $f ]] && echo "$(basename "$f"): $(tr '\n' ' ' < "$f")"
done | tee -a "$OUT/summary.txt"
