/* SPDX-License-Identifier: MIT */
/* qp.h: quoted-printable (RFC 2045 6.7) for re-encoding over-long lines
 * (doc/decisions.md D8). Pure. */
#ifndef SEALPOST_QP_H
#define SEALPOST_QP_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define QP_LINE_MAX 76      /* RFC 2045 6.7 rule 5, including a soft break's '=' */

/* qp_encode_line: append one line of text (n bytes, without its CRLF) as
 * quoted-printable lines of at most QP_LINE_MAX octets, each ended by CRLF,
 * soft line breaks ("=" CRLF) where the line is split. '=', controls
 * other than TAB, octets above 126, trailing blanks and a leading "From "
 * or "." are encoded. Errors: ERR_TOOBIG (out's max). */
enum err qp_encode_line(const char *in, size_t n, struct buf *out) WUR;

/* qp_decode: the inverse (for tests and fuzzing): decode CRLF-separated
 * quoted-printable text into out, hard line breaks as CRLF. Errors:
 * ERR_DATA on a malformed escape, ERR_TOOBIG. */
enum err qp_decode(const char *in, size_t n, struct buf *out) WUR;

#endif
