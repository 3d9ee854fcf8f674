// SPDX-License-Identifier: MIT
/* fuzz_msg.c: message intake (msg.h): line-end normalisation, header
 * parsing, -t extraction, Bcc removal and the added headers. The input
 * after the first byte is the message, given through a memfd; the first
 * byte chooses dot_ends, header_from and the sender. The result must be
 * CRLF-canonical, free of NUL and Bcc fields, with lines of at most 998
 * octets and exactly the size reported; its header 7-bit unless it was
 * kept UTF-8 for SMTPUTF8 (issue #11). The first byte also chooses header
 * address qualification and whether half of the input comes as a prefix
 * (msg_peek_header()'s bytes); msg_header_sender() reads the input too
 * (--read-envelope-from, issue #12). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounds.h"
#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_output(const struct msg *m)
{
	struct stat st;
	char *out;
	size_t len, start = 0;
	bool in_header = true;

	if (fstat(m->fd, &st) != 0 || (uint64_t)st.st_size != m->size)
		abort();
	len = (size_t)m->size;
	out = malloc(len ? len : 1);
	if (!out)
		abort();
	if (pread(m->fd, out, len, 0) != (ssize_t)len)
		abort();
	if (len < 2 || memcmp(out + len - 2, "\r\n", 2) != 0)
		abort();
	for (size_t i = 0; i < len; i++) {
		if (out[i] == '\0')
			abort();
		if (out[i] == '\r' && (i + 1 >= len || out[i + 1] != '\n'))
			abort();
		if (out[i] != '\n')
			continue;
		if (i == 0 || out[i - 1] != '\r')
			abort();
		size_t linelen = i - 1 - start;
		if (linelen > MSG_LINE_MAX)
			abort();
		if (in_header) {
			const char *l = out + start;
			size_t k = 0;
			if (linelen == 0)
				in_header = false;
			for (size_t k = 0; !m->hdr_utf8 && k < linelen; k++)
				if ((unsigned char)l[k] >= 0x80)
					abort();
			/* "Bcc" or "Resent-Bcc", optional blanks, ':'. */
			if (linelen >= 7 && strncasecmp(l, "Resent-", 7) == 0)
				k = 7;
			if (linelen >= k + 3 && strncasecmp(l + k, "Bcc", 3) == 0) {
				k += 3;
				while (k < linelen && (l[k] == ' ' || l[k] == '\t'))
					k++;
				if (k < linelen && l[k] == ':')
					abort();
			}
		}
		start = i + 1;
	}
	if (in_header)
		abort();    /* there is always a blank line after the header */
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_opts o;
	struct msg m;
	struct addr_list rcpts;
	struct buf err;
	enum err rc;
	int fd;
	uint8_t flags = size ? data[0] : 0;

	if (size) {
		data++;
		size--;
	}
	memset(&o, 0, sizeof o);
	o.dot_ends = flags & 1;
	o.extract = true;
	o.full_name = flags & 2 ? "Fuzz Name" : "";
	o.sender = flags & 4 ? "" : "sender@example.com";
	o.hostname = "host.example";
	o.hfrom = flags & 8 ? HFROM_REPLACE : HFROM_ADD;
	o.from_addr = flags & 16 ? "account@example.com" : NULL;
	o.tmpdir = "/tmp";
	o.anon_dirfd = -1;
	o.fds[0] = o.fds[1] = -1;
	o.qualify_domain = flags & 32 ? "q.example" : NULL;

	/* The sender a --read-envelope-from would take: none, one
	 * address without line breaks, or a refusal with a reason. */
	{
		struct buf why;
		char *a = NULL;
		buf_init(&why, 1024);
		enum err src = msg_header_sender((const char *)data, size, &a, &why);
		if (src != ERR_OK && (src != ERR_DATA || a || why.len == 0))
			abort();
		if (a && (!*a || strchr(a, '\r') || strchr(a, '\n') || strlen(a) > MSG_ADDR_MAX))
			abort();
		free(a);
		buf_free(&why);
	}

	fd = memfd_create("fuzz-msg", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (flags & 64) {
		o.prefix = (const char *)data;
		o.prefix_len = size / 2;
		data += size / 2;
		size -= size / 2;
	}
	for (size_t off = 0; off < size; ) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();

	addr_list_init(&rcpts);
	buf_init(&err, 4096);
	rc = msg_read(fd, &o, &m, &rcpts, &err);
	if (rc == ERR_OK) {
		check_output(&m);
		if (rcpts.n > SMTP_RCPT_MAX)
			abort();
	} else {
		if (rc != ERR_DATA && rc != ERR_TOOBIG)
			abort();
		if (m.fd != -1 || err.len == 0)
			abort();
	}
	msg_close(&m);
	addr_list_free(&rcpts);
	buf_free(&err);
	close(fd);
	return 0;
}
