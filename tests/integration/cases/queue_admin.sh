# queue_admin.sh: queue management (issue 12 item 3). Four entries are
# queued while the server is down (to bob, carol, dave with another
# sender, erin), then: the listing filtered by ID, recipient and sender;
# the JSON listing parsed by python3; the summary line check_mailq (-M
# postfix) reads; -qR, -qI and -qS each deliver only their match and leave
# the others queued; --delete leaves an entry being delivered (75), removes
# an entry, and says so (66) for one that is not there; --hold keeps an
# entry from every run (--flush, -qI) until --release. Sourced by run.sh.

qa_q="$work/q-admin"
qa_down=$(QDIR=$qa_q RETRY_MIN=1s config qa-down 1 implicit "from_override = yes")
qa_up=$(QDIR=$qa_q RETRY_MIN=1s config qa-up "$MTA_SMTPS_PORT" implicit "from_override = yes")
ln -sf "$(readlink -f "$bin")" "$work/mailq"
qa_entries() { find "$qa_q/q" -name '*.env' 2>/dev/null | wc -l; }
# qa_id PATTERN: the queue id of the entry whose envelope matches.
qa_id() { grep -l -- "$1" "$qa_q"/q/*.env 2>/dev/null | head -n 1 | xargs -r basename -s .env; }
qa_count() { grep -l -- "$2" "$MTA_MAILDIR_BASE/$1/new"/* 2>/dev/null | wc -l; }

newtag; qa_bob=$tg; newtag; qa_carol=$tg; newtag; qa_dave=$tg; newtag; qa_erin=$tg
sample "$qa_bob" | "$bin" -C "$qa_down" -i "bob@$MTA_DOMAIN" 2> "$work/err"
sample "$qa_carol" | "$bin" -C "$qa_down" -i "carol@$MTA_DOMAIN" 2>> "$work/err"
sample "$qa_dave" | "$bin" -C "$qa_down" -i -f "other-sender@$MTA_DOMAIN" "dave@$MTA_DOMAIN" 2>> "$work/err"
sample "$qa_erin" | "$bin" -C "$qa_down" -i "erin@$MTA_DOMAIN" 2>> "$work/err"
id_bob=$(qa_id "bob@") id_carol=$(qa_id "carol@") id_dave=$(qa_id "dave@") id_erin=$(qa_id "erin@")
# Every entry is due (retry_min 1s): a plain run would send them all.
sleep 1.1

t=queue_admin_setup
if [ "$(qa_entries)" != 4 ] || [ -z "$id_bob$id_carol" ]; then bad $t "$(qa_entries) entries, expected 4"
else ok $t; fi

t=mailq_lists_only_the_given_ids
id_lc=$(printf '%s' "$id_carol" | tr 'A-F' 'a-f')
"$work/mailq" -C "$qa_down" "$id_bob" "$id_lc" > "$work/out" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! grep -q "^$id_bob " "$work/out" || ! grep -q "^$id_carol " "$work/out"; then
	cp "$work/out" "$work/err"; bad $t "an entry asked for is missing"
elif grep -q "^$id_dave\|^$id_erin" "$work/out"; then cp "$work/out" "$work/err"; bad $t "other entries listed"
elif [ "$(tail -n 1 "$work/out" | sed -n 's/.*Kbytes in \([0-9]*\) Request.*/\1/p')" != 2 ]; then
	cp "$work/out" "$work/err"; bad $t "summary line: $(tail -n 1 "$work/out")"
else ok $t; fi

t=mailq_bad_id_is_a_usage_error
"$work/mailq" -C "$qa_down" "carol@$MTA_DOMAIN" > "$work/out" 2> "$work/err"; rc=$?
if [ $rc -ne 64 ] || ! grep -q "queue id" "$work/err"; then bad $t "exit $rc, expected 64 naming the queue id"
else ok $t; fi

t=bp_filtered_by_recipient_and_sender
"$bin" -C "$qa_down" -bp -qRcarol@ > "$work/out-r" 2> "$work/err"; rc=$?
"$bin" -C "$qa_down" -bp -qS OTHER-SENDER > "$work/out-s" 2>> "$work/err"; rc2=$?
if [ $rc -ne 0 ] || [ $rc2 -ne 0 ]; then bad $t "exit $rc, $rc2"
elif [ "$(grep -c '^[0-9A-F]\{16\} ' "$work/out-r")" != 1 ] || ! grep -q "^$id_carol " "$work/out-r"; then
	cp "$work/out-r" "$work/err"; bad $t "-qRcarol@ listed something else"
elif [ "$(grep -c '^[0-9A-F]\{16\} ' "$work/out-s")" != 1 ] || ! grep -q "^$id_dave " "$work/out-s"; then
	cp "$work/out-s" "$work/err"; bad $t "-qS OTHER-SENDER listed something else"
else ok $t; fi

t=mailq_summary_line_as_check_mailq_reads_it
# check_mailq -M postfix reads the last line: "Kbytes in N" or "Mail queue
# is empty" (monitoring-plugins, plugins-scripts/check_mailq.pl).
"$work/mailq" -C "$qa_down" > "$work/out" 2> "$work/err"; rc=$?
last=$(tail -n 1 "$work/out")
"$bin" -C "$qa_down" -bp -qRnobody-at-all > "$work/out-e" 2>> "$work/err"
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! printf '%s\n' "$last" | grep -Eq '^-- [0-9]+ Kbytes in 4 Requests\.$'; then bad $t "last line: $last"
elif [ "$(tail -n 1 "$work/out-e")" != "Mail queue is empty" ]; then bad $t "empty listing: $(tail -n 1 "$work/out-e")"
else ok $t; fi

t=check_mailq_plugin_counts_the_queue
# The real plugin (monitoring-plugins-standard), pointed at this mailq: a
# copy whose utils.pm names it instead of /usr/bin/mailq.
np=/usr/lib/nagios/plugins
if [ ! -f "$np/check_mailq" ] || [ ! -f "$np/utils.pm" ]; then
	bad $t "check_mailq is not installed (tests/deps.sh test installs monitoring-plugins-standard)"
else
	mkdir -p "$work/np"
	cp "$np/check_mailq" "$work/np/check_mailq"
	printf '#!/bin/sh\nexec "%s" -C "%s" "$@"\n' "$work/mailq" "$qa_down" > "$work/np/mailq"
	chmod 755 "$work/np/mailq"
	sed "s|^\$PATH_TO_MAILQ *=.*|\$PATH_TO_MAILQ = \"$work/np/mailq\";|" "$np/utils.pm" > "$work/np/utils.pm"
	perl "$work/np/check_mailq" -M postfix -w 3 -c 10 > "$work/out" 2>&1; rc=$?
	perl "$work/np/check_mailq" -M postfix -w 5 -c 10 > "$work/out2" 2>&1; rc2=$?
	if [ $rc -ne 1 ] || ! grep -q "mailq is 4 " "$work/out"; then
		cp "$work/out" "$work/err"; bad $t "with -w 3: exit $rc, expected 1 (WARNING, 4 messages)"
	elif [ $rc2 -ne 0 ] || ! grep -q "^OK: postfix mailq (4) is below threshold" "$work/out2"; then
		cp "$work/out2" "$work/err"; bad $t "with -w 5: exit $rc2, expected 0 (OK, 4)"
	else ok $t; fi
fi

t=mailq_json_parses_one_object_per_entry
"$work/mailq" -C "$qa_down" --json > "$work/out" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif ! python3 - "$work/out" "$id_dave" "$MTA_DOMAIN" > "$work/err" 2>&1 <<'PY'
import json, sys
path, dave, dom = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(path, "rb").read().decode("utf-8").splitlines()
objs = [json.loads(l) for l in lines]
assert len(objs) == 4, objs
ids = [o["queue_id"] for o in objs]
assert ids == sorted(ids), ids
d = [o for o in objs if o["queue_id"] == dave][0]
assert d["sender"] == "other-sender@" + dom, d
assert d["recipients"][0]["address"] == "dave@" + dom, d
assert d["recipients"][0]["state"] == "pending", d
assert d["recipients"][0]["reply"] is None or isinstance(d["recipients"][0]["reply"], str), d
assert d["state"] == "deferred" and d["attempts"] == 1 and d["bounce"] is False, d
assert isinstance(d["arrival_time"], int) and isinstance(d["next_attempt"], int), d
assert d["message_size"] > 0 and isinstance(d["last_error"], str) and d["last_error"], d
PY
then bad $t "$(tail -n 1 "$work/err")"
else ok $t; fi

t=qR_runs_only_matching_entries
"$bin" -C "$qa_up" -qR "carol@" 2> "$work/err"; rc=$?
wait_mail carol "$qa_carol" > /dev/null; sleep 0.5
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ "$(qa_count carol "$qa_carol")" != 1 ]; then bad $t "carol's message was not delivered"
elif [ "$(qa_count bob "$qa_bob")$(qa_count dave "$qa_dave")$(qa_count erin "$qa_erin")" != 000 ]; then
	bad $t "entries that do not match -qR were delivered"
elif [ "$(qa_entries)" != 3 ]; then bad $t "$(qa_entries) entries left, expected 3"
else ok $t; fi

t=qI_runs_only_that_entry
# A part of the id, in lower case: sendmail's substring rule.
part=$(printf '%s' "$id_bob" | cut -c3-12 | tr 'A-F' 'a-f')
"$bin" -C "$qa_up" "-qI$part" 2> "$work/err"; rc=$?
wait_mail bob "$qa_bob" > /dev/null; sleep 0.5
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ "$(qa_count bob "$qa_bob")" != 1 ]; then bad $t "bob's message was not delivered"
elif [ "$(qa_count dave "$qa_dave")$(qa_count erin "$qa_erin")" != 00 ]; then bad $t "other entries were delivered"
elif [ "$(qa_entries)" != 2 ]; then bad $t "$(qa_entries) entries left, expected 2"
else ok $t; fi

t=qS_runs_only_that_sender
"$bin" -C "$qa_up" -qS other-sender 2> "$work/err"; rc=$?
wait_mail dave "$qa_dave" > /dev/null; sleep 0.5
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ "$(qa_count dave "$qa_dave")" != 1 ]; then bad $t "dave's message was not delivered"
elif [ "$(qa_count erin "$qa_erin")" != 0 ]; then bad $t "erin's message was delivered"
elif [ "$(qa_entries)" != 1 ]; then bad $t "$(qa_entries) entries left, expected 1"
else ok $t; fi

t=delete_leaves_an_entry_being_delivered
# A queue run holds the entry's lock (flock on its message) while it
# delivers it: --delete must not pull the message from under it.
flock "$qa_q/q/$id_erin.msg" "$bin" -C "$qa_down" --delete "$id_erin" > /dev/null 2> "$work/err"; rc=$?
if [ $rc -ne 75 ] || ! grep -q "being delivered" "$work/err"; then bad $t "exit $rc, expected 75"
elif [ ! -f "$qa_q/q/$id_erin.env" ] || [ ! -f "$qa_q/q/$id_erin.msg" ]; then bad $t "the entry was removed"
else ok $t; fi

t=delete_removes_the_entry
"$bin" -C "$qa_down" --delete "$id_erin" > "$work/out" 2> "$work/err"; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ "$(qa_entries)" != 0 ] || [ -e "$qa_q/q/$id_erin.msg" ]; then bad $t "the entry is still there"
elif ! grep -q "$id_erin.*deleted" "$work/out"; then cp "$work/out" "$work/err"; bad $t "no confirmation"
else ok $t; fi

t=delete_unknown_id_exit_66
"$bin" -C "$qa_down" --delete "$id_erin" > "$work/out" 2> "$work/err"; rc=$?
"$bin" -C "$qa_down" --delete not-an-id > /dev/null 2>> "$work/err"; rc2=$?
if [ $rc -ne 66 ] || ! grep -q "$id_erin" "$work/err"; then bad $t "exit $rc, expected 66 naming the id"
elif [ $rc2 -ne 64 ]; then bad $t "a malformed id: exit $rc2, expected 64"
else ok $t; fi
t=hold_keeps_an_entry_from_every_run_until_released
newtag; qa_frank=$tg
sample "$qa_frank" | "$bin" -C "$qa_down" -i "frank@$MTA_DOMAIN" 2> "$work/err"
id_frank=$(qa_id "frank@")
"$bin" -C "$qa_down" --hold "$id_frank" > "$work/out" 2>> "$work/err"; rc=$?
"$work/mailq" -C "$qa_down" > "$work/out-l" 2>> "$work/err"
"$work/mailq" -C "$qa_down" --json > "$work/out-j" 2>> "$work/err"
"$bin" -C "$qa_up" --flush 2>> "$work/err"
"$bin" -C "$qa_up" -qI "$id_frank" 2>> "$work/err"
sleep 1
held_sent=$(qa_count frank "$qa_frank")
"$bin" -C "$qa_down" --release "$id_frank" > "$work/out-r" 2>> "$work/err"; rc2=$?
"$bin" -C "$qa_up" -qI "$id_frank" 2>> "$work/err"
if [ $rc -ne 0 ] || [ $rc2 -ne 0 ]; then bad $t "--hold exit $rc, --release exit $rc2"
elif ! grep -q "^$id_frank: held" "$work/out" || ! grep -q "^$id_frank: released" "$work/out-r"; then
	bad $t "no confirmation"
elif ! grep -q "^$id_frank .*(held)" "$work/out-l"; then cp "$work/out-l" "$work/err"; bad $t "mailq does not show it held"
elif ! python3 -c 'import json,sys; o=json.loads(open(sys.argv[1]).read()); assert o["held"] is True, o' "$work/out-j" 2>> "$work/err"; then
	bad $t "--json does not say held"
elif [ "$held_sent" != 0 ]; then bad $t "a run delivered the held entry"
elif ! wait_mail frank "$qa_frank" > /dev/null || [ "$(qa_entries)" != 0 ]; then bad $t "not delivered once released"
else ok $t; fi
rm -f "$work/mailq"

t=mailq_counts_an_unreadable_entry
# An entry whose envelope cannot be read is listed and counted in the
# summary line (monitoring must not under-count a broken queue); with -qR
# or -qS it cannot be matched, so it is left out.
qa_q2="$work/q-admin2"
qa_down2=$(QDIR=$qa_q2 config qa-down2 1 implicit)
newtag; sample "$tg" | "$bin" -C "$qa_down2" -i "bob@$MTA_DOMAIN" 2> "$work/err"
printf 'not an envelope\n' > "$qa_q2/q/00000000000000AA.env"
printf 'Subject: x\n\nx\n' > "$qa_q2/q/00000000000000AA.msg"
chmod 600 "$qa_q2/q/00000000000000AA.env" "$qa_q2/q/00000000000000AA.msg"
"$bin" -C "$qa_down2" -bp > "$work/out" 2> "$work/err"; rc=$?
"$bin" -C "$qa_down2" -bp -qR "bob@" > "$work/out-r" 2>> "$work/err"; rc2=$?
if [ $rc -ne 0 ] || [ $rc2 -ne 0 ]; then bad $t "exit $rc, $rc2"
elif ! grep -q '^00000000000000AA  (unreadable' "$work/out"; then cp "$work/out" "$work/err"; bad $t "not listed"
elif [ "$(tail -n 1 "$work/out" | sed -n 's/.*Kbytes in \([0-9]*\) Request.*/\1/p')" != 2 ]; then
	cp "$work/out" "$work/err"; bad $t "summary line: $(tail -n 1 "$work/out")"
elif grep -q 'unreadable' "$work/out-r" || [ "$(tail -n 1 "$work/out-r" | sed -n 's/.*in \([0-9]*\) Request.*/\1/p')" != 1 ]; then
	cp "$work/out-r" "$work/err"; bad $t "-qR bob@ listed the unreadable entry"
else ok $t; fi
