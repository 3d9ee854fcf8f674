// SPDX-License-Identifier: MIT
/* stsfetch.c: finding the MTA-STS policy of a domain. The policy host is
 * found through our own resolver (dns.c), the HTTPS request goes over our
 * own TLS stream (conn.c, tls.c: PKIX, SNI and the name mta-sts.DOMAIN),
 * the response is read to its end under one deadline and parsed by
 * mtasts.c. The cache holds one file per domain: its id, when it was
 * fetched, and the policy text as served. */
#include "stsfetch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "deadline.h"
#include "mx.h"
#include "net.h"
#include "tls.h"
#include "util.h"

#define STS_RESPONSE_MAX (STS_POLICY_MAX + 16384)      /* policy plus a header */

/* The whole response of one GET, until the server closes. */
static enum err
get(const struct sts_ctx *c, const char *host, const char *addr, const struct deadline *dl,
    struct buf *resp, struct buf *why)
{
	struct tls_params tp = { .name = host, .ca_file = c->ca_file, .min_version = 12 };
	struct tls_session tls;
	struct conn conn;
	char peer[NET_PEER_MAX + 300], req[512];
	int fd = -1;
	enum err rc;

	rc = net_connect(addr, host, c->port, (uint64_t)deadline_left_ms(dl), dl, &fd, peer,
	    sizeof peer, why);
	if (rc != ERR_OK)
		return rc;
	conn_init(&conn, fd);
	if ((rc = tls_init(&tls, &tp, why)) == ERR_OK &&
	    (rc = conn_start_tls(&conn, &tls, dl, why)) == ERR_OK) {
		int n = snprintf(req, sizeof req, "GET /.well-known/mta-sts.txt HTTP/1.1\r\n"
		    "Host: %s\r\nUser-Agent: sealpost\r\nAccept: text/plain\r\n"
		    "Connection: close\r\n\r\n", host);
		rc = conn_write(&conn, req, (size_t)n, dl);
		while (rc == ERR_OK) {
			char chunk[4096];
			size_t got;
			rc = conn_read(&conn, chunk, sizeof chunk, &got, dl);
			if (rc == ERR_OK && buf_add(resp, chunk, got) != ERR_OK) {
				errf(why, "the response from %s is larger than %d octets", peer,
				    STS_RESPONSE_MAX);
				rc = ERR_TOOBIG;
			}
		}
		if (rc == ERR_EOF)
			rc = ERR_OK;
		else if (rc == ERR_TIMEOUT)
			errf(why, "%s: no complete response in time", peer);
		else if (rc != ERR_TOOBIG)
			errf(why, "%s: the response was cut off (%s)", peer, err_str(rc));
	} else {
		errf(why, " (%s)", peer);
	}
	conn_close(&conn, dl);
	tls_free(&tls);
	return rc;
}

/* GET the policy of domain into body. */
static enum err
fetch(const struct sts_ctx *c, const char *domain, struct buf *body, struct buf *why)
{
	struct mx_host h = { .naddrs = 0 };
	struct deadline dl = deadline_after_ms(c->timeout_ms);
	struct buf resp;
	enum err rc = ERR_CONNECT;

	/* The A addresses found are tried even if the AAAA lookup then
	 * failed (mx_host_addrs() keeps them): the policy is PKIX-verified,
	 * not DNSSEC. */
	snprintf(h.name, sizeof h.name, "mta-sts.%s", domain);
	(void)!mx_host_addrs(c->dns, &h);
	if (h.naddrs == 0) {
		errf(why, "%s", h.why);
		return ERR_DNS;
	}
	buf_init(&resp, STS_RESPONSE_MAX);
	for (size_t i = 0; i < h.naddrs && rc != ERR_OK && !deadline_expired(&dl); i++) {
		buf_reset(why);
		buf_reset(&resp);
		rc = get(c, h.name, h.addrs[i], &dl, &resp, why);
	}
	if (rc == ERR_OK) {
		buf_reset(why);
		rc = sts_http_parse(resp.data ? resp.data : "", resp.len, body, why);
	}
	buf_free(&resp);
	return rc;
}

/* The cached policy of domain, if any and not expired; *fetched_at when
 * it was fetched, *tried_at when it was last fetched or a refresh last
 * failed (the file's mtime). */
static bool
cache_read(const struct sts_ctx *c, const char *domain, int64_t now, struct sts_result *out,
    int64_t *fetched_at, int64_t *tried_at)
{
	struct stat st;
	struct buf text, why;
	long long fetched = 0;
	char id[STS_ID_MAX + 2] = "";
	bool ok = false;
	int fd;

	if (c->cache_dirfd < 0 ||
	    (fd = openat(c->cache_dirfd, domain, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return false;
	buf_init(&text, STS_POLICY_MAX + 256);
	buf_init(&why, 256);
	if (buf_read_fd(&text, fd) == ERR_OK) {
		const char *t = buf_str(&text), *body = strstr(t, "\n\n");
		char *end;
		/* "sealpost-mta-sts 1\nid ID\nfetched SECONDS\n\nPOLICY" */
		if (body && strncmp(t, "sealpost-mta-sts 1\nid ", 22) == 0) {
			size_t idlen = strcspn(t + 22, "\n");
			const char *f = t + 22 + idlen;
			if (idlen >= 1 && idlen <= STS_ID_MAX && strncmp(f, "\nfetched ", 9) == 0) {
				memcpy(id, t + 22, idlen);
				id[idlen] = '\0';
				errno = 0;
				fetched = strtoll(f + 9, &end, 10);
				ok = errno == 0 && end == body && fetched > 0;
			}
		}
		if (ok)
			ok = sts_policy_parse(body + 2, text.len - (size_t)(body + 2 - t), &out->policy,
			    &why) == ERR_OK && fetched + (int64_t)out->policy.max_age > now;
	}
	if (ok) {
		memcpy(out->id, id, sizeof out->id);
		*fetched_at = (int64_t)fetched;
		*tried_at = fstat(fd, &st) == 0 ? (int64_t)st.st_mtime : now;
	}
	close(fd);
	buf_free(&text);
	buf_free(&why);
	return ok;
}

/* Replace the cached policy of domain (written aside, then renamed). */
static void
cache_write(const struct sts_ctx *c, const char *domain, const char *id, int64_t now,
    const struct buf *policy, char *note, size_t cap)
{
	char tmp[DNS_NAME_MAX + 32], head[128];
	int fd, n;

	if (c->cache_dirfd < 0)
		return;
	snprintf(tmp, sizeof tmp, ".%s.%ld", domain, (long)getpid());
	n = snprintf(head, sizeof head, "sealpost-mta-sts 1\nid %s\nfetched %lld\n\n", id,
	    (long long)now);
	/* Group-writable in the shared queue: any run may mark a failed
	 * refresh on it (cache_tried()). */
	fd = openat(c->cache_dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    c->shared ? 0660 : 0600);
	if (fd < 0 || write_all(fd, head, (size_t)n) != ERR_OK ||
	    write_all(fd, policy->data, policy->len) != ERR_OK || close(fd) != 0 ||
	    renameat(c->cache_dirfd, tmp, c->cache_dirfd, domain) != 0) {
		snprintf(note, cap, "cannot cache the policy: %s", strerror(errno));
		if (fd >= 0)
			(void)unlinkat(c->cache_dirfd, tmp, 0);
	}
}

/* The TXT record's id; false when there is none (why says so). */
static bool
txt_id(const struct sts_ctx *c, const char *domain, char id[STS_ID_MAX + 1], struct buf *why)
{
	char qname[DNS_NAME_MAX + 16];
	struct dns_answer a;
	enum dns_sec sec;
	bool ok;
	snprintf(qname, sizeof qname, "_mta-sts.%s", domain);
	if (dns_lookup(c->dns, qname, DNS_T_TXT, &a, &sec, why) != ERR_OK)
		return false;
	ok = a.rcode == DNS_RCODE_NOERROR && sts_txt_id(&a, qname, id, why) == ERR_OK;
	if (a.rcode == DNS_RCODE_NXDOMAIN)
		errf(why, "no %s", qname);
	dns_answer_free(&a);
	return ok;
}

/* A refresh just failed: no other is tried for STS_RETRY_S (the mtime
 * says when; the policy's own age is in the file). */
static void
cache_tried(const struct sts_ctx *c, const char *domain)
{
	if (c->cache_dirfd >= 0)
		(void)utimensat(c->cache_dirfd, domain, NULL, AT_SYMLINK_NOFOLLOW);
}

/* GET and parse the policy of domain; false: why says what failed. */
static bool
fetch_policy(const struct sts_ctx *c, const char *domain, struct buf *body,
    struct sts_policy *fresh, struct buf *why)
{
	buf_reset(why);
	buf_reset(body);
	return fetch(c, domain, body, why) == ERR_OK &&
	    sts_policy_parse(body->data ? body->data : "", body->len, fresh, why) == ERR_OK;
}

void
sts_lookup(const struct sts_ctx *c, const char *domain, struct sts_result *out)
{
	char id[STS_ID_MAX + 1];
	int64_t now = (int64_t)time(NULL), fetched_at = 0, tried_at = 0;
	struct sts_policy fresh;
	struct buf why, body;
	bool cached, have_id;

	memset(out, 0, sizeof *out);
	out->source = "none";
	buf_init(&why, 2048);
	buf_init(&body, STS_POLICY_MAX);
	have_id = txt_id(c, domain, id, &why);
	cached = cache_read(c, domain, now, out, &fetched_at, &tried_at);
	if (have_id && !(cached && strcmp(out->id, id) == 0)) {
		/* A new id (or nothing cached): fetch it. */
		if (fetch_policy(c, domain, &body, &fresh, &why)) {
			out->policy = fresh;
			memcpy(out->id, id, sizeof out->id);
			out->source = "fetched";
			cached = true;
			cache_write(c, domain, id, now, &body, out->note, sizeof out->note);
		} else {
			/* 3.3: a failed fetch keeps an unexpired cached policy in force;
			 * without one, deliver as if there were none. */
			snprintf(out->note, sizeof out->note, "policy fetch for %s failed: %s%s",
			    domain, buf_str(&why), cached ? "; the cached policy applies" : "");
			if (cached)
				out->source = "cached";
		}
	} else if (cached) {
		/* The same id, or no TXT record now (3.3: the cached policy
		 * still applies). Either way it is renewed before it expires,
		 * and not more than once per STS_RETRY_S while that fails. */
		int64_t refresh_after = out->policy.max_age / 2 < STS_REFRESH_S ?
		    (int64_t)out->policy.max_age / 2 : STS_REFRESH_S;
		out->source = "cached";
		if (!have_id)
			snprintf(out->note, sizeof out->note, "no valid MTA-STS TXT record now (%s);"
			    " the cached policy applies", buf_str(&why));
		if (now - fetched_at >= refresh_after && now - tried_at >= STS_RETRY_S) {
			if (fetch_policy(c, domain, &body, &fresh, &why)) {
				out->policy = fresh;
				out->source = "refreshed";
				cache_write(c, domain, out->id, now, &body, out->note, sizeof out->note);
			} else {
				snprintf(out->note, sizeof out->note, "refreshing the policy of %s"
				    " failed: %s; the cached policy applies", domain, buf_str(&why));
				cache_tried(c, domain);
			}
		}
	}
	out->have = cached && out->policy.mode != STS_MODE_NONE;
	buf_free(&why);
	buf_free(&body);
}
