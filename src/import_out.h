/* SPDX-License-Identifier: MIT */
/* import_out.h: what sealpost --import writes, for the format converters
 * (import_msmtp.h): the sealpost.conf text, the warnings, [aliases]. */
#ifndef SEALPOST_IMPORT_OUT_H
#define SEALPOST_IMPORT_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "bounds.h"
#include "buf.h"
#include "err.h"

/* The files a configuration names (msmtp's aliases FILE): the converter
 * itself touches no file, it asks through read_file, which fills out (bounded
 * by the caller's buf_init) and returns ERR_OK, or an error with the reason
 * in err. home replaces a leading '~' in file names, as msmtp does (NULL:
 * left as written). */
struct import_io {
	enum err (*read_file)(void *ctx, const char *path, struct buf *out, struct buf *err);
	void *ctx;
	const char *home;
};

/* Where one conversion writes. Set up by import_out_init(); the fields are
 * import_out.c's. */
struct import_out {
	char name[256];                 /* the file's name, printable */
	const struct import_io *io;
	struct buf *out, *warn;
	unsigned nwarn;
	bool overflow;                  /* out reached its bound */
};

/* import_out_init: write the text to out and the warnings to warnings
 * (both bounded by the caller's buf_init), naming the file name. */
void import_out_init(struct import_out *o, const char *name, const struct import_io *io,
    struct buf *out, struct buf *warnings);

/* import_out_finish: after the converter: the count of warnings not shown,
 * then the text checked. Errors: ERR_CONFIG (the text outgrew
 * CONFIG_FILE_MAX), ERR_INTERNAL (config_parse_mem() refuses it: a bug). */
enum err import_out_finish(struct import_out *o, struct buf *err) WUR;

/* Reading the file a line at a time: text and len as given, the rest zero. */
struct import_lines {
	const char *text;
	size_t len, pos;
	unsigned no;                    /* the number of the line last read */
};

/* import_out_next_line: the next line of l into line (IMPORT_LINE_MAX + 1
 * bytes), without its newline or a CR before it. 1: a line; 0: the end;
 * -1: a line over IMPORT_LINE_MAX bytes or with a NUL byte, with
 * "FILE:LINE: what" in err. */
int import_out_next_line(const struct import_out *o, struct import_lines *l,
    char line[IMPORT_LINE_MAX + 1], struct buf *err);

/* import_out_warn: one warning line "FILE:LINE: ..." (line 0: "FILE: ...");
 * after IMPORT_WARN_MAX of them, only counted. Never pass a secret. */
void import_out_warn(struct import_out *o, unsigned line, const char *fmt, ...) PRINTF(3, 4);

/* import_out_put: "key = value" (quoted when sealpost.conf needs it); when it
 * cannot be written (empty, a control character, " ;", too long), false and
 * a warning naming line and the source setting what. */
bool import_out_put(struct import_out *o, unsigned line, const char *what, const char *key,
    const char *value);

/* import_out_fits: would import_out_put() write key = value? */
bool import_out_fits(const char *key, const char *value);

/* import_out_line: one line as it is (a section, a comment, a fixed
 * setting); false, writing nothing, if longer than a sealpost.conf line. */
bool import_out_line(struct import_out *o, const char *fmt, ...) PRINTF(2, 3);

/* import_out_mark, import_out_rewind: drop what was written since the mark. */
size_t import_out_mark(const struct import_out *o);
void import_out_rewind(struct import_out *o, size_t mark);

/* import_out_path: a file name with a leading '~' replaced by the home
 * directory (as msmtp does); the caller frees it. */
char *import_out_path(const struct import_out *o, const char *name);

/* import_out_aliases: read the aliases file path ("name: address, ..." lines,
 * '#' comments, "default" for any other name) and write its entries as
 * [aliases]; what cannot be carried is warned about at line (the setting
 * that named the file). */
void import_out_aliases(struct import_out *o, unsigned line, const char *path);

/* import_out_read: the file at path (a name from the converted file) into
 * text, bounded by the caller's buf_init; a warning at line when it cannot
 * be read, naming what it was for. The caller wipes text if it may hold a
 * secret. */
bool import_out_read(struct import_out *o, unsigned line, const char *what,
    const char *path, struct buf *text);

/* import_out_name: the converted file's name, printable. */
const char *import_out_name(const struct import_out *o);

/* import_out_shown: s made printable (control bytes as '?') and cut to 60
 * bytes, in out; for names and values that are not secrets. */
const char *import_out_shown(const char *s, char *out, size_t cap);

/* import_out_keyword: an unknown keyword as shown in its warning: like
 * import_out_shown(), but cut at '=' or ':' (a password may follow them,
 * as in ssmtp's "AuthPass=...") and to 32 bytes. */
const char *import_out_keyword(const char *s, char *out, size_t cap);

#endif
