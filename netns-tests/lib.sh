# netns-tests/lib.sh — sourced by every t-*.sh.
#
# Namespaces:  ns_add host         -> creates "$PLUMB_TEST_PREFIX-host", lo up
#              N host              -> its full name
#              nsx host CMD...     -> run CMD inside it
#              veth_between a ifa b ifb   -> a veth pair, one end in each
# Cleanup:     everything ns_add made is removed on exit, also on failure or
#              Ctrl-C; `defer CMD...` adds more (run in reverse order), `bg_pid PID`
#              kills a background process.
# Assertions:  check DESC CMD...       CMD must succeed
#              check_fails DESC CMD... CMD must fail
#              check_eq DESC WANT GOT
#              check_match DESC REGEX TEXT
#              wait_for SECS DESC CMD...   retry CMD every 0.1 s for SECS
#              finish                  exits 0 only if every check passed and
#                                      there was at least one
# Skips:       skip "why"              exit 77 with the reason
set -u
: "${PLUMB_TEST_PREFIX:?run tests through netns-tests/run}"
: "${PLUMB_BUILD:?PLUMB_BUILD must point at the build directory}"
P=$PLUMB_TEST_PREFIX
NETCTL=$PLUMB_BUILD/bin/netctl
CNI_DIR=$PLUMB_BUILD/cni
SRC=${PLUMB_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

_checks=0
_fails=0
_namespaces=()
_deferred=()
_pids=()

N() { echo "$P-$1"; }

nsx() {
	local ns=$1
	shift
	ip netns exec "$P-$ns" "$@"
}

ns_add() {
	local ns
	for ns in "$@"; do
		ip netns add "$P-$ns" || { echo "cannot create namespace $P-$ns"; exit 1; }
		_namespaces+=("$P-$ns")
		ip -n "$P-$ns" link set lo up
	done
}

veth_between() {
	local a=$1 ifa=$2 b=$3 ifb=$4
	ip -n "$P-$a" link add "$ifa" type veth peer name "$ifb" netns "$P-$b"
	ip -n "$P-$a" link set "$ifa" up
	ip -n "$P-$b" link set "$ifb" up
}

defer() { _deferred+=("$*"); }
bg_pid() { _pids+=("$1"); }

_cleanup() {
	local i
	trap - EXIT INT TERM
	for ((i = ${#_deferred[@]} - 1; i >= 0; i--)); do
		eval "${_deferred[i]}" >/dev/null 2>&1 || true
	done
	for i in "${_pids[@]}"; do
		kill "$i" 2>/dev/null && wait "$i" 2>/dev/null
	done
	for i in "${_namespaces[@]}"; do
		ip netns pids "$i" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$i" 2>/dev/null
	done
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

_pass() { _checks=$((_checks + 1)); echo "  ok: $1"; }
_fail() { _checks=$((_checks + 1)); _fails=$((_fails + 1)); echo "  FAIL: $1"; }

check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		_pass "$desc"
	else
		_fail "$desc"
		echo "    command: $*"
		echo "$out" | tail -n 15 | sed 's/^/    | /'
	fi
}

check_fails() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		_fail "$desc (the command succeeded but should have failed)"
		echo "    command: $*"
		echo "$out" | tail -n 15 | sed 's/^/    | /'
	else
		_pass "$desc"
	fi
}

check_eq() {
	if [ "$2" = "$3" ]; then
		_pass "$1"
	else
		_fail "$1"
		echo "    want: $2"
		echo "    got:  $3"
	fi
}

check_match() {
	if [[ $3 =~ $2 ]]; then
		_pass "$1"
	else
		_fail "$1"
		echo "    want a match for: $2"
		echo "$3" | tail -n 15 | sed 's/^/    | /'
	fi
}

wait_for() {
	local secs=$1 desc=$2 deadline
	shift 2
	deadline=$((SECONDS + secs))
	while ! "$@" >/dev/null 2>&1; do
		if [ $SECONDS -ge $deadline ]; then
			_fail "$desc (waited ${secs}s)"
			return 1
		fi
		sleep 0.1
	done
	_pass "$desc"
}

skip() {
	echo "SKIP: $*"
	exit 77
}

finish() {
	if [ $_checks -eq 0 ]; then
		echo "no check ran: a test that asserts nothing is a failure"
		exit 1
	fi
	echo "$((_checks - _fails))/$_checks checks passed"
	[ $_fails -eq 0 ] || exit 1
	exit 0
}

# --- CNI, the way a runtime (libcni) drives plugins: env + config on stdin ---
# cni NODE DIR PLUGIN CMD ID IFNAME NETNS <CONF  run one plugin inside namespace
#     NODE (it plays the host), CNI_PATH=DIR, a clean environment (CNI_ARGS kept).
# cni_conf LIST I [PREV [RC]]  the config libcni gives plugin I of conflist LIST:
#     cniVersion and name from the list, prevResult, and runtimeConfig holding only
#     the capabilities that plugin declares.
# cni_list NODE DIR CMD ID IFNAME NETNS LIST [RC [CACHED]]  a whole conflist: ADD
#     and CHECK in order (each plugin gets the previous result), DEL in reverse with
#     CACHED (ADD's final result) as prevResult. Prints ADD's result; fails on the
#     first failing plugin, printing its error.
cni() {
	local node=$1 dir=$2 plugin=$3 cmd=$4 id=$5 ifname=$6 netns=$7
	nsx "$node" env -i PATH="$PATH" CNI_COMMAND="$cmd" CNI_CONTAINERID="$id" \
		CNI_NETNS="$netns" CNI_IFNAME="$ifname" CNI_PATH="$dir" \
		${CNI_ARGS:+CNI_ARGS="$CNI_ARGS"} "$dir/$plugin"
}

cni_conf() {
	jq -c --argjson i "$2" --argjson prev "${3:-null}" --argjson rc "${4:-null}" '
		. as $l | $l.plugins[$i] as $p
		| $p + {cniVersion: $l.cniVersion, name: $l.name}
		| if $prev then . + {prevResult: $prev} else . end
		| ($rc // {} | with_entries(select($p.capabilities[.key] == true))) as $r
		| if ($r | length) > 0 then . + {runtimeConfig: $r} else . end
		| del(.capabilities)' <<<"$1"
}

cni_list() {
	local node=$1 dir=$2 cmd=$3 id=$4 ifname=$5 netns=$6 list=$7 rc=${8:-null}
	local prev=${9:-null} n i out type
	n=$(jq '.plugins | length' <<<"$list")
	if [ "$cmd" = DEL ]; then
		for ((i = n - 1; i >= 0; i--)); do
			type=$(jq -r ".plugins[$i].type" <<<"$list")
			out=$(cni_conf "$list" $i "$prev" "$rc" |
				cni "$node" "$dir" "$type" DEL "$id" "$ifname" "$netns") ||
				{ echo "$out"; return 1; }
		done
		return 0
	fi
	[ "$cmd" = CHECK ] || prev=null
	local cached=$prev
	for ((i = 0; i < n; i++)); do
		type=$(jq -r ".plugins[$i].type" <<<"$list")
		out=$(cni_conf "$list" $i "$prev" "$rc" |
			cni "$node" "$dir" "$type" "$cmd" "$id" "$ifname" "$netns") ||
			{ echo "$out"; return 1; }
		[ "$cmd" = ADD ] && prev=$out
		[ "$cmd" = CHECK ] && prev=$cached
	done
	[ "$cmd" = ADD ] && echo "$prev"
	return 0
}
