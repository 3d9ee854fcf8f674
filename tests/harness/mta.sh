#!/bin/bash
# Private Postfix 3.7 + Dovecot 2.3 (SASL only) instance for sealpost's
# real-server tests.
#
#   mta.sh start DIR    start an instance whose every file lives in DIR,
#                       write DIR/env (sourceable) describing it
#   mta.sh stop DIR     stop that instance (idempotent)
#   mta.sh selftest     start, exercise, stop an instance in a temp dir
#   mta.sh fetch        only make sure the unpacked binaries are cached
#
# The postfix and dovecot-core .debs are never installed: they are fetched
# with `apt-get download` and unpacked with `dpkg -x` into a cache directory
# (SEALPOST_TEST_CACHE, default /var/cache/sealpost-test), and run from
# there with every compiled-in path overridden:
#
#  * Both packages' binaries carry RUNPATH=/usr/lib/{postfix,dovecot}, so
#    their own shared libraries are found through LD_LIBRARY_PATH, which
#    wins over RUNPATH.  Both master processes wipe the environment of
#    their children, so LD_LIBRARY_PATH is re-injected through each one's
#    import_environment setting.
#  * Postfix: daemon/command/meta/shlib/queue/data directories are set in
#    main.cf; the master is run directly (`master -d -c CONF`) rather than
#    through postfix-script, so no `postfix check`/set-permissions pass
#    touches anything outside DIR.  Debian's postfix has regexp: built in
#    and ships no dynamically loaded map in the postfix package itself, so
#    an empty dynamicmaps.cf in the private meta_directory is enough.
#  * Dovecot: the master re-executes /usr/bin/doveconf (a compiled-in path)
#    to parse its configuration unless it was started by doveconf itself,
#    so it is started as `doveconf -c CONF -e .../dovecot -F -c CONF`
#    (doveconf exec()s dovecot, keeping the PID).  Dovecot 2.3 has no
#    libexec_dir setting; every service that is enabled without a protocol
#    gets an absolute `executable` generated from `doveconf -a`.
#
#  * Delivery: any local part @example.test goes to a Maildir
#    MTA_MAILDIR_BASE/<localpart, lowercased>/new/ through a pipe(8)
#    transport running maildir-deliver.sh (virtual(8) cannot do it, see
#    main.cf below).  Every other domain is rejected at RCPT time.
#
# DIR/env (sourceable, values single-quoted, variables exported):
#   MTA_DIR MTA_HOST(127.0.0.1) MTA_CA(CA cert PEM) MTA_USER MTA_PASS
#   MTA_DOMAIN MTA_MAILDIR_BASE MTA_POSTFIX_LOG MTA_DOVECOT_LOG and ports:
#   MTA_SUBMISSION_PORT  STARTTLS required, AUTH only after TLS; the envelope
#                        sender must be MTA_USER, the login (no <>, no
#                        other address: reject_sender_login_mismatch), as
#                        strict submission servers require
#   MTA_SMTPS_PORT       implicit TLS, AUTH
#   MTA_SMTP_PORT        MX style: optional STARTTLS (leaf + CA sent), no AUTH,
#                        local domain
#   MTA_PLAIN_PORT       no STARTTLS at all, AUTH allowed in plaintext
#   MTA_WRONGHOST_PORT   implicit TLS, CA-signed cert for wrong.example
#   MTA_SELFSIGNED_PORT  implicit TLS, self-signed cert for localhost
#   MTA_EXPIRED_PORT     implicit TLS, CA-signed but expired localhost cert
#   All AUTH ports relay nothing and accept RCPT only after AUTH.
#
# Environment: SEALPOST_TEST_CACHE, SEALPOST_TEST_PORT_BASE (7 consecutive
# ports instead of kernel-chosen ones), SEALPOST_TEST_START_TIMEOUT (s, 20).
#
# Every listener is on 127.0.0.1; sockets, pid files, logs and mail are all
# inside DIR, so several instances may run at once.  Processes are only
# ever signalled by the PIDs recorded in DIR/postfix.pid, DIR/dovecot.pid
# (checked against executable and config path) and their direct children.
set -eu
umask 022

ME=$(readlink -f "$0")
HERE=${ME%/*}
CACHE=${SEALPOST_TEST_CACHE:-/var/cache/sealpost-test}
# set_root ROOT: where `dpkg -x` put both packages.
set_root() {
    ROOT=$1
    PF_LIB=$ROOT/usr/lib/postfix
    PF_DAEMON=$PF_LIB/sbin
    DV_LIB=$ROOT/usr/lib/dovecot
    DV_LD=$DV_LIB:$DV_LIB/modules/old-stats   # auth links libstats_auth.so
}
set_root "$CACHE/root"

PF_USER=sealpost-pf      # postfix mail_owner
PF_GROUP=sealpost-pfd    # postfix setgid_group
DV_USER=sealpost-dv      # dovecot default_internal_user
DV_LOGIN=sealpost-dvn    # dovecot default_login_user
MB_USER=sealpost-mb      # owns delivered mail (pipe(8) refuses mail_owner)

TEST_DOMAIN=example.test
TEST_USER=alice@example.test
# Space and punctuation on purpose; no ':' (passwd-file field separator),
# no ';', no quotes, no '$'.
TEST_PASS='s3cret p@ss-w0rd!'

START_TIMEOUT=${SEALPOST_TEST_START_TIMEOUT:-20}
STOP_TIMEOUT=5
PORT_NAMES="SUBMISSION SMTPS SMTP PLAIN WRONGHOST SELFSIGNED EXPIRED"

say() { printf 'mta.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

pick_python() {
    if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3
    elif command -v python3 >/dev/null 2>&1; then PY=$(command -v python3)
    else die "python3 is required (run tests/deps.sh test)"; fi
}

# ---------------------------------------------------------------- fetch
have_cache() {
    [ -f "$ROOT/.sealpost-unpacked" ] &&
        [ -x "$PF_DAEMON/master" ] && [ -x "$ROOT/usr/sbin/dovecot" ]
}

fetch() {
    have_cache && return 0
    mkdir -p "$CACHE"
    # Serialise concurrent first-time fetches.
    exec 9>"$CACHE/.lock"
    flock -w 300 9 || die "timed out waiting for lock $CACHE/.lock"
    if ! have_cache; then
        [ -n "${MTA_QUIET:-}" ] ||
            say "fetching postfix and dovecot-core into $CACHE"
        local tmp
        tmp=$(mktemp -d "$CACHE/fetch.XXXXXX")
        # apt-get download wants a directory the _apt user could write to;
        # failing that it falls back to root with a warning - silence it.
        if ! (cd "$tmp" && apt-get download -qq postfix dovecot-core \
                >"$tmp/apt.log" 2>&1); then
            say "apt-get download failed; retrying after apt-get update"
            apt-get update -qq >>"$tmp/apt.log" 2>&1 || true
            (cd "$tmp" && apt-get download -qq postfix dovecot-core \
                >>"$tmp/apt.log" 2>&1) ||
                { cat "$tmp/apt.log" >&2; rm -rf "$tmp";
                  die "cannot download postfix/dovecot-core"; }
        fi
        mkdir "$tmp/root"
        local deb
        for deb in "$tmp"/*.deb; do
            dpkg -x "$deb" "$tmp/root"
            dpkg-deb -f "$deb" Package Version | tr '\n' ' ' \
                >>"$tmp/root/.sealpost-unpacked"
            echo >>"$tmp/root/.sealpost-unpacked"
        done
        rm -rf "$ROOT"
        mv "$tmp/root" "$ROOT"
        rm -rf "$tmp"
    fi
    flock -u 9
    exec 9>&-
}

check_runtime_libs() {
    local f missing=""
    for f in "$PF_DAEMON/master" "$PF_DAEMON/smtpd" "$PF_DAEMON/pipe" \
             "$PF_DAEMON/cleanup" "$PF_DAEMON/qmgr" "$PF_DAEMON/tlsmgr" \
             "$ROOT/usr/bin/doveconf" "$ROOT/usr/sbin/dovecot" \
             "$DV_LIB/auth" "$DV_LIB/config" "$DV_LIB/log"; do
        missing="$missing$(LD_LIBRARY_PATH=$PF_LIB:$DV_LD ldd "$f" 2>&1 |
            awk -v f="${f##*/}" '/not found/ {printf " %s(%s)", $1, f}')"
    done
    [ -z "$missing" ] ||
        die "shared libraries missing:$missing - run tests/deps.sh test"
}

# ---------------------------------------------------------------- users
ensure_users() {
    getent group "$PF_GROUP" >/dev/null || groupadd --system "$PF_GROUP" ||
        getent group "$PF_GROUP" >/dev/null
    local u grp
    for u in "$PF_USER" "$DV_USER" "$DV_LOGIN" "$MB_USER"; do
        getent passwd "$u" >/dev/null && continue
        # Reuse a same-named group left behind by an earlier user.
        if getent group "$u" >/dev/null; then grp="--gid $u"
        else grp=--user-group; fi
        useradd --system --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin $grp "$u" ||
            getent passwd "$u" >/dev/null ||   # lost a race: fine
            die "cannot create user $u"
    done
}

# ---------------------------------------------------------------- certs
gen_certs() {
    local t=$1 now
    mkdir -p "$t"
    now=$(date -u +%s)
    certtool_q() { certtool "$@" >>"$t/certtool.log" 2>&1 ||
        { cat "$t/certtool.log" >&2; die "certtool $* failed"; }; }

    cat >"$t/ca.tmpl" <<EOF
cn = "sealpost test CA"
organization = "sealpost tests"
serial = 1
expiration_days = 3650
ca
cert_signing_key
crl_signing_key
EOF
    certtool_q --generate-privkey --key-type=rsa --bits=2048 \
        --outfile "$t/ca.key"
    certtool_q --generate-self-signed --load-privkey "$t/ca.key" \
        --template "$t/ca.tmpl" --outfile "$t/ca.pem"

    leaf_tmpl() {   # name serial extra-lines...
        local name=$1 serial=$2; shift 2
        {
            printf 'cn = "%s"\norganization = "sealpost tests"\n' "$name"
            printf 'serial = %s\ndns_name = "%s"\n' "$serial" "$name"
            printf 'tls_www_server\nsigning_key\nencryption_key\n'
            for l in "$@"; do printf '%s\n' "$l"; done
        }
    }
    leaf_tmpl localhost 2 'ip_address = "127.0.0.1"' \
        'expiration_days = 3650' >"$t/localhost.tmpl"
    leaf_tmpl wrong.example 3 'expiration_days = 3650' >"$t/wronghost.tmpl"
    leaf_tmpl localhost 4 'ip_address = "127.0.0.1"' \
        'expiration_days = 3650' >"$t/selfsigned.tmpl"
    # Valid from 30 days ago until 1 day ago.
    leaf_tmpl localhost 5 'ip_address = "127.0.0.1"' \
        "activation_date = \"$(date -u -d "@$((now - 30*86400))" '+%Y-%m-%d %H:%M:%S')\"" \
        "expiration_date = \"$(date -u -d "@$((now - 86400))" '+%Y-%m-%d %H:%M:%S')\"" \
        >"$t/expired.tmpl"

    local c
    for c in localhost wronghost selfsigned expired; do
        certtool_q --generate-privkey --key-type=rsa --bits=2048 \
            --outfile "$t/$c.key"
        if [ "$c" = selfsigned ]; then
            certtool_q --generate-self-signed --load-privkey "$t/$c.key" \
                --template "$t/$c.tmpl" --outfile "$t/$c.pem"
        else
            certtool_q --generate-certificate --load-privkey "$t/$c.key" \
                --load-ca-certificate "$t/ca.pem" \
                --load-ca-privkey "$t/ca.key" \
                --template "$t/$c.tmpl" --outfile "$t/$c.pem"
        fi
    done
    # The MX-style port sends its CA after the leaf, as a DANE-TA(2)
    # server must (RFC 7672 3.1.2); PKIX and pins are unaffected.
    cat "$t/localhost.pem" "$t/ca.pem" >"$t/localhost-chain.pem"
    cp "$t/localhost.key" "$t/localhost-chain.key"
    chmod 600 "$t"/*.key
}

# ---------------------------------------------------------------- ports
pick_ports() {
    local n=0 p ports
    if [ -n "${SEALPOST_TEST_PORT_BASE:-}" ]; then
        ports=""
        for p in $PORT_NAMES; do
            ports="$ports $((SEALPOST_TEST_PORT_BASE + n))"; n=$((n + 1))
        done
    else
        # Let the kernel choose; hold all sockets open until every port is
        # known so the seven are distinct.
        ports=$("$PY" - <<'EOF'
import socket
socks = []
for _ in range(7):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)
    fi
    set -- $ports
    for p in $PORT_NAMES; do
        eval "PORT_$p=\$1"; shift
    done
}

# busy_ports: print " PORT" for each of this instance's ports that cannot
# be bound on 127.0.0.1 right now (SO_REUSEADDR, as postfix binds).
busy_ports() {
    local p list=""
    for p in $PORT_NAMES; do eval "list=\"\$list \$PORT_$p\""; done
    "$PY" - $list <<'EOF'
import socket, sys
busy = []
for port in sys.argv[1:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", int(port)))
    except OSError:
        busy.append(port)
    finally:
        s.close()
print("".join(" " + p for p in busy), end="")
EOF
}

# ---------------------------------------------------------------- config
write_dovecot_conf() {
    local d=$DIR/dovecot
    mkdir -p "$d/state"
    printf '%s:{PLAIN}%s\n' "$TEST_USER" "$TEST_PASS" >"$d/passwd"
    chown "root:$DV_USER" "$d/passwd"
    chmod 640 "$d/passwd"
    {
        cat <<EOF
# generated by sealpost tests/harness/mta.sh - SASL authentication only
base_dir = $DIR/dv
state_dir = $d/state
import_environment = TZ LD_LIBRARY_PATH=$DV_LD
protocols =
listen = 127.0.0.1
ssl = no
log_path = $DIR/dovecot.log
default_internal_user = $DV_USER
default_internal_group = $DV_USER
default_login_user = $DV_LOGIN
disable_plaintext_auth = no
auth_mechanisms = plain login scram-sha-1 scram-sha-256
auth_failure_delay = 0
auth_verbose = yes
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/passwd
}
userdb {
  driver = static
  args = uid=$DV_USER gid=$DV_USER home=/nonexistent
}
# no anvil auth penalty: tests fail logins on purpose
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  unix_listener $Q/private/auth {
    mode = 0660
    user = $PF_USER
    group = $PF_USER
  }
}
EOF
        # Absolute executables for every service enabled without a
        # protocol (the compiled-in libexec dir is /usr/lib/dovecot).
        LD_LIBRARY_PATH=$DV_LD "$ROOT/usr/bin/doveconf" -c /dev/null -a \
            2>/dev/null | awk -v L="$DV_LIB" '
            /^service [^ ]+ \{$/ { s = $2; e = "" }
            /^  executable = / { e = $0; sub(/^  executable = /, "", e) }
            /^  protocol =/ && NF == 2 && e != "" {
                printf "service %s {\n  executable = %s/%s\n}\n", s, L, e }'
    } >"$d/dovecot.conf"
    grep -q '^service auth-worker' "$d/dovecot.conf" ||
        die "could not derive dovecot service executables from doveconf -a"
}

write_postfix_conf() {
    local c=$DIR/postfix
    mkdir -p "$c" "$DIR/postfix-data" "$MAILDIR_BASE"
    chown "$PF_USER:$PF_USER" "$DIR/postfix-data"
    chown "$MB_USER:$MB_USER" "$MAILDIR_BASE"
    chmod 700 "$DIR/postfix-data"
    chmod 755 "$MAILDIR_BASE"
    : >"$c/dynamicmaps.cf"
    # Recipient validation for smtpd: any local part of the test domain
    # that has no '/' and does not start with '.' (so it cannot escape the
    # maildir base).  Delivery itself is done by maildir-deliver.sh.
    printf '%s\n' '/^[^.\/][^\/@]*@example\.test$/	ok' >"$c/vmailbox"
    install -m 755 "$HERE/maildir-deliver.sh" "$c/maildir-deliver"

    cat >"$c/main.cf" <<EOF
# generated by sealpost tests/harness/mta.sh
compatibility_level = 3.6
config_directory = $c
meta_directory = $c
queue_directory = $Q
data_directory = $DIR/postfix-data
daemon_directory = $PF_DAEMON
command_directory = $ROOT/usr/sbin
shlib_directory = $PF_LIB
mail_owner = $PF_USER
setgid_group = $PF_GROUP
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME LD_LIBRARY_PATH=$PF_LIB
maillog_file = $DIR/postfix.log
maillog_file_prefixes = $DIR
syslog_name = sealpost-test-postfix

myhostname = mx.$TEST_DOMAIN
mydomain = $TEST_DOMAIN
myorigin = $TEST_DOMAIN
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains =
relayhost =
alias_maps =
alias_database =
local_recipient_maps =
biff = no
append_dot_mydomain = no
smtputf8_enable = yes
message_size_limit = 0
mailbox_size_limit = 0
virtual_mailbox_limit = 0

# Nothing may leave the machine.
default_transport = error:outbound mail disabled in sealpost tests
relay_transport = error:outbound mail disabled in sealpost tests
smtp_dns_support_level = disabled
smtpd_peername_lookup = no

# Test-speed timers: a delivery Postfix defers, or a queue-manager wakeup
# lost under load, costs a second here, not the default five minutes (a
# test waits 20 s for mail to arrive).
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s

# Delivery: virtual(8) would be the natural agent, but it refuses \$1
# substitution in regexp/pcre maps for security ("regular expression
# substitution is not allowed"), so it cannot map every local part to its
# own Maildir without a fixed list of users.  The pipe(8) transport
# "maildir" runs maildir-deliver instead: BASE/<localpart>/new/.
virtual_mailbox_domains = $TEST_DOMAIN
virtual_mailbox_maps = regexp:$c/vmailbox
virtual_transport = maildir
maildir_destination_recipient_limit = 1

smtpd_banner = \$myhostname ESMTP sealpost-test
smtpd_error_sleep_time = 0
# A per-transaction recipient limit tests can meet (default 1000): a
# client must deliver 150 recipients in batches of 100 ("452 4.5.3 Error:
# too many recipients" is a batch limit, RFC 5321 4.5.3.1.10).
smtpd_recipient_limit = 100
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = no
smtpd_tls_chain_files = $DIR/tls/localhost.key, $DIR/tls/localhost.pem
smtpd_tls_security_level = none
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
EOF

    local auth="-o smtpd_sasl_auth_enable=yes -o smtpd_relay_restrictions=reject_unauth_destination -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject"
    local wrap="-o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt"
    chain() { printf -- '-o smtpd_tls_chain_files=%s/tls/%s.key,%s/tls/%s.pem' \
        "$DIR" "$1" "$DIR" "$1"; }
    cat >"$c/master.cf" <<EOF
# generated by sealpost tests/harness/mta.sh
# service type private unpriv chroot wakeup maxproc command
127.0.0.1:$PORT_SMTP inet n - n - - smtpd -o syslog_name=sealpost-test-postfix/smtp -o smtpd_tls_security_level=may $(chain localhost-chain)
127.0.0.1:$PORT_SUBMISSION inet n - n - - smtpd -o syslog_name=sealpost-test-postfix/submission -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes $auth -o smtpd_sender_login_maps=inline:{$TEST_USER=$TEST_USER} -o smtpd_sender_restrictions=reject_sender_login_mismatch,check_sender_access,inline:{<>=REJECT}
127.0.0.1:$PORT_SMTPS inet n - n - - smtpd -o syslog_name=sealpost-test-postfix/smtps $wrap $auth
127.0.0.1:$PORT_PLAIN inet n - n - - smtpd -o syslog_name=sealpost-test-postfix/plain -o smtpd_tls_security_level=none -o smtpd_tls_auth_only=no $auth
127.0.0.1:$PORT_WRONGHOST inet n - n - - smtpd -o syslog_name=sealpost-test-postfix/wronghost $wrap $auth $(chain wronghost)
127.0.0.1:$PORT_SELFSIGNED inet n - n - - smtpd -o syslog_name=sealpost-test-postfix/selfsigned $wrap $auth $(chain selfsigned)
127.0.0.1:$PORT_EXPIRED inet n - n - - smtpd -o syslog_name=sealpost-test-postfix/expired $wrap $auth $(chain expired)
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 1 1 qmgr
tlsmgr    unix - - n 1000? 1 tlsmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
maildir   unix - n n - - pipe flags=DRu user=$MB_USER argv=$c/maildir-deliver $MAILDIR_BASE \${user} \${queue_id}
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}

make_queue() {
    local s
    mkdir -p "$Q"
    chown root:root "$Q"; chmod 755 "$Q"
    for s in active bounce corrupt defer deferred flush hold incoming \
             private saved trace; do
        mkdir -p "$Q/$s"; chown "$PF_USER:root" "$Q/$s"; chmod 700 "$Q/$s"
    done
    mkdir -p "$Q/maildrop" "$Q/public" "$Q/pid"
    chown "$PF_USER:$PF_GROUP" "$Q/maildrop" "$Q/public"
    chmod 730 "$Q/maildrop"; chmod 710 "$Q/public"
    chown root:root "$Q/pid"; chmod 755 "$Q/pid"
}

# ---------------------------------------------------------------- processes
# pid_is_ours PIDFILE EXE ARG: the pid in PIDFILE is alive, runs EXE and
# has ARG (this instance's config path) among its arguments - so a stale
# pid file can never make us signal an unrelated process.
pid_is_ours() {
    local pid exe args
    [ -s "$1" ] || return 1
    pid=$(head -n1 "$1")
    case $pid in ''|*[!0-9]*) return 1 ;; esac
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
    [ "$exe" = "$2" ] || return 1
    args=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    printf '%s\n' "$args" | grep -qxF -- "$3"
}

# proc_field PID N: set PF to field N (3 = state, 4 = ppid) of
# /proc/PID/stat, without forking (this runs in loops over every process).
proc_field() {
    local n=$2 line rest
    PF=
    { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
    rest=${line##*) }           # skip "pid (comm) "; comm may hold spaces
    set -- $rest                # $1 is now field 3
    shift $((n - 3))
    PF=$1
}

children_of() {
    local f
    for f in /proc/[0-9]*; do
        proc_field "${f#/proc/}" 4 && [ "$PF" = "$1" ] && echo "${f#/proc/}"
    done
    return 0
}

alive() { proc_field "$1" 3 && [ "$PF" != Z ]; }

# stop_master PIDFILE EXE ARG NAME
stop_master() {
    local pidfile=$1 exe=$2 arg=$3 name=$4 pid kids p left i
    if ! pid_is_ours "$pidfile" "$exe" "$arg"; then
        rm -f "$pidfile"
        return 0
    fi
    pid=$(head -n1 "$pidfile")
    kids=$(children_of "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    i=0
    while [ $i -lt $((STOP_TIMEOUT * 10)) ]; do
        left=""
        for p in $pid $kids; do alive "$p" && left="$left $p"; done
        [ -z "$left" ] && break
        sleep 0.1; i=$((i + 1))
    done
    if [ -n "$left" ]; then
        say "$name did not stop within ${STOP_TIMEOUT}s; SIGKILL to$left"
        for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
        i=0
        while [ $i -lt 20 ]; do
            left=""
            for p in $pid $kids; do alive "$p" && left="$left $p"; done
            [ -z "$left" ] && break
            sleep 0.1; i=$((i + 1))
        done
    fi
    # Reap if the master is our own child (selftest).
    wait "$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

stop_instance() {
    DIR=$1
    [ -d "$DIR" ] || return 0
    DIR=$(cd "$DIR" && pwd -P)
    # The binaries this instance was started from, even if
    # SEALPOST_TEST_CACHE differs now.
    if [ -s "$DIR/cache-root" ]; then set_root "$(head -n1 "$DIR/cache-root")"; fi
    stop_master "$DIR/postfix.pid" "$PF_DAEMON/master" "$DIR/postfix" postfix
    stop_master "$DIR/dovecot.pid" "$ROOT/usr/sbin/dovecot" \
        "$DIR/dovecot/dovecot.conf" dovecot
}

show_logs() {
    local f
    for f in "$DIR/postconf.out" "$DIR/postfix.log" "$DIR/postfix.out" \
             "$DIR/dovecot.log" "$DIR/dovecot.out"; do
        [ -s "$f" ] || continue
        printf '%s\n' "----- tail of $f" >&2
        tail -n 25 "$f" >&2
    done
}

start_failed() {   # the EXIT trap set in start_instance cleans up
    say "error: $*"
    exit 1
}

# Wait until every port answers 220 (over TLS for wrapper-mode ports) and
# the plain port advertises AUTH (i.e. Postfix reached Dovecot).
wait_ready() {
    "$PY" - "$START_TIMEOUT" "$DIR/postfix.pid" "$DIR/dovecot.pid" \
        "$PORT_SUBMISSION:plain" "$PORT_SMTP:plain" "$PORT_PLAIN:auth" \
        "$PORT_SMTPS:tls" "$PORT_WRONGHOST:tls" "$PORT_SELFSIGNED:tls" \
        "$PORT_EXPIRED:tls" <<'EOF'
import os, socket, ssl, sys, time
deadline = time.monotonic() + float(sys.argv[1])
pidfiles = sys.argv[2:4]
waiting = [a.split(":") for a in sys.argv[4:]]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

def probe(port, kind):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=3)
    try:
        if kind == "tls":
            s = ctx.wrap_socket(s)
        f = s.makefile("rwb")
        if not f.readline().startswith(b"220"):
            return False
        if kind == "auth":
            f.write(b"EHLO probe\r\n"); f.flush()
            ok = False
            while True:
                l = f.readline()
                if not l.startswith(b"250"):
                    return False
                if l[4:].upper().startswith(b"AUTH "):
                    ok = True
                if l[3:4] != b"-":
                    break
            if not ok:
                return False
        f.write(b"QUIT\r\n"); f.flush()
        return True
    finally:
        s.close()

last = {}
while waiting:
    for pf in pidfiles:
        try:
            pid = int(open(pf).read().split()[0])
            os.kill(pid, 0)
            st = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0]
            if st == "Z":
                raise OSError("zombie")
        except (OSError, ValueError, IndexError):
            print("%s master exited" % os.path.basename(pf).split(".")[0],
                  file=sys.stderr)
            sys.exit(2)
    for item in list(waiting):
        try:
            if probe(*item):
                waiting.remove(item)
                continue
            last[item[0]] = "no 220/AUTH"
        except Exception as e:
            last[item[0]] = repr(e)
    if not waiting:
        break
    if time.monotonic() > deadline:
        for port, kind in waiting:
            print("port %s (%s) not ready: %s" % (port, kind, last.get(port)),
                  file=sys.stderr)
        sys.exit(1)
    time.sleep(0.1)
EOF
}

q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

write_env() {
    local p e=$DIR/env.tmp
    {
        echo "# generated by sealpost tests/harness/mta.sh; sourceable"
        echo "MTA_DIR=$(q "$DIR")"
        echo "MTA_HOST=127.0.0.1"
        echo "MTA_CA=$(q "$DIR/tls/ca.pem")"
        for p in $PORT_NAMES; do
            eval "echo \"MTA_${p}_PORT=\$PORT_$p\""
        done
        echo "MTA_USER=$(q "$TEST_USER")"
        echo "MTA_PASS=$(q "$TEST_PASS")"
        echo "MTA_DOMAIN=$(q "$TEST_DOMAIN")"
        echo "MTA_MAILDIR_BASE=$(q "$MAILDIR_BASE")"
        echo "MTA_POSTFIX_LOG=$(q "$DIR/postfix.log")"
        echo "MTA_DOVECOT_LOG=$(q "$DIR/dovecot.log")"
        echo "export MTA_DIR MTA_HOST MTA_CA MTA_SUBMISSION_PORT MTA_SMTPS_PORT MTA_SMTP_PORT MTA_PLAIN_PORT MTA_WRONGHOST_PORT MTA_SELFSIGNED_PORT MTA_EXPIRED_PORT MTA_USER MTA_PASS MTA_DOMAIN MTA_MAILDIR_BASE MTA_POSTFIX_LOG MTA_DOVECOT_LOG"
    } >"$e"
    mv "$e" "$DIR/env"
}

start_instance() {
    DIR=$1
    [ "$(id -u)" = 0 ] || die "must run as root (postfix/dovecot masters)"
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd -P)
    if pid_is_ours "$DIR/postfix.pid" "$PF_DAEMON/master" "$DIR/postfix" ||
       pid_is_ours "$DIR/dovecot.pid" "$ROOT/usr/sbin/dovecot" \
           "$DIR/dovecot/dovecot.conf"; then
        die "an instance is already running in $DIR (use: mta.sh stop $DIR)"
    fi
    # Unix socket paths are limited to 107 bytes; the deepest one is
    # DIR/dv/token-login/tokenlogin.
    [ ${#DIR} -le 75 ] ||
        die "DIR path too long for unix sockets (${#DIR} > 75): $DIR"
    for tool in certtool ldd flock setpriv; do
        command -v "$tool" >/dev/null ||
            die "$tool not found (run tests/deps.sh test)"
    done
    pick_python
    fetch
    check_runtime_libs
    ensure_users
    # maildir-deliver runs as $MB_USER, dovecot's auth reads its
    # passwd-file as $DV_USER: they must be able to enter DIR.
    chmod 755 "$DIR"
    for u in "$PF_USER" "$DV_USER" "$MB_USER"; do
        setpriv --reuid="$u" --regid="$u" --clear-groups test -x "$DIR" ||
            die "user $u cannot enter $DIR (a parent directory is not searchable)"
    done

    # From here on a failure must not leave half an instance running.
    trap 'rc=$?; trap - EXIT; if [ $rc != 0 ]; then show_logs; stop_instance "$DIR"; fi' EXIT
    Q=$DIR/queue
    MAILDIR_BASE=$DIR/maildir
    rm -f "$DIR/env"
    printf '%s\n' "$ROOT" >"$DIR/cache-root"
    : >"$DIR/postfix.log"; : >"$DIR/dovecot.log"
    gen_certs "$DIR/tls"
    make_queue
    write_dovecot_conf

    local attempt=1 busy rc
    while :; do
        pick_ports
        busy=$(busy_ports)
        if [ -n "$busy" ]; then
            if [ -z "${SEALPOST_TEST_PORT_BASE:-}" ] && [ $attempt -lt 5 ]; then
                attempt=$((attempt + 1)); continue
            fi
            start_failed "port(s) already in use on 127.0.0.1:$busy"
        fi
        write_postfix_conf
        # Postfix waits (in 300 ms steps) until a just-written table or
        # main.cf is older than a couple of seconds; backdate them.
        touch -d '-1 minute' "$DIR/postfix"/* "$DIR/dovecot"/*
        LD_LIBRARY_PATH=$PF_LIB "$ROOT/usr/sbin/postconf" -c "$DIR/postfix" \
            -n >/dev/null 2>"$DIR/postconf.out" ||
            start_failed "postconf rejects $DIR/postfix/main.cf"

        if ! pid_is_ours "$DIR/dovecot.pid" "$ROOT/usr/sbin/dovecot" \
                "$DIR/dovecot/dovecot.conf"; then
            setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TZ=UTC \
                LD_LIBRARY_PATH="$DV_LD" \
                "$ROOT/usr/bin/doveconf" -c "$DIR/dovecot/dovecot.conf" \
                -e "$ROOT/usr/sbin/dovecot" -F \
                -c "$DIR/dovecot/dovecot.conf" \
                </dev/null >"$DIR/dovecot.out" 2>&1 &
            echo $! >"$DIR/dovecot.pid"
        fi
        setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TZ=UTC \
            LD_LIBRARY_PATH="$PF_LIB" MAIL_CONFIG="$DIR/postfix" \
            "$PF_DAEMON/master" -d -c "$DIR/postfix" \
            </dev/null >"$DIR/postfix.out" 2>&1 &
        echo $! >"$DIR/postfix.pid"

        rc=0
        wait_ready || rc=$?
        [ $rc = 0 ] && break
        [ $rc = 1 ] && start_failed "not ready within ${START_TIMEOUT}s (see above)"
        # A master exited.  The postfix master's own early fatal errors go
        # to syslog only (postlogd is not up yet, and /dev/log may not
        # exist), so diagnose the usual cause, a port taken meanwhile.
        if pid_is_ours "$DIR/postfix.pid" "$PF_DAEMON/master" "$DIR/postfix"; then
            start_failed "dovecot exited during startup"
        fi
        busy=$(busy_ports)
        if [ -n "$busy" ] && [ -z "${SEALPOST_TEST_PORT_BASE:-}" ] &&
           [ $attempt -lt 5 ]; then
            say "port$busy taken meanwhile; retrying with new ports"
            stop_master "$DIR/postfix.pid" "$PF_DAEMON/master" \
                "$DIR/postfix" postfix
            attempt=$((attempt + 1))
            continue
        fi
        [ -n "$busy" ] && start_failed "postfix master exited: port(s) in use:$busy"
        start_failed "postfix master exited during startup; its errors before postlogd runs go only to syslog (/dev/log), not to $DIR/postfix.log"
    done
    write_env
}

# ---------------------------------------------------------------- selftest
selftest() {
    pick_python
    local dir t0 t1 rc=0 pids
    dir=$(mktemp -d /tmp/sealpost-mta.XXXXXX)
    t0=$(date +%s.%N)
    if ! "$ME" start "$dir"; then
        say "selftest: start failed"
        "$ME" stop "$dir" || true
        exit 1
    fi
    t1=$(date +%s.%N)
    # shellcheck disable=SC1091
    . "$dir/env"
    pids="$(head -n1 "$dir/postfix.pid") $(head -n1 "$dir/dovecot.pid")"
    pids="$pids $(for p in $pids; do children_of "$p"; done)"

    local pyout npass=0 nfail=0
    pass() { echo "  ok   $*"; npass=$((npass + 1)); }
    fail() { echo "  FAIL $*"; nfail=$((nfail + 1)); rc=1; }
    pyout=$("$PY" - 2>&1 <<'EOF'
import base64, hashlib, hmac, os, smtplib, socket, ssl, sys, time
E = os.environ
host = E["MTA_HOST"]
P = lambda n: int(E["MTA_%s_PORT" % n])
user, pw, base = E["MTA_USER"], E["MTA_PASS"], E["MTA_MAILDIR_BASE"]
# Connections go to 127.0.0.1 (no reliance on /etc/hosts); the localhost
# certificate carries that IP too, so smtplib's verification works.
verified = ssl.create_default_context(cafile=E["MTA_CA"])
results = []

def check(name, fn):
    try:
        r = fn()
        results.append((name, True, r or ""))
    except Exception as e:
        results.append((name, False, "%s: %s" % (type(e).__name__, e)))

def have_swaks():
    if E.get("SEALPOST_TEST_NO_SWAKS"):
        return False
    return any(os.access(os.path.join(d, "swaks"), os.X_OK)
               for d in E.get("PATH", "/usr/bin").split(":"))

def wait_mail(local, tag):
    d = os.path.join(base, local, "new")
    end = time.monotonic() + 15
    while time.monotonic() < end:
        if os.path.isdir(d):
            for f in os.listdir(d):
                with open(os.path.join(d, f), "rb") as fh:
                    if tag.encode() in fh.read():
                        return f
        time.sleep(0.1)
    raise AssertionError("message %s not delivered to %s" % (tag, d))

def swaks(args, tag, to):
    import subprocess
    cmd = ["swaks", "--server", host, "--from", user, "--to", to,
           "--header", "Subject: %s" % tag, "--body", "body " + tag,
           "--auth-user", user, "--auth-password", pw,
           "--tls-verify", "--tls-ca-path", E["MTA_CA"],
           "--tls-sni", "localhost"] + args
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    if r.returncode != 0:
        raise AssertionError("swaks rc=%d:\n%s" % (r.returncode,
                             r.stdout.decode(errors="replace")[-1500:]))

def send_smtplib(port, mech, tag, to, implicit):
    if implicit:
        s = smtplib.SMTP_SSL(host, port, context=verified, timeout=10)
    else:
        s = smtplib.SMTP(host, port, timeout=10)
        s.starttls(context=verified)
    s.ehlo("selftest")
    s.user, s.password = user, pw
    s.auth(mech, getattr(s, "auth_" + mech.lower().replace("-", "_")))
    s.sendmail(user, [to], "Subject: %s\r\n\r\nbody %s\r\n" % (tag, tag))
    s.quit()

def deliver(port, mech, to, implicit):
    tag = "selftest-%s-%d" % (mech, time.time_ns())
    if have_swaks():
        swaks(["--port", str(port), "--auth", mech,
               "--tls-on-connect" if implicit else "--tls"], tag, to)
        how = "swaks"
    else:
        send_smtplib(port, mech, tag, to, implicit)
        how = "smtplib"
    return "%s, %s" % (how, wait_mail(to.split("@")[0], tag))

check("submission STARTTLS + AUTH PLAIN delivers",
      lambda: deliver(P("SUBMISSION"), "PLAIN", "bob@example.test", False))
check("smtps + AUTH LOGIN delivers",
      lambda: deliver(P("SMTPS"), "LOGIN", "carol@example.test", True))

def scram(port, mech):
    hname = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256"}[mech]
    s = smtplib.SMTP(host, port, timeout=10)
    s.starttls(context=verified)
    s.ehlo("selftest")
    if mech not in s.esmtp_features.get("auth", "").upper().split():
        raise AssertionError("%s not advertised" % mech)
    nonce = base64.b64encode(os.urandom(18)).decode()
    bare = "n=%s,r=%s" % (user.replace("=", "=3D").replace(",", "=2C"), nonce)
    code, resp = s.docmd("AUTH", "%s %s" % (mech,
                         base64.b64encode(("n,," + bare).encode()).decode()))
    if code != 334:
        raise AssertionError("AUTH %s -> %d %s" % (mech, code, resp))
    first = base64.b64decode(resp).decode()
    a = dict(kv.split("=", 1) for kv in first.split(","))
    if not a["r"].startswith(nonce):
        raise AssertionError("bad server nonce")
    salted = hashlib.pbkdf2_hmac(hname, pw.encode(), base64.b64decode(a["s"]),
                                 int(a["i"]))
    ckey = hmac.new(salted, b"Client Key", hname).digest()
    stored = hashlib.new(hname, ckey).digest()
    final_bare = "c=biws,r=%s" % a["r"]
    authmsg = ",".join([bare, first, final_bare]).encode()
    sig = hmac.new(stored, authmsg, hname).digest()
    proof = bytes(x ^ y for x, y in zip(ckey, sig))
    code, resp = s.docmd(base64.b64encode(("%s,p=%s" % (final_bare,
                         base64.b64encode(proof).decode())).encode()).decode())
    if code == 334:      # server-final-message; verify it, then finish
        skey = hmac.new(salted, b"Server Key", hname).digest()
        want = "v=" + base64.b64encode(hmac.new(skey, authmsg, hname).digest()).decode()
        if base64.b64decode(resp).decode() != want:
            raise AssertionError("bad server signature")
        code, resp = s.docmd("")
    if code != 235:
        raise AssertionError("AUTH %s final -> %d %s" % (mech, code, resp))
    s.quit()
    return "235"

check("submission AUTH SCRAM-SHA-256", lambda: scram(P("SUBMISSION"), "SCRAM-SHA-256"))
check("submission AUTH SCRAM-SHA-1", lambda: scram(P("SUBMISSION"), "SCRAM-SHA-1"))

def plain_port():
    s = smtplib.SMTP(host, P("PLAIN"), timeout=10)
    s.ehlo("selftest")
    if s.has_extn("starttls"):
        raise AssertionError("plain port offers STARTTLS")
    if "PLAIN" not in s.esmtp_features.get("auth", "").upper():
        raise AssertionError("plain port does not offer AUTH PLAIN")
    s.quit()
check("plain port: no STARTTLS, AUTH offered", plain_port)

def submission_noauth():
    s = smtplib.SMTP(host, P("SUBMISSION"), timeout=10)
    s.ehlo("selftest")
    if s.has_extn("auth"):
        raise AssertionError("AUTH offered before STARTTLS")
    code, _ = s.mail(user)
    if code < 500:
        raise AssertionError("MAIL before STARTTLS accepted: %d" % code)
    s.starttls(context=verified)
    s.ehlo("selftest")
    code, _ = s.mail(user)
    if code != 250:
        raise AssertionError("MAIL after STARTTLS: %d" % code)
    code, msg = s.rcpt("bob@example.test")
    if code < 500:
        raise AssertionError("unauthenticated RCPT accepted: %d" % code)
    s.quit()
    return "RCPT -> %d" % code
check("submission refuses unauthenticated RCPT", submission_noauth)

def no_relay():
    s = smtplib.SMTP_SSL(host, P("SMTPS"), context=verified, timeout=10)
    s.login(user, pw)
    s.mail(user)
    code, _ = s.rcpt("someone@example.org")
    if code < 500:
        raise AssertionError("relay to example.org accepted: %d" % code)
    s.quit()
    return "RCPT -> %d" % code
check("authenticated relay to other domain refused", no_relay)

def wrong_password():
    s = smtplib.SMTP_SSL(host, P("SMTPS"), context=verified, timeout=10)
    s.ehlo("selftest")
    s.user, s.password = user, pw + "x"
    try:
        s.auth("PLAIN", s.auth_plain)
    except smtplib.SMTPAuthenticationError as e:
        if e.smtp_code != 535:
            raise
        return "535"
    raise AssertionError("wrong password accepted")
check("wrong password -> 535", wrong_password)

def tls_fail(port, expect):
    try:
        s = socket.create_connection((host, port), timeout=10)
        verified.wrap_socket(s, server_hostname="localhost").close()
    except ssl.SSLCertVerificationError as e:
        if expect not in str(e):
            raise AssertionError("unexpected reason: %s" % e)
        return e.verify_message
    raise AssertionError("certificate was accepted")
def tls_ok(port):
    for name in ("localhost", "127.0.0.1"):
        s = socket.create_connection((host, port), timeout=10)
        verified.wrap_socket(s, server_hostname=name).close()
    return "as localhost and 127.0.0.1"
check("smtps cert verifies against MTA_CA", lambda: tls_ok(P("SMTPS")))
check("wronghost cert rejected", lambda: tls_fail(P("WRONGHOST"), "mismatch"))
check("self-signed cert rejected", lambda: tls_fail(P("SELFSIGNED"), "self-signed"))
check("expired cert rejected", lambda: tls_fail(P("EXPIRED"), "expired"))

def smtp_port():
    s = smtplib.SMTP(host, P("SMTP"), timeout=10)
    s.ehlo("selftest")
    if not s.has_extn("starttls") or s.has_extn("auth"):
        raise AssertionError("smtp port: want STARTTLS offered, no AUTH")
    tag = "selftest-mx-%d" % time.time_ns()
    s.sendmail("x@example.org", ["dave@example.test"], "Subject: %s\r\n\r\n%s\r\n" % (tag, tag))
    s.quit()
    return wait_mail("dave", tag)
check("smtp port: unauthenticated delivery to example.test", smtp_port)

bad = 0
for name, ok, detail in results:
    print("  %s %s%s" % ("ok  " if ok else "FAIL", name,
                          (" (%s)" % detail) if detail else ""))
    bad += not ok
sys.exit(1 if bad else 0)
EOF
) || rc=1
    printf '%s\n' "$pyout"
    npass=$(printf '%s\n' "$pyout" | grep -c '^  ok ' || true)
    nfail=$(printf '%s\n' "$pyout" | grep -c '^  FAIL ' || true)
    [ "$rc" = 0 ] || [ "$nfail" -gt 0 ] || fail "python checks crashed"

    local ports_re listeners n
    ports_re="$MTA_SUBMISSION_PORT|$MTA_SMTPS_PORT|$MTA_SMTP_PORT|$MTA_PLAIN_PORT|$MTA_WRONGHOST_PORT|$MTA_SELFSIGNED_PORT|$MTA_EXPIRED_PORT"
    listeners=$(ss -ltnH | awk '{print $4}' | grep -E ":($ports_re)\$" || true)
    n=$(printf '%s\n' "$listeners" | grep -c '^127\.0\.0\.1:' || true)
    if [ "$n" = 7 ] && [ "$(printf '%s\n' "$listeners" | grep -c .)" = 7 ]; then
        pass "all 7 listeners bound to 127.0.0.1 only"
    else
        fail "listeners not as expected:" $listeners
    fi
    # Every socket (TCP or UDP) of any process of this instance must be
    # bound to 127.0.0.1.
    local masters
    masters="$(head -n1 "$dir/postfix.pid") $(head -n1 "$dir/dovecot.pid")"
    pids="$pids $masters $(for p in $masters; do children_of "$p"; done)"
    pids=$(printf '%s\n' $pids | sort -un)
    listeners=$(ss -ltunpH | awk -v pids=" $(echo $pids) " '{
        line = $0
        while (match(line, /pid=[0-9]+/)) {
            if (index(pids, " " substr(line, RSTART + 4, RLENGTH - 4) " ")) {
                print $5; break
            }
            line = substr(line, RSTART + RLENGTH)
        }}' | sort -u)
    if printf '%s\n' "$listeners" | grep -v '^127\.0\.0\.1:' | grep -q .; then
        fail "instance sockets not on 127.0.0.1:" $listeners
    else
        pass "instance listens only on 127.0.0.1 ($(echo $listeners | wc -w) sockets)"
    fi
    local t2 t3 p left=""
    t2=$(date +%s.%N)
    "$ME" stop "$dir" && pass "stop succeeded" || fail "stop failed"
    t3=$(date +%s.%N)
    for p in $pids; do alive "$p" && left="$left $p"; done
    if [ -n "$left" ]; then
        fail "processes left after stop:$left"
    else
        pass "no process left after stop ($(echo $pids | wc -w) checked)"
    fi
    if ss -ltnH | awk '{print $4}' | grep -Eq ":($ports_re)\$"; then
        fail "ports still listening after stop"
    else
        pass "no port listening after stop"
    fi
    "$ME" stop "$dir" && pass "second stop is a no-op" || fail "second stop failed"
    local summary
    summary=$(awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" \
        'BEGIN { printf "start %.1fs, checks %.1fs, stop %.1fs", b-a, c-b, d-c }')
    if [ $rc = 0 ]; then
        echo "mta selftest: PASS ($summary)"
        rm -rf "$dir"
    else
        DIR=$dir; show_logs
        echo "mta selftest: FAIL ($summary; $dir kept)"
    fi
    echo "selftest: $npass passed, $nfail failed"
    return $rc
}

case ${1:-} in
    start) [ $# = 2 ] || die "usage: $0 start DIR"; start_instance "$2" ;;
    stop)  [ $# = 2 ] || die "usage: $0 stop DIR"; stop_instance "$2" ;;
    selftest) selftest ;;
    fetch) fetch ;;
    *) echo "usage: $0 start DIR | stop DIR | selftest | fetch" >&2; exit 2 ;;
esac
