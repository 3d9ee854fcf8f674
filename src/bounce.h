/* SPDX-License-Identifier: MIT */
/* bounce.h: RFC 3464 delivery status notifications for queued messages
 * that failed permanently or expired (doc/decisions.md D5). */
#ifndef SEALPOST_BOUNCE_H
#define SEALPOST_BOUNCE_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "spool.h"

/* bounce_sender: the envelope sender of a bounce about a message queued
 * for account acct (NULL when it is gone from the configuration) whose
 * own sender was orig ("" for <>), doc/decisions.md D20: through a relay,
 * the account's from (qualified as alias_qualify_for() does), else orig,
 * because a submission server may refuse <> or a foreign sender; in MX
 * mode, or without an account, "" (the null sender, RFC 5321 4.5.5).
 * Returns a malloc'd string. */
char *bounce_sender(const struct config *cfg, const struct account *acct, const char *orig);

/* bounce_write: write to outfd a multipart/report (report-type
 * delivery-status) from "Mail Delivery System" at sender (the bounce's
 * envelope sender; MAILER-DAEMON@hostname when it is "" or NULL) to `to`
 * (the sender, or admin for a double bounce), marked Auto-Submitted:
 * auto-replied (RFC 3834), about the recipients i with which[i] set
 * (their spool reply is the diagnostic), with the original header block
 * read from msgfd as text/rfc822-headers, or the whole message as
 * message/rfc822 when the sender asked for RET=FULL.
 * *size receives the bytes written. Errors: ERR_SPOOL (write failed),
 * ERR_IO (reading msgfd). */
enum err bounce_write(int outfd, const struct envelope *env, const bool *which,
    int msgfd, const char *hostname, const char *sender, bool expired, const char *to,
    uint64_t *size) WUR;

#endif
