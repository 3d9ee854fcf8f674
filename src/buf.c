// SPDX-License-Identifier: MIT
/* buf.c: bounded growable buffer. Every growth is checked against max. */
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

static enum err
grow(struct buf *b, size_t need)
{
	size_t cap;
	if (need > b->max || need + 1 < need)
		return ERR_TOOBIG;
	if (need + 1 <= b->cap)
		return ERR_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need + 1)
		cap = cap > SIZE_MAX / 2 ? need + 1 : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	return ERR_OK;
}

enum err
buf_add(struct buf *b, const void *p, size_t n)
{
	enum err rc;
	if (n > b->max - b->len)
		return ERR_TOOBIG;
	if ((rc = grow(b, b->len + n)) != ERR_OK)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return ERR_OK;
}

enum err
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

enum err
buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

enum err
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	enum err rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return ERR_INTERNAL;
	if ((size_t)n > b->max - b->len)
		return ERR_TOOBIG;
	if ((rc = grow(b, b->len + (size_t)n)) != ERR_OK)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return ERR_OK;
}

enum err
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	enum err rc;
	va_start(ap, fmt);
	rc = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
verrf(struct buf *b, const char *fmt, va_list ap)
{
	char tmp[2048];
	size_t n;
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	n = strlen(tmp);
	if (n > b->max - b->len)
		n = b->max - b->len;
	if (n)
		(void)!buf_add(b, tmp, n);
}

void
errf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verrf(b, fmt, ap);
	va_end(ap);
}

const char *
buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}

char *
buf_take(struct buf *b)
{
	char *p = b->data ? b->data : xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
buf_truncate(struct buf *b, size_t n)
{
	if (n < b->len) {
		b->len = n;
		b->data[n] = '\0';
	}
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
buf_wipe(struct buf *b)
{
	wipe(b->data, b->cap);
	buf_free(b);
}

enum err
buf_read_once(struct buf *b, int fd, size_t *got)
{
	char chunk[8192];
	ssize_t n;
	*got = 0;
	do
		n = read(fd, chunk, sizeof chunk);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ERR_IO;
	if (n > 0 && buf_add(b, chunk, (size_t)n) != ERR_OK)
		return ERR_TOOBIG;
	*got = (size_t)n;
	return ERR_OK;
}

enum err
buf_read_fd(struct buf *b, int fd)
{
	size_t got;
	enum err rc;
	while ((rc = buf_read_once(b, fd, &got)) == ERR_OK && got > 0)
		;
	return rc;
}

int
open_regular(const char *what, const char *path, int flags, struct stat *st, struct buf *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | flags);
	if (fd < 0) {
		errf(err, "%s%s: %s", what, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		errf(err, "%s%s: not a regular file", what, path);
		close(fd);
		return -1;
	}
	return fd;
}
