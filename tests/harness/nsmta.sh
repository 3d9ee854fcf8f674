# Shared by exim.sh and opensmtpd.sh (sourced, not run): fetching unpacked
# .debs, a per-instance CA and localhost certificate, free ports, and
# starting a daemon in a private mount (and UTS) namespace.
#
# Why a namespace: both daemons look up users by compiled-in names before
# reading any configuration (Exim: Debian-exim; OpenSMTPD: opensmtpd and
# opensmtpq), and OpenSMTPD also has compiled-in paths (/var/spool/smtpd,
# /var/run/smtpd.sock, the chroot /var/lib/opensmtpd/empty,
# /usr/libexec/opensmtpd).  Rather than add system users and directories
# to the host, each instance runs in `unshare --mount` with private copies
# of /etc/passwd and /etc/group (the host's plus the daemon's users, on
# otherwise unused ids) and directories of DIR bind-mounted over those
# paths.  The mounts are invisible outside and vanish with the last
# process; PIDs are the host's, so stopping by recorded PID still works.
#
# The caller sets NAME (for messages), CACHE_ROOT, PKGS, and uses:
#   ns_fetch; ns_certs DIR KEYTYPE; ns_free_ports N; ns_users FILE...;
#   ns_start PIDFILE LOG MOUNTS-FILE HOSTNAME CMD...; ns_stop PIDFILE EXE;
#   ns_no_auth_before_tls, ns_selftest_end (selftests); ns_main "$@"

say() { printf '%s: %s\n' "$NAME" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# ns_fetch: apt-get download PKGS and dpkg -x them into CACHE_ROOT once.
ns_fetch() {
    [ -f "$CACHE_ROOT/.sealpost-unpacked" ] && return 0
    mkdir -p "${CACHE_ROOT%/*}"
    exec 8>"$CACHE_ROOT.lock"
    flock -w 300 8 || die "timed out waiting for lock $CACHE_ROOT.lock"
    if [ ! -f "$CACHE_ROOT/.sealpost-unpacked" ]; then
        [ -n "${NSMTA_QUIET:-}" ] || say "fetching $PKGS into ${CACHE_ROOT%/*}"
        local tmp deb
        tmp=$(mktemp -d "$CACHE_ROOT.fetch.XXXXXX")
        if ! (cd "$tmp" && apt-get download -qq $PKGS >"$tmp/apt.log" 2>&1); then
            apt-get update -qq >>"$tmp/apt.log" 2>&1 || true
            (cd "$tmp" && apt-get download -qq $PKGS >>"$tmp/apt.log" 2>&1) ||
                { cat "$tmp/apt.log" >&2; rm -rf "$tmp"; die "cannot download $PKGS"; }
        fi
        mkdir "$tmp/root"
        for deb in "$tmp"/*.deb; do
            dpkg -x "$deb" "$tmp/root"
            dpkg-deb -f "$deb" Package Version | tr '\n' ' ' >>"$tmp/root/.sealpost-unpacked"
            echo >>"$tmp/root/.sealpost-unpacked"
        done
        rm -rf "$CACHE_ROOT"
        mv "$tmp/root" "$CACHE_ROOT"
        rm -rf "$tmp"
    fi
    flock -u 8
    exec 8>&-
}

# ns_libs BIN...: die naming any shared library the binaries lack.
ns_libs() {
    local f missing=""
    for f in "$@"; do
        missing="$missing$(ldd "$f" 2>&1 | awk -v f="${f##*/}" '/not found/ {printf " %s(%s)", $1, f}')"
    done
    [ -z "$missing" ] || die "shared libraries missing:$missing - run tests/deps.sh test"
}

# ns_certs DIR KEYTYPE: DIR/ca.pem and DIR/localhost.{pem,key} (CN and
# SAN localhost, IP SAN 127.0.0.1), as mta.sh makes them.  KEYTYPE is a
# certtool --key-type (rsa, ecdsa).
ns_certs() {
    local t=$1 kt=$2
    mkdir -p "$t"
    cq() { certtool "$@" >>"$t/certtool.log" 2>&1 ||
        { cat "$t/certtool.log" >&2; die "certtool $* failed"; }; }
    printf 'cn = "sealpost %s test CA"\norganization = "sealpost tests"\nserial = 1\nexpiration_days = 3650\nca\ncert_signing_key\ncrl_signing_key\n' \
        "$NAME" >"$t/ca.tmpl"
    printf 'cn = "localhost"\norganization = "sealpost tests"\nserial = 2\ndns_name = "localhost"\nip_address = "127.0.0.1"\ntls_www_server\nsigning_key\nencryption_key\nexpiration_days = 3650\n' \
        >"$t/localhost.tmpl"
    cq --generate-privkey --key-type=rsa --bits=2048 --outfile "$t/ca.key"
    cq --generate-self-signed --load-privkey "$t/ca.key" --template "$t/ca.tmpl" --outfile "$t/ca.pem"
    if [ "$kt" = rsa ]; then
        cq --generate-privkey --key-type=rsa --bits=2048 --outfile "$t/localhost.key"
    else
        cq --generate-privkey --key-type="$kt" --outfile "$t/localhost.key"
    fi
    cq --generate-certificate --load-privkey "$t/localhost.key" --load-ca-certificate "$t/ca.pem" \
        --load-ca-privkey "$t/ca.key" --template "$t/localhost.tmpl" --outfile "$t/localhost.pem"
    chmod 600 "$t"/*.key
}

# ns_free_ports N: N distinct kernel-chosen ports on 127.0.0.1.
ns_free_ports() {
    python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# ns_users DIR NAME...: DIR/passwd and DIR/group = the host's plus one
# user and same-named group per NAME, on ids unused on the host (searched
# downwards from 64999, Debian's dynamically allocated system range ends
# at 999 and 60000-64999 is rarely used).  Prints "NAME:ID" lines.
ns_users() {
    local d=$1 id=64999 u; shift
    cp /etc/passwd "$d/passwd"; cp /etc/group "$d/group"
    for u in "$@"; do
        while getent passwd "$id" >/dev/null || getent group "$id" >/dev/null; do
            id=$((id - 1))
        done
        printf '%s:x:%s:%s:sealpost test %s:/nonexistent:/usr/sbin/nologin\n' \
            "$u" "$id" "$id" "$NAME" >>"$d/passwd"
        printf '%s:x:%s:\n' "$u" "$id" >>"$d/group"
        echo "$u:$id"
        id=$((id - 1))
    done
    chmod 644 "$d/passwd" "$d/group"
}

# ns_start PIDFILE LOG MOUNTS HOSTNAME CMD...: run CMD in the foreground
# of a new session inside a private mount + UTS namespace whose host name
# is HOSTNAME, after bind-mounting each "SRC DST" line of the file MOUNTS.
# The PID written to PIDFILE is CMD's own (unshare and sh both exec).
ns_start() {
    local pidfile=$1 log=$2 mounts=$3 host=$4; shift 4
    command -v unshare >/dev/null || die "unshare (util-linux) not found"
    setsid unshare --mount --uts --propagation private sh -c '
        hostname "$1" || exit 71
        while read -r src dst; do
            mount --bind "$src" "$dst" || { echo "mount --bind $src $dst failed" >&2; exit 71; }
        done < "$2"
        shift 2
        exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TZ=UTC LANG=C "$@"' \
        sh "$host" "$mounts" "$@" </dev/null >>"$log" 2>&1 &
    echo $! >"$pidfile"
}

# ns_ours PIDFILE EXE: the recorded PID is alive and runs EXE (so a stale
# pid file never makes us signal an unrelated process).
ns_ours() {
    local pid
    [ -s "$1" ] || return 1
    pid=$(head -n1 "$1")
    case $pid in ''|*[!0-9]*) return 1 ;; esac
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$2" ]
}

ns_kids() {   # direct children of PID $1
    local f line rest
    for f in /proc/[0-9]*; do
        { read -r line <"$f/stat"; } 2>/dev/null || continue
        rest=${line##*) }
        set -- "$1" $rest          # $3 is now the parent pid
        [ "$3" = "$1" ] && echo "${f#/proc/}"
    done
    return 0
}

ns_alive() {
    local line rest
    { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
    rest=${line##*) }; set -- $rest
    [ "$1" != Z ]
}

# ns_stop PIDFILE EXE: SIGTERM the recorded master (and its direct
# children, which Exim's queue runners or OpenSMTPD's processes are), wait
# up to 5 s, then SIGKILL what is left.
ns_stop() {
    local pidfile=$1 exe=$2 pid kids p left i
    if ! ns_ours "$pidfile" "$exe"; then rm -f "$pidfile"; return 0; fi
    pid=$(head -n1 "$pidfile")
    kids=$(ns_kids "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do
        left=""
        for p in $pid $kids; do ns_alive "$p" && left="$left $p"; done
        [ -z "$left" ] && break
        sleep 0.1
    done
    if [ -n "$left" ]; then
        say "not stopped within 5 s; SIGKILL to$left"
        for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
        sleep 0.2
    fi
    wait "$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

# ns_wait_banner TIMEOUT PORT:plain|PORT:tls...: every port answers 220
# (through TLS for :tls; the certificate is not checked here).
ns_wait_banner() {
    python3 - "$@" <<'EOF'
import socket, ssl, sys, time
deadline = time.monotonic() + float(sys.argv[1])
waiting = [a.split(":") for a in sys.argv[2:]]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
last = {}
while waiting and time.monotonic() < deadline:
    for item in list(waiting):
        try:
            s = socket.create_connection(("127.0.0.1", int(item[0])), timeout=3)
            s.settimeout(3)
            if item[1] == "tls":
                s = ctx.wrap_socket(s)
            if s.recv(512).startswith(b"220"):
                s.sendall(b"QUIT\r\n")
                waiting.remove(item)
            s.close()
        except Exception as e:
            last[item[0]] = repr(e)
    if waiting:
        time.sleep(0.1)
for port, kind in waiting:
    print("port %s (%s) not ready: %s" % (port, kind, last.get(port)), file=sys.stderr)
sys.exit(1 if waiting else 0)
EOF
}

# ns_no_auth_before_tls DIR PORT: the selftests' check that the STARTTLS
# port offers no AUTH in the clear.
ns_no_auth_before_tls() {
    if timeout 10 swaks --server 127.0.0.1 --port "$2" --quit-after EHLO \
            >"$1/swaks.plain" 2>&1 && ! grep -q '250.AUTH' "$1/swaks.plain"; then
        echo "  ok   no AUTH offered before STARTTLS"
    else echo "  FAIL AUTH offered before STARTTLS"; return 1; fi
}

# ns_selftest_end DIR PORT...: the selftests' common end: every listener
# on 127.0.0.1 only, then `$ME stop DIR`, and nothing listening after.
ns_selftest_end() {
    local dir=$1 re rc=0; shift
    re=$(IFS='|'; echo "$*")
    if ss -ltnH | awk '{print $4}' | grep -E ":($re)\$" | grep -qv '^127\.0\.0\.1:'; then
        echo "  FAIL a listener not on 127.0.0.1"; rc=1
    else echo "  ok   listeners on 127.0.0.1 only"; fi
    "$ME" stop "$dir"
    if ss -ltnH | awk '{print $4}' | grep -Eq ":($re)\$"; then
        echo "  FAIL still listening after stop"; rc=1
    else echo "  ok   stopped"; fi
    return $rc
}

# ns_env FILE NAME=VALUE...: write FILE (atomically) as a sourceable file
# that sets and exports each NAME to its VALUE, quoted.
ns_env() {
    local file=$1 kv names=""
    shift
    {
        echo "# generated by sealpost tests/harness/$(basename "$ME"); sourceable"
        for kv in "$@"; do
            echo "${kv%%=*}=$(q "${kv#*=}")"
            names="$names ${kv%%=*}"
        done
        echo "export$names"
    } >"$file.tmp"
    mv "$file.tmp" "$file"
}

# ns_main ARG...: the harness's command line (start_instance,
# stop_instance and selftest are the caller's).
ns_main() {
    case ${1:-} in
        start) [ $# = 2 ] || die "usage: $0 start DIR"; start_instance "$2" ;;
        stop)  [ $# = 2 ] || die "usage: $0 stop DIR"; stop_instance "$2" ;;
        selftest) selftest ;;
        fetch) ns_fetch ;;
        *) echo "usage: $0 start DIR | stop DIR | selftest | fetch" >&2; exit 2 ;;
    esac
}

q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
