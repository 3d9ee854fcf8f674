/* SPDX-License-Identifier: MIT */
/* stsfetch.h: the MTA-STS policy that applies to a recipient domain (RFC
 * 8461 3.3, 5.1): the _mta-sts TXT record, the policy fetched over HTTPS
 * when its id is new, and a cache of policies beside the queue. */
#ifndef SEALPOST_STSFETCH_H
#define SEALPOST_STSFETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "dns.h"
#include "mtasts.h"

struct sts_ctx {
	const struct dns_client *dns;
	unsigned port;          /* mta_sts_port (443) */
	const char *ca_file;    /* mta_sts_ca_file, or NULL: the system trust store */
	int cache_dirfd;        /* the cache directory, or -1: no cache */
	bool shared;            /* cache files group-readable (system mode) */
	uint64_t timeout_ms;    /* the TXT lookup and the whole fetch, each */
};

struct sts_result {
	bool have;              /* a policy in testing or enforce mode applies */
	struct sts_policy policy;
	char id[STS_ID_MAX + 1];
	const char *source;     /* "fetched", "refreshed", "cached", or "none" */
	char note[600];         /* what went wrong on the way, or "" */
};

/* sts_lookup: the policy for domain. With a valid TXT id equal to the
 * cached policy's, the cache is used (fetched again once it is
 * STS_REFRESH_S or half its max_age old: replaced when that works, kept
 * when it fails);
 * with a new id the policy is fetched
 * (https://mta-sts.DOMAIN/.well-known/mta-sts.txt, PKIX for that name,
 * no redirects, 64 KiB, text/plain) and cached; when the fetch fails, or
 * there is no TXT record now, an unexpired cached policy still applies
 * (3.3, 5.1); else there is no policy. Never fails: out->note says what
 * went wrong. */
void sts_lookup(const struct sts_ctx *c, const char *domain, struct sts_result *out);

#endif
