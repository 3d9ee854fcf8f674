// SPDX-License-Identifier: MIT
/* fuzz_dns.c: the DNS reply parser (dnsmsg.h) on hostile replies. The
 * input is a whole reply; it is parsed as the answer to our query for
 * example.org with the ID in its first two octets, once for each type we
 * ask about, so the question matches when the fuzzer wants it to. What
 * parses is checked: names in canonical form, counts within bounds, data
 * of the sizes the types demand; CNAMEs are followed; TLSA answers go
 * through dane.c's usability filter. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "dane.h"
#include "dnsmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_name(const char *name)
{
	char canon[DNS_NAME_MAX + 1];
	if (strlen(name) > DNS_NAME_MAX)
		abort();
	if (*name && (dns_name_canon(name, canon) != ERR_OK || strcmp(canon, name) != 0))
		abort();
}

static void
check(const struct dns_answer *a, uint16_t type)
{
	const struct dns_rr *sel[DNS_ANSWER_RRS_MAX];
	const char *final;
	bool looped;
	size_t n;
	if (a->n > DNS_ANSWER_RRS_MAX || a->rcode > 15)
		abort();
	for (size_t i = 0; i < a->n; i++) {
		const struct dns_rr *r = &a->rr[i];
		check_name(r->owner);
		if (r->type == DNS_T_MX || r->type == DNS_T_CNAME)
			check_name(r->target);
		else if (!r->rdata || (r->type == DNS_T_A && r->rdlen != 4) ||
		    (r->type == DNS_T_AAAA && r->rdlen != 16) ||
		    (r->type == DNS_T_TLSA && r->rdlen < 3))
			abort();
	}
	n = dns_answer_select(a, "example.org", type, sel, DNS_ANSWER_RRS_MAX, &final, &looped);
	for (size_t i = 0; i < n; i++)
		if (sel[i]->type != type)
			abort();
	if (looped && n)
		abort();
	if (type == DNS_T_TLSA) {
		struct dane_tlsa t;
		dane_tlsa_from_answer(a, "example.org", &t);
		if (t.n + t.unusable > n)
			abort();
		for (size_t i = 0; i < t.n; i++)
			if ((t.rr[i].usage != 2 && t.rr[i].usage != 3) || t.rr[i].selector > 1 ||
			    t.rr[i].mtype > 2 || t.rr[i].rdlen < 4 ||
			    (t.rr[i].mtype == 1 && t.rr[i].rdlen != 35) ||
			    (t.rr[i].mtype == 2 && t.rr[i].rdlen != 67))
				abort();
		dane_tlsa_free(&t);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { DNS_T_MX, DNS_T_A, DNS_T_AAAA, DNS_T_TXT,
		DNS_T_TLSA, DNS_T_CNAME };
	uint8_t *copy;
	if (size < 2)
		return 0;
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
		struct dns_answer a;
		struct buf why;
		buf_init(&why, 4096);
		if (dns_reply_parse(copy, size, (uint16_t)(data[0] << 8 | data[1]), "example.org",
		    types[t], &a, &why) == ERR_OK) {
			check(&a, types[t]);
			dns_answer_free(&a);
		}
		buf_free(&why);
	}
	free(copy);
	return 0;
}
