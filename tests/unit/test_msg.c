// SPDX-License-Identifier: MIT
/* test_msg.c: message intake (msg.h): line-end normalisation, the "."
 * terminator, -t extraction, Bcc removal, added headers, the limits and
 * the doc/decisions.md D8 re-encoding of over-long lines.
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

#include <fcntl.h>
#include <regex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounds.h"
#include "mime.h"
#include "msg.h"
#include "qp.h"

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

/* Memory and runs of the current test, released by cleanup() even when an
 * assertion ends the test early (so LeakSanitizer reports only real leaks).
 * That is why every test's struct run is static: cleanup() runs after the
 * test's stack frame is gone. */
#define SCRATCH_MAX 16
#define LIVE_MAX 4
static void *scratch[SCRATCH_MAX];
static size_t nscratch;
static struct run *live[LIVE_MAX];
static size_t nlive;

static void *
tmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	assert_non_null(p);
	assert_true(nscratch < SCRATCH_MAX);
	scratch[nscratch++] = p;
	return p;
}

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
	o.anon_dirfd = -1;
	o.fds[0] = o.fds[1] = -1;
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

static void
track(struct run *r)
{
	for (size_t i = 0; i < nlive; i++)
		if (live[i] == r)
			return;
	assert_true(nlive < LIVE_MAX);
	live[nlive++] = r;
}

static enum err
run_len(struct run *r, const struct msg_opts *o, const char *in, size_t len)
{
	int fd = memfd_with(in, len);
	enum err rc;
	memset(r, 0, sizeof *r);
	track(r);
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
	for (size_t i = 0; i < nlive; i++) {
		if (live[i] == r) {
			live[i] = live[--nlive];
			break;
		}
	}
}

static int
cleanup(void **state)
{
	(void)state;
	while (nlive > 0)
		done(live[nlive - 1]);
	while (nscratch > 0)
		free(scratch[--nscratch]);
	return 0;
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
			char *s = tmalloc(n + 1);
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
	int nomatch;
	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	nomatch = regexec(&rx, s, 0, NULL, 0);
	regfree(&rx);
	if (nomatch)
		fail_msg("\"%s\" does not match /%s/", s, re);
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
	static struct run r;
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

/* RFC 8689 section 3: "TLS-Required: No" is noted (any case, folded,
 * blanks around it) and kept in the message; no other value counts. */
static void
tls_required_no_is_noted_and_kept(void **state)
{
	static const struct {
		const char *field;
		bool no;
	} cases[] = {
		{ "TLS-Required: No\n", true },
		{ "tls-required:   nO  \n", true },
		{ "TLS-Required:\n No\n", true },
		{ "TLS-Required : No\n", true },
		{ "TLS-Required: Yes\n", false },
		{ "TLS-Required: No thanks\n", false },
		{ "TLS-Required:\n", false },
		{ "X-TLS-Required: No\n", false },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		static struct run r;
		struct msg_opts o = opts();
		char in[256];
		snprintf(in, sizeof in, HDRS "%sSubject: s\n\nbody\n", cases[i].field);
		run_ok(&r, &o, in);
		if (r.m.tls_optional != cases[i].no)
			fail_msg("%s: tls_optional %d", cases[i].field, r.m.tls_optional);
		assert_non_null(strstr(r.out, "Subject: s\r\n"));
		if (cases[i].no)
			assert_non_null(strcasestr(r.out, "TLS-Required"));
		done(&r);
	}
}

static void
bare_cr_becomes_crlf_and_crlf_is_kept(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "Subject: s\r\n\r\na\rb\r\nc\n\rd\r\r\ne\r");
	expect_out(&r, HDRS_CRLF "Subject: s\r\n\r\na\r\nb\r\nc\r\n\r\nd\r\n\r\ne\r\n");
	done(&r);
}

static void
missing_final_newline_is_added(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "\nno newline at end");
	expect_out(&r, HDRS_CRLF "\r\nno newline at end\r\n");
	done(&r);
}

static void
pipe_input_works(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	static const char in[] = HDRS "\nvia a pipe\n";
	int p[2];
	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], in, sizeof in - 1), (ssize_t)(sizeof in - 1));
	close(p[1]);
	memset(&r, 0, sizeof r);
	track(&r);
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
	char *in = tmalloc(at + tl + 1);
	char *w = tmalloc(2 * at + strlen(tail_out) + 1);
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
	static struct run r;
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
	/* A bare CR at the end of a read is still one line end. */
	in = boundary_input(BODY_CHUNK_SIZE - 5, "last\rnext\n", "last\r\nnext\r\n", &len, &want);
	assert_int_equal(run_len(&r, &o, in, len), ERR_OK);
	expect_out(&r, want);
	done(&r);
}

static void
dot_line_split_across_read_chunks(void **state)
{
	static struct run r;
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
}

/* ---- the "." line ---- */

static void
dot_line_ends_input_only_when_dot_ends(void **state)
{
	static struct run r;
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
	static struct run r;
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
	static struct run r;
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
	static struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "To: a@x.example\nCc: c@z.example\n\nbody\n");
	assert_int_equal(r.rcpts.n, 0);
	done(&r);
}

static void
extract_field_names_case_insensitive_and_folded(void **state)
{
	static struct run r;
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
	static struct run r;
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
	static struct run r;
	struct msg_opts o = opts();
	static const char in[] = HDRS "To: a@x.example, c@x.example\n\nbody\n";
	int fd = memfd_with(in, sizeof in - 1);
	(void)state;
	o.extract = true;
	memset(&r, 0, sizeof r);
	track(&r);
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
	static struct run r;
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
	static struct run r;
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
	static struct run r;
	struct msg_opts o = opts();
	size_t cap = 64 * (SMTP_RCPT_MAX + 10), n = 0;
	char *in = tmalloc(cap);
	(void)state;
	assert_non_null(in);
	n += (size_t)snprintf(in + n, cap - n, HDRS "To: r0@x.example");
	for (int i = 1; i <= SMTP_RCPT_MAX; i++)
		n += (size_t)snprintf(in + n, cap - n, ",\n r%d@x.example", i);
	n += (size_t)snprintf(in + n, cap - n, "\n\nbody\n");
	o.extract = true;
	assert_int_equal(run_len(&r, &o, in, n), ERR_TOOBIG);
	done(&r);
}

/* A To: value longer than MSG_ADDRLIST_MAX must be refused, never cut:
 * a cut could turn the last address into a different, valid one. */
static void
extract_over_long_address_list_is_not_truncated(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	size_t cap = MSG_ADDRLIST_MAX + 64 * 1024, n = 0;
	char *in = tmalloc(cap);
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
}

/* ---- Bcc ---- */

static void
bcc_removed_without_extract(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "To: a@x\nBcc: secret@x.example\nSubject: s\n\nbody\n");
	expect_out(&r, HDRS_CRLF "To: a@x\r\nSubject: s\r\n\r\nbody\r\n");
	done(&r);
}

static void
folded_bcc_removed_entirely(void **state)
{
	static struct run r;
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
	static struct run r;
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
	s = field_line(&r, "Message-ID");
	assert_matches(s, "^Message-ID: <[0-9a-f]{16}\\.[0-9a-f]{16}@host\\.example>$");
	s = field_line(&r, "From");
	assert_string_equal(s, "From: Alice Example <alice@example.com>");
	assert_string_equal(body_of(&r), "body\r\n");
	done(&r);
}

static void
present_headers_not_added_case_insensitive(void **state)
{
	static struct run r;
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
	static struct run a, b;
	struct msg_opts o = opts();
	char *sa, *sb;
	(void)state;
	run_ok(&a, &o, "Subject: x\n\nb\n");
	run_ok(&b, &o, "Subject: x\n\nb\n");
	sa = field_line(&a, "Message-ID");
	sb = field_line(&b, "Message-ID");
	assert_string_not_equal(sa, sb);
	done(&a);
	done(&b);
}

static void
from_display_name_is_quoted_when_needed(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *s;
	(void)state;
	o.full_name = "Doe, John \"JD\"";
	run_ok(&r, &o, "Subject: x\n\nb\n");
	s = field_line(&r, "From");
	assert_string_equal(s, "From: \"Doe, John \\\"JD\\\"\" <alice@example.com>");
	done(&r);
}

static void
from_without_name(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *s;
	(void)state;
	o.full_name = "";
	run_ok(&r, &o, "Subject: x\n\nb\n");
	s = field_line(&r, "From");
	assert_string_equal(s, "From: alice@example.com");
	done(&r);
	o.sender = "";
	run_ok(&r, &o, "Subject: x\n\nb\n");
	s = field_line(&r, "From");
	assert_string_equal(s, "From: MAILER-DAEMON@host.example");
	done(&r);
}

/* cron runs with -FCronDaemon and may use the null sender: the added From
 * must still be a valid mailbox, "Name <MAILER-DAEMON@host>". */
static void
from_with_name_and_null_sender_is_well_formed(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *s;
	(void)state;
	o.full_name = "CronDaemon";
	o.sender = "";
	run_ok(&r, &o, "Subject: x\n\nb\n");
	s = field_line(&r, "From");
	assert_string_equal(s, "From: CronDaemon <MAILER-DAEMON@host.example>");
	done(&r);
}

/* However long -F is, the message must still get a From: field. */
static void
from_added_even_with_very_long_full_name(void **state)
{
	static struct run r;
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

/* The whole field called name, continuation lines and their CRLFs
 * included, without the final CRLF. */
static char *
field_folded(const struct run *r, const char *name)
{
	size_t hl = header_len(r), nl = strlen(name);
	for (size_t i = 0; i < hl; ) {
		const char *eol = strstr(r->out + i, "\r\n");
		if (strncasecmp(r->out + i, name, nl) == 0 && r->out[i + nl] == ':') {
			const char *e = eol;
			while (e[2] == ' ' || e[2] == '\t')
				e = strstr(e + 2, "\r\n");
			size_t n = (size_t)(e - (r->out + i));
			char *s = tmalloc(n + 1);
			memcpy(s, r->out + i, n);
			s[n] = '\0';
			return s;
		}
		i = (size_t)(eol - r->out) + 2;
	}
	return NULL;
}

/* The From: that -F name (and sender) give, as whole field; every line
 * within 78 octets, 76 with an encoded word (RFC 2047 2), all ASCII. */
static char *
generated_from(const char *name, const char *sender, enum header_from hfrom,
    const char *from_addr)
{
	static struct run r;
	struct msg_opts o = opts();
	char *s;
	o.full_name = name;
	o.sender = sender;
	o.hfrom = hfrom;
	o.from_addr = from_addr;
	run_ok(&r, &o, hfrom == HFROM_REPLACE ? "From: x@y.example\nSubject: x\n\nb\n" :
	    "Subject: x\n\nb\n");
	assert_int_equal(count_field(&r, "From"), 1);
	s = field_folded(&r, "From");
	assert_non_null(s);
	done(&r);
	for (const char *l = s; *l; ) {
		size_t n = strcspn(l, "\r");
		size_t max = memmem(l, n, "=?", 2) ? 76 : 78, tn = n;
		const char *t = l;
		if (tn >= 5 && memcmp(t, "From:", 5) == 0) {
			t += 5;
			tn -= 5;
		}
		/* Only an address alone on its line may be longer. */
		bool lone = tn > 1 && t[0] == ' ' && !memchr(t + 1, ' ', tn - 1);
		if (n > max && !lone)
			fail_msg("line of %zu octets (max %zu): [%.*s]", n, max, (int)n, l);
		for (size_t i = 0; i < n; i++)
			assert_true((unsigned char)l[i] < 0x80);
		l += n + (l[n] ? 2 : 0);
	}
	return s;
}

static void
from_short_ascii_name_on_one_line(void **state)
{
	(void)state;
	assert_string_equal(generated_from("Alice Example", "alice@example.com", HFROM_ADD, NULL),
	    "From: Alice Example <alice@example.com>");
	/* Runs of blanks in the name become one space. */
	assert_string_equal(generated_from("  Alice \t  Example ", "alice@example.com",
	    HFROM_ADD, NULL), "From: Alice Example <alice@example.com>");
	assert_string_equal(generated_from("Alice Example", "alice@example.com",
	    HFROM_REPLACE, "acct@example.com"), "From: Alice Example <acct@example.com>");
}

/* 200 octets of ASCII: folded between words, the address where it fits. */
static void
from_long_ascii_name_is_folded(void **state)
{
	char name[201];
	(void)state;
	for (int i = 0; i < 25; i++)
		memcpy(name + 8 * i, "Abcdefg ", 8);
	name[199] = 'h';
	name[200] = '\0';
	assert_string_equal(generated_from(name, "alice@example.com", HFROM_ADD, NULL),
	    "From: Abcdefg Abcdefg Abcdefg Abcdefg Abcdefg Abcdefg Abcdefg Abcdefg Abcdefg\r\n"
	    " Abcdefg Abcdefg Abcdefg Abcdefg Abcdefg Abcdefg Abcdefg Abcdefg Abcdefg\r\n"
	    " Abcdefg Abcdefg Abcdefg Abcdefg Abcdefg Abcdefg Abcdefgh <alice@example.com>");
	/* One 200-octet word fits no line: encoded words, which may be split. */
	memset(name, 'x', 200);
	assert_string_equal(generated_from(name, "alice@example.com", HFROM_ADD, NULL),
	    "From: =?UTF-8?B?eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4?=\r\n"
	    " =?UTF-8?B?eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4?=\r\n"
	    " =?UTF-8?B?eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4?=\r\n"
	    " =?UTF-8?B?eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4?=\r\n"
	    " =?UTF-8?B?eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg=?=\r\n"
	    " <alice@example.com>");
}

/* 60 CJK characters (180 octets): encoded words of 14 whole characters. */
static void
from_long_non_ascii_name_is_encoded_and_folded(void **state)
{
	char name[181];
	(void)state;
	for (int i = 0; i < 60; i++)
		memcpy(name + 3 * i, "\xe6\xbc\xa2", 3);    /* U+6F22 */
	name[180] = '\0';
	assert_string_equal(generated_from(name, "alice@example.com", HFROM_ADD, NULL),
	    "From: =?UTF-8?B?5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi?=\r\n"
	    " =?UTF-8?B?5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi?=\r\n"
	    " =?UTF-8?B?5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi?=\r\n"
	    " =?UTF-8?B?5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi5ryi?=\r\n"
	    " =?UTF-8?B?5ryi5ryi5ryi5ryi?= <alice@example.com>");
	assert_string_equal(generated_from("J\xc3\xbcrgen", "alice@example.com",
	    HFROM_REPLACE, "acct@example.com"),
	    "From: =?UTF-8?B?SsO8cmdlbg==?= <acct@example.com>");
}

/* Specials make a quoted string, which may be folded at its spaces. */
static void
from_name_with_specials_is_quoted_and_folded(void **state)
{
	(void)state;
	assert_string_equal(generated_from("Doe, John \"JD\" (Boss) \\ x", "alice@example.com",
	    HFROM_ADD, NULL), "From: \"Doe, John \\\"JD\\\" (Boss) \\\\ x\" <alice@example.com>");
	assert_string_equal(generated_from("O'Brien, Mary-Kate (Accounts Payable, Northern"
	    " Region) \"MK\" of Example Industries Ltd.", "alice@example.com", HFROM_ADD, NULL),
	    "From: \"O'Brien, Mary-Kate (Accounts Payable, Northern Region) \\\"MK\\\" of\r\n"
	    " Example Industries Ltd.\" <alice@example.com>");
	/* Text that looks like an encoded word is quoted, so it stays text. */
	assert_string_equal(generated_from("=?UTF-8?B?QUJD?=", "alice@example.com",
	    HFROM_ADD, NULL), "From: \"=?UTF-8?B?QUJD?=\" <alice@example.com>");
}

/* A long address goes on a line of its own; it is never split. */
static void
from_long_address_gets_its_own_line(void **state)
{
	(void)state;
	assert_string_equal(generated_from("Alice Example", "alice@example.com",
	    HFROM_REPLACE, "a-rather-long-local-part@mail.a-long-subdomain.example.com"),
	    "From: Alice Example\r\n"
	    " <a-rather-long-local-part@mail.a-long-subdomain.example.com>");
	/* Alone, it stays where it is, however long. */
	assert_string_equal(generated_from("", "a-rather-long-local-part-for-alice-and-her-friends@"
	    "mail.a-long-subdomain.example.com", HFROM_ADD, NULL),
	    "From: a-rather-long-local-part-for-alice-and-her-friends@"
	    "mail.a-long-subdomain.example.com");
}

static void
header_from_replace(void **state)
{
	static struct run r;
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
	static struct run r;
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
	static struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "Subject: s\nthis line is not a header\nmore\n");
	expect_out(&r, HDRS_CRLF "Subject: s\r\n\r\nthis line is not a header\r\nmore\r\n");
	done(&r);
}

static void
header_only_message_gets_blank_line(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "Subject: s");
	expect_out(&r, HDRS_CRLF "Subject: s\r\n\r\n");
	done(&r);
}

static void
empty_input_is_a_valid_message(void **state)
{
	static struct run r;
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
	static struct run r;
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
	static struct run r;
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
	static struct run r;
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

/* Every line of the result ends in CRLF and has at most 998 octets. */
static void
assert_lines_bounded(const struct run *r)
{
	size_t start = 0;
	for (size_t i = 0; i < r->len; i++) {
		if (r->out[i] != '\n')
			continue;
		assert_true(i > 0 && r->out[i - 1] == '\r');
		if (i - 1 - start > MSG_LINE_MAX)
			fail_msg("line at offset %zu has %zu octets", start, i - 1 - start);
		start = i + 1;
	}
	assert_int_equal(start, r->len);
}

/* Decode the quoted-printable body of a result into out (arena memory). */
static char *
qp_body(const struct run *r, size_t *len)
{
	const char *b = body_of(r);
	struct buf out;
	char *copy;
	buf_init(&out, r->len + 1);
	assert_int_equal(qp_decode(b, r->len - (size_t)(b - r->out), &out), ERR_OK);
	copy = tmalloc(out.len + 1);
	memcpy(copy, buf_str(&out), out.len + 1);
	*len = out.len;
	buf_free(&out);
	return copy;
}

static void
body_line_of_998_is_kept_as_is(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *in = tmalloc(sizeof HDRS + 2000);
	size_t h = sizeof HDRS - 1;
	(void)state;
	memcpy(in, HDRS "\n", h + 1);
	memset(in + h + 1, 'x', 998);
	memcpy(in + h + 1 + 998, "\n", 2);
	run_ok(&r, &o, in);
	assert_true(r.m.size == (sizeof HDRS_CRLF - 1) + 2 + 998 + 2);
	assert_null(strstr(r.out, "quoted-printable"));
	done(&r);
	/* CRLF does not count towards the 998. */
	memcpy(in + h + 1 + 998, "\r\n", 3);
	run_ok(&r, &o, in);
	assert_true(r.m.size == (sizeof HDRS_CRLF - 1) + 2 + 998 + 2);
	done(&r);
}

/* doc/decisions.md D8: a body line over 998 octets makes the body quoted-printable, and
 * decoding it gives back every byte. */
static void
long_body_line_becomes_quoted_printable(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	size_t cap = 8192, n = 0, dlen;
	char *in = tmalloc(cap), *want = tmalloc(cap), *dec;
	size_t w = 0;
	(void)state;
	n += (size_t)snprintf(in, cap, HDRS "Subject: long\n\nshort = line\n");
	w += (size_t)snprintf(want, cap, "short = line\r\n");
	memset(in + n, 'x', 999);
	memset(want + w, 'x', 999);
	n += 999;
	w += 999;
	n += (size_t)snprintf(in + n, cap - n, "\nFrom here\n.\ncaf\xc3\xa9 end  \n");
	w += (size_t)snprintf(want + w, cap - w, "\r\nFrom here\r\n.\r\ncaf\xc3\xa9 end  \r\n");
	run_ok(&r, &o, in);
	assert_lines_bounded(&r);
	assert_int_equal(count_field(&r, "MIME-Version"), 1);
	assert_int_equal(count_field(&r, "Content-Transfer-Encoding"), 1);
	assert_non_null(strstr(r.out, "Content-Transfer-Encoding: quoted-printable\r\n"));
	assert_int_equal(count_field(&r, "Subject"), 1);
	dec = qp_body(&r, &dlen);
	assert_int_equal(dlen, w);
	assert_memory_equal(dec, want, w);
	done(&r);
}

static void
long_final_line_without_newline_is_reencoded(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *in = tmalloc(sizeof HDRS + 3000), *dec;
	size_t h = sizeof HDRS - 1, dlen;
	(void)state;
	memcpy(in, HDRS "\n", h + 1);
	memset(in + h + 1, 'y', 2500);
	in[h + 1 + 2500] = '\0';
	run_ok(&r, &o, in);
	assert_lines_bounded(&r);
	dec = qp_body(&r, &dlen);
	assert_int_equal(dlen, 2502);
	for (size_t i = 0; i < 2500; i++)
		assert_int_equal(dec[i], 'y');
	assert_memory_equal(dec + 2500, "\r\n", 2);
	done(&r);
}

/* The line that ends the header block (here: no header block at all) is
 * the first body line, and is bounded and re-encoded like any other. */
static void
long_first_body_line_is_reencoded(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *in = tmalloc(2000), *dec;
	size_t dlen;
	(void)state;
	memset(in, 'x', 1200);
	memcpy(in + 1200, "\nsecond\n", 9);
	run_ok(&r, &o, in);
	assert_lines_bounded(&r);
	dec = qp_body(&r, &dlen);
	assert_int_equal(dlen, 1200 + 2 + 8);
	assert_memory_equal(dec + 1200, "\r\nsecond\r\n", 10);
	done(&r);
	/* After real header fields, ended by a line that is not one. */
	memcpy(in, "Subject: s\n", 11);
	memset(in + 11, 'x', 1200);
	memcpy(in + 11 + 1200, "\n", 2);
	run_ok(&r, &o, in);
	assert_lines_bounded(&r);
	done(&r);
}

/* Re-encoding must not let a part's over-long header line through as it
 * is: it is folded or refused, never sent over 998 octets. */
static void
long_mime_part_header_line_is_never_sent_as_is(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *in = tmalloc(8192);
	size_t n;
	enum err rc;
	(void)state;
	n = (size_t)snprintf(in, 8192, HDRS "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nX-Part: ");
	memset(in + n, 'q', 1100);
	n += 1100;
	snprintf(in + n, 8192 - n, "\n\nbody\n--b--\n");
	rc = run(&r, &o, in);
	if (rc == ERR_OK)
		assert_lines_bounded(&r);
	else
		assert_int_equal(rc, ERR_DATA);
	done(&r);
}

/* A part whose headers are not ended by a blank line (a malformed but
 * possible message) must still come out CRLF-canonical. */
static void
unterminated_part_headers_stay_crlf(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *in = tmalloc(8192);
	size_t n;
	enum err rc;
	(void)state;
	n = (size_t)snprintf(in, 8192, HDRS "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
	    "Content-Type: text/plain\n\n");
	memset(in + n, 'L', 1100);
	n += 1100;
	snprintf(in + n, 8192 - n, "\n--b\nX-A: 1\nX-B: 2\n--b--\n");
	rc = run(&r, &o, in);
	if (rc == ERR_OK)
		assert_lines_bounded(&r);
	else
		assert_int_equal(rc, ERR_DATA);
	done(&r);
}

/* "boundary" with no "=value" at the very end of Content-Type: the parser
 * must stop at the end of the value (ASan: the value is sized so that its
 * NUL is the last byte of its allocation). */
static void
content_type_ending_in_boundary_keyword_is_read_safely(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *in = tmalloc(4096);
	size_t n;
	enum err rc;
	(void)state;
	/* The value after "Content-Type:" has 63 octets. */
	n = (size_t)snprintf(in, 4096, "Subject: s\nContent-Type: multipart/mixed; x="
	    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy; boundary\n\n");
	memset(in + n, 'x', 1000);
	memcpy(in + n + 1000, "\n", 2);
	rc = run(&r, &o, in);
	if (rc == ERR_OK)
		assert_lines_bounded(&r);
	else
		assert_int_equal(rc, ERR_DATA);
	done(&r);
}

static void
existing_mime_headers_are_not_duplicated(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *in = tmalloc(4096);
	size_t n;
	(void)state;
	n = (size_t)snprintf(in, 4096, HDRS "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n");
	memset(in + n, 'z', 1500);
	memcpy(in + n + 1500, "\n", 2);
	run_ok(&r, &o, in);
	assert_lines_bounded(&r);
	assert_int_equal(count_field(&r, "MIME-Version"), 1);
	assert_int_equal(count_field(&r, "Content-Transfer-Encoding"), 1);
	assert_non_null(strstr(r.out, "Content-Transfer-Encoding: quoted-printable\r\n"));
	assert_null(strstr(r.out, "8bit"));
	assert_non_null(strstr(r.out, "Content-Type: text/plain; charset=utf-8\r\n"));
	done(&r);
}

/* Only the part with the long line is re-encoded; the others are copied. */
static void
only_the_multipart_leaf_with_a_long_line_is_reencoded(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *in = tmalloc(8192);
	const char *p2, *dec_from;
	size_t n;
	(void)state;
	n = (size_t)snprintf(in, 8192, HDRS "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"b1\"\n\npreamble\n--b1\n"
	    "Content-Type: text/plain\n\nfirst part stays\n--b1\n"
	    "Content-Type: text/plain\n\n");
	memset(in + n, 'q', 1200);
	n += 1200;
	snprintf(in + n, 8192 - n, "\n--b1--\nepilogue\n");
	run_ok(&r, &o, in);
	assert_lines_bounded(&r);
	assert_non_null(strstr(r.out, "\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
	    "first part stays\r\n--b1\r\n"));
	p2 = strstr(r.out, "first part stays\r\n--b1\r\n");
	assert_non_null(p2);
	dec_from = strstr(p2, "Content-Transfer-Encoding: quoted-printable\r\n");
	assert_non_null(dec_from);
	/* Exactly one such header, in the second part. */
	assert_null(strstr(dec_from + 1, "Content-Transfer-Encoding"));
	assert_non_null(strstr(r.out, "\r\n--b1--\r\nepilogue\r\n"));
	assert_int_equal(count_field(&r, "MIME-Version"), 1);
	done(&r);
}

/* A quoted parameter holding ";boundary=" (and a comment holding one) is
 * not the boundary: the real one, after them, splits the parts, so only
 * the leaf with the long line is re-encoded (was: refused with 65). */
static void
boundary_inside_a_quoted_parameter_is_not_the_boundary(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *in = tmalloc(8192);
	size_t n;
	(void)state;
	n = (size_t)snprintf(in, 8192, HDRS "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; x-note=\"a;boundary=wrong\" (c;boundary=w2)\n"
	    " ; boundary=\"b\\1\"\n\n--b1\n"
	    "Content-Type: text/plain\n\nfirst part stays\n--b1\n"
	    "Content-Type: text/plain\n\n");
	memset(in + n, 'q', 1200);
	n += 1200;
	snprintf(in + n, 8192 - n, "\n--b1--\n");
	run_ok(&r, &o, in);
	assert_lines_bounded(&r);
	assert_non_null(strstr(r.out, "first part stays\r\n--b1\r\nContent-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"));
	assert_non_null(strstr(r.out, "\r\n--b1--\r\n"));
	done(&r);
}

static void
long_line_in_base64_part_is_data_error(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *in = tmalloc(4096);
	size_t n;
	(void)state;
	n = (size_t)snprintf(in, 4096, HDRS "MIME-Version: 1.0\n"
	    "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n");
	memset(in + n, 'Q', 1200);
	memcpy(in + n + 1200, "\n", 2);
	assert_int_equal(run(&r, &o, in), ERR_DATA);
	assert_true(r.err.len > 0);
	done(&r);
}

static void
line_over_mime_line_max_is_data_error(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	size_t h = sizeof HDRS - 1, n = h + 1 + MIME_LINE_MAX + 1 + 1;
	char *in = tmalloc(n + 1);
	(void)state;
	memcpy(in, HDRS "\n", h + 1);
	memset(in + h + 1, 'x', MIME_LINE_MAX + 1);
	in[n - 1] = '\n';
	assert_int_equal(run_len(&r, &o, in, n), ERR_DATA);
	done(&r);
}

/* RFC 5322 2.2.3: a long header line is folded at white space, and
 * unfolding gives back the original field. */
static void
long_header_line_is_folded_at_white_space(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *in = tmalloc(4096), *field = tmalloc(4096), *unfolded = tmalloc(4096);
	size_t n = 0, hl, u = 0;
	const char *f;
	(void)state;
	n += (size_t)snprintf(in, 4096, HDRS "Subject:");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(in + n, 4096 - n, " w%03d", i);
	memcpy(field, in + sizeof HDRS - 1, n - (sizeof HDRS - 1));
	field[n - (sizeof HDRS - 1)] = '\0';
	snprintf(in + n, 4096 - n, "\nX-After: 1\n\nbody\n");
	run_ok(&r, &o, in);
	assert_lines_bounded(&r);
	hl = header_len(&r);
	f = strstr(r.out, "Subject:");
	assert_non_null(f);
	/* Unfold: drop every CRLF that is followed by a blank. */
	for (const char *p = f; p < r.out + hl; p++) {
		if (p[0] == '\r' && p[1] == '\n') {
			if (p[2] != ' ' && p[2] != '\t')
				break;
			p++;
			continue;
		}
		unfolded[u++] = *p;
	}
	unfolded[u] = '\0';
	assert_string_equal(unfolded, field);
	assert_non_null(strstr(r.out, "\r\nX-After: 1\r\n"));
	assert_string_equal(body_of(&r), "body\r\n");
	done(&r);
}

static void
long_header_line_without_white_space_is_data_error(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char *in = tmalloc(4096);
	size_t n;
	(void)state;
	n = (size_t)snprintf(in, 4096, "X-Long:");
	memset(in + n, 'a', 1200);
	memcpy(in + n + 1200, "\n\nbody\n", 8);
	assert_int_equal(run(&r, &o, in), ERR_DATA);
	assert_non_null(strstr(buf_str(&r.err), "X-Long"));
	done(&r);
	/* A blank right after the colon is no help for the rest. */
	n = (size_t)snprintf(in, 4096, "X-Long: ");
	memset(in + n, 'a', 1200);
	memcpy(in + n + 1200, "\n\nbody\n", 8);
	assert_int_equal(run(&r, &o, in), ERR_DATA);
	done(&r);
}

static void
header_block_bound(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	size_t cap = MSG_HEADER_MAX + 8192, n = 0;
	char *in = tmalloc(cap);
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
}

static void
eightbit_flag(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "\nplain ascii\n");
	assert_false(r.m.eightbit);
	done(&r);
	run_ok(&r, &o, HDRS "\ncaf\xc3\xa9\n");
	assert_true(r.m.eightbit);
	done(&r);
	/* 8-bit octets only in the header: encoded (below), so the message
	 * is 7-bit and needs no 8BITMIME. */
	run_ok(&r, &o, "Subject: \xe2\x82\xac\n\nascii\n");
	assert_false(r.m.eightbit);
	assert_false(r.m.hdr_utf8);
	done(&r);
	/* The line that ends the header block is the body's. */
	run_ok(&r, &o, "Subject: x\ncaf\xc3\xa9\n");
	assert_true(r.m.eightbit);
	done(&r);
}

/* Issue #11: without SMTPUTF8, UTF-8 in header fields becomes RFC 2047
 * encoded words at intake (Subject, display names, comments); the body
 * is left alone. */
static void
utf8_header_fields_are_encoded_without_smtputf8(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "Subject: Gr\xc3\xbc\xc3\x9f" "e\n"
	    "To: J\xc3\xbcrgen <j@example.com> (B\xc3\xbcro)\n\ncaf\xc3\xa9\n");
	expect_out(&r, HDRS_CRLF "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
	    "To: =?UTF-8?Q?J=C3=BCrgen?= <j@example.com> (=?UTF-8?Q?B=C3=BCro?=)\r\n"
	    "\r\ncaf\xc3\xa9\r\n");
	assert_true(r.m.eightbit);      /* the body's */
	assert_false(r.m.hdr_utf8);
	done(&r);
	/* -t reads the recipients from the field as written. */
	o.extract = true;
	run_ok(&r, &o, HDRS "To: J\xc3\xbcrgen <j@example.com>\n\nbody\n");
	assert_int_equal(r.rcpts.n, 1);
	assert_string_equal(r.rcpts.v[0], "j@example.com");
	assert_non_null(strstr(r.out, "To: =?UTF-8?Q?J=C3=BCrgen?= <j@example.com>\r\n"));
	done(&r);
}

static void
long_utf8_subject_is_folded(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	char in[1024];
	size_t n = (size_t)snprintf(in, sizeof in, HDRS "Subject:");
	(void)state;
	for (int i = 0; i < 30; i++)
		n += (size_t)snprintf(in + n, sizeof in - n, " m\xc3\xa4rchen");
	snprintf(in + n, sizeof in - n, "\n\nbody\n");
	run_ok(&r, &o, in);
	size_t hl = header_len(&r), lines = 0;
	for (const char *p = r.out; p < r.out + hl; lines++) {
		const char *e = strstr(p, "\r\n");
		assert_true((size_t)(e - p) <= MSG_EW_LINE_MAX);
		for (const char *c = p; c < e; c++)
			assert_true((unsigned char)*c < 0x80);
		p = e + 2;
	}
	assert_true(lines > 6);
	assert_false(r.m.eightbit);
	done(&r);
}

/* What cannot be encoded is refused (65), naming the field; nothing is
 * left behind (run_len() checks). */
static void
unencodable_header_fields_are_refused(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	(void)state;
	assert_int_equal(run(&r, &o, HDRS "Subject: caf\xe9\n\nbody\n"), ERR_DATA);
	assert_non_null(strstr(buf_str(&r.err), "Subject: header field has 8-bit octets that are"
	    " not UTF-8"));
	done(&r);
	assert_int_equal(run(&r, &o, HDRS "To: j\xc3\xb6s\xc3\xa9@example.com\n\nbody\n"),
	    ERR_DATA);
	assert_non_null(strstr(buf_str(&r.err), "To: header field has a non-ASCII local part"));
	done(&r);
	assert_int_equal(run(&r, &o, HDRS "Content-Type: text/plain; name=\xc3\xbc\n\nx\n"),
	    ERR_DATA);
	assert_non_null(strstr(buf_str(&r.err), "Content-Type: "));
	done(&r);
	/* Not even UTF-8 headers may be invalid UTF-8 (RFC 6532 3.2). */
	o.utf8_envelope = true;
	assert_int_equal(run(&r, &o, HDRS "Subject: caf\xe9\n\nbody\n"), ERR_DATA);
	done(&r);
	/* A Bcc field never leaves, so it is never refused. */
	o.utf8_envelope = false;
	run_ok(&r, &o, HDRS "Bcc: j\xc3\xb6@example.com\n\nbody\n");
	done(&r);
}

/* With an envelope that needs SMTPUTF8 anyway, fields stay UTF-8 (RFC
 * 6532) and the message says so. */
static void
utf8_header_fields_stay_with_smtputf8(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	(void)state;
	o.utf8_envelope = true;
	run_ok(&r, &o, HDRS "Subject: Gr\xc3\xbc\xc3\x9f" "e\n\nbody\n");
	assert_non_null(strstr(r.out, "Subject: Gr\xc3\xbc\xc3\x9f" "e\r\n"));
	assert_true(r.m.eightbit);
	assert_true(r.m.hdr_utf8);
	done(&r);
	/* The same when -t finds a non-ASCII local part. */
	o.utf8_envelope = false;
	o.extract = true;
	run_ok(&r, &o, HDRS "To: J\xc3\xb6s\xc3\xa9 <j\xc3\xb6s\xc3\xa9@example.com>\n"
	    "Subject: \xc3\xbc\n\nbody\n");
	assert_non_null(strstr(r.out, "Subject: \xc3\xbc\r\n"));
	assert_true(r.m.hdr_utf8);
	done(&r);
	/* And for a sender with one. */
	o.extract = false;
	o.sender = "j\xc3\xb6@example.com";
	run_ok(&r, &o, HDRS "Subject: \xc3\xbc\n\nbody\n");
	assert_non_null(strstr(r.out, "Subject: \xc3\xbc\r\n"));
	done(&r);
}

/* With anon_dirfd the anonymous file is made in that directory. */
static void
anonymous_file_in_given_directory(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	int dfd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	(void)state;
	assert_true(dfd >= 0);
	o.anon_dirfd = dfd;
	o.tmpdir = "/nonexistent/not-used";
	run_ok(&r, &o, HDRS "\nbody\n");
	expect_out(&r, HDRS_CRLF "\r\nbody\r\n");
	done(&r);
	close(dfd);
}

static void
unwritable_tmpdir_is_spool_error(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	(void)state;
	o.tmpdir = "/nonexistent/sealpost-test";
	assert_int_equal(run(&r, &o, HDRS "\nbody\n"), ERR_SPOOL);
	assert_true(r.err.len > 0);
	done(&r);
}

/* ---- qualification of header addresses (issue #12) ---- */

/* What cron writes: every address field's bare names get the domain;
 * comments, display names, other fields and -t's recipients (still local
 * names, for the aliases) are left as written. */
static void
bare_header_addresses_are_qualified(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	(void)state;
	o.extract = true;
	o.qualify_domain = "example.org";
	run_ok(&r, &o, "From: root (Cron Daemon)\nTo: root\nCc: Ops <ops>,\n bin@example.net\n"
	    "Reply-To: undisclosed:;\nSubject: Cron <root@h> x\nX-Note: root\n"
	    "Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <1@x>\n\nroot\n");
	expect_out(&r, "From: root@example.org (Cron Daemon)\r\nTo: root@example.org\r\n"
	    "Cc: Ops <ops@example.org>,\r\n bin@example.net\r\nReply-To: undisclosed:;\r\n"
	    "Subject: Cron <root@h> x\r\nX-Note: root\r\n"
	    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <1@x>\r\n\r\nroot\r\n");
	RCPTS(&r, "root", "ops", "bin@example.net");
	assert_int_equal(r.m.size, r.len);
	done(&r);
}

/* Without a domain to add, and for a field that is no address list,
 * nothing changes; a UTF-8 display name is still encoded after. */
static void
qualification_keeps_what_it_cannot_read(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	(void)state;
	run_ok(&r, &o, HDRS "To: root\n\nx\n");
	assert_string_equal(field_line(&r, "To"), "To: root");
	done(&r);
	o.qualify_domain = "example.org";
	run_ok(&r, &o, HDRS "To: John Smith\nSender: \"unclosed\n\nx\n");
	assert_string_equal(field_line(&r, "To"), "To: John Smith");
	assert_string_equal(field_line(&r, "Sender"), "Sender: \"unclosed");
	done(&r);
	run_ok(&r, &o, HDRS "To: Jos\xc3\xa9 <jose>\n\nx\n");
	assert_matches(field_line(&r, "To"), "^To: =\\?UTF-8\\?.*<jose@example\\.org>$");
	done(&r);
}

/* A field the domain would push past a limit stays as written, as it
 * was accepted before qualification existed: a 953-octet line of bare
 * names with no white space to fold at (each "@example.org" would make it
 * 3,000 octets), and a 990-octet bare local part (over MSG_ADDR_MAX once
 * qualified). Before, both were refused (65). */
static void
qualification_never_makes_a_field_too_long(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	struct buf line, local;
	(void)state;
	o.qualify_domain = "example.org";
	buf_init(&line, 4096);
	assert_int_equal(buf_adds(&line, HDRS "To: "), ERR_OK);
	for (int i = 0; i < 190; i++)
		assert_int_equal(buf_addf(&line, "%su%03d", i ? "," : "", i), ERR_OK);
	assert_int_equal(buf_adds(&line, "\n\nx\n"), ERR_OK);
	run_ok(&r, &o, buf_str(&line));
	assert_int_equal(strlen(field_line(&r, "To")), 4 + 190 * 5 - 1);
	assert_null(strstr(field_line(&r, "To"), "@"));
	done(&r);
	buf_init(&local, 4096);
	assert_int_equal(buf_adds(&local, HDRS "To: "), ERR_OK);
	for (int i = 0; i < 990; i++)
		assert_int_equal(buf_addc(&local, 'x'), ERR_OK);
	assert_int_equal(buf_adds(&local, "\n\nx\n"), ERR_OK);
	run_ok(&r, &o, buf_str(&local));
	assert_int_equal(strlen(field_line(&r, "To")), 4 + 990);
	done(&r);
	buf_free(&line);
	buf_free(&local);
}

/* msg_read() takes the bytes msg_peek_header() read first. */
static void
prefix_is_read_before_the_input(void **state)
{
	static struct run r;
	struct msg_opts o = opts();
	(void)state;
	o.prefix = HDRS "Subject: one\n\nfirst ";
	o.prefix_len = strlen(o.prefix);
	run_ok(&r, &o, "line\nsecond line\n");
	expect_out(&r, HDRS_CRLF "Subject: one\r\n\r\nfirst line\r\nsecond line\r\n");
	done(&r);
}

static char *
header_sender(const char *hdr, enum err want)
{
	struct buf why;
	char *a = NULL;
	buf_init(&why, 1024);
	enum err rc = msg_header_sender(hdr, strlen(hdr), &a, &why);
	if (rc != want)
		fail_msg("\"%s\": %s (%s)", hdr, err_str(rc), buf_str(&why));
	if (rc != ERR_OK)
		assert_true(why.len > 0);
	buf_free(&why);
	if (a) {
		char *t = tmalloc(strlen(a) + 1);
		memcpy(t, a, strlen(a) + 1);
		free(a);
		return t;
	}
	return NULL;
}

/* --read-envelope-from: From:'s one mailbox, or Sender: when From: has
 * several; only the header block counts; no From: gives no sender. */
static void
header_sender_from_or_sender(void **state)
{
	(void)state;
	assert_string_equal(header_sender("From: Carol <carol@example.org>\n\n", ERR_OK),
	    "carol@example.org");
	assert_string_equal(header_sender("From Carol  Mon Jan 1\r\nSubject: x\r\n"
	    "from :\r\n Carol\r\n\t<carol@example.org> (c)\r\n\r\n", ERR_OK), "carol@example.org");
	assert_string_equal(header_sender("From: root (Cron Daemon)\n", ERR_OK), "root");
	assert_string_equal(header_sender("From: a@x.example, b@x.example\nSender: s@x.example\n",
	    ERR_OK), "s@x.example");
	assert_string_equal(header_sender("Sender: s@x.example\nFrom: f@x.example\n", ERR_OK),
	    "f@x.example");
	assert_null(header_sender("Subject: x\n\nFrom: body@x.example\n", ERR_OK));
	assert_null(header_sender("Subject: x\nnot a field\nFrom: body@x.example\n", ERR_OK));
	/* An indented line before any field starts the body, as intake has it
	 * (it then adds a From: of its own): the From: after it is body text. */
	assert_null(header_sender("From x\n indented\nFrom: victim@example.org\n\nbody\n", ERR_OK));
	assert_null(header_sender(" indented\nFrom: victim@example.org\n\nbody\n", ERR_OK));
	assert_null(header_sender("From: <>\n", ERR_OK));
	assert_null(header_sender("", ERR_OK));
	header_sender("From: John Smith\n", ERR_DATA);
	header_sender("From: a@x.example\nFrom: b@x.example\n", ERR_DATA);
	header_sender("From: a@x.example, b@x.example\n\n", ERR_DATA);
	header_sender("From: a@x.example, b@x.example\nSender: c@x.example, d@x.example\n",
	    ERR_DATA);
}

/* msg_peek_header() stops at the read that completes the header block (a
 * caller that waits for us after "." is not waited for) and at the end. */
static void
peek_reads_the_header_block(void **state)
{
	int p[2];
	struct buf raw;
	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "From: a@x.example\n.\n", 20), 20);
	buf_init(&raw, MSG_HEADER_MAX + 8192);
	/* The pipe stays open: a read past the "." would block. */
	assert_int_equal(msg_peek_header(p[0], true, &raw), ERR_OK);
	assert_string_equal(buf_str(&raw), "From: a@x.example\n.\n");
	buf_reset(&raw);
	assert_int_equal(write(p[1], "Subject: x\r\nFrom: b\r\n\r\nbody", 27), 27);
	assert_int_equal(msg_peek_header(p[0], false, &raw), ERR_OK);
	assert_string_equal(buf_str(&raw), "Subject: x\r\nFrom: b\r\n\r\nbody");
	buf_reset(&raw);
	assert_int_equal(write(p[1], "Subject: y\n", 11), 11);
	close(p[1]);
	assert_int_equal(msg_peek_header(p[0], false, &raw), ERR_OK);
	assert_string_equal(buf_str(&raw), "Subject: y\n");
	close(p[0]);
	buf_free(&raw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(lf_becomes_crlf, cleanup),
		cmocka_unit_test_teardown(boundary_inside_a_quoted_parameter_is_not_the_boundary, cleanup),
		cmocka_unit_test_teardown(tls_required_no_is_noted_and_kept, cleanup),
		cmocka_unit_test_teardown(bare_cr_becomes_crlf_and_crlf_is_kept, cleanup),
		cmocka_unit_test_teardown(missing_final_newline_is_added, cleanup),
		cmocka_unit_test_teardown(pipe_input_works, cleanup),
		cmocka_unit_test_teardown(crlf_split_across_read_chunks, cleanup),
		cmocka_unit_test_teardown(dot_line_split_across_read_chunks, cleanup),
		cmocka_unit_test_teardown(dot_line_ends_input_only_when_dot_ends, cleanup),
		cmocka_unit_test_teardown(dot_line_in_header_block_ends_input, cleanup),
		cmocka_unit_test_teardown(extract_to_cc_bcc, cleanup),
		cmocka_unit_test_teardown(extract_is_off_without_t, cleanup),
		cmocka_unit_test_teardown(extract_field_names_case_insensitive_and_folded, cleanup),
		cmocka_unit_test_teardown(extract_prefers_resent_fields, cleanup),
		cmocka_unit_test_teardown(extract_unions_with_command_line_and_dedupes, cleanup),
		cmocka_unit_test_teardown(extract_undisclosed_recipients_gives_none, cleanup),
		cmocka_unit_test_teardown(extract_bad_address_header_is_data_error, cleanup),
		cmocka_unit_test_teardown(extract_too_many_recipients_is_toobig, cleanup),
		cmocka_unit_test_teardown(extract_over_long_address_list_is_not_truncated, cleanup),
		cmocka_unit_test_teardown(bcc_removed_without_extract, cleanup),
		cmocka_unit_test_teardown(folded_bcc_removed_entirely, cleanup),
		cmocka_unit_test_teardown(missing_headers_added_exactly_once, cleanup),
		cmocka_unit_test_teardown(present_headers_not_added_case_insensitive, cleanup),
		cmocka_unit_test_teardown(message_ids_differ, cleanup),
		cmocka_unit_test_teardown(from_display_name_is_quoted_when_needed, cleanup),
		cmocka_unit_test_teardown(from_without_name, cleanup),
		cmocka_unit_test_teardown(from_with_name_and_null_sender_is_well_formed, cleanup),
		cmocka_unit_test_teardown(from_added_even_with_very_long_full_name, cleanup),
		cmocka_unit_test_teardown(header_from_replace, cleanup),
		cmocka_unit_test_teardown(from_short_ascii_name_on_one_line, cleanup),
		cmocka_unit_test_teardown(from_long_ascii_name_is_folded, cleanup),
		cmocka_unit_test_teardown(from_long_non_ascii_name_is_encoded_and_folded, cleanup),
		cmocka_unit_test_teardown(from_name_with_specials_is_quoted_and_folded, cleanup),
		cmocka_unit_test_teardown(from_long_address_gets_its_own_line, cleanup),
		cmocka_unit_test_teardown(no_header_block_gets_blank_line_after_added_headers, cleanup),
		cmocka_unit_test_teardown(non_header_line_ends_header_block, cleanup),
		cmocka_unit_test_teardown(header_only_message_gets_blank_line, cleanup),
		cmocka_unit_test_teardown(empty_input_is_a_valid_message, cleanup),
		cmocka_unit_test_teardown(mbox_from_line_dropped, cleanup),
		cmocka_unit_test_teardown(from_colon_first_line_is_kept, cleanup),
		cmocka_unit_test_teardown(nul_byte_is_data_error, cleanup),
		cmocka_unit_test_teardown(body_line_of_998_is_kept_as_is, cleanup),
		cmocka_unit_test_teardown(long_body_line_becomes_quoted_printable, cleanup),
		cmocka_unit_test_teardown(long_final_line_without_newline_is_reencoded, cleanup),
		cmocka_unit_test_teardown(long_first_body_line_is_reencoded, cleanup),
		cmocka_unit_test_teardown(long_mime_part_header_line_is_never_sent_as_is, cleanup),
		cmocka_unit_test_teardown(unterminated_part_headers_stay_crlf, cleanup),
		cmocka_unit_test_teardown(content_type_ending_in_boundary_keyword_is_read_safely,
		    cleanup),
		cmocka_unit_test_teardown(existing_mime_headers_are_not_duplicated, cleanup),
		cmocka_unit_test_teardown(only_the_multipart_leaf_with_a_long_line_is_reencoded,
		    cleanup),
		cmocka_unit_test_teardown(long_line_in_base64_part_is_data_error, cleanup),
		cmocka_unit_test_teardown(line_over_mime_line_max_is_data_error, cleanup),
		cmocka_unit_test_teardown(long_header_line_is_folded_at_white_space, cleanup),
		cmocka_unit_test_teardown(long_header_line_without_white_space_is_data_error,
		    cleanup),
		cmocka_unit_test_teardown(header_block_bound, cleanup),
		cmocka_unit_test_teardown(eightbit_flag, cleanup),
		cmocka_unit_test_teardown(utf8_header_fields_are_encoded_without_smtputf8, cleanup),
		cmocka_unit_test_teardown(long_utf8_subject_is_folded, cleanup),
		cmocka_unit_test_teardown(unencodable_header_fields_are_refused, cleanup),
		cmocka_unit_test_teardown(utf8_header_fields_stay_with_smtputf8, cleanup),
		cmocka_unit_test_teardown(anonymous_file_in_given_directory, cleanup),
		cmocka_unit_test_teardown(unwritable_tmpdir_is_spool_error, cleanup),
		cmocka_unit_test_teardown(bare_header_addresses_are_qualified, cleanup),
		cmocka_unit_test_teardown(qualification_keeps_what_it_cannot_read, cleanup),
		cmocka_unit_test_teardown(qualification_never_makes_a_field_too_long, cleanup),
		cmocka_unit_test_teardown(prefix_is_read_before_the_input, cleanup),
		cmocka_unit_test_teardown(header_sender_from_or_sender, cleanup),
		cmocka_unit_test_teardown(peek_reads_the_header_block, cleanup),
	};
	return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
