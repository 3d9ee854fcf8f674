// SPDX-License-Identifier: MIT
/* main.c: argv[0] dispatch and the pipeline: command line, configuration,
 * message intake, delivery, exit status. The only exit() besides fatalx();
 * every delivery outcome reaches the exit status through result_exitcode(). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "addr.h"
#include "cli.h"
#include "config.h"
#include "deliver.h"
#include "log.h"
#include "msg.h"
#include "result.h"
#include "secret.h"
#include "util.h"

#ifndef SEALPOST_VERSION
#define SEALPOST_VERSION "0.1.0"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* The configuration file: -C, else the user's own, else the system's. */
static const char *
config_path(const struct opts *o, char *buf, size_t cap)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	struct stat st;
	if (o->config_file)
		return o->config_file;
	if (xdg && *xdg == '/')
		snprintf(buf, cap, "%s/sealpost/config", xdg);
	else if (home && *home == '/')
		snprintf(buf, cap, "%s/.config/sealpost/config", home);
	else
		buf[0] = '\0';
	if (buf[0] && stat(buf, &st) == 0)
		return buf;
	return SYSCONFDIR "/sealpost.conf";
}

static char *
default_hostname(void)
{
	char name[256];
	struct addrinfo hints, *res = NULL;
	char *out;
	if (gethostname(name, sizeof name) != 0 || !*name)
		snprintf(name, sizeof name, "localhost");
	name[sizeof name - 1] = '\0';
	if (strchr(name, '.'))
		return xstrdup(name);
	memset(&hints, 0, sizeof hints);
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(name, NULL, &hints, &res) == 0 && res && res->ai_canonname &&
	    strchr(res->ai_canonname, '.'))
		out = xstrdup(res->ai_canonname);
	else
		out = xstrdup(name);
	if (res)
		freeaddrinfo(res);
	return out;
}

/* Qualify an unqualified address with maildomain (or the host name). */
static char *
qualify(const struct config *cfg, const char *addr)
{
	struct buf b;
	if (strchr(addr, '@'))
		return xstrdup(addr);
	buf_init(&b, MSG_ADDR_MAX + 300);
	if (buf_addf(&b, "%s@%s", addr, cfg->maildomain ? cfg->maildomain : cfg->hostname) !=
	    ERR_OK) {
		buf_free(&b);
		return xstrdup(addr);
	}
	return buf_take(&b);
}

static bool
is_local(const struct config *cfg, const char *addr)
{
	const char *d = addr_domain(addr);
	return !d || strcasecmp(d, "localhost") == 0 || strcasecmp(d, cfg->hostname) == 0;
}

/* Local recipients go through [aliases], then "*", then admin; they are
 * never qualified with a public domain. */
static enum err
resolve_rcpts(const struct config *cfg, const struct addr_list *in, struct addr_list *out,
    struct buf *err)
{
	for (size_t i = 0; i < in->n; i++) {
		const char *a = in->v[i];
		if (!is_local(cfg, a)) {
			if (addr_list_add(out, a) != ERR_OK)
				goto toomany;
			continue;
		}
		size_t n = strcspn(a, "@");
		const char *target = NULL;
		for (const struct alias *al = cfg->aliases; al && !target; al = al->next)
			if (strlen(al->name) == n && strncasecmp(al->name, a, n) == 0)
				target = al->target;
		for (const struct alias *al = cfg->aliases; al && !target; al = al->next)
			if (strcmp(al->name, "*") == 0)
				target = al->target;
		if (!target)
			target = cfg->admin;
		if (!target) {
			errf(err, "local recipient <%s>: no [aliases] entry and no admin"
			    " address configured", a);
			return ERR_USAGE;
		}
		struct addr_list tl;
		const char *why = NULL;
		addr_list_init(&tl);
		if (addr_parse_list(target, strlen(target), &tl, &why) != ERR_OK) {
			errf(err, "alias for <%s>: %s", a, why ? why : "bad address list");
			addr_list_free(&tl);
			return ERR_CONFIG;
		}
		for (size_t k = 0; k < tl.n; k++) {
			if (is_local(cfg, tl.v[k])) {
				errf(err, "alias for <%s> leads to another local name <%s>",
				    a, tl.v[k]);
				addr_list_free(&tl);
				return ERR_CONFIG;
			}
			if (addr_list_add(out, tl.v[k]) != ERR_OK) {
				addr_list_free(&tl);
				goto toomany;
			}
		}
		addr_list_free(&tl);
	}
	return ERR_OK;
toomany:
	errf(err, "more than %d recipients", SMTP_RCPT_MAX);
	return ERR_TOOBIG;
}

static const char *
tmp_dir(void)
{
	const char *t = getenv("TMPDIR");
	return t && *t == '/' ? t : "/tmp";
}

/* -N: "never", or a comma list of success, failure, delay; NULL if bad. */
static const char *
dsn_notify_value(const char *v, char *out, size_t cap)
{
	static const char *const words[] = { "SUCCESS", "FAILURE", "DELAY" };
	unsigned seen = 0;
	if (strcasecmp(v, "never") == 0)
		return "NEVER";
	out[0] = '\0';
	while (*v) {
		size_t n = strcspn(v, ","), k;
		for (k = 0; k < 3; k++)
			if (strlen(words[k]) == n && strncasecmp(v, words[k], n) == 0)
				break;
		if (k == 3 || (seen & (1u << k)))
			return NULL;
		seen |= 1u << k;
		snprintf(out + strlen(out), cap - strlen(out), "%s%s", out[0] ? "," : "", words[k]);
		v += n;
		if (*v == ',' && *++v == '\0')
			return NULL;
	}
	return seen ? out : NULL;
}

static int
exit_for(enum err e)
{
	struct result r;
	memset(&r, 0, sizeof r);
	r.cls = RES_PERM;
	r.err = e;
	return result_exitcode(&r, false);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct config cfg;
	struct buf err, secret;
	struct addr_list cl_rcpts, rcpts;
	struct msg msg = { .fd = -1 };
	struct account *acct = NULL;
	char cfgbuf[4096], queue_id[17];
	char dsn_notify_buf[32];
	const char *dsn_notify = NULL, *dsn_ret = NULL;
	char *sender = NULL, *progname = xstrdup(argc > 0 ? argv[0] : "sealpost");
	const char *path;
	int status = EX_OK;
	enum err rc;

	umask(077);
	config_defaults(&cfg);
	buf_init(&err, 8192);
	buf_init(&secret, SECRET_MAX);
	addr_list_init(&cl_rcpts);
	addr_list_init(&rcpts);

	if ((rc = cli_parse(argc, argv, basename(progname), &o, &err)) != ERR_OK) {
		say("%s", buf_str(&err));
		say("try 'sealpost --help'");
		status = EX_USAGE;
		goto out;
	}
	log_set_verbose(o.verbose);
	switch (o.mode) {
	case MODE_VERSION:
		printf("sealpost %s (GnuTLS %s)\n", SEALPOST_VERSION, gnutls_check_version(NULL));
		goto out;
	case MODE_HELP:
		cli_usage(stdout);
		goto out;
	case MODE_NOOP:
		goto out;
	case MODE_LIST_QUEUE:
	case MODE_RUN_QUEUE:
	case MODE_FLUSH:
	case MODE_SMTP_STDIO:
		say("%s is not available in this build: sealpost has no queue or -bs"
		    " server yet", o.mode == MODE_SMTP_STDIO ? "-bs" : "the queue");
		status = EX_UNAVAILABLE;
		goto out;
	default:
		break;
	}

	path = config_path(&o, cfgbuf, sizeof cfgbuf);
	if ((rc = config_load(&cfg, path, &err)) != ERR_OK) {
		say("%s", buf_str(&err));
		status = EX_CONFIG;
		goto out;
	}
	log_setup(cfg.log, cfg.log_path, o.log_tag);
	if (!cfg.hostname)
		cfg.hostname = default_hostname();
	if (o.mode == MODE_CHECK_CONFIG) {
		config_dump(&cfg, stdout);
		goto out;
	}

	/* The envelope sender, and with it the account. */
	if (o.sender) {
		char s[MSG_ADDR_MAX + 1];
		size_t n = strlen(o.sender);
		if (n >= 2 && o.sender[0] == '<' && o.sender[n - 1] == '>')
			snprintf(s, sizeof s, "%.*s", (int)(n - 2), o.sender + 1);
		else
			snprintf(s, sizeof s, "%s", o.sender);
		sender = *s ? qualify(&cfg, s) : xstrdup("");
	}
	acct = config_pick_account(&cfg, o.account, sender, &err);
	if (!acct) {
		say("%s", buf_str(&err));
		status = EX_CONFIG;
		goto out;
	}
	if (!sender) {
		if (acct->from) {
			sender = qualify(&cfg, acct->from);
		} else {
			struct passwd *pw = getpwuid(getuid());
			sender = qualify(&cfg, pw && pw->pw_name ? pw->pw_name : "nobody");
		}
	}
	{
		const char *why = NULL;
		bool utf8 = false;
		if (addr_check_envelope(sender, true, &utf8, &why) != ERR_OK) {
			char clean[MSG_ADDR_MAX + 1];
			say("sender <%s>: %s",
			    str_sanitize(clean, sizeof clean, sender, strlen(sender)), why);
			status = EX_DATAERR;
			goto out;
		}
	}
	if (o.full_name && has_ctl(o.full_name, strlen(o.full_name))) {
		say("-F: control characters in the full name");
		status = EX_DATAERR;
		goto out;
	}

	/* DSN values (RFC 3461 4.1, 4.3, 4.4). */
	if (o.notify && !(dsn_notify = dsn_notify_value(o.notify, dsn_notify_buf,
	    sizeof dsn_notify_buf))) {
		say("-N %s: expected never, or a comma list of success, failure, delay", o.notify);
		status = EX_USAGE;
		goto out;
	}
	if (o.ret) {
		if (strcasecmp(o.ret, "full") == 0)
			dsn_ret = "FULL";
		else if (strcasecmp(o.ret, "hdrs") == 0)
			dsn_ret = "HDRS";
		else {
			say("-R %s: expected full or hdrs", o.ret);
			status = EX_USAGE;
			goto out;
		}
	}
	if (o.envid && (strlen(o.envid) > 100 || !*o.envid || has_ctl(o.envid, strlen(o.envid)) ||
	    strspn(o.envid, " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
	    "abcdefghijklmnopqrstuvwxyz{|}~") != strlen(o.envid))) {
		say("-V: the envelope id must be 1 to 100 printable ASCII characters");
		status = EX_USAGE;
		goto out;
	}

	if (o.mode == MODE_PROBE) {
		struct result res;
		if (acct->mode != ACCT_RELAY || o.probe_domain) {
			say("--probe: MX mode is not available in this build");
			status = EX_UNAVAILABLE;
			goto out;
		}
		if (deliver_probe(&cfg, acct, cfg.hostname, stdout, &res) != ERR_OK) {
			say("probe failed: %s", res.text);
			status = result_exitcode(&res, false);
		}
		goto out;
	}
	if (acct->mode == ACCT_MX) {
		say("account %s: mode = mx is not available in this build", acct->name);
		status = EX_CONFIG;
		goto out;
	}

	/* Recipients from the command line (each an address list). */
	for (int i = 0; i < o.nrcpts; i++) {
		const char *why = NULL;
		rc = addr_parse_list(o.rcpts[i], strlen(o.rcpts[i]), &cl_rcpts, &why);
		if (rc != ERR_OK) {
			char clean[MSG_ADDR_MAX + 1];
			say("recipient \"%s\": %s", str_sanitize(clean, sizeof clean, o.rcpts[i],
			    strlen(o.rcpts[i])), why ? why : err_str(rc));
			status = rc == ERR_TOOBIG ? EX_USAGE : EX_DATAERR;
			goto out;
		}
	}
	if (cl_rcpts.n == 0 && !o.extract) {
		say("no recipients given (name them on the command line, or use -t)");
		status = EX_USAGE;
		goto out;
	}

	/* Secrets before intake: a configuration error must not cost the
	 * caller a read of its message. */
	if ((rc = secret_get(acct, &secret, &err)) != ERR_OK) {
		say("%s", buf_str(&err));
		status = EX_CONFIG;
		goto out;
	}

	{
		struct msg_opts mo = {
			.dot_ends = !o.dot_is_data,
			.extract = o.extract,
			.full_name = o.full_name,
			.sender = sender,
			.hostname = cfg.hostname,
			.hfrom = acct->header_from,
			.from_addr = acct->from,
			.tmpdir = tmp_dir(),
		};
		if ((rc = msg_read(STDIN_FILENO, &mo, &msg, &cl_rcpts, &err)) != ERR_OK) {
			say("%s; nothing was sent", buf_str(&err));
			status = rc == ERR_IO ? EX_NOINPUT : rc == ERR_SPOOL ? EX_CANTCREAT :
			    rc == ERR_TOOBIG ? EX_USAGE : EX_DATAERR;
			goto out;
		}
	}
	if ((rc = resolve_rcpts(&cfg, &cl_rcpts, &rcpts, &err)) != ERR_OK) {
		say("%s; nothing was sent", buf_str(&err));
		status = rc == ERR_USAGE ? EX_NOUSER : exit_for(rc);
		goto out;
	}
	if (rcpts.n == 0) {
		say("no recipients found (none on the command line or in To:, Cc:, Bcc:)");
		status = EX_USAGE;
		goto out;
	}
	bool smtputf8 = false;
	for (size_t i = 0; i < rcpts.n; i++) {
		const char *why = NULL;
		if (addr_check_envelope(rcpts.v[i], false, &smtputf8, &why) != ERR_OK) {
			char clean[MSG_ADDR_MAX + 1];
			say("recipient <%s>: %s; nothing was sent",
			    str_sanitize(clean, sizeof clean, rcpts.v[i], strlen(rcpts.v[i])), why);
			status = EX_DATAERR;
			goto out;
		}
	}
	if (addr_check_envelope(sender, true, &smtputf8, &(const char *){ NULL }) != ERR_OK)
		smtputf8 = true;

	random_hex(queue_id, 8);
	for (char *c = queue_id; *c; c++)
		*c = (char)(*c >= 'a' ? *c - 'a' + 'A' : *c);
	{
		struct delivery d = {
			.cfg = &cfg, .acct = acct, .queue_id = queue_id, .helo = cfg.hostname,
			.secret = secret.len ? secret.data : NULL, .sender = sender,
			.rcpts = &rcpts, .msg = &msg, .smtputf8 = smtputf8,
			.dsn_notify = dsn_notify, .dsn_ret = dsn_ret, .dsn_envid = o.envid,
		};
		struct smtp_rcpt_result *rr = xcalloc(rcpts.n, sizeof *rr);
		struct result res;
		(void)deliver_relay(&d, rr, &res);
		buf_wipe(&secret);
		if (res.cls != RES_OK) {
			if (res.at == STAGE_RCPT) {
				for (size_t i = 0; i < rcpts.n; i++)
					if (rr[i].cls != RES_OK)
						say("<%s>: %s", rcpts.v[i], rr[i].reply);
			}
			say("%s", res.text);
			if (res.cls == RES_TEMP)
				say("temporary failure: the message was not sent and not queued"
				    " (sealpost has no queue yet); try again later");
			else
				say("permanent failure: the message was not sent");
		} else if (o.verbose) {
			say("%s: sent to %zu recipient%s: %s", queue_id, rcpts.n,
			    rcpts.n == 1 ? "" : "s", res.text);
		}
		status = result_exitcode(&res, false);
		free(rr);
	}
out:
	msg_close(&msg);
	buf_wipe(&secret);
	buf_free(&err);
	addr_list_free(&cl_rcpts);
	addr_list_free(&rcpts);
	free(sender);
	free(progname);
	config_free(&cfg);
	fflush(stdout);
	if (ferror(stdout) && status == EX_OK)
		status = EX_IOERR;
	return status;
}
