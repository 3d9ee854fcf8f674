/* SPDX-License-Identifier: MIT */
/* log.h: user messages on stderr, the delivery log (syslog, file, stderr or
 * none), and the -v protocol transcript with secrets redacted. */
#ifndef SEALPOST_LOG_H
#define SEALPOST_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

enum log_target { LOG_TARGET_SYSLOG, LOG_TARGET_STDERR, LOG_TARGET_NONE, LOG_TARGET_FILE };

/* log_setup: choose where log_msg() writes. path is used for LOG_TARGET_FILE:
 * per user, opened O_APPEND on first use (created 0600; failure falls back
 * to stderr with a warning); with the set-group-ID privilege, opened now,
 * never created, and used only if it is root:GROUP and closed to others,
 * else syslog. tag is the syslog ident (-L), sanitised and cut to
 * LOG_TAG_MAX. path must stay valid. Every line logged has its control
 * characters escaped as \xNN. */
void log_setup(enum log_target t, const char *path, const char *tag);
/* log_close: close a log file (a process about to parse caller input keeps
 * no descriptor of the shared log); later lines go to syslog if it was the
 * group's file, else nowhere. */
void log_close(void);
/* log_set_verbose: 0 quiet, 1 transcript (-v), 2 debug (-vv). */
void log_set_verbose(int level);
int log_verbose(void);

/* say: a message for the user on stderr, "sealpost: " prefixed. */
void say(const char *fmt, ...) PRINTF(1, 2);
/* log_quiet: stop say() from writing to stderr: for fuzzing and unit
 * tests, where stderr carries the sanitizers' and cmocka's reports. */
void log_quiet(bool quiet);
/* debug: like say, only under -vv. */
void debug(const char *fmt, ...) PRINTF(1, 2);
/* log_msg: one line to the delivery log at syslog priority prio, never
 * cut (callers keep their parts bounded). When syslog is the target and
 * nothing listens on its socket, says so once on stderr and sends the
 * lines there instead. */
void log_msg(int prio, const char *fmt, ...) PRINTF(2, 3);
/* log_lines: how many lines log_msg() has written (to any target but
 * none) in this process. */
size_t log_lines(void);

/* trace_send / trace_recv: transcript lines under -v. A client line is shown
 * as sent, except that after trace_redact_next() the arguments of the next
 * client line (and every 334 exchange until trace_redact_end()) are replaced
 * by "<redacted>". Server text is sanitised (str_sanitize()). */
void trace_send(const char *line, size_t len);
void trace_recv(const char *line, size_t len);
void trace_note(const char *fmt, ...) PRINTF(1, 2);
void trace_redact_begin(void);
void trace_redact_end(void);

#endif
