// SPDX-License-Identifier: MIT
/* bounce.c: the text of a bounce. Lines are CRLF and at most 998 octets
 * (the quoted original headers were bounded at intake); server replies
 * quoted in it are sanitised. Never called for a null-sender message. */
#include "bounce.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "msg.h"
#include "util.h"

static enum err
put_raw(int fd, const char *p, size_t len, uint64_t *size)
{
	if (write_all(fd, p, len) != ERR_OK)
		return ERR_SPOOL;
	*size += len;
	return ERR_OK;
}

static enum err
put(int fd, struct buf *b, uint64_t *size)
{
	enum err rc = put_raw(fd, buf_str(b), b->len, size);
	buf_reset(b);
	return rc;
}

/* A status code for the report: the reply's enhanced code if it has one. */
static void
status_of(const char *reply, bool expired, char *out, size_t cap)
{
	const char *p = reply ? strchr(reply, ' ') : NULL;
	if (!expired && p && (p[1] == '5' || p[1] == '4') && p[2] == '.') {
		size_t n = strcspn(p + 1, " ");
		if (n < cap) {
			memcpy(out, p + 1, n);
			out[n] = '\0';
			out[0] = '5';
			return;
		}
	}
	snprintf(out, cap, expired ? "4.4.7" : "5.0.0");
	if (expired)
		out[0] = '5';
}

enum err
bounce_write(int outfd, const struct envelope *env, const bool *which, int msgfd,
    const char *hostname, bool expired, const char *to, uint64_t *size)
{
	struct buf b;
	char date[64], boundary[40], arrival[64], rnd[33];
	time_t created = (time_t)env->created;
	struct tm tm;
	enum err rc = ERR_OK;
	off_t off = 0;

	*size = 0;
	buf_init(&b, 64 * 1024);
	msg_date(date, sizeof date);
	localtime_r(&created, &tm);
	strftime(arrival, sizeof arrival, "%a, %d %b %Y %H:%M:%S %z", &tm);
	random_hex(rnd, 16);
	snprintf(boundary, sizeof boundary, "=_%.24s", rnd);

	rc = buf_addf(&b, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n"
	    "To: <%s>\r\n"
	    "Subject: Undelivered Mail Returned to Sender\r\n"
	    "Date: %s\r\n"
	    "Message-ID: <%.16s.bounce@%s>\r\n"
	    "Auto-Submitted: auto-replied\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"%s\"\r\n"
	    "\r\n"
	    "This is a MIME-encapsulated message.\r\n"
	    "\r\n"
	    "--%s\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "\r\n"
	    "This is the sealpost mail submission program at %s.\r\n"
	    "\r\n"
	    "Your message could not be delivered to the recipients below%s.\r\n"
	    "\r\n",
	    hostname, to, date, rnd + 16, hostname, boundary, boundary, hostname,
	    expired ? ": it stayed in the queue too long without being accepted" : "");
	for (size_t i = 0; rc == ERR_OK && i < env->nrcpts; i++) {
		char clean[SMTP_TEXT_SHOWN_MAX + 8];
		if (!which[i])
			continue;
		str_sanitize(clean, sizeof clean, env->rcpts[i].reply ? env->rcpts[i].reply : "",
		    env->rcpts[i].reply ? strlen(env->rcpts[i].reply) : 0);
		rc = buf_addf(&b, "<%s>: %s\r\n", env->rcpts[i].addr, *clean ? clean : "failed");
	}
	if (rc == ERR_OK)
		rc = buf_addf(&b, "\r\n--%s\r\nContent-Type: message/delivery-status\r\n\r\n"
		    "Reporting-MTA: dns; %s\r\n", boundary, hostname);
	if (rc == ERR_OK && env->dsn_envid)
		rc = buf_addf(&b, "Original-Envelope-Id: %s\r\n", env->dsn_envid);
	if (rc == ERR_OK)
		rc = buf_addf(&b, "Arrival-Date: %s\r\n", arrival);
	for (size_t i = 0; rc == ERR_OK && i < env->nrcpts; i++) {
		char clean[SMTP_TEXT_SHOWN_MAX + 8], status[16];
		if (!which[i])
			continue;
		if ((rc = put(outfd, &b, size)) != ERR_OK)
			break;
		str_sanitize(clean, sizeof clean, env->rcpts[i].reply ? env->rcpts[i].reply : "",
		    env->rcpts[i].reply ? strlen(env->rcpts[i].reply) : 0);
		status_of(env->rcpts[i].reply, expired, status, sizeof status);
		rc = buf_addf(&b, "\r\nFinal-Recipient: rfc822; %s\r\nAction: failed\r\n"
		    "Status: %s\r\n", env->rcpts[i].addr, status);
		if (rc == ERR_OK && *clean)
			rc = buf_addf(&b, "Diagnostic-Code: smtp; %s\r\n", clean);
	}
	bool full = env->dsn_ret && strcmp(env->dsn_ret, "FULL") == 0;
	if (rc == ERR_OK)
		rc = buf_addf(&b, "\r\n--%s\r\nContent-Type: %s\r\n\r\n", boundary,
		    full ? "message/rfc822" : "text/rfc822-headers");
	if (rc != ERR_OK || (rc = put(outfd, &b, size)) != ERR_OK) {
		buf_free(&b);
		return ERR_SPOOL;
	}
	if (full) {
		/* RET=FULL (RFC 3461 4.3): the whole original message. */
		for (;;) {
			char chunk[65536];
			ssize_t n = pread(msgfd, chunk, sizeof chunk, off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				buf_free(&b);
				return ERR_IO;
			}
			if (n == 0)
				break;
			if (put_raw(outfd, chunk, (size_t)n, size) != ERR_OK) {
				buf_free(&b);
				return ERR_SPOOL;
			}
			off += n;
		}
		rc = buf_addf(&b, "\r\n--%s--\r\n", boundary);
		if (rc == ERR_OK)
			rc = put(outfd, &b, size);
		buf_free(&b);
		return rc == ERR_OK ? ERR_OK : ERR_SPOOL;
	}
	/* The original header block, up to its blank line; intake bounded it
	 * to MSG_HEADER_MAX, and every message has one (possibly empty). */
	{
		struct buf hdr;
		buf_init(&hdr, MSG_HEADER_MAX + 4);
		while (hdr.len < hdr.max) {
			char chunk[8192];
			size_t want = hdr.max - hdr.len < sizeof chunk ? hdr.max - hdr.len : sizeof chunk;
			ssize_t n = pread(msgfd, chunk, want, off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				buf_free(&hdr);
				buf_free(&b);
				return ERR_IO;
			}
			if (n == 0 || buf_add(&hdr, chunk, (size_t)n) != ERR_OK)
				break;
			off += n;
			if (memmem(hdr.data, hdr.len, "\r\n\r\n", 4))
				break;
		}
		const char *p = hdr.data ? hdr.data : "";
		const char *blank = hdr.len >= 2 && p[0] == '\r' && p[1] == '\n' ? p :
		    memmem(p, hdr.len, "\r\n\r\n", 4);
		size_t take = !blank || blank == p ? 0 : (size_t)(blank - p) + 2;
		rc = put_raw(outfd, p, take, size);
		buf_free(&hdr);
		if (rc != ERR_OK) {
			buf_free(&b);
			return ERR_SPOOL;
		}
	}
	rc = buf_addf(&b, "\r\n--%s--\r\n", boundary);
	if (rc == ERR_OK)
		rc = put(outfd, &b, size);
	buf_free(&b);
	return rc == ERR_OK ? ERR_OK : ERR_SPOOL;
}
