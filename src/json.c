// SPDX-License-Identifier: MIT
/* json.c: JSON strings for mailq --json. Queue envelopes hold what
 * callers and servers sent (addresses, replies): the escaper must turn any
 * octets into a string every JSON parser accepts, so a monitoring script
 * never chokes on one hostile entry. Pure; unit-tested and fuzzed. */
#include "json.h"

#include <string.h>

/* The length of the well-formed UTF-8 sequence at s (at most n octets
 * available), or 0 when the octet at s does not start one (RFC 3629 4). */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF;     /* the second octet's range */

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;       /* a continuation octet, C0, C1 or F5..FF */
	if (c == 0xE0)
		lo = 0xA0;      /* overlong */
	else if (c == 0xED)
		hi = 0x9F;      /* surrogates */
	else if (c == 0xF0)
		lo = 0x90;      /* overlong */
	else if (c == 0xF4)
		hi = 0x8F;      /* past U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

static enum err
add_escaped(struct buf *out, const unsigned char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t run = i;
		/* Plain printable ASCII goes out in runs. */
		while (run < len && s[run] >= 0x20 && s[run] < 0x7F && s[run] != '"' &&
		    s[run] != '\\')
			run++;
		if (run > i) {
			if (buf_add(out, s + i, run - i) != ERR_OK)
				return ERR_TOOBIG;
			i = run;
			continue;
		}
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			if (buf_add(out, e, 2) != ERR_OK)
				return ERR_TOOBIG;
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7F) {
			const char *named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" :
			    c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
			char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], '\0' };
			if (buf_adds(out, named ? named : u) != ERR_OK)
				return ERR_TOOBIG;
			i++;
			continue;
		}
		size_t n = utf8_len(s + i, len - i);
		if (n == 0) {
			if (buf_adds(out, "\\ufffd") != ERR_OK)
				return ERR_TOOBIG;
			i++;
			continue;
		}
		/* U+2028 and U+2029 are valid JSON but end a line in
		 * JavaScript; escaped, a line stays one entry for any reader. */
		if (n == 3 && c == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
			if (buf_adds(out, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029") != ERR_OK)
				return ERR_TOOBIG;
		} else if (buf_add(out, s + i, n) != ERR_OK) {
			return ERR_TOOBIG;
		}
		i += n;
	}
	return ERR_OK;
}

enum err
json_str(struct buf *out, const char *s, size_t len)
{
	size_t start = out->len;
	if (buf_addc(out, '"') != ERR_OK || add_escaped(out, (const unsigned char *)s, len) != ERR_OK ||
	    buf_addc(out, '"') != ERR_OK) {
		if (out->data)
			buf_truncate(out, start);
		return ERR_TOOBIG;
	}
	return ERR_OK;
}

enum err
json_str_or_null(struct buf *out, const char *s)
{
	return s ? json_str(out, s, strlen(s)) : buf_adds(out, "null");
}
