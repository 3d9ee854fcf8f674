# Diagnostics (issue #12): --probe shows a chain that fails verification,
# marked, with the leaf's pins in the form tls_fingerprint takes; the pins,
# pasted as printed, are accepted; configuration lines up to 1000 bytes.
# Sourced by run.sh, which provides the helpers.

# A certificate that fails verification: the chain and two pins are shown
# after "verified: NOT VERIFIED (reason)", exit 75, and nothing is sent over
# the connection (no command in the transcript, no EHLO reply shown).
for c in WRONGHOST:'does not match' SELFSIGNED:'NOT trusted' EXPIRED:'expired'; do
	why=${c#*:} c=${c%%:*}
	t=probe_${c,,}_shows_unverified_chain
	port_var=MTA_${c}_PORT
	cf=$(config $t "${!port_var}" implicit)
	"$bin" -C "$cf" -v --probe > "$work/probe.out" 2> "$work/err"; rc=$?
	cat "$work/probe.out" >> "$work/err"
	if [ $rc -ne 75 ]; then bad $t "exit $rc, expected 75"
	elif ! grep -q "^verified: NOT VERIFIED (certificate of localhost .*$why" "$work/probe.out"; then
		bad $t "not marked NOT VERIFIED with the reason"
	elif ! grep -q '^certificate 0: ' "$work/probe.out"; then bad $t "no chain"
	elif [ "$(grep -c '^  tls_fingerprint = sha256:\([0-9A-F]\{2\}:\)\{31\}[0-9A-F]\{2\}   ; ' "$work/probe.out")" -ne 2 ]; then
		bad $t "not the two pins of the leaf"
	elif grep -q '^>>> ' "$work/err"; then bad $t "sent a command over the unverified channel"
	elif grep -q '^capabilities' "$work/probe.out"; then bad $t "went on past verification"
	else ok $t; fi
done

# The certificate pin --probe printed for the self-signed server, pasted
# into the account line for line (its "; comment" too): mail goes through,
# verified by the pin.
t=probe_certificate_pin_pasted_sends
cf=$(config $t "$MTA_SELFSIGNED_PORT" implicit)
"$bin" -C "$cf" --probe > "$work/probe.out" 2> "$work/err"
pin_cert=$(sed -n 's/^  \(tls_fingerprint = .*; certificate SHA-256\)$/\1/p' "$work/probe.out")
pin_spki=$(sed -n 's/^  \(tls_fingerprint = .*; public key (SPKI) SHA-256\)$/\1/p' "$work/probe.out")
printf '%s\n' "$pin_cert" >> "$cf"
newtag
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ -z "$pin_cert" ]; then bad $t "--probe printed no certificate pin"
elif [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! wait_mail bob "$tg" >/dev/null; then bad $t "no mail in Maildir"
elif ! tail -n 1 "$work/sealpost.log" | grep -q " verified=pin "; then bad $t "not verified by the pin"
else ok $t; fi

# The public-key pin, pasted the same way: --probe verifies by it.
t=probe_spki_pin_pasted_verifies
cf=$(config $t "$MTA_SELFSIGNED_PORT" implicit)
printf '%s\n' "$pin_spki" >> "$cf"
"$bin" -C "$cf" --probe > "$work/probe.out" 2> "$work/err"; rc=$?
cat "$work/probe.out" >> "$work/err"
if [ -z "$pin_spki" ]; then bad $t "--probe printed no public-key pin"
elif [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! grep -q '^verified: pin$' "$work/probe.out"; then bad $t "not verified by the pin"
elif ! grep -q '^auth mechanisms: .*PLAIN' "$work/probe.out"; then bad $t "no capabilities"
else ok $t; fi

# The same pin against another server's certificate: refused, and the
# pins that server would need are shown.
t=probe_pin_of_another_server_refused
cf=$(config $t "$MTA_WRONGHOST_PORT" implicit)
printf '%s\n' "$pin_spki" >> "$cf"
"$bin" -C "$cf" --probe > "$work/probe.out" 2> "$work/err"; rc=$?
if [ $rc -ne 75 ]; then bad $t "exit $rc, expected 75"
elif ! grep -q '^verified: NOT VERIFIED (certificate of localhost matches no tls_fingerprint pin)$' "$work/probe.out"; then
	bad $t "not marked NOT VERIFIED"
elif grep -qF -- "$pin_spki" "$work/probe.out"; then bad $t "shows the configured pin as the server's"
else ok $t; fi

# Lines libinih cannot hold (up to 1000 bytes) work as written: a 900-byte
# password_command and a 600-byte tls_priority.
t=long_config_lines_work
newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
pad=$(head -c 850 /dev/zero | tr '\0' x)
prio=NORMAL
while [ ${#prio} -lt 600 ]; do prio="$prio:+VERS-TLS1.2:+VERS-TLS1.3"; done
sed -i "s|^password_file = .*|password_command = cat $work/pass # $pad|" "$cf"
echo "tls_priority = $prio" >> "$cf"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ "$(awk '{ if (length($0) > 800) n++ } END { print n + 0 }' "$cf")" -ne 1 ]; then
	bad $t "the test did not write a long line"
elif [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! wait_mail bob "$tg" >/dev/null; then bad $t "no mail in Maildir"
else ok $t; fi
