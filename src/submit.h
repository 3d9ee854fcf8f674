/* SPDX-License-Identifier: MIT */
/* submit.h: one submission, start to finish: account, recipients
 * (aliases, IDN), secrets, intake, delivery, and the durable commit that
 * lets a temporary failure still exit 0. */
#ifndef SEALPOST_SUBMIT_H
#define SEALPOST_SUBMIT_H

#include "config.h"
#include "submission.h"

/* submit: read one message from in_fd per sub and the configuration,
 * deliver it or queue it durably, and describe what happened in *out
 * (outcome_init()ed by the caller): out->queued only once the message is
 * committed; out->res.cls RES_OK only when it was delivered to every
 * recipient. Prints nothing and picks no exit status: the front end
 * presents *out (outcome_present()). The log gets its lines here. */
void submit(const struct config *cfg, const struct submission *sub, int in_fd,
    struct outcome *out);

#endif
