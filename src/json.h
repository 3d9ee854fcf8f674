/* SPDX-License-Identifier: MIT */
/* json.h: JSON text (RFC 8259) for machine-readable output (mailq --json).
 * Pure: no files, no sockets. */
#ifndef SEALPOST_JSON_H
#define SEALPOST_JSON_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* json_str: append s (len octets, any bytes) to out as one JSON string,
 * quotes included. The result is always valid UTF-8 with no raw control
 * character: '"' and '\' are escaped, C0 controls and DEL become \n, \t,
 * ... or \u00XX, U+2028/U+2029 become \u2028/\u2029, and each octet that
 * is not part of a well-formed UTF-8 sequence (RFC 3629: no overlong form,
 * no surrogate, nothing past U+10FFFF) becomes \ufffd. Errors: ERR_TOOBIG
 * (out's bound; out is then left as it was). */
enum err json_str(struct buf *out, const char *s, size_t len) WUR;

/* json_str_or_null: json_str() of a string, or the literal null for NULL. */
enum err json_str_or_null(struct buf *out, const char *s) WUR;

#endif
