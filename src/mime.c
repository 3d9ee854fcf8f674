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

/* boundary= parameter of a Content-Type value (quoted or token). */
static bool
get_boundary(const char *ct, char *out)
{
	const char *p = ct;
	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "boundary", 8) != 0)
			continue;
		p += 8;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = 0;
		if (*p == '"') {
			p++;
			while (p[n] && p[n] != '"')
				n++;
		} else {
			while (p[n] && p[n] != ';' && p[n] != ' ' && p[n] != '\t')
				n++;
		}
		if (n == 0 || n > MIME_BOUNDARY_MAX)
			return false;
		memcpy(out, p, n);
		out[n] = '\0';
		return true;
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

/* One pass over the message. */
static enum err
walk(int infd, struct walk *w)
{
	struct reader r = { .fd = infd };
	struct buf hdr, val;
	struct frame st[MIME_DEPTH_MAX];
	int depth = 0;
	enum { S_HEADERS, S_LEAF, S_MULTI } state = S_HEADERS;
	bool top = true, got, qp = false;
	size_t leaf = 0;
	enum err rc = ERR_OK;

	buf_init(&r.line, MIME_LINE_MAX);
	buf_init(&hdr, MSG_HEADER_MAX + 4);
	buf_init(&val, MSG_HEADER_MAX);
	for (;;) {
		if ((rc = read_line(&r, &got)) != ERR_OK)
			break;
		if (!got)
			break;
		const char *l = buf_str(&r.line);
		size_t n = r.line.len;
		bool closing = false;
		int d = state != S_HEADERS ? match_boundary(st, depth, l, n, &closing) : -1;

		if (d >= 0) {
			/* A boundary ends the current entity (and any nested deeper). */
			depth = d + 1;
			if ((rc = emit(w, l, n, true)) != ERR_OK)
				break;
			qp = false;
			if (closing) {
				depth = d;
				state = S_MULTI;    /* epilogue of the parent (or the top) */
			} else {
				state = S_HEADERS;
				buf_reset(&hdr);
			}
			continue;
		}
		if (state == S_HEADERS) {
			if (n > MSG_LINE_MAX) {
				w->why = "a MIME header line over 998 octets";
				rc = ERR_DATA;
				break;
			}
			if (n > 0) {
				if ((hdr.len && buf_addc(&hdr, '\n') != ERR_OK) ||
				    buf_add(&hdr, l, n) != ERR_OK) {
					rc = ERR_TOOBIG;
					break;
				}
				continue;
			}
			/* End of an entity's headers: classify it. */
			char boundary[MIME_BOUNDARY_MAX + 1];
			bool has_ct = header_value(&hdr, "Content-Type", &val);
			bool multi = has_ct && starts_ci(buf_str(&val), "multipart/") &&
			    get_boundary(buf_str(&val), boundary) && depth < MIME_DEPTH_MAX;
			bool message = has_ct && starts_ci(buf_str(&val), "message/");
			bool encoded = header_value(&hdr, "Content-Transfer-Encoding", &val) &&
			    (starts_ci(buf_str(&val), "base64") ||
			    starts_ci(buf_str(&val), "quoted-printable"));
			if (multi) {
				snprintf(st[depth++].boundary, sizeof st[0].boundary, "%s", boundary);
				state = S_MULTI;
				qp = false;
			} else {
				if (leaf >= MIME_LEAVES_MAX) {
					w->why = "too many MIME parts";
					rc = ERR_DATA;
					break;
				}
				if (!w->writing) {
					w->eligible[leaf] = !encoded && !message;
					w->nleaves = leaf + 1;
				}
				qp = w->writing && w->long_leaf[leaf];
				state = S_LEAF;
				leaf++;
			}
			/* Write the headers, changing the encoding of a re-encoded leaf. */
			const char *p = buf_str(&hdr), *end = p + hdr.len;
			bool skipping = false, has_mime = false;
			while (p < end && rc == ERR_OK) {
				const char *eol = memchr(p, '\n', (size_t)(end - p));
				size_t len = eol ? (size_t)(eol - p) : (size_t)(end - p);
				bool cont = *p == ' ' || *p == '\t';
				if (!cont)
					skipping = qp && strncasecmp(p, "Content-Transfer-Encoding:", 26) == 0;
				if (!cont && strncasecmp(p, "MIME-Version:", 13) == 0)
					has_mime = true;
				if (!skipping)
					rc = emit(w, p, len, true);
				p = eol ? eol + 1 : end;
			}
			if (rc == ERR_OK && qp && top && !has_mime)
				rc = emit(w, "MIME-Version: 1.0", 17, true);
			if (rc == ERR_OK && qp)
				rc = emit(w, "Content-Transfer-Encoding: quoted-printable", 43, true);
			if (rc == ERR_OK)
				rc = emit(w, "", 0, true);
			if (rc != ERR_OK)
				break;
			top = false;
			buf_reset(&hdr);
			continue;
		}
		if (state == S_LEAF) {
			if (!w->writing && n > MSG_LINE_MAX)
				w->long_leaf[leaf - 1] = true;
			if (qp) {
				struct buf enc;
				buf_init(&enc, 4 * n + 16);    /* 3n escaped + soft breaks */
				rc = qp_encode_line(l, n, &enc);
				if (rc == ERR_OK)
					rc = emit(w, enc.data, enc.len, false);
				buf_free(&enc);
			} else {
				rc = emit(w, l, n, true);
			}
			if (rc != ERR_OK)
				break;
			continue;
		}
		/* Preamble or epilogue of a multipart: copied, never re-encoded. */
		if (n > MSG_LINE_MAX) {
			w->why = "a line over 998 octets in a multipart preamble or epilogue"
			    " cannot be re-encoded";
			rc = ERR_DATA;
			break;
		}
		if ((rc = emit(w, l, n, true)) != ERR_OK)
			break;
	}
	if (rc == ERR_OK && state == S_HEADERS && hdr.len) {
		/* Headers without a body (no blank line at the end). */
		for (const char *p = hdr.data, *end = hdr.data + hdr.len; p < end && rc == ERR_OK; ) {
			const char *eol = memchr(p, '\n', (size_t)(end - p));
			size_t len = eol ? (size_t)(eol - p) : (size_t)(end - p);
			rc = emit(w, p, len, true);
			p = eol ? eol + 1 : end;
		}
	}
	if (rc == ERR_OK)
		rc = flush_out(w);
	buf_free(&r.line);
	buf_free(&hdr);
	buf_free(&val);
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
