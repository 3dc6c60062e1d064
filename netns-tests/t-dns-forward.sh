#!/bin/bash
# plumb-dns forwards what is not its own, serves a gateway address, survives a
# restart with the same names, and shrugs off malformed packets.
#
#   [pod1] es1 (lo only; 127.0.0.11 made by plumb-dns)
#   [host] plumb-dns
#      h-up 10.203.0.1/24 ------------ up-h 10.203.0.2/24 [up]  dnsmasq: the upstream
#      h-c  10.88.0.1/24 (gateway) --- c-h  10.88.0.5/24  [ctr] a client of the gateway
#           fd00:88::1/64                   fd00:88::5/64
#                                           10.77.0.5/32 (a source outside the network)
# timeout: 150
. "$(dirname "$0")/lib.sh"
command -v dig >/dev/null || skip "dig (dnsutils) is not installed"
[ -x /usr/sbin/dnsmasq ] || skip "dnsmasq is not installed"

ns_add host pod1 up ctr
veth_between host h-up up up-h
veth_between host h-c ctr c-h
nsx host ip addr add 10.203.0.1/24 dev h-up
nsx up ip addr add 10.203.0.2/24 dev up-h
nsx host ip addr add 10.88.0.1/24 dev h-c
nsx ctr ip addr add 10.88.0.5/24 dev c-h
nsx ctr ip addr add 10.77.0.5/32 dev c-h
nsx host ip addr add fd00:88::1/64 dev h-c nodad
nsx ctr ip addr add fd00:88::5/64 dev c-h nodad
D=$(mktemp -d /tmp/plumb-dns-test.XXXXXX)
chmod 755 "$D"
defer rm -rf "$D"
export PLUMB_DNS_SOCK=$D/dns.sock PLUMB_DNS_STATE=$D/state.json
RAW="$SRC/netns-tests/dns-raw.py"
DNSD=$PLUMB_BUILD/bin/plumb-dns
h() { nsx host "$@"; }
ask() { local ns=$1; shift; nsx "$ns" dig +time=3 +tries=1 "$@"; }
status() { ask "$@" | sed -nE 's/.*status: ([A-Z]+).*/\1/p'; }

hosts=()
for i in $(seq 1 100); do hosts+=(--host-record=big.test,10.5.$((i / 200)).$((i % 200 + 1))); done
ip netns exec "$(N up)" /usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
	--no-hosts --listen-address=10.203.0.2 --bind-interfaces --port=53 --user=nobody \
	--group=nogroup --pid-file= --local=/test/ --address=/upstream.test/10.203.9.9 "${hosts[@]}" 2>"$D/dnsmasq.log" &
UP=$!
bg_pid "$UP"
wait_for 10 "the upstream dnsmasq answers" nsx up dig +short +time=1 @10.203.0.2 upstream.test

# first upstream does not exist (no ARP answer, no ICMP): a timeout, then the next
check "plumb-dns starts" h "$DNSD" --daemon --pidfile "$D/pid" --upstream 10.203.0.99 \
	--upstream 10.203.0.2 --timeout-ms 400
PID=$(cat "$D/pid")
defer 'kill $(cat '"$D"'/pid)'
check "es1 registers" h "$NETCTL" dns add prod es1 --ip 10.1.0.2 --netns "$(N pod1)" --id c1
check "the gateway listeners for prod (v4 and v6)" h "$NETCTL" dns network prod --listen 10.88.0.1 \
	--listen fd00:88::1 --subnet 10.88.0.0/24 --subnet fd00:88::/64

check_eq "a name it does not own comes from the upstream (after a dead one timed out)" \
	"10.203.9.9" "$(ask pod1 +short @127.0.0.11 upstream.test A)"
check_eq "the upstream's NXDOMAIN comes back for names nobody has" "NXDOMAIN" \
	"$(status pod1 @127.0.0.11 no.such.test A)"
check_eq "when every upstream refuses, the client gets SERVFAIL" "SERVFAIL" \
	"$(status pod1 @127.0.0.11 www.example.org A)"
check_eq "a local name is not forwarded" "10.1.0.2" "$(ask pod1 +short @127.0.0.11 es1 A)"
big=$(ask pod1 +ignore +bufsize=4096 @127.0.0.11 big.test A)
check_match "the upstream truncated big.test; the retry over TCP brought all 100" "ANSWER: 100," "$big"
check_eq "a TCP client's query is forwarded too" "10.203.9.9" "$(ask pod1 +tcp +short @127.0.0.11 upstream.test A)"

# --- the gateway address, for its own network only ---------------------------
check_eq "a container asks the gateway" "10.1.0.2" "$(ask ctr +short @10.88.0.1 es1 A)"
check_eq "a container asks the IPv6 gateway" "10.1.0.2" "$(ask ctr +short @fd00:88::1 es1 A)"
check_eq "the gateway forwards for its network" "10.203.9.9" "$(ask ctr +short @10.88.0.1 upstream.test A)"
check_fails "a source outside the network gets nothing (not an open resolver)" \
	nsx ctr dig +time=1 +tries=1 -b 10.77.0.5 @10.88.0.1 upstream.test A

# --- malformed packets: FORMERR or silence, and it keeps serving -----------------
hdr="abcd01000001000000000000"
check_eq "three bytes are dropped" "noreply" "$(nsx pod1 "$RAW" raw 127.0.0.11 616263)"
check_eq "a question that is not there: FORMERR" "FORMERR" "$(nsx pod1 "$RAW" raw 127.0.0.11 $hdr)"
check_eq "a name pointing at itself: FORMERR" "FORMERR" \
	"$(nsx pod1 "$RAW" raw 127.0.0.11 ${hdr}c00c00010001)"
check_eq "a label running past the end: FORMERR" "FORMERR" \
	"$(nsx pod1 "$RAW" raw 127.0.0.11 ${hdr}3f616100010001)"
check_eq "counts that lie: FORMERR" "FORMERR" \
	"$(nsx pod1 "$RAW" raw 127.0.0.11 abcd01000001000500000000036573310000010001)"
check_eq "a response is never answered" "noreply" \
	"$(nsx pod1 "$RAW" raw 127.0.0.11 abcd81000001000000000000036573310000010001)"
check_eq "well-formed raw query still answered" "NOERROR" \
	"$(nsx pod1 "$RAW" raw 127.0.0.11 abcd01000001000000000000036573310000010001)"
check_eq "over TCP, a lying message: FORMERR" "FORMERR" \
	"$(nsx pod1 "$RAW" rawtcp 127.0.0.11 0015abcd01000001000500000000036573310000010001)"
check_eq "over TCP, two queries in one segment: the first answered" "NOERROR" \
	"$(nsx pod1 "$RAW" rawtcp 127.0.0.11 0015abcd010000010000000000000365733100000100010015abce01000001000000000000036573310000010001)"
check_eq "over TCP, a zero-length message is not answered" "noreply" \
	"$(nsx pod1 "$RAW" rawtcp 127.0.0.11 0000)"
check "the daemon is alive after all that" kill -0 "$PID"

# --- restart: the same names at once; upstreams from resolv.conf ----------------
printf 'nameserver 127.0.0.53\nnameserver 10.203.0.2\n' > "$D/resolv.conf"
h kill "$PID"
wait_for 5 "plumb-dns stops on SIGTERM" sh -c "! kill -0 $PID 2>/dev/null"
check "plumb-dns starts again" h "$DNSD" --daemon --pidfile "$D/pid" --resolv-conf "$D/resolv.conf"
PID=$(cat "$D/pid")
check_eq "es1 resolves right after the restart, without registering again" "10.1.0.2" \
	"$(ask pod1 +short @127.0.0.11 es1 A)"
check_eq "the gateway listener is back too" "10.1.0.2" "$(ask ctr +short @10.88.0.1 es1 A)"
check_match "resolv.conf gave one upstream (the loopback stub skipped)" '"upstreams":1' \
	"$(h "$RAW" ctl "$PLUMB_DNS_SOCK" '{"cmd":"list"}')"
check_eq "forwarding through the resolv.conf upstream" "10.203.9.9" "$(ask pod1 +short @127.0.0.11 upstream.test A)"

# --- upstream down: SERVFAIL, and soon ----------------------------------------
kill "$UP"; wait "$UP" 2>/dev/null
check_eq "with the upstream gone the client gets SERVFAIL" "SERVFAIL" "$(status pod1 @127.0.0.11 upstream.test A)"
check_eq "local names still work" "10.1.0.2" "$(ask pod1 +short @127.0.0.11 es1 A)"
finish
