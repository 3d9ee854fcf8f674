// SPDX-License-Identifier: MIT
/* Unit tests for submit(): the outcome of one submission asserted as
 * data, for the main failure classes, without a server: a relay on
 * 127.0.0.1 port 1 refuses at once. Nothing here prints a verdict;
 * outcome_status() gives the exit status the front ends would use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sysexits.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "submit.h"

static const char global[] =
    "[global]\nhostname = unit.example\nlog = none\nconnect_timeout = 2s\n"
    "command_timeout = 2s\nsession_timeout = 5s\n";
static const char rest[] =
    "[aliases]\nroot = ops@example.org\n"
    "[account default]\nhost = 127.0.0.1\nport = 1\nfrom = a@example.org\n";

struct run {
	struct config cfg;
	struct outcome out;
	int status;
	char qdir[64];
};

static void
run(struct run *r, const char *extra, const struct submission *sub, const char *msg)
{
	struct buf err;
	char conf[2048];
	int fd;

	memset(r, 0, sizeof *r);
	snprintf(r->qdir, sizeof r->qdir, "/tmp/sealpost-unit-XXXXXX");
	assert_non_null(mkdtemp(r->qdir));
	snprintf(conf, sizeof conf, "%s%s%s", global, extra, rest);
	config_defaults(&r->cfg);
	buf_init(&err, 1024);
	if (config_parse_mem(&r->cfg, "unit", conf, strlen(conf), &err) != ERR_OK)
		fail_msg("config: %s", buf_str(&err));
	buf_free(&err);
	free(r->cfg.queue_dir);
	r->cfg.queue_dir = strdup(r->qdir);
	fd = memfd_create("msg", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, msg, strlen(msg)), (ssize_t)strlen(msg));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	outcome_init(&r->out);
	submit(&r->cfg, sub, fd, &r->out);
	r->status = outcome_status(&r->out);
	close(fd);
}

static size_t
queued_entries(const struct run *r)
{
	char cmd[128];
	FILE *p;
	size_t n = 0;
	snprintf(cmd, sizeof cmd, "ls %s/q 2>/dev/null | grep -c '\\.env$'", r->qdir);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fscanf(p, "%zu", &n) != 1)
		n = 0;
	pclose(p);
	return n;
}

static void
release(struct run *r)
{
	char cmd[128];
	outcome_free(&r->out);
	config_free(&r->cfg);
	snprintf(cmd, sizeof cmd, "rm -rf %s 2>/dev/null", r->qdir);
	/* An -odb child may still be writing its entry there: try again. */
	for (int i = 0; i < 50 && system(cmd) != 0; i++)
		usleep(100 * 1000);
	assert_int_equal(access(r->qdir, F_OK), -1);
}

static char ok0[] = "bob@example.org";
static char *rcpt_ok[] = { ok0 };

static struct submission
sub_to(char **rcpts, size_t n)
{
	struct submission s = { .rcpts = rcpts, .nrcpts = n, .dot_ends = true, .via = "-f" };
	return s;
}

static void
malformed_recipient_is_a_data_error(void **state)
{
	static char bad0[] = "bob@example.org\r\nRCPT TO:<x@y>";
	static char *bad[] = { bad0 };
	struct submission s = sub_to(bad, 1);
	struct run r;
	(void)state;
	run(&r, "", &s, "Subject: x\n\nbody\n");
	assert_int_equal(r.out.res.cls, RES_PERM);
	assert_int_equal(r.out.res.err, ERR_DATA);
	assert_int_equal(r.status, EX_DATAERR);
	assert_non_null(strstr(r.out.text, "recipient"));
	assert_false(r.out.queued);
	assert_int_equal(queued_entries(&r), 0);
	release(&r);
}

static void
no_recipients_is_a_usage_error(void **state)
{
	struct submission s = sub_to(NULL, 0);
	struct run r;
	(void)state;
	run(&r, "", &s, "Subject: x\n\nbody\n");
	assert_int_equal(r.out.res.err, ERR_USAGE);
	assert_int_equal(r.status, EX_USAGE);
	release(&r);
}

static void
unknown_account_is_a_config_error(void **state)
{
	struct submission s = sub_to(rcpt_ok, 1);
	struct run r;
	(void)state;
	s.account = "nosuch";
	run(&r, "", &s, "Subject: x\n\nbody\n");
	assert_int_equal(r.out.res.err, ERR_CONFIG);
	assert_int_equal(r.status, EX_CONFIG);
	release(&r);
}

static void
local_name_without_alias_is_no_user(void **state)
{
	static char local0[] = "nobody-here";
	static char *local[] = { local0 };
	struct submission s = sub_to(local, 1);
	struct run r;
	(void)state;
	run(&r, "", &s, "Subject: x\n\nbody\n");
	/* No [aliases] entry, no "*", no admin: nobody receives it (67). */
	assert_int_equal(r.out.res.cls, RES_PERM);
	assert_int_equal(r.out.res.at, STAGE_RCPT);
	assert_int_equal(r.status, EX_NOUSER);
	assert_int_equal(queued_entries(&r), 0);
	release(&r);
}

static void
refused_connection_is_queued_with_the_reason(void **state)
{
	struct submission s = sub_to(rcpt_ok, 1);
	struct run r;
	(void)state;
	run(&r, "", &s, "Subject: x\n\nbody\n");
	assert_int_equal(r.out.res.cls, RES_TEMP);
	assert_int_equal(r.out.res.at, STAGE_CONNECT);
	assert_true(r.out.queued);
	assert_int_equal(r.status, EX_OK);
	assert_int_equal(strlen(r.out.id), ENVELOPE_ID_LEN);
	assert_int_equal(queued_entries(&r), 1);
	release(&r);
}

static void
refused_connection_without_queue_is_tempfail(void **state)
{
	struct submission s = sub_to(rcpt_ok, 1);
	struct run r;
	(void)state;
	run(&r, "queue = no\n", &s, "Subject: x\n\nbody\n");
	assert_int_equal(r.out.res.cls, RES_TEMP);
	assert_false(r.out.queued);
	assert_int_equal(r.status, EX_TEMPFAIL);
	assert_non_null(strstr(r.out.text, "queue = no"));
	release(&r);
}

static void
background_commits_first(void **state)
{
	struct submission s = sub_to(rcpt_ok, 1);
	struct run r;
	(void)state;
	s.background = true;
	run(&r, "", &s, "Subject: x\n\nbody\n");
	assert_true(r.out.queued);
	assert_int_equal(r.status, EX_OK);
	release(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(malformed_recipient_is_a_data_error),
		cmocka_unit_test(no_recipients_is_a_usage_error),
		cmocka_unit_test(unknown_account_is_a_config_error),
		cmocka_unit_test(local_name_without_alias_is_no_user),
		cmocka_unit_test(refused_connection_is_queued_with_the_reason),
		cmocka_unit_test(refused_connection_without_queue_is_tempfail),
		cmocka_unit_test(background_commits_first),
	};
	log_setup(LOG_TARGET_NONE, NULL, "unit");
	log_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
