#!/bin/bash
# plumb-svc --dir: inotify picks up one-object-per-file and List files, bad
# files are reported without disturbing the rest, SIGHUP resyncs, SIGTERM leaves
# the rules in place, and a restart over an existing table changes only what
# differs. (topology: netns-tests/svc-lib.sh)
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/svc-lib.sh"

svc_topology b1 b2 b3
D=$SVC_TMP/objects
LOG=$SVC_TMP/plumb-svc.log
mkdir -p "$D"
put() { echo "$2" >"$D/.$1.tmp" && mv "$D/.$1.tmp" "$D/$1"; } # atomic, like kubectl-writing tools
start() {
	# ip netns exec execs: $! is plumb-svc itself (a shell function would fork).
	ip netns exec "$P-node" "$PLUMB_SVC" --dir "$D" 2>>"$LOG" &
	SVC_PID=$!
	bg_pid $SVC_PID
}
logged() { grep -q -- "$1" "$LOG"; }
listed() { nsx node "$NETCTL" svc list | grep -q -- "$1"; }
unlisted() { ! listed "$1"; }
names() { svc_count "$@" | grep -v '^!' | awk '{print $1}' | sort | tr '\n' ' '; }

put web-svc.json "$(svc_service web 10.96.0.10 30080)"
start
wait_for 30 "the daemon did its initial sync" logged "initial sync"
check_eq "a Service without a slice rejects" "refused" "$(svc_probe c 10.96.0.10 80)"
put web-slice.json "$(svc_slice web b1 b2)"
wait_for 30 "a new EndpointSlice file takes effect" listed '10.96.0.10:80/TCP nodePort 30080 -> 10.1.0.2:8080 10.1.0.3:8080' 
check_eq "both endpoints serve" "b1 b2 " "$(names c 10.96.0.10 80 30)"
check_match "NodePort works" '^ok b[12]$' "$(svc_probe ext 192.168.50.1 30080)"
check_match "a change is logged with its element count and time" 'change: 1 service, \+[0-9]+ -[0-9]+ elements, [0-9.]+ ms' "$(cat "$LOG")"

put web-slice.json "$(svc_slice web b1:notready b2)"
wait_for 30 "a readiness flip in the file takes effect" listed '10.96.0.10:80/TCP nodePort 30080 -> 10.1.0.3:8080$' 
check_eq "only the ready endpoint gets new connections" "b2 " "$(names c 10.96.0.10 80 20)"

put list.json "$(svc_list "$(svc_service api 10.96.0.11)" "$(svc_slice api b3)" \
	'{"kind":"Service","metadata":{"name":"bad"},"spec":{"clusterIP":"10.96.0.12","ports":[{"port":80,"protocol":"ICMP"}]}}')"
wait_for 30 "a List file: its good Service works" svc_answers c 10.96.0.11 80 b3
wait_for 30 "its bad Service is logged by name and field" logged "list.json: Service 'default/bad': field 'spec.ports\[0\].protocol'"
check_eq "the other services are undisturbed" "b2 " "$(names c 10.96.0.10 80 10)"

echo '{"kind":"Service", "metadata": {' >"$D/list.json" # a half-written file
wait_for 30 "a file that is not JSON is reported" logged "list.json: line"
check_eq "... and what it held stays programmed" "ok b3" "$(svc_probe c 10.96.0.11 80)"
rm "$D/list.json"
wait_for 30 "removing a file removes its services" unlisted '10.96.0.11:80' 

rm "$D/web-slice.json"
wait_for 30 "removing the slice leaves web without endpoints: refused" \
	bash -c "[ \"\$(ip netns exec $P-c python3 $SVC_CLIENT probe 10.96.0.10 80)\" = refused ]"
put web-slice.json "$(svc_slice web b1 b2)"
wait_for 30 "slice back" listed '10.96.0.10:80/TCP nodePort 30080 -> 10.1.0.2:8080 10.1.0.3:8080' 

# Someone removes table plumb under the daemon: the next change puts it all back.
check "netctl nat flush removes table plumb" nsx node "$NETCTL" nat flush
put list.json "$(svc_list "$(svc_service api 10.96.0.11)" "$(svc_slice api b3)")"
wait_for 30 "the next change rebuilds the layout and resyncs everything" \
	listed '10.96.0.10:80/TCP nodePort 30080 -> 10.1.0.2:8080 10.1.0.3:8080'
check_eq "the service from before the flush serves again" "b1 b2 " "$(names c 10.96.0.10 80 30)"
check_eq "and so does the changed one" "ok b3" "$(svc_probe c 10.96.0.11 80)"
rm "$D/list.json"
wait_for 30 "list.json gone again" unlisted '10.96.0.11:80'

kill -HUP $SVC_PID
wait_for 30 "SIGHUP resyncs" logged "SIGHUP resync"
check "the daemon survives SIGHUP" kill -0 $SVC_PID
kill -TERM $SVC_PID
wait $SVC_PID
check_eq "SIGTERM: clean exit" "0" "$?"
check_match "the rules stay in place after it exits" '^ok b[12]$' "$(svc_probe c 10.96.0.10 80)"

# While it is down: one endpoint goes. The restart changes only that.
put web-slice.json "$(svc_slice web b2)"
: >"$LOG"
start
wait_for 30 "restarted over the existing table" logged "initial sync"
# Out: the id and NodePort id (N changes), 2 slots, b1's hairpin; in: the new
# id and NodePort id, 1 slot.
check_match "the restart sent only the difference" 'initial sync: 1 service, \+3 -5 elements' "$(cat "$LOG")"
check_eq "and serves the new state" "b2 " "$(names c 10.96.0.10 80 10)"
kill -TERM $SVC_PID
wait $SVC_PID
: >"$LOG"
start
wait_for 30 "restart with nothing changed" logged "initial sync"
check_match "sends nothing at all" 'initial sync: .*\+0 -0 elements' "$(cat "$LOG")"
check_fails "plumb-svc without a source is a usage error" nsx node "$PLUMB_SVC"
check_fails "plumb-svc with a missing directory fails" nsx node "$PLUMB_SVC" --dir "$SVC_TMP/nope"
finish
