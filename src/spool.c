// SPDX-License-Identifier: MIT
/* spool.c: the only code that creates, locks, commits, reads, rewrites or
 * deletes queue files. A message is "queued" only after spool_commit()
 * has fsynced the message, the envelope and the directory. Every file is
 * opened relative to the queue's directory descriptors, without following
 * links, and checked (regular, one link, ours) before it is trusted.
 *
 * The envelope's text format is envelope.c's; this file stores it.
 * A file whose envelope does not parse is quarantined, never sent. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#ifndef SPOOLDIR
#define SPOOLDIR "/var/spool/sealpost"
#endif
#define SYSTEM_SPOOL SPOOLDIR

#define ENV_MAX (4 * 1024 * 1024)

void
spool_new_id(char id[SPOOL_ID_LEN + 1])
{
	random_hex(id, SPOOL_ID_LEN / 2);
	for (char *c = id; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
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

int
spool_subdir(struct spool *sp, const char *name)
{
	return mkdir_at(sp->dirfd, name, sp->shared ? 02770 : 0700);
}

/* Where the queue lives (see spool_open_queue()). */
static enum err
queue_path(const char *queue_dir, char *out, size_t cap, struct buf *err)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	if (queue_dir) {
		snprintf(out, cap, "%s", queue_dir);
		return ERR_OK;
	}
	/* System mode: the group's spool, never a path from the environment. */
	if (privs_held()) {
		snprintf(out, cap, "%s", SYSTEM_SPOOL);
		return ERR_OK;
	}
	/* The system spool only when it is ours: entries are checked to be
	 * owned by the running user, so a spool shared by several users would
	 * have their runs quarantine each other's mail. */
	struct stat st;
	if (stat(SYSTEM_SPOOL, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	    access(SYSTEM_SPOOL, W_OK | X_OK) == 0) {
		snprintf(out, cap, "%s", SYSTEM_SPOOL);
		return ERR_OK;
	}
	if (state && *state == '/')
		snprintf(out, cap, "%s/sealpost/queue", state);
	else if (home && *home == '/')
		snprintf(out, cap, "%s/.local/state/sealpost/queue", home);
	else {
		errf(err, "no queue directory: set queue_dir, XDG_STATE_HOME or HOME");
		return ERR_SPOOL;
	}
	return ERR_OK;
}

enum err
spool_open_queue(struct spool *sp, const char *queue_dir, struct buf *err)
{
	char path[PATH_MAX];
	if (queue_path(queue_dir, path, sizeof path, err) != ERR_OK)
		return ERR_SPOOL;
	return spool_open(sp, path, err);
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
spool_write_env(struct spool *sp, const struct envelope *env, struct buf *err)
{
	struct buf text;
	char name[SPOOL_ID_LEN + 8];
	enum err rc;
	buf_init(&text, ENV_MAX);
	if (envelope_format(env, &text) != ERR_OK) {
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
spool_commit(struct spool *sp, int msgfd, const struct envelope *env, struct buf *err)
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
	if (!envelope_valid_id(id)) {
		errf(err, "bad queue id %s", id);
		return ERR_DATA;
	}
	snprintf(name, sizeof name, "%s.msg", id);
	if ((rc = open_checked(sp, name, O_RDONLY, fd, &st, err)) != ERR_OK) {
		if (rc != ERR_EOF)
			return rc;
		/* Delivered or deleted since it was listed: gone, not corrupt.
		 * An envelope without its message is corrupt. */
		snprintf(name, sizeof name, "%s.env", id);
		if (fstatat(sp->qfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
			return ERR_EOF;
		errf(err, "%s.msg is missing", id);
		return ERR_DATA;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		close(*fd);
		*fd = -1;
		return ERR_IO;
	}
	/* Locked, but is it still the entry? A run that delivered it removes
	 * the files under the lock and then lets go: the file opened just
	 * before that is no longer in the queue. */
	struct stat now;
	if (fstatat(sp->qfd, name, &now, AT_SYMLINK_NOFOLLOW) != 0 || now.st_ino != st.st_ino ||
	    now.st_dev != st.st_dev) {
		close(*fd);
		*fd = -1;
		return ERR_EOF;
	}
	return ERR_OK;
}

enum err
spool_read_env(struct spool *sp, const char *id, struct envelope *env, struct buf *err)
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
	switch (buf_read_fd(&text, fd)) {
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
	if (rc == ERR_OK && envelope_parse(buf_str(&text), text.len, env, &why) != ERR_OK) {
		errf(err, "%s: %s", name, why);
		rc = ERR_DATA;
	}
	if (rc == ERR_OK && strcmp(env->id, id) != 0) {
		errf(err, "%s names another id", name);
		envelope_free(env);
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
	/* A hold mark left behind is harmless (orphan clean-up takes it). */
	snprintf(name, sizeof name, "%s.hold", id);
	(void)unlinkat(sp->qfd, name, 0);
	(void)fsync(sp->qfd);
	return ERR_OK;
}

enum err
spool_set_held(struct spool *sp, const char *id, bool held, struct buf *err)
{
	char name[SPOOL_ID_LEN + 8];
	snprintf(name, sizeof name, "%.16s.hold", id);
	if (held) {
		int fd = openat(sp->qfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    sp->shared ? 0640 : 0600);
		if (fd < 0 && errno != EEXIST) {
			errf(err, "cannot create %s/q/%s: %s", sp->path, name, strerror(errno));
			return ERR_SPOOL;
		}
		if (fd >= 0)
			close(fd);
	} else if (unlinkat(sp->qfd, name, 0) != 0 && errno != ENOENT) {
		errf(err, "cannot remove %s/q/%s: %s", sp->path, name, strerror(errno));
		return ERR_SPOOL;
	}
	return fsync_err(sp->qfd, "queue directory", err);
}

bool
spool_held(struct spool *sp, const char *id)
{
	char name[SPOOL_ID_LEN + 8];
	struct stat st;
	snprintf(name, sizeof name, "%.16s.hold", id);
	return fstatat(sp->qfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

void
spool_quarantine(struct spool *sp, const char *id, const char *why)
{
	int cfd = mkdir_at(sp->dirfd, "corrupt", sp->shared ? 02770 : 0700);
	const char *ext[] = { ".env", ".msg", ".hold" };
	(void)why;
	if (cfd < 0)
		return;
	for (int i = 0; i < 3; i++) {
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
				 * "queued". Or a hold mark whose entry is gone. */
				char env[300];
				struct stat est;
				size_t ext = len >= 5 && strcmp(de->d_name + len - 4, ".msg") == 0 ? 4 :
				    len >= 6 && strcmp(de->d_name + len - 5, ".hold") == 0 ? 5 : 0;
				if (ext == 0)
					continue;
				snprintf(env, sizeof env, "%.*s.env", (int)(len - ext), de->d_name);
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
