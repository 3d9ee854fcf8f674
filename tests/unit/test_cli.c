// SPDX-License-Identifier: MIT
/* test_cli.c: the sendmail-compatible command line (cli.h, sealpost(8) OPTIONS),
 * with the argument vectors real callers use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

#define MAXARGS 32

struct parsed {
	char *argv[MAXARGS + 1];
	char store[MAXARGS][128];
	struct opts o;
	struct buf err;
	enum err rc;
};

/* Run cli_parse on a NULL-terminated list of words (argv[0] included). The
 * words are copied: cli_parse gets writable strings as from exec. */
static void
parse_as(struct parsed *p, const char *progname, const char *const *words)
{
	int argc = 0;
	memset(p, 0, sizeof *p);
	for (; words[argc]; argc++) {
		assert_true(argc < MAXARGS);
		assert_true(strlen(words[argc]) < sizeof p->store[0]);
		memcpy(p->store[argc], words[argc], strlen(words[argc]) + 1);
		p->argv[argc] = p->store[argc];
	}
	p->argv[argc] = NULL;
	buf_init(&p->err, 1024);
	p->rc = cli_parse(argc, p->argv, progname, &p->o, &p->err);
}

#define PARSE(p, ...) parse_as((p), "sendmail", (const char *const[]){ "sendmail", __VA_ARGS__, NULL })
#define PARSE_NONE(p) parse_as((p), "sendmail", (const char *const[]){ "sendmail", NULL })

static void
ok(struct parsed *p)
{
	if (p->rc != ERR_OK)
		fail_msg("cli_parse: %s: %s", err_str(p->rc), buf_str(&p->err));
}

static void
usage_error(struct parsed *p)
{
	if (p->rc != ERR_USAGE)
		fail_msg("expected ERR_USAGE, got %s", err_str(p->rc));
	assert_true(p->err.len > 0);
}

static void
rcpts_are(const struct parsed *p, const char *const *want)
{
	int n = 0;
	for (; want[n]; n++)
		;
	if (p->o.nrcpts != n)
		fail_msg("%d recipients, want %d", p->o.nrcpts, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(p->o.rcpts[i], want[i]);
}

#define RCPTS(p, ...) rcpts_are((p), (const char *const[]){ __VA_ARGS__, NULL })

static void
release(struct parsed *p)
{
	buf_free(&p->err);
}

static void
no_arguments(void **state)
{
	struct parsed p;
	(void)state;
	PARSE_NONE(&p);
	ok(&p);
	assert_int_equal(p.o.mode, MODE_SEND);
	assert_int_equal(p.o.nrcpts, 0);
	assert_false(p.o.extract);
	assert_false(p.o.dot_is_data);
	assert_false(p.o.background);
	assert_null(p.o.sender);
	release(&p);
}

static void
cronie(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-FCronDaemon", "-i", "-odi", "-oem", "-oi", "-t", "-f", "root");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_SEND);
	assert_string_equal(p.o.full_name, "CronDaemon");
	assert_true(p.o.dot_is_data);
	assert_false(p.o.background);
	assert_true(p.o.extract);
	assert_string_equal(p.o.sender, "root");
	assert_int_equal(p.o.nrcpts, 0);
	release(&p);
}

static void
debian_cron(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-i", "-FCronDaemon", "-B8BITMIME", "-oem", "alice");
	ok(&p);
	assert_true(p.o.dot_is_data);
	assert_string_equal(p.o.full_name, "CronDaemon");
	assert_string_equal(p.o.body_type, "8BITMIME");
	assert_false(p.o.extract);
	RCPTS(&p, "alice");
	release(&p);
}

static void
php_mail(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-t", "-i");
	ok(&p);
	assert_true(p.o.extract);
	assert_true(p.o.dot_is_data);
	assert_int_equal(p.o.nrcpts, 0);
	release(&p);
}

static void
symfony_bs(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-bs");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_SMTP_STDIO);
	release(&p);
}

static void
mutt(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-oem", "-oi", "--", "rcpt1@example.com", "rcpt2@example.com");
	ok(&p);
	assert_true(p.o.dot_is_data);
	RCPTS(&p, "rcpt1@example.com", "rcpt2@example.com");
	release(&p);
}

static void
git_send_email(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-i", "maintainer@example.org");
	ok(&p);
	assert_true(p.o.dot_is_data);
	RCPTS(&p, "maintainer@example.org");
	release(&p);
	PARSE(&p, "-i", "-f", "dev@example.org", "a@example.org", "b@example.org");
	ok(&p);
	assert_string_equal(p.o.sender, "dev@example.org");
	RCPTS(&p, "a@example.org", "b@example.org");
	release(&p);
}

static void
clustered_flags(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-ti", "x@y");
	ok(&p);
	assert_true(p.o.extract);
	assert_true(p.o.dot_is_data);
	RCPTS(&p, "x@y");
	release(&p);
	PARSE(&p, "-vvt");
	ok(&p);
	assert_int_equal(p.o.verbose, 2);
	assert_true(p.o.extract);
	release(&p);
	/* A value flag at the end of a cluster takes the next word. */
	PARSE(&p, "-tif", "s@example.com", "r@example.com");
	ok(&p);
	assert_string_equal(p.o.sender, "s@example.com");
	RCPTS(&p, "r@example.com");
	release(&p);
	/* ... or the rest of the word. */
	PARSE(&p, "-tfs@example.com", "r@example.com");
	ok(&p);
	assert_true(p.o.extract);
	assert_string_equal(p.o.sender, "s@example.com");
	RCPTS(&p, "r@example.com");
	release(&p);
}

static void
sender_attached_and_separate(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-fbounce@example.com", "x@y");
	ok(&p);
	assert_string_equal(p.o.sender, "bounce@example.com");
	RCPTS(&p, "x@y");
	release(&p);
	PARSE(&p, "-f", "bounce@example.com", "x@y");
	ok(&p);
	assert_string_equal(p.o.sender, "bounce@example.com");
	release(&p);
	PARSE(&p, "-r", "other@example.com", "x@y");
	ok(&p);
	assert_string_equal(p.o.sender, "other@example.com");
	release(&p);
	PARSE(&p, "-f", "<>", "x@y");
	ok(&p);
	assert_string_equal(p.o.sender, "<>");
	release(&p);
}

static void
sender_without_value_is_usage(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-f");
	usage_error(&p);
	release(&p);
	PARSE(&p, "-t", "-F");
	usage_error(&p);
	release(&p);
	PARSE(&p, "-a");
	usage_error(&p);
	release(&p);
}

static void
queue_run(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-q");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_RUN_QUEUE);
	assert_int_equal(p.o.nrcpts, 0);
	release(&p);
	PARSE(&p, "-q30m");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_RUN_QUEUE);
	assert_int_equal(p.o.nrcpts, 0);
	release(&p);
	PARSE(&p, "-q", "1h");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_RUN_QUEUE);
	assert_int_equal(p.o.nrcpts, 0);
	release(&p);
	PARSE(&p, "--flush");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_FLUSH);
	release(&p);
}

static void
list_queue(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-bp");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_LIST_QUEUE);
	release(&p);
	PARSE(&p, "-bm", "x@y");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_SEND);
	release(&p);
}

/* -qI, -qR, -qS (sendmail's selections): the value attached or the next
 * word; a run of just those entries, or with -bp / mailq a listing. */
static void
queue_selections(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-qIABC", "-qR", "example.org", "-qS", "alice");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_RUN_QUEUE);
	assert_string_equal(p.o.q_id, "ABC");
	assert_string_equal(p.o.q_rcpt, "example.org");
	assert_string_equal(p.o.q_sender, "alice");
	assert_int_equal(p.o.nrcpts, 0);
	release(&p);
	PARSE(&p, "-bp", "-qRexample.org");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_LIST_QUEUE);
	assert_string_equal(p.o.q_rcpt, "example.org");
	release(&p);
	PARSE(&p, "-qSbob", "-bp");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_LIST_QUEUE);
	release(&p);
	parse_as(&p, "mailq", (const char *const[]){ "mailq", "-qI", "0A1B", NULL });
	ok(&p);
	assert_int_equal(p.o.mode, MODE_LIST_QUEUE);
	assert_string_equal(p.o.q_id, "0A1B");
	release(&p);
	/* Never a whole-queue run in place of a selection. */
	PARSE(&p, "-qI");
	usage_error(&p);
	release(&p);
	PARSE(&p, "-qR", "");
	usage_error(&p);
	release(&p);
	PARSE(&p, "-qRa", "-qRb");
	usage_error(&p);
	release(&p);
	PARSE(&p, "-q!Rexample.org");
	usage_error(&p);
	release(&p);
}

/* -bp, mailq and --delete take queue ids (any case); anything else is a
 * usage error, not a recipient or a silent no-op. */
static void
queue_ids_and_json(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-bp", "0123456789ABCDEF", "fedcba9876543210");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_LIST_QUEUE);
	RCPTS(&p, "0123456789ABCDEF", "fedcba9876543210");
	release(&p);
	parse_as(&p, "mailq", (const char *const[]){ "mailq", "bob@example.org", NULL });
	usage_error(&p);
	assert_non_null(strstr(buf_str(&p.err), "not a queue id"));
	release(&p);
	PARSE(&p, "-bp", "0123456789ABCDE");
	usage_error(&p);
	release(&p);
	PARSE(&p, "--json");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_LIST_QUEUE);
	assert_true(p.o.json);
	release(&p);
	parse_as(&p, "mailq", (const char *const[]){ "mailq", "--json", "0123456789ABCDEF", NULL });
	ok(&p);
	assert_true(p.o.json);
	assert_int_equal(p.o.nrcpts, 1);
	release(&p);
	PARSE(&p, "--json", "-q");
	usage_error(&p);
	release(&p);
	PARSE(&p, "--delete", "0123456789abcdef");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_DELETE);
	RCPTS(&p, "0123456789abcdef");
	release(&p);
	PARSE(&p, "--delete", "x@example.org");
	usage_error(&p);
	release(&p);
	PARSE(&p, "--delete", "-qRexample.org", "0123456789ABCDEF");
	usage_error(&p);
	release(&p);
	parse_as(&p, "sendmail", (const char *const[]){ "sendmail", "--delete", NULL });
	usage_error(&p);
	release(&p);
	PARSE(&p, "--hold", "0123456789ABCDEF");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_HOLD);
	release(&p);
	PARSE(&p, "--release", "0123456789ABCDEF", "FEDCBA9876543210");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_RELEASE);
	assert_int_equal(p.o.nrcpts, 2);
	release(&p);
	PARSE(&p, "--hold", "-qSalice", "0123456789ABCDEF");
	usage_error(&p);
	release(&p);
	parse_as(&p, "sendmail", (const char *const[]){ "sendmail", "--release", NULL });
	usage_error(&p);
	release(&p);
}

static void
progname_presets_mode(void **state)
{
	struct parsed p;
	(void)state;
	parse_as(&p, "mailq", (const char *const[]){ "/usr/bin/mailq", NULL });
	ok(&p);
	assert_int_equal(p.o.mode, MODE_LIST_QUEUE);
	release(&p);
	parse_as(&p, "newaliases", (const char *const[]){ "newaliases", NULL });
	ok(&p);
	assert_int_equal(p.o.mode, MODE_NOOP);
	release(&p);
	parse_as(&p, "send-mail", (const char *const[]){ "send-mail", "x@y", NULL });
	ok(&p);
	assert_int_equal(p.o.mode, MODE_SEND);
	release(&p);
	parse_as(&p, "sealpost", (const char *const[]){ "sealpost", "-bi", NULL });
	ok(&p);
	assert_int_equal(p.o.mode, MODE_NOOP);
	release(&p);
	parse_as(&p, "sendmail", (const char *const[]){ "sendmail", "-I", NULL });
	ok(&p);
	assert_int_equal(p.o.mode, MODE_NOOP);
	release(&p);
}

static void
long_options(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "--probe=example.org");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_PROBE);
	assert_string_equal(p.o.probe_domain, "example.org");
	release(&p);
	PARSE(&p, "--probe");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_PROBE);
	assert_null(p.o.probe_domain);
	release(&p);
	PARSE(&p, "--probe=");
	usage_error(&p);
	release(&p);
	PARSE(&p, "--check-config");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_CHECK_CONFIG);
	release(&p);
	PARSE(&p, "--version");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_VERSION);
	release(&p);
	PARSE(&p, "--help");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_HELP);
	release(&p);
	PARSE(&p, "--frobnicate");
	usage_error(&p);
	release(&p);
}

/* --read-envelope-from: a send-mode flag that reaches the submission,
 * beside -f (which wins, in submit.c) and with recipients after it. */
static void
read_envelope_from_flag(void **state)
{
	struct parsed p;
	struct submission sub;
	(void)state;
	PARSE(&p, "--read-envelope-from", "-t", "-i", "bob@example.org");
	ok(&p);
	assert_int_equal(p.o.mode, MODE_SEND);
	assert_true(p.o.read_envelope_from);
	RCPTS(&p, "bob@example.org");
	cli_submission(&p.o, &sub);
	assert_true(sub.read_envelope_from);
	assert_null(sub.sender);
	release(&p);
	PARSE(&p, "-t");
	ok(&p);
	cli_submission(&p.o, &sub);
	assert_false(sub.read_envelope_from);
	release(&p);
	PARSE(&p, "--read-envelope-from=yes");
	usage_error(&p);
	release(&p);
}

static void
account_option_forms(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "--account=work", "x@y");
	ok(&p);
	assert_string_equal(p.o.account, "work");
	RCPTS(&p, "x@y");
	release(&p);
	PARSE(&p, "--account", "work", "x@y");
	ok(&p);
	assert_string_equal(p.o.account, "work");
	RCPTS(&p, "x@y");
	release(&p);
	PARSE(&p, "-a", "work", "x@y");
	ok(&p);
	assert_string_equal(p.o.account, "work");
	release(&p);
	PARSE(&p, "-awork");
	ok(&p);
	assert_string_equal(p.o.account, "work");
	release(&p);
	PARSE(&p, "--account");
	usage_error(&p);
	release(&p);
}

/* The DSN values and -F are checked and normalised in cli.c, once, for
 * send mode and -bs; other modes do not look at them. */
static void
values_are_validated_once(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-N", "Failure,DELAY", "-R", "hdrs", "x@y");
	ok(&p);
	assert_string_equal(p.o.dsn_notify, "FAILURE,DELAY");
	assert_string_equal(p.o.dsn_ret, "HDRS");
	release(&p);
	PARSE(&p, "-N", "never", "-R", "FULL", "-bs");
	ok(&p);
	assert_string_equal(p.o.dsn_notify, "NEVER");
	assert_string_equal(p.o.dsn_ret, "FULL");
	release(&p);
	PARSE(&p, "-N", "failure,failure", "x@y");
	usage_error(&p);
	release(&p);
	PARSE(&p, "-N", "success,", "x@y");
	usage_error(&p);
	release(&p);
	PARSE(&p, "-R", "body", "x@y");
	usage_error(&p);
	release(&p);
	PARSE(&p, "-V", "", "x@y");
	usage_error(&p);
	release(&p);
	PARSE(&p, "-V", "caf\xc3\xa9", "x@y");
	usage_error(&p);
	release(&p);
	PARSE(&p, "-F", "Evil\nBcc: x@y", "x@y");
	assert_int_equal(p.rc, ERR_DATA);
	release(&p);
	/* A queue run ignores what it does not use. */
	PARSE(&p, "-N", "bogus", "-q");
	ok(&p);
	release(&p);
}

static void
value_options(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-N", "failure,delay", "-R", "hdrs", "-V", "env-1", "-C", "/etc/alt.conf",
	    "-L", "mytag", "-B", "7BIT", "x@y");
	ok(&p);
	assert_string_equal(p.o.notify, "failure,delay");
	assert_string_equal(p.o.ret, "hdrs");
	assert_string_equal(p.o.envid, "env-1");
	assert_string_equal(p.o.config_file, "/etc/alt.conf");
	assert_string_equal(p.o.log_tag, "mytag");
	assert_string_equal(p.o.body_type, "7BIT");
	RCPTS(&p, "x@y");
	release(&p);
	PARSE(&p, "-odb", "x@y");
	ok(&p);
	assert_true(p.o.background);
	release(&p);
}

static void
refused_modes(void **state)
{
	const char *bad[] = { "-bd", "-bD", "-bt", "-bv", "-bx", "-b" };
	struct parsed p;
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		PARSE(&p, bad[i]);
		if (p.rc != ERR_USAGE)
			fail_msg("%s accepted", bad[i]);
		assert_true(p.err.len > 0);
		release(&p);
	}
}

/* sealpost(8) OPTIONS, Refused: every other -bX exits 64; -bh/-bH (sendmail's host
 * status) are not in the accepted list either. */
static void
host_status_modes_refused(void **state)
{
	const char *bad[] = { "-bh", "-bH" };
	struct parsed p;
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		PARSE(&p, bad[i]);
		if (p.rc != ERR_USAGE)
			fail_msg("%s accepted", bad[i]);
		release(&p);
	}
}

static void
unknown_flag_alone_is_ignored(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-x", "a@b");
	ok(&p);
	RCPTS(&p, "a@b");
	release(&p);
}

static void
unknown_flag_with_text_is_usage(void **state)
{
	struct parsed p;
	(void)state;
	/* -Mfoo could be a flag whose value swallows a recipient. */
	PARSE(&p, "-Mfoo", "a@b");
	usage_error(&p);
	assert_non_null(strstr(buf_str(&p.err), "-Mfoo"));
	release(&p);
	PARSE(&p, "-tZ", "a@b");
	usage_error(&p);
	release(&p);
}

static void
accepted_and_ignored_options(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-U", "-G", "-n", "-m", "-Am", "-Ac", "-h", "5", "-oQ/var/spool",
	    "-O", "DeliveryMode=b", "-d0.1", "-p", "esmtp", "-o", "i", "rcpt@x");
	ok(&p);
	assert_true(p.o.dot_is_data);
	RCPTS(&p, "rcpt@x");
	release(&p);
}

static void
x_file_is_ignored_never_a_recipient(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-X", "/tmp/f", "a@b");
	ok(&p);
	RCPTS(&p, "a@b");
	release(&p);
	PARSE(&p, "-X/tmp/f", "a@b");
	ok(&p);
	RCPTS(&p, "a@b");
	release(&p);
}

static void
double_dash_ends_options(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "-i", "--", "-weird", "--also", "x@y");
	ok(&p);
	RCPTS(&p, "-weird", "--also", "x@y");
	release(&p);
	PARSE(&p, "--");
	ok(&p);
	assert_int_equal(p.o.nrcpts, 0);
	release(&p);
}

static void
options_stop_at_first_recipient(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "a@b", "-t");
	ok(&p);
	assert_false(p.o.extract);
	RCPTS(&p, "a@b", "-t");
	release(&p);
	PARSE(&p, "-", "x@y");
	ok(&p);
	RCPTS(&p, "-", "x@y");
	release(&p);
}

static void
recipient_lists_are_passed_through(void **state)
{
	struct parsed p;
	(void)state;
	PARSE(&p, "A <a@x>, b@y", "c@z");
	ok(&p);
	RCPTS(&p, "A <a@x>, b@y", "c@z");
	release(&p);
}

static void
usage_text_mentions_main_options(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	(void)state;
	assert_non_null(f);
	cli_usage(f);
	fclose(f);
	assert_non_null(strstr(text, "-t"));
	assert_non_null(strstr(text, "-bs"));
	assert_non_null(strstr(text, "--probe"));
	assert_non_null(strstr(text, "--delete"));
	assert_non_null(strstr(text, "--hold"));
	assert_non_null(strstr(text, "--release"));
	assert_non_null(strstr(text, "--json"));
	assert_non_null(strstr(text, "-qR"));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_arguments),
		cmocka_unit_test(cronie),
		cmocka_unit_test(debian_cron),
		cmocka_unit_test(php_mail),
		cmocka_unit_test(symfony_bs),
		cmocka_unit_test(mutt),
		cmocka_unit_test(git_send_email),
		cmocka_unit_test(clustered_flags),
		cmocka_unit_test(sender_attached_and_separate),
		cmocka_unit_test(sender_without_value_is_usage),
		cmocka_unit_test(queue_run),
		cmocka_unit_test(list_queue),
		cmocka_unit_test(queue_selections),
		cmocka_unit_test(queue_ids_and_json),
		cmocka_unit_test(progname_presets_mode),
		cmocka_unit_test(long_options),
		cmocka_unit_test(read_envelope_from_flag),
		cmocka_unit_test(account_option_forms),
		cmocka_unit_test(value_options),
		cmocka_unit_test(refused_modes),
		cmocka_unit_test(host_status_modes_refused),
		cmocka_unit_test(unknown_flag_alone_is_ignored),
		cmocka_unit_test(unknown_flag_with_text_is_usage),
		cmocka_unit_test(accepted_and_ignored_options),
		cmocka_unit_test(x_file_is_ignored_never_a_recipient),
		cmocka_unit_test(double_dash_ends_options),
		cmocka_unit_test(options_stop_at_first_recipient),
		cmocka_unit_test(recipient_lists_are_passed_through),
		cmocka_unit_test(usage_text_mentions_main_options),
		cmocka_unit_test(values_are_validated_once),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
