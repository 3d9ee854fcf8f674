// SPDX-License-Identifier: MIT
/* test_hdr2047.c: header fields with 8-bit octets made 7-bit (hdr2047.h):
 * RFC 2047 encoded words in unstructured text, display names and
 * comments, folding, A-labels for UTF-8 domains, and the refusals (not
 * UTF-8, a non-ASCII local part, a field where no encoded word may go).
 * Results are checked exactly where short, and otherwise by decoding
 * them back (RFC 2047 6.2) and by the line limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gnutls/gnutls.h>

#include "bounds.h"
#include "buf.h"
#include "hdr2047.h"

/* The field (a C string) through hdr2047_field(); *rc and *why as it
 * returned them. The result is the caller's to free. */
static char *
encode(const char *f, enum err *rc, const char **why)
{
	const char *colon = strchr(f, ':');
	struct buf b;
	assert_non_null(colon);
	buf_init(&b, 1 << 20);
	*rc = hdr2047_field(f, strlen(f), (size_t)(colon - f), &b, why);
	return buf_take(&b);
}

static void
expect_field(const char *in, const char *want)
{
	enum err rc;
	const char *why = NULL;
	char *got = encode(in, &rc, &why);
	if (rc != ERR_OK || strcmp(got, want) != 0)
		fail_msg("%s\n got (%s, %s):\n[%s]\nwant:\n[%s]", in, err_str(rc), why ? why : "-",
		    got, want);
	free(got);
}

static void
expect_refused(const char *in, const char *why_part)
{
	enum err rc;
	const char *why = NULL;
	char *got = encode(in, &rc, &why);
	if (rc != ERR_DATA || !why || !strstr(why, why_part))
		fail_msg("%s: %s (%s), want ERR_DATA with \"%s\"", in, err_str(rc),
		    why ? why : "-", why_part);
	free(got);
}

/* One encoded word at w (n octets) decoded into out; its text must be
 * whole UTF-8 characters (RFC 2047 5 (3): no character split between
 * words). */
static void
decode_word(const char *w, size_t n, struct buf *out)
{
	const char *p = w + 10, *end = w + n - 2;
	struct buf one;
	assert_true(n <= 75);
	assert_true(n > 12 && memcmp(w + n - 2, "?=", 2) == 0);
	buf_init(&one, 256);
	if (memcmp(w, "=?UTF-8?Q?", 10) == 0) {
		for (; p < end; p++) {
			char c = *p;
			if (c == '_') {
				c = ' ';
			} else if (c == '=') {
				char hx[3] = { p[1], p[2], 0 };
				assert_true(p + 2 < end);
				c = (char)strtoul(hx, NULL, 16);
				p += 2;
			}
			assert_int_equal(buf_addc(&one, c), ERR_OK);
		}
	} else {
		assert_memory_equal(w, "=?UTF-8?B?", 10);
		gnutls_datum_t in = { (unsigned char *)(uintptr_t)p, (unsigned)(end - p) };
		gnutls_datum_t dec = { NULL, 0 };
		assert_int_equal(gnutls_base64_decode2(&in, &dec), 0);
		assert_int_equal(buf_add(&one, dec.data, dec.size), ERR_OK);
		gnutls_free(dec.data);
	}
	assert_true(hdr2047_utf8_valid(buf_str(&one), one.len));
	assert_int_equal(buf_add(out, buf_str(&one), one.len), ERR_OK);
	buf_free(&one);
}

static bool
is_ew(const char *w, size_t n)
{
	return n > 12 && memcmp(w, "=?UTF-8?", 8) == 0 && (w[8] == 'Q' || w[8] == 'B') &&
	    w[9] == '?' && memcmp(w + n - 2, "?=", 2) == 0;
}

/* The value of field f (after the colon and one space) unfolded, with
 * its encoded words decoded and the white space between two of them
 * dropped (RFC 2047 6.2). Also checks that f is 7-bit, and that a line
 * with an encoded word has at most 76 octets, any other at most 78. */
static char *
decode_value(const char *f)
{
	struct buf out, unf;
	const char *v = strchr(f, ':') + 1, *line = f;
	bool prev_ew = false;

	for (const char *p = f; ; p++) {
		assert_true((unsigned char)*p < 0x80);
		if (*p == '\r' || *p == '\0') {
			size_t len = (size_t)(p - line);
			bool ew = memmem(line, len, "=?", 2) != NULL;
			if (len > (ew ? 76u : 78u))
				fail_msg("line of %zu octets: [%.*s]", len, (int)len, line);
			if (*p == '\0')
				break;
			line = p + 2;
		}
	}
	buf_init(&unf, 1 << 20);
	buf_init(&out, 1 << 20);
	for (const char *p = v; *p; p++)
		if (*p != '\r' && *p != '\n')
			assert_int_equal(buf_addc(&unf, *p), ERR_OK);
	const char *s = buf_str(&unf);
	if (*s == ' ')
		s++;
	while (*s) {
		size_t ws = strspn(s, " \t"), wl = strcspn(s + ws, " \t");
		const char *w = s + ws;
		bool ew = is_ew(w, wl);
		if (!(ew && prev_ew))
			assert_int_equal(buf_add(&out, s, ws), ERR_OK);
		if (ew)
			decode_word(w, wl, &out);
		else
			assert_int_equal(buf_add(&out, w, wl), ERR_OK);
		prev_ew = ew;
		s = w + wl;
	}
	buf_free(&unf);
	return buf_take(&out);
}

/* in must encode, stay within the limits and decode back to its own
 * value. */
static void
expect_round_trip(const char *in)
{
	enum err rc;
	const char *why = NULL;
	char *got = encode(in, &rc, &why);
	if (rc != ERR_OK)
		fail_msg("%s: %s (%s)", in, err_str(rc), why ? why : "-");
	char *dec = decode_value(got);
	const char *v = strchr(in, ':') + 1;
	char want[4096];
	size_t n = 0;
	for (v += *v == ' '; *v && n + 1 < sizeof want; v++)
		if (*v != '\r' && *v != '\n')
			want[n++] = *v;
	want[n] = '\0';
	if (strcmp(dec, want) != 0)
		fail_msg("decoded:\n[%s]\nwant:\n[%s]\nencoded:\n[%s]", dec, want, got);
	free(dec);
	free(got);
}

static void
ascii_field_is_copied_unchanged(void **state)
{
	(void)state;
	expect_field("Subject: plain\r\n  folded as it was", "Subject: plain\r\n  folded as it was");
	expect_field("Content-Type: text/plain", "Content-Type: text/plain");
}

static void
subject_words_with_utf8_are_encoded(void **state)
{
	(void)state;
	/* Q unless B is much shorter; ASCII words stay as they are. */
	expect_field("Subject: Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln",
	    "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?UTF-8?Q?K=C3=B6ln?=");
	expect_field("Subject: \xe6\x97\xa5\xe6\x9c\xac", "Subject: =?UTF-8?B?5pel5pys?=");
	expect_field("Subject: caf\xc3\xa9 au lait", "Subject: =?UTF-8?Q?caf=C3=A9?= au lait");
	expect_round_trip("Subject: Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln");
}

static void
adjacent_utf8_words_share_the_space_inside_the_encoding(void **state)
{
	(void)state;
	/* Between two encoded words white space is dropped (RFC 2047 6.2),
	 * so the space between the two words travels encoded. */
	expect_field("Subject: \xc3\xa9t\xc3\xa9 \xc3\xa0 Paris",
	    "Subject: =?UTF-8?B?w6l0w6kgw6A=?= Paris");
	expect_field("Subject: caf\xc3\xa9 cr\xc3\xa8me", "Subject: =?UTF-8?Q?caf=C3=A9_cr=C3=A8me?=");
	expect_round_trip("Subject: \xc3\xa9t\xc3\xa9  \xc3\xa0\t\xc3\xa0 Paris");
}

static void
existing_encoded_words_next_to_utf8_keep_their_spaces(void **state)
{
	(void)state;
	expect_field("Subject: =?UTF-8?Q?a?= \xc3\xbc =?UTF-8?Q?b?=",
	    "Subject: =?UTF-8?Q?a?= =?UTF-8?Q?_=C3=BC_?= =?UTF-8?Q?b?=");
}

static void
subject_without_space_after_colon_gets_one(void **state)
{
	(void)state;
	expect_field("Subject:\xc3\xbc", "Subject: =?UTF-8?B?w7w=?=");
	expect_field("Subject : \xc3\xbc", "Subject : =?UTF-8?B?w7w=?=");
}

static void
long_subject_is_folded_and_decodes_back(void **state)
{
	(void)state;
	expect_round_trip("Subject: Re: [list] Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln und "
	    "\xc3\xbc" "berall in der ganzen weiten Welt, wo die Menschen einander schreiben,"
	    " immer noch mehr Text");
	/* One long run of multibyte characters: many words, none splitting
	 * a character (decode_word() checks each is whole UTF-8). */
	char in[2048];
	size_t n = (size_t)snprintf(in, sizeof in, "Subject: ");
	for (int i = 0; i < 60; i++)      /* 日本語 */
		n += (size_t)snprintf(in + n, sizeof in - n, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	expect_round_trip(in);
	n = (size_t)snprintf(in, sizeof in, "Subject: x");
	for (int i = 0; i < 150; i++)
		n += (size_t)snprintf(in + n, sizeof in - n, "%s", i % 3 ? "a" : "\xc3\xa9");
	expect_round_trip(in);
	/* Folded input is unfolded first. */
	expect_round_trip("Subject: one \xc3\xbc\r\n two \xc3\xb6\r\n\tthree");
}

static void
long_field_name_folds_after_the_colon(void **state)
{
	(void)state;
	expect_round_trip("X-An-Extremely-Long-Header-Field-Name-Used-By-Some-Tool-Or-Other: "
	    "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc");
}

static void
display_names_are_encoded(void **state)
{
	(void)state;
	expect_field("From: J\xc3\xbcrgen M\xc3\xbcller <j@example.com>",
	    "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <j@example.com>");
	/* A quoted string is encoded by its text (no encoded word may be
	 * inside quotes, RFC 2047 5 (3)). */
	expect_field("To: \"M\xc3\xbcller, Hans\" <h@x.example>, bob@b.example",
	    "To: =?UTF-8?Q?M=C3=BCller=2C_Hans?= <h@x.example>, bob@b.example");
	/* ASCII words of the name stay; an encoded word is kept apart from
	 * a special by white space. */
	expect_field("Reply-To: Dr. J\xc3\xbcrgen <j@example.com>",
	    "Reply-To: Dr. =?UTF-8?Q?J=C3=BCrgen?= <j@example.com>");
	expect_field("Cc: \"\xc3\x96\"<d@e.example>", "Cc: =?UTF-8?B?w5Y=?= <d@e.example>");
	expect_round_trip("From: J\xc3\xbcrgen M\xc3\xbcller <j@example.com>");
}

static void
group_names_and_keywords_are_phrases(void **state)
{
	(void)state;
	expect_field("To: Gr\xc3\xbcppe: a@b.example;",
	    "To: =?UTF-8?Q?Gr=C3=BCppe?= : a@b.example;");
	expect_field("Keywords: K\xc3\xb6ln, Bonn", "Keywords: =?UTF-8?Q?K=C3=B6ln?= , Bonn");
}

static void
comments_are_encoded(void **state)
{
	(void)state;
	expect_field("To: bob@b.example (Bob \xc3\x96st)",
	    "To: bob@b.example (=?UTF-8?Q?Bob_=C3=96st?=)");
	expect_field("From: a@b.example(\xc3\xa9)", "From: a@b.example(=?UTF-8?B?w6k=?=)");
	expect_field("From: J\xc3\xbcrgen(\xc3\xa9) <a@b.example>",
	    "From: =?UTF-8?Q?J=C3=BCrgen?= (=?UTF-8?B?w6k=?=) <a@b.example>");
	/* Nested parentheses and quoted-pairs become text of the comment. */
	expect_field("From: a@b.example (x (\xc3\xa9) \\) y)",
	    "From: a@b.example (=?UTF-8?Q?x_=28=C3=A9=29_=29_y?=)");
}

static void
long_address_list_is_folded_between_addresses(void **state)
{
	(void)state;
	expect_field("To: Dr. J\xc3\xbcrgen  M\xc3\xbcller (B\xc3\xbcro) <j@example.com>, "
	    "\"\xc3\x96\" <d@e.example>",
	    "To: Dr. =?UTF-8?Q?J=C3=BCrgen__M=C3=BCller?= (=?UTF-8?Q?B=C3=BCro?=)\r\n"
	    " <j@example.com>, =?UTF-8?B?w5Y=?= <d@e.example>");
}

static void
utf8_domain_becomes_a_labels(void **state)
{
	(void)state;
	expect_field("To: bob@b\xc3\xbc" "cher.example", "To: bob@xn--bcher-kva.example");
	expect_field("To: Bob <bob@mail.b\xc3\xbc" "cher.example>",
	    "To: Bob <bob@mail.xn--bcher-kva.example>");
}

static void
non_ascii_local_part_is_refused(void **state)
{
	(void)state;
	expect_refused("To: j\xc3\xb6s\xc3\xa9@example.com", "local part");
	expect_refused("From: Jos\xc3\xa9 <j\xc3\xb6s\xc3\xa9@example.com>", "local part");
	expect_refused("Cc: \"j\xc3\xb6\"@example.com", "local part");
	expect_refused("To: M\xc3\xbcller", "local part");
}

static void
invalid_utf8_is_refused(void **state)
{
	(void)state;
	expect_refused("Subject: caf\xe9", "not UTF-8");           /* Latin-1 */
	expect_refused("Subject: \xc0\xaf", "not UTF-8");          /* overlong */
	expect_refused("Subject: \xed\xa0\x80", "not UTF-8");      /* surrogate */
	expect_refused("Subject: \xe2\x82", "not UTF-8");          /* cut short */
	expect_refused("From: \xff <a@b.example>", "not UTF-8");
}

static void
fields_without_a_place_for_encoded_words_are_refused(void **state)
{
	(void)state;
	/* RFC 2047 5: not in parameters, Message-IDs, trace fields... */
	expect_refused("Content-Type: text/plain; name=\xc3\xbc", "no encoded words");
	expect_refused("Message-ID: <\xc3\xbc@x>", "no encoded words");
	expect_refused("Received: from \xc3\xbc", "no encoded words");
	expect_refused("To: a@[\xc3\xbc]", "no encoded words");
}

static void
unbalanced_structured_field_is_refused(void **state)
{
	(void)state;
	expect_refused("To: \"J\xc3\xbcrgen <j@example.com>", "unbalanced");
	expect_refused("To: j@example.com (\xc3\xbc", "unbalanced");
}

static void
utf8_validator(void **state)
{
	(void)state;
	assert_true(hdr2047_utf8_valid("", 0));
	assert_true(hdr2047_utf8_valid("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10));
	assert_false(hdr2047_utf8_valid("\xf4\x90\x80\x80", 4));    /* > U+10FFFF */
	assert_false(hdr2047_utf8_valid("\xe0\x80\xaf", 3));        /* overlong */
	assert_false(hdr2047_utf8_valid("\x80", 1));
	assert_true(hdr2047_local_part_8bit("j\xc3\xb6@example.com"));
	assert_false(hdr2047_local_part_8bit("j@b\xc3\xbc" "cher.example"));
	assert_true(hdr2047_local_part_8bit("\xc3\xb6"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ascii_field_is_copied_unchanged),
		cmocka_unit_test(subject_words_with_utf8_are_encoded),
		cmocka_unit_test(adjacent_utf8_words_share_the_space_inside_the_encoding),
		cmocka_unit_test(existing_encoded_words_next_to_utf8_keep_their_spaces),
		cmocka_unit_test(subject_without_space_after_colon_gets_one),
		cmocka_unit_test(long_subject_is_folded_and_decodes_back),
		cmocka_unit_test(long_field_name_folds_after_the_colon),
		cmocka_unit_test(display_names_are_encoded),
		cmocka_unit_test(group_names_and_keywords_are_phrases),
		cmocka_unit_test(comments_are_encoded),
		cmocka_unit_test(long_address_list_is_folded_between_addresses),
		cmocka_unit_test(utf8_domain_becomes_a_labels),
		cmocka_unit_test(non_ascii_local_part_is_refused),
		cmocka_unit_test(invalid_utf8_is_refused),
		cmocka_unit_test(fields_without_a_place_for_encoded_words_are_refused),
		cmocka_unit_test(unbalanced_structured_field_is_refused),
		cmocka_unit_test(utf8_validator),
	};
	return cmocka_run_group_tests_name("hdr2047", tests, NULL, NULL);
}
