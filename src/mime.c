// SPDX-License-Identifier: MIT
/* mime.c: the second pass of intake, run only when a body line is longer
 * than 998 octets. It walks the MIME structure twice over our own
 * (seekable, CRLF-canonical) file: first to find which leaf entities hold
 * long lines, then to write the message with exactly those entities
 * re-encoded as quoted-printable, which is lossless (RFC 2045 6.7). */
#include "mime.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bounds.h"
#include "buf.h"
#include "qp.h"
#include "util.h"

#define MIME_LEAVES_MAX 10000
#define MIME_BOUNDARY_MAX 70     /* RFC 2046 5.1.1 */

struct reader {
	int fd;
	off_t off;
	char buf[65536];
	size_t pos, len;
	struct buf line;
};

/* One CRLF line (without it); *got false at the end. */
static enum err
read_line(struct reader *r, bool *got)
{
	buf_reset(&r->line);
	*got = false;
	for (;;) {
		if (r->pos == r->len) {
			ssize_t n = pread(r->fd, r->buf, sizeof r->buf, r->off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return ERR_IO;
			if (n == 0) {
				*got = r->line.len > 0;
				return ERR_OK;
			}
			r->off += n;
			r->pos = 0;
			r->len = (size_t)n;
		}
		char *s = r->buf + r->pos, *lf = memchr(s, '\n', r->len - r->pos);
		size_t take = lf ? (size_t)(lf - s) : r->len - r->pos;
		if (buf_add(&r->line, s, take) != ERR_OK)
			return ERR_TOOBIG;
		r->pos += take + (lf ? 1 : 0);
		if (lf) {
			if (r->line.len && r->line.data[r->line.len - 1] == '\r')
				buf_truncate(&r->line, r->line.len - 1);
			*got = true;
			return ERR_OK;
		}
	}
}

struct frame {
	char boundary[MIME_BOUNDARY_MAX + 1];
};

struct walk {
	bool writing;           /* second pass */
	bool *long_leaf;        /* per leaf: has a line over 998 octets */
	bool *eligible;         /* per leaf: may be re-encoded */
	size_t nleaves;
	int outfd;
	struct buf out;
	uint64_t size;
	const char *why;
};

static enum err
flush_out(struct walk *w)
{
	if (write_all(w->outfd, buf_str(&w->out), w->out.len) != ERR_OK)
		return ERR_SPOOL;
	w->size += w->out.len;
	buf_reset(&w->out);
	return ERR_OK;
}

static enum err
emit(struct walk *w, const char *p, size_t n, bool crlf)
{
	if (!w->writing)
		return ERR_OK;
	if (w->out.len + n + 2 > 65536 && flush_out(w) != ERR_OK)
		return ERR_SPOOL;
	if (n + 2 > w->out.max - w->out.len) {
		/* A long line copied as it is (not being re-encoded). */
		if (flush_out(w) != ERR_OK || write_all(w->outfd, p, n) != ERR_OK)
			return ERR_SPOOL;
		w->size += n;
		return crlf ? emit(w, "", 0, true) : ERR_OK;
	}
	if (buf_add(&w->out, p, n) != ERR_OK || (crlf && buf_add(&w->out, "\r\n", 2) != ERR_OK))
		return ERR_SPOOL;
	return ERR_OK;
}

/* A header field's value (after "Name:"), unfolded, in out. */
static bool
header_value(const struct buf *hdr, const char *name, struct buf *out)
{
	size_t nl = strlen(name);
	const char *p = buf_str(hdr), *end = p + hdr->len;
	buf_reset(out);
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len = eol ? (size_t)(eol - p) : (size_t)(end - p);
		if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *q;
			/* Unfold: append continuation lines. */
			q = eol ? eol + 1 : end;
			(void)!buf_add(out, v, (size_t)(p + len - v));
			while (q < end && (*q == ' ' || *q == '\t')) {
				const char *e2 = memchr(q, '\n', (size_t)(end - q));
				size_t l2 = e2 ? (size_t)(e2 - q) : (size_t)(end - q);
				(void)!buf_add(out, q, l2);
				q = e2 ? e2 + 1 : end;
			}
			return true;
		}
		p = eol ? eol + 1 : end;
	}
	return false;
}

/* Past a quoted string (at '"') or a comment (at '('), with their
 * backslash escapes (RFC 5322 3.2.2, 3.2.4); comments nest. Returns
 * where it ends (after the closing quote or parenthesis, or at the NUL). */
static const char *
skip_quoted_or_comment(const char *p)
{
	int depth = 0;
	char close = *p == '"' ? '"' : ')';
	for (p++; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
		} else if (close == ')' && *p == '(') {
			depth++;
		} else if (*p == close) {
			if (close == '"' || depth-- == 0)
				return p + 1;
		}
	}
	return p;
}

/* The value of parameter p (after '='): a quoted string, unescaped, or
 * a token; false when empty or longer than MIME_BOUNDARY_MAX. */
static bool
param_value(const char *p, char *out)
{
	size_t n = 0;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n == MIME_BOUNDARY_MAX)
				return false;
			out[n++] = *p;
		}
	} else {
		for (; *p && !strchr("; \t()\"", *p); p++) {
			if (n == MIME_BOUNDARY_MAX)
				return false;
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	return n > 0;
}

/* boundary= parameter of a Content-Type value (quoted or token). Only a
 * ';' outside quoted strings and comments starts a parameter: a quoted
 * value may itself contain ";boundary=" (RFC 2045 5.1). */
static bool
get_boundary(const char *ct, char *out)
{
	for (const char *p = ct; *p;) {
		if (*p == '"' || *p == '(') {
			p = skip_quoted_or_comment(p);
			continue;
		}
		if (*p++ != ';')
			continue;
		p += strspn(p, " \t");
		if (strncasecmp(p, "boundary", 8) != 0)
			continue;
		const char *q = p + 8;
		q += strspn(q, " \t");
		if (*q != '=')
			continue;
		q++;
		q += strspn(q, " \t");
		return param_value(q, out);
	}
	return false;
}

static bool
starts_ci(const char *s, const char *prefix)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Which boundary of the stack (innermost first) does this line match?
 * -1 none; *closing set for "--b--". */
static int
match_boundary(const struct frame *st, int depth, const char *l, size_t n, bool *closing)
{
	if (n < 3 || l[0] != '-' || l[1] != '-')
		return -1;
	for (int d = depth - 1; d >= 0; d--) {
		size_t bl = strlen(st[d].boundary);
		if (n < 2 + bl || memcmp(l + 2, st[d].boundary, bl) != 0)
			continue;
		const char *rest = l + 2 + bl;
		size_t rn = n - 2 - bl;
		*closing = rn >= 2 && rest[0] == '-' && rest[1] == '-';
		size_t k = *closing ? 2 : 0;
		while (k < rn && (rest[k] == ' ' || rest[k] == '\t'))
			k++;
		if (k == rn)
			return d;
	}
	return -1;
}

/* Where a line falls: in an entity's headers, in a leaf's body, or in a
 * multipart's preamble or epilogue. */
enum part_state { S_HEADERS, S_LEAF, S_MULTI };

/* One pass of walk() over the message. */
struct pass {
	struct walk *w;
	struct reader r;
	struct buf hdr, val;    /* the entity's header block; scratch */
	struct frame st[MIME_DEPTH_MAX];
	int depth;
	enum part_state state;
	bool top;               /* the next header block is the message's own */
	bool qp;                /* the current leaf is being re-encoded */
	size_t leaf;            /* leaves seen so far */
};

/* A boundary of frame d ends the current entity (and any nested deeper). */
static enum err
at_boundary(struct pass *ps, const char *l, size_t n, int d, bool closing)
{
	enum err rc;

	ps->depth = d + 1;
	if ((rc = emit(ps->w, l, n, true)) != ERR_OK)
		return rc;
	ps->qp = false;
	if (closing) {
		ps->depth = d;
		ps->state = S_MULTI;    /* epilogue of the parent (or the top) */
	} else {
		ps->state = S_HEADERS;
		buf_reset(&ps->hdr);
	}
	return ERR_OK;
}

/* End of an entity's headers: classify it. A multipart pushes its
 * boundary; a leaf is counted, and the first pass notes whether it may be
 * re-encoded. */
static enum err
classify_entity(struct pass *ps)
{
	struct walk *w = ps->w;
	char boundary[MIME_BOUNDARY_MAX + 1];
	bool has_ct = header_value(&ps->hdr, "Content-Type", &ps->val);
	bool multi = has_ct && starts_ci(buf_str(&ps->val), "multipart/") &&
	    get_boundary(buf_str(&ps->val), boundary) && ps->depth < MIME_DEPTH_MAX;
	bool message = has_ct && starts_ci(buf_str(&ps->val), "message/");
	bool encoded = header_value(&ps->hdr, "Content-Transfer-Encoding", &ps->val) &&
	    (starts_ci(buf_str(&ps->val), "base64") ||
	    starts_ci(buf_str(&ps->val), "quoted-printable"));

	if (multi) {
		snprintf(ps->st[ps->depth++].boundary, sizeof ps->st[0].boundary, "%s", boundary);
		ps->state = S_MULTI;
		ps->qp = false;
		return ERR_OK;
	}
	if (ps->leaf >= MIME_LEAVES_MAX) {
		w->why = "too many MIME parts";
		return ERR_DATA;
	}
	if (!w->writing) {
		w->eligible[ps->leaf] = !encoded && !message;
		w->nleaves = ps->leaf + 1;
	}
	ps->qp = w->writing && w->long_leaf[ps->leaf];
	ps->state = S_LEAF;
	ps->leaf++;
	return ERR_OK;
}

/* Write the headers, changing the encoding of a re-encoded leaf. */
static enum err
write_entity_headers(struct pass *ps)
{
	struct walk *w = ps->w;
	const char *p = buf_str(&ps->hdr), *end = p + ps->hdr.len;
	bool skipping = false, has_mime = false;
	enum err rc = ERR_OK;

	while (p < end && rc == ERR_OK) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len = eol ? (size_t)(eol - p) : (size_t)(end - p);
		bool cont = *p == ' ' || *p == '\t';
		if (!cont)
			skipping = ps->qp && strncasecmp(p, "Content-Transfer-Encoding:", 26) == 0;
		if (!cont && strncasecmp(p, "MIME-Version:", 13) == 0)
			has_mime = true;
		if (!skipping)
			rc = emit(w, p, len, true);
		p = eol ? eol + 1 : end;
	}
	if (rc == ERR_OK && ps->qp && ps->top && !has_mime)
		rc = emit(w, "MIME-Version: 1.0", 17, true);
	if (rc == ERR_OK && ps->qp)
		rc = emit(w, "Content-Transfer-Encoding: quoted-printable", 43, true);
	if (rc == ERR_OK)
		rc = emit(w, "", 0, true);
	if (rc == ERR_OK) {
		ps->top = false;
		buf_reset(&ps->hdr);
	}
	return rc;
}

/* A line of an entity's header block; the blank line ends it. */
static enum err
header_line(struct pass *ps, const char *l, size_t n)
{
	enum err rc;

	if (n > MSG_LINE_MAX) {
		ps->w->why = "a MIME header line over 998 octets";
		return ERR_DATA;
	}
	if (n > 0) {
		if ((ps->hdr.len && buf_addc(&ps->hdr, '\n') != ERR_OK) ||
		    buf_add(&ps->hdr, l, n) != ERR_OK)
			return ERR_TOOBIG;
		return ERR_OK;
	}
	if ((rc = classify_entity(ps)) != ERR_OK)
		return rc;
	return write_entity_headers(ps);
}

/* A body line of a leaf: noted if long, quoted-printable if re-encoded. */
static enum err
leaf_line(struct pass *ps, const char *l, size_t n)
{
	struct walk *w = ps->w;
	struct buf enc;
	enum err rc;

	if (!w->writing && n > MSG_LINE_MAX)
		w->long_leaf[ps->leaf - 1] = true;
	if (!ps->qp)
		return emit(w, l, n, true);
	buf_init(&enc, 4 * n + 16);    /* 3n escaped + soft breaks */
	rc = qp_encode_line(l, n, &enc);
	if (rc == ERR_OK)
		rc = emit(w, enc.data, enc.len, false);
	buf_free(&enc);
	return rc;
}

/* Preamble or epilogue of a multipart: copied, never re-encoded. */
static enum err
outer_line(struct pass *ps, const char *l, size_t n)
{
	if (n > MSG_LINE_MAX) {
		ps->w->why = "a line over 998 octets in a multipart preamble or epilogue"
		    " cannot be re-encoded";
		return ERR_DATA;
	}
	return emit(ps->w, l, n, true);
}

/* Headers without a body (no blank line at the end). */
static enum err
emit_unended_headers(struct pass *ps)
{
	enum err rc = ERR_OK;
	const char *p = ps->hdr.data, *end = ps->hdr.data + ps->hdr.len;

	while (p < end && rc == ERR_OK) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len = eol ? (size_t)(eol - p) : (size_t)(end - p);
		rc = emit(ps->w, p, len, true);
		p = eol ? eol + 1 : end;
	}
	return rc;
}

/* One pass over the message. */
static enum err
walk(int infd, struct walk *w)
{
	struct pass ps = { .w = w, .r = { .fd = infd }, .state = S_HEADERS, .top = true };
	enum err rc;
	bool got;

	buf_init(&ps.r.line, MIME_LINE_MAX);
	buf_init(&ps.hdr, MSG_HEADER_MAX + 4);
	buf_init(&ps.val, MSG_HEADER_MAX);
	while ((rc = read_line(&ps.r, &got)) == ERR_OK && got) {
		const char *l = buf_str(&ps.r.line);
		size_t n = ps.r.line.len;
		bool closing = false;
		int d = ps.state != S_HEADERS ? match_boundary(ps.st, ps.depth, l, n, &closing) : -1;

		if (d >= 0)
			rc = at_boundary(&ps, l, n, d, closing);
		else if (ps.state == S_HEADERS)
			rc = header_line(&ps, l, n);
		else if (ps.state == S_LEAF)
			rc = leaf_line(&ps, l, n);
		else
			rc = outer_line(&ps, l, n);
		if (rc != ERR_OK)
			break;
	}
	if (rc == ERR_OK && ps.state == S_HEADERS && ps.hdr.len)
		rc = emit_unended_headers(&ps);
	if (rc == ERR_OK)
		rc = flush_out(w);
	buf_free(&ps.r.line);
	buf_free(&ps.hdr);
	buf_free(&ps.val);
	return rc;
}

enum err
mime_reencode(int infd, int outfd, uint64_t *size, const char **why)
{
	struct walk w = { .outfd = outfd };
	enum err rc;

	*why = NULL;
	*size = 0;
	w.long_leaf = xcalloc(MIME_LEAVES_MAX, sizeof *w.long_leaf);
	w.eligible = xcalloc(MIME_LEAVES_MAX, sizeof *w.eligible);
	buf_init(&w.out, 65536 + 4);
	rc = walk(infd, &w);
	for (size_t i = 0; rc == ERR_OK && i < w.nleaves; i++) {
		if (w.long_leaf[i] && !w.eligible[i]) {
			w.why = "a line over 998 octets in a part that is already base64 or"
			    " quoted-printable, or a message/ part, cannot be re-encoded";
			rc = ERR_DATA;
		}
	}
	if (rc == ERR_OK) {
		w.writing = true;
		rc = walk(infd, &w);
		*size = w.size;
	}
	*why = w.why;
	free(w.long_leaf);
	free(w.eligible);
	buf_free(&w.out);
	return rc;
}
