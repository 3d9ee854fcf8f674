/* SPDX-License-Identifier: MIT */
/* bounce.h: RFC 3464 delivery status notifications for queued messages
 * that failed permanently or expired (doc/decisions.md D5). */
#ifndef SEALPOST_BOUNCE_H
#define SEALPOST_BOUNCE_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "spool.h"

/* bounce_write: write to outfd a multipart/report (report-type
 * delivery-status) from MAILER-DAEMON@hostname to `to` (the sender, or
 * admin for a double bounce) about the recipients i with which[i] set
 * (their spool reply is the diagnostic), with the original header block
 * read from msgfd as text/rfc822-headers, or the whole message as
 * message/rfc822 when the sender asked for RET=FULL.
 * *size receives the bytes written. Errors: ERR_SPOOL (write failed),
 * ERR_IO (reading msgfd). */
enum err bounce_write(int outfd, const struct envelope *env, const bool *which,
    int msgfd, const char *hostname, bool expired, const char *to, uint64_t *size) WUR;

#endif
