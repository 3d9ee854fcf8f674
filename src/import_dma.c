// SPDX-License-Identifier: MIT
/* import_dma.c: dma's dma.conf for sealpost --import dma, read as dma 0.13
 * does (dma(8)): "KEYWORD value" or a bare KEYWORD per line, upper-case
 * keywords, '#' starting a comment anywhere. One smarthost (or, without
 * one, delivery to the MX hosts), so one [account default]. The user name
 * comes from AUTHPATH (auth.conf: "user|host:password" lines); that file's
 * text is wiped after reading and its passwords never leave this file. */
#include "import_dma.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "util.h"

enum dkey {
	D_SMARTHOST, D_PORT, D_ALIASES, D_SPOOLDIR, D_AUTHPATH, D_CERTFILE, D_MAILNAME,
	D_MASQUERADE, D_FINGERPRINT, D_SECURETRANSFER, D_STARTTLS, D_OPPORTUNISTIC_TLS,
	D_INSECURE, D_SECURE, D_FULLBOUNCE, D_NULLCLIENT, D_VERIFYCERT, D_DEFER, D_NKEYS
};

static const struct {
	const char *name;
	bool flag;              /* takes no value */
} dkeys[D_NKEYS] = {
	[D_SMARTHOST] = { "SMARTHOST", false }, [D_PORT] = { "PORT", false },
	[D_ALIASES] = { "ALIASES", false }, [D_SPOOLDIR] = { "SPOOLDIR", false },
	[D_AUTHPATH] = { "AUTHPATH", false }, [D_CERTFILE] = { "CERTFILE", false },
	[D_MAILNAME] = { "MAILNAME", false }, [D_MASQUERADE] = { "MASQUERADE", false },
	[D_FINGERPRINT] = { "FINGERPRINT", false },
	[D_SECURETRANSFER] = { "SECURETRANSFER", true }, [D_STARTTLS] = { "STARTTLS", true },
	[D_OPPORTUNISTIC_TLS] = { "OPPORTUNISTIC_TLS", true },
	[D_INSECURE] = { "INSECURE", true }, [D_SECURE] = { "SECURE", true },
	[D_FULLBOUNCE] = { "FULLBOUNCE", true }, [D_NULLCLIENT] = { "NULLCLIENT", true },
	[D_VERIFYCERT] = { "VERIFYCERT", true }, [D_DEFER] = { "DEFER", true },
};

struct dset {
	char *val;              /* "" for a flag that is set */
	unsigned line;
};

static void
parse_line(struct import_out *o, struct dset *set, char *line, unsigned no)
{
	char *hash = strchr(line, '#'), *word, *val, show[64];
	size_t k;

	if (hash)
		*hash = '\0';
	word = line + strspn(line, " \t");
	if (!*word)
		return;
	val = word + strcspn(word, " \t");
	if (*val)
		*val++ = '\0';
	val = str_trim(val);
	for (k = 0; k < D_NKEYS && strcmp(word, dkeys[k].name) != 0; k++)
		;
	if (k == D_NKEYS) {
		import_out_warn(o, no, "%s: not carried over: not a dma keyword",
		    import_out_keyword(word, show, sizeof show));
		return;
	}
	if (!dkeys[k].flag && !*val)
		return;         /* dma ignores a keyword without its value */
	free(set[k].val);
	set[k].val = xstrdup(dkeys[k].flag ? "" : val);
	set[k].line = no;
}

/* The user of host in auth.conf ("user|host:password"), or NULL. Only the
 * user is copied; the text is wiped. */
static char *
auth_user(struct import_out *o, const struct dset *path, const char *host)
{
	struct buf text;
	char *user = NULL;

	buf_init(&text, CONFIG_FILE_MAX);
	if (!import_out_read(o, path->line, "AUTHPATH", path->val, &text)) {
		buf_wipe(&text);
		return NULL;
	}
	for (char *p = text.data; p && *p && !user;) {
		char *nl = strchr(p, '\n'), *bar, *colon;
		if (nl)
			*nl = '\0';
		if (*p != '#' && (bar = strchr(p, '|')) && (colon = strchr(bar, ':'))) {
			*colon = '\0';
			if (strcasecmp(bar + 1, host) == 0)
				user = xstrndup(p, (size_t)(bar - p));
		}
		p = nl ? nl + 1 : NULL;
	}
	buf_wipe(&text);
	if (!user)
		import_out_warn(o, path->line, "AUTHPATH: no line for SMARTHOST in it: no user"
		    " carried over");
	return user;
}

static void
put_auth(struct import_out *o, const struct dset *set)
{
	char *user;

	if (!set[D_AUTHPATH].val)
		return;
	if (!(user = auth_user(o, &set[D_AUTHPATH], set[D_SMARTHOST].val)))
		return;
	if (import_out_put(o, set[D_AUTHPATH].line, "AUTHPATH", "user", user)) {
		import_out_warn(o, set[D_AUTHPATH].line, "AUTHPATH: the password is not carried"
		    " over: --import never prints a secret; copy it alone into a file only root"
		    " and the sealpost group can read, and set password_file to it");
		(void)import_out_line(o, "# password: not carried over; copy it from AUTHPATH"
		    " into a file of its own and set password_file");
	}
	free(user);
}

static void
put_tls(struct import_out *o, const struct dset *set)
{
	const struct dset *s;

	if (!set[D_VERIFYCERT].val && !set[D_FINGERPRINT].val)
		import_out_warn(o, set[D_SECURETRANSFER].line, "SECURETRANSFER: dma does not"
		    " verify the server's certificate without VERIFYCERT; sealpost always does:"
		    " sealpost --probe shows whether it passes");
	if (set[D_OPPORTUNISTIC_TLS].val)
		import_out_warn(o, set[D_OPPORTUNISTIC_TLS].line, "OPPORTUNISTIC_TLS: not carried"
		    " over: sealpost never falls back to plaintext");
	if ((s = &set[D_FINGERPRINT])->val) {
		char pin[80];
		if (strlen(s->val) != 64 || strspn(s->val, "0123456789abcdefABCDEF") != 64)
			import_out_warn(o, s->line, "FINGERPRINT: not carried over: not 64 hex"
			    " digits (a SHA-256)");
		else {
			snprintf(pin, sizeof pin, "sha256:%s", s->val);
			(void)import_out_put(o, s->line, "FINGERPRINT", "tls_fingerprint", pin);
		}
	}
	if ((s = &set[D_CERTFILE])->val) {
		/* dma reads the key from the certificate's file. */
		if (import_out_fits("tls_cert_file", s->val) &&
		    import_out_put(o, s->line, "CERTFILE", "tls_cert_file", s->val))
			(void)import_out_put(o, s->line, "CERTFILE", "tls_key_file", s->val);
		else
			import_out_warn(o, s->line, "CERTFILE: not carried over");
	}
}

/* MASQUERADE [user@][host]: a host is the domain of every sender ([global]
 * maildomain, near enough); user@host is the one sender (in the account). */
static void
put_masquerade(struct import_out *o, const struct dset *s, bool global)
{
	const char *at = strchr(s->val, '@');
	if (!at && global) {
		(void)import_out_put(o, s->line, "MASQUERADE", "maildomain", s->val);
		import_out_warn(o, s->line, "MASQUERADE: written as maildomain, which qualifies"
		    " senders without a domain; sealpost does not rewrite others");
	} else if (at && !at[1] && !global) {
		import_out_warn(o, s->line, "MASQUERADE: not carried over: set from (user@host)"
		    " and from_override = no by hand");
	} else if (at && at[1] && !global &&
	    import_out_put(o, s->line, "MASQUERADE", "from", s->val)) {
		(void)import_out_line(o, "from_override = no");
	}
}

/* false when the smarthost itself cannot be written (a warning says why). */
static bool
convert(struct import_out *o, const struct dset *set)
{
	const struct dset *s;
	bool relay = set[D_SMARTHOST].val != NULL, tls = set[D_SECURETRANSFER].val != NULL;
	unsigned long port = 25;

	(void)import_out_line(o, "# sealpost.conf(5), converted from %s by sealpost --import dma.",
	    import_out_name(o));
	(void)import_out_line(o, "# Read the warnings it printed; check with sealpost"
	    " --check-config -C FILE.");
	(void)import_out_line(o, "[global]");
	if ((s = &set[D_MAILNAME])->val) {
		struct buf text;
		buf_init(&text, IMPORT_LINE_MAX);
		/* An absolute path names a file whose first line is the name. */
		if (s->val[0] != '/')
			(void)import_out_put(o, s->line, "MAILNAME", "hostname", s->val);
		else if (import_out_read(o, s->line, "MAILNAME", s->val, &text)) {
			char name[IMPORT_LINE_MAX + 1];
			snprintf(name, sizeof name, "%.*s", (int)strcspn(buf_str(&text), "\r\n"),
			    buf_str(&text));
			str_trim(name);
			/* Shown only if it is a host name: the file could be any file. */
			if (!*name || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789.-") != strlen(name))
				import_out_warn(o, s->line, "MAILNAME: not carried over: the first line"
				    " of the file is not a host name");
			else
				(void)import_out_put(o, s->line, "MAILNAME", "hostname", name);
			wipe(name, sizeof name);
		}
		buf_wipe(&text);
	}
	if ((s = &set[D_MASQUERADE])->val)
		put_masquerade(o, s, true);
	if ((s = &set[D_ALIASES])->val)
		import_out_aliases(o, s->line, s->val);
	(void)import_out_line(o, "\n[account default]");
	if (!relay) {
		/* No smarthost: dma delivers to the recipients' MX hosts. */
		(void)import_out_line(o, "mode = mx");
		import_out_warn(o, 0, "no SMARTHOST: written as mode = mx; sealpost requires TLS"
		    " to the MX hosts (tls_policy = dane) where dma used none unless told");
	} else {
		if (!import_out_put(o, set[D_SMARTHOST].line, "SMARTHOST", "host",
		    set[D_SMARTHOST].val))
			return false;
		if ((s = &set[D_PORT])->val && (parse_uint(s->val, 65535, &port) != ERR_OK ||
		    port == 0)) {
			import_out_warn(o, s->line, "PORT: not carried over: not a port number");
			port = 25;
		}
		(void)import_out_line(o, "port = %lu", port);
		if (!tls)
			import_out_warn(o, set[D_SMARTHOST].line, "SMARTHOST: dma sends in"
			    " plaintext (no SECURETRANSFER), and sealpost never does: written as"
			    " tls = starttls, which needs a server that offers STARTTLS");
		(void)import_out_line(o, "tls = %s", tls && !set[D_STARTTLS].val ? "implicit" :
		    "starttls");
		if (tls)
			put_tls(o, set);
		put_auth(o, set);
	}
	if ((s = &set[D_MASQUERADE])->val)
		put_masquerade(o, s, false);
	if (relay && !set[D_NULLCLIENT].val)
		import_out_warn(o, 0, "dma delivers mail for local users into their mailboxes (no"
		    " NULLCLIENT); sealpost sends it to [aliases] or admin");
	static const struct {
		enum dkey k;
		const char *why;
	} unsupported[] = {
		{ D_SPOOLDIR, "sealpost has its own queue (queue_dir)" },
		{ D_INSECURE, "sealpost never authenticates in plaintext" },
		{ D_FULLBOUNCE, "sealpost's bounces hold the message's headers" },
		{ D_DEFER, "use sealpost -odb to queue and deliver in the background" },
	};
	for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
		if ((s = &set[unsupported[i].k])->val)
			import_out_warn(o, s->line, "%s: not carried over: %s",
			    dkeys[unsupported[i].k].name, unsupported[i].why);
	if (!relay && set[D_AUTHPATH].val)
		import_out_warn(o, set[D_AUTHPATH].line, "AUTHPATH: not carried over: no"
		    " SMARTHOST to log in to");
	return true;
}

enum err
import_dma(struct import_out *o, const char *text, size_t len, struct buf *err)
{
	char line[IMPORT_LINE_MAX + 1];
	struct import_lines l = { text, len, 0, 0 };
	struct dset set[D_NKEYS];
	int got;

	memset(set, 0, sizeof set);
	while ((got = import_out_next_line(o, &l, line, err)) > 0)
		parse_line(o, set, line, l.no);
	if (got == 0 && !convert(o, set)) {
		errf(err, "%s:%u: SMARTHOST cannot be carried over", import_out_name(o),
		    set[D_SMARTHOST].line);
		got = -1;
	}
	for (size_t k = 0; k < D_NKEYS; k++)
		free(set[k].val);
	return got < 0 ? ERR_CONFIG : ERR_OK;
}
