# never_lost.sh: the system-mode defects of issue 8 (data loss, the shared
# log, password_command under the group, queue ownership, privilege
# hygiene), each as it shows to two real users. Sourced by run.sh, which
# defines as, ok, bad, bin, work, gid and the MTA_* variables.

# sysconf PORT [GLOBAL_LINES [ACCOUNT_LINES]]: the system configuration.
sysconf() {
	{
		printf '[global]\nhostname = client.example.test\nretry_min = 1s\n'
		printf 'connect_timeout = 5s\ncommand_timeout = 5s\n'
		printf '%s\n' "${2:-log = none}"
		printf '[account default]\nhost = localhost\nport = %s\ntls = implicit\n' "$1"
		printf 'tls_ca_file = %s\nuser = %s\nfrom = %s\n' "$MTA_CA" "$MTA_USER" "$MTA_USER"
		printf '%s\n' "${3:-password = \"$MTA_PASS\"}"
	} > "$work/etc/sealpost.conf"
	chown root:sealpost "$work/etc/sealpost.conf"; chmod 0640 "$work/etc/sealpost.conf"
}
q_entries() { find "$work/spool/q" -name '*.env' 2>/dev/null | wc -l; }
mail_count() { grep -l -- "$2" "$MTA_MAILDIR_BASE/$1/new"/* 2>/dev/null | wc -l; }
wait_count() {
	for _ in $(seq 100); do [ "$(mail_count "$1" "$2")" -ge "$3" ] && return 0; sleep 0.1; done
	return 1
}
nl_tagn=0
newtag() { nl_tagn=$((nl_tagn + 1)); tg="nl-$$-$nl_tagn-$RANDOM"; }
message() { printf 'Subject: %s\n\nbody %s\n' "$1" "$1"; }
# Nothing from an earlier case may be left when a case starts.
empty_queue() { rm -f "$work/spool/q/"* "$work/spool/tmp/"* 2>/dev/null; }

t=queue_run_by_another_user_keeps_old_entries
# Item 1: the orphan clean-up asked faccessat() with the caller's real
# group, which cannot see into the queue, and deleted every message older
# than an hour. An hour-old entry must survive anyone's run, byte for byte.
empty_queue; sysconf 1; newtag
message "$tg" | as sp-alice "$bin" "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
f=$(find "$work/spool/q" -name '*.msg' | head -n 1)
sum=$([ -n "$f" ] && md5sum < "$f")
touch -d '3 hours ago' "$work/spool/q/"*
as sp-bob "$bin" -q 2>> "$work/err"
as sp-alice "$bin" -q 2>> "$work/err"
after=$([ -n "$f" ] && [ -f "$f" ] && md5sum < "$f")
n=$(q_entries); corrupt=$(find "$work/spool/corrupt" -type f | wc -l)
sysconf "$MTA_SMTPS_PORT"; "$bin" --flush 2>> "$work/err"
if [ $rc -ne 0 ] || [ -z "$f" ]; then bad $t "exit $rc; nothing queued"
elif [ "$after" != "$sum" ] || [ "$n" != 1 ] || [ "$corrupt" != 0 ]; then
	bad $t "the entry was changed or removed by the users' runs ($n entries, $corrupt quarantined)"
elif ! wait_count bob "$tg" 1 || [ "$(mail_count bob "$tg")" != 1 ]; then
	bad $t "$(mail_count bob "$tg") copies delivered after repair, expected 1"
else ok $t; fi

t=shared_log_is_never_created_by_a_user
# Item 4: the log file is the administrator's (root:sealpost 0660): a user
# neither creates it nor gets other users' lines on stderr.
empty_queue
install -d -o root -g sealpost -m 0770 "$work/log"
logf=$work/log/sealpost.log; rm -f "$logf"
sysconf "$MTA_SMTPS_PORT" "log = $logf"; newtag
message "$tg" | as sp-alice "$bin" "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ -e "$logf" ]; then bad $t "the user created the log file: $(stat -c '%U:%G %a' "$logf")"
elif ! grep -q 'logging to syslog' "$work/err"; then bad $t "no word about the missing log file"
elif ! wait_count bob "$tg" 1; then bad $t "not delivered"
else ok $t; fi

t=shared_log_lines_cannot_be_forged
# Item 4: install-perms creates the file; a -L tag with a line break (and
# any caller string) cannot start a line of its own in it.
make -s -C "$top" install-perms SBINDIR="$work/bin" SPOOLDIR="$work/spool" \
	SYSCONFDIR="$work/etc" LOGFILE="$logf" > "$work/err" 2>&1
mode=$(stat -c '%U:%G %a' "$logf" 2>/dev/null)
newtag
message "$tg" | as sp-alice "$bin" -L "$(printf 'cron\nforged: status=sent')" "bob@$MTA_DOMAIN" 2>> "$work/err"; rc=$?
if [ "$mode" != "root:sealpost 660" ]; then bad $t "install-perms made the log file '$mode'"
elif [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! grep -q "status=sent" "$logf"; then cp "$logf" "$work/err"; bad $t "nothing logged"
elif grep -q '^forged' "$logf"; then cp "$logf" "$work/err"; bad $t "a forged line got into the log"
elif as sp-bob cat "$logf" > /dev/null 2>&1; then bad $t "another user can read the log"
else ok $t; fi

t=password_command_keeps_the_group_out_of_sight
# Item 5: the command may read a group-only file, its text is not in any
# argv, and its environment is closed to the caller and to other users.
empty_queue
printf '%s\n' "$MTA_PASS" > "$work/etc/alice.pass"
chown root:sealpost "$work/etc/alice.pass"; chmod 0640 "$work/etc/alice.pass"
sysconf "$MTA_SMTPS_PORT" "log = none" \
	"password_command = read -r p < $work/etc/alice.pass; sleep 2; printf '%s\\n' \"\$p\""
newtag
( message "$tg" | as sp-alice "$bin" "bob@$MTA_DOMAIN" 2> "$work/err"; echo $? > "$work/rc" ) &
sleep 1
scan='for p in /proc/[0-9]*; do tr "\0" " " < $p/cmdline 2>/dev/null; echo; tr "\0" "\n" < $p/environ 2>/dev/null; done'
# (env -i: the test's own environment, which holds the password, stays out.)
as sp-bob env -i sh -c "$scan" > "$work/seen-bob" 2>&1
as sp-alice env -i sh -c "$scan" > "$work/seen-alice" 2>&1
wait
if [ "$(cat "$work/rc")" != 0 ]; then bad $t "exit $(cat "$work/rc")"
elif ! wait_count bob "$tg" 1; then bad $t "not delivered: the command could not read the group's file"
elif grep -l 'alice.pass\|SEALPOST_PASSWORD_COMMAND=' "$work/seen-bob" "$work/seen-alice" > "$work/err"; then
	bad $t "the command's text was visible to a user"
elif grep -lF "$MTA_PASS" "$work/seen-bob" "$work/seen-alice" > "$work/err"; then bad $t "the secret was visible"
else ok $t; fi

t=bounce_belongs_to_the_sender
# Item 7: a bounce made by root's run belongs to the user whose message
# bounced: their mailq shows it, another user's does not. (The bounce
# itself is refused too, so it stays, kept as failed.)
empty_queue; sysconf 1; newtag
message "$tg" | as sp-alice "$bin" -f other@elsewhere.example nobody@elsewhere.example 2> "$work/err"
sysconf "$MTA_SMTPS_PORT"
"$bin" --flush 2>> "$work/err"
bf=$(grep -l '^flags:.*bounce' "$work/spool/q/"*.env 2>/dev/null | head -n 1)
bid=$(basename "${bf:-none}" .env)
owner=$(stat -c %U "$work/spool/q/$bid.msg" 2>/dev/null)
as sp-alice "$bin" -bp > "$work/bp-alice" 2>&1
as sp-bob "$bin" -bp > "$work/bp-bob" 2>&1
if [ -z "$bf" ]; then bad $t "no bounce kept in the queue"
elif [ "$owner" != sp-alice ]; then bad $t "the bounce belongs to '$owner'"
elif ! grep -q "$bid" "$work/bp-alice"; then cp "$work/bp-alice" "$work/err"; bad $t "alice's mailq lacks her bounce"
elif grep -q "$bid" "$work/bp-bob"; then bad $t "bob's mailq shows alice's bounce"
elif ! grep -q '^owner: 999\|^owner: [0-9]' "$bf"; then bad $t "the envelope names no owner"
else ok $t; fi

t=own_config_lookup_is_no_existence_oracle
# Item 8: whether ~/.config/sealpost/config exists is asked with the
# caller's own rights: a link to a file only the group can reach behaves
# exactly like a link to nothing.
mkdir -p "$work/home-alice/.config/sealpost"; chown -R sp-alice "$work/home-alice"
usermod -d "$work/home-alice" sp-alice
sysconf "$MTA_SMTPS_PORT"
outs=()
for target in "$work/spool/q/$bid.env" "$work/spool/q/0000000000000000.env"; do
	ln -sfn "$target" "$work/home-alice/.config/sealpost/config"
	echo x | as sp-alice "$bin" "bob@$MTA_DOMAIN" > "$work/out" 2>&1
	outs+=("$? $(sed 's/[0-9A-F]\{16\}/ID/g' "$work/out")")
done
rm -f "$work/home-alice/.config/sealpost/config"; usermod -d /nonexistent sp-alice
if [ "${outs[0]}" != "${outs[1]}" ]; then
	printf '%s\n' "${outs[@]}" > "$work/err"; bad $t "a group-only file and no file behave differently"
else ok $t; fi

t=inherited_descriptors_and_signals_reset
# Item 8: descriptors above 2 are closed and every signal disposition is
# the default (ignored only: SIGPIPE and SIGXFSZ, which sealpost handles);
# the process and its intake child are not dumpable.
empty_queue
echo inherited > "$work/inherited"; rm -f "$work/fifo"; mkfifo "$work/fifo"
( trap '' TERM HUP INT; exec setpriv --reuid=sp-alice --regid=sp-alice --init-groups \
	"$bin" "bob@$MTA_DOMAIN" < "$work/fifo" 7< "$work/inherited" > /dev/null 2> "$work/err" ) &
p=$!
exec 9> "$work/fifo"
sleep 0.5
fds=$(ls -l "/proc/$p/fd" 2>/dev/null)
ign=$(awk '/^SigIgn:/{print $2}' "/proc/$p/status" 2>/dev/null)
child=$(cat "/proc/$p/task/$p/children" 2>/dev/null | awk '{print $1}')
dump="$(stat -c %U "/proc/$p/environ" 2>/dev/null) $( [ -n "$child" ] && stat -c %U "/proc/$child/environ" 2>/dev/null)"
printf 'Subject: fds\n\nx\n' >&9; exec 9>&-
wait $p; rc=$?
if [ -z "$ign" ]; then bad $t "the process was gone before it could be checked"
elif printf '%s' "$fds" | grep -q inherited; then bad $t "an inherited descriptor stayed open"
# (Signals 32 and 33 are glibc's own; no program can change them.)
elif [ $((0x$ign & ~0x180000000)) != $((0x1001000)) ]; then
	bad $t "ignored signals $ign, expected only SIGPIPE and SIGXFSZ"
elif [ "$dump" != "root root" ]; then bad $t "dumpable (owners of environ: '$dump')"
elif [ $rc -ne 0 ]; then bad $t "exit $rc"
else ok $t; fi
empty_queue

t=root_run_without_the_group_keeps_users_entries
# The systemd unit runs `sealpost -q` as root with NoNewPrivileges=yes, so
# the set-group-ID bit does not apply: root's run must still treat the
# shared queue as shared (deliver alice's entry), never quarantine it as
# "not ours".
empty_queue; sysconf 1; newtag
message "$tg" | as sp-alice "$bin" "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
sysconf "$MTA_SMTPS_PORT"
setpriv --no-new-privs "$bin" --flush 2>> "$work/err"; rc2=$?
corrupt=$(find "$work/spool/corrupt" -type f | wc -l)
if [ $rc -ne 0 ] || [ $rc2 -ne 0 ]; then bad $t "exit $rc (alice), $rc2 (root's run)"
elif [ "$corrupt" != 0 ]; then bad $t "root's run quarantined $corrupt files"
elif ! wait_count bob "$tg" 1; then bad $t "alice's mail was not delivered"
elif [ "$(q_entries)" != 0 ]; then bad $t "entries left"
else ok $t; fi
empty_queue; rm -f "$work/spool/corrupt/"*
