// SPDX-License-Identifier: MIT
/* intake.c: the caller's message, read before anything is sent. msg.c
 * parses and normalises; this file decides where that happens: in this
 * process, or (system mode) in a child that gave up the group for good,
 * so a parser bug exploited by the caller finds no group, no queue and no
 * secret. It never sends and never commits. */
#include "intake.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bounds.h"
#include "log.h"
#include "privs.h"
#include "util.h"

/* Intake with the set-group-ID privilege held: the message is the
 * caller's, so it is parsed in a child that gave the group up for good
 * (doc/architecture.md, Privilege model). The parent creates the files first (in the group's
 * queue) and takes back only a bounded report: status, size, 8-bit, header UTF-8 and
 * TLS-Required flags, which file holds the result, recipients found by -t, and the
 * error. */
struct intake_report {
	int32_t rc;
	uint8_t eightbit, which, tls_optional, hdr_utf8;
	uint64_t size;
	uint32_t nrcpts, errlen;
};

static bool
read_exact(int fd, void *p, size_t n)
{
	char *c = p;
	while (n > 0) {
		ssize_t r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		c += r;
		n -= (size_t)r;
	}
	return true;
}

/* A child for parsing the caller's bytes, and the pipe it reports on:
 * the pid (0 in the child, which then holds only p[1]; the parent only
 * p[0]), or -1 with the reason in err. */
static pid_t
child_start(int p[2], const char *what, struct buf *err)
{
	pid_t pid;
	if (pipe2(p, O_CLOEXEC) != 0) {
		errf(err, "cannot start the %s: %s", what, strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		errf(err, "cannot start the %s: %s", what, strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[pid == 0 ? 0 : 1]);
	return pid;
}

/* Reap the child (its report read and p[0] closed): did it exit 0? */
static bool
child_end(pid_t pid)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The child: drop the group, forget every secret, parse, report. */
static void __attribute__((noreturn))
child_parse(int in, int out, struct msg_opts *mo, const struct config *cfg,
    struct buf *secret, struct spool *sp)
{
	struct intake_report rep;
	struct addr_list found;
	struct msg cm;
	struct buf cerr;

	privs_drop();
	log_close();
	/* This child parses the caller's bytes: if a parser bug let the
	 * caller take it over, there must be nothing here to steal. */
	buf_wipe(secret);
	config_wipe_secrets(cfg);
	if (sp)
		spool_close(sp);
	addr_list_init(&found);
	buf_init(&cerr, 4096);
	memset(&rep, 0, sizeof rep);
	rep.rc = (int32_t)msg_read(in, mo, &cm, &found, &cerr);
	if (rep.rc == ERR_OK) {
		rep.size = cm.size;
		rep.eightbit = cm.eightbit;
		rep.hdr_utf8 = cm.hdr_utf8;
		rep.tls_optional = cm.tls_optional;
		rep.which = cm.fd == mo->fds[1];
	}
	rep.nrcpts = (uint32_t)found.n;
	rep.errlen = (uint32_t)cerr.len;
	bool ok = write_all(out, &rep, sizeof rep) == ERR_OK &&
	    write_all(out, buf_str(&cerr), cerr.len) == ERR_OK;
	for (size_t i = 0; ok && i < found.n; i++) {
		uint32_t len = (uint32_t)strlen(found.v[i]);
		ok = write_all(out, &len, sizeof len) == ERR_OK &&
		    write_all(out, found.v[i], len) == ERR_OK;
	}
	_exit(ok ? 0 : 1);
}

/* The parent: the child is the caller's now, so believe nothing beyond
 * the bounds. ERR_INTERNAL for a report that breaks them. */
static enum err
read_report(int in, struct intake_report *rep, struct addr_list *rcpts, struct buf *err)
{
	char text[8193];
	if (!read_exact(in, rep, sizeof *rep) || rep->errlen > 8192 ||
	    rep->nrcpts > SMTP_RCPT_MAX || rep->which > 1 || !read_exact(in, text, rep->errlen))
		return ERR_INTERNAL;
	text[rep->errlen] = '\0';
	errf(err, "%s", text);
	for (uint32_t i = 0; i < rep->nrcpts; i++) {
		char addr[MSG_ADDR_MAX + 1];
		uint32_t len;
		if (!read_exact(in, &len, sizeof len) || len > MSG_ADDR_MAX ||
		    !read_exact(in, addr, len))
			return ERR_INTERNAL;
		addr[len] = '\0';
		if (addr_list_add(rcpts, addr) != ERR_OK)
			return ERR_TOOBIG;
	}
	return ERR_OK;
}

static enum err
unprivileged(int in, struct msg_opts *mo, struct msg *m, struct addr_list *rcpts,
    struct buf *err, const struct config *cfg, struct buf *secret, struct spool *sp)
{
	int pfd[2];
	pid_t pid;
	struct intake_report rep;
	enum err rc = ERR_OK;

	mo->use_fds = true;
	mo->fds[0] = msg_anon(mo);
	mo->fds[1] = msg_anon(mo);
	if (mo->fds[0] < 0 || mo->fds[1] < 0) {
		errf(err, "cannot create the intake files: %s", strerror(errno));
		rc = ERR_SPOOL;
		goto out;
	}
	if ((pid = child_start(pfd, "message intake process", err)) < 0) {
		rc = ERR_SPOOL;
		goto out;
	}
	if (pid == 0)
		child_parse(in, pfd[1], mo, cfg, secret, sp);
	rc = read_report(pfd[0], &rep, rcpts, err);
	close(pfd[0]);
	if (!child_end(pid) && rc == ERR_OK)
		rc = ERR_INTERNAL;
	if (rc == ERR_INTERNAL) {
		errf(err, "the message intake process failed");
		goto out;
	}
	if (rc == ERR_OK && rep.rc != ERR_OK)
		rc = (enum err)rep.rc;
	if (rc == ERR_OK) {
		m->fd = mo->fds[rep.which];
		mo->fds[rep.which] = -1;
		m->size = rep.size;
		m->eightbit = rep.eightbit;
		m->hdr_utf8 = rep.hdr_utf8;
		m->tls_optional = rep.tls_optional;
	}
out:
	for (int i = 0; i < 2; i++)
		if (mo->fds[i] >= 0)
			close(mo->fds[i]);
	mo->fds[0] = mo->fds[1] = -1;
	mo->use_fds = false;
	return rc;
}

/* --read-envelope-from with the group held: From: and Sender: are the
 * caller's bytes too, so they are parsed in a child that gave the group
 * up, which reports back rc, the address and the error text, bounded. */
static void __attribute__((noreturn))
child_sender(const char *p, size_t n, int out, const struct config *cfg)
{
	struct buf why;
	char *addr = NULL;
	int32_t rc;
	uint32_t len[2];

	privs_drop();
	log_close();
	config_wipe_secrets(cfg);
	buf_init(&why, 4096);
	rc = (int32_t)msg_header_sender(p, n, &addr, &why);
	len[0] = addr ? (uint32_t)strlen(addr) : UINT32_MAX;
	len[1] = (uint32_t)why.len;
	bool ok = write_all(out, &rc, sizeof rc) == ERR_OK &&
	    write_all(out, len, sizeof len) == ERR_OK &&
	    (!addr || write_all(out, addr, len[0]) == ERR_OK) &&
	    write_all(out, buf_str(&why), why.len) == ERR_OK;
	_exit(ok ? 0 : 1);
}

enum err
intake_header_sender(const char *p, size_t n, char **addr, struct buf *why,
    const struct config *cfg)
{
	int pfd[2];
	int32_t rc = ERR_INTERNAL;
	uint32_t len[2];
	char text[4097], *a = NULL;
	pid_t pid;

	*addr = NULL;
	if (!privs_held())
		return msg_header_sender(p, n, addr, why);
	if ((pid = child_start(pfd, "header reader", why)) < 0)
		return ERR_INTERNAL;
	if (pid == 0)
		child_sender(p, n, pfd[1], cfg);
	/* The child is the caller's now: believe nothing beyond the bounds. */
	if (!read_exact(pfd[0], &rc, sizeof rc) || !read_exact(pfd[0], len, sizeof len) ||
	    (len[0] != UINT32_MAX && len[0] > MSG_ADDR_MAX) || len[1] >= sizeof text)
		rc = ERR_INTERNAL;
	if (rc != ERR_INTERNAL && len[0] != UINT32_MAX) {
		a = xmalloc(len[0] + 1);
		if (!read_exact(pfd[0], a, len[0]))
			rc = ERR_INTERNAL;
		a[len[0]] = '\0';
	}
	if (rc != ERR_INTERNAL && !read_exact(pfd[0], text, len[1]))
		rc = ERR_INTERNAL;
	close(pfd[0]);
	if (!child_end(pid))
		rc = ERR_INTERNAL;
	if (rc == ERR_INTERNAL) {
		free(a);
		errf(why, "the header reader process failed");
		return ERR_INTERNAL;
	}
	text[len[1]] = '\0';
	errf(why, "%s", text);
	*addr = a;
	return (enum err)rc;
}

enum err
intake_read(int in, struct msg_opts *mo, struct msg *m, struct addr_list *rcpts,
    struct buf *err, const struct config *cfg, struct buf *secret, struct spool *sp)
{
	if (!mo->tmpdir) {
		const char *t = getenv("TMPDIR");
		mo->tmpdir = t && *t == '/' ? t : "/tmp";
	}
	if (privs_held())
		return unprivileged(in, mo, m, rcpts, err, cfg, secret, sp);
	return msg_read(in, mo, m, rcpts, err);
}
