# The wire: how sealpost batches and pipelines against the real Postfix.
# Sourced by run.sh, which provides the helpers.

# D15: Postfix takes 100 recipients per transaction (the harness sets
# smtpd_recipient_limit = 100) and says "452 4.5.3 Error: too many
# recipients" to the rest: one send to 150 recipients is delivered to all
# of them, in two transactions on one connection, and exits 0.
t=rcpt_limit_150_in_batches
newtag; cf=$(G="queue = no" config $t "$MTA_SUBMISSION_PORT" starttls)
rcpts=(); for i in $(seq 150); do rcpts+=("batch$i@$MTA_DOMAIN"); done
sample "$tg" | "$bin" -C "$cf" -i -v "${rcpts[@]}" 2> "$work/err"; rc=$?
missing=0
if [ $rc -eq 0 ]; then
	for i in $(seq 150); do wait_mail "batch$i" "$tg" >/dev/null || missing=$((missing + 1)); done
fi
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! grep -q '452 4.5.3' "$work/err"; then bad $t "Postfix did not meet its recipient limit"
elif [ "$(grep -c '^--- connected' "$work/err")" -ne 1 ]; then bad $t "not one connection"
elif [ "$(grep -c '^>>> MAIL FROM' "$work/err")" -ne 2 ]; then bad $t "not two transactions"
elif [ $missing -ne 0 ]; then bad $t "$missing of 150 recipients got nothing"
else ok $t; fi

# Issue #11: round trips per submission, counted (not timed) by the proxy
# of tests/lib/rtcount.sh (tests/bench/rtproxy.py, 5 ms each way) between
# sealpost and Postfix: one 1 KiB message, one recipient, AUTH PLAIN; the
# TCP connect counts one, and so does every flight from the server the
# client waits for. doc/decisions.md D12 (MAIL, RCPT and the message in
# one flight, QUIT behind it): implicit TLS (465) at most 6, STARTTLS (587)
# at most 8. A count, not a time, so it is asserted (RT_MAX_IMPLICIT and
# RT_MAX_STARTTLS lower the bounds, to see the test fail).
rt_max_implicit=${RT_MAX_IMPLICIT:-6} rt_max_starttls=${RT_MAX_STARTTLS:-8}
head -c 1024 /dev/zero | tr '\0' 'r' | fold -w 64 > "$work/rt.body"
for mode in implicit starttls; do
	t=round_trips_${mode}_one_recipient_auth_plain
	if [ $mode = implicit ]; then port=$MTA_SMTPS_PORT; max=$rt_max_implicit
	else port=$MTA_SUBMISSION_PORT; max=$rt_max_starttls; fi
	if ! pp=$(sh "$here/../lib/rtcount.sh" start "$work/rt-$mode" "127.0.0.1:$port" --trace 2> "$work/err"); then
		bad $t "the counting proxy did not start"; continue
	fi
	newtag
	cf=$(G="queue = no" config $t "$pp" $mode "tls_server_name = localhost" "auth_mechanisms = PLAIN")
	sed -i 's/^host = localhost$/host = 127.0.0.1/' "$cf"
	{ printf 'Subject: %s\n\n' "$tg"; cat "$work/rt.body"; } | head -c 1024 > "$work/rt.msg"
	"$bin" -C "$cf" -i "bob@$MTA_DOMAIN" < "$work/rt.msg" 2> "$work/err"; rc=$?
	rt=$(sh "$here/../lib/rtcount.sh" count "$work/rt-$mode" 1 2>> "$work/err")
	sh "$here/../lib/rtcount.sh" stop "$work/rt-$mode"
	if [ $rc -ne 0 ]; then bad $t "exit $rc"
	elif [ -z "$rt" ]; then bad $t "the proxy logged no connection"
	elif ! wait_mail bob "$tg" > /dev/null; then bad $t "not delivered"
	elif ! tail -n 1 "$work/sealpost.log" | grep -q " auth=PLAIN .*status=sent"; then
		bad $t "log does not say auth=PLAIN status=sent"
	elif [ "$rt" -gt $max ]; then
		cp "$work/rt-$mode/log" "$work/err"; bad $t "$rt round trips, at most $max wanted"
	else ok "$t ($rt round trips, at most $max)"; fi
done
