/* SPDX-License-Identifier: MIT */
/* intake.h: taking the caller's message: read whole, normalised, into an
 * anonymous file in the queue's file system, before anything is sent. */
#ifndef SEALPOST_INTAKE_H
#define SEALPOST_INTAKE_H

#include "addr.h"
#include "buf.h"
#include "config.h"
#include "err.h"
#include "msg.h"
#include "spool.h"

/* intake_read: read the message from in per mo into *m (msg_read()),
 * appending -t recipients to rcpts. mo->tmpdir NULL means $TMPDIR (when
 * absolute), else /tmp. With the set-group-ID privilege held,
 * the caller's bytes are parsed in a child that gave the group up for
 * good and holds no secret (secret and cfg's secrets are wiped there, sp
 * closed): the parent creates the files first and takes back a bounded
 * report. Errors as msg_read(), plus ERR_SPOOL (the files or the child
 * could not be created) and ERR_INTERNAL (the child failed); detail in
 * err. */
enum err intake_read(int in, struct msg_opts *mo, struct msg *m, struct addr_list *rcpts,
    struct buf *err, const struct config *cfg, struct buf *secret, struct spool *sp) WUR;

/* intake_header_sender: msg_header_sender() on the header block p, n (the
 * sender --read-envelope-from takes), with the set-group-ID privilege in a
 * child that gave the group up for good, as intake_read() parses. Errors
 * as msg_header_sender(), and ERR_INTERNAL when that child failed. */
enum err intake_header_sender(const char *p, size_t n, char **addr, struct buf *why,
    const struct config *cfg) WUR;

#endif
