# --import against the real Postfix: an msmtprc (STARTTLS on submission,
# implicit TLS on smtps, passwordeval) converted, then used to send; and
# doc/providers.md's recipes with only the server's name, port, CA, user,
# password and from changed to the harness's. Sourced by run.sh.

import_rc=$work/import.msmtprc
cat > "$import_rc" <<RC
defaults
tls on
tls_trust_file $MTA_CA
auth on
user $MTA_USER
passwordeval "cat $work/pass"
from $MTA_USER
logfile $work/sealpost.log

account submission
host localhost
port $MTA_SUBMISSION_PORT

account smtps : submission
port $MTA_SMTPS_PORT
tls_starttls off

account default : submission
RC

t=import_msmtp_then_send
newtag
if ! "$bin" --import msmtp "$import_rc" > "$work/imported.conf" 2> "$work/err"; then
	bad $t "--import failed"
else
	chmod 600 "$work/imported.conf"
	for a in default smtps; do
		newtag
		sample "$tg" | "$bin" -C "$work/imported.conf" -a $a -i "bob@$MTA_DOMAIN" \
		    2> "$work/err"; rc=$?
		if [ $rc -ne 0 ]; then bad "$t($a)" "exit $rc"
		elif ! wait_mail bob "$tg" > /dev/null; then bad "$t($a)" "no mail in Maildir"
		else ok "$t($a)"; fi
	done
fi

# Each recipe: host, port (its TLS mode kept), CA, user, secret and from
# replaced; token mechanisms (XOAUTH2, OAUTHBEARER) are not offered by this
# Postfix and are left to the fault scenarios.
n_recipe=0
while IFS= read -r start; do
	n_recipe=$((n_recipe + 1))
	t=providers_recipe_$n_recipe
	awk -v s="$start" 'NR > s && /^```/ { exit } NR > s' "$here/../../doc/providers.md" \
	    > "$work/recipe"
	if grep -q '^auth_mechanisms = .*OAUTH' "$work/recipe"; then continue; fi
	newtag
	if grep -q '^tls = implicit' "$work/recipe"; then port=$MTA_SMTPS_PORT
	else port=$MTA_SUBMISSION_PORT; fi
	{
		config_global
		sed -e "s|^host = .*|host = localhost|" -e "s|^port = .*|port = $port|" \
		    -e "s|^user = .*|user = $MTA_USER|" -e "s|^from = .*|from = $MTA_USER|" \
		    -e "s|^match_from = .*|match_from = $MTA_USER|" \
		    -e "s|^password_file = .*|password_file = $work/pass|" \
		    -e "s|^password_command = .*|password_command = cat $work/pass|" \
		    "$work/recipe"
		echo "tls_ca_file = $MTA_CA"
	} > "$work/recipe.conf"
	chmod 600 "$work/recipe.conf"
	sample "$tg" | "$bin" -C "$work/recipe.conf" -i "bob@$MTA_DOMAIN" 2> "$work/err"; rc=$?
	if [ $rc -ne 0 ]; then bad $t "exit $rc (recipe at doc/providers.md:$start)"
	elif ! wait_mail bob "$tg" > /dev/null; then bad $t "no mail in Maildir"
	else ok "$t (doc/providers.md:$start)"; fi
done < <(grep -n '^```ini' "$here/../../doc/providers.md" | cut -d: -f1)
