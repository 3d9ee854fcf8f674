/* SPDX-License-Identifier: MIT */
/* runq.h: queue runs (-q, --flush, background children), the queue
 * listing (-bp, mailq). */
#ifndef SEALPOST_RUNQ_H
#define SEALPOST_RUNQ_H

#include <stdbool.h>
#include <stdio.h>

#include "buf.h"
#include "config.h"
#include "envelope.h"
#include "err.h"
#include "result.h"
#include "spool.h"

/* A selection of queue entries: sendmail's -qI, -qR, -qS (each a
 * substring, compared without regard to case, of the queue id, of any
 * recipient address, of the sender) and mailq's ID arguments (whole ids,
 * any of them). An entry is selected when it matches every part given;
 * an empty filter selects everything. The strings are the caller's. */
struct runq_filter {
	const char *id;         /* -qI */
	const char *rcpt;       /* -qR */
	const char *sender;     /* -qS */
	char *const *ids;       /* whole queue ids */
	size_t nids;
};

/* runq_filter_empty: does f (or NULL) select every entry? */
bool runq_filter_empty(const struct runq_filter *f);

/* runq_filter_match: does f (or NULL) select env? */
bool runq_filter_match(const struct runq_filter *f, const struct envelope *env);

/* runq_run: attempt every entry whose retry time has come (all of them
 * with flush), per recipient; bounce permanent failures and expired
 * entries; quarantine corrupt ones. A filter that is not empty limits the
 * run to the entries it selects, which are attempted now whatever their
 * retry time (as postqueue -i). res: RES_OK, or RES_PERM at STAGE_QUEUE
 * when the queue cannot be opened (ERR_SPOOL) or listed (ERR_IO).
 * Per-entry outcomes are logged, not returned. */
void runq_run(const struct config *cfg, bool flush, const struct runq_filter *f,
    struct result *res);

/* runq_list: print the entries f (or NULL) selects (mailq) to out: the
 * classic listing ending in Postfix's summary line "-- N Kbytes in M
 * Requests." (or "Mail queue is empty"), or with json one JSON object per
 * entry and line, nothing else. In a shared queue an ordinary user sees
 * only their own entries. res as for runq_run(). */
void runq_list(const struct config *cfg, FILE *out, const struct runq_filter *f, bool json,
    struct result *res);

/* What runq_manage() does to each entry: remove it without delivering it
 * and without a bounce (--delete); put it on hold, so that no queue run
 * attempts it (--hold); take it off hold (--release). */
enum runq_op { RUNQ_DELETE, RUNQ_HOLD, RUNQ_RELEASE };

/* runq_manage: do op to the n entries ids (each a queue id, any case),
 * saying "ID: deleted" (held, released) on out for each; in a shared
 * queue an ordinary user only to their own. Each entry's lock is taken
 * first. Goes on past an id it cannot change, saying why on stderr; res
 * holds the first failure: RES_PERM at STAGE_QUEUE with ERR_EOF (no such
 * entry), ERR_AUTH (another user's), ERR_USAGE (not a queue id), ERR_IO
 * (cannot change it); RES_TEMP with ERR_IO (being delivered right now);
 * RES_PERM with ERR_SPOOL when the queue cannot be opened. Unlike
 * runq_run() and runq_list(), it has said every failure itself. */
void runq_manage(const struct config *cfg, enum runq_op op, char *const *ids, size_t n,
    FILE *out, struct result *res);

/* runq_spawn: fork a detached process (new session, stdio on /dev/null)
 * that delivers entry id through lockfd (its flock held across the fork)
 * when id is set, then runs the queue once. The caller closes its copy of
 * lockfd and returns at once. */
void runq_spawn(const struct config *cfg, const char *id, int lockfd);

struct deliver_cache;

/* runq_attempt: one attempt of the locked entry id (msgfd holds its lock).
 * Used by runq_run() and -odb children. cache (or NULL) keeps the
 * connection open for the next entry to the same destination. */
void runq_attempt(const struct config *cfg, struct spool *sp, const char *id, int msgfd,
    bool flush, struct deliver_cache *cache);

#endif
