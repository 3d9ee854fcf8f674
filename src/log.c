// SPDX-License-Identifier: MIT
/* log.c: where sealpost's words go. It must never print a secret: client
 * lines are redacted while an AUTH exchange is in progress, and server text
 * is sanitised before it reaches a terminal or a log. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "privs.h"
#include "util.h"

static enum log_target target = LOG_TARGET_SYSLOG;
static const char *target_path;
static const char *ident = "sealpost";
static int verbose;
static bool redacting;
static bool syslog_open;
static int log_fd = -1;
static char last_said[2048];
static bool quiet;

void
log_setup(enum log_target t, const char *path, const char *tag)
{
	target = t;
	target_path = path;
	if (tag)
		ident = tag;
}

void
log_set_verbose(int level)
{
	verbose = level;
}

int
log_verbose(void)
{
	return verbose;
}

static void
vsay(const char *prefix, const char *fmt, va_list ap)
{
	char line[2048];
	vsnprintf(line, sizeof line, fmt, ap);
	fprintf(stderr, "%s%s\n", prefix, line);
}

void
say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_said, sizeof last_said, fmt, ap);
	va_end(ap);
	if (!quiet)
		fprintf(stderr, "sealpost: %s\n", last_said);
}

void
log_quiet(bool q)
{
	quiet = q;
}

const char *
log_last_said(void)
{
	return last_said;
}

void
debug(const char *fmt, ...)
{
	va_list ap;
	if (verbose < 2)
		return;
	va_start(ap, fmt);
	vsay("sealpost: debug: ", fmt, ap);
	va_end(ap);
}

void
log_msg(int prio, const char *fmt, ...)
{
	char line[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);

	switch (target) {
	case LOG_TARGET_NONE:
		return;
	case LOG_TARGET_SYSLOG:
		if (!syslog_open) {
			openlog(ident, LOG_PID, LOG_MAIL);
			syslog_open = true;
		}
		syslog(prio, "%s", line);
		return;
	case LOG_TARGET_FILE:
		if (log_fd < 0) {
			/* In system mode every user of the group appends to it. */
			log_fd = open(target_path, O_WRONLY | O_APPEND | O_CREAT |
			    O_CLOEXEC | O_NOFOLLOW, privs_held() ? 0660 : 0600);
			if (log_fd < 0) {
				say("cannot open log file %s: %s; logging to stderr",
				    target_path, strerror(errno));
				target = LOG_TARGET_STDERR;
				break;
			}
		}
		{
			char stamp[64];
			time_t now = time(NULL);
			struct tm tm;
			char out[4200];
			int n;
			localtime_r(&now, &tm);
			strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S%z", &tm);
			n = snprintf(out, sizeof out, "%s %s[%ld]: %s\n", stamp, ident,
			    (long)getpid(), line);
			if (n > 0 && write(log_fd, out, (size_t)n < sizeof out ?
			    (size_t)n : sizeof out - 1) < 0)
				say("cannot write log file %s: %s", target_path,
				    strerror(errno));
		}
		return;
	case LOG_TARGET_STDERR:
		break;
	}
	fprintf(stderr, "%s: %s\n", ident, line);
}

void
trace_redact_begin(void)
{
	redacting = true;
}

void
trace_redact_end(void)
{
	redacting = false;
}

void
trace_send(const char *line, size_t len)
{
	char clean[SMTP_CMD_LINE_MAX + 16];
	if (verbose < 1)
		return;
	if (redacting) {
		/* Keep "AUTH MECH" so the transcript shows what happened;
		 * drop everything that could carry a credential. */
		size_t keep = 0;
		if (len >= 5 && strncasecmp(line, "AUTH ", 5) == 0) {
			const char *sp = memchr(line + 5, ' ', len - 5);
			keep = sp ? (size_t)(sp - line) : len;
		}
		str_sanitize(clean, sizeof clean, line, keep);
		fprintf(stderr, ">>> %s%s<redacted>\n", clean, keep ? " " : "");
		return;
	}
	str_sanitize(clean, sizeof clean, line, len);
	fprintf(stderr, ">>> %s\n", clean);
}

void
trace_recv(const char *line, size_t len)
{
	char clean[SMTP_REPLY_LINE_MAX + 1];
	if (verbose < 1)
		return;
	if (redacting && len >= 4 && memcmp(line, "334", 3) == 0) {
		fprintf(stderr, "<<< 334 <redacted>\n");
		return;
	}
	str_sanitize(clean, sizeof clean, line, len);
	fprintf(stderr, "<<< %s\n", clean);
}

void
trace_note(const char *fmt, ...)
{
	va_list ap;
	if (verbose < 1)
		return;
	va_start(ap, fmt);
	vsay("--- ", fmt, ap);
	va_end(ap);
}
