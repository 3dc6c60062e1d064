#!/bin/bash
# The etcd client over TLS with client certificates: a throwaway CA, a server
# certificate for 127.0.0.1 and a client certificate, all made by the test;
# etcd (in its own namespace) requires client certs.
#
#   [etcd]  etcd https://127.0.0.1:2379 (--client-cert-auth) <-- netctl node cidr
#
# timeout: 90
. "$(dirname "$0")/lib.sh"

command -v etcd >/dev/null || skip "etcd not installed (Debian package etcd-server)"
command -v openssl >/dev/null || skip "openssl not installed"
ns_add etcd
D=$(mktemp -d /tmp/plumb-ipam-tls-XXXXXX)
defer rm -rf "$D"
URL=https://127.0.0.1:2379
CIDR=10.245.0.0/16

cd "$D"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=plumb-test-ca -keyout ca.key -out ca.pem 2>/dev/null
mkcert() { # mkcert NAME EXT
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr" 2>/dev/null
	printf '%s\n' "$2" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
		-extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
# etcd 3.4's gateway dials etcd itself with the server certificate, hence clientAuth too
mkcert server "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth"
mkcert client "extendedKeyUsage=clientAuth"
check "the test CA signed a server and a client certificate" test -s server.pem -a -s client.pem
cd - >/dev/null

ip netns exec "$(N etcd)" etcd --name t --data-dir "$D/data" \
	--listen-client-urls $URL --advertise-client-urls $URL \
	--cert-file "$D/server.pem" --key-file "$D/server.key" --trusted-ca-file "$D/ca.pem" --client-cert-auth \
	--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
	--initial-cluster t=http://127.0.0.1:2380 >"$D/etcd.log" 2>&1 &
bg_pid $!

tls() { nsx etcd $NETCTL node cidr "$@" --cluster-cidr $CIDR --etcd $URL --cacert "$D/ca.pem"; }
up() { tls list --cert "$D/client.pem" --key "$D/client.key" --timeout 500 >/dev/null; }
wait_for 20 "etcd answers over TLS with a client certificate" up
check_match "acquire over TLS" '^10\.245\.0\.0/24 +tls1' \
	"$(tls acquire --node tls1 --cert "$D/client.pem" --key "$D/client.key")"
check_match "listed over TLS" 'tls1' "$(tls list --cert "$D/client.pem" --key "$D/client.key")"
out=$(tls list 2>&1)
check_match "without a client certificate etcd refuses, and the error says so" "no endpoint answered.*127\.0\.0\.1:2379" "$out"
out=$(nsx etcd $NETCTL node cidr list --cluster-cidr $CIDR --etcd $URL --cert "$D/client.pem" --key "$D/client.key" 2>&1)
check_match "a server not signed by a trusted CA is refused" "no endpoint answered.*(certificate|SSL)" "$out"
finish
