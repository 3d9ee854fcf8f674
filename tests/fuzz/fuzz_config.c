// SPDX-License-Identifier: MIT
/* fuzz_config.c: the configuration parser (config.h) through
 * config_parse_mem: libinih with our bounded line reader, every value
 * parser and the validation. Errors must name the file; the dump must never
 * show a password; config_free must leave nothing behind (LeakSanitizer). */
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
	config_free(&cfg);
	buf_free(&err);
	free(text);
	return 0;
}
