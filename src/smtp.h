/* SPDX-License-Identifier: MIT */
/* smtp.h: the SMTP client: one session to one server, TLS always (implicit
 * or STARTTLS), AUTH only inside verified TLS, one message per smtp_send(). */
#ifndef SEALPOST_SMTP_H
#define SEALPOST_SMTP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bounds.h"
#include "deadline.h"
#include "err.h"
#include "result.h"
#include "tls.h"

struct smtp_session;

struct smtp_params {
	const char *host;
	unsigned port;
	enum tls_mode tls;
	struct tls_params tlsp;
	const char *helo;           /* EHLO name; NULL or unqualified: address literal */
	uint64_t connect_timeout_ms;
	uint64_t command_timeout_ms;
	struct deadline session_dl;
	const char *user;           /* NULL: no AUTH */
	const char *secret;
	const char *mechs;          /* ' '-separated preference list */
};

struct smtp_envelope {
	const char *sender;         /* "" for the null sender */
	char *const *rcpts;
	size_t nrcpts;
	uint64_t size;              /* message bytes, CRLF canonical */
	bool eightbit;
	bool smtputf8;
	const char *dsn_notify;     /* RCPT NOTIFY= value, upper case, or NULL */
	const char *dsn_ret;        /* MAIL RET= value (FULL/HDRS), or NULL */
	const char *dsn_envid;      /* MAIL ENVID= raw value (xtext-encoded here), or NULL */
	bool per_recipient;         /* queue runs (doc/decisions.md D2): send to the accepted
	                             * recipients even if others were refused */
};

struct smtp_rcpt_result {
	enum res cls;
	int code;                   /* the RCPT reply code, 0 if none */
	char reply[SMTP_TEXT_SHOWN_MAX + 8];
};

/* smtp_open: connect, TLS, greeting, EHLO, STARTTLS + EHLO, AUTH. On
 * failure *res says what happened and how to classify it, and the session
 * is already closed (*sp NULL). Never sends AUTH, MAIL or message data
 * outside verified TLS. */
enum err smtp_open(struct smtp_session **sp, const struct smtp_params *p,
    struct result *res) WUR;

/* smtp_open_fd: as smtp_open over an already connected socket (tests). */
enum err smtp_open_fd(struct smtp_session **sp, int fd, const struct smtp_params *p,
    struct result *res) WUR;

/* smtp_send: one transaction: MAIL, RCPT (pipelined when offered), DATA
 * only when every recipient was accepted, the message from msgfd (read from
 * offset 0), the final dot. All or nothing: a rejected recipient makes it
 * RSET and return, with rr[i] (nrcpts entries) saying each recipient's fate
 * and *res the overall classification. With env->per_recipient, DATA goes
 * to whichever recipients were accepted; *res is then RES_OK when the
 * message was accepted for them, and rr[] tells each recipient's fate. The
 * session stays usable for another smtp_send() after RES_OK. */
enum err smtp_send(struct smtp_session *s, const struct smtp_envelope *env, int msgfd,
    struct smtp_rcpt_result *rr, struct result *res) WUR;

/* smtp_reusable: the session is in step and connected, so another
 * smtp_send() may follow (after RES_OK, or a refusal answered in order). */
bool smtp_reusable(const struct smtp_session *s);

/* smtp_renew: a new whole-delivery deadline for the next smtp_send() on
 * a reused session. */
void smtp_renew(struct smtp_session *s, const struct deadline *dl);

/* smtp_close: QUIT (short wait), close_notify, close, free. NULL is fine. */
void smtp_close(struct smtp_session *s);

/* For the log line and --probe. */
const char *smtp_peer(const struct smtp_session *s);
void smtp_tls_desc(const struct smtp_session *s, char *out, size_t cap);
const char *smtp_verified(const struct smtp_session *s);
const char *smtp_auth_mech(const struct smtp_session *s);
const char *smtp_last_reply(const struct smtp_session *s);
void smtp_probe_print(const struct smtp_session *s, FILE *out);

#endif
