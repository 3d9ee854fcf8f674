/* SPDX-License-Identifier: MIT */
/* import_msmtp.h: msmtp's msmtprc converted for sealpost --import (import.h), writing through import_out.h. */
#ifndef SEALPOST_IMPORT_MSMTP_H
#define SEALPOST_IMPORT_MSMTP_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "import_out.h"

/* import_msmtp: parse text (len bytes) as an msmtprc and write the
 * sealpost.conf text and the warnings through o. Errors, with "FILE:LINE:
 * what" in err: ERR_CONFIG (a line over IMPORT_LINE_MAX, a NUL byte, an
 * account defined twice or inheriting from one not yet defined, `defaults`
 * with an argument, no account that can be carried over). */
enum err import_msmtp(struct import_out *o, const char *text, size_t len,
    struct buf *err) WUR;

#endif
