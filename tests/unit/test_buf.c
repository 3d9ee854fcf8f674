// SPDX-License-Identifier: MIT
/* test_buf.c: the bounded buffer (buf.h) through its public interface:
 * the max bound, NUL termination, unchanged-on-error, ownership transfer
 * and the truncating errf(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

static void
init_is_empty(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 10);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 10);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
}

static void
add_exactly_max_fits_and_one_more_is_toobig(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_add(&b, "12345678", 8), ERR_OK);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "12345678");
	assert_int_equal(buf_addc(&b, 'x'), ERR_TOOBIG);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "12345678");
	/* Zero bytes at max still succeed. */
	assert_int_equal(buf_add(&b, "", 0), ERR_OK);
	assert_int_equal(b.len, 8);
	buf_free(&b);
}

static void
add_past_max_leaves_buffer_unchanged(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_adds(&b, "hello"), ERR_OK);
	assert_int_equal(buf_adds(&b, "world!"), ERR_TOOBIG);
	assert_int_equal(b.len, 5);
	assert_string_equal(buf_str(&b), "hello");
	assert_int_equal(buf_addf(&b, "%s", "123456"), ERR_TOOBIG);
	assert_int_equal(b.len, 5);
	assert_string_equal(buf_str(&b), "hello");
	/* Exactly filling the rest still works after a refusal. */
	assert_int_equal(buf_addf(&b, "%d", 12345), ERR_OK);
	assert_string_equal(buf_str(&b), "hello12345");
	buf_free(&b);
}

static void
first_add_too_big_leaves_data_null(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 3);
	assert_int_equal(buf_adds(&b, "abcd"), ERR_TOOBIG);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
}

static void
huge_length_does_not_wrap(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 16);
	assert_int_equal(buf_adds(&b, "ab"), ERR_OK);
	assert_int_equal(buf_add(&b, "x", SIZE_MAX), ERR_TOOBIG);
	assert_int_equal(buf_add(&b, "x", SIZE_MAX - 1), ERR_TOOBIG);
	assert_string_equal(buf_str(&b), "ab");
	buf_free(&b);
}

static void
data_is_nul_terminated_after_every_add(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 4096);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(buf_addc(&b, (char)('a' + i % 26)), ERR_OK);
		assert_int_equal(b.data[b.len], '\0');
		assert_true(b.cap > b.len);
	}
	assert_int_equal(strlen(b.data), 1000);
	/* An empty add on an unused buffer still gives a string. */
	buf_free(&b);
	assert_int_equal(buf_add(&b, "", 0), ERR_OK);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	buf_free(&b);
}

static void
binary_bytes_are_kept(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_add(&b, "a\0b\r\n", 5), ERR_OK);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "a\0b\r\n", 6);
	buf_free(&b);
}

static void
addf_appends_formatted_text(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 100);
	assert_int_equal(buf_addf(&b, "%s=%d", "n", 42), ERR_OK);
	assert_int_equal(buf_addf(&b, "; %03u%%", 7u), ERR_OK);
	assert_string_equal(buf_str(&b), "n=42; 007%");
	assert_int_equal(b.len, strlen("n=42; 007%"));
	/* An empty format on an empty buffer gives "" (not NULL). */
	buf_free(&b);
	assert_int_equal(buf_addf(&b, "%s", ""), ERR_OK);
	assert_string_equal(buf_str(&b), "");
	assert_non_null(b.data);
	buf_free(&b);
}

static void
addf_exactly_to_max(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 6);
	assert_int_equal(buf_addf(&b, "%s", "abc"), ERR_OK);
	assert_int_equal(buf_addf(&b, "%d", 1234), ERR_TOOBIG);
	assert_string_equal(buf_str(&b), "abc");
	assert_int_equal(buf_addf(&b, "%d", 123), ERR_OK);
	assert_string_equal(buf_str(&b), "abc123");
	assert_int_equal(b.len, 6);
	buf_free(&b);
}

static void
addf_long_output_grows(void **state)
{
	struct buf b;
	char big[5000];
	(void)state;
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_init(&b, 10000);
	assert_int_equal(buf_addf(&b, "<%s>", big), ERR_OK);
	assert_int_equal(b.len, sizeof big + 1);
	assert_int_equal(b.data[0], '<');
	assert_int_equal(b.data[b.len - 1], '>');
	assert_int_equal(b.data[b.len], '\0');
	buf_free(&b);
}

static void
take_transfers_ownership_and_empties(void **state)
{
	struct buf b;
	char *p;
	(void)state;
	buf_init(&b, 50);
	assert_int_equal(buf_adds(&b, "owned"), ERR_OK);
	p = buf_take(&b);
	assert_string_equal(p, "owned");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 50);
	free(p);
	/* Reusable after take. */
	assert_int_equal(buf_adds(&b, "again"), ERR_OK);
	assert_string_equal(buf_str(&b), "again");
	buf_free(&b);
}

static void
take_of_empty_buffer_is_empty_string(void **state)
{
	struct buf b;
	char *p;
	(void)state;
	buf_init(&b, 50);
	p = buf_take(&b);
	assert_non_null(p);
	assert_string_equal(p, "");
	free(p);
	buf_free(&b);
}

static void
truncate_shortens_and_terminates(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 50);
	assert_int_equal(buf_adds(&b, "abcdef"), ERR_OK);
	buf_truncate(&b, 3);
	assert_int_equal(b.len, 3);
	assert_string_equal(buf_str(&b), "abc");
	buf_truncate(&b, 3);
	assert_string_equal(buf_str(&b), "abc");
	buf_truncate(&b, 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_adds(&b, "xy"), ERR_OK);
	assert_string_equal(buf_str(&b), "xy");
	buf_free(&b);
}

static void
reset_keeps_memory_and_empties(void **state)
{
	struct buf b;
	char *before;
	(void)state;
	buf_init(&b, 50);
	assert_int_equal(buf_adds(&b, "abc"), ERR_OK);
	before = b.data;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_ptr_equal(b.data, before);
	assert_string_equal(buf_str(&b), "");
	buf_reset(&b);
	buf_free(&b);
	buf_reset(&b);  /* on a freed buffer: harmless */
	assert_string_equal(buf_str(&b), "");
}

static void
free_leaves_buffer_reusable_with_same_max(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 4);
	assert_int_equal(buf_adds(&b, "abcd"), ERR_OK);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 4);
	buf_free(&b);  /* twice is fine */
	assert_int_equal(buf_adds(&b, "abcde"), ERR_TOOBIG);
	assert_int_equal(buf_adds(&b, "wxyz"), ERR_OK);
	assert_string_equal(buf_str(&b), "wxyz");
	buf_wipe(&b);
	assert_null(b.data);
	assert_int_equal(b.max, 4);
	buf_wipe(&b);   /* wiping an empty buffer is fine */
}

static void
errf_appends_within_max(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 100);
	errf(&b, "%s:%u: ", "file", 7u);
	errf(&b, "bad %s", "key");
	assert_string_equal(buf_str(&b), "file:7: bad key");
	buf_free(&b);
}

static void
errf_truncates_to_what_fits(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 10);
	errf(&b, "%s", "0123456789abcdef");
	assert_int_equal(b.len, 10);
	assert_string_equal(buf_str(&b), "0123456789");
	/* Full: further messages are dropped, not an error. */
	errf(&b, "more");
	assert_string_equal(buf_str(&b), "0123456789");
	buf_free(&b);

	buf_init(&b, 10);
	assert_int_equal(buf_adds(&b, "abcdefg"), ERR_OK);
	errf(&b, "%d", 123456);
	assert_string_equal(buf_str(&b), "abcdefg123");
	buf_free(&b);
}

static void
errf_very_long_message_is_truncated_safely(void **state)
{
	struct buf b;
	char big[6000];
	(void)state;
	memset(big, 'm', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_init(&b, 100000);
	errf(&b, "%s", big);
	assert_true(b.len > 0);
	assert_true(b.len <= sizeof big - 1);
	assert_int_equal(b.data[b.len], '\0');
	for (size_t i = 0; i < b.len; i++)
		assert_int_equal(b.data[i], 'm');
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_is_empty),
		cmocka_unit_test(add_exactly_max_fits_and_one_more_is_toobig),
		cmocka_unit_test(add_past_max_leaves_buffer_unchanged),
		cmocka_unit_test(first_add_too_big_leaves_data_null),
		cmocka_unit_test(huge_length_does_not_wrap),
		cmocka_unit_test(data_is_nul_terminated_after_every_add),
		cmocka_unit_test(binary_bytes_are_kept),
		cmocka_unit_test(addf_appends_formatted_text),
		cmocka_unit_test(addf_exactly_to_max),
		cmocka_unit_test(addf_long_output_grows),
		cmocka_unit_test(take_transfers_ownership_and_empties),
		cmocka_unit_test(take_of_empty_buffer_is_empty_string),
		cmocka_unit_test(truncate_shortens_and_terminates),
		cmocka_unit_test(reset_keeps_memory_and_empties),
		cmocka_unit_test(free_leaves_buffer_reusable_with_same_max),
		cmocka_unit_test(errf_appends_within_max),
		cmocka_unit_test(errf_truncates_to_what_fits),
		cmocka_unit_test(errf_very_long_message_is_truncated_safely),
	};
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
