// SPDX-License-Identifier: MIT
/* test_msg.c: message intake (msg.h): line-end normalisation, the "."
 * terminator, -t extraction, Bcc removal, added headers and the limits.
 * Input comes from a memfd or a pipe; the result is read back from m.fd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include <regex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounds.h"
#include "msg.h"

/* Complete headers, so that nothing is added and output is predictable. */
#define HDRS "From: a@example.com\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <1@x>\n"
#define HDRS_CRLF "From: a@example.com\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n" \
	"Message-ID: <1@x>\r\n"

struct run {
	struct msg m;
	struct addr_list rcpts;
	struct buf err;
	char *out;          /* the message file, NUL-terminated copy */
	size_t len;
};

static struct msg_opts
opts(void)
{
	struct msg_opts o;
	memset(&o, 0, sizeof o);
	o.dot_ends = false;
	o.extract = false;
	o.full_name = "Alice Example";
	o.sender = "alice@example.com";
	o.hostname = "host.example";
	o.hfrom = HFROM_ADD;
	o.from_addr = NULL;
	o.tmpdir = "/tmp";
	return o;
}

static int
memfd_with(const char *data, size_t len)
{
	int fd = memfd_create("sealpost-test-in", MFD_CLOEXEC);
	size_t off = 0;
	assert_true(fd >= 0);
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		assert_true(n > 0);
		off += (size_t)n;
	}
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* Read the whole result file back into r->out. */
static void
slurp(struct run *r)
{
	struct stat st;
	assert_true(r->m.fd >= 0);
	assert_int_equal(fstat(r->m.fd, &st), 0);
	assert_true((uint64_t)st.st_size == r->m.size);
	r->len = (size_t)r->m.size;
	r->out = malloc(r->len + 1);
	assert_non_null(r->out);
	assert_int_equal(pread(r->m.fd, r->out, r->len, 0), (ssize_t)r->len);
	r->out[r->len] = '\0';
}

static enum err
run_len(struct run *r, const struct msg_opts *o, const char *in, size_t len)
{
	int fd = memfd_with(in, len);
	enum err rc;
	memset(r, 0, sizeof *r);
	addr_list_init(&r->rcpts);
	buf_init(&r->err, 4096);
	rc = msg_read(fd, o, &r->m, &r->rcpts, &r->err);
	close(fd);
	if (rc == ERR_OK)
		slurp(r);
	else
		assert_int_equal(r->m.fd, -1);     /* nothing left behind */
	return rc;
}

static enum err
run(struct run *r, const struct msg_opts *o, const char *in)
{
	return run_len(r, o, in, strlen(in));
}

static void
run_ok(struct run *r, const struct msg_opts *o, const char *in)
{
	enum err rc = run(r, o, in);
	if (rc != ERR_OK)
		fail_msg("msg_read: %s (%s)", err_str(rc), buf_str(&r->err));
}

static void
done(struct run *r)
{
	msg_close(&r->m);
	addr_list_free(&r->rcpts);
	buf_free(&r->err);
	free(r->out);
	r->out = NULL;
}

static void
expect_out(const struct run *r, const char *want)
{
	if (r->len != strlen(want) || memcmp(r->out, want, r->len) != 0)
		fail_msg("output:\n[%s]\nwant:\n[%s]", r->out, want);
}

/* The header block (up to and without the blank line). */
static size_t
header_len(const struct run *r)
{
	const char *e = strstr(r->out, "\r\n\r\n");
	assert_non_null(e);
	return (size_t)(e - r->out) + 2;
}

/* How many header fields (not continuation lines) start with name ':' . */
static int
count_field(const struct run *r, const char *name)
{
	size_t hl = header_len(r), nl = strlen(name);
	int n = 0;
	for (size_t i = 0; i < hl; ) {
		const char *eol = strstr(r->out + i, "\r\n");
		if (strncasecmp(r->out + i, name, nl) == 0 && r->out[i + nl] == ':')
			n++;
		i = (size_t)(eol - r->out) + 2;
	}
	return n;
}

/* The value line of the first field called name, without CRLF. */
static char *
field_line(const struct run *r, const char *name)
{
	size_t hl = header_len(r), nl = strlen(name);
	for (size_t i = 0; i < hl; ) {
		const char *eol = strstr(r->out + i, "\r\n");
		if (strncasecmp(r->out + i, name, nl) == 0 && r->out[i + nl] == ':') {
			size_t n = (size_t)(eol - (r->out + i));
			char *s = malloc(n + 1);
			assert_non_null(s);
			memcpy(s, r->out + i, n);
			s[n] = '\0';
			return s;
		}
		i = (size_t)(eol - r->out) + 2;
	}
	return NULL;
}

static const char *
body_of(const struct run *r)
{
	return r->out + header_len(r) + 2;
}

static void
assert_matches(const char *s, const char *re)
{
	regex_t rx;
	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&rx, s, 0, NULL, 0) != 0)
		fail_msg("\"%s\" does not match /%s/", s, re);
	regfree(&rx);
}

static void
expect_rcpts(const struct run *r, const char *const *want, size_t n)
{
	if (r->rcpts.n != n) {
		for (size_t i = 0; i < r->rcpts.n; i++)
			print_error("  rcpt[%zu] = %s\n", i, r->rcpts.v[i]);
		fail_msg("%zu recipients, want %zu", r->rcpts.n, n);
	}
	for (size_t i = 0; i < n; i++)
		assert_string_equal(r->rcpts.v[i], want[i]);
}

#define RCPTS(r, ...) \
	expect_rcpts((r), (const char *const[]){ __VA_ARGS__ }, \
	    sizeof (const char *const[]){ __VA_ARGS__ } / sizeof(const char *))

/* ---- line ends ---- */

static void
lf_becomes_crlf(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "Subject: s\n\nline1\nline2\n");
	expect_out(&r, HDRS_CRLF "Subject: s\r\n\r\nline1\r\nline2\r\n");
	assert_false(r.m.added_from);
	assert_false(r.m.added_date);
	assert_false(r.m.added_msgid);
	assert_true(r.m.size == r.len);
	done(&r);
}

static void
bare_cr_becomes_crlf_and_crlf_is_kept(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "Subject: s\r\n\r\na\rb\r\nc\n\rd\r\r\ne\r");
	expect_out(&r, HDRS_CRLF "Subject: s\r\n\r\na\r\nb\r\nc\r\n\r\nd\r\n\r\ne\r\n");
	done(&r);
}

static void
missing_final_newline_is_added(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "\nno newline at end");
	expect_out(&r, HDRS_CRLF "\r\nno newline at end\r\n");
	done(&r);
}

static void
pipe_input_works(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	static const char in[] = HDRS "\nvia a pipe\n";
	int p[2];
	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], in, sizeof in - 1), (ssize_t)(sizeof in - 1));
	close(p[1]);
	memset(&r, 0, sizeof r);
	addr_list_init(&r.rcpts);
	buf_init(&r.err, 1024);
	assert_int_equal(msg_read(p[0], &o, &r.m, &r.rcpts, &r.err), ERR_OK);
	close(p[0]);
	slurp(&r);
	expect_out(&r, HDRS_CRLF "\r\nvia a pipe\r\n");
	done(&r);
}

/* Build an input whose tail starts exactly at offset at (at a line start),
 * after the complete headers and filler lines; *want gets the expected
 * output for the same input when tail_out is its normalised form. */
static char *
boundary_input(size_t at, const char *tail, const char *tail_out, size_t *len, char **want)
{
	static const char head[] = HDRS "\n";
	static const char head_out[] = HDRS_CRLF "\r\n";
	size_t tl = strlen(tail), fill = at - (sizeof head - 1);
	char *in = malloc(at + tl + 1);
	char *w = malloc(2 * at + strlen(tail_out) + 1);
	size_t i = 0, o = 0;
	assert_non_null(in);
	assert_non_null(w);
	memcpy(in, head, sizeof head - 1);
	memcpy(w, head_out, sizeof head_out - 1);
	i = sizeof head - 1;
	o = sizeof head_out - 1;
	while (fill > 0) {
		/* Lines of 'f' of up to 80 bytes, the last one sized to fit. */
		size_t n = (fill > 81 ? 81 : fill) - 1;
		memset(in + i, 'f', n);
		in[i + n] = '\n';
		memset(w + o, 'f', n);
		w[o + n] = '\r';
		w[o + n + 1] = '\n';
		i += n + 1;
		o += n + 2;
		fill -= n + 1;
	}
	assert_int_equal(i, at);
	memcpy(in + i, tail, tl + 1);
	memcpy(w + o, tail_out, strlen(tail_out) + 1);
	*len = at + tl;
	*want = w;
	return in;
}

static void
crlf_split_across_read_chunks(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	char *in, *want;
	size_t len;
	(void)state;
	/* CR is the last byte of the first read, LF the first of the next. */
	in = boundary_input(BODY_CHUNK_SIZE - 5, "last\r\nnext\n", "last\r\nnext\r\n", &len, &want);
	assert_int_equal(in[BODY_CHUNK_SIZE - 1], '\r');
	assert_int_equal(in[BODY_CHUNK_SIZE], '\n');
	assert_int_equal(run_len(&r, &o, in, len), ERR_OK);
	expect_out(&r, want);
	done(&r);
	free(in);
	free(want);
	/* A bare CR at the end of a read is still one line end. */
	in = boundary_input(BODY_CHUNK_SIZE - 5, "last\rnext\n", "last\r\nnext\r\n", &len, &want);
	assert_int_equal(run_len(&r, &o, in, len), ERR_OK);
	expect_out(&r, want);
	done(&r);
	free(in);
	free(want);
}

static void
dot_line_split_across_read_chunks(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	char *in, *want;
	size_t len;
	(void)state;
	o.dot_ends = true;
	in = boundary_input(BODY_CHUNK_SIZE - 1, ".\nafter\n", "", &len, &want);
	assert_int_equal(in[BODY_CHUNK_SIZE - 1], '.');
	assert_int_equal(run_len(&r, &o, in, len), ERR_OK);
	expect_out(&r, want);
	done(&r);
	free(in);
	free(want);
}

/* ---- the "." line ---- */

static void
dot_line_ends_input_only_when_dot_ends(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	o.dot_ends = true;
	run_ok(&r, &o, HDRS "\na\n.\nb\n");
	expect_out(&r, HDRS_CRLF "\r\na\r\n");
	done(&r);
	run_ok(&r, &o, HDRS "\na\r\n.\r\nb\r\n");
	expect_out(&r, HDRS_CRLF "\r\na\r\n");
	done(&r);
	/* ".." and ". " are data, never the end. */
	run_ok(&r, &o, HDRS "\n..\n. \n.x\n");
	expect_out(&r, HDRS_CRLF "\r\n..\r\n. \r\n.x\r\n");
	done(&r);

	o.dot_ends = false;
	run_ok(&r, &o, HDRS "\na\n.\nb\n");
	expect_out(&r, HDRS_CRLF "\r\na\r\n.\r\nb\r\n");
	done(&r);
}

static void
dot_line_in_header_block_ends_input(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	o.dot_ends = true;
	run_ok(&r, &o, HDRS "Subject: s\n.\nBody: not read\n");
	expect_out(&r, HDRS_CRLF "Subject: s\r\n\r\n");
	done(&r);
}

/* ---- -t ---- */

static void
extract_to_cc_bcc(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	o.extract = true;
	run_ok(&r, &o, HDRS "To: a@x.example, B <b@y.example>\nCc: c@z.example\n"
	    "Bcc: d@w.example\nSubject: s\n\nbody\n");
	RCPTS(&r, "a@x.example", "b@y.example", "c@z.example", "d@w.example");
	expect_out(&r, HDRS_CRLF "To: a@x.example, B <b@y.example>\r\nCc: c@z.example\r\n"
	    "Subject: s\r\n\r\nbody\r\n");
	done(&r);
}

static void
extract_is_off_without_t(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "To: a@x.example\nCc: c@z.example\n\nbody\n");
	assert_int_equal(r.rcpts.n, 0);
	done(&r);
}

static void
extract_field_names_case_insensitive_and_folded(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	o.extract = true;
	run_ok(&r, &o, HDRS "TO: a@x.example,\n  b@x.example\ncc : c@x.example\n"
	    "X-To: not@x.example\nReply-To: not2@x.example\n\nbody\n");
	RCPTS(&r, "a@x.example", "b@x.example", "c@x.example");
	done(&r);
}

static void
extract_prefers_resent_fields(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	o.extract = true;
	run_ok(&r, &o, HDRS "To: orig@x.example\nCc: orig2@x.example\nBcc: orig3@x.example\n"
	    "Resent-From: r@x.example\nResent-To: new@x.example\nResent-Cc: new2@x.example\n"
	    "Resent-Bcc: new3@x.example\n\nbody\n");
	RCPTS(&r, "new@x.example", "new2@x.example", "new3@x.example");
	assert_null(strstr(r.out, "Resent-Bcc"));
	assert_null(strstr(r.out, "orig3@"));
	assert_null(strstr(r.out, "new3@"));
	assert_non_null(strstr(r.out, "Resent-To: new@x.example\r\n"));
	done(&r);
}

static void
extract_unions_with_command_line_and_dedupes(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	static const char in[] = HDRS "To: a@x.example, c@x.example\n\nbody\n";
	int fd = memfd_with(in, sizeof in - 1);
	(void)state;
	o.extract = true;
	memset(&r, 0, sizeof r);
	addr_list_init(&r.rcpts);
	buf_init(&r.err, 1024);
	assert_int_equal(addr_list_add(&r.rcpts, "c@X.EXAMPLE"), ERR_OK);
	assert_int_equal(msg_read(fd, &o, &r.m, &r.rcpts, &r.err), ERR_OK);
	close(fd);
	slurp(&r);
	RCPTS(&r, "c@X.EXAMPLE", "a@x.example");
	done(&r);
}

static void
extract_undisclosed_recipients_gives_none(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	o.extract = true;
	run_ok(&r, &o, HDRS "To: undisclosed-recipients:;\nBcc: hidden@x.example\n\nb\n");
	RCPTS(&r, "hidden@x.example");
	done(&r);
}

static void
extract_bad_address_header_is_data_error(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	o.extract = true;
	assert_int_equal(run(&r, &o, HDRS "To: \"unbalanced <a@x>\n\nbody\n"), ERR_DATA);
	assert_non_null(strstr(buf_str(&r.err), "To"));
	done(&r);
	assert_int_equal(run(&r, &o, HDRS "Cc: John Smith\n\nbody\n"), ERR_DATA);
	done(&r);
	/* Without -t the same header is just passed on. */
	o.extract = false;
	assert_int_equal(run(&r, &o, HDRS "To: \"unbalanced <a@x>\n\nbody\n"), ERR_OK);
	done(&r);
}

static void
extract_too_many_recipients_is_toobig(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	size_t cap = 64 * (SMTP_RCPT_MAX + 10), n = 0;
	char *in = malloc(cap);
	(void)state;
	assert_non_null(in);
	n += (size_t)snprintf(in + n, cap - n, HDRS "To: r0@x.example");
	for (int i = 1; i <= SMTP_RCPT_MAX; i++)
		n += (size_t)snprintf(in + n, cap - n, ",\n r%d@x.example", i);
	n += (size_t)snprintf(in + n, cap - n, "\n\nbody\n");
	o.extract = true;
	assert_int_equal(run_len(&r, &o, in, n), ERR_TOOBIG);
	done(&r);
	free(in);
}

/* A To: value longer than MSG_ADDRLIST_MAX must be refused, never cut:
 * a cut could turn the last address into a different, valid one. */
static void
extract_over_long_address_list_is_not_truncated(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	size_t cap = MSG_ADDRLIST_MAX + 64 * 1024, n = 0;
	char *in = malloc(cap);
	enum err rc;
	(void)state;
	assert_non_null(in);
	size_t vlen, sp;
	n += (size_t)snprintf(in + n, cap - n, HDRS "To: first@x.example,");
	vlen = strlen(" first@x.example,");
	/* Folded blank lines push the last address across the bound, so that
	 * a cut at MSG_ADDRLIST_MAX would leave "last@desti". */
	while (MSG_ADDRLIST_MAX - 10 - vlen > 900) {
		in[n++] = '\n';
		memset(in + n, ' ', 900);
		n += 900;
		vlen += 900;
	}
	sp = MSG_ADDRLIST_MAX - 10 - vlen;
	in[n++] = '\n';
	memset(in + n, ' ', sp);
	n += sp;
	n += (size_t)snprintf(in + n, cap - n, "last@destination.example\n\nbody\n");
	o.extract = true;
	rc = run_len(&r, &o, in, n);
	if (rc == ERR_OK) {
		for (size_t i = 0; i < r.rcpts.n; i++)
			if (strcmp(r.rcpts.v[i], "first@x.example") != 0 &&
			    strcmp(r.rcpts.v[i], "last@destination.example") != 0)
				fail_msg("truncated recipient \"%s\"", r.rcpts.v[i]);
		RCPTS(&r, "first@x.example", "last@destination.example");
	} else {
		assert_int_equal(rc, ERR_DATA);
	}
	done(&r);
	free(in);
}

/* ---- Bcc ---- */

static void
bcc_removed_without_extract(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "To: a@x\nBcc: secret@x.example\nSubject: s\n\nbody\n");
	expect_out(&r, HDRS_CRLF "To: a@x\r\nSubject: s\r\n\r\nbody\r\n");
	done(&r);
}

static void
folded_bcc_removed_entirely(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	o.extract = true;
	run_ok(&r, &o, HDRS "BCC: one@x.example,\n two@x.example,\n\tthree@x.example\n"
	    "Subject: s\n  continued\nbcc : four@x.example\n\nbody\nBcc: in body stays\n");
	RCPTS(&r, "one@x.example", "two@x.example", "three@x.example", "four@x.example");
	expect_out(&r, HDRS_CRLF "Subject: s\r\n  continued\r\n\r\nbody\r\nBcc: in body stays\r\n");
	done(&r);
}

/* ---- added headers ---- */

static void
missing_headers_added_exactly_once(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	char *s;
	(void)state;
	run_ok(&r, &o, "Subject: hello\n\nbody\n");
	assert_true(r.m.added_from);
	assert_true(r.m.added_date);
	assert_true(r.m.added_msgid);
	assert_int_equal(count_field(&r, "From"), 1);
	assert_int_equal(count_field(&r, "Date"), 1);
	assert_int_equal(count_field(&r, "Message-ID"), 1);
	assert_int_equal(count_field(&r, "Subject"), 1);
	s = field_line(&r, "Date");
	assert_matches(s, "^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
	    "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
	    "[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$");
	free(s);
	s = field_line(&r, "Message-ID");
	assert_matches(s, "^Message-ID: <[0-9a-f]{16}\\.[0-9a-f]{16}@host\\.example>$");
	free(s);
	s = field_line(&r, "From");
	assert_string_equal(s, "From: Alice Example <alice@example.com>");
	free(s);
	assert_string_equal(body_of(&r), "body\r\n");
	done(&r);
}

static void
present_headers_not_added_case_insensitive(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, "FROM: x@y.example\ndate: Tue, 2 Jan 2024 10:00:00 +0100\n"
	    "message-id: <abc@y.example>\n\nbody\n");
	assert_false(r.m.added_from);
	assert_false(r.m.added_date);
	assert_false(r.m.added_msgid);
	expect_out(&r, "FROM: x@y.example\r\ndate: Tue, 2 Jan 2024 10:00:00 +0100\r\n"
	    "message-id: <abc@y.example>\r\n\r\nbody\r\n");
	done(&r);
}

static void
message_ids_differ(void **state)
{
	struct run a, b;
	struct msg_opts o = opts();
	char *sa, *sb;
	(void)state;
	run_ok(&a, &o, "Subject: x\n\nb\n");
	run_ok(&b, &o, "Subject: x\n\nb\n");
	sa = field_line(&a, "Message-ID");
	sb = field_line(&b, "Message-ID");
	assert_string_not_equal(sa, sb);
	free(sa);
	free(sb);
	done(&a);
	done(&b);
}

static void
from_display_name_is_quoted_when_needed(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	char *s;
	(void)state;
	o.full_name = "Doe, John \"JD\"";
	run_ok(&r, &o, "Subject: x\n\nb\n");
	s = field_line(&r, "From");
	assert_string_equal(s, "From: \"Doe, John \\\"JD\\\"\" <alice@example.com>");
	free(s);
	done(&r);
}

static void
from_without_name(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	char *s;
	(void)state;
	o.full_name = "";
	run_ok(&r, &o, "Subject: x\n\nb\n");
	s = field_line(&r, "From");
	assert_string_equal(s, "From: alice@example.com");
	free(s);
	done(&r);
	o.sender = "";
	run_ok(&r, &o, "Subject: x\n\nb\n");
	s = field_line(&r, "From");
	assert_string_equal(s, "From: MAILER-DAEMON@host.example");
	free(s);
	done(&r);
}

/* cron runs with -FCronDaemon and may use the null sender: the added From
 * must still be a valid mailbox, "Name <MAILER-DAEMON@host>". */
static void
from_with_name_and_null_sender_is_well_formed(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	char *s;
	(void)state;
	o.full_name = "CronDaemon";
	o.sender = "";
	run_ok(&r, &o, "Subject: x\n\nb\n");
	s = field_line(&r, "From");
	assert_string_equal(s, "From: CronDaemon <MAILER-DAEMON@host.example>");
	free(s);
	done(&r);
}

/* However long -F is, the message must still get a From: field. */
static void
from_added_even_with_very_long_full_name(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	char name[2100];
	(void)state;
	memset(name, 'N', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	o.full_name = name;
	run_ok(&r, &o, "Subject: x\n\nb\n");
	assert_true(r.m.added_from);
	assert_int_equal(count_field(&r, "From"), 1);
	done(&r);
}

static void
header_from_replace(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	o.hfrom = HFROM_REPLACE;
	o.from_addr = "account@example.com";
	run_ok(&r, &o, "From: Spoofed <ceo@evil.example>\nSubject: x\n\nb\n");
	assert_int_equal(count_field(&r, "From"), 1);
	assert_null(strstr(r.out, "ceo@evil.example"));
	assert_non_null(strstr(r.out, "From: Alice Example <account@example.com>\r\n"));
	done(&r);
}

static void
no_header_block_gets_blank_line_after_added_headers(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, "Hello there, this is the body.\nsecond line\n");
	assert_int_equal(count_field(&r, "From"), 1);
	assert_int_equal(count_field(&r, "Date"), 1);
	assert_int_equal(count_field(&r, "Message-ID"), 1);
	assert_string_equal(body_of(&r), "Hello there, this is the body.\r\nsecond line\r\n");
	/* Exactly three header fields, then the blank line. */
	assert_int_equal(strncmp(r.out, "From: ", 6), 0);
	done(&r);
}

static void
non_header_line_ends_header_block(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "Subject: s\nthis line is not a header\nmore\n");
	expect_out(&r, HDRS_CRLF "Subject: s\r\n\r\nthis line is not a header\r\nmore\r\n");
	done(&r);
}

static void
header_only_message_gets_blank_line(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "Subject: s");
	expect_out(&r, HDRS_CRLF "Subject: s\r\n\r\n");
	done(&r);
}

static void
empty_input_is_a_valid_message(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, "");
	assert_true(r.m.added_from);
	assert_true(r.m.added_date);
	assert_true(r.m.added_msgid);
	assert_int_equal(count_field(&r, "From"), 1);
	assert_int_equal(count_field(&r, "Date"), 1);
	assert_int_equal(count_field(&r, "Message-ID"), 1);
	assert_string_equal(body_of(&r), "");
	assert_memory_equal(r.out + r.len - 4, "\r\n\r\n", 4);
	assert_false(r.m.eightbit);
	done(&r);
}

/* ---- mbox From_ line ---- */

static void
mbox_from_line_dropped(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, "From alice@example.com Mon Jan  1 00:00:00 2024\n" HDRS "\nbody\n"
	    "From here on it is body\n");
	expect_out(&r, HDRS_CRLF "\r\nbody\r\nFrom here on it is body\r\n");
	done(&r);
}

static void
from_colon_first_line_is_kept(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "\nbody\n");
	assert_int_equal(strncmp(r.out, "From: a@example.com\r\n", 21), 0);
	done(&r);
}

/* ---- errors and limits ---- */

static void
nul_byte_is_data_error(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	static const char in_body[] = HDRS "\nbo\0dy\n";
	static const char in_hdr[] = "Subject: a\0b\n\nbody\n";
	(void)state;
	assert_int_equal(run_len(&r, &o, in_body, sizeof in_body - 1), ERR_DATA);
	assert_non_null(strstr(buf_str(&r.err), "NUL"));
	done(&r);
	assert_int_equal(run_len(&r, &o, in_hdr, sizeof in_hdr - 1), ERR_DATA);
	done(&r);
}

static void
line_length_bound_998(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	char in[sizeof HDRS + 2000];
	size_t h = sizeof HDRS - 1;
	(void)state;
	memcpy(in, HDRS "\n", h + 1);
	memset(in + h + 1, 'x', 998);
	memcpy(in + h + 1 + 998, "\n", 2);
	run_ok(&r, &o, in);
	assert_true(r.m.size == (sizeof HDRS_CRLF - 1) + 2 + 998 + 2);
	done(&r);
	memset(in + h + 1, 'x', 999);
	memcpy(in + h + 1 + 999, "\n", 2);
	assert_int_equal(run(&r, &o, in), ERR_DATA);
	assert_non_null(strstr(buf_str(&r.err), "998"));
	done(&r);
	/* CRLF does not count towards the 998. */
	memset(in + h + 1, 'x', 998);
	memcpy(in + h + 1 + 998, "\r\n", 3);
	run_ok(&r, &o, in);
	done(&r);
	/* The same in a header field. */
	memcpy(in, "Subject: ", 9);
	memset(in + 9, 's', 990);
	memcpy(in + 999, "\n\nbody\n", 8);
	assert_int_equal(run(&r, &o, in), ERR_DATA);
	done(&r);
	/* A final line without newline is bounded too. */
	memcpy(in, HDRS "\n", h + 1);
	memset(in + h + 1, 'x', 999);
	in[h + 1 + 999] = '\0';
	assert_int_equal(run(&r, &o, in), ERR_DATA);
	done(&r);
}

static void
header_block_bound(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	size_t cap = MSG_HEADER_MAX + 8192, n = 0;
	char *in = malloc(cap);
	(void)state;
	assert_non_null(in);
	n += (size_t)snprintf(in, cap, "X-Big: start\n");
	while (n < MSG_HEADER_MAX + 2000) {
		in[n++] = ' ';
		memset(in + n, 'h', 900);
		n += 900;
		in[n++] = '\n';
	}
	memcpy(in + n, "\nbody\n", 6);
	n += 6;
	assert_int_equal(run_len(&r, &o, in, n), ERR_DATA);
	done(&r);
	free(in);
}

static void
eightbit_flag(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "\nplain ascii\n");
	assert_false(r.m.eightbit);
	done(&r);
	run_ok(&r, &o, HDRS "\ncaf\xc3\xa9\n");
	assert_true(r.m.eightbit);
	done(&r);
	run_ok(&r, &o, "Subject: \xe2\x82\xac\n\nascii\n");
	assert_true(r.m.eightbit);
	done(&r);
}

static void
unwritable_tmpdir_is_spool_error(void **state)
{
	struct run r;
	struct msg_opts o = opts();
	(void)state;
	o.tmpdir = "/nonexistent/sealpost-test";
	assert_int_equal(run(&r, &o, HDRS "\nbody\n"), ERR_SPOOL);
	assert_true(r.err.len > 0);
	done(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lf_becomes_crlf),
		cmocka_unit_test(bare_cr_becomes_crlf_and_crlf_is_kept),
		cmocka_unit_test(missing_final_newline_is_added),
		cmocka_unit_test(pipe_input_works),
		cmocka_unit_test(crlf_split_across_read_chunks),
		cmocka_unit_test(dot_line_split_across_read_chunks),
		cmocka_unit_test(dot_line_ends_input_only_when_dot_ends),
		cmocka_unit_test(dot_line_in_header_block_ends_input),
		cmocka_unit_test(extract_to_cc_bcc),
		cmocka_unit_test(extract_is_off_without_t),
		cmocka_unit_test(extract_field_names_case_insensitive_and_folded),
		cmocka_unit_test(extract_prefers_resent_fields),
		cmocka_unit_test(extract_unions_with_command_line_and_dedupes),
		cmocka_unit_test(extract_undisclosed_recipients_gives_none),
		cmocka_unit_test(extract_bad_address_header_is_data_error),
		cmocka_unit_test(extract_too_many_recipients_is_toobig),
		cmocka_unit_test(extract_over_long_address_list_is_not_truncated),
		cmocka_unit_test(bcc_removed_without_extract),
		cmocka_unit_test(folded_bcc_removed_entirely),
		cmocka_unit_test(missing_headers_added_exactly_once),
		cmocka_unit_test(present_headers_not_added_case_insensitive),
		cmocka_unit_test(message_ids_differ),
		cmocka_unit_test(from_display_name_is_quoted_when_needed),
		cmocka_unit_test(from_without_name),
		cmocka_unit_test(from_with_name_and_null_sender_is_well_formed),
		cmocka_unit_test(from_added_even_with_very_long_full_name),
		cmocka_unit_test(header_from_replace),
		cmocka_unit_test(no_header_block_gets_blank_line_after_added_headers),
		cmocka_unit_test(non_header_line_ends_header_block),
		cmocka_unit_test(header_only_message_gets_blank_line),
		cmocka_unit_test(empty_input_is_a_valid_message),
		cmocka_unit_test(mbox_from_line_dropped),
		cmocka_unit_test(from_colon_first_line_is_kept),
		cmocka_unit_test(nul_byte_is_data_error),
		cmocka_unit_test(line_length_bound_998),
		cmocka_unit_test(header_block_bound),
		cmocka_unit_test(eightbit_flag),
		cmocka_unit_test(unwritable_tmpdir_is_spool_error),
	};
	return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
