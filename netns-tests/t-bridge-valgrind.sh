#!/bin/bash
# timeout: 600
# netctl's link-level verbs under valgrind: every run, successful or refused,
# must end with no leak and no memory error (valgrind exits 99 if it saw one).
#
#   [pod1] eth0 10.34.0.2/24 ---- veth ---- br0 10.34.0.1/24 [host]
#
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || skip "valgrind is not installed"
# An ASan build (make check SAN=1) cannot run under valgrind.
if nm "$NETCTL" 2>/dev/null | grep -q __asan_init; then
	skip "netctl is an AddressSanitizer build; valgrind needs the plain one"
fi

ns_add host pod1 pod2
vlog=$(mktemp)
defer rm -f "$vlog"

# vg WANT DESC ARGS...: netctl ARGS under valgrind in the host namespace; WANT is
# ok (exit 0) or fail (exit 1 or 2); exit 99 (valgrind's) is always a failure.
vg() {
	local want=$1 desc=$2 rc
	shift 2
	nsx host valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--log-file="$vlog" "$NETCTL" "$@" >/dev/null 2>&1
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

vg ok "bridge add (create)" bridge add br0 --addr 10.34.0.1/24 --addr fd34::1/64 --forward
vg ok "bridge add (reuse)" bridge add br0 --addr 10.34.0.1/24 --addr fd34::1/64
vg ok "veth add" veth add --ns "$(N pod1)" --bridge br0 --addr 10.34.0.2/24 --addr fd34::2/64 --gw 10.34.0.1
vg fail "veth add rolled back (bad gateway)" veth add --ns "$(N pod2)" --bridge br0 --addr 10.34.0.3/24 --gw 10.99.0.1
check_fails "the rollback left nothing in pod2" ip -n "$(N pod2)" link show eth0
vg fail "veth add refused (name taken)" veth add --ns "$(N pod1)" --id other --bridge br0
vg fail "veth add refused (unknown namespace)" veth add --ns "$P-nope" --bridge br0
vg fail "veth add refused (invalid CIDR)" veth add --ns "$(N pod2)" --addr 10.34.0.300/24
vg fail "bridge add refused (bad address, rolled back)" bridge add br1 --addr 10.35.0.1/24 --addr ff02::1/64
vg ok "show" show --ns "$(N pod1)" --ns "$P-host"
vg ok "show -j" -j show --ns "$(N pod1)"
vg ok "bridge show" -j bridge show
vg ok "veth show" veth show --ns "$(N pod1)"
vg ok "addr add" addr add 10.34.9.2/24 --dev eth0 --ns "$(N pod1)"
vg ok "addr show" -j addr show --ns "$(N pod1)"
vg ok "addr del" addr del 10.34.9.2/24 --dev eth0 --ns "$(N pod1)"
vg ok "route add" route add 10.36.0.0/16 --via 10.34.0.1 --metric 7 --ns "$(N pod1)"
vg ok "route show" -j route show --ns "$(N pod1)"
vg ok "route del" route del 10.36.0.0/16 --metric 7 --ns "$(N pod1)"
vg ok "bridge port --hairpin" bridge port "$(nsx host ip -br link show master br0 | awk '{sub(/@.*/, "", $1); print $1}')" --hairpin on
vg ok "veth del" veth del --ns "$(N pod1)" eth0
vg ok "bridge del" bridge del br0
vg ok "ns add + del" ns add "$P-vg"
vg ok "ns del" ns del "$P-vg"
check "pod1's pair is gone" sh -c "! ip -n $(N pod1) link show eth0 2>/dev/null"
finish
