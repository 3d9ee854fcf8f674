# Queue cases: a deferred message exits 0 only once it is durably queued,
# and is delivered exactly once by a later run. Sourced by run.sh.

# entries DIR: committed queue entries.
entries() { find "$1/q" -name '*.env' 2>/dev/null | wc -l; }
# count_mail USER TAG: how many copies arrived.
count_mail() { grep -l -- "$2" "$MTA_MAILDIR_BASE/$1/new"/* 2>/dev/null | wc -l; }

t=server_down_queued_then_delivered_once
newtag; q="$work/q-$t"
down=$(QDIR=$q config $t-down 1 implicit)
up=$(QDIR=$q config $t-up "$MTA_SMTPS_PORT" implicit)
sample "$tg" | "$bin" -C "$down" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
n1=$(entries "$q")
"$bin" -C "$down" -bp > "$work/mailq" 2>&1
sleep 1.1
"$bin" -C "$up" -q 2>> "$work/err"; rc2=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc, expected 0 (queued)"
elif [ "$n1" != 1 ]; then bad $t "$n1 queue entries after the deferral, expected 1"
elif ! grep -q "bob@$MTA_DOMAIN> pending" "$work/mailq" || ! grep -q 'attempts 1' "$work/mailq"; then
	cp "$work/mailq" "$work/err"; bad $t "mailq does not show the entry"
elif [ $rc2 -ne 0 ]; then bad $t "-q exit $rc2"
elif ! wait_mail bob "$tg" >/dev/null; then bad $t "not delivered by -q"
elif [ "$(count_mail bob "$tg")" != 1 ] || [ "$(entries "$q")" != 0 ]; then
	bad $t "$(count_mail bob "$tg") copies, $(entries "$q") entries left"
# delay= counts from when the message was accepted (as Postfix's), not
# from the start of the queue run's attempt: at least the 1.1 s slept.
elif ! grep "status=sent" "$work/sealpost.log" | tail -n 1 | grep -Eq ' delay=([1-9][0-9]*)\.[0-9]{2} '; then
	grep "status=sent" "$work/sealpost.log" | tail -n 1 > "$work/err"; bad $t "delay= does not count from acceptance"
else ok $t; fi

t=queue_run_with_server_still_down_keeps_entry
newtag; q="$work/q-$t"
down=$(QDIR=$q config $t-down 1 implicit)
up=$(QDIR=$q config $t-up "$MTA_SMTPS_PORT" implicit)
sample "$tg" | "$bin" -C "$down" -i "bob@$MTA_DOMAIN" 2> "$work/err"
"$bin" -C "$down" --flush 2>> "$work/err"; rc=$?
n1=$(entries "$q")
"$bin" -C "$down" -bp > "$work/mailq" 2>&1
"$bin" -C "$up" --flush 2>> "$work/err"
if [ $rc -ne 0 ] || [ "$n1" != 1 ]; then bad $t "after a failed run: exit $rc, $n1 entries (expected 1)"
elif ! grep -q 'attempts 2' "$work/mailq"; then cp "$work/mailq" "$work/err"; bad $t "attempt not recorded"
elif ! wait_mail bob "$tg" >/dev/null || [ "$(entries "$q")" != 0 ]; then bad $t "not delivered afterwards"
else ok $t; fi

t=not_due_yet_is_left_alone_but_flush_sends
newtag; q="$work/q-$t"
down=$(QDIR=$q RETRY_MIN=1h config $t-down 1 implicit)
up=$(QDIR=$q RETRY_MIN=1h config $t-up "$MTA_SMTPS_PORT" implicit)
sample "$tg" | "$bin" -C "$down" -i "bob@$MTA_DOMAIN" 2> "$work/err"
"$bin" -C "$up" -q 2>> "$work/err"
n1=$(entries "$q")
"$bin" -C "$up" --flush 2>> "$work/err"
if [ "$n1" != 1 ]; then bad $t "-q attempted an entry whose retry time had not come"
elif ! wait_mail bob "$tg" >/dev/null || [ "$(entries "$q")" != 0 ]; then bad $t "--flush did not deliver"
else ok $t; fi

t=auth_failure_queued_not_lost
newtag; q="$work/q-$t"
printf 'wrong password\n' > "$work/badpass2"; chmod 600 "$work/badpass2"
cf=$(QDIR=$q config $t "$MTA_SUBMISSION_PORT" starttls)
sed "s|^password_file = .*|password_file = $work/badpass2|" "$cf" > "$cf.bad"; chmod 600 "$cf.bad"
sample "$tg" | "$bin" -C "$cf.bad" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
n1=$(entries "$q")
"$bin" -C "$cf" --flush 2>> "$work/err"
if [ $rc -ne 0 ] || [ "$n1" != 1 ]; then bad $t "exit $rc with $n1 entries, expected 0 and 1"
elif ! wait_mail bob "$tg" >/dev/null; then bad $t "not delivered after the password was fixed"
else ok $t; fi

t=tls_failure_queued
newtag; q="$work/q-$t"
cf=$(QDIR=$q config $t "$MTA_WRONGHOST_PORT" implicit)
sample "$tg" | "$bin" -C "$cf" -i -v "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || [ "$(entries "$q")" != 1 ]; then bad $t "exit $rc with $(entries "$q") entries"
elif ! grep -q "queued as [0-9A-F]\{16\}: .*not verified" "$work/err"; then bad $t "no 'queued as' notice"
else ok $t; fi

t=permanent_failure_not_queued
newtag; q="$work/q-$t"
cf=$(QDIR=$q config $t "$MTA_SUBMISSION_PORT" starttls)
sample "$tg" | "$bin" -C "$cf" -i "nobody@elsewhere.example" 2> "$work/err"; rc=$?
if [ $rc -eq 0 ] || [ "$(entries "$q")" != 0 ]; then bad $t "exit $rc with $(entries "$q") entries"
else ok $t; fi

t=odb_delivers_in_background
newtag; q="$work/q-$t"
cf=$(QDIR=$q config $t "$MTA_SUBMISSION_PORT" starttls)
sample "$tg" | "$bin" -C "$cf" -odb -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! wait_mail bob "$tg" >/dev/null; then bad $t "the background child did not deliver"
else
	for _ in $(seq 50); do [ "$(entries "$q")" = 0 ] && break; sleep 0.1; done
	if [ "$(entries "$q")" != 0 ]; then bad $t "entry left in the queue"; else ok $t; fi
fi

t=expired_message_bounces_to_sender
newtag; q="$work/q-$t"
down=$(QDIR=$q LIFETIME=1s config $t-down 1 implicit)
up=$(QDIR=$q LIFETIME=1s config $t-up "$MTA_SMTPS_PORT" implicit)
sample "$tg" | "$bin" -C "$down" -i "bob@$MTA_DOMAIN" 2> "$work/err"
sleep 1.2
"$bin" -C "$up" -q 2>> "$work/err"
if ! f=$(wait_mail alice "$tg"); then bad $t "no bounce in the sender's mailbox"
elif ! grep -Eq ": from=<$MTA_USER> to=<alice@[^ ]+> .* status=sent" "$work/sealpost.log"; then
	bad $t "bounce not sent as the account's from (doc/decisions.md D20)"
elif ! grep -q "^From: Mail Delivery System <$MTA_USER>" "$f" || ! grep -q '^Auto-Submitted: auto-replied' "$f"; then
	cp "$f" "$work/err"; bad $t "the bounce's From: is not the account's from, or it is not Auto-Submitted"
elif ! grep -q 'report-type=delivery-status' "$f" ||
     ! grep -q "^Final-Recipient: rfc822; bob@$MTA_DOMAIN" "$f" || ! grep -q '^Action: failed' "$f"; then
	cp "$f" "$work/err"; bad $t "not an RFC 3464 report"
elif [ "$(count_mail bob "$tg")" != 0 ]; then bad $t "the expired message was delivered"
elif [ "$(entries "$q")" != 0 ]; then bad $t "$(entries "$q") entries left"
else ok $t; fi

# doc/decisions.md D20: a submission server that refuses MAIL FROM:<> and
# any sender but the login still takes the bounce.
t=bounce_through_a_sender_checking_submission_server
newtag; q="$work/q-$t"
down=$(QDIR=$q LIFETIME=1s config $t-down 1 implicit)
up=$(QDIR=$q LIFETIME=1s config $t-up "$MTA_SUBMISSION_PORT" starttls)
sample "$tg" | "$bin" -C "$down" -i "bob@$MTA_DOMAIN" 2> "$work/err"
sleep 1.2
"$bin" -C "$up" -q 2>> "$work/err"
if ! f=$(wait_mail alice "$tg"); then bad $t "no bounce in the sender's mailbox"
elif ! grep -q "^From: Mail Delivery System <$MTA_USER>" "$f"; then cp "$f" "$work/err"; bad $t "From: is not the account's from"
elif [ "$(entries "$q")" != 0 ]; then bad $t "$(entries "$q") entries left"
else ok $t; fi

t=null_sender_never_bounces
newtag; q="$work/q-$t"
down=$(QDIR=$q LIFETIME=1s config $t-down 1 implicit)
up=$(QDIR=$q LIFETIME=1s config $t-up "$MTA_SMTPS_PORT" implicit)
sample "$tg" | "$bin" -C "$down" -f '<>' -i "bob@$MTA_DOMAIN" 2> "$work/err"
sleep 1.2
"$bin" -C "$up" -q 2>> "$work/err"
"$bin" -C "$up" -bp > "$work/mailq" 2>&1
if ! no_mail alice "$tg" || ! no_mail bob "$tg"; then bad $t "something was delivered"
elif ! grep -q 'failed permanently' "$work/mailq"; then cp "$work/mailq" "$work/err"; bad $t "not kept as failed"
else ok $t; fi

t=corrupt_entries_quarantined_rest_delivered
newtag; q="$work/q-$t"
down=$(QDIR=$q config $t-down 1 implicit)
up=$(QDIR=$q config $t-up "$MTA_SMTPS_PORT" implicit)
sample "$tg" | "$bin" -C "$down" -i "bob@$MTA_DOMAIN" 2> "$work/err"
good=$(basename "$(find "$q/q" -name '*.env' | head -n 1)" .env)
# A truncated envelope, an unknown field, a symlinked message, a hard link.
head -c 60 "$q/q/$good.env" > "$q/q/AAAAAAAAAAAAAAA1.env"; echo x > "$q/q/AAAAAAAAAAAAAAA1.msg"
sed 's/^attempts:/bogus-field: 1\nattempts:/' "$q/q/$good.env" | sed "s/$good/AAAAAAAAAAAAAAA2/" > "$q/q/AAAAAAAAAAAAAAA2.env"
echo x > "$q/q/AAAAAAAAAAAAAAA2.msg"
sed "s/$good/AAAAAAAAAAAAAAA3/" "$q/q/$good.env" > "$q/q/AAAAAAAAAAAAAAA3.env"
ln -s "$q/q/$good.msg" "$q/q/AAAAAAAAAAAAAAA3.msg"
sed "s/$good/AAAAAAAAAAAAAAA4/" "$q/q/$good.env" > "$q/q/AAAAAAAAAAAAAAA4.env"
ln "$q/q/AAAAAAAAAAAAAAA1.msg" "$q/q/AAAAAAAAAAAAAAA4.msg"
chmod 600 "$q"/q/*
"$bin" -C "$up" --flush 2>> "$work/err"; rc=$?
nq=$(ls "$q/corrupt" 2>/dev/null | grep -c 'AAAAAAAAAAAAAAA[1-4]')
if [ $rc -ne 0 ]; then bad $t "queue run exit $rc"
elif ! wait_mail bob "$tg" >/dev/null; then bad $t "the good entry was not delivered"
elif [ "$nq" -lt 7 ]; then ls -la "$q/q" "$q/corrupt" > "$work/err" 2>&1; bad $t "only $nq corrupt files quarantined"
elif [ "$(entries "$q")" != 0 ]; then bad $t "entries left in q/"
else ok $t; fi

t=concurrent_senders_and_runners_exactly_once
q="$work/q-$t"
down=$(QDIR=$q config $t-down 1 implicit)
up=$(QDIR=$q config $t-up "$MTA_SMTPS_PORT" implicit)
base="sealpost-conc-$$"
( for _ in 1 2 3 4 5 6; do "$bin" -C "$up" --flush 2>/dev/null; sleep 0.2; done ) & r1=$!
( for _ in 1 2 3 4 5 6; do "$bin" -C "$up" --flush 2>/dev/null; sleep 0.15; done ) & r2=$!
pids=()
for i in $(seq 50); do
	if [ $((i % 2)) = 0 ]; then c=$down; else c=$up; fi
	printf 'Subject: %s-%d\n\nbody %d\n' "$base" "$i" "$i" | "$bin" -C "$c" "bob@$MTA_DOMAIN" 2>/dev/null &
	pids+=($!)
done
failed_submit=0
for p in "${pids[@]}"; do wait "$p" || failed_submit=$((failed_submit + 1)); done
wait $r1 $r2
"$bin" -C "$up" --flush 2>/dev/null
dups=0 missing=0
for _ in $(seq 100); do [ "$(grep -l "Subject: $base-" "$MTA_MAILDIR_BASE"/bob/new/* 2>/dev/null | wc -l)" -ge 50 ] && break; sleep 0.1; done
for i in $(seq 50); do
	c=$(grep -lx "Subject: $base-$i" "$MTA_MAILDIR_BASE"/bob/new/* 2>/dev/null | wc -l)
	[ "$c" = 0 ] && missing=$((missing + 1))
	[ "$c" -gt 1 ] && dups=$((dups + 1))
done
if [ $failed_submit -ne 0 ]; then bad $t "$failed_submit submissions did not exit 0"
elif [ $missing -ne 0 ] || [ $dups -ne 0 ]; then bad $t "$missing missing, $dups duplicated of 50"
elif [ "$(entries "$q")" != 0 ]; then bad $t "$(entries "$q") entries left"
else ok $t; fi

t=full_file_system_never_exit_0
q="$work/q-$t"
mkdir -p "$q"
if mount -t tmpfs -o size=256k,mode=0700 tmpfs "$q" 2>/dev/null; then
	cf=$(QDIR=$q config $t 1 implicit)
	head -c 1000000 /dev/zero | tr '\0' 'x' | fold -w 70 | { printf 'Subject: big\n\n'; cat; } |
		"$bin" -C "$cf" "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
	left=$(find "$q/q" "$q/tmp" -type f 2>/dev/null | wc -l)
	umount "$q"
	if [ $rc -eq 0 ]; then bad $t "exit 0 although the message could not be stored"
	elif [ $rc -ne 73 ] && [ $rc -ne 74 ]; then bad $t "exit $rc, expected 73 or 74"
	elif [ "$left" != 0 ]; then bad $t "$left files left behind"
	else ok $t; fi
else
	bad $t "cannot mount a small tmpfs (needs root)"
fi

t=notify_never_suppresses_bounce
newtag; q="$work/q-$t"
down=$(QDIR=$q LIFETIME=1s config $t-down 1 implicit)
up=$(QDIR=$q LIFETIME=1s config $t-up "$MTA_SMTPS_PORT" implicit)
sample "$tg" | "$bin" -C "$down" -N never -i "bob@$MTA_DOMAIN" 2> "$work/err"
sleep 1.2
"$bin" -C "$up" -q 2>> "$work/err"
if ! no_mail alice "$tg"; then bad $t "a bounce was sent despite -N never"
elif [ "$(entries "$q")" != 0 ]; then bad $t "entry left"
else ok $t; fi

t=ret_full_bounce_carries_whole_message
newtag; q="$work/q-$t"
down=$(QDIR=$q LIFETIME=1s config $t-down 1 implicit)
up=$(QDIR=$q LIFETIME=1s config $t-up "$MTA_SMTPS_PORT" implicit)
sample "$tg" | "$bin" -C "$down" -R full -i "bob@$MTA_DOMAIN" 2> "$work/err"
sleep 1.2
"$bin" -C "$up" -q 2>> "$work/err"
if ! f=$(wait_mail alice "$tg"); then bad $t "no bounce"
elif ! grep -q '^Content-Type: message/rfc822' "$f" || ! grep -q '^\.\.two dots' "$f"; then
	bad $t "the bounce does not carry the whole message"
else ok $t; fi

t=double_bounce_goes_to_admin
newtag; q="$work/q-$t"
down=$(QDIR=$q LIFETIME=1s G="admin = carol@$MTA_DOMAIN" config $t-down 1 implicit)
up=$(QDIR=$q LIFETIME=1s G="admin = carol@$MTA_DOMAIN" config $t-up "$MTA_SMTPS_PORT" implicit)
sample "$tg" | "$bin" -C "$down" -f '<>' -i "bob@$MTA_DOMAIN" 2> "$work/err"
sleep 1.2
"$bin" -C "$up" -q 2>> "$work/err"
"$bin" -C "$up" -bp > "$work/mailq" 2>&1
if ! f=$(wait_mail carol "$tg"); then bad $t "admin got no notice"
elif ! grep -q 'failed permanently' "$work/mailq"; then bad $t "the failed message is not kept"
else ok $t; fi

t=mailq_without_any_configuration
q="$work/q-$t"; mkdir -p "$q"
XDG_CONFIG_HOME=$work/none XDG_STATE_HOME=$work/state-$t HOME=$work "$bin" -bp > "$work/err" 2>&1; rc=$?
if [ $rc -ne 0 ] || ! grep -q 'Mail queue is empty' "$work/err"; then bad $t "exit $rc"
else ok $t; fi

t=queue_run_reuses_one_connection
q="$work/q-$t"
down=$(QDIR=$q config $t-down 1 implicit)
up=$(QDIR=$q config $t-up "$MTA_SMTPS_PORT" implicit)
# reuse_run BASE N [ACCOUNTS...]: queue N messages through $down (taking
# the accounts in turn), then one --flush through $up with a fresh log;
# $rc its status, $got how many of them arrived.
reuse_run() {
	local base=$1 n=$2 i a; shift 2
	local accts=("${@:-default}")
	for i in $(seq "$n"); do
		a=${accts[$(((i - 1) % ${#accts[@]}))]}
		printf 'Subject: %s-%d\n\nbody\n' "$base" "$i" | "$bin" -C "$down" -a "$a" "bob@$MTA_DOMAIN" 2>/dev/null
	done
	: > "$work/sealpost.log"
	"$bin" -C "$up" --flush 2> "$work/err"; rc=$?
	for _ in $(seq 100); do [ "$(count_mail bob "Subject: $base-")" -ge "$n" ] && break; sleep 0.1; done
	got=$(count_mail bob "Subject: $base-")
}
reuse_run "sealpost-reuse-$$" 4
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ "$got" != 4 ]; then bad $t "$got of 4 delivered"
elif ! grep -q 'queue run: 3 deliveries reused an open connection' "$work/sealpost.log"; then
	cp "$work/sealpost.log" "$work/err"; bad $t "the connection was not reused"
elif [ "$(grep -c 'status=sent' "$work/sealpost.log")" != 4 ]; then bad $t "not one log line per message"
else ok $t; fi

# Two destinations in one queue run (accounts on two ports): each keeps
# its own open connection, whatever order the entries come in.
t=queue_run_keeps_a_connection_per_destination
q="$work/q-$t"
acct_b() {
	printf '%s\n' "[account b]" "host = localhost" "port = $1" "tls = $2" "tls_ca_file = $MTA_CA" \
		"user = $MTA_USER" "password_file = $work/pass" "from = $MTA_USER"
}
mapfile -t bdown < <(acct_b 1 starttls)
mapfile -t bup < <(acct_b "$MTA_SUBMISSION_PORT" starttls)
down=$(QDIR=$q config $t-down 1 implicit "${bdown[@]}")
up=$(QDIR=$q config $t-up "$MTA_SMTPS_PORT" implicit "${bup[@]}")
reuse_run "sealpost-reuse2-$$" 8 default b
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ "$got" != 8 ]; then bad $t "$got of 8 delivered"
elif ! grep -q 'queue run: 6 deliveries reused an open connection' "$work/sealpost.log"; then
	cp "$work/sealpost.log" "$work/err"; bad $t "not one connection per destination"
elif [ "$(grep -c "relay=localhost\[127.0.0.1\]:$MTA_SUBMISSION_PORT .*status=sent" "$work/sealpost.log")" != 4 ]; then
	bad $t "not 4 messages through each account"
else ok $t; fi
