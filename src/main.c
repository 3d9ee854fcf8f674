// SPDX-License-Identifier: MIT
/* main.c: argv[0] dispatch: command line, configuration, then one mode.
 * The front end of every mode but -bs: it builds the submission, and it
 * alone turns the outcome into stderr text and an exit status
 * (outcome_present(), result_exitcode()). The only exit() besides
 * fatalx(). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "addr.h"
#include "bounds.h"
#include "cli.h"
#include "config.h"
#include "deliver.h"
#include "import.h"
#include "log.h"
#include "msg.h"
#include "net.h"
#include "privs.h"
#include "result.h"
#include "route.h"
#include "runq.h"
#include "secret.h"
#include "smtpd_stdio.h"
#include "submit.h"
#include "util.h"

#ifndef SEALPOST_VERSION
#define SEALPOST_VERSION "0.1.0"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* The configuration file: -C, else the user's own, else the system's.
 * With the set-group-ID privilege, a file the caller chose (-C, or one in
 * the caller's home) is read only after the privilege is dropped for good:
 * the group must never lend its access to a caller-named file. */
static const char *
config_path(const struct opts *o, char *buf, size_t cap)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (o->config_file) {
		privs_drop();
		return o->config_file;
	}
	if (privs_held()) {
		/* The environment was cleared; ask the password database. */
		struct passwd *pw = getpwuid(getuid());
		xdg = NULL;
		home = pw ? pw->pw_dir : NULL;
	}
	if (xdg && *xdg == '/')
		snprintf(buf, cap, "%s/sealpost/config", xdg);
	else if (home && *home == '/')
		snprintf(buf, cap, "%s/.config/sealpost/config", home);
	else
		buf[0] = '\0';
	/* access() asks with the caller's real ids: whether the caller has a
	 * file of their own must not be answered with the group's rights
	 * (a link into the queue would otherwise tell what exists there). */
	if (buf[0] && access(buf, F_OK) == 0) {
		privs_drop();
		return buf;
	}
	return SYSCONFDIR "/sealpost.conf";
}

/* The host's name, qualified through the resolver when gethostname() is
 * not (bounded: a resolver that never answers costs at most timeout_ms). */
static char *
default_hostname(uint64_t timeout_ms)
{
	char name[256], canon[256];
	if (gethostname(name, sizeof name) != 0 || !*name)
		snprintf(name, sizeof name, "localhost");
	name[sizeof name - 1] = '\0';
	if (strchr(name, '.'))
		return xstrdup(name);
	if (net_canonical_name(name, timeout_ms, canon, sizeof canon) && strchr(canon, '.'))
		return xstrdup(canon);
	return xstrdup(name);
}

/* The configuration, the log and the host name: EX_OK or EX_CONFIG. */
static int
load_config(const struct opts *o, struct config *cfg, struct buf *err)
{
	char cfgbuf[4096];
	const char *path;

	/* --check-config prints the file: with the group's privilege, only
	 * root may see the system configuration that way. */
	if (o->mode == MODE_CHECK_CONFIG && privs_held() && getuid() != 0)
		privs_drop();
	path = config_path(o, cfgbuf, sizeof cfgbuf);
	if (config_load(cfg, path, err) != ERR_OK) {
		/* Listing the queue (or changing entries) needs no account:
		 * without any configuration file, mailq shows the default queue. */
		if ((o->mode != MODE_LIST_QUEUE && !cli_changes_entries(o->mode)) ||
		    o->config_file || access(path, F_OK) == 0) {
			say("%s", buf_str(err));
			return EX_CONFIG;
		}
		config_free(cfg);
		config_defaults(cfg);
	}
	debug("configuration %s", path);
	/* Still privileged here means the system's file: system mode. */
	cfg->system = privs_held();
	log_setup(cfg->log, cfg->log_path, o->log_tag);
	if (!cfg->hostname)
		cfg->hostname = default_hostname(cfg->connect_timeout_ms);
	return EX_OK;
}

/* --check-config: a password_file is checked (permissions, readable,
 * not empty) here too, and what each account's connections would set up
 * (route_check: TLS files and settings, DNS for MX); a password_command is
 * not run: it may have effects. */
static int
check_config(const struct config *cfg, struct buf *err)
{
	for (const struct account *a = cfg->accounts; a; a = a->next) {
		struct buf secret;
		enum err rc;
		if (route_check(cfg, a, err) != ERR_OK) {
			say("%s: %s", cfg->path, buf_str(err));
			return EX_CONFIG;
		}
		if (!a->password_file)
			continue;
		buf_init(&secret, SECRET_MAX);
		rc = secret_get(a, cfg->command_timeout_ms, &secret, err);
		buf_wipe(&secret);
		if (rc != ERR_OK) {
			say("%s", buf_str(err));
			return EX_CONFIG;
		}
	}
	config_dump(cfg, stdout);
	return EX_OK;
}

/* The MX account for --probe=DOMAIN: -a's, else the first in mx mode. */
static const struct account *
mx_account(const struct config *cfg, const struct opts *o, struct buf *err)
{
	const struct account *a = NULL;
	if (o->account)
		return config_pick_account(cfg, o->account, NULL, err);
	for (a = cfg->accounts; a && a->mode != ACCT_MX; a = a->next)
		;
	if (!a)
		errf(err, "--probe=DOMAIN needs an account with mode = mx");
	return a;
}

static int
probe(const struct config *cfg, const struct opts *o, struct buf *err)
{
	struct result res;
	const char *why = NULL;
	const struct account *acct = o->probe_domain ? mx_account(cfg, o, err) :
	    config_pick_account(cfg, o->account, NULL, err);
	if (!acct) {
		say("%s", buf_str(err));
		return EX_CONFIG;
	}
	if (o->probe_domain) {
		if (acct->mode != ACCT_MX || (why = route_mx_unsupported(cfg, acct))) {
			say("account %s: %s", acct->name, acct->mode != ACCT_MX ?
			    "--probe=DOMAIN needs mode = mx" : why);
			return EX_CONFIG;
		}
		if (deliver_probe_domain(cfg, acct, o->probe_domain, stdout, &res) != ERR_OK) {
			say("probe: %s", res.text);
			return result_exitcode(&res, false);
		}
		return EX_OK;
	}
	if (acct->mode != ACCT_RELAY) {
		say("account %s: --probe without a domain is for relay accounts; use"
		    " --probe=DOMAIN", acct->name);
		return EX_USAGE;
	}
	if (deliver_probe(cfg, acct, cfg->hostname, stdout, &res) != ERR_OK) {
		say("probe failed: %s", res.text);
		return result_exitcode(&res, false);
	}
	return EX_OK;
}

/* A queue run or listing: what went wrong, if anything, and its status. */
static int
queue_status(const struct result *res)
{
	if (res->cls != RES_OK)
		say("%s", res->text);
	return result_exitcode(res, false);
}

/* The log line of a message refused before any delivery attempt:
 * "NOQUEUE: from=<...> status=refused exit=N (why)", like Postfix's
 * NOQUEUE lines; the queue id instead when there was one. */
static void
log_refusal(const char *id, const char *sender, int status, const char *why)
{
	char from[MSG_ADDR_MAX + 16] = "";
	if (sender)
		snprintf(from, sizeof from, " from=<%s>", strcmp(sender, "<>") == 0 ? "" : sender);
	log_msg(LOG_WARNING, "%s:%s status=refused exit=%d (%s)", id ? id : "NOQUEUE", from,
	    status, why);
}

/* Send mode: the command line's request, submitted and presented. */
static int
send_mode(const struct config *cfg, const struct opts *o)
{
	struct submission sub;
	struct outcome res;
	int status;
	cli_submission(o, &sub);
	outcome_init(&res);
	submit(cfg, &sub, STDIN_FILENO, &res);
	status = outcome_present(&res, o->verbose);
	/* A message refused before any attempt was logged (a bad address,
	 * an account the caller may not use, a secret that cannot be read)
	 * is logged too: the administrator reads the log, not the caller's
	 * stderr. */
	if (status != EX_OK && log_lines() == 0)
		log_refusal(res.id[0] ? res.id : NULL, sub.sender, status,
		    res.text[0] ? res.text : res.res.text);
	outcome_free(&res);
	return status;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct config cfg;
	struct buf err;
	struct result qres = { 0 };
	char *progname = xstrdup(argc > 0 ? argv[0] : "sealpost");
	int status = EX_OK;
	enum err rc;

	privs_init();
	config_defaults(&cfg);
	buf_init(&err, 8192);

	if ((rc = cli_parse(argc, argv, basename(progname), &o, &err)) != ERR_OK) {
		say("%s", buf_str(&err));
		if (rc == ERR_USAGE)
			say("try 'sealpost --help'");
		status = rc == ERR_DATA ? EX_DATAERR : EX_USAGE;
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
	case MODE_IMPORT:
		/* It reads a file the caller names: never with the group's rights. */
		privs_drop();
		status = import_main(o.import_format, o.import_file);
		goto out;
	default:
		break;
	}

	if ((status = load_config(&o, &cfg, &err)) != EX_OK) {
		/* A message refused for the configuration's sake: logged where the
		 * default configuration logs (syslog). */
		if (o.mode == MODE_SEND)
			log_refusal(NULL, o.sender, status, buf_str(&err));
		goto out;
	}
	if (o.mode == MODE_CHECK_CONFIG) {
		status = check_config(&cfg, &err);
		goto out;
	}
	/* -qI, -qR, -qS and mailq's ids: the entries a run or listing is about. */
	struct runq_filter filter = {
		.id = o.q_id, .rcpt = o.q_rcpt, .sender = o.q_sender,
		.ids = o.mode == MODE_LIST_QUEUE ? o.rcpts : NULL,
		.nids = o.mode == MODE_LIST_QUEUE ? (size_t)o.nrcpts : 0,
	};

	switch (o.mode) {
	case MODE_PROBE:
		status = probe(&cfg, &o, &err);
		break;
	case MODE_LIST_QUEUE:
		runq_list(&cfg, stdout, &filter, o.json, &qres);
		status = queue_status(&qres);
		break;
	case MODE_DELETE:
	case MODE_HOLD:
	case MODE_RELEASE:
		/* runq_manage() said each failure itself. */
		runq_manage(&cfg, o.mode == MODE_DELETE ? RUNQ_DELETE : o.mode == MODE_HOLD ?
		    RUNQ_HOLD : RUNQ_RELEASE, o.rcpts, (size_t)o.nrcpts, stdout, &qres);
		status = result_exitcode(&qres, false);
		break;
	case MODE_RUN_QUEUE:
	case MODE_FLUSH:
		/* A user running the shared queue must not watch other users'
		 * envelopes go by: no transcript unless root. */
		if (privs_held() && getuid() != 0 && o.verbose) {
			say("-v is ignored for a run of the shared queue (root only)");
			log_set_verbose(0);
		}
		runq_run(&cfg, o.mode == MODE_FLUSH, &filter, &qres);
		status = queue_status(&qres);
		break;
	case MODE_SMTP_STDIO:
		/* The SMTP dialogue is caller input parsed as it arrives: -bs runs
		 * without the group (and so with the caller's own queue). */
		privs_drop();
		status = smtpd_stdio_run(&cfg, &o, STDIN_FILENO, STDOUT_FILENO);
		break;
	default:
		status = send_mode(&cfg, &o);
		break;
	}
out:
	buf_free(&err);
	free(progname);
	config_free(&cfg);
	fflush(stdout);
	if (ferror(stdout) && status == EX_OK)
		status = EX_IOERR;
	return status;
}
