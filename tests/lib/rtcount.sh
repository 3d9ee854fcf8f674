#!/bin/sh
# SPDX-License-Identifier: MIT
# rtcount.sh: count the round trips of a submission with tests/bench/rtproxy.py.
#
#   rtcount.sh start DIR HOST:PORT [OPTION...]  start a proxy to HOST:PORT on
#       127.0.0.1 and a kernel-chosen port, print that port; DIR (created)
#       holds port, pid, log and err. OPTIONs go to rtproxy.py (--trace,
#       --delay-ms D ...); without --delay-ms it is 5 (see below). Point the
#       client at 127.0.0.1:PORT with the TLS name overridden (sealpost:
#       host = 127.0.0.1, tls_server_name = localhost).
#   rtcount.sh count DIR [N]   wait until DIR/log has N lines (default 1; at
#       most RTCOUNT_WAIT seconds, default 10), print the rt= of every line,
#       one per line, oldest first; exit 1 if the lines did not come.
#   rtcount.sh clear DIR       forget the connections logged so far.
#   rtcount.sh stop DIR        SIGTERM the proxy started in DIR (only that
#       PID, checked against its command line), wait for it (5 s at most).
#
# A connection's line is written once both sides have closed it, so after
# the client has exited `count` may wait a moment for the server's close.
# Why 5 ms each way by default: with no delay at all, a client that pauses
# for CPU (say 0.5 ms after its TLS Finished) between two writes it makes
# without waiting lets the server's unrelated bytes (TLS 1.3 session
# tickets) slip in between and is charged a round trip it did not wait for
# (seen: sealpost 587 counted 8 or 9). 2..10 ms gave the same counts in
# every run (10 of 10, both clients, both ports); much more (25 ms) lets
# the proxy's own delayed ACK release a client's Nagle-held write before
# the server's answer comes back, which hides a round trip that client
# pays on a real link (msmtp 9 -> 8). See rtproxy.py's header.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
proxy=$here/../bench/rtproxy.py

usage() { echo "usage: rtcount.sh start DIR HOST:PORT [OPTION...] | count DIR [N] | clear DIR | stop DIR" >&2; exit 64; }
[ $# -ge 2 ] || usage
cmd=$1 dir=$2
shift 2

# ours PID: the PID runs rtproxy.py with this DIR's log.
ours() {
	[ -r "/proc/$1/cmdline" ] && tr '\0' '\n' < "/proc/$1/cmdline" | grep -qxF "$dir/log" &&
		tr '\0' '\n' < "/proc/$1/cmdline" | grep -q 'rtproxy\.py$'
}

case $cmd in
start)
	[ $# -ge 1 ] || usage
	target=$1
	shift
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	rm -f "$dir/port" "$dir/pid"
	: > "$dir/log"
	case " $* " in *" --delay-ms"*) ;; *) set -- --delay-ms 5 "$@" ;; esac
	python3 "$proxy" --target "$target" --log "$dir/log" --port-file "$dir/port" "$@" \
		> /dev/null 2> "$dir/err" < /dev/null &
	echo $! > "$dir/pid"
	i=0
	while [ ! -s "$dir/port" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
			echo "rtcount.sh: the proxy did not start" >&2
			cat "$dir/err" >&2
			exit 1
		fi
		sleep 0.05
	done
	cat "$dir/port"
	;;
count)
	want=${1:-1}
	limit=$(( ${RTCOUNT_WAIT:-10} * 20 ))
	i=0
	[ -f "$dir/log" ] || { echo "rtcount.sh: no proxy was started in $dir" >&2; exit 1; }
	while [ "$(wc -l < "$dir/log")" -lt "$want" ]; do
		i=$((i + 1))
		[ $i -le "$limit" ] || { echo "rtcount.sh: $(wc -l < "$dir/log") of $want connections logged" >&2; exit 1; }
		sleep 0.05
	done
	sed -n 's/^.* rt=\([0-9][0-9]*\) .*$/\1/p' "$dir/log"
	;;
clear)
	: > "$dir/log"
	;;
stop)
	dir=$(cd "$dir" 2>/dev/null && pwd) || exit 0
	pid=$(cat "$dir/pid" 2>/dev/null) || exit 0
	if ours "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done
	fi
	rm -f "$dir/pid"
	;;
*)
	usage
	;;
esac
