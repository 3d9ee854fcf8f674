// SPDX-License-Identifier: MIT
/* mx.c: from a recipient domain to an ordered list of hosts and their
 * addresses. What DNS said is kept with its DNSSEC status, because DANE
 * (RFC 7672 2.2) may only be used on secure answers; what it means for
 * TLS is decided elsewhere (route.c). */
#include "mx.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* Lower preference first (RFC 5321 5.1 MUST); ties by a random key, so
 * equal preferences are shuffled (MUST). An insertion sort: at most
 * MX_HOSTS_MAX hosts. */
static void
order(struct mx_set *set, const uint32_t *key)
{
	uint32_t k[MX_HOSTS_MAX];
	memcpy(k, key, set->n * sizeof *k);
	for (size_t i = 1; i < set->n; i++) {
		for (size_t j = i; j > 0; j--) {
			struct mx_host *a = &set->host[j - 1], *b = &set->host[j];
			if (a->pref < b->pref || (a->pref == b->pref && k[j - 1] <= k[j]))
				break;
			struct mx_host t = *a;
			uint32_t tk = k[j - 1];
			*a = *b;
			*b = t;
			k[j - 1] = k[j];
			k[j] = tk;
		}
	}
}

static void
add_host(struct mx_set *set, const char *name, uint16_t pref)
{
	struct mx_host *h = &set->host[set->n++];
	memset(h, 0, sizeof *h);
	snprintf(h->name, sizeof h->name, "%s", name);
	h->pref = pref;
	h->addr_sec = DNS_SEC_INDETERMINATE;
}

enum err
mx_from_answer(const struct dns_answer *a, const char *domain, struct mx_set *set,
    struct result *res)
{
	const struct dns_rr *mx[DNS_ANSWER_RRS_MAX];
	uint32_t key[MX_HOSTS_MAX];
	const char *final;
	bool looped;
	size_t n;

	set->n = 0;
	set->implicit = false;
	if (a->rcode == DNS_RCODE_NXDOMAIN) {
		result_set(res, RES_PERM, STAGE_DNS, ERR_DNS,
		    "the recipient domain %s does not exist (NXDOMAIN)", domain);
		return ERR_DNS;
	}
	n = dns_answer_select(a, domain, DNS_T_MX, mx, DNS_ANSWER_RRS_MAX, &final, &looped);
	if (looped) {
		result_set(res, RES_TEMP, STAGE_DNS, ERR_DNS,
		    "the MX lookup of %s ends in a CNAME loop or too long a chain", domain);
		return ERR_DNS;
	}
	if (n == 0) {
		/* No MX: the domain (as its CNAMEs lead) is its own exchange. */
		add_host(set, final, 0);
		set->implicit = true;
		return ERR_OK;
	}
	/* RFC 7505 3: a null MX is the only MX; "." among others is a
	 * misconfiguration and is only skipped. */
	if (n == 1 && mx[0]->target[0] == '\0') {
		result_set(res, RES_PERM, STAGE_DNS, ERR_DNS,
		    "5.1.10 the recipient domain %s accepts no mail (null MX, RFC 7505)", domain);
		res->code = 556;
		return ERR_DNS;
	}
	random_bytes(key, sizeof key);
	for (size_t i = 0; i < n && set->n < MX_HOSTS_MAX; i++)
		if (mx[i]->target[0])
			add_host(set, mx[i]->target, mx[i]->pref);
	order(set, key);
	return ERR_OK;
}

/* The addresses of one type for host h, appended in the order given. */
static enum err
lookup_addrs(const struct dns_client *c, struct mx_host *h, uint16_t type, bool *secure)
{
	const struct dns_rr *rr[DNS_ANSWER_RRS_MAX];
	struct dns_answer a;
	struct buf err;
	enum dns_sec sec;
	const char *final;
	bool looped;
	enum err rc;

	buf_init(&err, 1024);
	rc = dns_lookup(c, h->name, type, &a, &sec, &err);
	if (rc != ERR_OK) {
		snprintf(h->why, sizeof h->why, "%s", buf_str(&err));
		buf_free(&err);
		*secure = false;
		return rc;
	}
	buf_free(&err);
	if (sec != DNS_SEC_SECURE)
		*secure = false;
	size_t n = dns_answer_select(&a, h->name, type, rr, DNS_ANSWER_RRS_MAX, &final, &looped);
	if (n > 0 && !h->final[0] && strcasecmp(final, h->name) != 0)
		snprintf(h->final, sizeof h->final, "%s", final);
	for (size_t i = 0; i < n && h->naddrs < MX_ADDRS_MAX; i++)
		inet_ntop(type == DNS_T_A ? AF_INET : AF_INET6, rr[i]->rdata, h->addrs[h->naddrs++],
		    sizeof h->addrs[0]);
	if (a.rcode == DNS_RCODE_NXDOMAIN && !h->why[0])
		snprintf(h->why, sizeof h->why, "%s does not exist", h->name);
	dns_answer_free(&a);
	return ERR_OK;
}

enum err
mx_resolve(const struct dns_client *c, const char *domain, struct mx_set *set,
    struct result *res)
{
	struct dns_answer a;
	struct buf err;
	enum dns_sec sec;
	enum err rc;

	memset(set, 0, sizeof *set);
	if (dns_name_canon(domain, set->domain) != ERR_OK) {
		result_set(res, RES_PERM, STAGE_DNS, ERR_DATA, "\"%s\" is not a valid domain name",
		    domain);
		return ERR_DATA;
	}
	buf_init(&err, 4096);
	rc = dns_lookup(c, set->domain, DNS_T_MX, &a, &sec, &err);
	if (rc != ERR_OK) {
		result_set(res, RES_TEMP, STAGE_DNS, rc == ERR_TIMEOUT ? ERR_TIMEOUT : ERR_DNS, "%s",
		    buf_str(&err));
		buf_free(&err);
		return rc == ERR_TIMEOUT ? ERR_TIMEOUT : ERR_DNS;
	}
	buf_free(&err);
	set->mx_sec = sec;
	rc = mx_from_answer(&a, set->domain, set, res);
	dns_answer_free(&a);
	if (rc != ERR_OK)
		return rc;
	for (size_t i = 0; i < set->n; i++) {
		struct mx_host *h = &set->host[i];
		/* A failed lookup (not "no such record") may be an attack on
		 * DNSSEC: the host is not used at all (RFC 7672 2.2.2). */
		if (mx_host_addrs(c, h) != ERR_OK)
			h->naddrs = 0;
	}
	return ERR_OK;
}

enum err
mx_host_addrs(const struct dns_client *c, struct mx_host *h)
{
	bool secure = true;
	h->naddrs = 0;
	h->why[0] = h->final[0] = '\0';
	/* IPv4 first: minimal hosts and containers often have no IPv6 route. */
	enum err rc = lookup_addrs(c, h, DNS_T_A, &secure);
	if (rc == ERR_OK)
		rc = lookup_addrs(c, h, DNS_T_AAAA, &secure);
	h->addr_sec = rc != ERR_OK ? DNS_SEC_INDETERMINATE :
	    secure ? DNS_SEC_SECURE : DNS_SEC_INSECURE;
	if (h->naddrs == 0 && !h->why[0])
		snprintf(h->why, sizeof h->why, "%s has no address", h->name);
	return rc;
}
