// SPDX-License-Identifier: MIT
/* auth.c: SMTP AUTH (RFC 4954) through libgsasl, which does every
 * mechanism's cryptography and base64. This file chooses the mechanism,
 * moves lines, and refuses what a hostile server might try: AUTH before
 * verified TLS, downgrade to a mechanism outside the allow-list, success
 * without SCRAM's server proof, a huge SCRAM iteration count, and a 503
 * "already authenticated" (session fixation). Secrets are wiped and never
 * traced. */
#include "smtp_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsasl.h>

#include "bounds.h"
#include "log.h"
#include "util.h"

/* RFC 5802 5.1 ("i"): a hostile server can ask for 2^31 PBKDF2 rounds; we stop well
 * before that, so the session deadline stays meaningful. */
#define SCRAM_ITER_MAX 1000000UL

static Gsasl *gsasl_ctx;

static Gsasl *
ctx(void)
{
	if (!gsasl_ctx && gsasl_init(&gsasl_ctx) != GSASL_OK)
		fatalx("libgsasl initialisation failed");
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

/* The first mechanism of our preference list that the server offers after
 * TLS and that we can do (RFC 3207 4.2). */
static bool
choose(struct smtp_session *s, char *out, size_t cap)
{
	const char *p = s->p->mechs;
	while (*p) {
		size_t n = strcspn(p, " ");
		char mech[48];
		if (n > 0 && n < sizeof mech) {
			memcpy(mech, p, n);
			mech[n] = '\0';
			if (ehlo_has_auth(&s->caps, mech) &&
			    (is_bearer(mech) || gsasl_client_support_p(ctx(), mech))) {
				snprintf(out, cap, "%s", mech);
				return true;
			}
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

static enum err
auth_fail(struct smtp_session *s, enum err e, const char *fmt, ...) PRINTF(3, 4);

static enum err
auth_fail(struct smtp_session *s, enum err e, const char *fmt, ...)
{
	char text[sizeof s->res->text - 100];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	result_set(s->res, RES_TEMP, STAGE_AUTH, e, "%s: %s", s->peer, text);
	trace_note("%s", text);
	return e;
}

/* Send a SASL response line (may be empty). */
static enum err
respond(struct smtp_session *s, const char *line)
{
	return smtp_write_cmd(s, STAGE_AUTH, line, TIMEOUT_GREETING_MS);
}

static enum err
bearer_run(struct smtp_session *s, const char *mech)
{
	struct buf raw, line;
	char *b64 = NULL;
	size_t b64len = 0;
	enum err rc = ERR_OK;
	bool oauthbearer = strcmp(mech, "OAUTHBEARER") == 0;

	buf_init(&raw, SECRET_MAX + 1024);
	buf_init(&line, SMTP_AUTH_LINE_MAX + 64);
	if (oauthbearer)
		rc = buf_addf(&raw, "n,a=%s,\001host=%s\001port=%u\001auth=Bearer %s\001\001",
		    s->p->user, s->p->host, s->p->port, s->p->secret);
	else
		rc = buf_addf(&raw, "user=%s\001auth=Bearer %s\001\001", s->p->user, s->p->secret);
	if (rc != ERR_OK || gsasl_base64_to(raw.data, raw.len, &b64, &b64len) != GSASL_OK) {
		rc = auth_fail(s, ERR_AUTH, "%s: token too long", mech);
		goto out;
	}
	snprintf(s->auth_mech, sizeof s->auth_mech, "%s", mech);
	trace_redact_begin();
	/* Tokens are long: the initial response often cannot share the AUTH
	 * line (RFC 4954 4), so it follows an empty 334. */
	bool inline_ir = strlen(mech) + 6 + b64len + 2 <= SMTP_CMD_LINE_MAX;
	if (buf_addf(&line, "AUTH %s%s%s", mech, inline_ir ? " " : "", inline_ir ? b64 : "") !=
	    ERR_OK) {
		rc = auth_fail(s, ERR_INTERNAL, "%s", "AUTH line too long");
		goto out;
	}
	if ((rc = respond(s, line.data)) != ERR_OK)
		goto out;
	if ((rc = smtp_read_reply(s, STAGE_AUTH, SMTP_AUTH_LINE_MAX, TIMEOUT_GREETING_MS)) != ERR_OK)
		goto out;
	if (!inline_ir && s->reply.code == 334) {
		if ((rc = respond(s, b64)) != ERR_OK ||
		    (rc = smtp_read_reply(s, STAGE_AUTH, SMTP_AUTH_LINE_MAX,
		    TIMEOUT_GREETING_MS)) != ERR_OK)
			goto out;
	}
	if (s->reply.code == 334) {
		/* An error report (JSON); acknowledge it to get the final reply. */
		if ((rc = respond(s, oauthbearer ? "AQ==" : "")) != ERR_OK ||
		    (rc = smtp_read_reply(s, STAGE_AUTH, SMTP_AUTH_LINE_MAX,
		    TIMEOUT_GREETING_MS)) != ERR_OK)
			goto out;
	}
	if (s->reply.code != 235) {
		rc = smtp_fail_reply(s, STAGE_AUTH, s->reply.code / 100 == 4 ? ERR_REPLY : ERR_AUTH);
		s->res->cls = RES_TEMP;
		goto out;
	}
	trace_note("authenticated with %s", mech);
out:
	trace_redact_end();
	if (b64) {
		wipe(b64, b64len);
		gsasl_free(b64);
	}
	buf_wipe(&raw);
	buf_wipe(&line);
	return rc;
}

enum err
auth_run(struct smtp_session *s)
{
	Gsasl_session *sctx = NULL;
	char mech[48];
	char *out = NULL;
	struct buf line, cb;
	enum err rc = ERR_OK;
	bool done = false, first_challenge = true;
	int r;

	buf_init(&line, SMTP_AUTH_LINE_MAX + 64);
	buf_init(&cb, 1024);
	/* RFC 4954 9, 14: only inside TLS whose peer was verified (tls_handshake
	 * fails closed, so tls_on implies verified). */
	if (!s->tls_on)
		return auth_fail(s, ERR_TLS, "%s", "refusing to authenticate without TLS");
	if (s->helo_only || !(s->caps.flags & EHLO_AUTH))
		return auth_fail(s, ERR_AUTH, "%s", "the server does not offer AUTH after TLS;"
		    " credentials are configured, so refusing to send unauthenticated");
	if (!choose(s, mech, sizeof mech)) {
		return auth_fail(s, ERR_AUTH, "the server offers AUTH %.150s; none of"
		    " auth_mechanisms (%.150s) is among them", s->caps.auth, s->p->mechs);
	}
	if (is_bearer(mech))
		return bearer_run(s, mech);
	if ((r = gsasl_client_start(ctx(), mech, &sctx)) != GSASL_OK) {
		rc = auth_fail(s, ERR_AUTH, "libgsasl cannot start %s", mech);
		goto out;
	}
	gsasl_property_set(sctx, GSASL_AUTHID, s->p->user);
	gsasl_property_set(sctx, GSASL_PASSWORD, s->p->secret);
	if (is_plus(mech)) {
		bool exporter = false;
		if (tls_channel_binding(&s->tls, &cb, &exporter) != ERR_OK) {
			rc = auth_fail(s, ERR_TLS, "no TLS channel binding for %s", mech);
			goto out;
		}
		gsasl_property_set(sctx, exporter ? GSASL_CB_TLS_EXPORTER : GSASL_CB_TLS_UNIQUE,
		    cb.data);
	}
	/* The first client message goes with AUTH when the line stays within
	 * 512 octets (RFC 4954 4); LOGIN waits for its "Username:" prompt. */
	if (buf_addf(&line, "AUTH %s", mech) != ERR_OK) {
		rc = auth_fail(s, ERR_INTERNAL, "%s", "AUTH line too long");
		goto out;
	}
	if (strcmp(mech, "LOGIN") != 0) {
		r = gsasl_step64(sctx, "", &out);
		if (r != GSASL_OK && r != GSASL_NEEDS_MORE) {
			rc = auth_fail(s, ERR_AUTH, "libgsasl: %s", gsasl_strerror(r));
			goto out;
		}
		done = r == GSASL_OK;
		if (line.len + 1 + strlen(out) + 2 <= SMTP_CMD_LINE_MAX) {
			(void)!buf_addf(&line, " %s", *out ? out : "=");  /* fits: checked above */
			wipe(out, strlen(out));
			gsasl_free(out);
			out = NULL;
		}
	}
	snprintf(s->auth_mech, sizeof s->auth_mech, "%s", mech);
	trace_redact_begin();
	if ((rc = respond(s, line.data)) != ERR_OK)
		goto out;
	for (;;) {
		if ((rc = smtp_read_reply(s, STAGE_AUTH, SMTP_AUTH_LINE_MAX,
		    TIMEOUT_GREETING_MS)) != ERR_OK)
			goto out;
		if (s->reply.code == 235) {
			if (!done) {
				rc = auth_fail(s, ERR_AUTH, "the server accepted %s without"
				    " completing it (no server proof); not trusting it", mech);
				goto out;
			}
			break;
		}
		if (s->reply.code == 503 && first_challenge) {
			rc = auth_fail(s, ERR_PROTO, "%s", "the server says we are already"
			    " authenticated right after TLS (session fixation?); aborting");
			goto out;
		}
		if (s->reply.code != 334) {
			rc = smtp_fail_reply(s, STAGE_AUTH, s->reply.code == 454 ||
			    s->reply.code / 100 == 4 ? ERR_REPLY : ERR_AUTH);
			/* doc/decisions.md D5: authentication failures wait for the administrator. */
			s->res->cls = RES_TEMP;
			goto out;
		}
		const char *challenge = buf_str(&s->reply.text);
		if (out) {
			/* The deferred initial response (it did not fit the AUTH line). */
			rc = respond(s, *out ? out : "");
			wipe(out, strlen(out));
			gsasl_free(out);
			out = NULL;
			first_challenge = false;
			if (rc != ERR_OK)
				goto out;
			continue;
		}
		if (strchr(challenge, '\n') || done) {
			(void)respond(s, "*");
			rc = auth_fail(s, ERR_PROTO, "unexpected %s challenge; cancelled", mech);
			goto out;
		}
		unsigned long iter = 0;
		if (is_scram(mech) && first_challenge && !scram_iter_ok(challenge, &iter)) {
			(void)respond(s, "*");
			rc = auth_fail(s, ERR_AUTH, "SCRAM iteration count missing or above %lu;"
			    " cancelled", SCRAM_ITER_MAX);
			goto out;
		}
		first_challenge = false;
		r = gsasl_step64(sctx, challenge, &out);
		if (r != GSASL_OK && r != GSASL_NEEDS_MORE) {
			/* RFC 4954 4: cancel with "*" on a challenge we cannot take. */
			(void)respond(s, "*");
			(void)!smtp_read_reply(s, STAGE_AUTH, SMTP_AUTH_LINE_MAX, TIMEOUT_QUIT_MS);
			rc = auth_fail(s, ERR_AUTH, "%s exchange failed%s (libgsasl: %s); cancelled",
			    mech, r == GSASL_AUTHENTICATION_ERROR ? ": the server's proof did not"
			    " verify" : "", gsasl_strerror(r));
			goto out;
		}
		done = r == GSASL_OK;
		rc = respond(s, out);
		wipe(out, strlen(out));
		gsasl_free(out);
		out = NULL;
		if (rc != ERR_OK)
			goto out;
	}
	trace_note("authenticated with %s", mech);
out:
	trace_redact_end();
	if (out) {
		wipe(out, strlen(out));
		gsasl_free(out);
	}
	if (sctx)
		gsasl_finish(sctx);
	buf_wipe(&line);
	buf_wipe(&cb);
	if (rc != ERR_OK && s->res->cls == RES_OK)
		result_set(s->res, RES_TEMP, STAGE_AUTH, rc, "%s: authentication failed", s->peer);
	return rc;
}
