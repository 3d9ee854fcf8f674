#!/bin/sh
# certs.sh DIR: a throwaway test PKI made with certtool (gnutls-bin):
#   ca.pem/ca.key            the test CA
#   localhost.pem/.key       DNS:localhost, IP:127.0.0.1, signed by the CA
#   wrong.pem/.key           DNS:wrong.example, signed by the CA
#   self.pem/.key            DNS:localhost, self-signed
#   expired.pem/.key         DNS:localhost, signed by the CA, expired
#   other-ca.pem/.key, untrusted.pem/.key  localhost, from a CA nobody trusts
#   client.pem/.key          a client certificate signed by the CA
# Idempotent: does nothing when DIR/ca.pem exists.
set -eu
d=$1
[ -f "$d/ca.pem" ] && exit 0
mkdir -p "$d"
ct() { certtool "$@" >/dev/null 2>&1 || { echo "certs.sh: certtool $* failed" >&2; exit 1; }; }
key() { ct --generate-privkey --key-type=ecdsa --outfile "$d/$1.key"; }
tmpl() { f="$d/$1.tmpl"; shift; printf '%s\n' "$@" > "$f"; echo "$f"; }

key ca
ct --generate-self-signed --load-privkey "$d/ca.key" --outfile "$d/ca.pem" \
  --template "$(tmpl ca 'cn = "sealpost test CA"' ca cert_signing_key expiration_days = 30)"
key other-ca
ct --generate-self-signed --load-privkey "$d/other-ca.key" --outfile "$d/other-ca.pem" \
  --template "$(tmpl other-ca 'cn = "untrusted test CA"' ca cert_signing_key expiration_days = 30)"

leaf() { # name cn dns [extra template lines...]
  n=$1 cn=$2 dns=$3; shift 3
  key "$n"
  tmpl "$n" "cn = \"$cn\"" "dns_name = \"$dns\"" "ip_address = \"127.0.0.1\"" \
    tls_www_server signing_key encryption_key "$@" > /dev/null
}
leaf localhost localhost localhost "expiration_days = 30"
ct --generate-certificate --load-privkey "$d/localhost.key" --load-ca-certificate "$d/ca.pem" \
  --load-ca-privkey "$d/ca.key" --template "$d/localhost.tmpl" --outfile "$d/localhost.pem"
leaf wrong wrong.example wrong.example "expiration_days = 30"
sed -i '/ip_address/d' "$d/wrong.tmpl"
ct --generate-certificate --load-privkey "$d/wrong.key" --load-ca-certificate "$d/ca.pem" \
  --load-ca-privkey "$d/ca.key" --template "$d/wrong.tmpl" --outfile "$d/wrong.pem"
leaf self localhost localhost "expiration_days = 30"
ct --generate-self-signed --load-privkey "$d/self.key" --template "$d/self.tmpl" --outfile "$d/self.pem"
leaf expired localhost localhost 'activation_date = "2020-01-01 00:00:00"' \
  'expiration_date = "2020-02-01 00:00:00"'
ct --generate-certificate --load-privkey "$d/expired.key" --load-ca-certificate "$d/ca.pem" \
  --load-ca-privkey "$d/ca.key" --template "$d/expired.tmpl" --outfile "$d/expired.pem"
leaf untrusted localhost localhost "expiration_days = 30"
ct --generate-certificate --load-privkey "$d/untrusted.key" --load-ca-certificate "$d/other-ca.pem" \
  --load-ca-privkey "$d/other-ca.key" --template "$d/untrusted.tmpl" --outfile "$d/untrusted.pem"
key client
tmpl client 'cn = "sealpost test client"' tls_www_client signing_key "expiration_days = 30" > /dev/null
ct --generate-certificate --load-privkey "$d/client.key" --load-ca-certificate "$d/ca.pem" \
  --load-ca-privkey "$d/ca.key" --template "$d/client.tmpl" --outfile "$d/client.pem"
