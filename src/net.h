/* SPDX-License-Identifier: MIT */
/* net.h: resolving a host and connecting to it, non-blocking, under deadlines. */
#ifndef SEALPOST_NET_H
#define SEALPOST_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "bounds.h"
#include "buf.h"
#include "deadline.h"
#include "err.h"

#define NET_PEER_MAX 80     /* "[ipv6-address]:port" */

/* net_connect: resolve host (a name in a child process, killed when it
 * has no answer within min(connect_timeout_ms, dl)) and try each of its
 * first NET_ADDRS_MAX addresses in resolver order, each with
 * min(connect_timeout_ms, dl). On success *fd is a connected,
 * non-blocking, close-on-exec TCP socket with TCP_NODELAY, and peer holds
 * "shown[addr]:port" for logs (shown NULL: host; an MX host's name when
 * host is its address). Each failed address is noted in err.
 * Errors: ERR_DNS (no such host, resolver failure), ERR_CONNECT (every
 * address refused or timed out), ERR_TIMEOUT (dl passed). */
enum err net_connect(const char *host, const char *shown, unsigned port,
    uint64_t connect_timeout_ms,
    const struct deadline *dl, int *fd, char *peer, size_t peercap, struct buf *err) WUR;

/* net_canonical_name: name's canonical name (getaddrinfo()'s
 * AI_CANONNAME) into out, resolved as net_connect() resolves, within
 * timeout_ms. false when there is none, or none in time. */
bool net_canonical_name(const char *name, uint64_t timeout_ms, char *out, size_t cap);

/* net_is_ip_literal: true if s is a numeric IPv4 or IPv6 address. */
int net_is_ip_literal(const char *s);

/* net_local_literal: "[192.0.2.1]" or "[IPv6:...]" for the local end of fd,
 * an EHLO argument when the host has no fully qualified name. */
void net_local_literal(int fd, char *out, size_t cap);

#endif
