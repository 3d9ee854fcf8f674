/* SPDX-License-Identifier: MIT */
/* config.h: the INI configuration of sealpost.conf(5): parsing, defaults,
 * validation and permission checks. */
#ifndef SEALPOST_CONFIG_H
#define SEALPOST_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bounds.h"
#include "buf.h"
#include "err.h"
#include "log.h"
#include "tls.h"

enum header_from { HFROM_ADD, HFROM_REPLACE, HFROM_KEEP };
enum acct_mode { ACCT_RELAY, ACCT_MX };
enum tls_policy {
	POLICY_DANE, POLICY_DANE_ONLY, POLICY_VERIFY, POLICY_ENCRYPT, POLICY_MAY,
	POLICY_FINGERPRINT,
};
enum trust_ad { TRUST_AD_AUTO, TRUST_AD_YES, TRUST_AD_NO };

/* dns_trust_anchor's default: Debian's dns-root-data root key. */
#define DNS_TRUST_ANCHOR_DEFAULT "/usr/share/dns/root.key"
enum from_override { FROVR_YES, FROVR_NO, FROVR_GLOBS };

struct account {
	char *name;
	unsigned line;                  /* where the section starts */
	enum acct_mode mode;
	char *host;
	unsigned port;                  /* 0 until defaulted from tls */
	enum tls_mode tls;
	char *tls_ca_file;
	char *tls_fingerprint[CONFIG_PINS_MAX];
	size_t npins;
	char *tls_server_name;
	char *tls_cert_file, *tls_key_file;
	unsigned tls_min_version;       /* 12 or 13 */
	char *tls_priority;
	char *user;
	char *password;                 /* secret: wiped by config_free() */
	char *password_file;
	char *password_command;
	char *auth_mechanisms;          /* ' '-separated, upper case */
	char *from;
	char *match_from;               /* ' '-separated globs */
	enum header_from header_from;
	enum from_override from_override;
	char *from_override_globs;      /* ' '-separated, for FROVR_GLOBS */
	unsigned from_override_line;    /* where it was set; 0: the default */
	char *allow_users;              /* ' '-separated names, @groups, *; NULL: * */
	unsigned mx_port;
	enum tls_policy tls_policy;
	bool mta_sts;
	unsigned mta_sts_port;
	char *mta_sts_ca_file;
	struct account *next;
};

struct domain_policy {
	char *name;
	enum tls_policy policy;
	char *tls_fingerprint[CONFIG_PINS_MAX];
	size_t npins;
	struct domain_policy *next;
};

struct alias {
	char *name;
	char *target;
	struct alias *next;
};

struct config {
	char *path;
	bool system;                    /* read with the set-group-ID privilege */
	char *hostname, *maildomain, *admin;
	bool queue;
	char *queue_dir;
	uint64_t retry_min_ms, retry_max_ms, queue_lifetime_ms;
	bool bounce;
	enum log_target log;
	char *log_path;
	uint64_t connect_timeout_ms, command_timeout_ms, session_timeout_ms;
	char *dns_server;
	enum trust_ad dns_trust_ad;
	bool dns_validate;              /* validate DNSSEC in-process (libunbound) */
	char *dns_trust_anchor;         /* its trust anchor file */
	struct alias *aliases;
	struct account *accounts;
	struct domain_policy *domains;
};

/* config_defaults: fill cfg with the documented defaults, no accounts. */
void config_defaults(struct config *cfg);

/* config_load: read and validate the file at path into cfg (which must come
 * from config_defaults()). On error, err holds "FILE:LINE: what was wrong"
 * (or "FILE: ..."), cfg is left for config_free(). Errors: ERR_CONFIG (missing,
 * unreadable, malformed, invalid, unsafe permissions). */
enum err config_load(struct config *cfg, const char *path, struct buf *err) WUR;

/* config_parse_mem: as config_load for text already in memory (tests,
 * fuzzing); name is used in messages; no permission checks. */
enum err config_parse_mem(struct config *cfg, const char *name, const char *text,
    size_t len, struct buf *err) WUR;

/* config_find_account: by name; NULL if there is none. */
struct account *config_find_account(const struct config *cfg, const char *name);

/* config_pick_account: -a NAME when name is set, else the first account whose
 * match_from matches sender, else "default". NULL with a message in err. */
struct account *config_pick_account(const struct config *cfg, const char *name,
    const char *sender, struct buf *err);

/* config_globs_match: does s match one of the ' '-separated globs
 * (fnmatch, case-insensitive)? */
bool config_globs_match(const char *globs, const char *s);

/* config_dump: the effective settings, secrets redacted (--check-config). */
void config_dump(const struct config *cfg, FILE *out);

void config_free(struct config *cfg);

/* config_wipe_secrets: overwrite every inline password in memory (for a
 * process that must keep no secret, such as the intake child). */
void config_wipe_secrets(const struct config *cfg);

const char *tls_policy_str(enum tls_policy p);

#endif
