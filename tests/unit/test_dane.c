// SPDX-License-Identifier: MIT
/* Unit tests for dane.c's record filter: which TLSA records are usable for
 * SMTP (RFC 7672 3.1.3, RFC 6698 4.1) and digest agility (RFC 7671 9). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dane.h"

static struct dns_rr rrs[16];
static uint8_t data[16][80];
static struct dns_answer ans;

static void
reset(void)
{
	memset(rrs, 0, sizeof rrs);
	memset(&ans, 0, sizeof ans);
	ans.rr = rrs;
}

/* A TLSA record for name: usage, selector, type and len octets of data. */
static void
add(const char *name, int usage, int selector, int mtype, size_t len)
{
	struct dns_rr *r = &rrs[ans.n];
	uint8_t *d = data[ans.n++];
	strcpy(r->owner, name);
	r->type = DNS_T_TLSA;
	d[0] = (uint8_t)usage;
	d[1] = (uint8_t)selector;
	d[2] = (uint8_t)mtype;
	memset(d + 3, 0xab, len);
	r->rdata = d;
	r->rdlen = (uint16_t)(3 + len);
}

static void
only_dane_ta_and_ee_with_good_lengths(void **state)
{
	struct dane_tlsa t;
	(void)state;
	reset();
	add("_25._tcp.mx.example", 3, 1, 1, 32);        /* usable */
	add("_25._tcp.mx.example", 2, 0, 2, 64);        /* usable */
	add("_25._tcp.mx.example", 3, 0, 0, 40);        /* usable: full data */
	add("_25._tcp.mx.example", 1, 1, 1, 32);        /* PKIX-EE: unusable */
	add("_25._tcp.mx.example", 0, 0, 1, 32);        /* PKIX-TA: unusable */
	add("_25._tcp.mx.example", 3, 2, 1, 32);        /* unknown selector */
	add("_25._tcp.mx.example", 3, 1, 3, 32);        /* unknown matching type */
	add("_25._tcp.mx.example", 3, 1, 1, 31);        /* wrong digest length */
	add("_25._tcp.mx.example", 3, 1, 2, 32);        /* SHA-512 too short */
	add("_25._tcp.other.example", 3, 1, 1, 32);     /* another name */
	dane_tlsa_from_answer(&ans, "_25._tcp.mx.example", &t);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.unusable, 6);
	assert_int_equal(t.rr[0].usage, 3);
	assert_int_equal(t.rr[0].rdlen, 35);
	assert_int_equal(t.rr[1].usage, 2);
	assert_int_equal(t.rr[1].mtype, 2);
	dane_tlsa_free(&t);
}

static void
all_unusable_is_not_the_same_as_none(void **state)
{
	struct dane_tlsa t;
	(void)state;
	reset();
	dane_tlsa_from_answer(&ans, "_25._tcp.mx.example", &t);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.unusable, 0);
	dane_tlsa_free(&t);
	add("_25._tcp.mx.example", 1, 1, 1, 32);
	dane_tlsa_from_answer(&ans, "_25._tcp.mx.example", &t);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.unusable, 1);
	dane_tlsa_free(&t);
}

/* Where SHA2-512 is published for a usage and selector, its SHA2-256
 * siblings are not used; other usages and selectors keep theirs. */
static void
strongest_digest_only(void **state)
{
	struct dane_tlsa t;
	(void)state;
	reset();
	add("_25._tcp.mx.example", 3, 1, 1, 32);        /* dropped: 3 1 2 exists */
	add("_25._tcp.mx.example", 3, 1, 2, 64);
	add("_25._tcp.mx.example", 3, 0, 1, 32);        /* kept: other selector */
	add("_25._tcp.mx.example", 2, 1, 1, 32);        /* kept: other usage */
	dane_tlsa_from_answer(&ans, "_25._tcp.mx.example", &t);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.unusable, 1);
	for (size_t i = 0; i < t.n; i++)
		assert_false(t.rr[i].usage == 3 && t.rr[i].selector == 1 && t.rr[i].mtype == 1);
	dane_tlsa_free(&t);
}

static void
empty_chain_never_verifies(void **state)
{
	struct dane_tlsa t;
	const char *how = "x", *names[] = { "mx.example" };
	char why[256];
	(void)state;
	reset();
	add("_25._tcp.mx.example", 3, 1, 1, 32);
	dane_tlsa_from_answer(&ans, "_25._tcp.mx.example", &t);
	assert_false(dane_verify(&t, NULL, 0, names, 1, &how, why, sizeof why));
	assert_null(how);
	dane_tlsa_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(only_dane_ta_and_ee_with_good_lengths),
		cmocka_unit_test(all_unusable_is_not_the_same_as_none),
		cmocka_unit_test(strongest_digest_only),
		cmocka_unit_test(empty_chain_never_verifies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
