/* SPDX-License-Identifier: MIT */
/* submit.h: send mode, start to finish: envelope, intake, delivery, and the
 * durable commit that lets a temporary failure still exit 0. */
#ifndef SEALPOST_SUBMIT_H
#define SEALPOST_SUBMIT_H

#include "cli.h"
#include "config.h"

/* submit_send: read one message from in_fd per the command line o and the
 * configuration, deliver it or queue it durably. Returns the exit status
 * (sealpost(8) EXIT STATUS): 0 only when the message was delivered to every
 * recipient or committed to the queue. id (SPOOL_ID_LEN + 1 bytes, or
 * NULL) receives the message's queue id once it has one. */
int submit_send(const struct config *cfg, const struct opts *o, int in_fd, char *id);

#endif
