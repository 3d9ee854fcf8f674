# MX mode: recipient domains resolved through a scripted DNS server
# (tests/fault/dnssrv.py, on loopback) to the harness's MX-style Postfix
# port; TLS policies encrypt / verify / fingerprint; null MX, NXDOMAIN,
# implicit MX, DNS failures, MX fallback, several domains in one message.
# Sourced by run.sh.

mx_zone=$work/mx.zone
mx_dnslog=$work/dns.log
# The harness's certificate is for "localhost", signed by MTA_CA.
cat > "$mx_zone" <<ZONE
localhost A 127.0.0.1
$MTA_DOMAIN MX 10 localhost
# Two exchangers: the preferred one has nothing listening.
fallback.test MX 5 dead.fallback.test
fallback.test MX 20 localhost
dead.fallback.test A 127.0.0.2
# A name the certificate does not carry.
wrongname.test MX 10 mx.wrongname.test
mx.wrongname.test A 127.0.0.1
# No MX: the domain's own address.
implicit.test A 127.0.0.1
nomail.test MX 0 .
@fault broken.test MX servfail
ZONE
python3 "$here/../fault/dnssrv.py" --zone "$mx_zone" --addr 127.0.0.1 \
	--port-file "$work/dns.port" --log "$mx_dnslog" --lifetime 600 >/dev/null 2>&1 &
mx_dns_pid=$!
for _ in $(seq 100); do [ -s "$work/dns.port" ] && break; sleep 0.05; done
mx_dns_port=$(cat "$work/dns.port" 2>/dev/null)

# mxconf NAME POLICY [extra account lines...]: an MX account through the
# scripted DNS server to the harness's MX-style port.
mxconf() {
	local name=$1 policy=$2; shift 2
	local f="$work/$name.conf"
	{
		echo "[global]"
		echo "hostname = client.example.test"
		echo "log = $work/sealpost.log"
		echo "connect_timeout = 5s"
		echo "command_timeout = 10s"
		echo "session_timeout = 60s"
		echo "queue_dir = ${QDIR:-$work/queue}"
		echo "retry_min = 1s"
		echo "dns_server = 127.0.0.1:$mx_dns_port"
		echo "[account default]"
		echo "mode = mx"
		echo "mx_port = $MTA_SMTP_PORT"
		echo "tls_policy = $policy"
		echo "mta_sts = no"
		echo "tls_ca_file = $MTA_CA"
		echo "from = sender@client.example.test"
		printf '%s\n' "$@"
	} > "$f"
	chmod 600 "$f"
	echo "$f"
}
mx_entries() { find "$1/q" -name '*.env' 2>/dev/null | wc -l; }
# mx_log TAG: the log lines written since the mark.
mx_mark() { mx_from=$(($(cat "$work/sealpost.log" 2>/dev/null | wc -l) + 1)); }
mx_log() { tail -n "+$mx_from" "$work/sealpost.log" 2>/dev/null; }

if [ -z "$mx_dns_port" ]; then
	bad mx_dns_server "dnssrv.py did not start"
else

t=mx_encrypt_delivers_with_tls_unverified
newtag; mx_mark
cf=$(mxconf $t encrypt)
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! wait_mail bob "$tg" >/dev/null; then bad $t "not delivered"
elif ! mx_log | grep -q "relay=localhost\[127.0.0.1\]:$MTA_SMTP_PORT tls=TLS.* verified=none auth=none .*status=sent"; then
	mx_log > "$work/err"; bad $t "log line lacks relay=localhost[127.0.0.1] verified=none"
elif ! grep -q "$MTA_DOMAIN\. MX .*do=1" "$mx_dnslog" || ! grep -q "localhost\. A " "$mx_dnslog"; then
	cp "$mx_dnslog" "$work/err"; bad $t "no MX query with EDNS DO, or no address query"
else ok $t; fi

t=mx_verify_checks_the_exchanger_name
newtag; mx_mark
cf=$(mxconf $t verify)
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! wait_mail bob "$tg" >/dev/null; then bad $t "not delivered"
elif ! mx_log | grep -q "verified=pkix .*status=sent"; then mx_log > "$work/err"; bad $t "not verified=pkix"
else ok $t; fi

t=mx_verify_wrong_name_defers_never_weakens
newtag; mx_mark; q="$work/q-$t"
cf=$(QDIR=$q mxconf $t verify)
sample "$tg" | "$bin" -C "$cf" -i "bob@wrongname.test" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc, expected 0 (queued)"
elif [ "$(mx_entries "$q")" != 1 ]; then bad $t "$(mx_entries "$q") queue entries, expected 1"
elif ! grep -q "mx.wrongname.test" "$q"/q/*.env; then cp "$q"/q/*.env "$work/err"; bad $t "reason not kept"
elif mx_log | grep -q "status=sent"; then bad $t "sent despite the name mismatch"
else ok $t; fi

t=mx_fingerprint_pins_the_exchanger
newtag; mx_mark
pin=$(certtool --fingerprint --hash sha256 --infile "$MTA_DIR/tls/localhost.pem" 2>/dev/null)
cf=$(mxconf $t fingerprint "tls_fingerprint = sha256:$pin")
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ -z "$pin" ]; then bad $t "cannot read the harness certificate's digest"
elif [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! wait_mail bob "$tg" >/dev/null; then bad $t "not delivered"
elif ! mx_log | grep -q "verified=pin .*status=sent"; then mx_log > "$work/err"; bad $t "not verified=pin"
else ok $t; fi

t=mx_null_mx_is_68_and_nothing_queued
newtag; mx_mark; q="$work/q-$t"
cf=$(QDIR=$q mxconf $t encrypt)
sample "$tg" | "$bin" -C "$cf" -i "someone@nomail.test" 2> "$work/err"; rc=$?
if [ $rc -ne 68 ]; then bad $t "exit $rc, expected 68"
elif ! grep -q "null MX" "$work/err"; then bad $t "stderr does not say null MX"
elif [ "$(mx_entries "$q")" != 0 ]; then bad $t "queued"
elif grep -q "nomail.test\. A " "$mx_dnslog"; then bad $t "looked up an address after a null MX"
else ok $t; fi

t=mx_nxdomain_is_68
newtag; q="$work/q-$t"
cf=$(QDIR=$q mxconf $t encrypt)
sample "$tg" | "$bin" -C "$cf" -i "someone@no-such-domain.test" 2> "$work/err"; rc=$?
if [ $rc -ne 68 ]; then bad $t "exit $rc, expected 68"
elif ! grep -q "does not exist" "$work/err"; then bad $t "stderr does not say so"
elif [ "$(mx_entries "$q")" != 0 ]; then bad $t "queued"
else ok $t; fi

t=mx_servfail_is_queued
newtag; q="$work/q-$t"
cf=$(QDIR=$q mxconf $t encrypt)
sample "$tg" | "$bin" -C "$cf" -i "someone@broken.test" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc, expected 0 (queued)"
elif [ "$(mx_entries "$q")" != 1 ]; then bad $t "not queued"
elif ! grep -q "SERVFAIL" "$q"/q/*.env; then cp "$q"/q/*.env "$work/err"; bad $t "reason not kept"
else ok $t; fi

t=mx_implicit_mx_uses_the_domain_address
newtag; mx_mark
cf=$(mxconf $t encrypt)
# Postfix takes any recipient domain on its MX port only for its own
# domain, so the message reaches implicit.test's address and is refused
# there: what counts is that sealpost connected to it.
sample "$tg" | "$bin" -C "$cf" -i "bob@implicit.test" 2> "$work/err"; rc=$?
if ! mx_log | grep -q "relay=implicit.test\[127.0.0.1\]:$MTA_SMTP_PORT"; then
	mx_log > "$work/err"; bad $t "did not connect to implicit.test's own address (exit $rc)"
else ok $t; fi

t=mx_falls_back_to_the_next_exchanger
newtag; mx_mark
cf=$(mxconf $t encrypt)
sample "$tg" | "$bin" -C "$cf" -i "bob@fallback.test" 2> "$work/err"; rc=$?
if ! mx_log | grep -q "relay=localhost\[127.0.0.1\]:$MTA_SMTP_PORT"; then
	mx_log > "$work/err"; bad $t "did not go on to the second exchanger (exit $rc)"
elif ! grep -q "dead.fallback.test\. A " "$mx_dnslog"; then bad $t "the preferred exchanger was not tried first"
else ok $t; fi

t=mx_two_domains_one_deferred_the_other_delivered
newtag; mx_mark; q="$work/q-$t"
cf=$(QDIR=$q mxconf $t encrypt)
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" "carol@broken.test" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc, expected 0"
elif ! wait_mail bob "$tg" >/dev/null; then bad $t "bob@$MTA_DOMAIN did not get it"
elif [ "$(mx_entries "$q")" != 1 ]; then bad $t "$(mx_entries "$q") entries, expected 1"
elif ! grep -q "^rcpt pending carol@broken.test" "$q"/q/*.env && ! grep -q "carol@broken.test" "$q"/q/*.env; then
	cp "$q"/q/*.env "$work/err"; bad $t "carol not kept"
else
	"$bin" -C "$cf" -bp > "$work/mailq" 2>&1
	if ! grep -q "<carol@broken.test> pending" "$work/mailq" || ! grep -q "<bob@$MTA_DOMAIN> sent" "$work/mailq"; then
		cp "$work/mailq" "$work/err"; bad $t "mailq: bob should be sent, carol pending"
	elif ! grep -q "domain $MTA_DOMAIN: delivered$" "$work/mailq" ||
		! grep -q "domain broken.test: deferred: .*SERVFAIL" "$work/mailq"; then
		cp "$work/mailq" "$work/err"; bad $t "mailq: no per-domain state"
	else ok $t; fi
fi

t=mx_queue_run_resolves_again_and_delivers
# The same queue, first through a server that fails every lookup, then a
# queue run through the good one.
newtag; mx_mark; q="$work/q-$t"
printf '@fault %s * servfail\n' "$MTA_DOMAIN" > "$work/mx-fail.zone"
python3 "$here/../fault/dnssrv.py" --zone "$work/mx-fail.zone" --addr 127.0.0.1 \
	--port-file "$work/dns2.port" --lifetime 120 >/dev/null 2>&1 &
mx_dns2_pid=$!
for _ in $(seq 100); do [ -s "$work/dns2.port" ] && break; sleep 0.05; done
cf=$(QDIR=$q mxconf $t encrypt)
sed "s/^dns_server = .*/dns_server = 127.0.0.1:$(cat "$work/dns2.port")/" "$cf" > "$cf.fail"
chmod 600 "$cf.fail"
sample "$tg" | "$bin" -C "$cf.fail" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
n1=$(mx_entries "$q")
sleep 1.1
"$bin" -C "$cf" -q 2>> "$work/err"; rc2=$?
kill "$mx_dns2_pid" 2>/dev/null; wait "$mx_dns2_pid" 2>/dev/null
if [ $rc -ne 0 ] || [ "$n1" != 1 ]; then bad $t "first try: exit $rc, $n1 entries (expected 0, 1)"
elif [ $rc2 -ne 0 ]; then bad $t "-q exit $rc2"
elif ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "not delivered by the queue run"
elif [ "$(mx_entries "$q")" != 0 ]; then bad $t "entry left after delivery"
else ok $t; fi

t=mx_queue_run_skips_a_silent_exchanger
# Three entries for a domain whose preferred exchanger accepts connections
# and never greets: the queue run waits for its greeting once
# (command_timeout, 3 s here), then goes straight to the next exchanger for
# the other two (doc/decisions.md D19). Before, each entry waited (9 s).
newtag; mx_mark; q="$work/q-$t"
printf '@fault %s * servfail\n' "$MTA_DOMAIN" > "$work/$t-fail.zone"
{
	echo "localhost A 127.0.0.1"
	echo "$MTA_DOMAIN MX 5 silent.mx.test"
	echo "$MTA_DOMAIN MX 20 localhost"
	echo "silent.mx.test A 127.0.0.2"
} > "$work/$t.zone"
python3 "$here/../fault/dnssrv.py" --zone "$work/$t-fail.zone" --addr 127.0.0.1 \
	--port-file "$work/$t-fail.port" --lifetime 120 >/dev/null 2>&1 &
sk_fail_pid=$!
python3 "$here/../fault/dnssrv.py" --zone "$work/$t.zone" --addr 127.0.0.1 \
	--port-file "$work/$t.port" --lifetime 120 >/dev/null 2>&1 &
sk_dns_pid=$!
# Accepts (the kernel completes the handshake), never reads, never greets.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.2", int(sys.argv[1]))); s.listen(16)
open(sys.argv[2], "w").write("up\n"); time.sleep(60)' "$MTA_SMTP_PORT" "$work/$t.silent" &
sk_silent_pid=$!
for _ in $(seq 100); do [ -s "$work/$t-fail.port" ] && [ -s "$work/$t.port" ] && [ -s "$work/$t.silent" ] && break; sleep 0.05; done
cf=$(QDIR=$q mxconf $t encrypt)
sed -e "s/^dns_server = .*/dns_server = 127.0.0.1:$(cat "$work/$t-fail.port")/" "$cf" > "$cf.fail"
sed -i -e "s/^dns_server = .*/dns_server = 127.0.0.1:$(cat "$work/$t.port")/" \
	-e "s/^command_timeout = .*/command_timeout = 3s/" "$cf"
chmod 600 "$cf.fail"
rc=0
for k in 1 2 3; do
	sample "$tg-$k" | "$bin" -C "$cf.fail" -i "bob@$MTA_DOMAIN" 2>> "$work/err" || rc=$?
done
n1=$(mx_entries "$q")
t0=$(date +%s%N)
"$bin" -C "$cf" --flush 2>> "$work/err"; rc2=$?
took_ms=$((($(date +%s%N) - t0) / 1000000))
kill "$sk_fail_pid" "$sk_dns_pid" "$sk_silent_pid" 2>/dev/null
wait "$sk_fail_pid" "$sk_dns_pid" "$sk_silent_pid" 2>/dev/null
if [ ! -s "$work/$t.silent" ]; then bad $t "the silent exchanger did not start"
elif [ $rc -ne 0 ] || [ "$n1" != 3 ]; then bad $t "queueing: exit $rc, $n1 entries (expected 0, 3)"
elif [ $rc2 -ne 0 ]; then bad $t "--flush exit $rc2"
elif ! wait_mail bob "$tg-1" >/dev/null || ! wait_mail bob "$tg-2" >/dev/null ||
	! wait_mail bob "$tg-3" >/dev/null; then mx_log > "$work/err"; bad $t "not all three delivered"
elif [ "$took_ms" -gt 6500 ]; then mx_log > "$work/err"; bad $t "the run took $took_ms ms: the silent exchanger was waited for more than once"
elif [ "$(mx_log | grep -c "queue run: 127.0.0.2 (silent.mx.test) port $MTA_SMTP_PORT cannot be reached (greeting)")" != 1 ]; then
	mx_log > "$work/err"; bad $t "no single line saying the silent exchanger is not tried again"
else ok $t; fi

t=mx_may_only_per_domain
newtag
cf2=$(mxconf $t-may may)
sample "$tg" | "$bin" -C "$cf2" -i "bob@$MTA_DOMAIN" 2>> "$work/err"; rc2=$?
if [ $rc2 -ne 78 ]; then bad $t "exit $rc2, expected 78"
elif ! grep -q "tls_policy = may .* only in a \\[domain NAME\\] section" "$work/err"; then
	bad $t "stderr does not say why"
else ok $t; fi

t=mx_may_uses_tls_when_offered
newtag; mx_mark
cf=$(mxconf $t verify "[domain $MTA_DOMAIN]" "tls_policy = may")
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then bad $t "exit $rc or not delivered"
elif ! mx_log | grep -q "tls=TLS.* verified=none .*status=sent"; then mx_log > "$work/err"; bad $t "not over unverified TLS"
else ok $t; fi

t=mx_plaintext_only_under_may_and_only_without_starttls
# The harness's plain port offers no STARTTLS (and refuses unauthenticated
# recipients, so nothing is delivered there): under may the transaction
# goes on in plaintext; under encrypt nothing is sent at all.
newtag; mx_mark
cf=$(QDIR="$work/q-$t" mxconf $t verify "mx_port = $MTA_PLAIN_PORT" "[domain $MTA_DOMAIN]" "tls_policy = may")
sed -i "/^mx_port = $MTA_SMTP_PORT$/d" "$cf"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
may_log=$(mx_log); mx_mark
cf2=$(QDIR="$work/q2-$t" mxconf $t-enc encrypt "mx_port = $MTA_PLAIN_PORT")
sed -i "/^mx_port = $MTA_SMTP_PORT$/d" "$cf2"
sample "$tg" | "$bin" -C "$cf2" -i "bob@$MTA_DOMAIN" 2>> "$work/err"; rc2=$?
enc_log=$(mx_log)
if ! grep -q "relay=localhost\[127.0.0.1\]:$MTA_PLAIN_PORT tls=none .*RCPT\|relay=localhost\[127.0.0.1\]:$MTA_PLAIN_PORT tls=none .*recipients not accepted" <<< "$may_log"; then
	printf '%s\n' "$may_log" > "$work/err"; bad $t "may did not go on in plaintext to RCPT"
elif ! grep -q "does not offer STARTTLS" <<< "$enc_log"; then
	printf '%s\n' "$enc_log" > "$work/err"; bad $t "encrypt did not refuse the plaintext server"
elif [ $rc -ne 0 ] || [ $rc2 -ne 0 ]; then bad $t "exit $rc / $rc2, expected 0 (queued)"
else ok $t; fi

# ---- DANE (RFC 7672), with the AD bit set by the scripted server as a
# trusted local validating resolver would (dns_trust_ad = auto: loopback).
# mx_dns ZONEFILE: start another scripted server; its port in $mx_port_out.
mx_pids=()
mx_dns() {
	local pf="$1.port"
	rm -f "$pf"
	python3 "$here/../fault/dnssrv.py" --zone "$1" --addr 127.0.0.1 --port-file "$pf" \
		--log "$1.log" --lifetime 300 >/dev/null 2>&1 &
	mx_pids+=($!)
	for _ in $(seq 100); do [ -s "$pf" ] && break; sleep 0.05; done
	mx_port_out=$(cat "$pf" 2>/dev/null)
}
# dane_conf NAME POLICY ZONEFILE: an MX account using a scripted server
# for that zone, in $cf (not a command substitution: the server must
# outlive it, and be remembered in mx_pids).
dane_conf() {
	mx_dns "$3"
	cf=$(mxconf "$1" "$2")
	sed -i "s/^dns_server = .*/dns_server = 127.0.0.1:$mx_port_out/" "$cf"
}
leaf_spki=$(certtool --certificate-info --infile "$MTA_DIR/tls/localhost.pem" 2>/dev/null |
	sed -n '/Public Key ID:/,/Public Key PIN/s/^[[:space:]]*sha256:\([0-9a-f]\{64\}\)$/\1/p' | head -n 1)
leaf_cert=$(certtool --fingerprint --hash sha256 --infile "$MTA_DIR/tls/localhost.pem" 2>/dev/null)
ca_cert=$(certtool --fingerprint --hash sha256 --infile "$MTA_CA" 2>/dev/null)
tlsa_name="_$MTA_SMTP_PORT._tcp.localhost"
# dane_zone FILE TLSA-LINES...: MTA_DOMAIN's MX is localhost, secure.
dane_zone() {
	local f=$1; shift
	{
		echo "@ad-default yes"
		echo "localhost A 127.0.0.1"
		echo "$MTA_DOMAIN MX 10 localhost"
		printf '%s\n' "$@"
	} > "$f"
}

t=dane_ee_spki_sha256_authenticates
newtag; mx_mark
dane_zone "$work/dane1.zone" "$tlsa_name TLSA 3 1 1 $leaf_spki"
dane_conf $t dane "$work/dane1.zone"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ -z "$leaf_spki" ]; then bad $t "cannot read the certificate's key digest"
elif [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! wait_mail bob "$tg" >/dev/null; then bad $t "not delivered"
elif ! mx_log | grep -q "verified=dane .*status=sent"; then mx_log > "$work/err"; bad $t "not verified=dane"
elif ! grep -q "$tlsa_name\. TLSA" "$work/dane1.zone.log"; then bad $t "no TLSA query at $tlsa_name"
else ok $t; fi

t=dane_ta_with_the_ca_in_the_chain_authenticates
newtag; mx_mark
dane_zone "$work/dane2.zone" "$tlsa_name TLSA 2 0 1 $ca_cert"
dane_conf $t dane-only "$work/dane2.zone"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "not delivered"
elif ! mx_log | grep -q "verified=dane .*status=sent"; then mx_log > "$work/err"; bad $t "not verified=dane"
else ok $t; fi

t=dane_mismatch_defers_never_falls_back
newtag; mx_mark; q="$work/q-$t"
dane_zone "$work/dane3.zone" "$tlsa_name TLSA 3 0 1 $(printf '%064d' 0)"
QDIR=$q dane_conf $t dane "$work/dane3.zone"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc, expected 0 (queued)"
elif [ "$(mx_entries "$q")" != 1 ]; then bad $t "not queued"
elif ! grep -q "fails DANE" "$q"/q/*.env; then cp "$q"/q/*.env "$work/err"; bad $t "reason not kept"
elif no_mail bob "$tg"; then ok $t
else bad $t "delivered despite the TLSA mismatch"; fi

# RFC 8689: "TLS-Required: No" sets DANE (and MTA-STS) aside under the
# default policy dane, but TLS is still required (doc/decisions.md D17);
# the field reaches the recipient; dane-only is the operator's and stays.
t=tls_required_no_sets_dane_aside_but_keeps_tls
newtag; mx_mark; q="$work/q-$t"
QDIR=$q dane_conf $t dane "$work/dane3.zone"
{ printf 'TLS-Required: No\n'; sample "$tg"; } | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! f=$(wait_mail bob "$tg"); then mx_log > "$work/err"; bad $t "not delivered"
elif ! mx_log | grep -q "TLS-Required: No for $MTA_DOMAIN"; then mx_log > "$work/err"; bad $t "not logged"
elif ! mx_log | grep -q "tls=TLS.* verified=none .*status=sent"; then mx_log > "$work/err"; bad $t "not TLS with verified=none"
elif ! grep -q '^TLS-Required: No' "$f"; then bad $t "the field did not reach the recipient"
elif [ "$(mx_entries "$q")" != 0 ]; then bad $t "queued as well"
else ok $t; fi

t=tls_required_no_leaves_dane_only_alone
newtag; mx_mark; q="$work/q-$t"
QDIR=$q dane_conf $t dane-only "$work/dane3.zone"
{ printf 'TLS-Required: No\n'; sample "$tg"; } | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || [ "$(mx_entries "$q")" != 1 ]; then bad $t "exit $rc, $(mx_entries "$q") entries (expected 0, 1)"
elif ! grep -q "fails DANE" "$q"/q/*.env; then cp "$q"/q/*.env "$work/err"; bad $t "reason not kept"
elif ! grep -q "^flags:.* tls-optional" "$q"/q/*.env; then cp "$q"/q/*.env "$work/err"; bad $t "the flag is not kept for the retry"
elif no_mail bob "$tg"; then ok $t
else bad $t "delivered despite dane-only"; fi

# RFC 7672 2.2.2: the exchanger mx.alias.test is a CNAME for localhost;
# TLSA records at the expanded name come first, the exchanger's own name is
# asked only when the expanded name has none.
match="TLSA 3 1 1 $leaf_spki" nomatch="TLSA 3 0 1 $(printf '%064d' 0)"
# cname_zone FILE EXPANDED-TLSA ORIGINAL-TLSA ("-": none)
cname_zone() {
	{
		echo "@ad-default yes"
		echo "localhost A 127.0.0.1"
		echo "$MTA_DOMAIN MX 10 mx.alias.test"
		echo "mx.alias.test CNAME localhost"
		[ "$2" != - ] && echo "$tlsa_name $2"
		[ "$3" != - ] && echo "_$MTA_SMTP_PORT._tcp.mx.alias.test $3"
	} > "$1"
}
t=dane_cname_expanded_name_first
newtag; mx_mark; q="$work/q-$t"
cname_zone "$work/$t.zone" "$match" "$nomatch"
QDIR=$q dane_conf $t dane "$work/$t.zone"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "exit $rc or not delivered"
elif ! mx_log | grep -q "relay=mx.alias.test\[127.0.0.1\]:$MTA_SMTP_PORT .*verified=dane .*status=sent"; then
	mx_log > "$work/err"; bad $t "not verified=dane by the expanded name's record"
else ok $t; fi

t=dane_cname_own_name_when_the_expanded_has_none
newtag; mx_mark; q="$work/q-$t"
cname_zone "$work/$t.zone" - "$match"
QDIR=$q dane_conf $t dane "$work/$t.zone"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "exit $rc or not delivered"
elif ! mx_log | grep -q "verified=dane .*status=sent"; then mx_log > "$work/err"; bad $t "not verified=dane"
else ok $t; fi

t=dane_cname_expanded_mismatch_defers
newtag; mx_mark; q="$work/q-$t"
cname_zone "$work/$t.zone" "$nomatch" "$match"
QDIR=$q dane_conf $t dane "$work/$t.zone"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
"$bin" -C "$cf" --probe="$MTA_DOMAIN" > "$work/probe.out" 2>&1
if [ $rc -ne 0 ] || [ "$(mx_entries "$q")" != 1 ]; then bad $t "exit $rc, $(mx_entries "$q") entries (expected 0, 1)"
elif ! grep -q "fails DANE" "$q"/q/*.env; then cp "$q"/q/*.env "$work/err"; bad $t "reason not kept"
elif ! grep -q "TLSA base domain: localhost" "$work/probe.out"; then cp "$work/probe.out" "$work/err"; bad $t "the probe does not name the base domain"
elif no_mail bob "$tg"; then ok $t
else bad $t "delivered: the exchanger's own record was used"; fi

t=dane_ta_name_mismatch_defers
# The CA matches, but the chain is for "localhost" and the exchanger is
# called mx.other.test: DANE-TA checks names (RFC 7672 3.2.2).
newtag; mx_mark; q="$work/q-$t"
{
	echo "@ad-default yes"
	echo "mx.other.test A 127.0.0.1"
	echo "other.test MX 10 mx.other.test"
	echo "_$MTA_SMTP_PORT._tcp.mx.other.test TLSA 2 0 1 $ca_cert"
} > "$work/dane4.zone"
QDIR=$q dane_conf $t dane "$work/dane4.zone"
sample "$tg" | "$bin" -C "$cf" -i "bob@other.test" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || [ "$(mx_entries "$q")" != 1 ]; then bad $t "exit $rc, $(mx_entries "$q") entries (expected 0, 1)"
elif ! grep -q "does not validate" "$q"/q/*.env; then cp "$q"/q/*.env "$work/err"; bad $t "reason not kept"
else ok $t; fi

t=dane_insecure_addresses_mean_encrypt_and_no_tlsa_query
newtag; mx_mark
dane_zone "$work/dane5.zone" "@ad localhost no" "$tlsa_name TLSA 3 0 1 $(printf '%064d' 0)"
dane_conf $t dane "$work/dane5.zone"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! wait_mail bob "$tg" >/dev/null; then bad $t "not delivered"
elif ! mx_log | grep -q "verified=none .*status=sent"; then mx_log > "$work/err"; bad $t "not verified=none"
elif grep -q "TLSA" "$work/dane5.zone.log"; then bad $t "TLSA queried after an insecure address answer"
else ok $t; fi

t=dane_insecure_tlsa_is_ignored
newtag; mx_mark
dane_zone "$work/dane6.zone" "@ad $tlsa_name no" "$tlsa_name TLSA 3 0 1 $(printf '%064d' 0)"
dane_conf $t dane "$work/dane6.zone"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then bad $t "exit $rc or not delivered"
elif ! mx_log | grep -q "verified=none .*status=sent"; then mx_log > "$work/err"; bad $t "not verified=none"
else ok $t; fi

t=dane_all_unusable_still_needs_tls
newtag; mx_mark
dane_zone "$work/dane7.zone" "$tlsa_name TLSA 1 1 1 $leaf_spki" "$tlsa_name TLSA 3 1 9 00"
dane_conf $t dane "$work/dane7.zone"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then bad $t "exit $rc or not delivered"
elif ! mx_log | grep -q "tls=TLS.* verified=none .*status=sent"; then mx_log > "$work/err"; bad $t "not TLS with verified=none"
else ok $t; fi

t=dane_only_without_tlsa_defers
newtag; mx_mark; q="$work/q-$t"
dane_zone "$work/dane8.zone"
QDIR=$q dane_conf $t dane-only "$work/dane8.zone"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || [ "$(mx_entries "$q")" != 1 ]; then bad $t "exit $rc, $(mx_entries "$q") entries (expected 0, 1)"
elif ! grep -q "dane-only" "$q"/q/*.env; then cp "$q"/q/*.env "$work/err"; bad $t "reason not kept"
elif no_mail bob "$tg"; then ok $t
else bad $t "delivered without DANE under dane-only"; fi

t=dane_tlsa_lookup_failure_skips_the_host
newtag; mx_mark; q="$work/q-$t"
dane_zone "$work/dane9.zone" "@fault $tlsa_name TLSA servfail"
QDIR=$q dane_conf $t dane "$work/dane9.zone"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || [ "$(mx_entries "$q")" != 1 ]; then bad $t "exit $rc, $(mx_entries "$q") entries (expected 0, 1)"
elif ! grep -q "TLSA lookup" "$q"/q/*.env; then cp "$q"/q/*.env "$work/err"; bad $t "reason not kept"
elif no_mail bob "$tg"; then ok $t
else bad $t "delivered although the TLSA lookup failed"; fi

t=probe_domain_shows_dane_and_sends_nothing
newtag; mx_mark
dane_zone "$work/probe1.zone" "$tlsa_name TLSA 3 1 1 $leaf_spki" "$tlsa_name TLSA 1 0 1 $leaf_cert"
dane_conf $t dane "$work/probe1.zone"
before=$(grep -c "status=" "$work/sealpost.log" 2>/dev/null)
"$bin" -C "$cf" --probe="$MTA_DOMAIN" > "$work/probe.out" 2> "$work/err"; rc=$?
after=$(grep -c "status=" "$work/sealpost.log" 2>/dev/null)
if [ $rc -ne 0 ]; then cat "$work/probe.out" >> "$work/err"; bad $t "exit $rc"
elif ! grep -q "^MX answer: secure" "$work/probe.out" ||
	! grep -q "^exchanger localhost, preference 10" "$work/probe.out" ||
	! grep -q "address 127.0.0.1 (secure)" "$work/probe.out" ||
	! grep -q "TLSA: secure, usable" "$work/probe.out" ||
	! grep -q "^    3 1 1 ${leaf_spki:0:16}" "$work/probe.out" ||
	! grep -q "verified: dane (DANE-EE)" "$work/probe.out" ||
	! grep -q "^certificate 0: " "$work/probe.out" ||
	! grep -q "^verdict: deliverable" "$work/probe.out"; then
	cp "$work/probe.out" "$work/err"; bad $t "the probe page lacks a line"
elif [ "$before" != "$after" ]; then bad $t "a delivery was logged"
else ok $t; fi

t=probe_domain_null_mx_is_68
dane_zone "$work/probe2.zone" "nomail.test MX 0 ."
dane_conf $t dane "$work/probe2.zone"
"$bin" -C "$cf" --probe=nomail.test > "$work/probe.out" 2> "$work/err"; rc=$?
if [ $rc -ne 68 ]; then bad $t "exit $rc, expected 68"
elif ! grep -q "null MX" "$work/probe.out"; then cp "$work/probe.out" "$work/err"; bad $t "no verdict naming the null MX"
else ok $t; fi

# With mta_sts = yes (the default), a probe that never looks a policy up
# (another policy, an address literal, a domain that does not exist)
# still prints a page, never crashes.
t=probe_domain_without_a_policy_lookup
cf=$(mxconf $t encrypt)
sed -i 's/^mta_sts = no/mta_sts = yes/' "$cf"
"$bin" -C "$cf" --probe=implicit.test > "$work/probe.out" 2> "$work/err"; rc1=$?
"$bin" -C "$cf" '--probe=[127.0.0.1]' > "$work/probe2.out" 2>> "$work/err"; rc2=$?
"$bin" -C "$cf" --probe=nosuch.test > "$work/probe3.out" 2>> "$work/err"; rc3=$?
if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ] || [ $rc3 -ne 68 ]; then bad $t "exit $rc1 / $rc2 / $rc3, expected 0 / 0 / 68"
elif ! grep -q "^MTA-STS: no policy" "$work/probe.out"; then cp "$work/probe.out" "$work/err"; bad $t "no MTA-STS line"
else ok $t; fi

t=probe_domain_dane_mismatch_verdict
dane_zone "$work/probe3.zone" "$tlsa_name TLSA 3 0 1 $(printf '%064d' 0)"
dane_conf $t dane-only "$work/probe3.zone"
"$bin" -C "$cf" --probe="$MTA_DOMAIN" > "$work/probe.out" 2> "$work/err"; rc=$?
if [ $rc -ne 75 ]; then cat "$work/probe.out" >> "$work/err"; bad $t "exit $rc, expected 75"
elif ! grep -q "verdict: not usable: .*fails DANE" "$work/probe.out"; then cp "$work/probe.out" "$work/err"; bad $t "no DANE failure verdict"
else ok $t; fi

# ---- MTA-STS (RFC 8461): a scripted HTTPS server with a certificate for
# mta-sts.$MTA_DOMAIN from the harness CA; the exchanger's addresses are
# insecure, so DANE does not apply and the policy decides.
sts_dir=$work/sts
mkdir -p "$sts_dir/www"
# policy_cert DIR SERIAL NAME...: DIR/key.pem and DIR/cert.pem, a server
# certificate for the NAMEs (the first is the CN) from the harness CA.
policy_cert() {
	local dir=$1 serial=$2 n; shift 2
	{
		echo "cn = \"$1\""
		for n in "$@"; do echo "dns_name = \"$n\""; done
		printf 'serial = %s\nexpiration_days = 30\ntls_www_server\nsigning_key\nencryption_key\n' "$serial"
	} > "$dir/cert.tmpl"
	certtool --generate-privkey --key-type=rsa --bits=2048 --outfile "$dir/key.pem" >/dev/null 2>&1
	certtool --generate-certificate --load-privkey "$dir/key.pem" --load-ca-certificate "$MTA_CA" \
		--load-ca-privkey "$MTA_DIR/tls/ca.key" --template "$dir/cert.tmpl" \
		--outfile "$dir/cert.pem" >/dev/null 2>&1
}
policy_cert "$sts_dir" 77 "mta-sts.$MTA_DOMAIN"
python3 "$here/../fault/stssrv.py" --cert "$sts_dir/cert.pem" --key "$sts_dir/key.pem" \
	--dir "$sts_dir/www" --port-file "$sts_dir/port" --lifetime 300 >/dev/null 2>&1 &
mx_pids+=($!)
for _ in $(seq 100); do [ -s "$sts_dir/port" ] && break; sleep 0.05; done
sts_port=$(cat "$sts_dir/port" 2>/dev/null)
# sts_case NAME ID MODE POLICY-MX [QDIR]: zone with TXT id ID, the server in
# MODE serving an enforce policy for POLICY-MX; an account using it in $cf.
sts_case() {
	local name=$1 id=$2 mode=$3 mx=$4 pmode=${5:-enforce}
	printf '%s\n' "$mode" > "$sts_dir/www/mode"
	printf 'version: STSv1\nmode: %s\nmx: %s\nmax_age: 86400\n' "$pmode" "$mx" > "$sts_dir/www/policy"
	{
		echo "localhost A 127.0.0.1"
		echo "$MTA_DOMAIN MX 10 localhost"
		echo "mta-sts.$MTA_DOMAIN A 127.0.0.1"
		echo "_mta-sts.$MTA_DOMAIN TXT \"v=STSv1; id=$id\""
	} > "$work/$name.zone"
	dane_conf "$name" dane "$work/$name.zone"
	sed -i "s/^mta_sts = no/mta_sts = yes\nmta_sts_port = $sts_port\nmta_sts_ca_file = ${MTA_CA//\//\\/}/" "$cf"
}
sts_q=$work/q-sts

t=mta_sts_enforce_listed_mx_is_verified_and_cached
newtag; mx_mark
QDIR=$sts_q sts_case $t 1 ok localhost
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ -z "$sts_port" ]; then bad $t "stssrv.py did not start"
elif [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "exit $rc or not delivered"
elif ! mx_log | grep -q "verified=mta-sts .*status=sent"; then mx_log > "$work/err"; bad $t "not verified=mta-sts"
elif ! mx_log | grep -q ": domain $MTA_DOMAIN: policy dane, MX answer insecure, MTA-STS enforce (fetched)$"; then
	mx_log > "$work/err"; bad $t "the deciding policy is not logged"
elif ! grep -q "GET /.well-known/mta-sts.txt HTTP/1.1 Host: mta-sts.$MTA_DOMAIN" "$sts_dir/www/requests"; then
	bad $t "no GET for the policy"
elif ! grep -q "^id 1$" "$sts_q/mta-sts/$MTA_DOMAIN" 2>/dev/null; then bad $t "policy not cached"
else ok $t; fi

t=mta_sts_same_id_uses_the_cache_without_fetching
newtag; mx_mark
n1=$(wc -l < "$sts_dir/www/requests")
QDIR=$sts_q sts_case $t 1 notfound localhost
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "exit $rc or not delivered"
elif [ "$(wc -l < "$sts_dir/www/requests")" != "$n1" ]; then bad $t "fetched although the id did not change"
elif ! mx_log | grep -q "verified=mta-sts .*status=sent"; then mx_log > "$work/err"; bad $t "cached policy not applied"
else ok $t; fi

t=mta_sts_new_id_failed_fetch_keeps_the_cached_policy
newtag; mx_mark
QDIR=$sts_q sts_case $t 2 redirect localhost
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "exit $rc or not delivered"
elif ! mx_log | grep -q "verified=mta-sts .*status=sent"; then mx_log > "$work/err"; bad $t "cached policy not applied"
elif ! mx_log | grep -q "redirect.*cached policy applies"; then mx_log > "$work/err"; bad $t "the failed refresh is not logged"
else ok $t; fi

# A cached policy past half its max_age (one day here) is fetched again
# although the id is the same: renewed when the server answers, kept when
# it does not, and then not tried again for an hour (the file's mtime).
sts_age() {
	local f=$sts_q/mta-sts/$MTA_DOMAIN then=$(($(date +%s) - 50000))
	sed -i "s/^fetched .*/fetched $then/" "$f" && touch -d "@$then" "$f"
}
t=mta_sts_aging_policy_failed_refresh_keeps_it
newtag; mx_mark
sts_age
n1=$(wc -l < "$sts_dir/www/requests")
QDIR=$sts_q sts_case $t 1 html localhost
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "exit $rc or not delivered"
elif [ "$(wc -l < "$sts_dir/www/requests")" = "$n1" ]; then bad $t "no refresh attempted"
elif ! mx_log | grep -q "refreshing the policy of $MTA_DOMAIN failed: .*cached policy applies"; then
	mx_log > "$work/err"; bad $t "the failed refresh is not logged"
elif ! mx_log | grep -q "verified=mta-sts .*status=sent"; then mx_log > "$work/err"; bad $t "cached policy not applied"
else
	n2=$(wc -l < "$sts_dir/www/requests")
	sample "$tg-again" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
	if [ $rc -ne 0 ] || [ "$(wc -l < "$sts_dir/www/requests")" != "$n2" ]; then
		bad $t "the refresh was tried again at once (exit $rc)"
	else ok $t; fi
fi

t=mta_sts_aging_policy_is_refreshed
newtag; mx_mark
sts_age
QDIR=$sts_q sts_case $t 1 ok localhost
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
age=$(( $(date +%s) - $(sed -n 's/^fetched //p' "$sts_q/mta-sts/$MTA_DOMAIN") ))
if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "exit $rc or not delivered"
elif [ "$age" -gt 60 ]; then bad $t "the cache was not renewed (fetched $age s ago)"
elif ! mx_log | grep -q "verified=mta-sts .*status=sent"; then mx_log > "$work/err"; bad $t "not verified=mta-sts"
else ok $t; fi

# The TXT record is gone (blocked, or an outage): the cached policy holds,
# and is still renewed from the policy host before it expires.
t=mta_sts_without_txt_record_the_policy_is_still_renewed
newtag; mx_mark
sts_age
QDIR=$sts_q sts_case $t 1 ok localhost
sed -i '/_mta-sts/d' "$work/$t.zone"
QDIR=$sts_q dane_conf $t dane "$work/$t.zone"
sed -i "s/^mta_sts = no/mta_sts = yes\nmta_sts_port = $sts_port\nmta_sts_ca_file = ${MTA_CA//\//\\/}/" "$cf"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
age=$(( $(date +%s) - $(sed -n 's/^fetched //p' "$sts_q/mta-sts/$MTA_DOMAIN") ))
if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "exit $rc or not delivered"
elif ! mx_log | grep -q "no valid MTA-STS TXT record now"; then mx_log > "$work/err"; bad $t "the missing record is not logged"
elif [ "$age" -gt 60 ]; then bad $t "the cache was not renewed (fetched $age s ago)"
elif ! grep -q "^id 1$" "$sts_q/mta-sts/$MTA_DOMAIN"; then bad $t "the cached id was not kept"
elif ! mx_log | grep -q "verified=mta-sts .*status=sent"; then mx_log > "$work/err"; bad $t "not verified=mta-sts"
else ok $t; fi

t=mta_sts_enforce_unlisted_mx_defers
newtag; mx_mark; q="$work/q-$t"
QDIR=$q sts_case $t 3 chunked mx.elsewhere.example
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || [ "$(mx_entries "$q")" != 1 ]; then bad $t "exit $rc, $(mx_entries "$q") entries (expected 0, 1)"
elif ! grep -q "not a listed mx" "$q"/q/*.env; then cp "$q"/q/*.env "$work/err"; bad $t "reason not kept"
elif no_mail bob "$tg"; then ok $t
else bad $t "delivered to an exchanger the policy does not list"; fi

t=tls_required_no_sets_mta_sts_enforce_aside
newtag; mx_mark; q="$work/q-$t"
QDIR=$q sts_case $t 3 chunked mx.elsewhere.example
{ printf 'TLS-Required: No\n'; sample "$tg"; } | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "exit $rc or not delivered"
elif ! mx_log | grep -q "tls=TLS.* verified=none .*status=sent"; then mx_log > "$work/err"; bad $t "not TLS with verified=none"
else ok $t; fi

t=mta_sts_testing_delivers_and_logs
newtag; mx_mark; q="$work/q-$t"
QDIR=$q sts_case $t 4 close mx.elsewhere.example testing
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "exit $rc or not delivered"
elif ! mx_log | grep -q "MTA-STS testing .*not a listed mx"; then mx_log > "$work/err"; bad $t "what enforce would refuse is not logged"
elif ! mx_log | grep -q "verified=none .*status=sent"; then mx_log > "$work/err"; bad $t "not verified=none"
else ok $t; fi

for m in html big redirect; do
	t=mta_sts_fetch_${m}_without_cache_means_no_policy
	newtag; mx_mark; q="$work/q-$t"
	QDIR=$q sts_case $t 5 $m mx.elsewhere.example
	sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
	if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "exit $rc or not delivered"
	elif ! mx_log | grep -q "policy fetch for $MTA_DOMAIN failed"; then mx_log > "$work/err"; bad $t "the failure is not logged"
	elif ! mx_log | grep -q "verified=none .*status=sent"; then mx_log > "$work/err"; bad $t "not as if there were no policy"
	else ok $t; fi
done

t=mta_sts_stalled_fetch_is_bounded
newtag; mx_mark; q="$work/q-$t"
QDIR=$q sts_case $t 6 stall mx.elsewhere.example
sed -i 's/^command_timeout = .*/command_timeout = 3s/' "$cf"
start=$(date +%s)
sample "$tg" | timeout 60 "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
took=$(( $(date +%s) - start ))
if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "exit $rc or not delivered"
elif [ "$took" -gt 20 ]; then bad $t "took ${took}s"
elif ! mx_log | grep -q "no complete response in time"; then mx_log > "$work/err"; bad $t "the stall is not logged"
else ok $t; fi

t=mta_sts_dane_wins_over_the_policy
# Secure TLSA that matches, and an enforce policy that does not list the
# exchanger: DANE decides (RFC 8461 2).
newtag; mx_mark; q="$work/q-$t"
QDIR=$q sts_case $t 7 ok mx.elsewhere.example
printf '@ad-default yes\n%s TLSA 3 1 1 %s\n' "$tlsa_name" "$leaf_spki" >> "$work/$t.zone"
kill "${mx_pids[-1]}" 2>/dev/null; wait "${mx_pids[-1]}" 2>/dev/null
mx_dns "$work/$t.zone"
sed -i "s/^dns_server = .*/dns_server = 127.0.0.1:$mx_port_out/" "$cf"
sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "exit $rc or not delivered"
elif ! mx_log | grep -q "verified=dane .*status=sent"; then mx_log > "$work/err"; bad $t "not verified=dane"
else ok $t; fi

t=probe_domain_shows_the_mta_sts_policy
QDIR=$sts_q sts_case $t 1 ok localhost
"$bin" -C "$cf" --probe="$MTA_DOMAIN" > "$work/probe.out" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then cat "$work/probe.out" >> "$work/err"; bad $t "exit $rc"
elif ! grep -q "^MTA-STS: id 1, mode enforce, max_age 86400, cached" "$work/probe.out" ||
	! grep -q "^  mx: localhost" "$work/probe.out" || ! grep -q "verified: mta-sts" "$work/probe.out"; then
	cp "$work/probe.out" "$work/err"; bad $t "the probe page lacks the policy"
else ok $t; fi

# ---- MTA-STS from a real web server: Debian's nginx (tests/harness/web.sh)
# on loopback with a certificate from the harness CA for three policy hosts:
# a good policy, a 301 (never followed) and a policy served as text/html.
web_dir=$work/web
mkdir -p "$web_dir/ok/.well-known"
printf 'version: STSv1\nmode: enforce\nmx: localhost\nmax_age: 86400\n' > "$web_dir/ok/.well-known/mta-sts.txt"
policy_cert "$web_dir" 78 "mta-sts.$MTA_DOMAIN" mta-sts.redirect.test mta-sts.html.test
{
	echo "mta-sts.$MTA_DOMAIN $web_dir/ok $web_dir/cert.pem $web_dir/key.pem"
	echo "mta-sts.redirect.test $web_dir/ok $web_dir/cert.pem $web_dir/key.pem 301 https://mta-sts.$MTA_DOMAIN/.well-known/mta-sts.txt"
	echo "mta-sts.html.test $web_dir/ok $web_dir/cert.pem $web_dir/key.pem type text/html"
} > "$web_dir/sites"
if ! bash "$here/../harness/web.sh" start "$web_dir/srv" "$web_dir/sites" > "$web_dir/start.log" 2>&1; then
	cp "$web_dir/start.log" "$work/err"
	bad mta_sts_nginx "cannot start nginx (tests/harness/web.sh)"
else
	web_port=$(. "$web_dir/srv/env"; echo "$WEB_PORT")
	# web_case NAME DOMAIN: DOMAIN's MX is localhost (insecure), its policy
	# host is nginx; an account using it in $cf, with its own cache.
	web_case() {
		{
			echo "localhost A 127.0.0.1"
			echo "$2 MX 10 localhost"
			echo "mta-sts.$2 A 127.0.0.1"
			echo "_mta-sts.$2 TXT \"v=STSv1; id=web1\""
		} > "$work/$1.zone"
		QDIR=$work/q-$1 dane_conf "$1" dane "$work/$1.zone"
		sed -i "s/^mta_sts = no/mta_sts = yes\nmta_sts_port = $web_port\nmta_sts_ca_file = ${MTA_CA//\//\\/}/" "$cf"
	}

	t=mta_sts_from_nginx_enforce_is_verified
	newtag; mx_mark
	web_case $t "$MTA_DOMAIN"
	sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
	if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log > "$work/err"; bad $t "exit $rc or not delivered"
	elif ! mx_log | grep -q "verified=mta-sts .*status=sent"; then mx_log > "$work/err"; bad $t "not verified=mta-sts"
	elif ! grep -q '"GET /.well-known/mta-sts.txt HTTP/1.1" 200' "$web_dir/srv/access.log"; then
		cp "$web_dir/srv/access.log" "$work/err"; bad $t "nginx served no policy"
	elif ! grep -q "^id web1$" "$work/q-$t/mta-sts/$MTA_DOMAIN" 2>/dev/null ||
		! grep -q "^mode: enforce" "$work/q-$t/mta-sts/$MTA_DOMAIN"; then bad $t "policy not cached"
	else ok $t; fi

	t=mta_sts_from_nginx_redirect_is_not_followed
	web_case $t redirect.test
	"$bin" -C "$cf" --probe=redirect.test > "$work/probe.out" 2> "$work/err"
	if ! grep -q "^MTA-STS: no policy: .*301" "$work/probe.out"; then
		cp "$work/probe.out" "$work/err"; bad $t "a redirect was not refused"
	elif [ "$(grep -c '"GET /.well-known/mta-sts.txt HTTP/1.1" 200' "$web_dir/srv/access.log")" != 1 ]; then
		cp "$web_dir/srv/access.log" "$work/err"; bad $t "the redirect was followed"
	else ok $t; fi

	t=mta_sts_from_nginx_text_html_is_refused
	web_case $t html.test
	"$bin" -C "$cf" --probe=html.test > "$work/probe.out" 2> "$work/err"
	if ! grep -q "^MTA-STS: no policy: .*not served as text/plain" "$work/probe.out"; then
		cp "$work/probe.out" "$work/err"; bad $t "a text/html policy was not refused"
	else ok $t; fi
	bash "$here/../harness/web.sh" stop "$web_dir/srv" >/dev/null 2>&1
fi

# ---- A real DNSSEC stack (tests/harness/dnssec.sh): NSD serving zones
# signed at start, Unbound validating with the test trust anchor. The
# harness's zones: test. (signed; holds example.test), secure.test.
# (signed), insecure.test. (no DS), expired.test. (signatures expired)
# and badds.test. (DS does not match): bogus.
ds_dir=$work/dnssec
{
	echo "$MTA_DOMAIN. 300 IN MX 10 mx.secure.test."
	echo "mx.secure.test. 300 IN A 127.0.0.1"
	echo "_$MTA_SMTP_PORT._tcp.mx.secure.test. 300 IN TLSA 3 1 1 $leaf_spki"
	echo "mismatch.secure.test. 300 IN MX 10 mx2.secure.test."
	echo "mx2.secure.test. 300 IN A 127.0.0.1"
	echo "_$MTA_SMTP_PORT._tcp.mx2.secure.test. 300 IN TLSA 3 1 1 $(printf '%064d' 0)"
	echo "insecure.test. 300 IN MX 10 mx.insecure.test."
	echo "mx.insecure.test. 300 IN A 127.0.0.1"
	echo "_$MTA_SMTP_PORT._tcp.mx.insecure.test. 300 IN TLSA 3 1 1 $(printf '%064d' 0)"
	echo "expired.test. 300 IN MX 10 mx.expired.test."
	echo "mx.expired.test. 300 IN A 127.0.0.1"
	echo "badds.test. 300 IN MX 10 mx.badds.test."
	echo "mx.badds.test. 300 IN A 127.0.0.1"
} > "$work/dnssec.records"
if ! bash "$here/../harness/dnssec.sh" start "$ds_dir" "$work/dnssec.records" > "$work/dnssec-start.log" 2>&1; then
	cp "$work/dnssec-start.log" "$work/err"
	bad dnssec_stack "cannot start the NSD + Unbound harness"
else
	# shellcheck disable=SC1091
	. "$ds_dir/env"
	# ds_conf NAME POLICY [global lines]: through Unbound, AD trusted.
	ds_conf() {
		local name=$1 policy=$2; shift 2
		cf=$(mxconf "$name" "$policy")
		sed -i "s/^dns_server = .*/dns_server = 127.0.0.1:$DNSSEC_RESOLVER_PORT\ndns_trust_ad = yes/" "$cf"
		for l in "$@"; do sed -i "s|^\[account default\]|$l\n[account default]|" "$cf"; done
	}

	t=dnssec_secure_tlsa_through_unbound_authenticates
	newtag; mx_mark
	ds_conf $t dane
	sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
	if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log >> "$work/err"; bad $t "exit $rc or not delivered"
	elif ! mx_log | grep -q "relay=mx.secure.test\[127.0.0.1\]:$MTA_SMTP_PORT .*verified=dane .*status=sent"; then
		mx_log > "$work/err"; bad $t "not verified=dane through mx.secure.test"
	elif ! mx_log | grep -q ": domain $MTA_DOMAIN: policy dane, MX answer secure$"; then
		mx_log > "$work/err"; bad $t "the deciding policy is not logged"
	else ok $t; fi

	t=dnssec_secure_tlsa_mismatch_defers
	newtag; mx_mark; q="$work/q-$t"
	QDIR=$q ds_conf $t dane
	sample "$tg" | "$bin" -C "$cf" -i "bob@mismatch.secure.test" 2> "$work/err"; rc=$?
	if [ $rc -ne 0 ] || [ "$(mx_entries "$q")" != 1 ]; then bad $t "exit $rc, $(mx_entries "$q") entries (expected 0, 1)"
	elif ! grep -q "fails DANE" "$q"/q/*.env; then cp "$q"/q/*.env "$work/err"; bad $t "reason not kept"
	else ok $t; fi

	t=dnssec_insecure_delegation_means_no_dane
	newtag; mx_mark
	ds_conf $t dane
	sample "$tg" | "$bin" -C "$cf" -i "bob@insecure.test" 2> "$work/err"; rc=$?
	if ! mx_log | grep -q "relay=mx.insecure.test\[127.0.0.1\]:$MTA_SMTP_PORT tls=TLS.* verified=none"; then
		mx_log > "$work/err"; bad $t "not TLS with verified=none (exit $rc)"
	else ok $t; fi

	for z in expired badds; do
		t=dnssec_bogus_${z}_zone_defers_never_insecure
		newtag; mx_mark; q="$work/q-$t"
		QDIR=$q ds_conf $t dane
		sample "$tg" | "$bin" -C "$cf" -i "bob@$z.test" 2> "$work/err"; rc=$?
		if [ $rc -ne 0 ] || [ "$(mx_entries "$q")" != 1 ]; then bad $t "exit $rc, $(mx_entries "$q") entries (expected 0, 1)"
		elif ! grep -q "SERVFAIL" "$q"/q/*.env; then cp "$q"/q/*.env "$work/err"; bad $t "reason not kept"
		elif mx_log | grep -q "relay=mx.$z.test"; then bad $t "connected despite a bogus answer"
		else ok $t; fi
	done

	t=dnssec_untrusted_ad_means_insecure
	newtag; mx_mark
	ds_conf $t dane
	sed -i 's/^dns_trust_ad = yes/dns_trust_ad = no/' "$cf"
	sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
	if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then bad $t "exit $rc or not delivered"
	elif ! mx_log | grep -q "verified=none .*status=sent"; then mx_log > "$work/err"; bad $t "AD believed from an untrusted resolver"
	else ok $t; fi

	# In-process validation (libunbound), pointed straight at NSD with the
	# test trust anchor: no validating resolver needed.
	t=dns_validate_in_process_authenticates
	newtag; mx_mark
	ds_conf $t dane "dns_validate = yes" "dns_trust_anchor = $DNSSEC_ANCHOR"
	sed -i "s/^dns_server = .*/dns_server = 127.0.0.1:$DNSSEC_NSD_PORT/; s/^dns_trust_ad = yes/dns_trust_ad = no/" "$cf"
	sample "$tg" | "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
	if [ $rc -ne 0 ] || ! wait_mail bob "$tg" >/dev/null; then mx_log >> "$work/err"; bad $t "exit $rc or not delivered"
	elif ! mx_log | grep -q "verified=dane .*status=sent"; then mx_log > "$work/err"; bad $t "not verified=dane"
	else ok $t; fi

	t=dns_validate_in_process_bogus_defers
	newtag; mx_mark; q="$work/q-$t"
	QDIR=$q ds_conf $t dane "dns_validate = yes" "dns_trust_anchor = $DNSSEC_ANCHOR"
	sed -i "s/^dns_server = .*/dns_server = 127.0.0.1:$DNSSEC_NSD_PORT/" "$cf"
	sample "$tg" | "$bin" -C "$cf" -i "bob@expired.test" 2> "$work/err"; rc=$?
	if [ $rc -ne 0 ] || [ "$(mx_entries "$q")" != 1 ]; then bad $t "exit $rc, $(mx_entries "$q") entries (expected 0, 1)"
	elif ! grep -qi "bogus" "$q"/q/*.env; then cp "$q"/q/*.env "$work/err"; bad $t "reason not kept"
	else ok $t; fi

	bash "$here/../harness/dnssec.sh" stop "$ds_dir" >/dev/null 2>&1
fi

for p in "${mx_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
fi
kill "$mx_dns_pid" 2>/dev/null
wait "$mx_dns_pid" 2>/dev/null
