# Logging cases (issue #12): syslog that is there and syslog that is not,
# and messages refused before any attempt. Sourced by run.sh.
#
# glibc's syslog() writes to /dev/log, a fixed path, and drops a line
# silently when nothing listens there. Each case runs sealpost in a private
# mount namespace (unshare -m; root only) whose /dev is a small tmpfs with
# the usual device nodes bound in, and either a syslog receiver
# (tests/lib/syslogd.py, by PID) at /dev/log or nothing there.

# in_devns WITH_SYSLOG RECORD CMD...: run CMD with /dev replaced; when
# WITH_SYSLOG is 1, what reaches /dev/log is appended to RECORD.
in_devns() {
	local with=$1 rec=$2
	shift 2
	unshare -m --propagation private bash -c '
		d=$1 with=$2 rec=$3 lib=$4; shift 4
		mkdir -p "$d" && mount -t tmpfs -o mode=0755 tmpfs "$d" || exit 111
		for n in null zero full random urandom tty; do
			[ -e "/dev/$n" ] && touch "$d/$n" && mount --bind "/dev/$n" "$d/$n"
		done
		ln -s /proc/self/fd "$d/fd"
		sp=
		if [ "$with" = 1 ]; then
			python3 "$lib/syslogd.py" "$d/log" "$rec" --lifetime 60 & sp=$!
			for _ in $(seq 100); do [ -e "$rec.ready" ] && break; sleep 0.05; done
			[ -e "$rec.ready" ] || { kill "$sp"; exit 112; }
		fi
		mount --rbind "$d" /dev || exit 113
		"$@"; rc=$?
		if [ -n "$sp" ]; then sleep 0.2; kill "$sp"; wait "$sp" 2>/dev/null; fi
		exit $rc
	' _ "$work/devns" "$with" "$rec" "$here/../lib" "$@"
}

if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
	echo "skip logging cases: they need root and unshare(1) (a private /dev/log)"
else
	t=syslog_unreachable_said_once
	newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
	sed -i 's|^log = .*|log = syslog|' "$cf"
	sample "$tg" | in_devns 0 /dev/null "$bin" -C "$cf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
	if [ $rc -ne 0 ]; then bad $t "exit $rc"
	elif ! wait_mail bob "$tg" >/dev/null; then bad $t "no mail"
	elif [ "$(grep -c 'syslog is unreachable' "$work/err")" != 1 ]; then bad $t "not said once on stderr"
	elif ! grep -Eq "^sealpost: [0-9A-F]{16}: from=<$MTA_USER> to=<bob@$MTA_DOMAIN> .* status=sent \(250 " "$work/err"
	then bad $t "the log line did not go to stderr instead"
	else ok $t; fi

	t=syslog_reachable_gets_the_line
	newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
	sed -i 's|^log = .*|log = syslog|' "$cf"
	rec=$work/$t.syslog
	sample "$tg" | in_devns 1 "$rec" "$bin" -C "$cf" -L sp-test -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
	# <22>: facility mail (2 * 8) + priority info (6).
	if [ $rc -ne 0 ]; then bad $t "exit $rc"
	elif ! wait_mail bob "$tg" >/dev/null; then bad $t "no mail"
	elif grep -q 'unreachable' "$work/err"; then bad $t "said unreachable while syslog listened"
	elif ! grep -Eq "^<22>.*sp-test\[[0-9]+\]: [0-9A-F]{16}: from=<$MTA_USER> to=<bob@$MTA_DOMAIN> .* status=sent \(250 " "$rec"
	then cp "$rec" "$work/err" 2>/dev/null; bad $t "no mail.info line at /dev/log"
	else ok $t; fi

	t=refusal_before_any_attempt_logged
	newtag; cf=$(config $t "$MTA_SUBMISSION_PORT" starttls)
	sed -i 's|^log = .*|log = syslog|' "$cf"
	rec=$work/$t.syslog
	sample "$tg" | in_devns 1 "$rec" "$bin" -C "$cf" -i -f "$MTA_USER" "bad address@@$MTA_DOMAIN" 2> "$work/err"; rc=$?
	# <20>: mail.warning.
	if [ $rc -ne 65 ]; then bad $t "exit $rc, expected 65"
	elif ! grep -Eq "^<20>.*sealpost\[[0-9]+\]: NOQUEUE: from=<$MTA_USER> status=refused exit=65 \(" "$rec"
	then cp "$rec" "$work/err" 2>/dev/null; bad $t "no NOQUEUE line with exit=65"
	else ok $t; fi

	t=config_error_logged_to_syslog
	rec=$work/$t.syslog
	printf '[global]\nlog = syslog\nno_such_key = 1\n' > "$work/$t.conf"; chmod 600 "$work/$t.conf"
	sample x | in_devns 1 "$rec" "$bin" -C "$work/$t.conf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
	if [ $rc -ne 78 ]; then bad $t "exit $rc, expected 78"
	elif ! grep -Eq "^<20>.*sealpost\[[0-9]+\]: NOQUEUE: status=refused exit=78 \(.*no_such_key" "$rec"
	then cp "$rec" "$work/err" 2>/dev/null; bad $t "no NOQUEUE line with exit=78"
	else ok $t; fi
fi
