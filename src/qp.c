// SPDX-License-Identifier: MIT
/* qp.c: quoted-printable. The encoder splits only with soft line breaks,
 * so decoding gives back the original line exactly. */
#include "qp.h"

#include <stdbool.h>
#include <string.h>

static const char hex[] = "0123456789ABCDEF";

enum err
qp_encode_line(const char *in, size_t n, struct buf *out)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		bool last = i + 1 == n;
		bool enc = c == '=' || (c < 32 && c != '\t') || c > 126 ||
		    ((c == ' ' || c == '\t') && last) ||
		    /* Keep the result safe through mbox and naive SMTP code. */
		    (col == 0 && (c == '.' || (c == 'F' && n - i >= 5 &&
		    memcmp(in + i, "From ", 5) == 0)));
		size_t w = enc ? 3 : 1;
		/* Room for this and, unless it ends the line, a soft break '='. */
		if (col + w + (last ? 0 : 1) > QP_LINE_MAX) {
			if (buf_add(out, "=\r\n", 3) != ERR_OK)
				return ERR_TOOBIG;
			col = 0;
			if (c == '.' || (c == 'F' && n - i >= 5 && memcmp(in + i, "From ", 5) == 0)) {
				enc = true;
				w = 3;
			}
		}
		if (enc) {
			char e[3] = { '=', hex[c >> 4], hex[c & 15] };
			if (buf_add(out, e, 3) != ERR_OK)
				return ERR_TOOBIG;
		} else if (buf_addc(out, (char)c) != ERR_OK) {
			return ERR_TOOBIG;
		}
		col += w;
	}
	return buf_add(out, "\r\n", 2);
}

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

enum err
qp_decode(const char *in, size_t n, struct buf *out)
{
	size_t i = 0;
	while (i < n) {
		const char *lf = memchr(in + i, '\n', n - i);
		size_t end = lf ? (size_t)(lf - in) : n;
		size_t len = end - i;
		if (len && in[end - 1] == '\r')
			len--;
		bool soft = len && in[i + len - 1] == '=';
		size_t limit = i + len - (soft ? 1 : 0);
		for (size_t k = i; k < limit; k++) {
			if (in[k] == '=') {
				int h, l;
				if (k + 2 >= limit || (h = unhex(in[k + 1])) < 0 ||
				    (l = unhex(in[k + 2])) < 0)
					return ERR_DATA;
				if (buf_addc(out, (char)(h * 16 + l)) != ERR_OK)
					return ERR_TOOBIG;
				k += 2;
			} else if (buf_addc(out, in[k]) != ERR_OK) {
				return ERR_TOOBIG;
			}
		}
		if (!soft && lf && buf_add(out, "\r\n", 2) != ERR_OK)
			return ERR_TOOBIG;
		i = lf ? end + 1 : n;
	}
	return ERR_OK;
}
