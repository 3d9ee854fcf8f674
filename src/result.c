// SPDX-License-Identifier: MIT
/* result.c: classification names and the one map from a classified
 * outcome to a sysexits status. submission.c (outcome_status()) and the
 * queue commands use it; nothing else decides an exit status. */
#include "result.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

const char *
stage_str(enum stage s)
{
	static const char *const names[] = {
		[STAGE_NONE] = "-", [STAGE_CONFIG] = "configuration",
		[STAGE_INPUT] = "message input", [STAGE_CONNECT] = "connect",
		[STAGE_TLS] = "TLS handshake", [STAGE_GREETING] = "greeting",
		[STAGE_EHLO] = "EHLO", [STAGE_STARTTLS] = "STARTTLS",
		[STAGE_AUTH] = "AUTH", [STAGE_MAIL] = "MAIL FROM",
		[STAGE_RCPT] = "RCPT TO", [STAGE_DATA] = "DATA",
		[STAGE_BODY] = "message data", [STAGE_DOT] = "end of data",
		[STAGE_QUIT] = "QUIT", [STAGE_QUEUE] = "queue",
		[STAGE_DNS] = "DNS lookup",
	};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

void
result_set(struct result *r, enum res cls, enum stage at, enum err e, const char *fmt, ...)
{
	va_list ap;
	r->cls = cls;
	r->at = at;
	r->err = e;
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof r->text, fmt, ap);
	va_end(ap);
}

bool
result_unreachable(const struct result *r)
{
	if (r->cls != RES_TEMP)
		return false;
	switch (r->at) {
	case STAGE_CONNECT:
	case STAGE_GREETING:
		return true;
	case STAGE_TLS:
	case STAGE_EHLO:
	case STAGE_STARTTLS:
		/* RFC 5321 3.8: 421 closes the channel, whatever the command. */
		return r->err == ERR_TIMEOUT || r->code == 421;
	case STAGE_AUTH:
		return r->err == ERR_TIMEOUT;
	default:
		return false;
	}
}

int
result_exitcode(const struct result *r, bool queued)
{
	switch (r->cls) {
	case RES_OK:
		return EX_OK;
	case RES_TEMP:
		if (queued)
			return EX_OK;
		/* Not queued: say what an administrator must fix. */
		return r->err == ERR_AUTH ? EX_NOPERM : r->err == ERR_CONFIG ? EX_CONFIG :
		    EX_TEMPFAIL;
	case RES_PERM:
		break;
	}
	switch (r->err) {
	case ERR_USAGE: return EX_USAGE;
	case ERR_AUTH: return EX_NOPERM;    /* allow_users: not this user */
	case ERR_IO:
		if (r->at == STAGE_INPUT)
			return EX_NOINPUT;
		if (r->at == STAGE_QUEUE)
			return EX_IOERR;
		break;
	case ERR_EOF:
		if (r->at == STAGE_QUEUE)
			return EX_NOINPUT;  /* --delete: no such queue entry */
		break;
	case ERR_DATA: return EX_DATAERR;
	case ERR_DNS: return EX_NOHOST;     /* no such domain, or a null MX */
	case ERR_CONFIG: return EX_CONFIG;
	case ERR_SPOOL: return EX_CANTCREAT;
	case ERR_INTERNAL: return EX_SOFTWARE;
	default: break;
	}
	if (r->at == STAGE_RCPT && (r->code == 550 || r->code == 551 || r->code == 553))
		return EX_NOUSER;
	return EX_UNAVAILABLE;
}
