// SPDX-License-Identifier: MIT
/* Unit tests for qp.c: line length, escapes, and the round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qp.h"

static void
encode(const char *in, size_t n, struct buf *out)
{
	buf_init(out, 1 << 20);
	assert_int_equal(qp_encode_line(in, n, out), ERR_OK);
}

static void
lines_never_exceed_76_octets(void **state)
{
	char in[5000];
	struct buf out;
	(void)state;
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (char)(i % 7 == 0 ? '=' : i % 11 == 0 ? (char)0xE9 : 'a' + (int)(i % 26));
	encode(in, sizeof in, &out);
	for (const char *p = out.data; *p;) {
		const char *e = strstr(p, "\r\n");
		assert_non_null(e);
		assert_true(e - p <= QP_LINE_MAX);
		p = e + 2;
	}
	buf_free(&out);
}

static void
escapes_and_trailing_blanks(void **state)
{
	struct buf out;
	(void)state;
	encode("a=b\tc ", 6, &out);
	assert_string_equal(out.data, "a=3Db\tc=20\r\n");
	buf_free(&out);
	encode(".x", 2, &out);
	assert_string_equal(out.data, "=2Ex\r\n");
	buf_free(&out);
	encode("From here", 9, &out);
	assert_string_equal(out.data, "=46rom here\r\n");
	buf_free(&out);
	encode("", 0, &out);
	assert_string_equal(out.data, "\r\n");
	buf_free(&out);
}

static void
round_trip_is_exact(void **state)
{
	unsigned seed = 12345;
	(void)state;
	for (int round = 0; round < 300; round++) {
		char in[3000];
		size_t n = (size_t)(rand_r(&seed) % (int)sizeof in);
		struct buf out, back;
		for (size_t i = 0; i < n; i++) {
			int c = rand_r(&seed) % 256;
			in[i] = (char)(c == '\r' || c == '\n' ? 'z' : c);
		}
		encode(in, n, &out);
		buf_init(&back, 1 << 20);
		assert_int_equal(qp_decode(out.data, out.len, &back), ERR_OK);
		assert_int_equal(back.len, n + 2);
		assert_memory_equal(back.data, in, n);
		assert_memory_equal(back.data + n, "\r\n", 2);
		buf_free(&out);
		buf_free(&back);
	}
}

static void
decode_refuses_bad_escapes(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 100);
	assert_int_equal(qp_decode("a=Z1\r\n", 6, &b), ERR_DATA);
	buf_reset(&b);
	assert_int_equal(qp_decode("a=4\r\n", 5, &b), ERR_DATA);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_never_exceed_76_octets),
		cmocka_unit_test(escapes_and_trailing_blanks),
		cmocka_unit_test(round_trip_is_exact),
		cmocka_unit_test(decode_refuses_bad_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
