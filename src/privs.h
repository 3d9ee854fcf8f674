/* SPDX-License-Identifier: MIT */
/* privs.h: the set-group-ID model (doc/architecture.md, Privilege model). Installed by
 * `make install-perms`, the binary runs with the group "sealpost", which
 * can read /etc/sealpost.conf and write the system queue. Everything else
 * runs without it. */
#ifndef SEALPOST_PRIVS_H
#define SEALPOST_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

/* privs_init: first thing in main. Makes sure fds 0-2 are open (a closed
 * one gets /dev/null; privs_stdin_closed() remembers it for stdin), turns
 * off core dumps (secrets live in memory), and when the process holds a
 * set-group-ID privilege: clears the environment (keeping only TZ),
 * sets PATH, umask 007 (the queue is group-owned), cwd "/". Otherwise
 * umask 077. */
void privs_init(void);

/* privs_held: true while the set-group-ID privilege is held. */
bool privs_held(void);

/* privs_gid: the privileged group (valid when privs_held() was true at
 * privs_init). */
gid_t privs_gid(void);

/* privs_drop: give up the privilege for good (real, effective and saved
 * group) and forbid regaining any (PR_SET_NO_NEW_PRIVS). Calls fatalx()
 * if it cannot: continuing privileged would be worse. */
void privs_drop(void);

/* privs_stdin_closed: fd 0 was closed when we started. */
bool privs_stdin_closed(void);

#endif
