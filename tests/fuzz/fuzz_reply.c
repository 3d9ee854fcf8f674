// SPDX-License-Identifier: MIT
/* fuzz_reply.c: the SMTP reply parser (reply.h) on hostile server lines.
 * The input is split on "\n" (a trailing "\r" is stripped, as conn.c does);
 * lines are fed until the reply is complete or refused. Complete replies
 * are summarised and, when they are 250 replies, read as EHLO replies.
 * Each line is copied to its own allocation so that ASan sees any read
 * past its end. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_esc(const struct smtp_reply *r)
{
	/* "" or class "." 1-3 digits "." 1-3 digits, class = code / 100. */
	const char *e = r->esc;
	size_t n = strlen(e);
	if (n == 0)
		return;
	if (n < 5 || n > 9 || e[0] != '0' + r->code / 100 || e[1] != '.')
		abort();
	for (size_t i = 2; i < n; i++)
		if ((e[i] < '0' || e[i] > '9') && e[i] != '.')
			abort();
}

static void
check_summary(const struct smtp_reply *r)
{
	char out[SMTP_TEXT_SHOWN_MAX + 16];
	size_t n;
	reply_summary(r, out, sizeof out);
	n = strlen(out);
	if (n >= sizeof out || n < 3)
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			abort();
		if (c == 0xc2 && i + 1 < n && (unsigned char)out[i + 1] >= 0x80 &&
		    (unsigned char)out[i + 1] <= 0x9f)
			abort();
	}
}

static void
check_ehlo(const struct smtp_reply *r)
{
	struct ehlo_caps caps;
	enum err rc = ehlo_parse(r, &caps);
	if (r->code != 250) {
		if (rc != ERR_PROTO)
			abort();
		return;
	}
	if (rc != ERR_OK)
		abort();
	if (strlen(caps.auth) >= sizeof caps.auth)
		abort();
	if (!(caps.flags & EHLO_SIZE) && caps.size_max != 0)
		abort();
	if (caps.auth[0] && !(caps.flags & EHLO_AUTH))
		abort();
	/* Every listed mechanism is upper case and found by ehlo_has_auth. */
	for (const char *p = caps.auth; *p; ) {
		char mech[64];
		size_t n = strcspn(p, " ");
		if (n == 0 || n >= sizeof mech)
			abort();
		memcpy(mech, p, n);
		mech[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (mech[i] >= 'a' && mech[i] <= 'z')
				abort();
		if (!ehlo_has_auth(&caps, mech))
			abort();
		p += n;
		if (*p == ' ')
			p++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply r;
	bool done = false;
	enum err rc = ERR_OK;
	size_t i = 0, lines = 0;

	reply_init(&r);
	while (i < size && !done && rc == ERR_OK) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (data + i)) : size - i;
		size_t next = i + len + (nl ? 1 : 0);
		const char *why = NULL;
		char *line;
		if (len > 0 && data[i + len - 1] == '\r')
			len--;
		line = malloc(len ? len : 1);
		if (!line)
			abort();
		memcpy(line, data + i, len);
		rc = reply_feed_line(&r, line, len, &done, &why);
		free(line);
		if (rc != ERR_OK && (!why || (rc != ERR_PROTO && rc != ERR_TOOBIG)))
			abort();
		if (rc == ERR_OK)
			lines++;
		i = next;
	}
	if (rc == ERR_OK && lines > 0) {
		if (r.code < 200 || r.code > 599 || r.nlines != lines)
			abort();
		if (r.text.len > SMTP_REPLY_TOTAL_MAX || r.nlines > SMTP_REPLY_LINES_MAX)
			abort();
		check_esc(&r);
	}
	if (rc == ERR_OK && done) {
		check_summary(&r);
		check_ehlo(&r);
	}
	reply_free(&r);
	return 0;
}
