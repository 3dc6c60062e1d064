#!/bin/bash
# The root-namespace guard fails a run whose test leaks a link.
#
# The run under test happens inside a namespace ("fakeroot") playing the root
# namespace, so the deliberate leak lands there and never in the real root.
. "$(dirname "$0")/lib.sh"

ns_add fakeroot
here=$(cd "$(dirname "$0")" && pwd)
export LEAK_NAME="lk${P: -10}"

out=$(nsx fakeroot "$here/run" --dir "$here/fixtures/guard" 2>&1)
rc=$?
logs=$(echo "$out" | sed -n 's/^logs: //p')
[ -n "$logs" ] && rm -rf "$logs"
check_eq "a run with a leaking test fails" 1 "$rc"
check_match "the guard names itself" "FAIL root-namespace-guard" "$out"
check_match "the diff shows the leaked link" "> .*$LEAK_NAME" "$out"
check_match "the clean fixture still passed" "ok   t-clean" "$out"
check_match "the last line counts the guard as the failure" "^2 passed, 1 failed, 0 skipped$" \
	"$(echo "$out" | tail -n 1)"

out=$(nsx fakeroot "$here/run" --dir "$here/fixtures/guard" t-clean 2>&1)
check_eq "a run without a leak passes" 0 "$?"
check_match "and says so" "^2 passed, 0 failed, 0 skipped$" "$(echo "$out" | tail -n 1)"
finish
