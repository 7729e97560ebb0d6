#!/bin/sh
# Regenerates the test PKI of the certificate-mode tests (test keys only, never for real signing):
# a P-256 root CA, four leaf certificates it issued for the same key (leaf-key.pem): valid,
# expired, without digitalSignature, with an unknown critical extension; and an unrelated root.
# The CA keys are thrown away. Needs OpenSSL 3.
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = testca
[testca]
dir = $work
unique_subject = no
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectAltName = email:signer@example.com
[nosign]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyAgreement
[critical]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
1.3.6.1.4.1.99999.1 = critical, ASN1:UTF8String:unknown
CNF
: > "$work/index.txt"
echo 01 > "$work/serial"
root() { # name common-name: a self-signed CA valid 2024-2124, whatever today's date
  openssl ecparam -name prime256v1 -genkey -noout -out "$work/$1-key.pem"
  openssl req -new -key "$work/$1-key.pem" -subj "/CN=$2" -out "$work/$1.csr"
  openssl ca -batch -selfsign -config "$work/ca.cnf" -keyfile "$work/$1-key.pem" \
    -extensions root -startdate 20240101000000Z -enddate 21240101000000Z \
    -in "$work/$1.csr" -out "$work/$1.pem" -notext 2>"$work/ca.log" || { cat "$work/ca.log" >&2; exit 1; }
  openssl x509 -in "$work/$1.pem" -out "$1.pem"
}
root root rampart-test-root
root other-root rampart-other-root
openssl ecparam -name prime256v1 -genkey -noout -out leaf-key.pem
openssl req -new -key leaf-key.pem -subj "/CN=rampart-test-signer" -out "$work/leaf.csr"
issue() { # name extensions startdate enddate
  openssl ca -batch -config "$work/ca.cnf" -cert root.pem -keyfile "$work/root-key.pem" \
    -extensions "$2" -startdate "$3" -enddate "$4" -in "$work/leaf.csr" -out "$work/$1.pem" \
    -notext 2>"$work/ca.log" || { cat "$work/ca.log" >&2; exit 1; }
  openssl x509 -in "$work/$1.pem" -out "$1.pem"
}
issue leaf leaf 20240101000000Z 21240101000000Z
issue leaf-expired leaf 20000101000000Z 20010101000000Z
issue leaf-no-sign nosign 20240101000000Z 21240101000000Z
issue leaf-critical critical 20240101000000Z 21240101000000Z
