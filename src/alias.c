// SPDX-License-Identifier: MIT
/* alias.c: local names. A recipient without a domain, or at localhost or
 * this host, goes through [aliases], then "*", then admin, and is never
 * qualified with a public domain; an unqualified sender gets maildomain
 * (or the host name). Pure: no files, no network. */
#include "alias.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "util.h"

/* addr with "@" domain unless it has a domain already. */
static char *
qualify(const char *addr, const char *domain)
{
	struct buf b;
	if (strchr(addr, '@'))
		return xstrdup(addr);
	buf_init(&b, MSG_ADDR_MAX + 300);
	if (buf_addf(&b, "%s@%s", addr, domain) != ERR_OK) {
		buf_free(&b);
		return xstrdup(addr);
	}
	return buf_take(&b);
}

/* Qualify an unqualified address with maildomain (or the host name). */
char *
alias_qualify(const struct config *cfg, const char *addr)
{
	return qualify(addr, cfg->maildomain ? cfg->maildomain : cfg->hostname);
}

const char *
alias_domain(const struct config *cfg, const struct account *acct)
{
	const char *d = acct && acct->from ? addr_domain(acct->from) : NULL;
	if (cfg->maildomain)
		return cfg->maildomain;
	return d && *d ? d : cfg->hostname;
}

char *
alias_qualify_for(const struct config *cfg, const struct account *acct, const char *addr)
{
	return qualify(addr, alias_domain(cfg, acct));
}

static bool
is_local(const struct config *cfg, const char *addr)
{
	const char *d = addr_domain(addr);
	return !d || strcasecmp(d, "localhost") == 0 || strcasecmp(d, cfg->hostname) == 0;
}

enum err
alias_resolve(const struct config *cfg, const struct addr_list *in, struct addr_list *out,
    struct buf *err)
{
	for (size_t i = 0; i < in->n; i++) {
		const char *a = in->v[i];
		if (!is_local(cfg, a)) {
			if (addr_list_add(out, a) != ERR_OK)
				goto toomany;
			continue;
		}
		size_t n = strcspn(a, "@");
		const char *target = NULL;
		for (const struct alias *al = cfg->aliases; al && !target; al = al->next)
			if (strlen(al->name) == n && strncasecmp(al->name, a, n) == 0)
				target = al->target;
		for (const struct alias *al = cfg->aliases; al && !target; al = al->next)
			if (strcmp(al->name, "*") == 0)
				target = al->target;
		if (!target)
			target = cfg->admin;
		if (!target) {
			errf(err, "local recipient <%s>: no [aliases] entry and no admin"
			    " address configured", a);
			return ERR_USAGE;
		}
		struct addr_list tl;
		const char *why = NULL;
		addr_list_init(&tl);
		if (addr_parse_list(target, strlen(target), &tl, &why) != ERR_OK) {
			errf(err, "alias for <%s>: %s", a, why ? why : "bad address list");
			addr_list_free(&tl);
			return ERR_CONFIG;
		}
		for (size_t k = 0; k < tl.n; k++) {
			if (is_local(cfg, tl.v[k])) {
				errf(err, "alias for <%s> leads to another local name <%s>",
				    a, tl.v[k]);
				addr_list_free(&tl);
				return ERR_CONFIG;
			}
			if (addr_list_add(out, tl.v[k]) != ERR_OK) {
				addr_list_free(&tl);
				goto toomany;
			}
		}
		addr_list_free(&tl);
	}
	return ERR_OK;
toomany:
	errf(err, "more than %d recipients", SMTP_RCPT_MAX);
	return ERR_TOOBIG;
}

