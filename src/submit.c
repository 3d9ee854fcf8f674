// SPDX-License-Identifier: MIT
/* submit.c: send mode. The message is read whole into an anonymous file in
 * the queue's file system before anything is sent; delivered, it is simply
 * closed (no fsync on the happy path); deferred, it is committed to the
 * queue and only then does the caller hear 0. Permanent failures are
 * never queued: the caller gets the status and the server's words. */
#include "submit.h"

#include <errno.h>
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
#include "alias.h"
#include "deliver.h"
#include "hdr2047.h"
#include "intake.h"
#include "log.h"
#include "msg.h"
#include "privs.h"
#include "route.h"
#include "result.h"
#include "runq.h"
#include "secret.h"
#include "sender.h"
#include "spool.h"
#include "util.h"

/* Everything one submission works on, so each phase is a function. */
struct job {
	const struct config *cfg;
	const struct submission *sub;
	struct outcome *out;
	const struct account *acct;
	char *sender, *trace;
	bool smtputf8;
	struct addr_list given, rcpts;  /* as given (and -t), then resolved */
	struct buf secret;
	char secret_why[1024];          /* a secret that cannot be had now */
	struct spool sp;
	bool have_spool;
	char qerr[PATH_MAX + 1024];     /* why there is no queue */
	struct msg msg;
	struct envelope env;
	struct buf err;
	struct buf prefix;              /* the header block read for --read-envelope-from */
	struct submission from_hdr;     /* the request with that sender, then in sub */
	char *hdr_sender;
};

static enum err
bad_addr(struct job *j, const char *what, const char *addr, const char *why, bool sent_note)
{
	char clean[MSG_ADDR_MAX + 1];
	return outcome_fail(j->out, RES_PERM, STAGE_INPUT, ERR_DATA, "%s <%s>: %s%s", what,
	    str_sanitize(clean, sizeof clean, addr, strlen(addr)), why,
	    sent_note ? "; nothing was sent" : "");
}

/* The envelope sender asked for, without the <> around it ("" for <>). */
static void
requested_sender(const char *given, char *s, size_t cap)
{
	size_t n = strlen(given);
	if (n >= 2 && given[0] == '<' && given[n - 1] == '>')
		snprintf(s, cap, "%.*s", (int)(n - 2), given + 1);
	else
		snprintf(s, cap, "%s", given);
}

/* The envelope sender, and with it the account and who may use it. */
static enum err
pick_sender(struct job *j)
{
	const struct submission *sub = j->sub;
	const char *why = NULL;
	char s[MSG_ADDR_MAX + 1] = "";
	enum err rc;

	if (sub->sender) {
		requested_sender(sub->sender, s, sizeof s);
		j->sender = *s ? alias_qualify(j->cfg, s) : xstrdup("");
	}
	if (!(j->acct = config_pick_account(j->cfg, sub->account, j->sender, &j->err)))
		return outcome_fail(j->out, RES_PERM, STAGE_CONFIG, ERR_CONFIG, "%s",
		    buf_str(&j->err));
	debug("account %s (%s)", j->acct->name, j->acct->mode == ACCT_MX ? "MX delivery" :
	    "relay");
	if (j->acct->mode == ACCT_MX && (why = route_mx_unsupported(j->cfg, j->acct)))
		return outcome_fail(j->out, RES_PERM, STAGE_CONFIG, ERR_CONFIG,
		    "account %s: %s", j->acct->name, why);
	if (!j->sender) {
		struct passwd *pw = j->acct->from ? NULL : getpwuid(getuid());
		j->sender = alias_qualify_for(j->cfg, j->acct, j->acct->from ? j->acct->from :
		    pw && pw->pw_name ? pw->pw_name : "nobody");
	} else if (*s && !strchr(s, '@')) {
		/* "-f root": now that the account is known, qualified as the
		 * header addresses are (maildomain, else the domain of its from). */
		free(j->sender);
		j->sender = alias_qualify_for(j->cfg, j->acct, s);
	}
	/* Who may use this account, with which sender (sender.c). */
	char *from_q = j->acct->from ? alias_qualify_for(j->cfg, j->acct, j->acct->from) : NULL;
	rc = sender_enforce(j->cfg, j->acct, sub, from_q, &j->sender, &j->trace,
	    &j->out->notes, &j->err);
	free(from_q);
	if (rc != ERR_OK)
		return outcome_fail(j->out, RES_PERM, STAGE_CONFIG,
		    rc == ERR_AUTH ? ERR_AUTH : ERR_INTERNAL, "%s; nothing was sent",
		    buf_str(&j->err));
	if (addr_check_envelope(j->sender, true, &j->smtputf8, &why) != ERR_OK)
		return bad_addr(j, "sender", j->sender, why, false);
	return ERR_OK;
}

/* Recipients from the command line (each an address list). */
static enum err
given_rcpts(struct job *j)
{
	for (size_t i = 0; i < j->sub->nrcpts; i++) {
		const char *r = j->sub->rcpts[i], *why = NULL;
		enum err rc = addr_parse_list(r, strlen(r), &j->given, &why);
		if (rc != ERR_OK) {
			char clean[MSG_ADDR_MAX + 1];
			return outcome_fail(j->out, RES_PERM, STAGE_INPUT,
			    rc == ERR_TOOBIG ? ERR_USAGE : ERR_DATA, "recipient \"%s\": %s",
			    str_sanitize(clean, sizeof clean, r, strlen(r)), why ? why : err_str(rc));
		}
	}
	if (j->given.n == 0 && !j->sub->extract)
		return outcome_fail(j->out, RES_PERM, STAGE_INPUT, ERR_USAGE,
		    "no recipients given (name them on the command line, or use -t)");
	return ERR_OK;
}

/* Secrets before intake. An unsafe configuration (doc/decisions.md D9),
 * or any failure without a queue, is reported before the caller's message
 * is read (78). A secret that cannot be had now is a local failure like
 * any other (D16): the message is taken, queued with the reason, and a
 * later run delivers it once the secret is there. */
static enum err
load_secret(struct job *j)
{
	enum err rc = secret_get(j->acct, j->cfg->command_timeout_ms, &j->secret, &j->err);
	if (rc == ERR_OK)
		return ERR_OK;
	if (!j->cfg->queue || rc == ERR_CONFIG)
		return outcome_fail(j->out, RES_PERM, STAGE_CONFIG, ERR_CONFIG, "%s",
		    buf_str(&j->err));
	snprintf(j->secret_why, sizeof j->secret_why, "%s", buf_str(&j->err));
	return ERR_OK;
}

/* The queue, so intake lands in its file system. If it cannot be opened
 * we still try to deliver; only a temporary failure then becomes "could
 * not be queued". */
static void
open_queue(struct job *j)
{
	struct buf qerr;
	if (!j->cfg->queue)
		return;
	buf_init(&qerr, 1024);
	if (spool_open_queue(&j->sp, j->cfg->queue_dir, &qerr) == ERR_OK)
		j->have_spool = true;
	else
		snprintf(j->qerr, sizeof j->qerr, "%s", buf_str(&qerr));
	buf_free(&qerr);
}

/* --read-envelope-from without -f/-r: the header block is read first (and
 * kept, to be read again by intake), and the sender it names is then
 * taken as if given with -f, from_override and all. Only From: and
 * Sender: are parsed here (in system mode in a child without the group,
 * as intake parses), by the address parser that also reads the command
 * line; the rest of the message is parsed by intake as always. */
static enum err
header_sender(struct job *j, int in_fd)
{
	if (!j->sub->read_envelope_from || j->sub->sender ||
	    (in_fd == STDIN_FILENO && privs_stdin_closed()))
		return ERR_OK;
	buf_init(&j->prefix, MSG_HEADER_MAX + 8192);
	if (msg_peek_header(in_fd, j->sub->dot_ends, &j->prefix) != ERR_OK)
		return outcome_fail(j->out, RES_PERM, STAGE_INPUT, ERR_IO,
		    "cannot read the message from standard input: %s; nothing was sent",
		    strerror(errno));
	buf_reset(&j->err);
	if (intake_header_sender(buf_str(&j->prefix), j->prefix.len, &j->hdr_sender, &j->err,
	    j->cfg) != ERR_OK)
		return outcome_fail(j->out, RES_PERM, STAGE_INPUT, ERR_DATA,
		    "--read-envelope-from: %s; nothing was sent", buf_str(&j->err));
	if (!j->hdr_sender) {
		debug("--read-envelope-from: no address in From:, so the default sender");
		return ERR_OK;
	}
	j->from_hdr = *j->sub;
	j->from_hdr.sender = j->hdr_sender;
	j->from_hdr.via = "--read-envelope-from";
	j->sub = &j->from_hdr;
	return ERR_OK;
}

static enum err
read_message(struct job *j, int in_fd)
{
	char *from_q = j->acct->from ? alias_qualify_for(j->cfg, j->acct, j->acct->from) : NULL;
	struct msg_opts mo = {
		.dot_ends = j->sub->dot_ends,
		.extract = j->sub->extract,
		.full_name = j->sub->full_name,
		.sender = j->sender,
		.hostname = j->cfg->hostname,
		.hfrom = j->acct->header_from,
		.from_addr = from_q,
		.trace = j->trace,
		.qualify_domain = alias_domain(j->cfg, j->acct),
		.prefix = j->prefix.data,
		.prefix_len = j->prefix.len,
		.anon_dirfd = j->have_spool ? j->sp.tmpfd : -1,
		.anon_mode = j->have_spool && j->sp.shared ? 0640 : 0600,
		.utf8_envelope = hdr2047_local_part_8bit(j->sender),
	};
	enum err rc;
	for (size_t i = 0; i < j->given.n; i++)
		mo.utf8_envelope = mo.utf8_envelope || hdr2047_local_part_8bit(j->given.v[i]);
	buf_reset(&j->err);
	if (in_fd == STDIN_FILENO && privs_stdin_closed()) {
		free(from_q);
		return outcome_fail(j->out, RES_PERM, STAGE_INPUT, ERR_IO,
		    "standard input is closed: there is no message to read");
	}
	rc = intake_read(in_fd, &mo, &j->msg, &j->given, &j->err, j->cfg, &j->secret,
	    j->have_spool ? &j->sp : NULL);
	free(from_q);
	buf_wipe(&j->prefix);
	if (rc != ERR_OK)
		return outcome_fail(j->out, RES_PERM, STAGE_INPUT, rc == ERR_IO ? ERR_IO :
		    rc == ERR_SPOOL ? ERR_SPOOL : rc == ERR_TOOBIG ? ERR_USAGE : ERR_DATA,
		    "%s; nothing was sent", buf_str(&j->err));
	return ERR_OK;
}

/* Aliases, then IDN: domains go out as A-labels (RFC 6531 3.2); only a
 * UTF-8 local part then needs SMTPUTF8. Everything is checked again as
 * converted. */
static enum err
final_rcpts(struct job *j)
{
	struct addr_list resolved;
	const char *why = NULL, *bad = NULL;
	char *a = NULL;
	enum err rc;

	addr_list_init(&resolved);
	if ((rc = alias_resolve(j->cfg, &j->given, &resolved, &j->err)) != ERR_OK) {
		addr_list_free(&resolved);
		if (rc == ERR_USAGE)    /* a local name nobody receives: as a 550 */
			rc = outcome_fail(j->out, RES_PERM, STAGE_RCPT, ERR_REPLY,
			    "%s; nothing was sent", buf_str(&j->err));
		else
			rc = outcome_fail(j->out, RES_PERM, STAGE_INPUT, rc == ERR_TOOBIG ?
			    ERR_USAGE : rc, "%s; nothing was sent", buf_str(&j->err));
		if (j->out->res.at == STAGE_RCPT)
			j->out->res.code = 550;
		return rc;
	}
	if (resolved.n == 0)
		rc = outcome_fail(j->out, RES_PERM, STAGE_INPUT, ERR_USAGE, "no recipients found"
		    " (none on the command line or in To:, Cc:, Bcc:)");
	buf_reset(&j->err);
	if (rc == ERR_OK && (rc = addr_list_alabel(&resolved, &j->rcpts, &bad, &j->err)) != ERR_OK)
		rc = rc == ERR_TOOBIG ? outcome_fail(j->out, RES_PERM, STAGE_INPUT, ERR_USAGE,
		    "more than %d recipients", SMTP_RCPT_MAX) :
		    bad_addr(j, "recipient", bad, buf_str(&j->err), true);
	addr_list_free(&resolved);
	if (rc != ERR_OK)
		return rc;
	buf_reset(&j->err);
	if (addr_alabel(j->sender, &a, &j->err) != ERR_OK)
		return bad_addr(j, "sender", j->sender, buf_str(&j->err), true);
	free(j->sender);
	j->sender = a;
	j->smtputf8 = false;
	if (addr_check_envelope(j->sender, true, &j->smtputf8, &why) != ERR_OK)
		return bad_addr(j, "sender", j->sender, why, true);
	for (size_t i = 0; i < j->rcpts.n; i++)
		if (addr_check_envelope(j->rcpts.v[i], false, &j->smtputf8, &why) != ERR_OK)
			return bad_addr(j, "recipient", j->rcpts.v[i], why, true);
	/* Header fields left UTF-8 at intake (RFC 6532) need SMTPUTF8 too,
	 * even if aliases took the non-ASCII address away (RFC 6531 3.4). */
	j->smtputf8 = j->smtputf8 || j->msg.hdr_utf8;
	return ERR_OK;
}

static void
fill_env(struct job *j)
{
	struct envelope *env = &j->env;
	spool_new_id(env->id);
	memcpy(j->out->id, env->id, sizeof j->out->id);
	env->sender = xstrdup(j->sender);
	env->account = xstrdup(j->acct->name);
	env->dsn_notify = j->sub->dsn_notify ? xstrdup(j->sub->dsn_notify) : NULL;
	env->dsn_ret = j->sub->dsn_ret ? xstrdup(j->sub->dsn_ret) : NULL;
	env->dsn_envid = j->sub->dsn_envid ? xstrdup(j->sub->dsn_envid) : NULL;
	env->eightbit = j->msg.eightbit;
	env->tls_optional = j->msg.tls_optional;
	env->smtputf8 = j->smtputf8;
	env->created_ms = wall_ms();
	env->created = env->next_try = env->last_try = env->created_ms / 1000;
	env->owner = (int64_t)getuid();
	env->size = j->msg.size;
	for (size_t i = 0; i < j->rcpts.n; i++)
		envelope_add_rcpt(env, j->rcpts.v[i]);
}

/* Durable before we say yes (doc/architecture.md, Message lifecycle). */
static enum err
commit(struct job *j, const char *reason)
{
	buf_reset(&j->err);
	if (spool_commit(&j->sp, j->msg.fd, &j->env, &j->err) != ERR_OK)
		return ERR_SPOOL;
	j->out->queued = true;
	log_msg(LOG_INFO, "%s: queued: %s", j->env.id, reason);
	return ERR_OK;
}

/* -odb: commit first, then deliver from a detached child that inherits
 * the entry's lock. */
static void
background(struct job *j)
{
	if (flock(j->msg.fd, LOCK_EX | LOCK_NB) != 0 ||
	    commit(j, "delivery in the background (-odb)") != ERR_OK) {
		outcome_fail(j->out, RES_PERM, STAGE_INPUT, ERR_SPOOL,
		    "the message could not be queued: %s", buf_str(&j->err));
		return;
	}
	result_set(&j->out->res, RES_TEMP, STAGE_NONE, ERR_OK,
	    "delivery in the background (-odb)");
	runq_spawn(j->cfg, j->env.id, j->msg.fd);
}

/* One attempt now; a temporary failure is committed, anything else is
 * the caller's to hear. */
static void
deliver_now(struct job *j)
{
	struct outcome *out = j->out;
	struct result *res = &out->res;
	struct delivery d = {
		.cfg = j->cfg, .acct = j->acct, .helo = j->cfg->hostname,
		.secret = j->secret.len ? j->secret.data : NULL, .env = &j->env, .msgfd = j->msg.fd,
	};

	envelope_select_pending(&j->env);
	if (j->secret_why[0]) {
		/* No attempt without the credentials: deferred as is. */
		result_set(res, RES_TEMP, STAGE_CONFIG, ERR_CONFIG, "%s", j->secret_why);
		for (size_t i = 0; i < j->env.nrcpts; i++)
			envelope_rcpt_set(&j->env.rcpts[i], RES_TEMP, 0, j->secret_why);
		log_msg(LOG_WARNING, "%s: from=<%s> deferred: %s", j->env.id, j->sender,
		    j->secret_why);
	} else {
		(void)deliver_attempt(&d, res);
	}
	buf_wipe(&j->secret);
	out->nrcpts = j->env.nrcpts;
	size_t sent = 0;
	for (size_t i = 0; i < j->env.nrcpts; i++) {
		/* MX mode: the domains that have it are done; only the rest wait. */
		if (j->env.rcpts[i].cls == RES_OK) {
			j->env.rcpts[i].state = RCPT_DONE;
			sent++;
		}
	}
	if (res->cls == RES_TEMP && j->have_spool) {
		j->env.attempts = 1;
		j->env.next_try = (int64_t)time(NULL) + (int64_t)(j->cfg->retry_min_ms / 1000);
		j->env.last_error = xstrdup(res->text);
		if (commit(j, res->text) != ERR_OK) {
			out->unqueued = true;
			snprintf(out->text, sizeof out->text, "temporary failure: %s; the message could"
			    " not be queued either (%s), so it was not sent", res->text,
			    buf_str(&j->err));
		}
		return;
	}
	if (res->cls == RES_OK)
		return;
	if (res->at == STAGE_RCPT)
		for (size_t i = 0; i < j->env.nrcpts; i++)
			if (j->env.rcpts[i].cls != RES_OK && j->env.rcpts[i].code / 100 != 2)
				outcome_note(out, "<%s>: %s", j->env.rcpts[i].addr,
				    j->env.rcpts[i].reply);
	if (res->cls == RES_TEMP && j->cfg->queue) {
		out->unqueued = true;
		snprintf(out->text, sizeof out->text, "temporary failure: %s; the queue is unusable"
		    " (%.1000s), so the message was not sent and not queued", res->text, j->qerr);
	} else if (res->cls == RES_TEMP) {
		snprintf(out->text, sizeof out->text, "temporary failure: %s; the message was not"
		    " sent%s (queue = no)", res->text, sent ? " to the others" : "");
	} else {
		snprintf(out->text, sizeof out->text, "permanent failure: %s; the message was not"
		    " sent", res->text);
	}
}

/* After a delivery, let a detached child send what is due. */
static void
run_queue_after(struct job *j)
{
	char **ids = NULL;
	size_t n = 0;
	if (spool_list(&j->sp, &ids, &n) == ERR_OK && n > 0)
		runq_spawn(j->cfg, NULL, -1);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

void
submit(const struct config *cfg, const struct submission *sub, int in_fd,
    struct outcome *out)
{
	struct job j = {
		.cfg = cfg, .sub = sub, .out = out, .msg = { .fd = -1 },
		.sp = { .dirfd = -1, .qfd = -1, .tmpfd = -1 },
	};

	buf_init(&j.err, 8192);
	buf_init(&j.prefix, 0);
	buf_init(&j.secret, SECRET_MAX);
	addr_list_init(&j.given);
	addr_list_init(&j.rcpts);
	envelope_init(&j.env);
	if (header_sender(&j, in_fd) != ERR_OK || pick_sender(&j) != ERR_OK ||
	    given_rcpts(&j) != ERR_OK || load_secret(&j) != ERR_OK)
		goto out;
	open_queue(&j);
	if (read_message(&j, in_fd) != ERR_OK || final_rcpts(&j) != ERR_OK)
		goto out;
	fill_env(&j);
	if (sub->background && !j.have_spool)
		outcome_note(out, "warning: -odb needs the queue (%s); delivering in the foreground",
		    cfg->queue ? j.qerr : "queue = no");
	if (sub->background && j.have_spool) {
		background(&j);
		goto out;
	}
	deliver_now(&j);
	if (out->res.cls == RES_OK && j.have_spool)
		run_queue_after(&j);
out:
	msg_close(&j.msg);
	if (j.have_spool)
		spool_close(&j.sp);
	envelope_free(&j.env);
	buf_wipe(&j.secret);
	buf_free(&j.err);
	addr_list_free(&j.given);
	addr_list_free(&j.rcpts);
	free(j.sender);
	free(j.trace);
	free(j.hdr_sender);
	buf_free(&j.prefix);
}
