/* SPDX-License-Identifier: MIT */
/* smtp_io.h: one SMTP command and one strictly validated reply, each under
 * a deadline, with every failure classified into a caller's struct result.
 * smtp.c (the protocol steps) and auth.c (SASL) both speak through this. */
#ifndef SEALPOST_SMTP_IO_H
#define SEALPOST_SMTP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"
#include "buf.h"
#include "conn.h"
#include "deadline.h"
#include "err.h"
#include "net.h"
#include "reply.h"
#include "result.h"

/* The command/reply channel of one session. The owner fills peer and sets
 * tls_on once TLS is up and verified; the smtp_io_*() functions keep the
 * rest. */
struct smtp_io {
	struct conn conn;
	struct smtp_reply reply;        /* the last reply read: untrusted server data */
	struct buf line;                /* one reply line, as read */
	struct buf out;                 /* the command(s) being sent; wiped (AUTH) */
	uint64_t command_timeout_ms;    /* configured cap on every RFC 5321 timeout */
	struct deadline session_dl;     /* caps every wait of the session */
	bool tls_on;                    /* replies are authenticated (doc/decisions.md D11) */
	bool broken;                    /* out of step or I/O failed: not reusable */
	char peer[NET_PEER_MAX + 300];  /* "host:port" or the address, for messages */
	char last[SMTP_TEXT_SHOWN_MAX + 8];     /* summary of the last whole reply */
};

/* smtp_io_init: a channel over the connected non-blocking socket fd (owned
 * by io from now on), with empty buffers and no TLS. smtp_io_free() must
 * follow. */
void smtp_io_init(struct smtp_io *io, int fd, uint64_t command_timeout_ms,
    const struct deadline *session_dl);

/* smtp_io_free: close the socket if still open (no QUIT, no close_notify:
 * conn_close() is for that) and free the buffers, wiping the command
 * buffer. */
void smtp_io_free(struct smtp_io *io);

/* smtp_io_deadline: min(command_timeout_ms, rfc_ms) from now, capped by the
 * session deadline. */
struct deadline smtp_io_deadline(const struct smtp_io *io, uint64_t rfc_ms);

/* smtp_io_fail: record a failure of class cls at stage at in *res (no
 * reply code, no enhanced status), trace it, and return e. */
enum err smtp_io_fail(struct result *res, enum res cls, enum stage at, enum err e,
    const char *fmt, ...) PRINTF(5, 6);

/* smtp_io_fail_io: classify the transport error e (from conn_*()) met
 * while doing what at stage at: temporary, as RFC 5321 3.8 treats a lost
 * connection as 451, and io is marked broken. Returns e, or ERR_PROTO for
 * ERR_TOOBIG (an over-long line is the peer's fault). */
enum err smtp_io_fail_io(struct smtp_io *io, struct result *res, enum stage at, enum err e,
    const char *what);

/* smtp_out_of_step: is code, in reply to the command of stage at, a
 * "bad sequence of commands" (503) where every earlier step of the
 * session was accepted (MAIL, RCPT after an accepted MAIL, DATA)? That
 * says the server lost its place, not that the message is refused
 * (doc/decisions.md D14): temporary. */
bool smtp_out_of_step(int code, enum stage at);

/* smtp_io_fail_reply: classify the negative reply in io->reply at stage
 * at into *res: 5xx permanent, anything else temporary, and everything
 * temporary before TLS (doc/decisions.md D11); the code and enhanced status are kept.
 * Returns e. */
enum err smtp_io_fail_reply(struct smtp_io *io, struct result *res, enum stage at,
    enum err e);

/* smtp_io_cmd: send one command line (CRLF added), traced, before
 * smtp_io_deadline(io, rfc_ms). Refuses (ERR_PROTO, io broken) when the
 * server has sent bytes nobody asked for (RFC 5321 4.2: one reply per command). Errors, classified
 * into *res: ERR_PROTO, ERR_DATA (line too long: permanent), and the
 * transport errors of smtp_io_fail_io(). */
enum err smtp_io_cmd(struct smtp_io *io, struct result *res, enum stage at,
    const char *line, uint64_t rfc_ms) WUR;

/* smtp_io_reply: read one whole reply into io->reply, each line at most
 * maxline bytes, before smtp_io_deadline(io, rfc_ms); on success io->last
 * summarises it. A negative reply is not an error here. Errors, classified
 * into *res as temporary: ERR_PROTO (malformed reply; io broken), and the
 * transport errors of smtp_io_fail_io(). */
enum err smtp_io_reply(struct smtp_io *io, struct result *res, enum stage at,
    size_t maxline, uint64_t rfc_ms) WUR;

/* smtp_io_exchange: smtp_io_cmd() then smtp_io_reply() with lines up to
 * SMTP_REPLY_LINE_MAX: one command and its reply, not pipelined. */
enum err smtp_io_exchange(struct smtp_io *io, struct result *res, enum stage at,
    const char *line, uint64_t rfc_ms) WUR;

#endif
