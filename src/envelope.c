// SPDX-License-Identifier: MIT
/* envelope.c: the one envelope of a message (sender, DSN, owner, times,
 * per-recipient address, state and last reply) and its on-disk text
 * format. Pure: no files, no sockets; spool.c stores the text, the fuzz
 * target and the unit tests drive it directly.
 *
 * Text format (the queue's q/ID.env), one "key: value" per line, in
 * this order:
 *   sealpost-envelope: 1
 *   id: ID
 *   created: UNIXTIME        next-try: UNIXTIME      attempts: N
 *   size: BYTES              sender: ADDR (empty for <>)
 *   account: NAME            notify: ...   ret: ...   envid: ...  (optional)
 *   owner: UID   last-try: UNIXTIME   queued-for: SECONDS            (optional)
 *   flags: [8bit] [smtputf8] [bounce]                               (optional)
 *   last-error: TEXT                                                (optional)
 *   rcpt: pending|done|failed ADDR     (one per recipient, each optionally
 *   reply: TEXT                         followed by its last reply)
 *   end: ID
 * A file without the end marker, with an unknown key, or with a bad value
 * is corrupt and gets quarantined. */
#include "envelope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "bounds.h"
#include "util.h"

void
envelope_init(struct envelope *env)
{
	memset(env, 0, sizeof *env);
	env->owner = -1;
}

void
envelope_free(struct envelope *env)
{
	for (size_t i = 0; i < env->nrcpts; i++) {
		free(env->rcpts[i].addr);
		free(env->rcpts[i].reply);
	}
	free(env->rcpts);
	free(env->sender);
	free(env->account);
	free(env->dsn_notify);
	free(env->dsn_ret);
	free(env->dsn_envid);
	free(env->last_error);
	envelope_init(env);
}

void
envelope_add_rcpt(struct envelope *env, const char *addr)
{
	env->rcpts = xrealloc(env->rcpts, (env->nrcpts + 1) * sizeof *env->rcpts);
	env->rcpts[env->nrcpts].addr = xstrdup(addr);
	env->rcpts[env->nrcpts].state = RCPT_PENDING;
	env->rcpts[env->nrcpts].reply = NULL;
	env->rcpts[env->nrcpts].attempt = false;
	env->rcpts[env->nrcpts].cls = RES_TEMP;
	env->rcpts[env->nrcpts].code = 0;
	env->nrcpts++;
}

size_t
envelope_select_pending(struct envelope *env)
{
	size_t n = 0;
	for (size_t i = 0; i < env->nrcpts; i++) {
		struct envelope_rcpt *r = &env->rcpts[i];
		r->attempt = false;
		if (r->state != RCPT_PENDING)
			continue;
		for (size_t k = 0; k < i && r->state == RCPT_PENDING; k++)
			if (env->rcpts[k].attempt && addr_same(env->rcpts[k].addr, r->addr))
				r->state = RCPT_DONE;
		if (r->state != RCPT_PENDING)
			continue;
		r->attempt = true;
		envelope_rcpt_set(r, RES_TEMP, 0, "not attempted");
		n++;
	}
	return n;
}

void
envelope_share(struct envelope *env, enum res cls, const char *text)
{
	for (size_t i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].attempt)
			envelope_rcpt_set(&env->rcpts[i], cls == RES_OK ? RES_TEMP : cls, 0, text);
}

size_t
envelope_accepted(const struct envelope *env)
{
	size_t n = 0;
	for (size_t i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].attempt && env->rcpts[i].cls == RES_OK)
			n++;
	return n;
}

void
envelope_rcpt_set(struct envelope_rcpt *r, enum res cls, int code, const char *reply)
{
	r->cls = cls;
	r->code = code;
	if (reply) {
		free(r->reply);
		r->reply = xstrdup(reply);
	}
}

size_t
envelope_pending(const struct envelope *env)
{
	size_t n = 0;
	for (size_t i = 0; i < env->nrcpts; i++)
		n += env->rcpts[i].state == RCPT_PENDING;
	return n;
}

bool
envelope_valid_id(const char *id)
{
	if (strlen(id) != ENVELOPE_ID_LEN)
		return false;
	for (const char *c = id; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'F')))
			return false;
	return true;
}

static const char *const state_names[] = { "pending", "done", "failed" };

/* One value per line: no line breaks or other controls may get in. */
static enum err
add_kv(struct buf *b, const char *k, const char *v)
{
	char clean[SMTP_TEXT_SHOWN_MAX * 2 + 1];
	if (!v)
		return ERR_OK;
	if (has_ctl(v, strlen(v))) {
		str_sanitize(clean, sizeof clean, v, strlen(v));
		v = clean;
	}
	return buf_addf(b, "%s: %s\n", k, v);
}

enum err
envelope_format(const struct envelope *env, struct buf *out)
{
	enum err rc = buf_addf(out, "sealpost-envelope: 1\nid: %s\ncreated: %lld\nnext-try: %lld\n"
	    "attempts: %u\nsize: %llu\n", env->id, (long long)env->created,
	    (long long)env->next_try, env->attempts, (unsigned long long)env->size);
	if (rc == ERR_OK)
		rc = buf_addf(out, "sender: %s\n", env->sender ? env->sender : "");
	if (rc == ERR_OK) rc = add_kv(out, "account", env->account);
	if (rc == ERR_OK) rc = add_kv(out, "notify", env->dsn_notify);
	if (rc == ERR_OK) rc = add_kv(out, "ret", env->dsn_ret);
	if (rc == ERR_OK) rc = add_kv(out, "envid", env->dsn_envid);
	if (rc == ERR_OK && env->owner >= 0)
		rc = buf_addf(out, "owner: %lld\n", (long long)env->owner);
	if (rc == ERR_OK && env->last_try > 0)
		rc = buf_addf(out, "last-try: %lld\n", (long long)env->last_try);
	if (rc == ERR_OK && env->queued_for > 0)
		rc = buf_addf(out, "queued-for: %lld\n", (long long)env->queued_for);
	if (rc == ERR_OK && (env->eightbit || env->smtputf8 || env->is_bounce || env->tls_optional))
		rc = buf_addf(out, "flags:%s%s%s%s\n", env->eightbit ? " 8bit" : "",
		    env->smtputf8 ? " smtputf8" : "", env->is_bounce ? " bounce" : "",
		    env->tls_optional ? " tls-optional" : "");
	if (rc == ERR_OK) rc = add_kv(out, "last-error", env->last_error);
	for (size_t i = 0; rc == ERR_OK && i < env->nrcpts; i++) {
		rc = buf_addf(out, "rcpt: %s %s\n", state_names[env->rcpts[i].state],
		    env->rcpts[i].addr);
		if (rc == ERR_OK)
			rc = add_kv(out, "reply", env->rcpts[i].reply);
	}
	if (rc == ERR_OK)
		rc = buf_addf(out, "end: %s\n", env->id);
	return rc;
}

static bool
parse_i64(const char *v, int64_t *out)
{
	unsigned long u;
	if (parse_uint(v, 0x7fffffffffffUL, &u) != ERR_OK)
		return false;
	*out = (int64_t)u;
	return true;
}

/* The keys that may appear only once; the first K_SENDER + 1 of them
 * are required. */
enum ekey { K_MAGIC, K_ID, K_CREATED, K_NEXT, K_ATTEMPTS, K_SIZE, K_SENDER, K_ACCOUNT,
	K_NOTIFY, K_RET, K_ENVID, K_FLAGS, K_LASTERR, K_OWNER, K_LASTTRY, K_QUEUEDFOR,
	K_NKEYS };
static const char *const scalar[K_NKEYS] = { "sealpost-envelope", "id", "created",
	"next-try", "attempts", "size", "sender", "account", "notify", "ret", "envid",
	"flags", "last-error", "owner", "last-try", "queued-for" };

/* One line of the text, split at its first colon. */
struct kv {
	char key[32];
	char *val;              /* allocated; the text after one optional space */
};

/* The next line at *pos, without its newline; *pos moves past it. */
static enum err
take_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n,
    const char **why)
{
	const char *nl = memchr(text + *pos, '\n', len - *pos);
	if (!nl) {
		*why = "last line not terminated";
		return ERR_DATA;
	}
	*line = text + *pos;
	*n = (size_t)(nl - *line);
	*pos += *n + 1;
	return ERR_OK;
}

static enum err
split_kv(const char *line, size_t n, struct kv *kv, const char **why)
{
	const char *colon = memchr(line, ':', n);
	size_t klen, voff;

	if (!colon || (size_t)(colon - line) >= sizeof kv->key) {
		*why = "line without a key";
		return ERR_DATA;
	}
	klen = (size_t)(colon - line);
	memcpy(kv->key, line, klen);
	kv->key[klen] = '\0';
	voff = klen + 1;
	if (voff < n && line[voff] == ' ')
		voff++;
	kv->val = xstrndup(line + voff, n - voff);
	if (has_ctl(kv->val, strlen(kv->val))) {
		*why = "control character in a value";
		return ERR_DATA;
	}
	return ERR_OK;
}

static bool
parse_flags(struct envelope *env, char *val)
{
	char *save = NULL;
	bool ok = true;
	for (char *w = strtok_r(val, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (strcmp(w, "8bit") == 0) env->eightbit = true;
		else if (strcmp(w, "smtputf8") == 0) env->smtputf8 = true;
		else if (strcmp(w, "bounce") == 0) env->is_bounce = true;
		else if (strcmp(w, "tls-optional") == 0) env->tls_optional = true;
		else ok = false;
	}
	return ok;
}

/* The value of scalar key k. A string value is taken over (*val becomes
 * NULL); first says whether this is the first line of the text. */
static bool
set_scalar(struct envelope *env, enum ekey k, char **val, bool first)
{
	char *v = *val;
	unsigned long u;
	bool ok = true;

	switch (k) {
	case K_MAGIC: ok = strcmp(v, "1") == 0 && first; break;
	case K_ID:
		ok = envelope_valid_id(v);
		if (ok)
			memcpy(env->id, v, ENVELOPE_ID_LEN + 1);
		break;
	case K_CREATED: ok = parse_i64(v, &env->created); break;
	case K_NEXT: ok = parse_i64(v, &env->next_try); break;
	case K_ATTEMPTS:
		ok = parse_uint(v, 1000000, &u) == ERR_OK;
		env->attempts = (unsigned)u;
		break;
	case K_SIZE:
		ok = parse_uint(v, (unsigned long)-1, &u) == ERR_OK;
		env->size = (uint64_t)u;
		break;
	case K_SENDER: ok = strlen(v) <= MSG_ADDR_MAX; env->sender = v; *val = NULL; break;
	case K_ACCOUNT: ok = *v != '\0'; env->account = v; *val = NULL; break;
	case K_NOTIFY: env->dsn_notify = v; *val = NULL; break;
	case K_RET: env->dsn_ret = v; *val = NULL; break;
	case K_ENVID: env->dsn_envid = v; *val = NULL; break;
	case K_FLAGS: ok = parse_flags(env, v); break;
	case K_LASTERR: env->last_error = v; *val = NULL; break;
	case K_OWNER:
		ok = parse_uint(v, 0x7fffffffUL, &u) == ERR_OK;
		env->owner = (int64_t)u;
		break;
	case K_LASTTRY: ok = parse_i64(v, &env->last_try); break;
	case K_QUEUEDFOR: ok = parse_i64(v, &env->queued_for); break;
	case K_NKEYS: ok = false; break;
	}
	return ok;
}

/* "rcpt: STATE ADDR": a recipient. */
static bool
add_rcpt_line(struct envelope *env, char *val)
{
	char *sp = strchr(val, ' ');
	int st;
	bool ok = sp && sp[1] && strlen(sp + 1) <= MSG_ADDR_MAX && env->nrcpts < SMTP_RCPT_MAX;
	if (ok) {
		*sp = '\0';
		for (st = 0; st < 3; st++)
			if (strcmp(val, state_names[st]) == 0)
				break;
		ok = st < 3;
		if (ok) {
			envelope_add_rcpt(env, sp + 1);
			env->rcpts[env->nrcpts - 1].state = (enum rcpt_state)st;
		}
	}
	return ok;
}

/* A key that may repeat (rcpt, reply) or ends the text (end). *val is
 * taken over when stored. */
static enum err
set_list_key(struct envelope *env, const char *key, char **val, unsigned seen, bool *ended,
    bool *ok, const char **why)
{
	if (strcmp(key, "rcpt") == 0) {
		*ok = add_rcpt_line(env, *val);
	} else if (strcmp(key, "reply") == 0) {
		*ok = env->nrcpts > 0 && !env->rcpts[env->nrcpts - 1].reply;
		if (*ok) {
			env->rcpts[env->nrcpts - 1].reply = *val;
			*val = NULL;
		}
	} else if (strcmp(key, "end") == 0) {
		*ok = (seen & (1u << K_ID)) && strcmp(*val, env->id) == 0;
		*ended = true;
	} else {
		*why = "unknown key";
		return ERR_DATA;
	}
	return ERR_OK;
}

/* One "key: value" line, checked against the keys seen so far. */
static enum err
parse_line(struct envelope *env, const char *key, char **val, bool first, unsigned *seen,
    bool *ended, const char **why)
{
	int k;
	bool ok = true;

	for (k = 0; k < K_NKEYS; k++)
		if (strcmp(key, scalar[k]) == 0)
			break;
	if (k == K_NKEYS) {
		if (set_list_key(env, key, val, *seen, ended, &ok, why) != ERR_OK)
			return ERR_DATA;
	} else {
		if (*seen & (1u << k)) {
			*why = "a key appears twice";
			return ERR_DATA;
		}
		if (k != K_MAGIC && !(*seen & 1u)) {
			*why = "missing version line";
			return ERR_DATA;
		}
		*seen |= 1u << k;
		ok = set_scalar(env, (enum ekey)k, val, first);
	}
	if (!ok) {
		*why = "bad value";
		return ERR_DATA;
	}
	return ERR_OK;
}

/* After the last line: is anything missing? */
static enum err
check_complete(const struct envelope *env, unsigned seen, bool ended, const char **why)
{
	if (!ended) {
		*why = "no end marker (truncated?)";
		return ERR_DATA;
	}
	for (int k = 0; k <= K_SENDER; k++) {
		if (!(seen & (1u << k))) {
			*why = "a required key is missing";
			return ERR_DATA;
		}
	}
	if (env->nrcpts == 0) {
		*why = "no recipients";
		return ERR_DATA;
	}
	return ERR_OK;
}

enum err
envelope_parse(const char *text, size_t len, struct envelope *env, const char **why)
{
	size_t pos = 0;
	unsigned seen = 0;
	bool ended = false;
	enum err rc = ERR_OK;

	*why = NULL;
	envelope_init(env);
	if (memchr(text, '\0', len)) {
		*why = "NUL byte";
		return ERR_DATA;
	}
	while (rc == ERR_OK && pos < len) {
		struct kv kv = { .val = NULL };
		const char *line;
		size_t n;
		bool first = pos == 0;
		if ((rc = take_line(text, len, &pos, &line, &n, why)) != ERR_OK)
			break;
		if (ended) {
			*why = "data after the end marker";
			rc = ERR_DATA;
		} else if ((rc = split_kv(line, n, &kv, why)) == ERR_OK) {
			rc = parse_line(env, kv.key, &kv.val, first, &seen, &ended, why);
		}
		free(kv.val);
	}
	if (rc == ERR_OK)
		rc = check_complete(env, seen, ended, why);
	if (rc != ERR_OK)
		envelope_free(env);
	return rc;
}
