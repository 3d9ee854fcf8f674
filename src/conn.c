// SPDX-License-Identifier: MIT
/* conn.c: reads and writes with poll() for the time left, never blocking
 * past a deadline, plaintext or TLS underneath. Over TLS it calls tls_*()
 * only: tls.c makes every GnuTLS call. It owns the read buffer, so it is
 * the one place that knows whether the peer sent more than asked. */
#include "conn.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

void
conn_init(struct conn *c, int fd)
{
	c->fd = fd;
	c->tls = NULL;
	c->rpos = c->rlen = 0;
	c->bytes_out = 0;
	c->dead = false;
}

const char *
conn_tls_error(const struct conn *c, char *out, size_t cap)
{
	if (!c->tls) {
		out[0] = '\0';
		return out;
	}
	return tls_error_str(c->tls, out, cap);
}

static enum err
wait_fd(int fd, short events, const struct deadline *dl)
{
	int r = deadline_poll(fd, events, dl);
	return r < 0 ? ERR_IO : r == 0 ? ERR_TIMEOUT : ERR_OK;
}

/* Fill rbuf with at least one more byte. */
static enum err
fill(struct conn *c, const struct deadline *dl)
{
	enum err rc;
	int one = 1;
	/* We are about to wait for the peer: acknowledge at once rather than
	 * let delayed ACKs stall its next segment (see net.c). Linux
	 * clears the flag by itself, so it is set before each wait. */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
	if (c->rpos > 0) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	if (c->rlen == sizeof c->rbuf)
		return ERR_TOOBIG;
	if (c->tls) {
		size_t got = 0;
		rc = tls_recv(c->tls, c->fd, c->rbuf + c->rlen, sizeof c->rbuf - c->rlen, &got,
		    dl);
		c->rlen += got;
		return rc;
	}
	for (;;) {
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, sizeof c->rbuf - c->rlen, 0);
		if (n > 0) {
			c->rlen += (size_t)n;
			return ERR_OK;
		}
		if (n == 0)
			return ERR_EOF;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((rc = wait_fd(c->fd, POLLIN, dl)) != ERR_OK)
				return rc;
			continue;
		}
		return errno == ECONNRESET ? ERR_EOF : ERR_IO;
	}
}

static enum err
conn_getline1(struct conn *c, struct buf *line, size_t max, const struct deadline *dl);

enum err
conn_read(struct conn *c, void *p, size_t cap, size_t *got, const struct deadline *dl)
{
	size_t n;
	*got = 0;
	if (c->dead)
		return ERR_IO;
	if (c->rpos == c->rlen) {
		enum err rc;
		c->rpos = c->rlen = 0;
		if ((rc = fill(c, dl)) != ERR_OK) {
			c->dead = true;
			return rc;
		}
	}
	n = c->rlen - c->rpos < cap ? c->rlen - c->rpos : cap;
	memcpy(p, c->rbuf + c->rpos, n);
	c->rpos += n;
	*got = n;
	return ERR_OK;
}

enum err
conn_getline(struct conn *c, struct buf *line, size_t max, const struct deadline *dl)
{
	enum err rc;
	if (c->dead)
		return ERR_IO;
	rc = conn_getline1(c, line, max, dl);
	if (rc == ERR_TIMEOUT || rc == ERR_IO || rc == ERR_EOF || rc == ERR_TLS)
		c->dead = true;
	return rc;
}

static enum err
conn_getline1(struct conn *c, struct buf *line, size_t max, const struct deadline *dl)
{
	enum err rc;
	buf_reset(line);
	for (;;) {
		char *start = c->rbuf + c->rpos;
		size_t avail = c->rlen - c->rpos;
		char *lf = memchr(start, '\n', avail);
		size_t take = lf ? (size_t)(lf - start) + 1 : avail;

		if (memchr(start, '\0', take))
			return ERR_PROTO;
		if (lf) {
			/* RFC 5321 2.3.8: CRLF is the only line terminator. */
			size_t n = take - 1;
			if (line->len + n == 0 || (n > 0 ? start[n - 1] :
			    line->data[line->len - 1]) != '\r')
				return ERR_PROTO;
			if (line->len + n - 1 > max)
				return ERR_TOOBIG;
			if (buf_add(line, start, n) != ERR_OK)
				return ERR_TOOBIG;
			buf_truncate(line, line->len - 1);
			c->rpos += take;
			if (memchr(line->data, '\r', line->len))
				return ERR_PROTO;   /* bare CR inside the line */
			return ERR_OK;
		}
		/* No LF yet: keep what we have (a CR may end it) and read more. */
		if (line->len + avail > max + 1)
			return ERR_TOOBIG;
		if (buf_add(line, start, avail) != ERR_OK)
			return ERR_TOOBIG;
		c->rpos = c->rlen = 0;
		if ((rc = fill(c, dl)) != ERR_OK)
			return rc;
	}
}

static enum err
conn_write1(struct conn *c, const void *p, size_t n, const struct deadline *dl);

enum err
conn_write(struct conn *c, const void *p, size_t n, const struct deadline *dl)
{
	enum err rc;
	if (c->dead)
		return ERR_IO;
	if ((rc = conn_write1(c, p, n, dl)) != ERR_OK)
		c->dead = true;
	return rc;
}

static enum err
conn_write1(struct conn *c, const void *p, size_t n, const struct deadline *dl)
{
	const char *s = p;
	enum err rc;
	while (n > 0) {
		ssize_t w;
		if (c->tls) {
			size_t put = 0;
			if ((rc = tls_send(c->tls, c->fd, s, n, &put, dl)) != ERR_OK)
				return rc;
			w = (ssize_t)put;
		} else {
			w = send(c->fd, s, n, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				if ((rc = wait_fd(c->fd, POLLOUT, dl)) != ERR_OK)
					return rc;
				continue;
			}
			if (w < 0)
				return errno == EPIPE || errno == ECONNRESET ? ERR_EOF : ERR_IO;
		}
		s += w;
		n -= (size_t)w;
		c->bytes_out += (unsigned long long)w;
	}
	return ERR_OK;
}

size_t
conn_pending(const struct conn *c)
{
	size_t n = c->rlen - c->rpos;
	if (c->tls)
		n += tls_pending(c->tls);
	return n;
}

enum err
conn_start_tls(struct conn *c, struct tls_session *t, const struct deadline *dl,
    struct buf *err)
{
	enum err rc;
	if (conn_pending(c) != 0) {
		errf(err, "server sent %zu unexpected bytes before the TLS handshake"
		    " (response injection?)", conn_pending(c));
		return ERR_PROTO;
	}
	if ((rc = tls_handshake(t, c->fd, dl, err)) != ERR_OK)
		return rc;
	c->tls = t;
	return ERR_OK;
}

void
conn_close(struct conn *c, const struct deadline *dl)
{
	if (c->fd < 0)
		return;
	if (c->tls && !c->dead)
		tls_bye(c->tls, c->fd, dl);
	close(c->fd);
	c->fd = -1;
	c->tls = NULL;
}
