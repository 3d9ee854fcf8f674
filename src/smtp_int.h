/* SPDX-License-Identifier: MIT */
/* smtp_int.h: the session internals shared by smtp.c and auth.c only. */
#ifndef SEALPOST_SMTP_INT_H
#define SEALPOST_SMTP_INT_H

#include "buf.h"
#include "conn.h"
#include "net.h"
#include "reply.h"
#include "smtp.h"

struct smtp_session {
	struct conn conn;
	struct tls_session tls;
	bool tls_on;
	bool helo_only;             /* the server did not take EHLO */
	bool broken;                /* out of step or I/O failed: not reusable */
	struct ehlo_caps caps;
	struct smtp_reply reply;
	struct buf line;
	struct buf out;
	const struct smtp_params *p;    /* = &params */
	struct smtp_params params;      /* our copy: the session outlives the caller's */
	char helo[300];
	char peer[NET_PEER_MAX + 300];
	char auth_mech[48];
	char last[SMTP_TEXT_SHOWN_MAX + 8];
	struct result *res;
	struct buf ehlo_text;       /* the post-TLS EHLO reply, for --probe */
};

/* smtp_deadline: min(command_timeout, rfc_ms) from now, capped by the
 * session deadline. */
struct deadline smtp_deadline(const struct smtp_session *s, uint64_t rfc_ms);

/* smtp_write_cmd: send one command line (CRLF added), traced. Refuses when
 * the server has sent bytes nobody asked for (RFC 5321 4.2: one reply per command). */
enum err smtp_write_cmd(struct smtp_session *s, enum stage at, const char *line,
    uint64_t rfc_ms) WUR;

/* smtp_read_reply: read one whole reply into s->reply, lines up to maxline.
 * Errors are classified into s->res (temporary). */
enum err smtp_read_reply(struct smtp_session *s, enum stage at, size_t maxline,
    uint64_t rfc_ms) WUR;

/* smtp_fail_reply: classify the negative reply in s->reply at stage at. */
enum err smtp_fail_reply(struct smtp_session *s, enum stage at, enum err e);

/* auth_run: authenticate as p->user (auth.c). */
enum err auth_run(struct smtp_session *s) WUR;

#endif
