// SPDX-License-Identifier: MIT
/* Unit tests for envelope.c: the text format's round trip, the optional
 * fields added for ownership and clock-proof expiry, and what a parser
 * must refuse (a truncated, doubled, unknown or malformed envelope). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "envelope.h"

static const char full[] =
    "sealpost-envelope: 1\n"
    "id: 0123456789ABCDEF\n"
    "created: 1700000000\n"
    "next-try: 1700000300\n"
    "attempts: 2\n"
    "size: 1234\n"
    "sender: alice@example.test\n"
    "account: work\n"
    "notify: FAILURE,DELAY\n"
    "ret: HDRS\n"
    "envid: abc123\n"
    "owner: 1001\n"
    "last-try: 1700000100\n"
    "queued-for: 100\n"
    "flags: 8bit smtputf8\n"
    "last-error: 451 4.3.0 try later\n"
    "rcpt: pending bob@example.test\n"
    "reply: 451 4.3.0 try later\n"
    "rcpt: done carol@example.test\n"
    "rcpt: failed dave@example.test\n"
    "reply: 550 5.1.1 no such user\n"
    "end: 0123456789ABCDEF\n";

static void
parse_ok(const char *text, struct envelope *env)
{
	const char *why = NULL;
	assert_int_equal(envelope_parse(text, strlen(text), env, &why), ERR_OK);
}

static void
parse_bad(const char *text)
{
	struct envelope env;
	const char *why = NULL;
	assert_int_equal(envelope_parse(text, strlen(text), &env, &why), ERR_DATA);
	assert_non_null(why);
	assert_int_equal(env.nrcpts, 0);
}

static void
full_envelope_round_trips_byte_for_byte(void **state)
{
	struct envelope env;
	struct buf out;
	(void)state;
	parse_ok(full, &env);
	assert_string_equal(env.id, "0123456789ABCDEF");
	assert_int_equal(env.owner, 1001);
	assert_int_equal(env.last_try, 1700000100);
	assert_int_equal(env.queued_for, 100);
	assert_int_equal(env.attempts, 2);
	assert_true(env.eightbit && env.smtputf8 && !env.is_bounce);
	assert_int_equal(env.nrcpts, 3);
	assert_int_equal(envelope_pending(&env), 1);
	assert_int_equal(env.rcpts[1].state, RCPT_DONE);
	assert_null(env.rcpts[1].reply);
	assert_string_equal(env.rcpts[2].reply, "550 5.1.1 no such user");
	buf_init(&out, 1 << 16);
	assert_int_equal(envelope_format(&env, &out), ERR_OK);
	assert_string_equal(buf_str(&out), full);
	buf_free(&out);
	envelope_free(&env);
}

static void
optional_fields_absent_mean_unknown_owner(void **state)
{
	struct envelope env, again;
	struct buf out;
	const char *why = NULL;
	(void)state;
	/* An envelope written before owner/last-try/queued-for existed. */
	parse_ok("sealpost-envelope: 1\nid: 00000000000000AA\ncreated: 5\nnext-try: 6\n"
	    "attempts: 0\nsize: 1\nsender: \nrcpt: pending x@y.example\n"
	    "end: 00000000000000AA\n", &env);
	assert_int_equal(env.owner, -1);
	assert_int_equal(env.last_try, 0);
	assert_int_equal(env.queued_for, 0);
	assert_string_equal(env.sender, "");
	buf_init(&out, 4096);
	assert_int_equal(envelope_format(&env, &out), ERR_OK);
	assert_null(strstr(buf_str(&out), "owner:"));
	assert_int_equal(envelope_parse(buf_str(&out), out.len, &again, &why), ERR_OK);
	assert_int_equal(again.owner, -1);
	envelope_free(&again);
	buf_free(&out);
	envelope_free(&env);
}

static void
built_envelope_round_trips(void **state)
{
	struct envelope env, again;
	struct buf out;
	const char *why = NULL;
	(void)state;
	envelope_init(&env);
	assert_int_equal(env.owner, -1);
	memcpy(env.id, "FEDCBA9876543210", ENVELOPE_ID_LEN + 1);
	env.sender = strdup("");
	env.owner = 0;          /* root is a real owner, not "unknown" */
	env.is_bounce = true;
	env.tls_optional = true;
	env.created = env.next_try = 42;
	envelope_add_rcpt(&env, "a@b.example");
	envelope_add_rcpt(&env, "c@d.example");
	env.rcpts[0].state = RCPT_FAILED;
	/* A value with a line break cannot start a line of its own. */
	env.last_error = strdup("bad\r\nend: FEDCBA9876543210");
	buf_init(&out, 4096);
	assert_int_equal(envelope_format(&env, &out), ERR_OK);
	assert_int_equal(envelope_parse(buf_str(&out), out.len, &again, &why), ERR_OK);
	assert_int_equal(again.owner, 0);
	assert_true(again.is_bounce);
	assert_true(again.tls_optional);
	assert_int_equal(again.nrcpts, 2);
	assert_int_equal(again.rcpts[0].state, RCPT_FAILED);
	assert_int_equal(envelope_pending(&again), 1);
	assert_null(strchr(again.last_error, '\n'));
	envelope_free(&again);
	buf_free(&out);
	envelope_free(&env);
	assert_int_equal(env.nrcpts, 0);
	assert_null(env.sender);
}

static void
malformed_envelopes_are_refused(void **state)
{
	char text[sizeof full + 64];
	(void)state;
	/* Truncated: any proper prefix lacks the end marker. */
	for (size_t n = 0; n + 1 < sizeof full - 1; n += 7) {
		struct envelope env;
		const char *why = NULL;
		assert_int_equal(envelope_parse(full, n, &env, &why), ERR_DATA);
	}
	parse_bad("id: 0123456789ABCDEF\nsealpost-envelope: 1\nend: 0123456789ABCDEF\n");
	snprintf(text, sizeof text, "%s", full);
	memcpy(strstr(text, "owner: 1001"), "owner: -101", 11);
	parse_bad(text);
	snprintf(text, sizeof text, "%s", full);
	memcpy(strstr(text, "last-try"), "last-trx", 8);
	parse_bad(text);
	snprintf(text, sizeof text, "%s", full);
	memcpy(strstr(text, "rcpt: done"), "rcpt: gone", 10);
	parse_bad(text);
	snprintf(text, sizeof text, "%s", full);
	memcpy(strstr(text, "end: 0123"), "end: 1123", 9);
	parse_bad(text);
	/* A key twice, data after the end, a bad id, no recipients. */
	snprintf(text, sizeof text, "%sowner: 1\n", full);
	parse_bad(text);
	parse_bad("sealpost-envelope: 1\nid: 0123456789ABCDEF\ncreated: 1\nnext-try: 1\n"
	    "attempts: 0\nsize: 1\nsender: a@b\nowner: 1\nowner: 2\n"
	    "rcpt: pending x@y\nend: 0123456789ABCDEF\n");
	parse_bad("sealpost-envelope: 1\nid: 0123456789abcdef\ncreated: 1\nnext-try: 1\n"
	    "attempts: 0\nsize: 1\nsender: a@b\nrcpt: pending x@y\nend: 0123456789abcdef\n");
	parse_bad("sealpost-envelope: 1\nid: 0123456789ABCDEF\ncreated: 1\nnext-try: 1\n"
	    "attempts: 0\nsize: 1\nsender: a@b\nend: 0123456789ABCDEF\n");
}

static void
ids_are_sixteen_upper_hex_digits(void **state)
{
	(void)state;
	assert_true(envelope_valid_id("0123456789ABCDEF"));
	assert_false(envelope_valid_id("0123456789abcdef"));
	assert_false(envelope_valid_id("0123456789ABCDE"));
	assert_false(envelope_valid_id("0123456789ABCDEF0"));
	assert_false(envelope_valid_id("../../etc/passwd"));
	assert_false(envelope_valid_id(""));
}

/* An attempt takes the pending recipients only; a second spelling of one
 * of them (domain case) is that one's and is not sent twice. */
static void
attempt_selects_pending_and_folds_duplicates(void **state)
{
	struct envelope env;
	(void)state;
	envelope_init(&env);
	envelope_add_rcpt(&env, "a@example.org");
	envelope_add_rcpt(&env, "b@example.org");
	envelope_add_rcpt(&env, "a@EXAMPLE.org");
	envelope_add_rcpt(&env, "A@example.org");
	env.rcpts[1].state = RCPT_DONE;
	assert_int_equal(envelope_select_pending(&env), 2);
	assert_true(env.rcpts[0].attempt);
	assert_false(env.rcpts[1].attempt);
	assert_false(env.rcpts[2].attempt);
	assert_int_equal(env.rcpts[2].state, RCPT_DONE);
	/* The local part is compared exactly. */
	assert_true(env.rcpts[3].attempt);
	assert_int_equal(env.rcpts[0].cls, RES_TEMP);
	assert_string_equal(env.rcpts[0].reply, "not attempted");
	envelope_rcpt_set(&env.rcpts[0], RES_PERM, 550, "550 5.1.1 unknown");
	envelope_rcpt_set(&env.rcpts[3], RES_OK, 250, NULL);
	assert_int_equal(env.rcpts[0].code, 550);
	assert_string_equal(env.rcpts[0].reply, "550 5.1.1 unknown");
	assert_string_equal(env.rcpts[3].reply, "not attempted");
	/* A later attempt starts afresh. */
	env.rcpts[0].state = RCPT_FAILED;
	assert_int_equal(envelope_select_pending(&env), 1);
	assert_false(env.rcpts[0].attempt);
	envelope_free(&env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_envelope_round_trips_byte_for_byte),
		cmocka_unit_test(optional_fields_absent_mean_unknown_owner),
		cmocka_unit_test(built_envelope_round_trips),
		cmocka_unit_test(malformed_envelopes_are_refused),
		cmocka_unit_test(ids_are_sixteen_upper_hex_digits),
		cmocka_unit_test(attempt_selects_pending_and_folds_duplicates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
