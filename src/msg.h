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
	const char *qualify_domain; /* appended to header addresses without a
	                             * domain (msg_read()), or NULL */
	const char *prefix;         /* bytes already read from the input (by
	                             * msg_peek_header()), read before it */
	size_t prefix_len;
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
 * o->dot_ends), after the o->prefix_len bytes of o->prefix. Addresses
 * without a domain in the address fields (From, Sender, Reply-To, To, Cc,
 * Resent-*, Errors-To, Return-Receipt-To, Disposition-Notification-To,
 * Mail-Followup-To, Mail-Reply-To) get "@" o->qualify_domain when it is
 * set; a field that is no address list is left as it is. With o->extract, recipients of To/Cc/Bcc (or Resent-To/
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

/* msg_peek_header: read from fd into raw (appending) until raw holds the
 * whole header block (up to the blank line, the first line that is not a
 * header field, or with dot_ends a lone "."), the end of the input, or
 * MSG_HEADER_MAX octets, and no further than the read that got there, so
 * a caller that waits for our answer is not waited for. What was read is
 * the message's start: pass it to msg_read() as o->prefix. Errors: ERR_IO
 * (errno set). */
enum err msg_peek_header(int fd, bool dot_ends, struct buf *raw) WUR;

/* msg_header_sender: the envelope sender the header block at the start of
 * the n octets of p names (--read-envelope-from): the address of From:
 * when it holds one mailbox; when it holds several, that of Sender:
 * (RFC 5322 3.6.2 requires it then). *addr is NULL (and ERR_OK) when
 * there is no From: field or it holds no address; else malloc'd, as
 * written (maybe without a domain). Errors: ERR_DATA with the reason in
 * why (the field is no address list, more than one From: or Sender:
 * field, several From: mailboxes and no Sender:). */
enum err msg_header_sender(const char *p, size_t n, char **addr, struct buf *why) WUR;

/* msg_anon: an anonymous file where msg_read() would create one (for a
 * caller that must create files before giving up a privilege). -1 and
 * errno on failure. */
int msg_anon(const struct msg_opts *o);

/* msg_date: an RFC 5322 date-time for now, in local time. */
void msg_date(char *out, size_t cap);

#endif
