# shellcheck shell=bash
# queue_admin.sh: queue management in the shared queue (issue 12 item 3),
# sourced by run.sh (as, ok, bad, bin, work, system_config, MTA_*): an
# ordinary user's mailq ID, --json, -qI and --delete reach only their own
# entries; another user's --delete, --hold or --release is refused with 77
# and changes nothing; the owner's --hold/--release and --delete work; root
# may delete anyone's.

qa_entries() { find "$work/spool/q" -name '*.env' 2>/dev/null | wc -l; }
rm -f "$work/spool/q/"* 2>/dev/null
system_config 1
printf 'Subject: qa-alice-%s\n\nx\n' $$ | as sp-alice "$bin" "bob@$MTA_DOMAIN" 2> "$work/err"
printf 'Subject: qa-bob-%s\n\nx\n' $$ | as sp-bob "$bin" "carol@$MTA_DOMAIN" 2>> "$work/err"
qa_alice=$(find "$work/spool/q" -name '*.msg' -user sp-alice -printf '%f\n' | head -n 1)
qa_alice=${qa_alice%.msg}
qa_bob=$(find "$work/spool/q" -name '*.msg' -user sp-bob -printf '%f\n' | head -n 1)
qa_bob=${qa_bob%.msg}

t=queue_admin_other_user_cannot_delete
as sp-bob "$bin" --delete "$qa_alice" > /dev/null 2> "$work/err"; rc=$?
if [ -z "$qa_alice" ] || [ -z "$qa_bob" ]; then bad $t "the two entries were not queued"
elif [ $rc -ne 77 ] || ! grep -q "another user" "$work/err"; then bad $t "exit $rc, expected 77"
elif [ ! -f "$work/spool/q/$qa_alice.env" ] || [ ! -f "$work/spool/q/$qa_alice.msg" ]; then
	bad $t "bob's --delete removed alice's entry"
else ok $t; fi

t=queue_admin_other_user_cannot_hold
as sp-bob "$bin" --hold "$qa_alice" > /dev/null 2> "$work/err"; rc=$?
if [ $rc -ne 77 ]; then bad $t "exit $rc, expected 77"
elif [ -e "$work/spool/q/$qa_alice.hold" ]; then bad $t "bob put alice's entry on hold"
else ok $t; fi

t=queue_admin_user_lists_and_runs_only_own
as sp-bob "$bin" -bp "$qa_alice" > "$work/out" 2> "$work/err"; rc=$?
as sp-bob "$bin" --json > "$work/json" 2>> "$work/err"
system_config "$MTA_SMTPS_PORT"
as sp-bob "$bin" -qI "$qa_alice" 2>> "$work/err"; rc2=$?
if [ $rc -ne 0 ] || [ $rc2 -ne 0 ]; then bad $t "exit $rc, $rc2"
elif grep -q "$qa_alice" "$work/out" || [ "$(tail -n 1 "$work/out")" != "Mail queue is empty" ]; then
	cp "$work/out" "$work/err"; bad $t "bob's mailq ID shows alice's entry"
elif grep -q "$qa_alice" "$work/json" || ! python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
assert [o["queue_id"] for o in objs] == [sys.argv[2]], objs
' "$work/json" "$qa_bob" 2>> "$work/err"; then bad $t "bob's --json is not exactly his entry"
elif [ ! -f "$work/spool/q/$qa_alice.env" ]; then bad $t "bob's -qI ran alice's entry"
else ok $t; fi
system_config 1

t=queue_admin_owner_holds_and_releases_own
as sp-alice "$bin" --hold "$qa_alice" > /dev/null 2> "$work/err"; rc=$?
hold_mode=$(stat -c '%G %a' "$work/spool/q/$qa_alice.hold" 2>/dev/null)
as sp-bob "$bin" --release "$qa_alice" > /dev/null 2>> "$work/err"; rc2=$?
as sp-alice "$bin" --release "$qa_alice" > /dev/null 2>> "$work/err"; rc3=$?
if [ $rc -ne 0 ] || [ "$hold_mode" != "sealpost 640" ]; then bad $t "--hold exit $rc, mark '$hold_mode'"
elif [ $rc2 -ne 77 ]; then bad $t "bob's --release of alice's entry: exit $rc2, expected 77"
elif [ $rc3 -ne 0 ] || [ -e "$work/spool/q/$qa_alice.hold" ]; then bad $t "--release exit $rc3"
else ok $t; fi

t=queue_admin_owner_deletes_own
as sp-alice "$bin" --delete "$qa_alice" > "$work/out" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ -e "$work/spool/q/$qa_alice.env" ] || [ -e "$work/spool/q/$qa_alice.msg" ]; then bad $t "the entry is still there"
elif ! grep -q "^$qa_alice: deleted" "$work/out"; then bad $t "no confirmation: $(cat "$work/out")"
else ok $t; fi

t=queue_admin_root_deletes_any
"$bin" --delete "$qa_bob" > "$work/out" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ] || [ "$(qa_entries)" != 0 ]; then bad $t "exit $rc, $(qa_entries) entries left"
else ok $t; fi
