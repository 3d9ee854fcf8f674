// SPDX-License-Identifier: MIT
/* import_msmtp.c: msmtp's configuration file for sealpost --import. The
 * parser follows msmtp 1.8 as Debian 12 ships it (msmtp(1) CONFIGURATION
 * FILES, and what msmtp -P shows): a command and an argument per line, '#'
 * comments, an argument stripped of one pair of enclosing double quotes and
 * nothing else (no backslash escapes), `defaults` filling every later
 * account, and `account NAME : BASE,...` copying what each base set itself.
 * Each account is flattened, then mapped key by key through import_out.c, which
 * writes the text and the warnings. This file never shows a password it
 * read (it only asks whether there is one) and never runs a command (eval,
 * passwordeval). */
#include "import_msmtp.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>

#include "auth.h"
#include "bounds.h"
#include "util.h"

/* The msmtp settings we know, by their current names. */
enum mkey {
	M_HOST, M_PORT, M_SOURCE_IP, M_PROXY_HOST, M_PROXY_PORT, M_SOCKET, M_TIMEOUT,
	M_PROTOCOL, M_DOMAIN, M_AUTH, M_USER, M_PASSWORD, M_PASSWORDEVAL, M_NTLMDOMAIN,
	M_TLS, M_TLS_STARTTLS, M_TLS_TRUST_FILE, M_TLS_CRL_FILE, M_TLS_FINGERPRINT,
	M_TLS_KEY_FILE, M_TLS_CERT_FILE, M_TLS_CERTCHECK, M_TLS_PRIORITIES,
	M_TLS_HOST_OVERRIDE, M_TLS_MIN_DH_PRIME_BITS, M_FROM, M_ALLOW_FROM_OVERRIDE,
	M_DSN_NOTIFY, M_DSN_RETURN, M_SET_FROM_HEADER, M_SET_DATE_HEADER,
	M_SET_MSGID_HEADER, M_REMOVE_BCC_HEADERS, M_UNDISCLOSED_RECIPIENTS, M_LOGFILE,
	M_LOGFILE_TIME_FORMAT, M_SYSLOG, M_ALIASES, M_AUTO_FROM, M_MAILDOMAIN,
	M_NKEYS
};

/* How a command's argument is stored: as written, or turned into the value
 * of the setting it is an older spelling of. */
enum mform { F_ARG, F_ONOFF_AUTO, F_INVERT, F_OFF, F_IGNORE };

static const struct mcmd {
	const char *name;
	enum mkey key;
	enum mform form;
} mcmds[] = {
	{ "host", M_HOST, F_ARG }, { "port", M_PORT, F_ARG },
	{ "source_ip", M_SOURCE_IP, F_ARG }, { "proxy_host", M_PROXY_HOST, F_ARG },
	{ "proxy_port", M_PROXY_PORT, F_ARG }, { "socket", M_SOCKET, F_ARG },
	{ "timeout", M_TIMEOUT, F_ARG }, { "connect_timeout", M_TIMEOUT, F_ARG },
	{ "protocol", M_PROTOCOL, F_ARG }, { "domain", M_DOMAIN, F_ARG },
	{ "auth", M_AUTH, F_ARG }, { "user", M_USER, F_ARG },
	{ "password", M_PASSWORD, F_ARG }, { "passwordeval", M_PASSWORDEVAL, F_ARG },
	{ "ntlmdomain", M_NTLMDOMAIN, F_ARG }, { "tls", M_TLS, F_ARG },
	{ "tls_starttls", M_TLS_STARTTLS, F_ARG },
	{ "tls_nostarttls", M_TLS_STARTTLS, F_OFF },
	{ "tls_trust_file", M_TLS_TRUST_FILE, F_ARG },
	{ "tls_crl_file", M_TLS_CRL_FILE, F_ARG },
	{ "tls_fingerprint", M_TLS_FINGERPRINT, F_ARG },
	{ "tls_key_file", M_TLS_KEY_FILE, F_ARG }, { "tls_cert_file", M_TLS_CERT_FILE, F_ARG },
	{ "tls_certcheck", M_TLS_CERTCHECK, F_ARG },
	{ "tls_nocertcheck", M_TLS_CERTCHECK, F_OFF },
	{ "tls_priorities", M_TLS_PRIORITIES, F_ARG },
	{ "tls_host_override", M_TLS_HOST_OVERRIDE, F_ARG },
	{ "tls_min_dh_prime_bits", M_TLS_MIN_DH_PRIME_BITS, F_ARG },
	{ "tls_force_sslv3", M_NKEYS, F_IGNORE },  /* msmtp ignores it too */
	{ "from", M_FROM, F_ARG }, { "allow_from_override", M_ALLOW_FROM_OVERRIDE, F_ARG },
	{ "dsn_notify", M_DSN_NOTIFY, F_ARG }, { "dsn_return", M_DSN_RETURN, F_ARG },
	{ "set_from_header", M_SET_FROM_HEADER, F_ARG },
	{ "add_missing_from_header", M_SET_FROM_HEADER, F_ONOFF_AUTO },
	{ "set_date_header", M_SET_DATE_HEADER, F_ARG },
	{ "add_missing_date_header", M_SET_DATE_HEADER, F_ONOFF_AUTO },
	{ "set_msgid_header", M_SET_MSGID_HEADER, F_ARG },
	{ "remove_bcc_headers", M_REMOVE_BCC_HEADERS, F_ARG },
	{ "keepbcc", M_REMOVE_BCC_HEADERS, F_INVERT },
	{ "undisclosed_recipients", M_UNDISCLOSED_RECIPIENTS, F_ARG },
	{ "logfile", M_LOGFILE, F_ARG }, { "logfile_time_format", M_LOGFILE_TIME_FORMAT, F_ARG },
	{ "syslog", M_SYSLOG, F_ARG }, { "aliases", M_ALIASES, F_ARG },
	{ "auto_from", M_AUTO_FROM, F_ARG }, { "maildomain", M_MAILDOMAIN, F_ARG },
};

/* One setting of an account: its value (NULL: unset), the line that set it,
 * and whether the account set it itself or inherited it from a base (which
 * is what `account NAME : BASE` copies) rather than from `defaults`. */
struct mset {
	char *val;
	unsigned line;
	bool own;
};

struct macct {
	char *name;
	unsigned line;
	struct mset s[M_NKEYS];
	struct macct *next;
};

struct conv {
	struct import_out *o;
	struct macct defaults;
	struct macct *accts;
};

static void
mset_clear(struct mset *s, bool secret)
{
	if (s->val && secret)
		wipe(s->val, strlen(s->val));
	free(s->val);
	s->val = NULL;
}

static void
macct_free(struct macct *a)
{
	for (int k = 0; k < M_NKEYS; k++)
		mset_clear(&a->s[k], k == M_PASSWORD);
	free(a->name);
}

/* dst takes src's settings: all of them (from `defaults`, own = false), or
 * only those src set itself (from a base account). */
static void
macct_copy(struct macct *dst, const struct macct *src, bool own_only)
{
	for (int k = 0; k < M_NKEYS; k++) {
		if (own_only && !src->s[k].own)
			continue;
		mset_clear(&dst->s[k], k == M_PASSWORD);
		dst->s[k].val = src->s[k].val ? xstrdup(src->s[k].val) : NULL;
		dst->s[k].line = src->s[k].line;
		dst->s[k].own = own_only;
	}
}

static struct macct *
find_acct(struct conv *c, const char *name)
{
	for (struct macct *a = c->accts; a; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

static struct macct *
new_acct(struct conv *c, const char *name, unsigned line)
{
	struct macct *a = xcalloc(1, sizeof *a), **tail = &c->accts;
	while (*tail)
		tail = &(*tail)->next;
	a->name = xstrdup(name);
	a->line = line;
	macct_copy(a, &c->defaults, false);
	*tail = a;
	return a;
}

/* msmtp's argument: blanks around it removed, then one pair of enclosing
 * double quotes. */
static char *
unquote(char *s)
{
	size_t n;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = '\0';
		s++;
	}
	return s;
}

/* account NAME [: BASE[,BASE...]] */
static enum err
start_account(struct conv *c, char *arg, unsigned line, struct macct **cur, struct buf *err)
{
	char *colon = strchr(arg, ':'), *name, *bases = NULL;
	char show[64];
	struct macct *a;

	if (colon) {
		*colon = '\0';
		bases = colon + 1;
	}
	name = unquote(arg);
	if (!*name) {
		errf(err, "%s:%u: account: missing account name", import_out_name(c->o), line);
		return ERR_CONFIG;
	}
	if (strchr(name, ',')) {
		errf(err, "%s:%u: account: a name must not contain commas", import_out_name(c->o),
		    line);
		return ERR_CONFIG;
	}
	if (find_acct(c, name)) {
		errf(err, "%s:%u: account %s is defined twice", import_out_name(c->o), line,
		    import_out_shown(name, show, sizeof show));
		return ERR_CONFIG;
	}
	a = new_acct(c, name, line);
	while (bases) {
		char *comma = strchr(bases, ','), *base;
		const struct macct *b;
		if (comma)
			*comma = '\0';
		base = unquote(bases);
		bases = comma ? comma + 1 : NULL;
		if (!*base) {
			errf(err, "%s:%u: account: missing account name after ':'",
			    import_out_name(c->o), line);
			return ERR_CONFIG;
		}
		if (!(b = find_acct(c, base)) || b == a) {
			errf(err, "%s:%u: account %s is not (yet) defined", import_out_name(c->o),
			    line, import_out_shown(base, show, sizeof show));
			return ERR_CONFIG;
		}
		macct_copy(a, b, true);
	}
	*cur = a;
	return ERR_OK;
}

static enum err
parse_line(struct conv *c, char *s, unsigned line, struct macct **cur, struct buf *err)
{
	char *cmd, *arg, show[64];
	const struct mcmd *m = NULL;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return ERR_OK;
	cmd = s;
	s += strcspn(s, " \t");
	if (*s)
		*s++ = '\0';
	arg = unquote(s);

	if (strcmp(cmd, "defaults") == 0) {
		if (*arg) {
			errf(err, "%s:%u: defaults takes no argument", import_out_name(c->o), line);
			return ERR_CONFIG;
		}
		*cur = &c->defaults;
		return ERR_OK;
	}
	if (strcmp(cmd, "account") == 0)
		return start_account(c, arg, line, cur, err);
	/* msmtp 1.2's files had no account command: the first is "default". */
	if (!*cur)
		*cur = new_acct(c, "default", line);
	if (strcmp(cmd, "eval") == 0) {
		import_out_warn(c->o, line, "eval: not carried over: --import runs no command;"
		    " add the setting its output makes by hand");
		return ERR_OK;
	}
	for (size_t i = 0; i < sizeof mcmds / sizeof mcmds[0] && !m; i++)
		if (strcmp(mcmds[i].name, cmd) == 0)
			m = &mcmds[i];
	if (!m) {
		import_out_warn(c->o, line, "%s: not carried over: not an msmtp command",
		    import_out_keyword(cmd, show, sizeof show));
		return ERR_OK;
	}
	if (m->form == F_IGNORE)
		return ERR_OK;
	struct mset *set = &(*cur)->s[m->key];
	bool on = !*arg || strcmp(arg, "on") == 0;
	const char *val = arg;
	if (m->form == F_OFF)
		val = "off";
	else if (m->form == F_ONOFF_AUTO)
		val = on ? "auto" : "off";
	else if (m->form == F_INVERT)
		val = on ? "off" : "on";
	mset_clear(set, m->key == M_PASSWORD);
	set->val = xstrdup(val);
	set->line = line;
	set->own = *cur != &c->defaults;
	return ERR_OK;
}

static enum err
parse_msmtp(struct conv *c, const char *text, size_t len, struct buf *err)
{
	char line[IMPORT_LINE_MAX + 1];
	struct import_lines l = { text, len, 0, 0 };
	struct macct *cur = NULL;
	enum err rc = ERR_OK;
	int got;

	while (rc == ERR_OK && (got = import_out_next_line(c->o, &l, line, err)) != 0) {
		if (got < 0)
			rc = ERR_CONFIG;
		else
			rc = parse_line(c, line, l.no, &cur, err);
	}
	wipe(line, sizeof line);
	return rc;
}

static bool
is_on(const char *v)
{
	return !*v || strcmp(v, "on") == 0;
}

/* For a comment that suggests a shell command: v as one shell word. */
static void
shell_word(struct buf *b, const char *v)
{
	static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789@%+=:,./_-";
	if (*v && strspn(v, plain) == strlen(v)) {
		(void)!buf_adds(b, v);
		return;
	}
	(void)!buf_addc(b, '\'');
	for (; *v; v++)
		(void)!(*v == '\'' ? buf_adds(b, "'\\''") : buf_addc(b, *v));
	(void)!buf_addc(b, '\'');
}

/* auth METHOD: the sealpost mechanism name, or NULL. */
static const char *
auth_mech(const char *v)
{
	static const char *const mechs[] = {
		"PLAIN", "LOGIN", "SCRAM-SHA-1", "SCRAM-SHA-256", "CRAM-MD5", "DIGEST-MD5",
		"XOAUTH2", "OAUTHBEARER",
	};
	for (size_t i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
		if (strcasecmp(v, mechs[i]) == 0)
			return mechs[i];
	return NULL;
}

/* tls_fingerprint: msmtp's "01:23:..." SHA-256 becomes sealpost's pin. */
static void
put_fingerprint(struct conv *c, const struct mset *s)
{
	char pin[128];
	size_t hex = 0, n = strlen(s->val);
	for (const char *p = s->val; *p; p++) {
		if (strchr("0123456789abcdefABCDEF", *p))
			hex++;
		else if (*p != ':')
			hex = 1000;
	}
	if (hex == 40 || hex == 32) {
		import_out_warn(c->o, s->line, "tls_fingerprint: not carried over: a %s"
		    " fingerprint; sealpost pins SHA-256 only (sealpost --probe prints it)",
		    hex == 40 ? "SHA-1" : "MD5");
		return;
	}
	if (hex != 64 || n + 8 > sizeof pin) {
		import_out_warn(c->o, s->line, "tls_fingerprint: not carried over: not a SHA-256"
		    " fingerprint in msmtp's 01:23:... form");
		return;
	}
	snprintf(pin, sizeof pin, "sha256:%s", s->val);
	for (char *p = pin + 7; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	(void)import_out_put(c->o, s->line, "tls_fingerprint", "tls_fingerprint", pin);
}

/* The TLS keys of an account (tls and port were written by the caller). */
static void
put_tls(struct conv *c, const struct macct *a)
{
	const struct mset *s = a->s;
	bool pinned = s[M_TLS_FINGERPRINT].val && *s[M_TLS_FINGERPRINT].val;

	if (s[M_TLS_CERTCHECK].val && !is_on(s[M_TLS_CERTCHECK].val))
		import_out_warn(c->o, s[M_TLS_CERTCHECK].line, "tls_certcheck off: not carried"
		    " over: sealpost always verifies the server; pin its certificate with"
		    " tls_fingerprint (sealpost --probe prints it)");
	if (pinned)
		put_fingerprint(c, &s[M_TLS_FINGERPRINT]);
	if (s[M_TLS_TRUST_FILE].val && strcmp(s[M_TLS_TRUST_FILE].val, "system") != 0) {
		if (!*s[M_TLS_TRUST_FILE].val) {
			if (!pinned)
				import_out_warn(c->o, s[M_TLS_TRUST_FILE].line, "tls_trust_file:"
				    " empty (no CA trusted): not carried over: sealpost verifies"
				    " with the system's CAs unless tls_fingerprint pins the"
				    " certificate");
		} else {
			char *p = import_out_path(c->o, s[M_TLS_TRUST_FILE].val);
			(void)import_out_put(c->o, s[M_TLS_TRUST_FILE].line, "tls_trust_file",
			    "tls_ca_file", p);
			free(p);
		}
	}
	if (s[M_TLS_CRL_FILE].val && *s[M_TLS_CRL_FILE].val)
		import_out_warn(c->o, s[M_TLS_CRL_FILE].line, "tls_crl_file: not carried over:"
		    " sealpost reads no CRL file");
	const struct mset *cert = &s[M_TLS_CERT_FILE], *key = &s[M_TLS_KEY_FILE];
	bool has_cert = cert->val && *cert->val, has_key = key->val && *key->val;
	if (has_cert != has_key) {
		const struct mset *one = has_cert ? cert : key;
		import_out_warn(c->o, one->line, "%s: not carried over: tls_cert_file and"
		    " tls_key_file go together", has_cert ? "tls_cert_file" : "tls_key_file");
	} else if (has_cert && (strncmp(cert->val, "pkcs11:", 7) == 0 ||
	    strncmp(key->val, "pkcs11:", 7) == 0)) {
		import_out_warn(c->o, cert->line, "tls_cert_file: not carried over: sealpost"
		    " reads client certificates from files, not PKCS #11 tokens");
	} else if (has_cert) {
		char *cp = import_out_path(c->o, cert->val), *kp = import_out_path(c->o, key->val);
		/* Both or neither: config.c refuses one without the other. */
		if (!import_out_fits("tls_cert_file", cp) || !import_out_fits("tls_key_file", kp))
			import_out_warn(c->o, cert->line, "tls_cert_file and tls_key_file: not"
			    " carried over: the file names cannot be written in sealpost.conf");
		else if (import_out_put(c->o, cert->line, "tls_cert_file", "tls_cert_file", cp))
			(void)import_out_put(c->o, key->line, "tls_key_file", "tls_key_file", kp);
		free(cp);
		free(kp);
	}
	if (s[M_TLS_HOST_OVERRIDE].val && *s[M_TLS_HOST_OVERRIDE].val)
		(void)import_out_put(c->o, s[M_TLS_HOST_OVERRIDE].line, "tls_host_override",
		    "tls_server_name",
		    s[M_TLS_HOST_OVERRIDE].val);
	if (s[M_TLS_PRIORITIES].val && *s[M_TLS_PRIORITIES].val) {
		gnutls_priority_t prio;
		const char *errpos = NULL;
		if (gnutls_priority_init(&prio, s[M_TLS_PRIORITIES].val, &errpos) < 0)
			import_out_warn(c->o, s[M_TLS_PRIORITIES].line, "tls_priorities: not"
			    " carried over: not a GnuTLS priority string (sealpost's tls_priority"
			    " is one)");
		else {
			gnutls_priority_deinit(prio);
			(void)import_out_put(c->o, s[M_TLS_PRIORITIES].line, "tls_priorities",
			    "tls_priority",
			    s[M_TLS_PRIORITIES].val);
		}
	}
	if (s[M_TLS_MIN_DH_PRIME_BITS].val && *s[M_TLS_MIN_DH_PRIME_BITS].val)
		import_out_warn(c->o, s[M_TLS_MIN_DH_PRIME_BITS].line, "tls_min_dh_prime_bits:"
		    " not carried over: deprecated in msmtp; sealpost uses GnuTLS's defaults or"
		    " tls_priority");
}

/* auth, user and the password of an account. */
static void
put_auth(struct conv *c, const struct macct *a)
{
	const struct mset *s = a->s;
	const char *auth = s[M_AUTH].val;
	bool have_user = s[M_USER].val && *s[M_USER].val;
	bool have_eval = s[M_PASSWORDEVAL].val && *s[M_PASSWORDEVAL].val;
	bool have_pass = s[M_PASSWORD].val && *s[M_PASSWORD].val;

	if (!auth || strcmp(auth, "off") == 0) {
		/* msmtp's default: no authentication, whatever user says. */
		if (have_user || have_eval || have_pass)
			import_out_warn(c->o,
			    have_user ? s[M_USER].line : have_eval ? s[M_PASSWORDEVAL].line :
			    s[M_PASSWORD].line, "user and password: not carried over: auth is off"
			    " for account %s, so msmtp does not authenticate", a->name);
		return;
	}
	if (!is_on(auth)) {
		const char *mech = auth_mech(auth);
		if (!mech)
			import_out_warn(c->o, s[M_AUTH].line, "auth: not carried over: sealpost"
			    " does not do this method (written without auth_mechanisms: its"
			    " default list)");
		else if (!auth_mech_supported(mech))
			import_out_warn(c->o, s[M_AUTH].line, "auth: not carried over: libgsasl"
			    " here lacks %s (written without auth_mechanisms: its default list)",
			    mech);
		else
			(void)import_out_put(c->o, s[M_AUTH].line, "auth", "auth_mechanisms", mech);
	}
	if (!have_user) {
		if (have_eval || have_pass)
			import_out_warn(c->o,
			    have_eval ? s[M_PASSWORDEVAL].line : s[M_PASSWORD].line,
			    "password: not carried over: account %s has no user", a->name);
		return;
	}
	if (!import_out_put(c->o, s[M_USER].line, "user", "user", s[M_USER].val))
		return;
	if (have_pass) {
		/* The value itself is never looked at again. */
		import_out_warn(c->o, s[M_PASSWORD].line, "password: not carried over: --import"
		    " never prints a secret; put it in a file only you can read and set"
		    " password_file, or use password_command");
		(void)import_out_line(c->o, "# password: not carried over; set password_file or"
		    " password_command");
	}
	if (have_eval) {
		(void)import_out_put(c->o, s[M_PASSWORDEVAL].line, "passwordeval",
		    "password_command",
		    s[M_PASSWORDEVAL].val);
	} else if (!have_pass) {
		struct buf cmd;
		import_out_warn(c->o, a->line, "password: account %s has neither password nor"
		    " passwordeval (msmtp asks the keyring, ~/.netrc or the terminal); sealpost"
		    " needs password_file or password_command", a->name);
		buf_init(&cmd, 512);
		(void)!buf_adds(&cmd, "# password_command = secret-tool lookup host ");
		shell_word(&cmd, s[M_HOST].val);
		(void)!buf_adds(&cmd, " service smtp user ");
		shell_word(&cmd, s[M_USER].val);
		(void)import_out_line(c->o, "%s", buf_str(&cmd));
		buf_free(&cmd);
	}
}

/* from, and the header and sender settings. */
static void
put_from(struct conv *c, const struct macct *a)
{
	const struct mset *s = a->s;
	const char *from = s[M_FROM].val, *v;
	bool have_from = false;

	if (from && *from) {
		if (strchr(from, '%'))
			import_out_warn(c->o, s[M_FROM].line, "from: not carried over: msmtp's"
			    " %%U/%%H/%%C/%%M substitutions have no sealpost equivalent; write"
			    " the address");
		else if (strpbrk(from, "*?[")) {
			if (!strpbrk(from, " \t,"))
				(void)import_out_put(c->o, s[M_FROM].line, "from", "match_from",
				    from);
			import_out_warn(c->o, s[M_FROM].line, "from: a pattern: written as"
			    " match_from (which picks this account for -f); set from by hand");
		} else if ((have_from = import_out_put(c->o, s[M_FROM].line, "from", "from",
		    from)) &&
		    !strpbrk(from, " \t,"))
			/* msmtp -f picks the first account whose from matches. */
			(void)import_out_put(c->o, s[M_FROM].line, "from", "match_from", from);
	}
	if ((v = s[M_ALLOW_FROM_OVERRIDE].val) && strcmp(v, "off") == 0) {
		if (have_from)
			(void)import_out_line(c->o, "from_override = no");
		else
			import_out_warn(c->o, s[M_ALLOW_FROM_OVERRIDE].line, "allow_from_override"
			    " off: not carried over: account %s has no from to enforce", a->name);
	}
	if ((v = s[M_SET_FROM_HEADER].val) && strcmp(v, "auto") != 0) {
		if (is_on(v))
			(void)import_out_line(c->o, "header_from = replace");
		else if (strcmp(v, "off") == 0)
			(void)import_out_line(c->o, "header_from = keep");
		else
			import_out_warn(c->o, s[M_SET_FROM_HEADER].line, "set_from_header: not"
			    " carried over: expected auto, on or off");
	}
}

/* Settings sealpost has no place for: one warning each, when they would
 * change what msmtp does. */
static void
warn_unsupported(struct conv *c, const struct macct *a)
{
	static const struct {
		enum mkey key;
		const char *ok;         /* a value that changes nothing, or NULL */
		const char *why;
	} rules[] = {
		{ M_SOURCE_IP, NULL, "sealpost does not bind a source address" },
		{ M_PROXY_HOST, NULL, "sealpost does not use SOCKS proxies" },
		{ M_PROXY_PORT, NULL, "sealpost does not use SOCKS proxies" },
		{ M_SOCKET, NULL, "sealpost connects over TCP only" },
		{ M_NTLMDOMAIN, NULL, "sealpost does not do NTLM" },
		{ M_DSN_NOTIFY, "off", "sealpost takes DSN requests per message (-N)" },
		{ M_DSN_RETURN, "off", "sealpost takes DSN requests per message (-R)" },
		{ M_SET_DATE_HEADER, "auto", "sealpost always adds a missing Date:" },
		{ M_SET_MSGID_HEADER, "auto", "sealpost always adds a missing Message-ID:" },
		{ M_REMOVE_BCC_HEADERS, "on", "sealpost always removes Bcc: with -t" },
		{ M_UNDISCLOSED_RECIPIENTS, "off", "sealpost keeps To: and Cc: as written" },
		{ M_LOGFILE_TIME_FORMAT, NULL, "sealpost's log lines have a fixed form" },
		{ M_AUTO_FROM, "off", "obsolete in msmtp; set from" },
	};
	static const char *const names[M_NKEYS] = {
		[M_SOURCE_IP] = "source_ip", [M_PROXY_HOST] = "proxy_host",
		[M_PROXY_PORT] = "proxy_port", [M_SOCKET] = "socket",
		[M_NTLMDOMAIN] = "ntlmdomain", [M_DSN_NOTIFY] = "dsn_notify",
		[M_DSN_RETURN] = "dsn_return", [M_SET_DATE_HEADER] = "set_date_header",
		[M_SET_MSGID_HEADER] = "set_msgid_header",
		[M_REMOVE_BCC_HEADERS] = "remove_bcc_headers",
		[M_UNDISCLOSED_RECIPIENTS] = "undisclosed_recipients",
		[M_LOGFILE_TIME_FORMAT] = "logfile_time_format", [M_AUTO_FROM] = "auto_from",
	};
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		const struct mset *s = &a->s[rules[i].key];
		bool harmless;
		if (!s->val)
			continue;
		/* An empty argument means "on" for on/off commands, "unset" for the rest. */
		harmless = rules[i].ok ? strcmp(rules[i].ok, is_on(s->val) ? "on" : s->val) == 0 ||
		    (strcmp(rules[i].ok, "auto") == 0 && is_on(s->val)) : !*s->val;
		if (!harmless)
			import_out_warn(c->o, s->line, "%s: not carried over: %s",
			    names[rules[i].key],
			    rules[i].why);
	}
}

/* Can this account be written at all? NULL if so, else why not. */
static const char *
account_problem(const struct macct *a)
{
	/* A blank, ']' or " ;" would end or cut the [account NAME] line. */
	if (!*a->name || strpbrk(a->name, " \t[];#") || has_ctl(a->name, strlen(a->name)))
		return "its name is not one word without [ ] ; #, as a sealpost account name must"
		    " be";
	if (strlen("[account ]") + strlen(a->name) > IMPORT_SECTION_MAX)
		return "its name is longer than a sealpost.conf section name may be";
	if (a->s[M_PROTOCOL].val && strcmp(a->s[M_PROTOCOL].val, "smtp") != 0)
		return "protocol is not smtp (sealpost speaks SMTP only)";
	if (!a->s[M_HOST].val || !*a->s[M_HOST].val)
		return a->s[M_SOCKET].val && *a->s[M_SOCKET].val ?
		    "it uses a socket and sealpost connects over TCP only" : "it has no host";
	return NULL;
}

static void
put_account(struct conv *c, const struct macct *a)
{
	const struct mset *s = a->s;
	bool tls = s[M_TLS].val && is_on(s[M_TLS].val);
	bool starttls = !s[M_TLS_STARTTLS].val || is_on(s[M_TLS_STARTTLS].val);
	unsigned long port = tls && !starttls ? 465 : 25;
	size_t mark = import_out_mark(c->o);

	if (!import_out_line(c->o, "\n[account %s]", a->name)) {
		import_out_warn(c->o, a->line, "account %s: not carried over: its name is too long",
		    a->name);
		return;
	}
	if (!import_out_put(c->o, s[M_HOST].line, "host", "host", s[M_HOST].val)) {
		import_out_rewind(c->o, mark);
		import_out_warn(c->o, a->line, "account %s: not carried over: its host cannot be"
		    " written",
		    a->name);
		return;
	}
	if (s[M_PORT].val && parse_uint(s[M_PORT].val, 65535, &port) != ERR_OK) {
		import_out_warn(c->o, s[M_PORT].line, "port: not carried over: not a port number");
		port = tls && !starttls ? 465 : 25;
	}
	if (port == 0)
		port = 25;
	if (!tls)
		import_out_warn(c->o, s[M_TLS].val ? s[M_TLS].line : a->line, "tls: account %s"
		    " sends in plaintext in msmtp (tls off is msmtp's default), and sealpost"
		    " never does: written as tls = starttls, which needs a server that offers"
		    " STARTTLS", a->name);
	/* Always written: sealpost's default port (465/587) is not msmtp's (25). */
	(void)import_out_line(c->o, "port = %lu", port);
	(void)import_out_line(c->o, "tls = %s", !tls || starttls ? "starttls" : "implicit");
	put_tls(c, a);
	put_auth(c, a);
	put_from(c, a);
	warn_unsupported(c, a);
}

/* Per-account settings that are global in sealpost: the value of the
 * account that becomes the default (pri); a warning for each other account
 * that sets another. */
static const struct mset *
global_of(struct conv *c, const struct macct *pri, enum mkey k, const char *what,
    const char *key)
{
	const struct mset *p = &pri->s[k];
	for (const struct macct *a = c->accts; a; a = a->next) {
		const struct mset *s = &a->s[k];
		if (a == pri || account_problem(a) || !s->val || (p->val && strcmp(s->val,
		    p->val) == 0))
			continue;
		import_out_warn(c->o, s->line, "%s: not carried over for account %s: sealpost has"
		    " one [global] %s, taken from account %s", what, a->name, key, pri->name);
	}
	return p->val && *p->val ? p : NULL;
}

static void
put_log(struct conv *c, const struct macct *pri)
{
	const struct mset *lf = global_of(c, pri, M_LOGFILE, "logfile", "log");
	const struct mset *sl = global_of(c, pri, M_SYSLOG, "syslog", "log");
	bool syslog = sl && strcmp(sl->val, "off") != 0;

	if (lf) {
		char *p = import_out_path(c->o, lf->val);
		if (strcmp(p, "-") == 0) {
			import_out_warn(c->o, lf->line, "logfile -: msmtp logs to stdout; written"
			    " as log = stderr");
			(void)import_out_line(c->o, "log = stderr");
		} else if (p[0] != '/') {
			import_out_warn(c->o, lf->line, "logfile: not carried over: sealpost"
			    " needs an absolute path");
		} else {
			(void)import_out_put(c->o, lf->line, "logfile", "log", p);
		}
		free(p);
		if (syslog)
			import_out_warn(c->o, sl->line, "syslog: not carried over: sealpost logs"
			    " to one place, the logfile");
		return;
	}
	if (syslog) {
		if (!is_on(sl->val) && strcmp(sl->val, "LOG_MAIL") != 0)
			import_out_warn(c->o, sl->line, "syslog: facility %s not carried over:"
			    " sealpost logs with facility mail", strcmp(sl->val,
			    "LOG_USER") == 0 ? "LOG_USER" :
			    "other than LOG_MAIL");
		(void)import_out_line(c->o, "log = syslog");
	}
	/* Neither: msmtp logs nothing; sealpost keeps its default, syslog. */
}

static void
put_globals(struct conv *c, const struct macct *pri)
{
	const struct mset *s;
	unsigned long secs;

	(void)import_out_line(c->o, "[global]");
	if ((s = global_of(c, pri, M_DOMAIN, "domain", "hostname"))) {
		if (strchr(s->val, '%'))
			import_out_warn(c->o, s->line, "domain: not carried over: msmtp's"
			    " %%H/%%C/%%M substitutions have no sealpost equivalent (sealpost's"
			    " default is the host's FQDN)");
		else if (strcmp(s->val, "localhost") == 0)
			import_out_warn(c->o, s->line, "domain localhost: not carried over:"
			    " sealpost says EHLO with the host's FQDN");
		else if (import_out_put(c->o, s->line, "domain", "hostname", s->val))
			(void)import_out_line(c->o, "# hostname: msmtp's domain (the EHLO name);"
			    " sealpost also uses it for Message-IDs and local names");
	}
	if ((s = global_of(c, pri, M_MAILDOMAIN, "maildomain", "maildomain")))
		(void)import_out_put(c->o, s->line, "maildomain", "maildomain", s->val);
	if ((s = global_of(c, pri, M_TIMEOUT, "timeout", "connect_timeout")) &&
	    strcmp(s->val, "off") != 0) {
		if (parse_uint(s->val, 366UL * 86400, &secs) != ERR_OK || secs == 0)
			import_out_warn(c->o, s->line, "timeout: not carried over: not a number"
			    " of seconds");
		else
			(void)import_out_line(c->o, "connect_timeout = %lus\ncommand_timeout ="
			    " %lus", secs,
			    secs);
	}
	put_log(c, pri);
}

/* [aliases] from the aliases file the default account names. */
static void
put_aliases(struct conv *c, const struct macct *pri)
{
	const struct mset *s = global_of(c, pri, M_ALIASES, "aliases", "[aliases]");
	if (s) {
		char *path = import_out_path(c->o, s->val);
		import_out_aliases(c->o, s->line, path);
		free(path);
	}
}

/* The account that becomes [account default]: msmtp's "default", else the
 * first that can be carried over (its per-account settings become the
 * [global] ones). */
static const struct macct *
primary(struct conv *c)
{
	const struct macct *a = find_acct(c, "default");
	if (a && !account_problem(a))
		return a;
	for (a = c->accts; a; a = a->next)
		if (!account_problem(a))
			return a;
	return NULL;
}

static void
convert(struct conv *c, const struct macct *pri)
{
	char show[64];
	(void)import_out_line(c->o, "# sealpost.conf(5), converted from %s by sealpost --import"
	    " msmtp.",
	    import_out_name(c->o));
	(void)import_out_line(c->o, "# Read the warnings it printed; check with sealpost"
	    " --check-config -C FILE.");
	put_globals(c, pri);
	put_aliases(c, pri);
	for (const struct macct *a = c->accts; a; a = a->next) {
		const char *why = account_problem(a);
		if (why)
			import_out_warn(c->o, a->line, "account %s: not carried over: %s",
			    import_out_shown(a->name, show, sizeof show), why);
		else
			put_account(c, a);
	}
	if (strcmp(pri->name, "default") != 0)
		import_out_warn(c->o, 0, "no account named default: sealpost, like msmtp, then"
		    " needs -a NAME or a -f that an account's from matches");
}

enum err
import_msmtp(struct import_out *o, const char *text, size_t len, struct buf *err)
{
	struct conv c = { .o = o };
	const struct macct *pri = NULL;
	enum err rc = parse_msmtp(&c, text, len, err);

	if (rc == ERR_OK && !(pri = primary(&c))) {
		errf(err, "%s: no account could be carried over (an account needs a host)",
		    import_out_name(o));
		rc = ERR_CONFIG;
	}
	if (rc == ERR_OK)
		convert(&c, pri);
	macct_free(&c.defaults);
	while (c.accts) {
		struct macct *next = c.accts->next;
		macct_free(c.accts);
		free(c.accts);
		c.accts = next;
	}
	return rc;
}
