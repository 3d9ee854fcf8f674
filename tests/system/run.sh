#!/usr/bin/env bash
# run.sh: the set-group-ID system mode, as root. Builds sealpost with its
# configuration and spool inside a temporary directory, installs it with
# the real `make install-perms`, and checks with two ordinary users
# (sp-alice, sp-bob) that: a user's deferred mail is queued group-owned
# and closed to others; another user can neither list it in detail, read,
# change or delete it, nor read the configuration; -C drops the group; a
# user's own configuration drops the group; the environment cannot steer
# the privileged process; any user's queue run delivers everyone's mail.
# Prints "system mode: N passed, M failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "system mode: needs root"; echo "system mode: 0 passed, 1 failed"; exit 1; }
work=$(mktemp -d /tmp/sealpost-sys.XXXXXX)
chmod 755 "$work"
mta=$top/tests/harness/mta.sh
cleanup() {
	bash "$mta" stop "$work/mta" >/dev/null 2>&1
	[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; [ -f "$work/err" ] && sed 's/^/     /' "$work/err" | head -n 8; }

for u in sp-alice sp-bob; do
	id "$u" >/dev/null 2>&1 || useradd --system --home-dir "/nonexistent" --no-create-home \
		--shell /usr/sbin/nologin "$u" || { echo "cannot create user $u"; exit 1; }
done
as() { local u=$1; shift; runuser -u "$u" -- "$@"; }

echo "building a system-mode binary (configuration and spool under $work)"
if ! make -s -C "$top" O="$work/build" SYSCONFDIR="$work/etc" SPOOLDIR="$work/spool" \
	"$work/build/sealpost" > "$work/build.log" 2>&1; then
	cat "$work/build.log"; echo "system mode: 0 passed, 1 failed"; exit 1
fi
bash "$mta" start "$work/mta" > "$work/mta.log" 2>&1 || { cat "$work/mta.log"; exit 1; }
# shellcheck disable=SC1091
. "$work/mta/env"
mkdir -p "$work/bin" "$work/etc"
install -m 0755 "$work/build/sealpost" "$work/bin/sealpost"
bin=$work/bin/sealpost
# system_config PORT: the system-wide configuration, with its password.
system_config() {
	cat > "$work/etc/sealpost.conf" <<CONF
[global]
hostname = client.example.test
log = none
retry_min = 1s
connect_timeout = 5s
command_timeout = 20s
[account default]
host = localhost
port = $1
tls = implicit
tls_ca_file = $MTA_CA
user = $MTA_USER
password = "$MTA_PASS"
from = $MTA_USER
CONF
}
system_config 1
make -s -C "$top" install-perms SBINDIR="$work/bin" SPOOLDIR="$work/spool" \
	SYSCONFDIR="$work/etc" LOGFILE="$work/log/install.log" > "$work/err" 2>&1 || { bad install_perms "make install-perms failed"; }
gid=$(getent group sealpost | cut -d: -f3)

t=install_perms_layout
m=$(stat -c '%a %G' "$bin" "$work/spool" "$work/etc/sealpost.conf" | tr '\n' ' ')
if [ "$m" != "2755 sealpost 2770 sealpost 640 sealpost " ]; then bad $t "modes: $m"
else ok $t; fi

t=user_mail_queued_group_owned
printf 'Subject: from alice\n\nsecret body\n' | as sp-alice "$bin" "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
f=$(find "$work/spool/q" -name '*.msg' | head -n 1)
id=$(basename "$f" .msg)
perm=$([ -n "$f" ] && stat -c '%U %G %a' "$f" "$work/spool/q/$id.env" | tr '\n' ' ')
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ "$perm" != "sp-alice sealpost 640 sp-alice sealpost 640 " ]; then bad $t "entry: $perm"
else ok $t; fi

t=other_user_cannot_see_read_or_delete
as sp-bob "$bin" -bp > "$work/bp" 2>&1
if grep -q "$id" "$work/bp"; then cp "$work/bp" "$work/err"; bad $t "bob's mailq lists alice's entry"
elif as sp-bob cat "$f" > /dev/null 2>&1; then bad $t "bob can read alice's message"
elif as sp-bob rm -f "$f" 2>/dev/null && [ ! -e "$f" ]; then bad $t "bob deleted alice's message"
elif as sp-bob sh -c "echo x >> '$f'" 2>/dev/null; then bad $t "bob changed alice's message"
elif as sp-bob cat "$work/etc/sealpost.conf" > /dev/null 2>&1; then bad $t "bob can read the configuration"
else ok $t; fi

t=check_config_shows_system_config_only_to_root
as sp-bob "$bin" --check-config > "$work/err" 2>&1; rc=$?
if [ $rc -ne 78 ] || grep -q "$MTA_USER" "$work/err"; then bad $t "exit $rc; a user saw the configuration"
elif ! "$bin" --check-config > /dev/null 2>&1; then bad $t "root cannot check it"
else ok $t; fi

t=owner_sees_own_entry
as sp-alice "$bin" -bp > "$work/bp" 2>&1
if ! grep -q "$id" "$work/bp"; then cp "$work/bp" "$work/err"; bad $t "alice does not see her entry"
else ok $t; fi

t=dash_C_drops_the_group
echo x | as sp-bob "$bin" -C "$work/etc/sealpost.conf" "bob@$MTA_DOMAIN" > "$work/err" 2>&1; rc=$?
if [ $rc -ne 78 ] || ! grep -q 'Permission denied' "$work/err"; then bad $t "exit $rc; -C read the group's file"
else ok $t; fi

t=environment_cannot_steer
printf 'Subject: env\n\nx\n' | as sp-alice env TMPDIR=/nonexistent HOME=/nonexistent \
	XDG_CONFIG_HOME=/nonexistent XDG_STATE_HOME=/nonexistent "$bin" "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || [ "$(find "$work/spool/q" -name '*.env' | wc -l)" != 2 ]; then bad $t "exit $rc"
else ok $t; fi

t=own_config_drops_the_group
mkdir -p "$work/home-alice/.config/sealpost"
usermod -d "$work/home-alice" sp-alice || bad $t "usermod failed"
cat > "$work/home-alice/.config/sealpost/config" <<CONF
[global]
log = none
queue_dir = $work/home-alice/queue
[account default]
host = localhost
port = 1
tls = implicit
from = alice@example.test
CONF
chown -R sp-alice "$work/home-alice"; chmod 700 "$work/home-alice"
echo x | as sp-alice "$bin" "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
g=$(find "$work/home-alice/queue/q" -name '*.msg' -printf '%G' 2>/dev/null | head -c 40)
usermod -d /nonexistent sp-alice
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ -z "$g" ] || [ "$g" = sealpost ]; then bad $t "queued with group '$g'"
else ok $t; fi

t=users_queue_run_is_their_own_root_runs_all
# An ordinary user's run delivers only their own entries (so stopping it
# can delay nobody else's mail); root's run, as the systemd timer's,
# delivers everyone's.
system_config "$MTA_SMTPS_PORT"
as sp-bob "$bin" --flush 2> "$work/err"; rc=$?
n_after_bob=$(find "$work/spool/q" -name '*.env' | wc -l)
grep -lq 'secret body' "$MTA_MAILDIR_BASE"/bob/new/* 2>/dev/null && bob_sent=yes || bob_sent=no
"$bin" --flush 2>> "$work/err"; rc2=$?
for _ in $(seq 100); do grep -lq 'secret body' "$MTA_MAILDIR_BASE"/bob/new/* 2>/dev/null && break; sleep 0.1; done
if [ $rc -ne 0 ] || [ $rc2 -ne 0 ]; then bad $t "exit $rc (bob), $rc2 (root)"
elif [ "$bob_sent" = yes ] || [ "$n_after_bob" != 2 ]; then bad $t "bob's run sent alice's mail ($n_after_bob entries left)"
elif ! grep -lq 'secret body' "$MTA_MAILDIR_BASE"/bob/new/* 2>/dev/null; then bad $t "root's run did not deliver alice's mail"
elif [ "$(find "$work/spool/q" -name '*.env' | wc -l)" != 0 ]; then bad $t "entries left"
else ok $t; fi

t=bs_parses_caller_input_without_the_group
# -bs reads the caller's SMTP dialogue as it arrives: the group must be gone.
# setpriv execs (no intermediate process), so $! is sealpost itself.
sleep 5 | setpriv --reuid=sp-alice --regid=sp-alice --init-groups "$bin" -bs > /dev/null 2>&1 &
p=$!; sleep 0.3
gid_eff=$(awk '/^Gid:/{print $3}' /proc/$p/status 2>/dev/null)
kill $p 2>/dev/null; wait $p 2>/dev/null
if [ -z "$gid_eff" ]; then bad $t "the process was gone before it could be checked"
elif [ "$gid_eff" = "$gid" ]; then bad $t "-bs kept the group while parsing the caller's input"
else ok $t; fi

# Further cases, one file per concern, share this script's set-up
# (as, ok, bad, bin, work, system_config, MTA_*).
# SYSTEM_CASES: a space-separated list of case files' names (without .sh)
# to run instead of all of them (20-local_faults uses what 10-never_lost
# sets up: name both).
cases=()
for n in ${SYSTEM_CASES:-}; do
	[ -f "$here/cases/$n.sh" ] || { echo "run.sh: no case $n"; exit 2; }
	cases+=("$here/cases/$n.sh")
done
[ ${#cases[@]} -gt 0 ] || cases=("$here"/cases/*.sh)
for c in "${cases[@]}"; do
	[ -f "$c" ] || continue
	# shellcheck disable=SC1090
	. "$c"
done

echo "system mode: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
