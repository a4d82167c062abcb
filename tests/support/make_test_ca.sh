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
# and certificates with exactly one thing wrong each, all for server.key:
#   expired.crt             signed by the CA, right names, valid only in 2020
#   notyet.crt              signed by the CA, right names, valid from 2090
#   wrongname.crt           signed by the CA, for wrong.example and 192.0.2.1
#   unknown.crt             right names and dates, signed by other_ca.crt, a
#                           CA the device does not know
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

# make_ca NAME CN: a self-signed CA certificate NAME.crt with key NAME.key.
make_ca() {
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$1.key" -out "$1.crt" -days "$days" -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# leaf_ext FILE SAN: the extensions of a server certificate.
leaf_ext() {
  cat > "$1" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
$2
EXT
}

make_ca ca "sysota test CA"

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
leaf_ext server.ext "$san"
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
  -out server.crt -days "$days" -extfile server.ext 2>/dev/null

# Same names as the real server certificate, so a refusal can only come from
# the chain, never from a host name mismatch.
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout self.key -out self.crt -days "$days" -subj "/CN=127.0.0.1" \
  -addext "$san" 2>/dev/null

# Validity periods in the past and in the future: `openssl ca` is the
# command that takes explicit dates (openssl 3.0's x509 only counts days).
mkdir -p ca.d/issued
: > ca.d/index.txt
echo 1000 > ca.d/serial
cat > ca.d/ca.cnf <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = ca.d/index.txt
new_certs_dir = ca.d/issued
serial = ca.d/serial
default_md = sha256
policy = any_name
unique_subject = no
[ any_name ]
commonName = supplied
CNF
# dated OUT START END: a certificate of server.csr signed by the CA.
dated() {
  openssl ca -batch -notext -config ca.d/ca.cnf -cert ca.crt -keyfile ca.key \
    -in server.csr -out "$1" -startdate "$2" -enddate "$3" -extfile server.ext 2>/dev/null
}
dated expired.crt 20200101000000Z 20200201000000Z
dated notyet.crt 20900101000000Z 20910101000000Z

openssl req -new -key server.key -out wrongname.csr -subj "/CN=wrong.example" 2>/dev/null
leaf_ext wrongname.ext "subjectAltName=DNS:wrong.example,IP:192.0.2.1"
openssl x509 -req -in wrongname.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
  -out wrongname.crt -days "$days" -extfile wrongname.ext 2>/dev/null

make_ca other_ca "sysota unknown CA"
openssl x509 -req -in server.csr -CA other_ca.crt -CAkey other_ca.key -CAcreateserial \
  -out unknown.crt -days "$days" -extfile server.ext 2>/dev/null

rm -rf server.csr server.ext wrongname.csr wrongname.ext ca.srl other_ca.srl ca.d
chmod 600 ca.key server.key self.key other_ca.key
