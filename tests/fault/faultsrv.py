#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""faultsrv.py: a scripted SMTP server for sealpost's fault tests.

It plays one scenario file against one client connection and records every
line the client sent, so a test can assert exactly which commands reached
the server. It binds to 127.0.0.1 only, serves one connection, and stops by
itself: every wait has a deadline.

Scenario directives, one per line ('#' starts a comment, '#!' a header the
test runner reads):
  S: text          send "text\\r\\n"
  RAW: pytext      send bytes given as a Python string literal body (escapes)
  C: regex         read one client line; it must fully match (case-insensitive)
  DATA             read message data up to CRLF.CRLF (recorded as "<data N bytes>")
  BDAT             read one "BDAT n [LAST]" line, then exactly n octets (recorded
                   as "<bdat N bytes>")
  TLS              start TLS now (server side)
  SLEEP: seconds   pause
  DRIP: secs text  send text+CRLF one byte every secs seconds
  CLOSE            close the connection at once
  ACCEPT           wait for the client to close this connection (recording
                   what it sends, answering QUIT with 221), then take the
                   next connection (logged as "<new connection>") and go on
  HANGUP           end this connection from the server's side (as after a
                   421): no more replies, FIN sent; what the client still
                   sends is recorded until it closes; then take the next
                   connection as ACCEPT does
  SCRAM: MECH [iter=N] [badsig] [badnonce] [nocb] [early235]
                   play the server side of a SCRAM exchange (RFC 5802) for
                   the password "secret-password-1": read "AUTH MECH [ir]",
                   send server-first, check the client proof (and channel
                   binding for -PLUS: tls-unique, so run such scenarios
                   with "#! tls-max 1.2"), send server-final, then 235 or 535
Headers read here: "#! implicit" (TLS from the start), "#! tls-max 1.2",
"#! client-cert required" (ask for a client certificate, verify with --ca).
After the last directive the server keeps reading client lines until EOF or
10 s, recording them (and answering a QUIT with 221, as any server would),
then exits. SIGTERM (the runner's, once the client has exited) ends any
wait at once: what the client sent and the server has not read yet is
read and recorded, without waiting, before it exits. With --secrets FILE it writes there every
credential the client sent (the AUTH initial response, each answer to a 334
inside AUTH) and the secrets decoded from them, for the runner's leak check.
"""
import argparse
import base64
import hashlib
import hmac
import os
import re
import socket
import signal
import ssl
import sys
import time

IDLE = 10.0


class Stop(Exception):
    """SIGTERM: the client is gone; record what it left and exit."""


def on_term(signum, frame):
    raise Stop()


class Conn:
    def __init__(self, sock, log, secrets):
        self.sock = sock
        self.buf = b""
        self.log = log
        self.secrets = secrets
        self.answering_334 = False
        self.in_auth = False

    def send(self, data):
        # Inside an AUTH exchange, the client's line after a 334 answers
        # the challenge: a credential. Any other reply ends the exchange.
        if data.startswith(b"334"):
            self.answering_334 = self.in_auth
        elif data[:1].isdigit():
            self.in_auth = False
        self.sock.sendall(data)

    def hangup(self):
        """FIN without close_notify: the server is gone, as after a 421."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def note_secret(self, text):
        """Record text (an AUTH initial response or an answer to a 334) and
        the secrets inside it, one a line, for the runner's leak check."""
        found = [text]
        try:
            raw = base64.b64decode(text, validate=True)
        except ValueError:
            raw = b""
        dec = raw.decode("utf-8", "replace")
        found.append(dec)
        if "\0" in dec:                            # PLAIN: authzid NUL authcid NUL password
            found.append(dec.rsplit("\0", 1)[1])
        m = re.search(r"auth=Bearer ([^\x01]+)", dec)   # XOAUTH2, OAUTHBEARER
        if m:
            found.append(m.group(1))
        m = re.search(r",p=([^,]+)$", dec)           # SCRAM client proof
        if m:
            found.append(m.group(1))
            try:
                found.append(base64.b64decode(m.group(1)).hex())
            except ValueError:
                pass
        # A long line may be shown cut short: look for its pieces too.
        found += [f[i:i + 32] for f in list(found) if len(f) > 64
                  for i in range(0, len(f) - 31, 32)]
        for f in found:
            # Short strings ("=", "AQ==", a user name) are no secret and
            # would match by chance.
            if len(f) >= 8 and f != "alice" and "\n" not in f and "\0" not in f:
                self.secrets.write(f + "\n")
        self.secrets.flush()

    def fill_until(self, done, timeout):
        """Receive until done(buffer) holds; False on timeout, error or EOF."""
        end = time.monotonic() + timeout
        while not done(self.buf):
            left = end - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLError, OSError):
                return False
            if not chunk:
                return False
            self.buf += chunk
        return True

    def readline(self, timeout=IDLE):
        if not self.fill_until(lambda b: b"\n" in b, timeout):
            return None
        line, _, self.buf = self.buf.partition(b"\n")
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        self.log.write(text + "\n")
        self.log.flush()
        m = re.fullmatch(r"AUTH +\S+ +(\S+)", text, re.I)
        if re.match(r"AUTH ", text, re.I):
            self.in_auth = True
        if self.answering_334 or m:
            self.note_secret(m.group(1) if m else text)
        self.answering_334 = False
        return text

    def read_data(self):
        if not self.fill_until(lambda b: b"\r\n.\r\n" in b or b.startswith(b".\r\n"), 60):
            return None
        if self.buf.startswith(b".\r\n"):
            data, self.buf = b"", self.buf[3:]
        else:
            data, _, self.buf = self.buf.partition(b"\r\n.\r\n")
            data += b"\r\n"
        self.log.write("<data %d bytes>\n" % len(data))
        self.log.flush()
        return data

    def read_chunk(self):
        """BDAT n [LAST] (RFC 3030): the command line, then n octets."""
        line = self.readline()
        m = re.fullmatch(r"BDAT +(\d+)( +LAST)?", line or "", re.I)
        if not m:
            self.log.write("!unexpected (wanted BDAT)\n")
            return None
        n = int(m.group(1))
        if not self.fill_until(lambda b: len(b) >= n, 60):
            return None
        data, self.buf = self.buf[:n], self.buf[n:]
        self.log.write("<bdat %d bytes>\n" % n)
        self.log.flush()
        return data


PASSWORD = b"secret-password-1"


def b64(b):
    return base64.b64encode(b).decode()


def scram(c, arg, log):
    words = arg.split()
    mech = words[0].upper()
    opts = set(words[1:])
    iters = 4096
    for w in words[1:]:
        if w.startswith("iter="):
            iters = int(w[5:])
    hname = "sha256" if "SHA-256" in mech else "sha1"
    line = c.readline()
    if line is None or not line.upper().startswith("AUTH " + mech):
        log.write("!unexpected (wanted AUTH %s)\n" % mech)
        return False
    parts = line.split(" ", 2)
    if len(parts) < 3:
        c.send(b"334 \r\n")
        first_b64 = c.readline() or ""
    else:
        first_b64 = parts[2]
    first = base64.b64decode(first_b64).decode()
    gs2_end = first.index(",", first.index(",") + 1) + 1
    gs2, bare = first[:gs2_end], first[gs2_end:]
    attrs = dict(a.split("=", 1) for a in bare.split(","))
    cnonce = attrs["r"]
    # badnonce: a server nonce that does not extend the client's (RFC 5802 5.1).
    snonce = ("Z" if "badnonce" in opts else cnonce) + b64(os.urandom(12))
    salt = os.urandom(16)
    server_first = "r=%s,s=%s,i=%d" % (snonce, b64(salt), iters)
    c.send(("334 " + b64(server_first.encode()) + "\r\n").encode())
    final_b64 = c.readline()
    if final_b64 is None or final_b64 == "*":
        c.send(b"501 5.7.0 cancelled\r\n")
        return True
    final = base64.b64decode(final_b64).decode()
    without_proof, _, proof_b64 = final.rpartition(",p=")
    fattrs = dict(a.split("=", 1) for a in without_proof.split(","))
    cb = b""
    if gs2.startswith("p="):
        cb = c.sock.get_channel_binding("tls-unique") or b""
    if base64.b64decode(fattrs["c"]) != gs2.encode() + cb:
        log.write("!channel binding mismatch\n")
        c.send(b"535 5.7.8 channel binding mismatch\r\n")
        return True
    if "nocb" in opts and gs2.startswith("p="):
        log.write("!client used channel binding\n")
    salted = hashlib.pbkdf2_hmac(hname, PASSWORD, salt, iters)
    ckey = hmac.new(salted, b"Client Key", hname).digest()
    stored = hashlib.new(hname, ckey).digest()
    auth_msg = (bare + "," + server_first + "," + without_proof).encode()
    csig = hmac.new(stored, auth_msg, hname).digest()
    want = bytes(a ^ b for a, b in zip(ckey, csig))
    if base64.b64decode(proof_b64) != want:
        c.send(b"535 5.7.8 bad proof\r\n")
        return True
    if "early235" in opts:
        c.send(b"235 2.7.0 ok\r\n")
        return True
    skey = hmac.new(salted, b"Server Key", hname).digest()
    ssig = hmac.new(skey, auth_msg, hname).digest()
    if "badsig" in opts:
        ssig = bytes(len(ssig))
    c.send(("334 " + b64(("v=" + b64(ssig)).encode()) + "\r\n").encode())
    resp = c.readline()
    if resp == "":
        c.send(b"235 2.7.0 ok\r\n")
    else:
        c.send(b"501 5.7.0 cancelled\r\n")
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--data-file")
    ap.add_argument("--accept-timeout", type=float, default=30.0)
    ap.add_argument("--ca")
    ap.add_argument("--secrets", default=os.devnull,
                    help="write every credential the client sent here, one a line")
    a = ap.parse_args()

    lines = open(a.scenario, encoding="utf-8").read().splitlines()
    implicit = any(l.strip() == "#! implicit" for l in lines)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.cert, a.key)
    if any(l.strip() == "#! tls-max 1.2" for l in lines):
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if any(l.strip() == "#! client-cert required" for l in lines):
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(a.ca)

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.settimeout(a.accept_timeout)
    signal.signal(signal.SIGTERM, on_term)
    try:
        sock, _ = srv.accept()
    except (socket.timeout, Stop):
        return 2
    log = open(a.log, "w", encoding="utf-8")
    secrets = open(a.secrets, "w", encoding="utf-8")
    try:
        if implicit:
            sock.settimeout(IDLE)
            sock = ctx.wrap_socket(sock, server_side=True)
        c = Conn(sock, log, secrets)
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            op, _, arg = line.partition(":") if ":" in line.split()[0] else (line, "", "")
            op = op.strip()
            arg = arg[1:] if arg.startswith(" ") else arg
            if op == "S":
                c.send(arg.encode() + b"\r\n")
            elif op == "RAW":
                c.send(eval('"' + arg + '"').encode("latin-1"))
            elif op == "C":
                got = c.readline()
                if got is None or not re.fullmatch(arg, got, re.I):
                    log.write("!unexpected (wanted %s)\n" % arg)
                    return 0
            elif op in ("DATA", "BDAT"):
                data = c.read_data() if op == "DATA" else c.read_chunk()
                if data is None:
                    return 0
                if a.data_file:
                    with open(a.data_file, "wb") as f:
                        f.write(data)
            elif op == "TLS":
                sock.settimeout(IDLE)
                # Anything the client pipelined after STARTTLS would be
                # lost here; record it as a violation.
                if c.buf:
                    log.write("!client sent data after STARTTLS\n")
                sock = ctx.wrap_socket(sock, server_side=True)
                c.sock = sock
                c.buf = b""
            elif op == "SLEEP":
                time.sleep(float(arg))
            elif op == "DRIP":
                secs, _, text = arg.partition(" ")
                for ch in (text + "\r\n").encode():
                    c.send(bytes([ch]))
                    time.sleep(float(secs))
            elif op == "SCRAM":
                if not scram(c, arg, log):
                    return 0
            elif op == "CLOSE":
                return 0
            elif op in ("ACCEPT", "HANGUP"):
                if op == "HANGUP":
                    c.hangup()
                while (got := c.readline()) is not None:
                    if op == "ACCEPT" and got.upper() == "QUIT":
                        c.send(b"221 2.0.0 bye\r\n")
                        break
                sock.close()
                sock, _ = srv.accept()
                log.write("<new connection>\n")
                log.flush()
                if implicit:
                    sock.settimeout(IDLE)
                    sock = ctx.wrap_socket(sock, server_side=True)
                c = Conn(sock, log, secrets)
            else:
                log.write("!bad directive %s\n" % op)
                return 3
        while (got := c.readline()) is not None:
            if got.upper() == "QUIT":
                c.send(b"221 2.0.0 bye\r\n")
                break
    except Stop:
        # Whatever the client left unread: lines already here, no waiting.
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            while c.readline(0.2) is not None:
                pass
        except (OSError, ssl.SSLError, NameError):
            pass
    except (OSError, ssl.SSLError) as e:
        log.write("!connection error: %s\n" % e)
    finally:
        log.close()
        secrets.close()
        try:
            sock.close()
            srv.close()
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
