/* SPDX-License-Identifier: MIT */
/* mx.h: the mail exchangers of a recipient domain (RFC 5321 5.1, RFC 7505)
 * and their addresses, each with its DNSSEC status (needed for DANE). */
#ifndef SEALPOST_MX_H
#define SEALPOST_MX_H

#include <stdbool.h>
#include <stdint.h>

#include "bounds.h"
#include "dns.h"
#include "dnsmsg.h"
#include "result.h"

struct mx_host {
	char name[DNS_NAME_MAX + 1];    /* the exchange, as the MX record names it */
	char final[DNS_NAME_MAX + 1];   /* where its address answers' CNAMEs led,
	                                 * when not to name itself; else "" */
	uint16_t pref;
	char addrs[MX_ADDRS_MAX][48];   /* numeric, IPv4 first, in resolver order */
	size_t naddrs;
	enum dns_sec addr_sec;          /* secure only if every address lookup was */
	char why[512];                  /* when naddrs == 0: why */
};

struct mx_set {
	char domain[DNS_NAME_MAX + 1];  /* the recipient domain, canonical */
	enum dns_sec mx_sec;            /* of the MX RRset (or its absence) */
	bool implicit;                  /* no MX records: the domain itself (5.1) */
	struct mx_host host[MX_HOSTS_MAX];      /* by preference, ties shuffled */
	size_t n;
};

/* mx_from_answer: the hosts of a's MX records for domain (CNAMEs in the
 * answer followed), by preference with equal preferences in random
 * order; no MX records: the domain itself (the name the CNAMEs led to)
 * as an implicit MX. Addresses are not looked up. Pure apart from the
 * random order. *res on failure: a null MX (RFC 7505: one MX, preference
 * any, exchange ".") or NXDOMAIN is RES_PERM at STAGE_DNS (code 556 /
 * 5.1.10 for null MX); a CNAME loop is RES_TEMP. Errors: ERR_DNS. */
enum err mx_from_answer(const struct dns_answer *a, const char *domain, struct mx_set *set,
    struct result *res) WUR;

/* mx_resolve: look up domain's MX records (mx_from_answer()), then each
 * host's A and AAAA records. A host whose lookups fail is kept with no
 * address and the reason in why (RFC 7672 2.2.2: other hosts may still
 * be used). Errors: as mx_from_answer(), plus a failed MX lookup
 * (RES_TEMP, ERR_DNS or ERR_TIMEOUT), and ERR_DATA (RES_PERM) when domain
 * is not a valid domain name. */
enum err mx_resolve(const struct dns_client *c, const char *domain, struct mx_set *set,
    struct result *res) WUR;

/* mx_host_addrs: the A, then AAAA addresses of h->name into h->addrs
 * (AAAA not asked when the A lookup failed); h->addr_sec secure only if
 * every answer was, indeterminate if a lookup failed (what was found is
 * kept; whether to use it is the caller's); h->final where CNAMEs led;
 * h->why says why there is none. Errors: dns_lookup()'s. */
enum err mx_host_addrs(const struct dns_client *c, struct mx_host *h) WUR;

#endif
