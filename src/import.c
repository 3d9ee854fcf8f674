// SPDX-License-Identifier: MIT
/* import.c: sealpost --import: msmtp's configuration file converted to a
 * sealpost.conf(5) text. The parser follows msmtp 1.8 as Debian 12 ships it
 * (msmtp(1) CONFIGURATION FILES, and what msmtp -P shows): a command and an
 * argument per line, '#' comments, an argument stripped of one pair of
 * enclosing double quotes and nothing else (no backslash escapes), `defaults`
 * filling every later account, and `account NAME : BASE,...` copying what
 * each base set itself. Each account is flattened, then mapped key by key;
 * what cannot be carried over is named in one warning line with its file and
 * line. The text made is checked with config_parse_mem() before anyone sees
 * it. This file never prints, logs or copies a password it read, never runs
 * a command (eval, passwordeval) and opens files only through import_io (but
 * import_main, the mode's front end). */
#include "import.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "addr.h"
#include "auth.h"
#include "bounds.h"
#include "config.h"
#include "log.h"
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
	char name[256];                 /* the file's name, printable */
	const struct import_io *io;
	struct macct defaults;
	struct macct *accts;
	struct buf *out, *warn;
	unsigned nwarn;
	bool overflow;                  /* out reached its bound */
};

static void warn(struct conv *c, unsigned line, const char *fmt, ...) PRINTF(3, 4);

static void
warn(struct conv *c, unsigned line, const char *fmt, ...)
{
	va_list ap;
	if (++c->nwarn > IMPORT_WARN_MAX)
		return;
	if (line)
		(void)!buf_addf(c->warn, "%s:%u: ", c->name, line);
	else
		(void)!buf_addf(c->warn, "%s: ", c->name);
	va_start(ap, fmt);
	(void)!buf_vaddf(c->warn, fmt, ap);
	va_end(ap);
	(void)!buf_addc(c->warn, '\n');
}

/* A string from the file, safe to show: control bytes become '?', and
 * at most 60 bytes are kept. Never used on a secret. */
static const char *
shown(const char *s, char *out, size_t cap)
{
	size_t i;
	for (i = 0; s[i] && i + 1 < cap && i < 60; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7F ? '?' : s[i];
	out[i] = '\0';
	return out;
}

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
		errf(err, "%s:%u: account: missing account name", c->name, line);
		return ERR_CONFIG;
	}
	if (strchr(name, ',')) {
		errf(err, "%s:%u: account: a name must not contain commas", c->name, line);
		return ERR_CONFIG;
	}
	if (find_acct(c, name)) {
		errf(err, "%s:%u: account %s is defined twice", c->name, line,
		    shown(name, show, sizeof show));
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
			errf(err, "%s:%u: account: missing account name after ':'", c->name, line);
			return ERR_CONFIG;
		}
		if (!(b = find_acct(c, base)) || b == a) {
			errf(err, "%s:%u: account %s is not (yet) defined", c->name, line,
			    shown(base, show, sizeof show));
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
			errf(err, "%s:%u: defaults takes no argument", c->name, line);
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
		warn(c, line, "eval: not carried over: --import runs no command; add the"
		    " setting its output makes by hand");
		return ERR_OK;
	}
	for (size_t i = 0; i < sizeof mcmds / sizeof mcmds[0] && !m; i++)
		if (strcmp(mcmds[i].name, cmd) == 0)
			m = &mcmds[i];
	if (!m) {
		warn(c, line, "%s: not carried over: not an msmtp command",
		    shown(cmd, show, sizeof show));
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
	struct macct *cur = NULL;
	unsigned lineno = 0;
	enum err rc = ERR_OK;

	for (size_t pos = 0; pos < len && rc == ERR_OK;) {
		size_t end = pos, n;
		while (end < len && text[end] != '\n')
			end++;
		n = end - pos;
		lineno++;
		if (n > IMPORT_LINE_MAX) {
			errf(err, "%s:%u: line longer than %d bytes", c->name, lineno,
			    IMPORT_LINE_MAX);
			rc = ERR_CONFIG;
			break;
		}
		if (memchr(text + pos, '\0', n)) {
			errf(err, "%s:%u: NUL byte", c->name, lineno);
			rc = ERR_CONFIG;
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		pos = end + 1;
		rc = parse_line(c, line, lineno, &cur, err);
	}
	wipe(line, sizeof line);
	return rc;
}

/* --- the sealpost side --- */

/* Can value be written as a sealpost.conf value (see config.c and libinih),
 * and must it be quoted? NULL if so, else why not. */
static const char *
ini_value_problem(const char *v, bool *quote)
{
	size_t n = strlen(v);
	*quote = false;
	if (n == 0)
		return "it is empty";
	if (has_ctl(v, n))
		return "it holds a control character (a tab?), which sealpost.conf refuses";
	for (size_t i = 1; i < n; i++)
		if (v[i] == ';' && (v[i - 1] == ' ' || v[i - 1] == '\t'))
			return "it holds \" ;\", where sealpost.conf starts a comment";
	*quote = v[0] == ' ' || v[n - 1] == ' ' || v[0] == ';' ||
	    (n >= 2 && v[0] == '"' && v[n - 1] == '"');
	return NULL;
}

/* One output line (without its newline): false if it would be longer than
 * a sealpost.conf line may be. */
static bool
put_line(struct conv *c, const char *fmt, ...) PRINTF(2, 3);

static bool
put_line(struct conv *c, const char *fmt, ...)
{
	char line[CONFIG_LINE_MAX + 8];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* config.c's reader: the line, its newline and a NUL in CONFIG_LINE_MAX. */
	if (n < 0 || (size_t)n + 2 > CONFIG_LINE_MAX)
		return false;
	if (buf_addf(c->out, "%s\n", line) != ERR_OK)
		c->overflow = true;
	return true;
}

/* key = value into the output; a warning naming line (and the msmtp
 * command what) when it cannot be. */
static bool
put(struct conv *c, unsigned line, const char *what, const char *key, const char *v)
{
	bool quote;
	const char *why = ini_value_problem(v, &quote);
	if (!why && !put_line(c, quote ? "%s = \"%s\"" : "%s = %s", key, v))
		why = "the line would be longer than a sealpost.conf line may be";
	if (why) {
		warn(c, line, "%s: not carried over as %s: %s", what, key, why);
		return false;
	}
	return true;
}

/* Would put() write key = v? */
static bool
fits(const char *key, const char *v)
{
	bool quote;
	return !ini_value_problem(v, &quote) &&
	    strlen(key) + strlen(v) + (quote ? 2 : 0) + 3 + 2 <= CONFIG_LINE_MAX;
}

/* A file name, with msmtp's '~' replaced by the home directory. */
static char *
path_of(const struct conv *c, const char *v)
{
	struct buf b;
	if (v[0] != '~' || !c->io || !c->io->home)
		return xstrdup(v);
	buf_init(&b, IMPORT_LINE_MAX + 4096);
	if (buf_addf(&b, "%s%s", c->io->home, v + 1) != ERR_OK) {
		buf_free(&b);
		return xstrdup(v);
	}
	return buf_take(&b);
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
	if (*v && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789@%+=:,./_-") == strlen(v)) {
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
		if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))
			hex++;
		else if (*p != ':')
			hex = 1000;
	}
	if (hex == 40 || hex == 32) {
		warn(c, s->line, "tls_fingerprint: not carried over: a %s fingerprint;"
		    " sealpost pins SHA-256 only (sealpost --probe prints it)",
		    hex == 40 ? "SHA-1" : "MD5");
		return;
	}
	if (hex != 64 || n + 8 > sizeof pin) {
		warn(c, s->line, "tls_fingerprint: not carried over: not a SHA-256"
		    " fingerprint in msmtp's 01:23:... form");
		return;
	}
	snprintf(pin, sizeof pin, "sha256:%s", s->val);
	for (char *p = pin + 7; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	(void)put(c, s->line, "tls_fingerprint", "tls_fingerprint", pin);
}

/* The TLS keys of an account (tls and port were written by the caller). */
static void
put_tls(struct conv *c, const struct macct *a)
{
	const struct mset *s = a->s;
	bool pinned = s[M_TLS_FINGERPRINT].val && *s[M_TLS_FINGERPRINT].val;

	if (s[M_TLS_CERTCHECK].val && !is_on(s[M_TLS_CERTCHECK].val))
		warn(c, s[M_TLS_CERTCHECK].line, "tls_certcheck off: not carried over:"
		    " sealpost always verifies the server; pin its certificate with"
		    " tls_fingerprint (sealpost --probe prints it)");
	if (pinned)
		put_fingerprint(c, &s[M_TLS_FINGERPRINT]);
	if (s[M_TLS_TRUST_FILE].val && strcmp(s[M_TLS_TRUST_FILE].val, "system") != 0) {
		if (!*s[M_TLS_TRUST_FILE].val) {
			if (!pinned)
				warn(c, s[M_TLS_TRUST_FILE].line, "tls_trust_file: empty (no"
				    " CA trusted): not carried over: sealpost verifies with the"
				    " system's CAs unless tls_fingerprint pins the certificate");
		} else {
			char *p = path_of(c, s[M_TLS_TRUST_FILE].val);
			(void)put(c, s[M_TLS_TRUST_FILE].line, "tls_trust_file", "tls_ca_file", p);
			free(p);
		}
	}
	if (s[M_TLS_CRL_FILE].val && *s[M_TLS_CRL_FILE].val)
		warn(c, s[M_TLS_CRL_FILE].line, "tls_crl_file: not carried over: sealpost"
		    " reads no CRL file");
	const struct mset *cert = &s[M_TLS_CERT_FILE], *key = &s[M_TLS_KEY_FILE];
	bool has_cert = cert->val && *cert->val, has_key = key->val && *key->val;
	if (has_cert != has_key) {
		const struct mset *one = has_cert ? cert : key;
		warn(c, one->line, "%s: not carried over: tls_cert_file and tls_key_file go"
		    " together", has_cert ? "tls_cert_file" : "tls_key_file");
	} else if (has_cert && (strncmp(cert->val, "pkcs11:", 7) == 0 ||
	    strncmp(key->val, "pkcs11:", 7) == 0)) {
		warn(c, cert->line, "tls_cert_file: not carried over: sealpost reads"
		    " client certificates from files, not PKCS #11 tokens");
	} else if (has_cert) {
		char *cp = path_of(c, cert->val), *kp = path_of(c, key->val);
		/* Both or neither: config.c refuses one without the other. */
		if (!fits("tls_cert_file", cp) || !fits("tls_key_file", kp))
			warn(c, cert->line, "tls_cert_file and tls_key_file: not carried over: the"
			    " file names cannot be written in sealpost.conf");
		else if (put(c, cert->line, "tls_cert_file", "tls_cert_file", cp))
			(void)put(c, key->line, "tls_key_file", "tls_key_file", kp);
		free(cp);
		free(kp);
	}
	if (s[M_TLS_HOST_OVERRIDE].val && *s[M_TLS_HOST_OVERRIDE].val)
		(void)put(c, s[M_TLS_HOST_OVERRIDE].line, "tls_host_override", "tls_server_name",
		    s[M_TLS_HOST_OVERRIDE].val);
	if (s[M_TLS_PRIORITIES].val && *s[M_TLS_PRIORITIES].val) {
		gnutls_priority_t prio;
		const char *errpos = NULL;
		if (gnutls_priority_init(&prio, s[M_TLS_PRIORITIES].val, &errpos) < 0)
			warn(c, s[M_TLS_PRIORITIES].line, "tls_priorities: not carried over:"
			    " not a GnuTLS priority string (sealpost's tls_priority is one)");
		else {
			gnutls_priority_deinit(prio);
			(void)put(c, s[M_TLS_PRIORITIES].line, "tls_priorities", "tls_priority",
			    s[M_TLS_PRIORITIES].val);
		}
	}
	if (s[M_TLS_MIN_DH_PRIME_BITS].val && *s[M_TLS_MIN_DH_PRIME_BITS].val)
		warn(c, s[M_TLS_MIN_DH_PRIME_BITS].line, "tls_min_dh_prime_bits: not carried"
		    " over: deprecated in msmtp; sealpost uses GnuTLS's defaults or tls_priority");
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
			warn(c, have_user ? s[M_USER].line : have_eval ? s[M_PASSWORDEVAL].line :
			    s[M_PASSWORD].line, "user and password: not carried over: auth is"
			    " off for account %s, so msmtp does not authenticate", a->name);
		return;
	}
	if (!is_on(auth)) {
		const char *mech = auth_mech(auth);
		if (!mech)
			warn(c, s[M_AUTH].line, "auth: not carried over: sealpost does not do"
			    " this method (written without auth_mechanisms: its default list)");
		else if (!auth_mech_supported(mech))
			warn(c, s[M_AUTH].line, "auth: not carried over: libgsasl here lacks"
			    " %s (written without auth_mechanisms: its default list)", mech);
		else
			(void)put(c, s[M_AUTH].line, "auth", "auth_mechanisms", mech);
	}
	if (!have_user) {
		if (have_eval || have_pass)
			warn(c, have_eval ? s[M_PASSWORDEVAL].line : s[M_PASSWORD].line,
			    "password: not carried over: account %s has no user", a->name);
		return;
	}
	if (!put(c, s[M_USER].line, "user", "user", s[M_USER].val))
		return;
	if (have_pass) {
		/* The value itself is never looked at again. */
		warn(c, s[M_PASSWORD].line, "password: not carried over: --import never"
		    " prints a secret; put it in a file only you can read and set"
		    " password_file, or use password_command");
		(void)put_line(c, "# password: not carried over; set password_file or"
		    " password_command");
	}
	if (have_eval) {
		(void)put(c, s[M_PASSWORDEVAL].line, "passwordeval", "password_command",
		    s[M_PASSWORDEVAL].val);
	} else if (!have_pass) {
		struct buf cmd;
		warn(c, a->line, "password: account %s has neither password nor"
		    " passwordeval (msmtp asks the keyring, ~/.netrc or the terminal);"
		    " sealpost needs password_file or password_command", a->name);
		buf_init(&cmd, 512);
		(void)!buf_adds(&cmd, "# password_command = secret-tool lookup host ");
		shell_word(&cmd, s[M_HOST].val);
		(void)!buf_adds(&cmd, " service smtp user ");
		shell_word(&cmd, s[M_USER].val);
		(void)put_line(c, "%s", buf_str(&cmd));
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
			warn(c, s[M_FROM].line, "from: not carried over: msmtp's %%U/%%H/%%C/%%M"
			    " substitutions have no sealpost equivalent; write the address");
		else if (strpbrk(from, "*?[")) {
			if (!strpbrk(from, " \t,"))
				(void)put(c, s[M_FROM].line, "from", "match_from", from);
			warn(c, s[M_FROM].line, "from: a pattern: written as match_from"
			    " (which picks this account for -f); set from by hand");
		} else if ((have_from = put(c, s[M_FROM].line, "from", "from", from)) &&
		    !strpbrk(from, " \t,"))
			/* msmtp -f picks the first account whose from matches. */
			(void)put(c, s[M_FROM].line, "from", "match_from", from);
	}
	if ((v = s[M_ALLOW_FROM_OVERRIDE].val) && strcmp(v, "off") == 0) {
		if (have_from)
			(void)put_line(c, "from_override = no");
		else
			warn(c, s[M_ALLOW_FROM_OVERRIDE].line, "allow_from_override off: not"
			    " carried over: account %s has no from to enforce", a->name);
	}
	if ((v = s[M_SET_FROM_HEADER].val) && strcmp(v, "auto") != 0) {
		if (is_on(v))
			(void)put_line(c, "header_from = replace");
		else if (strcmp(v, "off") == 0)
			(void)put_line(c, "header_from = keep");
		else
			warn(c, s[M_SET_FROM_HEADER].line, "set_from_header: not carried over:"
			    " expected auto, on or off");
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
			warn(c, s->line, "%s: not carried over: %s", names[rules[i].key],
			    rules[i].why);
	}
}

/* Can this account be written at all? NULL if so, else why not. */
static const char *
account_problem(const struct macct *a)
{
	/* A blank, ']' or " ;" would end or cut the [account NAME] line. */
	if (!*a->name || strpbrk(a->name, " \t[];#") || has_ctl(a->name, strlen(a->name)))
		return "its name is not one word without [ ] ; #, as a sealpost account name"
		    " must be";
	if (strlen("account ") + strlen(a->name) >= CONFIG_SECTION_MAX)
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
	size_t mark = c->out->len;

	if (!put_line(c, "\n[account %s]", a->name)) {
		warn(c, a->line, "account %s: not carried over: its name is too long", a->name);
		return;
	}
	if (!put(c, s[M_HOST].line, "host", "host", s[M_HOST].val)) {
		buf_truncate(c->out, mark);
		warn(c, a->line, "account %s: not carried over: its host cannot be written",
		    a->name);
		return;
	}
	if (s[M_PORT].val && parse_uint(s[M_PORT].val, 65535, &port) != ERR_OK) {
		warn(c, s[M_PORT].line, "port: not carried over: not a port number");
		port = tls && !starttls ? 465 : 25;
	}
	if (port == 0)
		port = 25;
	if (!tls)
		warn(c, s[M_TLS].val ? s[M_TLS].line : a->line, "tls: account %s sends in"
		    " plaintext in msmtp (tls off is msmtp's default), and sealpost never"
		    " does: written as tls = starttls, which needs a server that offers"
		    " STARTTLS", a->name);
	/* Always written: sealpost's default port (465/587) is not msmtp's (25). */
	(void)put_line(c, "port = %lu", port);
	(void)put_line(c, "tls = %s", !tls || starttls ? "starttls" : "implicit");
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
		warn(c, s->line, "%s: not carried over for account %s: sealpost has one"
		    " [global] %s, taken from account %s", what, a->name, key, pri->name);
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
		char *p = path_of(c, lf->val);
		if (strcmp(p, "-") == 0) {
			warn(c, lf->line, "logfile -: msmtp logs to stdout; written as log = stderr");
			(void)put_line(c, "log = stderr");
		} else if (p[0] != '/') {
			warn(c, lf->line, "logfile: not carried over: sealpost needs an absolute"
			    " path");
		} else {
			(void)put(c, lf->line, "logfile", "log", p);
		}
		free(p);
		if (syslog)
			warn(c, sl->line, "syslog: not carried over: sealpost logs to one place,"
			    " the logfile");
		return;
	}
	if (syslog) {
		if (!is_on(sl->val) && strcmp(sl->val, "LOG_MAIL") != 0)
			warn(c, sl->line, "syslog: facility %s not carried over: sealpost logs"
			    " with facility mail", strcmp(sl->val, "LOG_USER") == 0 ? "LOG_USER" :
			    "other than LOG_MAIL");
		(void)put_line(c, "log = syslog");
	}
	/* Neither: msmtp logs nothing; sealpost keeps its default, syslog. */
}

static void
put_globals(struct conv *c, const struct macct *pri)
{
	const struct mset *s;
	unsigned long secs;

	(void)put_line(c, "[global]");
	if ((s = global_of(c, pri, M_DOMAIN, "domain", "hostname"))) {
		if (strchr(s->val, '%'))
			warn(c, s->line, "domain: not carried over: msmtp's %%H/%%C/%%M"
			    " substitutions have no sealpost equivalent (sealpost's default"
			    " is the host's FQDN)");
		else if (strcmp(s->val, "localhost") == 0)
			warn(c, s->line, "domain localhost: not carried over: sealpost says EHLO"
			    " with the host's FQDN");
		else if (put(c, s->line, "domain", "hostname", s->val))
			(void)put_line(c, "# hostname: msmtp's domain (the EHLO name); sealpost"
			    " also uses it for Message-IDs and local names");
	}
	if ((s = global_of(c, pri, M_MAILDOMAIN, "maildomain", "maildomain")))
		(void)put(c, s->line, "maildomain", "maildomain", s->val);
	if ((s = global_of(c, pri, M_TIMEOUT, "timeout", "connect_timeout")) &&
	    strcmp(s->val, "off") != 0) {
		if (parse_uint(s->val, 366UL * 86400, &secs) != ERR_OK || secs == 0)
			warn(c, s->line, "timeout: not carried over: not a number of seconds");
		else
			(void)put_line(c, "connect_timeout = %lus\ncommand_timeout = %lus", secs,
			    secs);
	}
	put_log(c, pri);
}

/* [aliases] from msmtp's aliases file: "local: addr, addr" lines, '#'
 * comments; "default" matches any other local name (sealpost's "*"). */
static void
put_aliases(struct conv *c, const struct macct *pri)
{
	const struct mset *s = global_of(c, pri, M_ALIASES, "aliases", "[aliases]");
	struct buf text, err, seen;
	char *path, fname[256], show[64];
	unsigned lineno = 0;

	if (!s)
		return;
	path = path_of(c, s->val);
	buf_init(&text, CONFIG_FILE_MAX);
	buf_init(&err, 1024);
	buf_init(&seen, CONFIG_FILE_MAX);
	if (!c->io || !c->io->read_file ||
	    c->io->read_file(c->io->ctx, path, &text, &err) != ERR_OK) {
		warn(c, s->line, "aliases: not carried over: %s", err.len ? buf_str(&err) :
		    "the file could not be read");
		goto out;
	}
	shown(path, fname, sizeof fname);
	(void)put_line(c, "\n[aliases]");
	for (size_t pos = 0; pos < text.len;) {
		char line[IMPORT_LINE_MAX + 1], *name, *targets, *hash;
		size_t end = pos, n;
		struct buf val;
		while (end < text.len && text.data[end] != '\n')
			end++;
		n = end - pos;
		lineno++;
		if (n > IMPORT_LINE_MAX || memchr(text.data + pos, '\0', n)) {
			warn(c, s->line, "aliases: %s:%u: line too long or with a NUL byte;"
			    " the rest of the file is not carried over", fname, lineno);
			break;
		}
		memcpy(line, text.data + pos, n);
		line[n] = '\0';
		pos = end + 1;
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		name = str_trim(line);
		if (!*name)
			continue;
		if (!(targets = strchr(name, ':'))) {
			warn(c, s->line, "aliases: %s:%u: not carried over: expected"
			    " \"name: address, ...\"", fname, lineno);
			continue;
		}
		*targets++ = '\0';
		str_trim(name);
		if (!*name || strpbrk(name, " \t=:;#[]\"\\*") || has_ctl(name, strlen(name))) {
			warn(c, s->line, "aliases: %s:%u: \"%s\": not carried over: not a name"
			    " sealpost.conf can hold", fname, lineno, shown(name, show, sizeof show));
			continue;
		}
		if (strcmp(name, "default") == 0)
			name[0] = '*', name[1] = '\0';
		/* sealpost refuses an alias defined twice (names without regard to case). */
		char key[IMPORT_LINE_MAX + 3];
		snprintf(key, sizeof key, "\n%s\n", name);
		for (char *k = key; *k; k++)
			*k = (char)tolower((unsigned char)*k);
		if (seen.len && strstr(buf_str(&seen), key)) {
			warn(c, s->line, "aliases: %s:%u: %s: not carried over: defined before",
			    fname, lineno, name);
			continue;
		}
		buf_init(&val, IMPORT_LINE_MAX);
		for (char *t = strtok_r(targets, ",", &hash); t; t = strtok_r(NULL, ",", &hash)) {
			struct addr_list al;
			const char *why = NULL, *d;
			t = str_trim(t);
			if (!*t)
				continue;
			addr_list_init(&al);
			if (addr_parse_list(t, strlen(t), &al, &why) != ERR_OK || al.n != 1 ||
			    !(d = strchr(al.v[0], '@')) || strcasecmp(d + 1, "localhost") == 0)
				warn(c, s->line, "aliases: %s:%u: %s: \"%s\" not carried over:"
				    " sealpost aliases lead to addresses with a domain", fname, lineno,
				    name, shown(t, show, sizeof show));
			else
				(void)!buf_addf(&val, "%s%s", val.len ? ", " : "", t);
			addr_list_free(&al);
		}
		if (val.len && put(c, s->line, "aliases", name, buf_str(&val)))
			(void)!buf_adds(&seen, key + (seen.len ? 1 : 0));
		buf_free(&val);
	}
out:
	free(path);
	buf_free(&text);
	buf_free(&err);
	buf_free(&seen);
}

bool
import_format_known(const char *format)
{
	return strcmp(format, "msmtp") == 0 || strcmp(format, "msmtprc") == 0;
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
	(void)put_line(c, "# sealpost.conf(5), converted from %s by sealpost --import msmtp.",
	    c->name);
	(void)put_line(c, "# Read the warnings it printed; check with sealpost --check-config -C FILE.");
	put_globals(c, pri);
	put_aliases(c, pri);
	for (const struct macct *a = c->accts; a; a = a->next) {
		const char *why = account_problem(a);
		if (why)
			warn(c, a->line, "account %s: not carried over: %s",
			    shown(a->name, show, sizeof show), why);
		else
			put_account(c, a);
	}
	if (strcmp(pri->name, "default") != 0)
		warn(c, 0, "no account named default: sealpost, like msmtp, then needs -a"
		    " NAME or a -f that an account's from matches");
}

enum err
import_convert(const char *format, const char *name, const char *text, size_t len,
    const struct import_io *io, struct buf *out, struct buf *warnings, struct buf *err)
{
	struct conv c;
	const struct macct *pri;
	enum err rc;
	size_t i;

	memset(&c, 0, sizeof c);
	for (i = 0; name[i] && i + 1 < sizeof c.name; i++)
		c.name[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7F ? '?' : name[i];
	c.io = io;
	c.out = out;
	c.warn = warnings;
	if (!import_format_known(format)) {
		char show[64];
		errf(err, "--import: unknown format \"%s\" (expected msmtp)",
		    shown(format, show, sizeof show));
		return ERR_USAGE;
	}
	if ((rc = parse_msmtp(&c, text, len, err)) != ERR_OK)
		goto out;
	if (!(pri = primary(&c))) {
		errf(err, "%s: no account could be carried over (an account needs a host)",
		    c.name);
		rc = ERR_CONFIG;
		goto out;
	}
	convert(&c, pri);
	if (c.nwarn > IMPORT_WARN_MAX)
		(void)!buf_addf(c.warn, "%s: %u more warnings not shown\n", c.name,
		    c.nwarn - IMPORT_WARN_MAX);
	if (c.overflow) {
		errf(err, "%s: the converted configuration would be larger than %d bytes",
		    c.name, CONFIG_FILE_MAX);
		rc = ERR_CONFIG;
		goto out;
	}
	/* What we print must be what sealpost reads. */
	struct config cfg;
	struct buf perr;
	config_defaults(&cfg);
	buf_init(&perr, 1024);
	if (config_parse_mem(&cfg, "converted", buf_str(out), out->len, &perr) != ERR_OK) {
		errf(err, "internal error: the converted configuration does not parse: %s",
		    buf_str(&perr));
		rc = ERR_INTERNAL;
	}
	config_free(&cfg);
	buf_free(&perr);
out:
	macct_free(&c.defaults);
	while (c.accts) {
		struct macct *next = c.accts->next;
		macct_free(c.accts);
		free(c.accts);
		c.accts = next;
	}
	if (rc != ERR_OK)
		buf_reset(out);
	return rc;
}

/* --- the mode's front end: the only part that opens files or prints --- */

/* import_io's read_file: a regular file of at most the buffer's bound.
 * O_NONBLOCK: a FIFO named here must not hang the import. */
static enum err
read_file(void *ctx, const char *path, struct buf *out, struct buf *err)
{
	struct stat st;
	enum err rc = ERR_OK;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	(void)ctx;
	if (fd < 0) {
		errf(err, "%s: %s", path, strerror(errno));
		return ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		errf(err, "%s: not a regular file", path);
		rc = ERR_IO;
	} else if ((rc = buf_read_fd(out, fd)) == ERR_TOOBIG) {
		errf(err, "%s: larger than %zu bytes", path, out->max);
	} else if (rc != ERR_OK) {
		errf(err, "%s: %s", path, strerror(errno));
	}
	close(fd);
	return rc;
}

/* msmtp's user file: ~/.msmtprc, else $XDG_CONFIG_HOME/msmtp/config. */
static const char *
default_file(char *buf, size_t cap)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	if (home && *home) {
		snprintf(buf, cap, "%s/.msmtprc", home);
		if (access(buf, F_OK) == 0)
			return buf;
	}
	if (xdg && *xdg == '/')
		snprintf(buf, cap, "%s/msmtp/config", xdg);
	else if (home && *home)
		snprintf(buf, cap, "%s/.config/msmtp/config", home);
	else
		return NULL;
	return access(buf, F_OK) == 0 ? buf : NULL;
}

int
import_main(const char *format, const char *file)
{
	struct import_io io = { read_file, NULL, getenv("HOME") };
	struct buf text, out, warnings, err;
	char pathbuf[4096];
	int status = EX_OK;
	enum err rc;

	if (!import_format_known(format)) {
		say("--import: unknown format \"%s\" (expected msmtp)", format);
		return EX_USAGE;
	}
	if (!file && !(file = default_file(pathbuf, sizeof pathbuf))) {
		say("--import msmtp: neither ~/.msmtprc nor $XDG_CONFIG_HOME/msmtp/config"
		    " exists; name the file: sealpost --import msmtp FILE");
		return EX_NOINPUT;
	}
	buf_init(&text, CONFIG_FILE_MAX);
	buf_init(&out, CONFIG_FILE_MAX);
	buf_init(&warnings, (size_t)(IMPORT_WARN_MAX + 1) * 512);
	buf_init(&err, 4096);
	if ((rc = read_file(NULL, file, &text, &err)) != ERR_OK) {
		say("%s", buf_str(&err));
		status = rc == ERR_TOOBIG ? EX_CONFIG : EX_NOINPUT;
		goto out;
	}
	rc = import_convert(format, file, buf_str(&text), text.len, &io, &out, &warnings, &err);
	for (const char *p = buf_str(&warnings); *p;) {
		size_t n = strcspn(p, "\n");
		fprintf(stderr, "sealpost: %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	switch (rc) {
	case ERR_OK:
		fwrite(out.data, 1, out.len, stdout);
		break;
	case ERR_INTERNAL:
		say("%s", buf_str(&err));
		status = EX_SOFTWARE;
		break;
	default:
		say("%s", buf_str(&err));
		status = EX_CONFIG;
		break;
	}
out:
	buf_wipe(&text);
	buf_free(&out);
	buf_free(&warnings);
	buf_free(&err);
	return status;
}
