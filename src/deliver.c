// SPDX-License-Identifier: MIT
/* deliver.c: one attempt, start to finish: parameters from the account,
 * the SMTP session, and exactly one log line per attempt. It decides no
 * exit status (result.c does) and never queues (spool.c will). */
#include "deliver.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "deadline.h"
#include "log.h"
#include "util.h"

static void
params(struct smtp_params *p, const struct config *cfg, const struct account *a,
    const char *helo, const char *secret)
{
	memset(p, 0, sizeof *p);
	p->host = a->host;
	p->port = a->port;
	p->tls = a->tls;
	p->tlsp.name = a->tls_server_name ? a->tls_server_name : a->host;
	p->tlsp.ca_file = a->tls_ca_file;
	p->tlsp.pins = a->tls_fingerprint;
	p->tlsp.npins = a->npins;
	p->tlsp.cert_file = a->tls_cert_file;
	p->tlsp.key_file = a->tls_key_file;
	p->tlsp.min_version = a->tls_min_version;
	p->tlsp.priority = a->tls_priority;
	p->helo = helo;
	p->connect_timeout_ms = cfg->connect_timeout_ms;
	p->command_timeout_ms = cfg->command_timeout_ms;
	p->session_dl = deadline_after_ms(cfg->session_timeout_ms);
	p->user = secret ? a->user : NULL;
	p->secret = secret;
	p->mechs = a->auth_mechanisms;
}

static void
log_line(const struct delivery *d, const struct smtp_session *s, const char *to,
    const char *status, const char *text, uint64_t ms)
{
	char tlsdesc[128] = "none", relay[400];
	if (s) {
		smtp_tls_desc(s, tlsdesc, sizeof tlsdesc);
		snprintf(relay, sizeof relay, "%s", smtp_peer(s));
	} else {
		snprintf(relay, sizeof relay, "%s:%u", d->acct->host, d->acct->port);
	}
	log_msg(strcmp(status, "sent") == 0 ? LOG_INFO : LOG_WARNING,
	    "%s: from=<%s> to=%s relay=%s tls=%s verified=%s auth=%s size=%llu delay=%llu.%02llu"
	    " status=%s (%s)", d->queue_id, d->sender, to, relay, tlsdesc,
	    s ? smtp_verified(s) : "none", s ? smtp_auth_mech(s) : "none",
	    (unsigned long long)d->msg->size, (unsigned long long)(ms / 1000),
	    (unsigned long long)(ms % 1000 / 10), status, text);
}

/* One line per attempt (sealpost(8) LOGGING); when a queue run's attempt had
 * recipients with different fates, one line per fate. */
static void
log_attempt(const struct delivery *d, const struct smtp_session *s,
    const struct smtp_rcpt_result *rr, const struct result *res, uint64_t start_ms)
{
	static const char *const status[] = { [RES_OK] = "sent", [RES_TEMP] = "deferred",
		[RES_PERM] = "failed" };
	uint64_t ms = now_ms() - start_ms;
	/* Fates differ only when a queue run sent to some recipients. */
	bool mixed = false;
	for (size_t i = 1; d->per_recipient && res->cls == RES_OK && i < d->rcpts->n; i++)
		if (rr[i].cls != rr[0].cls)
			mixed = true;
	for (int cls = RES_OK; cls <= RES_PERM; cls++) {
		struct buf to;
		const char *text = res->text;
		if (!mixed && (enum res)cls != res->cls)
			continue;
		buf_init(&to, 64 * 1024);
		for (size_t i = 0; i < d->rcpts->n; i++) {
			if (mixed && rr[i].cls != (enum res)cls)
				continue;
			if (mixed)
				text = rr[i].reply;
			if (buf_addf(&to, "%s<%s>", to.len ? "," : "", d->rcpts->v[i]) != ERR_OK)
				break;
		}
		if (to.len)
			log_line(d, s, buf_str(&to), status[cls], mixed && cls == RES_OK ?
			    res->text : text, ms);
		buf_free(&to);
	}
}

enum err
deliver_relay(const struct delivery *d, struct smtp_rcpt_result *rr, struct result *res)
{
	struct smtp_params p;
	struct smtp_session *s = NULL;
	struct smtp_envelope env = { 0 };
	uint64_t start = now_ms();
	enum err rc;

	memset(res, 0, sizeof *res);
	params(&p, d->cfg, d->acct, d->helo, d->secret);
	if (d->cache && d->cache->s && d->cache->acct != d->acct)
		deliver_cache_close(d->cache);
	bool reused = false;
again:
	if (d->cache && d->cache->s) {
		/* Same destination: the next message on the open connection. */
		s = d->cache->s;
		d->cache->s = NULL;
		smtp_renew(s, &p.session_dl);
		reused = true;
		rc = ERR_OK;
	} else {
		rc = smtp_open(&s, &p, res);
	}
	if (rc != ERR_OK) {
		/* Nobody was asked: each recipient shares the session's fate. */
		for (size_t i = 0; i < d->rcpts->n; i++) {
			rr[i].cls = res->cls == RES_OK ? RES_TEMP : res->cls;
			rr[i].code = 0;
			snprintf(rr[i].reply, sizeof rr[i].reply, "%.*s",
			    (int)sizeof rr[i].reply - 1, res->text);
		}
	} else {
		env.sender = d->sender;
		env.rcpts = d->rcpts->v;
		env.nrcpts = d->rcpts->n;
		env.size = d->msg->size;
		env.eightbit = d->msg->eightbit;
		env.smtputf8 = d->smtputf8;
		env.dsn_notify = d->dsn_notify;
		env.dsn_ret = d->dsn_ret;
		env.dsn_envid = d->dsn_envid;
		env.per_recipient = d->per_recipient;
		rc = smtp_send(s, &env, d->msg->fd, rr, res);
		/* The server may have closed an idle connection we kept: if it
		 * broke before the message went out, start over on a new one. */
		if (reused && rc != ERR_OK && !smtp_reusable(s) && res->at <= STAGE_DATA) {
			smtp_close(s);
			s = NULL;
			reused = false;
			memset(res, 0, sizeof *res);
			goto again;
		}
		if (reused)
			d->cache->reused++;
	}
	log_attempt(d, s, rr, res, start);
	if (d->on_result)
		d->on_result(d->arg, rr, res);
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
	struct smtp_params p;
	struct smtp_session *s = NULL;
	enum err rc;

	memset(res, 0, sizeof *res);
	params(&p, cfg, acct, helo, NULL);
	rc = smtp_open(&s, &p, res);
	if (rc != ERR_OK)
		return rc;
	smtp_probe_print(s, out);
	smtp_close(s);
	result_set(res, RES_OK, STAGE_QUIT, ERR_OK, "probe complete");
	return ERR_OK;
}
