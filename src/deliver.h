/* SPDX-License-Identifier: MIT */
/* deliver.h: one delivery attempt of one message: the next hops from
 * route.c, an SMTP session to the first that answers, per-recipient
 * outcomes written onto the envelope, and the log line that records it. */
#ifndef SEALPOST_DELIVER_H
#define SEALPOST_DELIVER_H

#include <stdint.h>
#include <stdio.h>

#include "bounds.h"
#include "config.h"
#include "dnsmsg.h"
#include "envelope.h"
#include "result.h"
#include "smtp.h"

/* A hop a queue run could not reach (result_unreachable()). */
struct deliver_dead {
	char key[DNS_NAME_MAX + 16];    /* host (name or address) and port */
	struct result res;              /* how it failed */
};

/* Open sessions a queue run keeps between messages: one per destination
 * (host, port, names, policy, account), the least recently used closed
 * when a new one needs the room. Zeroed: empty. */
struct deliver_cache {
	struct deliver_cached {
		struct smtp_session *s;
		const struct account *acct;
		/* host, port, the names it was verified for, and the policy */
		char key[64 + 5 * (DNS_NAME_MAX + 2)];
		uint64_t used;  /* when it last served, in cache ticks */
	} e[DELIVER_CACHE_MAX];
	uint64_t tick;
	unsigned reused;
	/* Hops found unreachable in this run (up to DELIVER_DEAD_MAX): not
	 * tried again; each later delivery there is deferred at once with
	 * the same failure, and in MX mode goes on to the next hop. */
	struct deliver_dead *dead;
	size_t ndead;
};

/* deliver_cache_close: QUIT and close every cached session; forget the
 * unreachable hops. */
void deliver_cache_close(struct deliver_cache *c);

struct delivery {
	const struct config *cfg;
	const struct account *acct;
	const char *helo;
	const char *secret;         /* NULL: no AUTH */
	struct envelope *env;       /* the recipients marked attempt are tried */
	int msgfd;                  /* the message, read from offset 0 */
	bool per_recipient;         /* queue runs: partial delivery allowed */
	/* Called with the outcome as soon as it is known, before QUIT, so a
	 * queue run can record it while the connection is still open: a kill
	 * during QUIT then cannot cause a second delivery. May be NULL. */
	void (*on_result)(void *arg, const struct result *res);
	void *arg;
	struct deliver_cache *cache;    /* NULL: open and close a session */
};

/* deliver_attempt: send the message to the recipients of d->env marked
 * for this attempt. Each one's cls, code and reply are written onto the
 * envelope on every path (a failure before RCPT is every recipient's);
 * *res is the classified outcome; one log line is written whatever
 * happens. Returns res->cls == RES_OK ? ERR_OK : the error. */
enum err deliver_attempt(const struct delivery *d, struct result *res);

/* deliver_stream: a queue run's deliveries ds[0..n-1] for one relay
 * account (the same cfg, acct, helo, secret and cache; each its own env,
 * msgfd, on_result and arg), as one stream on one session
 * (smtp_send_stream()): per recipient, each with its log line and
 * callback as deliver_attempt() gives them. Messages a session turned
 * away at MAIL after delivering others (a per-session limit) go again on
 * a new connection. */
void deliver_stream(const struct delivery *ds, size_t n);

/* deliver_probe: connect, TLS, EHLO, print what --probe shows, QUIT. */
enum err deliver_probe(const struct config *cfg, const struct account *acct,
    const char *helo, FILE *out, struct result *res);

/* deliver_probe_domain: --probe=DOMAIN through MX account acct: the
 * domain's policy, what DNS said (MX, addresses and DNSSEC status, TLSA
 * records), and a session to every address that would be used, each with
 * its TLS, chain, verification and verdict, to out. Sends no mail. *res:
 * RES_OK when some exchanger would take the message; else why not (a null
 * MX or NXDOMAIN RES_PERM, anything else RES_TEMP). */
enum err deliver_probe_domain(const struct config *cfg, const struct account *acct,
    const char *domain, FILE *out, struct result *res);

#endif
