#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays each fuzz target over its committed seed corpus, once per file.
#
#   sh tests/fuzz/replay.sh FUZZ_DIR [build/fuzz/fuzz_NAME...]
#
# For every binary fuzz_NAME (all FUZZ_DIR/fuzz_* when none are named) the
# files of tests/fuzz/corpus/NAME/ are passed to it as arguments: libFuzzer
# then runs each file once and exits, non-zero on any crash, sanitizer
# report or leak. A missing or empty corpus directory is a failure.
#
# FUZZ_SECONDS=n additionally fuzzes each target for n seconds of real time
# (-max_total_time) on a scratch copy of its corpus, so the committed corpus
# is never changed. Crash reproducers go to tests/fuzz/crashes/ (ignored by
# git): report them, and add one to the corpus only once the bug is fixed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
corpus_root=$here/corpus
crash_dir=$here/crashes

if [ $# -lt 1 ]; then
	echo "usage: $0 FUZZ_DIR [fuzz_binary...]" >&2
	exit 64
fi
fuzz_dir=$1
shift
if [ $# -eq 0 ]; then
	for b in "$fuzz_dir"/fuzz_*; do
		[ -x "$b" ] && set -- "$@" "$b"
	done
fi
if [ $# -eq 0 ]; then
	echo "fuzz corpora: no fuzz targets in $fuzz_dir (run 'make fuzz')"
	echo "fuzz corpora: 0 passed, 0 failed"
	exit 1
fi

seconds=${FUZZ_SECONDS:-}
case $seconds in
'' | *[!0-9]*)
	if [ -n "$seconds" ]; then
		echo "FUZZ_SECONDS must be a whole number of seconds, not '$seconds'" >&2
		exit 64
	fi ;;
esac

log=$(mktemp "${TMPDIR:-/tmp}/sealpost-fuzz.XXXXXX") || exit 1
scratch=
cleanup() {
	rm -f "$log"
	[ -n "$scratch" ] && rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# final_stat NAME: the value of libFuzzer's -print_final_stats line
# stat::NAME in the log.
final_stat() {
	sed -n "s/^stat::$1: *//p" "$log" | tail -n 1
}

pass=0
fail=0
for bin in "$@"; do
	target=$(basename "$bin")
	name=${target#fuzz_}
	corpus=$corpus_root/$name
	ok=1

	if [ ! -x "$bin" ]; then
		echo "$target: FAILED: $bin is not an executable (run 'make fuzz')"
		fail=$((fail + 1))
		continue
	fi
	count=0
	if [ -d "$corpus" ]; then
		for f in "$corpus"/* "$corpus"/.[!.]*; do
			[ -f "$f" ] && count=$((count + 1))
		done
	fi
	if [ "$count" -eq 0 ]; then
		echo "$target: FAILED: corpus $corpus is missing or empty"
		fail=$((fail + 1))
		continue
	fi

	# Replay: libFuzzer runs each file given as an argument once. (The
	# positional parameters are reused for the file list; the outer loop's
	# list of binaries was expanded when it started.)
	set --
	for f in "$corpus"/* "$corpus"/.[!.]*; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
	if "$bin" -timeout=30 -rss_limit_mb=2048 "$@" >"$log" 2>&1; then
		echo "$target: replayed $count corpus files: ok"
	else
		echo "$target: FAILED replaying $count corpus files:"
		tail -n 40 "$log" | sed 's/^/    /'
		ok=0
	fi

	# Real fuzzing on a scratch copy of the corpus.
	if [ "$ok" -eq 1 ] && [ -n "$seconds" ] && [ "$seconds" -gt 0 ]; then
		scratch=$(mktemp -d "${TMPDIR:-/tmp}/sealpost-fuzz-$name.XXXXXX") || exit 1
		cp "$corpus"/* "$scratch"/ 2>/dev/null
		mkdir -p "$crash_dir"
		started=$(date +%s)
		if "$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
		    -print_final_stats=1 -artifact_prefix="$crash_dir/$name-" \
		    "$scratch" >"$log" 2>&1; then
			result=ok
		else
			result=FAILED
			ok=0
		fi
		elapsed=$(($(date +%s) - started))
		execs=$(final_stat number_of_executed_units)
		rate=$(final_stat average_exec_per_sec)
		grown=$(find "$scratch" -type f | wc -l | tr -d ' ')
		echo "$target: fuzzed ${elapsed}s of ${seconds}s: ${execs:-?} execs" \
		    "(${rate:-?}/s), corpus $count -> $grown: $result"
		if [ "$result" = FAILED ]; then
			grep -E 'ERROR|SUMMARY|runtime error|Test unit written|artifact_prefix' "$log" |
			    head -n 20 | sed 's/^/    /'
		fi
		rm -rf "$scratch"
		scratch=
	fi

	if [ "$ok" -eq 1 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done

echo "fuzz corpora: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
