// SPDX-License-Identifier: MIT
/* fuzz_import.c: sealpost --import msmtp (import.h) through import_convert.
 * The input is an msmtprc, then optionally a form feed and the aliases file
 * that every `aliases` line names. Whatever the input: an error names the
 * file, a success is text that config_parse_mem() accepts (never
 * ERR_INTERNAL), and a password written once in the input never reaches the
 * output, the warnings or the error. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "import.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct aliases {
	const char *text;
	size_t len;
};

static enum err
read_aliases(void *ctx, const char *path, struct buf *out, struct buf *err)
{
	const struct aliases *a = ctx;
	if (!a->text) {
		errf(err, "%s: no such file", path);
		return ERR_IO;
	}
	return buf_add(out, a->text, a->len);
}

static size_t
count(const char *hay, size_t n, const char *needle, size_t k)
{
	size_t c = 0;
	for (size_t i = 0; k && i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			c++;
	return c;
}

/* Every "password VALUE" line of text whose VALUE (12 bytes or more)
 * occurs once in all the input (all, all_len) must not show in s. */
static void
check_secrets(const char *text, size_t len, const char *all, size_t all_len,
    const struct buf *s)
{
	for (size_t pos = 0; pos < len;) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + 1;
		while (n && (*line == ' ' || *line == '\t'))
			line++, n--;
		if (n < 9 || memcmp(line, "password", 8) != 0 || (line[8] != ' ' && line[8] != '\t'))
			continue;
		const char *v = line + 9;
		size_t k = n - 9;
		while (k && (*v == ' ' || *v == '\t' || *v == '"'))
			v++, k--;
		while (k && (v[k - 1] == ' ' || v[k - 1] == '\t' || v[k - 1] == '"' ||
		    v[k - 1] == '\r'))
			k--;
		if (k >= 12 && count(all, all_len, v, k) == 1 && count(s->data, s->len, v, k))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *ff = memchr(data, '\f', size);
	size_t len = ff ? (size_t)(ff - (const char *)data) : size;
	struct aliases al = { NULL, 0 };
	struct import_io io = { read_aliases, &al, "/home/fuzz" };
	struct buf out, warn, err;
	/* Exact-size copies, so ASan catches reads past the end. */
	char *text = malloc(len ? len : 1), *atext = NULL;
	enum err rc;

	if (!text)
		abort();
	memcpy(text, data, len);
	if (ff) {
		al.len = size - len - 1;
		atext = malloc(al.len ? al.len : 1);
		if (!atext)
			abort();
		memcpy(atext, ff + 1, al.len);
		al.text = atext;
	}
	log_quiet(true);
	buf_init(&out, CONFIG_FILE_MAX);
	buf_init(&warn, (size_t)(IMPORT_WARN_MAX + 1) * 512);
	buf_init(&err, 4096);
	rc = import_convert("msmtp", "fuzz.msmtprc", text, len, &io, &out, &warn, &err);
	if (rc == ERR_INTERNAL)
		abort();
	if (rc != ERR_OK && (rc != ERR_CONFIG || strncmp(buf_str(&err), "fuzz.msmtprc", 12) != 0))
		abort();
	if (rc != ERR_OK && out.len)
		abort();
	check_secrets(text, len, (const char *)data, size, &out);
	check_secrets(text, len, (const char *)data, size, &warn);
	check_secrets(text, len, (const char *)data, size, &err);
	buf_free(&out);
	buf_free(&warn);
	buf_free(&err);
	free(text);
	free(atext);
	return 0;
}
