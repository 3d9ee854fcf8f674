/* SPDX-License-Identifier: MIT */
/* result.h: the one classification of a delivery outcome, and the one map
 * from outcomes to sysexits.h statuses (sealpost(8) EXIT STATUS). */
#ifndef SEALPOST_RESULT_H
#define SEALPOST_RESULT_H

#include <stdbool.h>

#include "err.h"

enum res { RES_OK, RES_TEMP, RES_PERM };

enum stage {
	STAGE_NONE, STAGE_CONFIG, STAGE_INPUT, STAGE_CONNECT, STAGE_TLS,
	STAGE_GREETING, STAGE_EHLO, STAGE_STARTTLS, STAGE_AUTH, STAGE_MAIL,
	STAGE_RCPT, STAGE_DATA, STAGE_BODY, STAGE_DOT, STAGE_QUIT,
	STAGE_QUEUE,            /* opening or listing the queue (-q, -bp) */
	STAGE_DNS,              /* MX mode: finding the recipient domain's hosts */
};

struct result {
	enum res cls;
	enum stage at;
	enum err err;           /* ERR_REPLY when the server said no */
	int code;               /* SMTP reply code, 0 if none */
	char esc[16];           /* enhanced status code, or "" */
	char text[512];         /* sanitised human detail */
};

/* stage_str: "RCPT", "TLS handshake", ... for messages. */
const char *stage_str(enum stage s);

/* result_set: record an outcome with formatted detail. */
void result_set(struct result *r, enum res cls, enum stage at, enum err e,
    const char *fmt, ...) PRINTF(5, 6);

/* result_unreachable: r (a failure to open a session) says the host
 * itself cannot be reached now, so that every other delivery there in the
 * same queue run would wait for the same failure: a temporary failure to
 * resolve or connect, or at the greeting (none, cut off, 421), or a
 * timeout, or a 421, before the session was up (TLS handshake, EHLO,
 * STARTTLS; a timeout during AUTH too). Not a refused certificate, AUTH,
 * or a local set-up error: those are fast, or belong to one account. */
bool result_unreachable(const struct result *r);

/* result_exitcode: the exit status for r. queued tells whether a temporary
 * failure was durably queued (then 0). Without a queue, a temporary failure
 * is 75, or 77 when authentication was rejected, or 78 when a local
 * configuration error (CA file, client key, secret) stopped it. */
int result_exitcode(const struct result *r, bool queued);

#endif
