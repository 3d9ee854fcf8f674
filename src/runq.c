// SPDX-License-Identifier: MIT
/* runq.c: queue runs. Delivery here is per recipient (doc/decisions.md D2): accepted
 * recipients are marked done, permanently refused ones are bounced,
 * deferred ones stay with a doubled retry delay. A bad entry is moved
 * aside and never stops the run. An entry locked by another process is
 * skipped, so concurrent runs and -odb children never send a message
 * twice. */
#include "runq.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "bounce.h"
#include "bounds.h"
#include "deliver.h"
#include "json.h"
#include "log.h"
#include "msg.h"
#include "privs.h"
#include "route.h"
#include "secret.h"
#include "util.h"

#define ORPHAN_AGE_S 3600

bool
runq_filter_empty(const struct runq_filter *f)
{
	return !f || (!f->id && !f->rcpt && !f->sender && f->nids == 0);
}

/* The parts of f that need only the queue id. */
static bool
filter_id_match(const struct runq_filter *f, const char *id)
{
	bool listed = !f || f->nids == 0;
	if (f && f->id && !strcasestr(id, f->id))
		return false;
	for (size_t i = 0; !listed && i < f->nids; i++)
		listed = strcasecmp(id, f->ids[i]) == 0;
	return listed;
}

bool
runq_filter_match(const struct runq_filter *f, const struct envelope *env)
{
	bool rcpt = !f || !f->rcpt;
	if (!filter_id_match(f, env->id))
		return false;
	if (f && f->sender && !strcasestr(env->sender, f->sender))
		return false;
	for (size_t i = 0; !rcpt && i < env->nrcpts; i++)
		rcpt = strcasestr(env->rcpts[i].addr, f->rcpt) != NULL;
	return rcpt;
}

static int64_t
backoff_s(const struct config *cfg, unsigned attempts)
{
	uint64_t d = cfg->retry_min_ms / 1000;
	for (unsigned i = 1; i < attempts && d < cfg->retry_max_ms / 1000; i++)
		d *= 2;
	if (d > cfg->retry_max_ms / 1000)
		d = cfg->retry_max_ms / 1000;
	return d ? (int64_t)d : 1;
}

/* The most wall-clock time one attempt may add to an entry's time in the
 * queue: twice the retry delay it was waiting out, and at least a day
 * (a daily cron run counts in full). A clock that jumps forward by years
 * costs an entry at most this much of its lifetime. */
static int64_t
step_max_s(const struct config *cfg, unsigned attempts)
{
	int64_t m = 2 * backoff_s(cfg, attempts);
	return m > 86400 ? m : 86400;
}

/* Due: the retry time has come, or lies further ahead than any delay we
 * ever set (the clock went back since it was set). */
static bool
is_due(const struct config *cfg, const struct envelope *env, int64_t now)
{
	return env->next_try <= now || env->next_try - now > backoff_s(cfg, env->attempts);
}

/* Account for the time since the last attempt (see struct envelope). */
static void
count_time(const struct config *cfg, struct envelope *env, int64_t now)
{
	int64_t since = env->last_try > 0 ? env->last_try : env->created;
	int64_t step = now - since, cap = step_max_s(cfg, env->attempts);
	if (step < 0)
		step = 0;
	if (step > cap)
		step = cap;
	env->queued_for += step;
	env->last_try = now;
}

static void
set_str(char **field, const char *v)
{
	free(*field);
	*field = v ? xstrdup(v) : NULL;
}

/* Queue a bounce for the recipients in which[] of env (doc/decisions.md D5). */
static enum err
make_bounce(const struct config *cfg, struct spool *sp, const struct envelope *env,
    const bool *which, int msgfd, bool expired, const char *to)
{
	enum err rc = ERR_SPOOL;
	struct envelope b;
	struct buf err;
	uint64_t size = 0;
	int fd = spool_anon(sp);

	buf_init(&err, 1024);
	envelope_init(&b);
	if (fd < 0) {
		log_msg(LOG_ERR, "%s: cannot create a bounce: %s", env->id, strerror(errno));
		buf_free(&err);
		return ERR_SPOOL;
	}
	/* doc/decisions.md D20: through a relay, sent as the account's from. */
	b.sender = bounce_sender(cfg, env->account ? config_find_account(cfg, env->account) : NULL,
	    env->sender ? env->sender : "");
	if (bounce_write(fd, env, which, msgfd, cfg->hostname, b.sender, expired, to, &size) !=
	    ERR_OK) {
		log_msg(LOG_ERR, "%s: cannot write a bounce: %s", env->id, strerror(errno));
		close(fd);
		envelope_free(&b);
		buf_free(&err);
		return ERR_SPOOL;
	}
	/* The bounce belongs to whoever the message belonged to, not to
	 * whoever ran the queue: its owner sees and runs it. */
	b.owner = env->owner;
	if (env->owner >= 0 && geteuid() == 0 && (uid_t)env->owner != 0 &&
	    fchown(fd, (uid_t)env->owner, (gid_t)-1) != 0) {
		log_msg(LOG_ERR, "%s: cannot give the bounce to uid %lld: %s", env->id,
		    (long long)env->owner, strerror(errno));
		close(fd);
		envelope_free(&b);
		buf_free(&err);
		return ERR_SPOOL;
	}
	spool_new_id(b.id);
	b.account = env->account ? xstrdup(env->account) : NULL;
	b.is_bounce = true;
	b.created = b.next_try = b.last_try = (int64_t)time(NULL);
	b.size = size;
	envelope_add_rcpt(&b, to);
	if (spool_commit(sp, fd, &b, &err) != ERR_OK) {
		log_msg(LOG_ERR, "%s: cannot queue a bounce: %s", env->id, buf_str(&err));
	} else {
		log_msg(LOG_INFO, "%s: non-delivery notification to <%s>: %s", env->id, to, b.id);
		rc = ERR_OK;
	}
	close(fd);
	envelope_free(&b);
	buf_free(&err);
	return rc;
}

static void
format_age(int64_t secs, char *out, size_t cap)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(out, cap, "%llds", (long long)secs);
	else if (secs < 7200)
		snprintf(out, cap, "%lldm", (long long)(secs / 60));
	else if (secs < 172800)
		snprintf(out, cap, "%lldh", (long long)(secs / 3600));
	else
		snprintf(out, cap, "%lldd", (long long)(secs / 86400));
}

/* The state one attempt works on, shared with the result callback. */
struct attempt {
	const struct config *cfg;
	struct spool *sp;
	struct envelope *env;
	const char *id;
	int msgfd;
	bool *failed_now;
	bool expired;
	int64_t now;
	struct buf *err;
	bool recorded;
	bool counted;           /* env->attempts was raised for this attempt */
};

static bool
keep_failed(const struct envelope *env)
{
	/* A bounce (or null-sender message) that failed stays, visible to
	 * mailq as failed (doc/decisions.md D5). */
	for (size_t i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].state == RCPT_FAILED && (env->is_bounce || !*env->sender))
			return true;
	return false;
}

/* Record an attempt: bounce what failed for good, then rewrite or remove
 * the envelope. Order matters after a crash: a bounce queued twice is
 * better than a bounce never queued. */
static void
record(struct attempt *a)
{
	struct envelope *env = a->env;
	bool any_failed = false;

	for (size_t i = 0; i < env->nrcpts; i++) {
		if (!a->failed_now[i])
			continue;
		any_failed = true;
		log_msg(LOG_WARNING, "%s: to=<%s> status=bounced (%s)", a->id, env->rcpts[i].addr,
		    env->rcpts[i].reply ? env->rcpts[i].reply : "");
	}
	if (any_failed) {
		const char *admin = a->cfg->admin;
		if (env->is_bounce || !*env->sender) {
			/* doc/decisions.md D5: never bounce a bounce or a null-sender message to its
			 * sender; keep it as failed, and tell admin once (a double
			 * bounce), unless it was addressed to admin already. */
			log_msg(LOG_ERR, "%s: %s could not be delivered; kept as failed (see mailq)",
			    a->id, env->is_bounce ? "this bounce" : "this null-sender message");
			bool to_admin = admin && a->cfg->bounce;
			for (size_t i = 0; to_admin && i < env->nrcpts; i++)
				if (strcasecmp(env->rcpts[i].addr, admin) == 0)
					to_admin = false;
			if (to_admin)
				(void)make_bounce(a->cfg, a->sp, env, a->failed_now, a->msgfd, a->expired,
				    admin);
		} else if (env->dsn_notify && !strstr(env->dsn_notify, "FAILURE")) {
			/* RFC 3461 4.1: the sender asked not to hear about failures. */
			log_msg(LOG_INFO, "%s: no bounce: the sender asked for NOTIFY=%s", a->id,
			    env->dsn_notify);
		} else if (a->cfg->bounce && make_bounce(a->cfg, a->sp, env, a->failed_now,
		    a->msgfd, a->expired, env->sender) != ERR_OK) {
			/* No bounce, no forgetting: the failures are attempted again
			 * (and bounced) by a later run. */
			for (size_t i = 0; i < env->nrcpts; i++)
				if (a->failed_now[i])
					env->rcpts[i].state = RCPT_PENDING;
		}
	}
	/* Bounced (or put back): a further callback in this attempt (MX mode,
	 * the next domain) must not bounce them again. */
	for (size_t i = 0; i < env->nrcpts; i++)
		a->failed_now[i] = false;
	buf_reset(a->err);
	if (envelope_pending(env) == 0 && !keep_failed(env)) {
		if (spool_remove(a->sp, a->id, a->err) != ERR_OK)
			log_msg(LOG_ERR, "%s: %s", a->id, buf_str(a->err));
	} else {
		env->next_try = a->now + backoff_s(a->cfg, env->attempts);
		if (spool_write_env(a->sp, env, a->err) != ERR_OK)
			log_msg(LOG_ERR, "%s: cannot update the envelope: %s", a->id, buf_str(a->err));
	}
	a->recorded = true;
}

/* deliver_attempt()'s callback: runs before QUIT, so the outcome is on
 * disk before the connection closes. */
static void
on_result(void *arg, const struct result *res)
{
	struct attempt *a = arg;
	struct envelope *env = a->env;
	/* MX mode calls back once per recipient domain: one attempt still. */
	if (!a->counted)
		env->attempts++;
	a->counted = true;
	for (size_t i = 0; i < env->nrcpts; i++) {
		struct envelope_rcpt *r = &env->rcpts[i];
		if (!r->attempt)
			continue;
		if (r->cls == RES_OK) {
			r->state = RCPT_DONE;
		} else if (r->cls == RES_PERM) {
			r->state = RCPT_FAILED;
			a->failed_now[i] = true;
		}
	}
	if (res->cls != RES_OK)
		set_str(&env->last_error, res->text);
	/* -v: which entry the transcript just settled. */
	trace_note("queue entry %s: %s: %s", a->id, res->cls == RES_OK ? "sent" :
	    res->cls == RES_TEMP ? "deferred" : "failed", res->text);
	record(a);
}

/* One entry of a queue run, read, locked (msgfd) and ready to deliver. */
struct entry {
	struct attempt a;
	struct envelope env;
	struct buf err, secret;
	const struct account *acct;
	char *id;
};

static void
entry_free(struct entry *e)
{
	envelope_free(&e->env);
	free(e->a.failed_now);
	buf_wipe(&e->secret);
	buf_free(&e->err);
	free(e->id);
	free(e);
}

/* Read entry id and settle what needs no delivery (not due, expired,
 * corrupt, no account or secret). NULL when that settled it; else the
 * entry, its pending recipients marked for the attempt. */
static struct entry *
entry_prepare(const struct config *cfg, struct spool *sp, const char *id, int msgfd, bool flush,
    const struct runq_filter *f)
{
	struct entry *e = xcalloc(1, sizeof *e);
	struct envelope *env = &e->env;
	enum err rc;

	e->id = xstrdup(id);
	e->a = (struct attempt){ .cfg = cfg, .sp = sp, .env = env, .id = e->id, .msgfd = msgfd,
		.now = (int64_t)time(NULL), .err = &e->err };
	buf_init(&e->err, 4096);
	buf_init(&e->secret, SECRET_MAX);
	rc = spool_read_env(sp, id, env, &e->err);
	if (rc == ERR_DATA) {
		log_msg(LOG_ERR, "%s: corrupt queue entry moved to corrupt/: %s", id,
		    buf_str(&e->err));
		spool_quarantine(sp, id, buf_str(&e->err));
	}
	if (rc != ERR_OK) {
		/* spool_read_env() left nothing to free. */
		memset(env, 0, sizeof *env);
		goto done;
	}
	if (envelope_pending(env) == 0 || !runq_filter_match(f, env) ||
	    (!flush && !is_due(cfg, env, e->a.now)))
		goto done;
	count_time(cfg, env, e->a.now);
	e->a.expired = env->queued_for >= (int64_t)(cfg->queue_lifetime_ms / 1000);
	e->a.failed_now = xcalloc(env->nrcpts, sizeof *e->a.failed_now);

	if (e->a.expired) {
		char why[SMTP_TEXT_SHOWN_MAX + 64], life[32];
		format_age((int64_t)(cfg->queue_lifetime_ms / 1000), life, sizeof life);
		snprintf(why, sizeof why, "expired after %s in the queue; last error: %.180s", life,
		    env->last_error ? env->last_error : "none");
		for (size_t i = 0; i < env->nrcpts; i++) {
			if (env->rcpts[i].state != RCPT_PENDING)
				continue;
			env->rcpts[i].state = RCPT_FAILED;
			set_str(&env->rcpts[i].reply, why);
			e->a.failed_now[i] = true;
		}
		log_msg(LOG_WARNING, "%s: from=<%s> expired: %s", id, env->sender, why);
		record(&e->a);
		goto done;
	}

	const struct account *acct = env->account ? config_find_account(cfg, env->account) : NULL;
	if (!acct)
		acct = config_pick_account(cfg, NULL, env->sender, &e->err);
	const char *unsupported = acct && acct->mode == ACCT_MX ?
	    route_mx_unsupported(cfg, acct) : NULL;
	if (!acct || unsupported ||
	    secret_get(acct, cfg->command_timeout_ms, &e->secret, &e->err) != ERR_OK) {
		set_str(&env->last_error, unsupported ? unsupported : buf_str(&e->err));
		log_msg(LOG_WARNING, "%s: deferred: %s", id, env->last_error);
		env->attempts++;
		record(&e->a);
		goto done;
	}
	envelope_select_pending(env);
	e->acct = acct;
	return e;
done:
	entry_free(e);
	return NULL;
}

/* The delivery of a prepared entry. */
static struct delivery
entry_delivery(struct entry *e, struct deliver_cache *cache)
{
	return (struct delivery){
		.cfg = e->a.cfg, .acct = e->acct, .helo = e->a.cfg->hostname,
		.secret = e->secret.len ? e->secret.data : NULL, .env = &e->env,
		.msgfd = e->a.msgfd, .per_recipient = true, .on_result = on_result,
		.arg = &e->a, .cache = cache,
	};
}

void
runq_attempt(const struct config *cfg, struct spool *sp, const char *id, int msgfd, bool flush,
    struct deliver_cache *cache)
{
	struct entry *e = entry_prepare(cfg, sp, id, msgfd, flush, NULL);
	if (!e)
		return;
	struct delivery d = entry_delivery(e, cache);
	struct result res;
	(void)deliver_attempt(&d, &res);
	if (!e->a.recorded)
		on_result(&e->a, &res);
	entry_free(e);
}

/* Prepared entries for one relay account, delivered as one stream
 * (deliver_stream()): a run over many messages waits for the server, not
 * for a round trip per message. */
struct batch {
	struct entry *e[RUNQ_STREAM_MAX];       /* each holds its lock, e->a.msgfd */
	size_t n;
};

static void
batch_flush(struct batch *b, struct deliver_cache *cache)
{
	struct delivery ds[RUNQ_STREAM_MAX];
	struct result res;

	if (b->n == 0)
		return;
	for (size_t i = 0; i < b->n; i++)
		ds[i] = entry_delivery(b->e[i], cache);
	if (b->n == 1)
		(void)deliver_attempt(&ds[0], &res);
	else
		deliver_stream(ds, b->n);
	for (size_t i = 0; i < b->n; i++) {
		struct entry *e = b->e[i];
		if (!e->a.recorded) {
			/* deliver_stream() hands every message back; never
			 * leave one unrecorded all the same. */
			result_set(&res, RES_TEMP, STAGE_NONE, ERR_INTERNAL, "not attempted");
			on_result(&e->a, &res);
		}
		close(e->a.msgfd);
		entry_free(e);
	}
	b->n = 0;
}

/* The locked entry id (fd) in a run: into the batch when it goes to the
 * batch's relay account, delivered at once otherwise (MX mode; the batch
 * goes first, keeping the queue's order). */
static void
run_entry(const struct config *cfg, struct spool *sp, const char *id, int fd, bool flush,
    const struct runq_filter *f, struct batch *b, struct deliver_cache *cache)
{
	struct entry *e = entry_prepare(cfg, sp, id, fd, flush, f);
	if (!e) {
		close(fd);
		return;
	}
	if (b->n > 0 && (e->acct != b->e[0]->acct || e->acct->mode == ACCT_MX))
		batch_flush(b, cache);
	b->e[b->n++] = e;
	if (b->n == RUNQ_STREAM_MAX || e->acct->mode == ACCT_MX)
		batch_flush(b, cache);
}

/* Whether entry id was submitted by the calling user (its message file is
 * theirs: only sealpost, acting for them, can have created it). */
static bool
owned_by_caller(struct spool *sp, const char *id)
{
	uid_t owner;
	return spool_owner(sp, id, &owner) == ERR_OK && owner == getuid();
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The queue could not be opened or listed: res says so (73 or 74). */
static void
queue_failed(struct result *res, enum err e, struct buf *err)
{
	result_set(res, RES_PERM, STAGE_QUEUE, e, "%s", buf_str(err));
	buf_free(err);
}

void
runq_run(const struct config *cfg, bool flush, const struct runq_filter *f, struct result *res)
{
	struct spool sp;
	struct buf err;
	char **ids = NULL;
	size_t n = 0;

	result_set(res, RES_OK, STAGE_NONE, ERR_OK, "queue run done");
	buf_init(&err, 4096);
	if (spool_open_queue(&sp, cfg->queue_dir, &err) != ERR_OK) {
		queue_failed(res, ERR_SPOOL, &err);
		return;
	}
	spool_cleanup_orphans(&sp, ORPHAN_AGE_S);
	/* A selection is attempted now, as postqueue -i: whoever names
	 * entries wants them tried, not their retry time waited out. */
	if (!runq_filter_empty(f))
		flush = true;
	/* In the shared queue an ordinary user's run is for their own mail
	 * only: stopping it (SIGSTOP while it holds a lock) can then delay
	 * nobody else's. Root, the systemd timer, runs everything. */
	bool own_only = sp.shared && getuid() != 0;
	/* One connection per destination, reused across entries. */
	struct deliver_cache cache = { 0 };
	struct batch batch = { .n = 0 };
	/* Two passes: bounces created in the first are sent in the second;
	 * nothing seen in the first is attempted again. */
	char **seen = NULL;
	size_t nseen = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (spool_list(&sp, &ids, &n) != ERR_OK) {
			result_set(res, RES_PERM, STAGE_QUEUE, ERR_IO, "cannot list the queue in %s",
			    sp.path);
			break;
		}
		for (size_t i = 0; i < n; i++) {
			int fd = -1;
			enum err rc;
			if ((pass == 1 && bsearch(&ids[i], seen, nseen, sizeof *seen, cmp_id)) ||
			    !filter_id_match(f, ids[i]) || (own_only && !owned_by_caller(&sp, ids[i]))) {
				if (pass == 1)
					free(ids[i]);
				continue;
			}
			rc = spool_lock(&sp, ids[i], &fd, &err);
			/* On hold (--hold): never attempted, whatever was asked.
			 * Asked under the lock, which --hold takes too. */
			if (rc == ERR_OK && spool_held(&sp, ids[i])) {
				close(fd);
			} else if (rc == ERR_OK) {
				run_entry(cfg, &sp, ids[i], fd, flush, f, &batch, &cache);
			} else if (rc == ERR_DATA) {
				log_msg(LOG_ERR, "%s: corrupt queue entry moved to corrupt/: %s",
				    ids[i], buf_str(&err));
				spool_quarantine(&sp, ids[i], buf_str(&err));
			}
			buf_reset(&err);
			if (pass == 1)
				free(ids[i]);
		}
		batch_flush(&batch, &cache);
		if (pass == 0) {
			seen = ids;     /* spool_list() returns them sorted */
			nseen = n;
		} else {
			free(ids);
		}
		ids = NULL;
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	if (cache.reused)
		log_msg(LOG_INFO, "queue run: %u deliveries reused an open connection", cache.reused);
	deliver_cache_close(&cache);
	spool_close(&sp);
	buf_free(&err);
}

/* Does recipient k's domain appear among the recipients before it? */
static bool
domain_seen(const struct envelope *env, size_t k)
{
	const char *d = addr_domain(env->rcpts[k].addr);
	for (size_t j = 0; j < k; j++) {
		const char *e = addr_domain(env->rcpts[j].addr);
		if (d && e && strcasecmp(d, e) == 0)
			return true;
	}
	return false;
}

/* A message for several domains (MX mode delivers each on its own): one
 * line per domain with what is left there and why. */
static void
list_domains(FILE *out, const struct envelope *env)
{
	size_t ndomains = 0;
	for (size_t k = 0; k < env->nrcpts; k++)
		ndomains += addr_domain(env->rcpts[k].addr) && !domain_seen(env, k);
	if (ndomains < 2)
		return;
	for (size_t k = 0; k < env->nrcpts; k++) {
		const char *d = addr_domain(env->rcpts[k].addr), *why = NULL;
		size_t counts[3] = { 0 };
		if (!d || domain_seen(env, k))
			continue;
		for (size_t j = k; j < env->nrcpts; j++) {
			const struct envelope_rcpt *r = &env->rcpts[j];
			const char *e = addr_domain(r->addr);
			if (!e || strcasecmp(d, e) != 0)
				continue;
			counts[r->state]++;
			if (r->state == RCPT_PENDING && !why)
				why = r->reply;
		}
		fprintf(out, "%34sdomain %s: %s%s%s\n", "", d, counts[RCPT_PENDING] ? "deferred" :
		    counts[RCPT_FAILED] ? "failed" : "delivered", why ? ": " : "", why ? why : "");
	}
}

static const char *const rcpt_states[] = { "pending", "sent", "failed" };

/* One entry as mailq shows it. */
static void
list_entry(FILE *out, const struct envelope *env, bool held, int64_t now)
{
	char age[32], next[32];
	format_age(now - env->created, age, sizeof age);
	format_age(env->next_try - now, next, sizeof next);
	fprintf(out, "%-16s %10llu %5s  <%s>%s%s\n", env->id, (unsigned long long)env->size, age,
	    env->sender, env->is_bounce ? "  (bounce)" : "", held ? "  (held)" : "");
	for (size_t k = 0; k < env->nrcpts; k++)
		fprintf(out, "%34s<%s> %s\n", "", env->rcpts[k].addr,
		    rcpt_states[env->rcpts[k].state]);
	list_domains(out, env);
	if (held)
		fprintf(out, "%34son hold (attempts %u): not attempted until released\n", "",
		    env->attempts);
	else if (envelope_pending(env))
		fprintf(out, "%34sattempts %u, next try %s%s\n", "", env->attempts,
		    env->next_try <= now ? "now" : "in ", env->next_try <= now ? "" : next);
	else
		fprintf(out, "%34sfailed permanently; nothing left to try\n", "");
	if (env->last_error)
		fprintf(out, "%34slast error: %s\n", "", env->last_error);
}

/* One entry as one line of JSON (mailq --json; sealpost(8) lists the
 * members). Errors: ERR_TOOBIG (past j's bound). */
static enum err
json_entry(struct buf *j, const struct envelope *env, bool held)
{
	enum err rc = ERR_OK;
	bool pending = envelope_pending(env) > 0;
	rc |= buf_adds(j, "{\"queue_id\":");
	rc |= json_str_or_null(j, env->id);
	rc |= buf_adds(j, ",\"sender\":");
	rc |= json_str_or_null(j, env->sender);
	rc |= buf_adds(j, ",\"account\":");
	rc |= json_str_or_null(j, env->account);
	if (env->owner >= 0)
		rc |= buf_addf(j, ",\"owner_uid\":%lld", (long long)env->owner);
	rc |= buf_addf(j, ",\"arrival_time\":%lld,\"next_attempt\":%lld,\"last_attempt\":%lld",
	    (long long)env->created, (long long)env->next_try, (long long)env->last_try);
	rc |= buf_addf(j, ",\"attempts\":%u,\"message_size\":%llu,\"bounce\":%s,\"held\":%s"
	    ",\"state\":\"%s\"", env->attempts, (unsigned long long)env->size,
	    env->is_bounce ? "true" : "false", held ? "true" : "false",
	    pending ? "deferred" : "failed");
	rc |= buf_adds(j, ",\"last_error\":");
	rc |= json_str_or_null(j, env->last_error);
	rc |= buf_adds(j, ",\"recipients\":[");
	for (size_t k = 0; k < env->nrcpts; k++) {
		rc |= buf_addf(j, "%s{\"address\":", k ? "," : "");
		rc |= json_str_or_null(j, env->rcpts[k].addr);
		rc |= buf_addf(j, ",\"state\":\"%s\",\"reply\":", rcpt_states[env->rcpts[k].state]);
		rc |= json_str_or_null(j, env->rcpts[k].reply);
		rc |= buf_adds(j, "}");
	}
	rc |= buf_adds(j, "]}\n");
	return rc == ERR_OK ? ERR_OK : ERR_TOOBIG;
}

/* An entry that could not be read, as JSON: its id and why. */
static void
json_unreadable(FILE *out, struct buf *j, const char *id, const char *why)
{
	buf_reset(j);
	if (buf_adds(j, "{\"queue_id\":") == ERR_OK && json_str(j, id, strlen(id)) == ERR_OK &&
	    buf_adds(j, ",\"error\":") == ERR_OK && json_str(j, why, strlen(why)) == ERR_OK &&
	    buf_adds(j, "}\n") == ERR_OK)
		fputs(buf_str(j), out);
}

void
runq_list(const struct config *cfg, FILE *out, const struct runq_filter *f, bool json,
    struct result *res)
{
	struct spool sp;
	struct buf err, j;
	char **ids = NULL;
	size_t n = 0, shown = 0;
	uint64_t bytes = 0;
	int64_t now = (int64_t)time(NULL);

	result_set(res, RES_OK, STAGE_NONE, ERR_OK, "queue listed");
	buf_init(&err, 4096);
	if (spool_open_queue(&sp, cfg->queue_dir, &err) != ERR_OK) {
		queue_failed(res, ERR_SPOOL, &err);
		return;
	}
	if (spool_list(&sp, &ids, &n) != ERR_OK) {
		errf(&err, "cannot list the queue in %s", sp.path);
		spool_close(&sp);
		queue_failed(res, ERR_IO, &err);
		return;
	}
	buf_init(&j, JSON_ENTRY_MAX);
	for (size_t i = 0; i < n; i++) {
		struct envelope env;
		buf_reset(&err);
		/* In a shared (system) queue a user sees only their own entries. */
		if ((getuid() != 0 && !owned_by_caller(&sp, ids[i])) || !filter_id_match(f, ids[i])) {
			free(ids[i]);
			continue;
		}
		bool readable = spool_read_env(&sp, ids[i], &env, &err) == ERR_OK;
		/* One whose envelope cannot be read is shown and counted
		 * (monitoring must not under-count), unless -qR / -qS asked
		 * for entries it cannot be matched against. */
		bool show = readable ? runq_filter_match(f, &env) : !f || (!f->rcpt && !f->sender);
		if (show && !json && shown == 0)
			fprintf(out, "%-16s %10s %5s  %s\n", "Queue ID", "Size", "Age",
			    "Sender / Recipients");
		if (show && !readable) {
			if (json)
				json_unreadable(out, &j, ids[i], buf_str(&err));
			else
				fprintf(out, "%s  (unreadable: %s)\n", ids[i], buf_str(&err));
		} else if (show) {
			bool held = spool_held(&sp, env.id);
			if (json) {
				buf_reset(&j);
				if (json_entry(&j, &env, held) == ERR_OK)
					fputs(buf_str(&j), out);
				else
					json_unreadable(out, &j, env.id, "entry too large to show");
			} else {
				list_entry(out, &env, held, now);
			}
			bytes += env.size;
		}
		shown += show;
		if (readable)
			envelope_free(&env);
		free(ids[i]);
	}
	free(ids);
	/* The last line as Postfix's mailq ends: check_mailq -M postfix and
	 * similar monitoring read the count from it. */
	if (!json && shown == 0)
		fprintf(out, "Mail queue is empty\n");
	else if (!json)
		fprintf(out, "-- %llu Kbytes in %zu Request%s.\n",
		    (unsigned long long)((bytes + 1023) / 1024), shown, shown == 1 ? "" : "s");
	buf_free(&j);
	spool_close(&sp);
	buf_free(&err);
}

static const char *const op_done[] = { "deleted", "held", "released" };

/* Carry out op on entry id (upper case) for runq_manage(); a failure goes
 * to res when res holds none yet. */
static void
manage_one(struct spool *sp, enum runq_op op, const char *id, FILE *out, struct result *res,
    struct buf *err)
{
	struct result r;
	uid_t owner;
	int fd = -1;
	enum err rc;

	result_set(&r, RES_OK, STAGE_NONE, ERR_OK, "%s", op_done[op]);
	buf_reset(err);
	rc = spool_owner(sp, id, &owner);
	if (rc == ERR_EOF) {
		result_set(&r, RES_PERM, STAGE_QUEUE, ERR_EOF, "%s: no such queue entry", id);
		goto out;
	}
	if (rc != ERR_OK) {
		result_set(&r, RES_PERM, STAGE_QUEUE, ERR_IO, "%s: cannot look at the entry in %s",
		    id, sp->path);
		goto out;
	}
	/* The privilege model: in the shared queue an ordinary user's
	 * changes are to their own mail only. */
	if (sp->shared && getuid() != 0 && owner != getuid()) {
		result_set(&r, RES_PERM, STAGE_QUEUE, ERR_AUTH,
		    "%s: the entry belongs to another user; only they or root can change it", id);
		goto out;
	}
	/* The entry's lock: a queue run that is delivering it now keeps it. */
	rc = spool_lock(sp, id, &fd, err);
	if (rc == ERR_IO) {
		result_set(&r, RES_TEMP, STAGE_QUEUE, ERR_IO,
		    "%s: being delivered right now; try again when that attempt is over", id);
		goto out;
	}
	if (rc == ERR_EOF) {
		result_set(&r, RES_PERM, STAGE_QUEUE, ERR_EOF, "%s: no such queue entry", id);
		goto out;
	}
	if (rc == ERR_SPOOL || (rc == ERR_DATA && op != RUNQ_DELETE)) {
		result_set(&r, RES_PERM, STAGE_QUEUE, ERR_IO, "%s", buf_str(err));
		goto out;
	}
	/* ERR_DATA (a damaged entry) is deleted all the same: its owner
	 * asked for it, and spool_remove() unlinks names, following nothing. */
	buf_reset(err);
	rc = op == RUNQ_DELETE ? spool_remove(sp, id, err) :
	    spool_set_held(sp, id, op == RUNQ_HOLD, err);
	if (rc != ERR_OK) {
		result_set(&r, RES_PERM, STAGE_QUEUE, ERR_IO, "%s: %s", id, buf_str(err));
		goto out;
	}
	log_msg(LOG_INFO, "%s: %s by uid %lu", id, op == RUNQ_DELETE ? "deleted from the queue" :
	    op_done[op], (unsigned long)getuid());
	fprintf(out, "%s: %s\n", id, op_done[op]);
out:
	if (fd >= 0)
		close(fd);
	if (r.cls != RES_OK) {
		say("%s", r.text);
		if (res->cls == RES_OK)
			*res = r;
	}
}

void
runq_manage(const struct config *cfg, enum runq_op op, char *const *ids, size_t n, FILE *out,
    struct result *res)
{
	struct spool sp;
	struct buf err;

	result_set(res, RES_OK, STAGE_NONE, ERR_OK, "%s", op_done[op]);
	buf_init(&err, 4096);
	if (spool_open_queue(&sp, cfg->queue_dir, &err) != ERR_OK) {
		say("%s", buf_str(&err));
		queue_failed(res, ERR_SPOOL, &err);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char id[SPOOL_ID_LEN + 1];
		size_t len = strlen(ids[i]);
		for (size_t k = 0; k < len && k < SPOOL_ID_LEN; k++)
			id[k] = (char)toupper((unsigned char)ids[i][k]);
		id[len < SPOOL_ID_LEN ? len : SPOOL_ID_LEN] = '\0';
		if (len != SPOOL_ID_LEN || !envelope_valid_id(id)) {
			say("%s: not a queue id (%d hexadecimal digits, as mailq shows)", ids[i],
			    SPOOL_ID_LEN);
			if (res->cls == RES_OK)
				result_set(res, RES_PERM, STAGE_QUEUE, ERR_USAGE, "not a queue id: %s",
				    ids[i]);
			continue;
		}
		manage_one(&sp, op, id, out, res, &err);
	}
	spool_close(&sp);
	buf_free(&err);
}

void
runq_spawn(const struct config *cfg, const char *id, int lockfd)
{
	pid_t pid = fork();
	if (pid < 0) {
		log_msg(LOG_WARNING, "cannot fork a background delivery: %s", strerror(errno));
		return;
	}
	if (pid > 0) {
		/* The intermediate child exits at once; reap it. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return;
	}
	if (setsid() < 0 || (pid = fork()) < 0)
		_exit(0);
	if (pid > 0)
		_exit(0);
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	if (chdir("/") != 0)
		_exit(0);
	if (id) {
		struct spool sp;
		log_msg(LOG_INFO, "%s: background delivery (pid %ld)", id, (long)getpid());
		struct buf err;
		buf_init(&err, 1024);
		if (spool_open_queue(&sp, cfg->queue_dir, &err) == ERR_OK) {
			runq_attempt(cfg, &sp, id, lockfd, true, NULL);
			spool_close(&sp);
		}
		close(lockfd);
		buf_free(&err);
	}
	struct result res = { 0 };
	runq_run(cfg, false, NULL, &res);
	_exit(result_exitcode(&res, false));
}
