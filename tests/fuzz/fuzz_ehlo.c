// SPDX-License-Identifier: MIT
/* fuzz_ehlo.c: the EHLO capability parser (reply.h). Each input line (split
 * on "\n", trailing "\r" stripped) becomes one line of a 250 reply, "250-"
 * before the last and "250 " on it; lines the reply parser refuses are
 * left out. The result must be a sane capability set, and ehlo_has_auth is
 * asked about every word of the input. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply r;
	struct ehlo_caps caps;
	bool done = false;
	size_t i = 0;

	reply_init(&r);
	while (i < size && !done && r.nlines < SMTP_REPLY_LINES_MAX) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (data + i)) : size - i;
		size_t next = i + len + (nl ? 1 : 0);
		const char *why;
		char *line;
		if (len > 0 && data[i + len - 1] == '\r')
			len--;
		line = malloc(len + 4);
		if (!line)
			abort();
		memcpy(line, next >= size ? "250 " : "250-", 4);
		memcpy(line + 4, data + i, len);
		(void)!reply_feed_line(&r, line, len + 4, &done, &why);
		free(line);
		i = next;
	}
	if (r.nlines == 0) {
		/* An empty input: the one-line reply "250". */
		(void)!reply_feed_line(&r, "250", 3, &done, &(const char *){ NULL });
	}
	if (ehlo_parse(&r, &caps) != ERR_OK)
		abort();
	if (strlen(caps.auth) >= sizeof caps.auth)
		abort();
	if (!(caps.flags & EHLO_SIZE) && caps.size_max != 0)
		abort();
	if ((caps.flags & ~0x3ffu) != 0)
		abort();
	/* No mechanism is listed twice, and each is found. */
	for (const char *p = caps.auth; *p; ) {
		char mech[64];
		size_t n = strcspn(p, " ");
		const char *again;
		if (n == 0 || n >= sizeof mech)
			abort();
		memcpy(mech, p, n);
		mech[n] = '\0';
		if (!ehlo_has_auth(&caps, mech))
			abort();
		for (again = strstr(p + n, mech); again; again = strstr(again + 1, mech))
			if (again[-1] == ' ' && (again[n] == ' ' || again[n] == '\0'))
				abort();
		p += n;
		if (*p == ' ')
			p++;
	}
	/* Ask about every word of the input, and a few fixed names. */
	for (i = 0; i < size; ) {
		size_t n = 0;
		char word[128];
		while (i + n < size && data[i + n] != ' ' && data[i + n] != '\n' &&
		    data[i + n] != '\0' && n < sizeof word - 1)
			n++;
		memcpy(word, data + i, n);
		word[n] = '\0';
		(void)ehlo_has_auth(&caps, word);
		i += n + 1;
	}
	(void)ehlo_has_auth(&caps, "PLAIN");
	(void)ehlo_has_auth(&caps, "");
	reply_free(&r);
	return 0;
}
