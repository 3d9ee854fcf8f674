// SPDX-License-Identifier: MIT
/* fuzz_addr.c: RFC 5322 address-list parsing and RFC 5321 envelope checks
 * (addr.h). The whole input is one header value or argument; every address
 * found is then checked as an envelope address, and the list is qualified
 * (addr_qualify_list()): the result must parse, and qualifying it again
 * must change nothing. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "bounds.h"
#include "buf.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr_list l;
	const char *why = NULL;
	enum err rc;
	/* An exact-size copy, so ASan catches reads past len. */
	char *s = malloc(size ? size : 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	addr_list_init(&l);
	rc = addr_parse_list(s, size, &l, &why);
	if (rc != ERR_OK && rc != ERR_DATA && rc != ERR_TOOBIG)
		abort();
	if (rc != ERR_OK && !why)
		abort();
	if (l.n > SMTP_RCPT_MAX)
		abort();
	for (size_t i = 0; i < l.n; i++) {
		const char *a = l.v[i];
		size_t n = strlen(a);
		bool utf8 = false;
		const char *ewhy = NULL;
		enum err erc;
		if (n == 0 || n > MSG_ADDR_MAX)
			abort();
		/* No duplicates: adding the same address again changes nothing. */
		if (addr_list_add(&l, a) != ERR_OK || l.n <= i)
			abort();
		erc = addr_check_envelope(a, true, &utf8, &ewhy);
		if (erc != ERR_OK && (erc != ERR_DATA || !ewhy))
			abort();
		if (erc == ERR_OK) {
			/* What passes may go into "RCPT TO:<%s>": no line breaks,
			 * no controls, within the path limit. */
			if (has_ctl(a, n) || n > SMTP_PATH_MAX - 2)
				abort();
			/* ... and no blank outside a quoted string, which would
			 * end the path and start SMTP parameters. */
			bool quoted = false;
			for (size_t k = 0; k < n; k++) {
				if (a[k] == '\\' && quoted)
					k++;
				else if (a[k] == '"')
					quoted = !quoted;
				else if (a[k] == ' ' && !quoted)
					abort();
			}
			const char *d = addr_domain(a);
			if (!d || !*d)
				abort();
			/* A-labels: either a refusal with a reason, or a copy
			 * whose domain is ASCII (or was a domain literal). */
			struct buf awhy;
			char *al = NULL;
			buf_init(&awhy, 1024);
			enum err arc = addr_alabel(a, &al, &awhy);
			if (arc != ERR_OK && (arc != ERR_DATA || al || awhy.len == 0))
				abort();
			if (arc == ERR_OK) {
				const char *ad = addr_domain(al);
				if (!ad || has_ctl(al, strlen(al)))
					abort();
				for (; *ad && *d != '['; ad++)
					if ((unsigned char)*ad >= 0x80)
						abort();
			}
			free(al);
			buf_free(&awhy);
		}
	}
	addr_list_free(&l);
	if (rc == ERR_OK) {
		struct buf q, q2;
		size_t nq = 0, nq2 = 1;
		const char *qwhy = NULL;
		/* "@q.example" after each address; the shortest is one octet and a comma. */
		buf_init(&q, 6 * size + 64);
		buf_init(&q2, 6 * size + 64);
		/* Every address list can be qualified, unless an address would
		 * grow past MSG_ADDR_MAX (then the output is left empty)... */
		if (addr_qualify_list(s, size, "q.example", &q, &nq, &qwhy) != ERR_OK) {
			if (q.len != 0 || !qwhy || strcmp(qwhy, "an address would be too long once"
			    " qualified") != 0)
				abort();
			buf_free(&q);
			buf_free(&q2);
			goto envelope;
		}
		/* ... into one that parses, and that is then left as it is. */
		if (addr_qualify_list(buf_str(&q), q.len, "q.example", &q2, &nq2, &qwhy) != ERR_OK ||
		    nq2 != 0 || q2.len != q.len || memcmp(buf_str(&q), buf_str(&q2), q.len) != 0)
			abort();
		if (nq == 0 && (q.len != size || memcmp(buf_str(&q), s, size) != 0))
			abort();
		buf_free(&q);
		buf_free(&q2);
	}
envelope:
	/* The raw input as an envelope address too (a -f argument). */
	{
		char *z = malloc(size + 1);
		bool utf8 = false;
		const char *ewhy = NULL;
		if (!z)
			abort();
		memcpy(z, data, size);
		z[size] = '\0';
		if (addr_check_envelope(z, false, &utf8, &ewhy) == ERR_OK &&
		    has_ctl(z, strlen(z)))
			abort();
		free(z);
	}
	free(s);
	return 0;
}
