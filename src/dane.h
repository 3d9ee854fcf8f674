/* SPDX-License-Identifier: MIT */
/* dane.h: DANE for SMTP (RFC 7672, RFC 7671, RFC 6698): which TLSA records
 * are usable, and whether a server's certificate chain matches them. */
#ifndef SEALPOST_DANE_H
#define SEALPOST_DANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#include "dnsmsg.h"

#define DANE_USAGE_TA   2       /* DANE-TA: a trust anchor in the chain */
#define DANE_USAGE_EE   3       /* DANE-EE: the server's own certificate or key */

/* One usable TLSA record: its data as in DNS (usage, selector, matching
 * type, then the certificate, key or digest). */
struct dane_rr {
	uint8_t usage, selector, mtype;
	uint8_t *rdata;         /* the whole record data, owned */
	uint16_t rdlen;
};

struct dane_tlsa {
	struct dane_rr *rr;
	size_t n;               /* usable records */
	size_t unusable;        /* records seen and discarded */
};

void dane_tlsa_free(struct dane_tlsa *t);

/* dane_tlsa_from_answer: the usable TLSA records for name in a (RFC 7672
 * 3.1.3, RFC 6698 4.1, RFC 7671 9): usage DANE-TA(2) or DANE-EE(3) only,
 * selector 0 or 1, matching type 0 (data present), 1 (32 octets) or 2
 * (64 octets); for each usage and selector, digests only of the strongest
 * type present. t->n == 0 with t->unusable > 0 is "TLSA records, all
 * unusable" (TLS still required, RFC 7672 2.2). Pure. */
void dane_tlsa_from_answer(const struct dns_answer *a, const char *name, struct dane_tlsa *t);

/* dane_verify: does the server's chain (DER, leaf first) match t? A
 * DANE-EE record is checked by gnutls-dane against the leaf (no name, no
 * dates: RFC 7672 3.1.1, 3.2.1). A DANE-TA record must match a certificate
 * the server sent after its leaf; the chain is then validated by GnuTLS
 * with that certificate as the only trust anchor, for one of names (the
 * TLSA base domain first; RFC 7672 3.2.2). *how is set to "DANE-EE" or
 * "DANE-TA" on success; why (cap bytes) says what failed otherwise. */
bool dane_verify(const struct dane_tlsa *t, const gnutls_datum_t *chain, size_t n,
    const char *const *names, size_t nnames, const char **how, char *why, size_t cap);

#endif
