#!/bin/bash
# Private DNSSEC stack on loopback for sealpost's MX-delivery (DANE) tests:
# NSD 4.6 serves a handful of test zones that are signed at start time with
# the ldns tools, and Unbound 1.17 resolves and validates them against a
# per-instance trust anchor for `test.`.
#
#   dnssec.sh start DIR [RECORDS]  start an instance whose every file lives
#                                  in DIR, write DIR/env (sourceable)
#   dnssec.sh stop DIR             stop that instance (idempotent)
#   dnssec.sh selftest             start, query, stop an instance in a
#                                  temp dir; prints `dnssec selftest: ok`
#   dnssec.sh fetch                only make sure nsd and unbound are
#                                  unpacked in the cache
#
# The nsd and unbound .debs are never installed (that would start system
# daemons): they are fetched with `apt-get download` and unpacked with
# `dpkg -x` into SEALPOST_TEST_CACHE (default /var/cache/sealpost-test),
# under dnssec-root/ (mta.sh uses root/ beside it).  Neither binary carries
# a RUNPATH and neither package ships private libraries; the system
# libraries they link (libevent, libfstrm, libprotobuf-c, libnghttp2,
# libpython3.11, ...) and ldnsutils (ldns-keygen, ldns-signzone,
# ldns-key2ds, drill) are installed by `tests/deps.sh test`.
#
# Zones (keys made per instance with ldns-keygen, algorithm 13
# ECDSAP256SHA256, one KSK and one ZSK per signed zone, NSEC; TTLs and SOA
# minimum 300/60 s):
#   test.           signed; its KSK is the trust anchor.  Holds the
#                   delegations below: NS ns.<child> + glue 127.0.0.1, and
#                   a DS where the child is meant to be signed.
#   secure.test.    signed, correct DS in test.            -> secure (AD)
#   insecure.test.  unsigned, no DS in test. (NSEC proves  -> insecure
#                   there is none)
#   expired.test.   signed with every RRSIG valid from 30 to 10 days ago
#                   (ldns-signzone -i/-e in the past; far beyond Unbound's
#                   signature skew allowance of at most a day); correct DS
#                                                          -> bogus
#   badds.test.     signed correctly, but the DS in test. carries the
#                   KSK's key tag and algorithm with a digest that matches
#                   no key (SHA-256 of a fixed string)     -> bogus
#   Every child has SOA, NS ns.<child> and ns.<child> A 127.0.0.1.
#
# RECORDS: a file of extra resource records, one per line, in presentation
# format with an absolute owner name, e.g.
#     mx.secure.test. 300 IN A 127.0.0.1
#     secure.test. 300 IN MX 10 mx.secure.test.
#     _25._tcp.mx.secure.test. 300 IN TLSA 3 1 1 0123...ABCD
# Blank lines and lines starting with ';' or '#' are skipped.  Each record
# goes into the zone whose origin is the longest suffix of its owner (so
# mx.secure.test. -> secure.test., host.test. -> test.); an owner outside
# test. is an error.  A missing TTL defaults to 300.  Records are added
# before signing, so they are signed like the rest of their zone.
#
# Unbound: validator + iterator, a stub-zone for test. and one for each
# child zone (all at 127.0.0.1@NSD port: a referral would otherwise send it
# to port 53), trust-anchor-file for test. only, and a stub-zone for "."
# also pointing at NSD, which refuses everything outside test., so no
# query ever leaves 127.0.0.1.  Unbound's built-in local-zone for test.
# (RFC 6761) is switched off with nodefault.  No chroot, no user change,
# no remote control, no root trust anchor; directory, pidfile, logfile and
# trust anchor all inside DIR.  val-log-level 2 logs why an answer is bogus.
# NSD: no database, no chroot, no user change, no remote control;
# zonesdir, pidfile, logfile, zonelistfile, xfrdfile, xfrdir and
# cookie-secret-file all inside DIR.  Both run in the foreground (-d),
# started with setsid from the cache and backgrounded here.
#
# DIR/env (sourceable, values single-quoted, variables exported):
#   DNSSEC_DIR            DIR
#   DNSSEC_RESOLVER_PORT  Unbound on 127.0.0.1 (UDP and TCP): point
#                         sealpost here with dns_trust_ad = yes
#   DNSSEC_NSD_PORT       NSD on 127.0.0.1 (UDP and TCP), authoritative
#   DNSSEC_ANCHOR         file with the DS of test.'s KSK, one line
#                         ("test. 300 IN DS tag 13 2 hex"), as accepted by
#                         unbound's trust-anchor-file and libunbound's
#                         ub_ctx_add_ta_file
#   DNSSEC_UNBOUND_LOG    Unbound's log (bogus reasons appear here)
#   DNSSEC_NSD_LOG        NSD's log
#
# Environment: SEALPOST_TEST_CACHE; SEALPOST_TEST_PORT_BASE (NSD gets
# BASE+7 and Unbound BASE+8, just after mta.sh's seven ports; otherwise the
# kernel picks free ports and a start that loses a port race is retried
# with new ones); SEALPOST_TEST_START_TIMEOUT (s, default 20).
#
# Processes are only ever signalled by the PIDs recorded in DIR (the PID
# this script started, DIR/*.run, and the daemon's own pidfile, DIR/*.pid)
# and their direct children, and only after /proc/PID/exe is the cached
# binary and /proc/PID/cmdline holds this instance's config path.
set -eu
umask 022

ME=$(readlink -f "$0")
CACHE=${SEALPOST_TEST_CACHE:-/var/cache/sealpost-test}
# set_root ROOT: where `dpkg -x` put both packages.
set_root() {
    ROOT=$(readlink -m "$1")
    NSD_BIN=$ROOT/usr/sbin/nsd
    UNBOUND_BIN=$ROOT/usr/sbin/unbound
}
set_root "$CACHE/dnssec-root"

START_TIMEOUT=${SEALPOST_TEST_START_TIMEOUT:-20}
STOP_TIMEOUT=5
TTL=300
ALG=ECDSAP256SHA256
# Longest first: the first origin that is a suffix of an owner wins.
CHILD_ZONES="secure.test. insecure.test. expired.test. badds.test."
ALL_ZONES="$CHILD_ZONES test."

say() { printf 'dnssec.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

pick_python() {
    if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3
    elif command -v python3 >/dev/null 2>&1; then PY=$(command -v python3)
    else die "python3 is required (run tests/deps.sh test)"; fi
}

# ---------------------------------------------------------------- fetch
have_cache() {
    [ -f "$ROOT/.sealpost-unpacked" ] && [ -x "$NSD_BIN" ] &&
        [ -x "$UNBOUND_BIN" ]
}

fetch() {
    have_cache && return 0
    mkdir -p "$CACHE"
    # One fetch at a time (a separate lock from mta.sh's).
    exec 8>"$CACHE/.dnssec-lock"
    flock -w 300 8 || die "timed out waiting for lock $CACHE/.dnssec-lock"
    if ! have_cache; then
        [ -n "${DNSSEC_QUIET:-}" ] || say "fetching nsd and unbound into $CACHE"
        local tmp deb
        tmp=$(mktemp -d "$CACHE/dnssec-fetch.XXXXXX")
        # apt-get download into a directory _apt cannot write warns about
        # downloading unsandboxed as root; the log is only shown on error.
        if ! (cd "$tmp" && apt-get download -qq nsd unbound \
                >"$tmp/apt.log" 2>&1); then
            say "apt-get download failed; retrying after apt-get update"
            apt-get update -qq >>"$tmp/apt.log" 2>&1 || true
            (cd "$tmp" && apt-get download -qq nsd unbound \
                >>"$tmp/apt.log" 2>&1) ||
                { cat "$tmp/apt.log" >&2; rm -rf "$tmp";
                  die "cannot download nsd/unbound"; }
        fi
        mkdir "$tmp/root"
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
    flock -u 8
    exec 8>&-
}

# Both daemons and the ldns tools must be runnable.
check_tools() {
    local t missing=""
    for t in ldns-keygen ldns-signzone ldns-key2ds drill flock setsid \
             timeout sha256sum; do
        command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
    done
    [ -z "$missing" ] || die "not found:$missing (run tests/deps.sh test)"
    for t in "$NSD_BIN" "$UNBOUND_BIN"; do
        missing="$missing$(ldd "$t" 2>&1 |
            awk -v b="${t##*/}" '/not found/ { printf " %s(%s)", $1, b }')"
    done
    [ -z "$missing" ] ||
        die "shared libraries missing:$missing - run tests/deps.sh test"
}

# ---------------------------------------------------------------- ports
# pick_ports: set NSD_PORT and UB_PORT to two distinct ports that are free
# for both UDP and TCP on 127.0.0.1 right now.
pick_ports() {
    if [ -n "${SEALPOST_TEST_PORT_BASE:-}" ]; then
        NSD_PORT=$((SEALPOST_TEST_PORT_BASE + 7))
        UB_PORT=$((SEALPOST_TEST_PORT_BASE + 8))
        return 0
    fi
    # shellcheck disable=SC2046  # two port numbers, split on purpose
    set -- $("$PY" - <<'EOF'
import socket
held, ports = [], []
while len(ports) < 2 and len(held) < 200:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    held.append(t)
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        u.close()
        continue
    held.append(u)
    ports.append(port)
print(*ports)
EOF
)
    [ $# = 2 ] || die "could not find two free loopback ports"
    NSD_PORT=$1 UB_PORT=$2
}

# ---------------------------------------------------------------- zones
# keygen ZONE [ksk]: make a key for ZONE in $KEYS, print its base path.
keygen() {
    local base
    base=$(cd "$KEYS" && ldns-keygen -a "$ALG" -r /dev/urandom \
        ${2:+-k} "$1" 2>>"$DIR/ldns.log") ||
        { cat "$DIR/ldns.log" >&2; die "ldns-keygen for $1 failed"; }
    printf '%s\n' "$KEYS/$base"
}

# dnskey_rr BASE: the key's DNSKEY with our TTL (ldns-keygen writes none).
dnskey_rr() {
    sed 's/;.*//' "$1.key" | awk -v ttl="$TTL" 'NF {
        if ($2 ~ /^[0-9]+$/) $2 = ttl; else $1 = $1 " " ttl
        print }'
}

# ds_rr BASE: a SHA-256 DS for the key, with our TTL.
ds_rr() {
    ldns-key2ds -n -2 "$1.key" 2>>"$DIR/ldns.log" | awk -v ttl="$TTL" '{
        for (i = 2; i < NF; i++) if ($i == "DS") {
            print $1, ttl, "IN DS", $(i + 1), $(i + 2), $(i + 3), $(i + 4)
            break
        } }'
}

# zone_head ZONE: SOA, NS, the name server's address and a default TTL.
zone_head() {
    local z=$1
    printf '$TTL %s\n' "$TTL"
    printf '%s %s IN SOA ns.%s hostmaster.%s %s 300 60 86400 60\n' \
        "$z" "$TTL" "$z" "$z" "$SERIAL"
    printf '%s %s IN NS ns.%s\n' "$z" "$TTL" "$z"
    printf 'ns.%s %s IN A 127.0.0.1\n' "$z" "$TTL"
}

# split_records FILE: append each record of FILE to $ZDIR/ZONE.in of the
# zone with the longest matching origin.
split_records() {
    local file=$1 n=0 line owner lc z hit
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        line=${line%$'\r'}
        case $line in ''|[\;\#]*) continue ;; esac
        case $line in [[:space:]]*)
            case ${line#"${line%%[![:space:]]*}"} in ''|[\;\#]*) continue ;; esac
            die "$file:$n: record must start with its absolute owner name" ;;
        esac
        owner=${line%%[[:space:]]*}
        case $owner in
            *.) ;;
            *) die "$file:$n: owner '$owner' is not absolute (no trailing dot)" ;;
        esac
        lc=$(printf '%s' "$owner" | tr '[:upper:]' '[:lower:]')
        hit=""
        for z in $ALL_ZONES; do
            if [ "$lc" = "$z" ] || [ "${lc%".$z"}" != "$lc" ]; then
                hit=$z; break
            fi
        done
        [ -n "$hit" ] || die "$file:$n: owner '$owner' is not in test."
        printf '%s\n' "$line" >>"$ZDIR/$hit.in"
    done <"$file"
}

# sign ZONE INCEPTION EXPIRATION: sign $ZDIR/ZONE.in with the zone's KSK
# and ZSK into $ZDIR/ZONE.signed.
sign() {
    local z=$1
    ldns-signzone -i "$2" -e "$3" -o "$z" -f "$ZDIR/$z.signed" \
        "$ZDIR/$z.in" "${KSK[$z]}" "${ZSK[$z]}" >>"$DIR/ldns.log" 2>&1 ||
        { cat "$DIR/ldns.log" >&2; die "ldns-signzone $z failed (input: $ZDIR/$z.in)"; }
}

make_zones() {
    local records=$1 z now good_from good_until old_from old_until ds
    declare -gA KSK ZSK
    KEYS=$DIR/keys ZDIR=$DIR/zones
    rm -rf "$KEYS" "$ZDIR"
    mkdir -p "$KEYS" "$ZDIR"
    : >"$DIR/ldns.log"
    now=$(date -u +%s)
    SERIAL=$now
    good_from=$((now - 3600)) good_until=$((now + 30 * 86400))
    old_from=$((now - 30 * 86400)) old_until=$((now - 10 * 86400))

    for z in $ALL_ZONES; do zone_head "$z" >"$ZDIR/$z.in"; done
    [ -z "$records" ] || split_records "$records"

    for z in test. secure.test. expired.test. badds.test.; do
        KSK[$z]=$(keygen "$z" ksk)
        ZSK[$z]=$(keygen "$z")
        { dnskey_rr "${KSK[$z]}"; dnskey_rr "${ZSK[$z]}"; } >>"$ZDIR/$z.in"
    done

    # Delegations from test.: NS + glue for all, DS for the signed ones.
    for z in $CHILD_ZONES; do
        {
            printf '%s %s IN NS ns.%s\n' "$z" "$TTL" "$z"
            printf 'ns.%s %s IN A 127.0.0.1\n' "$z" "$TTL"
            case $z in
                secure.test.|expired.test.) ds_rr "${KSK[$z]}" ;;
                badds.test.)
                    # Right key tag and algorithm, digest of nothing real.
                    ds=$(printf 'sealpost badds' | sha256sum | cut -d' ' -f1)
                    ds_rr "${KSK[$z]}" | awk -v d="$ds" '{ $8 = d; print }' ;;
            esac
        } >>"$ZDIR/test..in"
    done
    grep -q ' DS ' "$ZDIR/test..in" || die "could not make DS records"

    sign test. "$good_from" "$good_until"
    sign secure.test. "$good_from" "$good_until"
    sign badds.test. "$good_from" "$good_until"
    sign expired.test. "$old_from" "$old_until"
    cp "$ZDIR/insecure.test..in" "$ZDIR/insecure.test..signed"

    ds_rr "${KSK[test.]}" >"$DIR/anchor.tmp"
    [ -s "$DIR/anchor.tmp" ] || die "could not make the trust anchor"
    mv "$DIR/anchor.tmp" "$DIR/anchor"
}

# ---------------------------------------------------------------- config
write_nsd_conf() {
    local z
    mkdir -p "$DIR/nsd-xfr"
    {
        cat <<EOF
# generated by sealpost tests/harness/dnssec.sh
server:
    ip-address: 127.0.0.1
    port: $NSD_PORT
    do-ip4: yes
    do-ip6: no
    reuseport: no
    server-count: 1
    verbosity: 1
    hide-version: yes
    username: ""
    chroot: ""
    database: ""
    zonesdir: "$DIR/zones"
    zonelistfile: "$DIR/nsd-zone.list"
    xfrdfile: "$DIR/nsd-xfrd.state"
    xfrdir: "$DIR/nsd-xfr"
    cookie-secret-file: "$DIR/nsd-cookiesecrets.txt"
    pidfile: "$DIR/nsd.pid"
    logfile: "$DIR/nsd.log"
    zonefiles-write: 0

remote-control:
    control-enable: no
EOF
        for z in $ALL_ZONES; do
            printf '\nzone:\n    name: "%s"\n    zonefile: "%s"\n' \
                "$z" "$DIR/zones/$z.signed"
        done
    } >"$DIR/nsd.conf"
}

write_unbound_conf() {
    local z
    {
        cat <<EOF
# generated by sealpost tests/harness/dnssec.sh
server:
    interface: 127.0.0.1
    port: $UB_PORT
    outgoing-interface: 127.0.0.1
    do-ip4: yes
    do-ip6: no
    do-udp: yes
    do-tcp: yes
    so-reuseport: no
    num-threads: 1
    outgoing-range: 128
    num-queries-per-thread: 64
    access-control: 127.0.0.0/8 allow
    directory: "$DIR"
    chroot: ""
    username: ""
    pidfile: "$DIR/unbound.pid"
    logfile: "$DIR/unbound.log"
    use-syslog: no
    log-time-ascii: yes
    verbosity: 1
    val-log-level: 2
    log-servfail: yes
    module-config: "validator iterator"
    trust-anchor-file: "$DIR/anchor"
    do-not-query-localhost: no
    qname-minimisation: no
    harden-dnssec-stripped: yes
    aggressive-nsec: no
    prefetch: no
    cache-max-ttl: 300
    cache-max-negative-ttl: 60
    val-bogus-ttl: 5
    hide-identity: yes
    hide-version: yes
    # RFC 6761 gives test. a built-in (empty) local zone; remove it.
    local-zone: "test." nodefault

remote-control:
    control-enable: no

# Everything outside test. goes to NSD too, which refuses it: nothing is
# ever sent beyond 127.0.0.1.
stub-zone:
    name: "."
    stub-addr: 127.0.0.1@$NSD_PORT
EOF
        for z in $ALL_ZONES; do
            printf '\nstub-zone:\n    name: "%s"\n    stub-addr: 127.0.0.1@%s\n' \
                "$z" "$NSD_PORT"
        done
    } >"$DIR/unbound.conf"
}

# ---------------------------------------------------------------- processes
# ours PID EXE CONF: PID is alive, runs EXE and has CONF among its args.
ours() {
    local pid=$1 exe
    case $pid in ''|*[!0-9]*) return 1 ;; esac
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
    exe=${exe% (deleted)}
    [ "$exe" = "$2" ] || return 1
    running "$pid" || return 1
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$3"
}

# running PID: exists and is not a zombie.
running() {
    local s
    { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
    s=${s##*) }
    [ "${s%% *}" != Z ]
}

# descendants PID...: every process below the given PIDs.  NSD's launched
# process becomes xfrd, whose child is the main process, whose children
# are the servers: three levels.
descendants() {
    local f s pairs="" found=" $* " more=1 pid ppid
    for f in /proc/[0-9]*/stat; do
        { read -r s <"$f"; } 2>/dev/null || continue
        s=${s##*) }; set -- $s
        f=${f%/stat}
        pairs="$pairs ${f#/proc/}:$2"
    done
    while [ $more = 1 ]; do
        more=0
        for s in $pairs; do
            pid=${s%:*} ppid=${s#*:}
            case $found in *" $pid "*) continue ;; esac
            case $found in *" $ppid "*) found="$found$pid "; more=1
                echo "$pid" ;; esac
        done
    done
}

# recorded NAME EXE CONF: the recorded PIDs of daemon NAME that are ours.
recorded() {
    local f p
    for f in "$DIR/$1.run" "$DIR/$1.pid"; do
        [ -s "$f" ] || continue
        p=$(head -n1 "$f")
        ours "$p" "$2" "$3" && echo "$p"
    done | sort -u
}

# stop_daemon NAME EXE CONF
stop_daemon() {
    local name=$1 exe=$2 conf=$3 mains procs p left i
    mains=$(recorded "$name" "$exe" "$conf")
    procs=""
    if [ -n "$mains" ]; then
        for p in $mains $(descendants $mains); do
            ours "$p" "$exe" "$conf" && procs="$procs $p"
        done
        for p in $mains; do kill -TERM "$p" 2>/dev/null || true; done
        i=0
        while :; do
            left=""
            for p in $procs; do ours "$p" "$exe" "$conf" && left="$left $p"; done
            [ -z "$left" ] && break
            if [ $i = $((STOP_TIMEOUT * 10)) ]; then
                say "$name did not stop within ${STOP_TIMEOUT}s; SIGKILL to$left"
                for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
            elif [ $i -gt $(((STOP_TIMEOUT + 2) * 10)) ]; then
                say "$name processes$left survive SIGKILL"; return 1
            fi
            sleep 0.1; i=$((i + 1))
        done
        # Reap them if they are our own children.
        for p in $mains; do wait "$p" 2>/dev/null || true; done
    fi
    rm -f "$DIR/$name.run" "$DIR/$name.pid"
}

stop_instance() {
    DIR=$1
    [ -d "$DIR" ] || return 0
    DIR=$(cd "$DIR" && pwd -P)
    # The binaries this instance was started from, even if
    # SEALPOST_TEST_CACHE differs now.
    if [ -s "$DIR/cache-root" ]; then set_root "$(head -n1 "$DIR/cache-root")"; fi
    local rc=0
    stop_daemon unbound "$UNBOUND_BIN" "$DIR/unbound.conf" || rc=1
    stop_daemon nsd "$NSD_BIN" "$DIR/nsd.conf" || rc=1
    return $rc
}

show_logs() {
    local f
    for f in "$DIR/ldns.log" "$DIR/nsd-checkconf.out" "$DIR/nsd.log" \
             "$DIR/nsd.out" "$DIR/unbound-checkconf.out" \
             "$DIR/unbound.log" "$DIR/unbound.out"; do
        [ -s "$f" ] || continue
        printf '%s\n' "----- tail of $f" >&2
        tail -n 25 "$f" >&2
    done
}

# launch NAME EXE: start EXE -d -c DIR/NAME.conf in its own session, record
# its PID in DIR/NAME.run.
launch() {
    setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TZ=UTC \
        "$2" -d -c "$DIR/$1.conf" </dev/null >"$DIR/$1.out" 2>&1 &
    echo $! >"$DIR/$1.run"
}

# wait_dns PORT WANT PIDFILE NAME...: query each NAME's SOA on
# 127.0.0.1:PORT until it is answered (WANT=aa: authoritative NOERROR, i.e.
# NSD loaded the zone; WANT=ad: NOERROR with the AD bit, i.e. Unbound
# validated it from the trust anchor).  Exit 0 all ready, 1 timed out,
# 2 the daemon (PID in PIDFILE) exited, 3 a wrong answer.
wait_dns() {
    "$PY" - "$DEADLINE" "$@" <<'EOF'
import random, socket, struct, sys, time
deadline, port, want, runfile = sys.argv[1:5]
todo = sys.argv[5:]
port, deadline = int(port), float(deadline)
pid = int(open(runfile).read().split()[0])
RCODES = {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}

def query(name):
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100 | 0x0020, 1, 0, 0, 1)  # RD, AD
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", 6, 1)                          # SOA IN
    q += b"\0" + struct.pack(">HHIH", 41, 1232, 0x8000, 0)         # OPT, DO
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    try:
        s.sendto(q, ("127.0.0.1", port))
        while True:
            r = s.recv(4096)
            if len(r) >= 12 and struct.unpack(">H", r[:2])[0] == qid:
                return struct.unpack(">H", r[2:4])[0]
    finally:
        s.close()

def alive():
    try:
        st = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0]
        return st != "Z"
    except OSError:
        return False

last = "no answer"
while todo:
    if not alive():
        sys.exit(2)
    try:
        flags = query(todo[0])
        rcode = flags & 0xF
        last = "rcode %s, flags 0x%04x" % (RCODES.get(rcode, rcode), flags)
        if rcode != 0 or not flags & (0x0400 if want == "aa" else 0x0020):
            print("%s SOA from port %d: %s (want NOERROR and %s)"
                  % (todo[0], port, last, want.upper()), file=sys.stderr)
            sys.exit(3)
        todo.pop(0)
        continue
    except OSError as e:
        last = repr(e)
    if time.time() > deadline:
        print("%s SOA on port %d: %s" % (todo[0], port, last),
              file=sys.stderr)
        sys.exit(1)
    time.sleep(0.05)
EOF
}

q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

write_env() {
    local e=$DIR/env.tmp
    {
        echo "# generated by sealpost tests/harness/dnssec.sh; sourceable"
        echo "DNSSEC_DIR=$(q "$DIR")"
        echo "DNSSEC_RESOLVER_PORT=$(q "$UB_PORT")"
        echo "DNSSEC_NSD_PORT=$(q "$NSD_PORT")"
        echo "DNSSEC_ANCHOR=$(q "$DIR/anchor")"
        echo "DNSSEC_UNBOUND_LOG=$(q "$DIR/unbound.log")"
        echo "DNSSEC_NSD_LOG=$(q "$DIR/nsd.log")"
        echo "export DNSSEC_DIR DNSSEC_RESOLVER_PORT DNSSEC_NSD_PORT DNSSEC_ANCHOR DNSSEC_UNBOUND_LOG DNSSEC_NSD_LOG"
    } >"$e"
    mv "$e" "$DIR/env"
}

start_failed() {   # the EXIT trap set in start_instance cleans up
    say "error: $*"
    exit 1
}

# port_clash NAME: did daemon NAME die because its port was taken?
port_clash() {
    grep -qi 'address already in use' "$DIR/$1.log" "$DIR/$1.out" 2>/dev/null
}

start_instance() {
    local records=${2:-}
    DIR=$1
    if [ -n "$records" ]; then
        [ -f "$records" ] && [ -r "$records" ] ||
            die "records file $records not readable"
        records=$(readlink -f "$records")
    fi
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd -P)
    if [ -n "$(recorded nsd "$NSD_BIN" "$DIR/nsd.conf")" ] ||
       [ -n "$(recorded unbound "$UNBOUND_BIN" "$DIR/unbound.conf")" ]; then
        die "an instance is already running in $DIR (use: dnssec.sh stop $DIR)"
    fi
    pick_python
    fetch
    check_tools

    # From here on a failure must not leave half an instance running.
    trap 'rc=$?; trap - EXIT; if [ $rc != 0 ]; then show_logs; stop_instance "$DIR"; fi' EXIT
    trap 'exit 1' INT TERM HUP
    rm -f "$DIR/env"
    printf '%s\n' "$ROOT" >"$DIR/cache-root"
    DEADLINE=$(( $(date +%s) + START_TIMEOUT ))
    make_zones "$records"

    local attempt=1 rc
    while :; do
        pick_ports
        write_nsd_conf
        write_unbound_conf
        "$ROOT/usr/sbin/nsd-checkconf" "$DIR/nsd.conf" \
            >"$DIR/nsd-checkconf.out" 2>&1 ||
            start_failed "nsd-checkconf rejects $DIR/nsd.conf"
        "$ROOT/usr/sbin/unbound-checkconf" "$DIR/unbound.conf" \
            >"$DIR/unbound-checkconf.out" 2>&1 ||
            start_failed "unbound-checkconf rejects $DIR/unbound.conf"
        : >"$DIR/nsd.log"; : >"$DIR/unbound.log"

        launch nsd "$NSD_BIN"
        rc=0; wait_dns "$NSD_PORT" aa "$DIR/nsd.run" $ALL_ZONES || rc=$?
        if [ $rc = 0 ]; then
            launch unbound "$UNBOUND_BIN"
            wait_dns "$UB_PORT" ad "$DIR/unbound.run" test. secure.test. ||
                rc=$?
            [ $rc = 0 ] && break
            name=unbound
        else
            name=nsd
        fi
        case $rc in
            1) start_failed "$name not ready within ${START_TIMEOUT}s" ;;
            3) start_failed "$name gives a wrong answer (see above)" ;;
        esac
        # The daemon exited: retry with new ports if it lost a port race.
        if port_clash "$name" && [ -z "${SEALPOST_TEST_PORT_BASE:-}" ] &&
           [ $attempt -lt 5 ] && [ "$(date +%s)" -lt "$DEADLINE" ]; then
            say "$name: port taken meanwhile; retrying with new ports"
            stop_instance "$DIR"
            attempt=$((attempt + 1))
            continue
        fi
        start_failed "$name exited during startup"
    done
    write_env
}

# ---------------------------------------------------------------- selftest
selftest() {
    pick_python
    local dir t0 t1 rc=0 pids="" p left
    dir=$(mktemp -d /tmp/sealpost-dnssec.XXXXXX)
    # A TLSA like the DANE tests use; the data is arbitrary.
    cat >"$dir/records" <<'EOF'
; selftest records
mx.secure.test. 300 IN A 127.0.0.1
secure.test. 300 IN MX 10 mx.secure.test.
_25._tcp.mx.secure.test. 300 IN TLSA 3 1 1 8BD1DA95272F7FA4FFB24137FC0ED03AAE67E5C4D8B3C50734E1050A7920B922
host.test. IN A 127.0.0.2
mx.insecure.test. 300 IN A 127.0.0.1
insecure.test. 300 IN MX 10 mx.insecure.test.
mx.expired.test. 300 IN A 127.0.0.1
mx.badds.test. 300 IN A 127.0.0.1
EOF
    t0=$(date +%s.%N)
    if ! timeout 60 bash "$ME" start "$dir/inst" "$dir/records"; then
        echo "dnssec selftest: FAIL (start failed; $dir kept)"
        timeout 30 bash "$ME" stop "$dir/inst" || true
        return 1
    fi
    t1=$(date +%s.%N)
    # shellcheck disable=SC1091
    . "$dir/inst/env"
    for f in nsd.run nsd.pid unbound.run unbound.pid; do
        [ -s "$dir/inst/$f" ] && pids="$pids $(head -n1 "$dir/inst/$f")"
    done
    pids="$pids $(descendants $pids)"
    pids=$(printf '%s\n' $pids | sort -un)

    local npass=0 nfail=0 fails=""
    pass() { echo "  ok   $*"; npass=$((npass + 1)); }
    fail() { echo "  FAIL $*"; nfail=$((nfail + 1)); fails="$fails; $*"; rc=1; }

    # check DESC PORT NAME TYPE RCODE AD(yes|no|any) [ANSWER-REGEX] [-t]
    check() {
        local desc=$1 port=$2 name=$3 type=$4 want_rc=$5 want_ad=$6
        local want_ans=${7:-} tcp=${8:-} out hdr got_rc flags has_ad
        out=$(timeout 10 drill -D $tcp -p "$port" "$name" "$type" @127.0.0.1 2>&1) ||
            { fail "$desc: drill failed: $(printf '%s' "$out" | tail -n 2)"; return; }
        hdr=$(printf '%s\n' "$out" | grep -m1 'rcode:' || true)
        got_rc=$(printf '%s\n' "$hdr" | sed -n 's/.*rcode: \([A-Z]*\).*/\1/p')
        flags=$(printf '%s\n' "$out" | sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' | head -n1)
        case " $flags " in *" ad "*) has_ad=yes ;; *) has_ad=no ;; esac
        if [ "$got_rc" != "$want_rc" ]; then
            fail "$desc: rcode $got_rc, want $want_rc (flags: $flags)"
        elif [ "$want_ad" != any ] && [ "$has_ad" != "$want_ad" ]; then
            fail "$desc: AD=$has_ad, want AD=$want_ad (flags: $flags)"
        elif [ -n "$want_ans" ] && ! printf '%s\n' "$out" |
                sed -n '/ANSWER SECTION/,/AUTHORITY SECTION/p' |
                grep -Eq "$want_ans"; then
            fail "$desc: answer lacks /$want_ans/"
        else
            pass "$desc ($got_rc, flags: $flags)"
        fi
    }
    local R=$DNSSEC_RESOLVER_PORT N=$DNSSEC_NSD_PORT
    check "secure A: NOERROR + AD" "$R" mx.secure.test. A NOERROR yes \
        'IN[[:space:]]+A[[:space:]]+127\.0\.0\.1'
    check "secure MX: NOERROR + AD" "$R" secure.test. MX NOERROR yes \
        'MX[[:space:]]+10 mx\.secure\.test\.'
    check "secure TLSA: NOERROR + AD" "$R" _25._tcp.mx.secure.test. TLSA \
        NOERROR yes 'TLSA[[:space:]]+3 1 1 8bd1da95'
    check "secure A over TCP: NOERROR + AD" "$R" mx.secure.test. A \
        NOERROR yes '127\.0\.0\.1' -t
    check "record in test. itself: NOERROR + AD" "$R" host.test. A \
        NOERROR yes '127\.0\.0\.2'
    check "secure nonexistent name: NXDOMAIN + AD" "$R" \
        nonexistent.secure.test. A NXDOMAIN yes
    check "secure empty type: NOERROR + AD" "$R" mx.secure.test. AAAA \
        NOERROR yes
    check "insecure A: NOERROR, no AD" "$R" mx.insecure.test. A NOERROR no \
        '127\.0\.0\.1'
    check "insecure MX: NOERROR, no AD" "$R" insecure.test. MX NOERROR no \
        'mx\.insecure\.test\.'
    check "insecure nonexistent name: NXDOMAIN, no AD" "$R" \
        nonexistent.insecure.test. A NXDOMAIN no
    check "expired-signature zone: SERVFAIL" "$R" mx.expired.test. A \
        SERVFAIL any
    check "mismatched-DS zone: SERVFAIL" "$R" mx.badds.test. A SERVFAIL any
    check "NSD serves expired.test. itself" "$N" mx.expired.test. A \
        NOERROR any '127\.0\.0\.1'
    check "NSD serves badds.test. itself" "$N" mx.badds.test. A \
        NOERROR any '127\.0\.0\.1'
    check "name outside test.: not resolved" "$R" example.com. A SERVFAIL any
    # Bogus for the intended reasons, not by accident (val-log-level 2).
    if grep -q 'validation failure <mx\.expired\.test\. .*signature expired' \
            "$DNSSEC_UNBOUND_LOG"; then
        pass "unbound: expired.test. bogus because its signatures expired"
    else
        fail "no 'signature expired' failure for expired.test. in $DNSSEC_UNBOUND_LOG"
    fi
    if grep -q 'validation failure <mx\.badds\.test\. .*DS hash mismatches key' \
            "$DNSSEC_UNBOUND_LOG"; then
        pass "unbound: badds.test. bogus because its DS does not match"
    else
        fail "no 'DS hash mismatches key' failure for badds.test. in $DNSSEC_UNBOUND_LOG"
    fi
    if grep -Eq '^test\.[[:space:]]+300[[:space:]]+IN[[:space:]]+DS[[:space:]]+[0-9]+ 13 2 [0-9a-fA-F]{64}$' \
            "$DNSSEC_ANCHOR" && [ "$(grep -c . "$DNSSEC_ANCHOR")" = 1 ]; then
        pass "trust anchor is one DS line for test."
    else
        fail "unexpected trust anchor: $(cat "$DNSSEC_ANCHOR")"
    fi

    # Every socket of the instance is on 127.0.0.1.
    local socks
    socks=$(ss -tulnpH 2>/dev/null | awk -v pids=" $(echo $pids) " '{
        line = $0
        while (match(line, /pid=[0-9]+/)) {
            if (index(pids, " " substr(line, RSTART + 4, RLENGTH - 4) " ")) {
                print $1 " " $5; break
            }
            line = substr(line, RSTART + RLENGTH)
        }}' | sort -u)
    if [ -z "$socks" ]; then
        fail "no listening sockets found for PIDs $(echo $pids)"
    elif printf '%s\n' "$socks" | awk '{print $2}' | grep -v '^127\.0\.0\.1:' | grep -q .; then
        fail "sockets not on 127.0.0.1:" $socks
    else
        pass "listens only on 127.0.0.1 ($(printf '%s\n' "$socks" | wc -l) sockets)"
    fi

    local t2 t3
    t2=$(date +%s.%N)
    if timeout 30 bash "$ME" stop "$dir/inst"; then pass "stop"; else fail "stop failed"; fi
    t3=$(date +%s.%N)
    left=""
    for p in $pids; do running "$p" && left="$left $p"; done
    if [ -n "$left" ]; then fail "processes left after stop:$left"
    else pass "no process left after stop ($(echo $pids | wc -w) checked)"; fi
    if ss -tulnH 2>/dev/null | awk '{print $5}' |
            grep -Eq "^127\.0\.0\.1:($R|$N)\$"; then
        fail "ports still bound after stop"
    else
        pass "ports free after stop"
    fi
    if timeout 30 bash "$ME" stop "$dir/inst"; then pass "second stop is a no-op"
    else fail "second stop failed"; fi

    local summary
    summary=$(awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" \
        'BEGIN { printf "start %.1fs, checks %.1fs, stop %.1fs", b-a, c-b, d-c }')
    echo "selftest: $npass passed, $nfail failed"
    if [ $rc = 0 ]; then
        rm -rf "$dir"
        echo "dnssec selftest: ok ($summary)"
    else
        DIR=$dir/inst; show_logs
        echo "dnssec selftest: FAIL:${fails#;} ($summary; $dir kept)"
    fi
    return $rc
}

case ${1:-} in
    start) [ $# = 2 ] || [ $# = 3 ] || die "usage: $0 start DIR [RECORDS]"
           start_instance "$2" "${3:-}" ;;
    stop)  [ $# = 2 ] || die "usage: $0 stop DIR"; stop_instance "$2" ;;
    selftest) selftest ;;
    fetch) fetch ;;
    *) echo "usage: $0 start DIR [RECORDS] | stop DIR | selftest | fetch" >&2
       exit 2 ;;
esac
