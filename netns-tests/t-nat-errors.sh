#!/bin/bash
# nat/: bad input and failed changes give a clear error, exit non-zero and
# leave the ruleset exactly as it was; the table is created once even when
# several callers race; reading never creates anything.
#
#   [node]   (no links needed: only the ruleset is looked at)
. "$(dirname "$0")/lib.sh"

ns_add node
nc_ns() { "$NETCTL" "$@" --ns "$(N node)"; }
ruleset() { nsx node nft list ruleset; }

# fails_cleanly DESC REGEX CMD...: CMD fails, its message matches REGEX, and the
# ruleset is byte-identical before and after.
fails_cleanly() {
	local desc=$1 re=$2 before out
	shift 2
	before=$(ruleset)
	if out=$("$@" 2>&1); then
		check_eq "$desc: fails" "non-zero exit" "exit 0"
		return
	fi
	check_match "$desc: says why" "$re" "$out"
	check_eq "$desc: leaves the ruleset as it was" "$before" "$(ruleset)"
}

check_match "show on a fresh namespace: no table" "absent" "$(nc_ns nat show)"
check_eq "reading did not create the table" "" "$(ruleset)"
check_eq "owner-del with no table removes nothing" "removed 0" "$(nc_ns nat owner-del cni/x/y/eth0)"
check_eq "...and creates nothing" "" "$(ruleset)"

fails_cleanly "invalid CIDR" "invalid CIDR '10.88.0/16'" nc_ns nat masq add 10.88.0/16
fails_cleanly "CIDR with host bits" "did you mean 10.88.0.0/16" nc_ns nat masq add 10.88.0.5/16
fails_cleanly "unknown namespace" "network namespace 'nope-$P' does not exist" \
	"$NETCTL" nat port add tcp 8080 10.88.0.5:80 --ns "nope-$P"
fails_cleanly "unknown protocol" "unknown protocol 'icmp'" nc_ns nat port add icmp 8080 10.88.0.5:80
fails_cleanly "port 0" "invalid host port '0'" nc_ns nat port add tcp 0 10.88.0.5:80
fails_cleanly "reversed range" "invalid host port '90-80'" nc_ns nat port add tcp 90-80 10.88.0.5:80
fails_cleanly "container address without port" "invalid container address" nc_ns nat port add tcp 80 10.88.0.5
fails_cleanly "family mismatch" "differ in family" nc_ns nat port add tcp 80 '[fd00::5]:80' --host-ip 192.0.2.1
fails_cleanly "range past 65535" "container port out of range" nc_ns nat port add tcp 100-101 10.88.0.5:65535

check "publish tcp 8080 -> 10.88.0.5:80 (creates the table)" \
	nc_ns nat port add tcp 8080 10.88.0.5:80 --owner cni/net/a/eth0
check "register 10.88.0.0/16" nc_ns nat masq add 10.88.0.0/16
fails_cleanly "duplicate mapping" \
	"port mapping tcp 8080 -> 10.88.0.6:80: File exists: host port already published \(tcp 8080 -> 10.88.0.5:80, owner cni/net/a/eth0\)" \
	nc_ns nat port add tcp 8080 10.88.0.6:80
fails_cleanly "a range that hits a taken port is refused whole" "tcp 8080 -> 10.88.0.7:82" \
	nc_ns nat port add tcp 8078-8082 10.88.0.7:80
fails_cleanly "removing a missing mapping" "port mapping tcp 9999: No such file or directory: not published" \
	nc_ns nat port del tcp 9999
fails_cleanly "removing a missing subnet" "masquerade subnet 10.99.0.0/16: No such file or directory" \
	nc_ns nat masq del 10.99.0.0/16
fails_cleanly "overlapping subnet" "10.88.1.0/24.*already registered, or overlaps" nc_ns nat masq add 10.88.1.0/24
fails_cleanly "gc without prefix" "needs an owner prefix" nc_ns nat gc ""

# Racing bootstraps: many first callers at once, the layer is created once.
check "flush" nc_ns nat flush
for i in $(seq 1 8); do
	nc_ns nat port add tcp $((7000 + i)) 10.88.0.5:80 &
done
fails=0
for i in $(seq 1 8); do wait -n || fails=$((fails + 1)); done
check_eq "8 concurrent first adds all succeed" "0" "$fails"
check_eq "...and the rules exist once (20)" "20" "$(nsx node nft -j list table inet plumb | grep -o '"rule"' | wc -l)"
check_eq "...with all 8 ports" "8" "$(nc_ns nat port list | wc -l)"
check "flush" nc_ns nat flush
check_eq "flush leaves an empty ruleset here" "" "$(ruleset)"
check "flush again is fine" nc_ns nat flush
finish
