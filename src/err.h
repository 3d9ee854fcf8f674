/* SPDX-License-Identifier: MIT */
/* err.h: the one project-wide error code, returned by every module. */
#ifndef SEALPOST_ERR_H
#define SEALPOST_ERR_H

#define WUR __attribute__((warn_unused_result))
#define PRINTF(f, a) __attribute__((format(printf, f, a)))

enum err {
	ERR_OK = 0,
	ERR_NOMEM,      /* allocation failed */
	ERR_IO,         /* read/write/system call failed */
	ERR_EOF,        /* peer or input closed */
	ERR_TIMEOUT,    /* a deadline passed */
	ERR_CONNECT,    /* no address could be connected */
	ERR_DNS,        /* name resolution failed */
	ERR_TLS,        /* TLS could not be established or broke */
	ERR_CERT,       /* the peer's certificate was not accepted */
	ERR_PROTO,      /* the peer broke the protocol */
	ERR_REPLY,      /* the peer answered with a negative reply */
	ERR_AUTH,       /* authentication failed */
	ERR_TOOBIG,     /* a bound from bounds.h was exceeded */
	ERR_CONFIG,     /* configuration missing, invalid or unsafe */
	ERR_USAGE,      /* bad command line */
	ERR_DATA,       /* malformed input data (message, address) */
	ERR_SPOOL,      /* the message could not be stored */
	ERR_INTERNAL,   /* broken invariant */
};

/* err_str: a short fixed name for e, for messages. Never NULL. */
const char *err_str(enum err e);

#endif
