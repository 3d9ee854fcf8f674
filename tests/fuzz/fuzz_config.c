// SPDX-License-Identifier: MIT
/* fuzz_config.c: the configuration parser (config.h) through
 * config_parse_mem: libinih with our bounded line reader, every value
 * parser and the validation. Errors must name the file; the dump must never
 * show a password; config_free must leave nothing behind (LeakSanitizer);
 * the same file with every line padded past libinih's buffer (the reader
 * splits those itself) must parse to the same configuration. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_dump(const struct config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		abort();
	config_dump(cfg, f);
	if (fclose(f) != 0)
		abort();
	bool in_account = false;
	for (const char *p = text; p && *p; ) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		/* In account sections (an alias may be called "password"). */
		if (n > 0 && p[0] == '[')
			in_account = n > 9 && memcmp(p, "[account ", 9) == 0;
		if (in_account && n >= 11 && memcmp(p, "password = ", 11) == 0 &&
		    (n != 21 || memcmp(p + 11, "<redacted>", 10) != 0))
			abort();
		p += n + (eol ? 1 : 0);
	}
	free(text);
}

/* The dump of cfg, malloc'd. */
static char *
dump_of(const struct config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		abort();
	config_dump(cfg, f);
	if (fclose(f) != 0)
		abort();
	return text;
}

/* text with PAD spaces at the end of every line that is not a [section]
 * header, so that each is too long for libinih's 200-byte buffer and goes
 * through the reader's own split; NULL when a line would pass
 * CONFIG_LINE_MAX. White space at the end of a line means nothing, so the
 * result must parse exactly as text does. */
#define PAD 250
static char *
padded(const char *text, size_t size, size_t *outlen)
{
	char *out = malloc(size * 2 + PAD * (size + 1) + 1), *o = out;
	if (!out)
		abort();
	for (size_t pos = 0; pos < size || pos == 0;) {
		size_t end = pos, k = pos;
		while (end < size && text[end] != '\n')
			end++;
		if (end - pos + PAD > CONFIG_LINE_MAX - 2) {
			free(out);
			return NULL;
		}
		if (pos == 0 && end >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
			k += 3;     /* a byte-order mark */
		while (k < end && (text[k] == ' ' || text[k] == '\t'))
			k++;
		memcpy(o, text + pos, end - pos);
		o += end - pos;
		if (k == end || text[k] != '[') {
			memset(o, ' ', PAD);
			o += PAD;
		}
		if (end < size)
			*o++ = '\n';
		pos = end + 1;
		if (end >= size)
			break;
	}
	*outlen = (size_t)(o - out);
	return out;
}

/* The reader's own split of long lines agrees with libinih's. */
static void
check_long_lines_split_as_libinih(const char *text, size_t size, enum err rc,
    const struct config *cfg)
{
	struct config cfg2;
	struct buf err;
	size_t len;
	char *pad = size <= 16384 ? padded(text, size, &len) : NULL;
	if (!pad)
		return;
	config_defaults(&cfg2);
	buf_init(&err, 4096);
	enum err rc2 = config_parse_mem(&cfg2, "fuzz.conf", pad, len, &err);
	if ((rc == ERR_OK) != (rc2 == ERR_OK))
		abort();
	if (rc == ERR_OK) {
		char *a = dump_of(cfg), *b = dump_of(&cfg2);
		if (strcmp(a, b) != 0)
			abort();
		free(a);
		free(b);
	}
	config_free(&cfg2);
	buf_free(&err);
	free(pad);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct buf err;
	enum err rc;
	/* An exact-size copy, so ASan catches reads past len. */
	char *text = malloc(size ? size : 1);

	if (!text)
		abort();
	memcpy(text, data, size);
	config_defaults(&cfg);
	buf_init(&err, 4096);
	rc = config_parse_mem(&cfg, "fuzz.conf", text, size, &err);
	if (rc != ERR_OK) {
		if (rc != ERR_CONFIG || strncmp(buf_str(&err), "fuzz.conf", 9) != 0)
			abort();
	} else {
		struct buf perr;
		buf_init(&perr, 1024);
		for (const struct account *a = cfg.accounts; a; a = a->next) {
			if (a->port == 0 || a->port > 65535 || !a->auth_mechanisms)
				abort();
			if (a->mode == ACCT_RELAY && !a->host)
				abort();
			if (a->npins > CONFIG_PINS_MAX)
				abort();
			if (config_find_account(&cfg, a->name) == NULL)
				abort();
		}
		(void)config_pick_account(&cfg, NULL, "someone@example.com", &perr);
		(void)config_pick_account(&cfg, "default", NULL, &perr);
		buf_free(&perr);
		check_dump(&cfg);
	}
	check_long_lines_split_as_libinih(text, size, rc, &cfg);
	config_free(&cfg);
	buf_free(&err);
	free(text);
	return 0;
}
