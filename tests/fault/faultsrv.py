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
  TLS              start TLS now (server side)
  SLEEP: seconds   pause
  DRIP: secs text  send text+CRLF one byte every secs seconds
  CLOSE            close the connection at once
After the last directive the server keeps reading client lines until EOF or
10 s, recording them, then exits.
"""
import argparse
import re
import socket
import ssl
import sys
import time

IDLE = 10.0


class Conn:
    def __init__(self, sock, log):
        self.sock = sock
        self.buf = b""
        self.log = log

    def send(self, data):
        self.sock.sendall(data)

    def readline(self, timeout=IDLE):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLError, OSError):
                return None
            if not chunk:
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        self.log.write(text + "\n")
        self.log.flush()
        return text

    def read_data(self):
        end = time.monotonic() + 60
        while b"\r\n.\r\n" not in self.buf and not self.buf.startswith(b".\r\n"):
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLError, OSError):
                return None
            if not chunk:
                return None
            self.buf += chunk
        if self.buf.startswith(b".\r\n"):
            data, self.buf = b"", self.buf[3:]
        else:
            data, _, self.buf = self.buf.partition(b"\r\n.\r\n")
            data += b"\r\n"
        self.log.write("<data %d bytes>\n" % len(data))
        self.log.flush()
        return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--data-file")
    ap.add_argument("--accept-timeout", type=float, default=30.0)
    a = ap.parse_args()

    lines = open(a.scenario, encoding="utf-8").read().splitlines()
    implicit = any(l.strip() == "#! implicit" for l in lines)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.cert, a.key)

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.settimeout(a.accept_timeout)
    try:
        sock, _ = srv.accept()
    except socket.timeout:
        return 2
    srv.close()
    log = open(a.log, "w", encoding="utf-8")
    try:
        if implicit:
            sock.settimeout(IDLE)
            sock = ctx.wrap_socket(sock, server_side=True)
        c = Conn(sock, log)
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
            elif op == "DATA":
                data = c.read_data()
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
            elif op == "CLOSE":
                return 0
            else:
                log.write("!bad directive %s\n" % op)
                return 3
        while c.readline() is not None:
            pass
    except (OSError, ssl.SSLError) as e:
        log.write("!connection error: %s\n" % e)
    finally:
        log.close()
        try:
            sock.close()
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
