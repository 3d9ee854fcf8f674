// SPDX-License-Identifier: MIT
/* Unit tests for dnsmsg.c: the query we send, and the strict parser for
 * what comes back (compression, mismatches, truncation, bounds), and
 * following CNAMEs in an answer. Replies are built byte by byte here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "dnsmsg.h"

/* ---- a tiny reply builder ---- */

struct msg {
	uint8_t b[8192];
	size_t n;
};

static void
put8(struct msg *m, unsigned v)
{
	m->b[m->n++] = (uint8_t)v;
}

static void
put16(struct msg *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

/* A name in wire form, uncompressed ("" is the root). */
static void
put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		put8(m, (unsigned)l);
		memcpy(m->b + m->n, name, l);
		m->n += l;
		name += l + (dot ? 1 : 0);
	}
	put8(m, 0);
}

/* Header (QR, RD, RA, flags3 holds AD/rcode) and the question at offset 12. */
static void
begin(struct msg *m, unsigned id, unsigned flags3, const char *qname, unsigned qtype,
    unsigned an, unsigned ns, unsigned ar)
{
	m->n = 0;
	put16(m, id);
	put8(m, 0x81);          /* QR, RD */
	put8(m, 0x80 | flags3); /* RA */
	put16(m, 1);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
	put_name(m, qname);
	put16(m, qtype);
	put16(m, 1);
}

/* A record header with owner = a pointer to the question name (12). */
static void
rr_head(struct msg *m, unsigned type, unsigned rdlen)
{
	put16(m, 0xC00C);
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 300);
	put16(m, rdlen);
}

static enum err
parse(const struct msg *m, unsigned id, const char *qname, unsigned qtype,
    struct dns_answer *a)
{
	struct buf why;
	enum err rc;
	buf_init(&why, 1024);
	rc = dns_reply_parse(m->b, m->n, (uint16_t)id, qname, (uint16_t)qtype, a, &why);
	buf_free(&why);
	return rc;
}

/* ---- the query ---- */

static void
query_has_rd_ad_and_edns_do(void **state)
{
	uint8_t q[DNS_QUERY_MAX];
	size_t n;
	(void)state;
	n = dns_query_build(q, sizeof q, 0x1234, "Example.ORG.", DNS_T_MX);
	assert_int_equal(n, 12 + 13 + 4 + 11);
	assert_int_equal(q[0], 0x12);
	assert_int_equal(q[1], 0x34);
	assert_int_equal(q[2], 0x01);   /* RD, a query */
	assert_int_equal(q[3], 0x20);   /* AD */
	assert_int_equal(q[5], 1);      /* one question */
	assert_int_equal(q[11], 1);     /* one additional: OPT */
	assert_memory_equal(q + 12, "\7example\3org\0", 13);
	assert_int_equal(q[12 + 13 + 1], DNS_T_MX);
	/* OPT: root, type 41, UDP size, DO. */
	assert_int_equal(q[29], 0);
	assert_int_equal(q[31], DNS_T_OPT);
	assert_int_equal(q[32] << 8 | q[33], DNS_UDP_SIZE);
	assert_int_equal(q[36], 0x80);
	assert_int_equal(dns_query_build(q, sizeof q, 1, "a..b", DNS_T_A), 0);
	assert_int_equal(dns_query_build(q, sizeof q, 1, "a b.example", DNS_T_A), 0);
	assert_int_equal(dns_query_build(q, 10, 1, "example", DNS_T_A), 0);
}

static void
names_are_canonicalised_or_refused(void **state)
{
	char out[DNS_NAME_MAX + 1];
	char longlabel[80];
	(void)state;
	assert_int_equal(dns_name_canon("MX1.Example.COM.", out), ERR_OK);
	assert_string_equal(out, "mx1.example.com");
	assert_int_equal(dns_name_canon("_25._tcp.mx.example", out), ERR_OK);
	assert_int_equal(dns_name_canon(".", out), ERR_OK);
	assert_string_equal(out, "");
	assert_int_equal(dns_name_canon("a..b", out), ERR_DATA);
	assert_int_equal(dns_name_canon(".a", out), ERR_DATA);
	assert_int_equal(dns_name_canon("a.b..", out), ERR_DATA);
	assert_int_equal(dns_name_canon("b\xc3\xbc" "cher.example", out), ERR_DATA);
	memset(longlabel, 'a', 64);
	longlabel[64] = '\0';
	assert_int_equal(dns_name_canon(longlabel, out), ERR_DATA);
	longlabel[63] = '\0';
	assert_int_equal(dns_name_canon(longlabel, out), ERR_OK);
}

/* ---- replies ---- */

static void
mx_reply_with_compression(void **state)
{
	struct msg m;
	struct dns_answer a;
	(void)state;
	begin(&m, 7, 0x20, "example.org", DNS_T_MX, 2, 0, 0);
	rr_head(&m, DNS_T_MX, 2 + 6);
	put16(&m, 20);
	put8(&m, 3);
	memcpy(m.b + m.n, "mx2", 3);
	m.n += 3;
	put16(&m, 0xC00C);      /* mx2.example.org */
	rr_head(&m, DNS_T_MX, 2 + 12);
	put16(&m, 10);
	put_name(&m, "mx1.ex.net");
	assert_int_equal(parse(&m, 7, "Example.Org", DNS_T_MX, &a), ERR_OK);
	assert_int_equal(a.rcode, DNS_RCODE_NOERROR);
	assert_true(a.ad);
	assert_false(a.tc);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.rr[0].owner, "example.org");
	assert_int_equal(a.rr[0].pref, 20);
	assert_string_equal(a.rr[0].target, "mx2.example.org");
	assert_string_equal(a.rr[1].target, "mx1.ex.net");
	assert_int_equal(a.rr[1].ttl, 300);
	dns_answer_free(&a);
}

static void
null_mx_and_nxdomain(void **state)
{
	struct msg m;
	struct dns_answer a;
	(void)state;
	begin(&m, 7, 0, "nomail.example", DNS_T_MX, 1, 0, 0);
	rr_head(&m, DNS_T_MX, 3);
	put16(&m, 0);
	put8(&m, 0);
	assert_int_equal(parse(&m, 7, "nomail.example", DNS_T_MX, &a), ERR_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.rr[0].target, "");
	assert_false(a.ad);
	dns_answer_free(&a);
	begin(&m, 7, DNS_RCODE_NXDOMAIN, "none.example", DNS_T_MX, 0, 0, 0);
	assert_int_equal(parse(&m, 7, "none.example", DNS_T_MX, &a), ERR_OK);
	assert_int_equal(a.rcode, DNS_RCODE_NXDOMAIN);
	assert_int_equal(a.n, 0);
	dns_answer_free(&a);
}

static void
other_queries_replies_are_not_ours(void **state)
{
	struct msg m;
	struct dns_answer a;
	(void)state;
	begin(&m, 8, 0, "example.org", DNS_T_A, 0, 0, 0);
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_A, &a), ERR_PROTO);
	begin(&m, 7, 0, "x.example.org", DNS_T_A, 0, 0, 0);
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_A, &a), ERR_PROTO);
	begin(&m, 7, 0, "example.org", DNS_T_AAAA, 0, 0, 0);
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_A, &a), ERR_PROTO);
	begin(&m, 7, 0, "example.org", DNS_T_A, 0, 0, 0);
	m.b[2] &= 0x7f;         /* a query, not a reply */
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_A, &a), ERR_PROTO);
	m.n = 5;
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_A, &a), ERR_PROTO);
}

static void
pointer_loops_and_forward_pointers_are_refused(void **state)
{
	struct msg m;
	struct dns_answer a;
	size_t at;
	(void)state;
	/* An owner name that points at itself. */
	begin(&m, 7, 0, "example.org", DNS_T_A, 1, 0, 0);
	at = m.n;
	put16(&m, 0xC000 | (unsigned)at);
	put16(&m, DNS_T_A);
	put16(&m, 1);
	put16(&m, 0);
	put16(&m, 0);
	put16(&m, 4);
	put16(&m, 0x7f00);
	put16(&m, 1);
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_A, &a), ERR_DATA);
	/* Two names pointing at each other through a label. */
	begin(&m, 7, 0, "example.org", DNS_T_CNAME, 1, 0, 0);
	rr_head(&m, DNS_T_CNAME, 4);
	at = m.n;
	put8(&m, 1);
	put8(&m, 'a');
	put16(&m, 0xC000 | (unsigned)at);
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_CNAME, &a), ERR_DATA);
	/* A pointer past the end. */
	begin(&m, 7, 0, "example.org", DNS_T_CNAME, 1, 0, 0);
	rr_head(&m, DNS_T_CNAME, 2);
	put16(&m, 0xC000 | 0x3ff);
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_CNAME, &a), ERR_DATA);
}

static void
lengths_must_add_up(void **state)
{
	struct msg m;
	struct dns_answer a;
	(void)state;
	/* An A record of 5 octets. */
	begin(&m, 7, 0, "example.org", DNS_T_A, 1, 0, 0);
	rr_head(&m, DNS_T_A, 5);
	put16(&m, 0x7f00);
	put16(&m, 1);
	put8(&m, 9);
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_A, &a), ERR_DATA);
	/* A record cut short. */
	begin(&m, 7, 0, "example.org", DNS_T_A, 1, 0, 0);
	rr_head(&m, DNS_T_A, 4);
	put16(&m, 0x7f00);
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_A, &a), ERR_DATA);
	/* More records announced than sent. */
	begin(&m, 7, 0, "example.org", DNS_T_A, 2, 0, 0);
	rr_head(&m, DNS_T_A, 4);
	put16(&m, 0x7f00);
	put16(&m, 1);
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_A, &a), ERR_DATA);
	/* Octets after the last record. */
	begin(&m, 7, 0, "example.org", DNS_T_A, 1, 0, 0);
	rr_head(&m, DNS_T_A, 4);
	put16(&m, 0x7f00);
	put16(&m, 1);
	put8(&m, 0);
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_A, &a), ERR_DATA);
	/* TXT strings that do not fill the record; an MX name that does not. */
	begin(&m, 7, 0, "example.org", DNS_T_TXT, 1, 0, 0);
	rr_head(&m, DNS_T_TXT, 3);
	put8(&m, 5);
	put16(&m, 0x4142);
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_TXT, &a), ERR_DATA);
	begin(&m, 7, 0, "example.org", DNS_T_MX, 1, 0, 0);
	rr_head(&m, DNS_T_MX, 5);
	put16(&m, 10);
	put8(&m, 0);
	put16(&m, 0);
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_MX, &a), ERR_DATA);
}

static void
truncation_and_big_rrsets(void **state)
{
	struct msg m;
	struct dns_answer a;
	(void)state;
	begin(&m, 7, 0, "example.org", DNS_T_A, 3, 0, 0);
	m.b[2] |= 0x02;         /* TC: the records may be cut off */
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_A, &a), ERR_OK);
	assert_true(a.tc);
	dns_answer_free(&a);
	begin(&m, 7, 0, "example.org", DNS_T_A, DNS_ANSWER_RRS_MAX + 1, 0, 0);
	for (int i = 0; i <= DNS_ANSWER_RRS_MAX; i++) {
		rr_head(&m, DNS_T_A, 4);
		put16(&m, 0x7f00);
		put16(&m, (unsigned)i);
	}
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_A, &a), ERR_TOOBIG);
}

static void
authority_and_additional_are_walked(void **state)
{
	struct msg m;
	struct dns_answer a;
	(void)state;
	begin(&m, 7, 0, "example.org", DNS_T_A, 0, 1, 1);
	/* SOA-ish authority record (type 6, opaque data) and an OPT. */
	rr_head(&m, 6, 3);
	put8(&m, 1);
	put16(&m, 2);
	put8(&m, 0);
	put16(&m, DNS_T_OPT);
	put16(&m, 1232);
	put16(&m, 0x0000);
	put16(&m, 0x8000);
	put16(&m, 0);
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_A, &a), ERR_OK);
	assert_int_equal(a.n, 0);
	dns_answer_free(&a);
	m.n--;                  /* the OPT record cut short */
	assert_int_equal(parse(&m, 7, "example.org", DNS_T_A, &a), ERR_DATA);
}

static void
cnames_are_followed_and_loops_stopped(void **state)
{
	struct dns_rr rr[4];
	struct dns_answer a = { .rr = rr, .n = 4 };
	const struct dns_rr *out[4];
	const char *final;
	bool looped;
	(void)state;
	memset(rr, 0, sizeof rr);
	strcpy(rr[0].owner, "www.example");
	rr[0].type = DNS_T_CNAME;
	strcpy(rr[0].target, "host.example");
	strcpy(rr[1].owner, "host.example");
	rr[1].type = DNS_T_CNAME;
	strcpy(rr[1].target, "real.example");
	strcpy(rr[2].owner, "real.example");
	rr[2].type = DNS_T_A;
	strcpy(rr[3].owner, "real.example");
	rr[3].type = DNS_T_A;
	assert_int_equal(dns_answer_select(&a, "WWW.example", DNS_T_A, out, 4, &final, &looped), 2);
	assert_string_equal(final, "real.example");
	assert_false(looped);
	assert_ptr_equal(out[0], &rr[2]);
	assert_int_equal(dns_answer_select(&a, "www.example", DNS_T_A, out, 1, &final, &looped), 1);
	assert_int_equal(dns_answer_select(&a, "www.example", DNS_T_MX, out, 4, &final, &looped), 0);
	assert_string_equal(final, "real.example");
	/* A loop: host -> www -> host ... */
	strcpy(rr[1].target, "www.example");
	assert_int_equal(dns_answer_select(&a, "www.example", DNS_T_A, out, 4, &final, &looped), 0);
	assert_true(looped);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(query_has_rd_ad_and_edns_do),
		cmocka_unit_test(names_are_canonicalised_or_refused),
		cmocka_unit_test(mx_reply_with_compression),
		cmocka_unit_test(null_mx_and_nxdomain),
		cmocka_unit_test(other_queries_replies_are_not_ours),
		cmocka_unit_test(pointer_loops_and_forward_pointers_are_refused),
		cmocka_unit_test(lengths_must_add_up),
		cmocka_unit_test(truncation_and_big_rrsets),
		cmocka_unit_test(authority_and_additional_are_walked),
		cmocka_unit_test(cnames_are_followed_and_loops_stopped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
