// SPDX-License-Identifier: MIT
/* test_reply.c: strict SMTP reply parsing and EHLO capabilities (reply.h).
 * Everything fed here stands for hostile server data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "reply.h"

/* Feed NUL-terminated lines; returns the first error, or ERR_OK. *done
 * reports the state after the last line fed. */
static enum err
feed(struct smtp_reply *r, const char *const *lines, size_t n, bool *done,
    const char **why)
{
	for (size_t i = 0; i < n; i++) {
		enum err rc = reply_feed_line(r, lines[i], strlen(lines[i]), done, why);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

#define FEED(r, done, why, ...) \
	feed((r), (const char *const[]){ __VA_ARGS__ }, \
	    sizeof (const char *const[]){ __VA_ARGS__ } / sizeof(const char *), (done), (why))

/* Parse one complete reply from lines, and fail the test if it is not. */
static void
parse_ok(struct smtp_reply *r, const char *const *lines, size_t n)
{
	bool done = false;
	const char *why = NULL;
	reply_init(r);
	for (size_t i = 0; i < n; i++) {
		enum err rc = reply_feed_line(r, lines[i], strlen(lines[i]), &done, &why);
		if (rc != ERR_OK)
			fail_msg("line %zu \"%s\": %s", i, lines[i], why ? why : "?");
		if (done != (i == n - 1))
			fail_msg("line %zu \"%s\": done=%d", i, lines[i], done);
	}
}

#define PARSE(r, ...) \
	parse_ok((r), (const char *const[]){ __VA_ARGS__ }, \
	    sizeof (const char *const[]){ __VA_ARGS__ } / sizeof(const char *))

static enum err
one_line(const char *line, size_t len, const char **why)
{
	struct smtp_reply r;
	bool done;
	enum err rc;
	reply_init(&r);
	rc = reply_feed_line(&r, line, len, &done, why);
	reply_free(&r);
	return rc;
}

/* ---- reply_feed_line ---- */

static void
single_line_reply(void **state)
{
	struct smtp_reply r;
	(void)state;
	PARSE(&r, "250 OK queued as 4Xy");
	assert_int_equal(r.code, 250);
	assert_int_equal(r.nlines, 1);
	assert_string_equal(buf_str(&r.text), "OK queued as 4Xy");
	assert_string_equal(r.esc, "");
	reply_free(&r);
}

static void
multi_line_reply_joins_text_with_newlines(void **state)
{
	struct smtp_reply r;
	bool done = true;
	const char *why;
	(void)state;
	reply_init(&r);
	assert_int_equal(reply_feed_line(&r, "220-mx.example ESMTP", 20, &done, &why), ERR_OK);
	assert_false(done);
	assert_int_equal(reply_feed_line(&r, "220-second", 10, &done, &why), ERR_OK);
	assert_false(done);
	assert_int_equal(reply_feed_line(&r, "220 last", 8, &done, &why), ERR_OK);
	assert_true(done);
	assert_int_equal(r.code, 220);
	assert_int_equal(r.nlines, 3);
	assert_string_equal(buf_str(&r.text), "mx.example ESMTP\nsecond\nlast");
	reply_free(&r);
}

static void
bare_code_ends_reply(void **state)
{
	struct smtp_reply r;
	(void)state;
	PARSE(&r, "250");
	assert_int_equal(r.code, 250);
	assert_string_equal(buf_str(&r.text), "");
	reply_free(&r);
	PARSE(&r, "354-go", "354");
	assert_int_equal(r.code, 354);
	assert_string_equal(buf_str(&r.text), "go\n");
	reply_free(&r);
	/* "250 " (code, space, nothing) also ends it. */
	PARSE(&r, "250 ");
	assert_string_equal(buf_str(&r.text), "");
	reply_free(&r);
}

static void
continuation_with_empty_text(void **state)
{
	struct smtp_reply r;
	(void)state;
	PARSE(&r, "250-", "250-", "250 done");
	assert_int_equal(r.nlines, 3);
	assert_string_equal(buf_str(&r.text), "\n\ndone");
	reply_free(&r);
}

static void
reset_allows_reuse(void **state)
{
	struct smtp_reply r;
	bool done;
	const char *why;
	(void)state;
	PARSE(&r, "550 5.1.1 no such user");
	assert_string_equal(r.esc, "5.1.1");
	reply_reset(&r);
	assert_int_equal(r.code, 0);
	assert_int_equal(r.nlines, 0);
	assert_string_equal(r.esc, "");
	assert_int_equal(reply_feed_line(&r, "221 bye", 7, &done, &why), ERR_OK);
	assert_true(done);
	assert_int_equal(r.code, 221);
	assert_string_equal(buf_str(&r.text), "bye");
	reply_free(&r);
}

static void
code_change_in_continuation_is_proto(void **state)
{
	struct smtp_reply r;
	bool done;
	const char *why = NULL;
	(void)state;
	reply_init(&r);
	assert_int_equal(FEED(&r, &done, &why, "250-first", "251 second"), ERR_PROTO);
	assert_non_null(why);
	reply_free(&r);
	reply_init(&r);
	assert_int_equal(FEED(&r, &done, &why, "250-first", "550 second"), ERR_PROTO);
	reply_free(&r);
}

static void
bad_codes_are_proto(void **state)
{
	const char *why;
	(void)state;
	const char *bad[] = {
		"199 too low", "100 x", "600 too high", "999 x", "099 x", "2x0 x",
		"25 short", "25", "", "abc", " 250 lead", "-250 x", "2500 x", "25a x",
		"\xb2" "50 x",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		if (one_line(bad[i], strlen(bad[i]), &why) != ERR_PROTO)
			fail_msg("accepted bad code line \"%s\"", bad[i]);
		if (!why)
			fail_msg("no reason for \"%s\"", bad[i]);
	}
	/* The boundaries themselves are fine. */
	assert_int_equal(one_line("200 x", 5, &why), ERR_OK);
	assert_int_equal(one_line("599 x", 5, &why), ERR_OK);
}

static void
separator_must_be_space_or_hyphen(void **state)
{
	const char *why;
	(void)state;
	const char *bad[] = { "250_x", "250\tx", "250:x", "250.x", "250+x", "250=x", "250x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (one_line(bad[i], strlen(bad[i]), &why) != ERR_PROTO)
			fail_msg("accepted separator in \"%s\"", bad[i]);
}

static void
control_bytes_in_text_are_proto(void **state)
{
	const char *why;
	(void)state;
	assert_int_equal(one_line("250 a\0b", 7, &why), ERR_PROTO);
	assert_int_equal(one_line("250 a\x1b[2Jb", 10, &why), ERR_PROTO);
	assert_int_equal(one_line("250 a\rb", 7, &why), ERR_PROTO);
	assert_int_equal(one_line("250 a\nb", 7, &why), ERR_PROTO);
	assert_int_equal(one_line("250 a\x7f", 6, &why), ERR_PROTO);
	assert_int_equal(one_line("250-a\x01", 6, &why), ERR_PROTO);
	assert_int_equal(one_line("250 trailing CR\r", 16, &why), ERR_PROTO);
	assert_non_null(why);
	/* A NUL right after the code is no separator either. */
	assert_int_equal(one_line("250\0x", 5, &why), ERR_PROTO);
	/* UTF-8 text is allowed (RFC 6531 servers send it). */
	assert_int_equal(one_line("250 caf\xc3\xa9", 9, &why), ERR_OK);
}

static void
control_byte_in_later_line_is_proto(void **state)
{
	struct smtp_reply r;
	bool done;
	const char *why;
	(void)state;
	reply_init(&r);
	assert_int_equal(reply_feed_line(&r, "250-ok", 6, &done, &why), ERR_OK);
	assert_int_equal(reply_feed_line(&r, "250 x\x1b", 6, &done, &why), ERR_PROTO);
	reply_free(&r);
}

static void
thousand_lines_fit_and_one_more_is_toobig(void **state)
{
	struct smtp_reply r;
	bool done = false;
	const char *why = NULL;
	(void)state;
	reply_init(&r);
	for (int i = 0; i < SMTP_REPLY_LINES_MAX - 1; i++)
		assert_int_equal(reply_feed_line(&r, "250-x", 5, &done, &why), ERR_OK);
	assert_int_equal(reply_feed_line(&r, "250 x", 5, &done, &why), ERR_OK);
	assert_true(done);
	assert_int_equal(r.nlines, SMTP_REPLY_LINES_MAX);
	reply_free(&r);

	reply_init(&r);
	for (int i = 0; i < SMTP_REPLY_LINES_MAX; i++)
		assert_int_equal(reply_feed_line(&r, "250-x", 5, &done, &why), ERR_OK);
	assert_int_equal(reply_feed_line(&r, "250 x", 5, &done, &why), ERR_TOOBIG);
	assert_non_null(why);
	reply_free(&r);
}

static void
total_text_over_bound_is_toobig(void **state)
{
	struct smtp_reply r;
	bool done = false;
	const char *why = NULL;
	char line[1004];
	enum err rc = ERR_OK;
	int i;
	(void)state;
	memcpy(line, "250-", 4);
	memset(line + 4, 'a', 1000);
	reply_init(&r);
	for (i = 0; i < 200 && rc == ERR_OK; i++)
		rc = reply_feed_line(&r, line, sizeof line, &done, &why);
	assert_int_equal(rc, ERR_TOOBIG);
	assert_true(r.text.len <= SMTP_REPLY_TOTAL_MAX);
	assert_true(i <= SMTP_REPLY_TOTAL_MAX / 1000 + 1);
	reply_free(&r);
}

static void
enhanced_status_code_is_extracted(void **state)
{
	struct smtp_reply r;
	(void)state;
	PARSE(&r, "550 5.1.1 <x@y>: Recipient address rejected");
	assert_string_equal(r.esc, "5.1.1");
	reply_free(&r);
	PARSE(&r, "250 2.0.0");
	assert_string_equal(r.esc, "2.0.0");
	reply_free(&r);
	PARSE(&r, "451 4.7.650 later");
	assert_string_equal(r.esc, "4.7.650");
	reply_free(&r);
	PARSE(&r, "554-5.7.1 first line", "554 5.7.1 second line");
	assert_string_equal(r.esc, "5.7.1");
	reply_free(&r);
}

static void
enhanced_status_class_must_match_code(void **state)
{
	struct smtp_reply r;
	(void)state;
	PARSE(&r, "550 4.1.1 mismatch");
	assert_string_equal(r.esc, "");
	reply_free(&r);
	PARSE(&r, "250 5.0.0 mismatch");
	assert_string_equal(r.esc, "");
	reply_free(&r);
}

static void
malformed_enhanced_status_is_ignored(void **state)
{
	struct smtp_reply r;
	(void)state;
	const char *const texts[] = {
		"550 5.1 short", "550 5..1 x", "550 5.1.1234 long", "550 5.1234.1 long",
		"550 5.1.1x x", "550 x5.1.1 x", "550 5.1.", "550 5.a.1 x", "550 5,1,1 x",
		"550 no code", "550",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		PARSE(&r, texts[i]);
		if (r.esc[0] != '\0')
			fail_msg("\"%s\" gave esc \"%s\"", texts[i], r.esc);
		reply_free(&r);
	}
}

static void
summary_is_code_and_every_line(void **state)
{
	struct smtp_reply r;
	char out[300];
	(void)state;
	PARSE(&r, "550-5.1.1 first", "550 5.1.1 second");
	assert_string_equal(reply_summary(&r, out, sizeof out), "550 5.1.1 first second");
	reply_free(&r);
	PARSE(&r, "250");
	assert_string_equal(reply_summary(&r, out, sizeof out), "250");
	reply_free(&r);
	PARSE(&r, "250 single line kept as it is ");
	assert_string_equal(reply_summary(&r, out, sizeof out), "250 single line kept as it is ");
	reply_free(&r);
}

/* Exim's reply to BDAT LAST: the queue id is on the last line, and the
 * log's status text must show it. */
static void
summary_keeps_the_last_line_of_exims_bdat_reply(void **state)
{
	struct smtp_reply r;
	char out[300];
	(void)state;
	PARSE(&r, "250- 214 byte chunk, total 214", "250 OK id=1tJxyz-000123-AB");
	assert_string_equal(reply_summary(&r, out, sizeof out),
	    "250 214 byte chunk, total 214 OK id=1tJxyz-000123-AB");
	reply_free(&r);
}

/* Lines that do not fit: the first is cut, the last is kept. */
static void
summary_of_a_long_multiline_reply_keeps_first_and_last(void **state)
{
	struct smtp_reply r;
	char out[300], line[200];
	(void)state;
	memcpy(line, "550-5.1.1 ", 10);
	memset(line + 10, 'm', sizeof line - 11);
	line[sizeof line - 1] = '\0';
	PARSE(&r, "550-5.1.1 The account does not exist.", line, line,
	    "550 5.1.1 https://support.example/?p=NoSuchUser - id42");
	reply_summary(&r, out, sizeof out);
	assert_true(strlen(out) <= 4 + SMTP_TEXT_SHOWN_MAX);
	assert_memory_equal(out, "550 5.1.1 The account does not exist. mmm", 41);
	assert_non_null(strstr(out, "m ... https://support.example/?p=NoSuchUser - id42"));
	assert_string_equal(out + strlen(out) - 4, "id42");
	reply_free(&r);
}

static void
summary_sanitises_and_bounds(void **state)
{
	struct smtp_reply r;
	char out[300], small[8];
	char line[600];
	(void)state;
	/* Tab passes the reply check; C1 controls (UTF-8) must not reach a log. */
	PARSE(&r, "421 bad \xc2\x9b" "31m news");
	reply_summary(&r, out, sizeof out);
	assert_null(strstr(out, "\xc2\x9b"));
	assert_string_equal(out, "421 bad ?31m news");
	reply_free(&r);

	memcpy(line, "250 ", 4);
	memset(line + 4, 'q', sizeof line - 5);
	line[sizeof line - 1] = '\0';
	PARSE(&r, line);
	reply_summary(&r, out, sizeof out);
	assert_true(strlen(out) <= 4 + SMTP_TEXT_SHOWN_MAX);
	assert_memory_equal(out, "250 qqq", 7);
	reply_summary(&r, small, sizeof small);
	assert_string_equal(small, "250 qqq");
	reply_free(&r);
}

/* ---- ehlo_parse ---- */

static void
ehlo(struct ehlo_caps *caps, const char *const *lines, size_t n)
{
	struct smtp_reply r;
	parse_ok(&r, lines, n);
	assert_int_equal(ehlo_parse(&r, caps), ERR_OK);
	reply_free(&r);
}

#define EHLO(caps, ...) \
	ehlo((caps), (const char *const[]){ __VA_ARGS__ }, \
	    sizeof (const char *const[]){ __VA_ARGS__ } / sizeof(const char *))

static void
ehlo_typical_postfix(void **state)
{
	struct ehlo_caps c;
	(void)state;
	EHLO(&c, "250-mx.example.com", "250-PIPELINING", "250-SIZE 10240000", "250-VRFY",
	    "250-ETRN", "250-STARTTLS", "250-ENHANCEDSTATUSCODES", "250-8BITMIME",
	    "250-DSN", "250-SMTPUTF8", "250-CHUNKING", "250 REQUIRETLS");
	assert_int_equal(c.flags, EHLO_PIPELINING | EHLO_SIZE | EHLO_STARTTLS |
	    EHLO_ENHANCEDSTATUSCODES | EHLO_8BITMIME | EHLO_DSN | EHLO_SMTPUTF8 |
	    EHLO_CHUNKING | EHLO_REQUIRETLS);
	assert_int_equal(c.size_max, 10240000);
	assert_string_equal(c.auth, "");
}

static void
ehlo_starttls_whole_token_only(void **state)
{
	struct ehlo_caps c;
	(void)state;
	EHLO(&c, "250-mx.example.com", "250-X-STARTTLS", "250-XSTARTTLS", "250-STARTTLSX",
	    "250-STARTTLS-NOT", "250-NOSTARTTLS", "250 8BITMIME");
	assert_false(c.flags & EHLO_STARTTLS);
	assert_true(c.flags & EHLO_8BITMIME);
}

static void
ehlo_starttls_in_greeting_line_is_not_a_keyword(void **state)
{
	struct ehlo_caps c;
	(void)state;
	EHLO(&c, "250-STARTTLS", "250 PIPELINING");
	assert_false(c.flags & EHLO_STARTTLS);
	assert_true(c.flags & EHLO_PIPELINING);
	EHLO(&c, "250 STARTTLS");
	assert_int_equal(c.flags, 0);
	EHLO(&c, "250-mx.example.com STARTTLS AUTH PLAIN", "250 DSN");
	assert_int_equal(c.flags, EHLO_DSN);
	assert_string_equal(c.auth, "");
}

static void
ehlo_keywords_are_case_insensitive(void **state)
{
	struct ehlo_caps c;
	(void)state;
	EHLO(&c, "250-mx", "250-starttls", "250-Pipelining", "250-auth plain login",
	    "250 size 1000");
	assert_true(c.flags & EHLO_STARTTLS);
	assert_true(c.flags & EHLO_PIPELINING);
	assert_true(c.flags & EHLO_AUTH);
	assert_true(c.flags & EHLO_SIZE);
	assert_int_equal(c.size_max, 1000);
	assert_string_equal(c.auth, "PLAIN LOGIN");
}

static void
ehlo_starttls_with_trailing_text_still_keyword(void **state)
{
	struct ehlo_caps c;
	(void)state;
	/* "STARTTLS" followed by parameters is still the keyword STARTTLS. */
	EHLO(&c, "250-mx", "250 STARTTLS now");
	assert_true(c.flags & EHLO_STARTTLS);
}

static void
ehlo_auth_lists_are_merged_uppercased_and_deduplicated(void **state)
{
	struct ehlo_caps c;
	(void)state;
	EHLO(&c, "250-mx", "250-AUTH plain LOGIN", "250-AUTH  Login  SCRAM-SHA-256 ",
	    "250 AUTH PLAIN XOAUTH2 scram-sha-256-plus");
	assert_true(c.flags & EHLO_AUTH);
	assert_string_equal(c.auth, "PLAIN LOGIN SCRAM-SHA-256 XOAUTH2 SCRAM-SHA-256-PLUS");
}

static void
ehlo_old_auth_equals_syntax_ignored(void **state)
{
	struct ehlo_caps c;
	(void)state;
	EHLO(&c, "250-mx", "250-AUTH=LOGIN PLAIN", "250 SIZE");
	assert_false(c.flags & EHLO_AUTH);
	assert_string_equal(c.auth, "");
	assert_false(ehlo_has_auth(&c, "PLAIN"));
	assert_false(ehlo_has_auth(&c, "LOGIN"));

	EHLO(&c, "250-mx", "250-AUTH=LOGIN PLAIN", "250 AUTH CRAM-MD5");
	assert_string_equal(c.auth, "CRAM-MD5");
	assert_false(ehlo_has_auth(&c, "LOGIN"));
}

static void
ehlo_auth_drops_invalid_mechanism_names(void **state)
{
	struct ehlo_caps c;
	(void)state;
	EHLO(&c, "250-mx", "250 AUTH PL@IN LOGIN X=Y GSSAPI");
	assert_string_equal(c.auth, "LOGIN GSSAPI");
}

static void
ehlo_auth_list_is_bounded(void **state)
{
	struct ehlo_caps c;
	char line[200];
	const char *lines[40];
	char store[40][200];
	(void)state;
	lines[0] = "250-mx";
	for (int i = 1; i < 40; i++) {
		snprintf(line, sizeof line, "250%cAUTH MECH-NUMBER-%02d-AAAAAAAAAAAAAAAAAAAAA",
		    i == 39 ? ' ' : '-', i);
		memcpy(store[i], line, sizeof line);
		lines[i] = store[i];
	}
	ehlo(&c, lines, 40);
	assert_true(strlen(c.auth) < sizeof c.auth);
	assert_true(ehlo_has_auth(&c, "MECH-NUMBER-01-AAAAAAAAAAAAAAAAAAAAA"));
}

static void
ehlo_size_variants(void **state)
{
	struct ehlo_caps c;
	(void)state;
	EHLO(&c, "250-mx", "250 SIZE 35882577");
	assert_true(c.flags & EHLO_SIZE);
	assert_int_equal(c.size_max, 35882577);
	EHLO(&c, "250-mx", "250 SIZE");
	assert_true(c.flags & EHLO_SIZE);
	assert_int_equal(c.size_max, 0);
	EHLO(&c, "250-mx", "250 SIZE 0");
	assert_true(c.flags & EHLO_SIZE);
	assert_int_equal(c.size_max, 0);
	EHLO(&c, "250-mx", "250 SIZE abc");
	assert_int_equal(c.size_max, 0);
	EHLO(&c, "250-mx", "250 SIZE 99999999999999999999999999");
	assert_int_equal(c.size_max, 0);
	EHLO(&c, "250-mx", "250 PIPELINING");
	assert_false(c.flags & EHLO_SIZE);
	assert_int_equal(c.size_max, 0);
}

static void
ehlo_single_line_reply_has_no_caps(void **state)
{
	struct ehlo_caps c;
	(void)state;
	EHLO(&c, "250 mx.example.com Hello");
	assert_int_equal(c.flags, 0);
	assert_int_equal(c.size_max, 0);
	assert_string_equal(c.auth, "");
}

static void
ehlo_non_250_is_proto(void **state)
{
	struct smtp_reply r;
	struct ehlo_caps c;
	(void)state;
	PARSE(&r, "550 no");
	assert_int_equal(ehlo_parse(&r, &c), ERR_PROTO);
	reply_free(&r);
	PARSE(&r, "220-mx", "220 STARTTLS");
	assert_int_equal(ehlo_parse(&r, &c), ERR_PROTO);
	reply_free(&r);
	PARSE(&r, "251-mx", "251 STARTTLS");
	assert_int_equal(ehlo_parse(&r, &c), ERR_PROTO);
	reply_free(&r);
	/* An empty (never fed) reply is not a 250 either. */
	reply_init(&r);
	assert_int_equal(ehlo_parse(&r, &c), ERR_PROTO);
	reply_free(&r);
}

static void
ehlo_forgets_previous_capabilities(void **state)
{
	struct ehlo_caps c;
	(void)state;
	EHLO(&c, "250-mx", "250-AUTH PLAIN", "250 STARTTLS");
	assert_true(c.flags & EHLO_STARTTLS);
	/* After STARTTLS the capabilities are read afresh. */
	EHLO(&c, "250-mx", "250 AUTH LOGIN");
	assert_false(c.flags & EHLO_STARTTLS);
	assert_string_equal(c.auth, "LOGIN");
}

static void
ehlo_has_auth_matches_whole_names(void **state)
{
	struct ehlo_caps c;
	(void)state;
	EHLO(&c, "250-mx", "250 AUTH PLAINX LOGIN SCRAM-SHA-256-PLUS");
	assert_false(ehlo_has_auth(&c, "PLAIN"));
	assert_true(ehlo_has_auth(&c, "PLAINX"));
	assert_true(ehlo_has_auth(&c, "plainx"));
	assert_true(ehlo_has_auth(&c, "login"));
	assert_false(ehlo_has_auth(&c, "LOG"));
	assert_false(ehlo_has_auth(&c, "SCRAM-SHA-256"));
	assert_true(ehlo_has_auth(&c, "SCRAM-SHA-256-PLUS"));
	assert_false(ehlo_has_auth(&c, ""));
	assert_false(ehlo_has_auth(&c, "PLAINX LOGIN"));
	EHLO(&c, "250-mx", "250 AUTH PLAIN");
	assert_true(ehlo_has_auth(&c, "PLAIN"));
	assert_false(ehlo_has_auth(&c, "PLAINX"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single_line_reply),
		cmocka_unit_test(multi_line_reply_joins_text_with_newlines),
		cmocka_unit_test(bare_code_ends_reply),
		cmocka_unit_test(continuation_with_empty_text),
		cmocka_unit_test(reset_allows_reuse),
		cmocka_unit_test(code_change_in_continuation_is_proto),
		cmocka_unit_test(bad_codes_are_proto),
		cmocka_unit_test(separator_must_be_space_or_hyphen),
		cmocka_unit_test(control_bytes_in_text_are_proto),
		cmocka_unit_test(control_byte_in_later_line_is_proto),
		cmocka_unit_test(thousand_lines_fit_and_one_more_is_toobig),
		cmocka_unit_test(total_text_over_bound_is_toobig),
		cmocka_unit_test(enhanced_status_code_is_extracted),
		cmocka_unit_test(enhanced_status_class_must_match_code),
		cmocka_unit_test(malformed_enhanced_status_is_ignored),
		cmocka_unit_test(summary_is_code_and_every_line),
		cmocka_unit_test(summary_keeps_the_last_line_of_exims_bdat_reply),
		cmocka_unit_test(summary_of_a_long_multiline_reply_keeps_first_and_last),
		cmocka_unit_test(summary_sanitises_and_bounds),
		cmocka_unit_test(ehlo_typical_postfix),
		cmocka_unit_test(ehlo_starttls_whole_token_only),
		cmocka_unit_test(ehlo_starttls_in_greeting_line_is_not_a_keyword),
		cmocka_unit_test(ehlo_keywords_are_case_insensitive),
		cmocka_unit_test(ehlo_starttls_with_trailing_text_still_keyword),
		cmocka_unit_test(ehlo_auth_lists_are_merged_uppercased_and_deduplicated),
		cmocka_unit_test(ehlo_old_auth_equals_syntax_ignored),
		cmocka_unit_test(ehlo_auth_drops_invalid_mechanism_names),
		cmocka_unit_test(ehlo_auth_list_is_bounded),
		cmocka_unit_test(ehlo_size_variants),
		cmocka_unit_test(ehlo_single_line_reply_has_no_caps),
		cmocka_unit_test(ehlo_non_250_is_proto),
		cmocka_unit_test(ehlo_forgets_previous_capabilities),
		cmocka_unit_test(ehlo_has_auth_matches_whole_names),
	};
	return cmocka_run_group_tests_name("reply", tests, NULL, NULL);
}
