/* SPDX-License-Identifier: MIT */
/* route.h: where a message goes next. Delivery asks one question: for
 * these recipients, which hops, in which order, and how must each one be
 * secured? For a relay account the answer is the smarthost; in MX mode it
 * is the recipient domain's exchangers from DNS (mx.c), each secured as
 * the domain's TLS policy demands. */
#ifndef SEALPOST_ROUTE_H
#define SEALPOST_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "dane.h"
#include "dns.h"
#include "envelope.h"
#include "mx.h"
#include "result.h"
#include "stsfetch.h"
#include "tls.h"

#define ROUTE_HOPS_MAX 16

/* One place to connect to, and how to secure and authenticate there. The
 * strings point into the configuration or the route and live as long as
 * both do. */
struct route_hop {
	const char *host;       /* name or address to connect to */
	const char *shown;      /* MX mode: the exchanger's name (host is its address) */
	unsigned port;
	enum tls_mode tls;
	struct tls_params tlsp; /* reference identity and what verifies it */
	bool auth;              /* authenticate with the account's credentials */
	enum tls_policy policy; /* MX mode: the policy that secures this hop */
	bool plaintext_ok;      /* policy may: no STARTTLS offered, none used */
};

struct route {
	struct route_hop hops[ROUTE_HOPS_MAX];  /* in order of preference */
	size_t nhops;
	struct mx_set mx;       /* MX mode: what DNS said */
	/* DANE policies: each exchanger's usable TLSA records, the name they
	 * were found at (its CNAME-expanded name or its own, RFC 7672 2.2.2),
	 * and the names a DANE-TA chain may be issued for (that name, its
	 * own name, and the recipient domain when the MX answer was secure:
	 * 3.2.2). */
	struct dane_tlsa tlsa[MX_HOSTS_MAX];
	const char *tlsa_base[MX_HOSTS_MAX];    /* where they were found */
	const char *dane_names[MX_HOSTS_MAX][3];
	char skipped[1024];     /* exchangers the policy could not use, and why */
	/* What DANE found per exchanger, for --probe=DOMAIN. */
	enum route_tlsa { ROUTE_TLSA_NOT_ASKED, ROUTE_TLSA_NONE, ROUTE_TLSA_USABLE,
		ROUTE_TLSA_UNUSABLE, ROUTE_TLSA_FAILED } tlsa_state[MX_HOSTS_MAX];
	char note[MX_HOSTS_MAX][600];  /* why exchanger i is not used, or "" */
	struct sts_result sts;  /* MTA-STS under dane, when the account uses it */
};

/* route_free: what route_mx() allocated (TLSA records). */
void route_free(struct route *r);

/* route_relay: the one hop of a relay account: its smarthost, verified by
 * PKIX with host (or tls_server_name), or by its pins. */
void route_relay(const struct account *acct, struct route *out);

/* route_mx: the hops for recipients at domain through MX account acct:
 * every address of every exchanger in preference order (at most
 * ROUTE_HOPS_MAX), STARTTLS on mx_port, secured per the domain's policy
 * (route_policy()). Under dane and dane-only an exchanger whose addresses
 * are DNSSEC-secure has its TLSA records at _PORT._tcp.NAME looked up: usable
 * ones must authenticate the server (DANE); secure but all unusable, TLS
 * without authentication; none or insecure, encrypt (dane) or the
 * exchanger is skipped (dane-only); a failed TLSA lookup skips it. Under
 * dane, an exchanger DANE does not authenticate follows the domain's
 * MTA-STS policy when sts is set and one applies (enforce: only listed
 * exchangers, PKIX for their name, verified=mta-sts; testing: encrypt,
 * and what enforce would refuse is logged). An
 * address-literal domain ("[192.0.2.1]") is its one hop, with no DNS, no
 * DANE. Errors: as mx_resolve() (NXDOMAIN or null MX: RES_PERM; DNS
 * failures: RES_TEMP); ERR_DNS (RES_TEMP) when no exchanger is usable,
 * the reasons in *res. route_free() must follow either way.
 * tls_optional: the message says "TLS-Required: No" (RFC 8689): under
 * dane, neither DANE nor MTA-STS is consulted and TLS is still required
 * without authentication (encrypt); the other policies are the
 * administrator's and stay (doc/decisions.md D17). */
enum err route_mx(const struct config *cfg, const struct account *acct,
    const struct dns_client *dns, const struct sts_ctx *sts, const char *domain,
    bool tls_optional, struct route *out, struct result *res) WUR;

/* route_policy: the TLS policy for domain: its [domain] section, else the
 * account's tls_policy; *pins / *npins the pins that apply (the domain's,
 * else the account's). */
enum tls_policy route_policy(const struct config *cfg, const struct account *acct,
    const char *domain, char *const **pins, size_t *npins);

/* route_mx_unsupported: NULL when MX account acct can be used as
 * configured, else why not (dns_server is not an address, the
 * mta_sts_ca_file cannot be read), for a configuration error. */
const char *route_mx_unsupported(const struct config *cfg, const struct account *acct);

/* route_check: for --check-config, can this build use acct as configured?
 * The TLS set-up each of its connections would make is made and dropped
 * (tls_ca_file or the system trust store, the client certificate and key,
 * tls_priority with tls_min_version, the pins; for MX, mta_sts_ca_file),
 * and for MX also what route_mx_unsupported() checks; a dns_trust_anchor
 * that cannot be read under dns_validate = yes fails for every account.
 * No network. Errors: ERR_CONFIG, with why in err. */
enum err route_check(const struct config *cfg, const struct account *acct,
    struct buf *err) WUR;

#endif
