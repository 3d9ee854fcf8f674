/* SPDX-License-Identifier: MIT */
/* submission.h: one request in, one outcome out. A front end (main.c for
 * the command line, smtpd_stdio.c for -bs) fills a struct submission,
 * submit() returns a struct outcome as data, and the front end presents
 * it (outcome_present(): the exit status and the words on stderr; -bs adds
 * the SMTP reply). Nothing below the front ends prints a verdict or picks
 * an exit status. */
#ifndef SEALPOST_SUBMISSION_H
#define SEALPOST_SUBMISSION_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "envelope.h"
#include "result.h"

struct submission {
	const char *sender;         /* -f/-r or MAIL FROM as given ("<>" or ""
	                             * for the null sender); NULL: none given */
	char *const *rcpts;         /* each an RFC 5322 address list */
	size_t nrcpts;
	bool extract;               /* -t */
	bool dot_ends;              /* no -i: a lone "." ends the input */
	const char *full_name;      /* -F, checked by cli.c */
	const char *dsn_notify;     /* checked and upper case (cli.c), or NULL */
	const char *dsn_ret;
	const char *dsn_envid;
	const char *account;        /* -a, or NULL */
	bool background;            /* -odb */
	int verbose;                /* -v count */
	const char *via;            /* "-f" or "-bs": how a sender was asked for */
	bool read_envelope_from;    /* --read-envelope-from: without a sender,
	                             * the one the message's From: names */
};

struct outcome {
	struct result res;          /* the classified verdict; res.text is the
	                             * reason as the log has it */
	bool queued;                /* durably committed: the caller hears 0 */
	bool unqueued;              /* a temporary failure that could not be
	                             * queued (so not sent either): 73 */
	char id[ENVELOPE_ID_LEN + 1];   /* the queue id, once there is one */
	size_t nrcpts;              /* recipients of a delivered message */
	struct buf notes;           /* lines for stderr before the verdict
	                             * (warnings, each refused recipient) */
	char text[2048];            /* the verdict for stderr, "" for none */
};

/* outcome_init / outcome_free: an empty outcome (RES_OK, no text). */
void outcome_init(struct outcome *o);
void outcome_free(struct outcome *o);

/* outcome_fail: the verdict: class cls at stage at, error e, and the text
 * shown to the caller (also res.text, cut to its size). Returns e. */
enum err outcome_fail(struct outcome *o, enum res cls, enum stage at, enum err e,
    const char *fmt, ...) PRINTF(5, 6);

/* outcome_note: one more line for stderr before the verdict. */
void outcome_note(struct outcome *o, const char *fmt, ...) PRINTF(2, 3);

/* outcome_status: the exit status: result_exitcode() of o->res, and 73
 * for a temporary failure that could not be queued. */
int outcome_status(const struct outcome *o);

/* outcome_present: say on stderr what the caller must hear of o (its
 * notes, its verdict, and under -v or on a terminal the queue notice or
 * the delivery), and return outcome_status(o). */
int outcome_present(const struct outcome *o, int verbose);

#endif
