/* SPDX-License-Identifier: MIT */
/* msg.h: message intake. The whole message is read from the caller before
 * anything is sent, normalised to CRLF, its headers completed and Bcc
 * removed, into an anonymous file. */
#ifndef SEALPOST_MSG_H
#define SEALPOST_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "buf.h"
#include "config.h"
#include "err.h"

struct msg_opts {
	bool dot_ends;              /* no -i: a line "." ends the input */
	bool extract;               /* -t: recipients from the headers */
	const char *full_name;      /* -F, or NULL */
	const char *sender;         /* envelope sender; "" for <> */
	const char *hostname;       /* Message-ID domain */
	enum header_from hfrom;
	const char *from_addr;      /* the account's from, for header_from */
	const char *trace;          /* header lines written first (CRLF between
	                             * them, none at the end), or NULL */
	const char *tmpdir;         /* where anonymous files live, when anon_dirfd < 0 */
	int anon_dirfd;             /* directory for anonymous (linkable) files, or -1 */
	mode_t anon_mode;           /* their mode there (0: 0600) */
	bool utf8_envelope;         /* the sender or a command-line recipient has a
	                             * non-ASCII local part: the message goes with
	                             * SMTPUTF8, header fields stay UTF-8 */
	bool use_fds;               /* use fds[] instead of creating files (a zeroed
	                             * struct creates its own) */
	int fds[2];                 /* the first for intake, the second for a
	                             * re-encoded copy */
};

struct msg {
	int fd;                     /* normalised message, read from offset 0 */
	uint64_t size;              /* bytes, CRLF canonical, unstuffed */
	bool eightbit;              /* an octet >= 0x80 appears */
	bool hdr_utf8;              /* header fields kept as UTF-8 (RFC 6532): the
	                             * message needs SMTPUTF8 */
	bool added_from, added_date, added_msgid;
	bool tls_optional;          /* "TLS-Required: No" (RFC 8689 section 3) */
};

/* msg_read: read the message from in until EOF (or a lone "." line when
 * o->dot_ends). With o->extract, recipients of To/Cc/Bcc (or Resent-To/
 * Cc/Bcc when Resent- fields exist) are appended to rcpts. Bcc and
 * Resent-Bcc never reach the file. Date, Message-ID and From are added when
 * missing. A header line over 998 octets is folded at white space; body
 * lines over 998 octets make the affected MIME parts quoted-printable
 * (doc/decisions.md D8). Header fields with 8-bit octets must be UTF-8;
 * unless the envelope needs SMTPUTF8 (o->utf8_envelope, or a non-ASCII
 * local part in o->sender or rcpts) they are made 7-bit with RFC 2047
 * encoded words (hdr2047_field()), and eightbit then counts the body
 * only. Errors (detail in err): ERR_IO (stdin unreadable), ERR_DATA (NUL
 * byte, a long line that cannot be folded or re-encoded, bad address
 * header, header block too large, a header field that is not UTF-8 or
 * that cannot be made 7-bit), ERR_SPOOL (the file could not be created or
 * written), ERR_TOOBIG (too many recipients). On error nothing is left
 * behind. */
enum err msg_read(int in, const struct msg_opts *o, struct msg *m,
    struct addr_list *rcpts, struct buf *err) WUR;

void msg_close(struct msg *m);

/* msg_anon: an anonymous file where msg_read() would create one (for a
 * caller that must create files before giving up a privilege). -1 and
 * errno on failure. */
int msg_anon(const struct msg_opts *o);

/* msg_date: an RFC 5322 date-time for now, in local time. */
void msg_date(char *out, size_t cap);

#endif
