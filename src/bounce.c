// SPDX-License-Identifier: MIT
/* bounce.c: the text of a bounce. Lines are CRLF and at most 998 octets
 * (the quoted original headers were bounded at intake); server replies
 * quoted in it are sanitised. Never called for a null-sender message. Who
 * sends it (bounce_sender()) is doc/decisions.md D20. */
#include "bounce.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alias.h"
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

/* A bounce being written: what its parts share. */
struct report {
	int outfd;
	struct buf b;           /* text not yet written to outfd */
	uint64_t *size;         /* bytes written so far */
	const struct envelope *env;
	const bool *which;
	const char *hostname;
	const char *sender;     /* the From: address; NULL: MAILER-DAEMON@hostname */
	bool expired;
	char boundary[40];
};

char *
bounce_sender(const struct config *cfg, const struct account *acct, const char *orig)
{
	if (!acct || acct->mode != ACCT_RELAY)
		return xstrdup("");
	return acct->from ? alias_qualify_for(cfg, acct, acct->from) : xstrdup(orig);
}

/* Recipient i's last reply, sanitised ("" if none). */
static void
clean_reply(const struct envelope *env, size_t i, char *clean, size_t cap)
{
	const char *reply = env->rcpts[i].reply;
	str_sanitize(clean, cap, reply ? reply : "", reply ? strlen(reply) : 0);
}

/* The message header and the human-readable part. */
static enum err
add_human_part(struct report *rp, const char *to, const char *date, const char *rnd)
{
	const struct envelope *env = rp->env;
	enum err rc = rp->sender ? buf_addf(&rp->b, "From: Mail Delivery System <%s>\r\n",
	    rp->sender) : buf_addf(&rp->b, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n",
	    rp->hostname);
	if (rc == ERR_OK)
		rc = buf_addf(&rp->b, "To: <%s>\r\n"
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
	    to, date, rnd + 16, rp->hostname, rp->boundary, rp->boundary,
	    rp->hostname,
	    rp->expired ? ": it stayed in the queue too long without being accepted" : "");
	for (size_t i = 0; rc == ERR_OK && i < env->nrcpts; i++) {
		char clean[SMTP_TEXT_SHOWN_MAX + 8];
		if (!rp->which[i])
			continue;
		clean_reply(env, i, clean, sizeof clean);
		rc = buf_addf(&rp->b, "<%s>: %s\r\n", env->rcpts[i].addr, *clean ? clean : "failed");
	}
	return rc;
}

/* The message/delivery-status part. What is buffered is written before
 * each recipient's block, so b holds at most one of them. */
static enum err
add_status_part(struct report *rp, const char *arrival)
{
	const struct envelope *env = rp->env;
	enum err rc = buf_addf(&rp->b, "\r\n--%s\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; %s\r\n", rp->boundary, rp->hostname);

	if (rc == ERR_OK && env->dsn_envid)
		rc = buf_addf(&rp->b, "Original-Envelope-Id: %s\r\n", env->dsn_envid);
	if (rc == ERR_OK)
		rc = buf_addf(&rp->b, "Arrival-Date: %s\r\n", arrival);
	for (size_t i = 0; rc == ERR_OK && i < env->nrcpts; i++) {
		char clean[SMTP_TEXT_SHOWN_MAX + 8], status[16];
		if (!rp->which[i])
			continue;
		if ((rc = put(rp->outfd, &rp->b, rp->size)) != ERR_OK)
			break;
		clean_reply(env, i, clean, sizeof clean);
		status_of(env->rcpts[i].reply, rp->expired, status, sizeof status);
		rc = buf_addf(&rp->b, "\r\nFinal-Recipient: rfc822; %s\r\nAction: failed\r\n"
		    "Status: %s\r\n", env->rcpts[i].addr, status);
		if (rc == ERR_OK && *clean)
			rc = buf_addf(&rp->b, "Diagnostic-Code: smtp; %s\r\n", clean);
	}
	return rc;
}

/* pread, again when a signal interrupts it. */
static ssize_t
pread_retry(int fd, void *p, size_t n, off_t off)
{
	ssize_t r;
	while ((r = pread(fd, p, n, off)) < 0 && errno == EINTR)
		;
	return r;
}

/* RET=FULL (RFC 3461 4.3): the whole original message. Errors: ERR_IO
 * (reading msgfd), ERR_SPOOL. */
static enum err
copy_message(struct report *rp, int msgfd)
{
	off_t off = 0;

	for (;;) {
		char chunk[65536];
		ssize_t n = pread_retry(msgfd, chunk, sizeof chunk, off);
		if (n <= 0)
			return n < 0 ? ERR_IO : ERR_OK;
		if (put_raw(rp->outfd, chunk, (size_t)n, rp->size) != ERR_OK)
			return ERR_SPOOL;
		off += n;
	}
}

/* The start of the message into hdr: up to hdr->max bytes, or to the
 * first blank line. */
static enum err
read_head(int msgfd, struct buf *hdr)
{
	off_t off = 0;

	while (hdr->len < hdr->max) {
		char chunk[8192];
		size_t want = hdr->max - hdr->len < sizeof chunk ? hdr->max - hdr->len : sizeof chunk;
		ssize_t n = pread_retry(msgfd, chunk, want, off);
		if (n < 0)
			return ERR_IO;
		if (n == 0 || buf_add(hdr, chunk, (size_t)n) != ERR_OK)
			break;
		off += n;
		if (memmem(hdr->data, hdr->len, "\r\n\r\n", 4))
			break;
	}
	return ERR_OK;
}

/* The original header block, up to its blank line; intake bounded it
 * to MSG_HEADER_MAX, and every message has one (possibly empty). */
static enum err
copy_header_block(struct report *rp, int msgfd)
{
	struct buf hdr;
	enum err rc;

	buf_init(&hdr, MSG_HEADER_MAX + 4);
	if ((rc = read_head(msgfd, &hdr)) == ERR_OK) {
		const char *p = hdr.data ? hdr.data : "";
		const char *blank = hdr.len >= 2 && p[0] == '\r' && p[1] == '\n' ? p :
		    memmem(p, hdr.len, "\r\n\r\n", 4);
		size_t take = !blank || blank == p ? 0 : (size_t)(blank - p) + 2;
		rc = put_raw(rp->outfd, p, take, rp->size);
	}
	buf_free(&hdr);
	return rc;
}

enum err
bounce_write(int outfd, const struct envelope *env, const bool *which, int msgfd,
    const char *hostname, const char *sender, bool expired, const char *to, uint64_t *size)
{
	struct report rp = { .outfd = outfd, .size = size, .env = env, .which = which,
	    .hostname = hostname, .sender = sender && *sender ? sender : NULL,
	    .expired = expired };
	char date[64], arrival[64], rnd[33];
	time_t created = (time_t)env->created;
	struct tm tm;
	bool full = env->dsn_ret && strcmp(env->dsn_ret, "FULL") == 0;
	enum err rc;

	*size = 0;
	buf_init(&rp.b, 64 * 1024);
	msg_date(date, sizeof date);
	localtime_r(&created, &tm);
	strftime(arrival, sizeof arrival, "%a, %d %b %Y %H:%M:%S %z", &tm);
	random_hex(rnd, 16);
	snprintf(rp.boundary, sizeof rp.boundary, "=_%.24s", rnd);

	rc = add_human_part(&rp, to, date, rnd);
	if (rc == ERR_OK)
		rc = add_status_part(&rp, arrival);
	if (rc == ERR_OK)
		rc = buf_addf(&rp.b, "\r\n--%s\r\nContent-Type: %s\r\n\r\n", rp.boundary,
		    full ? "message/rfc822" : "text/rfc822-headers");
	if (rc != ERR_OK || put(outfd, &rp.b, size) != ERR_OK) {
		rc = ERR_SPOOL;
		goto out;
	}
	rc = full ? copy_message(&rp, msgfd) : copy_header_block(&rp, msgfd);
	if (rc != ERR_OK)
		goto out;
	if (buf_addf(&rp.b, "\r\n--%s--\r\n", rp.boundary) != ERR_OK ||
	    put(outfd, &rp.b, size) != ERR_OK)
		rc = ERR_SPOOL;
out:
	buf_free(&rp.b);
	return rc;
}
