# local_faults.sh: the local-failure matrix of issue 8. For each local
# fault (never the server's word), in send mode and in a queue run, by
# root and by an ordinary user in system mode: whatever sealpost says, no
# message is lost or bounced, and once the fault is repaired root's run
# delivers it exactly once. Prints the matrix as a table at the end
# ($work/matrix). Sourced by run.sh after 10-never_lost.sh (sysconf, q_entries,
# mail_count, wait_count, newtag, message, empty_queue).

lf=$work/lf; mkdir -p "$lf"; chmod 755 "$lf"
sh "$top/tests/lib/certs.sh" "$lf/pki" > /dev/null 2>&1 || bad local_faults "cannot make a client certificate"
chmod 755 "$lf/pki"; chmod 644 "$lf/pki/client.pem"
mkdir -p "$lf/ca-dir" "$lf/key-dir"; chmod 0700 "$lf/key-dir"
: > "$lf/ca-empty.pem"
head -c "$(($(wc -c < "$MTA_CA") / 2))" "$MTA_CA" > "$lf/ca-half.pem"
chmod 644 "$lf/ca-empty.pem" "$lf/ca-half.pem"
printf '| fault | mode | caller | sealpost said | entry kept | bounce | delivered once after repair |\n' > "$work/matrix"
printf '|---|---|---|---|---|---|---|\n' >> "$work/matrix"

# lfconf PORT: the system configuration with the current fault's lines.
lfconf() {
	{
		printf '[global]\nhostname = client.example.test\nretry_min = 1s\n'
		printf 'connect_timeout = 5s\ncommand_timeout = 2s\n%s\n' "${LF_LOG:-log = none}"
		printf '[account default]\nhost = localhost\nport = %s\ntls = implicit\n' "$1"
		printf 'tls_ca_file = %s\nuser = %s\nfrom = %s\n' "${LF_CA:-$MTA_CA}" "$MTA_USER" "$MTA_USER"
		printf '%s\n' "${LF_SECRET:-password = \"$MTA_PASS\"}" "${LF_EXTRA:-}"
	} > "$work/etc/sealpost.conf"
	chown root:sealpost "$work/etc/sealpost.conf"; chmod 0640 "$work/etc/sealpost.conf"
}
# fault NAME [LIMIT]: set LF_* and the command prefix for the fault.
fault() {
	LF_CA='' LF_SECRET='' LF_EXTRA='' LF_LOG='' wrap=()
	case $1 in
	ca_missing) LF_CA=$lf/no-such-ca.pem ;;
	ca_unreadable) LF_CA=$lf/ca-dir ;;
	ca_mid_replacement) LF_CA=$lf/ca-empty.pem ;;
	ca_truncated) LF_CA=$lf/ca-half.pem ;;
	client_key_unreadable) LF_EXTRA="tls_cert_file = $lf/pki/client.pem
tls_key_file = $lf/key-dir" ;;
	password_command_fails) LF_SECRET='password_command = exit 3' ;;
	password_command_hangs) LF_SECRET='password_command = sleep 30' ;;
	password_command_empty) LF_SECRET='password_command = true' ;;
	log_unwritable) LF_LOG="log = $lf/no-such-dir/sealpost.log" ;;
	rlimit_as) wrap=(prlimit "--as=$(($2 * 1024))" --) ;;
	rlimit_nofile) wrap=(prlimit "--nofile=$2" --) ;;
	rlimit_fsize) wrap=(prlimit "--fsize=$2" --) ;;
	esac
}
# run_as CALLER ARGS...: sealpost as root or as sp-alice, under the fault.
run_as() {
	local who=$1; shift
	if [ "$who" = root ]; then "${wrap[@]}" "$bin" "$@"
	else as sp-alice "${wrap[@]}" "$bin" "$@"; fi
}
msg_sum() { local f; f=$(find "$work/spool/q" -name '*.msg' | head -n 1); [ -n "$f" ] && md5sum < "$f"; }
bounces() { grep -l '^flags:.*bounce' "$work/spool/q/"*.env 2>/dev/null | wc -l; }

# cell FAULT LIMIT MODE CALLER: one cell; appends a row to the table.
cell() {
	local f=$1 lim=$2 mode=$3 who=$4 rc n sum0 sum1 now b said kept bounce once
	t="local_fault_${f}${lim:+_$lim}_${mode}_$who"
	empty_queue; newtag
	if [ "$mode" = queue-run ]; then
		fault none; lfconf 1
		message "$tg" | run_as "$who" "bob@$MTA_DOMAIN" 2> "$work/err"
		sum0=$(msg_sum)
		fault "$f" "$lim"; lfconf "$MTA_SMTPS_PORT"
		run_as "$who" --flush 2>> "$work/err" < /dev/null; rc=$?
	else
		fault "$f" "$lim"; lfconf "$MTA_SMTPS_PORT"
		message "$tg" | run_as "$who" "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
		sum0=$(msg_sum)
	fi
	n=$(q_entries); sum1=$(msg_sum); b=$(bounces)
	sleep 0.3; now=$(mail_count bob "$tg")
	fault none; lfconf "$MTA_SMTPS_PORT"
	"$bin" --flush 2>> "$work/err" < /dev/null
	[ "$n" -gt 0 ] || [ "$now" -gt 0 ] && wait_count bob "$tg" 1
	sleep 0.2
	local total; total=$(mail_count bob "$tg")
	local sender_mail; sender_mail=$(mail_count alice "$tg")
	said="exit $rc"; kept=n; bounce=n; once=n
	[ "$n" = 1 ] && kept=y
	[ "$b" != 0 ] || [ "$sender_mail" != 0 ] && bounce=y
	[ "$total" = 1 ] && once=y
	local problem=""
	if [ "$bounce" = y ]; then problem="a bounce was generated"
	elif [ "$mode" = queue-run ]; then
		if [ -z "$sum0" ]; then problem="the entry was not queued before the fault"
		elif [ "$n" = 1 ] && [ "$sum1" != "$sum0" ]; then problem="the queued message changed"
		elif [ "$n" = 0 ] && [ "$now" != 1 ]; then problem="the entry is gone but was not delivered"
		elif [ "$once" != y ]; then problem="delivered $total times"
		fi
		[ "$now" = 1 ] && said="$said, delivered"
	else
		# A set-up error (CA, key, secret) stops every attempt: the
		# message must be taken and queued (doc/decisions.md D16), not refused.
		case $f in ca_*|client_key_*|password_*)
			{ [ $rc -ne 0 ] || [ "$n" != 1 ]; } && problem="exit $rc with $n entries: not queued";;
		esac
		if [ -n "$problem" ]; then :
		elif [ $rc -eq 0 ] && [ "$n" = 0 ] && [ "$now" != 1 ]; then problem="exit 0 but neither queued nor delivered"
		elif [ $rc -ne 0 ] && { [ "$n" != 0 ] || [ "$now" != 0 ]; }; then problem="exit $rc but queued or sent"
		elif [ $rc -eq 0 ] && [ "$once" != y ]; then problem="delivered $total times"
		elif [ $rc -ne 0 ] && [ "$total" != 0 ]; then problem="refused, yet delivered later"
		fi
		[ $rc -eq 0 ] && [ "$n" = 1 ] && said="$said, queued"
		[ $rc -eq 0 ] && [ "$now" = 1 ] && said="$said, delivered"
		[ $rc -ne 0 ] && { said="$said, caller keeps it"; once=-; }
	fi
	[ -z "$problem" ] && [ "$(q_entries)" != 0 ] && problem="$(q_entries) entries left after repair"
	printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$f${lim:+ $lim}" "$mode" "$who" "$said" \
		"$kept" "$bounce" "$once" >> "$work/matrix"
	if [ -n "$problem" ]; then bad "$t" "$problem"; else ok "$t"; fi
}

for f in ca_missing ca_unreadable ca_mid_replacement ca_truncated client_key_unreadable \
	password_command_fails password_command_hangs password_command_empty log_unwritable; do
	for mode in send queue-run; do
		for who in root sp-alice; do cell "$f" "" "$mode" "$who"; done
	done
done
# Resource limits: a sweep, since where a limit bites depends on the build.
for lim in 4 6 7 8 9 10; do
	for mode in send queue-run; do for who in root sp-alice; do cell rlimit_nofile "$lim" "$mode" "$who"; done; done
done
for lim in 100 1000; do
	for mode in send queue-run; do for who in root sp-alice; do cell rlimit_fsize "$lim" "$mode" "$who"; done; done
done
for lim in 9500 9700 9800 9900 10100 12000; do
	for mode in send queue-run; do for who in root sp-alice; do cell rlimit_as "$lim" "$mode" "$who"; done; done
done

# Clock jumps: LD_PRELOAD is (rightly) ignored for a set-group-ID program,
# so the clock cases run the same code as a per-user binary, with a private
# queue, as root and as sp-alice.
plain=$work/build/sealpost
shim=$lf/clockshift.so
cc -shared -fPIC -o "$shim" "$top/tests/lib/clockshift.c" -ldl 2> "$work/err" || bad clock_shim "cannot build the shim"
chmod 755 "$shim"
ten_years=315360000
for who in root sp-alice; do
	uq=$lf/uq-$who; rm -rf "$uq"; install -d -o "$who" -m 0700 "$uq"
	ucf() {
		printf '[global]\nhostname = client.example.test\nlog = none\nretry_min = 1s\n'
		printf 'queue_dir = %s/queue\n[account default]\nhost = localhost\nport = %s\n' "$uq" "$1"
		printf 'tls = implicit\ntls_ca_file = %s\nuser = %s\nfrom = %s\npassword = "%s"\n' \
			"$MTA_CA" "$MTA_USER" "$MTA_USER" "$MTA_PASS"
	}
	ucf 1 > "$uq/down"; ucf "$MTA_SMTPS_PORT" > "$uq/up"
	chown "$who" "$uq/down" "$uq/up"; chmod 600 "$uq/down" "$uq/up"
	urun() { if [ "$who" = root ]; then "$@"; else as sp-alice "$@"; fi; }
	uentries() { find "$uq/queue/q" -name '*.env' 2>/dev/null | wc -l; }
	for mode in send queue-run; do
		t="local_fault_clock_plus_10y_${mode}_$who"
		rm -rf "$uq/queue"; newtag
		if [ "$mode" = send ]; then
			# The clock is ten years ahead while the message is taken.
			message "$tg" | urun env LD_PRELOAD="$shim" CLOCK_SHIFT_S=$ten_years \
				"$plain" -C "$uq/up" "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
		else
			message "$tg" | urun "$plain" -C "$uq/down" "bob@$MTA_DOMAIN" 2> "$work/err"
			urun env LD_PRELOAD="$shim" CLOCK_SHIFT_S=$ten_years "$plain" -C "$uq/up" -q \
				2>> "$work/err" < /dev/null; rc=$?
		fi
		n=$(uentries); b=$(grep -l '^flags:.*bounce' "$uq/queue/q/"*.env 2>/dev/null | wc -l)
		sleep 0.3; now=$(mail_count bob "$tg")
		# Repaired: the clock is right again; a plain -q (not --flush).
		urun "$plain" -C "$uq/up" -q 2>> "$work/err" < /dev/null
		wait_count bob "$tg" 1; sleep 0.2
		total=$(mail_count bob "$tg"); sm=$(mail_count alice "$tg")
		kept=n; [ "$n" = 1 ] && kept=y
		bounce=n; { [ "$b" != 0 ] || [ "$sm" != 0 ]; } && bounce=y
		once=n; [ "$total" = 1 ] && once=y
		printf '| clock +10 years | %s | %s (per-user) | exit %s | %s | %s | %s |\n' "$mode" "$who" \
			"$rc" "$kept" "$bounce" "$once" >> "$work/matrix"
		if [ "$rc" != 0 ]; then bad $t "exit $rc"
		elif [ "$bounce" = y ]; then bad $t "a bounce was generated"
		elif [ "$now" != 0 ] || [ "$n" != 1 ]; then bad $t "$n entries and $now copies under the fault"
		elif [ "$once" != y ]; then bad $t "delivered $total times after the clock was right again"
		elif [ "$(uentries)" != 0 ]; then bad $t "entries left"
		else ok $t; fi
	done
done
fault none; lfconf "$MTA_SMTPS_PORT"; empty_queue
echo "local-failure matrix:"; cat "$work/matrix"
