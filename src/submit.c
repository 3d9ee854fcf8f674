// SPDX-License-Identifier: MIT
/* submit.c: send mode. The message is read whole into an anonymous file in
 * the queue's file system before anything is sent; delivered, it is simply
 * closed (no fsync on the happy path); deferred, it is committed to the
 * queue and only then does the caller hear 0. Permanent failures are
 * never queued: the caller gets the status and the server's words. */
#include "submit.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "deliver.h"
#include "intake.h"
#include "log.h"
#include "msg.h"
#include "privs.h"
#include "result.h"
#include "runq.h"
#include "secret.h"
#include "sender.h"
#include "spool.h"
#include "util.h"

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

static int
exit_for(enum err e)
{
	struct result r;
	memset(&r, 0, sizeof r);
	r.cls = RES_PERM;
	r.err = e;
	return result_exitcode(&r, false);
}

/* The temporary-failure notice: always in the log, on stderr when it is a
 * terminal or under -v (sealpost(8) EXIT STATUS). */
static void
notice_queued(const struct opts *o, const char *id, const char *reason)
{
	log_msg(LOG_INFO, "%s: queued: %s", id, reason);
	if (o->verbose || isatty(STDERR_FILENO))
		say("queued as %s: %s", id, reason);
}

static void
fill_env(struct envelope *env, const char *id, const char *sender, const char *account,
    const struct addr_list *rcpts, const struct msg *m, bool smtputf8, const char *notify,
    const char *ret, const char *envid)
{
	envelope_init(env);
	memcpy(env->id, id, SPOOL_ID_LEN + 1);
	env->sender = xstrdup(sender);
	env->account = xstrdup(account);
	env->dsn_notify = notify ? xstrdup(notify) : NULL;
	env->dsn_ret = ret ? xstrdup(ret) : NULL;
	env->dsn_envid = envid ? xstrdup(envid) : NULL;
	env->eightbit = m->eightbit;
	env->smtputf8 = smtputf8;
	env->created = env->next_try = env->last_try = (int64_t)time(NULL);
	env->owner = (int64_t)getuid();
	env->size = m->size;
	for (size_t i = 0; i < rcpts->n; i++)
		envelope_add_rcpt(env, rcpts->v[i]);
}

int
submit_send(const struct config *cfg, const struct opts *o, int in_fd, char *id)
{
	struct buf err, secret;
	struct addr_list cl_rcpts, rcpts;
	struct msg msg = { .fd = -1 };
	struct spool sp = { .dirfd = -1, .qfd = -1, .tmpfd = -1 };
	struct envelope env;
	const struct account *acct = NULL;
	char qpath[PATH_MAX], queue_id[SPOOL_ID_LEN + 1];
	char *sender = NULL, *trace = NULL, qerrmsg[PATH_MAX + 1024] = "", secret_why[1024] = "";
	bool have_spool = false, smtputf8 = false;
	int status = EX_OK;
	enum err rc;

	buf_init(&err, 8192);
	buf_init(&secret, SECRET_MAX);
	addr_list_init(&cl_rcpts);
	addr_list_init(&rcpts);
	envelope_init(&env);

	/* The envelope sender, and with it the account. */
	if (o->sender) {
		char s[MSG_ADDR_MAX + 1];
		size_t n = strlen(o->sender);
		if (n >= 2 && o->sender[0] == '<' && o->sender[n - 1] == '>')
			snprintf(s, sizeof s, "%.*s", (int)(n - 2), o->sender + 1);
		else
			snprintf(s, sizeof s, "%s", o->sender);
		sender = *s ? qualify(cfg, s) : xstrdup("");
	}
	acct = config_pick_account(cfg, o->account, sender, &err);
	if (!acct) {
		say("%s", buf_str(&err));
		status = EX_CONFIG;
		goto out;
	}
	if (acct->mode == ACCT_MX) {
		say("account %s: mode = mx is not available in this build", acct->name);
		status = EX_CONFIG;
		goto out;
	}
	if (!sender) {
		if (acct->from) {
			sender = qualify(cfg, acct->from);
		} else {
			struct passwd *pw = getpwuid(getuid());
			sender = qualify(cfg, pw && pw->pw_name ? pw->pw_name : "nobody");
		}
	}
	/* Who may use this account, with which sender (sender.c). */
	{
		char *from_q = acct->from ? qualify(cfg, acct->from) : NULL;
		rc = sender_enforce(cfg, acct, o, from_q, &sender, &trace, &err);
		free(from_q);
		if (rc != ERR_OK) {
			say("%s; nothing was sent", buf_str(&err));
			status = rc == ERR_AUTH ? EX_NOPERM : EX_SOFTWARE;
			goto out;
		}
	}
	{
		const char *why = NULL;
		if (addr_check_envelope(sender, true, &smtputf8, &why) != ERR_OK) {
			char clean[MSG_ADDR_MAX + 1];
			say("sender <%s>: %s",
			    str_sanitize(clean, sizeof clean, sender, strlen(sender)), why);
			status = EX_DATAERR;
			goto out;
		}
	}
	/* Recipients from the command line (each an address list). */
	for (int i = 0; i < o->nrcpts; i++) {
		const char *why = NULL;
		rc = addr_parse_list(o->rcpts[i], strlen(o->rcpts[i]), &cl_rcpts, &why);
		if (rc != ERR_OK) {
			char clean[MSG_ADDR_MAX + 1];
			say("recipient \"%s\": %s", str_sanitize(clean, sizeof clean, o->rcpts[i],
			    strlen(o->rcpts[i])), why ? why : err_str(rc));
			status = rc == ERR_TOOBIG ? EX_USAGE : EX_DATAERR;
			goto out;
		}
	}
	if (cl_rcpts.n == 0 && !o->extract) {
		say("no recipients given (name them on the command line, or use -t)");
		status = EX_USAGE;
		goto out;
	}
	/* Secrets before intake. An unsafe configuration (doc/decisions.md D9), or any
	 * failure without a queue, is reported before the caller's message
	 * is read (78). A secret that cannot be had now is a local failure
	 * like any other (doc/decisions.md D16): the message is taken, queued with the
	 * reason, and a later run delivers it once the secret is there. */
	if ((rc = secret_get(acct, cfg->command_timeout_ms, &secret, &err)) != ERR_OK) {
		if (!cfg->queue || rc == ERR_CONFIG) {
			say("%s", buf_str(&err));
			status = EX_CONFIG;
			goto out;
		}
		snprintf(secret_why, sizeof secret_why, "%s", buf_str(&err));
	}

	/* The queue, so intake lands in its file system. If it cannot be
	 * opened we still try to deliver; only a temporary failure then
	 * becomes "could not be queued". */
	if (cfg->queue) {
		struct buf qerr;
		buf_init(&qerr, 1024);
		if (runq_queue_path(cfg, qpath, sizeof qpath, &qerr) == ERR_OK &&
		    spool_open(&sp, qpath, &qerr) == ERR_OK)
			have_spool = true;
		else
			snprintf(qerrmsg, sizeof qerrmsg, "%s", buf_str(&qerr));
		buf_free(&qerr);
	}
	{
		struct msg_opts mo = {
			.dot_ends = !o->dot_is_data,
			.extract = o->extract,
			.full_name = o->full_name,
			.sender = sender,
			.hostname = cfg->hostname,
			.hfrom = acct->header_from,
			.from_addr = acct->from,
			.trace = trace,
			.tmpdir = tmp_dir(),
			.anon_dirfd = have_spool ? sp.tmpfd : -1,
			.anon_mode = have_spool && sp.shared ? 0640 : 0600,
		};
		buf_reset(&err);
		if (in_fd == STDIN_FILENO && privs_stdin_closed()) {
			say("standard input is closed: there is no message to read");
			status = EX_NOINPUT;
			goto out;
		}
		rc = intake_read(in_fd, &mo, &msg, &cl_rcpts, &err, cfg, &secret,
		    have_spool ? &sp : NULL);
		if (rc != ERR_OK) {
			say("%s; nothing was sent", buf_str(&err));
			status = rc == ERR_IO ? EX_NOINPUT : rc == ERR_SPOOL ? EX_CANTCREAT :
			    rc == ERR_TOOBIG ? EX_USAGE : EX_DATAERR;
			goto out;
		}
	}
	if ((rc = resolve_rcpts(cfg, &cl_rcpts, &rcpts, &err)) != ERR_OK) {
		say("%s; nothing was sent", buf_str(&err));
		status = rc == ERR_USAGE ? EX_NOUSER : rc == ERR_TOOBIG ? EX_USAGE : exit_for(rc);
		goto out;
	}
	if (rcpts.n == 0) {
		say("no recipients found (none on the command line or in To:, Cc:, Bcc:)");
		status = EX_USAGE;
		goto out;
	}
	/* IDN domains go out as A-labels (RFC 6531 3.2); only a UTF-8 local
	 * part then needs SMTPUTF8. */
	struct addr_list alabels;
	addr_list_init(&alabels);
	for (size_t i = 0; i < rcpts.n; i++) {
		char *a = NULL;
		buf_reset(&err);
		if (addr_alabel(rcpts.v[i], &a, &err) != ERR_OK) {
			char clean[MSG_ADDR_MAX + 1];
			say("recipient <%s>: %s; nothing was sent", str_sanitize(clean, sizeof clean,
			    rcpts.v[i], strlen(rcpts.v[i])), buf_str(&err));
			status = EX_DATAERR;
			addr_list_free(&alabels);
			goto out;
		}
		/* u@bücher.example and u@xn--bcher-kva.example are one recipient. */
		rc = addr_list_add(&alabels, a);
		free(a);
		if (rc != ERR_OK) {
			say("more than %d recipients", SMTP_RCPT_MAX);
			status = EX_USAGE;
			addr_list_free(&alabels);
			goto out;
		}
	}
	addr_list_free(&rcpts);
	rcpts = alabels;
	{
		char *a = NULL, clean[MSG_ADDR_MAX + 1];
		const char *why = NULL;
		buf_reset(&err);
		if (addr_alabel(sender, &a, &err) != ERR_OK) {
			say("sender <%s>: %s; nothing was sent", str_sanitize(clean, sizeof clean,
			    sender, strlen(sender)), buf_str(&err));
			status = EX_DATAERR;
			goto out;
		}
		smtputf8 = false;
		/* Checked again as converted, as the recipients are below. */
		if (addr_check_envelope(a, true, &smtputf8, &why) != ERR_OK) {
			say("sender <%s>: %s; nothing was sent", str_sanitize(clean, sizeof clean,
			    a, strlen(a)), why);
			free(a);
			status = EX_DATAERR;
			goto out;
		}
		free(sender);
		sender = a;
	}
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

	spool_new_id(queue_id);
	if (id)
		memcpy(id, queue_id, SPOOL_ID_LEN + 1);
	fill_env(&env, queue_id, sender, acct->name, &rcpts, &msg, smtputf8, o->dsn_notify,
	    o->dsn_ret, o->envid);

	if (o->background && !have_spool)
		say("warning: -odb needs the queue (%s); delivering in the foreground",
		    cfg->queue ? qerrmsg : "queue = no");
	/* -odb: commit first, then deliver from a detached child that
	 * inherits the entry's lock. */
	if (o->background && have_spool) {
		if (flock(msg.fd, LOCK_EX | LOCK_NB) != 0 ||
		    spool_commit(&sp, msg.fd, &env, &err) != ERR_OK) {
			say("the message could not be queued: %s", buf_str(&err));
			status = EX_CANTCREAT;
			goto out;
		}
		notice_queued(o, queue_id, "delivery in the background (-odb)");
		runq_spawn(cfg, queue_id, msg.fd);
		goto out;
	}

	{
		struct delivery d = {
			.cfg = cfg, .acct = acct, .helo = cfg->hostname,
			.secret = secret.len ? secret.data : NULL, .env = &env, .msgfd = msg.fd,
		};
		struct result res;
		bool queued = false;

		envelope_select_pending(&env);
		if (secret_why[0]) {
			/* No attempt without the credentials: deferred as is. */
			result_set(&res, RES_TEMP, STAGE_CONFIG, ERR_CONFIG, "%s", secret_why);
			for (size_t i = 0; i < env.nrcpts; i++)
				envelope_rcpt_set(&env.rcpts[i], RES_TEMP, 0, secret_why);
			log_msg(LOG_WARNING, "%s: from=<%s> deferred: %s", queue_id, sender,
			    secret_why);
		} else {
			(void)deliver_attempt(&d, &res);
		}
		buf_wipe(&secret);
		if (res.cls == RES_TEMP && have_spool) {
			/* Durable before we say yes (doc/architecture.md, Message lifecycle). */
			env.attempts = 1;
			env.next_try = (int64_t)time(NULL) + (int64_t)(cfg->retry_min_ms / 1000);
			env.last_error = xstrdup(res.text);
			buf_reset(&err);
			if (spool_commit(&sp, msg.fd, &env, &err) == ERR_OK) {
				queued = true;
				notice_queued(o, queue_id, res.text);
			} else {
				say("temporary failure: %s; the message could not be queued either (%s),"
				    " so it was not sent", res.text, buf_str(&err));
				status = EX_CANTCREAT;
				goto out;
			}
		}
		if (res.cls != RES_OK && !queued) {
			if (res.at == STAGE_RCPT) {
				for (size_t i = 0; i < env.nrcpts; i++)
					if (env.rcpts[i].cls != RES_OK)
						say("<%s>: %s", env.rcpts[i].addr, env.rcpts[i].reply);
			}
			if (res.cls == RES_TEMP && cfg->queue)
				say("temporary failure: %s; the queue is unusable (%s), so the message"
				    " was not sent and not queued", res.text, qerrmsg);
			else if (res.cls == RES_TEMP)
				say("temporary failure: %s; the message was not sent (queue = no)",
				    res.text);
			else
				say("permanent failure: %s; the message was not sent", res.text);
			if (res.cls == RES_TEMP && cfg->queue) {
				status = EX_CANTCREAT;
				goto out;
			}
		} else if (res.cls == RES_OK && o->verbose) {
			say("%s: sent to %zu recipient%s: %s", queue_id, rcpts.n,
			    rcpts.n == 1 ? "" : "s", res.text);
		}
		status = result_exitcode(&res, queued);
		/* After a delivery, let a detached child send what is due. */
		if (res.cls == RES_OK && have_spool) {
			char **ids = NULL;
			size_t n = 0;
			if (spool_list(&sp, &ids, &n) == ERR_OK && n > 0)
				runq_spawn(cfg, NULL, -1);
			for (size_t i = 0; i < n; i++)
				free(ids[i]);
			free(ids);
		}
	}
out:
	msg_close(&msg);
	if (have_spool)
		spool_close(&sp);
	envelope_free(&env);
	buf_wipe(&secret);
	buf_free(&err);
	addr_list_free(&cl_rcpts);
	addr_list_free(&rcpts);
	free(sender);
	free(trace);
	return status;
}
