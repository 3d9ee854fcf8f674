// SPDX-License-Identifier: MIT
/* test_json.c: json.c's string escaper (mailq --json) with hostile bytes:
 * whatever an envelope holds, the output is one valid JSON string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

/* The JSON text for len octets of s. */
static char *
esc(const char *s, size_t len)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(json_str(&b, s, len), ERR_OK);
	return buf_take(&b);
}

#define ESC_IS(lit, want) do { \
		char *got_ = esc((lit), sizeof(lit) - 1); \
		assert_string_equal(got_, (want)); \
		free(got_); \
	} while (0)

static void
plain_text_is_quoted(void **state)
{
	(void)state;
	ESC_IS("", "\"\"");
	ESC_IS("alice@example.org", "\"alice@example.org\"");
	ESC_IS("a/b <c>", "\"a/b <c>\"");
}

static void
quote_and_backslash_escaped(void **state)
{
	(void)state;
	ESC_IS("\"", "\"\\\"\"");
	ESC_IS("\\", "\"\\\\\"");
	ESC_IS("a\"},{\"x\":1", "\"a\\\"},{\\\"x\\\":1\"");
}

static void
controls_escaped(void **state)
{
	(void)state;
	ESC_IS("\r\n\t\b\f", "\"\\r\\n\\t\\b\\f\"");
	ESC_IS("\x01\x1b[31m\x1f\x7f", "\"\\u0001\\u001b[31m\\u001f\\u007f\"");
	/* A NUL inside the given length is data, not the end. */
	ESC_IS("a\0b", "\"a\\u0000b\"");
}

static void
valid_utf8_kept(void **state)
{
	(void)state;
	ESC_IS("J\xc3\xbcrgen", "\"J\xc3\xbcrgen\"");                 /* U+00FC */
	ESC_IS("\xe2\x82\xac", "\"\xe2\x82\xac\"");                     /* U+20AC */
	ESC_IS("\xf0\x9f\x93\xa7", "\"\xf0\x9f\x93\xa7\"");             /* U+1F4E7 */
	ESC_IS("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");             /* U+10FFFF */
	/* Line separators that JavaScript would end a line at. */
	ESC_IS("a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\"");
}

static void
invalid_utf8_replaced(void **state)
{
	(void)state;
	ESC_IS("\xff", "\"\\ufffd\"");
	ESC_IS("\x80" "abc", "\"\\ufffdabc\"");                             /* lone continuation */
	ESC_IS("\xc3", "\"\\ufffd\"");                                   /* cut short */
	ESC_IS("\xc3(", "\"\\ufffd(\"");
	ESC_IS("\xc0\xaf", "\"\\ufffd\\ufffd\"");                        /* overlong '/' */
	ESC_IS("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");              /* overlong */
	ESC_IS("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");              /* surrogate D800 */
	ESC_IS("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");   /* past U+10FFFF */
	ESC_IS("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	ESC_IS("\xe2\x82", "\"\\ufffd\\ufffd\"");                        /* truncated at the end */
	/* A bad octet does not swallow a quote after it. */
	ESC_IS("\xe2\"", "\"\\ufffd\\\"\"");
}

/* Every one of the 256 octets, alone and in pairs: the output has no raw
 * control character, no unescaped quote inside, and is valid UTF-8. */
static void
every_octet_makes_a_valid_string(void **state)
{
	(void)state;
	for (unsigned a = 0; a < 256; a++)
		for (unsigned b = 0; b < 256; b += (a < 0x80 ? 255 : 1)) {
			char in[3] = { (char)a, (char)b, 'x' };
			char *out = esc(in, sizeof in);
			size_t n = strlen(out);
			assert_true(n >= 2 && out[0] == '"' && out[n - 1] == '"');
			for (size_t i = 1; i + 1 < n; i++) {
				unsigned char c = (unsigned char)out[i];
				assert_true(c >= 0x20 && c != 0x7f);
				if (c == '\\') {
					assert_non_null(strchr("\"\\bfnrtu", out[i + 1]));
					i++;
				} else {
					assert_true(c != '"');
				}
			}
			free(out);
		}
}

static void
bound_leaves_buffer_unchanged(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 8);
	assert_int_equal(json_str(&b, "ab", 2), ERR_OK);
	assert_int_equal(json_str(&b, "\x01\x02", 2), ERR_TOOBIG);
	assert_string_equal(buf_str(&b), "\"ab\"");
	assert_int_equal(json_str_or_null(&b, NULL), ERR_OK);
	assert_string_equal(buf_str(&b), "\"ab\"null");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_text_is_quoted),
		cmocka_unit_test(quote_and_backslash_escaped),
		cmocka_unit_test(controls_escaped),
		cmocka_unit_test(valid_utf8_kept),
		cmocka_unit_test(invalid_utf8_replaced),
		cmocka_unit_test(every_octet_makes_a_valid_string),
		cmocka_unit_test(bound_leaves_buffer_unchanged),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
