#!/usr/bin/env bash
# run.sh SEALPOST [SCENARIO...]: play each scenario of tests/fault/scenarios
# against sealpost through faultsrv.py and check the exit status and the
# exact list of lines the server received.
#
# Scenario headers:
#   #! tls implicit|starttls       account tls (default starttls)
#   #! implicit                    the server starts TLS at once
#   #! cert NAME                   server certificate from tests/lib/certs.sh
#   #! exit N                      expected exit status
#   #! received: GLOB              next expected client line (bash pattern); all
#                                  received lines must match, in order, none extra
#   #! config: KEY = VALUE         extra [account default] line (or a section
#                                  header and lines of another account; @PORT@
#                                  is the server's port; @PIN:name@: that test
#                                  certificate's SHA-256, plain hex; @SPKI:name@:
#                                  its public key's, as --probe prints it)
#   #! global: KEY = VALUE         extra [global] line
#   #! args: ...                   extra command-line arguments (before the recipient;
#                                  with "flush", those of the sends that queue)
#   #! limit N                     sealpost must finish within N seconds (default 20)
#   #! host NAME                   the account's host (default localhost)
#   #! resolver silent             sealpost runs in a private mount namespace
#                                  whose /etc/resolv.conf names only a DNS
#                                  server on 127.53.x.y:53 that never answers
#                                  queries for the host (with timeout:30, so
#                                  any bound is sealpost's own); needs root
#                                  and unshare(1), else the scenario is skipped
#   #! stderr: REGEX               sealpost's stderr must match (grep -E)
#   #! stderr-lacks: REGEX         sealpost's stderr must not match
#   #! stdout: REGEX               sealpost's stdout must match (grep -E; @PIN:name@
#                                  and @SPKI:name@ become that test certificate's
#                                  pins, colon-separated upper-case hex)
#   #! stdout-lacks: REGEX         sealpost's stdout must not match
#   #! log: REGEX                  sealpost's log file must match (grep -E)
#   #! log-lacks: REGEX            sealpost's log file must not match
#   #! flush N                     a queue run instead of a send: N copies of
#                                  the message are first queued through a
#                                  server that is down (needs "#! global:
#                                  queue = yes"), then "--flush" runs
#   #! flush-accounts: A B ...    queue the copies through these accounts in
#                                  turn (-a A, -a B, ...) instead of the default
#   #! any-received yes            do not compare what the server received
#   #! data: REGEX / data-lacks: REGEX   the message data received must (not) match
#   #! stdin: TEXT                 the message (printf format) instead of the default
#   #! stdin-bytes: N              a message with an N-byte body instead
#   #! queue-entries: N            entries in the queue afterwards; when N > 0,
#                                  each .env needs its .msg holding the message
#                                  as sent (body, and header fields other than
#                                  From/Bcc), and "queued-reason" is required
#   #! queued-reason: REGEX        why it was deferred: must match (grep -E) each
#                                  .env's last-error and the "queued as" notice
#
# Every scenario runs with -vv and "log = FILE". faultsrv.py records each
# credential the client sent (an AUTH initial response, each answer to a
# 334, and what they decode to: PLAIN/LOGIN password, bearer token, SCRAM
# proof); none of them, nor the configured password, may appear on stdout or
# stderr, in the log, the queue files, "-bp" (mailq) or "--check-config".
set -u
bin=${1:?usage: run.sh SEALPOST [scenario...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/sealpost-fault.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
sh "$here/../lib/certs.sh" "$work/pki" || { echo "cannot make test certificates"; exit 1; }
# printed_pin PIN|SPKI NAME: the SHA-256 of test certificate NAME, or of its
# public key (SubjectPublicKeyInfo), as --probe prints it: sha256:AB:CD:...
printed_pin() {
	local f=$work/pki/$2.pem fp
	if [ "$1" = PIN ]; then
		fp=$(certtool --fingerprint --hash sha256 --infile "$f" 2>/dev/null)
	else
		fp=$(certtool --pubkey-info --outder --infile "$f" 2>/dev/null | sha256sum | cut -c1-64)
	fi
	printf 'sha256:%s' "$(printf '%s' "$fp" | tr a-f A-F | sed 's/../&:/g; s/:$//')"
}

# A scenario is named by its path or by its name (tests/fault/scenarios/NAME.scn).
scenarios=()
for a in "$@"; do
	case $a in */*|*.scn) s=$a ;; *) s=$here/scenarios/$a.scn ;; esac
	[ -f "$s" ] || { echo "run.sh: no scenario $a ($s)"; exit 2; }
	scenarios+=("$s")
done
[ ${#scenarios[@]} -gt 0 ] || scenarios=("$here"/scenarios/*.scn)
pass=0 fail=0 skip=0
for scn in "${scenarios[@]}"; do
	name=$(basename "$scn" .scn)
	d="$work/$name"; mkdir -p "$d"
	hdr() { sed -n "s/^#! $1\(:\| \) *//p" "$scn"; }
	tls=$(hdr tls); tls=${tls:-starttls}
	cert=$(hdr cert); cert=${cert:-localhost}
	want_exit=$(hdr exit)
	limit=$(hdr limit); limit=${limit:-20}
	host=$(hdr host); host=${host:-localhost}
	# "#! resolver silent": run sealpost through ns=(...) with a resolver that never answers.
	ns=() dnspid=
	if [ "$(hdr resolver)" = silent ]; then
		if [ "$(id -u)" != 0 ] || ! command -v unshare > /dev/null; then
			skip=$((skip + 1)); echo "skip $name: needs root and unshare(1) for a private resolv.conf"
			continue
		fi
		nsaddr=127.53.$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
		printf '@fault %s * silent\n' "$host" > "$d/zone"
		printf 'nameserver %s\noptions timeout:30 attempts:1\n' "$nsaddr" > "$d/resolv.conf"
		python3 "$here/dnssrv.py" --zone "$d/zone" --addr "$nsaddr" --port 53 \
			--port-file "$d/dns.port" --log "$d/dns.log" --lifetime 60 & dnspid=$!
		pids+=("$dnspid")
		for _ in $(seq 100); do [ -s "$d/dns.port" ] && break; sleep 0.05; done
		# shellcheck disable=SC2016
		ns=(unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$d/resolv.conf")
	fi
	python3 "$here/faultsrv.py" --scenario "$scn" --port-file "$d/port" --log "$d/received" \
		--cert "$work/pki/$cert.pem" --key "$work/pki/$cert.key" --data-file "$d/data" --ca "$work/pki/ca.pem" \
		--secrets "$d/secrets" --accept-timeout 30 & spid=$!
	pids+=("$spid")
	for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
	{
		echo "[global]"
		echo "hostname = client.example.test"
		echo "log = $d/log"
		echo "connect_timeout = 5s"
		echo "command_timeout = 5s"
		echo "session_timeout = 15s"
		# Transport scenarios assert 75/77; "#! global: queue = yes" opts in.
		hdr global | grep -q '^queue *=' || echo "queue = no"
		echo "queue_dir = $d/queue"
		hdr global
		echo "[account default]"
		echo "host = $host"
		echo "port = $(cat "$d/port")"
		echo "tls = $tls"
		echo "tls_ca_file = $work/pki/ca.pem"
		echo "user = alice"
		hdr config | grep -q '^password' || echo "password = secret-password-1"
		echo "from = alice@example.test"
		hdr config
	} | while IFS= read -r l; do
		l=${l//@PKI@/$work/pki}
		l=${l//@PORT@/$(cat "$d/port")}
		# @PIN:name@ -> the SHA-256 fingerprint of that test certificate;
		# @SPKI:name@ -> its public key's, as --probe prints it.
		while [[ $l =~ @PIN:([a-z-]+)@ ]]; do
			fp=$(certtool --fingerprint --hash sha256 --infile "$work/pki/${BASH_REMATCH[1]}.pem" 2>/dev/null)
			l=${l/"${BASH_REMATCH[0]}"/sha256:$fp}
		done
		while [[ $l =~ @SPKI:([a-z-]+)@ ]]; do
			l=${l/"${BASH_REMATCH[0]}"/$(printed_pin SPKI "${BASH_REMATCH[1]}")}
		done
		printf '%s\n' "$l"
	done > "$d/config"
	chmod 600 "$d/config"
	input=$(hdr stdin)
	nbytes=$(hdr stdin-bytes)
	{
		if [ -n "$nbytes" ]; then
			printf 'Subject: big\n\n'; head -c "$nbytes" /dev/zero | tr '\0' 'x' | fold -w 76
		else
			printf "${input:-Subject: fault test\\n\\nline one\\n.leading dot\\n}"
		fi
	} > "$d/input"
	flush=$(hdr flush)
	if [ -n "$flush" ]; then
		sed -e 's/^port = .*/port = 1/' -e "s|^log = .*|log = $d/log-down|" "$d/config" > "$d/config-down"
		chmod 600 "$d/config-down"
		read -ra accts <<< "$(hdr flush-accounts)"
		for k in $(seq "$flush"); do
			aargs=()
			[ ${#accts[@]} -gt 0 ] && aargs=(-a "${accts[k % ${#accts[@]}]}")
			# shellcheck disable=SC2046
			"$bin" -C "$d/config-down" "${aargs[@]}" $(hdr args) bob@example.test < "$d/input" 2>> "$d/queueing" ||
				echo "queueing failed" >> "$d/queueing"
		done
	fi
	t0=$(date +%s%N)
	if [ -n "$flush" ]; then
		timeout "$((limit + 5))" "${ns[@]}" "$bin" -C "$d/config" -vv --flush \
			< /dev/null > "$d/stdout" 2> "$d/stderr"
	else
		# shellcheck disable=SC2046
		timeout "$((limit + 5))" "${ns[@]}" "$bin" -C "$d/config" -vv $(hdr args) bob@example.test \
			< "$d/input" > "$d/stdout" 2> "$d/stderr"
	fi
	got_exit=$?
	took_ms=$((($(date +%s%N) - t0) / 1000000))
	# The client is done: give the server a moment to read what is left,
	# then SIGTERM, which makes it record the rest without waiting.
	for _ in $(seq 20); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
	[ -n "$dnspid" ] && { kill "$dnspid" 2>/dev/null; wait "$dnspid" 2>/dev/null; }
	problems=()
	[ -n "$want_exit" ] && [ "$got_exit" != "$want_exit" ] &&
		problems+=("exit $got_exit, expected $want_exit")
	if [ "$got_exit" = 124 ]; then
		problems+=("sealpost did not finish within $((limit + 5)) s")
	elif [ "$took_ms" -gt "$((limit * 1000))" ]; then
		problems+=("sealpost took $took_ms ms, more than the limit of $limit s")
	fi
	mapfile -t want < <(hdr received)
	# "!connection error" is the server's own observation (e.g. a
	# handshake the client aborted), not something the client sent.
	mapfile -t got < <(grep -av '^!connection error' "$d/received" 2>/dev/null)
	[ -n "$(hdr any-received)" ] && got=() want=()
	for ((i = 0; i < ${#got[@]} || i < ${#want[@]}; i++)); do
		g=${got[i]-<nothing>} w=${want[i]-<nothing>}
		# shellcheck disable=SC2053
		if [[ $g != $w ]]; then
			problems+=("server line $((i + 1)): got '$g', expected '$w'")
			break
		fi
	done
	# No secret anywhere sealpost writes (see the header).
	{
		cat "$d/secrets" 2>/dev/null
		printf '%s\n' secret-password-1 c2VjcmV0LXBhc3N3b3JkLTE
		hdr config | sed -n 's/^password *= *//p'
	} | grep -v '^$' > "$d/secrets.all"
	"$bin" -C "$d/config" -bp > "$d/mailq" 2>&1
	"$bin" -C "$d/config" --check-config > "$d/check-config" 2>&1
	for f in "$d/stdout" "$d/stderr" "$d/log" "$d/mailq" "$d/check-config" \
		$(find "$d/queue" -type f 2>/dev/null); do
		[ -f "$f" ] && grep -aqFf "$d/secrets.all" "$f" &&
			problems+=("a secret appeared in ${f#"$d/"}: $(grep -aoFf "$d/secrets.all" "$f" | head -n 1 | cut -c1-40)")
	done
	while IFS= read -r re; do
		[ -n "$re" ] && ! grep -Eq -- "$re" "$d/stderr" && problems+=("stderr does not match /$re/")
	done < <(hdr stderr)
	while IFS= read -r re; do
		[ -n "$re" ] && grep -Eq -- "$re" "$d/stderr" && problems+=("stderr matches /$re/")
	done < <(hdr stderr-lacks)
	while IFS= read -r re; do
		# @PIN:name@ / @SPKI:name@ -> the certificate's / its public key's SHA-256.
		while [[ $re =~ @(PIN|SPKI):([a-z-]+)@ ]]; do
			re=${re/"${BASH_REMATCH[0]}"/$(printed_pin "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")}
		done
		[ -n "$re" ] && ! grep -Eq -- "$re" "$d/stdout" && problems+=("stdout does not match /$re/")
	done < <(hdr stdout)
	while IFS= read -r re; do
		[ -n "$re" ] && grep -Eq -- "$re" "$d/stdout" && problems+=("stdout matches /$re/")
	done < <(hdr stdout-lacks)
	while IFS= read -r re; do
		[ -n "$re" ] && ! grep -Eq -- "$re" "$d/log" 2>/dev/null && problems+=("log does not match /$re/")
	done < <(hdr log)
	while IFS= read -r re; do
		[ -n "$re" ] && grep -Eq -- "$re" "$d/log" 2>/dev/null && problems+=("log matches /$re/")
	done < <(hdr log-lacks)
	[ -n "$flush" ] && grep -q "queueing failed" "$d/queueing" 2>/dev/null &&
		problems+=("the messages for the queue run could not be queued")
	while IFS= read -r re; do
		[ -n "$re" ] && ! grep -Eq -- "$re" "$d/data" 2>/dev/null && problems+=("data does not match /$re/")
	done < <(hdr data)
	want_q=$(hdr queue-entries)
	if [ -n "$want_q" ]; then
		got_q=$(find "$d/queue/q" -name '*.env' 2>/dev/null | wc -l)
		[ "$got_q" = "$want_q" ] || problems+=("$got_q queue entries, expected $want_q")
		reason=$(hdr queued-reason)
		[ "$want_q" -gt 0 ] && [ -z "$reason" ] && problems+=("no '#! queued-reason'")
		if [ "$want_q" -gt 0 ] && [ -n "$reason" ] &&
			! grep -Eq -- "queued as [0-9A-F]+: .*($reason)" "$d/stderr"; then
			problems+=("the queued notice on stderr does not match /$reason/")
		fi
		sed '/^$/q' "$d/input" | grep -Eiv '^(from|bcc|resent-bcc):' | grep -v '^$' > "$d/input.hdr"
		# sealpost ends an unterminated last line; so does this.
		sed '1,/^$/d' "$d/input" | sed '$a\' > "$d/input.body"
		while IFS= read -r env; do
			e=${env##*/}
			[ -n "$reason" ] && ! grep -Eq -- "^last-error: .*($reason)" "$env" &&
				problems+=("$e: last-error does not match /$reason/: $(grep -m1 '^last-error' "$env")")
			msg=${env%.env}.msg
			if [ ! -f "$msg" ]; then
				problems+=("$e has no .msg")
				continue
			fi
			tr -d '\r' < "$msg" > "$d/queued.msg"
			sed '1,/^$/d' "$d/queued.msg" | cmp -s - "$d/input.body" ||
				problems+=("${msg##*/}: the body is not the message as sent")
			sed '/^$/q' "$d/queued.msg" | grep -Fxqvf - "$d/input.hdr" &&
				problems+=("${msg##*/}: header lines of the message as sent are missing")
		done < <(find "$d/queue/q" -name '*.env' 2>/dev/null)
	fi
	while IFS= read -r re; do
		[ -n "$re" ] && grep -Eq -- "$re" "$d/data" 2>/dev/null && problems+=("data matches /$re/")
	done < <(hdr data-lacks)
	if [ ${#problems[@]} -eq 0 ]; then
		pass=$((pass + 1)); echo "ok   $name"
	else
		fail=$((fail + 1)); echo "FAIL $name: ${problems[*]}"
		sed 's/^/     stderr: /' "$d/stderr" | head -n 8
		sed 's/^/     server got: /' "$d/received" 2>/dev/null | head -n 12
	fi
done
echo "fault scenarios: $pass passed, $fail failed$([ "$skip" -eq 0 ] || echo ", $skip skipped")"
[ "$fail" -eq 0 ]
