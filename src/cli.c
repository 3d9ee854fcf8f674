// SPDX-License-Identifier: MIT
/* cli.c: sendmail's command line. Callers (cron, PHP, MUAs, git) pass
 * flags sendmail and Postfix accepted for decades; we accept them, ignore
 * the harmless ones, and refuse (64) anything that could swallow a
 * recipient (doc/decisions.md D10). Flags cluster as with getopt ("-ti"); a flag that takes
 * a value takes the rest of its word or the next word. Parsing stops at
 * the first non-option or at "--". */
#include "cli.h"

#include <string.h>
#include <strings.h>

#include "envelope.h"
#include "import.h"
#include "log.h"
#include "util.h"

/* Flags without a value that we act on or ignore. */
static const char noarg_flags[] = "tivmnGUI";
/* Flags whose value is the rest of the word or the next word. */
static const char arg_flags[] = "frFNRVBCaLhXpO";

void
cli_usage(FILE *out)
{
	fputs("usage: sealpost [options] [--] recipient...\n"
	    "       mailq [--json] [-qI ID] [-qR RCPT] [-qS SENDER] [ID...]   (= sealpost -bp)\n"
	    "       sealpost -q | --flush | -qI ID | -qR RCPT | -qS SENDER\n"
	    "       sealpost --delete | --hold | --release ID...\n"
	    "       sealpost --probe[=DOMAIN] | --check-config\n"
	    "       sealpost --import msmtp|ssmtp|dma [FILE]\n"
	    "\n"
	    "  -t             also take recipients from To:, Cc:, Bcc: (Bcc: is removed)\n"
	    "  -i, -oi        a line with a single '.' is data, not end of input\n"
	    "  -f ADDR        envelope sender (-r is the same; <> is the null sender)\n"
	    "  -F NAME        full name for an added From: header\n"
	    "  --read-envelope-from  without -f, the envelope sender is the message's From:\n"
	    "  -N DSN         never | failure,delay,success\n"
	    "  -R RET         full | hdrs\n"
	    "  -V ENVID       DSN envelope id\n"
	    "  -B TYPE        7BIT | 8BITMIME\n"
	    "  -odi, -odb     deliver in the foreground / queue and deliver in the background\n"
	    "  -bm            send (default); -bp list the queue; -bs SMTP on stdin/stdout\n"
	    "  -bi, -I        do nothing (newaliases: aliases are read at run time)\n"
	    "  -q             run the queue once; --flush: attempt every queued entry now\n"
	    "  -qI ID, -qR RCPT, -qS SENDER\n"
	    "                 attempt now the entries whose id, a recipient or the sender\n"
	    "                 contains this text (any case); with -bp, mailq: list them\n"
	    "  --json         with -bp, mailq: one JSON object per queue entry and line\n"
	    "  --delete ID... remove these queue entries (in system mode: your own)\n"
	    "  --hold ID..., --release ID...\n"
	    "                 keep these entries from being attempted / let them go again\n"
	    "  -C FILE        configuration file\n"
	    "  -a NAME        account (--account=NAME)\n"
	    "  -L TAG         syslog tag\n"
	    "  -v             protocol transcript on stderr (secrets redacted); -vv debug\n"
	    "  --probe[=DOMAIN]  show the server's TLS, certificate and capabilities; send nothing\n"
	    "  --check-config parse and show the configuration, secrets redacted\n"
	    "  --import msmtp|ssmtp|dma [FILE]  print that program's configuration (default\n"
	    "                 its own file) converted for sealpost; never prints passwords\n"
	    "  --version, --help\n"
	    "\n"
	    "Exit status (sealpost(8) EXIT STATUS): 0 delivered or queued; 64 usage;\n"
	    "65 bad data; 66 input unreadable; 67 unknown user; 68 no such domain (MX);\n"
	    "69 rejected; 70 internal error; 71 system error; 73, 74 could not queue;\n"
	    "75 temporary failure (not queued); 77 authentication; 78 configuration.\n"
	    "--delete, --hold, --release: 66 no such entry; 75 being delivered;\n"
	    "77 another user's entry.\n"
	    "--import: 0 printed; 64 unknown format; 66 file missing or unreadable;\n"
	    "78 file malformed or no account to carry over.\n",
	    out);
}

static enum err
usage_err(struct buf *err, const char *what, const char *arg)
{
	errf(err, "%s%s%s", what, arg ? ": " : "", arg ? arg : "");
	return ERR_USAGE;
}

/* -b MODE */
static enum err
set_b(struct opts *o, const char *v, struct buf *err)
{
	if (strcmp(v, "m") == 0)
		o->mode = MODE_SEND;
	else if (strcmp(v, "p") == 0)
		o->mode = MODE_LIST_QUEUE;
	else if (strcmp(v, "s") == 0)
		o->mode = MODE_SMTP_STDIO;
	else if (strcmp(v, "i") == 0)
		o->mode = MODE_NOOP;
	else
		return usage_err(err, "unsupported mode (only -bm, -bp, -bs, -bi)", v);
	return ERR_OK;
}

/* -o X... : sendmail's short options. */
static enum err
set_o(struct opts *o, const char *v, struct buf *err)
{
	(void)err;
	if (strcmp(v, "i") == 0)
		o->dot_is_data = true;
	else if (strcmp(v, "di") == 0)
		o->background = false;
	else if (strcmp(v, "db") == 0)
		o->background = true;
	else if (o->verbose)
		say("ignoring option -o%s", v);
	return ERR_OK;
}

static enum err
set_arg(struct opts *o, char flag, const char *v, struct buf *err)
{
	switch (flag) {
	case 'f':
	case 'r': o->sender = v; break;
	case 'F': o->full_name = v; break;
	case 'N': o->notify = v; break;
	case 'R': o->ret = v; break;
	case 'V': o->envid = v; break;
	case 'B':
		if (strcasecmp(v, "7BIT") != 0 && strcasecmp(v, "8BITMIME") != 0) {
			if (o->verbose)
				say("ignoring unsupported body type -B %s", v);
		} else {
			o->body_type = v;
		}
		break;
	case 'C': o->config_file = v; break;
	case 'a': o->account = v; break;
	case 'L': o->log_tag = v; break;
	case 'h': case 'X': case 'p': case 'O':
		/* -X FILE is never opened (CVE-2016-10033 wrote files through it). */
		if (o->verbose)
			say("ignoring option -%c %s", flag, v);
		break;
	default:
		return usage_err(err, "internal: unhandled option", NULL);
	}
	return ERR_OK;
}

static enum err
long_opt(struct opts *o, int argc, char **argv, int *i, struct buf *err)
{
	const char *a = argv[*i] + 2;
	if (strcmp(a, "flush") == 0)
		o->mode = MODE_FLUSH;
	else if (strcmp(a, "probe") == 0)
		o->mode = MODE_PROBE;
	else if (strncmp(a, "probe=", 6) == 0) {
		o->mode = MODE_PROBE;
		o->probe_domain = a + 6;
		if (!*o->probe_domain)
			return usage_err(err, "--probe= needs a domain", NULL);
	} else if (strcmp(a, "import") == 0 || strncmp(a, "import=", 7) == 0) {
		/* --import FORMAT [FILE]: FILE is the one operand (cli_parse). */
		o->mode = MODE_IMPORT;
		if (a[6] == '=')
			o->import_format = a + 7;
		else if (*i + 1 < argc)
			o->import_format = argv[++*i];
		if (!o->import_format || !import_format_known(o->import_format))
			return usage_err(err, "--import: expected the format msmtp, ssmtp or dma, got",
			    o->import_format ? o->import_format : "nothing");
	} else if (strcmp(a, "check-config") == 0)
		o->mode = MODE_CHECK_CONFIG;
	else if (strcmp(a, "version") == 0)
		o->mode = MODE_VERSION;
	else if (strcmp(a, "help") == 0)
		o->mode = MODE_HELP;
	else if (strcmp(a, "json") == 0)
		o->json = true;
	else if (strcmp(a, "delete") == 0)
		o->mode = MODE_DELETE;
	else if (strcmp(a, "hold") == 0)
		o->mode = MODE_HOLD;
	else if (strcmp(a, "release") == 0)
		o->mode = MODE_RELEASE;
	else if (strcmp(a, "read-envelope-from") == 0)
		o->read_envelope_from = true;
	else if (strncmp(a, "account=", 8) == 0 && a[8])
		o->account = a + 8;
	else if (strcmp(a, "account") == 0) {
		if (*i + 1 >= argc)
			return usage_err(err, "--account needs a name", NULL);
		o->account = argv[++*i];
	} else
		return usage_err(err, "unknown option", argv[*i]);
	return ERR_OK;
}

/* -N: "never", or a comma list of success, failure, delay; NULL if bad. */
static const char *
dsn_notify_value(const char *v, char *out, size_t cap)
{
	static const char *const words[] = { "SUCCESS", "FAILURE", "DELAY" };
	unsigned seen = 0;
	if (strcasecmp(v, "never") == 0)
		return "NEVER";
	out[0] = '\0';
	while (*v) {
		size_t n = strcspn(v, ","), k;
		for (k = 0; k < 3; k++)
			if (strlen(words[k]) == n && strncasecmp(v, words[k], n) == 0)
				break;
		if (k == 3 || (seen & (1u << k)))
			return NULL;
		seen |= 1u << k;
		snprintf(out + strlen(out), cap - strlen(out), "%s%s", out[0] ? "," : "", words[k]);
		v += n;
		if (*v == ',' && *++v == '\0')
			return NULL;
	}
	return seen ? out : NULL;
}

/* The values that shape a message: checked once, before anything is read
 * (DSN values per RFC 3461 4.1, 4.3, 4.4). */
static enum err
validate(struct opts *o, struct buf *err)
{
	if (o->full_name && has_ctl(o->full_name, strlen(o->full_name))) {
		errf(err, "-F: control characters in the full name");
		return ERR_DATA;
	}
	if (o->notify && !(o->dsn_notify = dsn_notify_value(o->notify, o->dsn_notify_buf,
	    sizeof o->dsn_notify_buf))) {
		errf(err, "-N %s: expected never, or a comma list of success, failure, delay",
		    o->notify);
		return ERR_USAGE;
	}
	if (o->ret) {
		if (strcasecmp(o->ret, "full") == 0)
			o->dsn_ret = "FULL";
		else if (strcasecmp(o->ret, "hdrs") == 0)
			o->dsn_ret = "HDRS";
		else {
			errf(err, "-R %s: expected full or hdrs", o->ret);
			return ERR_USAGE;
		}
	}
	if (o->envid && (strlen(o->envid) > 100 || !*o->envid ||
	    has_ctl(o->envid, strlen(o->envid)) || strspn(o->envid,
	    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
	    "abcdefghijklmnopqrstuvwxyz{|}~") != strlen(o->envid))) {
		errf(err, "-V: the envelope id must be 1 to 100 printable ASCII characters");
		return ERR_USAGE;
	}
	return ERR_OK;
}

bool
cli_changes_entries(enum cli_mode m)
{
	return m == MODE_DELETE || m == MODE_HOLD || m == MODE_RELEASE;
}

/* -q: run the queue once (-qTIME, -q TIME: the interval is ignored).
 * -qI, -qR, -qS (sendmail): select the entries whose id, a recipient or
 * the sender contains the substring, the rest of the word or the next
 * word; with -bp (mailq) they select what is listed, else they make a run
 * of just those entries. */
static enum err
set_q(struct opts *o, const char *v, int argc, char **argv, int *i, struct buf *err)
{
	const char **sel = *v == 'I' ? &o->q_id : *v == 'R' ? &o->q_rcpt :
	    *v == 'S' ? &o->q_sender : NULL;
	if (*v == '!')
		return usage_err(err, "negated queue selections (-q!) are not supported", NULL);
	if (!sel) {
		o->mode = MODE_RUN_QUEUE;
		if (!*v && *i + 1 < argc && argv[*i + 1][0] >= '0' && argv[*i + 1][0] <= '9')
			++*i;
		return ERR_OK;
	}
	if (o->mode != MODE_LIST_QUEUE && !cli_changes_entries(o->mode))
		o->mode = MODE_RUN_QUEUE;
	char k = *v++;
	if (*sel) {
		errf(err, "-q%c given twice", k);
		return ERR_USAGE;
	}
	if (!*v && *i + 1 < argc)
		v = argv[++*i];
	if (!*v) {
		errf(err, "-q%c needs a part of the %s", k, k == 'I' ? "queue id" :
		    k == 'R' ? "recipient address" : "sender address");
		return ERR_USAGE;
	}
	*sel = v;
	return ERR_OK;
}

/* -b, -o, -d, -A, -q, -Q: the rest of the word is the value (for -o, or
 * the next word; for -q, an optional interval word that is ignored). */
static enum err
word_opt(struct opts *o, char f, const char *v, int argc, char **argv, int *i,
    struct buf *err)
{
	if (f == 'o' && !*v) {
		/* "-o x value" form: the option letter is the next word. */
		if (*i + 1 >= argc)
			return usage_err(err, "-o needs an option", NULL);
		v = argv[++*i];
	}
	if (f == 'b')
		return *v ? set_b(o, v, err) : usage_err(err, "-b needs a mode", NULL);
	if (f == 'o')
		return set_o(o, v, err);
	if (f == 'q')
		return set_q(o, v, argc, argv, i, err);
	if (o->verbose) {
		say("ignoring option -%c%s", f, v);
	}
	return ERR_OK;
}

/* Is s a queue id as mailq shows it (any case)? */
static bool
is_queue_id(const char *s)
{
	size_t n = strspn(s, "0123456789ABCDEFabcdef");
	return n == ENVELOPE_ID_LEN && s[n] == '\0';
}

/* The queue modes' options and arguments: --json lists (alone it means
 * -bp); -bp, mailq, --delete, --hold and --release take queue ids. */
static enum err
queue_args(struct opts *o, struct buf *err)
{
	if (o->json && o->mode == MODE_SEND)
		o->mode = MODE_LIST_QUEUE;
	if (o->json && o->mode != MODE_LIST_QUEUE)
		return usage_err(err, "--json goes with -bp or mailq", NULL);
	if (cli_changes_entries(o->mode) && (o->q_id || o->q_rcpt || o->q_sender))
		return usage_err(err, "--delete, --hold and --release take queue ids, not -qI, -qR"
		    " or -qS", NULL);
	if (cli_changes_entries(o->mode) && o->nrcpts == 0)
		return usage_err(err, "--delete, --hold and --release need the ids of the queue"
		    " entries", NULL);
	if (o->mode != MODE_LIST_QUEUE && !cli_changes_entries(o->mode))
		return ERR_OK;
	for (int k = 0; k < o->nrcpts; k++)
		if (!is_queue_id(o->rcpts[k])) {
			errf(err, "not a queue id: %s (mailq shows the ids; -qR and -qS select by"
			    " recipient and sender)", o->rcpts[k]);
			return ERR_USAGE;
		}
	return ERR_OK;
}

enum err
cli_parse(int argc, char **argv, const char *progname, struct opts *o, struct buf *err)
{
	int i;
	enum err rc;

	memset(o, 0, sizeof *o);
	o->mode = MODE_SEND;
	if (strcmp(progname, "mailq") == 0)
		o->mode = MODE_LIST_QUEUE;
	else if (strcmp(progname, "newaliases") == 0)
		o->mode = MODE_NOOP;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[1] == '-') {
			if ((rc = long_opt(o, argc, argv, &i, err)) != ERR_OK)
				return rc;
			continue;
		}
		for (const char *p = a + 1; *p; p++) {
			char f = *p;
			if (strchr("bodAqQ", f)) {
				if ((rc = word_opt(o, f, p + 1, argc, argv, &i, err)) != ERR_OK)
					return rc;
				break;
			}
			if (strchr(noarg_flags, f)) {
				switch (f) {
				case 't': o->extract = true; break;
				case 'i': o->dot_is_data = true; break;
				case 'v': o->verbose++; break;
				case 'I': o->mode = MODE_NOOP; break;
				default: break;     /* -m -n -G -U: accepted, ignored */
				}
				continue;
			}
			if (strchr(arg_flags, f)) {
				const char *v = p + 1;
				if (!*v) {
					if (i + 1 >= argc)
						return usage_err(err, "option needs a value", a);
					v = argv[++i];
				}
				if ((rc = set_arg(o, f, v, err)) != ERR_OK)
					return rc;
				break;
			}
			/* doc/decisions.md D10: an unknown flag alone is ignored with a warning;
			 * anything longer could be a flag with a value that would
			 * swallow a recipient. */
			if (p == a + 1 && p[1] == '\0') {
				say("warning: ignoring unknown option -%c", f);
				continue;
			}
			return usage_err(err, "unknown option", a);
		}
	}
	o->rcpts = argv + i;
	o->nrcpts = argc - i;
	if (o->mode == MODE_IMPORT) {
		if (o->nrcpts > 1)
			return usage_err(err, "--import takes one file", o->rcpts[1]);
		o->import_file = o->nrcpts ? o->rcpts[0] : NULL;
	}
	if (o->mode == MODE_SEND || o->mode == MODE_SMTP_STDIO)
		return o->json ? queue_args(o, err) : validate(o, err);
	return queue_args(o, err);
}

void
cli_submission(const struct opts *o, struct submission *sub)
{
	memset(sub, 0, sizeof *sub);
	sub->sender = o->sender;
	sub->rcpts = o->rcpts;
	sub->nrcpts = o->nrcpts > 0 ? (size_t)o->nrcpts : 0;
	sub->extract = o->extract;
	sub->dot_ends = !o->dot_is_data;
	sub->full_name = o->full_name;
	sub->dsn_notify = o->dsn_notify;
	sub->dsn_ret = o->dsn_ret;
	sub->dsn_envid = o->envid;
	sub->account = o->account;
	sub->background = o->background;
	sub->verbose = o->verbose;
	sub->via = "-f";
	sub->read_envelope_from = o->read_envelope_from;
}
