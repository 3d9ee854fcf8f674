/* SPDX-License-Identifier: MIT */
/* from.h: the From: header field sealpost adds (header_from = add or
 * replace): display name and address, encoded and folded. */
#ifndef SEALPOST_FROM_H
#define SEALPOST_FROM_H

#include "buf.h"
#include "err.h"

/* from_field: append "From: ..." (no final CRLF) to b: the display name
 * (name, from -F; NULL: the caller's GECOS name) as a phrase, or as RFC
 * 2047 encoded words when it has non-ASCII octets or a word too long for
 * a line, and addr (NULL: MAILER-DAEMON@hostname), folded so that no line
 * passes 78 octets (76 with an encoded word) unless the address alone
 * does. A name that cannot be added is left out. Errors: ERR_TOOBIG
 * from b. */
enum err from_field(const char *name, const char *addr, const char *hostname,
    struct buf *b) WUR;

#endif
