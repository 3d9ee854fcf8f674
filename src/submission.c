// SPDX-License-Identifier: MIT
/* submission.c: the outcome of a submission as data, and its one
 * presentation: the lines on stderr and the exit status (through
 * result_exitcode()). main.c presents every outcome with it, -bs adds its
 * SMTP reply; nothing below the front ends prints a verdict. */
#include "submission.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"

void
outcome_init(struct outcome *o)
{
	memset(o, 0, sizeof *o);
	buf_init(&o->notes, 64 * 1024);
}

void
outcome_free(struct outcome *o)
{
	buf_free(&o->notes);
}

enum err
outcome_fail(struct outcome *o, enum res cls, enum stage at, enum err e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->text, sizeof o->text, fmt, ap);
	va_end(ap);
	result_set(&o->res, cls, at, e, "%s", o->text);
	o->res.code = 0;
	o->res.esc[0] = '\0';
	return e;
}

void
outcome_note(struct outcome *o, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	(void)!buf_addf(&o->notes, "%s%s", o->notes.len ? "\n" : "", line);
}

int
outcome_status(const struct outcome *o)
{
	return o->unqueued ? EX_CANTCREAT : result_exitcode(&o->res, o->queued);
}

int
outcome_present(const struct outcome *o, int verbose)
{
	const char *n = buf_str(&o->notes);
	while (*n) {
		size_t len = strcspn(n, "\n");
		say("%.*s", (int)len, n);
		n += len + (n[len] == '\n');
	}
	if (o->text[0])
		say("%s", o->text);
	/* A deferred, queued message: stderr hears of it on a terminal or
	 * under -v (sealpost(8) EXIT STATUS); the log always does. */
	if (o->queued && (verbose || isatty(STDERR_FILENO)))
		say("queued as %s: %s", o->id, o->res.text);
	else if (o->res.cls == RES_OK && o->id[0] && verbose)
		say("%s: sent to %zu recipient%s: %s", o->id, o->nrcpts, o->nrcpts == 1 ? "" : "s",
		    o->res.text);
	return outcome_status(o);
}
