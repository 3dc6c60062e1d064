#!/bin/bash
# Every way netctl's bridge/veth/addr/route commands can be refused: each one
# must exit non-zero, name the object and what was wrong, and leave the three
# namespaces exactly as they were (links, addresses, routes).
#
#   [pod1] eth0 172.27.0.2/24 --- veth --- br0 172.27.0.1/24 [host]
#   [pod2] (empty: every attempt to connect it fails)
#   [host] also "taken", a veth that is not a bridge
#
. "$(dirname "$0")/lib.sh"

ns_add host pod1 pod2
nc() { nsx host "$NETCTL" "$@"; }
state() {
	local n
	for n in host pod1 pod2; do
		echo "## $n"
		ip -n "$(N "$n")" -o link | sed -E 's/^[0-9]+: //; s/ +/ /g'
		ip -n "$(N "$n")" -o addr | sed -E 's/^[0-9]+: //; s/ (valid|preferred)_lft [^ ]+//g'
		ip -n "$(N "$n")" route show table all
	done
}

# refused DESC REGEX CMD...: CMD fails, its message matches REGEX, nothing changed.
refused() {
	local desc=$1 re=$2 before after out rc
	shift 2
	before=$(state)
	out=$("$@" 2>&1)
	rc=$?
	after=$(state)
	if [ $rc -eq 0 ]; then
		_fail "$desc: exited 0"
		echo "$out" | sed 's/^/    | /'
		return
	fi
	check_match "$desc: message" "$re" "$out"
	if [ "$before" = "$after" ]; then
		_pass "$desc: nothing left behind"
	else
		_fail "$desc: state changed"
		diff <(echo "$before") <(echo "$after") | sed 's/^/    /'
	fi
}

check "setup: bridge" nc bridge add br0 --addr 172.27.0.1/24
check "setup: pod1 connected" nc veth add --ns "$(N pod1)" --bridge br0 --addr 172.27.0.2/24 --gw 172.27.0.1
nsx host ip link add taken type veth peer name takenp
# Link-local addresses leave "tentative" a moment later; let that settle so
# the before/after snapshots only differ by what a command did.
settled() { ! state | grep -q tentative; }
wait_for 10 "IPv6 duplicate address detection settled" settled
host_end=$(nsx host ip -br link show master br0 | awk '{sub(/@.*/, "", $1); print $1}')

refused "unknown namespace" "network namespace '$P-nope' does not exist" \
	nc veth add --ns "$P-nope" --bridge br0 --addr 172.27.0.9/24
refused "unknown bridge" "bridge 'br9' does not exist in netns '$P-host'" \
	nc veth add --ns "$(N pod2)" --bridge br9
refused "container ifname already taken in the pod" "interface 'eth0' already exists in netns '$P-pod1'" \
	nc veth add --ns "$(N pod1)" --id other-container --bridge br0
refused "host name already taken" "interface '$host_end' already exists in netns '$P-host'" \
	nc veth add --ns "$(N pod2)" --host-name "$host_end" --bridge br0
refused "same pod connected twice (same derived host name)" "host interface '$host_end' for container '$P-pod1' ifname 'eth0' already exists" \
	nc veth add --ns "$(N pod1)" --bridge br0
refused "invalid CIDR" "invalid CIDR '172.27.0.300/24' for --addr" \
	nc veth add --ns "$(N pod2)" --bridge br0 --addr 172.27.0.300/24
refused "CIDR without prefix" "invalid CIDR '172.27.0.9' for --addr" \
	nc veth add --ns "$(N pod2)" --bridge br0 --addr 172.27.0.9
refused "invalid gateway" "invalid IP address 'gw' for --gw" \
	nc veth add --ns "$(N pod2)" --bridge br0 --gw gw
refused "interface name too long" "interface name 'a-very-long-ifname' is too long" \
	nc veth add --ns "$(N pod2)" --name a-very-long-ifname
refused "bridge name taken by a veth (bridge add)" "interface 'taken' already exists in netns '$P-host' and is a veth" \
	nc bridge add taken --addr 172.26.0.1/24
refused "bridge name taken by a veth (veth add --bridge)" "interface 'taken' in netns '$P-host' is a veth, not a bridge" \
	nc veth add --ns "$(N pod2)" --bridge taken
# Kernel refusals after the pair exists: the rollback deletes it again, and the
# kernel's own words (extack) are in the message.
refused "gateway outside every subnet: rolled back" "rolled back.*Nexthop has invalid gateway" \
	nc veth add --ns "$(N pod2)" --bridge br0 --addr 172.27.0.3/24 --gw 10.99.0.1
refused "the same address twice: rolled back" "rolled back.*172.27.0.3/24 already exists" \
	nc veth add --ns "$(N pod2)" --bridge br0 --addr 172.27.0.3/24 --addr 172.27.0.3/24
refused "new bridge whose 2nd address fails: bridge removed" "bridge 'br2'.*ff02::1/64.*MCAUTOJOIN" \
	nc bridge add br2 --addr 172.26.0.1/24 --addr ff02::1/64
refused "existing bridge: the address this call added is removed again" "bridge 'br0'.*ff02::1/64" \
	nc bridge add br0 --addr 172.27.5.1/24 --addr ff02::1/64
refused "bridge del of a non-bridge" "'taken' in netns '$P-host' is a veth, not a bridge" \
	nc bridge del taken
refused "veth del of a bridge" "'br0' in netns '$P-host' is a bridge, not a veth: not deleting it" \
	nc veth del br0
refused "veth del of nothing" "veth 'nope' does not exist in netns '$P-host'" nc veth del nope
refused "addr add to a missing interface" "interface 'eth7' does not exist in netns '$P-pod1'" \
	nc addr add 10.1.1.1/24 --dev eth7 --ns "$(N pod1)"
refused "addr add of an existing address" "172.27.0.2/24 already exists" \
	nc addr add 172.27.0.2/24 --dev eth0 --ns "$(N pod1)"
refused "addr del of an absent address" "10.1.1.1/24 is not on" \
	nc addr del 10.1.1.1/24 --dev eth0 --ns "$(N pod1)"
refused "route add, unreachable gateway" "Nexthop has invalid gateway" \
	nc route add 10.50.0.0/16 --via 10.99.0.1 --ns "$(N pod1)"
refused "route add of an existing route" "route 'default via 172.27.0.1 dev #2' already exists in netns '$P-pod1'" \
	nc route add default --via 172.27.0.1 --dev eth0 --ns "$(N pod1)"
refused "route del of an absent route" "route '10.50.0.0/16' does not exist" \
	nc route del 10.50.0.0/16 --ns "$(N pod1)"
refused "route: families differ" "differ in family" \
	nc route add 10.50.0.0/16 --via fd00::1 --ns "$(N pod1)"
refused "unknown option" "netctl veth add: unknown option '--bogus'" \
	nc veth add --ns "$(N pod2)" --bogus
refused "bad MAC" "invalid MAC 'zz:00:00:00:00:00'" \
	nc veth add --ns "$(N pod2)" --mac zz:00:00:00:00:00
refused "ns add: all or nothing" "already exists" \
	"$NETCTL" ns add "$P-fresh" "$P-host"
check_fails "ns add rolled back the first name" ip netns exec "$P-fresh" true

check "pod1 still reaches its gateway after all that" nsx pod1 ping -c 1 -W 2 172.27.0.1
finish
