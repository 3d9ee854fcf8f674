// SPDX-License-Identifier: MIT
/* test_sender.c: who may send as whom (sender.h): allow_users with user
 * names, @groups and *, root; from_override yes / no / glob lists and the
 * null sender; the Received: / X-Authentication-Warning: trace text, its
 * folding and sanitising; the trace reaching the top of a message through
 * msg_read() with nothing else changed; and the two configuration keys
 * (kept here, not in test_config.c, so the whole feature reads in one
 * place). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "msg.h"
#include "sender.h"

/* ---- allow_users ---- */

static void
allow_default_and_star_let_everyone_in(void **state)
{
	static const char *const none[] = { NULL };
	(void)state;
	assert_true(sender_user_allowed(NULL, "bob", 1001, none, 0));
	assert_true(sender_user_allowed("*", "bob", 1001, none, 0));
	assert_true(sender_user_allowed("alice *", NULL, 1001, none, 0));
}

static void
allow_user_names_match_exactly(void **state)
{
	static const char *const g[] = { "users" };
	(void)state;
	assert_true(sender_user_allowed("alice bob", "bob", 1001, g, 1));
	assert_true(sender_user_allowed("alice bob", "alice", 1000, g, 1));
	assert_false(sender_user_allowed("alice bob", "carol", 1002, g, 1));
	/* No prefix, suffix or case games. */
	assert_false(sender_user_allowed("alice", "alic", 1000, g, 1));
	assert_false(sender_user_allowed("alice", "alice2", 1000, g, 1));
	assert_false(sender_user_allowed("alice", "Alice", 1000, g, 1));
	/* A uid without a password entry matches no name. */
	assert_false(sender_user_allowed("alice", NULL, 1000, g, 1));
}

static void
allow_groups_match_membership(void **state)
{
	static const char *const g[] = { "users", NULL, "mailers" };
	(void)state;
	assert_true(sender_user_allowed("@mailers", "carol", 1002, g, 3));
	assert_true(sender_user_allowed("alice @mailers", "carol", 1002, g, 3));
	assert_false(sender_user_allowed("@mail", "carol", 1002, g, 3));
	assert_false(sender_user_allowed("@ops", "carol", 1002, g, 3));
	/* A group name is not a user name, nor the other way round. */
	assert_false(sender_user_allowed("mailers", "carol", 1002, g, 3));
	assert_false(sender_user_allowed("@carol", "carol", 1002, g, 3));
}

static void
allow_root_always(void **state)
{
	(void)state;
	assert_true(sender_user_allowed("alice", "root", 0, NULL, 0));
	assert_true(sender_user_allowed("@nobody-here", NULL, 0, NULL, 0));
}

/* ---- from_override ---- */

static void
override_yes_keeps_any_sender(void **state)
{
	bool ov = true;
	(void)state;
	assert_string_equal(sender_decide(FROVR_YES, NULL, NULL, "root@host.example", &ov),
	    "root@host.example");
	assert_false(ov);
	assert_string_equal(sender_decide(FROVR_YES, NULL, "a@example.com", "", &ov), "");
	assert_false(ov);
}

static void
override_no_always_gives_from(void **state)
{
	bool ov = false;
	(void)state;
	assert_string_equal(sender_decide(FROVR_NO, NULL, "ops@example.com", "root@example.com",
	    &ov), "ops@example.com");
	assert_true(ov);
	/* The null sender too. */
	assert_string_equal(sender_decide(FROVR_NO, NULL, "ops@example.com", "", &ov),
	    "ops@example.com");
	assert_true(ov);
	/* Asking for from itself is not an override (case aside). */
	assert_string_equal(sender_decide(FROVR_NO, NULL, "ops@example.com", "OPS@example.com",
	    &ov), "ops@example.com");
	assert_false(ov);
}

static void
override_globs_keep_matching_senders_only(void **state)
{
	const char *globs = "*@example.com noreply@*.example.org";
	bool ov = false;
	(void)state;
	assert_string_equal(sender_decide(FROVR_GLOBS, globs, "ops@example.com",
	    "alice@example.com", &ov), "alice@example.com");
	assert_false(ov);
	assert_string_equal(sender_decide(FROVR_GLOBS, globs, "ops@example.com",
	    "noreply@lists.example.org", &ov), "noreply@lists.example.org");
	assert_false(ov);
	assert_string_equal(sender_decide(FROVR_GLOBS, globs, "ops@example.com",
	    "ceo@evil.example", &ov), "ops@example.com");
	assert_true(ov);
	/* A near miss: the glob anchors the whole address. */
	assert_string_equal(sender_decide(FROVR_GLOBS, globs, "ops@example.com",
	    "x@example.com.evil.example", &ov), "ops@example.com");
	assert_true(ov);
}

static void
override_globs_null_sender_is_matched_as_angle_brackets(void **state)
{
	bool ov = false;
	(void)state;
	assert_string_equal(sender_decide(FROVR_GLOBS, "*@example.com", "ops@example.com", "",
	    &ov), "ops@example.com");
	assert_true(ov);
	assert_string_equal(sender_decide(FROVR_GLOBS, "*@example.com <>", "ops@example.com", "",
	    &ov), "");
	assert_false(ov);
}

/* ---- trace fields ---- */

#define DATE "Tue, 03 Jun 2025 10:00:00 +0200"

static char *
trace(const char *host, unsigned long uid, const char *user, const char *addr)
{
	struct buf b;
	buf_init(&b, 8192);
	assert_int_equal(sender_trace(&b, host, uid, DATE, user, addr, "-f"), ERR_OK);
	return buf_take(&b);
}

/* Every line of t is at most max octets, and no CR or LF stands alone. */
static void
assert_lines_within(const char *t, size_t max)
{
	const char *p = t;
	for (;;) {
		size_t n = strcspn(p, "\r\n");
		if (n > max)
			fail_msg("line of %zu octets: %.*s", n, (int)n, p);
		if (!p[n])
			break;
		assert_memory_equal(p + n, "\r\n", 2);
		p += n + 2;
		assert_true(*p == ' ' || *p == '\t' || *p == 'X');
	}
}

static void
trace_received_only(void **state)
{
	char *t = trace("client.example.test", 1000, "alice", NULL);
	(void)state;
	assert_string_equal(t, "Received: by client.example.test (sealpost, from userid 1000);\r\n"
	    "\t" DATE);
	free(t);
}

static void
trace_with_warning(void **state)
{
	char *t = trace("client.example.test", 1000, "alice", "root@example.test");
	(void)state;
	assert_string_equal(t, "Received: by client.example.test (sealpost, from userid 1000);\r\n"
	    "\t" DATE "\r\n"
	    "X-Authentication-Warning: client.example.test: alice set sender to\r\n"
	    "\troot@example.test using -f");
	assert_lines_within(t, 78);
	free(t);
	t = trace("h.example", 7, "bob", "");
	assert_non_null(strstr(t, "X-Authentication-Warning: h.example: bob set sender to <> using -f"));
	free(t);
}

static void
trace_folds_long_words_to_78(void **state)
{
	char host[120], addr[300];
	(void)state;
	memset(host, 'h', sizeof host - 1);
	host[sizeof host - 1] = '\0';
	memset(addr, 'a', sizeof addr - 1);
	addr[60] = '@';
	addr[sizeof addr - 1] = '\0';
	char *t = trace("a-rather-long-host-name.with-many-labels.department.example.com",
	    4294967294UL, "someone", "someone.with.a.long.name@mail.department.example.com");
	assert_lines_within(t, 78);
	assert_non_null(strstr(t, "userid 4294967294);"));
	free(t);
	/* A single word longer than a line stands alone on its line (and is
	 * never split). */
	t = trace(host, 1, "u", addr);
	assert_lines_within(t, 998);
	assert_non_null(strstr(t, "\r\n\t" "hhhh"));
	assert_non_null(strstr(t, addr));
	free(t);
}

static void
trace_sanitises_caller_text(void **state)
{
	char *t = trace("host\r\nBcc: x", 5, "ev\nil", "a\r\nSubject: injected@x");
	(void)state;
	assert_null(strstr(t, "\nBcc"));
	assert_null(strstr(t, "\nSubject"));
	assert_null(strstr(t, "ev\nil"));
	assert_non_null(strstr(t, "ev?il"));
	assert_non_null(strstr(t, "a??Subject: injected@x"));
	assert_lines_within(t, 998);
	free(t);
	/* 8-bit bytes do not reach the header either. */
	t = trace("h", 5, "j\xc3\xb6rg", "j\xc3\xb6rg@example.com");
	for (const char *c = t; *c; c++)
		assert_true((unsigned char)*c < 0x80);
	free(t);
}

/* ---- the trace in a message ---- */

static int
memfd_with(const char *data)
{
	int fd = memfd_create("sealpost-test-in", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void
trace_goes_on_top_and_nothing_else_changes(void **state)
{
	static const char in[] = "From: a@example.com\nDate: Mon, 2 Jun 2025 10:00:00 +0000\n"
	    "Message-ID: <1@example.com>\nSubject: hi\n\nbody\n.line\n";
	static const char want[] = "Received: by h.example (sealpost, from userid 1000);\r\n"
	    "\tDATE\r\n"
	    "From: a@example.com\r\nDate: Mon, 2 Jun 2025 10:00:00 +0000\r\n"
	    "Message-ID: <1@example.com>\r\nSubject: hi\r\n\r\nbody\r\n.line\r\n";
	struct msg_opts o = {
		.sender = "a@example.com", .hostname = "h.example", .hfrom = HFROM_ADD,
		.tmpdir = "/tmp", .anon_dirfd = -1,
		.trace = "Received: by h.example (sealpost, from userid 1000);\r\n\tDATE",
	};
	struct msg m;
	struct addr_list rcpts;
	struct buf err;
	char out[1024];
	int fd = memfd_with(in);
	(void)state;
	addr_list_init(&rcpts);
	buf_init(&err, 1024);
	assert_int_equal(msg_read(fd, &o, &m, &rcpts, &err), ERR_OK);
	assert_int_equal(m.size, strlen(want));
	assert_int_equal(pread(m.fd, out, sizeof out, 0), (ssize_t)strlen(want));
	assert_memory_equal(out, want, strlen(want));
	msg_close(&m);
	close(fd);
	buf_free(&err);
	addr_list_free(&rcpts);
}

/* ---- configuration keys ---- */

static enum err
parse(struct config *cfg, const char *text, struct buf *err)
{
	config_defaults(cfg);
	buf_init(err, 4096);
	return config_parse_mem(cfg, "test.conf", text, strlen(text), err);
}

#define ACCT "[account default]\nhost = smtp.example.com\n"

static void
config_defaults_are_yes_and_everyone(void **state)
{
	struct config cfg;
	struct buf err;
	char *dump = NULL;
	size_t len = 0;
	(void)state;
	assert_int_equal(parse(&cfg, ACCT, &err), ERR_OK);
	assert_int_equal(cfg.accounts->from_override, FROVR_YES);
	assert_null(cfg.accounts->allow_users);
	FILE *f = open_memstream(&dump, &len);
	config_dump(&cfg, f);
	fclose(f);
	assert_non_null(strstr(dump, "from_override = yes\nallow_users = *\n"));
	free(dump);
	buf_free(&err);
	config_free(&cfg);
}

static void
config_keys_parse_and_dump(void **state)
{
	struct config cfg;
	struct buf err;
	char *dump = NULL;
	size_t len = 0;
	(void)state;
	assert_int_equal(parse(&cfg, ACCT "from = ops@example.com\n"
	    "from_override = *@example.com, noreply@*\nfrom_override = <>\n"
	    "allow_users = alice, @mailers\nallow_users = bob svc$ j.doe_2-x\n"
	    "[account strict]\nhost = h\nfrom = cron@example.com\nfrom_override = no\n",
	    &err), ERR_OK);
	assert_int_equal(cfg.accounts->from_override, FROVR_GLOBS);
	assert_string_equal(cfg.accounts->from_override_globs, "*@example.com noreply@* <>");
	assert_string_equal(cfg.accounts->allow_users, "alice @mailers bob svc$ j.doe_2-x");
	assert_int_equal(cfg.accounts->next->from_override, FROVR_NO);
	FILE *f = open_memstream(&dump, &len);
	config_dump(&cfg, f);
	fclose(f);
	assert_non_null(strstr(dump, "from_override = *@example.com noreply@* <>\n"
	    "allow_users = alice @mailers bob svc$ j.doe_2-x\n"));
	assert_non_null(strstr(dump, "from_override = no\nallow_users = *\n"));
	free(dump);
	buf_free(&err);
	config_free(&cfg);
}

static void
expect_error(const char *text, const char *want)
{
	struct config cfg;
	struct buf err;
	enum err rc = parse(&cfg, text, &err);
	if (rc != ERR_CONFIG || strncmp(buf_str(&err), want, strlen(want)) != 0)
		fail_msg("want \"%s\", got %s: %s", want, err_str(rc), buf_str(&err));
	buf_free(&err);
	config_free(&cfg);
}

static void
config_errors_name_file_and_line(void **state)
{
	(void)state;
	expect_error(ACCT "from = a@b\nfrom_override = no\nfrom_override = yes\n",
	    "test.conf:5: from_override is set twice");
	expect_error(ACCT "from = a@b\nfrom_override = no\nfrom_override = *@b\n",
	    "test.conf:5: from_override: yes or no cannot be combined");
	expect_error(ACCT "from = a@b\nfrom_override = *@b\nfrom_override = no\n",
	    "test.conf:5: from_override is set twice");
	expect_error(ACCT "from_override = no\n",
	    "test.conf:3: account default: from_override = no needs from");
	expect_error(ACCT "\nfrom_override = *@example.com\n",
	    "test.conf:4: account default: from_override = a glob list needs from");
	expect_error(ACCT "from_override =\n", "test.conf:3: from_override: empty value");
	expect_error(ACCT "allow_users = alice bo/b\n",
	    "test.conf:3: allow_users: \"bo/b\" is not a user name, @group or *");
	expect_error(ACCT "allow_users = @\n", "test.conf:3: allow_users: \"@\" is not");
	expect_error(ACCT "allow_users = -rf\n", "test.conf:3: allow_users: \"-rf\" is not");
	expect_error(ACCT "allow_users = a$b\n", "test.conf:3: allow_users: \"a$b\" is not");
	expect_error(ACCT "allow_users = ali*\n", "test.conf:3: allow_users: \"ali*\" is not");
	expect_error(ACCT "allow_users = , ,\n", "test.conf:3: allow_users: empty value");
	expect_error("[global]\nallow_users = alice\n", "test.conf:2: unknown key \"allow_users\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allow_default_and_star_let_everyone_in),
		cmocka_unit_test(allow_user_names_match_exactly),
		cmocka_unit_test(allow_groups_match_membership),
		cmocka_unit_test(allow_root_always),
		cmocka_unit_test(override_yes_keeps_any_sender),
		cmocka_unit_test(override_no_always_gives_from),
		cmocka_unit_test(override_globs_keep_matching_senders_only),
		cmocka_unit_test(override_globs_null_sender_is_matched_as_angle_brackets),
		cmocka_unit_test(trace_received_only),
		cmocka_unit_test(trace_with_warning),
		cmocka_unit_test(trace_folds_long_words_to_78),
		cmocka_unit_test(trace_sanitises_caller_text),
		cmocka_unit_test(trace_goes_on_top_and_nothing_else_changes),
		cmocka_unit_test(config_defaults_are_yes_and_everyone),
		cmocka_unit_test(config_keys_parse_and_dump),
		cmocka_unit_test(config_errors_name_file_and_line),
	};
	return cmocka_run_group_tests_name("sender", tests, NULL, NULL);
}
