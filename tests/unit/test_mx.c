// SPDX-License-Identifier: MIT
/* Unit tests for mx.c's pure part: an MX answer to an ordered host list
 * (RFC 5321 5.1), null MX (RFC 7505), NXDOMAIN and implicit MX. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mx.h"

static struct dns_rr rrs[8];
static struct dns_answer ans;

static void
reset(void)
{
	memset(rrs, 0, sizeof rrs);
	memset(&ans, 0, sizeof ans);
	ans.rr = rrs;
}

static void
add(const char *owner, uint16_t type, uint16_t pref, const char *target)
{
	struct dns_rr *r = &rrs[ans.n++];
	strcpy(r->owner, owner);
	r->type = type;
	r->pref = pref;
	strcpy(r->target, target);
}

static void
sorted_by_preference(void **state)
{
	struct mx_set set;
	struct result res = { 0 };
	(void)state;
	reset();
	add("example.org", DNS_T_MX, 30, "c.example.org");
	add("example.org", DNS_T_MX, 10, "a.example.org");
	add("example.org", DNS_T_MX, 20, "b.example.org");
	add("other.example", DNS_T_MX, 0, "z.example.org");
	assert_int_equal(mx_from_answer(&ans, "example.org", &set, &res), ERR_OK);
	assert_false(set.implicit);
	assert_int_equal(set.n, 3);
	assert_string_equal(set.host[0].name, "a.example.org");
	assert_string_equal(set.host[1].name, "b.example.org");
	assert_string_equal(set.host[2].name, "c.example.org");
	assert_int_equal(set.host[2].pref, 30);
}

/* Equal preferences come out in both orders (RFC 5321 5.1 MUST randomise);
 * the better preference always first. */
static void
equal_preferences_are_shuffled(void **state)
{
	struct mx_set set;
	struct result res = { 0 };
	int first_x = 0;
	(void)state;
	reset();
	add("example.org", DNS_T_MX, 10, "x.example.org");
	add("example.org", DNS_T_MX, 10, "y.example.org");
	add("example.org", DNS_T_MX, 5, "best.example.org");
	for (int i = 0; i < 200; i++) {
		assert_int_equal(mx_from_answer(&ans, "example.org", &set, &res), ERR_OK);
		assert_string_equal(set.host[0].name, "best.example.org");
		first_x += strcmp(set.host[1].name, "x.example.org") == 0;
	}
	assert_true(first_x > 20 && first_x < 180);
}

static void
null_mx_fails_at_once(void **state)
{
	struct mx_set set;
	struct result res = { 0 };
	(void)state;
	reset();
	add("nomail.example", DNS_T_MX, 0, "");
	assert_int_equal(mx_from_answer(&ans, "nomail.example", &set, &res), ERR_DNS);
	assert_int_equal(res.cls, RES_PERM);
	assert_int_equal(res.at, STAGE_DNS);
	assert_int_equal(res.code, 556);
	assert_non_null(strstr(res.text, "null MX"));
	assert_int_equal(set.n, 0);
	assert_int_equal(result_exitcode(&res, false), 68);
	/* "." beside real exchanges is a misconfiguration: skipped. */
	add("nomail.example", DNS_T_MX, 10, "mx.nomail.example");
	assert_int_equal(mx_from_answer(&ans, "nomail.example", &set, &res), ERR_OK);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.host[0].name, "mx.nomail.example");
}

static void
nxdomain_is_permanent(void **state)
{
	struct mx_set set;
	struct result res = { 0 };
	(void)state;
	reset();
	ans.rcode = DNS_RCODE_NXDOMAIN;
	assert_int_equal(mx_from_answer(&ans, "none.example", &set, &res), ERR_DNS);
	assert_int_equal(res.cls, RES_PERM);
	assert_int_equal(result_exitcode(&res, false), 68);
}

static void
no_mx_means_the_domain_itself(void **state)
{
	struct mx_set set;
	struct result res = { 0 };
	(void)state;
	reset();
	assert_int_equal(mx_from_answer(&ans, "plain.example", &set, &res), ERR_OK);
	assert_true(set.implicit);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.host[0].name, "plain.example");
	assert_int_equal(set.host[0].pref, 0);
	/* Through a CNAME: the name it leads to; its MX records if it has any. */
	add("alias.example", DNS_T_CNAME, 0, "real.example");
	assert_int_equal(mx_from_answer(&ans, "alias.example", &set, &res), ERR_OK);
	assert_true(set.implicit);
	assert_string_equal(set.host[0].name, "real.example");
	add("real.example", DNS_T_MX, 10, "mx.real.example");
	assert_int_equal(mx_from_answer(&ans, "alias.example", &set, &res), ERR_OK);
	assert_false(set.implicit);
	assert_string_equal(set.host[0].name, "mx.real.example");
}

static void
cname_loop_is_temporary(void **state)
{
	struct mx_set set;
	struct result res = { 0 };
	(void)state;
	reset();
	add("a.example", DNS_T_CNAME, 0, "b.example");
	add("b.example", DNS_T_CNAME, 0, "a.example");
	assert_int_equal(mx_from_answer(&ans, "a.example", &set, &res), ERR_DNS);
	assert_int_equal(res.cls, RES_TEMP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sorted_by_preference),
		cmocka_unit_test(equal_preferences_are_shuffled),
		cmocka_unit_test(null_mx_fails_at_once),
		cmocka_unit_test(nxdomain_is_permanent),
		cmocka_unit_test(no_mx_means_the_domain_itself),
		cmocka_unit_test(cname_loop_is_temporary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
