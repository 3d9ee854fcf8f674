// SPDX-License-Identifier: MIT
/* test_route_check.c: what --check-config refuses beyond the syntax
 * (route_check() in route.h, issue #12): settings this build cannot use,
 * found by making each account's TLS set-up as a delivery would (CA file,
 * client key pair, priority string with tls_min_version), the DNS settings
 * of MX accounts, the trust anchor under dns_validate, and, at parse time,
 * a SASL mechanism libgsasl lacks. Each error names the account and key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "config.h"
#include "route.h"

static char empty_file[64];     /* exists, readable, holds no certificate */

static int
setup(void **state)
{
	int fd;
	(void)state;
	snprintf(empty_file, sizeof empty_file, "/tmp/sealpost-test-XXXXXX");
	if ((fd = mkstemp(empty_file)) < 0)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(empty_file);
	return 0;
}

/* Check every account of text; NULL when all pass, else the first error
 * (static storage). The text must parse. */
static const char *
check(const char *text)
{
	static char msg[1024];
	struct config cfg;
	struct buf err;
	const char *out = NULL;

	config_defaults(&cfg);
	buf_init(&err, 1024);
	if (config_parse_mem(&cfg, "test.conf", text, strlen(text), &err) != ERR_OK)
		fail_msg("config refused: %s", buf_str(&err));
	for (const struct account *a = cfg.accounts; a && !out; a = a->next) {
		if (route_check(&cfg, a, &err) != ERR_OK) {
			snprintf(msg, sizeof msg, "%s", buf_str(&err));
			out = msg;
		}
	}
	buf_free(&err);
	config_free(&cfg);
	return out;
}

static void
expect_refused(const char *text, const char *needle1, const char *needle2)
{
	const char *why = check(text);
	if (!why)
		fail_msg("accepted:\n%s", text);
	if (!strstr(why, needle1) || (needle2 && !strstr(why, needle2)))
		fail_msg("expected \"%s\"%s%s in \"%s\"", needle1, needle2 ? " and " : "",
		    needle2 ? needle2 : "", why);
}

#define PIN "sha256:9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15:A3:BF:4F:1B:2B:0B:82:2C:D1:5D:6C:15:B0:F0:0A:08"

static void
usable_settings_pass(void **state)
{
	char text[512];
	(void)state;
	/* PKIX with the system trust store (as every delivery needs it). */
	assert_null(check("[account a]\nhost = h\n"));
	assert_null(check("[account a]\nhost = h\ntls_priority = NORMAL:-VERS-ALL:+VERS-TLS1.3\n"
	    "tls_min_version = 1.3\n"));
	assert_null(check("[account a]\nhost = h\ntls_fingerprint = " PIN "\n"));
	assert_null(check("[account m]\nmode = mx\n"));
	snprintf(text, sizeof text, "[global]\ndns_validate = yes\ndns_trust_anchor = %s\n"
	    "[account m]\nmode = mx\n", empty_file);
	assert_null(check(text));
}

static void
unloadable_ca_file_is_refused(void **state)
{
	char text[512];
	(void)state;
	expect_refused("[account a]\nhost = h\ntls_ca_file = /nonexistent/ca.pem\n",
	    "account a: tls_ca_file /nonexistent/ca.pem: ", "No such file");
	snprintf(text, sizeof text, "[account a]\nhost = h\ntls_ca_file = %s\n", empty_file);
	expect_refused(text, "account a: tls_ca_file", "no certificates found");
	/* MX accounts use it for "verify", and mta_sts_ca_file for MTA-STS. */
	snprintf(text, sizeof text, "[account m]\nmode = mx\ntls_ca_file = %s\n", empty_file);
	expect_refused(text, "account m: tls_ca_file", "no certificates found");
	expect_refused("[account m]\nmode = mx\nmta_sts_ca_file = /nonexistent/sts.pem\n",
	    "account m: mta_sts_ca_file /nonexistent/sts.pem: ", NULL);
	snprintf(text, sizeof text, "[account m]\nmode = mx\nmta_sts_ca_file = %s\n",
	    empty_file);
	expect_refused(text, "account m: mta_sts_ca_file", "no certificates found");
}

static void
unloadable_client_certificate_is_refused(void **state)
{
	char text[512];
	(void)state;
	expect_refused("[account a]\nhost = h\ntls_cert_file = /nonexistent/c.pem\n"
	    "tls_key_file = /nonexistent/c.key\n", "tls_cert_file /nonexistent/c.pem", NULL);
	snprintf(text, sizeof text, "[account a]\nhost = h\ntls_cert_file = %s\n"
	    "tls_key_file = %s\n", empty_file, empty_file);
	expect_refused(text, "account a: tls_cert_file", NULL);
}

static void
priority_gnutls_rejects_is_refused(void **state)
{
	(void)state;
	expect_refused("[account a]\nhost = h\ntls_priority = NORMAL:+NO-SUCH-THING\n",
	    "account a: tls_priority \"NORMAL:+NO-SUCH-THING\"", NULL);
	/* Valid syntax, but no TLS version left (tls_min_version = 1.3). */
	expect_refused("[account a]\nhost = h\ntls_priority = NORMAL:-VERS-TLS1.3\n"
	    "tls_min_version = 1.3\n", "leaves no TLS version", NULL);
	expect_refused("[account a]\nhost = h\ntls_priority = NORMAL:-VERS-TLS-ALL\n",
	    "leaves no TLS version", NULL);
	expect_refused("[account m]\nmode = mx\ntls_priority = NORMAL:+NO-SUCH-THING\n",
	    "account m: tls_priority", NULL);
}

static void
dns_settings_this_build_cannot_use_are_refused(void **state)
{
	(void)state;
	expect_refused("[global]\ndns_validate = yes\ndns_trust_anchor = /nonexistent/root.key\n"
	    "[account m]\nmode = mx\n", "dns_trust_anchor /nonexistent/root.key",
	    "dns_validate = yes");
	/* Under dns_validate = yes, for a relay account too. */
	expect_refused("[global]\ndns_validate = yes\ndns_trust_anchor = /nonexistent/root.key\n"
	    "[account a]\nhost = h\n", "dns_trust_anchor", NULL);
	expect_refused("[global]\ndns_server = not-an-address\n[account m]\nmode = mx\n",
	    "account m: dns_server", NULL);
}

/* Found when the file is read (config.c), so --check-config fails too. */
static void
sasl_mechanism_libgsasl_lacks_is_refused(void **state)
{
	static const char text[] = "[account a]\nhost = h\nauth_mechanisms = PLAIN NO-SUCH-MECH\n";
	struct config cfg;
	struct buf err;
	(void)state;
	config_defaults(&cfg);
	buf_init(&err, 1024);
	assert_int_equal(config_parse_mem(&cfg, "test.conf", text, sizeof text - 1, &err),
	    ERR_CONFIG);
	assert_non_null(strstr(buf_str(&err), "NO-SUCH-MECH is not a mechanism this build"));
	buf_free(&err);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(usable_settings_pass),
		cmocka_unit_test(unloadable_ca_file_is_refused),
		cmocka_unit_test(unloadable_client_certificate_is_refused),
		cmocka_unit_test(priority_gnutls_rejects_is_refused),
		cmocka_unit_test(dns_settings_this_build_cannot_use_are_refused),
		cmocka_unit_test(sasl_mechanism_libgsasl_lacks_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
