// SPDX-License-Identifier: MIT
/* test_config.c: the configuration file of sealpost.conf(5) (config.h):
 * every documented key, defaults, "NAME:LINE:" errors, the bounded line
 * reader, account selection, permission rules and the redacted dump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define PIN1 "sha256:9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15:A3:BF:4F:1B:2B:0B:82:2C:D1:5D:6C:15:B0:F0:0A:08"
#define PIN2 "sha256:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
#define PIN3 "SHA256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824"

/* Parse text (NUL-terminated) into *cfg; the caller frees cfg. */
static enum err
parse(struct config *cfg, const char *text, struct buf *err)
{
	config_defaults(cfg);
	buf_init(err, 4096);
	return config_parse_mem(cfg, "test.conf", text, strlen(text), err);
}

static enum err
parse_n(struct config *cfg, const char *text, size_t len, struct buf *err)
{
	config_defaults(cfg);
	buf_init(err, 4096);
	return config_parse_mem(cfg, "test.conf", text, len, err);
}

/* text must parse; the caller checks cfg and then frees it with done(). */
static void
parse_ok(struct config *cfg, const char *text)
{
	struct buf err;
	enum err rc = parse(cfg, text, &err);
	if (rc != ERR_OK) {
		char msg[4096];
		snprintf(msg, sizeof msg, "%s", buf_str(&err));
		buf_free(&err);
		config_free(cfg);
		fail_msg("config refused: %s (%s)", msg, err_str(rc));
	}
	buf_free(&err);
}

static void
done(struct config *cfg)
{
	config_free(cfg);
}

/* text must fail with an error message starting with prefix and, when
 * needle is set, containing needle. */
static void
expect_error_len(const char *text, size_t len, const char *prefix, const char *needle)
{
	struct config cfg;
	struct buf err;
	char msg[4096];
	enum err rc = parse_n(&cfg, text, len, &err);
	snprintf(msg, sizeof msg, "%s", buf_str(&err));
	buf_free(&err);
	config_free(&cfg);
	if (rc != ERR_CONFIG)
		fail_msg("expected ERR_CONFIG with \"%s\", got %s (%s) for:\n%s", prefix,
		    err_str(rc), msg, text);
	if (strncmp(msg, prefix, strlen(prefix)) != 0)
		fail_msg("expected message starting \"%s\", got \"%s\"", prefix, msg);
	if (needle && !strstr(msg, needle))
		fail_msg("expected \"%s\" in \"%s\"", needle, msg);
}

static void
expect_error(const char *text, const char *prefix, const char *needle)
{
	expect_error_len(text, strlen(text), prefix, needle);
}

static const char full_example[] =
    "# sealpost configuration: every key of sealpost.conf(5)\n"
    "[global]\n"
    "hostname = host.example.com      ; EHLO name and Message-ID domain\n"
    "maildomain = example.com         ; domain for unqualified sender addresses\n"
    "admin = ops@example.com          ; where mail for local accounts goes\n"
    "queue = no                       ; no: never queue\n"
    "queue_dir = /var/spool/sealpost\n"
    "retry_min = 5m                   ; first retry delay\n"
    "retry_max = 3h\n"
    "queue_lifetime = 5d              ; then the message bounces\n"
    "bounce = no\n"
    "log = /var/log/sealpost.log      ; syslog | stderr | none | /path/to/file\n"
    "connect_timeout = 45s\n"
    "command_timeout = 4m             ; cap on any single wait\n"
    "session_timeout = 1h             ; whole delivery attempt\n"
    "dns_server = 127.0.0.1:53        ; default: from /etc/resolv.conf\n"
    "dns_trust_ad = yes               ; yes | no | auto\n"
    "\n"
    "[aliases]                        ; local recipients\n"
    "root = ops@example.com\n"
    "* = catchall@example.com         ; any other local name\n"
    "\n"
    "[account default]                ; chosen unless -a NAME or match_from\n"
    "host = smtp.example.com\n"
    "port = 2465                      ; default 465 for implicit\n"
    "tls = implicit                   ; implicit | starttls\n"
    "tls_ca_file = /etc/ssl/certs/ca-certificates.crt   ; default: system store\n"
    "tls_fingerprint = " PIN1 "\n"
    "tls_server_name = smtp.example.com\n"
    "tls_cert_file = /path/client.pem\n"
    "tls_key_file = /path/client.key\n"
    "tls_min_version = 1.3            ; 1.2 | 1.3\n"
    "tls_priority = NORMAL:-VERS-TLS1.2\n"
    "user = alice\n"
    "password_file = /etc/sealpost/alice.pass      ; first line\n"
    "auth_mechanisms = scram-sha-256 PLAIN,login\n"
    "from = alice@example.com         ; default envelope sender\n"
    "match_from = *@example.com *@Example.NET\n"
    "header_from = replace            ; add | replace | keep\n"
    "\n"
    "[account work]\n"
    "mode = relay\n"
    "host = mail.work.example\n"
    "tls = starttls\n"
    "user = bob\n"
    "password_command = pass show mail/bob       ; run by /bin/sh -c\n"
    "header_from = keep\n"
    "\n"
    "[account secret]\n"
    "host = smtp.secret.example\n"
    "user = carol\n"
    "password = \"s3cret-Pa55\"\n"
    "\n"
    "[account direct]\n"
    "mode = mx                        ; deliver to the recipients' MX hosts\n"
    "mx_port = 2525                   ; (for tests)\n"
    "tls_policy = dane-only\n"
    "mta_sts = no\n"
    "mta_sts_port = 8443              ; (for tests)\n"
    "mta_sts_ca_file = /etc/ssl/test-ca.pem\n"
    "\n"
    "[domain example.org]             ; per-destination TLS policy in MX mode\n"
    "tls_policy = fingerprint\n"
    "tls_fingerprint = " PIN2 ", " PIN3 "\n"
    "\n"
    "[domain example.net]\n"
    "tls_policy = may\n";

static void
full_example_parses_every_key(void **state)
{
	struct config cfg;
	struct account *a;
	(void)state;
	parse_ok(&cfg, full_example);
	assert_string_equal(cfg.hostname, "host.example.com");
	assert_string_equal(cfg.maildomain, "example.com");
	assert_string_equal(cfg.admin, "ops@example.com");
	assert_false(cfg.queue);
	assert_string_equal(cfg.queue_dir, "/var/spool/sealpost");
	assert_true(cfg.retry_min_ms == 300000);
	assert_true(cfg.retry_max_ms == 3 * 3600000);
	assert_true(cfg.queue_lifetime_ms == UINT64_C(5) * 86400000);
	assert_false(cfg.bounce);
	assert_int_equal(cfg.log, LOG_TARGET_FILE);
	assert_string_equal(cfg.log_path, "/var/log/sealpost.log");
	assert_true(cfg.connect_timeout_ms == 45000);
	assert_true(cfg.command_timeout_ms == 240000);
	assert_true(cfg.session_timeout_ms == 3600000);
	assert_string_equal(cfg.dns_server, "127.0.0.1:53");
	assert_int_equal(cfg.dns_trust_ad, TRUST_AD_YES);

	assert_non_null(cfg.aliases);
	assert_string_equal(cfg.aliases->name, "root");
	assert_string_equal(cfg.aliases->target, "ops@example.com");
	assert_non_null(cfg.aliases->next);
	assert_string_equal(cfg.aliases->next->name, "*");
	assert_string_equal(cfg.aliases->next->target, "catchall@example.com");
	assert_null(cfg.aliases->next->next);

	a = config_find_account(&cfg, "default");
	assert_non_null(a);
	assert_int_equal(a->mode, ACCT_RELAY);
	assert_string_equal(a->host, "smtp.example.com");
	assert_int_equal(a->port, 2465);
	assert_int_equal(a->tls, TLS_MODE_IMPLICIT);
	assert_string_equal(a->tls_ca_file, "/etc/ssl/certs/ca-certificates.crt");
	assert_int_equal(a->npins, 1);
	assert_string_equal(a->tls_fingerprint[0], PIN1);
	assert_string_equal(a->tls_server_name, "smtp.example.com");
	assert_string_equal(a->tls_cert_file, "/path/client.pem");
	assert_string_equal(a->tls_key_file, "/path/client.key");
	assert_int_equal(a->tls_min_version, 13);
	assert_string_equal(a->tls_priority, "NORMAL:-VERS-TLS1.2");
	assert_string_equal(a->user, "alice");
	assert_null(a->password);
	assert_string_equal(a->password_file, "/etc/sealpost/alice.pass");
	assert_null(a->password_command);
	assert_string_equal(a->auth_mechanisms, "SCRAM-SHA-256 PLAIN LOGIN");
	assert_string_equal(a->from, "alice@example.com");
	assert_string_equal(a->match_from, "*@example.com *@Example.NET");
	assert_int_equal(a->header_from, HFROM_REPLACE);

	a = config_find_account(&cfg, "work");
	assert_non_null(a);
	assert_int_equal(a->mode, ACCT_RELAY);
	assert_int_equal(a->tls, TLS_MODE_STARTTLS);
	assert_string_equal(a->password_command, "pass show mail/bob");
	assert_int_equal(a->header_from, HFROM_KEEP);

	a = config_find_account(&cfg, "secret");
	assert_non_null(a);
	assert_string_equal(a->password, "s3cret-Pa55");

	a = config_find_account(&cfg, "direct");
	assert_non_null(a);
	assert_int_equal(a->mode, ACCT_MX);
	assert_int_equal(a->mx_port, 2525);
	assert_int_equal(a->tls_policy, POLICY_DANE_ONLY);
	assert_false(a->mta_sts);
	assert_int_equal(a->mta_sts_port, 8443);
	assert_string_equal(a->mta_sts_ca_file, "/etc/ssl/test-ca.pem");

	assert_null(config_find_account(&cfg, "nobody"));
	assert_null(config_find_account(&cfg, "Default"));

	assert_non_null(cfg.domains);
	assert_string_equal(cfg.domains->name, "example.org");
	assert_int_equal(cfg.domains->policy, POLICY_FINGERPRINT);
	assert_int_equal(cfg.domains->npins, 2);
	assert_string_equal(cfg.domains->tls_fingerprint[0], PIN2);
	assert_string_equal(cfg.domains->tls_fingerprint[1], PIN3);
	assert_non_null(cfg.domains->next);
	assert_string_equal(cfg.domains->next->name, "example.net");
	assert_int_equal(cfg.domains->next->policy, POLICY_MAY);
	done(&cfg);
}

static void
every_tls_policy_and_log_target(void **state)
{
	static const struct { const char *word; enum tls_policy p; } pol[] = {
		{ "dane", POLICY_DANE }, { "dane-only", POLICY_DANE_ONLY },
		{ "verify", POLICY_VERIFY }, { "encrypt", POLICY_ENCRYPT },
		{ "may", POLICY_MAY },
	};
	static const struct { const char *word; enum log_target t; } logs[] = {
		{ "syslog", LOG_TARGET_SYSLOG }, { "stderr", LOG_TARGET_STDERR },
		{ "none", LOG_TARGET_NONE },
	};
	char text[256];
	struct config cfg;
	(void)state;
	for (size_t i = 0; i < sizeof pol / sizeof pol[0]; i++) {
		/* may (plaintext allowed) only ever per domain (INTERFACE: "only
		 * per domain"): the account keeps its default there. */
		bool may = pol[i].p == POLICY_MAY;
		snprintf(text, sizeof text, "[account mx]\nmode = mx\ntls_policy = %s\n"
		    "[domain d.example]\ntls_policy = %s\n", may ? "dane" : pol[i].word,
		    pol[i].word);
		parse_ok(&cfg, text);
		assert_int_equal(cfg.accounts->tls_policy, may ? POLICY_DANE : pol[i].p);
		assert_int_equal(cfg.domains->policy, pol[i].p);
		assert_string_equal(tls_policy_str(pol[i].p), pol[i].word);
		done(&cfg);
	}
	for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++) {
		snprintf(text, sizeof text, "[global]\nlog = %s\n", logs[i].word);
		parse_ok(&cfg, text);
		assert_int_equal(cfg.log, logs[i].t);
		assert_null(cfg.log_path);
		done(&cfg);
	}
	parse_ok(&cfg, "[global]\ndns_trust_ad = no\n");
	assert_int_equal(cfg.dns_trust_ad, TRUST_AD_NO);
	done(&cfg);
	parse_ok(&cfg, "[global]\ndns_trust_ad = auto\n");
	assert_int_equal(cfg.dns_trust_ad, TRUST_AD_AUTO);
	done(&cfg);
	parse_ok(&cfg, "[account a]\nhost = h\nheader_from = add\ntls_min_version = 1.2\n");
	assert_int_equal(cfg.accounts->header_from, HFROM_ADD);
	assert_int_equal(cfg.accounts->tls_min_version, 12);
	done(&cfg);
}

static void
defaults_without_file(void **state)
{
	struct config cfg;
	(void)state;
	config_defaults(&cfg);
	assert_true(cfg.queue);
	assert_true(cfg.bounce);
	assert_true(cfg.retry_min_ms == 300000);
	assert_true(cfg.retry_max_ms == 10800000);
	assert_true(cfg.queue_lifetime_ms == UINT64_C(5) * 86400000);
	assert_int_equal(cfg.log, LOG_TARGET_SYSLOG);
	assert_true(cfg.connect_timeout_ms == 30000);
	assert_true(cfg.command_timeout_ms == 300000);
	assert_true(cfg.session_timeout_ms == 1800000);
	assert_int_equal(cfg.dns_trust_ad, TRUST_AD_AUTO);
	assert_null(cfg.accounts);
	assert_null(cfg.domains);
	assert_null(cfg.aliases);
	assert_null(cfg.hostname);
	done(&cfg);
}

static void
empty_file_is_valid(void **state)
{
	struct config cfg;
	(void)state;
	parse_ok(&cfg, "");
	assert_null(cfg.accounts);
	done(&cfg);
	parse_ok(&cfg, "# only a comment\n; another\n\n");
	assert_null(cfg.accounts);
	done(&cfg);
}

static void
account_defaults(void **state)
{
	struct config cfg;
	struct account *a;
	(void)state;
	parse_ok(&cfg, "[account default]\nhost = smtp.example.com\n");
	a = cfg.accounts;
	assert_non_null(a);
	assert_string_equal(a->name, "default");
	assert_int_equal(a->mode, ACCT_RELAY);
	assert_int_equal(a->tls, TLS_MODE_IMPLICIT);
	assert_int_equal(a->port, 465);
	assert_int_equal(a->tls_min_version, 12);
	assert_int_equal(a->header_from, HFROM_ADD);
	assert_int_equal(a->tls_policy, POLICY_DANE);
	assert_true(a->mta_sts);
	assert_int_equal(a->mx_port, 25);
	assert_int_equal(a->mta_sts_port, 443);
	assert_int_equal(a->npins, 0);
	assert_non_null(a->auth_mechanisms);
	assert_non_null(strstr(a->auth_mechanisms, "PLAIN"));
	assert_null(a->user);
	assert_null(a->password);
	assert_null(a->next);
	done(&cfg);
}

static void
default_port_follows_tls_mode(void **state)
{
	struct config cfg;
	(void)state;
	parse_ok(&cfg, "[account a]\nhost = h\ntls = implicit\n");
	assert_int_equal(cfg.accounts->port, 465);
	done(&cfg);
	parse_ok(&cfg, "[account a]\nhost = h\ntls = starttls\n");
	assert_int_equal(cfg.accounts->port, 587);
	done(&cfg);
	parse_ok(&cfg, "[account a]\nport = 25\nhost = h\ntls = starttls\n");
	assert_int_equal(cfg.accounts->port, 25);
	done(&cfg);
}

/* ---- "NAME:LINE:" errors ---- */

static void
unknown_key_names_its_line(void **state)
{
	(void)state;
	expect_error("[global]\nhostname = a\nbogus = 1\n", "test.conf:3: ", "bogus");
	expect_error("[account a]\nhost = h\n\n# c\nHost = x\n", "test.conf:5: ", "Host");
	/* A global key in an account section is unknown there. */
	expect_error("[account a]\nhost = h\nqueue = yes\n", "test.conf:3: ", "queue");
	/* Aliases are not keys of [global]. */
	expect_error("[global]\nroot = a@b\n", "test.conf:2: ", "root");
	/* Domain sections take only the policy keys. */
	expect_error("[domain d.example]\nhost = x\n", "test.conf:2: ", "host");
}

static void
unknown_section_names_its_line(void **state)
{
	(void)state;
	expect_error("[global]\nhostname = a\n[bogus]\nkey = 1\n", "test.conf:3: ", "bogus");
	expect_error("[Global]\nhostname = a\n", "test.conf:1: ", "Global");
	expect_error("[accounts x]\nhost = a\n", "test.conf:1: ", "accounts");
}

/* issue #12: a misspelt key or section suggests the nearest known name,
 * only when it is close; a key of another section says where it belongs. */
static void
unknown_key_suggests_the_nearest(void **state)
{
	(void)state;
	expect_error("[account a]\nhost = h\ntls_ca_fle = /x\n", "test.conf:3: ",
	    "\"tls_ca_fle\" in [account a]; did you mean tls_ca_file?");
	expect_error("[account a]\nhots = h\n", "test.conf:2: ", "did you mean host?");
	expect_error("[account a]\nhost = h\nPassword_Fiel = /x\n", "test.conf:3: ",
	    "did you mean password_file?");
	expect_error("[global]\nhostnmae = h\n", "test.conf:2: ", "did you mean hostname?");
	expect_error("[domain d.example]\ntls_polcy = dane\n", "test.conf:2: ",
	    "did you mean tls_policy?");
	expect_error("[account a]\nhost = h\nqueue_dir = /q\n", "test.conf:3: ",
	    "it belongs in [global]");
	expect_error("[global]\nhost = h\n", "test.conf:2: ", "it belongs in [account NAME]");
	expect_error("[acount x]\nhost = h\n", "test.conf:1: ", "did you mean account?");
	expect_error("[globl]\n", "test.conf:1: ", "did you mean global?");
	/* Nothing close: no guess. */
	const char *far[] = { "[account a]\nhost = h\nfoo = 1\n",
	    "[account a]\nhost = h\npass = 1\n", "[global]\nq = 1\n",
	    "[account a]\nhost = h\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxx = 1\n", "[bogus]\n" };
	for (size_t i = 0; i < sizeof far / sizeof far[0]; i++) {
		struct config cfg;
		struct buf err;
		assert_int_equal(parse(&cfg, far[i], &err), ERR_CONFIG);
		assert_null(strstr(buf_str(&err), "did you mean"));
		assert_null(strstr(buf_str(&err), "belongs"));
		buf_free(&err);
		config_free(&cfg);
	}
}

static void
unknown_section_without_keys_is_an_error(void **state)
{
	(void)state;
	expect_error("[global]\nhostname = a\n[bogus]\n", "test.conf:3: ", "bogus");
}

static void
key_before_any_section(void **state)
{
	(void)state;
	expect_error("hostname = a\n[global]\n", "test.conf:1: ", "hostname");
	expect_error("# comment\n\nhost = a\n", "test.conf:3: ", "host");
}

static void
duplicate_key_names_second_line(void **state)
{
	(void)state;
	expect_error("[global]\nhostname = a\nadmin = b\nhostname = c\n", "test.conf:4: ",
	    "hostname");
	expect_error("[account a]\nhost = h\nuser = u\npassword = p\npassword = q\n",
	    "test.conf:5: ", "password");
	expect_error("[aliases]\nroot = a@x\nROOT = b@x\n", "test.conf:3: ", "ROOT");
}

static void
duplicate_account_names_second_header(void **state)
{
	(void)state;
	expect_error("[account a]\nhost = x\n\n[account a]\nhost = y\n", "test.conf:4: ",
	    "\"a\"");
	expect_error("[account a]\nhost = x\n[account b]\nhost = y\n[account a]\nport = 26\n",
	    "test.conf:5: ", "\"a\"");
	expect_error("[domain x.example]\ntls_policy = may\n[domain X.example]\ntls_policy = may\n",
	    "test.conf:3: ", "twice");
}

/* Two [account a] headers in a row must not merge into one account. */
static void
duplicate_account_directly_after_itself_is_an_error(void **state)
{
	(void)state;
	expect_error("[account a]\nhost = x\n[account a]\nport = 26\n", "test.conf:3: ",
	    "\"a\"");
	expect_error("[global]\nhostname = a\n[global]\nadmin = b\n", "test.conf:3: ",
	    "global");
}

static void
global_twice_is_an_error(void **state)
{
	(void)state;
	expect_error("[global]\nhostname = a\n[aliases]\nx = y@z\n[global]\nadmin = b\n",
	    "test.conf:", "twice");
}

static void
bad_port(void **state)
{
	const char *bad[] = { "0", "65536", "abc", "-1", "25x", "", "99999999999999999999",
		"0x19", "+25" };
	char text[128];
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "[account a]\nhost = h\n\nport = %s\n", bad[i]);
		expect_error(text, "test.conf:4: ", "port");
	}
	expect_error("[account a]\nmode = mx\nmx_port = 0\n", "test.conf:3: ", "mx_port");
	expect_error("[account a]\nmode = mx\nmta_sts_port = 70000\n", "test.conf:3: ",
	    "mta_sts_port");
}

static void
port_bounds_accepted(void **state)
{
	struct config cfg;
	(void)state;
	parse_ok(&cfg, "[account a]\nhost = h\nport = 1\n");
	assert_int_equal(cfg.accounts->port, 1);
	done(&cfg);
	parse_ok(&cfg, "[account a]\nhost = h\nport = 65535\n");
	assert_int_equal(cfg.accounts->port, 65535);
	done(&cfg);
}

static void
bad_duration(void **state)
{
	const char *bad[] = { "5x", "0", "0s", "-1s", "999d", "5 m", "m", "1.5h", "5ms", "" };
	char text[128];
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "[global]\n# x\nretry_min = %s\n", bad[i]);
		expect_error(text, "test.conf:3: ", "retry_min");
	}
	expect_error("[global]\nsession_timeout = forever\n", "test.conf:2: ", "session_timeout");
}

static void
bare_duration_is_seconds(void **state)
{
	struct config cfg;
	(void)state;
	parse_ok(&cfg, "[global]\nconnect_timeout = 90\ncommand_timeout = 2d\n");
	assert_true(cfg.connect_timeout_ms == 90000);
	assert_true(cfg.command_timeout_ms == UINT64_C(2) * 86400000);
	done(&cfg);
}

static void
retry_min_over_retry_max_is_an_error(void **state)
{
	(void)state;
	expect_error("[global]\nretry_min = 4h\nretry_max = 1h\n", "test.conf", "retry_min");
}

static void
bad_bool(void **state)
{
	(void)state;
	expect_error("[global]\nqueue = maybe\n", "test.conf:2: ", "queue");
	expect_error("[global]\nbounce = 2\n", "test.conf:2: ", "bounce");
	expect_error("[account a]\nmode = mx\nmta_sts = sometimes\n", "test.conf:3: ", "mta_sts");
	expect_error("[global]\ndns_trust_ad = perhaps\n", "test.conf:2: ", "dns_trust_ad");
}

static void
bad_enumerations(void **state)
{
	(void)state;
	expect_error("[account a]\nhost = h\nmode = smarthost\n", "test.conf:3: ", "mode");
	expect_error("[account a]\nhost = h\nheader_from = overwrite\n", "test.conf:3: ",
	    "header_from");
	expect_error("[account a]\nhost = h\ntls_min_version = 1.1\n", "test.conf:3: ",
	    "tls_min_version");
	expect_error("[account a]\nmode = mx\ntls_policy = may\n", "test.conf:1: ",
	    "only in a [domain NAME] section");
	expect_error("[account a]\nmode = mx\ntls_policy = none\n", "test.conf:3: ",
	    "tls_policy");
	expect_error("[global]\nlog = relative/path\n", "test.conf:2: ", "log");
	expect_error("[account a]\nhost = h\nauth_mechanisms = PLAIN LOG/IN\n", "test.conf:3: ",
	    "auth_mechanisms");
}

static void
tls_plain_is_refused(void **state)
{
	(void)state;
	expect_error("[account a]\nhost = h\ntls = plain\n", "test.conf:3: ", "plaintext");
	expect_error("[account a]\nhost = h\ntls = none\n", "test.conf:3: ", "tls");
	expect_error("[account a]\nhost = h\ntls = no\n", "test.conf:3: ", "tls");
	expect_error("[account a]\nhost = h\ntls = STARTTLS_OPTIONAL\n", "test.conf:3: ", "tls");
}

static void
empty_values_are_errors(void **state)
{
	(void)state;
	expect_error("[account a]\nhost =\n", "test.conf:2: ", "host");
	expect_error("[global]\nhostname = \"\"\n", "test.conf:2: ", "hostname");
	expect_error("[account a]\nhost = h\nmatch_from = , ,\n", "test.conf:3: ", "match_from");
	expect_error("[account a]\nhost = h\ntls_fingerprint =\n", "test.conf:3: ",
	    "tls_fingerprint");
}

/* Build a config whose line 3 has exactly len bytes before its newline. */
static char *
config_with_line(size_t len, bool newline, const char *after)
{
	static const char head[] = "[global]\n# padding follows\n";
	static const char key[] = "hostname = ";
	size_t total = sizeof head - 1 + len + 1 + strlen(after) + 1;
	char *t = malloc(total);
	char *p = t;
	assert_non_null(t);
	assert_true(len > sizeof key);
	memcpy(p, head, sizeof head - 1);
	p += sizeof head - 1;
	memcpy(p, key, sizeof key - 1);
	memset(p + sizeof key - 1, 'h', len - (sizeof key - 1));
	p += len;
	if (newline)
		*p++ = '\n';
	memcpy(p, after, strlen(after) + 1);
	return t;
}

static void
line_of_1000_bytes_is_accepted(void **state)
{
	struct config cfg;
	char *t;
	(void)state;
	/* 198 bytes: the longest line libinih's own buffer takes. */
	t = config_with_line(198, true, "admin = a@b\n");
	parse_ok(&cfg, t);
	assert_int_equal(strlen(cfg.hostname), 198 - strlen("hostname = "));
	assert_string_equal(cfg.admin, "a@b");
	done(&cfg);
	free(t);
	/* Just past it, and CONFIG_LINE_MAX, with and without a newline. */
	for (size_t len = 199; len <= CONFIG_LINE_MAX; len += CONFIG_LINE_MAX - 199) {
		t = config_with_line(len, true, "admin = a@b\n");
		parse_ok(&cfg, t);
		assert_int_equal(strlen(cfg.hostname), len - strlen("hostname = "));
		assert_string_equal(cfg.admin, "a@b");
		done(&cfg);
		free(t);
		t = config_with_line(len, false, "");
		parse_ok(&cfg, t);
		assert_int_equal(strlen(cfg.hostname), len - strlen("hostname = "));
		done(&cfg);
		free(t);
	}
	/* CRLF line ends do not count. */
	t = config_with_line(CONFIG_LINE_MAX, false, "");
	t = realloc(t, strlen(t) + 3);
	assert_non_null(t);
	strcat(t, "\r\n");
	parse_ok(&cfg, t);
	assert_int_equal(strlen(cfg.hostname), CONFIG_LINE_MAX - strlen("hostname = "));
	done(&cfg);
	free(t);
	parse_ok(&cfg, "[global]\r\nhostname = h.example\r\n");
	assert_string_equal(cfg.hostname, "h.example");
	done(&cfg);
}

/* Fill out with n copies of c and a NUL. */
static char *
run_of(char *out, char c, size_t n)
{
	memset(out, c, n);
	out[n] = '\0';
	return out;
}

/* issue #12: a 300-octet user name, a long password_command and
 * tls_priority work as written. */
static void
long_values_work_as_written(void **state)
{
	char user[301], cmd[701], prio[720], fill[681], text[4096];
	struct config cfg;
	(void)state;
	run_of(user, 'u', 300);
	snprintf(cmd, sizeof cmd, "printf '%%s\\n' %s", run_of(fill, 'p', 680));
	snprintf(prio, sizeof prio, "NORMAL:-VERS-ALL:+VERS-TLS1.3:%s", run_of(fill, 'x', 400));
	snprintf(text, sizeof text, "[account a]\nhost = h\nuser = %s\n"
	    "password_command = %s\ntls_priority = %s\nfrom = a@b\n", user, cmd, prio);
	parse_ok(&cfg, text);
	assert_string_equal(cfg.accounts->user, user);
	assert_string_equal(cfg.accounts->password_command, cmd);
	assert_string_equal(cfg.accounts->tls_priority, prio);
	assert_string_equal(cfg.accounts->from, "a@b");
	done(&cfg);
}

/* A line too long for libinih's buffer is split as libinih splits one:
 * trimmed name and value, a ';' after whitespace starts a comment, quotes
 * are removed, "key: value" and a comment inside the name are errors. */
static void
long_lines_follow_libinih_rules(void **state)
{
	char v[701], text[4096];
	struct config cfg;
	(void)state;
	run_of(v, 'v', 700);
	snprintf(text, sizeof text, "[account a]\nhost = h\n"
	    "user \t =  \t %s \t ; a comment = with ; more\n", v);
	parse_ok(&cfg, text);
	assert_string_equal(cfg.accounts->user, v);
	done(&cfg);
	snprintf(text, sizeof text, "[account a]\nhost = h\nuser = \"%s;x\"\n", v);
	parse_ok(&cfg, text);
	assert_int_equal(strlen(cfg.accounts->user), 702);
	assert_string_equal(cfg.accounts->user + 700, ";x");
	done(&cfg);
	snprintf(text, sizeof text, "[account a]\nhost = h\nuser = %s ;\n", v);
	parse_ok(&cfg, text);
	assert_string_equal(cfg.accounts->user, v);
	done(&cfg);
	snprintf(text, sizeof text, "[account a]\nhost = h\nuser: %s\n", v);
	expect_error(text, "test.conf:3: ", "key = value");
	snprintf(text, sizeof text, "[account a]\nhost = h\nuser ;x = %s\n", v);
	expect_error(text, "test.conf:3: ", "syntax error");
	snprintf(text, sizeof text, "[account a]\nhost = h\nusr = %s\n", v);
	expect_error(text, "test.conf:3: ", "usr");
	snprintf(text, sizeof text, "[account a]\nhost = h\nuser = %s\x01\n", v);
	expect_error(text, "test.conf:3: ", "control character");
	snprintf(text, sizeof text, "[account a]\nhost = h\nuser = %s\nuser = b\n", v);
	expect_error(text, "test.conf:4: ", "twice");
	/* Long comments, and the line numbers after them. */
	snprintf(text, sizeof text, "# %s\n[account a]\n; %s\nhost = h\n  # %s\nbogus = 1\n",
	    v, v, v);
	expect_error(text, "test.conf:6: ", "bogus");
	/* A byte-order mark before a long first line. */
	snprintf(text, sizeof text, "\xEF\xBB\xBF# %s\n[account a]\nhost = h\n", v);
	parse_ok(&cfg, text);
	done(&cfg);
	/* A section header libinih cannot hold is an error naming it. */
	snprintf(text, sizeof text, "[account %s]\nhost = h\n", v);
	expect_error(text, "test.conf:1: ", "[section] header longer");
}

/* libinih keeps 49 bytes of a section name; a longer account name works. */
static void
long_account_name_works(void **state)
{
	char name[121], text[512];
	struct config cfg;
	(void)state;
	run_of(name, 'n', 120);
	snprintf(text, sizeof text, "[account %s]\nhost = h\n", name);
	parse_ok(&cfg, text);
	assert_string_equal(cfg.accounts->name, name);
	assert_string_equal(cfg.accounts->host, "h");
	done(&cfg);
}

static void
over_long_line_is_an_error_with_its_line_number(void **state)
{
	char *t;
	(void)state;
	t = config_with_line(CONFIG_LINE_MAX + 1, true, "admin = a@b\n");
	expect_error(t, "test.conf:3: ", "longer than 1000 bytes");
	free(t);
	t = config_with_line(CONFIG_LINE_MAX + 1, false, "");
	expect_error(t, "test.conf:3: ", "longer");
	free(t);
	t = config_with_line(5000, true, "");
	expect_error(t, "test.conf:3: ", "longer");
	free(t);
}

/* Debian's libinih r55 would split a line at 199 bytes and parse the
 * tail as a line of its own: "admin = injected" must never take effect,
 * neither from a line libinih never sees whole nor from one past our
 * limit, where the error must be about length, not about a key. */
static void
over_long_line_is_not_split(void **state)
{
	char text[2200];
	struct config cfg;
	struct buf err;
	size_t n, pad;
	(void)state;
	for (size_t len = 199; len <= CONFIG_LINE_MAX + 1; len += CONFIG_LINE_MAX + 1 - 199) {
		n = (size_t)snprintf(text, sizeof text, "[global]\nhostname = ");
		pad = len - (n - strlen("[global]\n")) - strlen("admin = injected");
		memset(text + n, 'x', pad);
		n += pad;
		n += (size_t)snprintf(text + n, sizeof text - n, "admin = injected\n");
		enum err rc = parse(&cfg, text, &err);
		if (len <= CONFIG_LINE_MAX) {
			assert_int_equal(rc, ERR_OK);
			assert_int_equal(strlen(cfg.hostname), len - strlen("hostname = "));
		} else {
			assert_int_equal(rc, ERR_CONFIG);
			assert_non_null(strstr(buf_str(&err), "test.conf:2: "));
			assert_non_null(strstr(buf_str(&err), "longer"));
		}
		assert_null(cfg.admin);
		buf_free(&err);
		config_free(&cfg);
	}
}

static void
nul_byte_is_an_error(void **state)
{
	static const char text[] = "[global]\nhostname = a\0b\nadmin = c\n";
	(void)state;
	expect_error_len(text, sizeof text - 1, "test.conf:2: ", "NUL");
	expect_error_len("\0", 1, "test.conf:1: ", "NUL");
}

static void
control_character_in_value_is_an_error(void **state)
{
	(void)state;
	expect_error("[account a]\nhost = h\nuser = a\x1b[0mb\n", "test.conf:3: ", "user");
	expect_error("[account a]\nhost = h\nuser = a\x7f" "b\n", "test.conf:3: ", "user");
}

static void
continuation_line_is_an_error(void **state)
{
	(void)state;
	expect_error("[account a]\nhost = x\n  y.example\n", "test.conf:3: ", NULL);
	expect_error("[global]\nhostname = a\n\tadmin = b\n", "test.conf:3: ", NULL);
}

/* An indented line must not silently extend a list-valued key. */
static void
continuation_line_after_list_key_is_an_error(void **state)
{
	(void)state;
	expect_error("[account a]\nhost = x\nmatch_from = *@a.example\n   *@b.example\n",
	    "test.conf:4: ", NULL);
	expect_error("[account a]\nhost = x\ntls_fingerprint = " PIN2 "\n  " PIN3 "\n",
	    "test.conf:4: ", NULL);
	/* Any white space libinih skips makes an indented line: a vertical
	 * tab, form feed or CR before the text. */
	expect_error("[account a]\nhost = x\nmatch_from = *@a.example\n\v*@b.example\n",
	    "test.conf:4: ", "indented");
	expect_error("[account a]\nhost = x\nmatch_from = *@a.example\n\f*@b.example\n",
	    "test.conf:4: ", "indented");
	expect_error("[global]\n\r[account a]\nhost = x\n", "test.conf:2: ", "indented");
}

static void
syntax_errors_name_their_line(void **state)
{
	(void)state;
	expect_error("[global]\nhostname = a\njust words\n", "test.conf:3: ", NULL);
	expect_error("[global]\nhostname = a\n[account\n", "test.conf:3: ", NULL);
}

/* When a file has several faults, the first one (by line) is reported. */
static void
first_error_in_the_file_is_reported(void **state)
{
	(void)state;
	expect_error("[global\nhostname = a\n", "test.conf:1: ", NULL);
	expect_error("[global]\njust words\nbogus = 1\n", "test.conf:2: ", NULL);
}

static void
missing_host_is_an_error(void **state)
{
	(void)state;
	expect_error("[account a]\nport = 25\n", "test.conf:", "host");
}

/* Account-level errors point at the section header (struct account.line:
 * "where the section starts"), not at whichever key came first. */
static void
account_errors_name_the_section_line(void **state)
{
	(void)state;
	expect_error("[account a]\n# no host here\nport = 25\n", "test.conf:1: ", "host");
	expect_error("[account a]\n\nhost = h\npassword = p\n", "test.conf:1: ", "user");
	expect_error("[account default]\nhost = h\n\n[account b]\nuser = u\n", "test.conf:4: ",
	    "host");
}

static void
empty_account_section_still_requires_host(void **state)
{
	(void)state;
	expect_error("[account default]\n", "test.conf:1: ", "host");
}

static void
mx_account_needs_no_host(void **state)
{
	struct config cfg;
	(void)state;
	parse_ok(&cfg, "[account direct]\nmode = mx\n");
	assert_null(cfg.accounts->host);
	assert_int_equal(cfg.accounts->mx_port, 25);
	done(&cfg);
}

static void
only_one_password_source(void **state)
{
	(void)state;
	expect_error("[account a]\nhost = h\nuser = u\npassword = p\npassword_file = /f\n",
	    "test.conf:", "account a");
	expect_error("[account a]\nhost = h\nuser = u\npassword_file = /f\n"
	    "password_command = cat /f\n", "test.conf:", "account a");
	expect_error("[account a]\nhost = h\nuser = u\npassword = p\n"
	    "password_command = cat /f\n", "test.conf:", "account a");
}

static void
password_without_user(void **state)
{
	(void)state;
	expect_error("[account a]\nhost = h\npassword = p\n", "test.conf:", "user");
	expect_error("[account a]\nhost = h\npassword_file = /p\n", "test.conf:", "user");
	expect_error("[account a]\nhost = h\npassword_command = echo p\n", "test.conf:", "user");
}

static void
client_cert_needs_key(void **state)
{
	(void)state;
	expect_error("[account a]\nhost = h\ntls_cert_file = /c.pem\n", "test.conf:",
	    "tls_key_file");
	expect_error("[account a]\nhost = h\ntls_key_file = /c.key\n", "test.conf:",
	    "tls_cert_file");
}

static void
tls_fingerprint_malformed(void **state)
{
	const char *bad[] = {
		"sha256:abc",
		"md5:9F86D081884C7D659A2FEAA0C55AD015",
		"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
		"sha256:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A0",
		"sha256:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A080",
		"sha256:ZZ86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
		"sha256: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
		PIN2 ", sha256:00",
		"sha1:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B",
	};
	char text[300];
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "[account a]\nhost = h\ntls_fingerprint = %s\n", bad[i]);
		expect_error(text, "test.conf:3: ", "tls_fingerprint");
	}
}

/* The error quotes the refused pin; the text must still be valid when the
 * message is formatted (it was once freed just before). */
static void
malformed_pin_is_quoted_in_the_error(void **state)
{
	(void)state;
	expect_error("[account a]\nhost = h\ntls_fingerprint = sha256:abcdef0123\n",
	    "test.conf:3: ", "\"sha256:abcdef0123\"");
	expect_error("[account a]\nhost = h\ntls_fingerprint = " PIN2 ", md5:0011223344\n",
	    "test.conf:3: ", "\"md5:0011223344\"");
}

static void
tls_fingerprint_lines_accumulate(void **state)
{
	struct config cfg;
	(void)state;
	parse_ok(&cfg, "[account a]\nhost = h\ntls_fingerprint = " PIN1 "\n"
	    "user = u\ntls_fingerprint = " PIN2 ",  " PIN3 "\n");
	assert_int_equal(cfg.accounts->npins, 3);
	assert_string_equal(cfg.accounts->tls_fingerprint[0], PIN1);
	assert_string_equal(cfg.accounts->tls_fingerprint[1], PIN2);
	assert_string_equal(cfg.accounts->tls_fingerprint[2], PIN3);
	done(&cfg);
}

static void
tls_fingerprint_count_is_bounded(void **state)
{
	char text[8192];
	size_t n;
	(void)state;
	n = (size_t)snprintf(text, sizeof text, "[account a]\nhost = h\n");
	for (int i = 0; i <= CONFIG_PINS_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "tls_fingerprint = " PIN2 "\n");
	expect_error(text, "test.conf:19: ", "tls_fingerprint");
}

static void
fingerprint_policy_needs_pins(void **state)
{
	(void)state;
	expect_error("[domain example.org]\ntls_policy = fingerprint\n", "test.conf",
	    "tls_fingerprint");
}

static void
match_from_lines_accumulate(void **state)
{
	struct config cfg;
	(void)state;
	parse_ok(&cfg, "[account a]\nhost = h\nmatch_from = *@a.example, *@b.example\n"
	    "match_from = x@c.example\n");
	assert_string_equal(cfg.accounts->match_from, "*@a.example *@b.example x@c.example");
	done(&cfg);
}

static void
quoted_value_loses_quotes(void **state)
{
	struct config cfg;
	(void)state;
	parse_ok(&cfg, "[account a]\nhost = \"smtp.example.com\"\nuser = \"Alice Smith\"\n"
	    "from = \"\n");
	assert_string_equal(cfg.accounts->host, "smtp.example.com");
	assert_string_equal(cfg.accounts->user, "Alice Smith");
	assert_string_equal(cfg.accounts->from, "\"");
	done(&cfg);
	parse_ok(&cfg, "[account a]\nhost = h\nuser = u\npassword = \"p a s s\"\n");
	assert_string_equal(cfg.accounts->password, "p a s s");
	done(&cfg);
}

static void
inline_comment_is_stripped(void **state)
{
	struct config cfg;
	(void)state;
	parse_ok(&cfg, "[account a]   ; the account\nhost = smtp.example.com ;comment\n"
	    "user = u\t; tab comment\npassword = abc;def\n");
	assert_string_equal(cfg.accounts->host, "smtp.example.com");
	assert_string_equal(cfg.accounts->user, "u");
	/* No blank before ';': part of the value. */
	assert_string_equal(cfg.accounts->password, "abc;def");
	done(&cfg);
	/* The documented trap: " ;" inside a secret cuts it (sealpost.conf(5) SYNTAX). */
	parse_ok(&cfg, "[account a]\nhost = h\nuser = u\npassword = abc ;def\n");
	assert_string_equal(cfg.accounts->password, "abc");
	done(&cfg);
}

static void
comment_lines_and_blank_lines(void **state)
{
	struct config cfg;
	(void)state;
	parse_ok(&cfg, "# hash comment\n; semicolon comment\n\n   \n[global]\n"
	    "  # indented comment\nhostname = h\n");
	assert_string_equal(cfg.hostname, "h");
	done(&cfg);
}

static void
account_name_must_be_one_word(void **state)
{
	(void)state;
	expect_error("[account two words]\nhost = h\n", "test.conf:", "one word");
	expect_error("[account ]\nhost = h\n", "test.conf:", NULL);
}

/* ---- config_pick_account ---- */

static const char pick_config[] =
    "[account default]\nhost = default.example\n"
    "[account work]\nhost = work.example\nmatch_from = *@work.example bob@*.corp.example\n"
    "[account list]\nhost = list.example\nmatch_from = list-?@lists.example\n";

static void
pick_by_name(void **state)
{
	struct config cfg;
	struct buf err;
	struct account *a;
	(void)state;
	parse_ok(&cfg, pick_config);
	buf_init(&err, 512);
	a = config_pick_account(&cfg, "list", "x@work.example", &err);
	assert_non_null(a);
	assert_string_equal(a->name, "list");
	a = config_pick_account(&cfg, "nosuch", "x@work.example", &err);
	assert_null(a);
	assert_non_null(strstr(buf_str(&err), "nosuch"));
	/* issue #12: an unknown -a NAME lists the accounts there are. */
	assert_non_null(strstr(buf_str(&err), "the accounts are: default, work, list"));
	buf_free(&err);
	done(&cfg);
	parse_ok(&cfg, "[global]\nhostname = h\n");
	buf_init(&err, 512);
	assert_null(config_pick_account(&cfg, "work", NULL, &err));
	assert_non_null(strstr(buf_str(&err), "defines no account"));
	buf_free(&err);
	done(&cfg);
}

static void
pick_by_match_from(void **state)
{
	struct config cfg;
	struct buf err;
	struct account *a;
	(void)state;
	parse_ok(&cfg, pick_config);
	buf_init(&err, 512);
	a = config_pick_account(&cfg, NULL, "alice@work.example", &err);
	assert_non_null(a);
	assert_string_equal(a->name, "work");
	a = config_pick_account(&cfg, NULL, "ALICE@WORK.EXAMPLE", &err);
	assert_non_null(a);
	assert_string_equal(a->name, "work");
	a = config_pick_account(&cfg, NULL, "bob@eu.corp.example", &err);
	assert_non_null(a);
	assert_string_equal(a->name, "work");
	a = config_pick_account(&cfg, NULL, "list-a@lists.example", &err);
	assert_non_null(a);
	assert_string_equal(a->name, "list");
	assert_int_equal(err.len, 0);
	buf_free(&err);
	done(&cfg);
}

static void
pick_falls_back_to_default(void **state)
{
	struct config cfg;
	struct buf err;
	struct account *a;
	(void)state;
	parse_ok(&cfg, pick_config);
	buf_init(&err, 512);
	a = config_pick_account(&cfg, NULL, "list-ab@lists.example", &err);
	assert_non_null(a);
	assert_string_equal(a->name, "default");
	a = config_pick_account(&cfg, NULL, "", &err);
	assert_string_equal(a->name, "default");
	a = config_pick_account(&cfg, NULL, NULL, &err);
	assert_string_equal(a->name, "default");
	a = config_pick_account(&cfg, NULL, "x@evilwork.example", &err);
	assert_string_equal(a->name, "default");
	buf_free(&err);
	done(&cfg);
}

static void
pick_none_gives_null_and_message(void **state)
{
	struct config cfg;
	struct buf err;
	(void)state;
	parse_ok(&cfg, "[account work]\nhost = w\nmatch_from = *@work.example\n");
	buf_init(&err, 512);
	assert_null(config_pick_account(&cfg, NULL, "a@home.example", &err));
	assert_true(err.len > 0);
	assert_non_null(strstr(buf_str(&err), "default"));
	buf_free(&err);
	done(&cfg);

	config_defaults(&cfg);
	buf_init(&err, 512);
	assert_null(config_pick_account(&cfg, NULL, "a@home.example", &err));
	assert_true(err.len > 0);
	buf_free(&err);
	done(&cfg);
}

/* ---- config_load: real files and the permission rules (doc/decisions.md D9) ---- */

struct files {
	char dir[64];
	char path[128];
};

static int
files_setup(void **state)
{
	struct files *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/sealpost-test-config.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
files_teardown(void **state)
{
	struct files *f = *state;
	if (f->path[0])
		unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Write text to a fresh file in the test directory with exactly mode. */
static const char *
write_file(struct files *f, const char *text, mode_t mode)
{
	int fd;
	if (f->path[0])
		unlink(f->path);
	snprintf(f->path, sizeof f->path, "%s/config.XXXXXX", f->dir);
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return f->path;
}

static enum err
load(const char *path, struct config *cfg, struct buf *err)
{
	config_defaults(cfg);
	buf_init(err, 4096);
	return config_load(cfg, path, err);
}

static const char with_password[] =
    "[account default]\nhost = smtp.example.com\nuser = alice\npassword = hunter2-secret\n";

static void
load_world_readable_with_password_is_refused(void **state)
{
	struct files *f = *state;
	struct config cfg;
	struct buf err;
	const char *path = write_file(f, with_password, 0644);
	assert_int_equal(load(path, &cfg, &err), ERR_CONFIG);
	assert_non_null(strstr(buf_str(&err), "readable by other users"));
	assert_non_null(strstr(buf_str(&err), path));
	assert_null(strstr(buf_str(&err), "hunter2"));
	buf_free(&err);
	config_free(&cfg);
}

static void
load_world_readable_without_password_is_fine(void **state)
{
	struct files *f = *state;
	struct config cfg;
	struct buf err;
	const char *path = write_file(f, "[account default]\nhost = h\nuser = u\n"
	    "password_file = /etc/sealpost/u.pass\n", 0644);
	assert_int_equal(load(path, &cfg, &err), ERR_OK);
	assert_string_equal(cfg.path, path);
	buf_free(&err);
	config_free(&cfg);
}

static void
load_world_writable_is_refused(void **state)
{
	struct files *f = *state;
	struct config cfg;
	struct buf err;
	const char *path = write_file(f, "[global]\nhostname = h\n", 0666);
	assert_int_equal(load(path, &cfg, &err), ERR_CONFIG);
	assert_non_null(strstr(buf_str(&err), path));
	assert_non_null(strstr(buf_str(&err), "writable"));
	buf_free(&err);
	config_free(&cfg);
	path = write_file(f, "[global]\nhostname = h\n", 0602);
	assert_int_equal(load(path, &cfg, &err), ERR_CONFIG);
	buf_free(&err);
	config_free(&cfg);
}

static void
load_private_file_with_password_is_fine(void **state)
{
	struct files *f = *state;
	struct config cfg;
	struct buf err;
	const char *path = write_file(f, with_password, 0600);
	assert_int_equal(load(path, &cfg, &err), ERR_OK);
	assert_string_equal(cfg.accounts->password, "hunter2-secret");
	buf_free(&err);
	config_free(&cfg);
	path = write_file(f, with_password, 0640);
	assert_int_equal(load(path, &cfg, &err), ERR_OK);
	buf_free(&err);
	config_free(&cfg);
}

static void
load_errors_name_the_path_and_line(void **state)
{
	struct files *f = *state;
	struct config cfg;
	struct buf err;
	char want[200];
	const char *path = write_file(f, "[global]\nhostname = h\nbogus = 1\n", 0600);
	snprintf(want, sizeof want, "%s:3: ", path);
	assert_int_equal(load(path, &cfg, &err), ERR_CONFIG);
	assert_memory_equal(buf_str(&err), want, strlen(want));
	buf_free(&err);
	config_free(&cfg);
}

static void
load_missing_file_or_directory_is_refused(void **state)
{
	struct files *f = *state;
	struct config cfg;
	struct buf err;
	char missing[200];
	snprintf(missing, sizeof missing, "%s/does-not-exist", f->dir);
	assert_int_equal(load(missing, &cfg, &err), ERR_CONFIG);
	assert_non_null(strstr(buf_str(&err), missing));
	buf_free(&err);
	config_free(&cfg);
	assert_int_equal(load(f->dir, &cfg, &err), ERR_CONFIG);
	assert_true(err.len > 0);
	buf_free(&err);
	config_free(&cfg);
}

/* doc/decisions.md D9 for tls_key_file: a private key others can read or write is refused
 * at load time, naming the key and the fix; a missing one is left to the
 * send. */
static void
load_key_file_readable_by_others_is_refused(void **state)
{
	struct files *f = *state;
	struct config cfg;
	struct buf err;
	char key[200], text[600], fix[240];
	const char *path;
	int fd;
	snprintf(key, sizeof key, "%s/client.key", f->dir);
	fd = open(key, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(text, sizeof text, "[account a]\nhost = h\ntls_cert_file = %s/client.pem\n"
	    "tls_key_file = %s\n", f->dir, key);
	snprintf(fix, sizeof fix, "(chmod o-rw %s)", key);
	path = write_file(f, text, 0600);
	assert_int_equal(chmod(key, 0644), 0);
	assert_int_equal(load(path, &cfg, &err), ERR_CONFIG);
	assert_non_null(strstr(buf_str(&err), key));
	assert_non_null(strstr(buf_str(&err), "readable or writable by other users"));
	assert_non_null(strstr(buf_str(&err), fix));
	buf_free(&err);
	config_free(&cfg);
	assert_int_equal(chmod(key, 0602), 0);
	assert_int_equal(load(path, &cfg, &err), ERR_CONFIG);
	buf_free(&err);
	config_free(&cfg);
	assert_int_equal(chmod(key, 0640), 0);
	assert_int_equal(load(path, &cfg, &err), ERR_OK);
	buf_free(&err);
	config_free(&cfg);
	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(load(path, &cfg, &err), ERR_OK);
	buf_free(&err);
	config_free(&cfg);
	unlink(key);
	assert_int_equal(load(path, &cfg, &err), ERR_OK);
	buf_free(&err);
	config_free(&cfg);
}

/* ---- config_dump ---- */

static void
dump_never_prints_the_password(void **state)
{
	struct config cfg;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	(void)state;
	parse_ok(&cfg, full_example);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	config_dump(&cfg, out);
	assert_int_equal(fclose(out), 0);
	assert_non_null(text);
	assert_null(strstr(text, "s3cret"));
	assert_null(strstr(text, "Pa55"));
	assert_non_null(strstr(text, "<redacted>"));
	/* The rest is there. */
	assert_non_null(strstr(text, "[account secret]"));
	assert_non_null(strstr(text, "host = smtp.example.com"));
	assert_non_null(strstr(text, "port = 587"));
	assert_non_null(strstr(text, "tls_policy = dane-only"));
	assert_non_null(strstr(text, "[domain example.org]"));
	free(text);
	done(&cfg);
}

static void
dump_of_defaults(void **state)
{
	struct config cfg;
	char buf[4096];
	FILE *out;
	(void)state;
	config_defaults(&cfg);
	memset(buf, 0, sizeof buf);
	out = fmemopen(buf, sizeof buf - 1, "w");
	assert_non_null(out);
	config_dump(&cfg, out);
	fclose(out);
	assert_non_null(strstr(buf, "[global]"));
	assert_non_null(strstr(buf, "queue = yes"));
	assert_non_null(strstr(buf, "retry_min = 300s"));
	done(&cfg);
}

/* ---- config_free ---- */

static void
free_after_error_and_twice_is_safe(void **state)
{
	struct config cfg;
	struct buf err;
	(void)state;
	assert_int_equal(parse(&cfg, "[account a]\nhost = h\nuser = u\npassword = p\n"
	    "tls_fingerprint = " PIN1 "\nbogus = 1\n", &err), ERR_CONFIG);
	config_free(&cfg);
	config_free(&cfg);
	assert_null(cfg.accounts);
	buf_free(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_example_parses_every_key),
		cmocka_unit_test(every_tls_policy_and_log_target),
		cmocka_unit_test(defaults_without_file),
		cmocka_unit_test(empty_file_is_valid),
		cmocka_unit_test(account_defaults),
		cmocka_unit_test(default_port_follows_tls_mode),
		cmocka_unit_test(unknown_key_names_its_line),
		cmocka_unit_test(unknown_section_names_its_line),
		cmocka_unit_test(unknown_key_suggests_the_nearest),
		cmocka_unit_test(unknown_section_without_keys_is_an_error),
		cmocka_unit_test(key_before_any_section),
		cmocka_unit_test(duplicate_key_names_second_line),
		cmocka_unit_test(duplicate_account_names_second_header),
		cmocka_unit_test(duplicate_account_directly_after_itself_is_an_error),
		cmocka_unit_test(global_twice_is_an_error),
		cmocka_unit_test(bad_port),
		cmocka_unit_test(port_bounds_accepted),
		cmocka_unit_test(bad_duration),
		cmocka_unit_test(bare_duration_is_seconds),
		cmocka_unit_test(retry_min_over_retry_max_is_an_error),
		cmocka_unit_test(bad_bool),
		cmocka_unit_test(bad_enumerations),
		cmocka_unit_test(tls_plain_is_refused),
		cmocka_unit_test(empty_values_are_errors),
		cmocka_unit_test(line_of_1000_bytes_is_accepted),
		cmocka_unit_test(long_values_work_as_written),
		cmocka_unit_test(long_lines_follow_libinih_rules),
		cmocka_unit_test(long_account_name_works),
		cmocka_unit_test(over_long_line_is_an_error_with_its_line_number),
		cmocka_unit_test(over_long_line_is_not_split),
		cmocka_unit_test(nul_byte_is_an_error),
		cmocka_unit_test(control_character_in_value_is_an_error),
		cmocka_unit_test(continuation_line_is_an_error),
		cmocka_unit_test(continuation_line_after_list_key_is_an_error),
		cmocka_unit_test(syntax_errors_name_their_line),
		cmocka_unit_test(first_error_in_the_file_is_reported),
		cmocka_unit_test(missing_host_is_an_error),
		cmocka_unit_test(account_errors_name_the_section_line),
		cmocka_unit_test(empty_account_section_still_requires_host),
		cmocka_unit_test(mx_account_needs_no_host),
		cmocka_unit_test(only_one_password_source),
		cmocka_unit_test(password_without_user),
		cmocka_unit_test(client_cert_needs_key),
		cmocka_unit_test(tls_fingerprint_malformed),
		cmocka_unit_test(malformed_pin_is_quoted_in_the_error),
		cmocka_unit_test(tls_fingerprint_lines_accumulate),
		cmocka_unit_test(tls_fingerprint_count_is_bounded),
		cmocka_unit_test(fingerprint_policy_needs_pins),
		cmocka_unit_test(match_from_lines_accumulate),
		cmocka_unit_test(quoted_value_loses_quotes),
		cmocka_unit_test(inline_comment_is_stripped),
		cmocka_unit_test(comment_lines_and_blank_lines),
		cmocka_unit_test(account_name_must_be_one_word),
		cmocka_unit_test(pick_by_name),
		cmocka_unit_test(pick_by_match_from),
		cmocka_unit_test(pick_falls_back_to_default),
		cmocka_unit_test(pick_none_gives_null_and_message),
		cmocka_unit_test_setup_teardown(load_world_readable_with_password_is_refused,
		    files_setup, files_teardown),
		cmocka_unit_test_setup_teardown(load_world_readable_without_password_is_fine,
		    files_setup, files_teardown),
		cmocka_unit_test_setup_teardown(load_world_writable_is_refused,
		    files_setup, files_teardown),
		cmocka_unit_test_setup_teardown(load_private_file_with_password_is_fine,
		    files_setup, files_teardown),
		cmocka_unit_test_setup_teardown(load_errors_name_the_path_and_line,
		    files_setup, files_teardown),
		cmocka_unit_test_setup_teardown(load_missing_file_or_directory_is_refused,
		    files_setup, files_teardown),
		cmocka_unit_test_setup_teardown(load_key_file_readable_by_others_is_refused,
		    files_setup, files_teardown),
		cmocka_unit_test(dump_never_prints_the_password),
		cmocka_unit_test(dump_of_defaults),
		cmocka_unit_test(free_after_error_and_twice_is_safe),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
