/* SPDX-License-Identifier: MIT */
/* reply.h: strict SMTP reply and EHLO capability parsing (RFC 5321 4.2,
 * 4.1.1.1). Pure: no I/O. Everything parsed here is untrusted server data. */
#ifndef SEALPOST_REPLY_H
#define SEALPOST_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

struct smtp_reply {
	int code;               /* 200..599 once complete */
	char esc[16];           /* enhanced status code "x.y.z" (RFC 3463), or "" */
	struct buf text;        /* line texts without code, joined by '\n' */
	size_t nlines;
};

void reply_init(struct smtp_reply *r);
void reply_reset(struct smtp_reply *r);
void reply_free(struct smtp_reply *r);

/* reply_feed_line: add one reply line (len bytes, CRLF already removed) to r.
 * *done becomes true on the last line (code SP text, or a bare code).
 * Errors: ERR_PROTO (bad code, code changes between lines, bad separator,
 * control bytes in the text), ERR_TOOBIG (too many lines or bytes). *why
 * then names the fault in a few words. */
enum err reply_feed_line(struct smtp_reply *r, const char *line, size_t len,
    bool *done, const char **why) WUR;

/* reply_summary: "CODE text" for logs and messages, sanitised, at most
 * cap-1 bytes (and at most SMTP_TEXT_SHOWN_MAX of text). A multi-line
 * reply's lines are joined by spaces, each without its blanks at either end
 * and, after the first, without a repeat of the enhanced status code; when
 * they do not fit, the first line is cut and the last kept after " ... ". */
char *reply_summary(const struct smtp_reply *r, char *out, size_t cap);

enum ehlo_flag {
	EHLO_STARTTLS = 1u << 0,
	EHLO_PIPELINING = 1u << 1,
	EHLO_8BITMIME = 1u << 2,
	EHLO_SMTPUTF8 = 1u << 3,
	EHLO_DSN = 1u << 4,
	EHLO_ENHANCEDSTATUSCODES = 1u << 5,
	EHLO_CHUNKING = 1u << 6,
	EHLO_SIZE = 1u << 7,
	EHLO_AUTH = 1u << 8,
	EHLO_REQUIRETLS = 1u << 9,
};

struct ehlo_caps {
	unsigned flags;
	unsigned long size_max;     /* SIZE n; 0 = no fixed limit */
	char auth[512];             /* upper-case mechanism names, ' '-separated */
};

/* ehlo_parse: read the capabilities of a 250 EHLO reply. The first line is
 * the server's name, never a keyword. Keywords are matched whole and
 * case-insensitively (RFC 5321 4.1.1.1); lines that are not valid keywords are
 * ignored. Errors: ERR_PROTO when r is not a 250 reply. */
enum err ehlo_parse(const struct smtp_reply *r, struct ehlo_caps *caps) WUR;

/* ehlo_has_auth: true if mech (case-insensitive) was advertised. */
bool ehlo_has_auth(const struct ehlo_caps *caps, const char *mech);

#endif
