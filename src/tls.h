/* SPDX-License-Identifier: MIT */
/* tls.h: GnuTLS client sessions. Verification happens inside the handshake
 * and fails closed: PKIX with the configured name, or pinned digests. */
#ifndef SEALPOST_TLS_H
#define SEALPOST_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <gnutls/gnutls.h>

#include "buf.h"
#include "deadline.h"
#include "err.h"

/* How a session reaches TLS: on connect (port 465) or by STARTTLS. */
enum tls_mode { TLS_MODE_IMPLICIT, TLS_MODE_STARTTLS };

enum tls_verify {
	TLS_VERIFY_PKIX,        /* chain to the trust store or CA file + host name */
	TLS_VERIFY_PIN,         /* SHA-256 of the certificate or its key (tls_fingerprint) */
	TLS_VERIFY_NONE,        /* MX policy "encrypt": TLS required, the certificate unchecked */
	TLS_VERIFY_DANE,        /* MX: the chain must match usable TLSA records (dane.c) */
};

struct dane_tlsa;

struct tls_params {
	const char *name;       /* reference identity: host name or IP address */
	const char *ca_file;    /* NULL: the system trust store */
	char *const *pins;      /* "sha256:..." entries; npins > 0 selects TLS_VERIFY_PIN */
	size_t npins;
	const char *cert_file, *key_file;   /* client certificate, or NULL */
	unsigned min_version;   /* 12 or 13 */
	const char *priority;   /* GnuTLS priority string, or NULL for NORMAL */
	bool encrypt_only;      /* TLS_VERIFY_NONE: only ever set by route.c for the MX
	                         * policy "encrypt"; never for a relay */
	/* TLS_VERIFY_DANE when set: DNSSEC-secure usable TLSA records, and the
	 * reference names for DANE-TA (the TLSA base domain first). They need
	 * to live only until the handshake is over. SNI is name. */
	const struct dane_tlsa *dane;
	const char *const *dane_names;
	size_t ndane_names;
	const char *verified_as;        /* PKIX under another name in logs ("mta-sts") */
};

struct tls_session {
	gnutls_session_t s;
	gnutls_certificate_credentials_t cred;
	char *name;             /* must outlive s: GnuTLS keeps the pointer */
	enum tls_verify mode;
	unsigned char pins[16][32];
	size_t npins;
	bool pin_matched;
	const struct dane_tlsa *dane;   /* until the handshake ends */
	const char *const *dane_names;
	size_t ndane_names;
	const char *dane_how;           /* "DANE-EE" or "DANE-TA" once matched */
	const char *verified_as;        /* a static string, or NULL */
	char dane_why[256];
	bool established;
	int error;              /* the last fatal record-layer error, or 0 */
};

/* tls_init: create a client session for p (not yet bound to a socket). Loads
 * the trust store only for PKIX. Sets SNI unless the name is an IP address
 * (RFC 6066 3). Errors: ERR_CONFIG (bad CA file, key pair, priority string
 * or one that with min_version leaves no TLS version, pin), ERR_TLS; the
 * reason is in err. tls_free() must follow either way. */
enum err tls_init(struct tls_session *t, const struct tls_params *p, struct buf *err) WUR;

/* tls_handshake: run the handshake on non-blocking fd until dl. On
 * ERR_CERT the verification failure is described in err; nothing has been
 * sent over the channel. Errors: ERR_TIMEOUT, ERR_CERT, ERR_TLS, ERR_EOF. */
enum err tls_handshake(struct tls_session *t, int fd, const struct deadline *dl,
    struct buf *err) WUR;

/* tls_recv: read at most cap decrypted bytes into p from the established
 * session on non-blocking fd, waiting until dl; *got > 0 on success. The
 * bytes are untrusted server data. Errors: ERR_EOF (closed, with or without
 * close_notify), ERR_TIMEOUT, ERR_IO (poll failed), ERR_TLS (fatal; the
 * error is kept for tls_error_str()). */
enum err tls_recv(struct tls_session *t, int fd, void *p, size_t cap, size_t *got,
    const struct deadline *dl) WUR;

/* tls_send: hand at most n bytes of p to the session on non-blocking fd,
 * waiting until dl; *put says how many were taken (the caller loops). After
 * ERR_TIMEOUT GnuTLS may still point into p, so the caller must not send on
 * this session again. Errors: ERR_TIMEOUT, ERR_IO (poll failed), ERR_TLS
 * (the error is kept for tls_error_str()). */
enum err tls_send(struct tls_session *t, int fd, const void *p, size_t n, size_t *put,
    const struct deadline *dl) WUR;

/* tls_pending: decrypted bytes GnuTLS holds that no tls_recv() took yet. */
size_t tls_pending(const struct tls_session *t);

/* tls_error_str: text for the last fatal tls_recv()/tls_send() error, with
 * the name of the alert the peer sent, if any, written to out (cap bytes);
 * "" when there was none. Returns out. */
const char *tls_error_str(const struct tls_session *t, char *out, size_t cap);

/* tls_describe: "TLSv1.3/AES-256-GCM" for the log line. */
void tls_describe(const struct tls_session *t, char *out, size_t cap);
/* tls_verified_str: "pkix" or "pin". */
const char *tls_verified_str(const struct tls_session *t);

/* tls_dane_how: "DANE-EE" or "DANE-TA" for a session DANE authenticated,
 * else NULL. */
const char *tls_dane_how(const struct tls_session *t);

/* tls_channel_binding: base64 channel-binding data for SCRAM-*-PLUS:
 * tls-exporter on TLS 1.3 (RFC 9266), tls-unique on 1.2. *exporter tells
 * which. Errors: ERR_TLS when none is available. */
enum err tls_channel_binding(const struct tls_session *t, struct buf *b64,
    bool *exporter) WUR;

/* tls_print_peer: the certificate chain with subjects, issuers, validity and
 * SHA-256 fingerprints (for --probe); under the leaf, its two pins
 * (certificate and SubjectPublicKeyInfo SHA-256) as "tls_fingerprint =
 * sha256:AB:..." lines that parse as they are. Also after a handshake that
 * failed verification: the chain is what the server sent, untrusted (its
 * text is printed without control characters). */
void tls_print_peer(const struct tls_session *t, FILE *out);

/* tls_bye: send close_notify, bounded by dl; errors are ignored. */
void tls_bye(struct tls_session *t, int fd, const struct deadline *dl);
void tls_free(struct tls_session *t);

#endif
