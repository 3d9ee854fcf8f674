# shellcheck shell=bash
# sender_policy.sh: who may send as whom (sealpost(8), "Who may send as
# whom"), sourced by run.sh: allow_users by name and by @group (77, nothing
# queued, nothing sent), from_override = no replacing alice's -f, and the
# trace fields naming the submitting user in the delivered message;
# --read-envelope-from in system mode (issue #12).

# policy_config EXTRA...: the system configuration against the private
# Postfix (implicit TLS), with EXTRA lines added to [account default].
policy_config() {
	system_config "$MTA_SMTPS_PORT"
	printf '%s\n' "$@" >> "$work/etc/sealpost.conf"
}
# delivered TOKEN: the file in bob's Maildir whose Subject carries TOKEN
# (waits up to 10 s), or nothing.
delivered() {
	local f
	for _ in $(seq 100); do
		f=$(grep -l "^Subject: $1\$" "$MTA_MAILDIR_BASE"/bob/new/* 2>/dev/null | head -n 1)
		[ -n "$f" ] && { echo "$f"; return; }
		sleep 0.1
	done
}
entries() { find "$work/spool/q" -name '*.env' 2>/dev/null | wc -l; }
alice_uid=$(id -u sp-alice)
grp=sp-senders
getent group "$grp" >/dev/null || groupadd --system "$grp"
usermod -a -G "$grp" sp-alice
gpasswd -d sp-bob "$grp" >/dev/null 2>&1

t=sender_policy_user_not_in_allow_users_gets_77
policy_config "allow_users = sp-alice root"
tok=policy-deny-$$
n0=$(entries)
printf 'Subject: %s\n\nx\n' "$tok" | as sp-bob "$bin" "bob@$MTA_DOMAIN" > "$work/err" 2>&1; rc=$?
if [ $rc -ne 77 ]; then bad $t "exit $rc, expected 77"
elif ! grep -q 'sp-bob.*account default' "$work/err"; then bad $t "the error names neither the user nor the account"
elif [ "$(entries)" != "$n0" ]; then bad $t "something was queued"
elif [ -n "$(delivered "$tok")" ]; then bad $t "the message was sent"
else ok $t; fi

t=sender_policy_allowed_user_still_sends
tok=policy-allow-$$
printf 'Subject: %s\n\nx\n' "$tok" | as sp-alice "$bin" "bob@$MTA_DOMAIN" > "$work/err" 2>&1; rc=$?
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ -z "$(delivered "$tok")" ]; then bad $t "not delivered"
else ok $t; fi

t=sender_policy_group_membership
policy_config "allow_users = @$grp"
tok=policy-group-$$
printf 'Subject: %s\n\nx\n' "$tok" | as sp-alice "$bin" "bob@$MTA_DOMAIN" > "$work/err" 2>&1; rc=$?
printf 'Subject: %s-bob\n\nx\n' "$tok" | as sp-bob "$bin" "bob@$MTA_DOMAIN" > "$work/err2" 2>&1; rc2=$?
if [ $rc -ne 0 ]; then bad $t "alice (in @$grp): exit $rc"
elif [ -z "$(delivered "$tok")" ]; then bad $t "alice's mail not delivered"
elif [ $rc2 -ne 77 ]; then cp "$work/err2" "$work/err"; bad $t "bob (not in @$grp): exit $rc2, expected 77"
else ok $t; fi

t=sender_policy_from_override_no_replaces_dash_f
policy_config "from_override = no"
tok=policy-override-$$
printf 'Subject: %s\n\nx\n' "$tok" | as sp-alice "$bin" -v -f "root@$MTA_DOMAIN" "bob@$MTA_DOMAIN" \
	> "$work/err" 2>&1; rc=$?
f=$(delivered "$tok")
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ -z "$f" ]; then bad $t "not delivered"
elif ! grep -qix "Return-Path: <$MTA_USER>" "$f"; then
	bad $t "envelope sender: $(grep -i '^Return-Path:' "$f")"
elif ! grep -q "notice: sender <root@$MTA_DOMAIN> replaced by <$MTA_USER>" "$work/err"; then
	bad $t "no -v notice of the override"
elif grep -q '^X-Authentication-Warning:' "$f"; then bad $t "a warning for an overridden sender"
else ok $t; fi

t=sender_policy_received_names_the_uid
# The first field sealpost wrote (after Postfix's own trace) is ours, with
# alice's uid, and the date on its continuation line.
ours=$([ -n "$f" ] && grep -n "^Received: by client.example.test (sealpost, from userid $alice_uid);\$" "$f" | cut -d: -f1)
subj=$([ -n "$f" ] && grep -n "^Subject: $tok\$" "$f" | cut -d: -f1)
if [ -z "$f" ]; then bad $t "no delivered message to look at"
elif [ -z "$ours" ]; then bad $t "no Received: line with uid $alice_uid: $(grep -A1 '^Received: by client' "$f" | tr '\n' ' ')"
elif ! sed -n "$((ours + 1))p" "$f" | grep -Eq '^	[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [-+][0-9]{4}$'; then
	bad $t "no date under it"
elif [ "$subj" -lt "$ours" ]; then bad $t "the trace is below the caller's headers"
else ok $t; fi

t=sender_policy_dash_f_allowed_gets_warning
policy_config "from_override = *@$MTA_DOMAIN"
tok=policy-warn-$$
printf 'Subject: %s\n\nx\n' "$tok" | as sp-alice "$bin" -f "other@$MTA_DOMAIN" "bob@$MTA_DOMAIN" \
	> "$work/err" 2>&1; rc=$?
f=$(delivered "$tok")
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ -z "$f" ]; then bad $t "not delivered"
elif ! grep -qix "Return-Path: <other@$MTA_DOMAIN>" "$f"; then
	bad $t "envelope sender: $(grep -i '^Return-Path:' "$f")"
elif ! tr -d '\r' < "$f" | sed -e ':a' -e '$!N;s/\n[ \t]/ /;ta' -e 'P;D' |
	grep -qx "X-Authentication-Warning: client.example.test: sp-alice set sender to other@$MTA_DOMAIN using -f"; then
	bad $t "no X-Authentication-Warning: $(grep -A1 '^X-Auth' "$f" | tr '\n' ' ')"
else ok $t; fi

# Issue #12: --read-envelope-from in system mode: the header block is read
# by the privileged process before intake and handed to the intake child
# with the rest, so the message arrives whole; the From: address (a bare
# name, qualified) is then a requested sender like -f, policy and trace
# field included.
t=sender_policy_read_envelope_from
tok=policy-ref-$$
printf 'From: other (Someone)\nSubject: %s\n\nfirst line\nlast line\n' "$tok" |
	as sp-alice "$bin" --read-envelope-from "bob@$MTA_DOMAIN" > "$work/err" 2>&1; rc=$?
f=$(delivered "$tok")
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ -z "$f" ]; then bad $t "not delivered"
elif ! grep -qix "Return-Path: <other@$MTA_DOMAIN>" "$f"; then
	bad $t "envelope sender: $(grep -i '^Return-Path:' "$f")"
elif ! grep -q "^From: other@$MTA_DOMAIN (Someone)" "$f"; then bad $t "From: not qualified: $(grep '^From:' "$f")"
elif [ "$(sed '1,/^\r\{0,1\}$/d' "$f" | tr -d '\r')" != "$(printf 'first line\nlast line')" ]; then
	bad $t "the body changed"
elif ! tr -d '\r' < "$f" | sed -e ':a' -e '$!N;s/\n[ \t]/ /;ta' -e 'P;D' |
	grep -qx "X-Authentication-Warning: client.example.test: sp-alice set sender to other@$MTA_DOMAIN using --read-envelope-from"; then
	bad $t "no X-Authentication-Warning: $(grep -A1 '^X-Auth' "$f" | tr '\n' ' ')"
else ok $t; fi

t=sender_policy_read_envelope_from_under_from_override_no
policy_config "from_override = no"
tok=policy-ref-no-$$
printf 'From: root\nSubject: %s\n\nx\n' "$tok" |
	as sp-alice "$bin" --read-envelope-from "bob@$MTA_DOMAIN" > "$work/err" 2>&1; rc=$?
f=$(delivered "$tok")
if [ $rc -ne 0 ]; then bad $t "exit $rc"
elif [ -z "$f" ]; then bad $t "not delivered"
elif ! grep -qix "Return-Path: <$MTA_USER>" "$f"; then
	bad $t "envelope sender: $(grep -i '^Return-Path:' "$f")"
elif grep -q '^X-Authentication-Warning:' "$f"; then bad $t "a warning for an overridden sender"
else ok $t; fi

system_config "$MTA_SMTPS_PORT"

t=unknown_account_lists_nothing_to_a_user
# An ordinary user's -a NAME that the system configuration lacks: 78, and
# the account names of /etc/sealpost.conf (0640 root:sealpost) are not
# listed to them; root hears them.
policy_config "from_override = yes"
printf 'Subject: x\n\nx\n' | as sp-alice "$bin" -a no-such-account "bob@$MTA_DOMAIN" \
	> "$work/err" 2>&1; rc=$?
printf 'Subject: x\n\nx\n' | "$bin" -a no-such-account "bob@$MTA_DOMAIN" > "$work/err.root" 2>&1; rc2=$?
if [ $rc -ne 78 ]; then bad $t "exit $rc, expected 78"
elif ! grep -q 'no \[account no-such-account\]' "$work/err"; then bad $t "the error does not name the account"
elif grep -q 'the accounts are' "$work/err"; then bad $t "the accounts were listed to sp-alice"
elif [ $rc2 -ne 78 ] || ! grep -q 'the accounts are: default' "$work/err.root"; then
	bad $t "root was not told the accounts (exit $rc2): $(cat "$work/err.root")"
else ok $t; fi
