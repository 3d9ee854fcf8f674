// SPDX-License-Identifier: MIT
/* dns.c: asking the nameservers, under one deadline per lookup. A UDP
 * socket is connected to the server, so only its datagrams arrive; a
 * reply with another ID or question is ignored (it may be forged or late)
 * and the wait goes on. A truncated reply is asked again over TCP. What
 * the reply means (NXDOMAIN, no records, CNAMEs) is for the caller. */
#include "dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <unbound.h>

#include "deadline.h"
#include "net.h"
#include "util.h"

#define DNS_MSG_MAX 65535

const char *
dns_sec_str(enum dns_sec s)
{
	static const char *const names[] = { [DNS_SEC_INSECURE] = "insecure",
		[DNS_SEC_SECURE] = "secure", [DNS_SEC_BOGUS] = "bogus",
		[DNS_SEC_INDETERMINATE] = "indeterminate" };
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static bool
is_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* "ADDR", "ADDR:PORT" (IPv4) or "[IPv6]:PORT" / bare IPv6. */
static enum err
add_server(struct dns_client *c, const char *spec, enum trust_ad trust, struct buf *err)
{
	struct dns_server *s = &c->ns[c->nns];
	char host[sizeof s->addr];
	const char *colon = strrchr(spec, ':'), *port = NULL;
	unsigned long p = 53;
	size_t n = strlen(spec);

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || (close[1] && close[1] != ':'))
			goto bad;
		n = (size_t)(close - spec - 1);
		spec++;
		port = close[1] ? close + 2 : NULL;
	} else if (colon && strchr(spec, ':') == colon) {
		n = (size_t)(colon - spec);
		port = colon + 1;
	}
	if (n == 0 || n >= sizeof host)
		goto bad;
	memcpy(host, spec, n);
	host[n] = '\0';
	if (!net_is_ip_literal(host) || (port && (parse_uint(port, 65535, &p) != ERR_OK || !p)))
		goto bad;
	snprintf(s->addr, sizeof s->addr, "%s", host);
	s->port = (unsigned)p;
	s->trust_ad = trust == TRUST_AD_YES || (trust == TRUST_AD_AUTO && is_loopback(host));
	c->nns++;
	return ERR_OK;
bad:
	errf(err, "dns_server: \"%s\" is not ADDRESS, ADDRESS:PORT or [IPv6]:PORT", spec);
	return ERR_CONFIG;
}

/* A small text file (resolv.conf, a trust anchor), read whole into b (up
 * to its bound; unreadable: b->data NULL) for next_line(). */
static void
read_small_file(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	buf_init(b, 64 * 1024);
	if (fd >= 0) {
		(void)!buf_read_fd(b, fd);
		close(fd);
	}
}

/* The next line at *cur (terminated in place, leading blanks skipped), or
 * NULL at the end. */
static char *
next_line(char **cur)
{
	char *line = *cur, *nl;
	if (!line)
		return NULL;
	if ((nl = strchr(line, '\n')))
		*nl++ = '\0';
	*cur = nl;
	return line + strspn(line, " \t");
}

/* resolv.conf's nameserver lines; anything else there is glibc's business. */
static void
read_resolv_conf(struct dns_client *c, const char *path, enum trust_ad trust)
{
	struct buf b, ignored;
	buf_init(&ignored, 256);
	read_small_file(path, &b);
	for (char *cur = b.data, *line; c->nns < DNS_SERVERS_MAX && (line = next_line(&cur));) {
		if (strncmp(line, "nameserver", 10) != 0 || !strchr(" \t", line[10]) || !line[10])
			continue;
		line += 10 + strspn(line + 10, " \t");
		line[strcspn(line, " \t\r#;")] = '\0';
		if (*line)
			(void)!add_server(c, line, trust, &ignored);
	}
	buf_free(&b);
	buf_free(&ignored);
}

enum err
dns_client_init(struct dns_client *c, const char *server, const char *resolv_conf,
    enum trust_ad trust, uint64_t timeout_ms, struct buf *err)
{
	memset(c, 0, sizeof *c);
	c->timeout_ms = timeout_ms;
	c->ub = NULL;
	if (server)
		return add_server(c, server, trust, err);
	read_resolv_conf(c, resolv_conf, trust);
	if (c->nns == 0)
		return add_server(c, "127.0.0.1", trust, err);
	return ERR_OK;
}

static enum err
sockaddr_of(const struct dns_server *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)ss;
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, s->addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)s->port);
		*len = sizeof *v4;
		return ERR_OK;
	}
	if (inet_pton(AF_INET6, s->addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)s->port);
		*len = sizeof *v6;
		return ERR_OK;
	}
	return ERR_CONFIG;
}

/* One query to one server over UDP, waiting until dl. */
static enum err
udp_try(const struct dns_server *s, const uint8_t *q, size_t qlen, const char *name,
    uint16_t type, uint8_t *rbuf, const struct deadline *dl, struct dns_answer *a,
    struct buf *why)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	enum err rc = ERR_IO;
	int fd;

	if (sockaddr_of(s, &ss, &sslen) != ERR_OK)
		return ERR_CONFIG;
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return ERR_IO;
	if (connect(fd, (struct sockaddr *)&ss, sslen) != 0 || send(fd, q, qlen, 0) != (ssize_t)qlen)
		goto out;
	for (;;) {
		int ready = deadline_poll(fd, POLLIN, dl);
		if (ready <= 0) {
			rc = ready == 0 ? ERR_TIMEOUT : ERR_IO;
			break;
		}
		ssize_t n = recv(fd, rbuf, DNS_MSG_MAX, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			rc = errno == ECONNREFUSED ? ERR_CONNECT : ERR_IO;
			break;
		}
		size_t mark = why->len;
		rc = dns_reply_parse(rbuf, (size_t)n, (uint16_t)(q[0] << 8 | q[1]), name, type, a,
		    why);
		if (rc != ERR_PROTO)
			break;
		why->len = mark;        /* not ours: keep waiting */
		why->data[mark] = '\0';
	}
out:
	close(fd);
	return rc;
}

static enum err
tcp_io(int fd, void *p, size_t n, bool out, const struct deadline *dl)
{
	uint8_t *b = p;
	while (n > 0) {
		int ready = deadline_poll(fd, out ? POLLOUT : POLLIN, dl);
		if (ready <= 0)
			return ready == 0 ? ERR_TIMEOUT : ERR_IO;
		ssize_t k = out ? send(fd, b, n, MSG_NOSIGNAL) : recv(fd, b, n, 0);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0)
			return k == 0 ? ERR_EOF : ERR_IO;
		b += k;
		n -= (size_t)k;
	}
	return ERR_OK;
}

/* The same query over TCP (RFC 1035 4.2.2: a two-octet length first). */
static enum err
tcp_try(const struct dns_server *s, const uint8_t *q, size_t qlen, const char *name,
    uint16_t type, uint8_t *rbuf, const struct deadline *dl, struct dns_answer *a,
    struct buf *why)
{
	uint8_t frame[2 + DNS_QUERY_MAX], len[2];
	char peer[NET_PEER_MAX];
	struct buf ignored;
	enum err rc;
	int fd = -1;
	size_t n;

	buf_init(&ignored, 1024);
	rc = net_connect(s->addr, NULL, s->port, (uint64_t)deadline_left_ms(dl), dl, &fd, peer,
	    sizeof peer, &ignored);
	buf_free(&ignored);
	if (rc != ERR_OK)
		return rc;
	frame[0] = (uint8_t)(qlen >> 8);
	frame[1] = (uint8_t)qlen;
	memcpy(frame + 2, q, qlen);
	if ((rc = tcp_io(fd, frame, 2 + qlen, true, dl)) == ERR_OK &&
	    (rc = tcp_io(fd, len, 2, false, dl)) == ERR_OK) {
		n = (size_t)len[0] << 8 | len[1];
		if ((rc = tcp_io(fd, rbuf, n, false, dl)) == ERR_OK) {
			rc = dns_reply_parse(rbuf, n, (uint16_t)(q[0] << 8 | q[1]), name, type, a, why);
			if (rc == ERR_OK && a->tc)
				rc = ERR_DATA;  /* truncated over TCP: nothing more to ask */
			rc = rc == ERR_PROTO ? ERR_DATA : rc;
		}
	}
	close(fd);
	return rc;
}

static const char *
rcode_str(unsigned rcode)
{
	switch (rcode) {
	case DNS_RCODE_FORMERR: return "FORMERR";
	case DNS_RCODE_SERVFAIL: return "SERVFAIL";
	case DNS_RCODE_REFUSED: return "REFUSED";
	default: return "an error";
	}
}

/* An answer that says anything but NOERROR or NXDOMAIN is no answer: it
 * is freed, and why names the rcode (and its sender, if from is set). */
static enum err
rcode_ok(struct dns_answer *a, const char *from, struct buf *why)
{
	if (a->rcode == DNS_RCODE_NOERROR || a->rcode == DNS_RCODE_NXDOMAIN)
		return ERR_OK;
	errf(why, "%s%s%s", rcode_str(a->rcode), from ? " from " : "", from ? from : "");
	dns_answer_free(a);
	return ERR_DNS;
}

/* One server, UDP then (truncated) TCP, until one_dl. ERR_OK: a->rcode is
 * NOERROR or NXDOMAIN. */
static enum err
ask(const struct dns_server *s, const uint8_t *q, size_t qlen, const char *name,
    uint16_t type, uint8_t *rbuf, const struct deadline *one_dl, const struct deadline *dl,
    struct dns_answer *a, struct buf *why)
{
	enum err rc = udp_try(s, q, qlen, name, type, rbuf, one_dl, a, why);
	if (rc == ERR_OK && a->tc) {
		dns_answer_free(a);
		rc = tcp_try(s, q, qlen, name, type, rbuf, dl, a, why);
	}
	if (rc == ERR_OK)
		return rcode_ok(a, s->addr, why);
	if (rc == ERR_TIMEOUT)
		errf(why, "no answer from %s:%u in time", s->addr, s->port);
	else if (rc == ERR_CONNECT)
		errf(why, "%s:%u refused the query", s->addr, s->port);
	else if (rc == ERR_IO || rc == ERR_EOF)
		errf(why, "cannot talk to %s:%u: %s", s->addr, s->port, strerror(errno));
	return rc;
}

/* libunbound answers some names itself (test., invalid., onion. ...:
 * RFC 6761 names that never exist in the global DNS). A trust anchor for
 * such a name (a private or test zone) says the administrator wants it
 * resolved and validated: lift the built-in zone for the anchor's owner. */
static void
anchor_zone_usable(struct ub_ctx *ub, const char *anchor_file)
{
	struct buf b;
	read_small_file(anchor_file, &b);
	for (char *cur = b.data, *line; (line = next_line(&cur));) {
		char zone[DNS_NAME_MAX + 64];
		size_t n = strcspn(line, " \t");
		if (n == 0 || *line == ';' || *line == '#')
			continue;
		if (n > 1 && n <= DNS_NAME_MAX + 1 && line[n - 1] == '.') {
			/* ub_ctx_set_option("local-zone:") does not lift a built-in
			 * zone (seen with libunbound 1.17); a configuration read
			 * from an anonymous file does. */
			int cfd = memfd_create("sealpost-unbound", MFD_CLOEXEC);
			char path[64];
			int len = snprintf(zone, sizeof zone, "server:\n local-zone: \"%.*s\" nodefault\n",
			    (int)n, line);
			snprintf(path, sizeof path, "/proc/self/fd/%d", cfd);
			if (cfd >= 0 && len > 0 && write_all(cfd, zone, (size_t)len) == ERR_OK)
				(void)ub_ctx_config(ub, path);
			if (cfd >= 0)
				close(cfd);
		}
		break;  /* the first record names the anchored zone */
	}
	buf_free(&b);
}

enum err
dns_client_validate(struct dns_client *c, const char *anchor_file, struct buf *err)
{
	int r;
	if (!(c->ub = ub_ctx_create())) {
		errf(err, "dns_validate: cannot create a libunbound context");
		return ERR_CONFIG;
	}
	/* Threads, not a forked helper; our nameservers may be on loopback;
	 * every answer is validated by us, so the upstream's AD is moot. */
	if ((r = ub_ctx_async(c->ub, 1)) != 0 ||
	    (r = ub_ctx_set_option(c->ub, "do-not-query-localhost:", "no")) != 0 ||
	    (r = ub_ctx_add_ta_file(c->ub, anchor_file)) != 0) {
		errf(err, "dns_validate: trust anchor %s: %s", anchor_file, ub_strerror(r));
		dns_client_free(c);
		return ERR_CONFIG;
	}
	anchor_zone_usable(c->ub, anchor_file);
	for (size_t i = 0; i < c->nns; i++) {
		char at[64];
		snprintf(at, sizeof at, "%s@%u", c->ns[i].addr, c->ns[i].port);
		if ((r = ub_ctx_set_fwd(c->ub, at)) != 0) {
			errf(err, "dns_validate: nameserver %s: %s", at, ub_strerror(r));
			dns_client_free(c);
			return ERR_CONFIG;
		}
	}
	return ERR_OK;
}

void
dns_client_free(struct dns_client *c)
{
	if (c->ub)
		ub_ctx_delete(c->ub);
	c->ub = NULL;
}

/* What libunbound's callback hands over. */
struct ub_done {
	bool done;
	int err;
	struct ub_result *result;
};

static void
ub_done(void *arg, int err, struct ub_result *result)
{
	struct ub_done *d = arg;
	d->done = true;
	d->err = err;
	d->result = result;
}

/* The lookup through libunbound, under the client's deadline. */
static enum err
ub_lookup(const struct dns_client *c, const char *name, uint16_t type, struct dns_answer *a,
    enum dns_sec *sec, struct buf *err)
{
	struct deadline dl = deadline_after_ms(c->timeout_ms);
	struct ub_done d = { 0 };
	struct buf why;
	enum err rc;
	int id;

	if (ub_resolve_async(c->ub, name, type, 1, &d, ub_done, &id) != 0) {
		errf(err, "DNS lookup of %s: libunbound refused the query", name);
		return ERR_DNS;
	}
	while (!d.done) {
		int ready = deadline_poll(ub_fd(c->ub), POLLIN, &dl);
		if (ready <= 0) {
			(void)ub_cancel(c->ub, id);
			errf(err, "DNS lookup of %s: no validated answer in time", name);
			return ERR_TIMEOUT;
		}
		if (ub_process(c->ub) != 0)
			break;
	}
	if (!d.done || d.err != 0 || !d.result) {
		errf(err, "DNS lookup of %s: %s", name, d.done ? ub_strerror(d.err) : "failed");
		ub_resolve_free(d.result);
		return ERR_DNS;
	}
	if (d.result->bogus) {
		*sec = DNS_SEC_BOGUS;
		errf(err, "DNS lookup of %s: DNSSEC-bogus answer (%s)", name,
		    d.result->why_bogus ? d.result->why_bogus : "validation failed");
		ub_resolve_free(d.result);
		return ERR_DNS;
	}
	buf_init(&why, 1024);
	rc = d.result->answer_packet && d.result->answer_len >= 2 ?
	    dns_reply_parse(d.result->answer_packet, (size_t)d.result->answer_len,
	    (uint16_t)(((const uint8_t *)d.result->answer_packet)[0] << 8 |
	    ((const uint8_t *)d.result->answer_packet)[1]), name, type, a, &why) : ERR_DATA;
	if (rc == ERR_OK)
		rc = rcode_ok(a, NULL, &why);
	if (rc == ERR_OK)
		*sec = d.result->secure ? DNS_SEC_SECURE : DNS_SEC_INSECURE;
	else
		errf(err, "DNS lookup of %s: %s", name, buf_str(&why));
	buf_free(&why);
	ub_resolve_free(d.result);
	return rc == ERR_OK ? ERR_OK : ERR_DNS;
}

static enum err
lookup(const struct dns_client *c, const char *name, uint16_t type, struct dns_answer *a,
    enum dns_sec *sec, struct buf *err)
{
	uint8_t q[DNS_QUERY_MAX];
	struct deadline dl = deadline_after_ms(c->timeout_ms);
	struct buf why;
	enum err rc = ERR_TIMEOUT;
	uint16_t id;
	size_t qlen;
	uint8_t *rbuf;

	dns_answer_init(a);
	*sec = DNS_SEC_INDETERMINATE;
	if (c->ub) {
		char canon[DNS_NAME_MAX + 1];
		if (dns_name_canon(name, canon) != ERR_OK) {
			errf(err, "\"%s\" is not a valid domain name", name);
			return ERR_DATA;
		}
		return ub_lookup(c, canon, type, a, sec, err);
	}
	random_bytes(&id, sizeof id);
	if ((qlen = dns_query_build(q, sizeof q, id, name, type)) == 0) {
		errf(err, "\"%s\" is not a valid domain name", name);
		return ERR_DATA;
	}
	rbuf = xmalloc(DNS_MSG_MAX);
	buf_init(&why, 4096);
	for (unsigned round = 0; round < 2 && !deadline_expired(&dl); round++) {
		for (size_t i = 0; i < c->nns && !deadline_expired(&dl); i++) {
			const struct dns_server *s = &c->ns[i];
			struct deadline one = deadline_min(deadline_after_ms(
			    (uint64_t)DNS_TRY_MS << round), dl);
			buf_reset(&why);
			rc = ask(s, q, qlen, name, type, rbuf, &one, &dl, a, &why);
			if (rc == ERR_OK) {
				*sec = s->trust_ad && a->ad ? DNS_SEC_SECURE : DNS_SEC_INSECURE;
				goto out;
			}
			/* A malformed or failing answer will not get better by asking again
			 * the same server; another server might do better. */
		}
	}
	if (rc == ERR_OK || buf_str(&why)[0] == '\0')
		errf(&why, "no answer in time");
	errf(err, "DNS lookup of %s: %s", name, buf_str(&why));
	rc = rc == ERR_TIMEOUT ? ERR_TIMEOUT : ERR_DNS;
out:
	free(rbuf);
	buf_free(&why);
	return rc;
}

static const char *
type_str(uint16_t type)
{
	switch (type) {
	case DNS_T_A: return "A";
	case DNS_T_AAAA: return "AAAA";
	case DNS_T_MX: return "MX";
	case DNS_T_TXT: return "TXT";
	case DNS_T_TLSA: return "TLSA";
	case DNS_T_CNAME: return "CNAME";
	default: return "?";
	}
}

enum err
dns_lookup(const struct dns_client *c, const char *name, uint16_t type, struct dns_answer *a,
    enum dns_sec *sec, struct buf *err)
{
	enum err rc = lookup(c, name, type, a, sec, err);
	if (rc == ERR_OK)
		debug("DNS %s %s: %s, %zu record%s, %s", name, type_str(type),
		    a->rcode == DNS_RCODE_NXDOMAIN ? "NXDOMAIN" : "NOERROR", a->n,
		    a->n == 1 ? "" : "s", dns_sec_str(*sec));
	else
		debug("DNS %s %s: %s", name, type_str(type), buf_str(err));
	return rc;
}
