#!/bin/bash
# make demo: what Docker does for a container's network, by hand, with netctl.
#
#   [pod1] eth0 172.30.0.2/24 --.                .-- eth0 172.30.0.3/24 [pod2]
#                 veth<hash> -- br0 172.30.0.1/24 -- veth<hash>
#                              [host]
#
# "host" is a namespace too: the demo never changes the machine's own network.
# Everything it made is removed at the end, also when a step fails or on Ctrl-C.
set -eu
netctl=$(cd "${PLUMB_BUILD:-build}" && pwd)/bin/netctl
p="plumb-demo-$$"
host="$p-host" pod1="$p-pod1" pod2="$p-pod2"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	# Deleting the namespaces takes the bridge and both veth pairs with them.
	"$netctl" ns del "$pod1" "$pod2" "$host" 2>/dev/null ||
		for n in "$pod1" "$pod2" "$host"; do "$netctl" ns del "$n" 2>/dev/null || true; done
	[ $rc -eq 0 ] && echo "== done: namespaces, bridge and veths removed" ||
		echo "== failed (exit $rc); everything the demo made was removed" >&2
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Show each command as a person would type it, then run it.
run() {
	printf '\n$ %s\n' "$*" | sed "s|$netctl|netctl|g"
	"$@"
}
# netctl run as the node's host, i.e. inside the "host" namespace.
on_host=("$netctl" ns exec "$host" "$netctl")

echo "== 1. namespaces: a host and two pods (lo is brought up)"
run "$netctl" ns add "$host" "$pod1" "$pod2"
echo
echo "== 2. a bridge with the pods' gateway address (docker0 / cni0)"
run "${on_host[@]}" bridge add br0 --addr 172.30.0.1/24
echo
echo "== 3. connect pod1: veth born in the pod as eth0, host end on br0, address, default route"
run "${on_host[@]}" veth add --ns "$pod1" --bridge br0 --addr 172.30.0.2/24 --gw 172.30.0.1
echo
echo "== 4. pod1 pings its gateway"
run "$netctl" ns exec "$pod1" ping -c 2 -W 2 172.30.0.1
echo
echo "== 5. a second pod on the same bridge pings the first"
run "${on_host[@]}" veth add --ns "$pod2" --bridge br0 --addr 172.30.0.3/24 --gw 172.30.0.1
run "$netctl" ns exec "$pod2" ping -c 2 -W 2 172.30.0.2
echo
echo "== what it looks like"
run "${on_host[@]}" show --ns "$host" --ns "$pod1" --ns "$pod2"
