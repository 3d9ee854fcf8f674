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
#include "dns.h"
#include "envelope.h"
#include "mx.h"
#include "result.h"
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
};

struct route {
	struct route_hop hops[ROUTE_HOPS_MAX];  /* in order of preference */
	size_t nhops;
	struct mx_set mx;       /* MX mode: what DNS said */
};

/* route_relay: the one hop of a relay account: its smarthost, verified by
 * PKIX with host (or tls_server_name), or by its pins. */
void route_relay(const struct account *acct, struct route *out);

/* route_mx: the hops for recipients at domain through MX account acct:
 * every address of every exchanger in preference order (at most
 * ROUTE_HOPS_MAX), STARTTLS on mx_port, secured per the domain's policy
 * (route_policy()). An address-literal domain ("[192.0.2.1]") is its one
 * hop, with no DNS. Errors: as mx_resolve() (NXDOMAIN or null MX:
 * RES_PERM; DNS failures: RES_TEMP); ERR_CONNECT (RES_TEMP) when no
 * exchanger has a usable address, the reasons in *res. */
enum err route_mx(const struct config *cfg, const struct account *acct,
    const struct dns_client *dns, const char *domain, struct route *out,
    struct result *res) WUR;

/* route_policy: the TLS policy for domain: its [domain] section, else the
 * account's tls_policy; *pins / *npins the pins that apply (the domain's,
 * else the account's). */
enum tls_policy route_policy(const struct config *cfg, const struct account *acct,
    const char *domain, char *const **pins, size_t *npins);

/* route_mx_unsupported: NULL when this build can deliver through MX
 * account acct as configured, else why not (a policy or MTA-STS that is
 * not built yet), for a configuration error. */
const char *route_mx_unsupported(const struct config *cfg, const struct account *acct);

#endif
