#!/bin/bash
# A node with a bridge network and three pods, made through plumb's CNI plugins
# exactly as a container runtime calls them (env + config on stdin, a conflist
# run in order with prevResult, DEL in reverse), then torn down.
#
#   [outside] 198.51.100.2 ---- 198.51.100.1 [node] plumb-demo0 10.222.0.1/24
#                                                 |-- web   (busybox httpd :80, published as node:8080)
#                                                 |-- db
#                                                 `-- cache
#
# Builds nothing (make demo builds first). Needs root, jq, busybox, curl, nsenter.
set -u
BUILD=${PLUMB_BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}
CNI=$BUILD/cni
p="pcd$$"
PODS=(web db cache)
DATA=$(mktemp -d /tmp/plumb-demo-XXXXXX)
for tool in jq busybox curl nsenter; do
	command -v $tool >/dev/null || { echo "demo: $tool is missing (make deps)"; exit 1; }
done
for plugin in bridge host-local portmap loopback; do
	[ -x "$CNI/$plugin" ] || { echo "demo: $CNI/$plugin is missing (make)"; exit 1; }
done

cleanup() {
	for n in node outside "${PODS[@]}"; do
		ip netns pids "$p-$n" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$p-$n" 2>/dev/null
	done
	rm -rf "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for n in node outside "${PODS[@]}"; do ip netns add "$p-$n"; done
ip -n "$p-node" link add n0 type veth peer name o0 netns "$p-outside"
ip -n "$p-node" addr add 198.51.100.1/24 dev n0
ip -n "$p-outside" addr add 198.51.100.2/24 dev o0
for n in node outside; do ip -n "$p-$n" link set lo up; done
ip -n "$p-node" link set n0 up
ip -n "$p-outside" link set o0 up

LIST=$(printf '{"cniVersion":"1.0.0","name":"demo","plugins":[
 {"type":"bridge","bridge":"plumb-demo0","isGateway":true,"ipMasq":true,"hairpinMode":true,
  "ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.222.0.0/24"}]],
          "routes":[{"dst":"0.0.0.0/0"}]}},
 {"type":"portmap","capabilities":{"portMappings":true}}]}' "$DATA")
PORTS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'

# plugin CMD ID POD: one plugin call, as a runtime makes it, from the node
# (nsenter --net: the node's network namespace without ip netns exec's mounts)
plugin() {
	nsenter --net="/run/netns/$p-node" env -i PATH="$PATH" CNI_COMMAND="$2" CNI_CONTAINERID="$3" \
		CNI_NETNS="/run/netns/$p-$4" CNI_IFNAME=eth0 CNI_PATH="$CNI" "$CNI/$1"
}
# conf I PREV RC: plugin I's config, as libcni builds it
conf() {
	jq -c --argjson i "$1" --argjson prev "$2" --argjson rc "$3" '
		. as $l | $l.plugins[$i] as $p
		| $p + {cniVersion: $l.cniVersion, name: $l.name}
		| if $prev then . + {prevResult: $prev} else . end
		| ($rc | with_entries(select($p.capabilities[.key] == true))) as $r
		| if ($r | length) > 0 then . + {runtimeConfig: $r} else . end
		| del(.capabilities)' <<<"$LIST"
}
# chain CMD ID POD RC [PREV]: the whole list (DEL in reverse)
chain() {
	local cmd=$1 id=$2 pod=$3 rc=$4 prev=${5:-null} i out types
	types=($(jq -r '.plugins[].type' <<<"$LIST"))
	if [ "$cmd" = DEL ]; then
		for ((i = ${#types[@]} - 1; i >= 0; i--)); do
			conf $i "$prev" "$rc" | plugin "${types[i]}" DEL "$id" "$pod" >/dev/null || return 1
		done
		return 0
	fi
	for ((i = 0; i < ${#types[@]}; i++)); do
		out=$(conf $i "$prev" "$rc" | plugin "${types[i]}" ADD "$id" "$pod") || { echo "$out"; return 1; }
		prev=$out
	done
	echo "$prev"
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

echo "plumb CNI demo: a node, bridge plumb-demo0 10.222.0.0/24, plugins from $CNI"
echo
declare -A RES ADDR
printf ' %-6s %-15s %-18s %-16s %s\n' pod address "eth0 MAC" "host end" "ADD (lo+bridge+portmap)"
for pod in "${PODS[@]}"; do
	rc='{}'
	[ "$pod" = web ] && rc=$PORTS
	t0=$(date +%s%N)
	echo '{"cniVersion":"1.0.0","name":"lo","type":"loopback"}' | plugin loopback ADD "demo-$pod" "$pod" >/dev/null
	RES[$pod]=$(chain ADD "demo-$pod" "$pod" "$rc") || { echo "ADD $pod failed: ${RES[$pod]}"; exit 1; }
	t=$(ms_since "$t0")
	ADDR[$pod]=$(jq -r '.ips[0].address' <<<"${RES[$pod]}" | cut -d/ -f1)
	printf ' %-6s %-15s %-18s %-16s %s ms\n' "$pod" "$(jq -r '.ips[0].address' <<<"${RES[$pod]}")" \
		"$(jq -r '.interfaces[2].mac' <<<"${RES[$pod]}")" "$(jq -r '.interfaces[1].name' <<<"${RES[$pod]}")" "$t"
done

echo
printf ' %-8s' "ping"
for b in "${PODS[@]}"; do printf ' %-6s' "$b"; done
echo
for a in "${PODS[@]}"; do
	printf ' %-8s' "$a"
	for b in "${PODS[@]}"; do
		if [ "$a" = "$b" ]; then printf ' %-6s' -; continue; fi
		ip netns exec "$p-$a" ping -c 1 -W 2 "${ADDR[$b]}" >/dev/null 2>&1 && printf ' %-6s' ok || printf ' %-6s' FAIL
	done
	echo
done

# web serves a page; outside serves its view of who is asking (a CGI).
mkdir -p "$DATA/web" "$DATA/out/cgi-bin"
echo "hello from pod web" >"$DATA/web/index.html"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$DATA/out/cgi-bin/ip"
chmod +x "$DATA/out/cgi-bin/ip"
ip netns exec "$p-web" busybox httpd -p 80 -h "$DATA/web"
ip netns exec "$p-outside" busybox httpd -p 80 -h "$DATA/out"
for _ in $(seq 50); do
	ip netns exec "$p-outside" curl -s --max-time 1 -o /dev/null "http://198.51.100.2/cgi-bin/ip" &&
		ip netns exec "$p-web" curl -s --max-time 1 -o /dev/null "http://${ADDR[web]}/" && break
	sleep 0.1
done
page=$(ip netns exec "$p-outside" curl -s --max-time 3 http://198.51.100.1:8080/)
echo
printf ' published port  node 198.51.100.1:8080 -> web %s:80, from outside: %s\n' "${ADDR[web]}" \
	"$([ "$page" = "hello from pod web" ] && echo "\"$page\" (ok)" || echo "FAIL ($page)")"
seen=$(ip netns exec "$p-db" busybox wget -q -O - http://198.51.100.2/cgi-bin/ip 2>/dev/null |
	sed 's/^\[::ffff:\(.*\)\]$/\1/')
printf ' egress          db %s -> outside 198.51.100.2, outside sees %s %s\n' "${ADDR[db]}" "${seen:-nothing}" \
	"$([ "$seen" = 198.51.100.1 ] && echo "(the node: masqueraded)" || echo "(FAIL: not masqueraded)")"

t0=$(date +%s%N)
for pod in "${PODS[@]}"; do
	rc='{}'
	[ "$pod" = web ] && rc=$PORTS
	chain DEL "demo-$pod" "$pod" "$rc" "${RES[$pod]}" || echo "DEL $pod failed"
	echo '{"cniVersion":"1.0.0","name":"lo","type":"loopback"}' | plugin loopback DEL "demo-$pod" "$pod" >/dev/null
done
t=$(ms_since "$t0")
left_links=$(ip -n "$p-node" -o link show type veth | grep -vc ' n0@')
left_leases=$(ls "$DATA/demo" | grep -c '^10\.')
left_rules=$(ip netns exec "$p-node" nft list ruleset 2>/dev/null | grep -oE 'comment "(bridge|portmap)/' | wc -l)
echo
printf ' teardown        DEL x3 in %s ms; left behind: %s veths, %s leases, %s nft elements\n' \
	"$t" "$left_links" "$left_leases" "$left_rules"
[ "$left_links$left_leases$left_rules" = 000 ] && [ "$page" = "hello from pod web" ] &&
	[ "$seen" = 198.51.100.1 ]
