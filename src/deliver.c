// SPDX-License-Identifier: MIT
/* deliver.c: one attempt, start to finish: the next hops from route.c,
 * the SMTP session, the per-recipient outcome onto the envelope, and
 * exactly one log line per attempt. It decides no exit status (result.c
 * does) and never queues (spool.c does). */
#include "deliver.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "deadline.h"
#include "log.h"
#include "route.h"
#include "util.h"

static void
params(struct smtp_params *p, const struct config *cfg, const struct route_hop *h,
    const struct account *a, const char *helo, const char *secret)
{
	memset(p, 0, sizeof *p);
	p->host = h->host;
	p->port = h->port;
	p->tls = h->tls;
	p->tlsp = h->tlsp;
	p->helo = helo;
	p->connect_timeout_ms = cfg->connect_timeout_ms;
	p->command_timeout_ms = cfg->command_timeout_ms;
	p->session_dl = deadline_after_ms(cfg->session_timeout_ms);
	p->user = secret && h->auth ? a->user : NULL;
	p->secret = h->auth ? secret : NULL;
	p->mechs = a->auth_mechanisms;
}

static void
log_line(const struct delivery *d, const struct smtp_session *s, const struct route_hop *h,
    const char *to, const char *status, const char *text, uint64_t ms)
{
	char tlsdesc[128] = "none", relay[400];
	if (s) {
		smtp_tls_desc(s, tlsdesc, sizeof tlsdesc);
		snprintf(relay, sizeof relay, "%s", smtp_peer(s));
	} else if (h) {
		snprintf(relay, sizeof relay, "%s:%u", h->host, h->port);
	} else {
		snprintf(relay, sizeof relay, "none");
	}
	log_msg(strcmp(status, "sent") == 0 ? LOG_INFO : LOG_WARNING,
	    "%s: from=<%s> to=%s relay=%s tls=%s verified=%s auth=%s size=%llu delay=%llu.%02llu"
	    " status=%s (%s)", d->env->id, d->env->sender, to, relay, tlsdesc,
	    s ? smtp_verified(s) : "none", s ? smtp_auth_mech(s) : "none",
	    (unsigned long long)d->env->size, (unsigned long long)(ms / 1000),
	    (unsigned long long)(ms % 1000 / 10), status, text);
}

/* One line per attempt (sealpost(8) LOGGING); when a queue run's attempt had
 * recipients with different fates, one line per fate. */
static void
log_attempt(const struct delivery *d, const struct smtp_session *s, const struct route_hop *h,
    const struct result *res, uint64_t start_ms)
{
	static const char *const status[] = { [RES_OK] = "sent", [RES_TEMP] = "deferred",
		[RES_PERM] = "failed" };
	const struct envelope *env = d->env;
	uint64_t ms = now_ms() - start_ms;
	/* Fates differ only when a queue run sent to some recipients. */
	bool mixed = false;
	const struct envelope_rcpt *first = NULL;
	for (size_t i = 0; i < env->nrcpts; i++) {
		if (!env->rcpts[i].attempt)
			continue;
		if (!first)
			first = &env->rcpts[i];
		else if (d->per_recipient && res->cls == RES_OK && env->rcpts[i].cls != first->cls)
			mixed = true;
	}
	for (int cls = RES_OK; cls <= RES_PERM; cls++) {
		struct buf to;
		const char *text = res->text;
		if (!mixed && (enum res)cls != res->cls)
			continue;
		buf_init(&to, 64 * 1024);
		for (size_t i = 0; i < env->nrcpts; i++) {
			const struct envelope_rcpt *r = &env->rcpts[i];
			if (!r->attempt || (mixed && r->cls != (enum res)cls))
				continue;
			if (mixed)
				text = r->reply ? r->reply : "";
			if (buf_addf(&to, "%s<%s>", to.len ? "," : "", r->addr) != ERR_OK)
				break;
		}
		if (to.len)
			log_line(d, s, h, buf_str(&to), status[cls], mixed && cls == RES_OK ?
			    res->text : text, ms);
		buf_free(&to);
	}
}

/* Nobody was asked: each recipient in the attempt shares the outcome. */
static void
share_outcome(struct envelope *env, const struct result *res)
{
	for (size_t i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].attempt)
			envelope_rcpt_set(&env->rcpts[i], res->cls == RES_OK ? RES_TEMP : res->cls,
			    0, res->text);
}

/* The session for hop h: the cached one when it goes to the same place
 * (*reused), else a new one. */
static enum err
session_for(const struct delivery *d, const struct smtp_params *p, struct smtp_session **s,
    bool *reused, struct result *res)
{
	if (d->cache && d->cache->s && d->cache->acct != d->acct)
		deliver_cache_close(d->cache);
	*reused = false;
	if (d->cache && d->cache->s) {
		/* Same destination: the next message on the open connection. */
		*s = d->cache->s;
		d->cache->s = NULL;
		smtp_renew(*s, &p->session_dl);
		*reused = true;
		return ERR_OK;
	}
	return smtp_open(s, p, res);
}

/* One hop: open (or reuse) a session and run the transaction. A session
 * that was kept and has been closed by the server meanwhile is replaced
 * by a new one when it broke before the message went out. */
static enum err
try_hop(const struct delivery *d, const struct route_hop *h, struct smtp_session **sp,
    struct result *res)
{
	struct smtp_params p;
	bool reused;
	enum err rc;

	params(&p, d->cfg, h, d->acct, d->helo, d->secret);
	for (;;) {
		memset(res, 0, sizeof *res);
		*sp = NULL;
		if ((rc = session_for(d, &p, sp, &reused, res)) != ERR_OK) {
			share_outcome(d->env, res);
			return rc;
		}
		rc = smtp_send(*sp, d->env, d->msgfd, d->per_recipient, res);
		if (!(reused && rc != ERR_OK && !smtp_reusable(*sp) && res->at <= STAGE_DATA))
			break;
		smtp_close(*sp);
	}
	if (reused)
		d->cache->reused++;
	return rc;
}

enum err
deliver_attempt(const struct delivery *d, struct result *res)
{
	struct route r;
	struct smtp_session *s = NULL;
	const struct route_hop *h = NULL;
	uint64_t start = now_ms();
	enum err rc;

	memset(res, 0, sizeof *res);
	if ((rc = route_next_hops(d->acct, d->env, &r, res)) != ERR_OK) {
		share_outcome(d->env, res);
	} else {
		/* The first hop that takes a session decides; a hop that could
		 * not be reached passes the attempt on to the next. */
		for (size_t i = 0; i < r.nhops; i++) {
			h = &r.hops[i];
			rc = try_hop(d, h, &s, res);
			if (s)
				break;
		}
	}
	log_attempt(d, s, h, res, start);
	if (d->on_result)
		d->on_result(d->arg, res);
	if (d->cache && smtp_reusable(s)) {
		d->cache->s = s;
		d->cache->acct = d->acct;
	} else {
		smtp_close(s);
	}
	return res->cls == RES_OK ? ERR_OK : (rc != ERR_OK ? rc : ERR_INTERNAL);
}

void
deliver_cache_close(struct deliver_cache *c)
{
	smtp_close(c->s);
	c->s = NULL;
	c->acct = NULL;
}

enum err
deliver_probe(const struct config *cfg, const struct account *acct, const char *helo,
    FILE *out, struct result *res)
{
	struct route r;
	struct smtp_params p;
	struct smtp_session *s = NULL;
	struct envelope none;
	enum err rc;

	memset(res, 0, sizeof *res);
	envelope_init(&none);
	if ((rc = route_next_hops(acct, &none, &r, res)) != ERR_OK)
		return rc;
	params(&p, cfg, &r.hops[0], acct, helo, NULL);
	rc = smtp_open(&s, &p, res);
	if (rc != ERR_OK)
		return rc;
	smtp_probe_print(s, out);
	smtp_close(s);
	result_set(res, RES_OK, STAGE_QUIT, ERR_OK, "probe complete");
	return ERR_OK;
}
