#!/bin/bash
# bench/nat.sh — publishing ports: plumb (netctl -> libnftnl batch) against the
# nft CLI doing the same element changes on the same map, side by side in one
# run, in namespaces of its own. Not a test: it prints numbers and ratios.
#
#   bench/nat.sh [N]          N port mappings (default 1000)
#
# Cases (each on an empty map unless said):
#   one by one   N separate add calls, then N separate delete calls
#   one process  the same, one transaction per mapping inside one process
#                (plumb: bench/nat-loop.c; nft: `nft -i`, a transaction a line)
#   one batch    N mappings added in one transaction, then deleted in one
#   at scale     100 single adds + deletes while the map already holds 10*N
#                (separate processes, then one process)
# Batch rows give the cost per mapping (total / N).
# plumb's single calls are `netctl nat port add tcp P 10.88.0.5:80` (a process
# each, like nft); its batch is one range mapping (N elements, one transaction).
set -eu
N=${1:-1000}
here=$(cd "$(dirname "$0")/.." && pwd)
NETCTL=${PLUMB_BUILD:-$here/build}/bin/netctl
[ -x "$NETCTL" ] || { echo "build first: make"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root (namespaces)"; exit 1; }
ns=natbench-$$
ip netns add "$ns"
trap 'ip netns del "$ns"; rm -rf "$(dirname "${loop:-/nonexistent/x}")"' EXIT
trap 'exit 130' INT TERM
nsx() { ip netns exec "$ns" "$@"; }
base=20000

ms() { date +%s%N; }
elapsed() { echo $((($(ms) - $1) / 1000000)); }

plumb_add1() { for ((i = 0; i < $1; i++)); do "$NETCTL" nat port add tcp $(($2 + i)) 10.88.0.5:80 --ns "$ns"; done; }
plumb_del1() { for ((i = 0; i < $1; i++)); do "$NETCTL" nat port del tcp $(($2 + i)) --ns "$ns"; done; }
nft_add1() { for ((i = 0; i < $1; i++)); do nsx nft add element inet plumb hostport4 "{ tcp . $(($2 + i)) : 10.88.0.5 . 80 }"; done; }
nft_del1() { for ((i = 0; i < $1; i++)); do nsx nft delete element inet plumb hostport4 "{ tcp . $(($2 + i)) }"; done; }
plumb_addN() { "$NETCTL" nat port add tcp "$2-$(($2 + $1 - 1))" 10.88.0.5:80 --ns "$ns"; }
plumb_delN() { "$NETCTL" nat port del tcp "$2-$(($2 + $1 - 1))" --ns "$ns"; }
nft_file() {
	for ((i = 0; i < $2; i++)); do
		if [ "$1" = add ]; then echo "add element inet plumb hostport4 { tcp . $(($3 + i)) : 10.88.0.5 . 80 }"
		else echo "delete element inet plumb hostport4 { tcp . $(($3 + i)) }"; fi
	done
}
nft_addN() { nft_file add "$1" "$2" | nsx nft -f -; }
nft_delN() { nft_file del "$1" "$2" | nsx nft -f -; }

# plumb in one process, one transaction per mapping (bench/nat-loop.c)
loop=$(mktemp -d)/nat-loop
cc -O2 -I"$here" -D_GNU_SOURCE -o "$loop" "$here/bench/nat-loop.c" \
	"${PLUMB_BUILD:-$here/build}/libplumb.a" $(pkg-config --libs libmnl libnftnl libnl-route-3.0 jansson)
plumb_addL() { "$loop" "$ns" add "$1" "$2"; }
plumb_delL() { "$loop" "$ns" del "$1" "$2"; }
# nft in one process: `nft -i` runs each line as its own transaction
nft_addL() { for ((i = 0; i < $1; i++)); do echo "add element inet plumb hostport4 { tcp . $(($2 + i)) : 10.88.0.5 . 80 }"; done | nsx nft -i >/dev/null; }
nft_delL() { for ((i = 0; i < $1; i++)); do echo "delete element inet plumb hostport4 { tcp . $(($2 + i)) }"; done | nsx nft -i >/dev/null; }

count() { "$NETCTL" nat port list --ns "$ns" | wc -l; }

# Both tools work on the same table layout: plumb creates it once.
"$NETCTL" nat port add tcp 1 10.88.0.5:80 --ns "$ns"
"$NETCTL" nat port del tcp 1 --ns "$ns"

row() { # name plumb_ms nft_ms ops
	printf '%-32s %10s %10s %12s %12s %8s\n' "$1" "$2 ms" "$3 ms" \
		"$(($2 * 1000 / $4)) us/op" "$(($3 * 1000 / $4)) us/op" \
		"$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.1fx", (a ? b / a : 0) }')"
}

printf '%-32s %10s %10s %12s %12s %8s\n' "case (N=$N)" plumb nft plumb nft "nft/plumb"
t=$(ms); plumb_add1 "$N" $base; pa=$(elapsed "$t"); [ "$(count)" = "$N" ]
t=$(ms); plumb_del1 "$N" $base; pd=$(elapsed "$t"); [ "$(count)" = 0 ]
t=$(ms); nft_add1 "$N" $base; na=$(elapsed "$t"); [ "$(count)" = "$N" ]
t=$(ms); nft_del1 "$N" $base; nd=$(elapsed "$t"); [ "$(count)" = 0 ]
row "add one by one" "$pa" "$na" "$N"
row "delete one by one" "$pd" "$nd" "$N"

t=$(ms); plumb_addL "$N" $base; pa=$(elapsed "$t"); [ "$(count)" = "$N" ]
t=$(ms); plumb_delL "$N" $base; pd=$(elapsed "$t"); [ "$(count)" = 0 ]
t=$(ms); nft_addL "$N" $base; na=$(elapsed "$t"); [ "$(count)" = "$N" ]
t=$(ms); nft_delL "$N" $base; nd=$(elapsed "$t"); [ "$(count)" = 0 ]
row "add 1 by 1, one process" "$pa" "$na" "$N"
row "delete 1 by 1, one process" "$pd" "$nd" "$N"

t=$(ms); plumb_addN "$N" $base; pa=$(elapsed "$t"); [ "$(count)" = "$N" ]
t=$(ms); plumb_delN "$N" $base; pd=$(elapsed "$t"); [ "$(count)" = 0 ]
t=$(ms); nft_addN "$N" $base; na=$(elapsed "$t"); [ "$(count)" = "$N" ]
t=$(ms); nft_delN "$N" $base; nd=$(elapsed "$t"); [ "$(count)" = 0 ]
row "add in one batch" "$pa" "$na" "$N"
row "delete in one batch" "$pd" "$nd" "$N"

# At scale: the map already holds 10*N mappings (loaded in one batch).
big=$((10 * N)); [ $big -gt 64000 ] && big=64000
"$NETCTL" nat port add tcp 1000-$((1000 + big - 1)) 10.88.0.6:80 --ns "$ns" 2>/dev/null ||
	"$NETCTL" nat port add tcp 1-$big 10.88.0.6:80 --ns "$ns"
k=100 hi=65400
t=$(ms); plumb_add1 $k $hi; pa=$(elapsed "$t")
t=$(ms); plumb_del1 $k $hi; pd=$(elapsed "$t")
t=$(ms); nft_add1 $k $hi; na=$(elapsed "$t")
t=$(ms); nft_del1 $k $hi; nd=$(elapsed "$t")
row "add 1 at $big existing" "$pa" "$na" $k
row "delete 1 at $big existing" "$pd" "$nd" $k
t=$(ms); plumb_addL $k $hi; pa=$(elapsed "$t")
t=$(ms); plumb_delL $k $hi; pd=$(elapsed "$t")
t=$(ms); nft_addL $k $hi; na=$(elapsed "$t")
t=$(ms); nft_delL $k $hi; nd=$(elapsed "$t")
row "add 1 at $big, one process" "$pa" "$na" $k
row "delete 1 at $big, one process" "$pd" "$nd" $k
# The kernel's share: the duration of the one transaction's send (strace -T).
commit_us() { strace -f -T -e trace=sendto,sendmsg "$@" 2>&1 >/dev/null |
	awk '/BATCH_BEGIN|nlmsg_type=0x10 / { gsub(/[<>]/, "", $NF); printf "%d", $NF * 1000000 }'; }
if command -v strace >/dev/null; then
	pc=$(commit_us "$NETCTL" nat port add tcp 65390 10.88.0.5:80 --ns "$ns")
	nc=$(commit_us ip netns exec "$ns" nft add element inet plumb hostport4 "{ tcp . 65391 : 10.88.0.5 . 80 }")
	printf '%-32s %10s %10s\n' "kernel commit, 1 add at $big" "$pc us" "$nc us"
fi
echo "(wall clock, one run, both tools in the same namespace and map; ratios are what to quote)"
