// SPDX-License-Identifier: MIT
/* test_addr.c: RFC 5322 address lists and RFC 5321 envelope checks
 * (addr.h). Header text and arguments are untrusted: anything that is not
 * an address must be an error, never a guess. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"
#include "bounds.h"
#include "buf.h"

/* Parse s; it must succeed and give exactly the n addresses in want. */
static void
expect_list(const char *s, const char *const *want, size_t n)
{
	struct addr_list l;
	const char *why = NULL;
	enum err rc;
	addr_list_init(&l);
	bool ok;
	rc = addr_parse_list(s, strlen(s), &l, &why);
	ok = rc == ERR_OK && l.n == n;
	for (size_t i = 0; ok && i < n; i++)
		ok = strcmp(l.v[i], want[i]) == 0;
	if (!ok) {
		print_error("\"%s\": %s (%s)\n", s, err_str(rc), why ? why : "-");
		for (size_t i = 0; i < l.n; i++)
			print_error("  got [%zu] \"%s\"\n", i, l.v[i]);
		for (size_t i = 0; i < n; i++)
			print_error("  want [%zu] \"%s\"\n", i, want[i]);
	}
	addr_list_free(&l);
	if (!ok)
		fail_msg("\"%s\": not the expected addresses", s);
}

#define LIST(s, ...) \
	expect_list((s), (const char *const[]){ __VA_ARGS__ }, \
	    sizeof (const char *const[]){ __VA_ARGS__ } / sizeof(const char *))

static void
expect_none(const char *s)
{
	expect_list(s, NULL, 0);
}

/* s must be refused with ERR_DATA and a reason; nothing may be left in the
 * list from s itself beyond what earlier mailboxes added. */
static void
expect_bad_len(const char *s, size_t len)
{
	struct addr_list l;
	const char *why = NULL;
	enum err rc;
	addr_list_init(&l);
	rc = addr_parse_list(s, len, &l, &why);
	if (rc != ERR_DATA)
		for (size_t i = 0; i < l.n; i++)
			print_error("  got [%zu] \"%s\"\n", i, l.v[i]);
	addr_list_free(&l);
	if (rc != ERR_DATA)
		fail_msg("\"%s\": want ERR_DATA, got %s", s, err_str(rc));
	if (!why)
		fail_msg("\"%s\": no reason given", s);
}

static void
expect_bad(const char *s)
{
	expect_bad_len(s, strlen(s));
}

/* ---- addr_parse_list ---- */

static void
plain_addr_spec(void **state)
{
	(void)state;
	LIST("a@b", "a@b");
	LIST("  alice@example.com  ", "alice@example.com");
	LIST("first.last@sub.example.org", "first.last@sub.example.org");
}

static void
local_name_without_domain(void **state)
{
	(void)state;
	/* cron mails "root", Debian cron "USER": local names go to aliases. */
	LIST("root", "root");
}

static void
display_name_and_angle_addr(void **state)
{
	(void)state;
	LIST("A <a@b>", "a@b");
	LIST("Mary Smith <mary@x.test>", "mary@x.test");
	LIST("<a@b>", "a@b");
	LIST("  <  a@b  >  ", "a@b");
}

static void
quoted_display_name_with_comma(void **state)
{
	(void)state;
	LIST("\"Doe, John\" <j@x>, k@y", "j@x", "k@y");
	LIST("\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>", "sysservices@example.net");
}

static void
rfc5322_appendix_a_lists(void **state)
{
	(void)state;
	LIST("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
	    "mary@x.test", "jdoe@example.org", "one@y.test");
	LIST("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
	    "boss@nil.test", "sysservices@example.net");
	LIST("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
	    "c@a.test", "joe@where.test", "jdoe@one.test");
	LIST("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	    "pete@silly.test");
	LIST("Chris Jones <c@(Chris's host.)public.example>", "c@public.example");
	LIST("Joe Q. Public <john.q.public@example.com>", "john.q.public@example.com");
}

static void
comments_are_dropped(void **state)
{
	(void)state;
	LIST("a@b (Alice)", "a@b");
	LIST("(Alice) a@b", "a@b");
	LIST("a@b (Alice (the (real) one))", "a@b");
	LIST("a@b (with \\( escaped paren)", "a@b");
	LIST("a(x)@(y)b", "a@b");
	LIST("<a@b> (after)", "a@b");
}

static void
groups(void **state)
{
	(void)state;
	expect_none("undisclosed-recipients:;");
	expect_none("undisclosed-recipients: ;");
	LIST("team: a@x, b@y;", "a@x", "b@y");
	LIST("team: a@x, b@y;, c@z", "a@x", "b@y", "c@z");
	LIST("\"The Team\": A <a@x>;", "a@x");
}

static void
obsolete_route_is_dropped(void **state)
{
	(void)state;
	LIST("<@r1,@r2:u@d>", "u@d");
	LIST("Name <@relay.example:user@dest.example>", "user@dest.example");
}

static void
quoted_local_part_kept(void **state)
{
	(void)state;
	LIST("\"a b\"@x", "\"a b\"@x");
	LIST("<\"odd@local\"@x.example>", "\"odd@local\"@x.example");
}

static void
domain_literal(void **state)
{
	(void)state;
	LIST("u@[192.0.2.1]", "u@[192.0.2.1]");
	LIST("User <u@[IPv6:2001:db8::1]>", "u@[IPv6:2001:db8::1]");
}

static void
encoded_word_display_name(void **state)
{
	(void)state;
	LIST("=?UTF-8?B?w6k=?= <e@x>", "e@x");
	LIST("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>", "PIRARD@vm1.ulg.ac.be");
}

static void
utf8_addresses_pass_through(void **state)
{
	(void)state;
	LIST("J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc" "cher.example>",
	    "j\xc3\xb6rg@b\xc3\xbc" "cher.example");
}

static void
empty_and_separators_only(void **state)
{
	(void)state;
	expect_none("");
	expect_none("   ");
	expect_none(",");
	expect_none(" , ,, ");
	expect_none("<>");
	LIST("a@b,", "a@b");
	LIST(",a@b", "a@b");
	LIST("a@b, , c@d", "a@b", "c@d");
}

static void
folded_whitespace_is_fine(void **state)
{
	(void)state;
	LIST("a@b,\r\n c@d,\r\n\tE <e@f>", "a@b", "c@d", "e@f");
}

static void
dedupe_domain_case_insensitive_local_part_exact(void **state)
{
	(void)state;
	LIST("a@EXAMPLE.com, a@example.COM, A@example.com, <a@Example.Com>",
	    "a@EXAMPLE.com", "A@example.com");
	LIST("x@y, x@y, x@y", "x@y");
	LIST("root, root, ROOT", "root", "ROOT");
}

static void
list_add_dedupes_and_appends(void **state)
{
	struct addr_list l;
	(void)state;
	addr_list_init(&l);
	assert_int_equal(addr_list_add(&l, "a@x"), ERR_OK);
	assert_int_equal(addr_list_add(&l, "a@X"), ERR_OK);
	assert_int_equal(addr_list_add(&l, "A@x"), ERR_OK);
	assert_int_equal(addr_list_add(&l, "a"), ERR_OK);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "a@x");
	assert_string_equal(l.v[1], "A@x");
	assert_string_equal(l.v[2], "a");
	addr_list_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
}

static void
recipient_count_is_bounded(void **state)
{
	struct addr_list l;
	char a[32];
	(void)state;
	addr_list_init(&l);
	for (int i = 0; i < SMTP_RCPT_MAX; i++) {
		snprintf(a, sizeof a, "u%d@x.example", i);
		assert_int_equal(addr_list_add(&l, a), ERR_OK);
	}
	assert_int_equal(addr_list_add(&l, "one-too-many@x.example"), ERR_TOOBIG);
	/* A duplicate is still fine at the limit. */
	assert_int_equal(addr_list_add(&l, "u0@x.example"), ERR_OK);
	assert_int_equal(l.n, SMTP_RCPT_MAX);
	addr_list_free(&l);
}

static void
parse_list_past_recipient_bound_is_toobig(void **state)
{
	struct addr_list l;
	const char *why = NULL;
	const size_t cap = 20 * (SMTP_RCPT_MAX + 1) + 1;
	char *s = malloc(cap);
	size_t n = 0;
	(void)state;
	assert_non_null(s);
	for (int i = 0; i <= SMTP_RCPT_MAX; i++)
		n += (size_t)snprintf(s + n, cap - n, "u%d@x.example,", i);
	addr_list_init(&l);
	assert_int_equal(addr_parse_list(s, n, &l, &why), ERR_TOOBIG);
	assert_non_null(why);
	addr_list_free(&l);
	free(s);
}

static void
over_long_address_is_toobig(void **state)
{
	struct addr_list l;
	const char *why = NULL;
	char s[MSG_ADDR_MAX + 64];
	(void)state;
	memset(s, 'a', MSG_ADDR_MAX + 1);
	memcpy(s + MSG_ADDR_MAX + 1, "@x.example", 11);
	addr_list_init(&l);
	assert_int_equal(addr_parse_list(s, strlen(s), &l, &why), ERR_TOOBIG);
	assert_int_equal(l.n, 0);
	addr_list_free(&l);
}

static void
length_bounds_the_scan(void **state)
{
	(void)state;
	struct addr_list l;
	const char *why;
	addr_list_init(&l);
	/* Only the first len bytes count: no trailing garbage is read. */
	assert_int_equal(addr_parse_list("a@b, (unterminated", 3, &l, &why), ERR_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "a@b");
	addr_list_free(&l);
}

static void
unbalanced_quote_comment_angle(void **state)
{
	(void)state;
	expect_bad("\"Doe, John <j@x>");
	expect_bad("a@b (Alice");
	expect_bad("a@b (Alice (nested)");
	expect_bad("A <a@b");
	expect_bad("A <a@b, c@d");
	expect_bad("A a@b>");
	expect_bad("a@b)");
	expect_bad("u@[192.0.2.1");
	expect_bad("<a@b<c@d>>");
	expect_bad("\"a\\\"");
}

static void
display_name_without_address(void **state)
{
	(void)state;
	expect_bad("John Smith");
	expect_bad("a@b, John Smith");
	expect_bad("John Smith, a@b");
}

/* Words separated only by blanks are not one address: "a b@c" must not
 * become "ab@c", nor "a@b c@d" the address "a@bc@d". */
static void
blank_separated_words_are_not_glued_together(void **state)
{
	(void)state;
	expect_bad("john smith@example.com");
	expect_bad("a@b c@d");
	expect_bad("a@example.com b");
}

static void
control_characters_refused(void **state)
{
	(void)state;
	expect_bad("a\x01@b");
	expect_bad("A <a@b\x1b>");
	expect_bad("a@b\x7f");
	expect_bad_len("a@b\0c@d", 7);
	expect_bad("\"quoted \x02\" <a@b>");
	expect_bad("a@b (comment \x03)");
}

static void
text_after_angle_addr(void **state)
{
	(void)state;
	expect_bad("<a@b> junk");
	expect_bad("A <a@b> B");
	expect_bad("<a@b> <c@d>");
	expect_bad("<a@b>c@d");
}

static void
group_syntax_errors(void **state)
{
	(void)state;
	expect_bad("team: a@x, b@y");
	expect_bad("a@x;");
	expect_bad("g1: g2: a@x;;");
	expect_bad(": a@x;");
}

static void
bad_characters(void **state)
{
	(void)state;
	expect_bad("a@b>");
	expect_bad("]a@b");
	expect_bad("a\\b@c");
	expect_bad("<a@b:c>");
	expect_bad("<a@b;c>");
}

/* ---- addr_check_envelope ---- */

static enum err
check(const char *a, bool null_ok, bool *utf8)
{
	const char *why = NULL;
	enum err rc;
	*utf8 = false;
	rc = addr_check_envelope(a, null_ok, utf8, &why);
	if (rc != ERR_OK && !why)
		fail_msg("\"%s\": refused without a reason", a);
	return rc;
}

static void
envelope_accepts_ordinary_addresses(void **state)
{
	bool u;
	(void)state;
	assert_int_equal(check("alice@example.com", false, &u), ERR_OK);
	assert_false(u);
	assert_int_equal(check("a.b+tag@sub.example.co.uk", false, &u), ERR_OK);
	assert_int_equal(check("\"a b\"@example.com", false, &u), ERR_OK);
	assert_int_equal(check("\"a@b\"@example.com", false, &u), ERR_OK);
	assert_int_equal(check("u@[192.0.2.1]", false, &u), ERR_OK);
	assert_int_equal(check("postmaster@x", false, &u), ERR_OK);
}

static void
envelope_null_sender(void **state)
{
	bool u;
	(void)state;
	assert_int_equal(check("", true, &u), ERR_OK);
	assert_int_equal(check("", false, &u), ERR_DATA);
}

static void
envelope_refuses_crlf_nul_and_controls(void **state)
{
	bool u;
	(void)state;
	assert_int_equal(check("a@b\r\nRCPT TO:<evil@x>", false, &u), ERR_DATA);
	assert_int_equal(check("a\r@b", false, &u), ERR_DATA);
	assert_int_equal(check("a@b\n", false, &u), ERR_DATA);
	assert_int_equal(check("a\t@b", false, &u), ERR_DATA);
	assert_int_equal(check("a\x01@b", false, &u), ERR_DATA);
	assert_int_equal(check("a@b\x7f", false, &u), ERR_DATA);
	assert_int_equal(check("a@\x1b[0mb", false, &u), ERR_DATA);
	assert_int_equal(check("\r", true, &u), ERR_DATA);
}

/* The sender (null_ok, as for MAIL FROM) with a CR or an LF: it would end
 * the MAIL command and start another. Quoting does not make them valid. */
static void
envelope_sender_refuses_cr_and_lf(void **state)
{
	static const char *const bad[] = {
		"alice@example.test\r\nRCPT TO:<evil@example.test>",
		"alice@example.test\nRCPT TO:<evil@example.test>",
		"alice@example.test\r",
		"al\rice@example.test",
		"al\nice@example.test",
		"\"al\rice\"@example.test",
		"\"al\nice\"@example.test",
		"\"a\\\r\\\nb\"@example.test",
		"\n",
	};
	bool u;
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *why = NULL;
		u = false;
		if (addr_check_envelope(bad[i], true, &u, &why) != ERR_DATA)
			fail_msg("sender #%zu with CR/LF accepted", i);
		if (!why || !strstr(why, "control character"))
			fail_msg("sender #%zu refused, but not for its CR/LF: %s", i,
			    why ? why : "(no reason)");
	}
	assert_int_equal(check("alice@example.test", true, &u), ERR_OK);
}

static void
envelope_refuses_specials_outside_quotes(void **state)
{
	bool u;
	(void)state;
	assert_int_equal(check("a b@c", false, &u), ERR_DATA);
	assert_int_equal(check("<a@b>", false, &u), ERR_DATA);
	assert_int_equal(check("a,b@c", false, &u), ERR_DATA);
	assert_int_equal(check("a:b@c", false, &u), ERR_DATA);
	assert_int_equal(check("a@b c", false, &u), ERR_DATA);
	assert_int_equal(check("a@b>", false, &u), ERR_DATA);
	assert_int_equal(check("\"ab@c", false, &u), ERR_DATA);
}

/* An '@' outside quotes can only separate local part and domain:
 * "a@b@c" is not an address (it is what "a@b c@d" must never become). */
static void
envelope_refuses_unquoted_at_in_local_part(void **state)
{
	bool u;
	(void)state;
	assert_int_equal(check("a@b@c.example", false, &u), ERR_DATA);
	assert_int_equal(check("a@bc@d", false, &u), ERR_DATA);
	assert_int_equal(check("\"a@b\"@c.example", false, &u), ERR_OK);
}

/* A domain literal is no quoting: a space in it would let a header or -f
 * value add SMTP parameters, "RCPT TO:<u@[x> NOTIFY=NEVER]>". */
static void
envelope_refuses_space_in_domain_literal(void **state)
{
	bool u;
	(void)state;
	assert_int_equal(check("u@[x> NOTIFY=NEVER]", false, &u), ERR_DATA);
	assert_int_equal(check("w@[a b]", false, &u), ERR_DATA);
	assert_int_equal(check("s@[1.2.3.4> SIZE=1]", true, &u), ERR_DATA);
	assert_int_equal(check("u@[192.0.2.1]", false, &u), ERR_OK);
	assert_int_equal(check("u@[IPv6:2001:db8::1]", false, &u), ERR_OK);
}

static char *
make_addr(size_t local, const char *domain)
{
	size_t dl = strlen(domain);
	char *a = malloc(local + 1 + dl + 1);
	assert_non_null(a);
	memset(a, 'l', local);
	a[local] = '@';
	memcpy(a + local + 1, domain, dl + 1);
	return a;
}

static void
envelope_local_part_bound(void **state)
{
	bool u;
	char *a;
	(void)state;
	a = make_addr(64, "example.com");
	assert_int_equal(check(a, false, &u), ERR_OK);
	free(a);
	a = make_addr(65, "example.com");
	assert_int_equal(check(a, false, &u), ERR_DATA);
	free(a);
}

/* A domain of total length len made of labels of at most 63 octets. */
static char *
make_domain(size_t len)
{
	char *d = malloc(len + 1);
	assert_non_null(d);
	memset(d, 'd', len);
	for (size_t i = 63; i < len; i += 64)
		d[i] = '.';
	if (d[len - 1] == '.')
		d[len - 1] = 'e';
	d[len] = '\0';
	return d;
}

static void
envelope_total_length_bound(void **state)
{
	bool u;
	char *d, *a;
	(void)state;
	d = make_domain(189);       /* 64 + 1 + 189 = 254 */
	a = make_addr(64, d);
	assert_int_equal(strlen(a), 254);
	assert_int_equal(check(a, false, &u), ERR_OK);
	free(a);
	free(d);
	d = make_domain(190);       /* 255 */
	a = make_addr(64, d);
	assert_int_equal(strlen(a), 255);
	assert_int_equal(check(a, false, &u), ERR_DATA);
	free(a);
	free(d);
}

static void
envelope_missing_at_or_parts(void **state)
{
	bool u;
	(void)state;
	assert_int_equal(check("nodomain", false, &u), ERR_DATA);
	assert_int_equal(check("@example.com", false, &u), ERR_DATA);
	assert_int_equal(check("user@", false, &u), ERR_DATA);
	assert_int_equal(check("@", false, &u), ERR_DATA);
}

static void
envelope_invalid_domain_labels(void **state)
{
	bool u;
	char *d, *a;
	(void)state;
	assert_int_equal(check("u@a..b", false, &u), ERR_DATA);
	assert_int_equal(check("u@.example", false, &u), ERR_DATA);
	assert_int_equal(check("u@example.", false, &u), ERR_DATA);
	assert_int_equal(check("u@exa(mple", false, &u), ERR_DATA);
	assert_int_equal(check("u@exa/mple", false, &u), ERR_DATA);
	assert_int_equal(check("u@exa\"mple", false, &u), ERR_DATA);
	assert_int_equal(check("u@[]", false, &u), ERR_DATA);
	assert_int_equal(check("u@[192.0.2.1", false, &u), ERR_DATA);
	/* Labels of 63 octets are fine, 64 are not. */
	d = malloc(80);
	assert_non_null(d);
	memset(d, 'x', 63);
	memcpy(d + 63, ".example", 9);
	a = make_addr(4, d);
	assert_int_equal(check(a, false, &u), ERR_OK);
	free(a);
	memset(d, 'x', 64);
	memcpy(d + 64, ".example", 9);
	a = make_addr(4, d);
	assert_int_equal(check(a, false, &u), ERR_DATA);
	free(a);
	free(d);
}

static void
envelope_utf8_sets_flag(void **state)
{
	bool u;
	(void)state;
	assert_int_equal(check("jos\xc3\xa9@example.com", false, &u), ERR_OK);
	assert_true(u);
	assert_int_equal(check("user@b\xc3\xbc" "cher.example", false, &u), ERR_OK);
	assert_true(u);
	assert_int_equal(check("user@example.com", false, &u), ERR_OK);
	assert_false(u);
}

static void
domain_helper(void **state)
{
	(void)state;
	assert_string_equal(addr_domain("a@b.example"), "b.example");
	assert_string_equal(addr_domain("\"x@y\"@z"), "z");
	assert_null(addr_domain("root"));
	assert_string_equal(addr_domain("a@"), "");
}

/* ---- addr_alabel: IDN domains to A-labels, faithfully or not at all ---- */

/* addr must convert to want. */
static void
expect_alabel(const char *addr, const char *want)
{
	struct buf why;
	char *out = NULL;
	enum err rc;
	buf_init(&why, 1024);
	rc = addr_alabel(addr, &out, &why);
	if (rc != ERR_OK || !out || strcmp(out, want) != 0)
		fail_msg("\"%s\": %s (%s), got \"%s\", want \"%s\"", addr, err_str(rc),
		    buf_str(&why), out ? out : "-", want);
	free(out);
	buf_free(&why);
}

/* addr must be refused with ERR_DATA, the reason containing text. */
static void
expect_alabel_refused(const char *addr, const char *text)
{
	struct buf why;
	char *out = NULL;
	enum err rc;
	buf_init(&why, 1024);
	rc = addr_alabel(addr, &out, &why);
	if (rc != ERR_DATA || out || !strstr(buf_str(&why), text))
		fail_msg("\"%s\": %s, got \"%s\", why \"%s\", want a refusal saying \"%s\"",
		    addr, err_str(rc), out ? out : "-", buf_str(&why), text);
	free(out);
	buf_free(&why);
}

static void
alabel_ascii_domains_are_copied(void **state)
{
	(void)state;
	expect_alabel("u@example.com", "u@example.com");
	expect_alabel("u@Example.COM", "u@Example.COM");
	expect_alabel("u@xn--bcher-kva.example", "u@xn--bcher-kva.example");
	expect_alabel("J\xc3\xb6rg@example.com", "J\xc3\xb6rg@example.com");
	expect_alabel("u@[192.0.2.1]", "u@[192.0.2.1]");
	expect_alabel("", "");
	expect_alabel("root", "root");
}

static void
alabel_converts_a_good_idn(void **state)
{
	(void)state;
	expect_alabel("u@b\xc3\xbc" "cher.example", "u@xn--bcher-kva.example");
	/* ASCII letters may be in any case, in any label. */
	expect_alabel("u@B\xc3\xbc" "cher.Example", "u@xn--bcher-kva.example");
	/* U-labels and A-labels may be mixed. */
	expect_alabel("u@b\xc3\xbc" "cher.xn--caf-dma.example",
	    "u@xn--bcher-kva.xn--caf-dma.example");
	/* IDNA2008 keeps the sharp s (no transitional "fass.de"). */
	expect_alabel("u@fa\xc3\x9f.de", "u@xn--fa-hia.de");
	expect_alabel("\"a b\"@\xe4\xbe\x8b\xe3\x81\x88.example", "\"a b\"@xn--r8jz45g.example");
}

/* The mapping would send the mail to another domain than the one written:
 * refused, saying what it would have become. */
static void
alabel_refuses_a_mapping_that_changes_or_drops(void **state)
{
	(void)state;
	/* U+FF1E FULLWIDTH GREATER-THAN SIGN is dropped: x>y became xy. */
	expect_alabel_refused("u@x\xef\xbc\x9ey.example", "\"xy.example\"");
	/* U+00AD SOFT HYPHEN and U+200B ZERO WIDTH SPACE vanish. */
	expect_alabel_refused("u@a\xc2\xad" "b.example", "\"ab.example\"");
	expect_alabel_refused("u@x\xe2\x80\x8by.example", "\"xy.example\"");
	/* A fullwidth letter becomes its ASCII twin. */
	expect_alabel_refused("u@\xef\xbd\x81.example", "\"a.example\"");
	/* U+3002 IDEOGRAPHIC FULL STOP becomes a label separator. */
	expect_alabel_refused("u@caf\xc3\xa9\xe3\x80\x82" "example", "\"caf\xc3\xa9.example\"");
	/* U+212A KELVIN SIGN becomes the letter k. */
	expect_alabel_refused("u@\xe2\x84\xaa.example", "\"k.example\"");
	/* Upper-case non-ASCII letters and decomposed forms are changed too:
	 * refused, the message naming the form to write instead. */
	expect_alabel_refused("u@B\xc3\x9c" "CHER.example", "\"b\xc3\xbc" "cher.example\"");
	expect_alabel_refused("u@u\xcc\x88" "ber.example", "\"\xc3\xbc" "ber.example\"");
	expect_alabel_refused("u@x\xef\xbc\x9ey.example", "IDNA would change the domain");
}

static void
alabel_refuses_what_is_no_idn(void **state)
{
	(void)state;
	expect_alabel_refused("u@\xff.example", "not a valid internationalised domain name");
	expect_alabel_refused("u@-b\xc3\xbc" "cher.example",
	    "not a valid internationalised domain name");
}

/* A list converts as a whole: U- and A-label spellings of one mailbox fold
 * into one recipient; the first address that cannot convert is named. */
static void
alabel_list_folds_and_names_the_bad_one(void **state)
{
	struct addr_list in, out;
	struct buf why;
	const char *bad = NULL;
	(void)state;
	addr_list_init(&in);
	addr_list_init(&out);
	buf_init(&why, 1024);
	assert_int_equal(addr_list_add(&in, "u@b\xc3\xbc" "cher.example"), ERR_OK);
	assert_int_equal(addr_list_add(&in, "u@xn--bcher-kva.example"), ERR_OK);
	assert_int_equal(addr_list_add(&in, "v@example.org"), ERR_OK);
	assert_int_equal(addr_list_alabel(&in, &out, &bad, &why), ERR_OK);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0], "u@xn--bcher-kva.example");
	assert_string_equal(out.v[1], "v@example.org");
	assert_null(bad);
	assert_int_equal(addr_list_add(&in, "w@-bad\xc3\xbc-.example"), ERR_OK);
	assert_int_equal(addr_list_alabel(&in, &out, &bad, &why), ERR_DATA);
	assert_non_null(bad);
	assert_string_equal(bad, "w@-bad\xc3\xbc-.example");
	assert_true(buf_str(&why)[0] != '\0');
	addr_list_free(&in);
	addr_list_free(&out);
	buf_free(&why);
}

/* Qualify s with example.com; it must succeed and give want, with n
 * addresses qualified. */
static void
expect_qualified(const char *s, const char *want, size_t n)
{
	struct buf out;
	const char *why = NULL;
	size_t got = 99;
	buf_init(&out, 4096);
	enum err rc = addr_qualify_list(s, strlen(s), "example.com", &out, &got, &why);
	if (rc != ERR_OK || strcmp(buf_str(&out), want) != 0 || got != n)
		print_error("\"%s\": %s (%s): got \"%s\" (%zu), want \"%s\" (%zu)\n", s,
		    err_str(rc), why ? why : "-", buf_str(&out), got, want, n);
	assert_int_equal(rc, ERR_OK);
	assert_string_equal(buf_str(&out), want);
	assert_int_equal(got, n);
	buf_free(&out);
}

/* What cron, at(1) and scripts write: a bare login name, with a comment
 * or a display name; the name and the comment are kept as written. */
static void
qualify_bare_names(void **state)
{
	(void)state;
	expect_qualified("root (Cron Daemon)", "root@example.com (Cron Daemon)", 1);
	expect_qualified(" root", " root@example.com", 1);
	expect_qualified("root", "root@example.com", 1);
	expect_qualified("Cron Daemon <root>", "Cron Daemon <root@example.com>", 1);
	expect_qualified("\"Cron, Daemon\" < root >", "\"Cron, Daemon\" < root@example.com >", 1);
	expect_qualified("john.doe", "john.doe@example.com", 1);
	expect_qualified("(x) root (y)", "(x) root@example.com (y)", 1);
}

/* An address that has a domain is left alone, whatever its local part
 * holds; only the ones without are changed. */
static void
qualify_leaves_qualified_addresses(void **state)
{
	(void)state;
	expect_qualified("a@b.example", "a@b.example", 0);
	expect_qualified("A <a@b.example>, root", "A <a@b.example>, root@example.com", 1);
	expect_qualified("\"a@b\"", "\"a@b\"@example.com", 1);
	expect_qualified("\"a@b\"@c.example", "\"a@b\"@c.example", 0);
	expect_qualified("<>", "<>", 0);
	expect_qualified("", "", 0);
	expect_qualified("a@[192.0.2.1]", "a@[192.0.2.1]", 0);
}

/* Groups (RFC 5322 3.4): the group name is no address; its members are.
 * Folding and comments survive byte for byte. */
static void
qualify_groups_and_folding(void **state)
{
	(void)state;
	expect_qualified("undisclosed-recipients:;", "undisclosed-recipients:;", 0);
	expect_qualified("Admins: root, ops <ops>;, x@y.example",
	    "Admins: root@example.com, ops <ops@example.com>;, x@y.example", 2);
	expect_qualified("root,\r\n\tbin (Bin (nested)),\r\n daemon",
	    "root@example.com,\r\n\tbin@example.com (Bin (nested)),\r\n daemon@example.com", 3);
	expect_qualified("<@relay.example:root>", "<@relay.example:root@example.com>", 1);
}

/* What is not an address list is refused with a reason, so the caller
 * keeps the field as it is. */
static void
qualify_refuses_what_is_no_list(void **state)
{
	(void)state;
	const char *bad[] = { "John Smith", "root (unclosed", "\"open", "<root", "a: b",
		"root\x01" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct buf out;
		const char *why = NULL;
		size_t n = 0;
		buf_init(&out, 4096);
		assert_int_equal(addr_qualify_list(bad[i], strlen(bad[i]), "example.com", &out, &n,
		    &why), ERR_DATA);
		assert_non_null(why);
		assert_int_equal(n, 0);
		buf_free(&out);
	}
	/* Past out's bound: ERR_TOOBIG, with a reason. */
	struct buf small;
	const char *why = NULL;
	size_t n = 0;
	buf_init(&small, 10);
	assert_int_equal(addr_qualify_list("root, bin", 9, "example.com", &small, &n, &why),
	    ERR_TOOBIG);
	assert_non_null(why);
	buf_free(&small);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_addr_spec),
		cmocka_unit_test(local_name_without_domain),
		cmocka_unit_test(display_name_and_angle_addr),
		cmocka_unit_test(quoted_display_name_with_comma),
		cmocka_unit_test(rfc5322_appendix_a_lists),
		cmocka_unit_test(comments_are_dropped),
		cmocka_unit_test(groups),
		cmocka_unit_test(obsolete_route_is_dropped),
		cmocka_unit_test(quoted_local_part_kept),
		cmocka_unit_test(domain_literal),
		cmocka_unit_test(encoded_word_display_name),
		cmocka_unit_test(utf8_addresses_pass_through),
		cmocka_unit_test(empty_and_separators_only),
		cmocka_unit_test(folded_whitespace_is_fine),
		cmocka_unit_test(dedupe_domain_case_insensitive_local_part_exact),
		cmocka_unit_test(list_add_dedupes_and_appends),
		cmocka_unit_test(recipient_count_is_bounded),
		cmocka_unit_test(parse_list_past_recipient_bound_is_toobig),
		cmocka_unit_test(over_long_address_is_toobig),
		cmocka_unit_test(length_bounds_the_scan),
		cmocka_unit_test(unbalanced_quote_comment_angle),
		cmocka_unit_test(display_name_without_address),
		cmocka_unit_test(blank_separated_words_are_not_glued_together),
		cmocka_unit_test(control_characters_refused),
		cmocka_unit_test(text_after_angle_addr),
		cmocka_unit_test(group_syntax_errors),
		cmocka_unit_test(bad_characters),
		cmocka_unit_test(envelope_accepts_ordinary_addresses),
		cmocka_unit_test(envelope_null_sender),
		cmocka_unit_test(envelope_refuses_crlf_nul_and_controls),
		cmocka_unit_test(envelope_sender_refuses_cr_and_lf),
		cmocka_unit_test(envelope_refuses_specials_outside_quotes),
		cmocka_unit_test(envelope_refuses_unquoted_at_in_local_part),
		cmocka_unit_test(envelope_refuses_space_in_domain_literal),
		cmocka_unit_test(envelope_local_part_bound),
		cmocka_unit_test(envelope_total_length_bound),
		cmocka_unit_test(envelope_missing_at_or_parts),
		cmocka_unit_test(envelope_invalid_domain_labels),
		cmocka_unit_test(envelope_utf8_sets_flag),
		cmocka_unit_test(domain_helper),
		cmocka_unit_test(alabel_ascii_domains_are_copied),
		cmocka_unit_test(alabel_converts_a_good_idn),
		cmocka_unit_test(alabel_refuses_a_mapping_that_changes_or_drops),
		cmocka_unit_test(alabel_refuses_what_is_no_idn),
		cmocka_unit_test(alabel_list_folds_and_names_the_bad_one),
		cmocka_unit_test(qualify_bare_names),
		cmocka_unit_test(qualify_leaves_qualified_addresses),
		cmocka_unit_test(qualify_groups_and_folding),
		cmocka_unit_test(qualify_refuses_what_is_no_list),
	};
	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
