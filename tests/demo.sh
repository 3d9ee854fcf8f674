#!/usr/bin/env bash
# demo.sh SEALPOST: start a private Postfix + Dovecot on loopback (the same
# harness the tests use), send one message through sealpost over STARTTLS
# with AUTH, show the transcript and the message as it arrived, then stop
# the servers.
set -eu
bin=${1:?usage: demo.sh SEALPOST}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/sealpost-demo.XXXXXX")
chmod 755 "$work"
trap 'bash "$here/harness/mta.sh" stop "$work/mta" >/dev/null 2>&1; rm -rf "$work"' EXIT

echo "==> starting a private Postfix + Dovecot on 127.0.0.1 (in $work)"
bash "$here/harness/mta.sh" start "$work/mta" > "$work/start.log" 2>&1 || {
	cat "$work/start.log"; exit 1; }
# shellcheck disable=SC1091
. "$work/mta/env"
printf '%s\n' "$MTA_PASS" > "$work/pass"
chmod 600 "$work/pass"
cat > "$work/sealpost.conf" <<CONF
[global]
hostname = demo-client.example.test
log = stderr

[account default]
host = localhost
port = $MTA_SUBMISSION_PORT
tls = starttls
tls_ca_file = $MTA_CA
user = $MTA_USER
password_file = $work/pass
from = $MTA_USER
CONF
chmod 600 "$work/sealpost.conf"
echo "==> configuration ($work/sealpost.conf):"
sed 's/^/    /' "$work/sealpost.conf"
echo
echo "==> sending: sealpost -C sealpost.conf -v -t   (transcript: >>> client, <<< server)"
printf 'To: Bob <bob@%s>\nSubject: Hello from sealpost\n\nThis message travelled over TLS with SMTP AUTH.\n.A line starting with a dot survives.\n' \
	"$MTA_DOMAIN" | "$bin" -C "$work/sealpost.conf" -v -t
echo "==> exit status: $?"
echo
echo "==> waiting for delivery into $MTA_MAILDIR_BASE/bob/new/"
for _ in $(seq 100); do
	f=$(ls "$MTA_MAILDIR_BASE"/bob/new/* 2>/dev/null | head -n 1) && [ -n "$f" ] && break
	sleep 0.1
done
[ -n "${f:-}" ] || { echo "no message arrived"; tail -n 20 "$MTA_DIR"/postfix.log 2>/dev/null; exit 1; }
echo "==> the message as received by Postfix ($f):"
sed 's/^/    /' "$f"
echo
echo "==> stopping the servers"
