#!/bin/bash
# netctl svc apply: ClusterIP and NodePort through real connections, endpoint
# removal and readiness, reject without endpoints, affinity, hairpin, malformed
# objects, whole-state semantics and re-apply without rebuilding.
# (topology: netns-tests/svc-lib.sh)
# timeout: 240
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/svc-lib.sh"

svc_topology b1 b2 b3
apply() { echo "$1" >"$SVC_TMP/state.json"; nsx node "$NETCTL" svc apply -f "$SVC_TMP/state.json"; }
names() { svc_count "$@" | grep -v '^!' | awk '{print $1}' | sort | tr '\n' ' '; }

udp_dns='{"kind":"Service","metadata":{"name":"dns"},"spec":{"clusterIP":"10.96.0.53","ports":[{"name":"dns","protocol":"UDP","port":53}]}}'
state=$(svc_list "$(svc_service web 10.96.0.10 30080)" "$(svc_slice web b1 b2 b3:notready)" \
	"$(svc_service empty 10.96.0.11 30081)" "$(svc_slice empty b3:notready)" \
	"$(svc_service self 10.96.0.12)" "$(svc_slice self b1)" "$udp_dns")
check "apply a List of Services and EndpointSlices" apply "$state"
check_eq "UDP service without endpoints: ICMP port unreachable" "refused" \
	"$(nsx c python3 "$SVC_CLIENT" udp 10.96.0.53 53)"

check_eq "ClusterIP: 30 connections reach exactly the ready endpoints" "b1 b2 " "$(names c 10.96.0.10 80 30)"
check_match "NodePort from outside the node" '^ok b[12]$' "$(svc_probe ext 192.168.50.1 30080)"
check_match "NodePort from the node itself (node address)" '^ok b[12]$' "$(svc_probe node 192.168.50.1 30080)"
check_match "NodePort from a pod via the bridge address" '^ok b[12]$' "$(svc_probe c 10.1.0.1 30080)"
check_eq "no ready endpoint: ClusterIP connection refused, not timed out" "refused" "$(svc_probe c 10.96.0.11 80)"
check_eq "no ready endpoint: NodePort connection refused" "refused" "$(svc_probe ext 192.168.50.1 30081)"
check_eq "no ready endpoint: refused from the node too" "refused" "$(svc_probe node 10.96.0.11 80)"
check_eq "hairpin: a pod reaches itself through its service" "ok b1" "$(svc_probe b1 10.96.0.12 80)"
check_match "list shows the frontends and endpoints" \
	'default/web:http 10.96.0.10:80/TCP nodePort 30080 -> 10.1.0.2:8080 10.1.0.3:8080' \
	"$(nsx node "$NETCTL" svc list)"

# Endpoint removal and a readiness flip, for new connections.
state=$(svc_list "$(svc_service web 10.96.0.10 30080)" "$(svc_slice web b2 b3:notready)" \
	"$(svc_service empty 10.96.0.11 30081)" "$(svc_slice empty b3)" \
	"$(svc_service self 10.96.0.12)" "$(svc_slice self b1)")
check "apply: b1 removed from web, b3 ready for empty" apply "$state"
check_eq "removed endpoint gets no new connections" "b2 " "$(names c 10.96.0.10 80 20)"
check_eq "endpoint that became ready gets them" "b3 " "$(names c 10.96.0.11 80 10)"
check_eq "re-applying the same state changes nothing" "3 services, 0 elements added, 0 deleted" "$(apply "$state")"
state=$(svc_list "$(svc_service web 10.96.0.10 30080)" "$(svc_slice web b2:notready b3)" \
	"$(svc_service empty 10.96.0.11 30081)" "$(svc_slice empty b3)" \
	"$(svc_service self 10.96.0.12)" "$(svc_slice self b1)")
check "apply: readiness flips b2 off, b3 on" apply "$state"
check_eq "readiness flip takes effect" "b3 " "$(names c 10.96.0.10 80 20)"

# Affinity: one client sticks to one endpoint; without it, all three are used.
state=$(svc_list "$(svc_service sticky 10.96.0.20 0 60)" "$(svc_slice sticky b1 b2 b3)" \
	"$(svc_service loose 10.96.0.21)" "$(svc_slice loose b1 b2 b3)")
check "apply: whole state (web, empty and self are dropped)" apply "$state"
check_eq "ClientIP affinity: 30 connections, one endpoint" "1" "$(names c 10.96.0.20 80 30 | wc -w)"
check_eq "without affinity: 60 connections use all three" "b1 b2 b3 " "$(names c 10.96.0.21 80 60)"
first=$(names c 10.96.0.20 80 1)
check_eq "affinity holds from another client too? no: it is per client (pod b2 may differ), same client same answer" \
	"$first" "$(names c 10.96.0.20 80 1)"
pinned=${first% }
rest=$(for b in b1 b2 b3; do [ "$b" != "$pinned" ] && echo "$b"; done | tr '\n' ' ')
state=$(svc_list "$(svc_service sticky 10.96.0.20 0 60)" "$(svc_slice sticky $rest)" \
	"$(svc_service loose 10.96.0.21)" "$(svc_slice loose b1 b2 b3)")
check "apply: the pinned endpoint goes away" apply "$state"
check_eq "affinity moves to one remaining endpoint" "1" "$(names c 10.96.0.20 80 20 | wc -w)"
check_fails "and never to the removed one" grep -q "$pinned" <<<"$(names c 10.96.0.20 80 20)"
check_eq "web was removed with the whole-state apply" "" "$(nsx node "$NETCTL" svc list | grep web)"

# Malformed objects: named by kind, name and field; the rest is applied.
bad='{"kind":"Service","metadata":{"name":"broken","namespace":"default"},"spec":{"clusterIP":"10.96.0.30","ports":[{"name":"http","port":70000}]}}'
dup=$(svc_service thief 10.96.0.21)
state=$(svc_list "$(svc_service sticky 10.96.0.20 0 60)" "$(svc_slice sticky $rest)" \
	"$(svc_service loose 10.96.0.21)" "$(svc_slice loose b1 b2 b3)" "$bad" "$dup" \
	"$(svc_service fresh 10.96.0.22)" "$(svc_slice fresh b1)")
echo "$state" >"$SVC_TMP/bad.json"
out=$(nsx node "$NETCTL" svc apply -f "$SVC_TMP/bad.json" 2>&1)
rc=$?
check_eq "apply with malformed objects exits non-zero" "2" "$rc"
check_match "names the malformed object and field" "Service 'default/broken': field 'spec.ports\[0\].port' is 70000" "$out"
check_match "names the object that takes another's VIP" "service 'default/thief': 10.96.0.21:80/TCP is already used by service 'default/loose'" "$out"
check_eq "the good new service is applied" "ok b1" "$(svc_probe c 10.96.0.22 80)"
check_eq "the service whose VIP was claimed is undisturbed" "b1 b2 b3 " "$(names c 10.96.0.21 80 60)"
check_fails "nothing of the broken service is programmed" grep -q broken <<<"$(nsx node "$NETCTL" svc list)"
check_fails "apply of a file that is not JSON fails" nsx node "$NETCTL" svc apply -f /etc/hostname
check_eq "... and leaves the services alone" "ok b1" "$(svc_probe c 10.96.0.22 80)"
check_eq "-j list is JSON" "3" "$(nsx node "$NETCTL" -j svc list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
finish
