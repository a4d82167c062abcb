#!/bin/sh
# make_test_ca.sh OUTDIR
#
# Makes throw-away TLS material for the tests, with the openssl command, at
# test time (nothing secret is ever committed):
#   ca.key ca.crt           a test certificate authority
#   server.key server.crt   a server certificate for 127.0.0.1 and localhost,
#                           signed by that CA (what a correctly set up device trusts)
#   self.key self.crt       an unrelated self-signed certificate for the same
#                           names (the "wrong certificate" cases)
# EC P-256 keys keep generation fast enough to run per test.
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$1
mkdir -p "$out"
cd "$out"

days=30
san="subjectAltName=IP:127.0.0.1,DNS:localhost"

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout ca.key -out ca.crt -days "$days" -subj "/CN=sysota test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
cat > server.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
$san
EXT
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
  -out server.crt -days "$days" -extfile server.ext 2>/dev/null

# Same names as the real server certificate, so a refusal can only come from
# the chain, never from a host name mismatch.
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout self.key -out self.crt -days "$days" -subj "/CN=127.0.0.1" \
  -addext "$san" 2>/dev/null

rm -f server.csr server.ext ca.srl
chmod 600 ca.key server.key self.key
