// SPDX-License-Identifier: MIT
/* route.c: next hops for a group of recipients. A relay account has one:
 * the configured smarthost. An MX account has the recipient domain's
 * exchangers (mx.c), every address of each in turn, each hop secured as
 * the domain's TLS policy says. Only route.c decides how a hop is
 * verified; net.c connects and tls.c verifies as told. */
#include "route.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

static void
relay_hop(const struct account *a, struct route_hop *h)
{
	memset(h, 0, sizeof *h);
	h->host = a->host;
	h->port = a->port;
	h->tls = a->tls;
	h->tlsp.name = a->tls_server_name ? a->tls_server_name : a->host;
	h->tlsp.ca_file = a->tls_ca_file;
	h->tlsp.pins = a->tls_fingerprint;
	h->tlsp.npins = a->npins;
	h->tlsp.cert_file = a->tls_cert_file;
	h->tlsp.key_file = a->tls_key_file;
	h->tlsp.min_version = a->tls_min_version;
	h->tlsp.priority = a->tls_priority;
	h->auth = true;
}

void
route_relay(const struct account *acct, struct route *out)
{
	memset(out, 0, sizeof *out);
	relay_hop(acct, &out->hops[0]);
	out->nhops = 1;
}

enum tls_policy
route_policy(const struct config *cfg, const struct account *acct, const char *domain,
    char *const **pins, size_t *npins)
{
	for (const struct domain_policy *d = cfg->domains; d; d = d->next) {
		if (strcasecmp(d->name, domain) != 0)
			continue;
		*pins = d->npins ? d->tls_fingerprint : acct->tls_fingerprint;
		*npins = d->npins ? d->npins : acct->npins;
		return d->policy;
	}
	*pins = acct->tls_fingerprint;
	*npins = acct->npins;
	return acct->tls_policy;
}

/* dns_validate = yes with a trust anchor file we cannot read: why. */
static bool
anchor_unusable(const struct config *cfg, char *why, size_t cap)
{
	const char *anchor = cfg->dns_trust_anchor ? cfg->dns_trust_anchor :
	    DNS_TRUST_ANCHOR_DEFAULT;
	if (!cfg->dns_validate || access(anchor, R_OK) == 0)
		return false;
	snprintf(why, cap, "dns_trust_anchor %s: %s (needed by dns_validate = yes)",
	    anchor, strerror(errno));
	return true;
}

const char *
route_mx_unsupported(const struct config *cfg, const struct account *acct)
{
	static char why[512];
	if (cfg->dns_server) {
		struct dns_client c;
		struct buf err;
		buf_init(&err, 256);
		if (dns_client_init(&c, cfg->dns_server, RESOLV_CONF, cfg->dns_trust_ad, 1000, &err)
		    != ERR_OK) {
			snprintf(why, sizeof why, "%s", buf_str(&err));
			buf_free(&err);
			return why;
		}
		buf_free(&err);
	}
	if (anchor_unusable(cfg, why, sizeof why))
		return why;
	if (acct->mta_sts && acct->mta_sts_ca_file && access(acct->mta_sts_ca_file, R_OK) != 0) {
		snprintf(why, sizeof why, "mta_sts_ca_file %s: %s", acct->mta_sts_ca_file,
		    strerror(errno));
		return why;
	}
	return NULL;
}

/* One address of an exchanger, secured per policy. SNI and the reference
 * identity for "verify" are the exchanger's name as the MX record gives it. */
static void
mx_hop(const struct account *a, enum tls_policy policy, char *const *pins, size_t npins,
    const char *name, const char *addr, struct route_hop *h)
{
	memset(h, 0, sizeof *h);
	h->host = addr;
	h->shown = name;
	h->port = a->mx_port;
	h->tls = TLS_MODE_STARTTLS;
	h->policy = policy;
	h->tlsp.name = name;
	h->tlsp.ca_file = a->tls_ca_file;
	h->tlsp.cert_file = a->tls_cert_file;
	h->tlsp.key_file = a->tls_key_file;
	h->tlsp.min_version = a->tls_min_version;
	h->tlsp.priority = a->tls_priority;
	if (policy == POLICY_FINGERPRINT) {
		h->tlsp.pins = pins;
		h->tlsp.npins = npins;
	} else if (policy == POLICY_ENCRYPT) {
		h->tlsp.encrypt_only = true;
	} else if (policy == POLICY_MAY) {
		/* Opportunistic: TLS when offered, unauthenticated; plaintext
		 * when not (the only policy that allows it, only per domain). */
		h->tlsp.encrypt_only = true;
		h->plaintext_ok = true;
	}
}

void
route_free(struct route *r)
{
	for (size_t i = 0; i < MX_HOSTS_MAX; i++)
		dane_tlsa_free(&r->tlsa[i]);
}

/* The secure TLSA records at _PORT._tcp.BASE into r->tlsa[i] (the port
 * is the one we connect to, RFC 7672 2.2.3). false: the lookup failed
 * (why says so); true with none: there are none. */
static bool
tlsa_at(const struct account *a, const struct dns_client *dns, struct route *r, size_t i,
    const char *base, char *why, size_t cap)
{
	char qname[DNS_NAME_MAX + 16];
	struct dns_answer ans;
	enum dns_sec sec;
	struct buf err;

	snprintf(qname, sizeof qname, "_%u._tcp.%s", a->mx_port, base);
	buf_init(&err, 1024);
	if (dns_lookup(dns, qname, DNS_T_TLSA, &ans, &sec, &err) != ERR_OK) {
		snprintf(why, cap, "TLSA lookup: %s", buf_str(&err));
		buf_free(&err);
		return false;
	}
	buf_free(&err);
	if (sec == DNS_SEC_SECURE && ans.rcode == DNS_RCODE_NOERROR)
		dane_tlsa_from_answer(&ans, qname, &r->tlsa[i]);
	dns_answer_free(&ans);
	return true;
}

/* Exchanger i's TLSA records (RFC 7672 2.2): looked up only when its
 * addresses are DNSSEC-secure (2.2.2); believed only when secure. When
 * the addresses came through CNAMEs (secure, as the addresses are), the
 * expanded name is tried first and the exchanger's own name only if it
 * has none (2.2.2); r->tlsa_base[i] is where they were found. */
static enum route_tlsa
host_tlsa(const struct account *a, const struct dns_client *dns, struct route *r, size_t i,
    char *why, size_t cap)
{
	const struct mx_host *h = &r->mx.host[i];

	if (h->addr_sec != DNS_SEC_SECURE)
		return ROUTE_TLSA_NONE;
	r->tlsa_base[i] = h->name;
	if (h->final[0]) {
		if (!tlsa_at(a, dns, r, i, h->final, why, cap))
			return ROUTE_TLSA_FAILED;
		if (r->tlsa[i].n > 0 || r->tlsa[i].unusable > 0)
			r->tlsa_base[i] = h->final;
		else
			dane_tlsa_free(&r->tlsa[i]);
	}
	if (r->tlsa_base[i] == h->name && !tlsa_at(a, dns, r, i, h->name, why, cap))
		return ROUTE_TLSA_FAILED;
	if (r->tlsa[i].n > 0)
		return ROUTE_TLSA_USABLE;
	return r->tlsa[i].unusable > 0 ? ROUTE_TLSA_UNUSABLE : ROUTE_TLSA_NONE;
}

/* Exchanger i without DANE under dane: the MTA-STS policy if one applies
 * (RFC 8461 5: enforce refuses unlisted exchangers and requires PKIX for
 * the exchanger's name; testing only reports), else encrypt. */
static bool
sts_hop(struct route *r, size_t i, struct tls_params *tp, char *why, size_t cap)
{
	const char *host = r->mx.host[i].name;
	bool listed = r->sts.have && sts_mx_match(&r->sts.policy, host);
	tp->encrypt_only = true;
	if (!r->sts.have)
		return true;
	if (r->sts.policy.mode == STS_MODE_TESTING) {
		if (!listed)
			log_msg(LOG_WARNING, "MTA-STS testing for %s: %s is not a listed mx (enforce"
			    " would refuse it); delivering", r->mx.domain, host);
		return true;
	}
	if (!listed) {
		snprintf(why, cap, "%s: not a listed mx of the MTA-STS policy of %s (enforce)",
		    host, r->mx.domain);
		return false;
	}
	tp->encrypt_only = false;
	tp->verified_as = "mta-sts";
	return true;
}

/* How hop h to exchanger i is secured under dane / dane-only; false when
 * the policy rules the exchanger out (why says so). */
static bool
dane_hop(const struct account *a, const struct dns_client *dns, struct route *r, size_t i,
    enum tls_policy policy, struct tls_params *tp, char *why, size_t cap)
{
	r->tlsa_state[i] = host_tlsa(a, dns, r, i, why, cap);
	switch (r->tlsa_state[i]) {
	case ROUTE_TLSA_USABLE: {
		/* Reference names for DANE-TA (RFC 7672 3.2.2): the TLSA base
		 * domain, the exchanger's own name if that differs (CNAMEs), and
		 * the recipient domain only when the MX answer was secure. SNI
		 * is the base domain (8.1). */
		const char **names = r->dane_names[i];
		size_t n = 0;
		names[n++] = r->tlsa_base[i];
		if (r->tlsa_base[i] != r->mx.host[i].name)
			names[n++] = r->mx.host[i].name;
		if (r->mx.mx_sec == DNS_SEC_SECURE && !r->mx.implicit)
			names[n++] = r->mx.domain;
		tp->name = r->tlsa_base[i];
		tp->dane = &r->tlsa[i];
		tp->dane_names = names;
		tp->ndane_names = n;
		return true;
	}
	case ROUTE_TLSA_FAILED:
		return false;
	case ROUTE_TLSA_UNUSABLE:
		/* A secure TLSA RRset commits the server to STARTTLS even when
		 * no record is usable (2.2): TLS, authenticated only if MTA-STS
		 * says so. */
		if (policy == POLICY_DANE_ONLY) {
			snprintf(why, cap, "%s: no usable TLSA record (dane-only)", r->mx.host[i].name);
			return false;
		}
		return sts_hop(r, i, tp, why, cap);
	case ROUTE_TLSA_NONE:
	case ROUTE_TLSA_NOT_ASKED:
		break;
	}
	if (policy == POLICY_DANE_ONLY) {
		snprintf(why, cap, "%s: no DNSSEC-secure TLSA records (dane-only)",
		    r->mx.host[i].name);
		return false;
	}
	return sts_hop(r, i, tp, why, cap);
}

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]": the address, into out. */
static bool
address_literal(const char *domain, char *out, size_t cap)
{
	size_t n = strlen(domain);
	if (n < 3 || domain[0] != '[' || domain[n - 1] != ']')
		return false;
	domain++;
	n -= 2;
	if (n > 5 && strncasecmp(domain, "IPv6:", 5) == 0) {
		domain += 5;
		n -= 5;
	}
	if (n >= cap)
		return false;
	memcpy(out, domain, n);
	out[n] = '\0';
	return net_is_ip_literal(out);
}

enum err
route_mx(const struct config *cfg, const struct account *acct, const struct dns_client *dns,
    const struct sts_ctx *sts, const char *domain, bool tls_optional, struct route *out,
    struct result *res)
{
	char *const *pins;
	size_t npins;
	enum tls_policy policy = route_policy(cfg, acct, domain, &pins, &npins);
	struct mx_set *mx = &out->mx;
	char why[1024] = "";
	enum err rc;

	memset(out, 0, sizeof *out);
	out->sts.source = "none";       /* until sts_lookup() says otherwise */
	if (tls_optional && policy == POLICY_DANE) {
		policy = POLICY_ENCRYPT;
		log_msg(LOG_INFO, "TLS-Required: No for %s: DANE and MTA-STS not applied; TLS is"
		    " still required (encrypt)", domain);
	}
	/* RFC 5321 5.1 / RFC 7672 2.2: an address literal has no MX, no DANE
	 * and no MTA-STS; the configured policy applies (doc/decisions.md D7). */
	if (domain[0] == '[') {
		mx->n = 1;
		mx->implicit = true;
		snprintf(mx->domain, sizeof mx->domain, "%s", domain);
		if (!address_literal(domain, mx->host[0].addrs[0], sizeof mx->host[0].addrs[0])) {
			result_set(res, RES_PERM, STAGE_DNS, ERR_DATA, "%s is not an address literal",
			    domain);
			return ERR_DATA;
		}
		mx->host[0].naddrs = 1;
		snprintf(mx->host[0].name, sizeof mx->host[0].name, "%s", mx->host[0].addrs[0]);
		if (policy == POLICY_DANE_ONLY) {
			result_set(res, RES_TEMP, STAGE_DNS, ERR_CONFIG, "%s: an address literal has"
			    " no TLSA records, and the policy is dane-only", domain);
			return ERR_CONFIG;
		}
		mx_hop(acct, policy, pins, npins, mx->host[0].name, mx->host[0].addrs[0],
		    &out->hops[out->nhops]);
		if (policy == POLICY_DANE)
			out->hops[out->nhops].tlsp.encrypt_only = true;
		out->nhops++;
		return ERR_OK;
	}
	if ((rc = mx_resolve(dns, domain, mx, res)) != ERR_OK)
		return rc;
	if (sts && policy == POLICY_DANE) {
		sts_lookup(sts, mx->domain, &out->sts);
		if (out->sts.note[0])
			log_msg(LOG_WARNING, "MTA-STS for %s: %s", mx->domain, out->sts.note);
	}
	for (size_t i = 0; i < mx->n && out->nhops < ROUTE_HOPS_MAX; i++) {
		const struct mx_host *h = &mx->host[i];
		struct route_hop proto;
		char hwhy[600] = "";
		bool usable = h->naddrs > 0;
		if (!usable)
			snprintf(hwhy, sizeof hwhy, "%s", h->why);
		mx_hop(acct, policy, pins, npins, h->name, "", &proto);
		if (usable && (policy == POLICY_DANE || policy == POLICY_DANE_ONLY))
			usable = dane_hop(acct, dns, out, i, policy, &proto.tlsp, hwhy, sizeof hwhy);
		if (!usable) {
			size_t used = strlen(why);
			snprintf(out->note[i], sizeof out->note[i], "%s", hwhy);
			snprintf(why + used, sizeof why - used, "%s%s", used ? "; " : "", hwhy);
			continue;
		}
		for (size_t k = 0; k < h->naddrs && out->nhops < ROUTE_HOPS_MAX; k++) {
			out->hops[out->nhops] = proto;
			out->hops[out->nhops++].host = h->addrs[k];
		}
	}
	snprintf(out->skipped, sizeof out->skipped, "%s", why);
	if (out->nhops == 0) {
		result_set(res, RES_TEMP, STAGE_DNS, ERR_DNS, "no usable mail exchanger for %s: %s",
		    mx->domain, why);
		return ERR_DNS;
	}
	return ERR_OK;
}

/* One TLS set-up as a delivery would make it (tls_init), then dropped:
 * what cannot be loaded or parsed is reported as what, for the account. */
static enum err
check_tls(const struct account *acct, const char *what, const struct tls_params *tp,
    struct buf *err)
{
	struct tls_session t;
	struct buf why;
	enum err rc;
	buf_init(&why, 1024);
	rc = tls_init(&t, tp, &why);
	tls_free(&t);
	if (rc != ERR_OK)
		errf(err, "account %s: %s%s", acct->name, what, buf_str(&why));
	buf_free(&why);
	return rc == ERR_OK ? ERR_OK : ERR_CONFIG;
}

enum err
route_check(const struct config *cfg, const struct account *acct, struct buf *err)
{
	const struct { const char *key, *path; } files[] = {
		{ "tls_ca_file", acct->tls_ca_file }, { "tls_cert_file", acct->tls_cert_file },
		{ "tls_key_file", acct->tls_key_file },
		{ "mta_sts_ca_file", acct->mode == ACCT_MX ? acct->mta_sts_ca_file : NULL },
	};
	struct route_hop h;
	char why[512];
	const char *no;

	if (anchor_unusable(cfg, why, sizeof why)) {
		errf(err, "%s", why);
		return ERR_CONFIG;
	}
	/* GnuTLS would say only "Error while reading file". */
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (files[i].path && access(files[i].path, R_OK) != 0) {
			errf(err, "account %s: %s %s: %s", acct->name, files[i].key, files[i].path,
			    strerror(errno));
			return ERR_CONFIG;
		}
	}
	if (acct->mode == ACCT_RELAY) {
		relay_hop(acct, &h);
		return check_tls(acct, "", &h.tlsp, err);
	}
	if ((no = route_mx_unsupported(cfg, acct))) {
		errf(err, "account %s: %s", acct->name, no);
		return ERR_CONFIG;
	}
	/* An exchanger under "verify" (and MTA-STS): PKIX with tls_ca_file or
	 * the system store, the client certificate, the priority string. */
	mx_hop(acct, POLICY_VERIFY, NULL, 0, "mx.example", "192.0.2.1", &h);
	if (check_tls(acct, "", &h.tlsp, err) != ERR_OK)
		return ERR_CONFIG;
	if (acct->mta_sts && acct->mta_sts_ca_file) {
		h.tlsp.ca_file = acct->mta_sts_ca_file;
		h.tlsp.cert_file = h.tlsp.key_file = NULL;
		return check_tls(acct, "mta_sts_ca_file: ", &h.tlsp, err);
	}
	return ERR_OK;
}
