/* SPDX-License-Identifier: MIT */
/* auth.h: SMTP AUTH (RFC 4954) over an smtp_io channel, mechanisms through
 * libgsasl. */
#ifndef SEALPOST_AUTH_H
#define SEALPOST_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct ehlo_caps;
struct result;
struct smtp_io;
struct tls_session;

/* What auth_run() needs from the session; everything is borrowed for the
 * call only. */
struct auth_params {
	const char *user;
	const char *secret;                 /* password or bearer token */
	const char *mechs;                  /* ' '-separated preference list */
	const char *host;                   /* for OAUTHBEARER's host= ... */
	unsigned port;                      /* ... and port= */
	const struct ehlo_caps *caps;       /* what the server offered after TLS */
	bool helo_only;                     /* the server took HELO, not EHLO */
	const struct tls_session *tls;      /* channel binding for *-PLUS, or NULL */
	char *mech_out;                     /* receives the mechanism tried, */
	size_t mech_cap;                    /* NUL-terminated, before AUTH goes out */
};

/* auth_run: authenticate as p->user with the first mechanism of p->mechs
 * that the server offers and we can do (RFC 3207 4.2). Refuses, sending
 * nothing, unless io->tls_on (RFC 4954 9, 14) and the server offered AUTH. No
 * credential reaches the transcript. On failure *res says why; a refusal
 * by the server is RES_TEMP whatever its code (doc/decisions.md D5: it waits for the
 * administrator), with the code and enhanced status kept. Errors: ERR_TLS
 * (no TLS, no channel binding), ERR_AUTH (refused, nothing suitable
 * offered, server proof missing or wrong), ERR_REPLY (a 4xx refusal),
 * ERR_PROTO, ERR_INTERNAL, and the errors of smtp_io_cmd() and
 * smtp_io_reply(). */
enum err auth_run(struct smtp_io *io, const struct auth_params *p, struct result *res) WUR;

/* auth_mech_supported: can we do SASL mechanism mech (libgsasl has it, or
 * it is XOAUTH2 / OAUTHBEARER, which we do ourselves)? */
bool auth_mech_supported(const char *mech);

#endif
