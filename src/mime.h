/* SPDX-License-Identifier: MIT */
/* mime.h: re-encoding of over-long lines (doc/decisions.md D8). */
#ifndef SEALPOST_MIME_H
#define SEALPOST_MIME_H

#include <stdint.h>

#include "err.h"

/* mime_reencode: copy the message in infd (CRLF canonical, read from
 * offset 0) to outfd, re-encoding as quoted-printable each leaf entity (the
 * body of a single-part message, or a part of a multipart one, nested up to
 * MIME_DEPTH_MAX) that has a line over 998 octets: its
 * Content-Transfer-Encoding becomes quoted-printable (MIME-Version is added
 * to a message that had none). Everything else is copied byte for byte.
 * *size receives the bytes written. Errors: ERR_DATA with *why when a long
 * line cannot be re-encoded losslessly (in a preamble or epilogue, in a
 * part already base64 or quoted-printable, in a message/ or multipart part
 * without a usable boundary), ERR_SPOOL (writing), ERR_IO (reading),
 * ERR_TOOBIG (a line over MIME_LINE_MAX). */
enum err mime_reencode(int infd, int outfd, uint64_t *size, const char **why) WUR;

#define MIME_DEPTH_MAX 16
#define MIME_LINE_MAX (4 * 1024 * 1024)

#endif
