// SPDX-License-Identifier: MIT
/* from.c: building the From: field sealpost adds to a message: a phrase
 * or RFC 2047 encoded words for the name, then the address, folded per
 * RFC 5322 2.2.3. Pure apart from reading the caller's GECOS name. */
#include "from.h"

#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "bounds.h"
#include "util.h"

/* A display name with non-ASCII octets (from -F or GECOS, taken as UTF-8),
 * or with a word too long for a line, goes out as RFC 2047 encoded words
 * separated by spaces, split only between whole UTF-8 characters: a
 * header stays 7-bit whatever the server offers. A word holds at most
 * MSG_EW_TEXT_MAX octets, so "From: " and one word fit in the 76 octets
 * RFC 2047 2 allows a line with an encoded word. Base64 by GnuTLS. */
static enum err
add_encoded_words(struct buf *b, const char *name)
{
	size_t len = strlen(name), off = 0;
	while (off < len) {
		size_t n = len - off > MSG_EW_TEXT_MAX ? MSG_EW_TEXT_MAX : len - off;
		while (n > 1 && off + n < len && ((unsigned char)name[off + n] & 0xC0) == 0x80)
			n--;
		gnutls_datum_t raw = { (unsigned char *)(uintptr_t)(name + off), (unsigned)n };
		gnutls_datum_t enc = { NULL, 0 };
		if (gnutls_base64_encode2(&raw, &enc) != 0)
			return ERR_INTERNAL;
		enum err rc = buf_addf(b, "%s=?UTF-8?B?%.*s?=", off ? " " : "", (int)enc.size,
		    (const char *)enc.data);
		gnutls_free(enc.data);
		if (rc != ERR_OK)
			return rc;
		off += n;
	}
	return ERR_OK;
}

/* The display name as a phrase whose words are separated by single
 * spaces (runs of blanks in name become one): plain words, else a quoted
 * string (RFC 5322 3.2.5; also for "=?", which only encoded words may
 * contain), else encoded words, which set *ew. */
static enum err
add_display_name(struct buf *b, const char *name, bool *ew)
{
	char norm[MSG_NAME_MAX];
	size_t n = 0, start = b->len, word = 0;
	bool plain = !strstr(name, "=?");
	enum err rc = ERR_OK;

	*ew = false;
	for (const char *p = name; *p && n + 1 < sizeof norm; p++) {
		bool blank = *p == ' ' || *p == '\t';
		if (!blank)
			norm[n++] = *p;
		else if (n > 0 && norm[n - 1] != ' ' && p[1] && p[1] != ' ' && p[1] != '\t')
			norm[n++] = ' ';
		if ((unsigned char)*p >= 0x80)
			*ew = true;
		else if (!isalnum((unsigned char)*p) && !strchr(" \t!#$%&'*+-/=?^_`{|}~", *p))
			plain = false;
	}
	norm[n] = '\0';
	if (*ew)
		return add_encoded_words(b, norm);
	rc = buf_adds(b, plain ? "" : "\"");
	for (const char *p = norm; *p && rc == ERR_OK; p++) {
		if (!plain && (*p == '"' || *p == '\\'))
			rc = buf_addc(b, '\\');
		if (rc == ERR_OK)
			rc = buf_addc(b, *p);
	}
	if (rc == ERR_OK && !plain)
		rc = buf_addc(b, '"');
	/* A word that no line can hold ("From: " and it on the first). */
	for (size_t i = start; rc == ERR_OK && i < b->len; i++) {
		word = b->data[i] == ' ' ? 0 : word + 1;
		if (word > MSG_FOLD_MAX - 6) {
			buf_truncate(b, start);
			*ew = true;
			return add_encoded_words(b, norm);
		}
	}
	return rc;
}

/* A header field being folded (RFC 5322 2.2.3): col octets on its last
 * line so far; ew when that line holds an encoded word. */
struct fold {
	struct buf *b;
	size_t col;
	bool ew, words;
};

/* Append a space and word w (n octets), folding first if the line would
 * pass MSG_FOLD_MAX octets, or MSG_EW_LINE_MAX with an encoded word on it
 * (RFC 2047 2). Only an address can be longer than a line: it then
 * stands alone on its own. */
static enum err
fold_word(struct fold *f, const char *w, size_t n, bool ew)
{
	size_t max = f->ew || ew ? MSG_EW_LINE_MAX : MSG_FOLD_MAX;
	enum err rc = ERR_OK;
	if (f->words && f->col + 1 + n > max) {
		rc = buf_adds(f->b, "\r\n");
		f->col = 0;
		f->ew = false;
	}
	if (rc == ERR_OK)
		rc = buf_addc(f->b, ' ');
	if (rc == ERR_OK)
		rc = buf_add(f->b, w, n);
	f->col += 1 + n;
	f->ew = f->ew || ew;
	f->words = true;
	return rc;
}

enum err
from_field(const char *name, const char *addr, const char *hostname, struct buf *b)
{
	char gecos[256] = "", md[300];
	struct buf phrase;
	struct fold f = { b, 5, false, false };
	size_t start = b->len;
	bool ew = false;
	enum err rc;

	if (!name) {
		struct passwd *pw = getpwuid(getuid());
		if (pw && pw->pw_gecos && *pw->pw_gecos) {
			snprintf(gecos, sizeof gecos, "%.*s", (int)strcspn(pw->pw_gecos, ","),
			    pw->pw_gecos);
			if (*gecos && !has_ctl(gecos, strlen(gecos)))
				name = gecos;
		}
	}
	if (!addr) {
		snprintf(md, sizeof md, "MAILER-DAEMON@%s", hostname);
		addr = md;
	}
	buf_init(&phrase, 4 * MSG_NAME_MAX);
	if (name && strlen(name) < MSG_NAME_MAX && add_display_name(&phrase, name, &ew) != ERR_OK)
		buf_reset(&phrase);
	rc = buf_adds(b, "From:");
	for (const char *p = buf_str(&phrase); rc == ERR_OK && *p; ) {
		size_t n = strcspn(p, " ");
		rc = fold_word(&f, p, n, ew);
		p += n + (p[n] == ' ');
	}
	if (rc == ERR_OK) {
		struct buf tok;
		buf_init(&tok, strlen(addr) + 3);
		rc = buf_addf(&tok, phrase.len ? "<%s>" : "%s", addr);
		if (rc == ERR_OK)
			rc = fold_word(&f, tok.data, tok.len, false);
		buf_free(&tok);
	}
	buf_free(&phrase);
	if (rc != ERR_OK) {
		/* Still a From: field, without the name that did not fit. */
		buf_truncate(b, start);
		rc = buf_addf(b, "From: %s", addr);
	}
	return rc;
}
