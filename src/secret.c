// SPDX-License-Identifier: MIT
/* secret.c: reading credentials. Every byte of a secret stays in a buffer
 * that is wiped on free; nothing here logs a secret or passes one in argv. */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bounds.h"
#include "deadline.h"
#include "util.h"

/* Keep only the first line, without its line break. */
static void
first_line(struct buf *out)
{
	size_t n = strcspn(buf_str(out), "\r\n");
	if (n < out->len) {
		wipe(out->data + n, out->len - n);
		buf_truncate(out, n);
	}
}

static enum err
from_file(const char *path, struct buf *out, struct buf *err)
{
	struct stat st;
	enum err rc = ERR_OK;
	int fd = open_regular("password_file ", path, 0, &st, err);
	if (fd < 0)
		return ERR_IO;
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		errf(err, "password_file %s: readable or writable by other users;"
		    " refusing it (chmod o-rw %s)", path, path);
		rc = ERR_CONFIG;
		goto out;
	}
	for (;;) {
		char chunk[512];
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			errf(err, "password_file %s: %s", path, strerror(errno));
			rc = ERR_IO;
		} else if (n > 0 && buf_add(out, chunk, (size_t)n) != ERR_OK) {
			errf(err, "password_file %s: longer than %d bytes", path, SECRET_MAX);
			rc = ERR_CONFIG;
		}
		wipe(chunk, sizeof chunk);
		if (n <= 0 || rc != ERR_OK || memchr(buf_str(out), '\n', out->len))
			break;
	}
out:
	close(fd);
	return rc;
}

static void exec_command(const char *cmd, int wfd) __attribute__((noreturn));

/* In the child: stdin from /dev/null, stdout into the pipe's write end
 * wfd, and cmd run by sh. */
static void
exec_command(const char *cmd, int wfd)
{
	int null = open("/dev/null", O_RDONLY);
	gid_t g = getegid();
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	if (null < 0 || dup2(null, 0) < 0 || dup2(wfd, 1) < 0)
		_exit(127);
	/* System mode: the group becomes the real group too, so the
	 * shell (dash, bash) does not drop it and the command can read
	 * what only the group may. Its ids then differ from the
	 * caller's, so the caller cannot ptrace it or read its
	 * environment. The command's text goes there, not into argv,
	 * which any local user can read in ps. */
	if (setresgid(g, g, g) != 0 ||
	    setenv("SEALPOST_PASSWORD_COMMAND", cmd, 1) != 0)
		_exit(127);
	execl("/bin/sh", "sh", "-c", "c=$SEALPOST_PASSWORD_COMMAND;"
	    " unset SEALPOST_PASSWORD_COMMAND; eval \"$c\"", (char *)NULL);
	_exit(127);
}

/* Start cmd in a child *pid whose stdout is a pipe; *rfd is its read end. */
static enum err
spawn(const char *cmd, pid_t *pid, int *rfd, struct buf *err)
{
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) != 0) {
		errf(err, "password_command: pipe: %s", strerror(errno));
		return ERR_IO;
	}
	*pid = fork();
	if (*pid < 0) {
		errf(err, "password_command: fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return ERR_IO;
	}
	if (*pid == 0)
		exec_command(cmd, pfd[1]);
	close(pfd[1]);
	*rfd = pfd[0];
	return ERR_OK;
}

/* The command's output, to its end, into out before dl. *timed_out is set
 * when dl passes first. */
static enum err
read_output(int fd, const struct deadline *dl, struct buf *out, struct buf *err,
    bool *timed_out)
{
	enum err rc = ERR_OK;

	for (;;) {
		char chunk[512];
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = deadline_left_ms(dl);
		int pr = left ? poll(&p, 1, left) : 0;
		ssize_t n;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			*timed_out = pr == 0;
			if (!*timed_out)
				errf(err, "password_command: poll: %s", strerror(errno));
			return ERR_IO;
		}
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ERR_OK;
		if (buf_add(out, chunk, (size_t)n) != ERR_OK) {
			errf(err, "password_command: output longer than %d bytes",
			    SECRET_MAX);
			rc = ERR_IO;
		}
		wipe(chunk, sizeof chunk);
		if (rc != ERR_OK)
			return rc;
	}
}

/* The command may close stdout and linger: its exit is awaited under
 * the same deadline, then it is killed (*timed_out). */
static void
reap(pid_t pid, const struct deadline *dl, int *status, bool *timed_out)
{
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			return;
		if (w == 0 && deadline_expired(dl)) {
			kill(pid, SIGKILL);
			*timed_out = true;
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return;
		}
		if (w == 0)
			poll(NULL, 0, 10);
	}
}

static enum err
exit_status(int status, struct buf *err)
{
	if (WIFSIGNALED(status)) {
		errf(err, "password_command: killed by signal %d", WTERMSIG(status));
		return ERR_IO;
	}
	if (WEXITSTATUS(status) != 0) {
		errf(err, "password_command: exited with status %d",
		    WEXITSTATUS(status));
		return ERR_IO;
	}
	return ERR_OK;
}

static enum err
from_command(const char *cmd, uint64_t timeout_ms, struct buf *out, struct buf *err)
{
	struct deadline dl = deadline_after_ms(timeout_ms);
	bool timed_out = false;
	int fd, status = 0;
	pid_t pid;
	enum err rc;

	if ((rc = spawn(cmd, &pid, &fd, err)) != ERR_OK)
		return rc;
	rc = read_output(fd, &dl, out, err, &timed_out);
	close(fd);
	if (rc != ERR_OK)
		kill(pid, SIGKILL);
	reap(pid, &dl, &status, &timed_out);
	if (timed_out) {
		errf(err, "password_command: did not finish within %llu s; killed it",
		    (unsigned long long)(timeout_ms / 1000));
		return ERR_IO;
	}
	if (rc != ERR_OK)
		return rc;
	return exit_status(status, err);
}

enum err
secret_get(const struct account *a, uint64_t timeout_ms, struct buf *out, struct buf *err)
{
	enum err rc = ERR_OK;
	if (a->password)
		rc = buf_adds(out, a->password) == ERR_OK ? ERR_OK : ERR_CONFIG;
	else if (a->password_file)
		rc = from_file(a->password_file, out, err);
	else if (a->password_command)
		rc = from_command(a->password_command, timeout_ms < SECRET_CMD_TIMEOUT_MS ?
		    timeout_ms : SECRET_CMD_TIMEOUT_MS, out, err);
	else
		return ERR_OK;
	if (rc != ERR_OK) {
		buf_wipe(out);
		return rc;
	}
	first_line(out);
	if (out->len == 0) {
		errf(err, "account %s: the %s is empty", a->name,
		    a->password ? "password" : a->password_file ? "password_file" :
		    "output of password_command");
		return a->password ? ERR_CONFIG : ERR_IO;
	}
	return ERR_OK;
}
