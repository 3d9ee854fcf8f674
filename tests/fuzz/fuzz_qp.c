// SPDX-License-Identifier: MIT
/* fuzz_qp.c: quoted-printable (qp.h). Any line encodes into lines of at
 * most 76 octets, 7-bit, that decode back to exactly the line; and the
 * decoder survives arbitrary input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf enc, dec, junk;
	char *line = malloc(size + 1);
	size_t n = 0;
	for (size_t i = 0; i < size; i++)
		if (data[i] != '\r' && data[i] != '\n')
			line[n++] = (char)data[i];
	buf_init(&enc, 4 * size + 64);
	buf_init(&dec, size + 64);
	if (qp_encode_line(line, n, &enc) != ERR_OK)
		abort();
	for (size_t i = 0, col = 0; i < enc.len; i++) {
		unsigned char c = (unsigned char)enc.data[i];
		if (c > 126 || (c < 32 && c != '\r' && c != '\n' && c != '\t'))
			abort();
		col = c == '\n' ? 0 : col + 1;
		if (col > QP_LINE_MAX + 1)      /* + the CR */
			abort();
	}
	if (qp_decode(enc.data, enc.len, &dec) != ERR_OK || dec.len != n + 2 ||
	    memcmp(dec.data, line, n) != 0)
		abort();
	buf_init(&junk, size + 64);
	(void)!qp_decode((const char *)data, size, &junk);
	buf_free(&junk);
	buf_free(&enc);
	buf_free(&dec);
	free(line);
	return 0;
}
