// SPDX-License-Identifier: MIT
/* deliver.c: one attempt, start to finish: the next hops from route.c,
 * the SMTP session, the per-recipient outcome onto the envelope, and
 * exactly one log line per attempt. It decides no exit status (result.c
 * does) and never queues (spool.c does). */
#include "deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "addr.h"
#include "bounds.h"
#include "deadline.h"
#include "dns.h"
#include "log.h"
#include "route.h"
#include "spool.h"
#include "util.h"

static void
params(struct smtp_params *p, const struct config *cfg, const struct route_hop *h,
    const struct account *a, const char *helo, const char *secret)
{
	memset(p, 0, sizeof *p);
	p->host = h->host;
	p->shown = h->shown;
	p->plaintext_ok = h->plaintext_ok && !h->auth;
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
    const char *to, const char *status, const char *text, uint64_t attempt_ms)
{
	char tlsdesc[128] = "none", relay[400];
	/* delay= is the time since the message was accepted, as Postfix's
	 * (this attempt's own time when the clock says less). */
	const struct envelope *env = d->env;
	int64_t since = wall_ms() - (env->created_ms ? env->created_ms : env->created * 1000);
	uint64_t ms = since > (int64_t)attempt_ms ? (uint64_t)since : attempt_ms;
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
 * recipients with different fates, one line per fate and reply. A line
 * names at most LOG_TO_MAX bytes of recipients; more go on further lines
 * that repeat the rest, as Postfix logs each recipient on its own line:
 * nothing is ever cut. */
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
		const char *text = NULL;
		if (!mixed && (enum res)cls != res->cls)
			continue;
		buf_init(&to, LOG_TO_MAX + MSG_ADDR_MAX + 4);
		for (size_t i = 0; i < env->nrcpts; i++) {
			const struct envelope_rcpt *r = &env->rcpts[i];
			if (!r->attempt || (mixed && r->cls != (enum res)cls))
				continue;
			/* Mixed fates: those not delivered each with their own reply. */
			const char *t = mixed && cls != RES_OK ? (r->reply ? r->reply : "") : res->text;
			if (to.len && (strcmp(t, text) != 0 ||
			    to.len + strlen(r->addr) + 3 > LOG_TO_MAX)) {
				log_line(d, s, h, buf_str(&to), status[cls], text, ms);
				buf_reset(&to);
			}
			text = t;
			if (buf_addf(&to, "%s<%s>", to.len ? "," : "", r->addr) != ERR_OK) {
				/* One address past the buffer: cannot happen (addresses
				 * are at most MSG_ADDR_MAX); said, never dropped silently. */
				log_line(d, s, h, "(an address too long to log)", status[cls], t, ms);
				buf_reset(&to);
			}
		}
		if (to.len)
			log_line(d, s, h, buf_str(&to), status[cls], text, ms);
		buf_free(&to);
	}
}

/* The end of one delivery: its log line, then the caller's callback,
 * which records the outcome before the session goes on or is closed. */
static void
settle(const struct delivery *d, const struct smtp_session *s, const struct route_hop *h,
    const struct result *res, uint64_t start_ms)
{
	log_attempt(d, s, h, res, start_ms);
	if (d->on_result)
		d->on_result(d->arg, res);
}

/* Where a session goes and how it was secured: a cached session serves
 * the next delivery only when this is the same. That includes every name
 * the server's certificate was accepted for: a DANE-TA chain verified
 * for one recipient domain proves nothing for another. */
static void
hop_key(const struct route_hop *h, char *out, size_t cap)
{
	const struct tls_params *t = &h->tlsp;
	int n = snprintf(out, cap, "%s|%u|%s|%d|%d|%zu|%d|%s|%d", h->host, h->port,
	    t->name ? t->name : "", (int)h->policy, (int)t->encrypt_only, t->npins,
	    (int)h->plaintext_ok, t->verified_as ? t->verified_as : "", t->dane != NULL);
	for (size_t i = 0; t->dane && i < t->ndane_names && n > 0 && (size_t)n < cap; i++)
		n += snprintf(out + n, cap - (size_t)n, "|%s", t->dane_names[i]);
}

/* Hops are unreachable by name (relay; compared ignoring case, as DNS
 * does) or address (MX) and port, however they are secured: nothing got
 * that far. */
static void
dead_key(const struct route_hop *h, char *out, size_t cap)
{
	snprintf(out, cap, "%s|%u", h->host, h->port);
}

/* Hop h was found unreachable earlier in this queue run: *res is that
 * failure again, marked as remembered. */
static bool
dead_find(const struct deliver_cache *c, const struct route_hop *h, struct result *res)
{
	char key[sizeof c->dead[0].key];
	dead_key(h, key, sizeof key);
	for (size_t i = 0; i < c->ndead; i++) {
		if (strcasecmp(c->dead[i].key, key) != 0)
			continue;
		*res = c->dead[i].res;
		snprintf(res->text, sizeof res->text, "%.440s (not tried again in this queue run)",
		    c->dead[i].res.text);
		trace_note("%s port %u could not be reached earlier in this queue run; not trying"
		    " it again", h->host, h->port);
		return true;
	}
	return false;
}

/* Remember hop h as unreachable for the rest of the run (doc/decisions.md
 * D19): every further delivery there would only wait for the same
 * failure. Past DELIVER_DEAD_MAX hops, further ones are tried as usual. */
static void
dead_add(struct deliver_cache *c, const struct route_hop *h, const struct result *res)
{
	struct deliver_dead *x;
	if (c->ndead >= DELIVER_DEAD_MAX)
		return;
	c->dead = xrealloc(c->dead, (c->ndead + 1) * sizeof *c->dead);
	x = &c->dead[c->ndead++];
	dead_key(h, x->key, sizeof x->key);
	x->res = *res;
	log_msg(LOG_WARNING, "queue run: %s%s%s%s port %u cannot be reached (%s); not tried"
	    " again in this run", h->host, h->shown ? " (" : "", h->shown ? h->shown : "",
	    h->shown ? ")" : "", h->port, stage_str(res->at));
}

/* The session for hop h: a cached one that goes to the same place
 * (*reused; taken out of the cache while in use), else a new one, unless
 * the hop could not be reached earlier in this queue run. */
static enum err
session_for(const struct delivery *d, const struct route_hop *h, const struct smtp_params *p,
    struct smtp_session **s, bool *reused, struct result *res)
{
	char key[sizeof d->cache->e[0].key];
	hop_key(h, key, sizeof key);
	*reused = false;
	for (size_t i = 0; d->cache && i < DELIVER_CACHE_MAX; i++) {
		struct deliver_cached *c = &d->cache->e[i];
		if (c->s && c->acct == d->acct && strcmp(c->key, key) == 0) {
			/* Same destination: the next message on the open connection. */
			*s = c->s;
			c->s = NULL;
			smtp_renew(*s, &p->session_dl);
			*reused = true;
			return ERR_OK;
		}
	}
	*s = NULL;
	if (d->cache && dead_find(d->cache, h, res))
		return res->err != ERR_OK ? res->err : ERR_CONNECT;
	enum err rc = smtp_open(s, p, res);
	if (rc != ERR_OK && d->cache && result_unreachable(res))
		dead_add(d->cache, h, res);
	return rc;
}

/* Keep session s (to hop h) for the next message: in a free slot, else
 * in place of the one that has waited longest, which is closed. */
static void
cache_keep(struct deliver_cache *cache, const struct account *acct, const struct route_hop *h,
    struct smtp_session *s)
{
	struct deliver_cached *slot = &cache->e[0];
	for (size_t i = 0; i < DELIVER_CACHE_MAX; i++) {
		struct deliver_cached *c = &cache->e[i];
		if (!c->s) {
			slot = c;
			break;
		}
		if (c->used < slot->used)
			slot = c;
	}
	smtp_close(slot->s);
	slot->s = s;
	slot->acct = acct;
	slot->used = ++cache->tick;
	hop_key(h, slot->key, sizeof slot->key);
}

/* One hop: open (or reuse) a session and run the transaction. A kept
 * session is replaced by a new one when it broke before the message went
 * out (the server closed it meanwhile), or when the server turned MAIL
 * away temporarily on it: a per-session limit (OpenSMTPD's 452 after 100
 * messages) says nothing about this message on a fresh connection. */
static enum err
try_hop(const struct delivery *d, const struct route_hop *h, struct smtp_session **sp,
    struct result *res)
{
	struct smtp_params p;
	bool reused;
	enum err rc;

	params(&p, d->cfg, h, d->acct, d->helo, d->secret);
	debug("trying %s%s%s%s port %u, %s, verified by %s", h->host, h->shown ? " (" : "",
	    h->shown ? h->shown : "", h->shown ? ")" : "", h->port,
	    h->tls == TLS_MODE_IMPLICIT ? "implicit TLS" : "STARTTLS",
	    h->tlsp.dane ? "DANE" : h->tlsp.npins ? "pin" : h->tlsp.encrypt_only ? "nothing" :
	    h->tlsp.verified_as ? h->tlsp.verified_as : "PKIX");
	for (;;) {
		memset(res, 0, sizeof *res);
		*sp = NULL;
		if ((rc = session_for(d, h, &p, sp, &reused, res)) != ERR_OK) {
			envelope_share(d->env, res->cls, res->text);
			return rc;
		}
		/* Without a cache the session ends with this message. */
		rc = smtp_send(*sp, d->env, d->msgfd, (d->per_recipient ? SMTP_SEND_PER_RCPT : 0) |
		    (d->cache ? 0 : SMTP_SEND_LAST), res);
		bool broke = !smtp_reusable(*sp) && res->at <= STAGE_DATA;
		bool limit = res->cls == RES_TEMP && res->at == STAGE_MAIL;
		if (!(reused && rc != ERR_OK && (broke || limit)))
			break;
		trace_note("the kept connection %s; opening a new one", broke ? "broke" :
		    "refused MAIL");
		smtp_close(*sp);
	}
	if (reused)
		d->cache->reused++;
	return rc;
}

/* The hops of r in order: the first that takes a session decides; one
 * that could not be reached passes the attempt on to the next. Then the
 * log line, the caller's callback, and the session kept or closed. */
static void
run_hops(const struct delivery *d, const struct route *r, struct result *res)
{
	struct smtp_session *s = NULL;
	const struct route_hop *h = NULL;
	uint64_t start = now_ms();

	for (size_t i = 0; i < r->nhops; i++) {
		h = &r->hops[i];
		(void)try_hop(d, h, &s, res);
		if (s)
			break;
	}
	settle(d, s, h, res, start);
	if (d->cache && smtp_reusable(s))
		cache_keep(d->cache, d->acct, h, s);
	else
		smtp_close(s);
}

/* MX mode, before the attempt for one domain: the policy that decides how
 * its exchangers are secured and what it rests on (sealpost(8) LOGGING). */
static void
log_route(const struct delivery *d, const struct route *r)
{
	char sts[96] = "";
	if (r->sts.have)
		snprintf(sts, sizeof sts, ", MTA-STS %s (%s)", sts_mode_str(r->sts.policy.mode),
		    r->sts.source);
	if (r->mx.domain[0] == '[')
		log_msg(LOG_INFO, "%s: domain %s: policy %s, an address literal (no DNS)", d->env->id,
		    r->mx.domain, tls_policy_str(r->hops[0].policy));
	else
		log_msg(LOG_INFO, "%s: domain %s: policy %s, MX answer %s%s%s", d->env->id,
		    r->mx.domain, tls_policy_str(r->hops[0].policy), dns_sec_str(r->mx.mx_sec),
		    r->mx.implicit ? " (no MX: the domain itself)" : "", sts);
}

/* No session to try (no hop, or hop h could not be reached): every
 * recipient of the attempt shares *res. */
static void
unreached(const struct delivery *d, const struct route_hop *h, const struct result *res,
    uint64_t start_ms)
{
	envelope_share(d->env, res->cls, res->text);
	settle(d, NULL, h, res, start_ms);
}

/* The resolver for MX mode: the nameservers, and in-process validation
 * when dns_validate is set. dns_client_free() follows. */
static enum err
mx_dns(const struct config *cfg, struct dns_client *dns, struct buf *err)
{
	enum err rc = dns_client_init(dns, cfg->dns_server, RESOLV_CONF, cfg->dns_trust_ad,
	    cfg->command_timeout_ms, err);
	if (rc == ERR_OK && cfg->dns_validate)
		rc = dns_client_validate(dns, cfg->dns_trust_anchor ? cfg->dns_trust_anchor :
		    DNS_TRUST_ANCHOR_DEFAULT, err);
	return rc;
}

/* MTA-STS for an MX account that uses it: the cache beside the queue
 * (none when the queue cannot be opened: policies are then fetched each
 * time). Returns c, or NULL when the account has mta_sts = no. */
static const struct sts_ctx *
sts_setup(const struct config *cfg, const struct account *a, const struct dns_client *dns,
    struct sts_ctx *c)
{
	struct spool sp;
	struct buf err;
	if (!a->mta_sts)
		return NULL;
	memset(c, 0, sizeof *c);
	c->dns = dns;
	c->port = a->mta_sts_port;
	c->ca_file = a->mta_sts_ca_file;
	c->timeout_ms = cfg->command_timeout_ms;
	c->cache_dirfd = -1;
	buf_init(&err, 1024);
	if (cfg->queue && spool_open_queue(&sp, cfg->queue_dir, &err) == ERR_OK) {
		c->cache_dirfd = spool_subdir(&sp, "mta-sts");
		c->shared = sp.shared;
		spool_close(&sp);
	}
	buf_free(&err);
	return c;
}

static void
sts_done(const struct sts_ctx *c)
{
	if (c && c->cache_dirfd >= 0)
		close(c->cache_dirfd);
}

/* MX mode: one group per recipient domain, in envelope order, each with
 * its own hops; the outcomes are combined into *res. In send mode a
 * permanent failure before anything was delivered stops the rest (the
 * caller hears it and nothing was sent); once a domain has the message,
 * the others are tried whatever happens, and what failed is queued. */
static void
deliver_mx(const struct delivery *d, struct result *res)
{
	struct envelope *env = d->env;
	bool *left = xcalloc(env->nrcpts ? env->nrcpts : 1, sizeof *left);
	bool *chosen = xcalloc(env->nrcpts ? env->nrcpts : 1, sizeof *chosen);
	struct result one, first_temp = { .cls = RES_OK }, first_perm = { .cls = RES_OK };
	struct dns_client dns;
	struct sts_ctx stsc;
	const struct sts_ctx *sts = NULL;
	struct buf err;
	size_t ndone = 0, nall = 0;
	bool stop = false;

	buf_init(&err, 1024);
	if (mx_dns(d->cfg, &dns, &err) != ERR_OK) {
		result_set(res, RES_TEMP, STAGE_CONFIG, ERR_CONFIG, "%s", buf_str(&err));
		unreached(d, NULL, res, now_ms());
		goto out;
	}
	sts = sts_setup(d->cfg, d->acct, &dns, &stsc);
	for (size_t i = 0; i < env->nrcpts; i++)
		left[i] = chosen[i] = env->rcpts[i].attempt;
	for (size_t i = 0; i < env->nrcpts; i++) {
		if (!left[i])
			continue;
		const char *dom = addr_domain(env->rcpts[i].addr);
		for (size_t k = 0; k < env->nrcpts; k++) {
			const char *dk = addr_domain(env->rcpts[k].addr);
			env->rcpts[k].attempt = left[k] && dom && dk && strcasecmp(dom, dk) == 0;
			if (env->rcpts[k].attempt) {
				left[k] = false;
				nall++;
			}
		}
		memset(&one, 0, sizeof one);
		if (stop) {
			result_set(&one, RES_TEMP, STAGE_NONE, ERR_OK, "not attempted: %s",
			    first_perm.text);
			envelope_share(env, one.cls, one.text);
			continue;
		}
		struct route *r = xcalloc(1, sizeof *r);
		if (!dom || route_mx(d->cfg, d->acct, &dns, sts, dom, env->tls_optional, r, &one) != ERR_OK) {
			if (!dom)
				result_set(&one, RES_PERM, STAGE_DNS, ERR_DATA, "no domain in <%s>",
				    env->rcpts[i].addr);
			unreached(d, NULL, &one, now_ms());
		} else {
			log_route(d, r);
			run_hops(d, r, &one);
		}
		route_free(r);
		free(r);
		ndone += envelope_accepted(env);
		if (one.cls == RES_TEMP && first_temp.cls == RES_OK)
			first_temp = one;
		if (one.cls == RES_PERM && first_perm.cls == RES_OK)
			first_perm = one;
		if (one.cls == RES_PERM && ndone == 0 && !d->per_recipient)
			stop = true;
	}
	for (size_t i = 0; i < env->nrcpts; i++)
		env->rcpts[i].attempt = chosen[i];
	/* Everything sent; or nothing sent: the first failure, permanent
	 * first; or some sent: temporary, so that what is left is queued. */
	if (first_temp.cls == RES_OK && first_perm.cls == RES_OK)
		result_set(res, RES_OK, STAGE_DOT, ERR_OK, "%s", one.text);
	else if (ndone == 0)
		*res = first_perm.cls != RES_OK ? first_perm : first_temp;
	else
		result_set(res, RES_TEMP, STAGE_NONE, ERR_OK, "sent to %zu of %zu recipients;"
		    " the others wait in the queue: %s", ndone, nall,
		    first_perm.cls != RES_OK ? first_perm.text : first_temp.text);
out:
	sts_done(sts);
	dns_client_free(&dns);
	buf_free(&err);
	free(left);
	free(chosen);
}

/* A stream of deliveries on one session (deliver_stream()). */
struct stream_run {
	const struct delivery *ds;
	const struct route_hop *h;
	struct smtp_session *s;
	bool reused;                /* the session came from the cache */
	size_t delivered;           /* messages the session delivered */
	size_t finished;            /* messages logged and handed back */
	bool *again;                /* ds[i] goes again on a new session */
	struct smtp_item *items;
	size_t *map;                /* items[k] is ds[map[k]]'s */
	uint64_t start;
};

/* A message the session turned away at MAIL after it had delivered
 * (a per-session limit: OpenSMTPD's 452 after 100 messages, Exim's 421),
 * or that a kept session could not take (closed meanwhile), or that was
 * not sent at all: it goes again on a new connection, as try_hop() does.
 * Anything else is the message's outcome: logged and handed back. */
static void
stream_done(void *arg, struct smtp_item *x)
{
	struct stream_run *sr = arg;
	size_t i = sr->map[x - sr->items];
	const struct delivery *d = &sr->ds[i];

	if (x->res.cls == RES_OK) {
		sr->delivered++;
	} else if (x->res.cls == RES_TEMP && x->res.at == STAGE_MAIL &&
	    (sr->reused || sr->delivered > 0)) {
		sr->again[i] = true;
		return;
	}
	settle(d, sr->s, sr->h, &x->res, sr->start);
	sr->finished++;
}

void
deliver_stream(const struct delivery *ds, size_t n)
{
	const struct delivery *d0 = &ds[0];
	struct route r;
	struct smtp_params p;
	struct smtp_item *items = xcalloc(n, sizeof *items);
	bool *waiting = xcalloc(n, sizeof *waiting), *again = xcalloc(n, sizeof *again);
	size_t *map = xcalloc(n, sizeof *map);
	struct stream_run sr = { .ds = ds, .again = again, .items = items, .map = map };

	route_relay(d0->acct, &r);
	sr.h = &r.hops[0];
	for (size_t i = 0; i < n; i++)
		waiting[i] = true;
	for (;;) {
		struct result res;
		size_t m = 0;

		memset(&res, 0, sizeof res);
		sr.start = now_ms();
		params(&p, d0->cfg, sr.h, d0->acct, d0->helo, d0->secret);
		for (size_t i = 0; i < n; i++) {
			if (!waiting[i])
				continue;
			items[m] = (struct smtp_item){ .env = ds[i].env, .msgfd = ds[i].msgfd };
			map[m++] = i;
		}
		if (session_for(d0, sr.h, &p, &sr.s, &sr.reused, &res) != ERR_OK) {
			for (size_t k = 0; k < m; k++)
				unreached(&ds[map[k]], sr.h, &res, sr.start);
			break;
		}
		sr.delivered = sr.finished = 0;
		memset(again, 0, n * sizeof *again);
		smtp_send_stream(sr.s, items, m, d0->cfg->session_timeout_ms, stream_done, &sr);
		d0->cache->reused += (unsigned)(sr.reused ? sr.finished :
		    sr.finished ? sr.finished - 1 : 0);
		bool more = false;
		for (size_t i = 0; i < n; i++)
			more = more || (waiting[i] = again[i]);
		if (!more) {
			if (smtp_reusable(sr.s))
				cache_keep(d0->cache, d0->acct, sr.h, sr.s);
			else
				smtp_close(sr.s);
			break;
		}
		trace_note("the connection %s; opening a new one for the %s",
		    smtp_reusable(sr.s) ? "refused MAIL" : "was closed", "messages left");
		smtp_close(sr.s);
	}
	free(items);
	free(map);
	free(waiting);
	free(again);
}

enum err
deliver_attempt(const struct delivery *d, struct result *res)
{
	memset(res, 0, sizeof *res);
	if (d->acct->mode == ACCT_MX) {
		deliver_mx(d, res);
	} else {
		struct route r;
		route_relay(d->acct, &r);
		run_hops(d, &r, res);
	}
	return res->cls == RES_OK ? ERR_OK : res->err != ERR_OK ? res->err : ERR_INTERNAL;
}

void
deliver_cache_close(struct deliver_cache *c)
{
	for (size_t i = 0; i < DELIVER_CACHE_MAX; i++) {
		smtp_close(c->e[i].s);
		c->e[i].s = NULL;
		c->e[i].acct = NULL;
	}
	free(c->dead);
	c->dead = NULL;
	c->ndead = 0;
}

enum err
deliver_probe(const struct config *cfg, const struct account *acct, const char *helo,
    FILE *out, struct result *res)
{
	struct route r;
	struct smtp_params p;
	struct smtp_session *s = NULL;
	enum err rc;

	memset(res, 0, sizeof *res);
	route_relay(acct, &r);
	params(&p, cfg, &r.hops[0], acct, helo, NULL);
	p.probe_out = out;
	rc = smtp_open(&s, &p, res);
	if (rc != ERR_OK) {
		smtp_close(s);
		return rc;
	}
	smtp_probe_print(s, out);
	smtp_close(s);
	result_set(res, RES_OK, STAGE_QUIT, ERR_OK, "probe complete");
	return ERR_OK;
}

/* --probe=DOMAIN, one exchanger: its addresses, what DANE found, and a
 * session to each address it has a hop for. Returns whether one worked. */
static bool
probe_host(const struct config *cfg, const struct account *acct, const struct route *r,
    size_t i, FILE *out)
{
	static const char *const tlsa[] = {
		[ROUTE_TLSA_NOT_ASKED] = "not looked up (the policy does not use DANE)",
		[ROUTE_TLSA_NONE] = "none that is DNSSEC-secure (or the addresses are insecure)",
		[ROUTE_TLSA_USABLE] = "secure, usable",
		[ROUTE_TLSA_UNUSABLE] = "secure, all unusable: TLS required, not authenticated",
		[ROUTE_TLSA_FAILED] = "lookup failed: the exchanger is not used",
	};
	const struct mx_host *h = &r->mx.host[i];
	bool worked = false;

	fprintf(out, "\nexchanger %s, preference %u\n", h->name, h->pref);
	for (size_t k = 0; k < h->naddrs; k++)
		fprintf(out, "  address %s (%s)\n", h->addrs[k], dns_sec_str(h->addr_sec));
	fprintf(out, "  TLSA: %s\n", tlsa[r->tlsa_state[i]]);
	if (r->tlsa_base[i] && r->tlsa_base[i] != h->name)
		fprintf(out, "  TLSA base domain: %s (where the exchanger's CNAMEs lead)\n",
		    r->tlsa_base[i]);
	for (size_t k = 0; k < r->tlsa[i].n; k++) {
		const struct dane_rr *d = &r->tlsa[i].rr[k];
		fprintf(out, "    %u %u %u ", d->usage, d->selector, d->mtype);
		for (size_t b = 3; b < d->rdlen && b < 3 + 32; b++)
			fprintf(out, "%02x", d->rdata[b]);
		fprintf(out, "%s\n", d->rdlen > 3 + 32 ? "..." : "");
	}
	if (r->note[i][0])
		fprintf(out, "  not used: %s\n", r->note[i]);
	for (size_t k = 0; k < r->nhops; k++) {
		const struct route_hop *hop = &r->hops[k];
		struct smtp_params p;
		struct smtp_session *s = NULL;
		struct result res;
		if (hop->shown != h->name)
			continue;
		params(&p, cfg, hop, acct, cfg->hostname, NULL);
		p.probe_out = out;
		fprintf(out, "  session to %s, policy %s:\n", hop->host, tls_policy_str(hop->policy));
		if (smtp_open(&s, &p, &res) != ERR_OK) {
			fprintf(out, "    verdict: not usable: %s\n", res.text);
			smtp_close(s);
			continue;
		}
		smtp_probe_print(s, out);
		fprintf(out, "    verdict: would deliver here (verified=%s)\n", smtp_verified(s));
		smtp_close(s);
		worked = true;
	}
	return worked;
}

/* --probe=DOMAIN: the MTA-STS policy found. */
static void
probe_sts(const struct sts_result *sts, FILE *out)
{
	if (sts->source[0] == 'n') {
		fprintf(out, "MTA-STS: no policy%s%s\n", sts->note[0] ? ": " : "", sts->note);
		return;
	}
	fprintf(out, "MTA-STS: id %s, mode %s, max_age %u, %s\n", sts->id,
	    sts_mode_str(sts->policy.mode), sts->policy.max_age, sts->source);
	for (size_t i = 0; i < sts->policy.nmx; i++)
		fprintf(out, "  mx: %s\n", sts->policy.mx[i]);
	if (sts->note[0])
		fprintf(out, "  note: %s\n", sts->note);
}

enum err
deliver_probe_domain(const struct config *cfg, const struct account *acct, const char *domain,
    FILE *out, struct result *res)
{
	struct dns_client dns;
	struct buf err;
	struct route *r;
	struct sts_ctx stsc;
	const struct sts_ctx *sts;
	char *const *pins;
	size_t npins;
	bool any = false;
	enum err rc;

	memset(res, 0, sizeof *res);
	buf_init(&err, 1024);
	if (mx_dns(cfg, &dns, &err) != ERR_OK) {
		result_set(res, RES_PERM, STAGE_CONFIG, ERR_CONFIG, "%s", buf_str(&err));
		buf_free(&err);
		return ERR_CONFIG;
	}
	buf_free(&err);
	fprintf(out, "domain: %s\npolicy: %s\n", domain,
	    tls_policy_str(route_policy(cfg, acct, domain, &pins, &npins)));
	r = xcalloc(1, sizeof *r);
	sts = sts_setup(cfg, acct, &dns, &stsc);
	rc = route_mx(cfg, acct, &dns, sts, domain, false, r, res);
	sts_done(sts);
	if (r->mx.n > 0)
		fprintf(out, "MX answer: %s%s\n", dns_sec_str(r->mx.mx_sec), r->mx.implicit ?
		    " (no MX records: the domain's own address, RFC 5321 5.1)" : "");
	if (sts)
		probe_sts(&r->sts, out);
	for (size_t i = 0; i < r->mx.n; i++)
		any |= probe_host(cfg, acct, r, i, out);
	if (rc == ERR_OK && !any) {
		result_set(res, RES_TEMP, STAGE_CONNECT, ERR_CONNECT, "no exchanger of %s could be"
		    " used as the policy demands", domain);
		rc = ERR_CONNECT;
	} else if (rc == ERR_OK) {
		result_set(res, RES_OK, STAGE_QUIT, ERR_OK, "probe complete");
	}
	fprintf(out, "\nverdict: %s\n", rc == ERR_OK ? "deliverable" : res->text);
	route_free(r);
	free(r);
	dns_client_free(&dns);
	return rc;
}
