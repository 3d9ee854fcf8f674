/* SPDX-License-Identifier: MIT */
/* conn.h: the byte stream under the SMTP client, plaintext or TLS, with a
 * bounded line reader and deadlines on every wait. The protocol code
 * (smtp_io.c, smtp.c) talks only to this, never to tls_*() record I/O. */
#ifndef SEALPOST_CONN_H
#define SEALPOST_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "bounds.h"
#include "buf.h"
#include "deadline.h"
#include "err.h"
#include "tls.h"

struct conn {
	int fd;
	struct tls_session *tls;    /* NULL while plaintext */
	char rbuf[CONN_RBUF_SIZE];
	size_t rpos, rlen;
	unsigned long long bytes_out;
	bool dead;                  /* a read or write failed or timed out: GnuTLS may
	                             * hold a half-sent record pointing into a buffer
	                             * that is gone, so nothing more goes out */
};

/* conn_tls_error: text for the last fatal TLS error (with the alert the
 * peer sent, if any), for messages; "" when there was none. */
const char *conn_tls_error(const struct conn *c, char *out, size_t cap);

/* conn_init: wrap a connected non-blocking socket. */
void conn_init(struct conn *c, int fd);

/* conn_getline: read one line ending in CRLF into line (reset first),
 * without the CRLF, at most max bytes. Errors: ERR_TOOBIG (longer than max),
 * ERR_PROTO (bare LF, or NUL), ERR_EOF, ERR_TIMEOUT, ERR_IO, ERR_TLS. The
 * line is untrusted server data. */
enum err conn_getline(struct conn *c, struct buf *line, size_t max,
    const struct deadline *dl) WUR;

/* conn_read: at most cap bytes (what is buffered first, else what one
 * read brings) into p, waiting until dl; *got > 0 on success. Errors:
 * ERR_EOF (closed), ERR_TIMEOUT, ERR_IO, ERR_TLS; the connection is then
 * dead. The bytes are untrusted peer data. */
enum err conn_read(struct conn *c, void *p, size_t cap, size_t *got,
    const struct deadline *dl) WUR;

/* conn_write: write all n bytes before dl. Errors: ERR_TIMEOUT, ERR_IO,
 * ERR_EOF, ERR_TLS; after any of them (or a failed read) the connection is
 * dead: further reads and writes return ERR_IO, and conn_close() sends no
 * close_notify. */
enum err conn_write(struct conn *c, const void *p, size_t n,
    const struct deadline *dl) WUR;

/* conn_pending: bytes received but not yet consumed (our buffer plus
 * decrypted TLS data GnuTLS holds). Nonzero when a reply is not expected
 * means the peer is out of step (RFC 5321 4.2; at STARTTLS, the CVE-2011-0411 injection). */
size_t conn_pending(const struct conn *c);

/* conn_start_tls: switch to TLS over the same socket and handshake until
 * dl. Refuses (ERR_PROTO) if any plaintext is still buffered. */
enum err conn_start_tls(struct conn *c, struct tls_session *t,
    const struct deadline *dl, struct buf *err) WUR;

/* conn_close: close_notify when in TLS (bounded by dl), then close(fd). */
void conn_close(struct conn *c, const struct deadline *dl);

#endif
