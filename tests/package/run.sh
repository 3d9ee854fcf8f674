#!/usr/bin/env bash
# run.sh: the installed layouts.
#
# 1. `make install` and `make install-sendmail-links` into a DESTDIR (no
#    root needed): where each file lands for PREFIX=/usr/local and another
#    prefix, ExecStart= following SBINDIR, the /usr/sbin/sendmail and
#    /usr/lib/sendmail links, the refusal to replace another MTA's
#    sendmail without FORCE=1, and `make uninstall`.
# 2. The Debian package (only as root on Debian with dpkg-buildpackage and
#    debhelper; otherwise it says why it is skipped): `make deb`, installed
#    with apt on this machine; apt would not pull in exim4 for cron and
#    bsd-mailx; modes, links, completions, units and the enabled timer;
#    mail sent through /usr/sbin/sendmail as root and through
#    /usr/lib/sendmail as a test user (to the private Postfix of
#    tests/harness/mta.sh); the timer's service run once as systemd would
#    run it (sandbox included), delivering a deferred message; reinstalled
#    (modes and the edited configuration kept), removed (configuration and
#    queue kept), then purged, and nothing of it is left (files,
#    statoverrides, the group unless it existed before, spool, links,
#    enabled units).
#    The machine is restored whatever happens (trap). Skipped, not forced,
#    when another MTA is installed, since installing sealpost would remove
#    it.
#
# Prints "package: N passed, M failed" (and exits 1 on a failure).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=$(mktemp -d /tmp/sealpost-pkg.XXXXXX)
chmod 755 "$work"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; [ -s "$work/err" ] && sed 's/^/     /' "$work/err" | head -n 12; }
finish() {
	echo "package: $pass passed, $fail failed"
	[ "$fail" = 0 ]
}

# --- 1. make install into a DESTDIR ---------------------------------------

# link_is PATH CONTENTS: PATH is a symbolic link holding exactly CONTENTS.
link_is() { [ -L "$1" ] && [ "$(readlink "$1")" = "$2" ]; }

d=$work/stage
t=make_install_usr_local
if ! make -s -C "$top" install DESTDIR="$d" > "$work/err" 2>&1; then
	bad $t "make install failed"
else
	missing=""
	for f in /usr/local/sbin/sealpost /usr/local/share/man/man8/sealpost.8 \
		/usr/local/share/man/man5/sealpost.conf.5 \
		/usr/local/share/bash-completion/completions/sealpost \
		/usr/local/share/zsh/site-functions/_sealpost \
		/usr/local/share/fish/vendor_completions.d/sealpost.fish \
		/usr/local/lib/systemd/system/sealpost-queue.service \
		/usr/local/lib/systemd/system/sealpost-queue.timer \
		/usr/local/lib/systemd/system/sealpost-flush.service; do
		[ -f "$d$f" ] || missing="$missing $f"
	done
	u=$d/usr/local/lib/systemd/system
	if [ -n "$missing" ]; then bad $t "missing:$missing"
	elif ! grep -qx 'ExecStart=/usr/local/sbin/sealpost -q' "$u/sealpost-queue.service" ||
		! grep -qx 'ExecStart=/usr/local/sbin/sealpost --flush' "$u/sealpost-flush.service"; then
		bad $t "ExecStart: $(grep -h ExecStart "$u"/*.service | tr '\n' ' ')"
	else ok $t; fi
fi

t=make_install_other_prefix_execstart
d2=$work/stage2
if ! make -s -C "$top" install-systemd DESTDIR="$d2" PREFIX=/opt/sp > "$work/err" 2>&1; then
	bad $t "make install-systemd failed"
elif ! grep -qx 'ExecStart=/opt/sp/sbin/sealpost -q' "$d2/opt/sp/lib/systemd/system/sealpost-queue.service"; then
	bad $t "$(grep -h ExecStart "$d2"/opt/sp/lib/systemd/system/*.service | tr '\n' ' ')"
else ok $t; fi

t=sendmail_links_fresh
if ! make -s -C "$top" install-sendmail-links DESTDIR="$d" > "$work/out" 2> "$work/err"; then
	bad $t "make install-sendmail-links failed"
elif ! link_is "$d/usr/local/sbin/sendmail" sealpost ||
	! link_is "$d/usr/local/bin/mailq" /usr/local/sbin/sealpost ||
	! link_is "$d/usr/local/bin/newaliases" /usr/local/sbin/sealpost ||
	! link_is "$d/usr/sbin/sendmail" /usr/local/sbin/sealpost ||
	! link_is "$d/usr/lib/sendmail" /usr/local/sbin/sealpost; then
	bad $t "links: $(cd "$d" && find . -type l -printf '%p -> %l ' )"
else ok $t; fi

t=sendmail_links_again
if make -s -C "$top" install-sendmail-links DESTDIR="$d" > "$work/out" 2> "$work/err" &&
	link_is "$d/usr/sbin/sendmail" /usr/local/sbin/sealpost; then ok $t
else bad $t "a second run did not succeed"; fi

t=sendmail_links_refuse_other_mta
rm -f "$d/usr/sbin/sendmail" "$d/usr/lib/sendmail"
ln -s exim4 "$d/usr/sbin/sendmail"
make -s -C "$top" install-sendmail-links DESTDIR="$d" > "$work/out" 2> "$work/err"; rc=$?
if [ $rc = 0 ]; then bad $t "exit 0 over another MTA's sendmail"
elif ! link_is "$d/usr/sbin/sendmail" exim4; then bad $t "exim4's link was changed"
elif [ -e "$d/usr/lib/sendmail" ] || [ -L "$d/usr/lib/sendmail" ]; then bad $t "created /usr/lib/sendmail anyway"
elif ! grep -q "$d/usr/sbin/sendmail is a link to exim4, not sealpost" "$work/err" ||
	! grep -q 'FORCE=1' "$work/err"; then bad $t "message does not name the path and FORCE=1"
else ok $t; fi

t=sendmail_links_refuse_file
rm -f "$d/usr/sbin/sendmail"
printf '#!/bin/sh\n' > "$d/usr/sbin/sendmail"
if make -s -C "$top" install-sendmail-links DESTDIR="$d" > "$work/out" 2> "$work/err"; then
	bad $t "exit 0 over a sendmail binary"
elif [ -L "$d/usr/sbin/sendmail" ] || ! grep -q 'is a file, not sealpost' "$work/err"; then
	bad $t "file replaced, or no message"
else ok $t; fi

t=sendmail_links_force
if make -s -C "$top" install-sendmail-links DESTDIR="$d" FORCE=1 > "$work/out" 2> "$work/err" &&
	link_is "$d/usr/sbin/sendmail" /usr/local/sbin/sealpost &&
	link_is "$d/usr/lib/sendmail" /usr/local/sbin/sealpost &&
	grep -q "replacing $d/usr/sbin/sendmail (a file)" "$work/err"; then ok $t
else bad $t "FORCE=1 did not replace it: $(ls -l "$d/usr/sbin/sendmail")"; fi

t=uninstall_leaves_other_mta
ln -sfn exim4 "$d/usr/sbin/sendmail"
if ! make -s -C "$top" uninstall DESTDIR="$d" > "$work/out" 2> "$work/err"; then bad $t "make uninstall failed"
elif ! link_is "$d/usr/sbin/sendmail" exim4; then bad $t "removed exim4's link"
elif left=$(cd "$d" && find . ! -type d | grep -v '^./usr/sbin/sendmail$'); [ -n "$left" ]; then
	bad $t "left: $left"
else ok $t; fi
: > "$work/err"

# --- 2. the Debian package --------------------------------------------------

skip() { echo "package: Debian package test skipped: $1"; rm -rf "$work"; finish; exit; }
[ "$(id -u)" = 0 ] || skip "needs root (it installs and purges the package)"
command -v dpkg >/dev/null && [ -f /etc/debian_version ] || skip "not a Debian system with dpkg"
command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
	skip "dpkg-buildpackage or debhelper missing (sh tests/deps.sh package)"
if dpkg-query -W -f='${Status}\n' sealpost 2>/dev/null | grep -q ' installed$'; then
	skip "the sealpost package is already installed on this machine"
fi
other=$(dpkg-query -W -f='${Status} ${Package} ${Provides}\n' 2>/dev/null |
	awk '/ installed / && /mail-transport-agent/ { print $4 }' | tr '\n' ' ')
[ -z "$other" ] || skip "another MTA is installed ($other), which the package would remove"
for f in /usr/sbin/sendmail /usr/lib/sendmail /usr/bin/mailq /usr/bin/newaliases; do
	[ -e "$f" ] || [ -L "$f" ] && skip "$f exists (not from a package: make uninstall?)"
done

# One at a time per machine, and never beside tests/system/run.sh: both own
# the group sealpost.
exec 9> /tmp/sealpost-system.lock
flock -w 900 9 || { bad lock "/tmp/sealpost-system.lock still held after 15 min"; finish; exit 1; }

user=sp-pkg-$$
apt_opts=(-y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
group_before=$(getent group sealpost)
mta=$top/tests/harness/mta.sh
restore() {
	bash "$mta" stop "$work/mta" >/dev/null 2>&1
	if dpkg-query -W -f='${Status}\n' sealpost 2>/dev/null | grep -qv '^unknown ok not-installed'; then
		echo "restoring: purging sealpost"
		DEBIAN_FRONTEND=noninteractive apt-get purge "${apt_opts[@]}" sealpost >/dev/null 2>&1 ||
			dpkg --purge --force-all sealpost >/dev/null 2>&1
	fi
	id "$user" >/dev/null 2>&1 && userdel "$user"
	rm -rf "/run/sealpost-pkg-$$"
	[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap restore EXIT
trap 'exit 1' INT TERM HUP

# A group sealpost made before (by tests/system/run.sh or make
# install-perms) is the package's to use and to leave on purge; otherwise
# the package creates it and its purge removes it.
if [ -n "$group_before" ]; then echo "(the group sealpost exists: checking that the package keeps it)"
else echo "(no group sealpost: checking that the package creates and removes it)"; fi

# What the package must leave as it found it: every path under these trees,
# except those that churn on their own (dpkg's and apt's databases, caches,
# logs).
snapshot() {
	find /etc /usr /var /opt -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt \
		-o -path /var/cache -o -path /var/log -o -path /var/tmp -o -path /var/mail \
		-o -path /var/lib/systemd/timers -o -path /var/spool/postfix \) -prune \
		-o -print 2>/dev/null | sort
}
snapshot > "$work/before"
dpkg-statoverride --list | sort > "$work/overrides-before"

t=make_deb
if ! make -s -C "$top" deb > "$work/err" 2>&1; then bad $t "make deb failed"; finish; exit 1; fi
version=$(sed -n 's/^VERSION *:= *//p' "$top/Makefile")
deb=$top/sealpost_${version}_$(dpkg --print-architecture).deb
if [ ! -f "$deb" ] || ! grep -q "^built ${deb##*/}\$" "$work/err"; then
	bad $t "make deb made no ${deb##*/}"; finish; exit 1
elif grep -q '^E: ' "$work/err"; then bad $t "lintian errors"
else ok $t; fi

t=lintian_no_errors
if ! command -v lintian >/dev/null; then echo "skip $t: lintian not installed"
elif lintian --fail-on error "$deb" > "$work/err" 2>&1; then ok $t
else bad $t "lintian reports errors"; fi

t=apt_install
if DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" --no-install-recommends "$deb" \
	> "$work/err" 2>&1 && dpkg-query -W -f='${Status}\n' sealpost | grep -q 'install ok installed'; then ok $t
else bad $t "apt-get install failed"; finish; exit 1; fi

t=provides_mail_transport_agent
if ! apt-cache show cron bsd-mailx >/dev/null 2>&1; then echo "skip $t: cron and bsd-mailx not in apt's lists (apt-get update)"
elif ! apt-get install -s -o Debug::NoLocking=1 cron bsd-mailx > "$work/err" 2>&1; then bad $t "apt-get -s install cron bsd-mailx failed"
elif grep -E '^Inst (exim4|postfix|default-mta)' "$work/err"; then bad $t "apt would install another MTA"
elif ! apt-get install -s -o Debug::NoLocking=1 exim4-daemon-light > "$work/err" 2>&1 ||
	! grep -q '^Remv sealpost' "$work/err"; then bad $t "exim4 would not replace sealpost (Conflicts)"
else ok $t; fi

t=modes
m=$(stat -c '%n %a %U:%G' /usr/sbin/sealpost /etc/sealpost.conf /var/spool/sealpost \
	/var/spool/sealpost/q /var/spool/sealpost/tmp /var/spool/sealpost/corrupt 2>&1 | tr '\n' ' ')
want="/usr/sbin/sealpost 2755 root:sealpost /etc/sealpost.conf 640 root:sealpost \
/var/spool/sealpost 2770 root:sealpost /var/spool/sealpost/q 2770 root:sealpost \
/var/spool/sealpost/tmp 2770 root:sealpost /var/spool/sealpost/corrupt 2770 root:sealpost "
if [ "$m" != "$want" ]; then bad $t "$m"
elif ! dpkg-query -W -f='${Conffiles}\n' sealpost | grep -q '^ /etc/sealpost.conf '; then bad $t "/etc/sealpost.conf is not a conffile"
else ok $t; fi

t=names_and_files
missing=""
for f in /usr/sbin/sendmail /usr/lib/sendmail /usr/bin/mailq /usr/bin/newaliases; do
	[ "$(readlink -f "$f")" = /usr/sbin/sealpost ] || missing="$missing $f"
done
for f in /usr/share/man/man8/sealpost.8.gz /usr/share/man/man5/sealpost.conf.5.gz \
	/usr/share/man/man8/sendmail.8.gz /usr/share/bash-completion/completions/sealpost \
	/usr/share/zsh/vendor-completions/_sealpost /usr/share/fish/vendor_completions.d/sealpost.fish; do
	[ -f "$f" ] || missing="$missing $f"
done
if [ -n "$missing" ]; then bad $t "missing or wrong:$missing"
elif ! /usr/sbin/sendmail --version > "$work/err" 2>&1 || ! grep -q "sealpost $version" "$work/err"; then bad $t "sendmail --version"
elif ! newaliases > "$work/err" 2>&1; then bad $t "newaliases failed"
else ok $t; fi

t=timer_enabled
unitdir=/lib/systemd/system
if [ "$(readlink -f /etc/systemd/system/timers.target.wants/sealpost-queue.timer)" != "$(readlink -f $unitdir/sealpost-queue.timer)" ]; then
	bad $t "sealpost-queue.timer is not enabled"
elif ! grep -qx 'ExecStart=/usr/sbin/sealpost -q' $unitdir/sealpost-queue.service ||
	! grep -qx 'ExecStart=/usr/sbin/sealpost --flush' $unitdir/sealpost-flush.service; then
	bad $t "ExecStart: $(grep -h ExecStart $unitdir/sealpost-*.service | tr '\n' ' ')"
elif [ -e /etc/systemd/system/multi-user.target.wants/sealpost-flush.service ]; then
	bad $t "sealpost-flush.service enabled"
else ok $t; fi

t=systemd_analyze_verify
if ! command -v systemd-analyze >/dev/null; then echo "skip $t: no systemd-analyze"
elif systemd-analyze verify $unitdir/sealpost-queue.timer $unitdir/sealpost-queue.service \
	$unitdir/sealpost-flush.service > "$work/err" 2>&1 && ! grep -q sealpost "$work/err"; then ok $t
else bad $t "systemd-analyze verify complained"; fi

# --- sending through the installed package ---
if ! bash "$mta" start "$work/mta" > "$work/mta.log" 2>&1; then
	cp "$work/mta.log" "$work/err"; bad mta_start "tests/harness/mta.sh start failed"; finish; exit 1
fi
# shellcheck disable=SC1091
. "$work/mta/env"
# The CA goes where the unit's PrivateTmp= still shows it.
ca_dir=/run/sealpost-pkg-$$
install -d -m 0755 "$ca_dir" && install -m 0644 "$MTA_CA" "$ca_dir/ca.pem"
useradd --system --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin "$user" ||
	{ bad test_user "useradd $user failed"; finish; exit 1; }

# configure PORT: /etc/sealpost.conf for the private Postfix (written in
# place, so that it keeps the package's 0640 root:sealpost).
configure() {
	cat > /etc/sealpost.conf <<CONF
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
tls_ca_file = $ca_dir/ca.pem
user = $MTA_USER
password = "$MTA_PASS"
from = $MTA_USER
allow_users = *
CONF
}
# delivered WHO TEXT: TEXT reached WHO's Maildir within 10 s.
delivered() {
	local _
	for _ in $(seq 100); do
		grep -lqF -- "$2" "$MTA_MAILDIR_BASE/$1/new"/* 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
configure "$MTA_SMTPS_PORT"

t=send_as_root_sendmail_t
printf 'To: rcpt@%s\nSubject: pkg root %s\n\nfrom root\n' "$MTA_DOMAIN" "$$" |
	timeout 60 /usr/sbin/sendmail -i -t > "$work/err" 2>&1; rc=$?
if [ $rc != 0 ]; then bad $t "exit $rc"
elif ! delivered rcpt "pkg root $$"; then bad $t "not delivered"
else ok $t; fi

t=send_as_user_usr_lib_sendmail
printf 'Subject: pkg user %s\n\nfrom a user\n' "$$" |
	timeout 60 runuser -u "$user" -- /usr/lib/sendmail -i "rcpt@$MTA_DOMAIN" > "$work/err" 2>&1; rc=$?
if [ $rc != 0 ]; then bad $t "exit $rc"
elif ! delivered rcpt "pkg user $$"; then bad $t "not delivered"
else ok $t; fi

t=user_cannot_read_config
if runuser -u "$user" -- cat /etc/sealpost.conf > /dev/null 2>&1; then bad $t "the user read /etc/sealpost.conf"
else ok $t; fi

# The relay down (a port nobody listens on): the user's mail is queued.
t=deferred_then_timer_service
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
configure "$dead"
printf 'Subject: pkg queued %s\n\nqueued\n' "$$" |
	timeout 60 runuser -u "$user" -- /usr/sbin/sendmail -i "rcpt@$MTA_DOMAIN" > "$work/err" 2>&1; rc=$?
queued=$(find /var/spool/sealpost/q -name '*.msg' | wc -l)
configure "$MTA_SMTPS_PORT"
sleep 1.2     # retry_min
# What systemd would run: ExecStart= with the unit's Environment=, as
# root, in an empty environment, with no new privileges (NoNewPrivileges=),
# /usr, /boot, /efi and /etc read-only (ProtectSystem=full) and empty
# private /tmp and /var/tmp (PrivateTmp=), in a mount namespace of its own.
exec_start=$(sed -n 's/^ExecStart=//p' $unitdir/sealpost-queue.service)
unit_env=$(sed -n 's/^Environment=//p' $unitdir/sealpost-queue.service)
grep -qx 'NoNewPrivileges=yes' $unitdir/sealpost-queue.service &&
	grep -qx 'ProtectSystem=full' $unitdir/sealpost-queue.service &&
	grep -qx 'PrivateTmp=yes' $unitdir/sealpost-queue.service || echo "unit: sandboxing changed" > "$work/unit"
# shellcheck disable=SC2016,SC2086
timeout 120 unshare --mount --propagation private sh -c '
	for d in /usr /boot /efi /etc; do
		[ -d "$d" ] || continue
		mount --rbind "$d" "$d" && mount -o remount,bind,ro "$d" || exit 70
	done
	mount -t tmpfs -o mode=1777 tmpfs /tmp && mount -t tmpfs -o mode=1777 tmpfs /var/tmp || exit 70
	exec "$@"' sh env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $unit_env \
	setpriv --no-new-privs $exec_start > "$work/err" 2>&1; rc2=$?
if [ $rc != 0 ]; then bad $t "sending with the relay down: exit $rc"
elif [ "$queued" != 1 ]; then bad $t "$queued entries queued"
elif [ -s "$work/unit" ]; then bad $t "$(cat "$work/unit"): update this emulation"
elif [ $rc2 != 0 ]; then bad $t "the service's ExecStart ($exec_start): exit $rc2"
elif ! delivered rcpt "pkg queued $$"; then bad $t "not delivered by the queue run"
elif [ -n "$(find /var/spool/sealpost/q -type f)" ]; then bad $t "queue not empty"
else ok $t; fi

bash "$mta" stop "$work/mta" >/dev/null 2>&1

# An upgrade (here a reinstall) keeps the modes and the edited configuration.
t=reinstall_keeps_modes_and_config
sum=$(md5sum < /etc/sealpost.conf)
DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" --reinstall "$deb" > "$work/err" 2>&1; rc=$?
m=$(stat -c '%n %a %U:%G' /usr/sbin/sealpost /etc/sealpost.conf /var/spool/sealpost | tr '\n' ' ')
if [ $rc != 0 ]; then bad $t "apt-get install --reinstall: exit $rc"
elif [ "$m" != "/usr/sbin/sealpost 2755 root:sealpost /etc/sealpost.conf 640 root:sealpost /var/spool/sealpost 2770 root:sealpost " ]; then bad $t "$m"
elif [ "$(md5sum < /etc/sealpost.conf)" != "$sum" ]; then bad $t "/etc/sealpost.conf replaced"
else ok $t; fi

# remove (not purge): the programs go, the configuration and the queue stay.
t=remove_keeps_config_and_queue
DEBIAN_FRONTEND=noninteractive apt-get remove "${apt_opts[@]}" sealpost > "$work/err" 2>&1; rc=$?
if [ $rc != 0 ]; then bad $t "apt-get remove: exit $rc"
elif ! dpkg-query -W -f='${Status}\n' sealpost | grep -q 'config-files'; then bad $t "status: $(dpkg-query -W -f='${Status}' sealpost)"
elif [ -e /usr/sbin/sendmail ] || [ -L /usr/sbin/sendmail ] || [ -e /usr/sbin/sealpost ]; then bad $t "/usr/sbin/sendmail or sealpost left"
elif [ ! -f /etc/sealpost.conf ] || [ ! -d /var/spool/sealpost/q ]; then bad $t "configuration or queue removed"
else ok $t; fi

# --- purge ---
t=purge_leaves_nothing
DEBIAN_FRONTEND=noninteractive apt-get purge "${apt_opts[@]}" sealpost > "$work/err" 2>&1; rc=$?
snapshot > "$work/after"
dpkg-statoverride --list | sort > "$work/overrides-after"
left=$(comm -13 "$work/before" "$work/after" | grep -v "^$work" | head -n 20)
if [ $rc != 0 ]; then bad $t "apt-get purge: exit $rc"
elif dpkg-query -W -f='${Status}\n' sealpost 2>/dev/null | grep -qv 'not-installed'; then bad $t "still known to dpkg"
elif [ -n "$left" ]; then echo "$left" > "$work/err"; bad $t "files left behind"
elif ! cmp -s "$work/overrides-before" "$work/overrides-after"; then
	diff "$work/overrides-before" "$work/overrides-after" > "$work/err"; bad $t "statoverrides left"
elif [ -z "$group_before" ] && getent group sealpost >/dev/null; then bad $t "group sealpost left"
elif [ -n "$group_before" ] && [ "$(getent group sealpost)" != "$group_before" ]; then
	bad $t "the group sealpost that was there before: $(getent group sealpost)"
else
	gone=yes
	for f in /usr/sbin/sendmail /usr/lib/sendmail /usr/bin/mailq /usr/bin/newaliases \
		/usr/sbin/sealpost /etc/sealpost.conf /var/spool/sealpost; do
		[ -e "$f" ] || [ -L "$f" ] && { gone="$f"; break; }
	done
	if [ "$gone" != yes ]; then bad $t "$gone left"; else ok $t; fi
fi

finish
