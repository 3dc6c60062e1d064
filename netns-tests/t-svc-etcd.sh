#!/bin/bash
# plumb-svc --etcd: objects under a prefix of a real etcd (started inside the
# node namespace on 127.0.0.1), listed then watched; a put or delete takes
# effect, a bad object is logged by name and field, and the watch survives an
# etcd restart. (topology: netns-tests/svc-lib.sh; etcd runs in [node])
# timeout: 240
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/svc-lib.sh"

command -v etcd >/dev/null || skip "etcd not installed (Debian package etcd-server)"
svc_topology b1 b2
URL=http://127.0.0.1:2379
PFX=/plumb/services/
LOG=$SVC_TMP/plumb-svc.log
start_etcd() {
	# exec'd directly (not through the nsx function) so $! is etcd itself
	ip netns exec "$P-node" etcd --name t --data-dir "$SVC_TMP/etcd" --listen-client-urls $URL \
		--advertise-client-urls $URL --listen-peer-urls http://127.0.0.1:2380 \
		--initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster t=http://127.0.0.1:2380 >>"$SVC_TMP/etcd.log" 2>&1 &
	ETCD_PID=$!
	bg_pid $ETCD_PID
}
put() { nsx node etcdctl --endpoints $URL put "$PFX$1" "$2" >/dev/null; }
del() { nsx node etcdctl --endpoints $URL del "$PFX$1" >/dev/null; }
etcd_up() { nsx node etcdctl --endpoints $URL endpoint health >/dev/null 2>&1; }
logged() { grep -q -- "$1" "$LOG"; }
listed() { nsx node "$NETCTL" svc list | grep -q -- "$1"; }
unlisted() { ! listed "$1"; }

start_etcd
wait_for 30 "etcd answers" etcd_up
check "put a Service" put default/web/service "$(svc_service web 10.96.0.10 30080)"
check "put its EndpointSlice" put default/web/slice "$(svc_slice web b1)"
ip netns exec "$P-node" "$PLUMB_SVC" --etcd $URL --prefix $PFX 2>>"$LOG" &
SVC_PID=$!
bg_pid $SVC_PID
wait_for 30 "initial sync from etcd" logged "initial sync: 1 service"
check_eq "what etcd held is programmed" "ok b1" "$(svc_probe c 10.96.0.10 80)"

put default/web/slice "$(svc_slice web b2)"
wait_for 30 "a put is watched and applied" listed '10.96.0.10:80/TCP nodePort 30080 -> 10.1.0.3:8080$'
check_eq "the new endpoint serves" "ok b2" "$(svc_probe c 10.96.0.10 80)"
put default/api "$(svc_list "$(svc_service api 10.96.0.11)" "$(svc_slice api b1 b2)" \
	'{"kind":"Service","metadata":{"name":"bad"},"spec":{"clusterIP":"10.96.0.300","ports":[{"port":80}]}}')"
wait_for 30 "a List under one key works" listed '10.96.0.11:80/TCP -> 10.1.0.2:8080 10.1.0.3:8080'
wait_for 30 "its bad object is logged by key, name and field" logged "${PFX}default/api: Service 'default/bad': field 'spec.clusterIP'"
del default/web/slice
wait_for 30 "a delete is applied: web has no endpoints" listed '10.96.0.10:80/TCP nodePort 30080 -> (no ready endpoint'
check_eq "... and rejects" "refused" "$(svc_probe c 10.96.0.10 80)"

kill $ETCD_PID
wait $ETCD_PID 2>/dev/null
start_etcd
wait_for 30 "etcd is back" etcd_up
put default/web/slice "$(svc_slice web b1 b2)"
wait_for 30 "the watch survived the etcd restart" listed '10.96.0.10:80/TCP nodePort 30080 -> 10.1.0.2:8080 10.1.0.3:8080'
del default/api
wait_for 30 "deleting the List's key removes its services" unlisted '10.96.0.11:80'
kill -TERM $SVC_PID
wait $SVC_PID
check_eq "SIGTERM: clean exit" "0" "$?"
check_match "rules stay" '^ok b[12]$' "$(svc_probe c 10.96.0.10 80)"
finish
