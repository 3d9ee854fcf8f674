// SPDX-License-Identifier: MIT
/* auth.c: SMTP AUTH (RFC 4954) through libgsasl, which does every
 * mechanism's cryptography and base64, except SCRAM's PBKDF2, which GnuTLS
 * computes for it (salted_password). This file chooses the mechanism,
 * moves lines, and refuses what a hostile server might try: AUTH before
 * verified TLS, downgrade to a mechanism outside the allow-list, success
 * without SCRAM's server proof, a huge SCRAM iteration count, and a 503
 * "already authenticated" (session fixation). Secrets are wiped and never
 * traced. */
#include "auth.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gsasl.h>

#include "bounds.h"
#include "log.h"
#include "result.h"
#include "smtp_io.h"
#include "tls.h"
#include "util.h"

/* RFC 5802 5.1 ("i"): a hostile server can ask for 2^31 PBKDF2 rounds; we stop well
 * before that, so the session deadline stays meaningful. */
#define SCRAM_ITER_MAX 1000000UL

static Gsasl *gsasl_ctx;

/* The PBKDF2 that SCRAM's SaltedPassword needs, for mechanism mech. */
static bool
scram_hash(const char *mech, gnutls_mac_algorithm_t *mac, size_t *len)
{
	if (strncmp(mech, "SCRAM-SHA-256", 13) == 0) {
		*mac = GNUTLS_MAC_SHA256;
		*len = 32;
		return true;
	}
	if (strncmp(mech, "SCRAM-SHA-1", 11) == 0) {
		*mac = GNUTLS_MAC_SHA1;
		*len = 20;
		return true;
	}
	return false;
}

/* SaltedPassword := Hi(SASLprep(password), salt, i) (RFC 5802 3) is nearly
 * all of a SCRAM client's CPU time: libgsasl 2.2 runs it on its portable
 * SHA code, ~4 ms for Dovecot's 4096 rounds, where GnuTLS's PBKDF2 (nettle,
 * CPU SHA extensions) takes ~0.6 ms. libgsasl asks for this property after
 * the server-first message and before falling back to the password, so we
 * hand it the same value computed by GnuTLS: libgsasl's own SASLprep (with
 * its flags), the server's salt and count; libgsasl still builds every
 * message and checks the server's proof. Any failure here sets nothing and
 * libgsasl derives it itself, exactly as before. */
static int
salted_password(Gsasl_session *s)
{
	const char *mech = gsasl_mechanism_name(s);
	const char *pw = gsasl_property_fast(s, GSASL_PASSWORD);
	const char *salt64 = gsasl_property_fast(s, GSASL_SCRAM_SALT);
	const char *iters = gsasl_property_fast(s, GSASL_SCRAM_ITER);
	gnutls_mac_algorithm_t mac;
	gnutls_datum_t key, sd;
	unsigned char out[32];
	char *prep = NULL, *salt = NULL, *hex = NULL;
	size_t len = 0, saltlen = 0, hexlen = 0;
	unsigned long iter = 0;
	int rc = GSASL_NO_CALLBACK;

	if (!mech || !pw || !salt64 || !iters || !scram_hash(mech, &mac, &len) ||
	    parse_uint(iters, SCRAM_ITER_MAX, &iter) != ERR_OK || iter == 0)
		return rc;
	if (gsasl_saslprep(pw, GSASL_ALLOW_UNASSIGNED, &prep, NULL) != GSASL_OK ||
	    gsasl_base64_from(salt64, strlen(salt64), &salt, &saltlen) != GSASL_OK)
		goto out;
	key = (gnutls_datum_t){ (unsigned char *)prep, (unsigned)strlen(prep) };
	sd = (gnutls_datum_t){ (unsigned char *)salt, (unsigned)saltlen };
	if (gnutls_pbkdf2(mac, &key, &sd, (unsigned)iter, out, len) == 0 &&
	    gsasl_hex_to((const char *)out, len, &hex, &hexlen) == GSASL_OK) {
		gsasl_property_set(s, GSASL_SCRAM_SALTED_PASSWORD, hex);
		rc = GSASL_OK;
	}
out:
	wipe(out, sizeof out);
	if (prep) {
		wipe(prep, strlen(prep));
		gsasl_free(prep);
	}
	if (hex) {
		wipe(hex, hexlen);
		gsasl_free(hex);
	}
	gsasl_free(salt);
	return rc;
}

/* libgsasl asks here for properties it was not given; only SCRAM's salted
 * password is answered (the rest are set up front in sasl_start). */
static int
on_property(Gsasl *c, Gsasl_session *s, Gsasl_property prop)
{
	(void)c;
	return prop == GSASL_SCRAM_SALTED_PASSWORD ? salted_password(s) : GSASL_NO_CALLBACK;
}

static Gsasl *
ctx(void)
{
	if (!gsasl_ctx) {
		if (gsasl_init(&gsasl_ctx) != GSASL_OK)
			fatalx("libgsasl initialisation failed");
		gsasl_callback_set(gsasl_ctx, on_property);
	}
	return gsasl_ctx;
}

static bool
is_plus(const char *mech)
{
	size_t n = strlen(mech);
	return n > 5 && strcmp(mech + n - 5, "-PLUS") == 0;
}

static bool
is_scram(const char *mech)
{
	return strncmp(mech, "SCRAM-", 6) == 0;
}

/* XOAUTH2 and OAUTHBEARER (RFC 7628) are not in libgsasl 2.2; their one
 * client message is a fixed layout around the token, built here and
 * base64-encoded by libgsasl. */
static bool
is_bearer(const char *mech)
{
	return strcmp(mech, "XOAUTH2") == 0 || strcmp(mech, "OAUTHBEARER") == 0;
}

/* Mechanisms whose exchange starts with the server's challenge: the AUTH
 * command carries no initial response for them (RFC 4954 4). */
static bool
server_first(const char *mech)
{
	return strcmp(mech, "LOGIN") == 0 || strcmp(mech, "CRAM-MD5") == 0 ||
	    strcmp(mech, "DIGEST-MD5") == 0;
}

bool
auth_mech_supported(const char *mech)
{
	return is_bearer(mech) || gsasl_client_support_p(ctx(), mech);
}

/* The first mechanism of our preference list after the one named skip
 * (NULL: from the start) that the server offers after TLS and that we
 * can do (RFC 3207 4.2). */
static bool
choose(const struct auth_params *ap, const char *skip, char *out, size_t cap)
{
	const char *p = ap->mechs;
	bool past = !skip;
	while (*p) {
		size_t n = strcspn(p, " ");
		char mech[48];
		if (n > 0 && n < sizeof mech) {
			memcpy(mech, p, n);
			mech[n] = '\0';
			if (past && ehlo_has_auth(ap->caps, mech) && auth_mech_supported(mech)) {
				snprintf(out, cap, "%s", mech);
				return true;
			}
			if (!past && strcmp(mech, skip) == 0)
				past = true;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return false;
}

/* Check the "i=" attribute of a SCRAM server-first message. */
static bool
scram_iter_ok(const char *b64, unsigned long *iter)
{
	char *raw = NULL;
	size_t len = 0;
	bool ok = false;
	*iter = 0;
	if (gsasl_base64_from(b64, strlen(b64), &raw, &len) != GSASL_OK)
		return true;    /* libgsasl will reject the bad base64 itself */
	for (size_t i = 0; i + 2 < len; i++) {
		if ((i == 0 || raw[i - 1] == ',') && raw[i] == 'i' && raw[i + 1] == '=') {
			char num[16];
			size_t k = 0;
			for (size_t j = i + 2; j < len && raw[j] != ',' && k + 1 < sizeof num; j++)
				num[k++] = raw[j];
			num[k] = '\0';
			ok = parse_uint(num, SCRAM_ITER_MAX, iter) == ERR_OK && *iter > 0;
			break;
		}
	}
	gsasl_free(raw);
	return ok;
}

/* One AUTH exchange: what the phases below share. */
struct auth_ctx {
	struct smtp_io *io;
	struct result *res;
	const struct auth_params *p;
	char mech[48];
	Gsasl_session *sctx;
	char *out;              /* libgsasl output not yet sent: a secret */
	bool done;              /* libgsasl has finished (GSASL_OK) */
	bool first;             /* no challenge answered yet */
};

static enum err
auth_fail(struct auth_ctx *a, enum err e, const char *fmt, ...) PRINTF(3, 4);

static enum err
auth_fail(struct auth_ctx *a, enum err e, const char *fmt, ...)
{
	char text[sizeof a->res->text - 100];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	result_set(a->res, RES_TEMP, STAGE_AUTH, e, "%s: %s", a->io->peer, text);
	trace_note("%s", text);
	return e;
}

/* The server refused with the reply in io->reply: 4xx (454 among them) is
 * ERR_REPLY, anything else (535) ERR_AUTH; doc/decisions.md D5: either waits for the
 * administrator. */
static enum err
auth_refused(struct auth_ctx *a)
{
	enum err rc = smtp_io_fail_reply(a->io, a->res, STAGE_AUTH,
	    a->io->reply.code / 100 == 4 ? ERR_REPLY : ERR_AUTH);
	a->res->cls = RES_TEMP;
	return rc;
}

/* Send a SASL response line (may be empty). */
static enum err
respond(struct auth_ctx *a, const char *line)
{
	return smtp_io_cmd(a->io, a->res, STAGE_AUTH, line, TIMEOUT_GREETING_MS);
}

static enum err
await(struct auth_ctx *a, uint64_t rfc_ms)
{
	return smtp_io_reply(a->io, a->res, STAGE_AUTH, SMTP_AUTH_LINE_MAX, rfc_ms);
}

static void
drop_out(struct auth_ctx *a)
{
	if (a->out) {
		wipe(a->out, strlen(a->out));
		gsasl_free(a->out);
		a->out = NULL;
	}
}

static void
note_mech(struct auth_ctx *a)
{
	if (a->p->mech_out && a->p->mech_cap)
		snprintf(a->p->mech_out, a->p->mech_cap, "%s", a->mech);
}

/* The bearer mechanisms' one client message, base64 (into *b64, a secret
 * the caller wipes and frees with gsasl_free). */
static enum err
bearer_message(struct auth_ctx *a, char **b64, size_t *b64len)
{
	struct buf raw;
	enum err rc;
	const struct auth_params *p = a->p;

	buf_init(&raw, SECRET_MAX + 1024);
	if (strcmp(a->mech, "OAUTHBEARER") == 0)
		rc = buf_addf(&raw, "n,a=%s,\001host=%s\001port=%u\001auth=Bearer %s\001\001",
		    p->user, p->host, p->port, p->secret);
	else
		rc = buf_addf(&raw, "user=%s\001auth=Bearer %s\001\001", p->user, p->secret);
	if (rc != ERR_OK || gsasl_base64_to(raw.data, raw.len, b64, b64len) != GSASL_OK)
		rc = auth_fail(a, ERR_AUTH, "%s: token too long", a->mech);
	buf_wipe(&raw);
	return rc;
}

static enum err
bearer_run(struct auth_ctx *a)
{
	struct buf line;
	char *b64 = NULL;
	size_t b64len = 0;
	enum err rc;
	bool oauthbearer = strcmp(a->mech, "OAUTHBEARER") == 0;

	buf_init(&line, SMTP_AUTH_LINE_MAX + 64);
	if ((rc = bearer_message(a, &b64, &b64len)) != ERR_OK)
		goto out;
	note_mech(a);
	trace_redact_begin();
	/* Tokens are long: the initial response often cannot share the AUTH
	 * line (RFC 4954 4), so it follows an empty 334. */
	bool inline_ir = strlen(a->mech) + 6 + b64len + 2 <= SMTP_CMD_LINE_MAX;
	if (buf_addf(&line, "AUTH %s%s%s", a->mech, inline_ir ? " " : "",
	    inline_ir ? b64 : "") != ERR_OK) {
		rc = auth_fail(a, ERR_INTERNAL, "%s", "AUTH line too long");
		goto out;
	}
	if ((rc = respond(a, line.data)) != ERR_OK ||
	    (rc = await(a, TIMEOUT_GREETING_MS)) != ERR_OK)
		goto out;
	if (!inline_ir && a->io->reply.code == 334 && ((rc = respond(a, b64)) != ERR_OK ||
	    (rc = await(a, TIMEOUT_GREETING_MS)) != ERR_OK))
		goto out;
	/* A 334 now is an error report (JSON); acknowledge it to get the final
	 * reply. */
	if (a->io->reply.code == 334 &&
	    ((rc = respond(a, oauthbearer ? "AQ==" : "")) != ERR_OK ||
	    (rc = await(a, TIMEOUT_GREETING_MS)) != ERR_OK))
		goto out;
	if (a->io->reply.code != 235) {
		rc = auth_refused(a);
		goto out;
	}
	trace_note("authenticated with %s", a->mech);
out:
	trace_redact_end();
	if (b64) {
		wipe(b64, b64len);
		gsasl_free(b64);
	}
	buf_wipe(&line);
	return rc;
}

/* Start the libgsasl client: credentials, and channel binding for -PLUS. */
static enum err
sasl_start(struct auth_ctx *a)
{
	struct buf cb;
	enum err rc = ERR_OK;

	buf_init(&cb, 1024);
	if (gsasl_client_start(ctx(), a->mech, &a->sctx) != GSASL_OK) {
		rc = auth_fail(a, ERR_AUTH, "libgsasl cannot start %s", a->mech);
		goto out;
	}
	gsasl_property_set(a->sctx, GSASL_AUTHID, a->p->user);
	gsasl_property_set(a->sctx, GSASL_PASSWORD, a->p->secret);
	if (is_plus(a->mech)) {
		bool exporter = false;
		if (!a->p->tls || tls_channel_binding(a->p->tls, &cb, &exporter) != ERR_OK) {
			rc = auth_fail(a, ERR_TLS, "no TLS channel binding for %s", a->mech);
			goto out;
		}
		gsasl_property_set(a->sctx,
		    exporter ? GSASL_CB_TLS_EXPORTER : GSASL_CB_TLS_UNIQUE, cb.data);
	}
out:
	buf_wipe(&cb);
	return rc;
}

/* The AUTH command. The first client message goes with it when the line
 * stays within 512 octets (RFC 4954 4); otherwise it waits in a->out for the
 * first 334. A server-first mechanism (LOGIN, CRAM-MD5) has none: its first
 * step answers the server's first challenge. */
static enum err
sasl_auth_line(struct auth_ctx *a, struct buf *line)
{
	int r;
	if (buf_addf(line, "AUTH %s", a->mech) != ERR_OK)
		return auth_fail(a, ERR_INTERNAL, "%s", "AUTH line too long");
	if (server_first(a->mech))
		return ERR_OK;
	r = gsasl_step64(a->sctx, "", &a->out);
	if (r != GSASL_OK && r != GSASL_NEEDS_MORE)
		return auth_fail(a, ERR_AUTH, "libgsasl: %s", gsasl_strerror(r));
	a->done = r == GSASL_OK;
	if (line->len + 1 + strlen(a->out) + 2 <= SMTP_CMD_LINE_MAX) {
		(void)!buf_addf(line, " %s", *a->out ? a->out : "=");  /* fits: checked above */
		drop_out(a);
	}
	return ERR_OK;
}

/* Answer the 334 challenge in io->reply: the deferred initial response,
 * or libgsasl's next step; cancel with "*" what we cannot take (RFC 4954 4). */
static enum err
sasl_answer(struct auth_ctx *a)
{
	const char *challenge = buf_str(&a->io->reply.text);
	unsigned long iter = 0;
	enum err rc;
	int r;

	if (a->out) {
		/* The deferred initial response (it did not fit the AUTH line). */
		rc = respond(a, *a->out ? a->out : "");
		drop_out(a);
		a->first = false;
		return rc;
	}
	if (strchr(challenge, '\n') || a->done) {
		(void)respond(a, "*");
		return auth_fail(a, ERR_PROTO, "unexpected %s challenge; cancelled", a->mech);
	}
	if (is_scram(a->mech) && a->first && !scram_iter_ok(challenge, &iter)) {
		(void)respond(a, "*");
		return auth_fail(a, ERR_AUTH, "SCRAM iteration count missing or above %lu;"
		    " cancelled", SCRAM_ITER_MAX);
	}
	a->first = false;
	r = gsasl_step64(a->sctx, challenge, &a->out);
	if (r != GSASL_OK && r != GSASL_NEEDS_MORE) {
		(void)respond(a, "*");
		(void)!smtp_io_reply(a->io, a->res, STAGE_AUTH, SMTP_AUTH_LINE_MAX,
		    TIMEOUT_QUIT_MS);
		return auth_fail(a, ERR_AUTH, "%s exchange failed%s (libgsasl: %s); cancelled",
		    a->mech, r == GSASL_AUTHENTICATION_ERROR ? ": the server's proof did not"
		    " verify" : "", gsasl_strerror(r));
	}
	a->done = r == GSASL_OK;
	rc = respond(a, a->out);
	drop_out(a);
	return rc;
}

/* Read replies and answer challenges until 235 or a failure. */
static enum err
sasl_exchange(struct auth_ctx *a)
{
	enum err rc;
	for (;;) {
		if ((rc = await(a, TIMEOUT_GREETING_MS)) != ERR_OK)
			return rc;
		int code = a->io->reply.code;
		if (code == 235 && !a->done)
			return auth_fail(a, ERR_AUTH, "the server accepted %s without"
			    " completing it (no server proof); not trusting it", a->mech);
		if (code == 235)
			return ERR_OK;
		if (code == 503 && a->first)
			return auth_fail(a, ERR_PROTO, "%s", "the server says we are already"
			    " authenticated right after TLS (session fixation?); aborting");
		if (code != 334)
			return auth_refused(a);
		if ((rc = sasl_answer(a)) != ERR_OK)
			return rc;
	}
}

static enum err
sasl_run(struct auth_ctx *a)
{
	struct buf line;
	enum err rc;

	buf_init(&line, SMTP_AUTH_LINE_MAX + 64);
	if ((rc = sasl_start(a)) != ERR_OK || (rc = sasl_auth_line(a, &line)) != ERR_OK)
		goto out;
	note_mech(a);
	trace_redact_begin();
	if ((rc = respond(a, line.data)) != ERR_OK || (rc = sasl_exchange(a)) != ERR_OK)
		goto out;
	trace_note("authenticated with %s", a->mech);
out:
	trace_redact_end();
	drop_out(a);
	if (a->sctx)
		gsasl_finish(a->sctx);
	a->sctx = NULL;
	buf_wipe(&line);
	return rc;
}

enum err
auth_run(struct smtp_io *io, const struct auth_params *p, struct result *res)
{
	struct auth_ctx a = { .io = io, .res = res, .p = p, .first = true };
	enum err rc;

	/* RFC 4954 9, 14: only inside TLS whose peer was verified (tls_handshake
	 * fails closed, so tls_on implies verified). */
	if (!io->tls_on)
		return auth_fail(&a, ERR_TLS, "%s", "refusing to authenticate without TLS");
	/* Nothing was refused in these two: not ERR_AUTH (77 without a queue)
	 * but a temporary failure an administrator looks at (75). */
	if (p->helo_only || !(p->caps->flags & EHLO_AUTH))
		return auth_fail(&a, ERR_PROTO, "%s", "the server does not offer AUTH after TLS;"
		    " credentials are configured, so refusing to send unauthenticated");
	if (!choose(p, NULL, a.mech, sizeof a.mech))
		return auth_fail(&a, ERR_PROTO, "the server offers AUTH %.150s; none of"
		    " auth_mechanisms (%.150s) is among them", p->caps->auth, p->mechs);
	for (;;) {
		memset(res, 0, sizeof *res);
		a.done = false;
		a.first = true;
		rc = is_bearer(a.mech) ? bearer_run(&a) : sasl_run(&a);
		/* RFC 4954 6: 534 "mechanism too weak": the next one we allow
		 * that the server offers, in our order; any other failure ends
		 * it. */
		if (rc == ERR_OK || res->code != 534 || res->at != STAGE_AUTH)
			break;
		char tried[sizeof a.mech];
		snprintf(tried, sizeof tried, "%s", a.mech);
		if (!choose(p, tried, a.mech, sizeof a.mech))
			break;
		trace_note("%s is too weak for the server; trying %s", tried, a.mech);
	}
	if (rc != ERR_OK && res->cls == RES_OK)
		result_set(res, RES_TEMP, STAGE_AUTH, rc, "%s: authentication failed", io->peer);
	return rc;
}
