// SPDX-License-Identifier: MIT
/* fuzz_bs.c: the -bs path parser (smtpd_stdio_path), which takes the
 * caller's MAIL FROM:<...> / RCPT TO:<...> arguments. A path it accepts
 * fits the buffer, is NUL-terminated and has no '<' or '>' outside quotes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd_stdio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[1024], out[300];
	if (size >= sizeof in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	memset(out, 'Z', sizeof out);
	if (smtpd_stdio_path(in, out, sizeof out) != 0)
		return 0;
	size_t n = strnlen(out, sizeof out);
	if (n == sizeof out)
		abort();
	int quoted = 0;
	for (size_t i = 0; i < n; i++) {
		if (out[i] == '\\' && quoted && i + 1 < n) {
			i++;
			continue;
		}
		if (out[i] == '"')
			quoted = !quoted;
		else if (!quoted && (out[i] == '<' || out[i] == '>'))
			abort();
	}
	return 0;
}
