#!/bin/bash
# Load balancing is fair: for N = 3 and N = 10 endpoints, every endpoint's
# share of a few thousand new connections lies within a bound from the
# binomial distribution that a fair 1/N pick breaks with probability < 1e-9
# (so the test cannot flake), and no connection fails. One server in [pool]
# answers on all endpoint addresses with the address it was reached on.
# (topology: netns-tests/svc-lib.sh, plus [pool] 10.1.0.100-.109 on br0)
# timeout: 400
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/svc-lib.sh"

svc_topology
svc_pod pool 10.1.0.100
for i in $(seq 101 109); do nsx pool ip addr add "10.1.0.$i/24" dev eth0; done
nsx pool python3 "$SVC_CLIENT" serve 8080 &
bg_pid $!
wait_for 30 "the pool answers" svc_answers c 10.1.0.109 8080 10.1.0.109

slice() { # service n
	local eps="" i sep=""
	for ((i = 0; i < $2; i++)); do
		eps="$eps$sep{\"addresses\":[\"10.1.0.$((100 + i))\"]}"
		sep=,
	done
	printf '{"kind":"EndpointSlice","metadata":{"name":"%s-1","labels":{"kubernetes.io/service-name":"%s"}},"ports":[{"name":"http","port":8080}],"endpoints":[%s]}' "$1" "$1" "$eps"
}
svc_list "$(svc_service three 10.96.1.3)" "$(slice three 3)" "$(svc_service ten 10.96.1.10)" "$(slice ten 10)" >"$SVC_TMP/s.json"
check "apply services with 3 and 10 endpoints" nsx node "$NETCTL" svc apply -f "$SVC_TMP/s.json"

# bound N M: the interval [lo, hi] for one endpoint's count out of M at p = 1/N
# with P(outside) <= 1e-9 / N (exact binomial tails, union over the N endpoints).
bound() {
	python3 - "$1" "$2" <<'PY'
import math, sys
n, m = int(sys.argv[1]), int(sys.argv[2])
p, alpha = 1.0 / n, 1e-9 / n
logpmf = lambda k: (math.lgamma(m + 1) - math.lgamma(k + 1) - math.lgamma(m - k + 1)
                    + k * math.log(p) + (m - k) * math.log1p(-p))
pmf = [math.exp(logpmf(k)) for k in range(m + 1)]
lo, tail = 0, 0.0
while tail + pmf[lo] <= alpha / 2:
    tail += pmf[lo]; lo += 1
hi, tail = m, 0.0
while tail + pmf[hi] <= alpha / 2:
    tail += pmf[hi]; hi -= 1
print(lo, hi)
PY
}

for case in "3 10.96.1.3 3000" "10 10.96.1.10 5000"; do
	set -- $case
	n=$1 vip=$2 m=$3
	read -r lo hi <<<"$(bound "$n" "$m")"
	counts=$(svc_count c "$vip" 80 "$m")
	echo "N=$n, $m connections, each count must lie in [$lo, $hi] (expected $((m / n))):"
	echo "$counts" | sed 's/^/    /'
	check_eq "N=$n: every connection answered" "0" "$(echo "$counts" | grep -c '^!')"
	check_eq "N=$n: all $n endpoints were picked" "$n" "$(echo "$counts" | grep -vc '^!')"
	bad=$(echo "$counts" | awk -v lo="$lo" -v hi="$hi" '$1 !~ /^!/ && ($2 < lo || $2 > hi)')
	check_eq "N=$n: every endpoint's count is within the 1e-9 binomial bound" "" "$bad"
done
finish
