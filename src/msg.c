// SPDX-License-Identifier: MIT
/* msg.c: message intake. Reads the caller's whole message before anything
 * is sent (a truncated stdin never becomes a truncated mail), turns every
 * line ending into CRLF (bare CR and bare LF included: no SMTP smuggling,
 * RFC 5321 2.3.8), and streams the body to an anonymous file in constant memory.
 * Only the header block is held in memory, bounded by MSG_HEADER_MAX. */
#include "msg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "from.h"
#include "hdr2047.h"
#include "mime.h"
#include "util.h"

/* A line reader over the caller's input that normalises line ends. */
struct lines {
	int fd;
	const char *pre;            /* read before fd */
	size_t pre_len;
	char in[BODY_CHUNK_SIZE];
	size_t pos, len;
	bool eof, pending_cr, ended;
	struct buf line;
	bool eightbit;
};

/* next_line: the next line without its ending, in l->line. *got is false at
 * the end of input. A final line without a line break is returned as a
 * line (a CRLF is added on output, RFC 5321 4.1.1.4). */
static enum err
next_line(struct lines *l, bool *got)
{
	buf_reset(&l->line);
	*got = false;
	if (l->ended)
		return ERR_OK;
	for (;;) {
		if (l->pos == l->len) {
			ssize_t n;
			if (l->eof) {
				l->ended = true;
				*got = l->line.len > 0 || l->pending_cr;
				l->pending_cr = false;
				return ERR_OK;
			}
			if (l->pre_len > 0) {
				n = (ssize_t)(l->pre_len < sizeof l->in ? l->pre_len : sizeof l->in);
				memcpy(l->in, l->pre, (size_t)n);
				l->pre += n;
				l->pre_len -= (size_t)n;
			} else {
				n = read(l->fd, l->in, sizeof l->in);
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return ERR_IO;
			if (n == 0) {
				l->eof = true;
				continue;
			}
			l->pos = 0;
			l->len = (size_t)n;
		}
		if (l->pending_cr) {
			/* CR LF, or a bare CR: either way the line ends here. */
			l->pending_cr = false;
			if (l->in[l->pos] == '\n')
				l->pos++;
			*got = true;
			return ERR_OK;
		}
		/* Copy a run of ordinary bytes at once. */
		size_t start = l->pos;
		while (l->pos < l->len) {
			unsigned char c = (unsigned char)l->in[l->pos];
			if (c == '\r' || c == '\n' || c == '\0')
				break;
			if (c >= 0x80)
				l->eightbit = true;
			l->pos++;
		}
		if (l->pos > start && buf_add(&l->line, l->in + start, l->pos - start) != ERR_OK)
			return ERR_TOOBIG;
		if (l->pos == l->len)
			continue;
		char c = l->in[l->pos++];
		if (c == '\0')
			return ERR_DATA;
		if (c == '\n') {
			*got = true;
			return ERR_OK;
		}
		l->pending_cr = true;  /* decide at the next byte */
	}
}

/* Buffered writes to the anonymous file. */
struct out {
	int fd;
	struct buf b;
	uint64_t total;
};

static enum err
out_flush(struct out *o)
{
	if (write_all(o->fd, buf_str(&o->b), o->b.len) != ERR_OK)
		return ERR_SPOOL;
	buf_reset(&o->b);
	return ERR_OK;
}

static enum err
out_line(struct out *o, const char *p, size_t n)
{
	enum err rc;
	if (o->b.len + n + 2 > o->b.max && (rc = out_flush(o)) != ERR_OK)
		return rc;
	if (n + 2 > o->b.max) {
		/* Only a header field can be this long; write it directly. */
		if ((rc = out_flush(o)) != ERR_OK)
			return rc;
		struct buf big;
		buf_init(&big, n + 2);
		rc = buf_add(&big, p, n) == ERR_OK && buf_add(&big, "\r\n", 2) == ERR_OK ?
		    ERR_OK : ERR_INTERNAL;
		struct buf keep = o->b;
		o->b = big;
		if (rc == ERR_OK)
			rc = out_flush(o);
		buf_free(&o->b);
		o->b = keep;
		o->total += n + 2;
		return rc;
	}
	if (buf_add(&o->b, p, n) != ERR_OK || buf_add(&o->b, "\r\n", 2) != ERR_OK)
		return ERR_INTERNAL;
	o->total += n + 2;
	return ERR_OK;
}

int
msg_anon(const struct msg_opts *o)
{
	int fd;
	if (o->anon_dirfd >= 0)
		/* No O_EXCL: the queue links this file in on commit. */
		return openat(o->anon_dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC,
		    o->anon_mode ? o->anon_mode : 0600);
	fd = open(o->tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC | O_EXCL, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	/* File systems without O_TMPFILE: a named file, unlinked at once. */
	char path[4096];
	if (snprintf(path, sizeof path, "%s/.sealpost-XXXXXX", o->tmpdir) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

/* RFC 5322 2.2.3: fold a header line over 998 octets at white space (the
 * white space starts the continuation line, so unfolding restores it). */
static enum err
fold_header_line(struct out *o, const char *p, size_t n)
{
	while (n > MSG_LINE_MAX) {
		size_t cut = MSG_LINE_MAX;
		while (cut > 1 && p[cut] != ' ' && p[cut] != '\t')
			cut--;
		if (cut <= 1)
			return ERR_DATA;
		enum err rc = out_line(o, p, cut);
		if (rc != ERR_OK)
			return rc;
		p += cut;
		n -= cut;
	}
	return out_line(o, p, n);
}

void
msg_date(char *out, size_t cap)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	/* The C locale is in force (we never call setlocale), so day and
	 * month names are English as RFC 5322 3.3 requires. */
	strftime(out, cap, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

/* Header field boundaries in the in-memory header block. */
struct field {
	size_t off, len;        /* raw bytes, CRLF-separated lines, no final CRLF */
	size_t namelen;
	bool drop;
};

/* Is field f named name? Blanks before the colon (obsolete syntax) are
 * not part of the name. */
static bool
field_is(const char *hdr, const struct field *f, const char *name)
{
	size_t nl = f->namelen;
	while (nl > 0 && (hdr[f->off + nl - 1] == ' ' || hdr[f->off + nl - 1] == '\t'))
		nl--;
	return nl == strlen(name) && strncasecmp(hdr + f->off, name, nl) == 0;
}

/* A header field's value, unfolded (CRLF removed before WSP). */
static bool
field_value(const char *hdr, const struct field *f, struct buf *out)
{
	const char *v = hdr + f->off + f->namelen + 1;
	size_t n = f->len - f->namelen - 1;
	buf_reset(out);
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\r' && i + 1 < n && v[i + 1] == '\n') {
			i++;
			continue;
		}
		if (buf_addc(out, v[i]) != ERR_OK)
			return false;
	}
	return true;
}

static bool
header_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126 || s[i] == ':')
			return false;
	return true;
}

static enum err
fail(struct buf *err, enum err e, const char *fmt, ...) PRINTF(3, 4);

static enum err
fail(struct buf *err, enum err e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verrf(err, fmt, ap);
	va_end(ap);
	return e;
}

static enum err
line_error(enum err rc, unsigned long lineno, struct buf *err)
{
	switch (rc) {
	case ERR_IO:
		return fail(err, ERR_IO, "cannot read the message from standard input: %s",
		    strerror(errno));
	case ERR_DATA:
		return fail(err, ERR_DATA, "message line %lu contains a NUL byte", lineno);
	case ERR_TOOBIG:
		return fail(err, ERR_DATA, "message line %lu is longer than %d octets, too long"
		    " even to re-encode", lineno, MIME_LINE_MAX);
	default:
		return fail(err, rc, "message line %lu: %s", lineno, err_str(rc));
	}
}

/* The header block as read: the fields, CRLF-separated, in memory, and
 * what a look at them found. */
struct header_block {
	struct buf text;
	struct field *fields;
	size_t n, cap;
	bool resent, has_from, has_date, has_msgid;
	bool tls_optional;      /* a TLS-Required field says No */
	bool keep_utf8;         /* the envelope needs SMTPUTF8: fields stay UTF-8 */
	bool eightbit;          /* a kept field has 8-bit octets as written */
};

/* What ended the header block. */
enum header_end {
	HEND_EOF,               /* the end of the input */
	HEND_DOT,               /* a lone "." (o->dot_ends) */
	HEND_BLANK,             /* the blank line before the body */
	HEND_BODY_LINE,         /* a line that is not a field: the first body line */
};

static enum err
header_too_big(struct buf *err)
{
	return fail(err, ERR_DATA, "header block larger than %d bytes", MSG_HEADER_MAX);
}

static enum err
spool_error(const struct msg_opts *o, struct buf *err)
{
	return fail(err, ERR_SPOOL, "cannot write the message to a temporary file in %s: %s",
	    o->tmpdir, strerror(errno));
}

/* A continuation line of the last field. */
static enum err
add_continuation(struct header_block *h, const char *p, size_t n, struct buf *err)
{
	if (buf_add(&h->text, "\r\n", 2) != ERR_OK || buf_add(&h->text, p, n) != ERR_OK)
		return header_too_big(err);
	h->fields[h->n - 1].len += n + 2;
	return ERR_OK;
}

/* A new field of n octets whose name (with any blanks) is namelen long. */
static enum err
add_field(struct header_block *h, const char *p, size_t n, size_t namelen, struct buf *err)
{
	if (h->n >= MSG_HEADER_FIELDS_MAX)
		return fail(err, ERR_DATA, "more than %d header fields", MSG_HEADER_FIELDS_MAX);
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 32;
		h->fields = xrealloc(h->fields, h->cap * sizeof *h->fields);
	}
	if (h->text.len && buf_add(&h->text, "\r\n", 2) != ERR_OK)
		return header_too_big(err);
	h->fields[h->n].off = h->text.len;
	h->fields[h->n].len = n;
	h->fields[h->n].namelen = namelen;
	h->fields[h->n].drop = false;
	if (buf_add(&h->text, p, n) != ERR_OK)
		return header_too_big(err);
	h->n++;
	return ERR_OK;
}

/* Phase 1: the header block into h. *end says what ended it; for
 * HEND_BODY_LINE that line is still in l->line. */
static enum err
read_header_block(struct lines *l, const struct msg_opts *o, struct header_block *h,
    unsigned long *lineno, enum header_end *end, struct buf *err)
{
	enum err rc;
	bool got;

	*end = HEND_EOF;
	for (;;) {
		if ((rc = next_line(l, &got)) != ERR_OK)
			return line_error(rc, *lineno + 1, err);
		if (!got)
			return ERR_OK;
		(*lineno)++;
		const char *p = buf_str(&l->line);
		size_t n = l->line.len;
		if (o->dot_ends && n == 1 && p[0] == '.') {
			*end = HEND_DOT;
			return ERR_OK;
		}
		/* As in Postfix's sendmail: an mbox "From " line before the headers is dropped. */
		if (*lineno == 1 && n >= 5 && memcmp(p, "From ", 5) == 0)
			continue;
		if (n == 0) {
			*end = HEND_BLANK;
			return ERR_OK;
		}
		if ((p[0] == ' ' || p[0] == '\t') && h->n > 0) {
			if ((rc = add_continuation(h, p, n, err)) != ERR_OK)
				return rc;
			continue;
		}
		const char *colon = memchr(p, ':', n);
		size_t namelen = colon ? (size_t)(colon - p) : 0;
		/* Allow "Name :" (obsolete WSP before the colon). */
		while (namelen > 0 && (p[namelen - 1] == ' ' || p[namelen - 1] == '\t'))
			namelen--;
		if (!colon || !header_name_ok(p, namelen)) {
			/* Not a header field: the body starts here, after a blank
			 * line we insert. */
			*end = HEND_BODY_LINE;
			return ERR_OK;
		}
		if ((rc = add_field(h, p, n, (size_t)(colon - p), err)) != ERR_OK)
			return rc;
	}
}

/* Is field f "TLS-Required: No"? RFC 8689 section 3 defines the one
 * value, case-insensitive; blanks around it do not count. */
static bool
tls_required_no(const char *hdr, const struct field *f)
{
	if (!field_is(hdr, f, "TLS-Required"))
		return false;
	const char *v = hdr + f->off + f->namelen + 1, *end = hdr + f->off + f->len;
	while (v < end && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		end--;
	return end - v == 2 && strncasecmp(v, "No", 2) == 0;
}

/* Phase 2: are there Resent- fields (they decide what -t reads), which
 * of From, Date and Message-ID are there, and does TLS-Required say No. */
static void
scan_fields(struct header_block *h)
{
	for (size_t i = 0; i < h->n; i++) {
		const struct field *f = &h->fields[i];
		if (f->namelen > 7 && strncasecmp(h->text.data + f->off, "Resent-", 7) == 0)
			h->resent = true;
		if (field_is(h->text.data, f, "From"))
			h->has_from = true;
		else if (field_is(h->text.data, f, "Date"))
			h->has_date = true;
		else if (field_is(h->text.data, f, "Message-ID"))
			h->has_msgid = true;
		else if (tls_required_no(h->text.data, f))
			h->tls_optional = true;
	}
}

/* The name of field f, sanitised for an error message. */
static const char *
field_name(const struct header_block *h, const struct field *f, char *name, size_t cap)
{
	return str_sanitize(name, cap, h->text.data + f->off, f->namelen);
}

/* Does -t take recipients from field f? */
static bool
extract_from(const struct header_block *h, const struct field *f, const struct msg_opts *o)
{
	const char *t = h->text.data;
	return o->extract && (h->resent ?
	    (field_is(t, f, "Resent-To") || field_is(t, f, "Resent-Cc") ||
	     field_is(t, f, "Resent-Bcc")) :
	    (field_is(t, f, "To") || field_is(t, f, "Cc") || field_is(t, f, "Bcc")));
}

/* The recipients of address field f, appended to rcpts (val is scratch). */
static enum err
extract_field(const struct header_block *h, const struct field *f, struct buf *val,
    struct addr_list *rcpts, struct buf *err)
{
	const char *why = NULL;
	char name[64];
	enum err rc;

	if (!field_value(h->text.data, f, val))
		return fail(err, ERR_DATA, "address header too long");
	rc = addr_parse_list(val->data ? val->data : "", val->len, rcpts, &why);
	if (rc != ERR_OK)
		rc = fail(err, rc == ERR_TOOBIG ? ERR_TOOBIG : ERR_DATA, "%s: header: %s",
		    field_name(h, f, name, sizeof name),
		    why ? why : "cannot parse the address list");
	return rc;
}

/* Phase 3: the recipients for -t, and the fields that must not leave. */
static enum err
extract_and_drop(struct header_block *h, const struct msg_opts *o, struct addr_list *rcpts,
    struct buf *err)
{
	struct buf val;
	enum err rc = ERR_OK;

	buf_init(&val, MSG_ADDRLIST_MAX);
	for (size_t i = 0; i < h->n; i++) {
		struct field *f = &h->fields[i];
		bool is_bcc = field_is(h->text.data, f, "Bcc") ||
		    field_is(h->text.data, f, "Resent-Bcc");
		if (extract_from(h, f, o) && (rc = extract_field(h, f, &val, rcpts, err)) != ERR_OK)
			break;
		/* RFC 5322 3.6.3: Bcc never leaves, with or without -t. */
		if (is_bcc)
			f->drop = true;
		if (o->hfrom == HFROM_REPLACE && o->from_addr && field_is(h->text.data, f, "From"))
			f->drop = true;
	}
	buf_free(&val);
	return rc;
}

/* Do the header fields stay UTF-8 (RFC 6532)? Only when the envelope
 * needs SMTPUTF8 anyway: a non-ASCII local part in the sender or a
 * recipient (a UTF-8 domain goes out as A-labels, RFC 6531 3.2).
 * Otherwise they are made 7-bit at intake, so that every server, and
 * every later attempt from the queue, gets the same bytes. */
static void
choose_header_form(struct header_block *h, const struct msg_opts *o,
    const struct addr_list *rcpts)
{
	h->keep_utf8 = o->utf8_envelope || (o->sender && hdr2047_local_part_8bit(o->sender));
	for (size_t i = 0; !h->keep_utf8 && i < rcpts->n; i++)
		h->keep_utf8 = hdr2047_local_part_8bit(rcpts->v[i]);
	for (size_t i = 0; h->keep_utf8 && i < h->n; i++)
		if (!h->fields[i].drop &&
		    hdr2047_has_8bit(h->text.data + h->fields[i].off, h->fields[i].len))
			h->eightbit = true;
}

/* The lines of a field (CRLF-separated, no final CRLF), each folded if
 * too long. */
static enum err
write_lines(struct out *out, const char *p, size_t n, const struct header_block *h,
    const struct field *f, const struct msg_opts *o, struct buf *err)
{
	const char *end = p + n;
	char name[64];

	while (p < end) {
		const char *cr = memchr(p, '\r', (size_t)(end - p));
		size_t len = cr ? (size_t)(cr - p) : (size_t)(end - p);
		enum err rc = fold_header_line(out, p, len);
		if (rc == ERR_DATA)
			return fail(err, ERR_DATA, "%s: header line longer than %d octets without"
			    " white space to fold at", field_name(h, f, name, sizeof name),
			    MSG_LINE_MAX);
		if (rc != ERR_OK)
			return spool_error(o, err);
		p = cr ? cr + 2 : end;
	}
	return ERR_OK;
}

/* The fields whose addresses are qualified: those of RFC 5322 3.6.2,
 * 3.6.3 and 3.6.6, and the ones for replies and reports that hold
 * addresses, as Postfix rewrites them. */
static const char *const address_fields[] = {
	"From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Resent-From", "Resent-Sender",
	"Resent-To", "Resent-Cc", "Resent-Bcc", "Errors-To", "Return-Receipt-To",
	"Disposition-Notification-To", "Mail-Followup-To", "Mail-Reply-To",
};

/* Does a qualified field still fit, every physical line within
 * MSG_LINE_MAX? A field the domain would push past it stays as the caller
 * wrote it (acceptable so; qualified, it might not be). addr_qualify_list()
 * itself refuses an address pushed past MSG_ADDR_MAX. */
static bool
qualified_fits(const struct buf *q)
{
	const char *p = q->data, *end = q->data + q->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > MSG_LINE_MAX)
			return false;
		p = nl ? nl + 1 : end;
	}
	return true;
}

/* Field f with "@" o->qualify_domain after each address that has none,
 * in q: true if anything was added. A field that is no address list, or
 * would grow too large, stays as written. */
static bool
qualify_field(const struct header_block *h, const struct field *f, const struct msg_opts *o,
    struct buf *q)
{
	const char *why = NULL;
	size_t n = 0;
	bool is_addr = false;

	if (!o->qualify_domain)
		return false;
	for (size_t i = 0; !is_addr && i < sizeof address_fields / sizeof *address_fields; i++)
		is_addr = field_is(h->text.data, f, address_fields[i]);
	if (!is_addr || buf_add(q, h->text.data + f->off, f->namelen + 1) != ERR_OK)
		return false;
	if (addr_qualify_list(h->text.data + f->off + f->namelen + 1, f->len - f->namelen - 1,
	    o->qualify_domain, q, &n, &why) != ERR_OK || n == 0 || !qualified_fits(q)) {
		buf_reset(q);
		return false;
	}
	return true;
}

/* A field with 8-bit octets for a message without SMTPUTF8: RFC 2047
 * encoded words (hdr2047.c), or a refusal that names the field. */
static enum err
write_encoded(struct out *out, const char *p, size_t n, const struct header_block *h,
    const struct field *f, const struct msg_opts *o, struct buf *err)
{
	const char *why = NULL;
	char name[64];
	struct buf enc;
	enum err rc;

	buf_init(&enc, 4 * n + 1024);
	rc = hdr2047_field(p, n, f->namelen, &enc, &why);
	if (rc == ERR_OK)
		rc = write_lines(out, buf_str(&enc), enc.len, h, f, o, err);
	else if (rc == ERR_DATA)
		rc = fail(err, ERR_DATA, "%s: header field has %s (no envelope address needs"
		    " SMTPUTF8, so header fields must be 7-bit)", field_name(h, f, name, sizeof name),
		    why);
	else
		rc = fail(err, ERR_DATA, "%s: header field too long to encode",
		    field_name(h, f, name, sizeof name));
	buf_free(&enc);
	return rc;
}

/* One kept field, each physical line folded if too long. 8-bit octets
 * must be UTF-8 (RFC 6532 3.2 too); they are encoded unless the message
 * goes with SMTPUTF8. */
static enum err
write_field(struct out *out, const struct header_block *h, const struct field *f,
    const struct msg_opts *o, struct buf *err)
{
	const char *p = h->text.data + f->off;
	size_t n = f->len;
	char name[64];
	struct buf q;
	enum err rc;

	buf_init(&q, MSG_HEADER_MAX);
	if (qualify_field(h, f, o, &q)) {
		p = q.data;
		n = q.len;
	}
	if (hdr2047_has_8bit(p, n)) {
		if (!hdr2047_utf8_valid(p, n))
			rc = fail(err, ERR_DATA, "%s: header field has 8-bit octets that are not"
			    " UTF-8 (no charset is guessed: write it in UTF-8, or 7-bit with RFC 2047"
			    " encoded words)", field_name(h, f, name, sizeof name));
		else if (!h->keep_utf8)
			rc = write_encoded(out, p, n, h, f, o, err);
		else
			rc = write_lines(out, p, n, h, f, o, err);
	} else {
		rc = write_lines(out, p, n, h, f, o, err);
	}
	buf_free(&q);
	return rc;
}

/* The From:, Date: and Message-ID: fields that are missing (or a From:
 * that header_from replaces), noted in m. */
static enum err
add_missing_fields(struct out *out, const struct header_block *h, const struct msg_opts *o,
    struct msg *m, struct buf *err)
{
	struct buf add;
	enum err rc = ERR_OK;

	buf_init(&add, 2048);
	if ((!h->has_from && o->hfrom != HFROM_KEEP) ||
	    (o->hfrom == HFROM_REPLACE && o->from_addr)) {
		if (from_field(o->full_name, o->hfrom == HFROM_REPLACE && o->from_addr ?
		    o->from_addr : *o->sender ? o->sender : NULL, o->hostname, &add) == ERR_OK)
			rc = out_line(out, add.data, add.len);
		m->added_from = true;
		buf_reset(&add);
	}
	if (rc == ERR_OK && !h->has_date) {
		char date[64];
		msg_date(date, sizeof date);
		(void)!buf_addf(&add, "Date: %s", date);
		rc = out_line(out, add.data, add.len);
		m->added_date = true;
		buf_reset(&add);
	}
	if (rc == ERR_OK && !h->has_msgid) {
		char rnd[33];
		random_hex(rnd, 16);
		(void)!buf_addf(&add, "Message-ID: <%.16s.%.16s@%s>", rnd, rnd + 16, o->hostname);
		rc = out_line(out, add.data, add.len);
		m->added_msgid = true;
	}
	buf_free(&add);
	return rc != ERR_OK ? spool_error(o, err) : ERR_OK;
}

/* Phase 4: the header block as it goes out, and the blank line after it. */
static enum err
write_header(struct out *out, const struct header_block *h, const struct msg_opts *o,
    struct msg *m, struct buf *err)
{
	enum err rc;

	/* Trace fields go on top (RFC 5322 3.6.7), ahead of the caller's. */
	if (o->trace && out_line(out, o->trace, strlen(o->trace)) != ERR_OK)
		return spool_error(o, err);
	for (size_t i = 0; i < h->n; i++)
		if (!h->fields[i].drop && (rc = write_field(out, h, &h->fields[i], o, err)) != ERR_OK)
			return rc;
	if ((rc = add_missing_fields(out, h, o, m, err)) != ERR_OK)
		return rc;
	if (out_line(out, "", 0) != ERR_OK)
		return spool_error(o, err);
	return ERR_OK;
}

/* Phase 5: the body, from where the header block ended to the end of the
 * input (or a lone "."), flushed. *long_lines: a line is over 998 octets. */
static enum err
copy_body(struct lines *l, const struct msg_opts *o, struct out *out, enum header_end end,
    unsigned long lineno, bool *long_lines, struct buf *err)
{
	enum err rc;
	bool got;

	/* The line that ended the header block without being blank is the
	 * first body line. */
	if (end == HEND_BODY_LINE && l->line.len > 0) {
		if (l->line.len > MSG_LINE_MAX)
			*long_lines = true;
		if (out_line(out, l->line.data, l->line.len) != ERR_OK)
			return spool_error(o, err);
	}
	while (end != HEND_DOT) {
		if ((rc = next_line(l, &got)) != ERR_OK)
			return line_error(rc, lineno + 1, err);
		if (!got)
			break;
		lineno++;
		if (o->dot_ends && l->line.len == 1 && l->line.data[0] == '.')
			break;
		if (l->line.len > MSG_LINE_MAX)
			*long_lines = true;
		if (out_line(out, buf_str(&l->line), l->line.len) != ERR_OK)
			return spool_error(o, err);
	}
	if (out_flush(out) != ERR_OK)
		return spool_error(o, err);
	return ERR_OK;
}

/* Phase 6: m's file replaced by a re-encoded copy (mime.c). */
static enum err
reencode_long_lines(const struct msg_opts *o, struct msg *m, struct buf *err)
{
	const char *why = NULL;
	uint64_t size = 0;
	enum err rc;
	int fd2 = o->use_fds ? o->fds[1] : msg_anon(o);

	if (fd2 < 0)
		return fail(err, ERR_SPOOL, "cannot create a temporary file: %s", strerror(errno));
	rc = mime_reencode(m->fd, fd2, &size, &why);
	if (rc != ERR_OK) {
		close(fd2);
		return rc == ERR_DATA || rc == ERR_TOOBIG ? fail(err, ERR_DATA,
		    "%s; nothing was changed", why ? why : "a line is too long to re-encode") :
		    fail(err, ERR_SPOOL, "cannot write the re-encoded message: %s",
		    strerror(errno));
	}
	close(m->fd);
	m->fd = fd2;
	m->size = size;
	return ERR_OK;
}

enum err
msg_read(int in, const struct msg_opts *o, struct msg *m, struct addr_list *rcpts,
    struct buf *err)
{
	struct lines *l = xcalloc(1, sizeof *l);
	struct out out;
	struct header_block h = { .fields = NULL };
	enum header_end end;
	unsigned long lineno = 0;
	bool long_lines = false;
	enum err rc = ERR_OK;

	memset(m, 0, sizeof *m);
	m->fd = -1;
	l->fd = in;
	l->pre = o->prefix;
	l->pre_len = o->prefix ? o->prefix_len : 0;
	buf_init(&l->line, MIME_LINE_MAX);
	buf_init(&h.text, MSG_HEADER_MAX);
	buf_init(&out.b, BODY_CHUNK_SIZE);
	out.total = 0;
	out.fd = m->fd = o->use_fds ? o->fds[0] : msg_anon(o);
	if (m->fd < 0) {
		rc = fail(err, ERR_SPOOL, "cannot create a temporary file%s%s: %s",
		    o->anon_dirfd >= 0 ? " in the queue" : " in ", o->anon_dirfd >= 0 ? "" : o->tmpdir,
		    strerror(errno));
		goto out;
	}
	/* Header block: fields and their continuation lines, in memory. */
	if ((rc = read_header_block(l, o, &h, &lineno, &end, err)) != ERR_OK)
		goto out;
	/* From here l->eightbit is about the body (the line that ended the
	 * header block may be its first line); the header's are looked at
	 * field by field. */
	l->eightbit = end == HEND_BODY_LINE && hdr2047_has_8bit(buf_str(&l->line), l->line.len);
	/* Look at the fields: -t, Bcc, what is missing. */
	scan_fields(&h);
	if ((rc = extract_and_drop(&h, o, rcpts, err)) != ERR_OK)
		goto out;
	choose_header_form(&h, o, rcpts);
	if ((rc = write_header(&out, &h, o, m, err)) != ERR_OK)
		goto out;
	/* Body: stream, constant memory. */
	if ((rc = copy_body(l, o, &out, end, lineno, &long_lines, err)) != ERR_OK)
		goto out;
	m->size = out.total;
	m->eightbit = l->eightbit || h.eightbit ||
	    (o->trace && hdr2047_has_8bit(o->trace, strlen(o->trace)));
	m->hdr_utf8 = h.eightbit;
	m->tls_optional = h.tls_optional;
	if (long_lines) {
		/* doc/decisions.md D8: re-encode what is too long, losslessly, into a second file. */
		rc = reencode_long_lines(o, m, err);
	}
out:
	buf_free(&l->line);
	free(l);
	buf_free(&h.text);
	buf_free(&out.b);
	free(h.fields);
	if (rc != ERR_OK)
		msg_close(m);
	return rc;
}

void
msg_close(struct msg *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

/* The line of p (n octets) that starts at *off: its text without the line
 * end in *line, *len; *ended says whether a line end was seen. *off moves
 * past it. False when there is nothing left. Line ends are CRLF, LF or a
 * bare CR, as next_line() reads them. */
static bool
peek_line(const char *p, size_t n, size_t *off, const char **line, size_t *len, bool *ended)
{
	size_t i = *off;
	if (i >= n)
		return false;
	*line = p + i;
	while (i < n && p[i] != '\r' && p[i] != '\n')
		i++;
	*len = (size_t)(p + i - *line);
	*ended = i < n;
	if (i < n && p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
		i++;
	*off = i < n ? i + 1 : i;
	return true;
}

/* What a line of the header block is, as read_header_block() sees it. */
enum peek_kind { PK_FIELD, PK_CONT, PK_SKIP, PK_END };

static enum peek_kind
peek_kind(const char *s, size_t len, bool first, bool have_field, bool dot_ends)
{
	if (first && len >= 5 && memcmp(s, "From ", 5) == 0)
		return PK_SKIP;
	if (len == 0 || (dot_ends && len == 1 && s[0] == '.'))
		return PK_END;
	/* As intake reads it: a folded line continues a field only once there
	 * is one (an indented line before any is where the body starts). */
	if ((s[0] == ' ' || s[0] == '\t') && have_field)
		return PK_CONT;
	const char *colon = memchr(s, ':', len);
	size_t nl = colon ? (size_t)(colon - s) : 0;
	while (nl > 0 && (s[nl - 1] == ' ' || s[nl - 1] == '\t'))
		nl--;
	return colon && header_name_ok(s, nl) ? PK_FIELD : PK_END;
}

/* Does p hold the whole header block (a line that ends it was seen)?
 * *seen is where the lines not yet looked at start (0 at first), so
 * each line is looked at once however the input arrives. */
static bool
header_complete(const char *p, size_t n, bool dot_ends, size_t *seen, bool *have_field)
{
	size_t off = *seen, len;
	const char *s;
	bool ended;
	while (peek_line(p, n, &off, &s, &len, &ended) && ended) {
		/* A bare CR at the end may yet turn out to be CR LF. */
		if (off == n && p[n - 1] == '\r')
			break;
		enum peek_kind k = peek_kind(s, len, *seen == 0, *have_field, dot_ends);
		if (k == PK_END)
			return true;
		*have_field = *have_field || k == PK_FIELD;
		*seen = off;
	}
	return false;
}

enum err
msg_peek_header(int fd, bool dot_ends, struct buf *raw)
{
	size_t seen = 0, got = 1;
	bool have_field = false;
	enum err rc = ERR_OK;
	while (got > 0 && raw->len < MSG_HEADER_MAX &&
	    !header_complete(buf_str(raw), raw->len, dot_ends, &seen, &have_field))
		rc = buf_read_once(raw, fd, &got);
	if (rc == ERR_TOOBIG)
		errno = EFBIG;
	return rc == ERR_OK ? ERR_OK : ERR_IO;
}

/* The addresses of an unfolded From: or Sender: value, into l. */
static enum err
peek_addresses(const char *name, const struct buf *v, struct addr_list *l, struct buf *why)
{
	const char *w = NULL;
	enum err rc = addr_parse_list(buf_str(v), v->len, l, &w);
	if (rc != ERR_OK)
		errf(why, "%s: header: %s", name, w ? w : "cannot parse the address list");
	return rc == ERR_OK ? ERR_OK : ERR_DATA;
}

enum err
msg_header_sender(const char *p, size_t n, char **addr, struct buf *why)
{
	struct buf from, sender, *cur = NULL;
	struct addr_list fl, sl;
	size_t off = 0, len;
	const char *s;
	bool ended, first = true, have_field = false, have_from = false, have_sender = false;
	enum err rc = ERR_OK;

	*addr = NULL;
	buf_init(&from, MSG_ADDRLIST_MAX);
	buf_init(&sender, MSG_ADDRLIST_MAX);
	addr_list_init(&fl);
	addr_list_init(&sl);
	while (rc == ERR_OK && peek_line(p, n, &off, &s, &len, &ended)) {
		enum peek_kind k = peek_kind(s, len, first, have_field, false);
		first = false;
		have_field = have_field || k == PK_FIELD;
		if (k == PK_END)
			break;
		if (k == PK_SKIP)
			continue;
		if (k == PK_CONT) {
			/* Unfolding (RFC 5322 2.2.3): the line break goes, the blank stays. */
			if (cur && buf_add(cur, s, len) != ERR_OK) {
				errf(why, "%s: header too long", cur == &from ? "From" : "Sender");
				rc = ERR_DATA;
			}
			continue;
		}
		size_t nl = (size_t)((const char *)memchr(s, ':', len) - s);
		size_t name = nl;
		while (name > 0 && (s[name - 1] == ' ' || s[name - 1] == '\t'))
			name--;
		cur = NULL;
		if (name == 4 && strncasecmp(s, "From", 4) == 0) {
			cur = &from;
			rc = have_from ? ERR_DATA : ERR_OK;
			have_from = true;
		} else if (name == 6 && strncasecmp(s, "Sender", 6) == 0) {
			cur = &sender;
			rc = have_sender ? ERR_DATA : ERR_OK;
			have_sender = true;
		}
		if (rc != ERR_OK)
			errf(why, "more than one %s: field", cur == &from ? "From" : "Sender");
		else if (cur && buf_add(cur, s + nl + 1, len - nl - 1) != ERR_OK) {
			errf(why, "%s: header too long", cur == &from ? "From" : "Sender");
			rc = ERR_DATA;
		}
	}
	if (rc == ERR_OK && have_from)
		rc = peek_addresses("From", &from, &fl, why);
	if (rc == ERR_OK && fl.n > 1) {
		if (have_sender)
			rc = peek_addresses("Sender", &sender, &sl, why);
		if (rc == ERR_OK && sl.n != 1) {
			errf(why, "From: names %zu mailboxes and there is %s", fl.n, have_sender ?
			    "no single address in Sender:" : "no Sender: field to pick one");
			rc = ERR_DATA;
		}
		if (rc == ERR_OK)
			*addr = xstrdup(sl.v[0]);
	} else if (rc == ERR_OK && fl.n == 1) {
		*addr = xstrdup(fl.v[0]);
	}
	buf_free(&from);
	buf_free(&sender);
	addr_list_free(&fl);
	addr_list_free(&sl);
	return rc;
}
