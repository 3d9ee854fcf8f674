// SPDX-License-Identifier: MIT
/* import_ssmtp.c: ssmtp's ssmtp.conf for sealpost --import ssmtp, read as
 * ssmtp 2.64 does (ssmtp.conf(5)): "Keyword=Value" lines, keywords without
 * regard to case, '#' starting a comment anywhere, the value its first word
 * after '='. One relay, so one [account default]. AuthPass is never looked
 * at beyond whether it is there; the file's text is the caller's to wipe. */
#include "import_ssmtp.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "bounds.h"
#include "util.h"

enum skey {
	S_ROOT, S_MAILHUB, S_HOSTNAME, S_REWRITE_DOMAIN, S_FROM_LINE_OVERRIDE, S_USE_TLS,
	S_USE_STARTTLS, S_TLS_CERT, S_TLS_KEY, S_TLS_CA_FILE, S_TLS_CA_DIR, S_AUTH_USER,
	S_AUTH_PASS, S_AUTH_METHOD, S_DEBUG, S_NKEYS
};

static const char *const skeys[S_NKEYS] = {
	[S_ROOT] = "Root", [S_MAILHUB] = "MailHub", [S_HOSTNAME] = "HostName",
	[S_REWRITE_DOMAIN] = "RewriteDomain", [S_FROM_LINE_OVERRIDE] = "FromLineOverride",
	[S_USE_TLS] = "UseTLS", [S_USE_STARTTLS] = "UseSTARTTLS", [S_TLS_CERT] = "TLSCert",
	[S_TLS_KEY] = "TLSKey", [S_TLS_CA_FILE] = "TLS_CA_File", [S_TLS_CA_DIR] = "TLS_CA_Dir",
	[S_AUTH_USER] = "AuthUser", [S_AUTH_PASS] = "AuthPass", [S_AUTH_METHOD] = "AuthMethod",
	[S_DEBUG] = "Debug",
};

struct sset {
	char *val;
	unsigned line;
};

static bool
yes(const struct sset *s)
{
	return s->val && strcasecmp(s->val, "YES") == 0;
}

/* One line: "Keyword=Value", the rest after '#' a comment. */
static void
parse_line(struct import_out *o, struct sset *set, char *line, unsigned no)
{
	char *hash = strchr(line, '#'), *key, *val, show[64];
	size_t k;

	if (hash)
		*hash = '\0';
	if (!strchr(line, '='))
		return;         /* ssmtp skips such lines too */
	key = line + strspn(line, " \t");
	val = key + strcspn(key, "= \t");
	if (*val != '=') {
		*val++ = '\0';
		val += strspn(val, " \t");
		if (*val != '=')
			return;
	}
	*val++ = '\0';
	val += strspn(val, "= \t");
	val[strcspn(val, "= \t")] = '\0';
	for (k = 0; k < S_NKEYS && strcasecmp(key, skeys[k]) != 0; k++)
		;
	if (k == S_NKEYS) {
		import_out_warn(o, no, "%s: not carried over: not an ssmtp keyword",
		    import_out_keyword(key, show, sizeof show));
		return;
	}
	if (set[k].val && k == S_AUTH_PASS)
		wipe(set[k].val, strlen(set[k].val));
	free(set[k].val);
	set[k].val = xstrdup(val);
	set[k].line = no;
}

/* MailHub host[:port] */
static bool
put_mailhub(struct import_out *o, const struct sset *s, bool implicit)
{
	char host[IMPORT_LINE_MAX + 1];
	const char *colon = strrchr(s->val, ':');
	unsigned long port = implicit ? 465 : 25;

	snprintf(host, sizeof host, "%s", s->val);
	/* A bracketed IPv6 literal keeps its colons. */
	if (colon && !strchr(colon, ']')) {
		host[colon - s->val] = '\0';
		if (parse_uint(colon + 1, 65535, &port) != ERR_OK || port == 0) {
			char show[64];
			import_out_warn(o, s->line, "MailHub: not carried over: \"%s\" is not a"
			    " port number", import_out_shown(colon + 1, show, sizeof show));
			return false;
		}
	}
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host) - 2);
		host[strlen(host) - 2] = '\0';
	}
	if (!import_out_put(o, s->line, "MailHub", "host", host))
		return false;
	(void)import_out_line(o, "port = %lu", port);
	return true;
}

static void
put_tls(struct import_out *o, const struct sset *set)
{
	const struct sset *cert = &set[S_TLS_CERT], *key = &set[S_TLS_KEY];

	if (!set[S_TLS_CA_FILE].val && !set[S_TLS_CA_DIR].val)
		import_out_warn(o, set[S_MAILHUB].line, "MailHub: ssmtp does not verify the"
		    " server's certificate without TLS_CA_File; sealpost always does (the"
		    " system's CAs): sealpost --probe shows whether it passes");
	if (set[S_TLS_CA_FILE].val)
		(void)import_out_put(o, set[S_TLS_CA_FILE].line, "TLS_CA_File", "tls_ca_file",
		    set[S_TLS_CA_FILE].val);
	if (set[S_TLS_CA_DIR].val)
		import_out_warn(o, set[S_TLS_CA_DIR].line, "TLS_CA_Dir: not carried over:"
		    " sealpost reads one CA file (tls_ca_file), or the system's CAs");
	if (cert->val) {
		/* ssmtp reads the key from the certificate's file unless TLSKey names one. */
		const char *k = key->val ? key->val : cert->val;
		if (!import_out_fits("tls_cert_file", cert->val) || !import_out_fits("tls_key_file",
		    k))
			import_out_warn(o, cert->line, "TLSCert: not carried over: the file name"
			    " cannot be written in sealpost.conf");
		else if (import_out_put(o, cert->line, "TLSCert", "tls_cert_file", cert->val))
			(void)import_out_put(o, key->val ? key->line : cert->line, "TLSKey",
			    "tls_key_file", k);
	} else if (key->val) {
		import_out_warn(o, key->line, "TLSKey: not carried over: no TLSCert");
	}
}

static void
put_auth(struct import_out *o, const struct sset *set)
{
	const struct sset *user = &set[S_AUTH_USER], *pass = &set[S_AUTH_PASS];
	const struct sset *method = &set[S_AUTH_METHOD];

	if (!user->val || !*user->val) {
		if (pass->val)
			import_out_warn(o, pass->line, "AuthPass: not carried over: no AuthUser");
		return;
	}
	if (method->val && *method->val) {
		if (strcasecmp(method->val, "cram-md5") != 0)
			import_out_warn(o, method->line, "AuthMethod: not carried over: ssmtp"
			    " knows only cram-md5 (sealpost's default list is written)");
		else if (!auth_mech_supported("CRAM-MD5"))
			import_out_warn(o, method->line, "AuthMethod: not carried over: libgsasl"
			    " here lacks CRAM-MD5 (sealpost's default list is written)");
		else
			(void)import_out_line(o, "auth_mechanisms = CRAM-MD5");
	}
	if (!import_out_put(o, user->line, "AuthUser", "user", user->val))
		return;
	if (pass->val && *pass->val) {
		import_out_warn(o, pass->line, "AuthPass: not carried over: --import never prints"
		    " a secret; put it in a file only you can read and set password_file, or use"
		    " password_command");
		(void)import_out_line(o, "# password: not carried over; set password_file or"
		    " password_command");
	}
}

/* false when the relay itself cannot be written (a warning says why). */
static bool
convert(struct import_out *o, const struct sset *set)
{
	const struct sset *s;
	bool implicit = yes(&set[S_USE_TLS]) && !yes(&set[S_USE_STARTTLS]);
	bool tls = yes(&set[S_USE_TLS]) || yes(&set[S_USE_STARTTLS]);

	(void)import_out_line(o, "# sealpost.conf(5), converted from %s by sealpost --import"
	    " ssmtp.", import_out_name(o));
	(void)import_out_line(o, "# Read the warnings it printed; check with sealpost"
	    " --check-config -C FILE.");
	(void)import_out_line(o, "[global]");
	if ((s = &set[S_HOSTNAME])->val)
		(void)import_out_put(o, s->line, "HostName", "hostname", s->val);
	if ((s = &set[S_REWRITE_DOMAIN])->val) {
		(void)import_out_put(o, s->line, "RewriteDomain", "maildomain", s->val);
		import_out_warn(o, s->line, "RewriteDomain: written as maildomain, which"
		    " qualifies senders without a domain; sealpost does not rewrite others");
	}
	if ((s = &set[S_ROOT])->val) {
		/* ssmtp sends mail for system users there: sealpost's admin. */
		if (!strchr(s->val, '@'))
			import_out_warn(o, s->line, "Root: not carried over: sealpost's admin"
			    " must be an address with a domain");
		else
			(void)import_out_put(o, s->line, "Root", "admin", s->val);
	}
	(void)import_out_line(o, "\n[account default]");
	if (!put_mailhub(o, &set[S_MAILHUB], implicit))
		return false;
	if (!tls)
		import_out_warn(o, set[S_MAILHUB].line, "MailHub: ssmtp sends in plaintext"
		    " (UseTLS is not YES), and sealpost never does: written as tls = starttls,"
		    " which needs a server that offers STARTTLS");
	(void)import_out_line(o, "tls = %s", implicit ? "implicit" : "starttls");
	if (tls)
		put_tls(o, set);
	put_auth(o, set);
	if ((s = &set[S_FROM_LINE_OVERRIDE])->val && !yes(s))
		import_out_warn(o, s->line, "FromLineOverride: ssmtp ignores -f and the From:"
		    " line; sealpost's from_override = no needs a from address: set both by hand");
	if ((s = &set[S_DEBUG])->val && yes(s))
		import_out_warn(o, s->line, "Debug: not carried over: use sealpost -v");
	return true;
}

enum err
import_ssmtp(struct import_out *o, const char *text, size_t len, struct buf *err)
{
	char line[IMPORT_LINE_MAX + 1];
	struct import_lines l = { text, len, 0, 0 };
	struct sset set[S_NKEYS];
	enum err rc = ERR_OK;
	int got;

	memset(set, 0, sizeof set);
	while ((got = import_out_next_line(o, &l, line, err)) > 0)
		parse_line(o, set, line, l.no);
	wipe(line, sizeof line);
	if (got < 0)
		rc = ERR_CONFIG;
	else if (!set[S_MAILHUB].val || !*set[S_MAILHUB].val) {
		errf(err, "%s: no MailHub: nothing to carry over", import_out_name(o));
		rc = ERR_CONFIG;
	} else if (!convert(o, set)) {
		errf(err, "%s:%u: MailHub cannot be carried over", import_out_name(o),
		    set[S_MAILHUB].line);
		rc = ERR_CONFIG;
	}
	for (size_t k = 0; k < S_NKEYS; k++) {
		if (set[k].val && k == S_AUTH_PASS)
			wipe(set[k].val, strlen(set[k].val));
		free(set[k].val);
	}
	return rc;
}
