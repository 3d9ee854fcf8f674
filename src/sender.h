/* SPDX-License-Identifier: MIT */
/* sender.h: who may send as whom. An account's allow_users says which
 * local users may use it, its from_override what becomes of a sender they
 * ask for with -f/-r (or MAIL FROM under -bs), and in system mode the
 * message carries a trace of the submitting user (sealpost(8), "Who may
 * send as whom"). The decisions are pure; sender_enforce() adds the
 * caller's identity from the password and group databases. */
#ifndef SEALPOST_SENDER_H
#define SEALPOST_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "submission.h"
#include "config.h"
#include "err.h"

/* sender_user_allowed: may the local user (name, or NULL when the uid has
 * no password entry; uid; the names of the groups it is in) use an account
 * whose allow_users is list (' '-separated user names, @group names and
 * "*"; NULL means "*")? uid 0 always may. */
bool sender_user_allowed(const char *list, const char *user, uid_t uid,
    const char *const *groups, size_t ngroups);

/* sender_decide: the envelope sender that results from the requested one
 * (qualified; "" for the null sender <>) under an account's from_override:
 * FROVR_YES keeps it; FROVR_NO gives from; FROVR_GLOBS keeps it when it
 * matches one of globs (the null sender is matched as the string "<>"),
 * else gives from. from must be set unless mode is FROVR_YES. *overridden
 * says whether the result differs from what was requested (compared
 * without regard to case). Returns requested or from. */
const char *sender_decide(enum from_override mode, const char *globs, const char *from,
    const char *requested, bool *overridden);

/* sender_trace: append to out the trace header fields written at the top
 * of a message in system mode: always
 *     Received: by HOSTNAME (sealpost, from userid UID);
 *     <TAB>DATE
 * and, when set_addr is not NULL, after it
 *     X-Authentication-Warning: HOSTNAME: USER set sender to ADDR using VIA
 * (ADDR "<>" for the null sender). Fields are folded at spaces to 78
 * octets per line, lines are separated by CRLF, with none at the end. Every
 * byte of hostname, user and set_addr that is not printable ASCII becomes
 * '?' (and each is cut at 900 bytes), so no caller-controlled text can end
 * a line or start a field. Errors: ERR_TOOBIG (out's bound). */
enum err sender_trace(struct buf *out, const char *hostname, unsigned long uid,
    const char *date, const char *user, const char *set_addr, const char *via) WUR;

/* sender_enforce: apply the picked account's allow_users and
 * from_override to the calling user (getuid(), its password entry, its
 * real and supplementary groups). *sender is the envelope sender so far
 * (malloc'd, qualified); sub->sender says whether one was requested;
 * from_q is the account's from, qualified (or NULL). When the policy
 * overrides the sender, *sender is replaced by a copy of from_q, the fact
 * is logged (info) and, under -v, added to notes for the caller. In system mode (cfg->system)
 * *trace receives the header lines of sender_trace() (malloc'd; else
 * NULL). Errors: ERR_AUTH (the user may not use the account; the reason,
 * naming both, in err), ERR_INTERNAL (the trace could not be formatted). */
enum err sender_enforce(const struct config *cfg, const struct account *acct,
    const struct submission *sub, const char *from_q, char **sender, char **trace,
    struct buf *notes, struct buf *err) WUR;

#endif
