#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""dnssrv.py: a scripted authoritative-style DNS server for sealpost's tests.

It answers queries from one zone file over UDP and TCP (RFC 1035 4.2; over
TCP each message carries a two-byte length prefix and a connection may carry
several queries) on one port of a loopback address, and can misbehave on
chosen queries so a test can see how the resolver side of the client copes.
It binds to 127.0.0.0/8 or ::1 only, every wait has a deadline (TCP idle
10 s) and it exits by itself after --lifetime seconds or on SIGTERM.

  dnssrv.py --zone FILE [--addr 127.0.0.1] [--port N | --port-file PATH]
            [--log PATH] [--lifetime SECONDS]

With --port 0 (the default) an ephemeral port is bound; it is written to
--port-file (via a temporary name and rename, so a reader never sees half a
number) or, without --port-file, printed on stdout.

Zone file, one record or directive a line ('#' starts a comment outside a
quoted string; blank lines are ignored). Names are absolute whether or not
they end in '.', compared case-insensitively; '.' alone is the root. Every
record has TTL 300 and class IN.
  NAME A       192.0.2.1
  NAME AAAA    2001:db8::1
  NAME MX      PREF EXCHANGE        EXCHANGE '.' is a null MX (RFC 7505)
  NAME CNAME   TARGET
  NAME TXT     "string" ["string"...]   each string one character-string
                                    (<= 255 bytes; \\" \\\\ and \\DDD escapes)
  NAME TLSA    USAGE SELECTOR MTYPE HEX
  @ad-default yes|no       AD bit on answers by default (default no)
  @ad NAME yes|no          AD bit on answers to queries for NAME
  @fault NAME TYPE MODE    misbehave on queries for NAME and TYPE ('*': any
                           type; the first matching @fault wins). MODE:
      servfail | refused | nxdomain   that rcode, no records
      silent           never answer
      wrongid          the right answer under message ID + 1
      wrongquestion    the right answer with question name "x." + QNAME
      truncate         over UDP TC=1 and no records; over TCP the answer
      garbage          7 random bytes (over TCP with a length prefix)
      loop             one answer RR whose owner name is a compression
                       pointer to itself
      bigrrset         for an A query, 300 A records 127.0.0.1, 127.0.0.2, ...
                       (so over UDP the answer is truncated)
      slow:SECONDS     the right answer after SECONDS

Answers: QR=1, AA=1 (0 with SERVFAIL, REFUSED, FORMERR and NOTIMP), RA=1,
RD and CD copied from the query; the AD bit as
the @ad directives say (set whether or not the query asked for it, so a
test decides what the client is told). Opcode other than QUERY: NOTIMP;
not exactly one question, or a malformed message: FORMERR; class other than
IN: REFUSED. A name with records of the queried type gets them; else a
name with a CNAME gets the CNAME and, when the target is a name of the zone,
the target's answer in turn (at most 8 CNAMEs); else a name of the zone gets
NOERROR with no records (NODATA), as does an empty non-terminal (a name
with none but names below it, RFC 8020), and any other name NXDOMAIN. A CNAME
whose target is not in the zone ends the chain with NOERROR. ANY returns
every record at the name. With an OPT RR in the query (EDNS0, RFC 6891) the
answer has one too: UDP payload size 1232, the DO bit echoed, BADVERS for
a version other than 0. An answer over UDP larger than the client's size
(its EDNS0 payload size, at least 512; 512 without EDNS0) is sent as
header, question and OPT RR only, with TC=1 (RFC 6891 7). Owner names,
CNAME targets and MX exchanges are compressed (RFC 1035 4.1.4); an owner
equal to the query name is written as asked and so points at the question.

With --log PATH it appends one line per query received, flushed:
  PROTO QNAME QTYPE ID flags=FLAGS edns=yes|no do=0|1
e.g. "udp www.example.test. A 4711 flags=rd,ad edns=yes do=1"; FLAGS are the
query's header bits (qr aa tc rd ra ad cd, "opN" for an opcode other than
0), "-" when none. A message too short or too broken to show its question is
logged with QNAME "?" and QTYPE "?".
"""
import argparse
import ipaddress
import os
import signal
import socket
import struct
import sys
import threading

IDLE = 10.0         # TCP: longest wait for the next byte of a query
POLL = 0.5          # how often listening loops look at the stop flag
TTL = 300
EDNS_SIZE = 1232    # our UDP payload size in OPT RRs
MAX_CNAMES = 8

CLASS_IN = 1
T_OPT = 41
T_CNAME = 5
T_ANY = 255
TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
         "TXT": 16, "AAAA": 28, "SRV": 33, "OPT": 41, "DS": 43, "RRSIG": 46,
         "NSEC": 47, "DNSKEY": 48, "TLSA": 52, "ANY": 255}
TYPE_NAMES = {v: k for k, v in TYPES.items()}

# Header bits (RFC 1035 4.1.1; AD and CD from RFC 4035 3.2).
QR, AA, TC, RD, RA, AD, CD = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080, 0x0020, 0x0010
FLAG_NAMES = [(QR, "qr"), (AA, "aa"), (TC, "tc"), (RD, "rd"), (RA, "ra"),
              (0x0040, "z"), (AD, "ad"), (CD, "cd")]
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5
BADVERS = 16        # extended rcode: high 8 bits in the OPT RR, low 4 in the header

FAULT_MODES = {"servfail", "refused", "nxdomain", "silent", "wrongid",
               "wrongquestion", "truncate", "garbage", "loop", "bigrrset"}


class ZoneError(Exception):
    pass


class FormErr(Exception):
    """The query cannot be parsed (past its header)."""


def type_code(text):
    """A type mnemonic (or TYPEnnn) to its number; None if unknown."""
    t = text.upper()
    if t in TYPES:
        return TYPES[t]
    if t.startswith("TYPE") and t[4:].isdigit() and int(t[4:]) < 65536:
        return int(t[4:])
    return None


def type_text(code):
    return TYPE_NAMES.get(code, "TYPE%d" % code)


# --- names -----------------------------------------------------------------
# A name is a tuple of labels (bytes), without the empty root label; the
# root is (). Its key, for comparisons, is the same with ASCII letters in
# lower case (RFC 4343).

def name_from_text(text):
    if text in (".", ""):
        return ()
    try:
        labels = tuple(l.encode("ascii") for l in text.rstrip(".").split("."))
    except UnicodeEncodeError:
        raise ZoneError("name %r is not ASCII" % text) from None
    if any(not l or len(l) > 63 for l in labels):
        raise ZoneError("bad name %r (empty or over-long label)" % text)
    if sum(len(l) + 1 for l in labels) + 1 > 255:
        raise ZoneError("name %r over 255 bytes" % text)
    return labels


def key(name):
    return tuple(l.lower() for l in name)


def name_text(name):
    """Presentation form, absolute: dots and odd bytes escaped (RFC 4343 2.1)."""
    out = []
    for label in name:
        s = ""
        for b in label:
            c = chr(b)
            if c in ".\\":
                s += "\\" + c
            elif 0x21 <= b <= 0x7e:
                s += c
            else:
                s += "\\%03d" % b
        out.append(s)
    return ".".join(out) + "."


# --- zone file ---------------------------------------------------------------

def tokens(line):
    """Split a zone line into (text, quoted) pairs, dropping a comment.
    Inside quotes \\X stands for X and \\DDD for the byte DDD."""
    out, i, n = [], 0, len(line)
    while i < n:
        c = line[i]
        if c.isspace():
            i += 1
        elif c == "#":
            break
        elif c == '"':
            i += 1
            buf = bytearray()
            while True:
                if i >= n:
                    raise ZoneError("unterminated quoted string")
                c = line[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\":
                    if line[i + 1:i + 4].isdigit() and len(line[i + 1:i + 4]) == 3:
                        v = int(line[i + 1:i + 4])
                        if v > 255:
                            raise ZoneError("bad escape \\%s" % line[i + 1:i + 4])
                        buf.append(v)
                        i += 4
                        continue
                    if i + 1 >= n:
                        raise ZoneError("unterminated quoted string")
                    c = line[i + 1]
                    i += 1
                buf += c.encode("utf-8")
                i += 1
            out.append((bytes(buf), True))
        else:
            j = i
            while j < n and not line[j].isspace() and line[j] not in '#"':
                j += 1
            out.append((line[i:j], False))
            i = j
    return out


def yes_no(text):
    if text.lower() not in ("yes", "no"):
        raise ZoneError("want yes or no, not %r" % text)
    return text.lower() == "yes"


class Zone:
    def __init__(self):
        self.rrs = {}           # key -> list of (type, owner name, rdata item)
        self.ents = set()       # keys of names that only have names below them
        self.ad = {}            # key -> bool
        self.ad_default = False
        self.faults = []        # (key, type or None for '*', mode, delay)

    def add(self, name, rtype, data):
        rrs = self.rrs.setdefault(key(name), [])
        if rtype == T_CNAME and any(t == T_CNAME for t, _, _ in rrs):
            raise ZoneError("second CNAME for %s" % name_text(name))
        rrs.append((rtype, name, data))
        for i in range(1, len(name) + 1):
            self.ents.add(key(name[i:]))

    def line(self, words):
        """Take one tokenized line that is not blank."""
        head = words[0][0]
        if words[0][1]:
            raise ZoneError("a line starts with a quoted string")
        texts = [w for w, q in words[1:] if not q]
        if head.startswith("@") and len(texts) != len(words) - 1:
            raise ZoneError("quoted string in %s" % head)
        if head == "@ad-default":
            if len(words) != 2:
                raise ZoneError("usage: @ad-default yes|no")
            self.ad_default = yes_no(words[1][0])
        elif head == "@ad":
            if len(texts) != 2 or len(words) != 3:
                raise ZoneError("usage: @ad NAME yes|no")
            self.ad[key(name_from_text(texts[0]))] = yes_no(texts[1])
        elif head == "@fault":
            if len(texts) != 3 or len(words) != 4:
                raise ZoneError("usage: @fault NAME TYPE MODE")
            name = key(name_from_text(texts[0]))
            qtype = None if texts[1] == "*" else type_code(texts[1])
            if texts[1] != "*" and qtype is None:
                raise ZoneError("unknown type %r" % texts[1])
            mode, delay = texts[2].lower(), 0.0
            if mode.startswith("slow:"):
                try:
                    delay = float(mode[5:])
                except ValueError:
                    raise ZoneError("bad delay in %r" % texts[2]) from None
                if not 0 <= delay <= 3600:
                    raise ZoneError("bad delay in %r" % texts[2])
                mode = "slow"
            elif mode not in FAULT_MODES:
                raise ZoneError("unknown fault mode %r" % texts[2])
            self.faults.append((name, qtype, mode, delay))
        elif head.startswith("@"):
            raise ZoneError("unknown directive %r" % head)
        else:
            self.record(words)

    def record(self, words):
        if len(words) < 3 or words[0][1] or words[1][1]:
            raise ZoneError("usage: NAME TYPE DATA...")
        name = name_from_text(words[0][0])
        rtype = words[1][0].upper()
        args = words[2:]
        plain = [w for w, q in args if not q]
        if rtype == "TXT":
            strings = [w if q else w.encode("utf-8") for w, q in args]
            for s in strings:
                if len(s) > 255:
                    raise ZoneError("TXT string over 255 bytes")
            self.add(name, TYPES["TXT"], strings)
            return
        if len(plain) != len(args):
            raise ZoneError("quoted string in %s data" % rtype)
        try:
            if rtype == "A" and len(plain) == 1:
                self.add(name, 1, ipaddress.IPv4Address(plain[0]).packed)
            elif rtype == "AAAA" and len(plain) == 1:
                self.add(name, 28, ipaddress.IPv6Address(plain[0]).packed)
            elif rtype == "MX" and len(plain) == 2:
                pref = int(plain[0])
                if not 0 <= pref <= 65535:
                    raise ValueError("preference out of range")
                self.add(name, 15, (pref, name_from_text(plain[1])))
            elif rtype == "CNAME" and len(plain) == 1:
                self.add(name, T_CNAME, name_from_text(plain[0]))
            elif rtype == "TLSA" and len(plain) >= 4:
                fields = [int(x) for x in plain[:3]]
                if any(not 0 <= f <= 255 for f in fields):
                    raise ValueError("field out of range")
                self.add(name, 52, bytes(fields) + bytes.fromhex("".join(plain[3:])))
            elif rtype in ("A", "AAAA", "MX", "CNAME", "TLSA"):
                raise ZoneError("wrong number of fields for %s" % rtype)
            else:
                raise ZoneError("unsupported type %r" % words[1][0])
        except ValueError as e:
            raise ZoneError("bad %s data: %s" % (rtype, e)) from None

    @classmethod
    def load(cls, path):
        zone = cls()
        with open(path, encoding="utf-8") as f:
            for num, raw in enumerate(f, 1):
                try:
                    words = tokens(raw)
                    if words:
                        zone.line(words)
                except ZoneError as e:
                    raise ZoneError("%s:%d: %s" % (path, num, e)) from None
        return zone

    def fault(self, qname, qtype):
        k = key(qname)
        for name, t, mode, delay in self.faults:
            if name == k and (t is None or t == qtype):
                return mode, delay
        return None, 0.0

    def wants_ad(self, qname):
        return self.ad.get(key(qname), self.ad_default)

    def lookup(self, qname, qtype):
        """(rcode, answer RRs) from the zone alone."""
        answers = []
        name = qname
        while True:
            rrs = self.rrs.get(key(name))
            if rrs is None:
                # An empty non-terminal exists (RFC 8020): NODATA. Only the
                # query name itself decides NXDOMAIN; a CNAME target
                # outside the zone just ends the chain.
                gone = not answers and key(name) not in self.ents
                return (NXDOMAIN if gone else NOERROR), answers
            match = [rr for rr in rrs if rr[0] == qtype or qtype == T_ANY]
            if match:
                return NOERROR, answers + match
            cname = [rr for rr in rrs if rr[0] == T_CNAME]
            if not cname:
                return NOERROR, answers             # NODATA
            if len(answers) == MAX_CNAMES:
                return NOERROR, answers             # chain too long (or a loop): stop
            answers.append(cname[0])
            name = cname[0][2]


# --- messages ----------------------------------------------------------------

class Builder:
    """A DNS message under construction, with name compression (RFC 1035
    4.1.4): every name written may point at a suffix written before."""

    def __init__(self):
        self.buf = bytearray(12)
        self.offsets = {}           # name key -> offset where it was written

    def name(self, name):
        for i in range(len(name)):
            k = key(name[i:])
            if k in self.offsets:
                self.buf += struct.pack(">H", 0xC000 | self.offsets[k])
                return
            if len(self.buf) < 0x4000:
                self.offsets[k] = len(self.buf)
            self.buf += bytes([len(name[i])]) + name[i]
        self.buf += b"\0"

    def header(self, ident, flags, qd, an, ns, ar):
        self.buf[0:12] = struct.pack(">HHHHHH", ident, flags, qd, an, ns, ar)

    def question(self, qname, qtype, qclass):
        self.name(qname)
        self.buf += struct.pack(">HH", qtype, qclass)

    def rr(self, owner, rtype, data):
        """One RR of class IN and TTL 300; data as the zone holds it."""
        self.name(owner)
        self.buf += struct.pack(">HHI", rtype, CLASS_IN, TTL)
        at = len(self.buf)
        self.buf += b"\0\0"                         # RDLENGTH, filled in below
        if rtype == T_CNAME:
            self.name(data)
        elif rtype == 15:                           # MX: preference, exchange
            self.buf += struct.pack(">H", data[0])
            self.name(data[1])
        elif rtype == 16:                           # TXT: character-strings
            for s in data:
                self.buf += bytes([len(s)]) + s
        else:
            self.buf += data
        struct.pack_into(">H", self.buf, at, len(self.buf) - at - 2)

    def opt(self, do, ext_rcode=0):
        """An OPT pseudo-RR (RFC 6891 6.1.2): root owner, CLASS = our UDP
        payload size, TTL = extended rcode, version 0, DO bit, Z."""
        ttl = (ext_rcode << 24) | (0x8000 if do else 0)
        self.buf += b"\0" + struct.pack(">HHIH", T_OPT, EDNS_SIZE, ttl, 0)


class Query:
    """The parts of a query message a reply needs."""

    def __init__(self, msg):
        if len(msg) < 12:
            raise ValueError("short message")
        (self.id, self.flags, self.qdcount, self.ancount, self.nscount,
         self.arcount) = struct.unpack(">HHHHHH", msg[:12])
        self.msg = msg
        self.opcode = (self.flags >> 11) & 0xF
        self.qname = self.qtype = self.qclass = None
        self.edns = False
        self.do = False
        self.edns_version = 0
        self.udp_size = 512
        self.error = None           # why the rest could not be parsed

    def parse(self):
        """Read question and additional section; FormErr if malformed."""
        pos = 12
        if self.qdcount >= 1:
            self.qname, pos = read_name(self.msg, pos)
            if pos + 4 > len(self.msg):
                raise FormErr("short question")
            self.qtype, self.qclass = struct.unpack(">HH", self.msg[pos:pos + 4])
            pos += 4
        if self.qdcount != 1:
            raise FormErr("%d questions" % self.qdcount)
        for section, count in (("an", self.ancount), ("ns", self.nscount),
                               ("ar", self.arcount)):
            for _ in range(count):
                owner, pos = read_name(self.msg, pos)
                if pos + 10 > len(self.msg):
                    raise FormErr("short RR")
                rtype, rclass, ttl, rdlen = struct.unpack(">HHIH", self.msg[pos:pos + 10])
                pos += 10 + rdlen
                if pos > len(self.msg):
                    raise FormErr("short RDATA")
                if rtype == T_OPT:
                    # RFC 6891 6.1.1: one OPT, root owner, additional section.
                    if section != "ar" or owner or self.edns:
                        raise FormErr("misplaced OPT")
                    self.edns = True
                    self.udp_size = max(512, rclass)
                    self.edns_version = (ttl >> 16) & 0xFF
                    self.do = bool(ttl & 0x8000)


def read_name(msg, pos):
    """A possibly compressed name at pos: (name, position after it)."""
    labels, end, jumps = [], None, 0
    total = 1
    while True:
        if pos >= len(msg):
            raise FormErr("name runs off the message")
        n = msg[pos]
        if n & 0xC0 == 0xC0:
            if pos + 1 >= len(msg):
                raise FormErr("short pointer")
            jumps += 1
            if jumps > 64:
                raise FormErr("compression loop")
            if end is None:
                end = pos + 2
            pos = ((n & 0x3F) << 8) | msg[pos + 1]
        elif n & 0xC0:
            raise FormErr("bad label type")
        elif n == 0:
            return tuple(labels), (pos + 1 if end is None else end)
        else:
            total += n + 1
            if total > 255 or pos + 1 + n > len(msg):
                raise FormErr("bad name")
            labels.append(bytes(msg[pos + 1:pos + 1 + n]))
            pos += 1 + n


def flag_text(flags):
    names = [t for bit, t in FLAG_NAMES if flags & bit]
    opcode = (flags >> 11) & 0xF
    if opcode:
        names.append("op%d" % opcode)
    return ",".join(names) or "-"


class Server:
    def __init__(self, zone, log):
        self.zone = zone
        self.log = log
        self.log_lock = threading.Lock()
        self.stop = threading.Event()

    def note(self, proto, q):
        if not self.log:
            return
        if q is None:                               # not even a header
            fields = ("?", "?", "?", "-", "no", 0)
        else:
            qn, qt = "?", "?"
            if q.qname is not None:
                qn, qt = name_text(q.qname), type_text(q.qtype)
            fields = (qn, qt, q.id, flag_text(q.flags), "yes" if q.edns else "no", int(q.do))
        line = "%s %s %s %s flags=%s edns=%s do=%d\n" % ((proto,) + fields)
        with self.log_lock:
            self.log.write(line)
            self.log.flush()

    def answer(self, msg, proto):
        """The reply to one message: (bytes or None for no reply, delay)."""
        try:
            q = Query(msg)
        except ValueError:
            self.note(proto, None)
            return None, 0.0                        # not even a header: drop
        try:
            q.parse()
        except FormErr as e:
            q.error = str(e)
        self.note(proto, q)
        if q.flags & QR:
            return None, 0.0                        # a response: never answer one
        if q.error is not None or q.qname is None:
            return self.error_reply(q, FORMERR), 0.0
        if q.opcode != 0:
            return self.error_reply(q, NOTIMP), 0.0
        if q.edns and q.edns_version != 0:
            return self.error_reply(q, BADVERS), 0.0
        if q.qclass != CLASS_IN:
            return self.error_reply(q, REFUSED), 0.0

        mode, delay = self.zone.fault(q.qname, q.qtype)
        if mode == "silent":
            return None, 0.0
        if mode == "garbage":
            return os.urandom(7), 0.0
        if mode == "loop":
            return self.loop_reply(q), 0.0
        if mode in ("servfail", "refused", "nxdomain"):
            rcode = {"servfail": SERVFAIL, "refused": REFUSED, "nxdomain": NXDOMAIN}[mode]
            return self.reply(q, rcode, [], aa=(mode == "nxdomain")), 0.0
        if mode == "bigrrset" and q.qtype == 1:
            rcode = NOERROR
            answers = [(1, q.qname, bytes([127, 0, i >> 8, i & 0xFF]))
                       for i in range(1, 301)]
        else:
            rcode, answers = self.zone.lookup(q.qname, q.qtype)
        if mode == "truncate" and proto == "udp":
            return self.reply(q, rcode, [], tc=True), 0.0
        reply = self.reply(q, rcode, answers, udp=(proto == "udp"),
                           wrong_question=(mode == "wrongquestion"))
        if mode == "wrongid":
            struct.pack_into(">H", reply, 0, (q.id + 1) & 0xFFFF)
        return reply, delay

    def reply(self, q, rcode, answers, aa=True, tc=False, udp=False,
              wrong_question=False):
        flags = QR | (q.flags & (RD | CD)) | RA | (rcode & 0xF)
        if aa:
            flags |= AA
        if rcode in (NOERROR, NXDOMAIN) and self.zone.wants_ad(q.qname):
            flags |= AD
        qname = ((b"x",) + q.qname) if wrong_question else q.qname

        def build(rrs, tc):
            b = Builder()
            b.header(q.id, flags | (TC if tc else 0), 1, len(rrs), 0, 1 if q.edns else 0)
            b.question(qname, q.qtype, q.qclass)
            for rtype, owner, data in rrs:
                # The owner is the query name as asked (so it compresses to
                # the question), or a CNAME target as the zone spells it.
                b.rr(q.qname if key(owner) == key(q.qname) else owner, rtype, data)
            if q.edns:
                b.opt(q.do)
            return b.buf

        out = build(answers, tc)
        limit = q.udp_size if q.edns else 512
        if udp and len(out) > limit:
            out = build([], True)                   # RFC 6891 7: header, question, OPT
        return out

    def error_reply(self, q, rcode):
        """FORMERR, NOTIMP, REFUSED or BADVERS: header, the question if it
        could be read, and an OPT RR if the query had one."""
        b = Builder()
        flags = QR | (q.flags & (0x7800 | RD | CD)) | RA | (rcode & 0xF)
        has_q = q.qname is not None and q.qdcount == 1
        b.header(q.id, flags, 1 if has_q else 0, 0, 0, 1 if q.edns else 0)
        if has_q:
            b.question(q.qname, q.qtype, q.qclass)
        if q.edns:
            b.opt(q.do, rcode >> 4)
        return bytes(b.buf)

    def loop_reply(self, q):
        """One A RR whose owner name is a pointer to its own offset."""
        b = Builder()
        b.header(q.id, QR | AA | RA | (q.flags & RD), 1, 1, 0, 0)
        b.question(q.qname, q.qtype, q.qclass)
        here = len(b.buf)
        b.buf += struct.pack(">HHHIH", 0xC000 | here, 1, CLASS_IN, TTL, 4) + bytes([127, 0, 0, 1])
        return bytes(b.buf)

    # --- transports ----------------------------------------------------------

    def serve_udp(self, sock):
        sock.settimeout(POLL)
        while not self.stop.is_set():
            try:
                msg, peer = sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                if self.stop.is_set():
                    return
                continue
            reply, delay = self.answer(msg, "udp")
            if reply is None:
                continue
            if delay > 0:
                # Later, from another thread, so other queries go on meanwhile.
                threading.Thread(target=self.send_later, daemon=True,
                                 args=(sock, reply, peer, delay)).start()
            else:
                self.sendto(sock, reply, peer)

    def sendto(self, sock, reply, peer):
        try:
            sock.sendto(reply, peer)
        except OSError:
            pass

    def send_later(self, sock, reply, peer, delay):
        if not self.stop.wait(delay):
            self.sendto(sock, reply, peer)

    def serve_tcp(self, srv):
        srv.settimeout(POLL)
        while not self.stop.is_set():
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                continue
            except OSError:
                if self.stop.is_set():
                    return
                continue
            threading.Thread(target=self.tcp_conn, args=(conn,), daemon=True).start()

    def tcp_conn(self, conn):
        """Queries one after another on one connection (RFC 1035 4.2.2)
        until EOF, an error, or IDLE seconds without a complete query."""
        conn.settimeout(IDLE)
        try:
            while not self.stop.is_set():
                head = recv_exact(conn, 2)
                if head is None:
                    return
                msg = recv_exact(conn, struct.unpack(">H", head)[0])
                if msg is None:
                    return
                reply, delay = self.answer(msg, "tcp")
                if reply is None:
                    continue
                if delay > 0 and self.stop.wait(delay):
                    return
                conn.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError:
            pass
        finally:
            conn.close()


def recv_exact(conn, n):
    """n bytes from conn (its timeout applies to each recv); None on EOF."""
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def bind(addr, port):
    """A TCP and a UDP socket on the same port of addr; port 0 picks one."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    for _ in range(50):
        tcp = socket.socket(family, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind((addr, port))
        chosen = tcp.getsockname()[1]
        udp = socket.socket(family, socket.SOCK_DGRAM)
        try:
            udp.bind((addr, chosen))
        except OSError:
            # The kernel's ephemeral TCP port is taken for UDP: try another.
            tcp.close()
            udp.close()
            if port:
                raise
            continue
        tcp.listen(16)
        return tcp, udp, chosen
    raise OSError("no port free for both TCP and UDP")


def main():
    ap = argparse.ArgumentParser(description="scripted DNS server for tests")
    ap.add_argument("--zone", required=True)
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--lifetime", type=float, default=300.0)
    a = ap.parse_args()

    try:
        ip = ipaddress.ip_address(a.addr)
    except ValueError:
        ap.error("--addr %s is not an IP address" % a.addr)
    if not ip.is_loopback:
        ap.error("--addr %s is not a loopback address (127.0.0.0/8, ::1)" % a.addr)
    if not 0 <= a.port <= 65535:
        ap.error("--port out of range")
    try:
        zone = Zone.load(a.zone)
    except (OSError, ZoneError) as e:
        print("dnssrv: %s" % e, file=sys.stderr)
        return 2

    server = Server(zone, open(a.log, "a", encoding="utf-8") if a.log else None)
    # SIGTERM (and ^C) end the server like the end of its lifetime. They
    # are blocked (in every thread, which inherit the mask) and taken by
    # sigtimedwait() below: a handler calling server.stop.set() could
    # arrive while this thread held the Event's lock, and hang there.
    stop_sigs = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_sigs)
    try:
        tcp, udp, port = bind(str(ip), a.port)
    except OSError as e:
        print("dnssrv: bind %s port %d: %s" % (ip, a.port, e), file=sys.stderr)
        return 2
    if a.port_file:
        tmp = "%s.tmp.%d" % (a.port_file, os.getpid())
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, a.port_file)
    elif a.port == 0:
        print(port, flush=True)

    threads = [threading.Thread(target=server.serve_udp, args=(udp,), daemon=True),
               threading.Thread(target=server.serve_tcp, args=(tcp,), daemon=True)]
    for t in threads:
        t.start()
    signal.sigtimedwait(stop_sigs, a.lifetime)
    server.stop.set()
    for t in threads:
        t.join(2 * POLL + 1)
    tcp.close()
    udp.close()
    if server.log:
        server.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
