#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""stssrv.py: a scripted HTTPS server for sealpost's MTA-STS tests.

It serves /.well-known/mta-sts.txt over TLS (certificate and key given) on
one port of 127.0.0.1, and answers each request as the files in --dir say
at that moment, so a test can change the answer between runs:

  DIR/mode     one word:
      ok        200, Content-Type: text/plain, Content-Length
      chunked   200, text/plain, Transfer-Encoding: chunked (two chunks)
      close     200, text/plain, no length: the body ends when we close
      redirect  301 to https://elsewhere.invalid/ (must not be followed)
      html      200 with Content-Type: text/html
      notfound  404
      big       200, text/plain, a body of 70000 octets
      stall     the header, then nothing until the client gives up
  DIR/policy   the body for ok, chunked and close

Every request is appended to DIR/requests (the request line and Host).
It binds 127.0.0.1 only, writes its port to --port-file (through a rename),
serves until --lifetime seconds have passed or SIGTERM, and every socket
wait has a deadline.
"""
import argparse
import os
import signal
import socket
import ssl
import sys
import threading
import time


def read(path, default=b""):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return default


def respond(conn, d):
    mode = (read(os.path.join(d, "mode")).split() or [b"ok"])[0].decode()
    body = read(os.path.join(d, "policy"))
    if mode == "ok":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n" % len(body) + body)
    elif mode == "chunked":
        half = len(body) // 2
        out = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
        for part in (body[:half], body[half:]):
            if part:
                out += b"%x\r\n" % len(part) + part + b"\r\n"
        conn.sendall(out + b"0\r\n\r\n")
    elif mode == "close":
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body)
    elif mode == "redirect":
        conn.sendall(b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://elsewhere.invalid/"
                     b"\r\nContent-Length: 0\r\n\r\n")
    elif mode == "html":
        page = b"<html>policy</html>"
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"
                     % len(page) + page)
    elif mode == "notfound":
        conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: 0\r\n\r\n")
    elif mode == "big":
        big = b"version: STSv1\n" + b"x" * 70000
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
                     % len(big) + big)
    elif mode == "stall":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n")
        deadline = time.monotonic() + 60
        conn.settimeout(1)
        while time.monotonic() < deadline:
            try:
                if not conn.recv(1):
                    return
            except socket.timeout:
                continue
            except OSError:
                return


def handle(raw, ctx, d):
    raw.settimeout(10)
    try:
        conn = ctx.wrap_socket(raw, server_side=True)
    except (OSError, ssl.SSLError):
        raw.close()
        return
    try:
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 16384:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        lines = data.split(b"\r\n")
        host = [l for l in lines if l.lower().startswith(b"host:")]
        with open(os.path.join(d, "requests"), "ab") as f:
            f.write(lines[0] + b" " + (host[0] if host else b"no-host") + b"\n")
        respond(conn, d)
    except (OSError, ssl.SSLError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--lifetime", type=float, default=300)
    a = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    s.settimeout(0.5)
    tmp = a.port_file + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(tmp, a.port_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    end = time.monotonic() + a.lifetime
    while not stop.is_set() and time.monotonic() < end:
        try:
            raw, _ = s.accept()
        except socket.timeout:
            continue
        except OSError:
            break
        threading.Thread(target=handle, args=(raw, ctx, a.dir), daemon=True).start()
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
