/* SPDX-License-Identifier: MIT */
/* body.h: SMTP DATA transparency (RFC 5321 4.5.2). Pure. */
#ifndef SEALPOST_BODY_H
#define SEALPOST_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

struct body_stuffer {
	bool at_line_start;
	bool last_cr;           /* last byte seen was CR */
};

/* body_stuff_init: the stuffer starts at the beginning of a line. */
void body_stuff_init(struct body_stuffer *st);

/* body_stuff: append n bytes of CRLF-canonical text to out, doubling a '.'
 * at the start of each line. Errors: ERR_TOOBIG if out would pass its max
 * (out is then unchanged only up to the failing byte; callers size out for
 * 2*n). */
enum err body_stuff(struct body_stuffer *st, const char *in, size_t n, struct buf *out) WUR;

/* body_stuff_end: append the end-of-data marker, first completing the last
 * line with CRLF if it was not complete (RFC 5321 4.1.1.4). */
enum err body_stuff_end(struct body_stuffer *st, struct buf *out) WUR;

/* body_unstuff: the receiving side's inverse, for tests and fuzzing: turn
 * stuffed data (ending in ".\r\n") back into the text. Errors: ERR_DATA when
 * the end marker is missing. */
enum err body_unstuff(const char *in, size_t n, struct buf *out) WUR;

#endif
