/* SPDX-License-Identifier: MIT */
/* smtpd_stdio.h: -bs, a minimal SMTP server on stdin/stdout (doc/decisions.md D4).
 * The peer is the local caller (PHP, Symfony Mailer, Drupal): no AUTH, no
 * STARTTLS. Each accepted message goes through submit(); the outcome becomes the reply. */
#ifndef SEALPOST_SMTPD_STDIO_H
#define SEALPOST_SMTPD_STDIO_H

#include "cli.h"
#include "config.h"

/* smtpd_stdio_run: serve SMTP on in/out until QUIT or end of input.
 * Returns 0 after QUIT, 64 on end of input without QUIT, 74 on I/O error.
 * The caller's command-line options (-F, -N, -R, -V, -odb, -a, -v) apply
 * to every message; -t and -i do not (SMTP has its own framing). */
int smtpd_stdio_run(const struct config *cfg, const struct opts *o, int in, int out);

/* smtpd_stdio_path: the address inside "FROM:<...>" / "TO:<...>" of a MAIL
 * or RCPT argument (after the colon), without parameters. Pure; for tests
 * and fuzzing. Returns 0 and copies it (at most cap-1 bytes) on success,
 * -1 on a malformed path. */
int smtpd_stdio_path(const char *arg, char *out, size_t cap);

#endif
