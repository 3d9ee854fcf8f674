// SPDX-License-Identifier: MIT
/* util.c: allocation wrappers, bounded parsers and string helpers. Nothing
 * here touches the network or the queue. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#ifdef SEALPOST_TEST
/* The failing-allocation loop (every allocation goes through here): fail the Nth allocation. */
static int
alloc_should_fail(void)
{
	static long countdown = -2;
	if (countdown == -2) {
		const char *s = getenv("TEST_FAIL_ALLOC_AT");
		countdown = s ? strtol(s, NULL, 10) : -1;
	}
	if (countdown < 0)
		return 0;
	return --countdown == 0;
}
#else
#define alloc_should_fail() 0
#endif

void
fatalx(const char *fmt, ...)
{
	va_list ap;
	fputs("sealpost: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	_exit(EX_TEMPFAIL);
}

void *
xmalloc(size_t n)
{
	void *p = alloc_should_fail() ? NULL : malloc(n ? n : 1);
	if (!p)
		fatalx("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = alloc_should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
	if (!p)
		fatalx("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *
xrealloc(void *old, size_t n)
{
	void *p = alloc_should_fail() ? NULL : realloc(old, n ? n : 1);
	if (!p)
		fatalx("out of memory (%zu bytes)", n);
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

enum err
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	if (!s || !*s)
		return ERR_DATA;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return ERR_DATA;
		unsigned d = (unsigned)(*s - '0');
		if (d > max || v > (max - d) / 10)
			return ERR_DATA;
		v = v * 10 + d;
	}
	*out = v;
	return ERR_OK;
}

enum err
parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *out)
{
	char num[32];
	size_t len = s ? strlen(s) : 0;
	uint64_t unit = 1000;
	unsigned long v;

	if (len == 0 || len >= sizeof num)
		return ERR_DATA;
	memcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 's': unit = 1000; num[--len] = '\0'; break;
	case 'm': unit = 60000; num[--len] = '\0'; break;
	case 'h': unit = 3600000; num[--len] = '\0'; break;
	case 'd': unit = 86400000; num[--len] = '\0'; break;
	default: break;
	}
	if (parse_uint(num, (unsigned long)(max_ms / unit), &v) != ERR_OK)
		return ERR_DATA;
	*out = (uint64_t)v * unit;
	return ERR_OK;
}

enum err
parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return ERR_OK;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return ERR_OK;
		}
	}
	return ERR_DATA;
}

char *
str_sanitize(char *out, size_t cap, const char *s, size_t len)
{
	size_t o = 0;
	if (cap == 0)
		return out;
	for (size_t i = 0; i < len && o + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		/* C1 controls appear in UTF-8 as 0xC2 0x80..0x9F. */
		if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9F) {
			out[o++] = '?';
			i++;
			continue;
		}
		out[o++] = (c < 0x20 || c == 0x7F) && c != '\t' ? '?' : (char)c;
	}
	out[o] = '\0';
	return out;
}

char *
str_trim(char *s)
{
	char *start = s;
	size_t len;
	while (*start == ' ' || *start == '\t')
		start++;
	len = strlen(start);
	while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
		len--;
	memmove(s, start, len);
	s[len] = '\0';
	return s;
}

bool
str_case_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool
has_ctl(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F)
			return true;
	}
	return false;
}

void
wipe(void *p, size_t n)
{
	if (p && n)
		gnutls_memset(p, 0, n);
}

void
random_bytes(void *out, size_t n)
{
	if (gnutls_rnd(GNUTLS_RND_NONCE, out, n) != 0)
		fatalx("random number generator failed");
}

void
random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t done = 0;
	while (done < nbytes) {
		size_t n = nbytes - done < sizeof raw ? nbytes - done : sizeof raw;
		random_bytes(raw, n);
		for (size_t i = 0; i < n; i++) {
			out[2 * (done + i)] = hex[raw[i] >> 4];
			out[2 * (done + i) + 1] = hex[raw[i] & 15];
		}
		done += n;
	}
	out[2 * nbytes] = '\0';
}

enum err
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return ERR_IO;
		c += w;
		n -= (size_t)w;
	}
	return ERR_OK;
}
