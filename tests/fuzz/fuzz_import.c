// SPDX-License-Identifier: MIT
/* fuzz_import.c: sealpost --import (import.h) through import_convert, in
 * each format: msmtp, ssmtp, dma. The input is the configuration, then
 * optionally a form feed and the text of every other file it names (msmtp's
 * and dma's aliases, dma's AUTHPATH). Whatever the input: an error names the
 * file, a success is text that config_parse_mem() accepts (never
 * ERR_INTERNAL), and nothing printed depends on what a password is: the same
 * input with every password's letters and digits rotated (msmtp's password
 * lines, ssmtp's AuthPass, the "user|host:password" lines of the other
 * file) gives the same output, warnings and error. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "import.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct files {
	const char *text;       /* NULL: no such file */
	size_t len;
};

static enum err
read_other(void *ctx, const char *path, struct buf *out, struct buf *err)
{
	const struct files *f = ctx;
	if (!f->text) {
		errf(err, "%s: no such file", path);
		return ERR_IO;
	}
	return buf_add(out, f->text, f->len);
}

static void
rotate(char *p, char *end)
{
	for (; p < end; p++) {
		if (*p >= 'a' && *p <= 'z')
			*p = *p == 'z' ? 'a' : (char)(*p + 1);
		else if (*p >= 'A' && *p <= 'Z')
			*p = *p == 'Z' ? 'A' : (char)(*p + 1);
		else if (*p >= '0' && *p <= '9')
			*p = *p == '9' ? '0' : (char)(*p + 1);
	}
}

/* A copy of text with the passwords rotated. */
static char *
rotated(const char *text, size_t len, bool other)
{
	char *t = malloc(len ? len : 1);
	if (!t)
		abort();
	memcpy(t, text, len);
	for (size_t pos = 0; pos < len;) {
		char *line = t + pos, *nl = memchr(line, '\n', len - pos), *eol, *p;
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + 1;
		eol = line + n;
		p = line;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (other) {
			/* user|host:password */
			char *bar = memchr(line, '|', n), *colon = memchr(line, ':', n);
			if (bar && colon && bar < colon)
				rotate(colon + 1, eol);
		} else if (eol - p > 8 && memcmp(p, "password", 8) == 0 &&
		    (p[8] == ' ' || p[8] == '\t')) {
			rotate(p + 9, eol);
		} else if (eol - p >= 8 && strncasecmp(p, "authpass", 8) == 0) {
			char *eq = memchr(p, '=', (size_t)(eol - p));
			if (eq)
				rotate(eq + 1, eol);
		}
	}
	return t;
}

struct run {
	enum err rc;
	struct buf out, warn, err;
};

static void
convert(struct run *r, const char *format, const char *text, size_t len,
    const struct import_io *io)
{
	buf_init(&r->out, CONFIG_FILE_MAX);
	buf_init(&r->warn, (size_t)(IMPORT_WARN_MAX + 1) * 512);
	buf_init(&r->err, 4096);
	r->rc = import_convert(format, "fuzz.conf", text, len, io, &r->out, &r->warn, &r->err);
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
	static const char *const formats[] = { "msmtp", "ssmtp", "dma" };
	const char *ff = memchr(data, '\f', size);
	size_t len = ff ? (size_t)(ff - (const char *)data) : size;
	size_t olen = ff ? size - len - 1 : 0;
	struct files f = { NULL, 0 }, f2 = { NULL, 0 };
	struct import_io io = { read_other, &f, "/home/fuzz" };
	struct import_io io2 = { read_other, &f2, "/home/fuzz" };
	/* Exact-size copies, so ASan catches reads past the end. */
	char *text = malloc(len ? len : 1), *other = NULL, *text2, *other2 = NULL;

	if (!text)
		abort();
	memcpy(text, data, len);
	text2 = rotated(text, len, false);
	if (ff) {
		if (!(other = malloc(olen ? olen : 1)))
			abort();
		memcpy(other, ff + 1, olen);
		other2 = rotated(other, olen, true);
		f = (struct files){ other, olen };
		f2 = (struct files){ other2, olen };
	}
	log_quiet(true);
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		struct run r, r2;
		convert(&r, formats[i], text, len, &io);
		if (r.rc == ERR_INTERNAL)
			abort();
		if (r.rc != ERR_OK && (r.rc != ERR_CONFIG ||
		    strncmp(buf_str(&r.err), "fuzz.conf", 9) != 0))
			abort();
		if (r.rc != ERR_OK && r.out.len)
			abort();
		convert(&r2, formats[i], text2, len, &io2);
		if (r2.rc != r.rc || !same(&r.out, &r2.out) || !same(&r.warn, &r2.warn) ||
		    !same(&r.err, &r2.err))
			abort();
		run_free(&r);
		run_free(&r2);
	}
	free(text);
	free(text2);
	free(other);
	free(other2);
	return 0;
}
