// SPDX-License-Identifier: MIT
/* fuzz_body.c: DATA transparency (body.h). The input after the first byte
 * is made CRLF-canonical (the stuffer's precondition: every CR, LF and CRLF
 * becomes CRLF), stuffed in pieces whose sizes come from a generator seeded
 * by the first byte, ended, and unstuffed again. The round trip must give
 * back the canonical text exactly (plus the CRLF that body_stuff_end adds
 * when the text does not end in one), and no line of the stuffed data may
 * be a lone "." before the end marker. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t
next(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct body_stuffer st;
	struct buf out, back;
	char *canon;
	size_t n = 0, expect_len;
	uint32_t seed;
	bool add_final;

	if (size == 0)
		return 0;
	seed = 0x9e3779b9u ^ (uint32_t)data[0] * 0x01000193u;
	add_final = data[0] & 0x80;
	data++;
	size--;

	canon = malloc(2 * size + 3);
	if (!canon)
		abort();
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '\r') {
			if (i + 1 < size && data[i + 1] == '\n')
				i++;
			canon[n++] = '\r';
			canon[n++] = '\n';
		} else if (data[i] == '\n') {
			canon[n++] = '\r';
			canon[n++] = '\n';
		} else {
			canon[n++] = (char)data[i];
		}
	}
	/* Half of the cases complete the last line first; the others test that
	 * body_stuff_end completes it. */
	expect_len = n;
	if (n > 0 && (n < 2 || canon[n - 2] != '\r' || canon[n - 1] != '\n')) {
		if (add_final) {
			canon[n++] = '\r';
			canon[n++] = '\n';
		}
		expect_len = n + (add_final ? 0 : 2);
	} else {
		expect_len = n;
	}

	body_stuff_init(&st);
	buf_init(&out, 2 * n + 8);
	for (size_t off = 0; off < n; ) {
		size_t take = next(&seed) % 64;
		if (next(&seed) % 8 == 0)
			take = next(&seed) % (n - off + 1);
		if (take > n - off)
			take = n - off;
		/* Each piece in its own allocation, so ASan sees over-reads. */
		char *piece = malloc(take ? take : 1);
		if (!piece)
			abort();
		memcpy(piece, canon + off, take);
		if (body_stuff(&st, piece, take, &out) != ERR_OK)
			abort();
		free(piece);
		off += take;
	}
	if (body_stuff_end(&st, &out) != ERR_OK)
		abort();

	/* Only the last line of the stuffed data is ".". */
	for (size_t i = 0, start = 0; i < out.len; i++) {
		if (out.data[i] != '\n')
			continue;
		if (i + 1 - start == 3 && out.data[start] == '.' && i + 1 != out.len)
			abort();
		start = i + 1;
	}
	if (out.len < 3 || memcmp(out.data + out.len - 3, ".\r\n", 3) != 0)
		abort();

	buf_init(&back, n + 8);
	if (body_unstuff(out.data, out.len, &back) != ERR_OK)
		abort();
	if (back.len != expect_len || (n && memcmp(back.data, canon, n) != 0))
		abort();
	if (expect_len != n && memcmp(back.data + n, "\r\n", 2) != 0)
		abort();

	buf_free(&out);
	buf_free(&back);
	free(canon);
	return 0;
}
