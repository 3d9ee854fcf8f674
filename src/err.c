// SPDX-License-Identifier: MIT
/* err.c: names for enum err. */
#include "err.h"

const char *
err_str(enum err e)
{
	static const char *const names[] = {
		[ERR_OK] = "ok",
		[ERR_NOMEM] = "out of memory",
		[ERR_IO] = "I/O error",
		[ERR_EOF] = "connection closed",
		[ERR_TIMEOUT] = "timed out",
		[ERR_CONNECT] = "connection failed",
		[ERR_DNS] = "name resolution failed",
		[ERR_TLS] = "TLS failure",
		[ERR_CERT] = "certificate not accepted",
		[ERR_PROTO] = "protocol violation",
		[ERR_REPLY] = "negative reply",
		[ERR_AUTH] = "authentication failed",
		[ERR_TOOBIG] = "too large",
		[ERR_CONFIG] = "configuration error",
		[ERR_USAGE] = "usage error",
		[ERR_DATA] = "invalid data",
		[ERR_SPOOL] = "spool error",
		[ERR_INTERNAL] = "internal error",
	};
	if ((unsigned)e < sizeof names / sizeof names[0] && names[e])
		return names[e];
	return "unknown error";
}
