#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dnssrv_selftest.sh: check tests/fault/dnssrv.py against itself with a small
# zone that exercises every record type, directive and fault mode, using a
# stdlib-only query helper (written below into the work directory) over UDP
# and TCP. Needs only bash and python3. Prints "dnssrv selftest: ok", or
# each failure and exits 1. Bounded: the whole run is under timeout 60.
set -u
if [ -z "${DNSSRV_SELFTEST_INNER:-}" ]; then
	DNSSRV_SELFTEST_INNER=1 exec timeout 60 bash "$0" "$@"
fi
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/dnssrv-selftest.XXXXXX")
pids=()
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	if [ -n "${KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 124' TERM INT
fail=0
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; }

# --- the query helper ---------------------------------------------------------
# q.py PORT NAME TYPE [tcp] [noedns] [nodo] [timeout=S] [count=N] [opcode=N]
#      [qd=N] [addr=A]
# prints per response one line
#   rcode=R flags=F an=N id=ok|mismatch qname=ok|mismatch edns=yes|no do=0|1 ans=RR;RR...
# (RR as owner/TYPE/data, names lower case without the final dot), or
# "timeout", or "malformed: why".
cat > "$work/q.py" <<'PY'
import os, socket, struct, sys
port, qname, qtype = int(sys.argv[1]), sys.argv[2], sys.argv[3]
opt = dict(a.split("=", 1) if "=" in a else (a, "1") for a in sys.argv[4:])
TYPES = {"A": 1, "CNAME": 5, "MX": 15, "TXT": 16, "AAAA": 28, "TLSA": 52, "ANY": 255}
NAMES = {v: k for k, v in TYPES.items()}
RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"]
ident = struct.unpack(">H", os.urandom(2))[0]

def qname_wire(n):
    return b"".join(bytes([len(l)]) + l.encode() for l in n.rstrip(".").split(".")) + b"\0"

qd = int(opt.get("qd", 1))
edns = "noedns" not in opt
q = struct.pack(">HHHHHH", ident, (int(opt.get("opcode", 0)) << 11) | 0x0100, qd, 0, 0, int(edns))
q += (qname_wire(qname) + struct.pack(">HH", TYPES[qtype], 1)) * qd
if edns:   # OPT: root, type 41, size 1232, DO unless nodo
    q += b"\0" + struct.pack(">HHIH", 41, 1232, 0 if "nodo" in opt else 0x8000, 0)

class Bad(Exception):
    pass

def name(m, p):
    labels, end, hops = [], None, 0
    while True:
        if p >= len(m):
            raise Bad("name past end")
        n = m[p]
        if n & 0xC0 == 0xC0:
            hops += 1
            if hops > 20:
                raise Bad("compression loop")
            end = p + 2 if end is None else end
            p = ((n & 0x3F) << 8) | m[p + 1]
        elif n == 0:
            return ".".join(labels).lower() or ".", (p + 1 if end is None else end)
        else:
            labels.append(m[p + 1:p + 1 + n].decode("latin-1"))
            p += 1 + n

def rdata(m, t, p, ln):
    d = m[p:p + ln]
    if t == 1:
        return socket.inet_ntop(socket.AF_INET, d)
    if t == 28:
        return socket.inet_ntop(socket.AF_INET6, d)
    if t == 5:
        return name(m, p)[0]
    if t == 15:
        return "%d %s" % (struct.unpack(">H", d[:2])[0], name(m, p + 2)[0])
    if t == 16:
        out, i = [], 0
        while i < len(d):
            out.append('"%s"' % d[i + 1:i + 1 + d[i]].decode())
            i += 1 + d[i]
        return " ".join(out)
    if t == 52:
        return "%d %d %d %s" % (d[0], d[1], d[2], d[3:].hex())
    return d.hex()

def show(m):
    if len(m) < 12:
        raise Bad("%d bytes" % len(m))
    rid, fl, qdc, anc, nsc, arc = struct.unpack(">HHHHHH", m[:12])
    flags = ",".join(n for b, n in [(0x8000, "qr"), (0x400, "aa"), (0x200, "tc"), (0x100, "rd"),
                                   (0x80, "ra"), (0x20, "ad"), (0x10, "cd")] if fl & b) or "-"
    p, qok = 12, "ok"
    for _ in range(qdc):
        n, p = name(m, p)
        qok = "ok" if n == qname.lower().rstrip(".") else "mismatch"
        p += 4
    ans, e, do = [], "no", 0
    for i in range(anc + nsc + arc):
        owner, p = name(m, p)
        t, c, ttl, ln = struct.unpack(">HHIH", m[p:p + 10])
        p += 10
        if p + ln > len(m):
            raise Bad("rdata past end")
        if t == 41:
            e, do = "yes", int(bool(ttl & 0x8000))
        elif i < anc:
            ans.append("%s/%s/%s" % (owner, NAMES.get(t, t), rdata(m, t, p, ln)))
        p += ln
    return "rcode=%s flags=%s an=%d id=%s qname=%s edns=%s do=%d ans=%s" % (
        RCODES[fl & 15] if fl & 15 < 6 else fl & 15, flags, anc,
        "ok" if rid == ident else "mismatch", qok, e, do, ";".join(ans))

def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise Bad("eof")
        b += c
    return b

addr = opt.get("addr", "127.0.0.1")
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
try:
    if "tcp" in opt:
        s = socket.create_connection((addr, port), timeout=float(opt.get("timeout", 5)))
        count = int(opt.get("count", 1))
        s.sendall(b"".join(struct.pack(">H", len(q)) + q for _ in range(count)))
        for _ in range(count):
            ln = struct.unpack(">H", recv_exact(s, 2))[0]
            print(show(recv_exact(s, ln)))
    else:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(float(opt.get("timeout", 5)))
        s.sendto(q, (addr, port))
        print(show(s.recvfrom(65535)[0]))
except socket.timeout:
    print("timeout")
except (Bad, struct.error, IndexError, UnicodeDecodeError, ValueError) as ex:
    print("malformed: %s" % ex)
PY

# --- the zone -------------------------------------------------------------------
long=$(printf 'a%.0s' $(seq 250))
cat > "$work/zone" <<ZONE
# dnssrv self-test zone
@ad-default no
@ad secure.example.test yes
www.example.test        A     192.0.2.1
www.example.test.       AAAA  2001:db8::1      # trailing dot: same name
example.test            MX    10 mail.example.test
example.test            MX    20 mx2.example.test
mail.example.test       A     192.0.2.25
nullmx.example.test     MX    0 .
alias.example.test      CNAME alias2.example.test
alias2.example.test     CNAME WWW.example.test
out.example.test        CNAME elsewhere.invalid
loop1.example.test      CNAME loop2.example.test
loop2.example.test      CNAME loop1.example.test
secure.example.test     A     192.0.2.7
txt.example.test        TXT   "v=spf1 -all" "say \"hi\" # not a comment"
_25._tcp.mail.example.test TLSA 3 1 1 00ff 10AB
long.example.test       TXT   "$long" "$long" "$long"
big.example.test        A     192.0.2.99
@fault big.example.test A bigrrset
trunc.example.test      A     192.0.2.98
@fault trunc.example.test * truncate
@fault fail.example.test * servfail
www2.example.test       A     192.0.2.2
@fault www2.example.test AAAA refused
@fault gone.example.test * nxdomain
wid.example.test        A     192.0.2.10
@fault wid.example.test A wrongid
@fault quiet.example.test * silent
wq.example.test         A     192.0.2.12
@fault wq.example.test A wrongquestion
@fault junk.example.test * garbage
@fault loop.example.test A loop
slow.example.test       A     192.0.2.11
@fault slow.example.test A slow:1.5
ZONE

# --- start the server -------------------------------------------------------------
python3 "$here/dnssrv.py" --zone "$work/zone" --port-file "$work/port" --log "$work/log" \
	--lifetime 50 2> "$work/stderr" & srv=$!
pids+=("$srv")
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port" 2>/dev/null)
if [ -z "$port" ]; then
	echo "FAIL start: no port file"; cat "$work/stderr"; exit 1
fi

# check DESC PATTERN NAME TYPE [q.py options]: the helper's output must match
# the bash glob PATTERN.
check() {
	local desc=$1 pat=$2 out
	shift 2
	out=$(timeout 10 python3 "$work/q.py" "$port" "$@" 2>&1)
	# shellcheck disable=SC2053
	[[ $out == $pat ]] || bad "$desc" "got: $out"
}

H='rcode=NOERROR flags=qr,aa,rd,ra'     # a normal answer's rcode and flags (no AD)
check "A" "$H an=1 id=ok qname=ok edns=yes do=1 ans=www.example.test/A/192.0.2.1" www.example.test A
check "A, tcp" "$H an=1 id=ok qname=ok edns=yes do=1 ans=www.example.test/A/192.0.2.1" www.example.test A tcp
check "A, case" "$H an=1 * ans=www.example.test/A/192.0.2.1" WWW.Example.TEST A
check "A, no DO" "$H an=1 * edns=yes do=0 *" www.example.test A nodo
check "A, no EDNS" "$H an=1 * edns=no do=0 *" www.example.test A noedns
check "AAAA" "$H an=1 * ans=www.example.test/AAAA/2001:db8::1" www.example.test AAAA
check "MX" "$H an=2 * ans=example.test/MX/10 mail.example.test;example.test/MX/20 mx2.example.test" example.test MX
check "null MX" "$H an=1 * ans=nullmx.example.test/MX/0 ." nullmx.example.test MX
check "CNAME chain" "$H an=3 * ans=alias.example.test/CNAME/alias2.example.test;alias2.example.test/CNAME/www.example.test;www.example.test/A/192.0.2.1" alias.example.test A
check "CNAME chain, NODATA at the end" "$H an=2 * ans=alias.example.test/CNAME/*;alias2.example.test/CNAME/www.example.test" alias.example.test MX
check "CNAME query" "$H an=1 * ans=alias.example.test/CNAME/alias2.example.test" alias.example.test CNAME
check "CNAME out of zone" "$H an=1 * ans=out.example.test/CNAME/elsewhere.invalid" out.example.test A
check "CNAME loop: 8 CNAMEs" "$H an=8 *" loop1.example.test A
check "TXT" "$H an=1 * ans=txt.example.test/TXT/\"v=spf1 -all\" \"say \"hi\" # not a comment\"" txt.example.test TXT
check "TLSA" "$H an=1 * ans=_25._tcp.mail.example.test/TLSA/3 1 1 00ff10ab" _25._tcp.mail.example.test TLSA
check "NODATA" "$H an=0 id=ok qname=ok edns=yes do=1 ans=" mail.example.test AAAA
check "NXDOMAIN" "rcode=NXDOMAIN flags=qr,aa,rd,ra an=0 id=ok qname=ok edns=yes do=1 ans=" nope.example.test A
check "empty non-terminal: NODATA" "$H an=0 * ans=" _tcp.mail.example.test A
check "AD on" "rcode=NOERROR flags=qr,aa,rd,ra,ad an=1 * ans=secure.example.test/A/192.0.2.7" secure.example.test A
check "AD on, case" "rcode=NOERROR flags=qr,aa,rd,ra,ad an=1 *" SECURE.example.TEST A
check "AD on, NODATA" "rcode=NOERROR flags=qr,aa,rd,ra,ad an=0 *" secure.example.test MX
check "AD off" "rcode=NOERROR flags=qr,aa,rd,ra an=1 *" mail.example.test A
check "TXT over 512 without EDNS: TC" "rcode=NOERROR flags=qr,aa,tc,rd,ra an=0 * edns=no *" long.example.test TXT noedns
check "TXT over 512 with EDNS: fits" "$H an=1 * edns=yes *" long.example.test TXT
check "bigrrset, udp: TC" "rcode=NOERROR flags=qr,aa,tc,rd,ra an=0 id=ok qname=ok edns=yes do=1 ans=" big.example.test A
check "bigrrset, tcp: 300" "$H an=300 id=ok qname=ok edns=yes do=1 ans=big.example.test/A/127.0.0.1;*;big.example.test/A/127.0.1.44" big.example.test A tcp
check "bigrrset, other type" "$H an=0 *" big.example.test AAAA
check "truncate, udp" "rcode=NOERROR flags=qr,aa,tc,rd,ra an=0 * ans=" trunc.example.test A
check "truncate, tcp" "$H an=1 * ans=trunc.example.test/A/192.0.2.98" trunc.example.test A tcp
check "servfail" "rcode=SERVFAIL flags=qr,rd,ra an=0 id=ok qname=ok edns=yes do=1 ans=" fail.example.test A
check "servfail, tcp" "rcode=SERVFAIL *" fail.example.test MX tcp
check "refused for AAAA only" "rcode=REFUSED flags=qr,rd,ra an=0 *" www2.example.test AAAA
check "refused fault: A unaffected" "$H an=1 * ans=www2.example.test/A/192.0.2.2" www2.example.test A
check "nxdomain fault" "rcode=NXDOMAIN flags=qr,aa,rd,ra an=0 *" gone.example.test TXT
check "wrongid" "$H an=1 id=mismatch qname=ok * ans=wid.example.test/A/192.0.2.10" wid.example.test A
check "wrongid, tcp" "$H an=1 id=mismatch *" wid.example.test A tcp
check "wrongquestion" "$H an=1 id=ok qname=mismatch * ans=wq.example.test/A/192.0.2.12" wq.example.test A
check "garbage" "malformed: 7 bytes" junk.example.test A
check "garbage, tcp" "malformed: 7 bytes" junk.example.test MX tcp
check "loop" "malformed: compression loop" loop.example.test A
check "silent: client times out" "timeout" quiet.example.test A timeout=1
check "silent, tcp" "timeout" quiet.example.test A tcp timeout=1
start=$(date +%s%N)
check "slow" "$H an=1 * ans=slow.example.test/A/192.0.2.11" slow.example.test A timeout=4
took=$((($(date +%s%N) - start) / 1000000))
[ "$took" -ge 1400 ] || bad "slow" "answered after ${took} ms, wanted >= 1500"
check "slow: a short timeout expires" "timeout" slow.example.test A timeout=0.5
check "two queries on one tcp connection" "$H an=1 * ans=www.example.test/A/192.0.2.1"$'\n'"$H an=1 * ans=www.example.test/A/192.0.2.1" www.example.test A tcp count=2
check "opcode 2: NOTIMP" "rcode=NOTIMP *" www.example.test A opcode=2
check "two questions: FORMERR" "rcode=FORMERR * an=0 *" www.example.test A qd=2

# --- the log ------------------------------------------------------------------------
grep -q '^udp www\.example\.test\. A [0-9]* flags=rd edns=yes do=1$' "$work/log" ||
	bad "log" "no 'udp www.example.test. A ID flags=rd edns=yes do=1' line"
grep -q '^tcp www\.example\.test\. A [0-9]* flags=rd edns=yes do=1$' "$work/log" ||
	bad "log" "no tcp line"
grep -q '^udp www\.example\.test\. A [0-9]* flags=rd edns=no do=0$' "$work/log" ||
	bad "log" "no line for the query without EDNS"
grep -q '^udp www\.example\.test\. A [0-9]* flags=rd edns=yes do=0$' "$work/log" ||
	bad "log" "no line for the query without DO"
grep -q '^udp www\.example\.test\. A [0-9]* flags=rd,op2 edns=yes do=1$' "$work/log" ||
	bad "log" "no line for the opcode 2 query"
n=$(grep -c ' quiet\.example\.test\. A ' "$work/log")
[ "$n" = 2 ] || bad "log" "$n lines for quiet.example.test, wanted 2"
n=$(grep -c '^tcp www\.example\.test\. A ' "$work/log")
[ "$n" = 3 ] || bad "log" "$n tcp lines for www.example.test A, wanted 3"

# --- exit: SIGTERM, lifetime, refusals ---------------------------------------------------
kill -TERM "$srv"
for _ in $(seq 40); do kill -0 "$srv" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$srv" 2>/dev/null; then
	bad "SIGTERM" "server still running after 2 s"
else
	wait "$srv"; rc=$?
	[ "$rc" = 0 ] || bad "SIGTERM" "exit status $rc"
fi
[ -s "$work/stderr" ] && bad "stderr" "$(cat "$work/stderr")"

python3 "$here/dnssrv.py" --zone "$work/zone" --port-file "$work/port2" --lifetime 1 & p2=$!
pids+=("$p2")
for _ in $(seq 60); do kill -0 "$p2" 2>/dev/null || break; sleep 0.05; done
kill -0 "$p2" 2>/dev/null && bad "lifetime" "still running 3 s after --lifetime 1"
[ -s "$work/port2" ] || bad "lifetime" "no port file"

for a in 0.0.0.0 192.0.2.1 ::; do
	if timeout 5 python3 "$here/dnssrv.py" --zone "$work/zone" --addr "$a" --lifetime 1 2>/dev/null; then
		bad "refuse --addr $a" "it started"
	fi
done
echo 'www.example.test A 192.0.2.300' > "$work/badzone"
out=$(timeout 5 python3 "$here/dnssrv.py" --zone "$work/badzone" --lifetime 1 2>&1)
[[ $? != 0 && $out == *badzone:1:* ]] || bad "zone error" "got: $out"

# IPv6 loopback, when the host has it.
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	python3 "$here/dnssrv.py" --zone "$work/zone" --addr ::1 --port-file "$work/port6" --lifetime 10 & p6=$!
	pids+=("$p6")
	for _ in $(seq 100); do [ -s "$work/port6" ] && break; sleep 0.05; done
	port=$(cat "$work/port6" 2>/dev/null)
	check "::1, udp" "$H an=1 * ans=www.example.test/A/192.0.2.1" www.example.test A addr=::1
	check "::1, tcp" "$H an=1 * ans=www.example.test/AAAA/2001:db8::1" www.example.test AAAA addr=::1 tcp
	kill -TERM "$p6"
fi

if [ "$fail" = 0 ]; then
	echo "dnssrv selftest: ok"
	exit 0
fi
echo "dnssrv selftest: $fail failed"
exit 1
