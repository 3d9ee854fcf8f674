#!/bin/sh
# Postfix pipe(8) delivery agent for the sealpost test MTA (see mta.sh).
# usage: maildir-deliver BASE LOCALPART QUEUE_ID   < message
# Writes the message to BASE/LOCALPART/tmp/ and renames it into new/, the
# usual Maildir protocol.  Exit codes follow sysexits(3) as pipe(8) expects.
set -u
umask 022
[ $# = 3 ] || { echo "usage: $0 BASE LOCALPART QUEUE_ID" >&2; exit 64; }
base=$1 user=$2 qid=$3
case $user in
    ''|.*|*/*) echo "unacceptable local part: $user" >&2; exit 67 ;;
esac
box=$base/$user
mkdir -p "$box/tmp" "$box/new" "$box/cur" ||
    { echo "cannot create $box" >&2; exit 75; }
name=$(date +%s).Q${qid}P$$.mx.example.test
if ! cat >"$box/tmp/$name"; then
    rm -f "$box/tmp/$name"
    echo "cannot write $box/tmp/$name" >&2
    exit 75
fi
mv "$box/tmp/$name" "$box/new/$name" ||
    { rm -f "$box/tmp/$name"; echo "cannot move into $box/new" >&2; exit 75; }
exit 0
