/* SPDX-License-Identifier: MIT */
/* util.h: allocation wrappers, bounded number parsing, small string helpers. */
#ifndef SEALPOST_UTIL_H
#define SEALPOST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* xmalloc, xcalloc, xrealloc, xstrdup, xstrndup: never return NULL. On
 * allocation failure they call fatalx(), which exits 75 (the caller still
 * owns the message). In builds with -DSEALPOST_TEST, TEST_FAIL_ALLOC_AT=N in
 * the environment makes the Nth allocation fail. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* fatalx: report a broken invariant or exhausted memory and exit 75
 * (EX_TEMPFAIL): before a message is committed the caller keeps it. */
_Noreturn void fatalx(const char *fmt, ...) PRINTF(1, 2);

/* parse_uint: parse a decimal number in [0, max] that spans all of s.
 * Errors: ERR_DATA (not a number, empty, sign, trailing text, > max). */
enum err parse_uint(const char *s, unsigned long max, unsigned long *out) WUR;

/* parse_duration: "90", "90s", "5m", "3h", "5d" into milliseconds, at most
 * max_ms. Errors: ERR_DATA. */
enum err parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *out) WUR;

/* parse_bool: yes/no/true/false/on/off/1/0. Errors: ERR_DATA. */
enum err parse_bool(const char *s, bool *out) WUR;

/* str_sanitize: copy at most cap-1 bytes of untrusted text (len bytes of s)
 * into out, replacing every control byte except TAB, DEL and C1 with '?', so server
 * text cannot drive a terminal or forge log lines (it is untrusted input). Returns out. */
char *str_sanitize(char *out, size_t cap, const char *s, size_t len);

/* str_trim: strip leading and trailing blanks in place; returns s. */
char *str_trim(char *s);

/* str_case_prefix: true if s starts with prefix, ASCII case-insensitively. */
bool str_case_prefix(const char *s, const char *prefix);

/* has_ctl: true if any of the len bytes of s is a control byte (0-31, 127). */
bool has_ctl(const char *s, size_t len);

/* write_all: write all n bytes of p to fd, retrying after signals.
 * Errors: ERR_IO (errno set). */
enum err write_all(int fd, const void *p, size_t n) WUR;

/* wipe: clear n bytes of secret memory in a way the compiler keeps. */
void wipe(void *p, size_t n);

/* random_hex: fill out with 2*nbytes lowercase hex digits from the system's
 * cryptographic generator, NUL-terminated; out has room for 2*nbytes+1. */
void random_hex(char *out, size_t nbytes);
/* random_bytes: n unpredictable bytes (fatal if the generator fails). */
void random_bytes(void *out, size_t n);

#endif
