#!/usr/bin/env bash
# kill.sh SEALPOST: kill -9 sealpost at chosen points of a foreground
# delivery, an -odb background delivery and a queue run (the fault server
# stalls there), then check the promise of sealpost(8) EXIT STATUS: every message
# whose caller saw 0, and every message already queued, is delivered or
# still queued; none is lost or half-sent; a kill after the server's final
# reply does not cause a second delivery. Prints "kill tests: N passed, M failed".
set -u
bin=${1:?usage: kill.sh SEALPOST}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/sealpost-kill.XXXXXX")
spids=()
cleanup() {
	for p in "${spids[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
sh "$here/../lib/certs.sh" "$work/pki" || exit 1
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; }

# serve NAME SCRIPT: start faultsrv with SCRIPT (implicit TLS); sets $port.
serve() {
	local d="$work/$1"
	mkdir -p "$d"
	{ echo "#! implicit"; printf '%s\n' "$2"; } > "$d/scn"
	rm -f "$d/port"
	python3 "$here/faultsrv.py" --scenario "$d/scn" --port-file "$d/port" --log "$d/received" \
		--cert "$work/pki/localhost.pem" --key "$work/pki/localhost.key" \
		--data-file "$d/data" --accept-timeout 20 & spids+=($!)
	for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
	port=$(cat "$d/port")
}
# config NAME PORT: a config with the queue in $work/NAME.q
config() {
	cat > "$work/$1.conf" <<CONF
[global]
hostname = client.example.test
log = $work/log
queue_dir = $work/queue
retry_min = 1s
connect_timeout = 5s
command_timeout = 20s
[account default]
host = localhost
port = $2
tls = implicit
tls_ca_file = $work/pki/ca.pem
user = alice
password = secret-password-1
from = alice@example.test
CONF
	chmod 600 "$work/$1.conf"
	echo "$work/$1.conf"
}
# wait_for FILE PATTERN: until FILE has a line matching PATTERN (10 s).
wait_for() {
	for _ in $(seq 200); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
entries() { find "$work/queue/q" -name '*.env' 2>/dev/null | wc -l; }
tmpfiles() { find "$work/queue/tmp" -type f 2>/dev/null | wc -l; }
reset_queue() { rm -rf "$work/queue"; }

GOOD='S: 220 mx ESMTP
C: EHLO .*
S: 250-mx
S: 250 AUTH PLAIN
C: AUTH PLAIN .*
S: 235 ok
C: MAIL FROM:.*
S: 250 ok
C: RCPT TO:.*
S: 250 ok
C: DATA
S: 354 go
DATA'
MSG='Subject: kill test

line 1
.line 2
'
# body_of FILE: what the server received after the header block.
body_of() { sed '1,/^\r$/d' "$1"; }
expected_body() { printf 'line 1\r\n..line 2\r\n'; }
intact() { [ -f "$1" ] && cmp -s <(expected_body) <(body_of "$1"); }

# deliver_good NAME: a server that accepts; afterwards check the data.
good_server() { serve "$1" "$GOOD
S: 250 queued
C: QUIT
S: 221 bye"; }

t=foreground_killed_before_greeting
reset_queue
serve $t 'SLEEP: 30'
cf=$(config $t "$port")
printf '%s' "$MSG" | "$bin" -C "$cf" bob@example.test 2>/dev/null & p=$!
sleep 0.5; kill -9 $p; wait $p 2>/dev/null; rc=$?
if [ $rc -ne 137 ]; then bad $t "exit $rc (should have been killed)"
elif [ "$(entries)" != 0 ] || [ "$(tmpfiles)" != 0 ]; then bad $t "left $(entries) entries, $(tmpfiles) tmp files"
else ok $t; fi

t=foreground_killed_mid_data
reset_queue
serve $t "$GOOD
SLEEP: 30"
cf=$(config $t "$port")
printf '%s' "$MSG" | "$bin" -C "$cf" bob@example.test 2>/dev/null & p=$!
wait_for "$work/$t/received" '<data'; kill -9 $p; wait $p 2>/dev/null; rc=$?
# The caller never saw 0, so it still owns the message: nothing queued.
if [ $rc -ne 137 ]; then bad $t "exit $rc"
elif [ "$(entries)" != 0 ] || [ "$(tmpfiles)" != 0 ]; then bad $t "left $(entries) entries, $(tmpfiles) tmp files"
else ok $t; fi

# Queue a message with the server down; it is then in the queue.
queue_one() {
	reset_queue
	printf '%s' "$MSG" | "$bin" -C "$(config down 1)" bob@example.test 2>/dev/null
}

t=queue_run_killed_mid_data_then_delivered
queue_one; n0=$(entries)
env0=$(cat "$work"/queue/q/*.env)
serve $t-stall "$GOOD
SLEEP: 30"
"$bin" -C "$(config $t "$port")" --flush 2>/dev/null & p=$!
wait_for "$work/$t-stall/received" '<data'; kill -9 $p; wait $p 2>/dev/null
n1=$(entries); env1=$(cat "$work"/queue/q/*.env 2>/dev/null)
good_server $t-good
"$bin" -C "$(config $t-2 "$port")" --flush 2>/dev/null
if [ "$n0" != 1 ] || [ "$n1" != 1 ]; then bad $t "entries: $n0 before, $n1 after the kill"
elif [ "$env0" != "$env1" ]; then bad $t "the envelope changed although nothing was delivered"
elif ! intact "$work/$t-good/data"; then bad $t "not delivered intact afterwards"
elif [ "$(entries)" != 0 ]; then bad $t "entry left after delivery"
else ok $t; fi

t=queue_run_killed_after_final_reply_no_duplicate
queue_one
serve $t "$GOOD
S: 250 queued
C: QUIT
SLEEP: 30"
"$bin" -C "$(config $t "$port")" --flush 2>/dev/null & p=$!
wait_for "$work/$t/received" '^QUIT'; kill -9 $p; wait $p 2>/dev/null
if [ "$(entries)" != 0 ]; then bad $t "entry still queued: the next run would deliver it twice"
elif ! intact "$work/$t/data"; then bad $t "data not intact"
else ok $t; fi

t=odb_child_killed_mid_data_then_delivered
reset_queue
serve $t-stall "$GOOD
SLEEP: 30"
cf=$(config $t "$port")
: > "$work/log"
printf '%s' "$MSG" | "$bin" -C "$cf" -odb bob@example.test 2>/dev/null; rc=$?
wait_for "$work/$t-stall/received" '<data'
cpid=$(sed -n 's/.*background delivery (pid \([0-9]*\)).*/\1/p' "$work/log" | tail -n 1)
[ -n "$cpid" ] && kill -9 "$cpid" 2>/dev/null
sleep 0.2
n1=$(entries)
good_server $t-good
"$bin" -C "$(config $t-2 "$port")" --flush 2>/dev/null
if [ $rc -ne 0 ]; then bad $t "-odb exit $rc"
elif [ -z "$cpid" ]; then bad $t "no background pid in the log"
elif [ "$n1" != 1 ]; then bad $t "$n1 entries after killing the child, expected 1"
elif ! intact "$work/$t-good/data"; then bad $t "not delivered intact afterwards"
elif [ "$(entries)" != 0 ]; then bad $t "entry left after delivery"
else ok $t; fi

t=queue_run_killed_before_greeting_keeps_entry
queue_one
serve $t 'SLEEP: 30'
"$bin" -C "$(config $t "$port")" --flush 2>/dev/null & p=$!
sleep 0.5; kill -9 $p; wait $p 2>/dev/null
if [ "$(entries)" != 1 ]; then bad $t "$(entries) entries, expected 1"
else ok $t; fi

t=queue_run_mail_451_with_pipelined_503_stays_queued
# With PIPELINING a refused MAIL makes the server answer RCPT with 503;
# that says nothing about the recipient: the entry must stay, unbounced.
queue_one
serve $t 'S: 220 mx ESMTP
C: EHLO .*
S: 250-mx
S: 250-PIPELINING
S: 250 AUTH PLAIN
C: AUTH PLAIN .*
S: 235 ok
C: MAIL FROM:.*
C: RCPT TO:.*
S: 451 4.3.0 try later
S: 503 5.5.1 need MAIL
C: RSET
S: 250 ok
C: QUIT
S: 221 bye'
"$bin" -C "$(config $t "$port")" --flush 2>/dev/null
if [ "$(entries)" != 1 ]; then bad $t "$(entries) entries: the message was bounced or lost"
elif grep -q 'pending' "$work"/queue/q/*.env && ! grep -q 'failed' "$work"/queue/q/*.env; then ok $t
else bad $t "the recipient is not pending"; fi

echo "kill tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
