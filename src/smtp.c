// SPDX-License-Identifier: MIT
/* smtp.c: the SMTP client session, one handler per protocol step, driven
 * synchronously: connect, TLS (implicit or STARTTLS), greeting, EHLO, AUTH
 * (through auth.c), then MAIL, RCPT, DATA and the message per smtp_send(),
 * and QUIT. It owns the session's state (TLS, capabilities, names); every
 * command and reply goes through smtp_io.c, and every failure is written
 * into the struct result the caller passed for that call. It must never
 * send AUTH, MAIL, RCPT, DATA or a message byte before TLS is up and
 * verified, never keep pre-TLS knowledge across STARTTLS, and never wait
 * without a deadline. Every negative reply received before TLS is
 * temporary (doc/decisions.md D11, in smtp_io_fail_reply()). */
#include "smtp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "auth.h"
#include "body.h"
#include "bounds.h"
#include "buf.h"
#include "log.h"
#include "net.h"
#include "reply.h"
#include "smtp_io.h"
#include "util.h"

/* One transaction: the envelope's recipients in this attempt, as a list,
 * and each one's fate (written back onto the envelope at the end). */
/* How the message follows the envelope commands (pick_tail()). */
enum tail {
	TAIL_NONE,                  /* no PIPELINING: DATA is an exchange of its own */
	TAIL_DATA,                  /* DATA ends the last group (RFC 2920) */
	TAIL_BDAT,                  /* "BDAT n LAST" and the message end it (RFC 3030) */
};

struct txn {
	const struct envelope *env;
	const char **rcpts;
	size_t *idx;                /* rcpts[i] is env->rcpts[idx[i]] */
	size_t nrcpts;
	int msgfd;                  /* the message, read from offset 0 */
	bool per_recipient;         /* queue runs (doc/decisions.md D2): send to
	                             * the accepted recipients even if others
	                             * were refused */
	enum tail tail;
	uint64_t bdat_len;          /* TAIL_BDAT: the file's size */
	bool quit;                  /* QUIT ends the last flight */
	bool rset;                  /* RSET opens the flight: a streamed transaction
	                             * follows another whose outcome is not known */
	bool mail_refused;
	bool end_sent;              /* the tail went out; its reply is in end */
	struct smtp_reply mail, end;
	struct rcpt_result {
		enum res cls;
		int code;           /* the RCPT reply code, 0 if none */
		bool over;          /* past the server's recipient limit: for
		                     * the next transaction (D15) */
		char reply[SMTP_TEXT_SHOWN_MAX + 8];
	} *rr;
};

struct smtp_session {
	struct smtp_io io;          /* conn, last reply, buffers, deadlines, peer */
	struct tls_session tls;
	bool helo_only;             /* the server did not take EHLO */
	struct ehlo_caps caps;
	char helo[300];
	char auth_mech[48];
	struct buf ehlo_text;       /* the post-TLS EHLO reply, for --probe */
	bool quit_sent;             /* QUIT went with the last flight */
	bool abandoned;             /* left inside DATA: close, never QUIT */
	unsigned ntxn;              /* transactions whose MAIL was sent on this session */
	size_t inflight;            /* streamed transactions whose replies are unread */
	bool need_rset;             /* a transaction failed and no RSET followed yet */
	bool said_421;              /* the server is closing the connection */
	FILE *probe_out;            /* smtp_params.probe_out */
};

/* --probe: the server's chain that failed verification (why), shown and
 * marked before the connection is dropped; nothing more is sent on it. */
static void
show_unverified(const struct smtp_session *s, const struct buf *why)
{
	char desc[128], clean[1024];
	const char *w = buf_str(why);
	if (!s->probe_out)
		return;
	tls_describe(&s->tls, desc, sizeof desc);
	fprintf(s->probe_out, "server: %s\ntls: %s (handshake stopped at verification)\n"
	    "verified: NOT VERIFIED (%s)\n", s->io.peer, desc,
	    str_sanitize(clean, sizeof clean, w, strlen(w)));
	tls_print_peer(&s->tls, s->probe_out);
}

static enum err
ehlo(struct smtp_session *s, struct result *res)
{
	char line[320];
	enum err rc;

	memset(&s->caps, 0, sizeof s->caps);
	s->helo_only = false;
	snprintf(line, sizeof line, "EHLO %s", s->helo);
	rc = smtp_io_exchange(&s->io, res, STAGE_EHLO, line, TIMEOUT_GREETING_MS);
	if (rc != ERR_OK)
		return rc;
	if (s->io.reply.code == 250) {
		buf_reset(&s->ehlo_text);
		(void)!buf_add(&s->ehlo_text, s->io.reply.text.data, s->io.reply.text.len);
		return ehlo_parse(&s->io.reply, &s->caps) == ERR_OK ? ERR_OK :
		    smtp_io_fail(res, RES_TEMP, STAGE_EHLO, ERR_PROTO, "bad EHLO reply");
	}
	/* RFC 5321 3.2: HELO only for "command not recognized", and only inside
	 * TLS: a HELO session cannot carry STARTTLS (downgrade D_1). */
	if ((s->io.reply.code == 500 || s->io.reply.code == 502) && s->io.tls_on) {
		snprintf(line, sizeof line, "HELO %s", s->helo);
		rc = smtp_io_exchange(&s->io, res, STAGE_EHLO, line, TIMEOUT_GREETING_MS);
		if (rc != ERR_OK)
			return rc;
		if (s->io.reply.code == 250) {
			s->helo_only = true;
			return ERR_OK;
		}
	}
	if ((s->io.reply.code == 500 || s->io.reply.code == 502) && !s->io.tls_on)
		return smtp_io_fail(res, RES_TEMP, STAGE_EHLO, ERR_TLS, "%s does not accept EHLO,"
		    " so STARTTLS is impossible; refusing to continue without TLS", s->io.peer);
	return smtp_io_fail_reply(&s->io, res, STAGE_EHLO, ERR_REPLY);
}

/* The handshake is done and the server verified: replies are
 * authenticated from now on; -v says how the session is protected. */
static void
tls_is_up(struct smtp_session *s)
{
	char desc[128];
	const char *how = tls_dane_how(&s->tls);
	s->io.tls_on = true;
	tls_describe(&s->tls, desc, sizeof desc);
	trace_note("TLS established: %s verified=%s%s%s", desc, tls_verified_str(&s->tls),
	    how ? " " : "", how ? how : "");
	if (log_verbose() >= 2)
		tls_print_peer(&s->tls, stderr);
}

static enum err
starttls(struct smtp_session *s, struct result *res)
{
	struct buf err;
	enum err rc;
	struct deadline dl;

	if (!(s->caps.flags & EHLO_STARTTLS))
		return smtp_io_fail(res, RES_TEMP, STAGE_STARTTLS, ERR_TLS, "%s does not offer"
		    " STARTTLS (or it was stripped on the way); refusing to continue without TLS",
		    s->io.peer);
	rc = smtp_io_exchange(&s->io, res, STAGE_STARTTLS, "STARTTLS", TIMEOUT_GREETING_MS);
	if (rc != ERR_OK)
		return rc;
	/* RFC 3207 4: only a complete 220 starts TLS. */
	if (s->io.reply.code != 220)
		return smtp_io_fail_reply(&s->io, res, STAGE_STARTTLS, ERR_TLS);
	buf_init(&err, 1024);
	dl = smtp_io_deadline(&s->io, TIMEOUT_GREETING_MS);
	trace_note("starting TLS");
	rc = conn_start_tls(&s->io.conn, &s->tls, &dl, &err);
	if (rc == ERR_CERT)
		show_unverified(s, &err);
	if (rc != ERR_OK) {
		smtp_io_fail(res, RES_TEMP, STAGE_STARTTLS, rc == ERR_CERT ? ERR_CERT :
		    rc == ERR_PROTO ? ERR_PROTO : rc == ERR_TIMEOUT ? ERR_TIMEOUT : ERR_TLS,
		    "%s: %s", s->io.peer, buf_str(&err));
		buf_free(&err);
		return rc;
	}
	buf_free(&err);
	tls_is_up(s);
	/* RFC 3207 4.2: forget everything learned before TLS. */
	memset(&s->caps, 0, sizeof s->caps);
	return ERR_OK;
}

static struct smtp_session *
session_new(int fd, const struct smtp_params *p)
{
	struct smtp_session *s = xcalloc(1, sizeof *s);
	smtp_io_init(&s->io, fd, p->command_timeout_ms, &p->session_dl);
	buf_init(&s->ehlo_text, SMTP_REPLY_TOTAL_MAX);
	s->probe_out = p->probe_out;
	snprintf(s->io.peer, sizeof s->io.peer, "%s:%u", p->host, p->port);
	if (p->helo && strchr(p->helo, '.'))
		snprintf(s->helo, sizeof s->helo, "%s", p->helo);
	else
		net_local_literal(fd, s->helo, sizeof s->helo);
	return s;
}

static void
session_free(struct smtp_session *s)
{
	if (!s)
		return;
	smtp_io_free(&s->io);
	tls_free(&s->tls);
	buf_free(&s->ehlo_text);
	free(s);
}

/* TLS set-up, implicit TLS, the greeting, EHLO, STARTTLS and EHLO again:
 * on success TLS is up and verified. */
static enum err
session_start(struct smtp_session *s, const struct smtp_params *p, struct result *res)
{
	struct buf err;
	enum err rc;

	buf_init(&err, 1024);
	if ((rc = tls_init(&s->tls, &p->tlsp, &err)) != ERR_OK) {
		/* A local set-up error (CA file, client key, priority string,
		 * memory) is never the recipient's refusal: temporary (doc/decisions.md D16),
		 * with the error kept so an unqueued caller still sees 78. */
		smtp_io_fail(res, RES_TEMP, STAGE_TLS, rc, "local TLS set-up: %s",
		    buf_str(&err));
		goto out;
	}
	if (p->tls == TLS_MODE_IMPLICIT) {
		struct deadline dl = smtp_io_deadline(&s->io, TIMEOUT_GREETING_MS);
		if ((rc = conn_start_tls(&s->io.conn, &s->tls, &dl, &err)) != ERR_OK) {
			if (rc == ERR_CERT)
				show_unverified(s, &err);
			smtp_io_fail(res, RES_TEMP, STAGE_TLS, rc == ERR_CERT ? ERR_CERT :
			    rc == ERR_TIMEOUT ? ERR_TIMEOUT : ERR_TLS, "%s: %s", s->io.peer,
			    buf_str(&err));
			goto out;
		}
		tls_is_up(s);
	}
	/* RFC 5321 4.3.1: nothing is sent before the whole greeting. */
	if ((rc = smtp_io_reply(&s->io, res, STAGE_GREETING, SMTP_REPLY_LINE_MAX,
	    TIMEOUT_GREETING_MS)) != ERR_OK)
		goto out;
	if (s->io.reply.code != 220) {
		rc = smtp_io_fail_reply(&s->io, res, STAGE_GREETING, ERR_REPLY);
		goto out;
	}
	if ((rc = ehlo(s, res)) != ERR_OK)
		goto out;
	/* MX policy "may" alone goes on in plaintext, and only when STARTTLS
	 * is not offered: an offered STARTTLS that fails is a failure. */
	if (p->tls == TLS_MODE_STARTTLS && p->plaintext_ok && !(s->caps.flags & EHLO_STARTTLS)) {
		trace_note("%s offers no STARTTLS; going on without TLS (tls_policy = may)",
		    s->io.peer);
		goto out;
	}
	if (p->tls == TLS_MODE_STARTTLS &&
	    ((rc = starttls(s, res)) != ERR_OK || (rc = ehlo(s, res)) != ERR_OK))
		goto out;
	if (!s->io.tls_on)
		rc = smtp_io_fail(res, RES_TEMP, STAGE_TLS, ERR_TLS,
		    "internal: no TLS; refusing");
out:
	buf_free(&err);
	return rc;
}

static enum err
authenticate(struct smtp_session *s, const struct smtp_params *p, struct result *res)
{
	struct auth_params ap = {
		.user = p->user, .secret = p->secret, .mechs = p->mechs,
		.host = p->host, .port = p->port,
		.caps = &s->caps, .helo_only = s->helo_only, .tls = &s->tls,
		.mech_out = s->auth_mech, .mech_cap = sizeof s->auth_mech,
	};
	return auth_run(&s->io, &ap, res);
}

enum err
smtp_open_fd(struct smtp_session **sp, int fd, const struct smtp_params *p,
    struct result *res)
{
	struct smtp_session *s = session_new(fd, p);
	enum err rc;

	*sp = NULL;
	if ((rc = session_start(s, p, res)) != ERR_OK)
		goto out;
	/* The session keeps no pointer to p, so none to the secret. */
	if (p->user && (rc = authenticate(s, p, res)) != ERR_OK) {
		/* Refused, or nothing to authenticate with, on a connection
		 * that still works: the caller gets the session (unusable) to
		 * log how it was secured and to end it with QUIT. */
		if (rc != ERR_TIMEOUT && rc != ERR_IO && rc != ERR_EOF && rc != ERR_TLS &&
		    s->io.conn.fd >= 0 && !s->io.conn.dead) {
			s->io.broken = true;
			*sp = s;
			s = NULL;
		}
		goto out;
	}
	*sp = s;
	s = NULL;
out:
	if (s) {
		struct deadline dl = deadline_after_ms(TIMEOUT_TLS_BYE_MS);
		conn_close(&s->io.conn, &dl);
		session_free(s);
	}
	return rc;
}

enum err
smtp_open(struct smtp_session **sp, const struct smtp_params *p, struct result *res)
{
	struct buf err;
	int fd = -1;
	char peer[NET_PEER_MAX + 300];
	enum err rc;

	*sp = NULL;
	buf_init(&err, 4096);
	rc = net_connect(p->host, p->shown, p->port, p->connect_timeout_ms, &p->session_dl, &fd,
	    peer, sizeof peer, &err);
	if (rc != ERR_OK) {
		result_set(res, RES_TEMP, STAGE_CONNECT, rc, "%s", buf_str(&err));
		buf_free(&err);
		return rc;
	}
	buf_free(&err);
	trace_note("connected to %s", peer);
	rc = smtp_open_fd(sp, fd, p, res);
	if (*sp)
		snprintf((*sp)->io.peer, sizeof (*sp)->io.peer, "%s", peer);
	return rc;
}

/* xtext (RFC 3461 4): '+' and '=' and octets outside 33-126 as "+XX". */
static enum err
add_xtext(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		enum err rc = c < 33 || c > 126 || c == '+' || c == '=' ?
		    buf_addf(b, "+%02X", c) : buf_addc(b, (char)c);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

/* Addresses were validated by addr.c; DSN values by cli checks in main. */
static enum err
mail_line(struct smtp_session *s, const struct envelope *env, struct buf *b)
{
	bool dsn = s->caps.flags & EHLO_DSN;
	enum err rc = buf_addf(b, "MAIL FROM:<%s>", env->sender);
	if (rc == ERR_OK && (s->caps.flags & EHLO_SIZE))
		rc = buf_addf(b, " SIZE=%llu", (unsigned long long)env->size);
	if (rc == ERR_OK && env->eightbit && (s->caps.flags & EHLO_8BITMIME))
		rc = buf_adds(b, " BODY=8BITMIME");
	if (rc == ERR_OK && env->smtputf8)
		rc = buf_adds(b, " SMTPUTF8");
	if (rc == ERR_OK && dsn && env->dsn_ret)
		rc = buf_addf(b, " RET=%s", env->dsn_ret);
	if (rc == ERR_OK && dsn && env->dsn_envid) {
		rc = buf_adds(b, " ENVID=");
		if (rc == ERR_OK)
			rc = add_xtext(b, env->dsn_envid);
	}
	return rc;
}

static enum err
rcpt_line(struct smtp_session *s, const struct envelope *env, const char *rcpt,
    struct buf *b)
{
	enum err rc = buf_addf(b, "RCPT TO:<%s>", rcpt);
	if (rc == ERR_OK && (s->caps.flags & EHLO_DSN) && env->dsn_notify) {
		rc = buf_addf(b, " NOTIFY=%s ORCPT=rfc822;", env->dsn_notify);
		if (rc == ERR_OK)
			rc = add_xtext(b, rcpt);
	}
	return rc;
}

/* The transaction's command groups go out in io.out: one command line
 * (CRLF added), traced. */
static enum err
flight_add(struct smtp_session *s, const char *line, size_t n)
{
	trace_send(line, n);
	return buf_add(&s->io.out, line, n) == ERR_OK &&
	    buf_add(&s->io.out, "\r\n", 2) == ERR_OK ? ERR_OK : ERR_TOOBIG;
}

/* Write io.out in one write (one TLS record per 16 KiB, one flight). */
static enum err
flight_write(struct smtp_session *s, enum stage at, struct result *res)
{
	struct deadline dl = smtp_io_deadline(&s->io, TIMEOUT_DATA_BLOCK_MS);
	enum err rc = conn_write(&s->io.conn, s->io.out.data, s->io.out.len, &dl);
	buf_reset(&s->io.out);
	return rc == ERR_OK ? ERR_OK : smtp_io_fail_io(&s->io, res, at, rc, "sending");
}

/* QUIT as the last command of the session's last flight (RFC 2920 3.1:
 * QUIT may end a group), so its 221 comes with the final reply instead
 * of a round trip later; smtp_close() reads it. */
static enum err
flight_quit(struct smtp_session *s, const struct txn *t)
{
	if (!t->quit)
		return ERR_OK;
	s->quit_sent = true;
	return flight_add(s, "QUIT", 4);
}

/* The message after "BDAT n LAST" (RFC 3030 2): exactly n bytes of the
 * file behind the commands already in io.out. The server counts them,
 * so a file that ends early leaves it mid-chunk: the session is given
 * up, never finished with fewer bytes. */
static enum err
bdat_body(struct smtp_session *s, const struct txn *t, struct result *res)
{
	char *chunk = xmalloc(BODY_CHUNK_SIZE);
	uint64_t off = 0;
	enum err rc = ERR_OK;

	while (off < t->bdat_len) {
		size_t want = t->bdat_len - off < BODY_CHUNK_SIZE ?
		    (size_t)(t->bdat_len - off) : BODY_CHUNK_SIZE;
		ssize_t n = pread(t->msgfd, chunk, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->io.broken = true;
			rc = smtp_io_fail(res, RES_TEMP, STAGE_BODY, ERR_IO, "reading the message: %s",
			    n < 0 ? strerror(errno) : "the file ended early");
			break;
		}
		if (s->io.out.len + (size_t)n > s->io.out.max &&
		    (rc = flight_write(s, STAGE_BODY, res)) != ERR_OK)
			break;
		if (buf_add(&s->io.out, chunk, (size_t)n) != ERR_OK) {
			rc = smtp_io_fail(res, RES_TEMP, STAGE_BODY, ERR_INTERNAL, "body buffer");
			break;
		}
		off += (uint64_t)n;
	}
	free(chunk);
	if (rc != ERR_OK)
		return rc;
	trace_send("(message data)", 14);
	if (flight_quit(s, t) != ERR_OK)
		return smtp_io_fail(res, RES_TEMP, STAGE_BODY, ERR_INTERNAL, "body buffer");
	return flight_write(s, STAGE_BODY, res);
}

/* One group: [MAIL,] RCPT for rcpts first..first+n-1 [, the tail]; in one
 * write unless the tail is BDAT with a message too big for one. */
static enum err
group_send(struct smtp_session *s, const struct txn *t, size_t first, size_t n,
    bool with_mail, bool with_tail, struct result *res)
{
	struct buf cmd;
	enum err rc = ERR_OK;

	if (s->inflight == 0 && conn_pending(&s->io.conn) != 0 && (s->io.broken = true))
		return smtp_io_fail(res, RES_TEMP, STAGE_MAIL, ERR_PROTO, "%s sent %zu bytes"
		    " nobody asked for (out of step, or an injection attempt)", s->io.peer,
		    conn_pending(&s->io.conn));
	buf_reset(&s->io.out);
	buf_init(&cmd, SMTP_CMD_LINE_MAX * 2);
	s->ntxn += with_mail;
	if (with_mail && t->rset && flight_add(s, "RSET", 4) != ERR_OK)
		rc = smtp_io_fail(res, RES_TEMP, STAGE_MAIL, ERR_INTERNAL, "command group too long");
	if (rc == ERR_OK && with_mail && (mail_line(s, t->env, &cmd) != ERR_OK ||
	    flight_add(s, cmd.data, cmd.len) != ERR_OK))
		rc = smtp_io_fail(res, RES_PERM, STAGE_MAIL, ERR_DATA, "MAIL command too long");
	for (size_t i = first; rc == ERR_OK && i < first + n; i++) {
		buf_reset(&cmd);
		if (rcpt_line(s, t->env, t->rcpts[i], &cmd) != ERR_OK ||
		    flight_add(s, cmd.data, cmd.len) != ERR_OK)
			rc = smtp_io_fail(res, RES_PERM, STAGE_RCPT, ERR_DATA,
			    "RCPT command too long");
	}
	if (rc == ERR_OK && with_tail) {
		buf_reset(&cmd);
		rc = t->tail == TAIL_DATA ? buf_adds(&cmd, "DATA") :
		    buf_addf(&cmd, "BDAT %llu LAST", (unsigned long long)t->bdat_len);
		if (rc != ERR_OK || flight_add(s, cmd.data, cmd.len) != ERR_OK)
			rc = smtp_io_fail(res, RES_TEMP, STAGE_DATA, ERR_INTERNAL,
			    "command group too long");
	}
	buf_free(&cmd);
	if (rc != ERR_OK)
		return rc;
	if (with_tail && t->tail == TAIL_BDAT)
		return bdat_body(s, t, res);
	return flight_write(s, with_mail ? STAGE_MAIL : STAGE_RCPT, res);
}

/* A copy of a reply, to answer it after the replies that follow it. */
static void
reply_keep(struct smtp_reply *dst, const struct smtp_reply *src)
{
	reply_reset(dst);
	dst->code = src->code;
	snprintf(dst->esc, sizeof dst->esc, "%s", src->esc);
	(void)!buf_add(&dst->text, src->text.data, src->text.len);
	dst->nlines = src->nlines;
}

/* Was any of the first n recipients accepted? */
static bool
any_accepted(const struct txn *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (t->rr[i].cls == RES_OK)
			return true;
	return false;
}

/* "Too many recipients" (RFC 5321 4.5.3.1.10): 452, or 552 with 5.5.3,
 * which the RFC says to treat as temporary. After an accepted recipient
 * it is the server's batch limit, not a refusal (doc/decisions.md D15).
 * A 452 with another enhanced status (4.2.2, mailbox full) is not. */
static bool
rcpt_limit(const struct smtp_reply *r)
{
	return (r->code == 452 && (!r->esc[0] || strcmp(r->esc, "4.5.3") == 0)) ||
	    (r->code == 552 && strcmp(r->esc, "5.5.3") == 0);
}

/* A 421 (RFC 5321 3.8): the server is closing the connection and reads
 * nothing more, so no further reply will come: the session is over, and
 * what was sent after the command it answered was never taken. */
static bool
closing(struct smtp_session *s)
{
	if (s->io.reply.code != 421)
		return false;
	s->said_421 = s->io.broken = true;
	return true;
}

/* The replies to one group, in order (RFC 2920 3.1: counted, never
 * matched by code or text): MAIL's into t->mail, each RCPT's onto t->rr. */
static enum err
group_read(struct smtp_session *s, struct txn *t, size_t first, size_t n, bool with_mail,
    struct result *res)
{
	enum err rc;
	if (with_mail && t->rset) {
		/* Counted like any reply; whatever it says, MAIL's reply decides. */
		if ((rc = smtp_io_reply(&s->io, res, STAGE_MAIL, SMTP_REPLY_LINE_MAX,
		    TIMEOUT_QUIT_MS)) != ERR_OK)
			return rc;
		s->need_rset = false;
	}
	if (with_mail) {
		if ((rc = smtp_io_reply(&s->io, res, STAGE_MAIL, SMTP_REPLY_LINE_MAX,
		    TIMEOUT_MAIL_MS)) != ERR_OK)
			return rc;
		reply_keep(&t->mail, &s->io.reply);
		if (closing(s))
			return ERR_OK;  /* group_replies(): MAIL's 421 decides */
	}
	for (size_t i = first; i < first + n; i++) {
		if ((rc = smtp_io_reply(&s->io, res, STAGE_RCPT, SMTP_REPLY_LINE_MAX,
		    TIMEOUT_RCPT_MS)) != ERR_OK)
			return rc;
		if (closing(s)) {
			for (size_t k = i; k < first + n; k++) {
				t->rr[k].code = 421;
				reply_summary(&s->io.reply, t->rr[k].reply, sizeof t->rr[k].reply);
			}
			return smtp_io_fail_reply(&s->io, res, STAGE_RCPT, ERR_REPLY);
		}
		t->rr[i].code = s->io.reply.code;
		t->rr[i].over = rcpt_limit(&s->io.reply) && any_accepted(t, i);
		/* Without TLS (MX policy may) no refusal is permanent
		 * (doc/decisions.md D11), as in smtp_io_fail_reply(). */
		t->rr[i].cls = s->io.reply.code / 100 == 2 ? RES_OK :
		    s->io.reply.code / 100 == 5 && s->io.tls_on && !t->rr[i].over &&
		    !smtp_out_of_step(s->io.reply.code, STAGE_RCPT) ? RES_PERM : RES_TEMP;
		reply_summary(&s->io.reply, t->rr[i].reply, sizeof t->rr[i].reply);
	}
	return ERR_OK;
}

/* RSET after a refusal; its own failure leaves the caller's result as it
 * was. While later transactions' replies are queued behind this one
 * (a stream), an RSET now would be answered out of order: the next
 * flight opens with one instead (need_rset). */
static void
rset(struct smtp_session *s)
{
	struct result scratch;
	s->need_rset = true;
	if (s->inflight > 0)
		return;
	s->need_rset = false;
	memset(&scratch, 0, sizeof scratch);
	if (smtp_io_exchange(&s->io, &scratch, STAGE_MAIL, "RSET", TIMEOUT_QUIT_MS) != ERR_OK)
		trace_note("RSET failed");
}

/* The message after 354, dot-stuffed (RFC 5321 4.5.2), the final dot,
 * and QUIT behind it when the session ends here. */
static enum err
send_body(struct smtp_session *s, const struct txn *t, struct result *res)
{
	struct body_stuffer st;
	struct buf out;
	char *chunk = xmalloc(BODY_CHUNK_SIZE);
	off_t off = 0;
	enum err rc = ERR_OK;

	buf_init(&out, 2 * BODY_CHUNK_SIZE + 8);
	body_stuff_init(&st);
	for (;;) {
		ssize_t n = pread(t->msgfd, chunk, BODY_CHUNK_SIZE, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = smtp_io_fail(res, RES_TEMP, STAGE_BODY, ERR_IO,
			    "reading the message: %s", strerror(errno));
			goto out;
		}
		buf_reset(&out);
		if (n == 0) {
			if (body_stuff_end(&st, &out) != ERR_OK ||
			    (t->quit && buf_add(&out, "QUIT\r\n", 6) != ERR_OK))
				rc = ERR_INTERNAL;
		} else if (body_stuff(&st, chunk, (size_t)n, &out) != ERR_OK) {
			rc = ERR_INTERNAL;
		}
		if (rc != ERR_OK) {
			rc = smtp_io_fail(res, RES_TEMP, STAGE_BODY, ERR_INTERNAL,
			    "body buffer overflow");
			goto out;
		}
		if (n == 0) {
			trace_send("(message data)", 14);
			if (t->quit && (s->quit_sent = true))
				trace_send("QUIT", 4);
		}
		/* RFC 5321 4.5.3.2.5: each data block has its own deadline. */
		struct deadline dl = smtp_io_deadline(&s->io, TIMEOUT_DATA_BLOCK_MS);
		if ((rc = conn_write(&s->io.conn, out.data, out.len, &dl)) != ERR_OK) {
			rc = smtp_io_fail_io(&s->io, res, STAGE_BODY, rc, "sending the message");
			goto out;
		}
		if (n == 0)
			break;
		off += n;
	}
out:
	free(chunk);
	buf_free(&out);
	return rc;
}

/* What the server must offer for this message (RFC 1870, 6152, 6531). */
static enum err
check_caps(struct smtp_session *s, const struct envelope *env, struct result *res)
{
	if ((env->dsn_notify || env->dsn_ret || env->dsn_envid) && !(s->caps.flags & EHLO_DSN))
		trace_note("%s does not offer DSN; -N, -R and -V are not sent", s->io.peer);
	if (env->size && s->caps.size_max && env->size > s->caps.size_max)
		return smtp_io_fail(res, RES_PERM, STAGE_MAIL, ERR_TOOBIG, "message of %llu bytes"
		    " is larger than %s accepts (SIZE %lu)", (unsigned long long)env->size,
		    s->io.peer, s->caps.size_max);
	if (env->eightbit && !(s->caps.flags & EHLO_8BITMIME))
		return smtp_io_fail(res, RES_PERM, STAGE_MAIL, ERR_DATA, "the message has 8-bit"
		    " content but %s does not offer 8BITMIME", s->io.peer);
	if (env->smtputf8 && !(s->caps.flags & EHLO_SMTPUTF8))
		return smtp_io_fail(res, RES_PERM, STAGE_MAIL, ERR_DATA, "an address needs"
		    " SMTPUTF8, which %s does not offer", s->io.peer);
	return ERR_OK;
}

/* How the message follows the envelope. Without PIPELINING, DATA is an
 * exchange of its own. With it, DATA ends the last group (RFC 2920 3.1).
 * With CHUNKING too, "BDAT n LAST" and the message go in the same flight
 * (RFC 3030), a round trip fewer, when the message may go before the
 * recipients' replies are known -- one recipient, or a queue run, which
 * delivers per recipient (doc/decisions.md D2) -- when a refusal would
 * waste little (BDAT_FLIGHT_MAX), when the envelope is one group, and
 * when the file is whole lines (msg.c ends it with CRLF), so its size is
 * the exact octet count BDAT announces. */
static enum tail
pick_tail(const struct smtp_session *s, struct txn *t)
{
	struct stat st;
	char end[2];

	if (!(s->caps.flags & EHLO_PIPELINING))
		return TAIL_NONE;
	if (!(s->caps.flags & EHLO_CHUNKING) || t->nrcpts > SMTP_GROUP_RCPTS ||
	    (t->nrcpts != 1 && !t->per_recipient) || fstat(t->msgfd, &st) != 0 ||
	    st.st_size > BDAT_FLIGHT_MAX || st.st_size == 1)
		return TAIL_DATA;
	if (st.st_size > 0 && (pread(t->msgfd, end, 2, st.st_size - 2) != 2 ||
	    memcmp(end, "\r\n", 2) != 0))
		return TAIL_DATA;
	t->bdat_len = (uint64_t)st.st_size;
	return TAIL_BDAT;
}

/* Without PIPELINING, MAIL is its own exchange. */
static enum err
mail_alone(struct smtp_session *s, const struct txn *t, struct result *res)
{
	struct buf b;
	enum err rc;
	buf_init(&b, SMTP_CMD_LINE_MAX * 2);
	if (mail_line(s, t->env, &b) != ERR_OK) {
		buf_free(&b);
		return smtp_io_fail(res, RES_PERM, STAGE_MAIL, ERR_DATA, "MAIL command too long");
	}
	s->ntxn++;
	rc = smtp_io_exchange(&s->io, res, STAGE_MAIL, b.data, TIMEOUT_MAIL_MS);
	buf_free(&b);
	if (rc == ERR_OK && s->io.reply.code / 100 != 2)
		rc = smtp_io_fail_reply(&s->io, res, STAGE_MAIL, ERR_REPLY);
	return rc;
}

/* The pipelined MAIL was refused: the RCPT replies that followed it
 * (typically 503 "need MAIL") say nothing about the recipients, each
 * takes MAIL's fate, and the MAIL reply is the one shown. */
static enum err
mail_refused(struct smtp_session *s, struct txn *t, size_t first, size_t n,
    struct result *res)
{
	for (size_t k = first; k < first + n; k++) {
		t->rr[k].cls = RES_TEMP;
		t->rr[k].code = 0;
	}
	t->mail_refused = true;
	reply_keep(&s->io.reply, &t->mail);
	return smtp_io_fail_reply(&s->io, res, STAGE_MAIL, ERR_REPLY);
}

/* The replies to one group sent by group_send(): the RCPTs' (and MAIL's),
 * then the tail's, kept in t->end. A refused MAIL ends it. */
static enum err
group_replies(struct smtp_session *s, struct txn *t, size_t first, size_t n, bool with_mail,
    bool with_tail, struct result *res)
{
	enum err rc;
	if ((rc = group_read(s, t, first, n, with_mail, res)) != ERR_OK)
		return rc;
	if (with_mail && t->mail.code == 421)
		return mail_refused(s, t, first, n, res);
	if (with_tail) {
		bool bdat = t->tail == TAIL_BDAT;
		if ((rc = smtp_io_reply(&s->io, res, bdat ? STAGE_DOT : STAGE_DATA,
		    SMTP_REPLY_LINE_MAX, bdat ? TIMEOUT_DATA_DONE_MS : TIMEOUT_DATA_INIT_MS)) !=
		    ERR_OK)
			return rc;
		reply_keep(&t->end, &s->io.reply);
		t->end_sent = true;
		(void)closing(s);
	}
	if (with_mail && t->mail.code / 100 != 2)
		return mail_refused(s, t, first, n, res);
	return ERR_OK;
}

/* MAIL and every RCPT, in groups of up to SMTP_GROUP_RCPTS recipients per
 * write when the server pipelines (RFC 2920), the tail (DATA, or BDAT and
 * the message) ending the last group; one by one otherwise. */
static enum err
envelope_cmds(struct smtp_session *s, struct txn *t, struct result *res)
{
	bool pipe = t->tail != TAIL_NONE;
	size_t batch = pipe ? SMTP_GROUP_RCPTS : 1;
	enum err rc;

	if (!pipe && (rc = mail_alone(s, t, res)) != ERR_OK)
		return rc;
	for (size_t i = 0; i < t->nrcpts; i += batch) {
		size_t n = t->nrcpts - i < batch ? t->nrcpts - i : batch;
		bool with_mail = pipe && i == 0, with_tail = pipe && i + n == t->nrcpts;
		if ((rc = group_send(s, t, i, n, with_mail, with_tail, res)) != ERR_OK ||
		    (rc = group_replies(s, t, i, n, with_mail, with_tail, res)) != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

/* After the RCPT replies: go on to the message, or (all or nothing,
 * doc/decisions.md D2) give up when any recipient was refused. Queue runs
 * go on with the accepted ones. */
static enum err
judge_rcpts(const struct txn *t, struct result *res)
{
	size_t nperm = 0, ntemp = 0, nover = 0, first_perm = 0, first_temp = 0;
	bool all_nouser = true;

	for (size_t i = 0; i < t->nrcpts; i++) {
		if (t->rr[i].over) {
			nover++;
		} else if (t->rr[i].cls == RES_PERM) {
			int code = t->rr[i].code;
			if (nperm++ == 0)
				first_perm = i;
			if (code != 550 && code != 551 && code != 553)
				all_nouser = false;
		} else if (t->rr[i].cls == RES_TEMP) {
			if (ntemp++ == 0)
				first_temp = i;
		}
	}
	if (nover)
		trace_note("%zu recipients over the server's limit; they follow in another"
		    " transaction", nover);
	if (!nperm && !ntemp)
		return ERR_OK;
	if (t->per_recipient && nperm + ntemp + nover < t->nrcpts) {
		trace_note("%zu of %zu recipients refused; sending to the others",
		    nperm + ntemp, t->nrcpts);
		return ERR_OK;
	}
	size_t k = nperm ? first_perm : first_temp;
	smtp_io_fail(res, nperm ? RES_PERM : RES_TEMP, STAGE_RCPT, ERR_REPLY,
	    "%zu of %zu recipients not accepted; first: <%s>: %s", nperm + ntemp,
	    t->nrcpts, t->rcpts[k], t->rr[k].reply);
	res->code = nperm ? (all_nouser ? 550 : 554) : t->rr[k].code;
	return ERR_REPLY;
}

/* A refused MAIL or RCPT ends the transaction before any message byte.
 * A pipelined DATA the server took anyway (354) cannot be taken back:
 * with no recipient accepted a lone dot ends it (RFC 2920 3.1); with
 * some accepted, a dot would deliver to them alone, so the connection
 * is closed without one (RFC 5321 3.3: no dot, no delivery). Otherwise
 * RSET, unless QUIT is already on its way. */
static void
give_up(struct smtp_session *s, const struct txn *t)
{
	struct result scratch;
	if (s->io.broken)
		return;
	if (t->tail == TAIL_DATA && t->end_sent && t->end.code == 354) {
		if (t->mail_refused || any_accepted(t, t->nrcpts)) {
			trace_note("closing the connection without the final dot: nothing is"
			    " delivered");
			s->abandoned = s->io.broken = true;
			return;
		}
		memset(&scratch, 0, sizeof scratch);
		buf_reset(&s->io.out);
		if (flight_add(s, ".", 1) != ERR_OK || flight_write(s, STAGE_DOT, &scratch) !=
		    ERR_OK || smtp_io_reply(&s->io, &scratch, STAGE_DOT, SMTP_REPLY_LINE_MAX,
		    TIMEOUT_DATA_DONE_MS) != ERR_OK)
			return;
	}
	if (!s->quit_sent)
		rset(s);
}

/* The final dot's reply, or the kept reply to BDAT LAST: the verdict. */
static enum err
verdict(struct smtp_session *s, struct result *res)
{
	if (s->io.reply.code / 100 == 2)
		return ERR_OK;
	enum err rc = smtp_io_fail_reply(&s->io, res, STAGE_DOT, ERR_REPLY);
	if (!s->quit_sent)
		rset(s);
	return rc;
}

/* The message, once the recipients are settled: after a DATA of its own
 * or the pipelined one's 354; or, sent already with BDAT, the verdict. */
static enum err
message(struct smtp_session *s, struct txn *t, struct result *res)
{
	enum err rc;
	if (t->tail == TAIL_BDAT) {
		reply_keep(&s->io.reply, &t->end);
		reply_summary(&s->io.reply, s->io.last, sizeof s->io.last);
		return verdict(s, res);
	}
	if (t->tail == TAIL_NONE && (rc = smtp_io_exchange(&s->io, res, STAGE_DATA, "DATA",
	    TIMEOUT_DATA_INIT_MS)) != ERR_OK)
		return rc;
	if (t->tail == TAIL_DATA)
		reply_keep(&s->io.reply, &t->end);
	if (s->io.reply.code != 354) {
		rc = smtp_io_fail_reply(&s->io, res, STAGE_DATA, ERR_REPLY);
		rset(s);
		return rc;
	}
	/* Recipients over the server's limit still need this session. */
	for (size_t i = 0; i < t->nrcpts; i++)
		if (t->rr[i].over)
			t->quit = false;
	if ((rc = send_body(s, t, res)) != ERR_OK)
		return rc;
	if ((rc = smtp_io_reply(&s->io, res, STAGE_DOT, SMTP_REPLY_LINE_MAX,
	    TIMEOUT_DATA_DONE_MS)) != ERR_OK)
		return rc;
	return verdict(s, res);
}

/* Each recipient's fate onto the envelope. A failure outside RCPT is
 * every recipient's: those accepted (or not yet asked) did not get the
 * message. */
static void
write_back(const struct txn *t, struct envelope *env, enum err rc, const struct result *res,
    const char *accepted)
{
	for (size_t i = 0; i < t->nrcpts; i++) {
		struct rcpt_result *r = &t->rr[i];
		if (rc == ERR_OK && r->cls == RES_OK) {
			snprintf(r->reply, sizeof r->reply, "%s", accepted);
		} else if (rc != ERR_OK && res->at == STAGE_RCPT && r->cls == RES_OK) {
			/* Accepted, but the transaction was given up because other
			 * recipients were not: nothing was sent to it (the 2xx code
			 * stays, so it is not reported as refused). */
			r->cls = RES_TEMP;
			snprintf(r->reply, sizeof r->reply, "not sent: other recipients were not"
			    " accepted");
		} else if (rc != ERR_OK && res->at != STAGE_RCPT &&
		    (r->cls == RES_OK || r->code == 0)) {
			r->cls = res->cls == RES_OK ? RES_TEMP : res->cls;
			snprintf(r->reply, sizeof r->reply, "%.*s", (int)sizeof r->reply - 1,
			    res->text);
		}
		envelope_rcpt_set(&env->rcpts[t->idx[i]], r->cls, r->code, r->reply);
	}
}

static void
txn_init(struct txn *t, struct envelope *env, int msgfd, unsigned flags)
{
	size_t cap = env->nrcpts ? env->nrcpts : 1;
	memset(t, 0, sizeof *t);
	t->env = env;
	t->msgfd = msgfd;
	t->per_recipient = flags & SMTP_SEND_PER_RCPT;
	t->rcpts = xcalloc(cap, sizeof *t->rcpts);
	t->idx = xcalloc(cap, sizeof *t->idx);
	t->rr = xcalloc(cap, sizeof *t->rr);
	reply_init(&t->mail);
	reply_init(&t->end);
	for (size_t i = 0; i < env->nrcpts; i++) {
		if (!env->rcpts[i].attempt)
			continue;
		t->idx[t->nrcpts] = i;
		t->rcpts[t->nrcpts] = env->rcpts[i].addr;
		t->rr[t->nrcpts].cls = RES_TEMP;
		snprintf(t->rr[t->nrcpts].reply, sizeof t->rr[t->nrcpts].reply, "not attempted");
		t->nrcpts++;
	}
}

static void
txn_free(struct txn *t)
{
	free(t->rcpts);
	free(t->idx);
	free(t->rr);
	reply_free(&t->mail);
	reply_free(&t->end);
}

/* A transaction's set-up: its recipients, how the message follows, and
 * whether the server can take it. */
static enum err
txn_begin(struct smtp_session *s, struct txn *t, struct envelope *env, int msgfd,
    unsigned flags, struct result *res)
{
	txn_init(t, env, msgfd, flags);
	t->tail = pick_tail(s, t);
	/* QUIT ends the last flight only where commands may be pipelined,
	 * and never in a flight sent before it is known whether recipients
	 * over the server's limit need another transaction. */
	t->quit = (flags & SMTP_SEND_LAST) && t->tail != TAIL_NONE &&
	    (t->tail != TAIL_BDAT || t->nrcpts == 1);
	return check_caps(s, env, res);
}

/* After the envelope's replies: the message, or giving up. */
static enum err
txn_conclude(struct smtp_session *s, struct txn *t, enum err rc, struct result *res)
{
	if (rc == ERR_OK && (rc = judge_rcpts(t, res)) == ERR_OK)
		return message(s, t, res);
	if (rc == ERR_REPLY)
		give_up(s, t);
	return rc;
}

/* A transaction's end: the outcome onto *res and the envelope; those
 * over the server's recipient limit are marked in next[] (by envelope
 * index) and counted in *nnext. */
static void
txn_end(struct smtp_session *s, struct txn *t, struct envelope *env, enum err rc, bool *next,
    size_t *nnext, struct result *res)
{
	if (rc == ERR_OK) {
		result_set(res, RES_OK, STAGE_DOT, ERR_OK, "%s", s->io.last);
		res->code = s->io.reply.code;
		snprintf(res->esc, sizeof res->esc, "%s", s->io.reply.esc);
	}
	write_back(t, env, rc, res, s->io.last);
	*nnext = 0;
	for (size_t i = 0; rc == ERR_OK && i < t->nrcpts; i++)
		if (t->rr[i].over && (next[t->idx[i]] = true))
			(*nnext)++;
	txn_free(t);
}

/* One transaction for the recipients of env marked attempt, its replies
 * read before it returns. */
static enum err
transaction(struct smtp_session *s, struct envelope *env, int msgfd, unsigned flags,
    bool *next, size_t *nnext, struct result *res)
{
	struct txn t;
	enum err rc;

	if (s->need_rset)
		rset(s);
	if ((rc = txn_begin(s, &t, env, msgfd, flags, res)) == ERR_OK)
		rc = txn_conclude(s, &t, envelope_cmds(s, &t, res), res);
	txn_end(s, &t, env, rc, next, nnext, res);
	return rc;
}

/* The recipients over a server's limit (next[], nnext of them) go in
 * further transactions on the same session, each after the previous one
 * delivered (doc/decisions.md D15); *sent counts the recipients
 * delivered. The attempt marks are left as the last transaction's. */
static enum err
follow_up(struct smtp_session *s, struct envelope *env, int msgfd, unsigned flags,
    bool *next, size_t nnext, size_t *sent, struct result *res)
{
	size_t cap = env->nrcpts ? env->nrcpts : 1;
	enum err rc = ERR_OK;

	while (nnext > 0) {
		for (size_t i = 0; i < env->nrcpts; i++)
			env->rcpts[i].attempt = next[i];
		memset(next, 0, cap * sizeof *next);
		rc = transaction(s, env, msgfd, flags, next, &nnext, res);
		*sent += envelope_accepted(env);
		if (rc != ERR_OK)
			break;
	}
	return rc;
}

/* Once one batch has delivered, a later failure is only its recipients':
 * a queue run records each one's fate; send mode hears a temporary
 * failure, so that the rest is queued and nothing is sent twice. */
enum err
smtp_send(struct smtp_session *s, struct envelope *env, int msgfd, unsigned flags,
    struct result *res)
{
	size_t cap = env->nrcpts ? env->nrcpts : 1, nnext = 0, sent, all = 0;
	bool *chosen = xcalloc(cap, sizeof *chosen), *next = xcalloc(cap, sizeof *next);
	enum err rc;

	for (size_t i = 0; i < env->nrcpts; i++)
		if ((chosen[i] = env->rcpts[i].attempt))
			all++;
	rc = transaction(s, env, msgfd, flags, next, &nnext, res);
	sent = envelope_accepted(env);
	if (rc == ERR_OK)
		rc = follow_up(s, env, msgfd, flags, next, nnext, &sent, res);
	for (size_t i = 0; i < env->nrcpts; i++)
		env->rcpts[i].attempt = chosen[i];
	if (rc != ERR_OK && sent > 0 && !(flags & SMTP_SEND_PER_RCPT))
		result_set(res, RES_TEMP, STAGE_NONE, rc, "sent to %zu of %zu recipients, not yet"
		    " to the others: %.300s", sent, all, res->text);
	free(chosen);
	free(next);
	return rc;
}

/* A streamed transaction whose flight is out. */
struct stream_slot {
	struct txn t;
	struct smtp_item *item;
};

/* The stream's state: the flights whose replies are unread, oldest first,
 * and the items that wait for further transactions. */
struct stream {
	struct smtp_session *s;
	struct stream_slot q[SMTP_STREAM_MAX];
	size_t head, count;
	uint64_t item_ms;
	void (*done)(void *arg, struct smtp_item *item);
	void *arg;
};

/* Nothing was asked of the item's recipients: each shares its result. */
static void
item_share(struct smtp_item *x, enum err rc)
{
	x->rc = rc;
	envelope_share(x->env, x->res.cls, x->res.text);
}

/* The item's recipients over the server's limit (D15), on the session
 * now that no flight is pending, then its outcome to the caller. */
static void
item_done(struct stream *st, struct smtp_item *x, bool *next, size_t nnext)
{
	if (x->rc == ERR_OK && nnext > 0) {
		struct envelope *env = x->env;
		size_t sent = envelope_accepted(env), cap = env->nrcpts ? env->nrcpts : 1;
		bool *chosen = xcalloc(cap, sizeof *chosen);
		for (size_t i = 0; i < env->nrcpts; i++)
			chosen[i] = env->rcpts[i].attempt;
		struct result more;
		memset(&more, 0, sizeof more);
		if (follow_up(st->s, env, x->msgfd, SMTP_SEND_PER_RCPT, next, nnext, &sent, &more) !=
		    ERR_OK)
			trace_note("recipients over the server's limit: %s", more.text);
		for (size_t i = 0; i < env->nrcpts; i++)
			env->rcpts[i].attempt = chosen[i];
		free(chosen);
	}
	st->done(st->arg, x);
}

/* Read the oldest flight's replies and conclude its transaction. A
 * connection lost before them leaves the outcome unknown (the server may
 * have taken the message), unless the server had said 421: it closes the
 * connection (RFC 5321 3.8) and takes nothing after, so the message was
 * not sent. */
static void
stream_complete(struct stream *st)
{
	struct smtp_session *s = st->s;
	struct stream_slot *slot = &st->q[st->head];
	struct smtp_item *x = slot->item;
	size_t cap = x->env->nrcpts ? x->env->nrcpts : 1, nnext = 0;
	bool *next = xcalloc(cap, sizeof *next);
	enum err rc;

	st->head = (st->head + 1) % SMTP_STREAM_MAX;
	st->count--;
	s->io.session_dl = deadline_after_ms(st->item_ms);
	if (!s->io.broken) {
		rc = group_replies(s, &slot->t, 0, slot->t.nrcpts, true, true, &x->res);
		s->inflight--;
		rc = txn_conclude(s, &slot->t, rc, &x->res);
	} else {
		s->inflight--;
		rc = s->said_421 ?
		    smtp_io_fail(&x->res, RES_TEMP, STAGE_MAIL, ERR_IO, "not sent: %s closed"
		    " the connection (421) before this message", s->io.peer) :
		    smtp_io_fail(&x->res, RES_TEMP, STAGE_DOT, ERR_IO, "the connection to %s was"
		    " lost after the message was sent; the server's verdict is unknown",
		    s->io.peer);
	}
	txn_end(s, &slot->t, x->env, rc, next, &nnext, &x->res);
	x->rc = rc;
	item_done(st, x, next, nnext);
	free(next);
}

static void
stream_drain(struct stream *st)
{
	while (st->count > 0)
		stream_complete(st);
}

void
smtp_send_stream(struct smtp_session *s, struct smtp_item *items, size_t n, uint64_t item_ms,
    void (*done)(void *arg, struct smtp_item *item), void *arg)
{
	struct stream *st = xcalloc(1, sizeof *st);
	st->s = s;
	st->item_ms = item_ms;
	st->done = done;
	st->arg = arg;

	for (size_t i = 0; i < n; i++) {
		struct smtp_item *x = &items[i];
		memset(&x->res, 0, sizeof x->res);
		if (st->count == SMTP_STREAM_MAX)
			stream_complete(st);
		if (!smtp_reusable(s)) {
			stream_drain(st);
			smtp_io_fail(&x->res, RES_TEMP, STAGE_MAIL, ERR_IO, "not sent: the"
			    " connection to %s was closed before this message", s->io.peer);
			item_share(x, ERR_IO);
			done(arg, x);
			continue;
		}
		s->io.session_dl = deadline_after_ms(item_ms);
		struct stream_slot *slot = &st->q[(st->head + st->count) % SMTP_STREAM_MAX];
		enum err rc = txn_begin(s, &slot->t, x->env, x->msgfd, SMTP_SEND_PER_RCPT, &x->res);
		if (rc == ERR_OK && slot->t.tail == TAIL_BDAT) {
			/* After another transaction whose outcome may be a
			 * failure, RSET first: the server's state is then known
			 * whatever it was (RFC 2920 3.1 lets RSET open a group). */
			slot->t.rset = s->ntxn > 0;
			if ((rc = group_send(s, &slot->t, 0, slot->t.nrcpts, true, true, &x->res)) ==
			    ERR_OK) {
				slot->item = x;
				st->count++;
				s->inflight++;
				continue;
			}
		}
		/* Not streamed: a failure before anything was sent, or a message
		 * that needs its replies before its data (DATA, or BDAT with
		 * more than one group). The flights before it are answered
		 * first. */
		bool plain = rc == ERR_OK;
		txn_free(&slot->t);
		stream_drain(st);
		if (plain) {
			x->rc = smtp_send(s, x->env, x->msgfd, SMTP_SEND_PER_RCPT, &x->res);
		} else {
			item_share(x, rc);
		}
		done(arg, x);
	}
	stream_drain(st);
	free(st);
}

void
smtp_close(struct smtp_session *s)
{
	struct result scratch;
	if (!s)
		return;
	memset(&scratch, 0, sizeof scratch);
	/* After QUIT went with the last flight, only its 221 is left to read;
	 * after a transaction left in the middle of DATA, a QUIT would be
	 * message text: the connection is just closed. */
	if (s->io.conn.fd >= 0 && !s->io.conn.dead && !s->abandoned &&
	    (s->quit_sent || smtp_io_cmd(&s->io, &scratch, STAGE_QUIT, "QUIT",
	    TIMEOUT_QUIT_MS) == ERR_OK))
		(void)!smtp_io_reply(&s->io, &scratch, STAGE_QUIT, SMTP_REPLY_LINE_MAX,
		    TIMEOUT_QUIT_MS);
	struct deadline dl = deadline_after_ms(TIMEOUT_TLS_BYE_MS);
	conn_close(&s->io.conn, &dl);
	session_free(s);
}

void
smtp_renew(struct smtp_session *s, const struct deadline *dl)
{
	s->io.session_dl = *dl;
}

bool
smtp_reusable(const struct smtp_session *s)
{
	return s && !s->io.broken && !s->quit_sent && s->io.conn.fd >= 0;
}

const char *
smtp_peer(const struct smtp_session *s)
{
	return s->io.peer;
}

void
smtp_tls_desc(const struct smtp_session *s, char *out, size_t cap)
{
	if (s->io.tls_on)
		tls_describe(&s->tls, out, cap);
	else
		snprintf(out, cap, "none");
}

const char *
smtp_verified(const struct smtp_session *s)
{
	return s->io.tls_on ? tls_verified_str(&s->tls) : "none";
}

const char *
smtp_auth_mech(const struct smtp_session *s)
{
	return s->auth_mech[0] ? s->auth_mech : "none";
}

const char *
smtp_last_reply(const struct smtp_session *s)
{
	return s->io.last;
}

void
smtp_probe_print(const struct smtp_session *s, FILE *out)
{
	char desc[128];
	const char *t = buf_str(&s->ehlo_text);
	smtp_tls_desc(s, desc, sizeof desc);
	const char *how = s->io.tls_on ? tls_dane_how(&s->tls) : NULL;
	fprintf(out, "server: %s\ntls: %s\nverified: %s%s%s%s\n", s->io.peer, desc,
	    smtp_verified(s), how ? " (" : "", how ? how : "", how ? ")" : "");
	tls_print_peer(&s->tls, out);
	fprintf(out, "capabilities:\n");
	while (*t) {
		char clean[SMTP_REPLY_LINE_MAX + 1];
		size_t n = strcspn(t, "\n");
		fprintf(out, "  %s\n", str_sanitize(clean, sizeof clean, t, n));
		t += n + (t[n] == '\n');
	}
	fprintf(out, "auth mechanisms: %s\n", s->caps.auth[0] ? s->caps.auth : "(none)");
	if (s->auth_mech[0])
		fprintf(out, "authenticated with: %s\n", s->auth_mech);
}
