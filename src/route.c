// SPDX-License-Identifier: MIT
/* route.c: next hops for a group of recipients. For a relay account the
 * one hop is the configured smarthost, verified by PKIX with its name (or
 * tls_server_name) or by the configured pins. It resolves no names and
 * opens no connection: net.c connects, tls.c verifies. */
#include "route.h"

#include <string.h>

static void
relay_hop(const struct account *a, struct route_hop *h)
{
	memset(h, 0, sizeof *h);
	h->host = a->host;
	h->port = a->port;
	h->tls = a->tls;
	h->tlsp.name = a->tls_server_name ? a->tls_server_name : a->host;
	h->tlsp.ca_file = a->tls_ca_file;
	h->tlsp.pins = a->tls_fingerprint;
	h->tlsp.npins = a->npins;
	h->tlsp.cert_file = a->tls_cert_file;
	h->tlsp.key_file = a->tls_key_file;
	h->tlsp.min_version = a->tls_min_version;
	h->tlsp.priority = a->tls_priority;
	h->auth = true;
}

enum err
route_next_hops(const struct account *acct, const struct envelope *env, struct route *out,
    struct result *res)
{
	(void)env;
	memset(out, 0, sizeof *out);
	if (acct->mode != ACCT_RELAY) {
		result_set(res, RES_TEMP, STAGE_CONFIG, ERR_CONFIG,
		    "account is in mx mode, which this build cannot deliver");
		return ERR_CONFIG;
	}
	relay_hop(acct, &out->hops[0]);
	out->nhops = 1;
	return ERR_OK;
}
