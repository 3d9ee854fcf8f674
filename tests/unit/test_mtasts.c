// SPDX-License-Identifier: MIT
/* Unit tests for mtasts.c: the _mta-sts TXT record (RFC 8461 3.1), the
 * policy file (3.2) and MX matching (4.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mtasts.h"

static struct dns_rr rrs[8];
static uint8_t data[8][600];
static struct dns_answer ans;

static void
reset(void)
{
	memset(rrs, 0, sizeof rrs);
	memset(&ans, 0, sizeof ans);
	ans.rr = rrs;
}

/* A TXT record at the policy name made of the given strings (NULL ends). */
static void
txt(const char *first, ...)
{
	struct dns_rr *r = &rrs[ans.n];
	uint8_t *d = data[ans.n++];
	size_t n = 0;
	va_list ap;
	strcpy(r->owner, "_mta-sts.example.org");
	r->type = DNS_T_TXT;
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *)) {
		d[n++] = (uint8_t)strlen(s);
		memcpy(d + n, s, strlen(s));
		n += strlen(s);
	}
	va_end(ap);
	r->rdata = d;
	r->rdlen = (uint16_t)n;
}

static enum err
id_of(char id[STS_ID_MAX + 1])
{
	struct buf why;
	enum err rc;
	buf_init(&why, 1024);
	rc = sts_txt_id(&ans, "_mta-sts.example.org", id, &why);
	buf_free(&why);
	return rc;
}

static void
txt_record_gives_the_id(void **state)
{
	char id[STS_ID_MAX + 1];
	(void)state;
	reset();
	txt("v=STSv1; id=20160831085700Z;", NULL);
	txt("v=spf1 -all", NULL);
	assert_int_equal(id_of(id), ERR_OK);
	assert_string_equal(id, "20160831085700Z");
	/* Strings are concatenated without spaces; extensions are ignored. */
	reset();
	txt("v=STSv1;ext.x=1;i", "d=abc123", NULL);
	assert_int_equal(id_of(id), ERR_OK);
	assert_string_equal(id, "abc123");
}

static void
txt_record_none_several_or_invalid_is_no_policy(void **state)
{
	char id[STS_ID_MAX + 1];
	(void)state;
	reset();
	assert_int_equal(id_of(id), ERR_DATA);
	txt("v=STSv1; id=a", NULL);
	txt("v=STSv1; id=b", NULL);
	assert_int_equal(id_of(id), ERR_DATA);             /* two */
	reset();
	txt("v=STSv1; id=abc-def", NULL);                 /* not alphanumeric */
	assert_int_equal(id_of(id), ERR_DATA);
	reset();
	txt("v=STSv1; id=123456789012345678901234567890123", NULL);  /* 33 */
	assert_int_equal(id_of(id), ERR_DATA);
	reset();
	txt("v=STSv1;", NULL);                            /* no id */
	assert_int_equal(id_of(id), ERR_DATA);
	reset();
	txt("v=STSv10; id=a", NULL);                      /* not v=STSv1 */
	assert_int_equal(id_of(id), ERR_DATA);
	reset();
	txt("v=STSv1 id=a", NULL);                        /* no ';' */
	assert_int_equal(id_of(id), ERR_DATA);
}

static enum err
parse(const char *text, struct sts_policy *p)
{
	struct buf why;
	enum err rc;
	buf_init(&why, 1024);
	rc = sts_policy_parse(text, strlen(text), p, &why);
	buf_free(&why);
	return rc;
}

static void
policy_parses(void **state)
{
	struct sts_policy p;
	(void)state;
	assert_int_equal(parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
	    "mx: *.Example.NET\r\nmax_age: 604800\r\n", &p), ERR_OK);
	assert_int_equal(p.mode, STS_MODE_ENFORCE);
	assert_int_equal(p.max_age, 604800);
	assert_int_equal(p.nmx, 2);
	assert_string_equal(p.mx[1], "*.example.net");
	/* LF endings, no final newline, an extension, a blank line. */
	assert_int_equal(parse("version: STSv1\nmode: testing\n\nfoo_bar: baz qux\n"
	    "mx: mx.example.org\nmax_age:86400", &p), ERR_OK);
	assert_int_equal(p.mode, STS_MODE_TESTING);
	/* none needs no mx. */
	assert_int_equal(parse("version: STSv1\nmode: none\nmax_age: 1\n", &p), ERR_OK);
	/* Only the first of a field other than mx counts. */
	assert_int_equal(parse("version: STSv1\nmode: testing\nmode: enforce\nmx: a.example\n"
	    "max_age: 5\nmax_age: oops\n", &p), ERR_OK);
	assert_int_equal(p.mode, STS_MODE_TESTING);
	assert_int_equal(p.max_age, 5);
}

static void
invalid_policies_are_refused(void **state)
{
	struct sts_policy p;
	char big[STS_POLICY_MAX + 2];
	(void)state;
	assert_int_equal(parse("mode: enforce\nmx: a.example\nmax_age: 5\n", &p), ERR_DATA);
	assert_int_equal(parse("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 5\n", &p),
	    ERR_DATA);
	assert_int_equal(parse("version: STSv1\nmode: strict\nmx: a.example\nmax_age: 5\n", &p),
	    ERR_DATA);
	assert_int_equal(parse("version: STSv1\nmode: enforce\nmax_age: 5\n", &p), ERR_DATA);
	assert_int_equal(parse("version: STSv1\nmode: enforce\nmx: a.example\n", &p), ERR_DATA);
	assert_int_equal(parse("version: STSv1\nmode: enforce\nmx: a.example\n"
	    "max_age: 31557601\n", &p), ERR_DATA);
	assert_int_equal(parse("version: STSv1\nmode: enforce\nmx: a.example\n"
	    "max_age: -1\n", &p), ERR_DATA);
	assert_int_equal(parse("version: STSv1\nmode: enforce\nmx: *.*.example\n"
	    "max_age: 5\n", &p), ERR_DATA);
	assert_int_equal(parse("version: STSv1\nmode: enforce\nmx: a b\nmax_age: 5\n", &p),
	    ERR_DATA);
	assert_int_equal(parse("<html>not a policy</html>\n", &p), ERR_DATA);
	assert_int_equal(sts_policy_parse("version: STSv1\n\0", 16, &p, &(struct buf){ 0 }),
	    ERR_DATA);
	memset(big, 'x', sizeof big);
	struct buf why;
	buf_init(&why, 256);
	assert_int_equal(sts_policy_parse(big, sizeof big, &p, &why), ERR_TOOBIG);
	buf_free(&why);
}

static void
mx_matching(void **state)
{
	struct sts_policy p;
	(void)state;
	assert_int_equal(parse("version: STSv1\nmode: enforce\nmx: mail.example.com\n"
	    "mx: *.example.net\nmax_age: 5\n", &p), ERR_OK);
	assert_true(sts_mx_match(&p, "mail.example.com"));
	assert_true(sts_mx_match(&p, "MAIL.Example.com."));
	assert_false(sts_mx_match(&p, "mail2.example.com"));
	assert_true(sts_mx_match(&p, "mx1.example.net"));
	assert_false(sts_mx_match(&p, "example.net"));
	assert_false(sts_mx_match(&p, "a.b.example.net"));
	assert_false(sts_mx_match(&p, "mx1.example.net.evil.test"));
}

static enum err
http(const char *resp, char *out, size_t cap)
{
	struct buf body, why;
	enum err rc;
	buf_init(&body, STS_POLICY_MAX);
	buf_init(&why, 1024);
	rc = sts_http_parse(resp, strlen(resp), &body, &why);
	snprintf(out, cap, "%s", rc == ERR_OK ? buf_str(&body) : buf_str(&why));
	buf_free(&body);
	buf_free(&why);
	return rc;
}

static void
http_bodies(void **state)
{
	char out[256];
	(void)state;
	assert_int_equal(http("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 5\r\n\r\nhello", out, sizeof out), ERR_OK);
	assert_string_equal(out, "hello");
	assert_int_equal(http("HTTP/1.0 200 OK\nContent-Type: Text/Plain; charset=utf-8\n\n"
	    "to the end", out, sizeof out), ERR_OK);
	assert_string_equal(out, "to the end");
	assert_int_equal(http("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Type: text/plain\r\n\r\n5\r\nhello\r\n1;x=y\r\n!\r\n0\r\n\r\n", out,
	    sizeof out), ERR_OK);
	assert_string_equal(out, "hello!");
}

static void
http_refusals(void **state)
{
	char out[256];
	(void)state;
	assert_int_equal(http("HTTP/1.1 301 Moved\r\nLocation: https://evil/\r\n\r\n", out,
	    sizeof out), ERR_DATA);
	assert_non_null(strstr(out, "redirect"));
	assert_int_equal(http("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\n",
	    out, sizeof out), ERR_DATA);
	assert_int_equal(http("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\nx", out,
	    sizeof out), ERR_DATA);
	assert_non_null(strstr(out, "text/plain"));
	assert_int_equal(http("HTTP/1.1 200 OK\r\n\r\nx", out, sizeof out), ERR_DATA);
	assert_int_equal(http("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 9\r\n\r\nshort", out, sizeof out), ERR_DATA);
	assert_int_equal(http("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Transfer-Encoding: gzip\r\n\r\nx", out, sizeof out), ERR_DATA);
	assert_int_equal(http("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Transfer-Encoding: chunked\r\n\r\nffff\r\nabc", out, sizeof out), ERR_DATA);
	assert_int_equal(http("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", out,
	    sizeof out), ERR_DATA);
	assert_int_equal(http("SSH-2.0-OpenSSH\r\n", out, sizeof out), ERR_DATA);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(txt_record_gives_the_id),
		cmocka_unit_test(txt_record_none_several_or_invalid_is_no_policy),
		cmocka_unit_test(policy_parses),
		cmocka_unit_test(invalid_policies_are_refused),
		cmocka_unit_test(mx_matching),
		cmocka_unit_test(http_bodies),
		cmocka_unit_test(http_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
