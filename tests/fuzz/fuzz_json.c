// SPDX-License-Identifier: MIT
/* fuzz_json.c: json.c's string escaper (mailq --json). For any octets:
 * the output is one JSON string (quoted, no raw control character or
 * quote inside, only JSON's escapes), and decoding it gives back every
 * ASCII octet of the input in order, and the input exactly when it was
 * all ASCII. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned)(c - 'a' + 10);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out;
	char *ascii_in = malloc(size + 1), *ascii_out = malloc(6 * size + 1);
	size_t nin = 0, nout = 0;
	bool all_ascii = true;

	buf_init(&out, 6 * size + 16);
	if (json_str(&out, (const char *)data, size) != ERR_OK)
		abort();
	if (out.len < 2 || out.data[0] != '"' || out.data[out.len - 1] != '"')
		abort();
	for (size_t i = 1; i + 1 < out.len; i++) {
		unsigned char c = (unsigned char)out.data[i];
		if (c < 0x20 || c == 0x7f || c == '"')
			abort();
		if (c >= 0x80)
			continue;       /* part of a UTF-8 sequence passed through */
		if (c != '\\') {
			ascii_out[nout++] = (char)c;
			continue;
		}
		c = (unsigned char)out.data[++i];
		if (i + 1 >= out.len)
			abort();
		switch (c) {
		case '"': case '\\': ascii_out[nout++] = (char)c; break;
		case 'n': ascii_out[nout++] = '\n'; break;
		case 'r': ascii_out[nout++] = '\r'; break;
		case 't': ascii_out[nout++] = '\t'; break;
		case 'b': ascii_out[nout++] = '\b'; break;
		case 'f': ascii_out[nout++] = '\f'; break;
		case 'u': {
			if (i + 5 >= out.len)
				abort();
			unsigned u = 0;
			for (int k = 1; k <= 4; k++)
				u = u * 16 + hexval(out.data[i + k]);
			i += 4;
			if (u < 0x80)
				ascii_out[nout++] = (char)u;
			else if (u != 0xFFFD && u != 0x2028 && u != 0x2029)
				abort();
			break;
		}
		default:
			abort();
		}
	}
	for (size_t i = 0; i < size; i++) {
		if (data[i] < 0x80)
			ascii_in[nin++] = (char)data[i];
		else
			all_ascii = false;
	}
	if (nin != nout || memcmp(ascii_in, ascii_out, nin) != 0)
		abort();
	if (all_ascii && nout != size)
		abort();
	buf_free(&out);
	free(ascii_in);
	free(ascii_out);
	return 0;
}
