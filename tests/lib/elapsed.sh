#!/bin/sh
# SPDX-License-Identifier: MIT
# elapsed.sh STEP: print "make check: STEP done, M min S s since the start"
# (the start is build/.check-start, written by `make check`), so a CI log
# shows where the time goes.
start=$(cat build/.check-start 2>/dev/null) || exit 0
now=$(date +%s)
s=$((now - start))
echo "make check: $1 done, $((s / 60)) min $((s % 60)) s since the start"
