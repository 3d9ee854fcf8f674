// SPDX-License-Identifier: MIT
/* fuzz_import.c: sealpost --import msmtp (import.h) through import_convert.
 * The input is an msmtprc, then optionally a form feed and the aliases file
 * that every `aliases` line names. Whatever the input: an error names the
 * file, a success is text that config_parse_mem() accepts (never
 * ERR_INTERNAL), and nothing printed depends on what a password is. */
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

/* text with the argument of every "password" command changed (each letter
 * and digit rotated): what import_convert makes of it must not change, or
 * the password's content reached the output, a warning or the error. */
static char *
rotate_passwords(const char *text, size_t len)
{
	char *t = malloc(len ? len : 1);
	if (!t)
		abort();
	memcpy(t, text, len);
	for (size_t pos = 0; pos < len;) {
		char *line = t + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos, i = 0;
		pos += n + 1;
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (n - i < 9 || memcmp(line + i, "password", 8) != 0 ||
		    (line[i + 8] != ' ' && line[i + 8] != '\t'))
			continue;
		for (i += 9; i < n; i++) {
			char c = line[i];
			if (c >= 'a' && c <= 'z')
				line[i] = c == 'z' ? 'a' : (char)(c + 1);
			else if (c >= 'A' && c <= 'Z')
				line[i] = c == 'Z' ? 'A' : (char)(c + 1);
			else if (c >= '0' && c <= '9')
				line[i] = c == '9' ? '0' : (char)(c + 1);
		}
	}
	return t;
}

struct run {
	enum err rc;
	struct buf out, warn, err;
};

static void
convert(struct run *r, const char *text, size_t len, const struct import_io *io)
{
	buf_init(&r->out, CONFIG_FILE_MAX);
	buf_init(&r->warn, (size_t)(IMPORT_WARN_MAX + 1) * 512);
	buf_init(&r->err, 4096);
	r->rc = import_convert("msmtp", "fuzz.msmtprc", text, len, io, &r->out, &r->warn,
	    &r->err);
}

static bool
same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static void
run_free(struct run *r)
{
	buf_free(&r->out);
	buf_free(&r->warn);
	buf_free(&r->err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *ff = memchr(data, '\f', size);
	size_t len = ff ? (size_t)(ff - (const char *)data) : size;
	struct aliases al = { NULL, 0 };
	struct import_io io = { read_aliases, &al, "/home/fuzz" };
	struct run r, r2;
	/* Exact-size copies, so ASan catches reads past the end. */
	char *text = malloc(len ? len : 1), *atext = NULL, *rotated;

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
	convert(&r, text, len, &io);
	if (r.rc == ERR_INTERNAL)
		abort();
	if (r.rc != ERR_OK && (r.rc != ERR_CONFIG ||
	    strncmp(buf_str(&r.err), "fuzz.msmtprc", 12) != 0))
		abort();
	if (r.rc != ERR_OK && r.out.len)
		abort();
	rotated = rotate_passwords(text, len);
	convert(&r2, rotated, len, &io);
	if (r2.rc != r.rc || !same(&r.out, &r2.out) || !same(&r.warn, &r2.warn) ||
	    !same(&r.err, &r2.err))
		abort();
	run_free(&r);
	run_free(&r2);
	free(rotated);
	free(text);
	free(atext);
	return 0;
}
