/* SPDX-License-Identifier: MIT */
/* runq.h: queue runs (-q, --flush, background children), the queue
 * listing (-bp, mailq). */
#ifndef SEALPOST_RUNQ_H
#define SEALPOST_RUNQ_H

#include <stdbool.h>
#include <stdio.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "result.h"
#include "spool.h"

/* runq_run: attempt every entry whose retry time has come (all of them
 * with flush), per recipient; bounce permanent failures and expired
 * entries; quarantine corrupt ones. res: RES_OK, or RES_PERM at
 * STAGE_QUEUE when the queue cannot be opened (ERR_SPOOL) or listed
 * (ERR_IO). Per-entry outcomes are logged, not returned. */
void runq_run(const struct config *cfg, bool flush, struct result *res);

/* runq_list: print the queue (mailq) to out; res as for runq_run(). */
void runq_list(const struct config *cfg, FILE *out, struct result *res);

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
