/* SPDX-License-Identifier: MIT */
/* buf.h: the one growable byte buffer, always bounded; errors written into
 * one (errf), and files read into one (open_regular, buf_read_fd).
 *
 * Invariants: after buf_init() and after every successful add, data is
 * either NULL (nothing added yet, len 0) or NUL-terminated at data[len].
 * len never exceeds max. On error an add leaves the buffer unchanged.
 * buf_take() is the only way to transfer ownership of data; buf_free()
 * leaves the struct empty and reusable with the same max. */
#ifndef SEALPOST_BUF_H
#define SEALPOST_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"

struct buf {
	char *data;
	size_t len, cap, max;
};

void buf_init(struct buf *b, size_t max);
/* buf_add: append n bytes. Errors: ERR_TOOBIG when len + n > max. */
enum err buf_add(struct buf *b, const void *p, size_t n) WUR;
enum err buf_adds(struct buf *b, const char *s) WUR;
enum err buf_addc(struct buf *b, char c) WUR;
/* buf_addf: append formatted text. Errors: ERR_TOOBIG. */
enum err buf_addf(struct buf *b, const char *fmt, ...) PRINTF(2, 3) WUR;
enum err buf_vaddf(struct buf *b, const char *fmt, va_list ap) PRINTF(2, 0) WUR;
/* errf, verrf: append human-readable detail (an error message) to b,
 * truncated to what fits: for messages only, never for data. */
void errf(struct buf *b, const char *fmt, ...) PRINTF(2, 3);
void verrf(struct buf *b, const char *fmt, va_list ap) PRINTF(2, 0);
/* buf_str: data as a string; "" when nothing was added. */
const char *buf_str(const struct buf *b);
/* buf_take: hand data (NUL-terminated, never NULL) to the caller, who frees
 * it; the buffer is left empty. */
char *buf_take(struct buf *b);
/* buf_reset: len = 0, memory kept. */
void buf_reset(struct buf *b);
/* buf_truncate: shorten to n bytes (n <= len). */
void buf_truncate(struct buf *b, size_t n);
void buf_free(struct buf *b);
/* buf_wipe: like buf_free, but first overwrites the whole allocation: for
 * buffers that held secrets. */
void buf_wipe(struct buf *b);

struct stat;
/* open_regular: open path read-only (close-on-exec, never a controlling
 * terminal, and any extra flags) and fstat() it into *st: the descriptor,
 * or -1 when it cannot be opened or is not a regular file, with
 * "<what><path>: <why>" in err (what is "" or a prefix such as
 * "password_file "). */
int open_regular(const char *what, const char *path, int flags, struct stat *st,
    struct buf *err);

/* buf_read_fd: append everything readable from fd (until EOF) to b, within
 * b's max; reads are retried after signals. Errors: ERR_IO (errno set),
 * ERR_TOOBIG (past max; b keeps what earlier reads added). */
enum err buf_read_fd(struct buf *b, int fd) WUR;

/* buf_read_once: append what one read(2) of fd gives (retried after
 * signals); *got is its size, 0 at EOF. Errors as buf_read_fd() (*got
 * is then 0). */
enum err buf_read_once(struct buf *b, int fd, size_t *got) WUR;

#endif
