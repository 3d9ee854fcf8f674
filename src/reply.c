// SPDX-License-Identifier: MIT
/* reply.c: strict parsing of SMTP replies and EHLO capabilities. Server
 * bytes are hostile until proven otherwise: every length is bounded, every
 * byte checked, and nothing is guessed from reply text except the enhanced
 * status code. */
#include "reply.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "util.h"

void
reply_init(struct smtp_reply *r)
{
	r->code = 0;
	r->esc[0] = '\0';
	r->nlines = 0;
	buf_init(&r->text, SMTP_REPLY_TOTAL_MAX);
}

void
reply_reset(struct smtp_reply *r)
{
	r->code = 0;
	r->esc[0] = '\0';
	r->nlines = 0;
	buf_reset(&r->text);
}

void
reply_free(struct smtp_reply *r)
{
	buf_free(&r->text);
	reply_reset(r);
}

/* An enhanced status code (RFC 3463 2) at the start of text: class "." 1-3
 * digits "." 1-3 digits, then SP or end. The class must match the reply. */
static void
parse_esc(struct smtp_reply *r, const char *t, size_t len)
{
	size_t i = 0, digits;
	if (len < 5 || t[0] != '0' + r->code / 100 || t[1] != '.')
		return;
	i = 2;
	for (int part = 0; part < 2; part++) {
		digits = 0;
		while (i < len && isdigit((unsigned char)t[i]) && digits < 4) {
			i++;
			digits++;
		}
		if (digits == 0 || digits > 3)
			return;
		if (part == 0) {
			if (i >= len || t[i] != '.')
				return;
			i++;
		}
	}
	if (i < len && t[i] != ' ')
		return;
	memcpy(r->esc, t, i);
	r->esc[i] = '\0';
}

enum err
reply_feed_line(struct smtp_reply *r, const char *line, size_t len, bool *done,
    const char **why)
{
	int code;
	const char *text;
	size_t tlen;

	*done = false;
	*why = NULL;
	if (len < 3 || line[0] < '2' || line[0] > '5' || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2])) {
		*why = "reply does not start with a code 200-599";
		return ERR_PROTO;
	}
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->nlines > 0 && code != r->code) {
		*why = "reply code changes within a multi-line reply";
		return ERR_PROTO;
	}
	if (len > 3 && line[3] != ' ' && line[3] != '-') {
		*why = "reply code not followed by space or hyphen";
		return ERR_PROTO;
	}
	text = len > 4 ? line + 4 : "";
	tlen = len > 4 ? len - 4 : 0;
	for (size_t i = 0; i < tlen; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c < 0x20 && c != '\t') || c == 0x7F) {
			*why = "control character in reply text";
			return ERR_PROTO;
		}
	}
	if (r->nlines >= SMTP_REPLY_LINES_MAX) {
		*why = "too many lines in one reply";
		return ERR_TOOBIG;
	}
	if ((r->nlines > 0 && buf_addc(&r->text, '\n') != ERR_OK) ||
	    buf_add(&r->text, text, tlen) != ERR_OK) {
		*why = "reply too long";
		return ERR_TOOBIG;
	}
	if (r->nlines == 0) {
		r->code = code;
		parse_esc(r, text, tlen);
	}
	r->nlines++;
	*done = len == 3 || line[3] == ' ';
	return ERR_OK;
}

/* One line of r's text (s, n bytes) without its blanks at either end,
 * and, unless it is the first, without a leading repeat of the reply's
 * enhanced status code, appended sanitised to out (*o bytes used of cap)
 * after a space when out holds something already. False when it did not
 * fit whole (what fits is there). */
static bool
add_line(const struct smtp_reply *r, const char *s, size_t n, bool first, char *out,
    size_t cap, size_t *o)
{
	size_t esclen = strlen(r->esc);
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	if (!first && esclen > 0 && n >= esclen && memcmp(s, r->esc, esclen) == 0 &&
	    (n == esclen || s[esclen] == ' ')) {
		s += esclen;
		n -= esclen;
		while (n > 0 && *s == ' ')
			s++, n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return true;
	if (*o + 2 >= cap)
		return false;
	bool whole = *o + (*o > 0) + n < cap;
	if (*o > 0)
		out[(*o)++] = ' ';
	str_sanitize(out + *o, cap - *o, s, n);
	*o += strlen(out + *o);
	return whole;
}

/* The lines of text (len bytes) through add_line() into out; false when
 * they did not all fit. */
static bool
lines_fit(const struct smtp_reply *r, const char *t, size_t len, char *out, size_t cap,
    size_t *o)
{
	bool whole = true;
	for (const char *p = t; whole && p <= t + len; ) {
		const char *e = memchr(p, '\n', len - (size_t)(p - t));
		size_t n = e ? (size_t)(e - p) : len - (size_t)(p - t);
		whole = add_line(r, p, n, p == t, out, cap, o);
		p += n + 1;
	}
	return whole;
}

char *
reply_summary(const struct smtp_reply *r, char *out, size_t cap)
{
	const char *t = buf_str(&r->text);
	size_t len = r->text.len, o = 0;
	const char *nl = memchr(t, '\n', len);
	char clean[SMTP_TEXT_SHOWN_MAX + 1] = "";

	if (!nl) {
		str_sanitize(clean, sizeof clean, t, len);
	} else {
		/* A multi-line reply: every line, joined by spaces, if that
		 * fits; else the first and the last with "..." between. The last
		 * line is never the one dropped: it is where servers put what
		 * identifies the outcome (Exim answers BDAT LAST with "250- 214
		 * byte chunk, total 214" and then "250 OK id=..."). */
		const char *last = (const char *)memrchr(t, '\n', len) + 1;
		size_t lastlen = len - (size_t)(last - t);
		char tail[SMTP_TEXT_SHOWN_MAX / 2 + 1];
		size_t to = 0, room = sizeof clean;
		if (!lines_fit(r, t, len, clean, room, &o)) {
			/* The last line gets up to half the room, the lines from
			 * the first on what is left. */
			(void)add_line(r, last, lastlen, false, tail, sizeof tail, &to);
			room = sizeof clean - to - sizeof " ...";
			o = 0;
			(void)lines_fit(r, t, (size_t)(last - 1 - t), clean, room, &o);
			snprintf(clean + o, sizeof clean - o, " ... %s", tail);
		}
	}
	snprintf(out, cap, "%03d%s%s", r->code, *clean ? " " : "", clean);
	return out;
}

static bool
is_keyword(const char *s, size_t len)
{
	if (len == 0 || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool
kw_is(const char *kw, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(kw, name, len) == 0;
}

static void
add_auth_mechs(struct ehlo_caps *caps, const char *p, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t start, n, used = strlen(caps->auth);
		while (i < len && p[i] == ' ')
			i++;
		start = i;
		while (i < len && p[i] != ' ')
			i++;
		n = i - start;
		if (n == 0 || n > 40 || used + n + 2 > sizeof caps->auth)
			continue;
		/* SASL mechanism names: A-Z 0-9 - _ (RFC 4422 3.1). */
		bool ok = true;
		for (size_t k = start; k < i; k++)
			if (!isalnum((unsigned char)p[k]) && p[k] != '-' && p[k] != '_')
				ok = false;
		if (!ok)
			continue;
		char mech[48];
		for (size_t k = 0; k < n; k++)
			mech[k] = (char)toupper((unsigned char)p[start + k]);
		mech[n] = '\0';
		if (ehlo_has_auth(caps, mech))
			continue;
		if (used)
			caps->auth[used++] = ' ';
		memcpy(caps->auth + used, mech, n + 1);
	}
}

enum err
ehlo_parse(const struct smtp_reply *r, struct ehlo_caps *caps)
{
	const char *p = buf_str(&r->text);
	const char *nl;

	memset(caps, 0, sizeof *caps);
	if (r->code != 250)
		return ERR_PROTO;
	/* The first line is "domain [greeting]", never a keyword. */
	nl = strchr(p, '\n');
	while (nl) {
		const char *line = nl + 1;
		size_t len, kwlen;
		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		kwlen = 0;
		while (kwlen < len && line[kwlen] != ' ')
			kwlen++;
		if (!is_keyword(line, kwlen))
			continue;
		const char *par = line + kwlen;
		size_t plen = len - kwlen;
		if (plen && *par == ' ') {
			par++;
			plen--;
		}
		if (kw_is(line, kwlen, "STARTTLS"))
			caps->flags |= EHLO_STARTTLS;
		else if (kw_is(line, kwlen, "PIPELINING"))
			caps->flags |= EHLO_PIPELINING;
		else if (kw_is(line, kwlen, "8BITMIME"))
			caps->flags |= EHLO_8BITMIME;
		else if (kw_is(line, kwlen, "SMTPUTF8"))
			caps->flags |= EHLO_SMTPUTF8;
		else if (kw_is(line, kwlen, "DSN"))
			caps->flags |= EHLO_DSN;
		else if (kw_is(line, kwlen, "ENHANCEDSTATUSCODES"))
			caps->flags |= EHLO_ENHANCEDSTATUSCODES;
		else if (kw_is(line, kwlen, "CHUNKING"))
			caps->flags |= EHLO_CHUNKING;
		else if (kw_is(line, kwlen, "REQUIRETLS"))
			caps->flags |= EHLO_REQUIRETLS;
		else if (kw_is(line, kwlen, "SIZE")) {
			char num[24];
			unsigned long v = 0;
			caps->flags |= EHLO_SIZE;
			/* "SIZE" alone or "SIZE 0" means no fixed limit (RFC 1870 4). */
			if (plen > 0 && plen < sizeof num) {
				memcpy(num, par, plen);
				num[plen] = '\0';
				if (parse_uint(num, (unsigned long)-1, &v) != ERR_OK)
					v = 0;
			}
			caps->size_max = v;
		} else if (kw_is(line, kwlen, "AUTH")) {
			caps->flags |= EHLO_AUTH;
			add_auth_mechs(caps, par, plen);
		}
	}
	return ERR_OK;
}

bool
ehlo_has_auth(const struct ehlo_caps *caps, const char *mech)
{
	size_t n = strlen(mech);
	const char *p = caps->auth;
	while (*p) {
		const char *sp = strchr(p, ' ');
		size_t len = sp ? (size_t)(sp - p) : strlen(p);
		if (len == n && strncasecmp(p, mech, n) == 0)
			return true;
		if (!sp)
			break;
		p = sp + 1;
	}
	return false;
}
