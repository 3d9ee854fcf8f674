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
#include "envelope.h"
#include "err.h"
#include "result.h"
#include "tls.h"

struct smtp_session;

struct smtp_params {
	const char *host;
	const char *shown;          /* name in logs when host is an MX host's address */
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
	bool plaintext_ok;          /* MX policy "may" only (route.c): no STARTTLS
	                             * offered, so none used; never with AUTH */
	FILE *probe_out;            /* --probe: where a chain that fails
	                             * verification is still shown, marked NOT
	                             * VERIFIED, before the session ends */
};

/* smtp_open: connect, TLS, greeting, EHLO, STARTTLS + EHLO, AUTH. On
 * failure *res says what happened and how to classify it, and the session
 * is already closed (*sp NULL) -- except when AUTH failed on a connection
 * that still works (refused, or no mechanism to use): then *sp is the session, no longer usable (smtp_reusable() false), for
 * the caller to log how it was secured and to end with smtp_close()
 * (QUIT). Never sends AUTH, MAIL or message data outside verified TLS:
 * a verification failure (ERR_CERT) ends the connection there, with
 * p->probe_out only shown first. */
enum err smtp_open(struct smtp_session **sp, const struct smtp_params *p,
    struct result *res) WUR;

/* smtp_open_fd: as smtp_open over an already connected socket (tests). */
enum err smtp_open_fd(struct smtp_session **sp, int fd, const struct smtp_params *p,
    struct result *res) WUR;

/* smtp_send flags. */
enum {
	SMTP_SEND_PER_RCPT = 1u << 0,   /* queue runs: deliver to whichever
	                                 * recipients were accepted */
	SMTP_SEND_LAST = 1u << 1,       /* no other message follows on this
	                                 * session: QUIT may end the last flight */
};

/* smtp_send: one transaction for the recipients of env marked for this
 * attempt (envelope_rcpt.attempt), with as few round trips as the server
 * allows: MAIL, RCPT and DATA pipelined when offered (RFC 2920); with
 * CHUNKING, "BDAT n LAST" and the message in the same flight when the
 * message may go before the recipients' replies are known (one
 * recipient, or SMTP_SEND_PER_RCPT); the message from msgfd (read from
 * offset 0); with SMTP_SEND_LAST, QUIT behind the final dot. All or
 * nothing (doc/decisions.md D2): a refused recipient ends the
 * transaction with nothing delivered (RSET, or with a pipelined DATA
 * already answered 354, closing the connection without the final dot).
 * With SMTP_SEND_PER_RCPT (queue runs) the message goes to whichever
 * recipients were accepted, and *res is RES_OK when it was accepted for
 * them. Either way each attempted recipient's cls, code and reply
 * (untrusted server text, sanitised) are written onto env, on every
 * path: a failure outside RCPT is every recipient's not yet refused.
 * *res is the overall outcome. The session stays usable for another
 * smtp_send() after RES_OK without SMTP_SEND_LAST. */
enum err smtp_send(struct smtp_session *s, struct envelope *env, int msgfd,
    unsigned flags, struct result *res) WUR;

/* One message of a stream: the caller's envelope (its recipients marked
 * attempt) and message; the outcome as smtp_send() gives it. */
struct smtp_item {
	struct envelope *env;
	int msgfd;
	enum err rc;
	struct result res;
};

/* smtp_send_stream: queue runs (SMTP_SEND_PER_RCPT): the n messages one
 * after another on this session, each message's commands and data sent
 * before the replies to the ones before it are read, up to
 * SMTP_STREAM_MAX flights ahead (RFC 2920 3.1, RFC 3030 4.2), so a run
 * waits for the server, not for round trips. Streamed are the messages
 * that go with BDAT in one flight (pick the tail as smtp_send() does);
 * any other waits for the flights before it to be answered and goes as
 * smtp_send() sends it. Each flight after the first opens with RSET, so
 * a failed transaction before it leaves nothing behind. done() gets each
 * item, in order, as soon as its outcome is known (recipients over the
 * server's limit first get their further transactions). A message whose
 * flight was never answered because the connection was lost has an
 * unknown outcome (temporary, at STAGE_DOT); one that was not sent, or
 * that the server could not have read after its 421, fails at
 * STAGE_MAIL. item_ms bounds each message's waits. */
void smtp_send_stream(struct smtp_session *s, struct smtp_item *items, size_t n,
    uint64_t item_ms, void (*done)(void *arg, struct smtp_item *item), void *arg);

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
