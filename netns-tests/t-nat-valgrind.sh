#!/bin/bash
# timeout: 600
# netctl nat under valgrind: every run, successful or refused, must end with no
# leak and no memory error (valgrind exits 99 if it saw one).
#
#   [node]   (the ruleset only: table inet plumb and table bridge plumb)
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || skip "valgrind is not installed"
if nm "$NETCTL" 2>/dev/null | grep -q __asan_init; then
	skip "netctl is an AddressSanitizer build; valgrind needs the plain one"
fi

ns_add node
vlog=$(mktemp)
defer rm -f "$vlog"

# vg WANT DESC ARGS...: netctl ARGS --ns node under valgrind; WANT is ok or fail.
vg() {
	local want=$1 desc=$2 rc
	shift 2
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--log-file="$vlog" "$NETCTL" "$@" --ns "$(N node)" >/dev/null 2>&1
	rc=$?
	# valgrind does not know the NS_GET_NSTYPE ioctl and says so: not an error.
	if [ $rc -eq 99 ] || grep -vqE 'unhandled ioctl|spurious value errors|README_MISSING' "$vlog"; then
		_fail "$desc: valgrind found errors (exit $rc)"
		sed 's/^/    | /' "$vlog" | head -40
	elif [ "$want" = ok ] && [ $rc -ne 0 ]; then
		_fail "$desc: exit $rc"
	elif [ "$want" = fail ] && [ $rc -eq 0 ]; then
		_fail "$desc: should have failed"
	else
		_pass "$desc: clean under valgrind"
	fi
}

vg ok "show, no table" nat show
vg ok "port add (creates the table)" nat port add tcp 8080-8089 10.88.0.5:80 --owner portmap/n/c1/eth0
vg ok "port add, IPv6 on a host address" nat port add udp 53 '[fd00::5]:5353' --host-ip fd00::1
vg fail "port add refused (taken)" nat port add tcp 8085 10.88.0.6:80
vg fail "port add refused (bad address)" nat port add tcp 1 10.88.0.300:80
vg ok "masq add subnet" nat masq add 10.88.0.0/16 --owner bridge/n/c1/eth0
vg ok "masq add pod" nat masq add --pod 10.99.0.5 --except-to 10.99.0.0/24 --owner bridge/n/c1/eth0
vg ok "exclude add" nat exclude add 10.0.0.0/8
vg fail "masq add refused (overlap)" nat masq add 10.88.1.0/24
vg ok "macspoof add" nat macspoof add veth1 02:00:00:00:00:01 --owner bridge/n/c1/eth0
vg ok "show -j" -j nat show
vg ok "masq list" nat masq list
vg ok "macspoof list" nat macspoof list
vg ok "port del --owner (by key)" nat port del tcp 8080-8081 --owner portmap/n/c1/eth0
vg ok "gc" nat gc portmap/n/
vg ok "owner-del" nat owner-del bridge/n/c1/eth0
vg fail "port del refused (missing)" nat port del tcp 9999
vg ok "port del IPv6" nat port del udp 53 --host-ip fd00::1
vg ok "flush" nat flush
check_eq "nothing left" "" "$(nsx node nft list ruleset)"
finish
