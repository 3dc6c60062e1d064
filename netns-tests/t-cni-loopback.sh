#!/bin/bash
# The loopback plugin, driven as a runtime drives it.
#
#   [node] runs the plugin      [pod] lo: down -> ADD -> up -> DEL -> down
#
. "$(dirname "$0")/lib.sh"

ns_add node pod
POD=/run/netns/$P-pod
conf() { echo "{\"cniVersion\":\"$1\",\"name\":\"lo\",\"type\":\"loopback\"}"; }
lo_up() { ip -n "$P-pod" -o link show lo | grep -q '[<,]UP[,>]'; }
nsx pod ip link set lo down

out=$(conf 1.0.0 | cni node "$CNI_DIR" loopback ADD c1 lo "$POD")
check "ADD brings lo up" lo_up
check_eq "ADD reports lo with both loopback addresses (1.0.0 shape)" \
	'[{"name":"lo","mac":"00:00:00:00:00:00","sandbox":"'"$POD"'"}] ["127.0.0.1/8","::1/128"] null' \
	"$(jq -c '.interfaces, [.ips[].address], .ips[0].version' <<<"$out" | tr '\n' ' ' | sed 's/ $//')"
out=$(conf 0.3.1 | cni node "$CNI_DIR" loopback ADD c1 lo "$POD")
check_eq "a 0.3.1 result carries ip versions" '"0.3.1" ["4","6"]' \
	"$(jq -c '.cniVersion, [.ips[].version]' <<<"$out" | tr '\n' ' ' | sed 's/ $//')"
check "CHECK passes while lo is up" cni node "$CNI_DIR" loopback CHECK c1 lo "$POD" < <(conf 1.0.0)
check "DEL succeeds" cni node "$CNI_DIR" loopback DEL c1 lo "$POD" < <(conf 1.0.0)
check_fails "DEL brought lo down" lo_up
check_fails "CHECK fails while lo is down" cni node "$CNI_DIR" loopback CHECK c1 lo "$POD" < <(conf 1.0.0)
check "DEL again succeeds" cni node "$CNI_DIR" loopback DEL c1 lo "$POD" < <(conf 1.0.0)
check "DEL of a namespace that is gone succeeds" \
	cni node "$CNI_DIR" loopback DEL c1 lo /run/netns/$P-gone < <(conf 1.0.0)

out=$(conf 1.0.0 | cni node "$CNI_DIR" loopback ADD c1 lo /run/netns/$P-gone)
check_match "ADD into a missing namespace fails naming it" "\"msg\":\".*$P-gone" "$out"
check_eq "and is code 3, container unknown" 3 "$(jq .code <<<"$out")"
out=$(conf 1.0.0 | CNI_ARGS=bogus cni node "$CNI_DIR" loopback ADD c1 lo "$POD")
check_eq "a malformed CNI_ARGS is code 4" 4 "$(jq .code <<<"$out")"
out=$(conf 0.2.0 | cni node "$CNI_DIR" loopback ADD c1 lo "$POD")
check_eq "cniVersion 0.2.0 is code 1" 1 "$(jq .code <<<"$out")"
out=$(conf 0.3.1 | cni node "$CNI_DIR" loopback CHECK c1 lo "$POD")
check_eq "CHECK under 0.3.1 is code 1" 1 "$(jq .code <<<"$out")"
check_fails "errors leave lo down" lo_up
out=$(echo '{}' | nsx node env -i CNI_COMMAND=VERSION "$CNI_DIR/loopback")
check_eq "VERSION lists the supported versions" '["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]' \
	"$(jq -c .supportedVersions <<<"$out")"
finish
