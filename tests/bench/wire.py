#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""wire.py: the wire half of `make bench` (tests/bench/run.sh calls it).

  wire.py wire --bin SEALPOST --work DIR --stdin MSG [--n 40] [--runs 5]
               [--delay-ms 25] [--flush 100] [--count-delay-ms 5]
      with the harness's MTA_* variables in the environment: sealpost and
      msmtp through tests/bench/rtproxy.py, for the implicit-TLS port
      (465-style) and the STARTTLS one (587-style), one 1 KiB message, one
      recipient, AUTH PLAIN; prints the round trips (three sends each at
      --count-delay-ms, 5: shown as a range if they disagree), the stalls
      seen there (>= 20 ms beyond the link), the median wall time at
      --delay-ms per direction, and a queue run of --flush messages
      (sealpost only; msmtp has no queue) directly and at --delay-ms.
      Then, directly to the STARTTLS port with AUTH PLAIN, --n sequential
      sends, one process each, three rounds: processes per second (best
      round), user+sys CPU per message (all rounds; wait4() of each child,
      whatever it runs itself included) and peak RSS (one more send under
      /usr/bin/time: a child of python inherits python's high-water mark
      across exec, so wait4's ru_maxrss would report python's size).
      Counts are counts; times are only ever shown as ratios or rates.

Every child runs with a deadline (pidfd, poll, SIGKILL on expiry); every
proxy it starts is stopped by its own PID.
"""
import argparse
import os
import select
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROXY = os.path.join(HERE, 'rtproxy.py')
CHILD_TIMEOUT = 120.0      # s: any one client process
LOG_WAIT = 10.0            # s: for a connection's line after the client exits


class Failed(Exception):
    pass


def run_one(argv, stdin_path, env=None, timeout=CHILD_TIMEOUT, errfile=None):
    """Run argv with stdin from stdin_path; return (wall s, cpu s, maxrss KiB).
    A non-zero exit raises Failed with the end of its stderr."""
    err = open(errfile or os.devnull, 'wb')
    with open(stdin_path, 'rb') as f:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=f, stdout=subprocess.DEVNULL, stderr=err, env=env)
    pfd = os.pidfd_open(p.pid)
    try:
        ready, _, _ = select.select([pfd], [], [], timeout)
        if not ready:
            signal.pidfd_send_signal(pfd, signal.SIGKILL)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
    finally:
        os.close(pfd)
        err.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    if not ready or p.returncode != 0:
        tail = ''
        if errfile:
            with open(errfile, 'rb') as e:
                tail = e.read()[-400:].decode('utf-8', 'replace')
        raise Failed('%s: %s %s' % (os.path.basename(argv[0]),
                     'timed out' if not ready else 'exit %d' % p.returncode, tail.strip()))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def cpu_loop(cl, client, port, n):
    """(seconds of the best of 3 rounds of n sends, CPU s per send, RSS KiB)."""
    argv = cl.argv(client, 'starttls', port)
    err = os.path.join(cl.a.work, 'wire.stderr')
    best, cpu = None, 0.0
    for _ in range(3):
        t0 = time.monotonic()
        for _ in range(n):
            cpu += run_one(argv, cl.a.stdin, env=cl.state, errfile=err)[1]
        t = time.monotonic() - t0
        best = t if best is None else min(best, t)
    rssfile = os.path.join(cl.a.work, 'wire.rss')
    run_one(['/usr/bin/time', '-f', '%M', '-o', rssfile] + argv, cl.a.stdin, env=cl.state, errfile=err)
    with open(rssfile) as f:
        rss = int(f.read().split()[-1])
    return best, cpu / (3 * n), rss


class Proxy:
    """One rtproxy.py to target, logging to its own file."""

    def __init__(self, work, name, target_port, delay_ms):
        self.log = os.path.join(work, name + '.log')
        portfile = os.path.join(work, name + '.port')
        open(self.log, 'w').close()
        self.err = open(os.path.join(work, name + '.err'), 'wb')
        self.p = subprocess.Popen(
            [sys.executable, PROXY, '--target', '127.0.0.1:%d' % target_port, '--log', self.log,
             '--port-file', portfile, '--delay-ms', str(delay_ms), '--trace'],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.monotonic() + 10
        while not os.path.exists(portfile):
            if self.p.poll() is not None or time.monotonic() > deadline:
                raise Failed('rtproxy.py did not start (%s.err)' % name)
            time.sleep(0.02)
        with open(portfile) as f:
            self.port = int(f.read())
        self.seen = 0

    def lines(self):
        with open(self.log) as f:
            return f.read().splitlines()

    def next_conns(self, expect=1):
        """The lines of the connections made since the last call."""
        deadline = time.monotonic() + LOG_WAIT
        while True:
            lines = self.lines()
            if len(lines) >= self.seen + expect or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        new = [parse(x) for x in lines[self.seen:]]
        self.seen = len(lines)
        if len(new) < expect:
            raise Failed('rtproxy: %d of %d connections logged' % (len(new), expect))
        return new

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(5)
        self.err.close()


def parse(line):
    d = {}
    for field in line.split():
        k, _, v = field.partition('=')
        d[k] = v
    return d


def stalls(conn):
    """(count, total ms) of the stalls in one connection's line."""
    s = conn.get('stalls', '-')
    if s == '-':
        return 0, 0.0
    items = s.split(',')
    return len(items), sum(float(x.rpartition('+')[2]) for x in items)


class Clients:
    """Configuration files for sealpost and msmtp to one port."""

    def __init__(self, a, env):
        self.a, self.env = a, env
        self.pass_file = os.path.join(a.work, 'wire.pass')
        with open(self.pass_file, 'w') as f:
            f.write(env['MTA_PASS'] + '\n')
        os.chmod(self.pass_file, 0o600)
        self.state = dict(os.environ, XDG_STATE_HOME=os.path.join(a.work, 'wire-state'))

    def sealpost_conf(self, name, tls, port, extra_global=''):
        path = os.path.join(self.a.work, name + '.conf')
        e = self.env
        text = (
            '[global]\nhostname = bench.example.test\n' + (extra_global or 'log = none\nqueue = no\n') +
            '[account default]\nhost = 127.0.0.1\nport = %d\ntls = %s\ntls_server_name = localhost\n'
            'tls_ca_file = %s\nuser = %s\npassword_file = %s\nauth_mechanisms = PLAIN\nfrom = %s\n'
            % (port, tls, e['MTA_CA'], e['MTA_USER'], self.pass_file, e['MTA_USER']))
        with open(path, 'w') as f:
            f.write(text)
        os.chmod(path, 0o600)
        return path

    def msmtp_conf(self, name, tls, port):
        path = os.path.join(self.a.work, name + '.msmtprc')
        e = self.env
        pw = e['MTA_PASS'].replace('\\', '\\\\').replace('"', '\\"')
        text = (
            'account default\nhost 127.0.0.1\nport %d\ntls on\ntls_starttls %s\n'
            'tls_host_override localhost\ntls_trust_file %s\nauth plain\nuser %s\npassword "%s"\nfrom %s\n'
            % (port, 'on' if tls == 'starttls' else 'off', e['MTA_CA'], e['MTA_USER'], pw, e['MTA_USER']))
        with open(path, 'w') as f:
            f.write(text)
        os.chmod(path, 0o600)
        return path

    def argv(self, client, tls, port):
        rcpt = 'bob@' + self.env['MTA_DOMAIN']
        name = '%s-%s-%d' % (client, tls, port)
        if client == 'sealpost':
            return [self.a.bin, '-C', self.sealpost_conf(name, tls, port), rcpt]
        return ['msmtp', '-C', self.msmtp_conf(name, tls, port), rcpt]


def send(cl, client, tls, proxy):
    err = os.path.join(cl.a.work, 'wire.stderr')
    wall, _, _ = run_one(cl.argv(client, tls, proxy.port), cl.a.stdin, env=cl.state, errfile=err)
    conn, = proxy.next_conns(1)
    if conn['end'] != 'closed':
        raise Failed('%s over %s: the proxy logged end=%s' % (client, tls, conn['end']))
    return wall, conn


def fmt_rts(rts):
    lo, hi = min(rts), max(rts)
    return str(lo) if lo == hi else '%d-%d' % (lo, hi)


def cmd_wire(a):
    env = os.environ
    cl = Clients(a, env)
    ports = {'implicit': int(env['MTA_SMTPS_PORT']), 'starttls': int(env['MTA_SUBMISSION_PORT'])}
    label = {'implicit': '465', 'starttls': '587'}
    clients = ('sealpost', 'msmtp')
    proxies = []
    try:
        res = {}
        for tls in ('implicit', 'starttls'):
            p0 = Proxy(a.work, 'rt0-' + tls, ports[tls], a.count_delay_ms)
            pd = Proxy(a.work, 'rtd-' + tls, ports[tls], a.delay_ms)
            proxies += [p0, pd]
            for client in clients:
                zero = [send(cl, client, tls, p0)[1] for _ in range(3)]
                delayed = [send(cl, client, tls, pd) for _ in range(a.runs)]
                res[tls, client] = (zero, delayed)
        flush = queue_flush(a, cl, ports['starttls'], proxies)
        loop = {c: cpu_loop(cl, c, ports['starttls'], a.n) for c in clients}
    finally:
        for p in proxies:
            p.stop()

    rtt = 2 * a.delay_ms
    print('Wire: 1 KiB, 1 recipient, AUTH PLAIN, through tests/bench/rtproxy.py (counts are exact;')
    print('times only as ratios and rates)')
    row = []
    for tls in ('implicit', 'starttls'):
        row.append('%s: %s' % (label[tls], ' '.join(
            '%s %s' % (c, fmt_rts([int(x['rt']) for x in res[tls, c][0]])) for c in clients)))
    print('round trips incl. TCP connect   ' + ' | '.join(row))
    print('  (three sends each through a %g ms link; see tests/lib/rtcount.sh for why not 0)' % a.count_delay_ms)
    row = []
    for tls in ('implicit', 'starttls'):
        parts = []
        for c in clients:
            st = [stalls(x) for x in res[tls, c][0]]
            parts.append('%s %g (%.0f ms)' % (c, statistics.median(n for n, _ in st),
                                               statistics.median(ms for _, ms in st)))
        row.append('%s: %s' % (label[tls], ' '.join(parts)))
    print('stalls >= 20 ms per send        ' + ' | '.join(row))
    print()
    print('%-32s %12s %12s %15s' % ('at %g ms each way (%g ms RTT)' % (a.delay_ms, rtt),
                                     'sealpost', 'msmtp', 'msmtp/sealpost'))
    med = {}
    for tls in ('implicit', 'starttls'):
        for c in clients:
            med[tls, c] = statistics.median(w for w, _ in res[tls, c][1])
        print('%-32s %10.0fms %10.0fms %14.2fx' % (
            '%s, median of %d' % (label[tls], a.runs), med[tls, 'sealpost'] * 1000,
            med[tls, 'msmtp'] * 1000, med[tls, 'msmtp'] / med[tls, 'sealpost']))
        print('%-32s %12s %12s' % ('  round trips at this delay', *(
            fmt_rts([int(x['rt']) for _, x in res[tls, c][1]]) for c in clients)))
        print('%-32s %11.1fx %11.1fx' % ('  time / (round trips x RTT)', *(
            med[tls, c] * 1000 / (statistics.median(int(x['rt']) for _, x in res[tls, c][1]) * rtt)
            for c in clients)))
    differ = [c for c in clients for tls in ('implicit', 'starttls')
              if sorted({x['rt'] for x in res[tls, c][0]}) != sorted({x['rt'] for _, x in res[tls, c][1]})]
    if differ:
        print('  (%s: a different count at this delay; the proxy cannot delay TCP ACKs, so a write'
              % ', '.join(sorted(set(differ))))
        print('   held back by Nagle is released by its ACK, not the server\'s answer: rtproxy.py)')
    print()
    n = a.flush
    one = med['starttls', 'sealpost']
    one_m = med['starttls', 'msmtp']
    print('Queue run (sealpost --flush), %d queued 1 KiB messages, 587, one connection:' % n)
    print('  direct: %.0f msg/s; at %g ms each way: %.1f msg/s (%d round trips for %d messages, %d connection%s)'
          % (n / flush['direct'], a.delay_ms, n / flush['delayed'], flush['rt'], n,
             flush['conns'], '' if flush['conns'] == 1 else 's'))
    print('  one by one at %g ms (%d x the median above, extrapolated): sealpost %.1f msg/s, msmtp %.1f msg/s'
          % (a.delay_ms, n, 1 / one, 1 / one_m))
    print('  queue run vs one by one at %g ms: %.1fx sealpost, %.1fx msmtp'
          % (a.delay_ms, n * one / flush['delayed'], n * one_m / flush['delayed']))
    print()
    (st, sc, sr), (mt, mc, mr) = loop['sealpost'], loop['msmtp']
    print('%-32s %12s %12s %15s' % ('%d x 1 KiB, 587, AUTH PLAIN' % a.n, 'sealpost', 'msmtp', 'msmtp/sealpost'))
    print('%-32s %10.1f/s %10.1f/s %14.2fx' % ('  processes per second', a.n / st, a.n / mt, mt / st))
    print('%-32s %10.2fms %10.2fms %14.2fx' % ('  CPU per message (user+sys)', sc * 1000, mc * 1000, mc / sc))
    print('%-32s %9.1fMiB %9.1fMiB %14.2fx' % ('  peak RSS', sr / 1024, mr / 1024, mr / sr))


def count_sent(log):
    try:
        with open(log) as f:
            return sum('status=sent' in x for x in f)
    except FileNotFoundError:
        return 0


def queue_flush(a, cl, port, proxies):
    """Queue a.flush messages with the server unreachable (port 1: refused,
    so each is deferred and queued), then time one --flush: directly, then
    through a delayed proxy."""
    out = {}
    qdir = os.path.join(a.work, 'wire-queue')
    log = os.path.join(a.work, 'wire-flush.log')
    glob = 'log = %s\nqueue = yes\nqueue_dir = %s\nretry_min = 5m\n' % (log, qdir)
    down = cl.sealpost_conf('flush-down', 'starttls', 1, glob)
    rcpt = 'bob@' + cl.env['MTA_DOMAIN']
    err = os.path.join(a.work, 'wire.stderr')
    pd = Proxy(a.work, 'rtd-flush', port, a.delay_ms)
    proxies.append(pd)
    for how, target in (('direct', port), ('delayed', pd.port)):
        up = cl.sealpost_conf('flush-up-' + how, 'starttls', target, glob)
        for _ in range(a.flush):
            run_one([a.bin, '-C', down, rcpt], a.stdin, env=cl.state, errfile=err)
        open(log, 'w').close()
        wall, _, _ = run_one([a.bin, '-C', up, '--flush'], os.devnull, env=cl.state, errfile=err)
        sent = count_sent(log)
        if sent != a.flush:
            raise Failed('queue run %s: %d of %d sent (see %s)' % (how, sent, a.flush, log))
        out[how] = wall
    conns = pd.next_conns(1)
    time.sleep(0.2)
    conns += pd.next_conns(0)
    out['rt'] = sum(int(c['rt']) for c in conns)
    out['conns'] = len(conns)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='what', required=True)
    w = sub.add_parser('wire')
    w.add_argument('--bin', required=True)
    w.add_argument('--work', required=True)
    w.add_argument('--stdin', required=True)
    w.add_argument('--n', type=int, default=40)
    w.add_argument('--runs', type=int, default=5)
    w.add_argument('--delay-ms', type=float, default=25.0)
    w.add_argument('--flush', type=int, default=100)
    w.add_argument('--count-delay-ms', type=float, default=5.0)
    a = ap.parse_args()
    try:
        cmd_wire(a)
    except Failed as e:
        print('wire.py: %s' % e, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
