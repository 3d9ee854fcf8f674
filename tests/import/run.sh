#!/bin/bash
# SPDX-License-Identifier: MIT
# sealpost --import end to end, as an administrator runs it:
#
#   bash tests/import/run.sh [SEALPOST_BIN]
#
# - the converted configuration passes sealpost --check-config -C;
# - a password in the file shows in neither stdout nor stderr;
# - the exit statuses: 0, 64 (unknown format), 66 (missing or unreadable
#   file, a directory), 78 (malformed, or nothing to carry over);
# - msmtp's own reading of the same file (msmtp -P, when msmtp is installed,
#   else that part says it was skipped): for every account, host, port,
#   user and from as msmtp resolves them (defaults, inheritance) are what the
#   converted account holds.
# Nothing touches the network; everything lives in a scratch directory.
set -u

here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$here/src/sealpost}
[ -x "$bin" ] || { echo "import: $bin is not an executable (run 'make')"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sealpost-import.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
export HOME=$tmp XDG_CONFIG_HOME=$tmp/.config
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "import: FAILED: $*"; }

secret=Pw-8f3kQ-never-shown
cat > "$tmp/msmtprc" <<RC
# an msmtprc with most of what people write
defaults
port 587
tls on
tls_trust_file system
logfile ~/msmtp.log

account work
host smtp.work.example
from alice@work.example
auth on
user alice
passwordeval "echo token"

account work2 : work
from alice.two@work.example

account home
host mail.home.example
port 465
tls_starttls off
auth plain
user "alice home"
password $secret
from alice@home.example
set_from_header on

account plain
host relay.lan.example
port 25
tls off

account default : work
RC
chmod 600 "$tmp/msmtprc"

"$bin" --import msmtp "$tmp/msmtprc" > "$tmp/out.conf" 2> "$tmp/err"
rc=$?
[ $rc -eq 0 ] && ok || bad "--import msmtp exited $rc: $(cat "$tmp/err")"
chmod 600 "$tmp/out.conf"
if "$bin" --check-config -C "$tmp/out.conf" > "$tmp/dump" 2>&1; then ok
else bad "the converted configuration fails --check-config: $(cat "$tmp/dump")"; fi
if grep -q -- "$secret" "$tmp/out.conf" "$tmp/err"; then bad "the password was printed"; else ok; fi
grep -q "msmtprc:24: password: not carried over" "$tmp/err" && ok ||
    bad "no warning for the password: $(cat "$tmp/err")"
grep -q "msmtprc:31: tls: account plain sends in plaintext" "$tmp/err" && ok ||
    bad "no warning for tls off: $(cat "$tmp/err")"

# The default file: ~/.msmtprc, as msmtp looks it up.
cp "$tmp/msmtprc" "$tmp/.msmtprc"
"$bin" --import msmtp > "$tmp/out2.conf" 2>/dev/null &&
    grep -q "converted from $tmp/.msmtprc" "$tmp/out2.conf" &&
    cmp -s <(sed 1d "$tmp/out.conf") <(sed 1d "$tmp/out2.conf") &&
    ok || bad "--import msmtp without FILE did not read ~/.msmtprc"
rm "$tmp/.msmtprc"
"$bin" --import msmtp > /dev/null 2>&1
rc=$?; [ $rc -eq 66 ] && ok || bad "no ~/.msmtprc: exit $rc, expected 66"

expect() {
	local want=$1 what=$2; shift 2
	"$@" > /dev/null 2> "$tmp/e"
	local rc=$?
	[ $rc -eq "$want" ] && ok || bad "$what: exit $rc, expected $want: $(cat "$tmp/e")"
}
expect 64 "unknown format" "$bin" --import exim "$tmp/msmtprc"
expect 66 "missing file" "$bin" --import msmtp "$tmp/none"
expect 66 "a directory" "$bin" --import msmtp "$tmp"
printf 'account a\nhost h\naccount a\n' > "$tmp/dup"
expect 78 "an account defined twice" "$bin" --import msmtp "$tmp/dup"
printf '# nothing\n' > "$tmp/empty"
expect 78 "no account" "$bin" --import msmtp "$tmp/empty"
head -c 1100000 /dev/zero | tr '\0' '#' > "$tmp/big"
expect 78 "a file over 1 MiB" "$bin" --import msmtp "$tmp/big"
if [ "$(id -u)" -ne 0 ]; then
	cp "$tmp/msmtprc" "$tmp/closed"; chmod 000 "$tmp/closed"
	expect 66 "an unreadable file" "$bin" --import msmtp "$tmp/closed"
fi

# ssmtp and dma. convert FORMAT FILE: converted into FILE.out (and
# FILE.err), which must pass --check-config and hold no password.
convert() {
	"$bin" --import "$1" "$2" > "$2.out" 2> "$2.err" && ok || bad "--import $1: $(cat "$2.err")"
	chmod 600 "$2.out"
	"$bin" --check-config -C "$2.out" > /dev/null 2>&1 && ok || bad "$1 result fails --check-config"
	grep -q -- "$secret" "$2.out" "$2.err" && bad "$1: the password was printed" || ok
}
printf 'mailhub=smtp.isp.example:587\nUseSTARTTLS=YES\nAuthUser=bob\nAuthPass=%s\n' \
    "$secret" > "$tmp/ssmtp.conf"
convert ssmtp "$tmp/ssmtp.conf"
printf 'bob|smtp.isp.example:%s\n' "$secret" > "$tmp/auth.conf"
printf 'SMARTHOST smtp.isp.example\nPORT 587\nSECURETRANSFER\nSTARTTLS\nAUTHPATH %s\n' \
    "$tmp/auth.conf" > "$tmp/dma.conf"
convert dma "$tmp/dma.conf"
grep -q '^user = bob$' "$tmp/dma.conf.out" && ok || bad "dma: no user from AUTHPATH"

# msmtp's own view of each account (msmtp -P) against the converted one
# (the --check-config dump).
if command -v msmtp > /dev/null; then
	for acct in work work2 home plain default; do
		msmtp -C "$tmp/msmtprc" -a "$acct" -P < /dev/null > "$tmp/m.$acct" 2>&1
		awk -v a="[account $acct]" '$0 == a { on = 1; next } /^\[/ { on = 0 } on' \
		    "$tmp/dump" > "$tmp/s.$acct"
		for key in host port user from; do
			m=$(sed -n "s/^$key = //p" "$tmp/m.$acct")
			s=$(sed -n "s/^$key = //p" "$tmp/s.$acct")
			[ "$m" = "(not set)" ] && m=
			# msmtp authenticates only with auth on: sealpost then has no user.
			if [ "$key" = user ] && grep -q '^auth = none' "$tmp/m.$acct"; then m=; fi
			s=${s#\"}; s=${s%\"}
			[ "$m" = "$s" ] && ok || bad "account $acct: $key is \"$s\", msmtp says \"$m\""
		done
	done
else
	echo "import: msmtp not installed: the comparison with msmtp -P was skipped"
fi

echo "import: $pass checks passed, $fail failed"
[ "$fail" -eq 0 ]
