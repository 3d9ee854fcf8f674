# Real callers' exact command lines (sealpost(8) EXAMPLES), -bs, a 200 MB
# message in constant memory, and the exit status of bad input.
# Sourced by run.sh.

# The submission port takes only the login as sender (issue #12): cronie's
# "-f root" gets through with from_override = no, and the header cron
# writes leaves with its addresses qualified.
t=cronie_command_line
newtag; cf=$(G="admin = bob@$MTA_DOMAIN" config $t "$MTA_SUBMISSION_PORT" starttls "from_override = no")
printf 'From: root (Cron Daemon)\nTo: root\nSubject: Cron <root@host> run-parts %s\n\noutput of the job\n' "$tg" |
	"$bin" -C "$cf" -FCronDaemon -i -odi -oem -oi -t -f root 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! f=$(wait_mail bob "$tg"); then bad $t "not delivered"
elif ! grep -q "^From: root@$MTA_DOMAIN (Cron Daemon)" "$f" || ! grep -q "^To: root@$MTA_DOMAIN" "$f"; then
	cp "$f" "$work/err"; bad $t "From:/To: not qualified"
elif ! grep -Eq ": from=<$MTA_USER> to=<bob@[^ ]+> .* status=sent" "$work/sealpost.log"; then
	bad $t "not sent as the account's from"
else ok $t; fi

t=cronie_f_root_refused_by_a_sender_checking_server
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
printf 'To: bob@%s\nSubject: Cron <root@host> run-parts %s\n\noutput of the job\n' "$MTA_DOMAIN" "$tg" |
	"$bin" -C "$cf" -FCronDaemon -i -odi -oem -oi -t -f root 2> "$work/err"; rc=$?
if [ $rc -ne 67 ]; then bad $t "exit $rc, expected 67 (Postfix refuses the sender at RCPT, smtpd_delay_reject)"
elif ! grep -q 'not owned by user' "$work/err"; then bad $t "not refused for the sender"
elif ! no_mail bob "$tg"; then bad $t "delivered"
else ok $t; fi

t=debian_cron_command_line
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
printf 'Subject: Cron job %s\nContent-Type: text/plain; charset=UTF-8\n\nd\303\251j\303\240 vu\n' "$tg" |
	"$bin" -C "$cf" -i -FCronDaemon -B8BITMIME -oem "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! f=$(wait_mail bob "$tg"); then bad $t "not delivered"
elif ! grep -q "$(printf 'd\303\251j\303\240 vu')" "$f"; then bad $t "8-bit body changed"
else ok $t; fi

t=php_mail_command_line
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
printf 'To: Bob <bob@%s>\nSubject: %s\nBcc: carol@%s\n\nline\n.\nafter a lone dot\n' \
	"$MTA_DOMAIN" "$tg" "$MTA_DOMAIN" | "$bin" -C "$cf" -t -i 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! f=$(wait_mail bob "$tg") || ! g=$(wait_mail carol "$tg"); then bad $t "not delivered to To and Bcc"
elif ! diff <(printf 'line\n.\nafter a lone dot\n') <(body "$f") > "$work/err"; then bad $t "body differs"
elif grep -qi '^Bcc:' "$f" "$g"; then bad $t "Bcc left in the message"
else ok $t; fi

t=symfony_mailer_bs
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
printf 'EHLO [127.0.0.1]\r\nMAIL FROM:<alice@%s>\r\nRCPT TO:<bob@%s>\r\nDATA\r\nSubject: %s\r\nTo: bob@%s\r\n\r\n..leading dot\r\nbody\r\n.\r\nQUIT\r\n' \
	"$MTA_DOMAIN" "$MTA_DOMAIN" "$tg" "$MTA_DOMAIN" | "$bin" -C "$cf" -bs > "$work/bs.out" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! grep -q '^250 2.0.0 Ok: accepted as [0-9A-F]\{16\}' "$work/bs.out" || ! grep -q '^221 ' "$work/bs.out"; then
	cp "$work/bs.out" "$work/err"; bad $t "unexpected SMTP dialogue"
elif ! f=$(wait_mail bob "$tg"); then bad $t "not delivered"
elif ! diff <(printf '.leading dot\nbody\n') <(body "$f") > "$work/err"; then bad $t "body not unstuffed correctly"
else ok $t; fi

t=bs_refuses_out_of_order_and_bad_input
cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
printf 'MAIL FROM:<a@b.example>\r\nHELO x\r\nRCPT TO:<b@c.example>\r\nMAIL FROM:<a\r\nDATA\r\nFOO\r\nQUIT\r\n' |
	"$bin" -C "$cf" -bs > "$work/bs.out" 2> "$work/err"; rc=$?
codes=$(cut -c1-3 "$work/bs.out" | tr '\n' ' ')
if [ "$codes" != "220 503 250 503 501 503 502 221 " ]; then bad $t "replies: $codes"
else ok $t; fi

t=mutt_command_line
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
printf 'Subject: %s\n\nhello\n' "$tg" | "$bin" -C "$cf" -oem -oi -- "bob@$MTA_DOMAIN" "carol@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! wait_mail bob "$tg" >/dev/null || ! wait_mail carol "$tg" >/dev/null; then bad $t "not delivered to both"
else ok $t; fi

t=git_send_email_command_line
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
printf 'From: Alice <alice@%s>\nSubject: [PATCH] %s\n\n---\n.gitignore | 1 +\n diff --git a/x b/x\n.\n-- \n2.39.5\n' \
	"$MTA_DOMAIN" "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! f=$(wait_mail bob "$tg"); then bad $t "not delivered"
elif ! diff <(printf -- '---\n.gitignore | 1 +\n diff --git a/x b/x\n.\n-- \n2.39.5\n') <(body "$f") > "$work/err"; then
	bad $t "patch body changed"
elif [ "$(grep -c '^From: ' "$f")" != 1 ]; then bad $t "From: duplicated"
else ok $t; fi

t=message_200mb_constant_memory
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
python3 -c '
import sys
sys.stdout.write("Subject: '"$tg"'\n\n")
line = ("x" * 76 + "\n") * 1000
for _ in range(200 * 1024 * 1024 // len(line)):
    sys.stdout.write(line)
' > "$work/big200"
/usr/bin/time -f '%M' -o "$work/rss" "$bin" -C "$cf" "bob@$MTA_DOMAIN" < "$work/big200" 2> "$work/err"; rc=$?
rss=$(tail -n 1 "$work/rss")
f=$(wait_mail bob "$tg")
insize=$(sed '1,/^$/d' "$work/big200" | wc -c)
outsize=$([ -n "$f" ] && body "$f" | wc -c)
rm -f "$work/big200"
limit=${RSS_LIMIT_KB:-16384}
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ -z "$f" ]; then bad $t "not delivered"
elif [ "$insize" != "$outsize" ]; then bad $t "body $outsize bytes, sent $insize"
elif [ "$rss" -gt "$limit" ]; then bad $t "peak RSS ${rss} KiB > ${limit} KiB"
else ok "$t (peak RSS ${rss} KiB)"; rm -f "$f"; fi

# Bad input: the documented status, a clear message, nothing sent.
badcase() { # name expected-status stdin-text args...
	local name=$1 want=$2 input=$3; shift 3
	printf '%b' "$input" | "$bin" -C "$cf" "$@" 2> "$work/err"; rc=$?
	if [ $rc -ne "$want" ]; then bad "$name" "exit $rc, expected $want"
	elif [ ! -s "$work/err" ]; then bad "$name" "no message on stderr"
	else ok "$name"; fi
}
cf=$(config bad "$MTA_SUBMISSION_PORT" starttls)
badcase nul_byte_exit_65 65 'Subject: x\n\na\0b\n' "bob@$MTA_DOMAIN"
badcase control_in_sender_exit_65 65 'x\n' -f "$(printf 'a\rb@c.example')" "bob@$MTA_DOMAIN"
badcase control_in_full_name_exit_65 65 'x\n' -F "$(printf 'Eve\nBcc: x@y')" "bob@$MTA_DOMAIN"
badcase bad_recipient_exit_65 65 'x\n' "bob@@$MTA_DOMAIN"
badcase no_recipients_exit_64 64 'x\n'
badcase t_without_recipients_exit_64 64 'Subject: none\n\nbody\n' -t
badcase daemon_mode_exit_64 64 'x\n' -bd
badcase host_status_mode_exit_64 64 'x\n' -bh
badcase unknown_long_option_exit_64 64 'x\n' --frobnicate "bob@$MTA_DOMAIN"
t=stdin_closed_exit_66
"$bin" -C "$cf" "bob@$MTA_DOMAIN" <&- 2> "$work/err"; rc=$?
if [ $rc -ne 66 ]; then bad $t "exit $rc, expected 66"; else ok $t; fi

t=long_line_reencoded_quoted_printable
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
python3 -c 'import sys; sys.stdout.write("Subject: '"$tg"'\n\nshort\n" + "y" * 3000 + " tail\n.dot\n")' > "$work/long.txt"
"$bin" -C "$cf" -i "bob@$MTA_DOMAIN" < "$work/long.txt" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! f=$(wait_mail bob "$tg"); then bad $t "not delivered"
elif ! python3 - "$f" "$work/long.txt" <<'PY'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
want = open(sys.argv[2]).read().split("\n\n", 1)[1]
ok = (m["Content-Transfer-Encoding"] == "quoted-printable" and
      m.get_payload(decode=True).decode() == want and
      max(len(l) for l in open(sys.argv[1], "rb").read().split(b"\n")) <= 998)
sys.exit(0 if ok else 1)
PY
then bad $t "not a lossless quoted-printable copy"
else ok $t; fi

t=long_line_in_base64_part_refused_65
cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
python3 -c 'import sys; sys.stdout.write("Subject: b\nContent-Transfer-Encoding: base64\n\n" + "QUFB" * 400 + "\n")' |
	"$bin" -C "$cf" "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 65 ]; then bad $t "exit $rc, expected 65"
elif ! grep -q 'cannot be re-encoded' "$work/err"; then bad $t "unclear message"
else ok $t; fi


t=long_non_ascii_line_reencoded
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
python3 -c 'import sys; sys.stdout.buffer.write(("Subject: '"$tg"'\nContent-Type: text/plain; charset=utf-8\n\n" + "\u6f22\u5b57" * 400 + "\n").encode())' > "$work/cjk.txt"
"$bin" -C "$cf" "bob@$MTA_DOMAIN" < "$work/cjk.txt" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! f=$(wait_mail bob "$tg"); then bad $t "not delivered"
elif ! python3 - "$f" <<'PY'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
sys.exit(0 if m.get_payload(decode=True).decode() == "\u6f22\u5b57" * 400 + "\n" else 1)
PY
then bad $t "not a lossless copy"
else ok $t; fi
