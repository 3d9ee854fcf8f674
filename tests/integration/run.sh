#!/usr/bin/env bash
# run.sh SEALPOST [CASES...]: integration tests against a real Postfix with
# Dovecot SASL, started privately on loopback by tests/harness/mta.sh. Each
# file in cases/ (or each named) is sourced in turn with the helpers below;
# each test checks sealpost's exit status and what arrived (or did not) in
# the Maildir. Prints "integration: N passed, M failed".
set -u
bin=${1:?usage: run.sh SEALPOST [CASES...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
mta=$here/../harness/mta.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/sealpost-it.XXXXXX")
chmod 755 "$work"
stop() {
	bash "$mta" stop "$work/mta" >/dev/null 2>&1
	[ -f "$work/dnssec/env" ] && bash "$here/../harness/dnssec.sh" stop "$work/dnssec" >/dev/null 2>&1
	[ -f "$work/web/srv/nginx.pid" ] && bash "$here/../harness/web.sh" stop "$work/web/srv" >/dev/null 2>&1
	# Exim and OpenSMTPD, started by cases/interop.sh (by recorded PID).
	[ -d "$work/exim" ] && bash "$here/../harness/exim.sh" stop "$work/exim" >/dev/null 2>&1
	[ -d "$work/osmtpd" ] && bash "$here/../harness/opensmtpd.sh" stop "$work/osmtpd" >/dev/null 2>&1
	[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap stop EXIT
if ! bash "$mta" start "$work/mta" > "$work/mta-start.log" 2>&1; then
	cat "$work/mta-start.log"
	echo "integration: cannot start the Postfix harness"
	echo "integration: 0 passed, 1 failed"
	exit 1
fi
# shellcheck disable=SC1091
. "$work/mta/env"

pass=0 fail=0 n=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
# bad NAME WHY: a failure, shown with what explains it: sealpost's stderr,
# the end of its log, and what Postfix deferred or refused lately.
bad() {
	fail=$((fail + 1)); echo "FAIL $1: $2"
	[ -f "$work/err" ] && sed 's/^/     /' "$work/err" | head -n 15
	[ -f "$work/sealpost.log" ] && tail -n 6 "$work/sealpost.log" | sed 's/^/     log: /'
	[ -f "$MTA_POSTFIX_LOG" ] && tail -n 200 "$MTA_POSTFIX_LOG" |
		grep -E 'status=(deferred|bounced)|warning|reject|fatal' | tail -n 6 | sed 's/^/     postfix: /'
	return 0
}

# config_global: the [global] section of config() (QDIR, RETRY_MIN,
# LIFETIME and G="key = value" lines, e.g. queue = no, change it).
config_global() {
	echo "[global]"
	echo "hostname = client.example.test"
	echo "log = $work/sealpost.log"
	echo "connect_timeout = 5s"
	echo "command_timeout = 20s"
	echo "session_timeout = 60s"
	echo "queue_dir = ${QDIR:-$work/queue}"
	echo "retry_min = ${RETRY_MIN:-1s}"
	[ -n "${LIFETIME:-}" ] && echo "queue_lifetime = $LIFETIME"
	[ -n "${G:-}" ] && printf '%s\n' "$G"
	return 0
}
# config NAME PORT TLS [extra lines...]: an account file for the harness.
config() {
	local f="$work/$1.conf" port=$2 tls=$3; shift 3
	{
		config_global
		echo "[account default]"
		echo "host = localhost"
		echo "port = $port"
		echo "tls = $tls"
		echo "tls_ca_file = $MTA_CA"
		echo "user = $MTA_USER"
		echo "password_file = $work/pass"
		echo "from = $MTA_USER"
		printf '%s\n' "$@"
	} > "$f"
	chmod 600 "$f"
	echo "$f"
}
printf '%s\n' "$MTA_PASS" > "$work/pass"
chmod 600 "$work/pass"

# wait_mail USER TAG: the Maildir file for USER containing TAG (Postfix
# delivers asynchronously after its 250; wait up to 20 s).
wait_mail() { wait_mail_in "$MTA_MAILDIR_BASE" "$@"; }
# wait_mail_in BASE USER TAG: the same for another server's Maildir base.
wait_mail_in() {
	local d="$1/$2/new" f
	for _ in $(seq 200); do
		f=$(grep -l -- "$3" "$d"/* 2>/dev/null | head -n 1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.1
	done
	return 1
}
# no_mail USER TAG: nothing with TAG arrived (after Postfix had time).
no_mail() {
	sleep 1
	! grep -lq -- "$2" "$MTA_MAILDIR_BASE/$1/new"/* 2>/dev/null
}
# body FILE: the message body (after the first blank line).
body() { sed '1,/^$/d' "$1"; }
# newtag: a fresh tag in $tg (not a subshell, so the counter advances).
newtag() { n=$((n + 1)); tg="sealpost-test-$$-$n"; }

# Message with awkward lines: leading dots, a lone dot (with -i), CR LF
# input, a long-ish line, trailing spaces.
sample() {
	printf 'Subject: %s\nTo: bob@%s\n\nfirst line\n.starts with a dot\n..two dots\n.\nlast line  \n' "$1" "$MTA_DOMAIN"
}
expected_body() {
	printf 'first line\n.starts with a dot\n..two dots\n.\nlast line  \n'
}

# A case is named by its path or by its name (cases/NAME.sh).
cases=()
for a in "$@"; do
	case $a in */*|*.sh) c=$a ;; *) c=$here/cases/$a.sh ;; esac
	[ -f "$c" ] || { echo "run.sh: no case $a ($c)"; exit 2; }
	cases+=("$c")
done
[ ${#cases[@]} -gt 0 ] || cases=("$here"/cases/*.sh)
for c in "${cases[@]}"; do
	# shellcheck disable=SC1090
	. "$c"
done

echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
