// SPDX-License-Identifier: MIT
/* Unit tests for bounce.c: who a bounce is sent as (doc/decisions.md D20)
 * and the From: and Auto-Submitted: fields that say so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "bounce.h"
#include "envelope.h"

static void
load(struct config *cfg, const char *text)
{
	struct buf err;
	config_defaults(cfg);
	buf_init(&err, 1024);
	if (config_parse_mem(cfg, "unit", text, strlen(text), &err) != ERR_OK)
		fail_msg("config: %s", buf_str(&err));
	buf_free(&err);
}

static void
expect_sender(const struct config *cfg, const char *acct, const char *orig, const char *want)
{
	char *s = bounce_sender(cfg, acct ? config_find_account(cfg, acct) : NULL, orig);
	assert_string_equal(s, want);
	free(s);
}

/* Through a relay: the account's from (qualified), else the original
 * sender; direct (MX) delivery, or an account that is gone: <>. */
static void
sender_by_mode(void **state)
{
	struct config cfg;
	(void)state;
	load(&cfg, "[global]\nhostname = h.example\n"
	    "[account default]\nhost = smtp.example.org\nfrom = ops@corp.example\n"
	    "[account bare]\nhost = smtp.example.org\nfrom = ops\n"
	    "[account nofrom]\nhost = smtp.example.org\n"
	    "[account direct]\nmode = mx\nfrom = ops@corp.example\n");
	expect_sender(&cfg, "default", "carol@x.example", "ops@corp.example");
	expect_sender(&cfg, "bare", "carol@x.example", "ops@h.example");
	expect_sender(&cfg, "nofrom", "carol@x.example", "carol@x.example");
	expect_sender(&cfg, "direct", "carol@x.example", "");
	expect_sender(&cfg, NULL, "carol@x.example", "");
	config_free(&cfg);
}

/* The text of a bounce about env's only recipient, sent as sender. */
static char *
write_bounce(const char *sender)
{
	struct envelope env;
	bool which[1] = { true };
	uint64_t size = 0;
	int in = memfd_create("msg", MFD_CLOEXEC), out = memfd_create("bounce", MFD_CLOEXEC);
	const char *msg = "Subject: x\r\n\r\nbody\r\n";
	char *text;

	assert_true(in >= 0 && out >= 0);
	assert_int_equal(write(in, msg, strlen(msg)), (ssize_t)strlen(msg));
	envelope_init(&env);
	env.sender = strdup("carol@x.example");
	envelope_add_rcpt(&env, "bob@y.example");
	assert_int_equal(bounce_write(out, &env, which, in, "h.example", sender, false,
	    "carol@x.example", &size), ERR_OK);
	text = calloc(1, size + 1);
	assert_non_null(text);
	assert_int_equal(pread(out, text, size, 0), (ssize_t)size);
	envelope_free(&env);
	close(in);
	close(out);
	return text;
}

static void
from_field_names_the_sender(void **state)
{
	char *t;
	(void)state;
	t = write_bounce("ops@corp.example");
	assert_non_null(strstr(t, "From: Mail Delivery System <ops@corp.example>\r\n"));
	assert_non_null(strstr(t, "\r\nAuto-Submitted: auto-replied\r\n"));
	assert_null(strstr(t, "MAILER-DAEMON"));
	free(t);
	t = write_bounce("");
	assert_non_null(strstr(t, "From: Mail Delivery System <MAILER-DAEMON@h.example>\r\n"));
	free(t);
	t = write_bounce(NULL);
	assert_non_null(strstr(t, "From: Mail Delivery System <MAILER-DAEMON@h.example>\r\n"));
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sender_by_mode),
		cmocka_unit_test(from_field_names_the_sender),
	};
	return cmocka_run_group_tests_name("bounce", tests, NULL, NULL);
}
