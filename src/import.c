// SPDX-License-Identifier: MIT
/* import.c: sealpost --import FORMAT [FILE]: the mode's front end, the only
 * part of the import that opens files or prints; the format picks the
 * converter (import_msmtp.c), which writes through import_out.c. */
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "bounds.h"
#include "import_dma.h"
#include "import_msmtp.h"
#include "import_ssmtp.h"
#include "log.h"
#include "util.h"

bool
import_format_known(const char *format)
{
	return strcmp(format, "msmtp") == 0 || strcmp(format, "msmtprc") == 0 ||
	    strcmp(format, "ssmtp") == 0 || strcmp(format, "dma") == 0;
}

enum err
import_convert(const char *format, const char *name, const char *text, size_t len,
    const struct import_io *io, struct buf *out, struct buf *warnings, struct buf *err)
{
	struct import_out o;
	enum err rc;

	if (!import_format_known(format)) {
		char show[64];
		errf(err, "--import: unknown format \"%s\" (expected msmtp, ssmtp or dma)",
		    import_out_shown(format, show, sizeof show));
		return ERR_USAGE;
	}
	import_out_init(&o, name, io, out, warnings);
	if (strcmp(format, "ssmtp") == 0)
		rc = import_ssmtp(&o, text, len, err);
	else if (strcmp(format, "dma") == 0)
		rc = import_dma(&o, text, len, err);
	else
		rc = import_msmtp(&o, text, len, err);
	if (rc == ERR_OK)
		rc = import_out_finish(&o, err);
	if (rc != ERR_OK)
		buf_reset(out);
	return rc;
}

/* import_io's read_file: a regular file of at most the buffer's bound.
 * O_NONBLOCK: a FIFO named here must not hang the import. */
static enum err
read_file(void *ctx, const char *path, struct buf *out, struct buf *err)
{
	struct stat st;
	enum err rc;
	int fd = open_regular("", path, O_NONBLOCK, &st, err);

	(void)ctx;
	if (fd < 0)
		return ERR_IO;
	if ((rc = buf_read_fd(out, fd)) == ERR_TOOBIG) {
		errf(err, "%s: larger than %zu bytes", path, out->max);
	} else if (rc != ERR_OK) {
		errf(err, "%s: %s", path, strerror(errno));
	}
	close(fd);
	return rc;
}

/* The file the format's program reads by default: msmtp's user file
 * (~/.msmtprc, else $XDG_CONFIG_HOME/msmtp/config), ssmtp's and dma's system
 * files. NULL if there is none. */
static const char *
default_file(const char *format, char *buf, size_t cap)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	if (strcmp(format, "ssmtp") == 0 || strcmp(format, "dma") == 0) {
		snprintf(buf, cap, "%s", format[0] == 's' ? "/etc/ssmtp/ssmtp.conf" :
		    "/etc/dma/dma.conf");
		return access(buf, F_OK) == 0 ? buf : NULL;
	}
	if (home && *home) {
		snprintf(buf, cap, "%s/.msmtprc", home);
		if (access(buf, F_OK) == 0)
			return buf;
	}
	if (xdg && *xdg == '/')
		snprintf(buf, cap, "%s/msmtp/config", xdg);
	else if (home && *home)
		snprintf(buf, cap, "%s/.config/msmtp/config", home);
	else
		return NULL;
	return access(buf, F_OK) == 0 ? buf : NULL;
}

int
import_main(const char *format, const char *file)
{
	struct import_io io = { read_file, NULL, getenv("HOME") };
	struct buf text, out, warnings, err;
	char pathbuf[4096];
	int status = EX_OK;
	enum err rc;

	if (!import_format_known(format)) {
		say("--import: unknown format \"%s\" (expected msmtp, ssmtp or dma)", format);
		return EX_USAGE;
	}
	if (!file && !(file = default_file(format, pathbuf, sizeof pathbuf))) {
		if (format[0] == 'm')
			say("--import msmtp: neither ~/.msmtprc nor $XDG_CONFIG_HOME/msmtp/config"
			    " exists; name the file: sealpost --import msmtp FILE");
		else
			say("--import %s: %s does not exist; name the file: sealpost --import"
			    " %s FILE", format, pathbuf, format);
		return EX_NOINPUT;
	}
	buf_init(&text, CONFIG_FILE_MAX);
	buf_init(&out, CONFIG_FILE_MAX);
	buf_init(&warnings, (size_t)(IMPORT_WARN_MAX + 1) * 512);
	buf_init(&err, 4096);
	if ((rc = read_file(NULL, file, &text, &err)) != ERR_OK) {
		say("%s", buf_str(&err));
		status = rc == ERR_TOOBIG ? EX_CONFIG : EX_NOINPUT;
		goto out;
	}
	rc = import_convert(format, file, buf_str(&text), text.len, &io, &out, &warnings, &err);
	for (const char *p = buf_str(&warnings); *p;) {
		size_t n = strcspn(p, "\n");
		fprintf(stderr, "sealpost: %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	switch (rc) {
	case ERR_OK:
		fwrite(out.data, 1, out.len, stdout);
		break;
	case ERR_INTERNAL:
		say("%s", buf_str(&err));
		status = EX_SOFTWARE;
		break;
	default:
		say("%s", buf_str(&err));
		status = EX_CONFIG;
		break;
	}
out:
	buf_wipe(&text);
	buf_free(&out);
	buf_free(&warnings);
	buf_free(&err);
	return status;
}
