// SPDX-License-Identifier: MIT
/* tls.c: GnuTLS glue. Certificate checks are GnuTLS's, inside the
 * handshake (gnutls_session_set_verify_cert), or our pin comparison in the
 * verify callback; either way a failure stops the handshake before any
 * application byte is sent. This file never falls back to no verification. */
#include "tls.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "bounds.h"
#include "dane.h"
#include "net.h"
#include "util.h"

static bool
parse_pin(const char *s, unsigned char out[32])
{
	size_t n = 0;
	if (strncasecmp(s, "sha256:", 7) != 0)
		return false;
	for (s += 7; *s; s++) {
		int v;
		if (*s == ':')
			continue;
		if (!isxdigit((unsigned char)*s) || n >= 64)
			return false;
		v = isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10);
		if (n % 2 == 0)
			out[n / 2] = (unsigned char)(v << 4);
		else
			out[n / 2] |= (unsigned char)v;
		n++;
	}
	return n == 64;
}

static bool
pin_listed(const struct tls_session *t, const unsigned char d[32])
{
	for (size_t i = 0; i < t->npins; i++)
		if (memcmp(t->pins[i], d, 32) == 0)
			return true;
	return false;
}

/* The SHA-256 of crt's SubjectPublicKeyInfo into d (verify_pin's second
 * digest). */
static bool
spki_digest(gnutls_x509_crt_t crt, unsigned char d[32])
{
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t spki = { NULL, 0 };
	bool ok = gnutls_pubkey_init(&pub) == 0 && gnutls_pubkey_import_x509(pub, crt, 0) == 0 &&
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &spki) == 0 &&
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size, d) == 0;
	gnutls_free(spki.data);
	if (pub)
		gnutls_pubkey_deinit(pub);
	return ok;
}

/* Pinning (sealpost.conf(5) tls_fingerprint): the leaf certificate's SHA-256, or that of its
 * SubjectPublicKeyInfo, must be listed. Chain, expiry and names are not
 * checked at this level, as in Postfix's "fingerprint". */
static int
verify_pin(gnutls_session_t s)
{
	struct tls_session *t = gnutls_session_get_ptr(s);
	const gnutls_datum_t *chain;
	unsigned n = 0;
	unsigned char d[32];
	gnutls_x509_crt_t crt = NULL;
	int ok = 0;

	chain = gnutls_certificate_get_peers(s, &n);
	if (!chain || n == 0)
		return GNUTLS_E_CERTIFICATE_ERROR;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, chain[0].data, chain[0].size, d) == 0 &&
	    pin_listed(t, d))
		ok = 1;
	if (!ok && gnutls_x509_crt_init(&crt) == 0 &&
	    gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER) == 0 &&
	    spki_digest(crt, d) && pin_listed(t, d))
		ok = 1;
	if (crt)
		gnutls_x509_crt_deinit(crt);
	t->pin_matched = ok;
	return ok ? 0 : GNUTLS_E_CERTIFICATE_ERROR;
}

/* DANE (RFC 7672): the chain must match the usable TLSA records. No PKIX,
 * and for DANE-EE no name or date checks (dane.c). */
static int
verify_dane(gnutls_session_t s)
{
	struct tls_session *t = gnutls_session_get_ptr(s);
	const gnutls_datum_t *chain;
	unsigned n = 0;

	chain = gnutls_certificate_get_peers(s, &n);
	if (!t->dane || !chain || n == 0) {
		snprintf(t->dane_why, sizeof t->dane_why, "no certificate");
		return GNUTLS_E_CERTIFICATE_ERROR;
	}
	if (!dane_verify(t->dane, chain, n, t->dane_names, t->ndane_names, &t->dane_how,
	    t->dane_why, sizeof t->dane_why))
		return GNUTLS_E_CERTIFICATE_ERROR;
	return 0;
}

enum err
tls_init(struct tls_session *t, const struct tls_params *p, struct buf *err)
{
	char prio[CONFIG_LINE_MAX + 64];
	const char *errpos = NULL;
	gnutls_priority_t pc;
	int r;

	memset(t, 0, sizeof *t);
	t->name = xstrdup(p->name);
	t->mode = p->dane ? TLS_VERIFY_DANE : p->encrypt_only ? TLS_VERIFY_NONE :
	    p->npins ? TLS_VERIFY_PIN : TLS_VERIFY_PKIX;
	if ((p->encrypt_only || p->dane) && p->npins) {
		errf(err, "TLS without verification or with DANE cannot also check pins");
		return ERR_INTERNAL;
	}
	t->dane = p->dane;
	t->verified_as = p->verified_as;
	t->dane_names = p->dane_names;
	t->ndane_names = p->ndane_names;
	if (p->npins > sizeof t->pins / sizeof t->pins[0]) {
		errf(err, "too many tls_fingerprint pins");
		return ERR_CONFIG;
	}
	for (size_t i = 0; i < p->npins; i++) {
		if (!parse_pin(p->pins[i], t->pins[i])) {
			errf(err, "tls_fingerprint %s: not a sha256 digest", p->pins[i]);
			return ERR_CONFIG;
		}
	}
	t->npins = p->npins;

	if ((r = gnutls_certificate_allocate_credentials(&t->cred)) < 0) {
		errf(err, "TLS credentials: %s", gnutls_strerror(r));
		return ERR_TLS;
	}
	if (t->mode == TLS_VERIFY_PKIX) {
		r = p->ca_file ? gnutls_certificate_set_x509_trust_file(t->cred, p->ca_file,
		    GNUTLS_X509_FMT_PEM) : gnutls_certificate_set_x509_system_trust(t->cred);
		if (r <= 0) {
			errf(err, "%s %s: %s", p->ca_file ? "tls_ca_file" :
			    "system trust store", p->ca_file ? p->ca_file : "",
			    r == 0 ? "no certificates found" : gnutls_strerror(r));
			return ERR_CONFIG;
		}
	}
	if (p->cert_file) {
		r = gnutls_certificate_set_x509_key_file(t->cred, p->cert_file, p->key_file,
		    GNUTLS_X509_FMT_PEM);
		if (r < 0) {
			errf(err, "tls_cert_file %s / tls_key_file %s: %s",
			    p->cert_file, p->key_file, gnutls_strerror(r));
			return ERR_CONFIG;
		}
	}
	if ((r = gnutls_init(&t->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL)) < 0) {
		errf(err, "TLS session: %s", gnutls_strerror(r));
		return ERR_TLS;
	}
	gnutls_session_set_ptr(t->s, t);
	/* Our deadlines bound the handshake, not GnuTLS's own timer. */
	gnutls_handshake_set_timeout(t->s, 0);
	snprintf(prio, sizeof prio, "%s:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1%s",
	    p->priority ? p->priority : "NORMAL", p->min_version >= 13 ? ":-VERS-TLS1.2" : "");
	if ((r = gnutls_priority_init2(&pc, prio, &errpos, 0)) < 0) {
		errf(err, "tls_priority \"%s\": %s at \"%.20s\"",
		    p->priority ? p->priority : "NORMAL", gnutls_strerror(r),
		    errpos ? errpos : "?");
		return ERR_CONFIG;
	}
	/* GnuTLS takes a string that leaves no protocol version (only the
	 * handshake would fail, with "no supported protocols"). */
	const unsigned *vers = NULL;
	int nvers = gnutls_priority_protocol_list(pc, &vers), usable = 0;
	for (int i = 0; i < nvers; i++)     /* the list has DTLS versions too */
		usable += vers[i] == GNUTLS_TLS1_3 || (vers[i] == GNUTLS_TLS1_2 &&
		    p->min_version < 13);
	if (!usable) {
		gnutls_priority_deinit(pc);
		errf(err, "tls_priority \"%s\" with tls_min_version = 1.%u leaves no TLS"
		    " version this GnuTLS (%s) can use", p->priority ? p->priority : "NORMAL",
		    p->min_version >= 13 ? 3 : 2, gnutls_check_version(NULL));
		return ERR_CONFIG;
	}
	r = gnutls_priority_set(t->s, pc);
	gnutls_priority_deinit(pc);
	if (r < 0) {
		errf(err, "tls_priority \"%s\": %s", p->priority ? p->priority : "NORMAL",
		    gnutls_strerror(r));
		return ERR_CONFIG;
	}
	if ((r = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, t->cred)) < 0) {
		errf(err, "TLS credentials: %s", gnutls_strerror(r));
		return ERR_TLS;
	}
	if (!net_is_ip_literal(t->name) &&
	    (r = gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, t->name, strlen(t->name))) < 0) {
		errf(err, "TLS server name %s: %s", t->name, gnutls_strerror(r));
		return ERR_CONFIG;
	}
	if (t->mode == TLS_VERIFY_PKIX)
		gnutls_session_set_verify_cert(t->s, t->name, 0);
	else if (t->mode == TLS_VERIFY_PIN)
		gnutls_session_set_verify_function(t->s, verify_pin);
	else if (t->mode == TLS_VERIFY_DANE)
		gnutls_session_set_verify_function(t->s, verify_dane);
	/* TLS_VERIFY_NONE: encrypted against a passive listener only; the log
	 * line says verified=none. */
	return ERR_OK;
}

static void
describe_failure(struct tls_session *t, struct buf *err)
{
	if (t->mode == TLS_VERIFY_PIN) {
		errf(err, "certificate of %s matches no tls_fingerprint pin", t->name);
		return;
	}
	if (t->mode == TLS_VERIFY_DANE) {
		errf(err, "certificate of %s fails DANE: %s", t->name,
		    t->dane_why[0] ? t->dane_why : "not checked");
		return;
	}
	unsigned status = gnutls_session_get_verify_cert_status(t->s);
	gnutls_datum_t out = { NULL, 0 };
	if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) == 0) {
		int n = (int)out.size;
		while (n > 0 && (out.data[n - 1] == ' ' || out.data[n - 1] == '\0'))
			n--;
		errf(err, "certificate of %s not verified: %.*s", t->name, n,
		    (const char *)out.data);
		gnutls_free(out.data);
	} else {
		errf(err, "certificate of %s not verified (status 0x%x)", t->name, status);
	}
}

/* Wait for the direction GnuTLS asked for, until dl. */
static enum err
wait_dir(gnutls_session_t s, int fd, const struct deadline *dl)
{
	int r = deadline_poll(fd, gnutls_record_get_direction(s) ? POLLOUT : POLLIN, dl);
	return r < 0 ? ERR_IO : r == 0 ? ERR_TIMEOUT : ERR_OK;
}

enum err
tls_handshake(struct tls_session *t, int fd, const struct deadline *dl, struct buf *err)
{
	int r;
	enum err rc;
	gnutls_transport_set_int(t->s, fd);
	for (;;) {
		r = gnutls_handshake(t->s);
		if (r == 0)
			break;
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
			if ((rc = wait_dir(t->s, fd, dl)) != ERR_OK) {
				errf(err, "TLS handshake with %s %s", t->name,
				    rc == ERR_TIMEOUT ? "timed out" : "failed: poll error");
				return rc;
			}
			continue;
		}
		if (!gnutls_error_is_fatal(r))
			continue;
		if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR ||
		    r == GNUTLS_E_CERTIFICATE_ERROR) {
			describe_failure(t, err);
			return ERR_CERT;
		}
		errf(err, "TLS handshake with %s failed: %s", t->name, gnutls_strerror(r));
		return r == GNUTLS_E_PREMATURE_TERMINATION ? ERR_EOF : ERR_TLS;
	}
	/* Belt and braces: a PKIX session must report a clean status. */
	if (t->mode == TLS_VERIFY_PKIX && gnutls_session_get_verify_cert_status(t->s) != 0) {
		describe_failure(t, err);
		return ERR_CERT;
	}
	if (t->mode == TLS_VERIFY_PIN && !t->pin_matched) {
		describe_failure(t, err);
		return ERR_CERT;
	}
	t->dane = NULL;         /* the route that owns them may go */
	t->dane_names = NULL;
	if (t->mode == TLS_VERIFY_DANE && !t->dane_how) {
		describe_failure(t, err);
		return ERR_CERT;
	}
	t->established = true;
	return ERR_OK;
}

enum err
tls_recv(struct tls_session *t, int fd, void *p, size_t cap, size_t *got,
    const struct deadline *dl)
{
	enum err rc;
	*got = 0;
	for (;;) {
		ssize_t n = gnutls_record_recv(t->s, p, cap);
		if (n > 0) {
			*got = (size_t)n;
			return ERR_OK;
		}
		if (n == 0)
			return ERR_EOF;
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			if ((rc = wait_dir(t->s, fd, dl)) != ERR_OK)
				return rc;
			continue;
		}
		if (n == GNUTLS_E_PREMATURE_TERMINATION)
			return ERR_EOF;
		if (!gnutls_error_is_fatal((int)n))
			continue;
		t->error = (int)n;
		return ERR_TLS;
	}
}

enum err
tls_send(struct tls_session *t, int fd, const void *p, size_t n, size_t *put,
    const struct deadline *dl)
{
	enum err rc;
	*put = 0;
	for (;;) {
		ssize_t w = gnutls_record_send(t->s, p, n);
		if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED) {
			/* GnuTLS wants the same call again once writable. */
			if ((rc = wait_dir(t->s, fd, dl)) != ERR_OK)
				return rc;
			continue;
		}
		if (w < 0) {
			t->error = (int)w;
			return ERR_TLS;
		}
		*put = (size_t)w;
		return ERR_OK;
	}
}

size_t
tls_pending(const struct tls_session *t)
{
	return gnutls_record_check_pending(t->s);
}

const char *
tls_error_str(const struct tls_session *t, char *out, size_t cap)
{
	out[0] = '\0';
	if (!t->error)
		return out;
	if (t->error == GNUTLS_E_FATAL_ALERT_RECEIVED ||
	    t->error == GNUTLS_E_WARNING_ALERT_RECEIVED)
		snprintf(out, cap, "%s: %s", gnutls_strerror(t->error),
		    gnutls_alert_get_name(gnutls_alert_get(t->s)));
	else
		snprintf(out, cap, "%s", gnutls_strerror(t->error));
	return out;
}

void
tls_describe(const struct tls_session *t, char *out, size_t cap)
{
	const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(t->s));
	const char *c = gnutls_cipher_get_name(gnutls_cipher_get(t->s));
	char vers[16];
	/* "TLS1.3" -> "TLSv1.3", the usual spelling in mail logs. */
	if (v && strncmp(v, "TLS", 3) == 0)
		snprintf(vers, sizeof vers, "TLSv%s", v + 3);
	else
		snprintf(vers, sizeof vers, "%s", v ? v : "?");
	snprintf(out, cap, "%s/%s", vers, c ? c : "?");
}

const char *
tls_verified_str(const struct tls_session *t)
{
	return t->mode == TLS_VERIFY_PIN ? "pin" : t->mode == TLS_VERIFY_NONE ? "none" :
	    t->mode == TLS_VERIFY_DANE ? "dane" : t->verified_as ? t->verified_as : "pkix";
}

const char *
tls_dane_how(const struct tls_session *t)
{
	return t->mode == TLS_VERIFY_DANE ? t->dane_how : NULL;
}

enum err
tls_channel_binding(const struct tls_session *t, struct buf *b64, bool *exporter)
{
	gnutls_datum_t cb = { NULL, 0 };
	gnutls_datum_t enc = { NULL, 0 };
	enum err rc = ERR_TLS;
	bool v13 = gnutls_protocol_get_version(t->s) == GNUTLS_TLS1_3;

	*exporter = v13;
	if (gnutls_session_channel_binding(t->s, v13 ? GNUTLS_CB_TLS_EXPORTER :
	    GNUTLS_CB_TLS_UNIQUE, &cb) < 0)
		return ERR_TLS;
	if (gnutls_base64_encode2(&cb, &enc) == 0) {
		rc = buf_add(b64, enc.data, enc.size) == ERR_OK ? ERR_OK : ERR_TOOBIG;
		gnutls_free(enc.data);
	}
	gnutls_free(cb.data);
	return rc;
}

/* "sha256:AB:CD:..." for the 32 bytes of d, as tls_fingerprint takes it. */
static void
print_pin(FILE *out, const unsigned char d[32])
{
	fprintf(out, "sha256:");
	for (int k = 0; k < 32; k++)
		fprintf(out, "%s%02X", k ? ":" : "", d[k]);
}

void
tls_print_peer(const struct tls_session *t, FILE *out)
{
	const gnutls_datum_t *chain;
	unsigned n = 0;
	chain = gnutls_certificate_get_peers(t->s, &n);
	for (unsigned i = 0; chain && i < n; i++) {
		gnutls_x509_crt_t crt;
		gnutls_datum_t info = { NULL, 0 };
		unsigned char d[32];
		bool parsed;
		if (gnutls_x509_crt_init(&crt) < 0)
			continue;
		parsed = gnutls_x509_crt_import(crt, &chain[i], GNUTLS_X509_FMT_DER) == 0;
		if (parsed && gnutls_x509_crt_print(crt, GNUTLS_CRT_PRINT_ONELINE, &info) == 0) {
			/* Server data, and not verified at all when --probe shows
			 * a chain that failed: no control characters. */
			char clean[2048];
			fprintf(out, "certificate %u: %s\n", i, str_sanitize(clean, sizeof clean,
			    (const char *)info.data, info.size));
			gnutls_free(info.data);
		}
		/* The leaf's two pins as lines to paste into the account; the
		 * other certificates' fingerprints for reference. */
		if (gnutls_hash_fast(GNUTLS_DIG_SHA256, chain[i].data, chain[i].size, d) == 0) {
			fprintf(out, i == 0 ? "  tls_fingerprint = " : "  ");
			print_pin(out, d);
			fprintf(out, i == 0 ? "   ; certificate SHA-256\n" : "\n");
		}
		if (i == 0 && parsed && spki_digest(crt, d)) {
			fprintf(out, "  tls_fingerprint = ");
			print_pin(out, d);
			fprintf(out, "   ; public key (SPKI) SHA-256\n");
		}
		gnutls_x509_crt_deinit(crt);
	}
}

void
tls_bye(struct tls_session *t, int fd, const struct deadline *dl)
{
	if (!t->s || !t->established)
		return;
	for (;;) {
		int r = gnutls_bye(t->s, GNUTLS_SHUT_WR);
		if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED)
			return;
		if (wait_dir(t->s, fd, dl) != ERR_OK)
			return;
	}
}

void
tls_free(struct tls_session *t)
{
	if (t->s)
		gnutls_deinit(t->s);
	if (t->cred)
		gnutls_certificate_free_credentials(t->cred);
	free(t->name);
	wipe(t->pins, sizeof t->pins);
	memset(t, 0, sizeof *t);
}
