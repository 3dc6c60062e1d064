#!/bin/bash
# Bad input to netctl ipam / node cidr: a clear error naming what was wrong, a
# non-zero exit, and nothing left behind (no data dir, no reservation, no
# subnet line).
#
#   (no namespaces: files in a temp dir only)
#
. "$(dirname "$0")/lib.sh"

D=$(mktemp -d /tmp/plumb-ipam-err-XXXXXX)
defer rm -rf "$D"

fails_with() { # fails_with DESC REGEX CMD...
	local desc=$1 re=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && [[ $out =~ $re ]]; then
		_pass "$desc"
	else
		_fail "$desc (exit $rc)"
		echo "$out" | sed 's/^/    | /'
	fi
}

fails_with "a /31 is too small, and the error names the range" "ranges\[0\]\[0\]: network 10.0.0.0/31 too small" \
	$NETCTL ipam alloc --id a --network n --subnet 10.0.0.0/31 --data-dir "$D/d1"
fails_with "host bits in a subnet" "network address is 10.0.0.0/24" \
	$NETCTL ipam alloc --id a --network n --subnet 10.0.0.9/24 --data-dir "$D/d1"
fails_with "a requested address outside every range" "failed to allocate all requested IPs: 10.9.9.9" \
	$NETCTL ipam alloc --id a --network n --subnet 10.0.0.0/24 --ip 10.9.9.9 --data-dir "$D/d2"
fails_with "the gateway cannot be requested" "gateway" \
	$NETCTL ipam alloc --id b --network n --subnet 10.0.0.0/24 --ip 10.0.0.1 --data-dir "$D/d2"
printf '{"name":"n","ipam":{"ranges":[[{"subnet":"10.0.0.0/24","rangeEnd":"10.0.0.x"}]]}}' >"$D/bad.json"
fails_with "a config file error names the file and the field" "bad.json: ipam.ranges\[0\]\[0\].rangeEnd: invalid IP address '10.0.0.x'" \
	$NETCTL ipam alloc --id a --config "$D/bad.json" --data-dir "$D/d3"
fails_with "a missing option is named" "option '--network' is required" $NETCTL ipam list
fails_with "a bad --valid attachment is named" "'justanid' must be ID/IFNAME" \
	$NETCTL ipam gc --network n --data-dir "$D/d2" --valid justanid
check_eq "no data dir was created by the configs that failed to parse" "no no" \
	"$([ -e "$D/d1" ] && echo yes || echo no) $([ -e "$D/d3" ] && echo yes || echo no)"
check_eq "failed allocations left no reservation" "" "$($NETCTL ipam list --network n --data-dir "$D/d2")"

fails_with "node mask too short for the cluster CIDR" "mask /8 does not fit cluster CIDR 10.244.0.0/16" \
	$NETCTL node cidr acquire --node a --cluster-cidr 10.244.0.0/16 --mask 8 --state-dir "$D/s"
fails_with "node name with a space" "node name 'a b' may not contain whitespace" \
	$NETCTL node cidr acquire --node "a b" --cluster-cidr 10.244.0.0/16 --state-dir "$D/s"
fails_with "bad etcd endpoint" "etcd endpoint 'localhost:2379' must start with http://" \
	$NETCTL node cidr acquire --node a --cluster-cidr 10.244.0.0/16 --etcd localhost:2379
fails_with "a full pool" "10.245.0.0/24 has no free /24" \
	bash -c "$NETCTL node cidr acquire --node a --cluster-cidr 10.245.0.0/24 --state-dir $D/s >/dev/null &&
		 $NETCTL node cidr acquire --node b --cluster-cidr 10.245.0.0/24 --state-dir $D/s"
check_eq "only the one good acquire is in the file store" "10.245.0.0/24 a -" "$(cat "$D/s/node-subnets")"
finish
