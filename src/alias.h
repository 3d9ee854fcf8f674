/* SPDX-License-Identifier: MIT */
/* alias.h: local recipients and unqualified addresses (see alias.c). */
#ifndef SEALPOST_ALIAS_H
#define SEALPOST_ALIAS_H

#include "addr.h"
#include "buf.h"
#include "config.h"
#include "err.h"

/* alias_qualify: addr as is when it has a domain, else addr@maildomain
 * (or @hostname). Returns a malloc'd copy. */
char *alias_qualify(const struct config *cfg, const char *addr);

/* alias_domain: the domain an address without one gets once the account
 * is known: maildomain, else the domain of the account's from (acct may
 * be NULL), else hostname. */
const char *alias_domain(const struct config *cfg, const struct account *acct);

/* alias_qualify_for: addr as is when it has a domain, else
 * addr@alias_domain(cfg, acct). Returns a malloc'd copy. */
char *alias_qualify_for(const struct config *cfg, const struct account *acct,
    const char *addr);

/* alias_resolve: append each address of in to out, local ones replaced
 * by their alias target (an address list). Errors (reason in err):
 * ERR_USAGE (a local name nobody receives: no alias, no "*", no admin),
 * ERR_CONFIG (an alias that does not parse or leads to another local
 * name), ERR_TOOBIG (more than SMTP_RCPT_MAX recipients). */
enum err alias_resolve(const struct config *cfg, const struct addr_list *in,
    struct addr_list *out, struct buf *err) WUR;

#endif
