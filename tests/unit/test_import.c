// SPDX-License-Identifier: MIT
/* test_import.c: sealpost --import msmtp (import.h): msmtp's defaults and
 * account inheritance flattened, its quoting, every mapped setting read back
 * through config_parse_mem(), a warning with file:line for what is not
 * carried over, "NAME:LINE:" errors, and no password ever in the output,
 * the warnings or an error; the same for ssmtp.conf and dma.conf. Also the
 * --import command line (cli.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "config.h"
#include "import.h"

#define SECRET "Zq9-very-secret-Pw"
#define PIN_MSMTP "9f:86:d0:81:88:4c:7d:65:9a:2f:ea:a0:c5:5a:d0:15:a3:bf:4f:1b:2b:0b:82:2c:d1:5d:6c:15:b0:f0:0a:08"
#define PIN_SEAL "sha256:9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15:A3:BF:4F:1B:2B:0B:82:2C:D1:5D:6C:15:B0:F0:0A:08"

/* The files the tests' import_io hands out: other_text at other_path, else
 * aliases_text (NULL: no such file). */
static const char *aliases_text, *other_path, *other_text;
static char aliases_path[256];

static enum err
fake_read(void *ctx, const char *path, struct buf *out, struct buf *err)
{
	(void)ctx;
	if (other_path && strcmp(path, other_path) == 0)
		return buf_adds(out, other_text);
	snprintf(aliases_path, sizeof aliases_path, "%s", path);
	if (!aliases_text) {
		errf(err, "%s: No such file or directory", path);
		return ERR_IO;
	}
	return buf_adds(out, aliases_text);
}

static const struct import_io io = { fake_read, NULL, "/home/joe" };

struct conv_result {
	enum err rc;
	struct buf out, warn, err;
	struct config cfg;              /* out, parsed, when rc is ERR_OK */
};

static void
run_as(struct conv_result *r, const char *format, const char *text)
{
	struct buf perr;
	buf_init(&r->out, CONFIG_FILE_MAX);
	buf_init(&r->warn, 65536);
	buf_init(&r->err, 4096);
	config_defaults(&r->cfg);
	r->rc = import_convert(format, "test.msmtprc", text, strlen(text), &io, &r->out,
	    &r->warn, &r->err);
	if (r->rc != ERR_OK)
		return;
	buf_init(&perr, 4096);
	if (config_parse_mem(&r->cfg, "out", buf_str(&r->out), r->out.len, &perr) != ERR_OK)
		fail_msg("output does not parse: %s\n%s", buf_str(&perr), buf_str(&r->out));
	buf_free(&perr);
}

static void
run(struct conv_result *r, const char *text)
{
	run_as(r, "msmtp", text);
}

static void
done(struct conv_result *r)
{
	buf_free(&r->out);
	buf_free(&r->warn);
	buf_free(&r->err);
	config_free(&r->cfg);
}

static const struct account *
acct(const struct conv_result *r, const char *name)
{
	const struct account *a = config_find_account(&r->cfg, name);
	if (!a)
		fail_msg("no account %s in:\n%s", name, buf_str(&r->out));
	return a;
}

static void
assert_warned(const struct conv_result *r, const char *text)
{
	if (!strstr(buf_str(&r->warn), text))
		fail_msg("no warning \"%s\" in:\n%s", text, buf_str(&r->warn));
}

static void
assert_no_secret(const struct conv_result *r)
{
	assert_null(strstr(buf_str(&r->out), SECRET));
	assert_null(strstr(buf_str(&r->warn), SECRET));
	assert_null(strstr(buf_str(&r->err), SECRET));
}

/* msmtp 1.8.23 checked with msmtp -P: defaults fill later accounts; a base
 * passes on only what it (or its bases) set, not its defaults. */
static void
defaults_and_inheritance_are_flattened(void **state)
{
	struct conv_result r;
	(void)state;
	run(&r, "defaults\nport 587\ntls on\nfrom d1@x.example\n"
	    "account a\nhost ha.example\nuser ua\nauth on\npasswordeval pass a\n"
	    "defaults\nport 2525\n"
	    "account b : a\n"
	    "account c : b\ntls_starttls off\n"
	    "account d : c, a\nhost hd.example\n"
	    "account default : d\nfrom me@x.example\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_int_equal(acct(&r, "a")->port, 587);
	assert_string_equal(acct(&r, "b")->host, "ha.example");
	assert_int_equal(acct(&r, "b")->port, 2525);
	assert_string_equal(acct(&r, "b")->user, "ua");
	assert_string_equal(acct(&r, "b")->password_command, "pass a");
	assert_int_equal(acct(&r, "b")->tls, TLS_MODE_STARTTLS);
	assert_int_equal(acct(&r, "c")->tls, TLS_MODE_IMPLICIT);
	assert_string_equal(acct(&r, "d")->host, "hd.example");
	assert_int_equal(acct(&r, "d")->tls, TLS_MODE_IMPLICIT);
	assert_string_equal(acct(&r, "d")->from, "d1@x.example");
	assert_string_equal(acct(&r, "default")->host, "hd.example");
	assert_string_equal(acct(&r, "default")->from, "me@x.example");
	assert_string_equal(acct(&r, "default")->match_from, "me@x.example");
	done(&r);
}

/* An argument loses one pair of enclosing quotes and its outer blanks;
 * backslashes are kept as written (msmtp 1.8.23 has no escapes). */
static void
quoting_follows_msmtp(void **state)
{
	struct conv_result r;
	(void)state;
	run(&r, "account default\nhost h.example\ntls on\nauth on\n"
	    "user \"  spaced user  \"\t \n"
	    "passwordeval \"printf '%s\\n' \\\"x\\\"\"\n"
	    "from \"\"quoted\"@x.example\"\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_string_equal(acct(&r, "default")->user, "  spaced user  ");
	assert_string_equal(acct(&r, "default")->password_command,
	    "printf '%s\\n' \\\"x\\\"");
	assert_string_equal(acct(&r, "default")->from, "\"quoted\"@x.example");
	done(&r);

	/* A value that would itself look quoted to sealpost keeps its quotes. */
	run(&r, "account default\nhost h.example\ntls on\nfrom \"\"a\"\"\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_string_equal(acct(&r, "default")->from, "\"a\"");
	done(&r);
}

static void
every_mapped_setting(void **state)
{
	struct conv_result r;
	(void)state;
	aliases_text = "# comment\nroot: ops@x.example, other@y.example # trailing\n"
	    "cron : cron@x.example\ndefault: admin@x.example\n";
	run(&r, "defaults\ntimeout 42\ndomain client.x.example\nmaildomain x.example\n"
	    "logfile ~/msmtp.log\naliases ~/.aliases\n"
	    "account default\nhost smtp.x.example\nport 2465\ntls on\ntls_starttls off\n"
	    "tls_trust_file ~/ca.pem\ntls_fingerprint " PIN_MSMTP "\n"
	    "tls_cert_file /c/cert.pem\ntls_key_file /c/key.pem\n"
	    "tls_host_override mail.x.example\ntls_priorities NORMAL:-VERS-TLS1.2\n"
	    "auth plain\nuser joe\npasswordeval gpg -d ~/p.gpg\nfrom joe@x.example\n"
	    "allow_from_override off\nset_from_header on\n"
	    "account keep\nhost h2.x.example\ntls on\nset_from_header off\n"
	    "auth scram-sha-256\nuser u2\npasswordeval x\n"
	    "account oauth\nhost h3.x.example\ntls on\nauth xoauth2\nuser u3\n"
	    "passwordeval oauth2-token u3\n");
	assert_int_equal(r.rc, ERR_OK);
	const struct account *a = acct(&r, "default");
	assert_string_equal(a->host, "smtp.x.example");
	assert_int_equal(a->port, 2465);
	assert_int_equal(a->tls, TLS_MODE_IMPLICIT);
	assert_string_equal(a->tls_ca_file, "/home/joe/ca.pem");
	assert_int_equal(a->npins, 1);
	assert_string_equal(a->tls_fingerprint[0], PIN_SEAL);
	assert_string_equal(a->tls_cert_file, "/c/cert.pem");
	assert_string_equal(a->tls_key_file, "/c/key.pem");
	assert_string_equal(a->tls_server_name, "mail.x.example");
	assert_string_equal(a->tls_priority, "NORMAL:-VERS-TLS1.2");
	assert_string_equal(a->auth_mechanisms, "PLAIN");
	assert_string_equal(a->user, "joe");
	assert_string_equal(a->password_command, "gpg -d ~/p.gpg");
	assert_string_equal(a->from, "joe@x.example");
	assert_string_equal(a->match_from, "joe@x.example");
	assert_int_equal(a->from_override, FROVR_NO);
	assert_int_equal(a->header_from, HFROM_REPLACE);
	assert_int_equal(acct(&r, "keep")->header_from, HFROM_KEEP);
	assert_string_equal(acct(&r, "keep")->auth_mechanisms, "SCRAM-SHA-256");
	assert_int_equal(acct(&r, "keep")->port, 25);
	assert_int_equal(acct(&r, "keep")->tls, TLS_MODE_STARTTLS);
	assert_string_equal(acct(&r, "oauth")->auth_mechanisms, "XOAUTH2");
	assert_string_equal(acct(&r, "oauth")->password_command, "oauth2-token u3");
	assert_string_equal(r.cfg.hostname, "client.x.example");
	assert_string_equal(r.cfg.maildomain, "x.example");
	assert_int_equal(r.cfg.connect_timeout_ms, 42000);
	assert_int_equal(r.cfg.command_timeout_ms, 42000);
	assert_int_equal(r.cfg.log, LOG_TARGET_FILE);
	assert_string_equal(r.cfg.log_path, "/home/joe/msmtp.log");
	assert_string_equal(aliases_path, "/home/joe/.aliases");
	const struct alias *al = r.cfg.aliases;
	assert_non_null(al);
	assert_string_equal(al->name, "root");
	assert_string_equal(al->target, "ops@x.example, other@y.example");
	assert_string_equal(al->next->name, "cron");
	assert_string_equal(al->next->target, "cron@x.example");
	assert_string_equal(al->next->next->name, "*");
	assert_string_equal(al->next->next->target, "admin@x.example");
	assert_null(al->next->next->next);
	done(&r);
	aliases_text = NULL;
}

static void
syslog_and_plain_tls(void **state)
{
	struct conv_result r;
	(void)state;
	run(&r, "account default\nhost h.example\nsyslog LOG_MAIL\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_int_equal(r.cfg.log, LOG_TARGET_SYSLOG);
	/* tls off is msmtp's default: carried as starttls, with a warning. */
	assert_int_equal(acct(&r, "default")->tls, TLS_MODE_STARTTLS);
	assert_int_equal(acct(&r, "default")->port, 25);
	assert_warned(&r, "test.msmtprc:1: tls: account default sends in plaintext");
	done(&r);
}

static void
a_password_is_never_printed(void **state)
{
	struct conv_result r;
	(void)state;
	run(&r, "defaults\npassword " SECRET "\n"
	    "account default\nhost h.example\ntls on\nauth on\nuser joe\n"
	    "account other : default\nuser " SECRET "x\npassword \"" SECRET "\"\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_warned(&r, "test.msmtprc:2: password: not carried over");
	assert_warned(&r, "test.msmtprc:10: password: not carried over");
	assert_null(acct(&r, "default")->password);
	assert_null(acct(&r, "default")->password_file);
	assert_null(strstr(buf_str(&r.out), SECRET "\n"));
	assert_null(strstr(buf_str(&r.warn), SECRET));
	done(&r);

	/* Nor when the file is refused after the password was read. */
	char text[2048];
	snprintf(text, sizeof text, "account default\nhost h\npassword %s\n%01100d\n", SECRET, 0);
	run(&r, text);
	assert_int_equal(r.rc, ERR_CONFIG);
	assert_string_equal(buf_str(&r.err), "test.msmtprc:4: line longer than 1000 bytes");
	assert_no_secret(&r);
	assert_int_equal(r.out.len, 0);
	done(&r);

	/* Nor an ssmtp line in an msmtprc, where "AuthPass=..." is one word. */
	run(&r, "account default\nhost h\nAuthPass=" SECRET "\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_warned(&r, "test.msmtprc:3: AuthPass: not carried over: not an msmtp command");
	assert_no_secret(&r);
	done(&r);
	run_as(&r, "dma", "SMARTHOST h\nAuthPass=" SECRET "\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_no_secret(&r);
	done(&r);

	/* Nor for an account that cannot be carried over. */
	run(&r, "account default\nhost h\nauth on\nuser u\npassword " SECRET "\n"
	    "account x y\npassword " SECRET "\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_no_secret(&r);
	assert_warned(&r, "test.msmtprc:6: account x y: not carried over");
	done(&r);
}

static void
what_is_not_carried_is_named_with_its_line(void **state)
{
	struct conv_result r;
	(void)state;
	run(&r, "account default\nhost h.example\ntls on\n"
	    "bogus_command 1\n"                                 /* 4 */
	    "tls_fingerprint 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\n"
	    "tls_certcheck off\n"                               /* 6 */
	    "proxy_host 127.0.0.1\n"                            /* 7 */
	    "dsn_notify failure\n"                              /* 8 */
	    "auth gssapi\n"                                     /* 9 */
	    "eval echo host x\n"                                /* 10 */
	    "passwordeval a ; b\nuser u\n"                      /* 11 */
	    "from %U@example.com\n"                             /* 13 */
	    "protocol smtp\nundisclosed_recipients on\n"        /* 15 */
	    "account lmtp\nhost h\nprotocol lmtp\n"             /* 16 */
	    "account nohost\nport 25\n");                       /* 19 */
	assert_int_equal(r.rc, ERR_OK);
	assert_warned(&r, "test.msmtprc:4: bogus_command: not carried over");
	assert_warned(&r, "test.msmtprc:5: tls_fingerprint: not carried over: a SHA-1");
	assert_warned(&r, "test.msmtprc:6: tls_certcheck off: not carried over");
	assert_warned(&r, "test.msmtprc:7: proxy_host: not carried over");
	assert_warned(&r, "test.msmtprc:8: dsn_notify: not carried over");
	assert_warned(&r, "test.msmtprc:9: auth: not carried over");
	assert_warned(&r, "test.msmtprc:10: eval: not carried over");
	assert_warned(&r, "test.msmtprc:11: passwordeval: not carried over as"
	    " password_command: it holds \" ;\"");
	assert_warned(&r, "test.msmtprc:13: from: not carried over");
	assert_warned(&r, "test.msmtprc:15: undisclosed_recipients: not carried over");
	assert_warned(&r, "test.msmtprc:16: account lmtp: not carried over: protocol");
	assert_warned(&r, "test.msmtprc:19: account nohost: not carried over: it has no host");
	assert_null(acct(&r, "default")->password_command);
	assert_int_equal(acct(&r, "default")->npins, 0);
	assert_null(config_find_account(&r.cfg, "lmtp"));
	assert_null(strstr(buf_str(&r.warn), "test.msmtprc:14:"));   /* protocol smtp */
	done(&r);
}

/* A [section] line must fit libinih's buffer whole: 180 bytes of name. */
static void
an_account_name_sealpost_cannot_hold_is_left_out(void **state)
{
	struct conv_result r;
	char text[1024], name[256];
	(void)state;
	memset(name, 'n', 181);
	name[181] = '\0';
	snprintf(text, sizeof text, "account default\nhost h\ntls on\n"
	    "account %.180s\nhost h\naccount %s\nhost h\n", name, name);
	run(&r, text);
	assert_int_equal(r.rc, ERR_OK);
	name[180] = '\0';
	assert_non_null(acct(&r, name));
	assert_warned(&r, "test.msmtprc:6: account nnnnnnnnnn");
	assert_warned(&r, "not carried over: its name is longer");
	done(&r);

	/* libinih reads "[account ;x]" as "[account" and a comment. */
	run(&r, "account default\nhost h\ntls on\naccount ;x\nhost h\naccount a]b\nhost h\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_warned(&r, "test.msmtprc:4: account ;x: not carried over: its name is not one word");
	assert_warned(&r, "test.msmtprc:6: account a]b: not carried over: its name is not one word");
	done(&r);
}

static void
auth_off_drops_the_user(void **state)
{
	struct conv_result r;
	(void)state;
	run(&r, "account default\nhost h.example\ntls on\nuser joe\npasswordeval x\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_null(acct(&r, "default")->user);
	assert_null(acct(&r, "default")->password_command);
	assert_warned(&r, "test.msmtprc:4: user and password: not carried over: auth is off");
	done(&r);
}

static void
lines_before_any_account_make_default(void **state)
{
	struct conv_result r;
	(void)state;
	run(&r, "# msmtp 1.2 style\nhost old.example\ntls on\nport 587\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_string_equal(acct(&r, "default")->host, "old.example");
	assert_int_equal(acct(&r, "default")->port, 587);
	assert_null(strstr(buf_str(&r.warn), "no account named default"));
	done(&r);

	run(&r, "account work\nhost w.example\ntls on\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_warned(&r, "test.msmtprc: no account named default");
	done(&r);
}

static void
aliases_that_cannot_be_carried(void **state)
{
	struct conv_result r;
	(void)state;
	aliases_text = "root: localuser, ok@x.example\nbad name: a@x.example\n"
	    "Root: again@x.example\nnocolon\nall: bob, carol@localhost\n";
	run(&r, "account default\nhost h\ntls on\naliases /etc/aliases\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_string_equal(r.cfg.aliases->target, "ok@x.example");
	assert_null(r.cfg.aliases->next);
	assert_warned(&r, "test.msmtprc:4: aliases: /etc/aliases:1: root: \"localuser\"");
	assert_warned(&r, "aliases: /etc/aliases:2: \"bad name\"");
	assert_warned(&r, "aliases: /etc/aliases:3: Root: not carried over: defined before");
	assert_warned(&r, "aliases: /etc/aliases:4: not carried over");
	done(&r);
	aliases_text = NULL;

	run(&r, "account default\nhost h\ntls on\naliases /none\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_warned(&r, "test.msmtprc:4: aliases: not carried over: /none: No such file");
	assert_null(r.cfg.aliases);
	done(&r);
}

#define NONE "test.msmtprc: no account could be carried over (an account needs a host)"

static void
malformed_files_are_refused_with_file_and_line(void **state)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "account a\nhost h\naccount a\n", "test.msmtprc:3: account a is defined twice" },
		{ "account a : nobase\n", "test.msmtprc:1: account nobase is not (yet) defined" },
		{ "account a : a\n", "test.msmtprc:1: account a is not (yet) defined" },
		{ "account\n", "test.msmtprc:1: account: missing account name" },
		{ "account a,b\n", "test.msmtprc:1: account: a name must not contain commas" },
		{ "defaults now\n", "test.msmtprc:1: defaults takes no argument" },
		{ "# only comments\n", NONE },
		{ "account a\nport 25\n", NONE },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct conv_result r;
		run(&r, cases[i].text);
		assert_int_equal(r.rc, ERR_CONFIG);
		assert_string_equal(buf_str(&r.err), cases[i].err);
		done(&r);
	}
	/* A NUL byte. */
	struct buf out, warn, err;
	buf_init(&out, 4096);
	buf_init(&warn, 4096);
	buf_init(&err, 4096);
	assert_int_equal(import_convert("msmtp", "f", "host a\0b\n", 9, &io, &out, &warn, &err),
	    ERR_CONFIG);
	assert_string_equal(buf_str(&err), "f:1: NUL byte");
	buf_reset(&err);
	assert_int_equal(import_convert("exim", "f", "x\n", 2, &io, &out, &warn, &err),
	    ERR_USAGE);
	buf_free(&out);
	buf_free(&warn);
	buf_free(&err);
}

static void
ssmtp_conf(void **state)
{
	struct conv_result r;
	(void)state;
	run_as(&r, "ssmtp", "# ssmtp.conf\nroot=postmaster@x.example\n"
	    "mailhub=smtp.x.example:2587 # the relay\nHostName=box.x.example\n"
	    "rewriteDomain = x.example\nUseTLS=YES\nUseSTARTTLS=YES\n"
	    "TLS_CA_File=/etc/ca.pem\nTLSCert=/etc/client.pem\n"
	    "AuthUser=alice@x.example\nAuthPass=" SECRET "\nAuthMethod=cram-md5\n"
	    "FromLineOverride=NO\nNoSuchKey=1\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_no_secret(&r);
	const struct account *a = acct(&r, "default");
	assert_string_equal(a->host, "smtp.x.example");
	assert_int_equal(a->port, 2587);
	assert_int_equal(a->tls, TLS_MODE_STARTTLS);
	assert_string_equal(a->tls_ca_file, "/etc/ca.pem");
	assert_string_equal(a->tls_cert_file, "/etc/client.pem");
	assert_string_equal(a->tls_key_file, "/etc/client.pem");
	assert_string_equal(a->user, "alice@x.example");
	assert_null(a->password);
	assert_string_equal(r.cfg.hostname, "box.x.example");
	assert_string_equal(r.cfg.maildomain, "x.example");
	assert_string_equal(r.cfg.admin, "postmaster@x.example");
	assert_warned(&r, "test.msmtprc:11: AuthPass: not carried over");
	assert_warned(&r, "test.msmtprc:13: FromLineOverride:");
	assert_warned(&r, "test.msmtprc:14: NoSuchKey: not carried over");
	done(&r);

	/* UseTLS alone is implicit TLS, on 465 unless MailHub says otherwise;
	 * without TLS, plaintext is carried as STARTTLS with a warning. */
	run_as(&r, "ssmtp", "mailhub=smtp.x.example\nUseTLS=YES\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_int_equal(acct(&r, "default")->tls, TLS_MODE_IMPLICIT);
	assert_int_equal(acct(&r, "default")->port, 465);
	assert_warned(&r, "test.msmtprc:1: MailHub: ssmtp does not verify");
	done(&r);
	run_as(&r, "ssmtp", "mailhub=[::1]:25\nroot=postmaster\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_string_equal(acct(&r, "default")->host, "::1");
	assert_int_equal(acct(&r, "default")->tls, TLS_MODE_STARTTLS);
	assert_warned(&r, "test.msmtprc:1: MailHub: ssmtp sends in plaintext");
	assert_warned(&r, "test.msmtprc:2: Root: not carried over");
	done(&r);
	run_as(&r, "ssmtp", "AuthPass=" SECRET "\n");
	assert_int_equal(r.rc, ERR_CONFIG);
	assert_string_equal(buf_str(&r.err), "test.msmtprc: no MailHub: nothing to carry over");
	assert_no_secret(&r);
	done(&r);
}

static void
dma_conf(void **state)
{
	struct conv_result r;
	(void)state;
	other_path = "/etc/dma/auth.conf";
	other_text = "bob|other.x.example:" SECRET "1\n# auth.conf\n"
	    "alice|SMTP.x.example:" SECRET "\n";
	aliases_text = "root: ops@x.example\n";
	run_as(&r, "dma", "# dma.conf\nSMARTHOST smtp.x.example\nPORT 465\n"
	    "AUTHPATH /etc/dma/auth.conf\nSECURETRANSFER\nVERIFYCERT\n"
	    "CERTFILE /etc/dma/client.pem\nMAILNAME box.x.example\n"
	    "MASQUERADE bob@x.example\nALIASES /etc/aliases\n"
	    "FINGERPRINT " "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	    "\nNULLCLIENT\nFULLBOUNCE\nWHATEVER x\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_no_secret(&r);
	const struct account *a = acct(&r, "default");
	assert_string_equal(a->host, "smtp.x.example");
	assert_int_equal(a->port, 465);
	assert_int_equal(a->tls, TLS_MODE_IMPLICIT);
	assert_string_equal(a->user, "alice");
	assert_null(a->password);
	assert_string_equal(a->tls_cert_file, "/etc/dma/client.pem");
	assert_string_equal(a->tls_key_file, "/etc/dma/client.pem");
	assert_int_equal(a->npins, 1);
	assert_string_equal(a->from, "bob@x.example");
	assert_int_equal(a->from_override, FROVR_NO);
	assert_string_equal(r.cfg.hostname, "box.x.example");
	assert_string_equal(r.cfg.aliases->target, "ops@x.example");
	assert_warned(&r, "test.msmtprc:4: AUTHPATH: the password is not carried over");
	assert_warned(&r, "test.msmtprc:13: FULLBOUNCE: not carried over");
	assert_warned(&r, "test.msmtprc:14: WHATEVER: not carried over");
	assert_null(strstr(buf_str(&r.warn), "NULLCLIENT"));
	done(&r);

	/* STARTTLS; a masquerade host is the mail domain; no smarthost is MX mode. */
	run_as(&r, "dma", "SMARTHOST h.x.example\nSECURETRANSFER\nSTARTTLS\n"
	    "MASQUERADE x.example\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_int_equal(acct(&r, "default")->tls, TLS_MODE_STARTTLS);
	assert_int_equal(acct(&r, "default")->port, 25);
	assert_string_equal(r.cfg.maildomain, "x.example");
	assert_warned(&r, "test.msmtprc:2: SECURETRANSFER: dma does not verify");
	assert_warned(&r, "test.msmtprc: dma delivers mail for local users");
	done(&r);
	run_as(&r, "dma", "# no smarthost\nSPOOLDIR /var/spool/dma\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_int_equal(acct(&r, "default")->mode, ACCT_MX);
	assert_warned(&r, "test.msmtprc: no SMARTHOST: written as mode = mx");
	assert_warned(&r, "test.msmtprc:2: SPOOLDIR: not carried over");
	done(&r);
	/* MAILNAME names a file: its first line is shown only if it is a host
	 * name (here it is the password file). */
	run_as(&r, "dma", "SMARTHOST h\nMAILNAME /etc/dma/auth.conf\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_no_secret(&r);
	assert_warned(&r, "test.msmtprc:2: MAILNAME: not carried over: the first line");
	assert_null(r.cfg.hostname);
	done(&r);
	other_text = "";
	run_as(&r, "dma", "SMARTHOST h\nMAILNAME /etc/dma/auth.conf\n");
	assert_int_equal(r.rc, ERR_OK);
	assert_warned(&r, "test.msmtprc:2: MAILNAME: not carried over");
	done(&r);
	other_path = other_text = aliases_text = NULL;
}

/* cli_parse on a copy of words (it wants writable strings). */
static enum err
cli(struct opts *o, const char *const *words)
{
	static char store[8][64];
	char *argv[9];
	int argc = 0;
	struct buf err;
	enum err rc;
	for (; words[argc]; argc++) {
		snprintf(store[argc], sizeof store[argc], "%s", words[argc]);
		argv[argc] = store[argc];
	}
	argv[argc] = NULL;
	buf_init(&err, 1024);
	rc = cli_parse(argc, argv, "sealpost", o, &err);
	buf_free(&err);
	return rc;
}

static void
cli_takes_format_and_one_file(void **state)
{
	struct opts o;
	(void)state;
	assert_int_equal(cli(&o, (const char *const[]){ "sealpost", "--import", "msmtp",
	    "/tmp/rc", NULL }), ERR_OK);
	assert_int_equal(o.mode, MODE_IMPORT);
	assert_string_equal(o.import_format, "msmtp");
	assert_string_equal(o.import_file, "/tmp/rc");
	assert_int_equal(cli(&o, (const char *const[]){ "sealpost", "--import=msmtprc",
	    NULL }), ERR_OK);
	assert_null(o.import_file);
	assert_int_equal(cli(&o, (const char *const[]){ "sealpost", "--import", "dma",
	    NULL }), ERR_OK);
	assert_string_equal(o.import_format, "dma");
	assert_int_equal(cli(&o, (const char *const[]){ "sealpost", "--import", "exim",
	    NULL }), ERR_USAGE);
	assert_int_equal(cli(&o, (const char *const[]){ "sealpost", "--import", "msmtp",
	    "a", "b", NULL }), ERR_USAGE);
	assert_int_equal(cli(&o, (const char *const[]){ "sealpost", "--import", NULL }),
	    ERR_USAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_and_inheritance_are_flattened),
		cmocka_unit_test(quoting_follows_msmtp),
		cmocka_unit_test(every_mapped_setting),
		cmocka_unit_test(syslog_and_plain_tls),
		cmocka_unit_test(a_password_is_never_printed),
		cmocka_unit_test(what_is_not_carried_is_named_with_its_line),
		cmocka_unit_test(an_account_name_sealpost_cannot_hold_is_left_out),
		cmocka_unit_test(auth_off_drops_the_user),
		cmocka_unit_test(lines_before_any_account_make_default),
		cmocka_unit_test(aliases_that_cannot_be_carried),
		cmocka_unit_test(malformed_files_are_refused_with_file_and_line),
		cmocka_unit_test(ssmtp_conf),
		cmocka_unit_test(dma_conf),
		cmocka_unit_test(cli_takes_format_and_one_file),
	};
	return cmocka_run_group_tests_name("import", tests, NULL, NULL);
}
