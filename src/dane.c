// SPDX-License-Identifier: MIT
/* dane.c: TLSA records and certificate chains. gnutls-dane matches
 * DANE-EE records; its DANE-TA check does not validate the path to the
 * matched anchor and checks no name (REQUIREMENTS.md's gnutls-dane notes,
 * from its source), so a DANE-TA match is found here by digest and the
 * path is validated by GnuTLS's trust-list verifier with only that anchor
 * and the reference names. Unusable records never reach gnutls-dane. */
#include "dane.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/dane.h>
#include <gnutls/x509.h>

#include "bounds.h"
#include "util.h"

void
dane_tlsa_free(struct dane_tlsa *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->rr[i].rdata);
	free(t->rr);
	memset(t, 0, sizeof *t);
}

static bool
usable(const uint8_t *d, size_t n)
{
	if (n < 4 || (d[0] != DANE_USAGE_TA && d[0] != DANE_USAGE_EE) || d[1] > 1)
		return false;
	switch (d[2]) {
	case 0: return true;
	case 1: return n - 3 == 32;
	case 2: return n - 3 == 64;
	default: return false;
	}
}

void
dane_tlsa_from_answer(const struct dns_answer *a, const char *name, struct dane_tlsa *t)
{
	const struct dns_rr *rr[DNS_ANSWER_RRS_MAX];
	const char *final;
	bool looped, sha512[4][2] = { { false } };
	size_t n = dns_answer_select(a, name, DNS_T_TLSA, rr, DNS_ANSWER_RRS_MAX, &final, &looped);

	memset(t, 0, sizeof *t);
	t->rr = xcalloc(n ? n : 1, sizeof *t->rr);
	for (size_t i = 0; i < n; i++)
		if (usable(rr[i]->rdata, rr[i]->rdlen) && rr[i]->rdata[2] == 2)
			sha512[rr[i]->rdata[0]][rr[i]->rdata[1]] = true;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *d = rr[i]->rdata;
		/* Digest agility (RFC 7671 9): SHA2-256 only where no SHA2-512 is
		 * published for the same usage and selector. */
		if (!usable(d, rr[i]->rdlen) || (d[2] == 1 && sha512[d[0]][d[1]])) {
			t->unusable++;
			continue;
		}
		struct dane_rr *r = &t->rr[t->n++];
		r->usage = d[0];
		r->selector = d[1];
		r->mtype = d[2];
		r->rdlen = rr[i]->rdlen;
		r->rdata = xmalloc(r->rdlen);
		memcpy(r->rdata, d, r->rdlen);
	}
}

/* DANE-EE through gnutls-dane: the usable EE records only, so that its
 * handling of other usages and of unknown types never comes into play. */
static bool
ee_match(const struct dane_tlsa *t, const gnutls_datum_t *chain, size_t n)
{
	char *data[DNS_ANSWER_RRS_MAX + 1];
	int len[DNS_ANSWER_RRS_MAX + 1];
	size_t k = 0;
	dane_state_t s = NULL;
	dane_query_t q = NULL;
	unsigned verify = 0;
	bool ok = false;

	for (size_t i = 0; i < t->n && k < DNS_ANSWER_RRS_MAX; i++) {
		if (t->rr[i].usage != DANE_USAGE_EE)
			continue;
		data[k] = (char *)t->rr[i].rdata;
		len[k++] = t->rr[i].rdlen;
	}
	data[k] = NULL;
	if (k == 0 || dane_state_init(&s, DANE_F_IGNORE_DNSSEC | DANE_F_IGNORE_LOCAL_RESOLVER) != 0)
		goto out;
	/* secure = 1: our caller has checked the DNSSEC status itself
	 * (dane_verify_crt_raw() never looks at it). */
	if (dane_raw_tlsa(s, &q, data, len, 1, 0) != 0)
		goto out;
	/* 0 means "something was checked"; only verify == 0 means a match. */
	ok = dane_verify_crt_raw(s, chain, (unsigned)n, GNUTLS_CRT_X509, q, 0,
	    DANE_VFLAG_ONLY_CHECK_EE_USAGE | DANE_VFLAG_FAIL_IF_NOT_CHECKED, &verify) == 0 &&
	    verify == 0;
out:
	if (q)
		dane_query_deinit(q);
	if (s)
		dane_state_deinit(s);
	return ok;
}

/* The selector's data of certificate der: itself, or its
 * SubjectPublicKeyInfo (freed by the caller with gnutls_free when *owned). */
static bool
selected(const gnutls_datum_t *der, uint8_t selector, gnutls_datum_t *out, bool *owned)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_pubkey_t pub = NULL;
	bool ok = false;
	*owned = false;
	if (selector == 0) {
		*out = *der;
		return true;
	}
	if (gnutls_x509_crt_init(&crt) == 0 &&
	    gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) == 0 &&
	    gnutls_pubkey_init(&pub) == 0 && gnutls_pubkey_import_x509(pub, crt, 0) == 0 &&
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, out) == 0) {
		ok = true;
		*owned = true;
	}
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return ok;
}

/* Does certificate der match record r? */
static bool
rr_matches(const struct dane_rr *r, const gnutls_datum_t *der)
{
	gnutls_datum_t sel;
	bool owned, ok = false;
	uint8_t dig[64];
	const uint8_t *want = r->rdata + 3;
	size_t wlen = r->rdlen - 3u;

	if (!selected(der, r->selector, &sel, &owned))
		return false;
	if (r->mtype == 0)
		ok = sel.size == wlen && memcmp(sel.data, want, wlen) == 0;
	else if (gnutls_hash_fast(r->mtype == 1 ? GNUTLS_DIG_SHA256 : GNUTLS_DIG_SHA512,
	    sel.data, sel.size, dig) == 0)
		ok = memcmp(dig, want, wlen) == 0;
	if (owned)
		gnutls_free(sel.data);
	return ok;
}

/* The chain up to and including chain[ta], validated with chain[ta] as the
 * only trust anchor, for any one of names. */
static bool
path_to(const gnutls_datum_t *chain, size_t ta, const char *const *names, size_t nnames)
{
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t certs[16], anchor = NULL;
	size_t n = 0;
	bool ok = false;

	if (ta >= sizeof certs / sizeof certs[0] || gnutls_x509_trust_list_init(&tl, 0) != 0)
		return false;
	if (gnutls_x509_crt_init(&anchor) != 0 ||
	    gnutls_x509_crt_import(anchor, &chain[ta], GNUTLS_X509_FMT_DER) != 0 ||
	    gnutls_x509_trust_list_add_cas(tl, &anchor, 1, 0) != 1) {
		if (anchor)
			gnutls_x509_crt_deinit(anchor);
		goto out;
	}
	for (; n <= ta; n++)
		if (gnutls_x509_crt_init(&certs[n]) != 0 ||
		    gnutls_x509_crt_import(certs[n], &chain[n], GNUTLS_X509_FMT_DER) != 0) {
			n++;
			goto out;
		}
	for (size_t i = 0; i < nnames && !ok; i++) {
		gnutls_typed_vdata_st vd = { .type = GNUTLS_DT_DNS_HOSTNAME,
			.data = (unsigned char *)(uintptr_t)names[i], .size = 0 };
		unsigned status = 1;
		ok = gnutls_x509_trust_list_verify_crt2(tl, certs, (unsigned)n, &vd, 1, 0, &status,
		    NULL) == 0 && status == 0;
	}
out:
	for (size_t i = 0; i < n; i++)
		gnutls_x509_crt_deinit(certs[i]);
	gnutls_x509_trust_list_deinit(tl, 1);
	return ok;
}

bool
dane_verify(const struct dane_tlsa *t, const gnutls_datum_t *chain, size_t n,
    const char *const *names, size_t nnames, const char **how, char *why, size_t cap)
{
	bool any_ta = false;
	*how = NULL;
	if (n == 0) {
		snprintf(why, cap, "no certificate");
		return false;
	}
	if (ee_match(t, chain, n)) {
		*how = "DANE-EE";
		return true;
	}
	for (size_t i = 0; i < t->n; i++) {
		if (t->rr[i].usage != DANE_USAGE_TA)
			continue;
		for (size_t k = 1; k < n; k++) {
			if (!rr_matches(&t->rr[i], &chain[k]))
				continue;
			any_ta = true;
			if (path_to(chain, k, names, nnames)) {
				*how = "DANE-TA";
				return true;
			}
		}
	}
	if (any_ta)
		snprintf(why, cap, "a DANE-TA record matches a certificate of the chain, but the"
		    " chain does not validate to it for %s", nnames ? names[0] : "?");
	else
		snprintf(why, cap, "no usable TLSA record matches the certificate chain (%zu"
		    " certificate%s)", n, n == 1 ? "" : "s");
	return false;
}
