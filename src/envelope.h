/* SPDX-License-Identifier: MIT */
/* envelope.h: the one envelope of a queued or in-flight message and its
 * text format (see envelope.c). Pure data and parsing. */
#ifndef SEALPOST_ENVELOPE_H
#define SEALPOST_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "result.h"

#define ENVELOPE_ID_LEN 16

enum rcpt_state { RCPT_PENDING, RCPT_DONE, RCPT_FAILED };

struct envelope_rcpt {
	char *addr;
	enum rcpt_state state;
	char *reply;            /* last reply or reason, sanitised, or NULL */
	/* The delivery attempt in flight (never stored): whether this
	 * recipient is part of it, and what became of it there. */
	bool attempt;
	enum res cls;           /* RES_OK: the message was accepted for it */
	int code;               /* its RCPT reply code, 0 if none */
};

struct envelope {
	char id[ENVELOPE_ID_LEN + 1];
	char *sender;           /* "" for the null sender */
	char *account;          /* account name, or NULL for default */
	char *dsn_notify, *dsn_ret, *dsn_envid;
	bool eightbit, smtputf8;
	bool is_bounce;         /* a bounce we generated: never bounced itself */
	bool tls_optional;      /* the message says "TLS-Required: No" (RFC 8689) */
	int64_t created;        /* unix time */
	int64_t created_ms;     /* the same in ms, when this process made it (not stored; 0) */
	int64_t next_try;       /* unix time */
	/* Time in the queue as sealpost has seen it pass: each attempt adds
	 * the wall-clock time since the previous one, clamped (runq.c), so
	 * a clock that jumps neither expires an entry at once nor freezes
	 * it. Expiry is judged on this, not on created. */
	int64_t last_try;       /* unix time of the last attempt (0: created) */
	int64_t queued_for;     /* seconds */
	int64_t owner;          /* uid of the submitting user; -1: unknown */
	unsigned attempts;
	uint64_t size;
	char *last_error;
	struct envelope_rcpt *rcpts;
	size_t nrcpts;
};

/* envelope_init / envelope_free: an empty envelope (owner -1); free
 * releases every string and leaves it empty again. */
void envelope_init(struct envelope *env);
void envelope_free(struct envelope *env);
/* envelope_add_rcpt: append addr (copied) as a pending recipient. */
void envelope_add_rcpt(struct envelope *env, const char *addr);
/* envelope_pending: how many recipients are still pending. */
size_t envelope_pending(const struct envelope *env);
/* envelope_select_pending: mark the pending recipients (and only those)
 * for the next attempt, each RES_TEMP "not attempted" until it is. A
 * pending address equal (addr_same()) to an earlier selected one is
 * marked done instead: it is that one's. Returns how many were marked. */
size_t envelope_select_pending(struct envelope *env);
/* envelope_rcpt_set: record recipient r's outcome in the attempt (reply
 * copied; NULL keeps the previous one). */
void envelope_rcpt_set(struct envelope_rcpt *r, enum res cls, int code, const char *reply);
/* envelope_share: nobody was asked: each recipient marked for the attempt
 * gets outcome cls (RES_OK counts as RES_TEMP: nobody accepted it), no
 * reply code, and text. */
void envelope_share(struct envelope *env, enum res cls, const char *text);
/* envelope_accepted: how many recipients marked for the attempt were
 * accepted in it. */
size_t envelope_accepted(const struct envelope *env);
/* envelope_valid_id: ENVELOPE_ID_LEN upper-case hex digits? */
bool envelope_valid_id(const char *id);

/* envelope_parse / envelope_format: the text format. parse accepts only
 * a complete, well-formed envelope (end marker, known keys, each scalar
 * once, at least one recipient); on ERR_DATA *why says what was wrong and
 * env is left empty. format writes one "key: value" line per field; values
 * with control characters are sanitised. Errors: ERR_TOOBIG (out's
 * bound). */
enum err envelope_parse(const char *text, size_t len, struct envelope *env,
    const char **why) WUR;
enum err envelope_format(const struct envelope *env, struct buf *out) WUR;

#endif
