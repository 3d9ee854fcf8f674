/* SPDX-License-Identifier: MIT */
/* mtasts.h: MTA-STS (RFC 8461) as data: the _mta-sts TXT record, the
 * policy file, matching an MX host against the policy, and the cached
 * form of a policy. Pure: no socket, no file (mtasts_fetch.c fetches and
 * caches); fuzzed. */
#ifndef SEALPOST_MTASTS_H
#define SEALPOST_MTASTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dnsmsg.h"
#include "err.h"

#define STS_POLICY_MAX          (64 * 1024)     /* octets of a policy file (3.3) */
#define STS_MX_MAX              32              /* mx patterns kept */
#define STS_MAX_AGE_MAX         31557600        /* seconds (3.2) */
#define STS_ID_MAX              32              /* id length (3.1) */
/* A cached policy whose TXT id is unchanged is fetched again once it is
 * this old or half its max_age, whichever comes first, so that it is
 * renewed before it expires (RFC 8461 asks senders to refresh cached
 * policies proactively). */
#define STS_REFRESH_S           86400
/* After a failed refresh, the next is not tried before this. */
#define STS_RETRY_S             3600

enum sts_mode { STS_MODE_NONE, STS_MODE_TESTING, STS_MODE_ENFORCE };

struct sts_policy {
	enum sts_mode mode;
	uint32_t max_age;
	char mx[STS_MX_MAX][DNS_NAME_MAX + 3];  /* lower case; "*.d" or "host.d" */
	size_t nmx;
};

/* sts_txt_id: the policy id from the TXT answer a for qname
 * (_mta-sts.DOMAIN): of the TXT records starting "v=STSv1", exactly one
 * must exist and be valid (its strings concatenated; "v=STSv1" then
 * ";"-separated fields, one "id=" of 1-32 letters and digits, extensions
 * key=value). Errors: ERR_DATA (none, several or invalid: "no policy"),
 * why says which. */
enum err sts_txt_id(const struct dns_answer *a, const char *qname, char id[STS_ID_MAX + 1],
    struct buf *why) WUR;

/* sts_policy_parse: the policy file of len octets (RFC 8461 3.2): lines
 * "key: value" ending in LF or CRLF; version STSv1, mode, max_age (at most
 * STS_MAX_AGE_MAX) and, unless mode is none, at least one mx are
 * required; for other fields than mx only the first counts; unknown
 * fields are ignored; a known field with a bad value, a line without
 * ':' or a NUL makes the policy invalid. Errors: ERR_DATA (why says
 * what), ERR_TOOBIG (more than STS_POLICY_MAX octets). */
enum err sts_policy_parse(const char *text, size_t len, struct sts_policy *p,
    struct buf *why) WUR;

/* sts_mx_match: does MX host name match one of p's mx patterns (RFC 8461
 * 4.1: case-insensitive; "*." matches exactly one whole left-most label)? */
bool sts_mx_match(const struct sts_policy *p, const char *host);

/* sts_http_parse: the policy file out of a whole HTTP/1.x response of len
 * octets (read until the server closed): status 200 only (a redirect is
 * not followed: RFC 8461 3.3), Content-Type text/plain (parameters
 * allowed), the body delimited by Content-Length, chunked transfer coding
 * or the end of the response, at most STS_POLICY_MAX octets, into body.
 * Lines end in CRLF or LF. Errors: ERR_DATA (why says what), ERR_TOOBIG. */
enum err sts_http_parse(const char *resp, size_t len, struct buf *body, struct buf *why) WUR;

const char *sts_mode_str(enum sts_mode m);

#endif
