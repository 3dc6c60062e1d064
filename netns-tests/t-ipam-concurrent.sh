#!/bin/bash
# 64 processes allocate from one network at once: every address distinct, none
# lost. Then rounds where some allocators are SIGKILLed mid-way: no duplicate,
# no half-written reservation, and GC with the survivors as the valid set
# removes every leak.
#
#   netctl ipam alloc x64 --flock--> $D/<net>/{<ip>, last_reserved_ip.0, lock}
#
# timeout: 240
. "$(dirname "$0")/lib.sh"

D=$(mktemp -d /tmp/plumb-ipam-conc-XXXXXX)
defer rm -rf "$D"
printf '{"cniVersion":"1.0.0","name":"%s","ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.66.0.0/22"}]]}}' \
	net1 "$D" >"$D/net1.json"
sed 's/"net1"/"net2"/' "$D/net1.json" >"$D/net2.json"

alloc() { # alloc NET ID &: one allocator, its output in $D/run/ID
	exec $NETCTL ipam alloc --config "$D/$1.json" --id "$2" >"$D/run/$2" 2>&1
}
collect() { # the successful ones as "<ip> <id>" lines in $D/out/ID
	local f
	for f in "$D"/run/*; do
		grep -q gateway "$f" && awk -v id="${f##*/}" '{sub("/.*", "", $1); print $1, id}' "$f" >"$D/out/${f##*/}"
	done
	rm -f "$D"/run/*
}

# ---- 64 at once ----
mkdir -p "$D/out" "$D/run"
pids=()
for i in $(seq 1 64); do
	alloc net1 c$i &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
collect
check_eq "all 64 concurrent allocations succeed" 0 "$fails"
check_eq "64 distinct addresses handed out" 64 "$(cat "$D"/out/c* 2>/dev/null | awk '{print $1}' | sort -u | wc -l)"
check_eq "64 reservations on disk, none lost" 64 "$($NETCTL ipam list --network net1 --data-dir "$D" | wc -l)"
bad=0
while read -r ip id; do
	[ "$(cat "$D/net1/$ip")" = "$id"$'\r\n'"eth0" ] || bad=$((bad + 1))
done < <(cat "$D"/out/c*)
check_eq "each address's file names the process that got it" 0 "$bad"

# ---- rounds with SIGKILL ----
rm -f "$D"/out/*
killed=0
mkdir -p "$D/net2"
for round in 1 2 3 4; do
	# Hold the network's lock so all 64 queue up inside their allocation,
	# then let them through one by one while killing every third at random
	# moments: kills land before, inside and after the locked section.
	rm -f "$D/go"
	flock "$D/net2/lock" bash -c "for i in \$(seq 200); do [ -e '$D/go' ] && exit; sleep 0.05; done" &
	holder=$!
	sleep 0.1
	pids=()
	for i in $(seq 1 64); do
		alloc net2 "r${round}k$i" &
		pids+=($!)
	done
	touch "$D/go"
	wait $holder
	for ((i = 0; i < 64; i += 3)); do
		kill -KILL "${pids[i]}" 2>/dev/null && killed=$((killed + 1))
		for ((j = RANDOM % 400; j > 0; j--)); do :; done # a short, random pause
	done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done 2>/dev/null
	collect
done
check_match "allocators were killed mid-run ($killed)" '^[1-9][0-9]*$' "$killed"
survivors=$(cat "$D"/out/r* 2>/dev/null | wc -l)
check_match "some allocators survived" '^[1-9][0-9]*$' "$survivors"
check_eq "survivors got distinct addresses" "$survivors" \
	"$(cat "$D"/out/r* | awk '{print $1}' | sort -u | wc -l)"
bad=0
while read -r ip id; do
	[ "$(cat "$D/net2/$ip")" = "$id"$'\r\n'"eth0" ] || bad=$((bad + 1))
done < <(cat "$D"/out/r*)
check_eq "every survivor still owns its address" 0 "$bad"
partial=0
re=$'^r[0-9]k[0-9]+\r\neth0$'
for f in "$D"/net2/10.*; do
	[[ $(cat "$f") =~ $re ]] || partial=$((partial + 1))
done
check_eq "no reservation file is partial or empty" 0 "$partial"

cat "$D"/out/r* | awk '{print $2 "/eth0"}' >"$D/valid"
before=$($NETCTL ipam list --network net2 --data-dir "$D" | wc -l)
out=$($NETCTL -j ipam gc --network net2 --data-dir "$D" --valid-file "$D/valid")
echo "  $before reservations before GC, $survivors survivors, gc: $out"
check_eq "after GC exactly the survivors' addresses remain" \
	"$(cat "$D"/out/r* | awk '{print $1, $2}' | sort)" \
	"$($NETCTL ipam list --network net2 --data-dir "$D" | awk '{print $1, $2}' | sort)"
check_eq "GC removed the stage file of a killed writer" "no" "$([ -e "$D/net2/.plumb-stage" ] && echo yes || echo no)"
check "allocation still works after the kills" $NETCTL ipam alloc --config "$D/net2.json" --id after
finish
