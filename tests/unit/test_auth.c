// SPDX-License-Identifier: MIT
/* test_auth.c: the two guards inside auth_run() (auth.c): no AUTH outside
 * TLS, and no credential in the -v transcript. auth.c's channel (struct
 * smtp_io) is set up over a socketpair; a forked child plays the server.
 * conn.tls stays NULL, so tls_on = true here only stands for "TLS is up":
 * the bytes travel in the clear, which is what lets the child read them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth.h"
#include "bounds.h"
#include "log.h"
#include "smtp_io.h"
#include "util.h"

#define SECRET "unit-Secret-Pw-5"
/* base64 of "\0alice\0" SECRET, of SECRET, of "alice". */
#define PLAIN_IR "AGFsaWNlAHVuaXQtU2VjcmV0LVB3LTU="
#define SECRET_B64 "dW5pdC1TZWNyZXQtUHctNQ=="
#define USER_B64 "YWxpY2U="

struct fixture {
	int fd[2];                  /* [0] sealpost's end, [1] the server's */
	struct smtp_io io;
	struct ehlo_caps caps;
	struct auth_params ap;
	char mech[48];
	struct result res;
	pid_t server;
	char received[2048];        /* what the server read, lines joined by '\n' */
	char transcript[8192];      /* sealpost's stderr */
};

static void
open_session(struct fixture *f, bool tls_on, const char *mech)
{
	struct deadline dl = deadline_after_ms(5000);
	memset(f, 0, sizeof *f);
	f->server = -1;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, f->fd), 0);
	assert_int_equal(fcntl(f->fd[0], F_SETFL, fcntl(f->fd[0], F_GETFL) | O_NONBLOCK), 0);
	smtp_io_init(&f->io, f->fd[0], 500, &dl);
	f->io.tls_on = tls_on;
	snprintf(f->io.peer, sizeof f->io.peer, "localhost:587");
	f->caps.flags = EHLO_AUTH;
	snprintf(f->caps.auth, sizeof f->caps.auth, "PLAIN LOGIN");
	f->ap.host = "localhost";
	f->ap.port = 587;
	f->ap.user = "alice";
	f->ap.secret = SECRET;
	f->ap.mechs = mech;
	f->ap.caps = &f->caps;
	f->ap.mech_out = f->mech;
	f->ap.mech_cap = sizeof f->mech;
}

static void
close_session(struct fixture *f)
{
	smtp_io_free(&f->io);
	close(f->fd[1]);
}

/* The server, in a child: for each reply, read one client line (appended
 * to a pipe back to the parent), then send the reply. */
static void
serve(struct fixture *f, const char *const *replies, size_t n, int report)
{
	char line[1024];
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		len = 0;
		for (;;) {
			char c;
			if (read(f->fd[1], &c, 1) != 1)
				_exit(1);
			if (c == '\n')
				break;
			if (c != '\r' && len + 1 < sizeof line)
				line[len++] = c;
		}
		line[len++] = '\n';
		if (write(report, line, len) != (ssize_t)len)
			_exit(1);
		if (write(f->fd[1], replies[i], strlen(replies[i])) != (ssize_t)strlen(replies[i]))
			_exit(1);
	}
	_exit(0);
}

/* Run auth_run() under -vv against a child serving replies; fill in the
 * transcript and what the server received. */
static enum err
run_auth(struct fixture *f, const char *const *replies, size_t n)
{
	char tmpl[] = "/tmp/sealpost-test-auth.XXXXXX";
	int pipefd[2], saved, tfd, status;
	enum err rc;
	ssize_t got;
	size_t len = 0;

	assert_int_equal(pipe(pipefd), 0);
	if (n > 0) {
		f->server = fork();
		assert_true(f->server >= 0);
		if (f->server == 0) {
			close(pipefd[0]);
			serve(f, replies, n, pipefd[1]);
		}
	}
	close(pipefd[1]);
	tfd = mkstemp(tmpl);
	assert_true(tfd >= 0);
	unlink(tmpl);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(tfd, 2), 2);
	log_set_verbose(2);
	rc = auth_run(&f->io, &f->ap, &f->res);
	log_set_verbose(0);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	assert_true(lseek(tfd, 0, SEEK_SET) == 0);
	got = read(tfd, f->transcript, sizeof f->transcript - 1);
	assert_true(got >= 0);
	f->transcript[got] = '\0';
	close(tfd);
	if (f->server > 0) {
		assert_int_equal(waitpid(f->server, &status, 0), f->server);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	while ((got = read(pipefd[0], f->received + len, sizeof f->received - 1 - len)) > 0)
		len += (size_t)got;
	f->received[len] = '\0';
	close(pipefd[0]);
	return rc;
}

static void
assert_no_secret(const char *transcript, const char *const *secrets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(transcript, secrets[i]))
			fail_msg("\"%s\" appears in the transcript:\n%s", secrets[i], transcript);
}

static const char *const secrets[] = { SECRET, SECRET_B64, PLAIN_IR, USER_B64 };

/* RFC 4954 9, 14: auth_run() itself refuses without TLS (smtp_open_fd checks
 * first, but this guard must hold on its own) and sends nothing. */
static void
auth_refuses_without_tls(void **state)
{
	struct fixture f;
	char c;
	(void)state;
	open_session(&f, false, "PLAIN");
	assert_int_equal(run_auth(&f, NULL, 0), ERR_TLS);
	assert_int_equal(f.res.at, STAGE_AUTH);
	assert_non_null(strstr(f.res.text, "without TLS"));
	errno = 0;
	assert_int_equal(recv(f.fd[1], &c, 1, MSG_DONTWAIT), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	assert_no_secret(f.transcript, secrets, sizeof secrets / sizeof *secrets);
	close_session(&f);
}

/* AUTH PLAIN: the initial response (the password in base64) reaches the
 * server but the transcript shows "<redacted>". */
static void
auth_plain_transcript_is_redacted(void **state)
{
	struct fixture f;
	static const char *const replies[] = { "235 2.7.0 ok\r\n" };
	(void)state;
	open_session(&f, true, "PLAIN");
	assert_int_equal(run_auth(&f, replies, 1), ERR_OK);
	assert_string_equal(f.received, "AUTH PLAIN " PLAIN_IR "\n");
	assert_no_secret(f.transcript, secrets, sizeof secrets / sizeof *secrets);
	assert_non_null(strstr(f.transcript, ">>> AUTH PLAIN <redacted>\n"));
	assert_non_null(strstr(f.transcript, "<<< 235 2.7.0 ok\n"));
	close_session(&f);
}

/* AUTH LOGIN: both answers to 334 (user, password) are redacted, and so
 * are the 334 prompts. */
static void
auth_login_transcript_is_redacted(void **state)
{
	struct fixture f;
	static const char *const replies[] = {
		"334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "235 2.7.0 ok\r\n",
	};
	(void)state;
	open_session(&f, true, "LOGIN");
	assert_int_equal(run_auth(&f, replies, 3), ERR_OK);
	assert_string_equal(f.received, "AUTH LOGIN\n" USER_B64 "\n" SECRET_B64 "\n");
	assert_no_secret(f.transcript, secrets, sizeof secrets / sizeof *secrets);
	assert_non_null(strstr(f.transcript, ">>> AUTH LOGIN <redacted>\n"));
	assert_non_null(strstr(f.transcript, "<<< 334 <redacted>\n"));
	assert_non_null(strstr(f.transcript, ">>> <redacted>\n"));
	close_session(&f);
}

/* A rejected PLAIN attempt: the failure is reported, the secret is not. */
static void
auth_plain_535_reports_without_secret(void **state)
{
	struct fixture f;
	static const char *const replies[] = { "535 5.7.8 bad credentials\r\n" };
	(void)state;
	open_session(&f, true, "PLAIN");
	assert_int_equal(run_auth(&f, replies, 1), ERR_AUTH);
	assert_non_null(strstr(f.res.text, "535"));
	assert_no_secret(f.transcript, secrets, sizeof secrets / sizeof *secrets);
	assert_no_secret(f.res.text, secrets, sizeof secrets / sizeof *secrets);
	close_session(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(auth_refuses_without_tls),
		cmocka_unit_test(auth_plain_transcript_is_redacted),
		cmocka_unit_test(auth_login_transcript_is_redacted),
		cmocka_unit_test(auth_plain_535_reports_without_secret),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
