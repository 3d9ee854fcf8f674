// SPDX-License-Identifier: MIT
/* fuzz_hdr2047.c: header fields made 7-bit (hdr2047.h). The first input
 * byte picks the field name; the rest is its value (a LF becomes a fold,
 * CR and NUL are dropped, as msg.c never passes them). On success the
 * result must be 7-bit, every CRLF must start a continuation line, and a
 * field without 8-bit octets must come back unchanged. For Subject
 * (unstructured text) the result, decoded as RFC 2047 6.2 says, must
 * equal the input decoded the same way: nothing lost or added. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "buf.h"
#include "hdr2047.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
	"Subject", "To", "From", "Keywords", "Comments", "X-Fuzz", "Content-Type", "Cc ",
};

/* Is w (n octets, no white space) an encoded word? The same test as
 * hdr2047.c's, written again so the two can disagree. */
static bool
is_ew(const char *w, size_t n, size_t *text, bool *q)
{
	const char *p, *end = w + n - 2;
	if (n < 9 || memcmp(w, "=?", 2) != 0 || memcmp(end, "?=", 2) != 0)
		return false;
	for (p = w + 2; p < end; p++)
		if ((unsigned char)*p <= 32 || (unsigned char)*p >= 127 ||
		    strchr("()<>@,;:\"/[]?.=", *p))
			break;
	if (p == w + 2 || p >= end || *p != '?' || p + 3 > end - 1 || p[2] != '?')
		return false;
	if (p[1] != 'Q' && p[1] != 'q' && p[1] != 'B' && p[1] != 'b')
		return false;
	*text = (size_t)(p - w) + 3;
	*q = p[1] == 'Q' || p[1] == 'q';
	for (const char *t = w + *text; t < end; t++)
		if ((unsigned char)*t <= 32 || (unsigned char)*t >= 127 || *t == '?')
			return false;
	return true;
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 :
	    c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The octets an encoded word stands for; its raw text when it does not
 * decode (both sides are decoded alike, so that stays consistent). */
static void
add_decoded(struct buf *out, const char *w, size_t n, size_t t, bool q)
{
	const char *p = w + t, *end = w + n - 2;
	size_t mark = out->len;
	bool ok = true;
	if (q) {
		for (; ok && p < end; p++) {
			int hi, lo;
			if (*p == '_') {
				ok = buf_addc(out, ' ') == ERR_OK;
			} else if (*p != '=') {
				ok = buf_addc(out, *p) == ERR_OK;
			} else if (p + 2 < end && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
				ok = buf_addc(out, (char)(hi * 16 + lo)) == ERR_OK;
				p += 2;
			} else {
				ok = false;
			}
		}
	} else {
		gnutls_datum_t in = { (unsigned char *)(uintptr_t)p, (unsigned)(end - p) };
		gnutls_datum_t dec = { NULL, 0 };
		ok = gnutls_base64_decode2(&in, &dec) == 0 &&
		    buf_add(out, dec.data, dec.size) == ERR_OK;
		gnutls_free(dec.data);
	}
	if (!ok) {
		buf_truncate(out, mark);
		if (buf_add(out, w, n) != ERR_OK)
			abort();
	}
}

/* A Subject value unfolded and decoded (RFC 2047 6.2), less one leading
 * space. */
static void
decode(const char *v, size_t n, struct buf *out)
{
	struct buf unf;
	bool prev_ew = false;
	size_t i = 0;

	buf_init(&unf, 4 * n + 16);
	for (size_t k = 0; k < n; k++)
		if (v[k] != '\r' && v[k] != '\n' && buf_addc(&unf, v[k]) != ERR_OK)
			abort();
	const char *s = buf_str(&unf);
	n = unf.len;
	if (n && s[0] == ' ')
		i = 1;
	while (i < n) {
		size_t ws = i, w, t = 0;
		bool q = false, ew;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		w = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		ew = i > w && is_ew(s + w, i - w, &t, &q);
		if (!(ew && prev_ew) && buf_add(out, s + ws, w - ws) != ERR_OK)
			abort();
		if (ew)
			add_decoded(out, s + w, i - w, t, q);
		else if (buf_add(out, s + w, i - w) != ERR_OK)
			abort();
		prev_ew = ew;
	}
	buf_free(&unf);
}

static void
check_output(const char *in, size_t inlen, size_t namelen, const struct buf *out, bool subject)
{
	const char *o = buf_str(out);
	for (size_t i = 0; i < out->len; i++) {
		if ((unsigned char)o[i] >= 0x80 || o[i] == '\0')
			abort();
		if (o[i] == '\n' && (i == 0 || o[i - 1] != '\r'))
			abort();
		if (o[i] == '\r' && (i + 2 >= out->len || o[i + 1] != '\n' ||
		    (o[i + 2] != ' ' && o[i + 2] != '\t')))
			abort();
	}
	if (!hdr2047_has_8bit(in, inlen) && (out->len != inlen || memcmp(o, in, inlen) != 0))
		abort();
	if (out->len < namelen + 1 || memcmp(o, in, namelen + 1) != 0)
		abort();
	if (subject) {
		struct buf a, b;
		buf_init(&a, 8 * inlen + 64);
		buf_init(&b, 8 * inlen + 64);
		decode(in + namelen + 1, inlen - namelen - 1, &a);
		decode(o + namelen + 1, out->len - namelen - 1, &b);
		if (a.len != b.len || memcmp(buf_str(&a), buf_str(&b), a.len) != 0)
			abort();
		buf_free(&a);
		buf_free(&b);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf field, out;
	const char *why = NULL;
	size_t which, namelen;
	enum err rc;

	if (size == 0 || size > 8192)
		return 0;
	which = data[0] % (sizeof names / sizeof names[0]);
	namelen = strlen(names[which]);
	buf_init(&field, 4 * size + 64);
	buf_init(&out, 16 * size + 1024);
	if (buf_adds(&field, names[which]) != ERR_OK || buf_addc(&field, ':') != ERR_OK)
		abort();
	for (size_t i = 1; i < size; i++) {
		char c = (char)data[i];
		enum err e = ERR_OK;
		if (c == '\r' || c == '\0')
			continue;
		if (c == '\n')
			e = buf_adds(&field, i + 1 < size && (data[i + 1] == ' ' ||
			    data[i + 1] == '\t') ? "\r\n" : "\r\n ");
		else
			e = buf_addc(&field, c);
		if (e != ERR_OK)
			abort();
	}
	rc = hdr2047_field(buf_str(&field), field.len, namelen, &out, &why);
	if (rc == ERR_OK)
		check_output(buf_str(&field), field.len, namelen, &out, which == 0);
	else if (rc != ERR_DATA || !why)
		abort();
	buf_free(&field);
	buf_free(&out);
	return 0;
}
