/* SPDX-License-Identifier: MIT */
/* import_ssmtp.h: ssmtp's ssmtp.conf converted for sealpost --import
 * (import.h), writing through import_out.h. */
#ifndef SEALPOST_IMPORT_SSMTP_H
#define SEALPOST_IMPORT_SSMTP_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "import_out.h"

/* import_ssmtp: parse text (len bytes) as an ssmtp.conf and write one
 * [account default] and the warnings through o. Errors, with "FILE[:LINE]:
 * what" in err: ERR_CONFIG (a line over IMPORT_LINE_MAX, a NUL byte, no
 * MailHub or one that cannot be written). */
enum err import_ssmtp(struct import_out *o, const char *text, size_t len,
    struct buf *err) WUR;

#endif
