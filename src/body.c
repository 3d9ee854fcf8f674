// SPDX-License-Identifier: MIT
/* body.c: dot-stuffing for DATA. Input is already CRLF-canonical (msg.c
 * makes it so); this only adds the transparency dots and the final ".". */
#include "body.h"

#include <string.h>

void
body_stuff_init(struct body_stuffer *st)
{
	st->at_line_start = true;
	st->last_cr = false;
}

enum err
body_stuff(struct body_stuffer *st, const char *in, size_t n, struct buf *out)
{
	size_t i = 0;
	while (i < n) {
		if (st->at_line_start && in[i] == '.' && buf_addc(out, '.') != ERR_OK)
			return ERR_TOOBIG;
		/* Copy up to and including the next LF in one go. */
		const char *lf = memchr(in + i, '\n', n - i);
		size_t take = lf ? (size_t)(lf - (in + i)) + 1 : n - i;
		if (buf_add(out, in + i, take) != ERR_OK)
			return ERR_TOOBIG;
		st->last_cr = in[i + take - 1] == '\r';
		st->at_line_start = lf != NULL;
		i += take;
	}
	return ERR_OK;
}

enum err
body_stuff_end(struct body_stuffer *st, struct buf *out)
{
	if (!st->at_line_start && buf_add(out, st->last_cr ? "\n" : "\r\n",
	    st->last_cr ? 1 : 2) != ERR_OK)
		return ERR_TOOBIG;
	st->at_line_start = true;
	return buf_add(out, ".\r\n", 3);
}

enum err
body_unstuff(const char *in, size_t n, struct buf *out)
{
	size_t i = 0;
	while (i < n) {
		const char *lf = memchr(in + i, '\n', n - i);
		size_t len = lf ? (size_t)(lf - (in + i)) + 1 : n - i;
		if (len == 3 && memcmp(in + i, ".\r\n", 3) == 0)
			return i + 3 == n ? ERR_OK : ERR_DATA;
		if (in[i] == '.') {
			i++;
			len--;
		}
		if (buf_add(out, in + i, len) != ERR_OK)
			return ERR_TOOBIG;
		i += len;
	}
	return ERR_DATA;
}
