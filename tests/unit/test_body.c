// SPDX-License-Identifier: MIT
/* test_body.c: DATA transparency (body.h): dot-stuffing, chunk boundaries,
 * the end marker and the round trip unstuff(stuff(x)) == x. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "body.h"

#define OUT_MAX (1024 * 1024)

/* Stuff n bytes of in in one call, add the end marker, into out. */
static void
stuff_all(const char *in, size_t n, struct buf *out)
{
	struct body_stuffer st;
	body_stuff_init(&st);
	buf_init(out, OUT_MAX);
	assert_int_equal(body_stuff(&st, in, n, out), ERR_OK);
	assert_int_equal(body_stuff_end(&st, out), ERR_OK);
}

/* The same, fed in pieces of the given sizes (cycled). */
static void
stuff_chunked(const char *in, size_t n, const size_t *sizes, size_t nsizes, struct buf *out)
{
	struct body_stuffer st;
	size_t off = 0, k = 0;
	body_stuff_init(&st);
	buf_init(out, OUT_MAX);
	while (off < n) {
		size_t take = sizes[k++ % nsizes];
		if (take > n - off)
			take = n - off;
		assert_int_equal(body_stuff(&st, in + off, take, out), ERR_OK);
		off += take;
	}
	assert_int_equal(body_stuff_end(&st, out), ERR_OK);
}

static void
expect_stuffed(const char *in, const char *want)
{
	struct buf out;
	stuff_all(in, strlen(in), &out);
	if (out.len != strlen(want) || memcmp(out.data, want, out.len) != 0)
		fail_msg("stuff(\"%s\") gave \"%s\", want \"%s\"", in, buf_str(&out), want);
	buf_free(&out);
}

static void
empty_body_is_just_the_end_marker(void **state)
{
	(void)state;
	expect_stuffed("", ".\r\n");
}

static void
leading_dot_is_doubled(void **state)
{
	(void)state;
	expect_stuffed(".hidden\r\n", "..hidden\r\n.\r\n");
	expect_stuffed("a\r\n.b\r\n", "a\r\n..b\r\n.\r\n");
}

static void
line_of_only_a_dot(void **state)
{
	(void)state;
	expect_stuffed(".\r\n", "..\r\n.\r\n");
	expect_stuffed("x\r\n.\r\ny\r\n", "x\r\n..\r\ny\r\n.\r\n");
}

static void
two_dots_become_three(void **state)
{
	(void)state;
	expect_stuffed("..\r\n", "...\r\n.\r\n");
	expect_stuffed("...x\r\n", "....x\r\n.\r\n");
}

static void
dots_mid_line_untouched(void **state)
{
	(void)state;
	expect_stuffed("a.b. .\r\nend .\r\n", "a.b. .\r\nend .\r\n.\r\n");
	expect_stuffed(" .indented\r\n", " .indented\r\n.\r\n");
}

static void
empty_lines_and_dots(void **state)
{
	(void)state;
	expect_stuffed("\r\n\r\n.\r\n\r\n", "\r\n\r\n..\r\n\r\n.\r\n");
}

static void
missing_final_crlf_is_added(void **state)
{
	(void)state;
	expect_stuffed("no newline", "no newline\r\n.\r\n");
	expect_stuffed("a\r\n.b", "a\r\n..b\r\n.\r\n");
	expect_stuffed(".", "..\r\n.\r\n");
}

static void
half_crlf_at_end_is_completed_not_doubled(void **state)
{
	(void)state;
	/* A text ending in CR lacks only the LF. */
	expect_stuffed("abc\r", "abc\r\n.\r\n");
}

static void
stuff_end_output_alone(void **state)
{
	struct body_stuffer st;
	struct buf out;
	(void)state;
	body_stuff_init(&st);
	buf_init(&out, 64);
	assert_int_equal(body_stuff_end(&st, &out), ERR_OK);
	assert_string_equal(buf_str(&out), ".\r\n");
	buf_free(&out);

	body_stuff_init(&st);
	buf_init(&out, 64);
	assert_int_equal(body_stuff(&st, "x\r\n", 3, &out), ERR_OK);
	assert_int_equal(body_stuff_end(&st, &out), ERR_OK);
	assert_string_equal(buf_str(&out), "x\r\n.\r\n");
	buf_free(&out);
}

static void
chunk_boundary_before_dot(void **state)
{
	struct body_stuffer st;
	struct buf out;
	(void)state;
	body_stuff_init(&st);
	buf_init(&out, 256);
	assert_int_equal(body_stuff(&st, "line\r\n", 6, &out), ERR_OK);
	assert_int_equal(body_stuff(&st, ".dot\r", 5, &out), ERR_OK);
	assert_int_equal(body_stuff(&st, "\n", 1, &out), ERR_OK);
	assert_int_equal(body_stuff(&st, ".", 1, &out), ERR_OK);
	assert_int_equal(body_stuff(&st, ".", 1, &out), ERR_OK);
	assert_int_equal(body_stuff(&st, "\r\n", 2, &out), ERR_OK);
	assert_int_equal(body_stuff(&st, "", 0, &out), ERR_OK);
	assert_int_equal(body_stuff_end(&st, &out), ERR_OK);
	assert_string_equal(buf_str(&out), "line\r\n..dot\r\n...\r\n.\r\n");
	buf_free(&out);
}

static void
byte_by_byte_equals_one_shot(void **state)
{
	static const char text[] =
	    ".start\r\n"
	    "normal line\r\n"
	    ".\r\n"
	    "..\r\n"
	    "\r\n"
	    ". space\r\n"
	    "mid.dle.\r\n"
	    "..double\r\n"
	    "last without crlf .";
	const size_t ones[] = { 1 };
	const size_t odd[] = { 3, 1, 7, 2, 5 };
	struct buf a, b, c;
	(void)state;
	stuff_all(text, sizeof text - 1, &a);
	stuff_chunked(text, sizeof text - 1, ones, 1, &b);
	stuff_chunked(text, sizeof text - 1, odd, 5, &c);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	assert_int_equal(a.len, c.len);
	assert_memory_equal(a.data, c.data, a.len);
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
}

static void
every_split_point_equals_one_shot(void **state)
{
	static const char text[] = ".a\r\n.\r\nb.\r\n..\r\n\r\n.c";
	const size_t n = sizeof text - 1;
	struct buf whole;
	(void)state;
	stuff_all(text, n, &whole);
	for (size_t cut = 0; cut <= n; cut++) {
		struct body_stuffer st;
		struct buf out;
		body_stuff_init(&st);
		buf_init(&out, 256);
		assert_int_equal(body_stuff(&st, text, cut, &out), ERR_OK);
		assert_int_equal(body_stuff(&st, text + cut, n - cut, &out), ERR_OK);
		assert_int_equal(body_stuff_end(&st, &out), ERR_OK);
		if (out.len != whole.len || memcmp(out.data, whole.data, out.len) != 0)
			fail_msg("split at %zu differs", cut);
		buf_free(&out);
	}
	buf_free(&whole);
}

static void
output_bound_is_enforced(void **state)
{
	struct body_stuffer st;
	struct buf out;
	(void)state;
	body_stuff_init(&st);
	buf_init(&out, 8);
	assert_int_equal(body_stuff(&st, "abcdefghij\r\n", 12, &out), ERR_TOOBIG);
	assert_true(out.len <= 8);
	buf_free(&out);

	/* The extra dot counts against max too. */
	body_stuff_init(&st);
	buf_init(&out, 4);
	assert_int_equal(body_stuff(&st, ".ab\r", 4, &out), ERR_TOOBIG);
	assert_true(out.len <= 4);
	buf_free(&out);

	/* The end marker itself must fit. */
	body_stuff_init(&st);
	buf_init(&out, 2);
	assert_int_equal(body_stuff_end(&st, &out), ERR_TOOBIG);
	buf_free(&out);
}

/* ---- body_unstuff ---- */

static void
unstuff_basic(void **state)
{
	struct buf out;
	(void)state;
	buf_init(&out, 256);
	assert_int_equal(body_unstuff("..a\r\nb\r\n...\r\n.\r\n", 16, &out), ERR_OK);
	assert_string_equal(buf_str(&out), ".a\r\nb\r\n..\r\n");
	buf_free(&out);
	buf_init(&out, 256);
	assert_int_equal(body_unstuff(".\r\n", 3, &out), ERR_OK);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void
unstuff_requires_end_marker(void **state)
{
	struct buf out;
	(void)state;
	const char *bad[] = { "", "abc\r\n", "abc\r\n.", "abc\r\n.\r", "abc\r\n..\r\n",
		".\n", "abc\r\n.\r\nmore\r\n" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_init(&out, 256);
		if (body_unstuff(bad[i], strlen(bad[i]), &out) != ERR_DATA)
			fail_msg("unstuff accepted case %zu", i);
		buf_free(&out);
	}
}

/* A deterministic generator (xorshift32), so failures reproduce. */
static uint32_t
rnd(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* A random CRLF-canonical text: lines of '.', ' ', letters and 8-bit
 * bytes, each ending in CRLF, with dot-heavy lines common. */
static size_t
gen_text(uint32_t *seed, char *out, size_t cap)
{
	static const char alphabet[] = "....  abcXYZ.\t\x80\xff:-";
	size_t n = 0, lines = rnd(seed) % 20;
	for (size_t l = 0; l < lines; l++) {
		size_t len = rnd(seed) % 6 == 0 ? 0 : rnd(seed) % 12;
		if (n + len + 2 > cap)
			break;
		for (size_t i = 0; i < len; i++)
			out[n++] = alphabet[rnd(seed) % (sizeof alphabet - 1)];
		out[n++] = '\r';
		out[n++] = '\n';
	}
	return n;
}

static void
round_trip_generated_texts(void **state)
{
	uint32_t seed = 0x5ea1b057;
	char text[4096];
	(void)state;
	for (int iter = 0; iter < 5000; iter++) {
		size_t n = gen_text(&seed, text, sizeof text);
		size_t split = n ? rnd(&seed) % (n + 1) : 0;
		struct body_stuffer st;
		struct buf stuffed, back;
		body_stuff_init(&st);
		buf_init(&stuffed, 2 * sizeof text + 8);
		buf_init(&back, sizeof text);
		assert_int_equal(body_stuff(&st, text, split, &stuffed), ERR_OK);
		assert_int_equal(body_stuff(&st, text + split, n - split, &stuffed), ERR_OK);
		assert_int_equal(body_stuff_end(&st, &stuffed), ERR_OK);
		if (body_unstuff(stuffed.data, stuffed.len, &back) != ERR_OK)
			fail_msg("iteration %d: unstuff failed", iter);
		if (back.len != n || (n && memcmp(back.data, text, n) != 0))
			fail_msg("iteration %d: round trip differs (%zu vs %zu bytes)", iter,
			    back.len, n);
		buf_free(&stuffed);
		buf_free(&back);
	}
}

static void
stuffed_output_never_has_a_lone_dot_line(void **state)
{
	uint32_t seed = 12345;
	char text[2048];
	(void)state;
	for (int iter = 0; iter < 2000; iter++) {
		size_t n = gen_text(&seed, text, sizeof text);
		struct buf out;
		stuff_all(text, n, &out);
		/* The only ".\r\n" line is the last one. */
		size_t start = 0;
		for (size_t i = 0; i < out.len; i++) {
			if (out.data[i] != '\n')
				continue;
			size_t linelen = i + 1 - start;
			if (linelen == 3 && out.data[start] == '.' && i + 1 != out.len)
				fail_msg("iteration %d: lone dot at offset %zu", iter, start);
			start = i + 1;
		}
		assert_true(out.len >= 3);
		assert_memory_equal(out.data + out.len - 3, ".\r\n", 3);
		buf_free(&out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_body_is_just_the_end_marker),
		cmocka_unit_test(leading_dot_is_doubled),
		cmocka_unit_test(line_of_only_a_dot),
		cmocka_unit_test(two_dots_become_three),
		cmocka_unit_test(dots_mid_line_untouched),
		cmocka_unit_test(empty_lines_and_dots),
		cmocka_unit_test(missing_final_crlf_is_added),
		cmocka_unit_test(half_crlf_at_end_is_completed_not_doubled),
		cmocka_unit_test(stuff_end_output_alone),
		cmocka_unit_test(chunk_boundary_before_dot),
		cmocka_unit_test(byte_by_byte_equals_one_shot),
		cmocka_unit_test(every_split_point_equals_one_shot),
		cmocka_unit_test(output_bound_is_enforced),
		cmocka_unit_test(unstuff_basic),
		cmocka_unit_test(unstuff_requires_end_marker),
		cmocka_unit_test(round_trip_generated_texts),
		cmocka_unit_test(stuffed_output_never_has_a_lone_dot_line),
	};
	return cmocka_run_group_tests_name("body", tests, NULL, NULL);
}
