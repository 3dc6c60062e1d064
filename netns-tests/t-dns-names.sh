#!/bin/bash
# plumb-dns serves names per network at 127.0.0.11 inside each pod namespace.
#
#   [pod1] es1 10.1.0.2  alias es  \
#   [pod2] es2 10.1.0.3  alias es   }-- network prod (domain dns.podman)
#   [pod3] client 10.1.0.4         /
#   [pod4] secret 10.2.0.9  ------- network dev
#   [host] plumb-dns (control socket, state file); each pod's 127.0.0.11:53 is a
#          socket plumb-dns made inside that pod's namespace. Pods have lo only.
# timeout: 120
. "$(dirname "$0")/lib.sh"
command -v dig >/dev/null || skip "dig (dnsutils) is not installed"

ns_add host pod1 pod2 pod3 pod4
D=$(mktemp -d /tmp/plumb-dns-test.XXXXXX)
defer rm -rf "$D"
export PLUMB_DNS_SOCK=$D/dns.sock PLUMB_DNS_STATE=$D/state.json
RAW="$SRC/netns-tests/dns-raw.py"
h() { nsx host "$@"; }
ask() { local ns=$1; shift; nsx "$ns" dig +time=2 +tries=1 @127.0.0.11 "$@"; }
short() { local ns=$1; shift; ask "$ns" +short "$@"; }
status() { ask "$@" | sed -nE 's/.*status: ([A-Z]+).*/\1/p'; }

check "netctl dns start runs plumb-dns" h "$NETCTL" dns start
PID=$(h "$RAW" pid "$PLUMB_DNS_SOCK")
defer kill "$PID"
check "netctl dns start again finds it running" h "$NETCTL" dns start
check "network prod gets its domain" h "$NETCTL" dns network prod --domain dns.podman
check "es1 registers" h "$NETCTL" dns add prod es1 --ip 10.1.0.2 --alias es --netns "$(N pod1)" --id c1
check "es2 registers" h "$NETCTL" dns add prod es2 --ip 10.1.0.3 --alias es --netns "$(N pod2)" --id c2
check "client registers" h "$NETCTL" dns add prod client --ip 10.1.0.4 --netns "$(N pod3)" --id c3
check "secret registers on dev" h "$NETCTL" dns add dev secret --ip 10.2.0.9 --netns "$(N pod4)" --id c4
check_match "netctl dns list shows es1 with its alias" "prod +es1 +c1 +10\.1\.0\.2 +es" "$(h "$NETCTL" dns list)"

# --- the seeds' example: an alias shared by two containers -----------------
a1=$(short pod3 es A | tr '\n' ' ')
a2=$(short pod3 es A | tr '\n' ' ')
check_match "es has both addresses" "10.1.0.2" "$a1"
check_match "es has both addresses (2)" "10.1.0.3" "$a1"
[ "${a1%% *}" != "${a2%% *}" ] && _pass "the order rotates between queries ($a1| $a2)" ||
	_fail "the order rotates between queries ($a1| $a2)"
ns_out=$(nsx pod3 busybox nslookup es 127.0.0.11 2>&1)
check_match "busybox nslookup es finds 10.1.0.2" "Address:? *10\.1\.0\.2" "$ns_out"
check_match "busybox nslookup es finds 10.1.0.3" "Address:? *10\.1\.0\.3" "$ns_out"

# --- qualified names, case, families ----------------------------------------
check_eq "name.network" "10.1.0.2" "$(short pod3 es1.prod A)"
check_eq "name under the network's domain" "10.1.0.2" "$(short pod3 es1.dns.podman A)"
check_eq "case does not matter" "10.1.0.3" "$(short pod3 ES2.DNS.Podman A)"
check_eq "AAAA for a v4-only name is NOERROR" "NOERROR" "$(status pod3 es1 AAAA)"
check_eq "... with no answer" "" "$(short pod3 es1 AAAA)"
check_eq "an unknown single-label name is NXDOMAIN" "NXDOMAIN" "$(status pod3 nosuch A)"
check_eq "an unknown name under the domain is NXDOMAIN" "NXDOMAIN" "$(status pod3 nosuch.dns.podman A)"
check_eq "PTR of a registered address" "es1.dns.podman." "$(short pod3 -x 10.1.0.2)"

# --- isolation between networks ---------------------------------------------
check_eq "dev's name is NXDOMAIN from prod" "NXDOMAIN" "$(status pod3 secret A)"
check_eq "prod's alias is NXDOMAIN from dev" "NXDOMAIN" "$(status pod4 es A)"
check_eq "dev sees its own name" "10.2.0.9" "$(short pod4 secret A)"

# --- TCP and truncation: an alias with 100 addresses ------------------------
ips=$(for i in $(seq 1 100); do printf '"10.1.%d.%d",' $((10 + i / 200)) $((i % 200 + 1)); done)
check "a 100-address alias registers" h "$RAW" ctl "$PLUMB_DNS_SOCK" \
	"{\"cmd\":\"register\",\"network\":\"prod\",\"id\":\"big\",\"name\":\"bigone\",\"aliases\":[\"many\"],\"addresses\":[${ips%,}]}"
check_eq "TCP answers es1" "10.1.0.2" "$(short pod3 +tcp es1 A)"
udp=$(ask pod3 +ignore +noedns many A)
check_match "over UDP without EDNS the answer is truncated (TC)" "flags: qr aa tc" "$udp"
udp=$(ask pod3 +ignore +bufsize=1232 many A)
check_match "over UDP with EDNS 1232 too" "flags: qr aa tc" "$udp"
check_eq "over TCP the whole answer comes" "100" "$(short pod3 +tcp many A | wc -l)"
check_eq "dig retries over TCP by itself" "100" "$(short pod3 +noedns many A | wc -l)"
check_eq "EDNS 4096 fits it over UDP" "100" "$(short pod3 +ignore +bufsize=4096 many A | wc -l)"

# --- updates take effect at once, DEL twice is fine ------------------------
check "es2 unregisters" h "$NETCTL" dns del prod c2
check_eq "es now has one address" "10.1.0.2" "$(short pod3 es A)"
check "a second DEL succeeds" h "$NETCTL" dns del prod c2

# --- bad input: a clear error and nothing stored ----------------------------
out=$(h "$NETCTL" dns add prod bad --ip 10.1.0.300 2>&1)
check_match "a bad address is refused by name" "'10.1.0.300' is not an IP address" "$out"
out=$(h "$NETCTL" dns add prod ghost --ip 10.1.0.7 --netns "$P-nosuchns" 2>&1)
check_match "a missing namespace is refused by name" "$P-nosuchns.*does not exist" "$out"
out=$(h "$NETCTL" dns add 'bad net!' x --ip 10.1.0.8 2>&1)
check_match "a network name that is not a DNS label is refused" "network 'bad net!'" "$out"
list=$(h "$NETCTL" -j dns list)
check_eq "nothing of the refused entries was stored" "" "$(echo "$list" | grep -E '"(bad|ghost|x)"')"
check_eq "the ghost name does not resolve" "NXDOMAIN" "$(status pod3 ghost A)"

# --- both UDP paths: io_uring (the default here) and --io epoll -------------
uring_fds() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'io_uring' || true; }
check_eq "the daemon serves UDP through io_uring" "1" "$(uring_fds "$PID")"
# A 640-byte query: es1 A, then a 600-byte TXT and an OPT record in the
# additional section. The epoll path receives into 512-byte slots and joins
# the rest: a tail lost or mangled breaks the OPT record (FORMERR).
LONGQ="1234010000010000000000020365733100000100010000100001000000000258"
LONGQ+="$(for _ in 1 2 3; do printf 'c7'; printf '61%.0s' $(seq 1 199); done)"
LONGQ+="00002904d0000000000000"
long_query() { nsx pod3 "$RAW" raw 127.0.0.11 "$LONGQ"; }
check_eq "a 640-byte query is answered (io_uring)" "NOERROR" "$(long_query)"
kill "$PID"
for _ in $(seq 1 40); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
h "$PLUMB_BUILD/bin/plumb-dns" --daemon --io epoll --control "$PLUMB_DNS_SOCK" \
	--state "$PLUMB_DNS_STATE" --pidfile "$D/epoll.pid"
PID=$(cat "$D/epoll.pid")
defer kill "$PID"
check_eq "restarted with --io epoll: no ring" "0" "$(uring_fds "$PID")"
check_eq "... and the same names from the state file" "10.1.0.2" "$(short pod3 es1 A)"
check_eq "... a 640-byte query is answered (epoll)" "NOERROR" "$(long_query)"
check_eq "... aliases too" "100" "$(short pod3 +tcp many A | wc -l)"
check_eq "... NXDOMAIN as before" "NXDOMAIN" "$(status pod3 nosuch A)"
out=$(h "$PLUMB_BUILD/bin/plumb-dns" --io select 2>&1)
check_match "an unknown --io is refused by name" "--io wants 'uring' or 'epoll', got 'select'" "$out"

# --- a pod disappearing does not disturb the others ------------------------
ip netns del "$(N pod2)"
check_eq "pod1 still resolves after pod2's namespace is gone" "10.1.0.2" "$(short pod1 es1 A)"
check "the daemon is alive" kill -0 "$PID"
finish
