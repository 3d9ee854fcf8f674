// SPDX-License-Identifier: MIT
/* hdr2047.c: one header field with 8-bit octets turned into 7-bit text
 * for a server without SMTPUTF8: RFC 2047 encoded words in the places
 * RFC 2047 5 allows them (unstructured text, phrases, comments), A-labels
 * for a UTF-8 domain. It never guesses a charset: 8-bit octets must be
 * UTF-8, and what cannot be encoded (a local part, a parameter, an
 * unknown structured field) is refused, never sent half-converted. Pure:
 * no I/O; base64 is GnuTLS's. */
#include "hdr2047.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>

#include "addr.h"
#include "bounds.h"
#include "util.h"

bool
hdr2047_has_8bit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

/* Octets of the UTF-8 sequence at s (n left), or 0 if it is not one. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2; cp = c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3; cp = c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4; cp = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

bool
hdr2047_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n; ) {
		size_t k = utf8_seq(p + i, n - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

bool
hdr2047_local_part_8bit(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return hdr2047_has_8bit(addr, at ? (size_t)(at - addr) : strlen(addr));
}

/* --- Output: the field being written and folded (RFC 5322 2.2.3). --- */

struct emit {
	struct buf *out;
	size_t col;             /* octets on the current line */
	bool line_ew;           /* the current line holds an encoded word */
	bool line_used;         /* something after the field name on it */
	bool after_ew;          /* the last thing written was an encoded word */
};

static size_t
line_limit(const struct emit *e, bool ew)
{
	/* RFC 2047 2: a line with an encoded word has at most 76 octets. */
	return e->line_ew || ew ? MSG_EW_LINE_MAX : MSG_FOLD_MAX;
}

static enum err
fold(struct emit *e)
{
	e->col = 0;
	e->line_ew = e->line_used = false;
	return buf_add(e->out, "\r\n", 2);
}

/* White space ws, then tok, on the current line. */
static enum err
put(struct emit *e, const char *ws, size_t wslen, const char *tok, size_t toklen, bool ew)
{
	enum err rc = buf_add(e->out, ws, wslen);
	if (rc == ERR_OK)
		rc = buf_add(e->out, tok, toklen);
	e->col += wslen + toklen;
	e->line_ew = e->line_ew || ew;
	e->line_used = true;
	e->after_ew = ew;
	return rc;
}

/* As put(), but the line is folded before ws when tok, and the glue
 * octets that will follow it without white space, would not fit. Without
 * white space there is no place to fold. */
static enum err
emit_piece(struct emit *e, const char *ws, size_t wslen, const char *tok, size_t toklen,
    size_t glue, bool ew)
{
	if (wslen > 0 && e->line_used && e->col + wslen + toklen + glue > line_limit(e, ew)) {
		enum err rc = fold(e);
		if (rc != ERR_OK)
			return rc;
	}
	return put(e, ws, wslen, tok, toklen, ew);
}

/* --- Encoded words (RFC 2047 4, 5). --- */

/* Octets Q may leave as they are in any place (RFC 2047 5 (3)). */
static bool
q_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

static size_t
q_cost(unsigned char c)
{
	return q_plain(c) || c == ' ' ? 1 : 3;
}

static size_t
b_cost(size_t n)
{
	return (n + 2) / 3 * 4;
}

/* How many octets of s (n left, whole UTF-8 characters) encode in at most
 * room octets. */
static size_t
chunk_fits(const char *s, size_t n, size_t room, bool q)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t take = 0, cost = 0;
	while (take < n) {
		size_t k = utf8_seq(p + take, n - take), c = 0;
		if (k == 0)
			k = 1;      /* validated before; stay bounded anyway */
		if (q)
			for (size_t i = 0; i < k; i++)
				c += q_cost(p[take + i]);
		if (q ? cost + c > room : b_cost(take + k) > room)
			break;
		cost += c;
		take += k;
	}
	return take;
}

/* One encoded word for the n octets of s appended to b. */
static enum err
add_word(struct buf *b, const char *s, size_t n, bool q)
{
	static const char hex[] = "0123456789ABCDEF";
	enum err rc = buf_adds(b, q ? "=?UTF-8?Q?" : "=?UTF-8?B?");
	if (q) {
		for (size_t i = 0; rc == ERR_OK && i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			char esc[3] = { '=', hex[c >> 4], hex[c & 15] };
			if (c == ' ')
				rc = buf_addc(b, '_');
			else if (q_plain(c))
				rc = buf_addc(b, (char)c);
			else
				rc = buf_add(b, esc, 3);
		}
	} else if (rc == ERR_OK) {
		gnutls_datum_t raw = { (unsigned char *)(uintptr_t)s, (unsigned)n };
		gnutls_datum_t enc = { NULL, 0 };
		if (gnutls_base64_encode2(&raw, &enc) != 0)
			return ERR_INTERNAL;
		rc = buf_add(b, enc.data, enc.size);
		gnutls_free(enc.data);
	}
	return rc == ERR_OK ? buf_adds(b, "?=") : rc;
}

/* Payload octets left for an encoded word on the current line after
 * extra octets (white space, "(" or ")"). */
static size_t
room_left(const struct emit *e, size_t extra)
{
	size_t used = e->col + extra + MSG_EW_OVERHEAD, room;
	room = used >= MSG_EW_LINE_MAX ? 0 : MSG_EW_LINE_MAX - used;
	return room > MSG_EW_MAX - MSG_EW_OVERHEAD ? MSG_EW_MAX - MSG_EW_OVERHEAD : room;
}

/* The n octets of text (UTF-8) as encoded words after white space ws (a
 * space when there is none, unless pre opens a comment after something
 * other than an encoded word: RFC 2047 5 wants an encoded word apart from
 * what is next to it), with pre glued before the first and post after
 * the last. Words of one run are separated by a space, which decoders
 * drop (RFC 2047 6.2), so white space inside the text travels encoded.
 * Q unless B is shorter by more than a quarter: Q keeps mostly Latin
 * text readable in logs and by eye. */
static enum err
emit_run(struct emit *e, const char *ws, size_t wslen, const char *pre, const char *text,
    size_t n, const char *post)
{
	size_t qlen = 0, off = 0, prelen = strlen(pre), postlen = strlen(post);
	struct buf word;
	enum err rc = ERR_OK;

	for (size_t i = 0; i < n; i++)
		qlen += q_cost((unsigned char)text[i]);
	bool q = qlen <= b_cost(n) + b_cost(n) / 4;
	if (wslen == 0 && (prelen == 0 || e->after_ew)) {
		ws = " ";
		wslen = 1;
	}
	buf_init(&word, 2 * MSG_EW_MAX);
	while (rc == ERR_OK && off < n) {
		size_t extra = wslen + prelen + postlen;
		size_t room = room_left(e, extra);
		size_t take = chunk_fits(text + off, n - off, room, q);
		/* Too little room left: the next line (even right after the
		 * field name, which is legal, RFC 5322 3.2.2). */
		if ((take == 0 || (take < n - off && room < MSG_EW_ROOM_MIN)) && wslen > 0 &&
		    e->col > 0) {
			if ((rc = fold(e)) != ERR_OK)
				break;
			take = chunk_fits(text + off, n - off, room_left(e, extra), q);
		}
		if (take == 0) {
			/* No room even on a line of its own: one character. */
			size_t k = utf8_seq((const unsigned char *)text + off, n - off);
			take = k ? k : 1;
		}
		buf_reset(&word);
		rc = buf_adds(&word, pre);
		if (rc == ERR_OK)
			rc = add_word(&word, text + off, take, q);
		off += take;
		if (rc == ERR_OK && off == n)
			rc = buf_adds(&word, post);
		if (rc == ERR_OK)
			rc = put(e, ws, wslen, word.data, word.len, true);
		ws = " ";
		wslen = 1;
		pre = "";
		prelen = 0;
	}
	buf_free(&word);
	return rc;
}

/* Is the word an encoded word already there ("=?" charset "?" Q or B "?"
 * text "?=", RFC 2047 2)? Text we encode next to it keeps the white space
 * between them inside our word, since a decoder drops white space
 * between two encoded words (RFC 2047 6.2). */
static bool
ew_like(const char *s, size_t n)
{
	size_t q;
	if (n < 9 || s[0] != '=' || s[1] != '?' || s[n - 2] != '?' || s[n - 1] != '=')
		return false;
	/* charset: a token, no especials (RFC 2047 2). */
	for (q = 2; q < n - 2 && s[q] > ' ' && s[q] < 0x7F && !strchr("()<>@,;:\"/[]?.=", s[q]);
	    q++)
		;
	if (q == 2 || s[q] != '?' || q + 3 > n - 3 || !strchr("QqBb", s[q + 1]) ||
	    s[q + 2] != '?')
		return false;
	/* encoded-text: printable ASCII but '?'. */
	for (size_t i = q + 3; i < n - 2; i++)
		if (s[i] <= ' ' || s[i] >= 0x7F || s[i] == '?')
			return false;
	return true;
}

/* --- Unstructured fields (RFC 2047 5 (1)): words between white space. --- */

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Where the word (or the white space) that starts at v[i] ends. */
static size_t
word_end(const char *v, size_t n, size_t i)
{
	while (i < n && !is_wsp(v[i]))
		i++;
	return i;
}

static size_t
wsp_end(const char *v, size_t n, size_t i)
{
	while (i < n && is_wsp(v[i]))
		i++;
	return i;
}

/* A run of words with 8-bit octets starting at v[w] (after white space
 * v[ws..w]): written as encoded words. *next receives where it ended.
 * prev_ew: the word before was an encoded word left as it was. */
static enum err
unstructured_run(struct emit *e, const char *v, size_t n, size_t ws, size_t w, bool prev_ew,
    size_t *next, struct buf *text)
{
	size_t end = word_end(v, n, w), k, m;
	buf_reset(text);
	if (prev_ew && buf_add(text, v + ws, w - ws) != ERR_OK)
		return ERR_TOOBIG;
	/* Further words with 8-bit octets join the run, with the white space
	 * between them. */
	for (;;) {
		k = wsp_end(v, n, end);
		m = word_end(v, n, k);
		if (k == n || m == k || !hdr2047_has_8bit(v + k, m - k))
			break;
		end = m;
	}
	if (buf_add(text, v + w, end - w) != ERR_OK)
		return ERR_TOOBIG;
	if (k < n && ew_like(v + k, m - k) && buf_add(text, v + end, k - end) != ERR_OK)
		return ERR_TOOBIG;
	*next = end;
	return emit_run(e, v + ws, w - ws, "", buf_str(text), text->len, "");
}

static enum err
unstructured(struct emit *e, const char *v, size_t n)
{
	struct buf text;
	size_t i = 0;
	bool prev_ew = false;
	enum err rc = ERR_OK;

	buf_init(&text, 2 * n + 16);
	while (rc == ERR_OK && i < n) {
		size_t w = wsp_end(v, n, i), end;
		if (w == n) {
			/* Trailing white space stays, unfolded. */
			rc = buf_add(e->out, v + i, n - i);
			break;
		}
		end = word_end(v, n, w);
		if (hdr2047_has_8bit(v + w, end - w)) {
			rc = unstructured_run(e, v, n, i, w, prev_ew, &end, &text);
			prev_ew = false;
		} else {
			rc = emit_piece(e, v + i, w - i, v + w, end - w, 0, false);
			prev_ew = ew_like(v + w, end - w);
		}
		i = end;
	}
	buf_free(&text);
	return rc;
}

/* --- Structured fields: address lists and Keywords (RFC 5322 3.2, 3.4). --- */

enum tk { TK_WS, TK_ATOM, TK_QS, TK_COMMENT, TK_DLIT, TK_SPECIAL };
enum role { ROLE_ADDR, ROLE_PHRASE };

struct token {
	enum tk t;
	enum role role;
	size_t off, len;
	bool b8;
};

struct tokens {
	struct token *v;
	size_t n, cap;
};

static bool
special(char c)
{
	return strchr("()<>[]:;@\\,.\"", c) != NULL;
}

/* End of a bracketed token starting at v[i] ('(' nests, '"' and '['
 * do not), quoted-pairs included; 0 when it does not close. */
static size_t
bracket_end(const char *v, size_t n, size_t i)
{
	char open = v[i], close = open == '(' ? ')' : open == '"' ? '"' : ']';
	int depth = 1;
	for (i++; i < n; i++) {
		if (v[i] == '\\') {
			i++;
			continue;
		}
		if (v[i] == close && --depth == 0)
			return i + 1;
		if (open == '(' && v[i] == '(')
			depth++;
	}
	return 0;
}

static void
tokens_add(struct tokens *ts, enum tk t, const char *v, size_t off, size_t len)
{
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? ts->cap * 2 : 64;
		ts->v = xrealloc(ts->v, ts->cap * sizeof *ts->v);
	}
	ts->v[ts->n++] = (struct token){ t, ROLE_ADDR, off, len, hdr2047_has_8bit(v + off, len) };
}

static enum err
lex(const char *v, size_t n, struct tokens *ts, const char **why)
{
	for (size_t i = 0; i < n; ) {
		size_t end = i + 1;
		enum tk t = TK_SPECIAL;
		char c = v[i];
		if (is_wsp(c)) {
			t = TK_WS;
			end = wsp_end(v, n, i);
		} else if (c == '(' || c == '"' || c == '[') {
			t = c == '(' ? TK_COMMENT : c == '"' ? TK_QS : TK_DLIT;
			if ((end = bracket_end(v, n, i)) == 0) {
				*why = "unbalanced quote, parenthesis or bracket";
				return ERR_DATA;
			}
		} else if (!special(c)) {
			t = TK_ATOM;
			while (end < n && !is_wsp(v[end]) && !special(v[end]))
				end++;
		}
		tokens_add(ts, t, v, i, end - i);
		i = end;
	}
	return ERR_OK;
}

static bool
tok_is(const char *v, const struct token *t, char c)
{
	return t->t == TK_SPECIAL && v[t->off] == c;
}

/* Which words are phrases: a display name (before '<'), a group name
 * (before ':'), or, in Keywords, everything. The rest is addr-spec. */
static void
assign_roles(const char *v, struct tokens *ts, bool keywords)
{
	size_t start = 0;
	bool angle = false;
	for (size_t i = 0; i <= ts->n; i++) {
		const struct token *t = i < ts->n ? &ts->v[i] : NULL;
		if (t && tok_is(v, t, '<'))
			angle = true;
		else if (t && tok_is(v, t, '>'))
			angle = false;
		if (t && (angle || !(tok_is(v, t, ',') || tok_is(v, t, ';') || tok_is(v, t, ':'))))
			continue;
		/* A segment [start, i) ended. */
		bool group = t && tok_is(v, t, ':');
		for (size_t k = start; k < i; k++) {
			if (!keywords && !group && tok_is(v, &ts->v[k], '<'))
				break;
			ts->v[k].role = ROLE_PHRASE;
		}
		if (!keywords && !group) {
			bool has_angle = false;
			for (size_t k = start; k < i; k++)
				has_angle = has_angle || tok_is(v, &ts->v[k], '<');
			if (!has_angle)
				for (size_t k = start; k < i; k++)
					ts->v[k].role = ROLE_ADDR;
		}
		start = i + 1;
	}
}

/* The text of a quoted string or comment without its delimiters and
 * quoted-pairs, appended to b. */
static enum err
unquote(const char *s, size_t n, struct buf *b)
{
	enum err rc = ERR_OK;
	for (size_t i = 1; rc == ERR_OK && i + 1 < n; i++) {
		if (s[i] == '\\' && i + 2 < n)
			i++;
		rc = buf_addc(b, s[i]);
	}
	return rc;
}

static bool
phrase_word(const struct token *t)
{
	return t->role == ROLE_PHRASE && (t->t == TK_ATOM || t->t == TK_QS);
}

/* The output position in a structured field: tokens, the white space
 * waiting before the next one, and the address state. */
struct sctx {
	struct emit *e;
	const char *v;
	struct tokens *ts;
	size_t i;               /* next token */
	size_t ws, wslen;       /* white space before it */
	bool after_at;          /* in the domain of an addr-spec */
	bool prev_ew;           /* the last word was an encoded word left as is */
	struct buf text;
};

/* Index of the next token after k that is not white space, or n. */
static size_t
next_solid(const struct tokens *ts, size_t k)
{
	for (k++; k < ts->n && ts->v[k].t == TK_WS; k++)
		;
	return k;
}

/* Octets of the tokens after k up to the next white space, which a fold
 * before token k must keep on the new line too (as written; an encoded
 * or converted token among them may come out longer). */
static size_t
glue_after(const struct tokens *ts, size_t k)
{
	size_t n = 0;
	for (k++; k < ts->n && ts->v[k].t != TK_WS; k++)
		n += ts->v[k].len;
	return n;
}

/* A run of phrase words with 8-bit octets, from token s->i on. */
static enum err
phrase_run(struct sctx *s)
{
	const char *v = s->v;
	size_t k = s->i, last = k;
	enum err rc = ERR_OK;

	buf_reset(&s->text);
	if (s->prev_ew && s->wslen)
		rc = buf_add(&s->text, v + s->ws, s->wslen);
	for (;;) {
		const struct token *t = &s->ts->v[k];
		if (rc == ERR_OK && t->t == TK_QS)
			rc = unquote(v + t->off, t->len, &s->text);
		else if (rc == ERR_OK)
			rc = buf_add(&s->text, v + t->off, t->len);
		last = k;
		size_t nx = next_solid(s->ts, k);
		if (rc != ERR_OK || nx >= s->ts->n || !phrase_word(&s->ts->v[nx]) ||
		    !s->ts->v[nx].b8)
			break;
		/* White space between two words of the run travels encoded. */
		for (size_t w = k + 1; rc == ERR_OK && w < nx; w++)
			rc = buf_add(&s->text, v + s->ts->v[w].off, s->ts->v[w].len);
		k = nx;
	}
	size_t nx = next_solid(s->ts, last);
	if (rc == ERR_OK && nx < s->ts->n && phrase_word(&s->ts->v[nx]) &&
	    s->ts->v[nx].t == TK_ATOM && ew_like(v + s->ts->v[nx].off, s->ts->v[nx].len))
		for (size_t w = last + 1; rc == ERR_OK && w < nx; w++)
			rc = buf_add(&s->text, v + s->ts->v[w].off, s->ts->v[w].len);
	if (rc != ERR_OK)
		return rc;
	s->i = last;
	return emit_run(s->e, v + s->ws, s->wslen, "", buf_str(&s->text), s->text.len, "");
}

/* A domain with 8-bit octets (atoms and dots from token s->i on) in
 * A-labels. */
static enum err
domain_alabel(struct sctx *s, const char **why)
{
	struct buf dom, msg;
	char *conv = NULL;
	size_t k = s->i;
	enum err rc;

	buf_init(&dom, MSG_ADDR_MAX);
	buf_init(&msg, 256);
	rc = buf_adds(&dom, "x@");
	while (rc == ERR_OK && k < s->ts->n && (s->ts->v[k].t == TK_ATOM ||
	    tok_is(s->v, &s->ts->v[k], '.'))) {
		rc = buf_add(&dom, s->v + s->ts->v[k].off, s->ts->v[k].len);
		k++;
	}
	if (rc == ERR_OK && addr_alabel(dom.data, &conv, &msg) != ERR_OK) {
		*why = "a domain that is not a valid internationalised domain name";
		rc = ERR_DATA;
	}
	if (rc == ERR_OK) {
		const char *d = strchr(conv, '@') + 1;
		rc = emit_piece(s->e, s->v + s->ws, s->wslen, d, strlen(d), 0, false);
		s->i = k - 1;
	}
	free(conv);
	buf_free(&dom);
	buf_free(&msg);
	return rc;
}

/* One token other than white space. */
static enum err
structured_token(struct sctx *s, const char **why)
{
	const struct token *t = &s->ts->v[s->i];
	const char *v = s->v;

	if (t->t == TK_SPECIAL && strchr(",;:<>", v[t->off]))
		s->after_at = false;
	if (!t->b8) {
		enum err rc;
		size_t glue = glue_after(s->ts, s->i);
		if (s->e->after_ew && s->wslen == 0)
			rc = emit_piece(s->e, " ", 1, v + t->off, t->len, glue, false);
		else
			rc = emit_piece(s->e, v + s->ws, s->wslen, v + t->off, t->len, glue, false);
		if (tok_is(v, t, '@'))
			s->after_at = true;
		s->prev_ew = t->t == TK_ATOM && ew_like(v + t->off, t->len);
		return rc;
	}
	s->prev_ew = false;
	if (t->t == TK_COMMENT) {
		/* RFC 2047 5 (2): the comment's text, parentheses kept. */
		buf_reset(&s->text);
		if (unquote(v + t->off, t->len, &s->text) != ERR_OK)
			return ERR_TOOBIG;
		return emit_run(s->e, v + s->ws, s->wslen, "(", buf_str(&s->text), s->text.len,
		    ")");
	}
	if (phrase_word(t))
		return phrase_run(s);   /* RFC 2047 5 (3) */
	if (t->role == ROLE_ADDR && t->t == TK_ATOM && s->after_at)
		return domain_alabel(s, why);
	*why = t->role == ROLE_ADDR && !s->after_at ?
	    "a non-ASCII local part, which no encoding can make 7-bit" :
	    "8-bit octets where RFC 2047 allows no encoded words";
	return ERR_DATA;
}

static enum err
structured(struct emit *e, const char *v, size_t n, bool keywords, const char **why)
{
	struct tokens ts = { NULL, 0, 0 };
	struct sctx s = { .e = e, .v = v, .ts = &ts };
	enum err rc;

	buf_init(&s.text, 2 * n + 16);
	if ((rc = lex(v, n, &ts, why)) == ERR_OK)
		assign_roles(v, &ts, keywords);
	for (s.i = 0; rc == ERR_OK && s.i < ts.n; s.i++) {
		const struct token *t = &ts.v[s.i];
		if (t->t == TK_WS) {
			if (s.i + 1 == ts.n)
				rc = buf_add(e->out, v + t->off, t->len);
			s.ws = t->off;
			s.wslen = t->len;
			continue;
		}
		rc = structured_token(&s, why);
		s.wslen = 0;
	}
	free(ts.v);
	buf_free(&s.text);
	return rc;
}

/* --- Which field is which. --- */

enum kind { KIND_OTHER, KIND_TEXT, KIND_ADDR, KIND_KEYWORDS };

static enum kind
field_kind(const char *name, size_t n)
{
	static const char *const text[] = { "Subject", "Comments", "Content-Description",
		"Organization", "Thread-Topic", NULL };
	static const char *const addr[] = { "From", "Sender", "Reply-To", "To", "Cc", "Bcc",
		"Resent-From", "Resent-Sender", "Resent-Reply-To", "Resent-To", "Resent-Cc",
		"Resent-Bcc", "Disposition-Notification-To", "Mail-Followup-To",
		"Mail-Reply-To", "Return-Receipt-To", "Errors-To", NULL };
	for (size_t i = 0; text[i]; i++)
		if (strlen(text[i]) == n && strncasecmp(name, text[i], n) == 0)
			return KIND_TEXT;
	for (size_t i = 0; addr[i]; i++)
		if (strlen(addr[i]) == n && strncasecmp(name, addr[i], n) == 0)
			return KIND_ADDR;
	if (n == 8 && strncasecmp(name, "Keywords", 8) == 0)
		return KIND_KEYWORDS;
	/* RFC 2047 5 (1): extension fields are text. */
	if (n > 2 && strncasecmp(name, "X-", 2) == 0)
		return KIND_TEXT;
	return KIND_OTHER;
}

enum err
hdr2047_field(const char *f, size_t len, size_t namelen, struct buf *out, const char **why)
{
	struct emit e = { .out = out, .col = namelen + 1 };
	struct buf v;
	size_t nl = namelen;
	enum err rc = ERR_OK;

	*why = NULL;
	if (!hdr2047_has_8bit(f, len))
		return buf_add(out, f, len);
	if (!hdr2047_utf8_valid(f, len)) {
		*why = "8-bit octets that are not UTF-8";
		return ERR_DATA;
	}
	while (nl > 0 && is_wsp(f[nl - 1]))
		nl--;
	enum kind k = field_kind(f, nl);
	if (k == KIND_OTHER) {
		*why = "8-bit octets in a field where RFC 2047 allows no encoded words";
		return ERR_DATA;
	}
	/* Unfolded: the CRLF before each continuation line goes. */
	buf_init(&v, len);
	for (size_t i = namelen + 1; rc == ERR_OK && i < len; i++) {
		if (f[i] == '\r' && i + 1 < len && f[i + 1] == '\n')
			i++;
		else
			rc = buf_addc(&v, f[i]);
	}
	if (rc == ERR_OK)
		rc = buf_add(out, f, namelen + 1);
	if (rc == ERR_OK && k == KIND_TEXT)
		rc = unstructured(&e, buf_str(&v), v.len);
	else if (rc == ERR_OK)
		rc = structured(&e, buf_str(&v), v.len, k == KIND_KEYWORDS, why);
	buf_free(&v);
	return rc;
}
