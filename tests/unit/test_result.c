// SPDX-License-Identifier: MIT
/* Unit tests for result.c: the one outcome -> exit status map, as a table
 * (sealpost(8) EXIT STATUS and doc/decisions.md D16: a local failure is temporary, 0 when
 * queued, 78 when it could not be). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include "result.h"

struct row {
	enum res cls;
	enum stage at;
	enum err err;
	int code;
	bool queued;
	int want;
};

static const struct row table[] = {
	{ RES_OK, STAGE_DOT, ERR_OK, 250, false, EX_OK },
	/* Temporary: 0 once queued, else what an administrator must fix. */
	{ RES_TEMP, STAGE_CONNECT, ERR_CONNECT, 0, true, EX_OK },
	{ RES_TEMP, STAGE_CONNECT, ERR_CONNECT, 0, false, EX_TEMPFAIL },
	{ RES_TEMP, STAGE_RCPT, ERR_REPLY, 451, false, EX_TEMPFAIL },
	{ RES_TEMP, STAGE_AUTH, ERR_AUTH, 535, false, EX_NOPERM },
	{ RES_TEMP, STAGE_AUTH, ERR_AUTH, 535, true, EX_OK },
	{ RES_TEMP, STAGE_TLS, ERR_CONFIG, 0, false, EX_CONFIG },
	{ RES_TEMP, STAGE_TLS, ERR_CONFIG, 0, true, EX_OK },
	{ RES_TEMP, STAGE_CONFIG, ERR_CONFIG, 0, false, EX_CONFIG },
	{ RES_TEMP, STAGE_TLS, ERR_CERT, 0, false, EX_TEMPFAIL },
	{ RES_TEMP, STAGE_RCPT, ERR_INTERNAL, 0, false, EX_TEMPFAIL },
	/* Permanent: never "queued", whatever the flag says. */
	{ RES_PERM, STAGE_RCPT, ERR_REPLY, 550, false, EX_NOUSER },
	{ RES_PERM, STAGE_RCPT, ERR_REPLY, 551, false, EX_NOUSER },
	{ RES_PERM, STAGE_RCPT, ERR_REPLY, 553, false, EX_NOUSER },
	{ RES_PERM, STAGE_RCPT, ERR_REPLY, 554, false, EX_UNAVAILABLE },
	{ RES_PERM, STAGE_MAIL, ERR_REPLY, 550, false, EX_UNAVAILABLE },
	{ RES_PERM, STAGE_DOT, ERR_REPLY, 554, true, EX_UNAVAILABLE },
	{ RES_PERM, STAGE_MAIL, ERR_TOOBIG, 552, false, EX_UNAVAILABLE },
	{ RES_PERM, STAGE_MAIL, ERR_DATA, 0, false, EX_DATAERR },
	{ RES_PERM, STAGE_INPUT, ERR_USAGE, 0, false, EX_USAGE },
	{ RES_PERM, STAGE_CONFIG, ERR_CONFIG, 0, false, EX_CONFIG },
	{ RES_PERM, STAGE_INPUT, ERR_SPOOL, 0, false, EX_CANTCREAT },
	{ RES_PERM, STAGE_NONE, ERR_INTERNAL, 0, false, EX_SOFTWARE },
	/* Before anything was sent: stdin unreadable, a user allow_users
	 * refuses. */
	{ RES_PERM, STAGE_INPUT, ERR_IO, 0, false, EX_NOINPUT },
	{ RES_PERM, STAGE_CONFIG, ERR_AUTH, 0, false, EX_NOPERM },
	/* The queue of a run or listing: cannot be opened, cannot be read. */
	{ RES_PERM, STAGE_QUEUE, ERR_SPOOL, 0, false, EX_CANTCREAT },
	{ RES_PERM, STAGE_QUEUE, ERR_IO, 0, false, EX_IOERR },
	/* MX mode: NXDOMAIN or a null MX (RFC 7505); a DNS failure queues. */
	{ RES_PERM, STAGE_DNS, ERR_DNS, 0, false, EX_NOHOST },
	{ RES_PERM, STAGE_DNS, ERR_DNS, 556, false, EX_NOHOST },
	{ RES_TEMP, STAGE_DNS, ERR_DNS, 0, true, EX_OK },
	{ RES_TEMP, STAGE_DNS, ERR_TIMEOUT, 0, false, EX_TEMPFAIL },
};

static void
exit_status_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		struct result r;
		memset(&r, 0, sizeof r);
		r.cls = table[i].cls;
		r.at = table[i].at;
		r.err = table[i].err;
		r.code = table[i].code;
		if (result_exitcode(&r, table[i].queued) != table[i].want)
			fail_msg("row %zu: cls %d stage %s err %s code %d queued %d: got %d, want %d",
			    i, (int)r.cls, stage_str(r.at), err_str(r.err), r.code,
			    (int)table[i].queued, result_exitcode(&r, table[i].queued),
			    table[i].want);
	}
}

static void
result_set_keeps_fields_and_bounds_text(void **state)
{
	struct result r;
	char big[2000];
	(void)state;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	result_set(&r, RES_TEMP, STAGE_AUTH, ERR_AUTH, "%s", big);
	assert_int_equal(r.cls, RES_TEMP);
	assert_int_equal(r.at, STAGE_AUTH);
	assert_int_equal(r.err, ERR_AUTH);
	assert_int_equal(strlen(r.text), sizeof r.text - 1);
	assert_string_equal(stage_str(STAGE_RCPT), "RCPT TO");
	assert_string_equal(stage_str((enum stage)999), "?");
}

/* doc/decisions.md D19: which failures to open a session make a queue run
 * stop trying that host. */
static void
unreachable_is_connect_greeting_timeout_or_421(void **state)
{
	static const struct {
		enum res cls;
		enum stage at;
		enum err err;
		int code;
		bool want;
	} rows[] = {
		{ RES_TEMP, STAGE_CONNECT, ERR_CONNECT, 0, true },      /* refused */
		{ RES_TEMP, STAGE_CONNECT, ERR_DNS, 0, true },          /* no answer to the name */
		{ RES_TEMP, STAGE_GREETING, ERR_TIMEOUT, 0, true },     /* never greets */
		{ RES_TEMP, STAGE_GREETING, ERR_EOF, 0, true },         /* hangs up first */
		{ RES_TEMP, STAGE_GREETING, ERR_REPLY, 421, true },
		{ RES_TEMP, STAGE_GREETING, ERR_REPLY, 554, true },
		{ RES_TEMP, STAGE_TLS, ERR_TIMEOUT, 0, true },          /* handshake unanswered */
		{ RES_TEMP, STAGE_EHLO, ERR_REPLY, 421, true },
		{ RES_TEMP, STAGE_STARTTLS, ERR_TIMEOUT, 0, true },
		{ RES_TEMP, STAGE_AUTH, ERR_TIMEOUT, 0, true },
		{ RES_TEMP, STAGE_TLS, ERR_CERT, 0, false },            /* an answer, just not ours */
		{ RES_TEMP, STAGE_TLS, ERR_CONFIG, 0, false },          /* local set-up */
		{ RES_TEMP, STAGE_TLS, ERR_TLS, 0, false },
		{ RES_TEMP, STAGE_EHLO, ERR_REPLY, 451, false },
		{ RES_TEMP, STAGE_STARTTLS, ERR_TLS, 454, false },
		{ RES_TEMP, STAGE_AUTH, ERR_AUTH, 535, false },         /* one account's */
		{ RES_TEMP, STAGE_AUTH, ERR_REPLY, 421, false },
		{ RES_TEMP, STAGE_MAIL, ERR_TIMEOUT, 0, false },        /* the session was up */
		{ RES_TEMP, STAGE_DNS, ERR_TIMEOUT, 0, false },         /* a domain, not a host */
		{ RES_PERM, STAGE_GREETING, ERR_REPLY, 554, false },    /* never copied as a bounce */
		{ RES_OK, STAGE_DOT, ERR_OK, 250, false },
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct result r;
		memset(&r, 0, sizeof r);
		r.cls = rows[i].cls;
		r.at = rows[i].at;
		r.err = rows[i].err;
		r.code = rows[i].code;
		if (result_unreachable(&r) != rows[i].want)
			fail_msg("row %zu: stage %s err %s code %d: got %d", i, stage_str(r.at),
			    err_str(r.err), r.code, (int)result_unreachable(&r));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exit_status_table),
		cmocka_unit_test(result_set_keeps_fields_and_bounds_text),
		cmocka_unit_test(unreachable_is_connect_greeting_timeout_or_421),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
