// SPDX-License-Identifier: MIT
/* mtasts.c: the two MTA-STS texts (RFC 8461 3.1 and 3.2) parsed strictly,
 * and MX matching (4.1). Untrusted input: a policy comes from a web
 * server, the TXT record from DNS; nothing here trusts a length it did
 * not check. */
#include "mtasts.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "util.h"

const char *
sts_mode_str(enum sts_mode m)
{
	static const char *const names[] = { [STS_MODE_NONE] = "none",
		[STS_MODE_TESTING] = "testing", [STS_MODE_ENFORCE] = "enforce" };
	return (unsigned)m < sizeof names / sizeof names[0] ? names[m] : "?";
}

static bool
alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* One TXT record's strings, concatenated (3.1), into b. */
static enum err
txt_join(const struct dns_rr *rr, struct buf *b)
{
	size_t p = 0;
	buf_reset(b);
	while (p < rr->rdlen) {
		size_t n = rr->rdata[p];
		if (p + 1 + n > rr->rdlen || buf_add(b, (const char *)rr->rdata + p + 1, n) != ERR_OK)
			return ERR_DATA;
		p += 1 + n;
	}
	return ERR_OK;
}

/* "v=STSv1" then fields; the id into id. */
static enum err
txt_fields(const char *s, size_t n, char id[STS_ID_MAX + 1], const char **why)
{
	size_t p = 7;   /* after "v=STSv1" */
	bool have_id = false;
	for (;;) {
		while (p < n && wsp(s[p]))
			p++;
		if (p == n)
			break;
		if (s[p++] != ';') {
			*why = "fields must be separated by ';'";
			return ERR_DATA;
		}
		while (p < n && wsp(s[p]))
			p++;
		if (p == n)
			break;  /* a final ';' is allowed */
		size_t k = p;
		while (p < n && (alnum((unsigned char)s[p]) || s[p] == '_' || s[p] == '-' ||
		    s[p] == '.'))
			p++;
		if (p == k || p - k > 32 || p >= n || s[p] != '=') {
			*why = "a field is not key=value";
			return ERR_DATA;
		}
		size_t klen = p - k, v = ++p;
		while (p < n && (unsigned char)s[p] >= 0x21 && (unsigned char)s[p] <= 0x7e &&
		    s[p] != ';' && s[p] != '=')
			p++;
		if (p == v) {
			*why = "a field has no value";
			return ERR_DATA;
		}
		if (klen == 2 && strncmp(s + k, "id", 2) == 0) {
			if (have_id || p - v > STS_ID_MAX) {
				*why = have_id ? "two id fields" : "an id longer than 32 characters";
				return ERR_DATA;
			}
			for (size_t i = v; i < p; i++)
				if (!alnum((unsigned char)s[i])) {
					*why = "an id with a character other than a letter or digit";
					return ERR_DATA;
				}
			memcpy(id, s + v, p - v);
			id[p - v] = '\0';
			have_id = true;
		}
	}
	if (!have_id) {
		*why = "no id field";
		return ERR_DATA;
	}
	return ERR_OK;
}

enum err
sts_txt_id(const struct dns_answer *a, const char *qname, char id[STS_ID_MAX + 1],
    struct buf *why)
{
	const struct dns_rr *rr[DNS_ANSWER_RRS_MAX];
	const char *final, *what = NULL;
	bool looped;
	size_t n = dns_answer_select(a, qname, DNS_T_TXT, rr, DNS_ANSWER_RRS_MAX, &final, &looped);
	size_t found = 0;
	struct buf txt, one;
	enum err rc = ERR_DATA;

	buf_init(&txt, 64 * 1024);
	buf_init(&one, 64 * 1024);
	for (size_t i = 0; i < n; i++) {
		if (txt_join(rr[i], &one) != ERR_OK)
			continue;
		/* 3.1: records that do not begin with "v=STSv1;" are not ours. */
		if (one.len < 7 || strncmp(one.data, "v=STSv1", 7) != 0 ||
		    (one.len > 7 && one.data[7] != ';' && !wsp(one.data[7])))
			continue;
		if (found++ == 0) {
			buf_reset(&txt);
			(void)!buf_add(&txt, one.data, one.len);
		}
	}
	if (found == 0)
		errf(why, "no v=STSv1 TXT record at %s", qname);
	else if (found > 1)
		errf(why, "%zu v=STSv1 TXT records at %s (there must be one)", found, qname);
	else if (txt_fields(txt.data, txt.len, id, &what) != ERR_OK)
		errf(why, "the TXT record at %s is invalid: %s", qname, what);
	else
		rc = ERR_OK;
	buf_free(&txt);
	buf_free(&one);
	return rc;
}

static enum err invalid(struct buf *why, const char *fmt, ...) PRINTF(2, 3);

/* why gets the reason; the policy is invalid. */
static enum err
invalid(struct buf *why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verrf(why, fmt, ap);
	va_end(ap);
	return ERR_DATA;
}

/* Fields seen once; for all but mx the first counts (3.2). */
enum { SEEN_VERSION = 1, SEEN_MODE = 2, SEEN_MAX_AGE = 4 };

static enum err
policy_field(const char *key, size_t klen, const char *v, size_t vlen, struct sts_policy *p,
    unsigned *seen, struct buf *why)
{
	char val[DNS_NAME_MAX + 3];
	if (vlen < sizeof val) {
		memcpy(val, v, vlen);
		val[vlen] = '\0';
	} else {
		val[0] = '\0';
	}
	if (klen == 7 && strncmp(key, "version", 7) == 0) {
		if (*seen & SEEN_VERSION)
			return ERR_OK;
		*seen |= SEEN_VERSION;
		if (strcmp(val, "STSv1") != 0)
			return invalid(why, "version is not STSv1");
	} else if (klen == 4 && strncmp(key, "mode", 4) == 0) {
		if (*seen & SEEN_MODE)
			return ERR_OK;
		*seen |= SEEN_MODE;
		if (strcmp(val, "enforce") == 0)
			p->mode = STS_MODE_ENFORCE;
		else if (strcmp(val, "testing") == 0)
			p->mode = STS_MODE_TESTING;
		else if (strcmp(val, "none") == 0)
			p->mode = STS_MODE_NONE;
		else
			return invalid(why, "mode is not enforce, testing or none");
	} else if (klen == 7 && strncmp(key, "max_age", 7) == 0) {
		unsigned long age;
		if (*seen & SEEN_MAX_AGE)
			return ERR_OK;
		*seen |= SEEN_MAX_AGE;
		if (vlen == 0 || vlen > 10 || strspn(val, "0123456789") != vlen ||
		    parse_uint(val, STS_MAX_AGE_MAX, &age) != ERR_OK)
			return invalid(why, "max_age is not a number of seconds up to %d",
			    STS_MAX_AGE_MAX);
		p->max_age = (uint32_t)age;
	} else if (klen == 2 && strncmp(key, "mx", 2) == 0) {
		bool wild = vlen > 2 && val[0] == '*' && val[1] == '.';
		char canon[DNS_NAME_MAX + 1];
		if (!val[0] || dns_name_canon(val + (wild ? 2 : 0), canon) != ERR_OK || !canon[0])
			return invalid(why, "mx \"%.*s\" is not a host name or *.domain",
			    (int)(vlen > 64 ? 64 : vlen), v);
		if (p->nmx == STS_MX_MAX)
			return invalid(why, "more than %d mx patterns", STS_MX_MAX);
		snprintf(p->mx[p->nmx++], sizeof p->mx[0], "%s%s", wild ? "*." : "", canon);
	}
	return ERR_OK;  /* an extension: ignored */
}

enum err
sts_policy_parse(const char *text, size_t len, struct sts_policy *p, struct buf *why)
{
	unsigned seen = 0;
	size_t pos = 0;

	memset(p, 0, sizeof *p);
	if (len > STS_POLICY_MAX)
	{
		errf(why, "the policy is larger than %d octets", STS_POLICY_MAX);
		return ERR_TOOBIG;
	}
	if (memchr(text, '\0', len))
		return invalid(why, "the policy contains a NUL");
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl ? 1 : 0);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		size_t s = 0, e = n;
		while (s < e && wsp(line[s]))
			s++;
		while (e > s && wsp(line[e - 1]))
			e--;
		if (s == e)
			continue;       /* a blank line */
		const char *colon = memchr(line + s, ':', e - s);
		size_t k = s;
		while (k < e && (alnum((unsigned char)line[k]) || line[k] == '_' || line[k] == '-' ||
		    line[k] == '.'))
			k++;
		if (!colon || line + k != colon || k == s || k - s > 31)
			return invalid(why, "a line is not \"key: value\"");
		size_t v = k + 1;
		while (v < e && wsp(line[v]))
			v++;
		for (size_t i = v; i < e; i++)
			if ((unsigned char)line[i] < 0x20 && !wsp(line[i]))
				return invalid(why, "a value with a control character");
		if (policy_field(line + s, k - s, line + v, e - v, p, &seen, why) != ERR_OK)
			return ERR_DATA;
	}
	if (!(seen & SEEN_VERSION))
		return invalid(why, "no version field");
	if (!(seen & SEEN_MODE))
		return invalid(why, "no mode field");
	if (!(seen & SEEN_MAX_AGE))
		return invalid(why, "no max_age field");
	if (p->mode != STS_MODE_NONE && p->nmx == 0)
		return invalid(why, "no mx field");
	return ERR_OK;
}

bool
sts_mx_match(const struct sts_policy *p, const char *host)
{
	char h[DNS_NAME_MAX + 1];
	if (dns_name_canon(host, h) != ERR_OK)
		return false;
	for (size_t i = 0; i < p->nmx; i++) {
		const char *m = p->mx[i];
		if (m[0] == '*' && m[1] == '.') {
			const char *dot = strchr(h, '.');
			/* Exactly one label, and a non-empty one, in place of "*". */
			if (dot && dot != h && strcmp(dot + 1, m + 2) == 0)
				return true;
		} else if (strcmp(h, m) == 0) {
			return true;
		}
	}
	return false;
}

/* The next line of r at *pos (CRLF or LF), without its end; false at the
 * end of the data without a line end. */
static bool
http_line(const char *r, size_t len, size_t *pos, const char **line, size_t *n)
{
	const char *nl = *pos < len ? memchr(r + *pos, '\n', len - *pos) : NULL;
	if (!nl)
		return false;
	*line = r + *pos;
	*n = (size_t)(nl - *line);
	*pos += *n + 1;
	if (*n > 0 && (*line)[*n - 1] == '\r')
		(*n)--;
	return true;
}

/* Is the header line (n octets) the field name? Then *v is its value,
 * blanks trimmed. */
static bool
http_field(const char *line, size_t n, const char *name, const char **v, size_t *vn)
{
	size_t k = strlen(name);
	if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
		return false;
	size_t s = k + 1, e = n;
	while (s < e && wsp(line[s]))
		s++;
	while (e > s && wsp(line[e - 1]))
		e--;
	*v = line + s;
	*vn = e - s;
	return true;
}

/* Chunked transfer coding (RFC 9112 7.1), from pos to the end. */
static enum err
http_chunked(const char *r, size_t len, size_t pos, struct buf *body, struct buf *why)
{
	for (;;) {
		const char *line;
		size_t n, size = 0, i = 0;
		if (!http_line(r, len, &pos, &line, &n))
			return invalid(why, "the chunked body ends early");
		for (; i < n && i < 8; i++) {
			char c = line[i];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				break;
			size = size * 16 + (size_t)d;
		}
		if (i == 0 || (i < n && line[i] != ';' && !wsp(line[i])))
			return invalid(why, "a bad chunk size");
		if (size == 0)
			return ERR_OK;  /* trailers, if any, are not needed */
		if (size > len - pos || len - pos - size < 1)
			return invalid(why, "a chunk runs past the end");
		if (body->len + size > STS_POLICY_MAX || buf_add(body, r + pos, size) != ERR_OK) {
			errf(why, "the policy is larger than %d octets", STS_POLICY_MAX);
			return ERR_TOOBIG;
		}
		pos += size;
		if (r[pos] == '\r')
			pos++;
		if (pos >= len || r[pos] != '\n')
			return invalid(why, "a chunk not followed by a line end");
		pos++;
	}
}

enum err
sts_http_parse(const char *r, size_t len, struct buf *body, struct buf *why)
{
	const char *line, *v;
	size_t pos = 0, n, vn, clen = 0;
	bool have_len = false, chunked = false, plain = false;

	buf_reset(body);
	if (!http_line(r, len, &pos, &line, &n) || n < 12 || strncmp(line, "HTTP/1.", 7) != 0 ||
	    line[8] != ' ')
		return invalid(why, "not an HTTP/1.x response");
	if (strncmp(line + 9, "200", 3) != 0)
		return line[9] == '3' ? invalid(why, "HTTP status %.3s: a redirect, which MTA-STS"
		    " does not follow", line + 9) : invalid(why, "HTTP status %.3s", line + 9);
	for (;;) {
		if (!http_line(r, len, &pos, &line, &n))
			return invalid(why, "the response ends inside its header");
		if (n == 0)
			break;
		if (http_field(line, n, "Content-Type", &v, &vn)) {
			size_t t = 0;
			while (t < vn && v[t] != ';' && !wsp(v[t]))
				t++;
			plain = t == 10 && strncasecmp(v, "text/plain", 10) == 0;
		} else if (http_field(line, n, "Transfer-Encoding", &v, &vn)) {
			if (vn != 7 || strncasecmp(v, "chunked", 7) != 0)
				return invalid(why, "an unknown Transfer-Encoding");
			chunked = true;
		} else if (http_field(line, n, "Content-Length", &v, &vn)) {
			unsigned long cl;
			char num[16];
			if (vn == 0 || vn >= sizeof num || have_len)
				return invalid(why, "a bad Content-Length");
			memcpy(num, v, vn);
			num[vn] = '\0';
			if (strspn(num, "0123456789") != vn || parse_uint(num, ~0UL >> 1, &cl) != ERR_OK)
				return invalid(why, "a bad Content-Length");
			clen = cl;
			have_len = true;
		}
	}
	if (!plain)
		return invalid(why, "the policy is not served as text/plain");
	if (chunked)
		return http_chunked(r, len, pos, body, why);
	if (have_len && clen != len - pos)
		return invalid(why, "the body is %zu octets, Content-Length says %zu", len - pos,
		    clen);
	if (len - pos > STS_POLICY_MAX || buf_add(body, r + pos, len - pos) != ERR_OK) {
		errf(why, "the policy is larger than %d octets", STS_POLICY_MAX);
		return ERR_TOOBIG;
	}
	return ERR_OK;
}
