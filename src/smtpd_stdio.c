// SPDX-License-Identifier: MIT
/* smtpd_stdio.c: the -bs server. It parses local, untrusted input: every
 * line is bounded, every wait has a deadline, and a message is handed on
 * only when complete (the final "." seen). Replies follow RFC 5321 with
 * enhanced status codes. It never speaks to the network itself. */
#include "smtpd_stdio.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "bounds.h"
#include "buf.h"
#include "deadline.h"
#include "log.h"
#include "spool.h"
#include "cli.h"
#include "submit.h"
#include "util.h"

/* Lines from the client: commands are at most 512 octets (RFC 5321
 * 4.5.3.1.4); data lines may be long, and msg.c judges them. */
#define BS_DATA_LINE_MAX (1024 * 1024)

struct bs {
	int in, out;
	char ibuf[65536];
	size_t ipos, ilen;
	struct buf line;
	struct deadline dl;
	uint64_t timeout_ms;
	const struct config *cfg;
	const struct opts *o;
	/* The dialogue so far. */
	bool have_helo, have_mail, done;
	char sender[SMTP_PATH_MAX + 1];
	struct addr_list rcpts;
	int status;                 /* the exit status once done */
};

static enum err
bs_fill(struct bs *b)
{
	for (;;) {
		int r = deadline_poll(b->in, POLLIN, &b->dl);
		if (r == 0)
			return ERR_TIMEOUT;
		if (r < 0)
			return ERR_IO;
		ssize_t n = read(b->in, b->ibuf, sizeof b->ibuf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ERR_IO;
		if (n == 0)
			return ERR_EOF;
		b->ipos = 0;
		b->ilen = (size_t)n;
		return ERR_OK;
	}
}

/* One line without its CRLF (a bare LF is accepted from a local caller).
 * ERR_TOOBIG: the rest of the over-long line has been consumed. */
static enum err
bs_getline(struct bs *b, size_t max)
{
	bool toolong = false;
	buf_reset(&b->line);
	for (;;) {
		if (b->ipos == b->ilen) {
			enum err rc = bs_fill(b);
			if (rc != ERR_OK)
				return rc;
		}
		char *start = b->ibuf + b->ipos;
		size_t avail = b->ilen - b->ipos;
		char *lf = memchr(start, '\n', avail);
		size_t take = lf ? (size_t)(lf - start) : avail;
		if (!toolong && (b->line.len + take > max ||
		    buf_add(&b->line, start, take) != ERR_OK))
			toolong = true;
		b->ipos += take + (lf ? 1 : 0);
		if (lf) {
			if (toolong)
				return ERR_TOOBIG;
			if (b->line.len && b->line.data[b->line.len - 1] == '\r')
				buf_truncate(&b->line, b->line.len - 1);
			return ERR_OK;
		}
	}
}

static enum err
reply(struct bs *b, const char *fmt, ...) PRINTF(2, 3);

static enum err
reply(struct bs *b, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof text - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ERR_INTERNAL;
	if ((size_t)n > sizeof text - 3)
		n = (int)sizeof text - 3;
	text[n++] = '\r';
	text[n++] = '\n';
	return write_all(b->out, text, (size_t)n);
}

int
smtpd_stdio_path(const char *arg, char *out, size_t cap)
{
	const char *lt, *gt;
	while (*arg == ' ')
		arg++;
	lt = arg;
	if (*lt != '<')
		return -1;
	/* The path ends at the first '>' outside a quoted local part. */
	bool q = false;
	for (gt = lt + 1; *gt; gt++) {
		if (*gt == '\\' && q && gt[1])
			gt++;
		else if (*gt == '"')
			q = !q;
		else if (*gt == '>' && !q)
			break;
		else if (*gt == '<' && !q)
			return -1;      /* a second '<' is never part of a path */
	}
	if (*gt != '>' || (size_t)(gt - lt - 1) >= cap)
		return -1;
	if (gt[1] != '\0' && gt[1] != ' ')
		return -1;
	const char *p = lt + 1;
	/* Drop an obsolete source route "@a,@b:" (domain characters only). */
	if (*p == '@') {
		const char *r = p;
		while (r < gt && (isalnum((unsigned char)*r) || strchr("@,.-[]", *r)))
			r++;
		if (r == gt || *r != ':')
			return -1;
		p = r + 1;
	}
	memcpy(out, p, (size_t)(gt - p));
	out[gt - p] = '\0';
	return 0;
}

/* Read DATA up to the lone ".", unstuffed, into an anonymous file. */
static enum err
read_data(struct bs *b, int fd)
{
	struct buf w;
	enum err rc = ERR_OK;
	bool toolong = false;
	buf_init(&w, BODY_CHUNK_SIZE + BS_DATA_LINE_MAX + 2);
	for (;;) {
		/* Each data line gets the data-block timeout (RFC 5321 4.5.3.2.5). */
		b->dl = deadline_after_ms(b->timeout_ms);
		enum err r = bs_getline(b, BS_DATA_LINE_MAX);
		if (r == ERR_TOOBIG) {
			toolong = true;
			continue;
		}
		if (r != ERR_OK) {
			rc = r;
			break;
		}
		const char *p = buf_str(&b->line);
		size_t n = b->line.len;
		if (n == 1 && p[0] == '.')
			break;
		if (p[0] == '.') {
			p++;
			n--;
		}
		if (buf_add(&w, p, n) != ERR_OK || buf_add(&w, "\r\n", 2) != ERR_OK) {
			rc = ERR_INTERNAL;
			break;
		}
		if (w.len >= BODY_CHUNK_SIZE) {
			if (write(fd, w.data, w.len) != (ssize_t)w.len) {
				rc = ERR_SPOOL;
				break;
			}
			buf_reset(&w);
		}
	}
	if (rc == ERR_OK && w.len && write(fd, w.data, w.len) != (ssize_t)w.len)
		rc = ERR_SPOOL;
	buf_free(&w);
	if (rc == ERR_OK && toolong)
		rc = ERR_TOOBIG;
	return rc;
}

/* The last line the caller saw on stderr for out, sanitised for a reply. */
static void
last_line(const struct outcome *out, char *why, size_t cap)
{
	const char *t = out->text;
	if (!*t) {
		const char *n = buf_str(&out->notes), *nl = strrchr(n, '\n');
		t = nl ? nl + 1 : n;
	}
	str_sanitize(why, cap, t, strlen(t));
}

/* Hand one complete message to submit() and answer for it: the reply
 * carries the outcome's exit class and the words the caller would see on
 * stderr (which it also gets there, as from the command line). */
static enum err
deliver(struct bs *b, const char *sender, struct addr_list *rcpts, int fd)
{
	struct submission sub;
	struct outcome out;
	char why[300];
	int status;
	enum err rc;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return reply(b, "451 4.3.0 cannot rewind the message");
	cli_submission(b->o, &sub);
	sub.sender = *sender ? sender : "<>";
	sub.rcpts = rcpts->v;
	sub.nrcpts = rcpts->n;
	sub.extract = false;
	sub.dot_ends = false;
	sub.via = "-bs";
	outcome_init(&out);
	submit(b->cfg, &sub, fd, &out);
	status = outcome_present(&out, b->o->verbose);
	last_line(&out, why, sizeof why);
	switch (status) {
	case EX_OK:
		rc = reply(b, "250 2.0.0 Ok: %s as %s", "accepted", out.id);
		break;
	case EX_DATAERR:
		rc = reply(b, "554 5.6.0 %s", why);
		break;
	case EX_NOUSER:
		rc = reply(b, "550 5.1.1 %s", why);
		break;
	case EX_UNAVAILABLE:
	case EX_NOHOST:
		rc = reply(b, "554 5.0.0 %s", why);
		break;
	case EX_USAGE:
		rc = reply(b, "554 5.5.4 %s", why);
		break;
	default:
		rc = reply(b, "451 4.3.0 %s", why);
		break;
	}
	outcome_free(&out);
	return rc;
}

static void
reset_txn(struct bs *b)
{
	b->have_mail = false;
	addr_list_free(&b->rcpts);
}

static enum err
cmd_helo(struct bs *b, const char *verb, const char *arg)
{
	if (!*arg)
		return reply(b, "501 5.5.4 %s needs a domain", verb);
	b->have_helo = true;
	reset_txn(b);
	return toupper((unsigned char)verb[0]) == 'E' ?
	    reply(b, "250-%s\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n250 HELP", b->cfg->hostname) :
	    reply(b, "250 %s", b->cfg->hostname);
}

static enum err
cmd_mail(struct bs *b, const char *arg)
{
	bool utf8 = false;
	const char *why = NULL;
	if (!b->have_helo)
		return reply(b, "503 5.5.1 send EHLO or HELO first");
	if (b->have_mail)
		return reply(b, "503 5.5.1 nested MAIL command");
	if (strncasecmp(arg, "FROM:", 5) != 0 ||
	    smtpd_stdio_path(arg + 5, b->sender, sizeof b->sender) != 0)
		return reply(b, "501 5.5.4 syntax: MAIL FROM:<address>");
	if (addr_check_envelope(b->sender, true, &utf8, &why) != ERR_OK &&
	    strchr(b->sender, '@'))
		return reply(b, "553 5.1.7 bad sender address: %s", why);
	b->have_mail = true;
	return reply(b, "250 2.1.0 Ok");
}

static enum err
cmd_rcpt(struct bs *b, const char *arg)
{
	char to[SMTP_PATH_MAX + 1];
	if (!b->have_mail)
		return reply(b, "503 5.5.1 need MAIL first");
	if (strncasecmp(arg, "TO:", 3) != 0 || smtpd_stdio_path(arg + 3, to, sizeof to) != 0 ||
	    !*to)
		return reply(b, "501 5.5.4 syntax: RCPT TO:<address>");
	if (has_ctl(to, strlen(to)))
		return reply(b, "553 5.1.3 bad recipient address");
	if (addr_list_add(&b->rcpts, to) != ERR_OK)
		return reply(b, "452 4.5.3 too many recipients");
	return reply(b, "250 2.1.5 Ok");
}

/* DATA: the message into a memory file, then submitted. The caller
 * ending or stalling inside DATA ends the dialogue. */
static enum err
cmd_data(struct bs *b, const char *arg)
{
	enum err rc, dr;
	int fd;
	if (!b->have_mail || b->rcpts.n == 0)
		return reply(b, "503 5.5.1 need %s first", b->have_mail ? "RCPT" : "MAIL");
	if (*arg)
		return reply(b, "501 5.5.4 DATA takes no parameters");
	if ((fd = memfd_create("sealpost-bs", MFD_CLOEXEC)) < 0)
		return reply(b, "451 4.3.0 cannot store the message: %s", strerror(errno));
	if ((rc = reply(b, "354 End data with <CR><LF>.<CR><LF>")) != ERR_OK) {
		close(fd);
		return rc;
	}
	dr = read_data(b, fd);
	if (dr == ERR_OK)
		rc = deliver(b, b->sender, &b->rcpts, fd);
	else if (dr == ERR_TOOBIG)
		rc = reply(b, "554 5.6.0 a data line is longer than %d octets", BS_DATA_LINE_MAX);
	else if (dr == ERR_EOF || dr == ERR_TIMEOUT || dr == ERR_IO) {
		b->status = dr == ERR_EOF ? EX_USAGE : dr == ERR_TIMEOUT ? EX_TEMPFAIL : EX_IOERR;
		b->done = true;
	} else
		rc = reply(b, "451 4.3.0 cannot store the message");
	reset_txn(b);
	close(fd);
	return rc;
}

/* One command line: its verb's handler. */
static enum err
command(struct bs *b, char *line)
{
	char verb[8];
	size_t vl = strcspn(line, " ");
	const char *arg = line + vl + (line[vl] == ' ');

	if (has_ctl(line, b->line.len))
		return reply(b, "500 5.5.2 control characters in the command");
	snprintf(verb, sizeof verb, "%.*s", (int)(vl < 7 ? vl : 7), line);
	if (vl > 4)
		verb[0] = '\0';
	if (strcasecmp(verb, "EHLO") == 0 || strcasecmp(verb, "HELO") == 0)
		return cmd_helo(b, verb, arg);
	if (strcasecmp(verb, "MAIL") == 0)
		return cmd_mail(b, arg);
	if (strcasecmp(verb, "RCPT") == 0)
		return cmd_rcpt(b, arg);
	if (strcasecmp(verb, "DATA") == 0)
		return cmd_data(b, arg);
	if (strcasecmp(verb, "RSET") == 0) {
		reset_txn(b);
		return reply(b, "250 2.0.0 Ok");
	}
	if (strcasecmp(verb, "NOOP") == 0)
		return reply(b, "250 2.0.0 Ok");
	if (strcasecmp(verb, "VRFY") == 0)
		return reply(b, "252 2.5.0 cannot verify, but will accept and attempt delivery");
	if (strcasecmp(verb, "HELP") == 0)
		return reply(b, "214 2.0.0 EHLO HELO MAIL RCPT DATA RSET NOOP QUIT");
	if (strcasecmp(verb, "QUIT") == 0) {
		(void)reply(b, "221 2.0.0 Bye");
		b->status = EX_OK;
		b->done = true;
		return ERR_OK;
	}
	return reply(b, "502 5.5.2 command not recognized");
}

int
smtpd_stdio_run(const struct config *cfg, const struct opts *o, int in, int out)
{
	struct bs b = { .in = in, .out = out, .cfg = cfg, .o = o, .status = EX_OK };

	buf_init(&b.line, BS_DATA_LINE_MAX);
	addr_list_init(&b.rcpts);
	b.timeout_ms = cfg->command_timeout_ms;
	if (reply(&b, "220 %s ESMTP sealpost (local submission)", cfg->hostname) != ERR_OK) {
		b.status = EX_IOERR;
		b.done = true;
	}
	while (!b.done) {
		enum err rc;
		char empty[1] = "";
		b.dl = deadline_after_ms(b.timeout_ms);
		/* 512 octets with CRLF; the CR is still on the line here. */
		rc = bs_getline(&b, SMTP_CMD_LINE_MAX - 1);
		if (rc == ERR_TOOBIG) {
			rc = reply(&b, "500 5.5.6 line too long");
		} else if (rc == ERR_EOF) {
			b.status = EX_USAGE;    /* no QUIT: the caller stopped talking */
			break;
		} else if (rc == ERR_TIMEOUT) {
			(void)reply(&b, "421 4.4.2 %s timeout, closing", cfg->hostname);
			b.status = EX_TEMPFAIL;
			break;
		} else if (rc == ERR_OK) {
			rc = command(&b, b.line.data ? b.line.data : empty);
		}
		if (rc != ERR_OK) {
			b.status = EX_IOERR;
			break;
		}
	}
	addr_list_free(&b.rcpts);
	buf_free(&b.line);
	return b.status;
}
