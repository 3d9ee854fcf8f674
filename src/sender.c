// SPDX-License-Identifier: MIT
/* sender.c: who may send as whom. Decides whether a local user may use an
 * account (allow_users), which envelope sender results from the one the
 * user asked for (from_override), and formats the trace fields that name
 * the submitting user in system mode. The decisions and the formatting
 * are pure; only sender_enforce() asks the password and group databases.
 * Nothing here reads the message or talks to the network. */
#include "sender.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "util.h"

#define TRACE_LINE_MAX  78      /* octets per line (RFC 5322 2.1.1 SHOULD) */
#define TRACE_WORD_MAX  900     /* one word, so a line stays under 998 */

bool
sender_user_allowed(const char *list, const char *user, uid_t uid,
    const char *const *groups, size_t ngroups)
{
	if (uid == 0 || !list)
		return true;
	while (*list) {
		size_t n = strcspn(list, " ");
		if (n == 1 && list[0] == '*')
			return true;
		if (list[0] == '@') {
			for (size_t i = 0; i < ngroups; i++)
				if (groups[i] && strlen(groups[i]) == n - 1 &&
				    memcmp(groups[i], list + 1, n - 1) == 0)
					return true;
		} else if (user && strlen(user) == n && memcmp(user, list, n) == 0) {
			return true;
		}
		list += n;
		while (*list == ' ')
			list++;
	}
	return false;
}

const char *
sender_decide(enum from_override mode, const char *globs, const char *from,
    const char *requested, bool *overridden)
{
	const char *out = requested;
	if (mode == FROVR_NO ||
	    (mode == FROVR_GLOBS && !config_globs_match(globs, *requested ? requested : "<>")))
		out = from;
	*overridden = strcasecmp(out, requested) != 0;
	return out;
}

/* One word of a trace field: printable ASCII only, bounded. */
static char *
clean_word(const char *s)
{
	size_t n = strlen(s);
	if (n > TRACE_WORD_MAX)
		n = TRACE_WORD_MAX;
	char *w = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		w[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	w[n] = '\0';
	return w;
}

/* Append words as one field, folded before a word that would pass the
 * line limit (RFC 5322 2.2.3: the fold is CRLF plus white space). A word
 * is never split, so an address keeps any space it has. */
static enum err
add_field(struct buf *out, const char *const *words, size_t n)
{
	size_t col = 0;
	enum err rc = ERR_OK;
	if (out->len)
		rc = buf_add(out, "\r\n", 2);
	for (size_t i = 0; i < n && rc == ERR_OK; i++) {
		size_t len = strlen(words[i]);
		if (i == 0) {
			rc = buf_add(out, words[i], len);
			col = len;
		} else if (col + 1 + len <= TRACE_LINE_MAX) {
			rc = buf_addf(out, " %s", words[i]);
			col += 1 + len;
		} else {
			rc = buf_addf(out, "\r\n\t%s", words[i]);
			col = 1 + len;
		}
	}
	return rc;
}

enum err
sender_trace(struct buf *out, const char *hostname, unsigned long uid, const char *date,
    const char *user, const char *set_addr, const char *via)
{
	char *host = clean_word(hostname), *who = NULL, *addr = NULL, id[64];
	char hostc[TRACE_WORD_MAX + 2];
	enum err rc;

	/* Postfix's pickup writes "Received: by HOST (Postfix, from userid N)". */
	snprintf(id, sizeof id, "%lu);", uid);
	{
		const char *w[] = { "Received:", "by", host, "(sealpost,", "from", "userid", id };
		rc = add_field(out, w, sizeof w / sizeof w[0]);
	}
	if (rc == ERR_OK)
		rc = buf_addf(out, "\r\n\t%s", date);
	if (rc == ERR_OK && set_addr) {
		/* sendmail's wording, for a sender the user set themselves. */
		who = clean_word(user);
		addr = clean_word(*set_addr ? set_addr : "<>");
		snprintf(hostc, sizeof hostc, "%s:", host);
		const char *w[] = { "X-Authentication-Warning:", hostc, who, "set", "sender",
			"to", addr, "using", via };
		rc = add_field(out, w, sizeof w / sizeof w[0]);
	}
	free(host);
	free(who);
	free(addr);
	return rc;
}

/* The names of the caller's real and supplementary groups (what id(1)
 * shows): the credentials the kernel gives this process, not the group
 * file, so a service started with fewer groups gets no more here. */
static char **
caller_groups(size_t *n)
{
	int ng = getgroups(0, NULL);
	gid_t *gids;
	char **names;

	if (ng < 0)
		ng = 0;
	gids = xcalloc((size_t)ng + 1, sizeof *gids);
	ng = getgroups(ng, gids);
	if (ng < 0)
		ng = 0;
	gids[ng++] = getgid();
	names = xcalloc((size_t)ng, sizeof *names);
	for (int i = 0; i < ng; i++) {
		struct group *gr = getgrgid(gids[i]);
		names[i] = gr && gr->gr_name ? xstrdup(gr->gr_name) : NULL;
	}
	free(gids);
	*n = (size_t)ng;
	return names;
}

enum err
sender_enforce(const struct config *cfg, const struct account *acct,
    const struct submission *sub, const char *from_q, char **sender, char **trace,
    struct buf *notes, struct buf *err)
{
	uid_t uid = getuid();
	struct passwd *pw = getpwuid(uid);
	char *user = pw && pw->pw_name ? xstrdup(pw->pw_name) : NULL, uidname[32];
	const char *requested = sub->sender ? *sender : NULL, *set_addr = NULL;
	bool overridden = false;
	enum err rc = ERR_OK;
	size_t ng = 0;
	char **groups = caller_groups(&ng);

	*trace = NULL;
	snprintf(uidname, sizeof uidname, "uid %lu", (unsigned long)uid);
	if (!sender_user_allowed(acct->allow_users, user, uid, (const char *const *)groups, ng)) {
		char clean[300];
		errf(err, "user %s (uid %lu) may not use account %s (allow_users in %s)",
		    user ? str_sanitize(clean, sizeof clean, user, strlen(user)) : "?",
		    (unsigned long)uid, acct->name, cfg->path ? cfg->path : "the configuration");
		rc = ERR_AUTH;
		goto out;
	}
	if (requested && (acct->from_override == FROVR_YES || from_q)) {
		const char *use = sender_decide(acct->from_override, acct->from_override_globs,
		    from_q, requested, &overridden);
		if (overridden) {
			char clean[MSG_ADDR_MAX + 1];
			str_sanitize(clean, sizeof clean, requested, strlen(requested));
			log_msg(LOG_INFO, "%s (%s): sender <%s> replaced by <%s>"
			    " (account %s: from_override)", user ? user : "?", uidname, clean,
			    use, acct->name);
			if (sub->verbose)
				(void)!buf_addf(notes, "%snotice: sender <%s> replaced by <%s>"
				    " (account %s: from_override)", notes->len ? "\n" : "", clean, use,
				    acct->name);
			free(*sender);
			*sender = xstrdup(use);
		} else if (uid != 0 && (!from_q || strcasecmp(requested, from_q) != 0)) {
			set_addr = requested;
		}
	}
	if (cfg->system) {
		struct buf t;
		char date[64];
		msg_date(date, sizeof date);
		buf_init(&t, 4096);
		/* Fail closed: in system mode no message leaves untraced. */
		if (sender_trace(&t, cfg->hostname ? cfg->hostname : "localhost",
		    (unsigned long)uid, date, user ? user : uidname, set_addr,
		    sub->via ? sub->via : "-f") == ERR_OK) {
			*trace = buf_take(&t);
		} else {
			errf(err, "cannot format the Received: trace field");
			rc = ERR_INTERNAL;
		}
		buf_free(&t);
	}
out:
	for (size_t i = 0; i < ng; i++)
		free(groups[i]);
	free(groups);
	free(user);
	return rc;
}
