// SPDX-License-Identifier: MIT
/* fuzz_mtasts.c: the MTA-STS policy parser and TXT record reader
 * (mtasts.h) on hostile input. The input is read as a policy file, and
 * its bytes as the data of one TXT record at _mta-sts.example.org. What
 * input is also read as a whole HTTP response carrying a policy. What
 * parses is checked: a mode, max_age within bounds, mx patterns in
 * canonical form (and matched against a few names), an id of 1-32
 * letters and digits. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_policy(const struct sts_policy *p)
{
	static const char *const hosts[] = { "mx.example.org", "a.b.example.org",
		"example.org", "MX1.EXAMPLE.NET" };
	if (p->mode > STS_MODE_ENFORCE || p->max_age > STS_MAX_AGE_MAX || p->nmx > STS_MX_MAX ||
	    (p->mode != STS_MODE_NONE && p->nmx == 0))
		abort();
	for (size_t i = 0; i < p->nmx; i++) {
		const char *m = p->mx[i];
		char canon[DNS_NAME_MAX + 1];
		if (m[0] == '*')
			m += 2;
		if (dns_name_canon(m, canon) != ERR_OK || strcmp(canon, m) != 0)
			abort();
	}
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
		(void)sts_mx_match(p, hosts[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sts_policy p;
	struct buf why;
	char *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	buf_init(&why, 4096);
	if (sts_policy_parse(copy, size, &p, &why) == ERR_OK)
		check_policy(&p);
	buf_free(&why);
	if (size <= 65535) {
		struct dns_rr rr = { .owner = "_mta-sts.example.org", .type = DNS_T_TXT,
			.rdata = (uint8_t *)copy, .rdlen = (uint16_t)size };
		struct dns_answer a = { .rr = &rr, .n = 1 };
		char id[STS_ID_MAX + 1];
		buf_init(&why, 4096);
		if (sts_txt_id(&a, "_mta-sts.example.org", id, &why) == ERR_OK) {
			size_t n = strlen(id);
			if (n == 0 || n > STS_ID_MAX || strspn(id, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n)
				abort();
		}
		buf_free(&why);
	}
	{
		struct buf body;
		buf_init(&body, STS_POLICY_MAX);
		buf_init(&why, 4096);
		if (sts_http_parse(copy, size, &body, &why) == ERR_OK && body.len > STS_POLICY_MAX)
			abort();
		buf_free(&body);
		buf_free(&why);
	}
	free(copy);
	return 0;
}
