#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""syslogd.py SOCKET OUT [--lifetime S]: a minimal syslog receiver for tests.

Binds a Unix datagram socket at SOCKET (as /dev/log is), writes each
datagram it receives to OUT as one line (flushed at once), and exits after
--lifetime seconds (default 60) or on SIGTERM. Writes OUT.ready once bound.
"""
import argparse
import os
import signal
import socket
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('socket')
    ap.add_argument('out')
    ap.add_argument('--lifetime', type=float, default=60.0)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGALRM, lambda *_: sys.exit(0))
    signal.setitimer(signal.ITIMER_REAL, a.lifetime)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(a.socket)
    os.chmod(a.socket, 0o666)
    with open(a.out, 'a', encoding='utf-8', errors='replace') as out:
        with open(a.out + '.ready', 'w'):
            pass
        while True:
            data = s.recv(65536)
            out.write(data.decode('utf-8', 'replace').rstrip('\n') + '\n')
            out.flush()


if __name__ == '__main__':
    main()
