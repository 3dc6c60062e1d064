#!/bin/bash
# plumb's ipam and Debian's reference host-local (containernetworking-plugins
# 1.1.1) share one data dir: each honours the other's leases, both ways, and
# the files they write are byte-identical.
#
#   [host]   (a namespace only so CNI_NETNS names something real; host-local
#             never enters it)
#   $D/net1/<ip>, last_reserved_ip.N, lock   <- written by both
#
. "$(dirname "$0")/lib.sh"

REF=/usr/lib/cni/host-local
[ -x $REF ] || skip "no reference host-local in /usr/lib/cni (containernetworking-plugins)"
ns_add host
D=$(mktemp -d /tmp/plumb-ipam-compat-XXXXXX)
defer rm -rf "$D"

conf() { # conf DATADIR
	printf '{"cniVersion":"1.0.0","name":"net1","type":"bridge","ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.77.0.0/24","rangeStart":"10.77.0.10","rangeEnd":"10.77.0.20"}],[{"subnet":"fd00:77::/64"}]]}}' "$1"
}
conf "$D" >"$D/conf.json"

ref() { # ref CMD ID [IFNAME] [DATADIR] [CNI_ARGS]
	conf "${4:-$D}" | CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=/run/netns/$(N host) \
		CNI_IFNAME=${3:-eth0} CNI_PATH=/usr/lib/cni CNI_ARGS=${5:-} $REF
}
plumb() { # plumb ID [more netctl args]
	local id=$1
	shift
	$NETCTL ipam alloc --config "$D/conf.json" --id "$id" "$@"
}
leases() { $NETCTL ipam list --network net1 --data-dir "$D" | awk '{print $1, $2, $3}' | paste -sd, -; }
owner() { cat "$D/net1/$1" 2>/dev/null | od -An -c | tr -s ' '; }

# --- reference first, then plumb ---
check "reference ADD c1" ref ADD c1
check "reference ADD c2" ref ADD c2
check_eq "plumb lists the reference's leases" "10.77.0.10 c1 eth0,10.77.0.11 c2 eth0,fd00:77::2 c1 eth0,fd00:77::3 c2 eth0" \
	"$(leases)"
check_match "plumb continues round robin after the reference's last_reserved_ip" \
	"10.77.0.12/24 gateway 10.77.0.1" "$(plumb c3 2>&1)"
check_fails "plumb refuses an address the reference holds" plumb c4 --ip 10.77.0.10
check "plumb DEL of a reference lease (no index: scan)" \
	$NETCTL ipam release --network net1 --data-dir "$D" --id c2 --ifname eth0
check_eq "both of c2's files are gone" "no no" \
	"$([ -e "$D/net1/10.77.0.11" ] && echo yes || echo no) $([ -e "$D/net1/fd00:77::3" ] && echo yes || echo no)"

# --- plumb first, then the reference ---
check "plumb ADD c5" plumb c5
check_match "the reference refuses a duplicate ADD of plumb's lease" "duplicate allocation" "$(ref ADD c5 2>&1)"
out=$(ref ADD c6 eth0 "$D" "IgnoreUnknown=1;IP=10.77.0.13")
check_match "the reference refuses the address plumb holds" "not available|failed to allocate" "$out"
out=$(ref ADD c6)
check_match "the reference continues after plumb's last_reserved_ip" '"10.77.0.14/24"' "$out"
check "reference DEL of plumb's lease" ref DEL c5
check_eq "c5's address file is gone" "" "$(owner 10.77.0.13)"
check "plumb ADD c5 again after the reference released it behind plumb's index" plumb c5
for c in c1 c3 c5 c6; do
	check "reference DEL $c" ref DEL $c
done
check_eq "nothing left after the reference released plumb's and its own leases" "" "$(leases)"

# --- old host-local format: only the id ---
printf 'oldc' >"$D/net1/10.77.0.19"
check "plumb releases an old id-only lease" $NETCTL ipam release --network net1 --data-dir "$D" --id oldc
check_eq "the old lease is gone" "no" "$([ -e "$D/net1/10.77.0.19" ] && echo yes || echo no)"

# --- byte-identical files: same calls through each, then diff the dirs ---
mkdir -p "$D/a" "$D/b"
conf "$D/a" >"$D/a.json"
conf "$D/b" >"$D/b.json"
for c in x1 x2 x3; do
	ref ADD $c eth0 "$D/a" >/dev/null
	$NETCTL ipam alloc --config "$D/b.json" --id $c >/dev/null
done
ref DEL x2 eth0 "$D/a" >/dev/null
$NETCTL ipam release --network net1 --data-dir "$D/b" --id x2
check "reference and plumb directories are byte-identical" diff -r "$D/a/net1" "$D/b/net1"
check_eq "same file names and modes" "$(cd "$D/a/net1" && stat -c '%n %a %s' * | sort)" \
	"$(cd "$D/b/net1" && stat -c '%n %a %s' * | sort)"
check_eq "a reservation holds exactly id CR LF ifname" " x 1 \r \n e t h 0" \
	"$(od -An -c "$D/b/net1/10.77.0.10" | tr -s ' ' | sed 's/ *$//')"
finish
