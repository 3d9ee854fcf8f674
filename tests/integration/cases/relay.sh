# Relay cases: TLS, AUTH, certificates, intake, configuration.
# Sourced by run.sh, which provides the helpers.

t=starttls_auth_delivers
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! f=$(wait_mail bob "$tg"); then bad $t "no mail in Maildir"
elif ! diff <(expected_body) <(body "$f") > "$work/err"; then bad $t "body differs"
elif ! grep -q "^Message-ID: <" "$f" || ! grep -q "^Date: " "$f"; then bad $t "Date/Message-ID not added"
else ok $t; fi

t=implicit_tls_auth_delivers
newtag; cf=$(config $t "$MTA_SMTPS_PORT" implicit)
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! f=$(wait_mail bob "$tg"); then bad $t "no mail in Maildir"
elif ! diff <(expected_body) <(body "$f") > "$work/err"; then bad $t "body differs"
else ok $t; fi

t=log_line_written
if grep -Eq ": from=<$MTA_USER> to=<bob@$MTA_DOMAIN> relay=localhost\[127\.0\.0\.1\]:$MTA_SMTPS_PORT tls=TLSv1\.[23]/[^ ]+ verified=pkix auth=[A-Z0-9-]+ size=[0-9]+ delay=[0-9.]+ status=sent \(250 " "$work/sealpost.log"; then ok $t
else cp "$work/sealpost.log" "$work/err" 2>/dev/null; bad $t "no matching log line"; fi

for mech in PLAIN LOGIN SCRAM-SHA-256 SCRAM-SHA-1; do
	t=auth_$mech
	newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls "auth_mechanisms = $mech")
	sample "$tg" | "$bin" -C "$cf" -i -v "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
	if [ $rc -ne 0 ]; then bad $t "exit $rc"
	elif ! grep -q "authenticated with $mech\$" "$work/err"; then bad $t "did not use $mech"
	elif ! wait_mail bob "$tg" >/dev/null; then bad $t "no mail"
	elif grep -qF -- "$MTA_PASS" "$work/err"; then bad $t "password in the transcript"
	else ok $t; fi
done

t=wrong_password_refused
newtag; cf=$(G="queue = no" config $t "$MTA_SUBMISSION_PORT" starttls)
printf 'wrong password\n' > "$work/badpass"; chmod 600 "$work/badpass"
sed -i "s|^password_file = .*|password_file = $work/badpass|" "$cf"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 77 ]; then bad $t "exit $rc, expected 77"
elif ! no_mail bob "$tg"; then bad $t "mail was delivered"
else ok $t; fi

t=wrong_host_certificate_refused
newtag; cf=$(G="queue = no" config $t "$MTA_WRONGHOST_PORT" implicit)
sample "$tg" | "$bin" -C "$cf" -i -v "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 75 ]; then bad $t "exit $rc, expected 75"
elif grep -q '^>>> ' "$work/err"; then bad $t "sent a command over the unverified channel"
elif ! no_mail bob "$tg"; then bad $t "mail was delivered"
else ok $t; fi

for c in SELFSIGNED EXPIRED; do
	t=${c,,}_certificate_refused
	port_var=MTA_${c}_PORT
	newtag; cf=$(G="queue = no" config $t "${!port_var}" implicit)
	sample "$tg" | "$bin" -C "$cf" -i -v "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
	if [ $rc -ne 75 ]; then bad $t "exit $rc, expected 75"
	elif grep -q '^>>> ' "$work/err"; then bad $t "sent a command over the unverified channel"
	elif ! no_mail bob "$tg"; then bad $t "mail was delivered"
	else ok $t; fi
done

t=tls_server_name_mismatch_refused
newtag; cf=$(G="queue = no" config $t "$MTA_SMTPS_PORT" implicit "tls_server_name = other.example")
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 75 ]; then bad $t "exit $rc, expected 75"
elif ! no_mail bob "$tg"; then bad $t "mail was delivered"
else ok $t; fi

t=plaintext_only_server_refused
newtag; cf=$(G="queue = no" config $t "$MTA_PLAIN_PORT" starttls)
sample "$tg" | "$bin" -C "$cf" -i -v "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 75 ]; then bad $t "exit $rc, expected 75"
elif grep -q '^>>> \(AUTH\|MAIL\|RCPT\|DATA\)' "$work/err"; then bad $t "sent AUTH or mail in plaintext"
elif ! grep -q 'does not offer STARTTLS' "$work/err"; then bad $t "wrong reason"
elif ! no_mail bob "$tg"; then bad $t "mail was delivered"
else ok $t; fi

t=implicit_to_starttls_port_refused
newtag; cf=$(G="queue = no" config $t "$MTA_SUBMISSION_PORT" implicit)
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 75 ]; then bad $t "exit $rc, expected 75"
else ok $t; fi

t=extract_recipients_bcc_removed
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
printf 'Subject: %s\nTo: Bob <bob@%s>\nCc: "Carol, C." <carol@%s>\nBcc: dave@%s\n\nbody\n' \
	"$tg" "$MTA_DOMAIN" "$MTA_DOMAIN" "$MTA_DOMAIN" | "$bin" -C "$cf" -t 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! f=$(wait_mail bob "$tg") || ! wait_mail carol "$tg" >/dev/null || ! g=$(wait_mail dave "$tg"); then
	bad $t "not delivered to all of To, Cc, Bcc"
elif grep -qi '^Bcc:' "$f" "$g"; then bad $t "Bcc header left in the message"
else ok $t; fi

t=crlf_input_and_dot_ends_input
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
printf 'Subject: %s\r\n\r\nline a\r\nline b\r\n.\r\nnot sent\r\n' "$tg" | \
	"$bin" -C "$cf" "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! f=$(wait_mail bob "$tg"); then bad $t "no mail"
elif ! diff <(printf 'line a\nline b\n') <(body "$f") > "$work/err"; then bad $t "body differs"
else ok $t; fi

t=large_message_byte_correct
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
python3 - "$tg" > "$work/big.txt" <<'PY'
import random, sys
r = random.Random(7)
print("Subject: " + sys.argv[1]); print()
for i in range(60000):
    n = r.randint(0, 200)
    s = "".join(r.choice("abc .xyz-0123456789") for _ in range(n))
    if r.random() < 0.1: s = "." + s
    print(s)
PY
"$bin" -C "$cf" -i "bob@$MTA_DOMAIN" < "$work/big.txt" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! f=$(wait_mail bob "$tg"); then bad $t "no mail"
elif ! cmp -s <(sed '1,/^$/d' "$work/big.txt") <(body "$f"); then bad $t "body differs"
else ok $t; fi

t=unknown_recipient_domain_refused
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
sample "$tg" | "$bin" -C "$cf" -i "someone@elsewhere.example" 2> "$work/err"; rc=$?
if [ $rc -ne 67 ] && [ $rc -ne 69 ]; then bad $t "exit $rc, expected 67 or 69"
else ok $t; fi

t=unreachable_server_tempfail
newtag; cf=$(G="queue = no" config $t 1 implicit)
sample "$tg" | timeout 30 "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 75 ]; then bad $t "exit $rc, expected 75"
else ok $t; fi

t=config_errors_exit_78
cf=$(config $t "$MTA_SMTPS_PORT" implicit "no_such_key = 1")
echo x | "$bin" -C "$cf" "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 78 ]; then bad $t "exit $rc, expected 78"
elif ! grep -q "$t.conf:17: unknown key" "$work/err"; then bad $t "message does not name file:line"
else ok $t; fi

t=password_readable_by_others_refused
cf=$(config $t "$MTA_SMTPS_PORT" implicit)
chmod 644 "$work/pass"
echo x | "$bin" -C "$cf" "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
chmod 600 "$work/pass"
if [ $rc -ne 78 ]; then bad $t "exit $rc, expected 78"
else ok $t; fi

t=password_command
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
sed -i "s|^password_file = .*|password_command = cat $work/pass|" "$cf"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! wait_mail bob "$tg" >/dev/null; then bad $t "no mail"
else ok $t; fi

t=probe_shows_server
cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
"$bin" -C "$cf" --probe > "$work/err" 2>&1; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! grep -q '^verified: pkix' "$work/err" || ! grep -q '^auth mechanisms: .*PLAIN' "$work/err"; then
	bad $t "probe output incomplete"
else ok $t; fi

# Issue #11: UTF-8 in the Subject and a display name arrives as RFC 2047
# encoded words (no envelope address needs SMTPUTF8), the header is 7-bit,
# and it decodes back to what was written.
t=utf8_header_fields_arrive_encoded
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
subj="$tg Grüße aus Köln — ünïcödé ✓ 日本語, and enough words to fold the line"
printf 'Subject: %s\nTo: Jürgen Müller (Büro) <bob@%s>\n\ncafé\n' "$subj" "$MTA_DOMAIN" > "$work/utf8.txt"
"$bin" -C "$cf" -i "bob@$MTA_DOMAIN" < "$work/utf8.txt" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! f=$(wait_mail bob "$tg"); then bad $t "no mail in Maildir"
elif ! grep -q '^Subject: .*=?UTF-8?[QB]?' "$f"; then bad $t "Subject not encoded"
elif sed '/^$/q' "$f" | LC_ALL=C grep -q '[^[:cntrl:] -~]'; then bad $t "8-bit octets in the header"
elif ! python3 - "$f" "$subj" "Jürgen Müller (Büro) <bob@$MTA_DOMAIN>" > "$work/err" 2>&1 <<'PY'
import email, sys
from email.header import decode_header, make_header
with open(sys.argv[1], "rb") as fp:
    m = email.message_from_binary_file(fp)
def dec(v):
    return str(make_header(decode_header(v)))
ok = dec(m["Subject"]) == sys.argv[2]
# A comment decodes by its own words: RFC 2047 5 (2).
to = m["To"].replace("\n", "").replace("\r", "")
left, _, rest = to.partition("(")
inner, _, tail = rest.partition(")")
ok = ok and dec(left).strip() + " (" + dec(inner) + ")" + tail == sys.argv[3]
ok = ok and m.get_payload(decode=True) == "café\n".encode()
if not ok:
    print("decoded Subject:", dec(m["Subject"]))
    print("To:", m["To"])
sys.exit(0 if ok else 1)
PY
then bad $t "does not decode back to what was written"
else ok $t; fi
