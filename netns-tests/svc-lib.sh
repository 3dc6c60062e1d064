# netns-tests/svc-lib.sh — shared by the t-svc-*.sh tests (sourced after lib.sh).
#
#   [c] 10.1.0.9   [b1] 10.1.0.2  [b2] 10.1.0.3  [b3] 10.1.0.4  ... pods, default via 10.1.0.1
#        \             |              |              /
#         +----------- br0 10.1.0.1/24 [node] ---- veth 192.168.50.1/24 ---- [ext] 192.168.50.2
#
# Every backend runs busybox httpd on 8080 answering with its own name.
SVC_CLIENT=$SRC/netns-tests/svc-client.py
PLUMB_SVC=$PLUMB_BUILD/bin/plumb-svc

svc_pod() { # name ip
	ns_add "$1"
	ip -n "$P-node" link add "v-$1" type veth peer name eth0 netns "$P-$1"
	ip -n "$P-node" link set "v-$1" master br0 up
	# What the bridge CNI plugin does with hairpinMode: a pod may get its own
	# packets back through the bridge (bridged DNAT when br_netfilter is on).
	nsx node bridge link set dev "v-$1" hairpin on
	nsx "$1" ip link set eth0 up
	nsx "$1" ip addr add "$2/24" dev eth0
	nsx "$1" ip route add default via 10.1.0.1
}

svc_backend() { # name ip
	svc_pod "$1" "$2"
	mkdir -p "$SVC_TMP/www-$1"
	echo "$1" >"$SVC_TMP/www-$1/index.html"
	nsx "$1" busybox httpd -f -p 8080 -h "$SVC_TMP/www-$1" &
	bg_pid $!
}

svc_topology() { # backend names... (b1 -> 10.1.0.2, b2 -> 10.1.0.3, ...)
	local i=2 b
	SVC_TMP=$(mktemp -d /tmp/plumb-svc-test-XXXXXX)
	defer rm -rf "$SVC_TMP"
	ns_add node ext
	nsx node sysctl -qw net.ipv4.ip_forward=1
	nsx node ip link add br0 type bridge
	nsx node ip link set br0 up
	nsx node ip addr add 10.1.0.1/24 dev br0
	veth_between node n-ext ext eth0
	nsx node ip addr add 192.168.50.1/24 dev n-ext
	nsx ext ip addr add 192.168.50.2/24 dev eth0
	nsx node ip route add default via 192.168.50.2  # a node has one: ClusterIPs route
	svc_pod c 10.1.0.9
	for b in "$@"; do
		svc_backend "$b" "10.1.0.$i"
		i=$((i + 1))
	done
	for b in "$@"; do
		wait_for 30 "backend $b answers" svc_answers c "$(svc_ip "$b")" 8080 "$b" || true
	done
}

svc_ip() { echo "10.1.0.$(( ${1#b} + 1 ))"; } # b1 -> 10.1.0.2

# JSON objects. svc_service NAME VIP [NODEPORT [AFFINITY_SECONDS]]: port 80 -> 8080 "http".
svc_service() {
	local np=${3:-0} aff=${4:-0} type=ClusterIP extra=""
	[ "$np" != 0 ] && type=NodePort
	[ "$aff" != 0 ] && extra=",\"sessionAffinity\":\"ClientIP\",\"sessionAffinityConfig\":{\"clientIP\":{\"timeoutSeconds\":$aff}}"
	printf '{"apiVersion":"v1","kind":"Service","metadata":{"name":"%s","namespace":"default"},"spec":{"type":"%s","clusterIP":"%s"%s,"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080%s}]}}' \
		"$1" "$type" "$2" "$extra" "$([ "$np" != 0 ] && echo ",\"nodePort\":$np")"
}

# svc_slice SERVICE b1 b2:notready ...
svc_slice() {
	local svc=$1 eps="" b ready sep=""
	shift
	for b in "$@"; do
		ready=true
		case $b in *:notready) ready=false; b=${b%:notready} ;; esac
		eps="$eps$sep{\"addresses\":[\"$(svc_ip "$b")\"],\"conditions\":{\"ready\":$ready}}"
		sep=","
	done
	printf '{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"%s-x1","namespace":"default","labels":{"kubernetes.io/service-name":"%s"}},"addressType":"IPv4","ports":[{"name":"http","protocol":"TCP","port":8080}],"endpoints":[%s]}' \
		"$svc" "$svc" "$eps"
}

svc_list() { # objects... -> a kubectl-style List
	local IFS=,
	printf '{"apiVersion":"v1","kind":"List","items":[%s]}' "$*"
}

svc_probe() { nsx "$1" python3 "$SVC_CLIENT" probe "$2" "$3"; }
svc_count() { nsx "$1" python3 "$SVC_CLIENT" count "$2" "$3" "$4"; }
svc_answers() { [ "$(svc_probe "$1" "$2" "$3")" = "ok $4" ]; }
