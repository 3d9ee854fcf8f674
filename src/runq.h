/* SPDX-License-Identifier: MIT */
/* runq.h: queue runs (-q, --flush, background children), the queue
 * listing (-bp, mailq) and where the queue lives. */
#ifndef SEALPOST_RUNQ_H
#define SEALPOST_RUNQ_H

#include <stdbool.h>
#include <stdio.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "spool.h"

/* runq_queue_path: queue_dir from the configuration; else the system spool
 * when it exists and we may write it; else $XDG_STATE_HOME/sealpost/queue
 * (default ~/.local/state/sealpost/queue). Errors: ERR_SPOOL when none can
 * be named (no HOME). */
enum err runq_queue_path(const struct config *cfg, char *out, size_t cap,
    struct buf *err) WUR;

/* runq_run: attempt every entry whose retry time has come (all of them
 * with flush), per recipient; bounce permanent failures and expired
 * entries; quarantine corrupt ones. Returns an exit status: 0, or 73 when
 * the queue cannot be opened. */
int runq_run(const struct config *cfg, bool flush);

/* runq_list: print the queue (mailq). Returns an exit status. */
int runq_list(const struct config *cfg, FILE *out);

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
