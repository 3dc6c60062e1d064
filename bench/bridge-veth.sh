#!/bin/bash
# bench/bridge-veth.sh [N]: connect N pods to a bridge (veth into the pod as
# eth0, host end on the bridge, an address, a default route) and disconnect
# them again, four ways, side by side in one run:
#   1. the plumb API alone (bench/bridge-api.c, built here against libplumb.a)
#   2. netctl veth add / veth del (one process per pod)
#   3. the same steps with iproute2 (five `ip` processes per pod)
#   4. the reference CNI bridge plugin with static IPAM (/usr/lib/cni) - the peer
# Each way gets a "node" namespace of its own; the pods are namespaces made
# here; processes enter the node namespace with nsenter --net (ip netns exec
# would add a mount namespace and a /sys remount to every call). The root
# namespace is never touched. Run from the project root after make.
set -u
N=${1:-50}
B=$(cd "${PLUMB_BUILD:-build}" && pwd)
NETCTL=$B/bin/netctl
REF=${REF_CNI:-/usr/lib/cni}
T=pbv$$
D=$(mktemp -d)
cleanup() {
	for i in $(seq 0 $((N - 1))); do ip netns del $T-p$i 2>/dev/null; done
	for h in 1 2 3 4; do ip netns del $T-h$h 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT
for h in 1 2 3 4; do ip netns add $T-h$h; ip -n $T-h$h link set lo up; done
for i in $(seq 0 $((N - 1))); do ip netns add $T-p$i; done
ip_of() { echo "10.$1.$((($2 + 2) / 256)).$((($2 + 2) % 256))"; }
ns() { date +%s%N; }
stat() { # label, then microsecond samples
	local what=$1
	shift
	printf '%s\n' "$@" | sort -n | awk -v w="$what" -v n=$# \
		'{a[NR]=$1} END {printf "%-34s median %6d us  p95 %6d us  (n=%d)\n", w, a[int(n/2)+1], a[int(n*0.95)], n}'
}

# 1. the API
cc -O2 -I. -D_GNU_SOURCE $(pkg-config --cflags libnl-route-3.0) -o "$D/bridge-api" \
	bench/bridge-api.c "$B/libplumb.a" $(pkg-config --libs libnl-route-3.0 libnl-3.0) || exit 1
"$D/bridge-api" $T-h1 $T-p "$N" || exit 1

# 2. netctl
add=() del=()
nsenter --net=/run/netns/$T-h2 "$NETCTL" bridge add benchbr0 --addr 10.211.0.1/16 >/dev/null || exit 1
for i in $(seq 0 $((N - 1))); do
	t0=$(ns)
	nsenter --net=/run/netns/$T-h2 "$NETCTL" veth add --ns $T-p$i --bridge benchbr0 \
		--addr "$(ip_of 211 $i)/16" --gw 10.211.0.1 >/dev/null || exit 1
	add+=($((($(ns) - t0) / 1000)))
done
for i in $(seq 0 $((N - 1))); do
	t0=$(ns)
	nsenter --net=/run/netns/$T-h2 "$NETCTL" veth del --ns $T-p$i eth0 || exit 1
	del+=($((($(ns) - t0) / 1000)))
done
stat "netctl veth add (process)" "${add[@]}"
stat "netctl veth del (process)" "${del[@]}"

# 3. iproute2, the same steps by hand
add=() del=()
ip -n $T-h3 link add benchbr0 type bridge && ip -n $T-h3 link set benchbr0 up &&
	ip -n $T-h3 addr add 10.212.0.1/16 dev benchbr0 || exit 1
for i in $(seq 0 $((N - 1))); do
	t0=$(ns)
	ip -n $T-h3 link add vb$i type veth peer name eth0 netns $T-p$i &&
		ip -n $T-h3 link set vb$i master benchbr0 up &&
		ip -n $T-p$i link set eth0 up &&
		ip -n $T-p$i addr add "$(ip_of 212 $i)/16" dev eth0 &&
		ip -n $T-p$i route add default via 10.212.0.1 || exit 1
	add+=($((($(ns) - t0) / 1000)))
done
for i in $(seq 0 $((N - 1))); do
	t0=$(ns)
	ip -n $T-p$i link del eth0 || exit 1
	del+=($((($(ns) - t0) / 1000)))
done
stat "iproute2, 5 ip calls (process)" "${add[@]}"
stat "iproute2 link del (process)" "${del[@]}"

# 4. the reference CNI bridge plugin (static IPAM, so no lease store in the way)
if [ -x "$REF/bridge" ] && [ -x "$REF/static" ]; then
	add=() del=()
	conf() {
		echo '{"cniVersion":"1.0.0","name":"bench","type":"bridge","bridge":"benchbr0",
		"isGateway":true,"ipam":{"type":"static","addresses":[{"address":"'"$(ip_of 213 $1)"'/16",
		"gateway":"10.213.0.1"}],"routes":[{"dst":"0.0.0.0/0"}]}}'
	}
	cni() { # CMD i
		conf "$2" | nsenter --net=/run/netns/$T-h4 env CNI_COMMAND=$1 CNI_CONTAINERID=c$2 \
			CNI_NETNS=/run/netns/$T-p$2 CNI_IFNAME=eth0 CNI_PATH=$REF "$REF/bridge" >/dev/null
	}
	for i in $(seq 0 $((N - 1))); do
		t0=$(ns)
		cni ADD $i || { echo "reference ADD $i failed"; exit 1; }
		add+=($((($(ns) - t0) / 1000)))
	done
	for i in $(seq 0 $((N - 1))); do
		t0=$(ns)
		cni DEL $i || { echo "reference DEL $i failed"; exit 1; }
		del+=($((($(ns) - t0) / 1000)))
	done
	stat "reference CNI bridge+static ADD" "${add[@]}"
	stat "reference CNI bridge+static DEL" "${del[@]}"
else
	echo "reference CNI plugins not found in $REF: skipped"
fi
