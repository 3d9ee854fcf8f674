/* SPDX-License-Identifier: MIT */
/* addr.h: RFC 5322 address lists (headers, command-line recipients) and
 * RFC 5321 envelope address checks. Pure: no I/O. */
#ifndef SEALPOST_ADDR_H
#define SEALPOST_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

struct addr_list {
	char **v;
	size_t n, cap;
};

void addr_list_init(struct addr_list *l);
void addr_list_free(struct addr_list *l);
/* addr_same: one mailbox? The local part compared exactly, the domain
 * without regard to case. */
bool addr_same(const char *a, const char *b);
/* addr_list_add: append a copy of addr unless it is already listed (local
 * part compared exactly, domain without regard to case, RFC 5321 4.5.4.1's one
 * transaction per server). Errors: ERR_TOOBIG past SMTP_RCPT_MAX. */
enum err addr_list_add(struct addr_list *l, const char *addr) WUR;

/* addr_parse_list: extract the addr-specs of an RFC 5322 address-list
 * (display names, comments, quoted local parts, groups, angle addresses,
 * obsolete routes) from len bytes of s (an unfolded header value or a
 * command-line argument), appending each to out. Encoded words are left
 * as they are: they only occur in display names, which are dropped.
 * Errors: ERR_DATA with *why (unbalanced quote, comment or bracket,
 * control character, empty address inside <>...), ERR_TOOBIG. */
enum err addr_parse_list(const char *s, size_t len, struct addr_list *out,
    const char **why) WUR;

/* addr_qualify_list: append to out the len bytes of s, an RFC 5322
 * address-list as written in a header field (folding, comments and all),
 * with "@domain" after each addr-spec that has no domain (no '@' outside
 * a quoted string), as Postfix's append_at_myorigin does: "root (Cron
 * Daemon)" becomes "root@domain (Cron Daemon)", "Ops <ops>" becomes
 * "Ops <ops@domain>". Display names, comments, quoted strings, groups,
 * "<>" and white space are copied byte for byte. *n counts the addresses
 * qualified. Errors: ERR_DATA with *why as addr_parse_list() (s is not an
 * address list: the caller keeps it as it is), ERR_TOOBIG (out's bound;
 * out may hold part of the result). */
enum err addr_qualify_list(const char *s, size_t len, const char *domain, struct buf *out,
    size_t *n, const char **why) WUR;

/* addr_check_envelope: is addr usable in MAIL FROM or RCPT TO (RFC 5321 4.1.2, 4.5.3.1)?
 * "" (null sender) is accepted when null_ok. No control characters, no
 * spaces outside quotes, local part <= 64 octets, domain <= 255, whole
 * path <= 254. *utf8 is set when the address has non-ASCII octets and so
 * needs SMTPUTF8. Errors: ERR_DATA with *why. */
enum err addr_check_envelope(const char *addr, bool null_ok, bool *utf8,
    const char **why) WUR;

/* addr_alabel: a copy of addr whose domain is in A-labels (IDNA2008,
 * through GnuTLS's libidn2 binding), so a UTF-8 domain needs no SMTPUTF8
 * (RFC 6531 3.2). An ASCII domain is copied as it is. The mapping must be
 * faithful: mapped back to U-labels, each non-ASCII label must be what
 * was written, up to ASCII case; a character changed or dropped on the
 * way (with U+FF1E FULLWIDTH GREATER-THAN SIGN between x and y,
 * u@x?y.example would go to u@xy.example; upper-case or decomposed
 * non-ASCII letters are changed too) is refused, not sent elsewhere.
 * Errors: ERR_DATA with the reason in why (not a valid IDN, or what IDNA
 * would turn the domain into). */
enum err addr_alabel(const char *addr, char **out, struct buf *why) WUR;

/* addr_list_alabel: append every address of in to out with its domain in
 * A-labels (addr_alabel()), so u@bücher.example and
 * u@xn--bcher-kva.example become one recipient. Errors: ERR_DATA with
 * *bad the address of in that failed and the reason in why; ERR_TOOBIG
 * past SMTP_RCPT_MAX. */
enum err addr_list_alabel(const struct addr_list *in, struct addr_list *out,
    const char **bad, struct buf *why) WUR;

/* addr_domain: pointer to the domain after the last '@', or NULL. */
const char *addr_domain(const char *addr);

#endif
