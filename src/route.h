/* SPDX-License-Identifier: MIT */
/* route.h: where a message goes next. Delivery asks one question: for
 * these recipients, which hops, in which order, and how must each one be
 * secured? Today the answer is always the account's relay; MX delivery
 * answers it from DNS and the per-domain TLS policy. */
#ifndef SEALPOST_ROUTE_H
#define SEALPOST_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "envelope.h"
#include "result.h"
#include "tls.h"

#define ROUTE_HOPS_MAX 16

/* One place to connect to, and how to secure and authenticate there. The
 * strings point into the configuration (or the route) and live as long as
 * it does. */
struct route_hop {
	const char *host;       /* name or address to connect to */
	unsigned port;
	enum tls_mode tls;
	struct tls_params tlsp; /* reference identity and what verifies it */
	bool auth;              /* authenticate with the account's credentials */
};

struct route {
	struct route_hop hops[ROUTE_HOPS_MAX];  /* in order of preference */
	size_t nhops;
};

/* route_next_hops: the hops for the recipients of env marked for this
 * attempt, into *out (MX delivery will first split the recipients into
 * groups by destination; through a relay they are one group). Errors:
 * ERR_CONFIG when the account's mode cannot be routed (*res says why,
 * RES_TEMP: the message waits for the administrator). */
enum err route_next_hops(const struct account *acct, const struct envelope *env,
    struct route *out, struct result *res) WUR;

#endif
