// SPDX-License-Identifier: MIT
/* spool.c: the only code that creates, locks, commits, reads, rewrites or
 * deletes queue files. A message is "queued" only after spool_commit()
 * has fsynced the message, the envelope and the directory. Every file is
 * opened relative to the queue's directory descriptors, without following
 * links, and checked (regular, one link, ours) before it is trusted.
 *
 * Envelope format (q/ID.env), one "key: value" per line, in this order:
 *   sealpost-envelope: 1
 *   id: ID
 *   created: UNIXTIME        next-try: UNIXTIME      attempts: N
 *   size: BYTES              sender: ADDR (empty for <>)
 *   account: NAME            notify: ...   ret: ...   envid: ...  (optional)
 *   owner: UID   last-try: UNIXTIME   queued-for: SECONDS            (optional)
 *   flags: [8bit] [smtputf8] [bounce]                               (optional)
 *   last-error: TEXT                                                (optional)
 *   rcpt: pending|done|failed ADDR     (one per recipient, each optionally
 *   reply: TEXT                         followed by its last reply)
 *   end: ID
 * A file without the end marker, with an unknown key, or with a bad value
 * is corrupt and gets quarantined. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "privs.h"
#include "util.h"

#define ENV_MAX (4 * 1024 * 1024)

void
spool_env_init(struct spool_env *env)
{
	memset(env, 0, sizeof *env);
	env->owner = -1;
}

void
spool_env_free(struct spool_env *env)
{
	for (size_t i = 0; i < env->nrcpts; i++) {
		free(env->rcpts[i].addr);
		free(env->rcpts[i].reply);
	}
	free(env->rcpts);
	free(env->sender);
	free(env->account);
	free(env->dsn_notify);
	free(env->dsn_ret);
	free(env->dsn_envid);
	free(env->last_error);
	spool_env_init(env);
}

void
spool_env_add_rcpt(struct spool_env *env, const char *addr)
{
	env->rcpts = xrealloc(env->rcpts, (env->nrcpts + 1) * sizeof *env->rcpts);
	env->rcpts[env->nrcpts].addr = xstrdup(addr);
	env->rcpts[env->nrcpts].state = RCPT_PENDING;
	env->rcpts[env->nrcpts].reply = NULL;
	env->nrcpts++;
}

size_t
spool_env_pending(const struct spool_env *env)
{
	size_t n = 0;
	for (size_t i = 0; i < env->nrcpts; i++)
		n += env->rcpts[i].state == RCPT_PENDING;
	return n;
}

void
spool_new_id(char id[SPOOL_ID_LEN + 1])
{
	random_hex(id, SPOOL_ID_LEN / 2);
	for (char *c = id; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
}

static bool
valid_id(const char *id)
{
	if (strlen(id) != SPOOL_ID_LEN)
		return false;
	for (const char *c = id; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'F')))
			return false;
	return true;
}

static const char *const state_names[] = { "pending", "done", "failed" };

/* One value per line: no line breaks or other controls may get in. */
static enum err
add_kv(struct buf *b, const char *k, const char *v)
{
	char clean[SMTP_TEXT_SHOWN_MAX * 2 + 1];
	if (!v)
		return ERR_OK;
	if (has_ctl(v, strlen(v))) {
		str_sanitize(clean, sizeof clean, v, strlen(v));
		v = clean;
	}
	return buf_addf(b, "%s: %s\n", k, v);
}

enum err
spool_format_env(const struct spool_env *env, struct buf *out)
{
	enum err rc = buf_addf(out, "sealpost-envelope: 1\nid: %s\ncreated: %lld\nnext-try: %lld\n"
	    "attempts: %u\nsize: %llu\n", env->id, (long long)env->created,
	    (long long)env->next_try, env->attempts, (unsigned long long)env->size);
	if (rc == ERR_OK)
		rc = buf_addf(out, "sender: %s\n", env->sender ? env->sender : "");
	if (rc == ERR_OK) rc = add_kv(out, "account", env->account);
	if (rc == ERR_OK) rc = add_kv(out, "notify", env->dsn_notify);
	if (rc == ERR_OK) rc = add_kv(out, "ret", env->dsn_ret);
	if (rc == ERR_OK) rc = add_kv(out, "envid", env->dsn_envid);
	if (rc == ERR_OK && env->owner >= 0)
		rc = buf_addf(out, "owner: %lld\n", (long long)env->owner);
	if (rc == ERR_OK && env->last_try > 0)
		rc = buf_addf(out, "last-try: %lld\n", (long long)env->last_try);
	if (rc == ERR_OK && env->queued_for > 0)
		rc = buf_addf(out, "queued-for: %lld\n", (long long)env->queued_for);
	if (rc == ERR_OK && (env->eightbit || env->smtputf8 || env->is_bounce))
		rc = buf_addf(out, "flags:%s%s%s\n", env->eightbit ? " 8bit" : "",
		    env->smtputf8 ? " smtputf8" : "", env->is_bounce ? " bounce" : "");
	if (rc == ERR_OK) rc = add_kv(out, "last-error", env->last_error);
	for (size_t i = 0; rc == ERR_OK && i < env->nrcpts; i++) {
		rc = buf_addf(out, "rcpt: %s %s\n", state_names[env->rcpts[i].state],
		    env->rcpts[i].addr);
		if (rc == ERR_OK)
			rc = add_kv(out, "reply", env->rcpts[i].reply);
	}
	if (rc == ERR_OK)
		rc = buf_addf(out, "end: %s\n", env->id);
	return rc;
}

static bool
parse_i64(const char *v, int64_t *out)
{
	unsigned long u;
	if (parse_uint(v, 0x7fffffffffffUL, &u) != ERR_OK)
		return false;
	*out = (int64_t)u;
	return true;
}

enum err
spool_parse_env(const char *text, size_t len, struct spool_env *env, const char **why)
{
	size_t pos = 0;
	unsigned seen = 0;
	bool ended = false;
	enum { K_MAGIC, K_ID, K_CREATED, K_NEXT, K_ATTEMPTS, K_SIZE, K_SENDER, K_ACCOUNT,
		K_NOTIFY, K_RET, K_ENVID, K_FLAGS, K_LASTERR, K_OWNER, K_LASTTRY, K_QUEUEDFOR,
		K_NKEYS };
	static const char *const scalar[K_NKEYS] = { "sealpost-envelope", "id", "created",
		"next-try", "attempts", "size", "sender", "account", "notify", "ret", "envid",
		"flags", "last-error", "owner", "last-try", "queued-for" };

	*why = NULL;
	spool_env_init(env);
	if (memchr(text, '\0', len)) {
		*why = "NUL byte";
		return ERR_DATA;
	}
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		char key[32], *val;
		size_t n, klen;
		if (!nl) {
			*why = "last line not terminated";
			goto bad;
		}
		n = (size_t)(nl - line);
		pos += n + 1;
		if (ended) {
			*why = "data after the end marker";
			goto bad;
		}
		const char *colon = memchr(line, ':', n);
		if (!colon || (size_t)(colon - line) >= sizeof key) {
			*why = "line without a key";
			goto bad;
		}
		klen = (size_t)(colon - line);
		memcpy(key, line, klen);
		key[klen] = '\0';
		size_t voff = klen + 1;
		if (voff < n && line[voff] == ' ')
			voff++;
		val = xstrndup(line + voff, n - voff);
		if (has_ctl(val, strlen(val))) {
			free(val);
			*why = "control character in a value";
			goto bad;
		}
		int k;
		for (k = 0; k < K_NKEYS; k++)
			if (strcmp(key, scalar[k]) == 0)
				break;
		if (k < K_NKEYS) {
			if (seen & (1u << k)) {
				free(val);
				*why = "a key appears twice";
				goto bad;
			}
			if (k != K_MAGIC && !(seen & 1u)) {
				free(val);
				*why = "missing version line";
				goto bad;
			}
			seen |= 1u << k;
		}
		bool ok = true;
		uint64_t tmp;
		switch (k) {
		case K_MAGIC: ok = strcmp(val, "1") == 0 && pos == n + 1; break;
		case K_ID:
			ok = valid_id(val);
			if (ok)
				memcpy(env->id, val, SPOOL_ID_LEN + 1);
			break;
		case K_CREATED: ok = parse_i64(val, &env->created); break;
		case K_NEXT: ok = parse_i64(val, &env->next_try); break;
		case K_ATTEMPTS: {
			unsigned long u;
			ok = parse_uint(val, 1000000, &u) == ERR_OK;
			env->attempts = (unsigned)u;
			break;
		}
		case K_SIZE: {
			unsigned long u;
			ok = parse_uint(val, (unsigned long)-1, &u) == ERR_OK;
			tmp = u;
			env->size = tmp;
			break;
		}
		case K_SENDER: ok = strlen(val) <= MSG_ADDR_MAX; env->sender = val; val = NULL; break;
		case K_ACCOUNT: ok = *val != '\0'; env->account = val; val = NULL; break;
		case K_NOTIFY: env->dsn_notify = val; val = NULL; break;
		case K_RET: env->dsn_ret = val; val = NULL; break;
		case K_ENVID: env->dsn_envid = val; val = NULL; break;
		case K_FLAGS: {
			char *save = NULL;
			for (char *w = strtok_r(val, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
				if (strcmp(w, "8bit") == 0) env->eightbit = true;
				else if (strcmp(w, "smtputf8") == 0) env->smtputf8 = true;
				else if (strcmp(w, "bounce") == 0) env->is_bounce = true;
				else ok = false;
			}
			break;
		}
		case K_LASTERR: env->last_error = val; val = NULL; break;
		case K_OWNER: {
			unsigned long u;
			ok = parse_uint(val, 0x7fffffffUL, &u) == ERR_OK;
			env->owner = (int64_t)u;
			break;
		}
		case K_LASTTRY: ok = parse_i64(val, &env->last_try); break;
		case K_QUEUEDFOR: ok = parse_i64(val, &env->queued_for); break;
		default:
			if (strcmp(key, "rcpt") == 0) {
				char *sp = strchr(val, ' ');
				int st;
				ok = sp && sp[1] && strlen(sp + 1) <= MSG_ADDR_MAX &&
				    env->nrcpts < SMTP_RCPT_MAX;
				if (ok) {
					*sp = '\0';
					for (st = 0; st < 3; st++)
						if (strcmp(val, state_names[st]) == 0)
							break;
					ok = st < 3;
					if (ok) {
						spool_env_add_rcpt(env, sp + 1);
						env->rcpts[env->nrcpts - 1].state = (enum rcpt_state)st;
					}
				}
			} else if (strcmp(key, "reply") == 0) {
				ok = env->nrcpts > 0 && !env->rcpts[env->nrcpts - 1].reply;
				if (ok) {
					env->rcpts[env->nrcpts - 1].reply = val;
					val = NULL;
				}
			} else if (strcmp(key, "end") == 0) {
				ok = (seen & (1u << K_ID)) && strcmp(val, env->id) == 0;
				ended = true;
			} else {
				free(val);
				*why = "unknown key";
				goto bad;
			}
		}
		free(val);
		if (!ok) {
			*why = "bad value";
			goto bad;
		}
	}
	if (!ended) {
		*why = "no end marker (truncated?)";
		goto bad;
	}
	for (int k = 0; k <= K_SENDER; k++) {
		if (!(seen & (1u << k))) {
			*why = "a required key is missing";
			goto bad;
		}
	}
	if (env->nrcpts == 0) {
		*why = "no recipients";
		goto bad;
	}
	return ERR_OK;
bad:
	spool_env_free(env);
	return ERR_DATA;
}

static int
mkdir_at(int dirfd, const char *name, mode_t mode)
{
	if (mkdirat(dirfd, name, mode) != 0 && errno != EEXIST)
		return -1;
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Create each missing component of path with 0700. */
static int
mkdir_p(const char *path)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

enum err
spool_open(struct spool *sp, const char *path, struct buf *err)
{
	struct stat st;
	sp->dirfd = sp->qfd = sp->tmpfd = -1;
	sp->path = xstrdup(path);
	sp->shared = privs_held();
	if (!sp->shared && mkdir_p(path) != 0) {
		errf(err, "queue directory %s: %s", path, strerror(errno));
		return ERR_SPOOL;
	}
	sp->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0 || fstat(sp->dirfd, &st) != 0) {
		errf(err, "queue directory %s: %s", path, strerror(errno));
		return ERR_SPOOL;
	}
	if (st.st_mode & (S_IWOTH | S_IROTH | S_IXOTH)) {
		errf(err, "queue directory %s is accessible to other users; refusing it"
		    " (chmod o-rwx %s)", path, path);
		return ERR_SPOOL;
	}
	if (sp->shared && st.st_gid != privs_gid()) {
		errf(err, "queue directory %s does not belong to sealpost's group (make"
		    " install-perms)", path);
		return ERR_SPOOL;
	}
	/* Root without the group (a systemd unit with NoNewPrivileges, a
	 * copy without the set-group-ID bit) still runs the shared queue as
	 * the shared queue: a group-owned set-group-ID spool holds other
	 * users' entries, which must never look "not ours". */
	if (!sp->shared && geteuid() == 0 && (st.st_mode & S_ISGID) && st.st_gid != 0) {
		sp->shared = true;
		umask(007);
	}
	sp->gid = st.st_gid;
	mode_t dmode = sp->shared ? 02770 : 0700;
	if ((sp->qfd = mkdir_at(sp->dirfd, "q", dmode)) < 0 ||
	    (sp->tmpfd = mkdir_at(sp->dirfd, "tmp", dmode)) < 0) {
		errf(err, "queue directory %s: %s", path, strerror(errno));
		return ERR_SPOOL;
	}
	return ERR_OK;
}

void
spool_close(struct spool *sp)
{
	if (sp->qfd >= 0) close(sp->qfd);
	if (sp->tmpfd >= 0) close(sp->tmpfd);
	if (sp->dirfd >= 0) close(sp->dirfd);
	free(sp->path);
	sp->dirfd = sp->qfd = sp->tmpfd = -1;
	sp->path = NULL;
}

int
spool_anon(const struct spool *sp)
{
	/* No O_EXCL: the file must stay linkable for spool_commit(). */
	return openat(sp->tmpfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, sp->shared ? 0640 : 0600);
}

static enum err
fsync_err(int fd, const char *what, struct buf *err)
{
	if (fsync(fd) != 0) {
		errf(err, "fsync %s: %s", what, strerror(errno));
		return ERR_SPOOL;
	}
	return ERR_OK;
}

/* Write text to tmp/NAME, fsync, rename to q/FINAL. */
static enum err
write_atomic(struct spool *sp, const char *final, const char *text, size_t len,
    struct buf *err)
{
	char tmpname[64];
	char rnd[17];
	int fd;
	random_hex(rnd, 8);
	snprintf(tmpname, sizeof tmpname, "%s.%s", final, rnd);
	fd = openat(sp->tmpfd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    sp->shared ? 0640 : 0600);
	if (fd < 0) {
		errf(err, "cannot create %s/tmp/%s: %s", sp->path, tmpname, strerror(errno));
		return ERR_SPOOL;
	}
	if (write_all(fd, text, len) != ERR_OK) {
		errf(err, "cannot write %s/tmp/%s: %s", sp->path, tmpname, strerror(errno));
		goto fail;
	}
	if (fsync_err(fd, "envelope", err) != ERR_OK)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		errf(err, "cannot write %s/tmp/%s: %s", sp->path, tmpname, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (renameat(sp->tmpfd, tmpname, sp->qfd, final) != 0) {
		errf(err, "cannot rename into %s/q: %s", sp->path, strerror(errno));
		goto fail;
	}
	return fsync_err(sp->qfd, "queue directory", err);
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(sp->tmpfd, tmpname, 0);
	return ERR_SPOOL;
}

enum err
spool_write_env(struct spool *sp, const struct spool_env *env, struct buf *err)
{
	struct buf text;
	char name[SPOOL_ID_LEN + 8];
	enum err rc;
	buf_init(&text, ENV_MAX);
	if (spool_format_env(env, &text) != ERR_OK) {
		buf_free(&text);
		errf(err, "envelope of %s too large", env->id);
		return ERR_SPOOL;
	}
	snprintf(name, sizeof name, "%s.env", env->id);
	rc = write_atomic(sp, name, text.data, text.len, err);
	buf_free(&text);
	return rc;
}

enum err
spool_commit(struct spool *sp, int msgfd, const struct spool_env *env, struct buf *err)
{
	char proc[64], name[SPOOL_ID_LEN + 8];
	enum err rc;

	/* Orphan cleanup judges age by mtime: an intake file that waited long
	 * for a slow attempt must not look like a crash leftover. */
	(void)futimens(msgfd, NULL);
	if ((rc = fsync_err(msgfd, "message", err)) != ERR_OK)
		return rc;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", msgfd);
	snprintf(name, sizeof name, "%s.msg", env->id);
	if (linkat(AT_FDCWD, proc, sp->qfd, name, AT_SYMLINK_FOLLOW) != 0) {
		errf(err, "cannot link the message into %s/q: %s", sp->path, strerror(errno));
		return ERR_SPOOL;
	}
	if ((rc = spool_write_env(sp, env, err)) != ERR_OK) {
		unlinkat(sp->qfd, name, 0);
		(void)fsync(sp->qfd);
		return rc;
	}
	return ERR_OK;
}

/* Open q/NAME safely: no links, a regular file with one link, ours. */
static enum err
open_checked(struct spool *sp, const char *name, int flags, int *fdp, struct stat *st,
    struct buf *err)
{
	int fd = openat(sp->qfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return ERR_EOF;
		if (errno == ELOOP) {
			errf(err, "%s is a symbolic link", name);
			return ERR_DATA;
		}
		errf(err, "cannot open %s/q/%s: %s", sp->path, name, strerror(errno));
		return ERR_SPOOL;
	}
	if (fstat(fd, st) != 0) {
		errf(err, "cannot stat %s/q/%s: %s", sp->path, name, strerror(errno));
		close(fd);
		return ERR_SPOOL;
	}
	/* Ours in a private queue; the group's, and closed to others, in a
	 * shared one. */
	bool owner_ok = sp->shared ? st->st_gid == sp->gid && !(st->st_mode & 0007) :
	    st->st_uid == geteuid();
	if (!S_ISREG(st->st_mode) || st->st_nlink != 1 || !owner_ok) {
		errf(err, "%s is not a regular file with one link owned by us", name);
		close(fd);
		return ERR_DATA;
	}
	*fdp = fd;
	return ERR_OK;
}

enum err
spool_lock(struct spool *sp, const char *id, int *fd, struct buf *err)
{
	char name[SPOOL_ID_LEN + 8];
	struct stat st;
	enum err rc;
	if (!valid_id(id)) {
		errf(err, "bad queue id %s", id);
		return ERR_DATA;
	}
	snprintf(name, sizeof name, "%s.msg", id);
	if ((rc = open_checked(sp, name, O_RDONLY, fd, &st, err)) != ERR_OK)
		return rc == ERR_EOF ? ERR_DATA : rc;
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		close(*fd);
		*fd = -1;
		return ERR_IO;
	}
	return ERR_OK;
}

enum err
spool_read_env(struct spool *sp, const char *id, struct spool_env *env, struct buf *err)
{
	char name[SPOOL_ID_LEN + 8];
	struct stat st;
	struct buf text;
	const char *why = NULL;
	enum err rc;
	int fd;

	snprintf(name, sizeof name, "%s.env", id);
	if ((rc = open_checked(sp, name, O_RDONLY, &fd, &st, err)) != ERR_OK)
		return rc;
	buf_init(&text, ENV_MAX);
	switch (read_all_bounded(fd, &text)) {
	case ERR_OK:
		break;
	case ERR_TOOBIG:
		errf(err, "%s is larger than %d bytes", name, ENV_MAX);
		rc = ERR_DATA;
		break;
	default:
		errf(err, "cannot read %s: %s", name, strerror(errno));
		rc = ERR_SPOOL;
		break;
	}
	close(fd);
	if (rc == ERR_OK && spool_parse_env(buf_str(&text), text.len, env, &why) != ERR_OK) {
		errf(err, "%s: %s", name, why);
		rc = ERR_DATA;
	}
	if (rc == ERR_OK && strcmp(env->id, id) != 0) {
		errf(err, "%s names another id", name);
		spool_env_free(env);
		rc = ERR_DATA;
	}
	buf_free(&text);
	return rc;
}

enum err
spool_owner(struct spool *sp, const char *id, uid_t *owner)
{
	char name[SPOOL_ID_LEN + 8];
	struct stat st;
	snprintf(name, sizeof name, "%.16s.msg", id);
	if (fstatat(sp->qfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? ERR_EOF : ERR_SPOOL;
	*owner = st.st_uid;
	return ERR_OK;
}

enum err
spool_remove(struct spool *sp, const char *id, struct buf *err)
{
	char name[SPOOL_ID_LEN + 8];
	snprintf(name, sizeof name, "%s.env", id);
	if (unlinkat(sp->qfd, name, 0) != 0 && errno != ENOENT) {
		errf(err, "cannot remove %s: %s", name, strerror(errno));
		return ERR_SPOOL;
	}
	snprintf(name, sizeof name, "%s.msg", id);
	if (unlinkat(sp->qfd, name, 0) != 0 && errno != ENOENT) {
		errf(err, "cannot remove %s: %s", name, strerror(errno));
		return ERR_SPOOL;
	}
	(void)fsync(sp->qfd);
	return ERR_OK;
}

void
spool_quarantine(struct spool *sp, const char *id, const char *why)
{
	int cfd = mkdir_at(sp->dirfd, "corrupt", sp->shared ? 02770 : 0700);
	const char *ext[] = { ".env", ".msg" };
	(void)why;
	if (cfd < 0)
		return;
	for (int i = 0; i < 2; i++) {
		char name[300], dest[340];
		snprintf(name, sizeof name, "%.256s%s", id, ext[i]);
		snprintf(dest, sizeof dest, "%s.%lld", name, (long long)time(NULL));
		(void)renameat(sp->qfd, name, cfd, dest);
	}
	(void)fsync(cfd);
	(void)fsync(sp->qfd);
	close(cfd);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum err
spool_list(struct spool *sp, char ***ids, size_t *n)
{
	int fd = openat(sp->qfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	size_t cap = 0;
	*ids = NULL;
	*n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return ERR_SPOOL;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".env") != 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*ids = xrealloc(*ids, cap * sizeof **ids);
		}
		(*ids)[(*n)++] = xstrndup(de->d_name, len - 4);
	}
	closedir(d);
	if (*n)
		qsort(*ids, *n, sizeof **ids, cmp_str);
	return ERR_OK;
}

void
spool_cleanup_orphans(struct spool *sp, int64_t max_age)
{
	int dirs[2] = { sp->qfd, sp->tmpfd };
	time_t now = time(NULL);
	for (int i = 0; i < 2; i++) {
		int fd = openat(dirs[i], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *de;
		if (!d) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			struct stat st;
			size_t len = strlen(de->d_name);
			if (de->d_name[0] == '.')
				continue;
			if (fstatat(dirs[i], de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			    now - st.st_mtime < max_age)
				continue;
			if (i == 0) {
				/* A message whose envelope never made it: the
				 * commit did not finish, so nobody was told
				 * "queued". */
				char env[300];
				struct stat est;
				if (len < 5 || strcmp(de->d_name + len - 4, ".msg") != 0)
					continue;
				snprintf(env, sizeof env, "%.*s.env", (int)(len - 4), de->d_name);
				/* Only "no such file" means missing: any other
				 * error (a permission, a resource) leaves the
				 * entry alone. */
				if (fstatat(dirs[i], env, &est, AT_SYMLINK_NOFOLLOW) == 0 ||
				    errno != ENOENT)
					continue;
			}
			(void)unlinkat(dirs[i], de->d_name, 0);
		}
		closedir(d);
	}
}
