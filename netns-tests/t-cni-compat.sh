#!/bin/bash
# timeout: 300
# plumb's plugins and the reference plugins (Debian's /usr/lib/cni) side by side:
# each bridge with the other's host-local, leases written by one honoured by the
# other, and a reference host-local next to our bridge still exec'd (not run
# in-process).
#
#   [node] br-c 10.79.0.1/24 -- [pa] [pb] [pc] [pd]
#
. "$(dirname "$0")/lib.sh"

REF=/usr/lib/cni
for p in bridge host-local; do
	[ -x "$REF/$p" ] || skip "no reference $p in $REF (apt-get install containernetworking-plugins)"
done
ns_add node pa pb pc pd
DATA=$(mktemp -d)
MIX=$(mktemp -d)
defer rm -rf "$DATA" "$MIX"
ns() { echo "/run/netns/$P-$1"; }
conf() { # conf VERSION
	printf '{"cniVersion":"%s","name":"c","type":"bridge","bridge":"br-c","isGateway":true,
	 "ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.79.0.0/24"}]],
	 "routes":[{"dst":"0.0.0.0/0"}]}}' "$1" "$DATA"
}
addr_of() { jq -r '.ips[0].address' <<<"$1" | cut -d/ -f1; }
leases() { ls "$DATA/c" 2>/dev/null | grep -v -e lock -e last_reserved | sort | tr '\n' ' '; }
# A directory holding our bridge and, as host-local, a wrapper that logs each
# run and execs the reference: our bridge must exec it, not run ours in-process.
cp "$CNI_DIR/bridge" "$MIX/"
printf '#!/bin/sh\necho "$CNI_COMMAND" >>"%s/ran"\nexec %s/host-local\n' "$MIX" "$REF" >"$MIX/host-local"
chmod +x "$MIX/host-local"

# our bridge, reference host-local
R1=$(conf 0.4.0 | cni node "$MIX" bridge ADD a1 eth0 "$(ns pa)")
check_match "our bridge with the reference host-local" '"address":"10\.79\.0\.[0-9]+/24"' "$R1"
A1=$(addr_of "$R1")
check_eq "the foreign host-local next to our bridge was exec'd" ADD "$(cat "$MIX/ran" 2>&1)"
check_eq "the reference wrote the lease" "$(printf 'a1\r\neth0')" "$(cat "$DATA/c/$A1")"
# reference bridge, our host-local
# (the reference bridge is run from its own directory, its IPAM from ours)
ref_bridge() { # CMD ID NETNS
	nsx node env -i PATH="$PATH" CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_NETNS="$3" \
		CNI_IFNAME=eth0 CNI_PATH="$CNI_DIR" "$REF/bridge"
}
R2=$(conf 0.4.0 | ref_bridge ADD a2 "$(ns pb)")
A2=$(addr_of "$R2")
check_match "the reference bridge with our host-local" '^10\.79\.0\.[0-9]+$' "$A2"
check "the two never hand out the same address" test "$A1" != "$A2"
check "pods of both bridges ping each other" nsx pa ping -c 1 -W 2 "$A2"

# our host-local honours the reference's leases and vice versa
R3=$(conf 1.0.0 | cni node "$CNI_DIR" host-local ADD a3 eth0 "$(ns pc)")
R4=$(conf 1.0.0 | cni node "$REF" host-local ADD a4 eth0 "$(ns pd)")
check_eq "four attachments, four distinct addresses" 4 \
	"$(printf '%s\n' "$A1" "$A2" "$(addr_of "$R3")" "$(addr_of "$R4")" | sort -u | grep -c .)"
check "our host-local releases a lease the reference wrote" \
	cni node "$CNI_DIR" host-local DEL a4 eth0 "$(ns pd)" < <(conf 1.0.0)
check "the reference releases a lease ours wrote" \
	cni node "$REF" host-local DEL a3 eth0 "$(ns pc)" < <(conf 1.0.0)
check_eq "only the bridges' leases are left" "$(printf '%s\n' "$A1" "$A2" | sort | tr '\n' ' ')" "$(leases)"

# CHECK across implementations
C1=$(conf 0.4.0 | jq -c --argjson p "$R1" '. + {prevResult: $p}')
check "our bridge CHECKs through the reference host-local" cni node "$MIX" bridge CHECK a1 eth0 "$(ns pa)" <<<"$C1"

# DEL across implementations, twice each
for i in 1 2; do
	check "our bridge DELs a1 (round $i)" cni node "$MIX" bridge DEL a1 eth0 "$(ns pa)" < <(conf 0.4.0)
	check "the reference bridge DELs a2 with our host-local (round $i)" \
		ref_bridge DEL a2 "$(ns pb)" < <(conf 0.4.0)
done
check_eq "no lease left" "" "$(leases)"
check_eq "no veth left" 0 "$(ip -n "$P-node" -o link show type veth | wc -l)"
finish
