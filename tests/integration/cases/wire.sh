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
