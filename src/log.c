// SPDX-License-Identifier: MIT
/* log.c: where sealpost's words go. It must never print a secret: client
 * lines are redacted while an AUTH exchange is in progress, and server text
 * is sanitised before it reaches a terminal or a log. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <paths.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "privs.h"
#include "util.h"

static enum log_target target = LOG_TARGET_SYSLOG;
static const char *target_path;
static char ident[LOG_TAG_MAX + 1] = "sealpost";
static bool shared;             /* system mode: the group's log file */
static int verbose;
static bool redacting;
static bool syslog_open;
static int log_fd = -1;
static char said[2048];
static bool quiet;

/* The -L tag comes from the caller: in a shared log it must not be able
 * to pass for another program or forge a line. Letters, digits and
 * ._-/ only; anything else becomes '_'. */
static void
set_ident(const char *tag)
{
	size_t n = 0;
	for (; tag[n] && n < LOG_TAG_MAX; n++) {
		unsigned char c = (unsigned char)tag[n];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/';
		ident[n] = ok ? (char)c : '_';
	}
	ident[n] = '\0';
	if (n == 0)
		snprintf(ident, sizeof ident, "sealpost");
}

/* System mode: the log file is the group's, created by the administrator
 * (make install-perms) as root:GROUP 0660. It is opened here, while the
 * group is held, never created, and refused unless it is exactly that:
 * then syslog is used, never the caller's stderr. */
static void
open_shared_file(void)
{
	struct stat st;
	log_fd = open(target_path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	const char *why = log_fd < 0 ? strerror(errno) : fstat(log_fd, &st) != 0 ?
	    strerror(errno) : !S_ISREG(st.st_mode) ? "not a regular file" :
	    st.st_uid != 0 || st.st_gid != privs_gid() || (st.st_mode & 0007) ?
	    "not owned by root and the group, or open to other users" : NULL;
	if (!why)
		return;
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	target = LOG_TARGET_SYSLOG;
	say("log file %s: %s; logging to syslog (make install-perms creates it)",
	    target_path, why);
}

void
log_setup(enum log_target t, const char *path, const char *tag)
{
	target = t;
	target_path = path;
	if (tag)
		set_ident(tag);
	shared = privs_held();
	if (shared && target == LOG_TARGET_FILE)
		open_shared_file();
}

void
log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	if (target == LOG_TARGET_FILE)
		target = shared ? LOG_TARGET_SYSLOG : LOG_TARGET_NONE;
}

/* One log line: no line breaks or other controls from server replies,
 * addresses or tags may get in (a forged line is worse than none). */
static void
escape_line(char *out, size_t cap, const char *in)
{
	size_t o = 0;
	for (const unsigned char *c = (const unsigned char *)in; *c && o + 5 < cap; c++) {
		if (*c < 0x20 || *c == 0x7F) {
			o += (size_t)snprintf(out + o, cap - o, "\\x%02X", *c);
			continue;
		}
		out[o++] = (char)*c;
	}
	out[o] = '\0';
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
	vsnprintf(said, sizeof said, fmt, ap);
	va_end(ap);
	if (!quiet)
		fprintf(stderr, "sealpost: %s\n", said);
}

void
log_quiet(bool q)
{
	quiet = q;
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

/* Is anything listening on the syslog socket? glibc's syslog() drops a
 * line silently when not, so ask once, as it would connect. */
static bool
syslog_reachable(char *why, size_t cap)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int types[] = { SOCK_DGRAM, SOCK_STREAM }, e = 0;
	snprintf(a.sun_path, sizeof a.sun_path, "%s", _PATH_LOG);
	for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		int rc = connect(fd, (const struct sockaddr *)&a, sizeof a);
		e = errno;
		close(fd);
		if (rc == 0)
			return true;
	}
	snprintf(why, cap, "%s: %s", _PATH_LOG, strerror(e));
	return false;
}

static size_t lines;

size_t
log_lines(void)
{
	return lines;
}

/* The line is never cut: it is as long as its parts (each of which its
 * caller bounds), escaped. */
void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap, ap2;
	int n;

	if (target == LOG_TARGET_NONE)
		return;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_end(ap2);
		return;
	}
	char *raw = xmalloc((size_t)n + 1), *line = xmalloc(4 * (size_t)n + 6);
	vsnprintf(raw, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	escape_line(line, 4 * (size_t)n + 6, raw);
	free(raw);
	lines++;

	if (target == LOG_TARGET_SYSLOG && !syslog_open) {
		char why[160];
		if (!syslog_reachable(why, sizeof why)) {
			say("syslog is unreachable (%s); log lines go to standard error"
			    " (set log = FILE in the configuration to keep them)", why);
			target = LOG_TARGET_STDERR;
		}
	}
	switch (target) {
	case LOG_TARGET_NONE:
		break;
	case LOG_TARGET_SYSLOG:
		if (!syslog_open) {
			openlog(ident, LOG_PID, LOG_MAIL);
			syslog_open = true;
		}
		syslog(prio, "%s", line);
		break;
	case LOG_TARGET_FILE:
		if (log_fd < 0 && !shared) {
			log_fd = open(target_path, O_WRONLY | O_APPEND | O_CREAT |
			    O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
			if (log_fd < 0) {
				say("cannot open log file %s: %s; logging to stderr",
				    target_path, strerror(errno));
				target = LOG_TARGET_STDERR;
				fprintf(stderr, "%s: %s\n", ident, line);
				break;
			}
		}
		{
			char stamp[64];
			time_t now = time(NULL);
			struct tm tm;
			localtime_r(&now, &tm);
			strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S%z", &tm);
			/* One write() per line, so lines from several processes
			 * appending to one file never interleave. */
			size_t cap = strlen(line) + sizeof stamp + sizeof ident + 32;
			char *out = xmalloc(cap);
			int m = snprintf(out, cap, "%s %s[%ld]: %s\n", stamp, ident,
			    (long)getpid(), line);
			if (m > 0 && write(log_fd, out, (size_t)m) < 0)
				say("cannot write log file %s: %s", target_path,
				    strerror(errno));
			free(out);
		}
		break;
	case LOG_TARGET_STDERR:
		fprintf(stderr, "%s: %s\n", ident, line);
		break;
	}
	free(line);
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
