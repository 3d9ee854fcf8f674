// SPDX-License-Identifier: MIT
/* smtp_io.c: one command and one strict reply under a deadline, and the
 * classification of what went wrong into the caller's struct result. It
 * owns the session's line and command buffers and the last reply; it talks
 * only to conn_*(). It never decides what to send next, and never keeps a
 * pointer to a result. */
#include "smtp_io.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

void
smtp_io_init(struct smtp_io *io, int fd, uint64_t command_timeout_ms,
    const struct deadline *session_dl)
{
	memset(io, 0, sizeof *io);
	conn_init(&io->conn, fd);
	reply_init(&io->reply);
	buf_init(&io->line, SMTP_AUTH_LINE_MAX + 2);
	/* An AUTH line, or a pipelined group of up to 100 commands. */
	buf_init(&io->out, 100 * 2 * SMTP_CMD_LINE_MAX + SMTP_AUTH_LINE_MAX);
	io->command_timeout_ms = command_timeout_ms;
	io->session_dl = *session_dl;
}

void
smtp_io_free(struct smtp_io *io)
{
	if (io->conn.fd >= 0)
		close(io->conn.fd);
	io->conn.fd = -1;
	reply_free(&io->reply);
	buf_free(&io->line);
	buf_wipe(&io->out);
}

struct deadline
smtp_io_deadline(const struct smtp_io *io, uint64_t rfc_ms)
{
	uint64_t ms = io->command_timeout_ms < rfc_ms ? io->command_timeout_ms : rfc_ms;
	return deadline_min(deadline_after_ms(ms), io->session_dl);
}

enum err
smtp_io_fail(struct result *res, enum res cls, enum stage at, enum err e, const char *fmt,
    ...)
{
	va_list ap;
	char text[sizeof res->text];
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	result_set(res, cls, at, e, "%s", text);
	res->code = 0;
	res->esc[0] = '\0';
	trace_note("%s", text);
	return e;
}

enum err
smtp_io_fail_io(struct smtp_io *io, struct result *res, enum stage at, enum err e,
    const char *what)
{
	char tlserr[160];
	io->broken = true;
	const char *why = e == ERR_TIMEOUT ? "timed out" : e == ERR_EOF ?
	    "connection closed by server" : e == ERR_TOOBIG ? "line too long" :
	    e == ERR_PROTO ? "malformed line (bare CR or LF, or NUL)" :
	    e == ERR_TLS && *conn_tls_error(&io->conn, tlserr, sizeof tlserr) ?
	    tlserr : err_str(e);
	return smtp_io_fail(res, RES_TEMP, at, e == ERR_TOOBIG ? ERR_PROTO : e,
	    "%s: %s while %s", io->peer, why, what);
}

bool
smtp_out_of_step(int code, enum stage at)
{
	return code == 503 && (at == STAGE_MAIL || at == STAGE_RCPT || at == STAGE_DATA);
}

enum err
smtp_io_fail_reply(struct smtp_io *io, struct result *res, enum stage at, enum err e)
{
	char sum[SMTP_TEXT_SHOWN_MAX + 8];
	enum res cls = io->reply.code >= 500 ? RES_PERM : RES_TEMP;
	bool out_of_step = smtp_out_of_step(io->reply.code, at);
	reply_summary(&io->reply, sum, sizeof sum);
	/* doc/decisions.md D11: before TLS, nothing the server says is
	 * authenticated; D14: a 503 in the middle of a transaction whose every
	 * step so far was accepted says the server lost its place. */
	if (!io->tls_on || out_of_step)
		cls = RES_TEMP;
	smtp_io_fail(res, cls, at, e, "%s said after %s: %s%s", io->peer, stage_str(at), sum,
	    !io->tls_on ? " (before TLS, so treated as temporary)" :
	    out_of_step ? " (out of step, so treated as temporary)" : "");
	res->code = io->reply.code;
	snprintf(res->esc, sizeof res->esc, "%s", io->reply.esc);
	return e;
}

enum err
smtp_io_cmd(struct smtp_io *io, struct result *res, enum stage at, const char *line,
    uint64_t rfc_ms)
{
	struct deadline dl = smtp_io_deadline(io, rfc_ms);
	enum err rc;
	if (conn_pending(&io->conn) != 0 && (io->broken = true))
		return smtp_io_fail(res, RES_TEMP, at, ERR_PROTO, "%s sent %zu bytes nobody"
		    " asked for before %s (out of step, or an injection attempt)", io->peer,
		    conn_pending(&io->conn), stage_str(at));
	buf_reset(&io->out);
	if (buf_adds(&io->out, line) != ERR_OK || buf_add(&io->out, "\r\n", 2) != ERR_OK)
		return smtp_io_fail(res, RES_PERM, at, ERR_DATA, "command too long");
	trace_send(line, strlen(line));
	if ((rc = conn_write(&io->conn, io->out.data, io->out.len, &dl)) != ERR_OK)
		return smtp_io_fail_io(io, res, at, rc, "sending");
	return ERR_OK;
}

enum err
smtp_io_reply(struct smtp_io *io, struct result *res, enum stage at, size_t maxline,
    uint64_t rfc_ms)
{
	struct deadline dl = smtp_io_deadline(io, rfc_ms);
	bool done = false;
	reply_reset(&io->reply);
	while (!done) {
		const char *why = NULL;
		enum err rc = conn_getline(&io->conn, &io->line, maxline, &dl);
		if (rc != ERR_OK)
			return smtp_io_fail_io(io, res, at, rc, "waiting for the reply");
		trace_recv(io->line.data, io->line.len);
		rc = reply_feed_line(&io->reply, io->line.data, io->line.len, &done, &why);
		if (rc != ERR_OK) {
			io->broken = true;
			return smtp_io_fail(res, RES_TEMP, at, ERR_PROTO,
			    "%s: bad reply to %s: %s", io->peer, stage_str(at), why);
		}
	}
	reply_summary(&io->reply, io->last, sizeof io->last);
	return ERR_OK;
}

enum err
smtp_io_exchange(struct smtp_io *io, struct result *res, enum stage at, const char *line,
    uint64_t rfc_ms)
{
	enum err rc = smtp_io_cmd(io, res, at, line, rfc_ms);
	if (rc == ERR_OK)
		rc = smtp_io_reply(io, res, at, SMTP_REPLY_LINE_MAX, rfc_ms);
	return rc;
}
