/* SPDX-License-Identifier: MIT */
/* dnsmsg.h: DNS messages (RFC 1035 4.1) as data: the query we send and a
 * strict parser for the response. Pure: no socket, no file; fuzzed. Names
 * are in presentation form, lower case, without the trailing dot (the
 * root is ""). */
#ifndef SEALPOST_DNSMSG_H
#define SEALPOST_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define DNS_T_A         1
#define DNS_T_CNAME     5
#define DNS_T_MX        15
#define DNS_T_TXT       16
#define DNS_T_AAAA      28
#define DNS_T_OPT       41
#define DNS_T_TLSA      52

#define DNS_RCODE_NOERROR       0
#define DNS_RCODE_FORMERR       1
#define DNS_RCODE_SERVFAIL      2
#define DNS_RCODE_NXDOMAIN      3
#define DNS_RCODE_REFUSED       5

#define DNS_NAME_MAX    253     /* presentation form, without the final dot */
#define DNS_QUERY_MAX   (12 + 255 + 4 + 11)     /* header, question, OPT */

/* One resource record of the answer section. rdata is a copy of the
 * record's data as sent (for A/AAAA the address, for TXT the
 * character-strings, for TLSA usage, selector, type and data); target is
 * the decompressed name of an MX or CNAME. */
struct dns_rr {
	char owner[DNS_NAME_MAX + 1];
	uint16_t type;
	uint32_t ttl;
	uint16_t pref;                  /* MX */
	char target[DNS_NAME_MAX + 1];  /* MX exchange ("" = null MX), CNAME target */
	uint8_t *rdata;
	uint16_t rdlen;
};

struct dns_answer {
	uint16_t rcode;
	bool ad;                        /* the AD bit, believed or not (dns.c) */
	bool tc;                        /* truncated: ask again over TCP */
	struct dns_rr *rr;              /* the answer section */
	size_t n;
};

void dns_answer_init(struct dns_answer *a);
void dns_answer_free(struct dns_answer *a);

/* dns_query_build: a recursive query for (name, type), class IN, with the
 * AD bit set (RFC 6840 5.7) and an EDNS0 OPT record with DO (RFC 3225) and
 * a 1232-byte UDP size, into out (cap >= DNS_QUERY_MAX). Returns its
 * length. Errors: ERR_DATA (name not a valid domain name) with 0. */
size_t dns_query_build(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t type);

/* dns_reply_parse: check that the len bytes of m answer our query (id,
 * one question equal to (qname, qtype, IN)) and parse the answer section
 * into *a (which the caller frees). The authority and additional sections
 * are walked but not kept. Compression pointers must point backwards
 * (no loops), names fit RFC 1035 limits, record data fits its type, and
 * nothing is left over. Errors: ERR_PROTO (a reply to some other query:
 * ignore it and keep waiting), ERR_DATA (ours, but malformed), ERR_TOOBIG
 * (more than DNS_ANSWER_RRS_MAX answer records); the reason in why. */
enum err dns_reply_parse(const uint8_t *m, size_t len, uint16_t id, const char *qname,
    uint16_t qtype, struct dns_answer *a, struct buf *why) WUR;

/* dns_answer_select: the records of type for name, following CNAMEs in
 * the answer from name (at most DNS_CNAME_MAX of them). Fills out (cap
 * entries) with pointers into a and returns how many; *final is the name
 * the chain ended at (points into a, or name). Errors: none; a CNAME loop
 * or a chain too long yields 0 records and *looped. */
size_t dns_answer_select(const struct dns_answer *a, const char *name, uint16_t type,
    const struct dns_rr **out, size_t cap, const char **final, bool *looped);

/* dns_name_canon: name lower-cased, one trailing dot removed, into out
 * (DNS_NAME_MAX + 1 bytes). Errors: ERR_DATA (empty label, label over 63,
 * name over 253, a byte that is not a letter, digit, '-' or '_'). */
enum err dns_name_canon(const char *name, char *out) WUR;

#endif
