/* SPDX-License-Identifier: MIT */
/* dns.h: DNS lookups for MX delivery, each with a DNSSEC status and under
 * a deadline. The nameservers are dns_server or resolv.conf's; queries go
 * over UDP with EDNS0 and DO, and over TCP when the answer was truncated.
 * The AD bit is believed only from a resolver the configuration trusts
 * (dns_trust_ad: yes, or auto and the resolver is on a loopback address),
 * as Postfix does: such a resolver validates, and the path to it cannot
 * be tampered with. */
#ifndef SEALPOST_DNS_H
#define SEALPOST_DNS_H

#include <stdbool.h>
#include <stdint.h>

#include "bounds.h"
#include "buf.h"
#include "config.h"
#include "dnsmsg.h"
#include "err.h"

#ifndef RESOLV_CONF
#define RESOLV_CONF "/etc/resolv.conf"
#endif

/* RFC 4035 4.3. Bogus and indeterminate are failures, never insecure. */
enum dns_sec { DNS_SEC_INSECURE, DNS_SEC_SECURE, DNS_SEC_BOGUS, DNS_SEC_INDETERMINATE };

struct dns_server {
	char addr[48];          /* numeric IPv4 or IPv6 address */
	unsigned port;
	bool trust_ad;
};

struct ub_ctx;

struct dns_client {
	struct dns_server ns[DNS_SERVERS_MAX];
	size_t nns;
	uint64_t timeout_ms;    /* the whole lookup, every server and retry */
	struct ub_ctx *ub;      /* dns_validate: libunbound validates, or NULL */
};

/* dns_client_init: nameservers from server ("ADDR", "ADDR:PORT",
 * "[IPv6]:PORT"), or when it is NULL from resolv_conf's nameserver lines
 * (at most DNS_SERVERS_MAX; none there means 127.0.0.1, as for glibc).
 * Errors: ERR_CONFIG (an unusable address), reason in err. */
enum err dns_client_init(struct dns_client *c, const char *server, const char *resolv_conf,
    enum trust_ad trust, uint64_t timeout_ms, struct buf *err) WUR;

/* dns_client_validate: from now on validate DNSSEC in-process: libunbound,
 * forwarding to c's nameservers, with the trust anchors in anchor_file
 * (DS or DNSKEY records, or an RFC 5011 key file such as
 * /usr/share/dns/root.key). The DNSSEC status is then libunbound's:
 * secure, insecure or bogus (a bogus answer is ERR_DNS, never insecure),
 * whatever the AD bit says. Errors: ERR_CONFIG (anchor unreadable or
 * unusable), reason in err. dns_client_free() releases it. */
enum err dns_client_validate(struct dns_client *c, const char *anchor_file,
    struct buf *err) WUR;

/* dns_client_free: what dns_client_validate() set up. */
void dns_client_free(struct dns_client *c);

/* dns_lookup: ask for (name, type) and parse the reply into *a (the caller
 * frees it), *sec its DNSSEC status. ERR_OK means a reply came, with
 * a->rcode NOERROR or NXDOMAIN. Servers are tried in order, twice, each
 * UDP wait doubling from DNS_TRY_MS, all within c->timeout_ms; replies to
 * other queries (wrong ID or question) are ignored. Errors (all
 * temporary, reason in err): ERR_TIMEOUT (no server answered in time),
 * ERR_DNS (SERVFAIL, REFUSED or another error code, a malformed or
 * oversized reply; *sec is DNS_SEC_INDETERMINATE; with validation also a
 * bogus answer, *sec DNS_SEC_BOGUS), ERR_DATA (name is not a valid domain
 * name). */
enum err dns_lookup(const struct dns_client *c, const char *name, uint16_t type,
    struct dns_answer *a, enum dns_sec *sec, struct buf *err) WUR;

/* dns_sec_str: "secure", "insecure", "bogus" or "indeterminate". */
const char *dns_sec_str(enum dns_sec s);

#endif
