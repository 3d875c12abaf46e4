#!/usr/bin/env bash
# tls_certs.sh DIR: a throw-away PKI for the wa_fetch TLS tests, made with
# Debian's openssl (P-256 keys, valid two days):
#   ca.pem ca.key            a CA
#   server.pem server.key    for 127.0.0.1 (IP SAN), signed by the CA
#   self.pem self.key        for 127.0.0.1, self-signed
#   client.pem client.key    a client certificate signed by the CA
#   cadir/                   ca.pem under its subject hash (openssl rehash)
set -eu
dir=${1:?usage: tls_certs.sh DIR}
mkdir -p "$dir/cadir"
cd "$dir"
key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)

openssl req -x509 "${key[@]}" -keyout ca.key -out ca.pem -days 2 \
    -subj "/CN=wasyncio test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

# leaf NAME CN EXTENSIONS: a key and a certificate signed by the CA
leaf() {
    openssl req "${key[@]}" -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
    printf '%b\n' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
        -out "$1.pem" -days 2 -extfile "$1.ext"
}
leaf server 127.0.0.1 "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"
leaf client "wasyncio test client" "extendedKeyUsage=clientAuth"

openssl req -x509 "${key[@]}" -keyout self.key -out self.pem -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1"

cp ca.pem cadir/
openssl rehash cadir
