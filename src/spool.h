/* SPDX-License-Identifier: MIT */
/* spool.h: the queue on disk. The only module that creates, locks,
 * commits, reads, rewrites or deletes queue files.
 *
 * Layout under the queue directory (0700, or 0770 group sealpost):
 *   tmp/        files being written; anything here is not yet queued
 *   q/ID.msg    the message, immutable once committed; its flock is the
 *               entry's lock
 *   q/ID.env    the envelope; its presence commits the entry
 *   q/ID.hold   present (empty) while the entry is on hold (--hold); a
 *               sealpost that predates it ignores it and sends the entry
 *   corrupt/    entries moved aside (never sent, never crashed on)
 */
#ifndef SEALPOST_SPOOL_H
#define SEALPOST_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "envelope.h"
#include "err.h"

#define SPOOL_ID_LEN ENVELOPE_ID_LEN

struct spool {
	int dirfd;              /* the queue directory */
	int qfd, tmpfd;         /* q/ and tmp/ */
	char *path;
	bool shared;            /* system mode: group-owned, files 0640 */
	gid_t gid;              /* the queue directory's group */
};

/* spool_open: open (creating with mode 0700 when missing) the queue at
 * path and its subdirectories. Refuses a queue directory that others can
 * write or read. With the set-group-ID privilege the queue is shared: it
 * must exist (make install-perms) and belong to the group; files are 0640
 * and each entry must belong to the group rather than to us. Errors:
 * ERR_SPOOL with the reason in err. */
enum err spool_open(struct spool *sp, const char *path, struct buf *err) WUR;

/* spool_open_queue: the one way the rest of sealpost opens the queue.
 * Where it lives: queue_dir (from the configuration) when set; with the
 * set-group-ID privilege always the system spool; else the system spool
 * when it exists and belongs to us; else $XDG_STATE_HOME/sealpost/queue
 * (default ~/.local/state/sealpost/queue). Then as spool_open(). Errors:
 * ERR_SPOOL (no HOME to name a queue by, or spool_open() refused). */
enum err spool_open_queue(struct spool *sp, const char *queue_dir, struct buf *err) WUR;
void spool_close(struct spool *sp);

/* spool_subdir: a directory for state kept beside the queue (the MTA-STS
 * policy cache), created like q/ (0700; group-owned 02770 when shared):
 * an O_DIRECTORY fd the caller closes, or -1 and errno. */
int spool_subdir(struct spool *sp, const char *name);

/* spool_anon: an anonymous 0600 file in the queue's file system for
 * intake (O_TMPFILE in tmp/, or a named file unlinked at once). -1 and
 * errno on failure. */
int spool_anon(const struct spool *sp);

/* spool_new_id: a fresh random id, upper-case hex. */
void spool_new_id(char id[SPOOL_ID_LEN + 1]);

/* spool_commit: make msgfd (an anonymous intake file) and env a queue
 * entry: fsync the message, link it as q/ID.msg, write and fsync the
 * envelope, rename it to q/ID.env, fsync q/. Only after ERR_OK may the
 * caller say "queued". On error nothing is left in q/. Errors: ERR_SPOOL
 * (ENOSPC, EIO, permissions), with the reason in err. */
enum err spool_commit(struct spool *sp, int msgfd, const struct envelope *env,
    struct buf *err) WUR;

/* spool_write_env: atomically replace q/ID.env (tmp file, fsync, rename,
 * fsync q/). Errors: ERR_SPOOL. */
enum err spool_write_env(struct spool *sp, const struct envelope *env,
    struct buf *err) WUR;

/* spool_lock: open q/ID.msg without following links, check it is a regular
 * file with one link owned by us, and take its flock without waiting.
 * *fd is the locked message. Errors: ERR_IO (locked by another process:
 * skip it), ERR_EOF (gone: neither file is there any more), ERR_DATA (the
 * entry is bad: quarantine it), ERR_SPOOL. */
enum err spool_lock(struct spool *sp, const char *id, int *fd, struct buf *err) WUR;

/* spool_read_env: read and parse q/ID.env (no links, one link, owner, size
 * bound). Errors: ERR_DATA (corrupt: missing end marker, unknown field,
 * bad value), ERR_SPOOL (cannot read), ERR_EOF (gone). */
enum err spool_read_env(struct spool *sp, const char *id, struct envelope *env,
    struct buf *err) WUR;

/* spool_owner: the user who submitted entry id (its message file's owner).
 * Errors: ERR_EOF (gone), ERR_SPOOL. */
enum err spool_owner(struct spool *sp, const char *id, uid_t *owner) WUR;

/* spool_remove: delete the entry (envelope first, then message, then its
 * hold mark), fsync q/. */
enum err spool_remove(struct spool *sp, const char *id, struct buf *err) WUR;

/* spool_set_held: put entry id on hold (create q/ID.hold) or release it
 * (remove it), then fsync q/; the caller holds the entry's lock. Already
 * so is not an error. Errors: ERR_SPOOL, with the reason in err. */
enum err spool_set_held(struct spool *sp, const char *id, bool held, struct buf *err) WUR;

/* spool_held: is entry id on hold? */
bool spool_held(struct spool *sp, const char *id);

/* spool_quarantine: move whatever exists of the entry to corrupt/. */
void spool_quarantine(struct spool *sp, const char *id, const char *why);

/* spool_list: the ids of committed entries (those with an envelope), in
 * name order. The caller frees each and the array. */
enum err spool_list(struct spool *sp, char ***ids, size_t *n) WUR;

/* spool_cleanup_orphans: remove q/ID.msg files without an envelope and tmp/
 * files older than max_age seconds (left by a crash before commit). */
void spool_cleanup_orphans(struct spool *sp, int64_t max_age);

#endif
