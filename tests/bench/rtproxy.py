#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rtproxy.py: a TCP proxy that counts the round trips a client waits for.

    rtproxy.py --target HOST:PORT --log FILE [--port N] [--port-file FILE]
               [--delay-ms D] [--ack mirror|quick|delayed] [--trace]
               [--stall-ms 20] [--idle-timeout 120] [--max-conns 64]

It listens on 127.0.0.1 only (port N, default 0 = chosen by the kernel),
prints the port on stdout once listening and, with --port-file, writes it
there too (atomically: the file appears complete or not at all). Every
accepted connection is forwarded to --target. SIGTERM or SIGINT stops it
at once: open connections are logged with end=stopped and closed, and it
exits 0. Standard library only; one thread, one selector, no busy loop
(every wait is a select() of at most 1 s, or a timer); at most
--max-conns connections at once (more wait in the listen backlog), at
most 1 MiB held per direction (reading pauses beyond), and a connection
without traffic for --idle-timeout s is dropped.

Counting, per connection, in the client's timeline: client data counts
when the proxy reads it (that is when the client sent it), server data
when the proxy hands it to the client (read time + D, see --delay-ms):
  * the TCP connect counts 1;
  * the data are grouped into flights: a flight is a maximal run of data
    in one direction with no data in the other direction in between;
  * each server->client flight handed to the client before the client has
    closed its sending side (FIN or reset) counts 1: the client was still
    talking to the server, so it waited for that flight. A client that
    sends QUIT and closes at once is not charged for the 221; one that
    waits for the 221 is. Everything the client socket holds is read at
    once, and the client's side is read before the server's in each
    select() round, so a FIN right behind the client's last data is seen
    before a server answer that came in meanwhile. One exception, with
    --delay-ms only: when the last thing before the client's FIN is a
    server flight handed over less than 2*D after the client's last data,
    it cannot be an answer to that data, so the client was closing, not
    waiting, and it is not charged (a TLS client's close_notify right
    behind the 221, crossed by the server's own close_notify before the
    client's FIN reached the proxy: seen as an extra round trip for
    sealpost on 465 and 587 about once in 30 sends while Postfix was busy).
  rt = 1 + (charged server flights). A server that speaks first (the SMTP
  greeting on a STARTTLS port) is a flight like any other, and so are TLS
  handshake flights and TLS 1.3 session tickets: the proxy sees bytes, not
  SMTP.
Limit: with no added delay, a client that pauses (CPU) between two writes
it makes without waiting can be charged for server bytes that slip in
between (TLS 1.3 tickets after the client's Finished); a few ms of
--delay-ms removes that (tests/lib/rtcount.sh uses 5).

--delay-ms D delays every chunk, in each direction, by D ms before it is
forwarded (order preserved, FIN included), so the path looks like a link
of 2*D ms RTT. The connect is made to cost one RTT as well: the upstream
connection is opened 3*D ms after accept (the client's connect() returns
at once, but its first data, or the server's greeting, reaches the other
side when it would have after a real handshake: a server-first exchange
sees the greeting 4*D after connect, a client-first one its first answer
4*D after connect, as on the real link). What cannot be delayed from user
space is TCP's own ACKs: the proxy's kernel acknowledges the client's
data at once or within its delayed-ACK time (~40 ms), not 2*D later. So a
client whose write is held back by Nagle until its previous segment is
ACKed (msmtp writes MAIL, then RCPT and DATA) gets it released by the
proxy's ACK instead of by the server's answer one RTT later: at D = 25
msmtp is counted 8 round trips on port 465 where the real link (and
D = 0..10) gives 9. Without --delay-ms nothing is held back and the proxy
adds only its own forwarding time.

--ack says when the proxy acknowledges the server's data, which matters
to a server that writes one answer in two pieces (Postfix: the TLS 1.3
session tickets, then the greeting or the EHLO reply): with Nagle on, the
second piece waits for the first's ACK. The proxy stands in for the
client's TCP stack towards the server, so by default (mirror) it ACKs the
server when the client has ACKed everything the proxy forwarded to it
(TCP_INFO tcpi_unacked polled every 0.5 ms for at most 250 ms, then
TCP_QUICKACK set and cleared to send the held ACK, D ms later with
--delay-ms), else its kernel delays the ACK as usual. Checked on loopback
without delay: sealpost (TCP_QUICKACK before each wait) and msmtp (kernel
default) take the same time through the proxy as directly, within noise;
'quick' (ACK every read at once) hid msmtp's server-side stalls (98 ms
instead of 190 per send), 'delayed' (the kernel alone) added one 40 ms
stall to sealpost (52 ms instead of 12).

Output: one line per connection appended to --log (flushed at once), when
the connection ends:
  conn=3 rt=9 end=closed dur_ms=123.4 c2s_bytes=1711 s2c_bytes=5012
  c2s_flights=8 s2c_flights=8 charged=8
(on one line). end= is closed (both sides finished), idle (no traffic for
--idle-timeout s), stopped (SIGTERM), connect-failed:ERRNO (the target
refused: rt is then 1) or abort:SIDE:ERRNO (a write failed: the peer reset).
With --trace two more fields follow:
  flights=c0.0-0.1/517,S1.0-1.2/2812,...   one item per flight: c = client
      data, S = server data charged as a round trip, s = server data not
      charged (handed over after the client closed); start-end in ms from
      accept (client timeline: when the first and last chunk were read
      from the client or handed to it), then the bytes.
  stalls=client@12.3+40.2,...   every silence of at least --stall-ms ms
      (20) beyond what the link takes: between two chunks of the same
      direction the sender was silent (Nagle waiting on a delayed ACK
      looks like this); from client data to the server's answer, the time
      beyond the link's round trip (2*D; the server was slow or held its
      answer back); from server data to the client's next data, the
      client's own delay. The first item is when the silence began (ms
      from accept), the second how long it lasted. '-' when none.

For a test: start it with --port 0 --port-file F --delay-ms 5, point the client at
127.0.0.1:$(cat F) (with the TLS server name overridden: the certificate
is the target's), run one submission, wait until the log has one line,
read rt=; then kill the PID it was started as with SIGTERM. The wrapper
tests/lib/rtcount.sh does exactly that (start | count | clear | stop).
"""
import argparse
import collections
import errno
import heapq
import itertools
import os
import selectors
import signal
import socket
import struct
import sys
import time

RECV_SIZE = 65536          # bytes per recv()
BUF_LIMIT = 1 << 20        # bytes held per direction before reading pauses
TICK = 1.0                 # s: longest single select() wait
ACK_POLL = 0.0005           # s: how often a client's ACK is looked for
ACK_POLL_MAX = 0.25        # s: then the proxy's own delayed ACK has gone
TCP_QUICKACK = getattr(socket, 'TCP_QUICKACK', 12)
TCP_INFO = getattr(socket, 'TCP_INFO', 11)
TCP_INFO_LEN = 104
TCP_INFO_UNACKED = 24      # struct tcp_info: 8 u8 fields, rto ato snd_mss rcv_mss, unacked
ORDER = {'wake': 0, 'client': 1, 'server': 2, 'listen': 3}


def now():
    return time.monotonic()


def set_quickack(sock, on):
    """TCP_QUICKACK: 1 sends a pending ACK now and ACKs at once for a while
    (Linux clears it again); 0 goes back to delaying ACKs."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, TCP_QUICKACK, on)
    except OSError:
        pass


def push_ack(sock):
    """Send the ACK the kernel is holding back, if any, and keep delaying."""
    set_quickack(sock, 1)
    set_quickack(sock, 0)


def unacked(sock):
    """Segments sent on sock that the peer has not acknowledged yet."""
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, TCP_INFO, TCP_INFO_LEN)
        return struct.unpack_from('I', info, TCP_INFO_UNACKED)[0]
    except (OSError, struct.error):
        return 0


def errname(e):
    return errno.errorcode.get(e.errno, str(e.errno)) if isinstance(e, OSError) and e.errno else type(e).__name__


class Dir:
    """One direction of one connection: what was read and not yet written."""

    def __init__(self, tag):
        self.tag = tag            # 'c' (client to server) or 's'
        self.pending = collections.deque()   # (due, bytes or None = EOF)
        self.out = bytearray()    # released, not yet written
        self.held = 0             # bytes in pending + out
        self.eof_read = False     # the source finished (FIN or error)
        self.eof_out = False      # that EOF is due: shut down after out
        self.shut = False         # shutdown(SHUT_WR) done on the destination
        self.bytes = 0
        self.flights = 0
        self.dead = False         # the destination is gone: drop, don't write


class Conn:
    def __init__(self, cid, csock, t0, trace):
        self.id = cid
        self.csock = csock
        self.ssock = None
        self.state = 'wait'       # wait -> connecting -> up -> done
        self.t0 = t0
        self.t_up = None
        self.active = t0          # last time anything was read or written
        self.c2s = Dir('c')
        self.s2c = Dir('s')
        self.rt = 1               # the TCP connect
        self.charged = 0
        self.last = None          # direction of the last chunk read
        self.last_c = None        # when the client's last chunk was read
        self.last_s = None        # when the last server flight was handed
                                  # over, if it was charged
        self.ackwatch = None      # when the client's ACK began to be awaited
        self.trace = trace
        self.flights = []         # [tag, start, end, bytes]
        self.chunks = []          # (t, tag) of every chunk read, for stalls


class Proxy:
    def __init__(self, args):
        self.args = args
        self.delay = args.delay_ms / 1000.0
        host, _, port = args.target.rpartition(':')
        self.target = (host.strip('[]') or '127.0.0.1', int(port))
        self.sel = selectors.DefaultSelector()
        self.interest = {}        # socket -> registered events
        self.timers = []          # heap of (due, seq, conn, what)
        self.seq = itertools.count()
        self.conns = {}
        self.ids = itertools.count(1)
        self.stopping = False
        self.log = open(args.log, 'a', encoding='ascii')
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(('127.0.0.1', args.port))
        self.listener.listen(64)
        self.listener.setblocking(False)
        self.wake_r, self.wake_w = socket.socketpair()
        for s in (self.wake_r, self.wake_w):
            s.setblocking(False)
        signal.set_wakeup_fd(self.wake_w.fileno(), warn_on_full_buffer=False)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.on_signal)
        self.sel.register(self.wake_r, selectors.EVENT_READ, ('wake', None))
        self.set_interest(self.listener, selectors.EVENT_READ, ('listen', None))

    def on_signal(self, signum, frame):
        self.stopping = True

    # -- selector bookkeeping -------------------------------------------------
    def set_interest(self, sock, events, data):
        cur = self.interest.get(sock, 0)
        if events == cur:
            return
        if cur == 0:
            self.sel.register(sock, events, data)
        elif events == 0:
            self.sel.unregister(sock)
        else:
            self.sel.modify(sock, events, data)
        if events:
            self.interest[sock] = events
        else:
            self.interest.pop(sock, None)

    def forget(self, sock):
        if sock is None:
            return
        self.set_interest(sock, 0, None)
        try:
            sock.close()
        except OSError:
            pass

    def update(self, c):
        if c.state == 'done':
            return
        ev = 0
        if not c.c2s.eof_read and c.c2s.held < BUF_LIMIT:
            ev |= selectors.EVENT_READ
        if c.s2c.out:
            ev |= selectors.EVENT_WRITE
        self.set_interest(c.csock, ev, ('client', c))
        if c.ssock is None:
            return
        ev = 0
        if c.state == 'connecting':
            ev = selectors.EVENT_WRITE
        elif c.state == 'up':
            if not c.s2c.eof_read and c.s2c.held < BUF_LIMIT:
                ev |= selectors.EVENT_READ
            if c.c2s.out:
                ev |= selectors.EVENT_WRITE
        self.set_interest(c.ssock, ev, ('server', c))

    def at(self, due, c, what):
        heapq.heappush(self.timers, (due, next(self.seq), c, what))

    # -- connection life ------------------------------------------------------
    def accept(self):
        while len(self.conns) < self.args.max_conns:
            try:
                sock, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            t = now()
            c = Conn(next(self.ids), sock, t, self.args.trace)
            self.conns[c.id] = c
            if self.delay > 0:
                self.at(t + 3 * self.delay, c, 'connect')
            else:
                self.connect(c, t)
            self.update(c)
        # At the limit, stop accepting: the kernel's backlog holds the rest.
        full = len(self.conns) >= self.args.max_conns
        self.set_interest(self.listener, 0 if full else selectors.EVENT_READ, ('listen', None))

    def connect(self, c, t):
        s = socket.socket(socket.AF_INET6 if ':' in self.target[0] else socket.AF_INET,
                          socket.SOCK_STREAM)
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.ssock = s
        c.state = 'connecting'
        rc = s.connect_ex(self.target)
        if rc not in (0, errno.EINPROGRESS):
            self.finish(c, 'connect-failed:' + errno.errorcode.get(rc, str(rc)))
            return
        self.update(c)

    def connected(self, c, t):
        rc = c.ssock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if rc == errno.EINPROGRESS:
            return
        if rc != 0:
            self.finish(c, 'connect-failed:' + errno.errorcode.get(rc, str(rc)))
            return
        c.state = 'up'
        c.t_up = t
        self.pump(c, t)

    def read(self, c, d, sock, t):
        """Read all that is there now, up to the buffer limit, and a FIN
        right behind it: a client's last data and its close are one event."""
        got = False
        while not d.eof_read and d.held < BUF_LIMIT:
            try:
                data = sock.recv(RECV_SIZE)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                data = b''        # a reset ends this direction like a FIN
            got = True
            if not data:
                d.eof_read = True
                if d is c.c2s:
                    self.closing(c)
                d.pending.append((t + self.delay, None))
                break
            if self.args.ack == 'quick' and sock is c.ssock:
                set_quickack(sock, 1)
            if d is c.c2s:
                self.account(c, d, len(data), t)
            d.pending.append((t + self.delay, data))
            d.held += len(data)
        if not got:
            return
        c.active = t
        if self.delay > 0:
            self.at(t + self.delay, c, 'pump')
        else:
            self.pump(c, t)
        self.update(c)

    def closing(self, c):
        """The client closed. A charged server flight that came last and
        was handed over less than one link round trip (2*D) after the
        client's last data cannot answer that data: the client had sent its
        last bytes (a TLS close_notify) and was closing, not waiting; the
        flight (the server's own close_notify) only slipped in before the
        client's FIN reached the proxy. Not charged. Without --delay-ms
        this never applies."""
        if (c.last == 's' and c.last_s is not None and c.last_c is not None and
                c.last_s - c.last_c < 2 * self.delay):
            c.rt -= 1
            c.charged -= 1
            c.last_s = None
            if c.trace and c.flights and c.flights[-1][0] == 'S':
                c.flights[-1][0] = 's'

    def account(self, c, d, n, t):
        d.bytes += n
        if d.tag == 'c':
            c.last_c = t
        if c.last != d.tag:
            d.flights += 1
            tag = d.tag
            if d.tag == 's':
                c.last_s = None
                if not c.c2s.eof_read:
                    c.rt += 1
                    c.charged += 1
                    c.last_s = t
                    tag = 'S'
            c.last = d.tag
            if c.trace:
                c.flights.append([tag, t, t, n])
        elif c.trace:
            c.flights[-1][2] = t
            c.flights[-1][3] += n
        if c.trace:
            c.chunks.append((t, d.tag))

    def pump(self, c, t):
        """Release what is due, write what can be written, shut down when done."""
        if c.state == 'done':
            return
        for d, dst in ((c.c2s, c.ssock), (c.s2c, c.csock)):
            if d is c.c2s and c.state != 'up':
                continue
            while d.pending and d.pending[0][0] <= t:
                _, data = d.pending.popleft()
                if data is None:
                    d.eof_out = True
                else:
                    if d is c.s2c:
                        self.account(c, d, len(data), t)
                    d.out += data
            if d.out and d.dead:
                d.held -= len(d.out)
                d.out.clear()
            if d.out:
                try:
                    n = dst.send(d.out)
                except (BlockingIOError, InterruptedError):
                    n = 0
                except OSError as e:
                    other = c.s2c if d is c.c2s else c.c2s
                    if not other.eof_read:
                        self.finish(c, 'abort:%s:%s' % ('server' if d is c.c2s else 'client', errname(e)))
                        return
                    # The destination had already closed its sending side
                    # and is gone now (a client that did not wait for the
                    # 221): what is left for it is dropped, not an error.
                    d.dead = True
                    n = len(d.out)
                if n:
                    del d.out[:n]
                    d.held -= n
                    c.active = t
                    if d is c.s2c and self.args.ack == 'mirror' and c.ackwatch is None:
                        c.ackwatch = t
                        self.at(t + ACK_POLL, c, 'ackpoll')
            if not d.out and d.eof_out and not d.shut:
                d.shut = True
                try:
                    if not d.dead:
                        dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
        if c.c2s.shut and c.s2c.shut:
            self.finish(c, 'closed')
            return
        self.update(c)

    def ackpoll(self, c, t):
        """--ack mirror: once the client has acknowledged all the server's
        data forwarded to it, release the proxy's ACK to the server (after
        the added delay, as the client's ACK would travel)."""
        if c.state != 'up':
            c.ackwatch = None
        elif unacked(c.csock) == 0:
            c.ackwatch = None
            if self.delay > 0:
                self.at(t + self.delay, c, 'ackpush')
            else:
                push_ack(c.ssock)
        elif t - c.ackwatch > ACK_POLL_MAX:
            c.ackwatch = None
        else:
            self.at(t + ACK_POLL, c, 'ackpoll')

    def finish(self, c, end):
        if c.state == 'done':
            return
        c.state = 'done'
        self.forget(c.csock)
        self.forget(c.ssock)
        del self.conns[c.id]
        fields = [
            'conn=%d' % c.id, 'rt=%d' % c.rt, 'end=%s' % end,
            'dur_ms=%.1f' % ((now() - c.t0) * 1000),
            'c2s_bytes=%d' % c.c2s.bytes, 's2c_bytes=%d' % c.s2c.bytes,
            'c2s_flights=%d' % c.c2s.flights, 's2c_flights=%d' % c.s2c.flights,
            'charged=%d' % c.charged,
        ]
        if c.trace:
            fields.append('flights=' + (','.join(
                '%s%.1f-%.1f/%d' % (tag, (a - c.t0) * 1000, (b - c.t0) * 1000, n)
                for tag, a, b, n in c.flights) or '-'))
            fields.append('stalls=' + (','.join(
                '%s@%.1f+%.1f' % (who, (a - c.t0) * 1000, gap * 1000)
                for who, a, gap in self.stalls(c)) or '-'))
        self.log.write(' '.join(fields) + '\n')
        self.log.flush()
        if not self.stopping:
            self.set_interest(self.listener, selectors.EVENT_READ, ('listen', None))

    def stalls(self, c):
        """Silences of at least --stall-ms, in the client's timeline, beyond
        what the link itself takes (see --trace above)."""
        out = []
        limit = self.args.stall_ms / 1000.0
        d = self.delay
        up = c.t_up if c.t_up is not None else c.t0
        prev_t, prev_tag = None, None
        for t, tag in c.chunks:
            if prev_t is None:
                # A client speaks at once; a greeting can reach it one
                # delay after the upstream connection is up.
                base = c.t0
                gap = t - (c.t0 if tag == 'c' else up + d)
            else:
                base = prev_t
                gap = t - prev_t
                if prev_tag == 'c' and tag == 's':
                    # The answer to what the client sent cannot be back
                    # before it reached the server and came back.
                    gap -= max(prev_t + d, up) + d - prev_t
            if gap >= limit:
                out.append(('client' if tag == 'c' else 'server', base, gap))
            prev_t, prev_tag = t, tag
        return out

    # -- main loop ------------------------------------------------------------
    def run(self):
        last_idle_check = now()
        while not self.stopping:
            t = now()
            timeout = TICK
            if self.timers:
                timeout = min(timeout, max(0.0, self.timers[0][0] - t))
            events = self.sel.select(timeout)
            t = now()
            # The client's side first (see "Counting" above), then servers.
            events.sort(key=lambda ev: ORDER[ev[0].data[0]])
            for key, mask in events:
                kind, c = key.data
                if kind == 'wake':
                    try:
                        while self.wake_r.recv(512):
                            pass
                    except (BlockingIOError, InterruptedError):
                        pass
                elif kind == 'listen':
                    if not self.stopping:
                        self.accept()
                elif c.state == 'done':
                    continue
                elif kind == 'client':
                    if mask & selectors.EVENT_READ:
                        self.read(c, c.c2s, c.csock, t)
                    if c.state != 'done' and mask & selectors.EVENT_WRITE:
                        self.pump(c, t)
                elif c.state == 'connecting':
                    self.connected(c, t)
                else:
                    if mask & selectors.EVENT_READ:
                        self.read(c, c.s2c, c.ssock, t)
                    if c.state != 'done' and mask & selectors.EVENT_WRITE:
                        self.pump(c, t)
            while self.timers and self.timers[0][0] <= now():
                _, _, c, what = heapq.heappop(self.timers)
                if c.state == 'done':
                    continue
                if what == 'connect':
                    if c.state == 'wait':
                        self.connect(c, now())
                elif what == 'ackpoll':
                    self.ackpoll(c, now())
                elif what == 'ackpush':
                    if c.state == 'up':
                        push_ack(c.ssock)
                else:
                    self.pump(c, now())
            if now() - last_idle_check >= TICK:
                last_idle_check = now()
                for c in list(self.conns.values()):
                    if now() - c.active > self.args.idle_timeout:
                        self.finish(c, 'idle')
        for c in list(self.conns.values()):
            self.finish(c, 'stopped')
        self.log.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--target', required=True, help='HOST:PORT to forward to')
    ap.add_argument('--log', required=True, help='append one line per connection here')
    ap.add_argument('--port', type=int, default=0, help='listen port on 127.0.0.1 (0: kernel-chosen)')
    ap.add_argument('--port-file', help='write the listening port here')
    ap.add_argument('--delay-ms', type=float, default=0.0, help='added delay per direction')
    ap.add_argument('--ack', choices=('mirror', 'quick', 'delayed'), default='mirror',
                    help='when the server\'s data is acknowledged (see above)')
    ap.add_argument('--trace', action='store_true', help='log flights and stalls')
    ap.add_argument('--stall-ms', type=float, default=20.0, help='smallest silence reported')
    ap.add_argument('--idle-timeout', type=float, default=120.0, help='s without traffic before a connection is dropped')
    ap.add_argument('--max-conns', type=int, default=64, help='connections at once (more wait in the backlog)')
    args = ap.parse_args()
    if args.delay_ms < 0 or args.delay_ms > 10000 or args.max_conns < 1 or args.idle_timeout <= 0:
        ap.error('out of range')
    p = Proxy(args)
    port = p.listener.getsockname()[1]
    if args.port_file:
        tmp = args.port_file + '.tmp'
        with open(tmp, 'w', encoding='ascii') as f:
            f.write('%d\n' % port)
        os.rename(tmp, args.port_file)
    print(port, flush=True)
    p.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
