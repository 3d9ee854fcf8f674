// SPDX-License-Identifier: MIT
/* addr.c: address parsing. Header and command-line text is untrusted
 * input: every loop is bounded by its length, every output by
 * MSG_ADDR_MAX, and anything that is not an address is an error, not a
 * guess. */
#include "addr.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>

#include "bounds.h"
#include "buf.h"
#include "util.h"

void
addr_list_init(struct addr_list *l)
{
	l->v = NULL;
	l->n = l->cap = 0;
}

void
addr_list_free(struct addr_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	addr_list_init(l);
}

const char *
addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : NULL;
}

bool
addr_same(const char *a, const char *b)
{
	const char *da = strrchr(a, '@'), *db = strrchr(b, '@');
	size_t la = da ? (size_t)(da - a) : strlen(a);
	size_t lb = db ? (size_t)(db - b) : strlen(b);
	if (la != lb || memcmp(a, b, la) != 0 || !da != !db)
		return false;
	return !da || strcasecmp(da, db) == 0;
}

enum err
addr_list_add(struct addr_list *l, const char *addr)
{
	for (size_t i = 0; i < l->n; i++)
		if (addr_same(l->v[i], addr))
			return ERR_OK;
	if (l->n >= SMTP_RCPT_MAX)
		return ERR_TOOBIG;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = xstrdup(addr);
	return ERR_OK;
}

/* RFC 5322 3.2.3 specials, plus the ones we split on. */
static bool
is_special(char c)
{
	return strchr("()<>[]:;@\\,.\"", c) != NULL;
}

struct scan {
	const char *s;
	size_t len, i;
	const char *why;
};

/* Skip folding white space and comments (nested, with quoted-pairs). */
static enum err
skip_cfws(struct scan *sc)
{
	while (sc->i < sc->len) {
		char c = sc->s[sc->i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			sc->i++;
		} else if (c == '(') {
			int depth = 0;
			do {
				c = sc->s[sc->i];
				if (c == '\\')
					sc->i++;
				else if (c == '(')
					depth++;
				else if (c == ')')
					depth--;
				sc->i++;
			} while (depth > 0 && sc->i < sc->len);
			if (depth > 0) {
				sc->why = "unbalanced comment parenthesis";
				return ERR_DATA;
			}
		} else {
			break;
		}
	}
	return ERR_OK;
}

/* Append one word (atom, quoted-string or domain-literal) or a '.'/'@'
 * to out, without surrounding CFWS. */
static enum err
take_word(struct scan *sc, struct buf *out)
{
	char c = sc->s[sc->i];
	size_t start = sc->i;
	if (c == '"' || c == '[') {
		char close = c == '"' ? '"' : ']';
		sc->i++;
		while (sc->i < sc->len && sc->s[sc->i] != close) {
			if (sc->s[sc->i] == '\\')
				sc->i++;
			sc->i++;
		}
		if (sc->i >= sc->len) {
			sc->why = c == '"' ? "unbalanced double quote" : "unbalanced [";
			return ERR_DATA;
		}
		sc->i++;
	} else if (c == '.' || c == '@') {
		sc->i++;
	} else {
		while (sc->i < sc->len) {
			c = sc->s[sc->i];
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || is_special(c))
				break;
			sc->i++;
		}
	}
	if (buf_add(out, sc->s + start, sc->i - start) != ERR_OK) {
		sc->why = "address too long";
		return ERR_TOOBIG;
	}
	return ERR_OK;
}

/* The addr-spec inside <...>, after an optional obsolete route; *end is
 * where its last word ends. */
static enum err
angle_addr(struct scan *sc, struct buf *out, size_t *end)
{
	enum err rc;
	sc->i++;    /* '<' */
	if ((rc = skip_cfws(sc)) != ERR_OK)
		return rc;
	if (sc->i < sc->len && sc->s[sc->i] == '@') {
		/* obs-route "@a,@b:" (RFC 5322 4.4) is dropped. */
		while (sc->i < sc->len && sc->s[sc->i] != ':' && sc->s[sc->i] != '>')
			sc->i++;
		if (sc->i < sc->len && sc->s[sc->i] == ':')
			sc->i++;
	}
	for (;;) {
		if ((rc = skip_cfws(sc)) != ERR_OK)
			return rc;
		if (sc->i >= sc->len) {
			sc->why = "missing >";
			return ERR_DATA;
		}
		char c = sc->s[sc->i];
		if (c == '>') {
			sc->i++;
			return ERR_OK;
		}
		if (c == '<' || c == ',' || c == ';' || c == ':' || c == ')' || c == ']' ||
		    c == '\\') {
			sc->why = "unexpected character inside <>";
			return ERR_DATA;
		}
		if ((rc = take_word(sc, out)) != ERR_OK)
			return rc;
		*end = sc->i;
	}
}

/* The mailbox of an address list being parsed. */
struct mailbox {
	struct buf plain;       /* the words outside <> */
	struct buf angle;       /* the address inside <> */
	bool have_angle;
	bool adjacent;          /* two words in a row: a display name */
	bool last_word;
	size_t words;
	size_t plain_end, angle_end;    /* where the last word of each ends */
};

/* Where addresses without a domain end (addr_qualify_list()). */
struct marks {
	size_t *at;
	size_t n, cap;
};

/* Does addr have an '@' outside quoted strings and domain literals? */
static bool
has_domain(const char *a)
{
	for (const char *p = a; *p; p++) {
		if (*p == '"' || *p == '[') {
			char close = *p == '"' ? '"' : ']';
			for (p++; *p && *p != close; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				return false;
		} else if (*p == '@') {
			return true;
		}
	}
	return false;
}

/* A control character other than folding white space? */
static bool
has_controls(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F)
			return true;
	}
	return false;
}

/* At ',', ';' or the end (c is '\0'): the mailbox goes to out, and the
 * next one starts empty. */
static enum err
end_mailbox(struct scan *sc, struct mailbox *mb, char c, bool *in_group,
    struct addr_list *out, struct marks *mk)
{
	const struct buf *a = mb->have_angle ? &mb->angle : &mb->plain;
	enum err rc;

	if (mb->have_angle && mb->angle.len == 0) {
		/* "<>" stands for no address (e.g. a null sender). */
	} else if (a->len > 0) {
		if (!mb->have_angle && mb->adjacent) {
			/* "John Smith" with no address is not an address. */
			sc->why = "display name without an address";
			return ERR_DATA;
		}
		if (out && (rc = addr_list_add(out, a->data)) != ERR_OK) {
			sc->why = "too many recipients";
			return rc;
		}
		if (mk && !has_domain(a->data)) {
			if (mk->n == mk->cap) {
				mk->cap = mk->cap ? mk->cap * 2 : 8;
				mk->at = xrealloc(mk->at, mk->cap * sizeof *mk->at);
			}
			mk->at[mk->n++] = mb->have_angle ? mb->angle_end : mb->plain_end;
		}
	}
	buf_reset(&mb->plain);
	buf_reset(&mb->angle);
	mb->have_angle = false;
	mb->adjacent = mb->last_word = false;
	mb->words = 0;
	if (c == ';') {
		if (!*in_group) {
			sc->why = "';' outside a group";
			return ERR_DATA;
		}
		*in_group = false;
	}
	return ERR_OK;
}

/* "display-name:" opens a group; the name is dropped. */
static enum err
open_group(struct scan *sc, struct mailbox *mb, bool *in_group)
{
	if (*in_group || mb->words == 0) {
		sc->why = *in_group ? "nested group" : "':' without a group name";
		return ERR_DATA;
	}
	*in_group = true;
	buf_reset(&mb->plain);
	mb->adjacent = mb->last_word = false;
	mb->words = 0;
	sc->i++;
	return ERR_OK;
}

/* A word, '.' or '@' outside <> (c is its first character). */
static enum err
plain_word(struct scan *sc, struct mailbox *mb, char c)
{
	enum err rc;
	bool is_word = c != '.' && c != '@';

	if ((rc = take_word(sc, &mb->plain)) != ERR_OK)
		return rc;
	mb->plain_end = sc->i;
	if (is_word && mb->last_word)
		mb->adjacent = true;
	mb->last_word = is_word;
	mb->words++;
	return ERR_OK;
}

/* The address list in len bytes of s: each addr-spec to out (when not
 * NULL), and to mk (when not NULL) where each one without a domain ends. */
static enum err
parse_list(const char *s, size_t len, struct addr_list *out, struct marks *mk,
    const char **why)
{
	struct scan sc = { s, len, 0, NULL };
	struct mailbox mb = { .have_angle = false };
	enum err rc = ERR_OK;
	bool in_group = false;

	*why = NULL;
	if (has_controls(s, len)) {
		*why = "control character in address";
		return ERR_DATA;
	}
	buf_init(&mb.plain, MSG_ADDR_MAX);
	buf_init(&mb.angle, MSG_ADDR_MAX);
	for (;;) {
		if ((rc = skip_cfws(&sc)) != ERR_OK)
			break;
		char c = sc.i < len ? s[sc.i] : '\0';
		if (c == '\0' || c == ',' || c == ';') {
			/* End of one mailbox. */
			if ((rc = end_mailbox(&sc, &mb, c, &in_group, out, mk)) != ERR_OK ||
			    c == '\0')
				break;
			sc.i++;
		} else if (mb.have_angle) {
			sc.why = "text after <address>";
			rc = ERR_DATA;
		} else if (c == '<') {
			if ((rc = angle_addr(&sc, &mb.angle, &mb.angle_end)) == ERR_OK)
				mb.have_angle = true;
		} else if (c == ':') {
			rc = open_group(&sc, &mb, &in_group);
		} else if (c == '>' || c == ')' || c == ']' || c == '\\') {
			sc.why = "unexpected character";
			rc = ERR_DATA;
		} else {
			rc = plain_word(&sc, &mb, c);
		}
		if (rc != ERR_OK)
			break;
	}
	if (rc == ERR_OK && in_group) {
		sc.why = "group without ';'";
		rc = ERR_DATA;
	}
	*why = sc.why;
	buf_free(&mb.plain);
	buf_free(&mb.angle);
	return rc;
}

enum err
addr_parse_list(const char *s, size_t len, struct addr_list *out, const char **why)
{
	return parse_list(s, len, out, NULL, why);
}

enum err
addr_qualify_list(const char *s, size_t len, const char *domain, struct buf *out, size_t *n,
    const char **why)
{
	struct marks mk = { NULL, 0, 0 };
	size_t from = 0, start = out->len;
	enum err rc;

	*n = 0;
	if ((rc = parse_list(s, len, NULL, &mk, why)) != ERR_OK) {
		free(mk.at);
		return rc;
	}
	/* The marks are in increasing order: one per mailbox, left to right. */
	for (size_t i = 0; rc == ERR_OK && i < mk.n; i++) {
		rc = buf_add(out, s + from, mk.at[i] - from);
		if (rc == ERR_OK)
			rc = buf_addf(out, "@%s", domain);
		from = mk.at[i];
	}
	if (rc == ERR_OK)
		rc = buf_add(out, s + from, len - from);
	if (rc != ERR_OK)
		*why = "address list too long once qualified";
	/* An address the domain pushes past MSG_ADDR_MAX would no longer
	 * parse: refused, so the caller keeps the list as it was. */
	if (rc == ERR_OK && mk.n > 0 && parse_list(out->data + start, out->len - start, NULL, NULL,
	    why) != ERR_OK) {
		*why = "an address would be too long once qualified";
		rc = ERR_DATA;
	}
	if (rc == ERR_OK)
		*n = mk.n;
	else
		buf_truncate(out, start);
	free(mk.at);
	return rc;
}

static bool
valid_domain(const char *d, bool *utf8)
{
	size_t len = strlen(d), label = 0;
	if (len == 0 || len > 255)
		return false;
	if (d[0] == '[')
		return d[len - 1] == ']' && len > 2 && strcspn(d + 1, " []<>\"\\") == len - 2;
	if (d[0] == '.' || d[len - 1] == '.')
		return false;
	for (const char *p = d; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (++label > 63)
			return false;
		if (c >= 0x80)
			*utf8 = true;
		else if (!isalnum(c) && c != '-' && c != '_')
			return false;
	}
	return true;
}

enum err
addr_check_envelope(const char *addr, bool null_ok, bool *utf8, const char **why)
{
	size_t len = strlen(addr);
	const char *at = strrchr(addr, '@');
	size_t local;
	bool quoted = false;

	*why = NULL;
	if (len == 0) {
		if (null_ok)
			return ERR_OK;
		*why = "empty address";
		return ERR_DATA;
	}
	if (has_ctl(addr, len)) {
		*why = "control character (CR, LF, NUL...) in address";
		return ERR_DATA;
	}
	if (len > SMTP_PATH_MAX - 2) {
		*why = "address longer than 254 octets";
		return ERR_DATA;
	}
	if (!at || at == addr) {
		*why = at ? "empty local part" : "no domain";
		return ERR_DATA;
	}
	local = (size_t)(at - addr);
	if (local > 64) {
		*why = "local part longer than 64 octets";
		return ERR_DATA;
	}
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)addr[i];
		if (c == '"')
			quoted = !quoted;
		else if (c == '\\' && quoted)
			i++;
		else if (c >= 0x80)
			*utf8 = true;
		else if (!quoted && (c == ' ' || c == '<' || c == '>' || c == '(' || c == ')' ||
		    c == ',' || c == ';' || c == ':' || c == '[' || c == ']' || c == '\\' ||
		    c == '@' || c == '"'))
			{ *why = "special character in local part"; return ERR_DATA; }
	}
	if (quoted) {
		*why = "unbalanced quote in local part";
		return ERR_DATA;
	}
	if (!valid_domain(at + 1, utf8)) {
		*why = "invalid domain";
		return ERR_DATA;
	}
	return ERR_OK;
}

/* Do n bytes of a and m of b agree, ASCII letters compared without case?
 * (Octets of UTF-8 sequences are all >= 0x80, so they compare exactly.) */
static bool
same_label(const char *a, size_t n, const char *b, size_t m)
{
	if (n != m)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x != y && (x >= 0x80 || tolower(x) != tolower(y)))
			return false;
	}
	return true;
}

/* Is the IDNA mapping of domain d to A-labels a (and back to U-labels u)
 * faithful? Label by label, an ASCII label of d must equal its A-label
 * and any other label its U-label, up to ASCII case: a character that the
 * mapping changed (fullwidth forms, upper-case non-ASCII letters, another
 * full stop) or dropped (soft hyphens, zero-width characters) means that
 * the mail would go to a domain other than the one written. */
static bool
idna_faithful(const char *d, const char *a, const char *u)
{
	for (;;) {
		size_t dn = strcspn(d, "."), an = strcspn(a, "."), un = strcspn(u, ".");
		bool ascii = true;
		for (size_t i = 0; i < dn; i++)
			if ((unsigned char)d[i] >= 0x80)
				ascii = false;
		if (ascii ? !same_label(d, dn, a, an) : !same_label(d, dn, u, un))
			return false;
		d += dn;
		a += an;
		u += un;
		if (!*d || !*a || !*u)
			return !*d && !*a && !*u;
		d++;
		a++;
		u++;
	}
}

enum err
addr_alabel(const char *addr, char **out, struct buf *why)
{
	const char *d = addr_domain(addr);
	gnutls_datum_t a = { NULL, 0 }, u = { NULL, 0 };
	enum err rc = ERR_OK;
	bool ascii = true;
	size_t local;

	*out = NULL;
	for (const char *p = d ? d : ""; *p; p++)
		if ((unsigned char)*p >= 0x80)
			ascii = false;
	if (!d || ascii || *d == '[') {
		*out = xstrdup(addr);
		return ERR_OK;
	}
	if (gnutls_idna_map(d, (unsigned)strlen(d), &a, 0) != 0 ||
	    strlen((const char *)a.data) != a.size ||
	    gnutls_idna_reverse_map((const char *)a.data, a.size, &u, 0) != 0 ||
	    strlen((const char *)u.data) != u.size) {
		errf(why, "the domain is not a valid internationalised domain name");
		rc = ERR_DATA;
		goto out;
	}
	if (!idna_faithful(d, (const char *)a.data, (const char *)u.data)) {
		char clean[MSG_ADDR_MAX + 1];
		errf(why, "IDNA would change the domain to \"%s\"; write that form if it is"
		    " the one meant", str_sanitize(clean, sizeof clean, (const char *)u.data,
		    u.size));
		rc = ERR_DATA;
		goto out;
	}
	local = (size_t)(d - addr);
	*out = xmalloc(local + a.size + 1);
	memcpy(*out, addr, local);
	memcpy(*out + local, a.data, a.size);
	(*out)[local + a.size] = '\0';
out:
	gnutls_free(a.data);
	gnutls_free(u.data);
	return rc;
}

enum err
addr_list_alabel(const struct addr_list *in, struct addr_list *out, const char **bad,
    struct buf *why)
{
	enum err rc = ERR_OK;
	for (size_t i = 0; rc == ERR_OK && i < in->n; i++) {
		char *a;
		if ((rc = addr_alabel(in->v[i], &a, why)) != ERR_OK) {
			*bad = in->v[i];
			break;
		}
		rc = addr_list_add(out, a);
		free(a);
	}
	return rc;
}
