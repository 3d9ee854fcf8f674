/* SPDX-License-Identifier: MIT */
/* cli.h: the sendmail-compatible command line (sealpost(8) OPTIONS). */
#ifndef SEALPOST_CLI_H
#define SEALPOST_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "buf.h"
#include "err.h"
#include "submission.h"

enum cli_mode {
	MODE_SEND, MODE_LIST_QUEUE, MODE_NOOP, MODE_RUN_QUEUE, MODE_FLUSH,
	MODE_SMTP_STDIO, MODE_PROBE, MODE_CHECK_CONFIG, MODE_VERSION, MODE_HELP,
	MODE_DELETE, MODE_HOLD, MODE_RELEASE,
	MODE_IMPORT,
};

/* cli_changes_entries: is m one of --delete, --hold, --release (modes
 * that change the queue entries named)? */
bool cli_changes_entries(enum cli_mode m);

struct opts {
	enum cli_mode mode;
	bool extract;               /* -t */
	bool dot_is_data;           /* -i, -oi */
	bool read_envelope_from;    /* --read-envelope-from */
	bool background;            /* -odb */
	int verbose;                /* -v count */
	const char *sender;         /* -f, -r */
	const char *full_name;      /* -F */
	const char *notify;         /* -N as given */
	const char *ret;            /* -R as given */
	const char *envid;          /* -V, checked (RFC 3461 4.4) */
	const char *dsn_notify;     /* -N checked and upper case: "NEVER" or a
	                             * comma list of SUCCESS, FAILURE, DELAY */
	const char *dsn_ret;        /* -R checked: "FULL" or "HDRS" */
	char dsn_notify_buf[32];
	const char *body_type;      /* -B */
	const char *config_file;    /* -C */
	const char *account;        /* -a, --account */
	const char *log_tag;        /* -L */
	const char *probe_domain;   /* --probe=DOMAIN */
	const char *import_format;  /* --import FORMAT */
	const char *import_file;    /* --import FORMAT FILE (NULL: msmtp's own) */
	bool json;                  /* --json (with -bp, mailq) */
	/* -qI, -qR, -qS: the queue entries a run or a listing is about (a
	 * substring of the id, of a recipient, of the sender). */
	const char *q_id, *q_rcpt, *q_sender;
	/* The non-option arguments: recipients; queue ids with -bp, mailq,
	 * --delete, --hold and --release (checked to be ids). */
	char **rcpts;               /* points into argv */
	int nrcpts;
};

/* cli_parse: parse argv (progname is basename(argv[0]): "mailq" and
 * "newaliases" preset the mode). An unknown single-letter flag is ignored
 * with a warning on stderr (doc/decisions.md D10); known ignored options are mentioned only
 * under -v. -qI/-qR/-qS make a queue run unless the mode lists the queue;
 * --json alone means -bp. Errors: ERR_USAGE with the reason in err (also
 * an argument of -bp, mailq, --delete, --hold or --release that is not a
 * queue id). */
enum err cli_parse(int argc, char **argv, const char *progname, struct opts *o,
    struct buf *err) WUR;

void cli_usage(FILE *out);

/* cli_submission: the request the command line makes (send mode): the
 * strings point into o (and argv), which must outlive sub. */
void cli_submission(const struct opts *o, struct submission *sub);

#endif
