// SPDX-License-Identifier: MIT
/* config.c: the configuration file. libinih does the INI syntax through
 * ini_parse_stream() with our own reader, because Debian's libinih (r55)
 * silently splits lines longer than 199 bytes and would let the tail of a
 * long value become a key of its own: the reader splits such a key = value
 * line itself, up to CONFIG_LINE_MAX bytes. This file owns every default, every
 * validation and the permission rules of doc/decisions.md D9; it never touches the
 * network and never prints a secret. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "auth.h"
#include "util.h"

enum ktype { K_STR, K_PORT, K_DURATION, K_BOOL, K_TLSMODE, K_HFROM, K_MODE,
	K_POLICY, K_PINS, K_TLSVER, K_MECHS, K_GLOBS, K_LOG, K_TRUSTAD, K_SECRET,
	K_FROVR, K_USERS };

struct key {
	const char *name;
	enum ktype type;
	size_t off;
};

#define G(n, t, f) { n, t, offsetof(struct config, f) }
static const struct key global_keys[] = {
	G("hostname", K_STR, hostname),
	G("maildomain", K_STR, maildomain),
	G("admin", K_STR, admin),
	G("queue", K_BOOL, queue),
	G("queue_dir", K_STR, queue_dir),
	G("retry_min", K_DURATION, retry_min_ms),
	G("retry_max", K_DURATION, retry_max_ms),
	G("queue_lifetime", K_DURATION, queue_lifetime_ms),
	G("bounce", K_BOOL, bounce),
	G("log", K_LOG, log),
	G("connect_timeout", K_DURATION, connect_timeout_ms),
	G("command_timeout", K_DURATION, command_timeout_ms),
	G("session_timeout", K_DURATION, session_timeout_ms),
	G("dns_server", K_STR, dns_server),
	G("dns_trust_ad", K_TRUSTAD, dns_trust_ad),
	G("dns_validate", K_BOOL, dns_validate),
	G("dns_trust_anchor", K_STR, dns_trust_anchor),
	{ NULL, K_STR, 0 },
};
#undef G

#define A(n, t, f) { n, t, offsetof(struct account, f) }
static const struct key account_keys[] = {
	A("mode", K_MODE, mode),
	A("host", K_STR, host),
	A("port", K_PORT, port),
	A("tls", K_TLSMODE, tls),
	A("tls_ca_file", K_STR, tls_ca_file),
	A("tls_fingerprint", K_PINS, tls_fingerprint),
	A("tls_server_name", K_STR, tls_server_name),
	A("tls_cert_file", K_STR, tls_cert_file),
	A("tls_key_file", K_STR, tls_key_file),
	A("tls_min_version", K_TLSVER, tls_min_version),
	A("tls_priority", K_STR, tls_priority),
	A("user", K_STR, user),
	A("password", K_SECRET, password),
	A("password_file", K_STR, password_file),
	A("password_command", K_STR, password_command),
	A("auth_mechanisms", K_MECHS, auth_mechanisms),
	A("from", K_STR, from),
	A("match_from", K_GLOBS, match_from),
	A("header_from", K_HFROM, header_from),
	A("from_override", K_FROVR, from_override),
	A("allow_users", K_USERS, allow_users),
	A("mx_port", K_PORT, mx_port),
	A("tls_policy", K_POLICY, tls_policy),
	A("mta_sts", K_BOOL, mta_sts),
	A("mta_sts_port", K_PORT, mta_sts_port),
	A("mta_sts_ca_file", K_STR, mta_sts_ca_file),
	{ NULL, K_STR, 0 },
};
#undef A

#define D(n, t, f) { n, t, offsetof(struct domain_policy, f) }
static const struct key domain_keys[] = {
	D("tls_policy", K_POLICY, policy),
	D("tls_fingerprint", K_PINS, tls_fingerprint),
	{ NULL, K_STR, 0 },
};
#undef D

static const char *const policy_names[] = {
	[POLICY_DANE] = "dane", [POLICY_DANE_ONLY] = "dane-only",
	[POLICY_VERIFY] = "verify", [POLICY_ENCRYPT] = "encrypt",
	[POLICY_MAY] = "may", [POLICY_FINGERPRINT] = "fingerprint",
};

const char *
tls_policy_str(enum tls_policy p)
{
	return (unsigned)p < sizeof policy_names / sizeof policy_names[0] ?
	    policy_names[p] : "?";
}

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->queue = true;
	cfg->retry_min_ms = (uint64_t)RETRY_MIN_S * 1000;
	cfg->retry_max_ms = (uint64_t)RETRY_MAX_S * 1000;
	cfg->queue_lifetime_ms = (uint64_t)QUEUE_LIFETIME_S * 1000;
	cfg->bounce = true;
	cfg->log = LOG_TARGET_SYSLOG;
	cfg->connect_timeout_ms = TIMEOUT_CONNECT_MS;
	cfg->command_timeout_ms = TIMEOUT_COMMAND_MS;
	cfg->session_timeout_ms = TIMEOUT_SESSION_MS;
	cfg->dns_trust_ad = TRUST_AD_AUTO;
}

/* The parse state shared by the reader and the handler. */
struct parse {
	struct config *cfg;
	const char *name;
	const char *text;
	size_t len, pos;
	unsigned line;
	bool too_long, has_nul, had_global;
	unsigned err_line;              /* line of the first error we found */
	struct buf *err;
	enum err rc;
	char section[CONFIG_LINE_MAX + 1];
	void *cur;                      /* account, domain, or NULL */
	const struct key *keys;
	unsigned seen[32];              /* bit per key index: duplicate check */
};

static int start_section(struct parse *p, const char *section);
static const char *nearest(const char *s, const char *const *words, size_t n);
static int fail(struct parse *p, const char *fmt, ...) PRINTF(2, 3);

static int handler(void *user, const char *section, const char *name, const char *raw);

/* libinih's whitespace (it uses isspace()). */
static char *
ini_rstrip(char *s)
{
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* A key = value line too long for libinih's buffer, split as libinih
 * splits one (ini.c, r55): the name ends at the first '=' and loses its
 * trailing whitespace; a ';' after whitespace starts a comment, in the name
 * (a syntax error then) as in the value; the value is trimmed. Then the
 * handler is called, as libinih would have called it. */
static int
own_key_value(struct parse *p, char *t)
{
	char *c = t, *value;
	bool was_space = false;

	while (*c && *c != '=' && *c != ':' && !(was_space && *c == ';')) {
		was_space = isspace((unsigned char)*c);
		c++;
	}
	if (*c != '=')
		return fail(p, "syntax error (expected [section], key = value,"
		    " or a # or ; comment)");
	*c = '\0';
	value = c + 1;
	was_space = false;
	for (c = value; *c; c++) {
		if (was_space && *c == ';') {
			*c = '\0';
			break;
		}
		was_space = isspace((unsigned char)*c);
	}
	while (isspace((unsigned char)*value))
		value++;
	return handler(p, p->section, ini_rstrip(t), ini_rstrip(value));
}

/* Our ini_reader: hands libinih one line at a time. A line that would not
 * fit libinih's buffer (num bytes) is never handed over, where libinih
 * would split it: up to CONFIG_LINE_MAX bytes, a comment or key = value
 * line is dealt with here and libinih gets an empty line in its place, so
 * its line numbers stay ours; past that, the line is an error. */
static char *
reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	char line[CONFIG_LINE_MAX + 3];
	size_t end, n, len;
	bool fits;

	if (p->pos >= p->len || p->too_long || p->has_nul)
		return NULL;
	end = p->pos;
	while (end < p->len && p->text[end] != '\n')
		end++;
	n = end - p->pos + (end < p->len ? 1 : 0);
	len = end - p->pos - (end > p->pos && p->text[end - 1] == '\r' ? 1 : 0);
	p->line++;
	if (num <= 0 || len > CONFIG_LINE_MAX) {
		p->too_long = true;
		return NULL;
	}
	if (memchr(p->text + p->pos, '\0', n)) {
		p->has_nul = true;
		return NULL;
	}
	/* libinih needs room for the line, its newline and a NUL. */
	fits = n + 1 <= (size_t)num && !(end == p->len && n + 2 > (size_t)num);
	memcpy(line, p->text + p->pos, n);
	line[n] = '\0';
	p->pos += n;
	if (p->rc != ERR_OK)
		return NULL;
	/* Sections are tracked here, not in the handler: libinih calls the
	 * handler only for keys, so an empty or repeated [section] header
	 * would otherwise go unnoticed, or be noticed on the wrong line. */
	char *t = line;
	if (p->line == 1 && (unsigned char)t[0] == 0xEF && (unsigned char)t[1] == 0xBB &&
	    (unsigned char)t[2] == 0xBF)
		t += 3;     /* a UTF-8 byte-order mark (libinih skips it too) */
	const char *first = t;
	while (*t != '\n' && isspace((unsigned char)*t))
		t++;        /* what libinih skips (a CR or VT too) */
	if (t != first && *t && *t != '\r' && *t != '\n' && *t != '#' && *t != ';') {
		fail(p, "indented line: continuation lines are not supported");
		return NULL;
	}
	if (*t && *t != '[' && *t != '#' && *t != ';' && *t != '\r' && *t != '\n') {
		/* libinih also takes "key: value"; sealpost.conf(5) says key = value. */
		const char *eq = strchr(t, '='), *colon = strchr(t, ':');
		if (!eq || (colon && colon < eq)) {
			fail(p, "expected key = value");
			return NULL;
		}
		if (!fits) {
			if (!own_key_value(p, t))
				return NULL;
			snprintf(str, (size_t)num, "\n");
			return str;
		}
	}
	if (*t == '[') {
		const char *close = strchr(t, ']');
		if (!fits) {
			fail(p, "[section] header longer than %d bytes", num - 3);
			return NULL;
		}
		if (close) {
			char name[CONFIG_LINE_MAX + 1];
			snprintf(name, sizeof name, "%.*s", (int)(close - t - 1), t + 1);
			if (!start_section(p, name))
				return NULL;
		}
	}
	if (!fits) {        /* a long comment */
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	memcpy(str, line, n + 1);
	return str;
}

static int
fail(struct parse *p, const char *fmt, ...) PRINTF(2, 3);

static int
fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	if (p->rc != ERR_OK)
		return 0;
	p->rc = ERR_CONFIG;
	p->err_line = p->line;
	buf_reset(p->err);
	errf(p->err, "%s:%u: ", p->name, p->line);
	va_start(ap, fmt);
	verrf(p->err, fmt, ap);
	va_end(ap);
	return 0;
}

static bool
valid_pin(const char *s)
{
	/* sha256: followed by 32 bytes in hex, with or without ':' separators. */
	size_t hex = 0;
	if (strncasecmp(s, "sha256:", 7) != 0)
		return false;
	for (s += 7; *s; s++) {
		if (isxdigit((unsigned char)*s))
			hex++;
		else if (*s != ':')
			return false;
	}
	return hex == 64;
}

/* allow_users: "*", or a user or @group name in the portable character
 * set (POSIX 3.437; a trailing '$' as Samba machine accounts have). */
static bool
user_word_ok(const char *s, size_t n)
{
	if (n == 1 && s[0] == '*')
		return true;
	if (s[0] == '@') {
		s++;
		n--;
	}
	if (n == 0 || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '.' && c != '_' && c != '-' && !(c == '$' && i == n - 1))
			return false;
	}
	return true;
}

/* The setters, one per key type (set_value picks one). Each stores value
 * into base, an account, domain or the config, usually in the field k
 * names, and returns 1 (libinih's success) or 0 via fail(). */
static void *
field_of(const struct key *k, void *base)
{
	return (char *)base + k->off;
}

static int
set_str(struct parse *p, const struct key *k, void *base, const char *key, const char *value)
{
	char **field = field_of(k, base);
	if (!*value)
		return fail(p, "%s: empty value", key);
	*field = xstrdup(value);
	return 1;
}

static int
set_port(struct parse *p, const struct key *k, void *base, const char *key, const char *value)
{
	unsigned *field = field_of(k, base);
	unsigned long ul;
	if (parse_uint(value, 65535, &ul) != ERR_OK || ul == 0)
		return fail(p, "%s: expected a port number 1-65535, got \"%s\"", key, value);
	*field = (unsigned)ul;
	return 1;
}

static int
set_duration(struct parse *p, const struct key *k, void *base, const char *key,
    const char *value)
{
	uint64_t *field = field_of(k, base);
	uint64_t ms;
	if (parse_duration_ms(value, (uint64_t)366 * 86400000, &ms) != ERR_OK || ms == 0)
		return fail(p, "%s: expected a duration such as 30s, 5m, 3h or 5d, got \"%s\"",
		    key, value);
	*field = ms;
	return 1;
}

static int
set_bool(struct parse *p, const struct key *k, void *base, const char *key, const char *value)
{
	bool *field = field_of(k, base);
	bool b;
	if (parse_bool(value, &b) != ERR_OK)
		return fail(p, "%s: expected yes or no, got \"%s\"", key, value);
	*field = b;
	return 1;
}

/* The keyword types: the words each takes, indexed by the value they
 * stand for, and what an error says was expected. */
static const char *const tls_modes[] = {
	[TLS_MODE_IMPLICIT] = "implicit", [TLS_MODE_STARTTLS] = "starttls",
};
static const char *const header_froms[] = {
	[HFROM_ADD] = "add", [HFROM_REPLACE] = "replace", [HFROM_KEEP] = "keep",
};
static const char *const acct_modes[] = { [ACCT_RELAY] = "relay", [ACCT_MX] = "mx" };
static const char *const tls_versions[] = { "1.2", "1.3" };     /* 12 + index */

#define WORDS(a) (a), sizeof (a) / sizeof (a)[0]
static const struct keywords {
	const char *const *words;
	size_t n;
	const char *expected, *note;
} keywords[] = {
	[K_TLSMODE] = { WORDS(tls_modes), "implicit or starttls",
	    " (there is no plaintext setting)" },
	[K_HFROM] = { WORDS(header_froms), "add, replace or keep", "" },
	[K_MODE] = { WORDS(acct_modes), "relay or mx", "" },
	[K_POLICY] = { WORDS(policy_names),
	    "dane, dane-only, verify, encrypt, may or fingerprint", "" },
	[K_TLSVER] = { WORDS(tls_versions), "1.2 or 1.3", "" },
};
#undef WORDS

/* Keyword number i into the field k names, in that field's type. */
static void
store_keyword(const struct key *k, void *base, size_t i)
{
	switch (k->type) {
	case K_TLSMODE:
		*(enum tls_mode *)field_of(k, base) = (enum tls_mode)i;
		break;
	case K_HFROM:
		*(enum header_from *)field_of(k, base) = (enum header_from)i;
		break;
	case K_MODE:
		*(enum acct_mode *)field_of(k, base) = (enum acct_mode)i;
		break;
	case K_POLICY:
		*(enum tls_policy *)field_of(k, base) = (enum tls_policy)i;
		break;
	case K_TLSVER:
		*(unsigned *)field_of(k, base) = 12 + (unsigned)i;
		break;
	default:
		break;
	}
}

static int
set_keyword(struct parse *p, const struct key *k, void *base, const char *key,
    const char *value)
{
	const struct keywords *kw = &keywords[k->type];
	for (size_t i = 0; i < kw->n; i++) {
		if (strcmp(value, kw->words[i]) == 0) {
			store_keyword(k, base, i);
			return 1;
		}
	}
	return fail(p, "%s: expected %s, got \"%s\"%s", key, kw->expected, value, kw->note);
}

static int
set_log(struct parse *p, const struct key *k, void *base, const char *key, const char *value)
{
	(void)k, (void)base, (void)key;
	if (strcmp(value, "syslog") == 0)
		p->cfg->log = LOG_TARGET_SYSLOG;
	else if (strcmp(value, "stderr") == 0)
		p->cfg->log = LOG_TARGET_STDERR;
	else if (strcmp(value, "none") == 0)
		p->cfg->log = LOG_TARGET_NONE;
	else if (value[0] == '/') {
		p->cfg->log = LOG_TARGET_FILE;
		p->cfg->log_path = xstrdup(value);
	} else
		return fail(p, "log: expected syslog, stderr, none or an absolute path,"
		    " got \"%s\"", value);
	return 1;
}

static int
set_trustad(struct parse *p, const struct key *k, void *base, const char *key,
    const char *value)
{
	bool b;
	(void)k, (void)base, (void)key;
	if (strcmp(value, "auto") == 0)
		p->cfg->dns_trust_ad = TRUST_AD_AUTO;
	else if (parse_bool(value, &b) == ERR_OK)
		p->cfg->dns_trust_ad = b ? TRUST_AD_YES : TRUST_AD_NO;
	else
		return fail(p, "dns_trust_ad: expected yes, no or auto, got \"%s\"", value);
	return 1;
}

static int
set_pins(struct parse *p, const struct key *k, void *base, const char *key, const char *value)
{
	/* A comma list; the key may also be repeated (one line holds at
	 * most CONFIG_LINE_MAX bytes). */
	char **pins = field_of(k, base);
	size_t *npins = p->keys == account_keys ?
	    &((struct account *)base)->npins : &((struct domain_policy *)base)->npins;
	char *copy = xstrdup(value), *save = NULL;
	int ok = 1;

	(void)key;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		str_trim(tok);
		if (!valid_pin(tok))
			ok = fail(p, "tls_fingerprint: \"%s\" is not sha256: followed by"
			    " 64 hex digits", tok);
		else if (*npins >= CONFIG_PINS_MAX)
			ok = fail(p, "tls_fingerprint: more than %d pins", CONFIG_PINS_MAX);
		if (!ok)
			break;
		pins[(*npins)++] = xstrdup(tok);
	}
	free(copy);
	if (ok && *npins == 0)
		ok = fail(p, "tls_fingerprint: empty value");
	return ok;
}

/* Is word s (n octets) one that a list of type k may hold? */
static int
check_word(struct parse *p, const struct key *k, const char *key, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (k->type == K_MECHS && !isalnum(c) && c != '-' && c != '_')
			return fail(p, "%s: \"%.*s\" is not a SASL mechanism name", key, (int)n, s);
	}
	if (k->type == K_USERS && !user_word_ok(s, n))
		return fail(p, "%s: \"%.*s\" is not a user name, @group or *", key, (int)n, s);
	return 1;
}

/* A mechanism in a's auth_mechanisms that we cannot do (err says which)?
 * Refused at once rather than skipped at every delivery. */
static bool
unsupported_mech(const struct account *a, const char *name, struct buf *err)
{
	for (const char *p = a->auth_mechanisms; *p;) {
		size_t n = strcspn(p, " ");
		char mech[64];
		snprintf(mech, sizeof mech, "%.*s", (int)n, p);
		if (n > 0 && !auth_mech_supported(mech)) {
			errf(err, "%s: account %s: auth_mechanisms: %s is not a mechanism this"
			    " build can use (libgsasl lacks it)", name, a->name, mech);
			return true;
		}
		p += n + strspn(p + n, " ");
	}
	return false;
}

/* K_USERS, K_MECHS and K_GLOBS: added to what the key already holds. */
static int
set_words(struct parse *p, const struct key *k, void *base, const char *key,
    const char *value)
{
	/* Whitespace- or comma-separated words, kept ' '-separated. */
	char **field = field_of(k, base);
	struct buf out;
	const char *s = value;
	int ok = 1;

	buf_init(&out, CONFIG_LINE_MAX * 4);
	if (*field) {
		(void)!buf_adds(&out, *field);  /* was within max */
		free(*field);
		*field = NULL;
	}
	while (ok && *s) {
		size_t n;
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		n = strcspn(s, " \t,");
		if (n == 0)
			break;
		if ((ok = check_word(p, k, key, s, n)) &&
		    ((out.len && buf_addc(&out, ' ') != ERR_OK) || buf_add(&out, s, n) != ERR_OK))
			ok = fail(p, "%s: too many entries", key);
		s += n;
	}
	if (ok && out.len == 0)
		ok = fail(p, "%s: empty value", key);
	if (ok && k->type == K_MECHS)
		for (char *c = out.data; *c; c++)
			*c = (char)toupper((unsigned char)*c);
	if (ok)
		*field = buf_take(&out);
	buf_free(&out);
	return ok;
}

static int
set_frovr(struct parse *p, const struct key *k, void *base, const char *key,
    const char *value)
{
	/* yes | no | a glob list (repeatable, like match_from). */
	static const struct key globs = { "from_override", K_GLOBS,
	    offsetof(struct account, from_override_globs) };
	struct account *a = base;
	bool b;

	(void)k;
	if (parse_bool(value, &b) == ERR_OK) {
		if (a->from_override_line)
			return fail(p, "from_override is set twice in [%s]", p->section);
		a->from_override = b ? FROVR_YES : FROVR_NO;
	} else {
		if (a->from_override_line && a->from_override != FROVR_GLOBS)
			return fail(p, "from_override: yes or no cannot be combined"
			    " with a glob list");
		if (!set_words(p, &globs, base, key, value))
			return 0;
		a->from_override = FROVR_GLOBS;
	}
	a->from_override_line = p->line;
	return 1;
}

static int (*const setters[])(struct parse *, const struct key *, void *, const char *,
    const char *) = {
	[K_STR] = set_str, [K_SECRET] = set_str, [K_PORT] = set_port,
	[K_DURATION] = set_duration, [K_BOOL] = set_bool, [K_TLSMODE] = set_keyword,
	[K_HFROM] = set_keyword, [K_MODE] = set_keyword, [K_POLICY] = set_keyword,
	[K_TLSVER] = set_keyword, [K_LOG] = set_log, [K_TRUSTAD] = set_trustad,
	[K_PINS] = set_pins, [K_FROVR] = set_frovr, [K_USERS] = set_words,
	[K_MECHS] = set_words, [K_GLOBS] = set_words,
};

/* Store one value. Returns 1 (libinih's success) or 0 via fail(). */
static int
set_value(struct parse *p, const struct key *k, void *base, const char *key,
    const char *value)
{
	if ((size_t)k->type >= sizeof setters / sizeof setters[0] || !setters[k->type])
		return fail(p, "%s: internal error", key);
	return setters[k->type](p, k, base, key, value);
}

static int
start_section(struct parse *p, const char *section)
{
	struct config *cfg = p->cfg;
	memset(p->seen, 0, sizeof p->seen);
	snprintf(p->section, sizeof p->section, "%s", section);
	p->cur = NULL;
	p->keys = NULL;
	if (strcmp(section, "global") == 0) {
		if (p->had_global)
			return fail(p, "[global] appears twice");
		p->had_global = true;
		p->keys = global_keys;
		p->cur = cfg;
	} else if (strcmp(section, "aliases") == 0) {
		p->keys = NULL;
	} else if (strncmp(section, "account ", 8) == 0 || strncmp(section, "domain ", 7) == 0) {
		bool is_acct = section[0] == 'a';
		char name[CONFIG_LINE_MAX + 1];
		snprintf(name, sizeof name, "%s", section + (is_acct ? 8 : 7));
		str_trim(name);
		if (!*name)
			return fail(p, "[%s]: missing name", section);
		for (const char *c = name; *c; c++)
			if (isspace((unsigned char)*c) || iscntrl((unsigned char)*c))
				return fail(p, "[%s]: the name must be one word", section);
		if (is_acct) {
			struct account *a, **tail = &cfg->accounts;
			for (a = cfg->accounts; a; a = a->next) {
				if (strcmp(a->name, name) == 0)
					return fail(p, "account \"%s\" is defined twice", name);
				tail = &a->next;
			}
			a = xcalloc(1, sizeof *a);
			a->name = xstrdup(name);
			a->line = p->line;
			a->mode = ACCT_RELAY;
			a->tls = TLS_MODE_IMPLICIT;
			a->tls_min_version = 12;
			a->header_from = HFROM_ADD;
			a->tls_policy = POLICY_DANE;
			a->mta_sts = true;
			*tail = a;
			p->cur = a;
			p->keys = account_keys;
		} else {
			struct domain_policy *d, **tail = &cfg->domains;
			for (d = cfg->domains; d; d = d->next) {
				if (strcasecmp(d->name, name) == 0)
					return fail(p, "domain \"%s\" is defined twice", name);
				tail = &d->next;
			}
			d = xcalloc(1, sizeof *d);
			d->name = xstrdup(name);
			d->policy = POLICY_DANE;
			*tail = d;
			p->cur = d;
			p->keys = domain_keys;
		}
	} else {
		static const char *const names[] = { "global", "aliases", "account", "domain" };
		char word[64];
		snprintf(word, sizeof word, "%.*s", (int)strcspn(section, " \t"), section);
		const char *near = nearest(word, names, sizeof names / sizeof names[0]);
		return fail(p, "unknown section [%s] (expected [global], [aliases],"
		    " [account NAME] or [domain NAME])%s%s%s", section,
		    near ? "; did you mean " : "", near ? near : "", near ? "?" : "");
	}
	return 1;
}

/* The optimal string alignment distance between a and b (edits, or
 * swaps of neighbours), for names of at most 63 bytes; else SIZE_MAX. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d[64][64];     /* at most 126 */
	if (la >= 64 || lb >= 64)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]);
			size_t v = (size_t)d[i - 1][j - 1] + cost;
			size_t del = (size_t)d[i - 1][j] + 1, ins = (size_t)d[i][j - 1] + 1;
			if (del < v)
				v = del;
			if (ins < v)
				v = ins;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    (size_t)d[i - 2][j - 2] + 1 < v)
				v = (size_t)d[i - 2][j - 2] + 1;
			d[i][j] = (unsigned char)v;
		}
	}
	return d[la][lb];
}

/* The word of words[] (n of them, or up to a NULL) closest to s, when
 * it is close: one edit for short words, two from 6 bytes; else NULL. */
static const char *
nearest(const char *s, const char *const *words, size_t n)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, len = strlen(s);
	size_t limit = len < 6 ? 1 : 2;
	for (size_t i = 0; i < n && words[i]; i++) {
		size_t d = edit_distance(s, words[i]);
		if (d <= limit && d < len && d < bestd) {
			best = words[i];
			bestd = d;
		}
	}
	return best;
}

/* An unknown key: where it belongs, or the known key it is closest to. */
static int
unknown_key(struct parse *p, const char *name)
{
	static const struct { const struct key *keys; const char *where; } tables[] = {
		{ global_keys, "[global]" }, { account_keys, "[account NAME]" },
		{ domain_keys, "[domain NAME]" },
	};
	const char *words[64];
	size_t n = 0;

	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		if (tables[t].keys == p->keys)
			continue;
		for (const struct key *k = tables[t].keys; k->name; k++)
			if (strcmp(k->name, name) == 0)
				return fail(p, "unknown key \"%s\" in [%s]; it belongs in %s",
				    name, p->section, tables[t].where);
	}
	for (const struct key *k = p->keys; k && k->name && n < 64; k++)
		words[n++] = k->name;
	const char *near = nearest(name, words, n);
	if (near)
		return fail(p, "unknown key \"%s\" in [%s]; did you mean %s?", name,
		    p->section, near);
	return fail(p, "unknown key \"%s\" in [%s]", name, p->section);
}

static int
handler(void *user, const char *section, const char *name, const char *raw)
{
	struct parse *p = user;
	char value[CONFIG_LINE_MAX + 1];
	size_t vlen;

	if (p->rc != ERR_OK)
		return 0;
	if (!*section || p->section[0] == '\0')
		return fail(p, "\"%s\" appears before any [section]", name);
	/* libinih keeps at most 49 bytes of a section name (MAX_SECTION). */
	if (strncmp(section, p->section, strlen(section)) != 0)
		return fail(p, "internal error: section [%s] not seen by the reader", section);
	/* A double-quoted value loses its quotes (sealpost.conf(5) SYNTAX). */
	snprintf(value, sizeof value, "%s", raw);
	vlen = strlen(value);
	if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
		memmove(value, value + 1, vlen - 2);
		value[vlen - 2] = '\0';
	}
	if (has_ctl(value, strlen(value)))
		return fail(p, "%s: control character in value", name);

	if (strcmp(p->section, "aliases") == 0) {
		struct alias *a, **tail = &p->cfg->aliases;
		for (a = p->cfg->aliases; a; a = a->next) {
			if (strcasecmp(a->name, name) == 0)
				return fail(p, "alias \"%s\" is defined twice", name);
			tail = &a->next;
		}
		if (!*value)
			return fail(p, "alias \"%s\": empty value", name);
		a = xcalloc(1, sizeof *a);
		a->name = xstrdup(name);
		a->target = xstrdup(value);
		*tail = a;
		return 1;
	}
	for (size_t i = 0; p->keys[i].name; i++) {
		const struct key *k = &p->keys[i];
		if (strcmp(k->name, name) != 0)
			continue;
		bool repeatable = k->type == K_PINS || k->type == K_GLOBS ||
		    k->type == K_USERS || k->type == K_FROVR;   /* K_FROVR checks itself */
		if (!repeatable && (p->seen[i / 32] & (1u << (i % 32))))
			return fail(p, "%s is set twice in [%s]", name, p->section);
		p->seen[i / 32] |= 1u << (i % 32);
		return set_value(p, k, p->cur, name, value);
	}
	return unknown_key(p, name);
}

static enum err
validate(struct config *cfg, const char *name, struct buf *err)
{
	for (struct account *a = cfg->accounts; a; a = a->next) {
		int nsecret = !!a->password + !!a->password_file + !!a->password_command;
		if (a->mode == ACCT_RELAY && !a->host) {
			errf(err, "%s:%u: account %s: host is required", name, a->line, a->name);
			return ERR_CONFIG;
		}
		if (nsecret > 1) {
			errf(err, "%s:%u: account %s: set only one of password,"
			    " password_file and password_command", name, a->line, a->name);
			return ERR_CONFIG;
		}
		if (nsecret && !a->user) {
			errf(err, "%s:%u: account %s: a password needs a user",
			    name, a->line, a->name);
			return ERR_CONFIG;
		}
		if (!!a->tls_cert_file != !!a->tls_key_file) {
			errf(err, "%s:%u: account %s: tls_cert_file and tls_key_file"
			    " go together", name, a->line, a->name);
			return ERR_CONFIG;
		}
		if (a->from_override != FROVR_YES && !a->from) {
			errf(err, "%s:%u: account %s: from_override = %s needs from (the sender"
			    " it enforces)", name, a->from_override_line, a->name,
			    a->from_override == FROVR_NO ? "no" : "a glob list");
			return ERR_CONFIG;
		}
		if (a->port == 0)
			a->port = a->tls == TLS_MODE_IMPLICIT ? 465 : 587;
		if (a->mode == ACCT_MX && a->tls_policy == POLICY_MAY) {
			errf(err, "%s:%u: account %s: tls_policy = may (plaintext allowed) is"
			    " accepted only in a [domain NAME] section, for that domain",
			    name, a->line, a->name);
			return ERR_CONFIG;
		}
		if (a->mx_port == 0)
			a->mx_port = 25;
		if (a->mta_sts_port == 0)
			a->mta_sts_port = 443;
		if (!a->auth_mechanisms)
			a->auth_mechanisms = xstrdup("SCRAM-SHA-256-PLUS SCRAM-SHA-256"
			    " SCRAM-SHA-1-PLUS SCRAM-SHA-1 PLAIN LOGIN");
		else if (unsupported_mech(a, name, err))
			return ERR_CONFIG;
	}
	for (struct domain_policy *d = cfg->domains; d; d = d->next) {
		if (d->policy == POLICY_FINGERPRINT && d->npins == 0) {
			errf(err, "%s: [domain %s]: tls_policy = fingerprint needs"
			    " tls_fingerprint", name, d->name);
			return ERR_CONFIG;
		}
	}
	if (cfg->retry_min_ms > cfg->retry_max_ms) {
		errf(err, "%s: retry_min is larger than retry_max", name);
		return ERR_CONFIG;
	}
	return ERR_OK;
}

enum err
config_parse_mem(struct config *cfg, const char *name, const char *text, size_t len,
    struct buf *err)
{
	struct parse p;
	int rc;

	memset(&p, 0, sizeof p);
	p.cfg = cfg;
	p.name = name;
	p.text = text;
	p.len = len;
	p.err = err;
	p.rc = ERR_OK;
	rc = ini_parse_stream(reader, &p, handler, &p);
	if (p.too_long) {
		buf_reset(err);
		errf(err, "%s:%u: line longer than %d bytes (list keys such as"
		    " tls_fingerprint may be repeated instead)", name, p.line, CONFIG_LINE_MAX);
		return ERR_CONFIG;
	}
	if (p.has_nul) {
		buf_reset(err);
		errf(err, "%s:%u: NUL byte in configuration", name, p.line);
		return ERR_CONFIG;
	}
	if (p.rc != ERR_OK && (rc <= 0 || (unsigned)rc >= p.err_line))
		return p.rc;
	if (rc != 0) {
		buf_reset(err);
		errf(err, "%s:%d: syntax error (expected [section], key = value,"
		    " or a # or ; comment)", name, rc);
		return ERR_CONFIG;
	}
	return validate(cfg, name, err);
}

enum err
config_load(struct config *cfg, const char *path, struct buf *err)
{
	struct buf text;
	struct stat st;
	enum err rc = ERR_OK;
	int fd;

	buf_init(&text, CONFIG_FILE_MAX);
	cfg->path = xstrdup(path);
	if ((fd = open_regular("", path, 0, &st, err)) < 0)
		return ERR_CONFIG;
	if (st.st_mode & S_IWOTH) {
		errf(err, "%s: writable by other users; refusing it (chmod o-w %s)",
		    path, path);
		rc = ERR_CONFIG;
		goto out;
	}
	switch (buf_read_fd(&text, fd)) {
	case ERR_OK:
		break;
	case ERR_TOOBIG:
		errf(err, "%s: larger than %d bytes", path, CONFIG_FILE_MAX);
		rc = ERR_CONFIG;
		goto out;
	default:
		errf(err, "%s: %s", path, strerror(errno));
		rc = ERR_CONFIG;
		goto out;
	}
	if ((rc = config_parse_mem(cfg, path, buf_str(&text), text.len, err)) != ERR_OK)
		goto out;
	/* doc/decisions.md D9: a password in a file that others can read is a leak. */
	if (st.st_mode & S_IROTH) {
		for (struct account *a = cfg->accounts; a; a = a->next) {
			if (a->password) {
				errf(err, "%s: account %s has a password, but the file is"
				    " readable by other users (chmod o-r %s, or use password_file)",
				    path, a->name, path);
				rc = ERR_CONFIG;
				goto out;
			}
		}
	}
	/* doc/decisions.md D9: so is a private key. One that cannot be looked at now is left
	 * to the send, where it is a temporary local failure. */
	for (struct account *a = cfg->accounts; a; a = a->next) {
		struct stat ks;
		if (a->tls_key_file && stat(a->tls_key_file, &ks) == 0 &&
		    (ks.st_mode & (S_IROTH | S_IWOTH))) {
			errf(err, "%s: account %s: tls_key_file %s is readable or writable by"
			    " other users; refusing it (chmod o-rw %s)", path, a->name,
			    a->tls_key_file, a->tls_key_file);
			rc = ERR_CONFIG;
			goto out;
		}
	}
out:
	close(fd);
	buf_wipe(&text);
	return rc;
}

struct account *
config_find_account(const struct config *cfg, const char *name)
{
	for (struct account *a = cfg->accounts; a; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

bool
config_globs_match(const char *globs, const char *s)
{
	char pat[CONFIG_LINE_MAX * 4];
	while (*globs) {
		size_t n = strcspn(globs, " ");
		if (n < sizeof pat) {
			memcpy(pat, globs, n);
			pat[n] = '\0';
			if (fnmatch(pat, s, FNM_CASEFOLD) == 0)
				return true;
		}
		globs += n;
		while (*globs == ' ')
			globs++;
	}
	return false;
}

struct account *
config_pick_account(const struct config *cfg, const char *name, const char *sender,
    struct buf *err)
{
	struct account *a;
	if (name) {
		if (!(a = config_find_account(cfg, name))) {
			errf(err, "%s: no [account %s]", cfg->path ? cfg->path : "config", name);
			/* System mode: the file is the administrator's, closed to
			 * users; its account names are not the caller's to learn. */
			if (cfg->system && getuid() != 0)
				return NULL;
			for (const struct account *k = cfg->accounts; k; k = k->next)
				errf(err, "%s%s", k == cfg->accounts ? "; the accounts are: " :
				    ", ", k->name);
			if (!cfg->accounts)
				errf(err, "; the file defines no account");
		}
		return a;
	}
	if (sender && *sender)
		for (a = cfg->accounts; a; a = a->next)
			if (a->match_from && config_globs_match(a->match_from, sender))
				return a;
	if (!(a = config_find_account(cfg, "default")))
		errf(err, "%s: no [account default], and no account's match_from"
		    " matches the sender", cfg->path ? cfg->path : "config");
	return a;
}

static void
dump_str(FILE *out, const char *k, const char *v)
{
	if (v)
		fprintf(out, "%s = %s\n", k, v);
}

void
config_dump(const struct config *cfg, FILE *out)
{
	static const char *const logs[] = { "syslog", "stderr", "none", "file" };
	static const char *const trust[] = { "auto", "yes", "no" };
	fprintf(out, "# %s\n[global]\n", cfg->path ? cfg->path : "(defaults)");
	dump_str(out, "hostname", cfg->hostname);
	dump_str(out, "maildomain", cfg->maildomain);
	dump_str(out, "admin", cfg->admin);
	fprintf(out, "queue = %s\n", cfg->queue ? "yes" : "no");
	dump_str(out, "queue_dir", cfg->queue_dir);
	fprintf(out, "retry_min = %llus\nretry_max = %llus\nqueue_lifetime = %llus\n",
	    (unsigned long long)cfg->retry_min_ms / 1000,
	    (unsigned long long)cfg->retry_max_ms / 1000,
	    (unsigned long long)cfg->queue_lifetime_ms / 1000);
	fprintf(out, "bounce = %s\n", cfg->bounce ? "yes" : "no");
	fprintf(out, "log = %s\n", cfg->log == LOG_TARGET_FILE ? cfg->log_path : logs[cfg->log]);
	fprintf(out, "connect_timeout = %llus\ncommand_timeout = %llus\n"
	    "session_timeout = %llus\n",
	    (unsigned long long)cfg->connect_timeout_ms / 1000,
	    (unsigned long long)cfg->command_timeout_ms / 1000,
	    (unsigned long long)cfg->session_timeout_ms / 1000);
	dump_str(out, "dns_server", cfg->dns_server);
	fprintf(out, "dns_trust_ad = %s\ndns_validate = %s\n", trust[cfg->dns_trust_ad],
	    cfg->dns_validate ? "yes" : "no");
	if (cfg->dns_validate)
		fprintf(out, "dns_trust_anchor = %s\n", cfg->dns_trust_anchor ?
		    cfg->dns_trust_anchor : DNS_TRUST_ANCHOR_DEFAULT);
	if (cfg->aliases)
		fprintf(out, "\n[aliases]\n");
	for (const struct alias *al = cfg->aliases; al; al = al->next)
		fprintf(out, "%s = %s\n", al->name, al->target);
	for (const struct account *a = cfg->accounts; a; a = a->next) {
		fprintf(out, "\n[account %s]\nmode = %s\n", a->name,
		    a->mode == ACCT_MX ? "mx" : "relay");
		if (a->mode == ACCT_RELAY) {
			dump_str(out, "host", a->host);
			fprintf(out, "port = %u\ntls = %s\n", a->port,
			    a->tls == TLS_MODE_IMPLICIT ? "implicit" : "starttls");
		} else {
			fprintf(out, "mx_port = %u\ntls_policy = %s\nmta_sts = %s\n"
			    "mta_sts_port = %u\n", a->mx_port, tls_policy_str(a->tls_policy),
			    a->mta_sts ? "yes" : "no", a->mta_sts_port);
			dump_str(out, "mta_sts_ca_file", a->mta_sts_ca_file);
		}
		dump_str(out, "tls_ca_file", a->tls_ca_file);
		for (size_t i = 0; i < a->npins; i++)
			dump_str(out, "tls_fingerprint", a->tls_fingerprint[i]);
		dump_str(out, "tls_server_name", a->tls_server_name);
		dump_str(out, "tls_cert_file", a->tls_cert_file);
		dump_str(out, "tls_key_file", a->tls_key_file);
		fprintf(out, "tls_min_version = %s\n", a->tls_min_version == 13 ? "1.3" : "1.2");
		dump_str(out, "tls_priority", a->tls_priority);
		dump_str(out, "user", a->user);
		if (a->password)
			fprintf(out, "password = <redacted>\n");
		dump_str(out, "password_file", a->password_file);
		dump_str(out, "password_command", a->password_command);
		dump_str(out, "auth_mechanisms", a->auth_mechanisms);
		dump_str(out, "from", a->from);
		dump_str(out, "match_from", a->match_from);
		fprintf(out, "header_from = %s\n", a->header_from == HFROM_ADD ? "add" :
		    a->header_from == HFROM_REPLACE ? "replace" : "keep");
		fprintf(out, "from_override = %s\nallow_users = %s\n",
		    a->from_override == FROVR_YES ? "yes" : a->from_override == FROVR_NO ? "no" :
		    a->from_override_globs, a->allow_users ? a->allow_users : "*");
	}
	for (const struct domain_policy *d = cfg->domains; d; d = d->next) {
		fprintf(out, "\n[domain %s]\ntls_policy = %s\n", d->name, tls_policy_str(d->policy));
		for (size_t i = 0; i < d->npins; i++)
			dump_str(out, "tls_fingerprint", d->tls_fingerprint[i]);
	}
}

void
config_free(struct config *cfg)
{
	struct account *a, *an;
	struct domain_policy *d, *dn;
	struct alias *al, *aln;

	for (a = cfg->accounts; a; a = an) {
		an = a->next;
		if (a->password) {
			wipe(a->password, strlen(a->password));
			free(a->password);
		}
		for (size_t i = 0; i < a->npins; i++)
			free(a->tls_fingerprint[i]);
		free(a->name); free(a->host); free(a->tls_ca_file); free(a->tls_server_name);
		free(a->tls_cert_file); free(a->tls_key_file); free(a->tls_priority);
		free(a->user); free(a->password_file); free(a->password_command);
		free(a->auth_mechanisms); free(a->from); free(a->match_from);
		free(a->from_override_globs); free(a->allow_users);
		free(a->mta_sts_ca_file);
		free(a);
	}
	for (d = cfg->domains; d; d = dn) {
		dn = d->next;
		for (size_t i = 0; i < d->npins; i++)
			free(d->tls_fingerprint[i]);
		free(d->name);
		free(d);
	}
	for (al = cfg->aliases; al; al = aln) {
		aln = al->next;
		free(al->name);
		free(al->target);
		free(al);
	}
	free(cfg->path); free(cfg->hostname); free(cfg->maildomain); free(cfg->admin);
	free(cfg->queue_dir); free(cfg->log_path); free(cfg->dns_server);
	free(cfg->dns_trust_anchor);
	config_defaults(cfg);
}

void
config_wipe_secrets(const struct config *cfg)
{
	for (struct account *a = cfg->accounts; a; a = a->next)
		if (a->password)
			wipe(a->password, strlen(a->password));
}
