// SPDX-License-Identifier: MIT
/* test_util.c: the bounded parsers and string helpers of util.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

/* ---- parse_uint ---- */

static void
parse_uint_accepts_plain_decimals(void **state)
{
	unsigned long v = 99;
	(void)state;
	assert_int_equal(parse_uint("0", 10, &v), ERR_OK);
	assert_int_equal(v, 0);
	assert_int_equal(parse_uint("7", 10, &v), ERR_OK);
	assert_int_equal(v, 7);
	assert_int_equal(parse_uint("00042", 100, &v), ERR_OK);
	assert_int_equal(v, 42);
	assert_int_equal(parse_uint("65535", 65535, &v), ERR_OK);
	assert_int_equal(v, 65535);
}

static void
parse_uint_max_is_inclusive(void **state)
{
	unsigned long v = 0;
	char s[32];
	(void)state;
	assert_int_equal(parse_uint("100", 100, &v), ERR_OK);
	assert_int_equal(v, 100);
	v = 5;
	assert_int_equal(parse_uint("101", 100, &v), ERR_DATA);
	assert_int_equal(v, 5);     /* untouched on error */
	assert_int_equal(parse_uint("65536", 65535, &v), ERR_DATA);
	snprintf(s, sizeof s, "%lu", ULONG_MAX);
	assert_int_equal(parse_uint(s, ULONG_MAX, &v), ERR_OK);
	assert_true(v == ULONG_MAX);
	assert_int_equal(parse_uint(s, ULONG_MAX - 1, &v), ERR_DATA);
}

static void
parse_uint_overflow_is_an_error(void **state)
{
	unsigned long v = 0;
	(void)state;
	/* ULONG_MAX + 1, and far beyond it. */
	assert_int_equal(parse_uint("18446744073709551616", ULONG_MAX, &v), ERR_DATA);
	assert_int_equal(parse_uint("99999999999999999999999999", ULONG_MAX, &v), ERR_DATA);
	assert_int_equal(parse_uint("184467440737095516150", ULONG_MAX, &v), ERR_DATA);
}

static void
parse_uint_rejects_empty_sign_space_and_junk(void **state)
{
	unsigned long v = 0;
	(void)state;
	assert_int_equal(parse_uint("", 100, &v), ERR_DATA);
	assert_int_equal(parse_uint(NULL, 100, &v), ERR_DATA);
	assert_int_equal(parse_uint("-1", 100, &v), ERR_DATA);
	assert_int_equal(parse_uint("+1", 100, &v), ERR_DATA);
	assert_int_equal(parse_uint(" 1", 100, &v), ERR_DATA);
	assert_int_equal(parse_uint("1 ", 100, &v), ERR_DATA);
	assert_int_equal(parse_uint("12abc", 100, &v), ERR_DATA);
	assert_int_equal(parse_uint("0x10", 100, &v), ERR_DATA);
	assert_int_equal(parse_uint("1.5", 100, &v), ERR_DATA);
	assert_int_equal(parse_uint("1e2", 1000, &v), ERR_DATA);
}

/* Every value above a small max must be refused, whatever its digits. */
static void
parse_uint_small_max_refuses_larger_digits(void **state)
{
	unsigned long v = 77;
	(void)state;
	assert_int_equal(parse_uint("5", 3, &v), ERR_DATA);
	assert_int_equal(parse_uint("9", 0, &v), ERR_DATA);
	assert_int_equal(parse_uint("17", 5, &v), ERR_DATA);
	assert_int_equal(parse_uint("4", 3, &v), ERR_DATA);
	assert_int_equal(v, 77);
	assert_int_equal(parse_uint("3", 3, &v), ERR_OK);
	assert_int_equal(v, 3);
	assert_int_equal(parse_uint("0", 0, &v), ERR_OK);
	assert_int_equal(v, 0);
}

/* Cross-check against a reference for every value and max up to 200. */
static void
parse_uint_agrees_with_reference_for_small_numbers(void **state)
{
	(void)state;
	for (unsigned long max = 0; max <= 200; max++) {
		for (unsigned long n = 0; n <= 250; n++) {
			char s[16];
			unsigned long v = 12345;
			snprintf(s, sizeof s, "%lu", n);
			enum err rc = parse_uint(s, max, &v);
			if (n <= max) {
				assert_int_equal(rc, ERR_OK);
				assert_int_equal(v, n);
			} else if (rc != ERR_DATA) {
				fail_msg("parse_uint(\"%s\", %lu) accepted %lu", s, max, v);
			}
		}
	}
}

/* ---- parse_duration_ms ---- */

static void
duration_units(void **state)
{
	uint64_t ms = 0;
	const uint64_t max = UINT64_C(366) * 86400000;
	(void)state;
	assert_int_equal(parse_duration_ms("90", max, &ms), ERR_OK);
	assert_true(ms == 90000);
	assert_int_equal(parse_duration_ms("90s", max, &ms), ERR_OK);
	assert_true(ms == 90000);
	assert_int_equal(parse_duration_ms("5m", max, &ms), ERR_OK);
	assert_true(ms == 300000);
	assert_int_equal(parse_duration_ms("3h", max, &ms), ERR_OK);
	assert_true(ms == UINT64_C(10800000));
	assert_int_equal(parse_duration_ms("5d", max, &ms), ERR_OK);
	assert_true(ms == UINT64_C(432000000));
	assert_int_equal(parse_duration_ms("0", max, &ms), ERR_OK);
	assert_true(ms == 0);
	assert_int_equal(parse_duration_ms("366d", max, &ms), ERR_OK);
	assert_true(ms == max);
}

static void
duration_max_is_inclusive_and_enforced(void **state)
{
	uint64_t ms = 7;
	(void)state;
	assert_int_equal(parse_duration_ms("60s", 60000, &ms), ERR_OK);
	assert_true(ms == 60000);
	assert_int_equal(parse_duration_ms("1m", 60000, &ms), ERR_OK);
	assert_true(ms == 60000);
	ms = 7;
	assert_int_equal(parse_duration_ms("61s", 60000, &ms), ERR_DATA);
	assert_int_equal(parse_duration_ms("2m", 60000, &ms), ERR_DATA);
	assert_int_equal(parse_duration_ms("1h", 60000, &ms), ERR_DATA);
	assert_int_equal(parse_duration_ms("367d", UINT64_C(366) * 86400000, &ms), ERR_DATA);
	assert_true(ms == 7);
}

/* A duration over a small max must be refused: 5s is not <= 1000 ms. */
static void
duration_over_small_max_is_refused(void **state)
{
	uint64_t ms = 7;
	(void)state;
	assert_int_equal(parse_duration_ms("5s", 1000, &ms), ERR_DATA);
	assert_int_equal(parse_duration_ms("9", 1000, &ms), ERR_DATA);
	assert_int_equal(parse_duration_ms("2d", 86400000, &ms), ERR_DATA);
	assert_true(ms == 7);
}

static void
duration_overflow_is_an_error(void **state)
{
	uint64_t ms = 0;
	(void)state;
	assert_int_equal(parse_duration_ms("18446744073709551615d", UINT64_MAX, &ms), ERR_DATA);
	assert_int_equal(parse_duration_ms("99999999999999999999", UINT64_MAX, &ms), ERR_DATA);
	assert_int_equal(parse_duration_ms("213503982335d", UINT64_MAX, &ms), ERR_DATA);
	/* The largest number of days that fits in 64-bit milliseconds. */
	assert_int_equal(parse_duration_ms("213503982334d", UINT64_MAX, &ms), ERR_OK);
	assert_true(ms == UINT64_C(213503982334) * 86400000);
}

static void
duration_rejects_junk(void **state)
{
	uint64_t ms = 0;
	(void)state;
	const char *bad[] = {
		"", "s", "m", "-5s", "+5s", " 5s", "5s ", "5 s", "5ms", "5x", "5sec",
		"1.5h", "5S", "5M", "h5", "0x5", "5ss", "abc",
		"123456789012345678901234567890s",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (parse_duration_ms(bad[i], UINT64_C(366) * 86400000, &ms) != ERR_DATA)
			fail_msg("parse_duration_ms accepted \"%s\"", bad[i]);
	assert_int_equal(parse_duration_ms(NULL, 1000, &ms), ERR_DATA);
}

/* ---- parse_bool ---- */

static void
bool_words(void **state)
{
	bool b;
	(void)state;
	const char *yes[] = { "yes", "true", "on", "1", "YES", "True", "On" };
	const char *no[] = { "no", "false", "off", "0", "NO", "False", "OFF" };
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		b = false;
		assert_int_equal(parse_bool(yes[i], &b), ERR_OK);
		assert_true(b);
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		b = true;
		assert_int_equal(parse_bool(no[i], &b), ERR_OK);
		assert_false(b);
	}
}

static void
bool_rejects_others(void **state)
{
	bool b = true;
	(void)state;
	const char *bad[] = { "", "y", "n", "2", "yess", " yes", "yes ", "ja", "nope", "10" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (parse_bool(bad[i], &b) != ERR_DATA)
			fail_msg("parse_bool accepted \"%s\"", bad[i]);
	assert_true(b);
}

/* ---- str_sanitize, has_ctl ---- */

static void
sanitize_replaces_controls_and_del(void **state)
{
	char out[64];
	(void)state;
	str_sanitize(out, sizeof out, "a\x1b[31mb\rc\nd\0e\x7f" "f", 15);
	assert_string_equal(out, "a?[31mb?c?d?e?f");
	str_sanitize(out, sizeof out, "\x01\x02\x1f", 3);
	assert_string_equal(out, "???");
	str_sanitize(out, sizeof out, "plain text 250 ok", 17);
	assert_string_equal(out, "plain text 250 ok");
}

static void
sanitize_replaces_utf8_c1_controls(void **state)
{
	char out[64];
	(void)state;
	/* U+0085 NEL, U+009B CSI, U+0080, U+009F: each one '?'. */
	str_sanitize(out, sizeof out, "a\xc2\x85" "b\xc2\x9b" "c\xc2\x80\xc2\x9f", 11);
	assert_string_equal(out, "a?b?c??");
	/* U+00A0 and U+00E9 are not controls and stay as they are. */
	str_sanitize(out, sizeof out, "\xc2\xa0\xc3\xa9", 4);
	assert_string_equal(out, "\xc2\xa0\xc3\xa9");
}

static void
sanitize_respects_cap(void **state)
{
	char out[8];
	(void)state;
	memset(out, 'X', sizeof out);
	str_sanitize(out, 5, "abcdefgh", 8);
	assert_string_equal(out, "abcd");
	assert_int_equal(out[5], 'X');      /* nothing written past cap */
	str_sanitize(out, 1, "abc", 3);
	assert_string_equal(out, "");
	out[0] = 'Q';
	assert_ptr_equal(str_sanitize(out, 0, "abc", 3), out);
	assert_int_equal(out[0], 'Q');      /* cap 0 writes nothing */
	str_sanitize(out, sizeof out, "ab", 0);
	assert_string_equal(out, "");
}

static void
sanitize_uses_len_not_nul(void **state)
{
	char out[16];
	(void)state;
	str_sanitize(out, sizeof out, "abcdef", 3);
	assert_string_equal(out, "abc");
	/* A C1 lead byte cut off by len is not combined with what follows. */
	str_sanitize(out, sizeof out, "a\xc2\x85", 2);
	assert_int_equal(strlen(out), 2);
	assert_int_equal(out[0], 'a');
}

static void
has_ctl_finds_control_bytes(void **state)
{
	(void)state;
	assert_false(has_ctl("hello world", 11));
	assert_false(has_ctl("", 0));
	assert_true(has_ctl("a\rb", 3));
	assert_true(has_ctl("a\nb", 3));
	assert_true(has_ctl("a\tb", 3));
	assert_true(has_ctl("a\0b", 3));
	assert_true(has_ctl("a\x7f", 2));
	assert_true(has_ctl("\x1f", 1));
	assert_false(has_ctl("\xc3\xa9\x80\xff", 4));
	/* Only the first len bytes count. */
	assert_false(has_ctl("ab\n", 2));
}

/* ---- str_trim, str_case_prefix ---- */

static void
trim_and_case_prefix(void **state)
{
	char s1[] = "  \t value here \t ";
	char s2[] = "   ";
	char s3[] = "x";
	(void)state;
	assert_string_equal(str_trim(s1), "value here");
	assert_string_equal(str_trim(s2), "");
	assert_string_equal(str_trim(s3), "x");
	assert_true(str_case_prefix("STARTTLS", "start"));
	assert_true(str_case_prefix("abc", ""));
	assert_false(str_case_prefix("sta", "start"));
	assert_false(str_case_prefix("xstart", "start"));
}

/* ---- random_hex ---- */

static void
random_hex_length_and_charset(void **state)
{
	char out[2 * 64 + 1];
	char other[2 * 64 + 1];
	(void)state;
	for (size_t n = 0; n <= 64; n++) {
		memset(out, 'Z', sizeof out);
		random_hex(out, n);
		assert_int_equal(strlen(out), 2 * n);
		assert_int_equal(strspn(out, "0123456789abcdef"), 2 * n);
	}
	random_hex(out, 16);
	random_hex(other, 16);
	assert_string_not_equal(out, other);
}

/* The contract: 2*nbytes digits, whatever nbytes is. */
static void
random_hex_fills_all_requested_digits(void **state)
{
	char out[2 * 100 + 1];
	(void)state;
	memset(out, 'Z', sizeof out);
	random_hex(out, 100);
	assert_int_equal(strlen(out), 200);
	assert_int_equal(strspn(out, "0123456789abcdef"), 200);
}

/* ---- allocation wrappers ---- */

static void
xstrndup_copies_at_most_n(void **state)
{
	char *p;
	(void)state;
	p = xstrndup("abcdef", 3);
	assert_string_equal(p, "abc");
	free(p);
	p = xstrndup("ab", 10);
	assert_string_equal(p, "ab");
	free(p);
	p = xstrdup("");
	assert_string_equal(p, "");
	free(p);
	p = xmalloc(0);
	assert_non_null(p);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_uint_accepts_plain_decimals),
		cmocka_unit_test(parse_uint_max_is_inclusive),
		cmocka_unit_test(parse_uint_overflow_is_an_error),
		cmocka_unit_test(parse_uint_rejects_empty_sign_space_and_junk),
		cmocka_unit_test(parse_uint_small_max_refuses_larger_digits),
		cmocka_unit_test(parse_uint_agrees_with_reference_for_small_numbers),
		cmocka_unit_test(duration_units),
		cmocka_unit_test(duration_max_is_inclusive_and_enforced),
		cmocka_unit_test(duration_over_small_max_is_refused),
		cmocka_unit_test(duration_overflow_is_an_error),
		cmocka_unit_test(duration_rejects_junk),
		cmocka_unit_test(bool_words),
		cmocka_unit_test(bool_rejects_others),
		cmocka_unit_test(sanitize_replaces_controls_and_del),
		cmocka_unit_test(sanitize_replaces_utf8_c1_controls),
		cmocka_unit_test(sanitize_respects_cap),
		cmocka_unit_test(sanitize_uses_len_not_nul),
		cmocka_unit_test(has_ctl_finds_control_bytes),
		cmocka_unit_test(trim_and_case_prefix),
		cmocka_unit_test(random_hex_length_and_charset),
		cmocka_unit_test(random_hex_fills_all_requested_digits),
		cmocka_unit_test(xstrndup_copies_at_most_n),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
