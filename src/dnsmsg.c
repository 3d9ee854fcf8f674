// SPDX-License-Identifier: MIT
/* dnsmsg.c: building our DNS query and parsing the reply, strictly. The
 * reply is untrusted network input: every length is checked against what
 * is left, compression pointers must point backwards (so they cannot
 * loop), and anything the format does not allow is an error rather than
 * a guess. */
#include "dnsmsg.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "util.h"

void
dns_answer_init(struct dns_answer *a)
{
	memset(a, 0, sizeof *a);
}

void
dns_answer_free(struct dns_answer *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->rr[i].rdata);
	free(a->rr);
	dns_answer_init(a);
}

/* Host names, service labels (_25._tcp) and policy names (_mta-sts). */
static bool
name_byte_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_';
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

enum err
dns_name_canon(const char *name, char *out)
{
	size_t n = strlen(name), label = 0, o = 0;
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n > DNS_NAME_MAX)
		return ERR_DATA;
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '.') {
			if (label == 0)
				return ERR_DATA;
			label = 0;
			out[o++] = '.';
			continue;
		}
		if (!name_byte_ok((unsigned char)name[i]) || ++label > 63)
			return ERR_DATA;
		out[o++] = lower(name[i]);
	}
	if (n > 0 && label == 0)
		return ERR_DATA;
	out[o] = '\0';
	return ERR_OK;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

size_t
dns_query_build(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t type)
{
	char canon[DNS_NAME_MAX + 1];
	size_t o = 12;
	if (cap < DNS_QUERY_MAX || dns_name_canon(name, canon) != ERR_OK)
		return 0;
	memset(out, 0, 12);
	put16(out, id);
	out[2] = 0x01;          /* RD */
	out[3] = 0x20;          /* AD: tell us what the resolver validated */
	put16(out + 4, 1);      /* QDCOUNT */
	put16(out + 10, 1);     /* ARCOUNT: the OPT record */
	for (const char *p = canon; *p;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		out[o++] = (uint8_t)l;
		memcpy(out + o, p, l);
		o += l;
		p += l + (dot ? 1 : 0);
	}
	out[o++] = 0;
	put16(out + o, type);
	put16(out + o + 2, 1);  /* IN */
	o += 4;
	/* OPT (RFC 6891 6.1.2): root owner, our UDP size, DO set. */
	out[o++] = 0;
	put16(out + o, DNS_T_OPT);
	put16(out + o + 2, DNS_UDP_SIZE);
	out[o + 4] = 0;         /* extended RCODE */
	out[o + 5] = 0;         /* version */
	out[o + 6] = 0x80;      /* DO */
	out[o + 7] = 0;
	put16(out + o + 8, 0);
	return o + 10;
}

/* The message being parsed. */
struct rd {
	const uint8_t *m;
	size_t len;
	struct buf *why;
};

static enum err
bad(struct rd *r, const char *what)
{
	errf(r->why, "malformed DNS reply: %s", what);
	return ERR_DATA;
}

/* The name at *pos: *pos moves past it (past its first pointer, if any);
 * out (DNS_NAME_MAX + 1 bytes, or NULL to only check the form) gets it in
 * presentation form. A pointer must point before the start of the run of
 * labels it ends, so every jump goes strictly backwards and ends. */
static enum err
read_name(struct rd *r, size_t *pos, char *out)
{
	size_t p = *pos, limit = *pos, o = 0, wire = 1;
	bool jumped = false;
	for (;;) {
		if (p >= r->len)
			return bad(r, "a name runs past the end");
		uint8_t l = r->m[p];
		if ((l & 0xC0) == 0xC0) {
			if (p + 1 >= r->len)
				return bad(r, "a compression pointer runs past the end");
			size_t to = (size_t)(l & 0x3F) << 8 | r->m[p + 1];
			if (to >= limit)
				return bad(r, "a compression pointer does not point backwards");
			if (!jumped)
				*pos = p + 2;
			jumped = true;
			p = limit = to;
			continue;
		}
		if (l & 0xC0)
			return bad(r, "an unknown label type");
		if (l == 0)
			break;
		if (p + 1 + l > r->len)
			return bad(r, "a label runs past the end");
		if ((wire += (size_t)l + 1) > 255)
			return bad(r, "a name longer than 255 octets");
		for (size_t i = 0; out && i < l; i++) {
			if (!name_byte_ok(r->m[p + 1 + i]))
				return bad(r, "a name with a character other than a letter, digit,"
				    " '-' or '_'");
			if (i == 0 && o > 0)
				out[o++] = '.';
			out[o++] = lower((char)r->m[p + 1 + i]);
		}
		p += 1 + (size_t)l;
	}
	if (!jumped)
		*pos = p + 1;
	if (out)
		out[o] = '\0';
	return ERR_OK;
}

/* TXT data: one or more character-strings filling it exactly. */
static bool
txt_ok(const uint8_t *d, size_t n)
{
	size_t p = 0;
	if (n == 0)
		return false;
	while (p < n)
		p += 1 + (size_t)d[p];
	return p == n;
}

/* The data of one answer record at pos, len bytes, into rr. */
static enum err
read_rdata(struct rd *r, size_t pos, size_t len, struct dns_rr *rr)
{
	size_t end = pos + len, p = pos;
	switch (rr->type) {
	case DNS_T_A:
		if (len != 4)
			return bad(r, "an A record that is not 4 octets");
		break;
	case DNS_T_AAAA:
		if (len != 16)
			return bad(r, "an AAAA record that is not 16 octets");
		break;
	case DNS_T_MX:
		if (len < 3)
			return bad(r, "a short MX record");
		rr->pref = get16(r->m + pos);
		p += 2;
		/* The exchange is a name, as a CNAME's target is. */
		__attribute__((fallthrough));
	case DNS_T_CNAME:
		if (read_name(r, &p, rr->target) != ERR_OK)
			return ERR_DATA;
		if (p != end)
			return bad(r, "a name that does not fill its record");
		return ERR_OK;
	case DNS_T_TXT:
		if (!txt_ok(r->m + pos, len))
			return bad(r, "a TXT record whose strings do not fill it");
		break;
	case DNS_T_TLSA:
		if (len < 3)
			return bad(r, "a TLSA record shorter than 3 octets");
		break;
	default:
		break;  /* RRSIG and the like: kept as they are */
	}
	rr->rdata = xmalloc(len ? len : 1);
	memcpy(rr->rdata, r->m + pos, len);
	rr->rdlen = (uint16_t)len;
	return ERR_OK;
}

/* One resource record at *pos; into rr when rr is set (answer section). */
static enum err
read_rr(struct rd *r, size_t *pos, struct dns_rr *rr)
{
	char owner[DNS_NAME_MAX + 1];
	if (read_name(r, pos, rr ? owner : NULL) != ERR_OK)
		return ERR_DATA;
	if (*pos + 10 > r->len)
		return bad(r, "a record header runs past the end");
	uint16_t type = get16(r->m + *pos), class = get16(r->m + *pos + 2);
	uint32_t ttl = (uint32_t)get16(r->m + *pos + 4) << 16 | get16(r->m + *pos + 6);
	size_t rdlen = get16(r->m + *pos + 8);
	*pos += 10;
	if (*pos + rdlen > r->len)
		return bad(r, "record data runs past the end");
	if (rr) {
		if (class != 1)
			return bad(r, "an answer record not of class IN");
		memcpy(rr->owner, owner, sizeof owner);
		rr->type = type;
		rr->ttl = ttl;
		if (read_rdata(r, *pos, rdlen, rr) != ERR_OK)
			return ERR_DATA;
	}
	*pos += rdlen;
	return ERR_OK;
}

/* Header and question: is this the answer to our query? */
static enum err
check_question(struct rd *r, uint16_t id, const char *qname, uint16_t qtype, size_t *pos)
{
	char name[DNS_NAME_MAX + 1], want[DNS_NAME_MAX + 1];
	if (r->len < 12 || get16(r->m) != id || !(r->m[2] & 0x80)) {
		errf(r->why, "a DNS message that is not a reply to our query (ID or QR)");
		return ERR_PROTO;
	}
	if ((r->m[2] >> 3 & 0x0F) != 0)
		return bad(r, "not a standard query reply (opcode)");
	if (get16(r->m + 4) != 1)
		return bad(r, "not exactly one question");
	*pos = 12;
	if (dns_name_canon(qname, want) != ERR_OK || read_name(r, pos, name) != ERR_OK)
		return ERR_DATA;
	if (*pos + 4 > r->len)
		return bad(r, "the question runs past the end");
	if (strcmp(name, want) != 0 || get16(r->m + *pos) != qtype ||
	    get16(r->m + *pos + 2) != 1) {
		errf(r->why, "a DNS reply to a different question");
		return ERR_PROTO;
	}
	*pos += 4;
	return ERR_OK;
}

enum err
dns_reply_parse(const uint8_t *m, size_t len, uint16_t id, const char *qname, uint16_t qtype,
    struct dns_answer *a, struct buf *why)
{
	struct rd r = { .m = m, .len = len, .why = why };
	size_t pos, an, ns, ar;
	enum err rc;

	dns_answer_init(a);
	if ((rc = check_question(&r, id, qname, qtype, &pos)) != ERR_OK)
		return rc;
	a->rcode = m[3] & 0x0F;
	a->ad = (m[3] & 0x20) != 0;
	a->tc = (m[2] & 0x02) != 0;
	if (a->tc)
		return ERR_OK;  /* cut short: only good for "ask over TCP" */
	an = get16(m + 6);
	ns = get16(m + 8);
	ar = get16(m + 10);
	if (an > DNS_ANSWER_RRS_MAX) {
		errf(why, "a DNS reply with %zu answer records (at most %d are accepted)", an,
		    DNS_ANSWER_RRS_MAX);
		return ERR_TOOBIG;
	}
	a->rr = xcalloc(an ? an : 1, sizeof *a->rr);
	for (size_t i = 0; i < an; i++, a->n++)
		if (read_rr(&r, &pos, &a->rr[i]) != ERR_OK)
			goto fail;
	for (size_t i = 0; i < ns + ar; i++)
		if (read_rr(&r, &pos, NULL) != ERR_OK)
			goto fail;
	if (pos != len) {
		bad(&r, "octets after the last record");
		goto fail;
	}
	return ERR_OK;
fail:
	dns_answer_free(a);
	return ERR_DATA;
}

size_t
dns_answer_select(const struct dns_answer *a, const char *name, uint16_t type,
    const struct dns_rr **out, size_t cap, const char **final, bool *looped)
{
	const char *cur = name;
	*looped = false;
	for (int hops = 0;; hops++) {
		const struct dns_rr *cname = NULL;
		size_t n = 0;
		for (size_t i = 0; i < a->n; i++) {
			if (strcasecmp(a->rr[i].owner, cur) != 0)
				continue;
			if (a->rr[i].type == type && n < cap)
				out[n++] = &a->rr[i];
			else if (a->rr[i].type == DNS_T_CNAME && !cname)
				cname = &a->rr[i];
		}
		*final = cur;
		if (n > 0 || !cname || type == DNS_T_CNAME)
			return n;
		if (hops == DNS_CNAME_MAX) {
			*looped = true;
			return 0;
		}
		cur = cname->target;
	}
}
