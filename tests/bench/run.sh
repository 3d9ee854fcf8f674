#!/usr/bin/env bash
# run.sh SEALPOST: sealpost and msmtp side by side against the same private
# Postfix + Dovecot (STARTTLS + AUTH on loopback), in one run, reported as
# ratios: small messages sent one process at a time (the cron/MUA case),
# and one large message (time and peak memory). Then sealpost in MX mode
# (tls_policy = dane) to the same Postfix through the private DNSSEC stack
# (tests/harness/dnssec.sh: NSD + validating Unbound, a DANE-EE TLSA
# record), beside its relay figure: what DNS, DNSSEC and DANE add to a
# send (msmtp has no MX mode). Then the wire (tests/bench/wire.py, through
# tests/bench/rtproxy.py; both clients with AUTH PLAIN): round trips per
# submission on the implicit-TLS and STARTTLS ports, stalls, the time at
# BENCH_DELAY_MS (25) ms each way, a queue run of BENCH_FLUSH (100)
# messages directly and at that delay against one-by-one sends, and CPU per
# message, processes per second and peak RSS for BENCH_N sequential sends.
# Absolute times depend on the machine; the ratios, rates and counts are
# the result. BENCH_N, BENCH_MB, BENCH_RUNS (5: sends per median at the
# delay), BENCH_DELAY_MS and BENCH_FLUSH size it.
set -eu
bin=${1:?usage: run.sh SEALPOST}
here=$(cd "$(dirname "$0")" && pwd)
mta=$here/../harness/mta.sh
n=${BENCH_N:-40}
mb=${BENCH_MB:-100}
runs=${BENCH_RUNS:-5}
delay=${BENCH_DELAY_MS:-25}
flush=${BENCH_FLUSH:-100}
command -v msmtp >/dev/null || { echo "msmtp is not installed (sh tests/deps.sh bench)"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/sealpost-bench.XXXXXX")
chmod 755 "$work"
# sealpost's TLS session cache lives in the run's directory, not in ~.
export XDG_STATE_HOME=$work/state
dnssec=$here/../harness/dnssec.sh
trap 'bash "$mta" stop "$work/mta" >/dev/null 2>&1; bash "$dnssec" stop "$work/dnssec" >/dev/null 2>&1; rm -rf "$work"' EXIT
bash "$mta" start "$work/mta" > "$work/mta.log" 2>&1 || { cat "$work/mta.log"; exit 1; }
# shellcheck disable=SC1091
. "$work/mta/env"
printf '%s\n' "$MTA_PASS" > "$work/pass"; chmod 600 "$work/pass"
cat > "$work/sealpost.conf" <<CONF
[global]
hostname = bench.example.test
log = none
queue = no
[account default]
host = localhost
port = $MTA_SUBMISSION_PORT
tls = starttls
tls_ca_file = $MTA_CA
user = $MTA_USER
password_file = $work/pass
from = $MTA_USER
CONF
cat > "$work/msmtprc" <<CONF
account default
host localhost
port $MTA_SUBMISSION_PORT
tls on
tls_starttls on
tls_trust_file $MTA_CA
auth on
user $MTA_USER
passwordeval cat $work/pass
from $MTA_USER
CONF
chmod 600 "$work/sealpost.conf" "$work/msmtprc"
head -c 1024 /dev/urandom | base64 -w 76 | { printf 'Subject: bench\n\n'; cat; } > "$work/small"
python3 -c "
import sys
line = ('z' * 76 + '\n') * 1000
sys.stdout.write('Subject: big\n\n')
for _ in range($mb * 1024 * 1024 // len(line)): sys.stdout.write(line)
" > "$work/big"

# cmd CLIENT: the command line that sends one message from stdin.
cmd() {
	case $1 in
	sealpost) echo "$bin -C $work/sealpost.conf bob@$MTA_DOMAIN" ;;
	msmtp) echo "msmtp -C $work/msmtprc bob@$MTA_DOMAIN" ;;
	sealpost-mx) echo "$bin -C $work/mx.conf bob@$MTA_DOMAIN" ;;
	esac
}
now_ns() { date +%s%N; }
# small CLIENT: nanoseconds for n sequential sends, best of 3 rounds.
small() {
	local best=0 t0 t1 c
	c=$(cmd "$1")
	for _ in 1 2 3; do
		t0=$(now_ns)
		for _ in $(seq "$n"); do
			$c < "$work/small" > /dev/null 2>&1 || { echo "$1: a send failed" >&2; exit 1; }
		done
		t1=$(now_ns)
		if [ "$best" = 0 ] || [ $((t1 - t0)) -lt "$best" ]; then best=$((t1 - t0)); fi
	done
	echo "$best"
}
# big CLIENT: "seconds peak-RSS-KiB" for the large message, best of 2.
big() {
	local best="" out
	for _ in 1 2; do
		# shellcheck disable=SC2046
		out=$(/usr/bin/time -f '%e %M' $(cmd "$1") < "$work/big" 2>&1 >/dev/null | tail -n 1)
		if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if ${out%% *} < ${best%% *} else 1)"; then
			best=$out
		fi
	done
	echo "$best"
}

# MX mode: example.test's MX is mx.secure.test, DNSSEC-signed, with a
# DANE-EE(3) SPKI(1) SHA-256(1) record for the harness's certificate.
spki=$(certtool --certificate-info --infile "$MTA_DIR/tls/localhost.pem" 2>/dev/null |
	sed -n '/Public Key ID:/,/Public Key PIN/s/^[[:space:]]*sha256:\([0-9a-f]\{64\}\)$/\1/p' | head -n 1)
{
	echo "$MTA_DOMAIN. 300 IN MX 10 mx.secure.test."
	echo "mx.secure.test. 300 IN A 127.0.0.1"
	echo "_$MTA_SMTP_PORT._tcp.mx.secure.test. 300 IN TLSA 3 1 1 $spki"
} > "$work/dnssec.records"
bash "$dnssec" start "$work/dnssec" "$work/dnssec.records" > "$work/dnssec.log" 2>&1 ||
	{ cat "$work/dnssec.log"; exit 1; }
# shellcheck disable=SC1091
. "$work/dnssec/env"
cat > "$work/mx.conf" <<CONF
[global]
hostname = bench.example.test
log = $work/mx.log
queue = no
dns_server = 127.0.0.1:$DNSSEC_RESOLVER_PORT
dns_trust_ad = yes
[account default]
mode = mx
mx_port = $MTA_SMTP_PORT
tls_policy = dane
mta_sts = no
from = $MTA_USER
CONF
chmod 600 "$work/mx.conf"

echo "sealpost vs msmtp, same Postfix+Dovecot on loopback, STARTTLS + AUTH"
echo "$(msmtp --version | head -n 1); $("$bin" --version)"
ss=$(small sealpost); sm=$(small msmtp)
bs=$(big sealpost); bm=$(big msmtp)
sx=$(small sealpost-mx)
dane=$(grep -c 'verified=dane .*status=sent' "$work/mx.log" || true)
[ "$dane" = $((3 * n)) ] || { echo "MX mode: $dane of $((3 * n)) sends were verified=dane" >&2; tail -n 3 "$work/mx.log" >&2; exit 1; }
python3 - "$n" "$mb" "$ss" "$sm" "$bs" "$bm" "$sx" <<'PY'
import sys
n, mb = int(sys.argv[1]), int(sys.argv[2])
ss, sm = float(sys.argv[3]) / 1e9, float(sys.argv[4]) / 1e9
bst, brss = map(float, sys.argv[5].split()); bmt, bmrss = map(float, sys.argv[6].split())
sx = float(sys.argv[7]) / 1e9
print(f"{'case':32} {'sealpost':>12} {'msmtp':>12} {'msmtp/sealpost':>15}")
print(f"{f'{n} x 1 KiB, one process each':32} {ss/n*1000:10.1f}ms {sm/n*1000:10.1f}ms {sm/ss:14.2f}x")
print(f"{f'1 x {mb} MiB, time':32} {bst:11.2f}s {bmt:11.2f}s {bmt/bst:14.2f}x")
print(f"{f'1 x {mb} MiB, peak RSS':32} {brss/1024:9.1f}MiB {bmrss/1024:9.1f}MiB {bmrss/brss:14.2f}x")
print()
print(f"{'case':32} {'MX (dane)':>12} {'relay':>12} {'MX/relay':>15}")
print(f"{f'{n} x 1 KiB, one process each':32} {sx/n*1000:10.1f}ms {ss/n*1000:10.1f}ms {sx/ss:14.2f}x")
print(f"  (MX: DNSSEC-validated MX, A and TLSA lookups through Unbound, DANE-EE, no AUTH;")
print(f"   relay: STARTTLS + AUTH; msmtp/sealpost-MX {sm/sx:.2f}x)")
PY
echo
python3 "$here/wire.py" wire --bin "$bin" --work "$work" --stdin "$work/small" \
	--n "$n" --runs "$runs" --delay-ms "$delay" --flush "$flush"
