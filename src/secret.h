/* SPDX-License-Identifier: MIT */
/* secret.h: the account's password or token, from password, password_file
 * or password_command. Secrets live in buffers wiped on free. */
#ifndef SEALPOST_SECRET_H
#define SEALPOST_SECRET_H

#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "err.h"

/* secret_get: fill out (initialised by the caller with buf_init) with the
 * account's secret; out stays empty when the account has none. The caller
 * must buf_wipe(out). A password_file must be a regular file not readable or
 * writable by other users (doc/decisions.md D9); a password_command runs as /bin/sh -c with
 * stdin from /dev/null, stdout read until its first line, the whole run
 * under min(timeout_ms, SECRET_CMD_TIMEOUT_MS);
 * a non-zero exit, a signal, a timeout or empty output is an error.
 * Errors, with the reason in err (never the secret itself):
 *   ERR_CONFIG  the configuration is unsafe or wrong for good: a password_file
 *               others may read or write (doc/decisions.md D9), one over SECRET_MAX bytes;
 *   ERR_IO      the secret cannot be had now (doc/decisions.md D16: temporary): the file is
 *               missing, unreadable or empty, the command failed, hung or
 *               printed nothing. */
enum err secret_get(const struct account *a, uint64_t timeout_ms, struct buf *out,
    struct buf *err) WUR;

#endif
