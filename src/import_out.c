// SPDX-License-Identifier: MIT
/* import_out.c: what sealpost --import writes, for every format's
 * converter: the sealpost.conf text, each value checked against what
 * libinih and config.c can read back (quoted when it must be, refused when
 * it cannot be), one warning line with file:line per setting not carried
 * over, the aliases file as [aliases], and at the end the whole text checked
 * with config_parse_mem(). Nothing here sees a password: converters never
 * pass one. */
#include "import_out.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "bounds.h"
#include "config.h"
#include "util.h"

void
import_out_warn(struct import_out *c, unsigned line, const char *fmt, ...)
{
	va_list ap;
	if (++c->nwarn > IMPORT_WARN_MAX)
		return;
	if (line)
		(void)!buf_addf(c->warn, "%s:%u: ", c->name, line);
	else
		(void)!buf_addf(c->warn, "%s: ", c->name);
	va_start(ap, fmt);
	(void)!buf_vaddf(c->warn, fmt, ap);
	va_end(ap);
	(void)!buf_addc(c->warn, '\n');
}

const char *
import_out_name(const struct import_out *c)
{
	return c->name;
}

size_t
import_out_mark(const struct import_out *c)
{
	return c->out->len;
}

void
import_out_rewind(struct import_out *c, size_t mark)
{
	buf_truncate(c->out, mark);
}

int
import_out_next_line(const struct import_out *o, struct import_lines *l,
    char line[IMPORT_LINE_MAX + 1], struct buf *err)
{
	size_t end = l->pos, n;
	if (l->pos >= l->len)
		return 0;
	while (end < l->len && l->text[end] != '\n')
		end++;
	n = end - l->pos;
	l->no++;
	if (n > IMPORT_LINE_MAX) {
		errf(err, "%s:%u: line longer than %d bytes", o->name, l->no, IMPORT_LINE_MAX);
		return -1;
	}
	if (memchr(l->text + l->pos, '\0', n)) {
		errf(err, "%s:%u: NUL byte", o->name, l->no);
		return -1;
	}
	memcpy(line, l->text + l->pos, n);
	line[n] = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[n - 1] = '\0';
	l->pos = end + 1;
	return 1;
}

bool
import_out_read(struct import_out *o, unsigned line, const char *what, const char *path,
    struct buf *text)
{
	struct buf err;
	bool ok;
	buf_init(&err, 1024);
	ok = o->io && o->io->read_file &&
	    o->io->read_file(o->io->ctx, path, text, &err) == ERR_OK;
	if (!ok)
		import_out_warn(o, line, "%s: not carried over: %s", what, err.len ?
		    buf_str(&err) : "the file could not be read");
	buf_free(&err);
	return ok;
}

/* A string from the file, safe to show: control bytes become '?', and
 * at most 60 bytes are kept. Never used on a secret. */
const char *
import_out_shown(const char *s, char *out, size_t cap)
{
	size_t i;
	for (i = 0; s[i] && i + 1 < cap && i < 60; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7F ? '?' : s[i];
	out[i] = '\0';
	return out;
}

const char *
import_out_keyword(const char *s, char *out, size_t cap)
{
	char word[33];
	snprintf(word, sizeof word, "%.*s", (int)strcspn(s, "=:"), s);
	return import_out_shown(word, out, cap);
}

/* Can value be written as a sealpost.conf value (see config.c and libinih),
 * and must it be quoted? NULL if so, else why not. */
static const char *
ini_value_problem(const char *v, bool *quote)
{
	size_t n = strlen(v);
	*quote = false;
	if (n == 0)
		return "it is empty";
	if (has_ctl(v, n))
		return "it holds a control character (a tab?), which sealpost.conf refuses";
	for (size_t i = 1; i < n; i++)
		if (v[i] == ';' && (v[i - 1] == ' ' || v[i - 1] == '\t'))
			return "it holds \" ;\", where sealpost.conf starts a comment";
	*quote = v[0] == ' ' || v[n - 1] == ' ' || v[0] == ';' ||
	    (n >= 2 && v[0] == '"' && v[n - 1] == '"');
	return NULL;
}

/* One output line (without its newline): false if it would be longer than
 * a sealpost.conf line may be. */
bool
import_out_line(struct import_out *c, const char *fmt, ...)
{
	char line[CONFIG_LINE_MAX + 8];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* config.c's reader: the line, its newline and a NUL in CONFIG_LINE_MAX. */
	if (n < 0 || (size_t)n + 2 > CONFIG_LINE_MAX)
		return false;
	if (buf_addf(c->out, "%s\n", line) != ERR_OK)
		c->overflow = true;
	return true;
}

/* key = value into the output; a warning naming line (and the msmtp
 * command what) when it cannot be. */
bool
import_out_put(struct import_out *c, unsigned line, const char *what, const char *key,
    const char *v)
{
	bool quote;
	const char *why = ini_value_problem(v, &quote);
	if (!why && !import_out_line(c, quote ? "%s = \"%s\"" : "%s = %s", key, v))
		why = "the line would be longer than a sealpost.conf line may be";
	if (why) {
		import_out_warn(c, line, "%s: not carried over as %s: %s", what, key, why);
		return false;
	}
	return true;
}

/* import_out_fits: would import_out_put() write key = v? */
bool
import_out_fits(const char *key, const char *v)
{
	bool quote;
	return !ini_value_problem(v, &quote) &&
	    strlen(key) + strlen(v) + (quote ? 2 : 0) + 3 + 2 <= CONFIG_LINE_MAX;
}

/* A file name, with msmtp's '~' replaced by the home directory. */
char *
import_out_path(const struct import_out *c, const char *v)
{
	struct buf b;
	if (v[0] != '~' || !c->io || !c->io->home)
		return xstrdup(v);
	buf_init(&b, IMPORT_LINE_MAX + 4096);
	if (buf_addf(&b, "%s%s", c->io->home, v + 1) != ERR_OK) {
		buf_free(&b);
		return xstrdup(v);
	}
	return buf_take(&b);
}

/* [aliases] from an aliases(5)-style file, as msmtp and dma read it:
 * "local: addr, addr" lines, '#' comments; "default" matches any other local
 * name (sealpost's "*"). */
void
import_out_aliases(struct import_out *c, unsigned cfgline, const char *path)
{
	struct buf text, seen;
	char fname[256], show[64];
	unsigned lineno = 0;

	buf_init(&text, CONFIG_FILE_MAX);
	buf_init(&seen, CONFIG_FILE_MAX);
	if (!import_out_read(c, cfgline, "aliases", path, &text))
		goto out;
	import_out_shown(path, fname, sizeof fname);
	(void)import_out_line(c, "\n[aliases]");
	for (size_t pos = 0; pos < text.len;) {
		char line[IMPORT_LINE_MAX + 1], *name, *targets, *hash;
		size_t end = pos, n;
		struct buf val;
		while (end < text.len && text.data[end] != '\n')
			end++;
		n = end - pos;
		lineno++;
		if (n > IMPORT_LINE_MAX || memchr(text.data + pos, '\0', n)) {
			import_out_warn(c, cfgline, "aliases: %s:%u: line too long or with a NUL"
			    " byte; the rest of the file is not carried over", fname, lineno);
			break;
		}
		memcpy(line, text.data + pos, n);
		line[n] = '\0';
		pos = end + 1;
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		name = str_trim(line);
		if (!*name)
			continue;
		if (!(targets = strchr(name, ':'))) {
			import_out_warn(c, cfgline, "aliases: %s:%u: not carried over: expected"
			    " \"name: address, ...\"", fname, lineno);
			continue;
		}
		*targets++ = '\0';
		str_trim(name);
		if (!*name || strpbrk(name, " \t=:;#[]\"\\*|") || has_ctl(name, strlen(name))) {
			import_out_warn(c, cfgline, "aliases: %s:%u: \"%s\": not carried over:"
			    " not a name sealpost.conf can hold", fname, lineno,
			    import_out_shown(name, show,
			    sizeof show));
			continue;
		}
		if (strcmp(name, "default") == 0)
			name[0] = '*', name[1] = '\0';
		/* sealpost refuses an alias defined twice (names without regard to case). */
		char key[IMPORT_LINE_MAX + 3];
		snprintf(key, sizeof key, "\n%s\n", name);
		for (char *k = key; *k; k++)
			*k = (char)tolower((unsigned char)*k);
		if (seen.len && strstr(buf_str(&seen), key)) {
			import_out_warn(c, cfgline, "aliases: %s:%u: %s: not carried over:"
			    " defined before",
			    fname, lineno, name);
			continue;
		}
		buf_init(&val, IMPORT_LINE_MAX);
		for (char *t = strtok_r(targets, ",", &hash); t; t = strtok_r(NULL, ",", &hash)) {
			struct addr_list al;
			const char *why = NULL, *d;
			t = str_trim(t);
			if (!*t)
				continue;
			addr_list_init(&al);
			if (addr_parse_list(t, strlen(t), &al, &why) != ERR_OK || al.n != 1 ||
			    !(d = strchr(al.v[0], '@')) || strcasecmp(d + 1, "localhost") == 0)
				import_out_warn(c, cfgline, "aliases: %s:%u: %s: \"%s\" not"
				    " carried over: sealpost aliases lead to addresses with a"
				    " domain", fname,
				    lineno,
				    name, import_out_shown(t, show, sizeof show));
			else
				(void)!buf_addf(&val, "%s%s", val.len ? ", " : "", t);
			addr_list_free(&al);
		}
		if (val.len && import_out_put(c, cfgline, "aliases", name, buf_str(&val)))
			(void)!buf_adds(&seen, key + (seen.len ? 1 : 0));
		buf_free(&val);
	}
out:
	buf_free(&text);
	buf_free(&seen);
}

void
import_out_init(struct import_out *o, const char *name, const struct import_io *io,
    struct buf *out, struct buf *warnings)
{
	size_t i;
	memset(o, 0, sizeof *o);
	for (i = 0; name[i] && i + 1 < sizeof o->name; i++)
		o->name[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7F ? '?' : name[i];
	o->io = io;
	o->out = out;
	o->warn = warnings;
}

enum err
import_out_finish(struct import_out *o, struct buf *err)
{
	struct config cfg;
	struct buf perr;
	enum err rc = ERR_OK;

	if (o->nwarn > IMPORT_WARN_MAX)
		(void)!buf_addf(o->warn, "%s: %u more warnings not shown\n", o->name,
		    o->nwarn - IMPORT_WARN_MAX);
	if (o->overflow) {
		errf(err, "%s: the converted configuration would be larger than %d bytes",
		    o->name, CONFIG_FILE_MAX);
		return ERR_CONFIG;
	}
	/* What we print must be what sealpost reads. */
	config_defaults(&cfg);
	buf_init(&perr, 1024);
	if (config_parse_mem(&cfg, "converted", buf_str(o->out), o->out->len, &perr) != ERR_OK) {
		errf(err, "internal error: the converted configuration does not parse: %s",
		    buf_str(&perr));
		rc = ERR_INTERNAL;
	}
	config_free(&cfg);
	buf_free(&perr);
	return rc;
}
