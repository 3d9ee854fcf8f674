// SPDX-License-Identifier: MIT
/* Unit tests for alias.c: local names through [aliases], "*" and admin;
 * bare senders qualified with maildomain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alias.h"

static void
load(struct config *cfg, const char *text)
{
	struct buf err;
	config_defaults(cfg);
	buf_init(&err, 1024);
	if (config_parse_mem(cfg, "unit", text, strlen(text), &err) != ERR_OK)
		fail_msg("config: %s", buf_str(&err));
	buf_free(&err);
}

static enum err
resolve(const struct config *cfg, const char *addr, struct addr_list *out)
{
	struct addr_list in;
	struct buf err;
	enum err rc;
	addr_list_init(&in);
	addr_list_init(out);
	buf_init(&err, 1024);
	assert_int_equal(addr_list_add(&in, addr), ERR_OK);
	rc = alias_resolve(cfg, &in, out, &err);
	buf_free(&err);
	addr_list_free(&in);
	return rc;
}

static void
local_names_follow_aliases_then_star_then_admin(void **state)
{
	struct config cfg;
	struct addr_list out;
	(void)state;
	load(&cfg, "[global]\nhostname = h.example\nadmin = ops@example.org\n"
	    "[aliases]\nroot = a@example.org, b@example.org\n"
	    "[account default]\nhost = smtp.example.org\n");
	assert_int_equal(resolve(&cfg, "root", &out), ERR_OK);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[1], "b@example.org");
	addr_list_free(&out);
	assert_int_equal(resolve(&cfg, "ROOT@localhost", &out), ERR_OK);
	assert_string_equal(out.v[0], "a@example.org");
	addr_list_free(&out);
	assert_int_equal(resolve(&cfg, "cron@h.example", &out), ERR_OK);
	assert_string_equal(out.v[0], "ops@example.org");
	addr_list_free(&out);
	/* A public address is left alone. */
	assert_int_equal(resolve(&cfg, "x@example.net", &out), ERR_OK);
	assert_string_equal(out.v[0], "x@example.net");
	addr_list_free(&out);
	config_free(&cfg);
}

static void
nobody_for_a_local_name_or_a_loop_is_refused(void **state)
{
	struct config cfg;
	struct addr_list out;
	(void)state;
	load(&cfg, "[global]\nhostname = h.example\n[aliases]\nroot = postmaster\n"
	    "[account default]\nhost = smtp.example.org\n");
	assert_int_equal(resolve(&cfg, "cron", &out), ERR_USAGE);
	addr_list_free(&out);
	assert_int_equal(resolve(&cfg, "root", &out), ERR_CONFIG);
	addr_list_free(&out);
	config_free(&cfg);
}

static void
bare_senders_get_maildomain(void **state)
{
	struct config cfg;
	char *q;
	(void)state;
	load(&cfg, "[global]\nhostname = h.example\nmaildomain = example.org\n"
	    "[account default]\nhost = smtp.example.org\n");
	q = alias_qualify(&cfg, "root");
	assert_string_equal(q, "root@example.org");
	free(q);
	q = alias_qualify(&cfg, "a@b.example");
	assert_string_equal(q, "a@b.example");
	free(q);
	config_free(&cfg);
}

/* Once the account is known, an address without a domain gets
 * maildomain, else the domain of the account's from, else the host name
 * (the envelope sender and the header addresses alike). */
static void
bare_addresses_get_the_account_domain(void **state)
{
	struct config cfg;
	char *q;
	(void)state;
	load(&cfg, "[global]\nhostname = h.example\n"
	    "[account default]\nhost = smtp.example.org\nfrom = ops@corp.example\n"
	    "[account bare]\nhost = smtp.example.org\nfrom = ops\n"
	    "[account none]\nhost = smtp.example.org\n");
	assert_string_equal(alias_domain(&cfg, config_find_account(&cfg, "default")),
	    "corp.example");
	assert_string_equal(alias_domain(&cfg, config_find_account(&cfg, "bare")), "h.example");
	assert_string_equal(alias_domain(&cfg, config_find_account(&cfg, "none")), "h.example");
	assert_string_equal(alias_domain(&cfg, NULL), "h.example");
	q = alias_qualify_for(&cfg, config_find_account(&cfg, "default"), "root");
	assert_string_equal(q, "root@corp.example");
	free(q);
	q = alias_qualify_for(&cfg, config_find_account(&cfg, "default"), "a@b.example");
	assert_string_equal(q, "a@b.example");
	free(q);
	config_free(&cfg);
	/* maildomain wins. */
	load(&cfg, "[global]\nhostname = h.example\nmaildomain = example.org\n"
	    "[account default]\nhost = smtp.example.org\nfrom = ops@corp.example\n");
	assert_string_equal(alias_domain(&cfg, config_find_account(&cfg, "default")),
	    "example.org");
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(local_names_follow_aliases_then_star_then_admin),
		cmocka_unit_test(nobody_for_a_local_name_or_a_loop_is_refused),
		cmocka_unit_test(bare_senders_get_maildomain),
		cmocka_unit_test(bare_addresses_get_the_account_domain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
