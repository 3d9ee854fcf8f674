/* SPDX-License-Identifier: MIT */
/* hdr2047.h: header fields with 8-bit octets made 7-bit for a server
 * without SMTPUTF8 (RFC 6531 3.2 lets an MSA transform; RFC 6409 8):
 * UTF-8 text becomes RFC 2047 encoded words where RFC 2047 5 allows
 * them, a UTF-8 domain in an address becomes A-labels. Pure: no I/O. */
#ifndef SEALPOST_HDR2047_H
#define SEALPOST_HDR2047_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/* hdr2047_utf8_valid: are the n octets of s well-formed UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF)? */
bool hdr2047_utf8_valid(const char *s, size_t n);

/* hdr2047_has_8bit: does any of the n octets of s have the high bit set? */
bool hdr2047_has_8bit(const char *s, size_t n);

/* hdr2047_field: the header field f (len octets, "Name:value" with its
 * lines separated by CRLF and no final CRLF; namelen octets before the
 * colon) appended to out in 7-bit form, its lines separated by CRLF and
 * no final CRLF. A field without 8-bit octets is copied unchanged. Where
 * the encoding goes (RFC 2047 5):
 *  - unstructured fields (Subject, Comments, Content-Description,
 *    Organization, Thread-Topic, X-*): each run of words with 8-bit
 *    octets;
 *  - address fields (From, Sender, Reply-To, To, Cc, Bcc, their Resent-
 *    forms, Disposition-Notification-To, Mail-Followup-To,
 *    Mail-Reply-To, Return-Receipt-To, Errors-To) and Keywords: display
 *    names and other phrases, and comments; a UTF-8 domain becomes
 *    A-labels (IDNA2008, addr_alabel()).
 * Encoded words are UTF-8, Q (or B when much shorter), at most 75
 * octets, never split inside a character; the field is re-folded so that
 * a line holding an encoded word has at most 76 octets and any other at
 * most 78, where white space allows. Errors: ERR_DATA with *why (static
 * text): 8-bit octets that are not UTF-8, a non-ASCII local part, 8-bit
 * octets in any other field or place (where RFC 2047 allows no encoded
 * words), a field that cannot be parsed; ERR_TOOBIG from out. out may
 * hold part of the field after an error. */
enum err hdr2047_field(const char *f, size_t len, size_t namelen, struct buf *out,
    const char **why) WUR;

/* hdr2047_local_part_8bit: does the local part of addr (an addr-spec;
 * all of it when there is no '@') have 8-bit octets, so that the address
 * needs SMTPUTF8 even with its domain in A-labels? */
bool hdr2047_local_part_8bit(const char *addr);

#endif
