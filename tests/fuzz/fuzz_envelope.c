// SPDX-License-Identifier: MIT
/* fuzz_envelope.c: the queue envelope parser (spool.h). Any input either
 * parses or is refused; a parsed envelope formats back into text that
 * parses again to the same envelope (the format/parse round trip). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same(const struct envelope *a, const struct envelope *b)
{
	if (strcmp(a->id, b->id) || strcmp(a->sender, b->sender) || a->nrcpts != b->nrcpts ||
	    a->created != b->created || a->next_try != b->next_try ||
	    a->attempts != b->attempts || a->size != b->size || a->eightbit != b->eightbit ||
	    a->smtputf8 != b->smtputf8 || a->is_bounce != b->is_bounce ||
	    a->owner != b->owner || a->last_try != b->last_try || a->queued_for != b->queued_for)
		abort();
	for (size_t i = 0; i < a->nrcpts; i++)
		if (strcmp(a->rcpts[i].addr, b->rcpts[i].addr) ||
		    a->rcpts[i].state != b->rcpts[i].state)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope env, again;
	struct buf out;
	const char *why = NULL;

	if (envelope_parse((const char *)data, size, &env, &why) != ERR_OK) {
		if (!why)
			abort();    /* a refusal always says why */
		return 0;
	}
	buf_init(&out, 8 * 1024 * 1024);
	if (envelope_format(&env, &out) != ERR_OK)
		abort();
	if (envelope_parse(out.data, out.len, &again, &why) != ERR_OK)
		abort();
	same(&env, &again);
	envelope_free(&again);
	envelope_free(&env);
	buf_free(&out);
	return 0;
}
