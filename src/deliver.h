/* SPDX-License-Identifier: MIT */
/* deliver.h: one delivery attempt of one message through the account's
 * route, and the log line that records it. */
#ifndef SEALPOST_DELIVER_H
#define SEALPOST_DELIVER_H

#include <stdio.h>

#include "addr.h"
#include "config.h"
#include "msg.h"
#include "result.h"
#include "smtp.h"

/* An open session kept between deliveries of a queue run (one connection
 * per destination, reused across messages). */
struct deliver_cache {
	struct smtp_session *s;
	const struct account *acct;
	unsigned reused;
};

/* deliver_cache_close: QUIT and close the cached session, if any. */
void deliver_cache_close(struct deliver_cache *c);

struct delivery {
	const struct config *cfg;
	const struct account *acct;
	const char *queue_id;
	const char *helo;
	const char *secret;         /* NULL: no AUTH */
	const char *sender;
	const struct addr_list *rcpts;
	const struct msg *msg;
	bool smtputf8;
	const char *dsn_notify, *dsn_ret, *dsn_envid;
	bool per_recipient;         /* queue runs: partial delivery allowed */
	/* Called with the outcome as soon as it is known, before QUIT, so a
	 * queue run can record it while the connection is still open: a kill
	 * during QUIT then cannot cause a second delivery. May be NULL. */
	void (*on_result)(void *arg, const struct smtp_rcpt_result *rr,
	    const struct result *res);
	void *arg;
	struct deliver_cache *cache;    /* NULL: open and close a session */
};

/* deliver_relay: send d->msg to every recipient through the account's
 * smarthost. rr has d->rcpts->n entries, each filled on every path (a
 * failure before RCPT is every recipient's). *res is the classified outcome;
 * one log line is written whatever happens. Returns res->cls == RES_OK ?
 * ERR_OK : the error. */
enum err deliver_relay(const struct delivery *d, struct smtp_rcpt_result *rr,
    struct result *res);

/* deliver_probe: connect, TLS, EHLO, print what --probe shows, QUIT. */
enum err deliver_probe(const struct config *cfg, const struct account *acct,
    const char *helo, FILE *out, struct result *res);

#endif
