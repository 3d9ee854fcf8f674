// SPDX-License-Identifier: MIT
/* net.c: TCP connect with a deadline per address (s6-tcpclient's local
 * deadline idea). Host names are resolved by getaddrinfo() in a child
 * process under the caller's deadline: getaddrinfo() itself takes none, and
 * a resolver that never answers would otherwise hold sealpost for as long
 * as resolv.conf's timeout and attempts allow, per name and per try. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

int
net_is_ip_literal(const char *s)
{
	unsigned char tmp[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, s, tmp) == 1 || inet_pton(AF_INET6, s, tmp) == 1;
}

static void
addr_str(const struct sockaddr *sa, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    host, sizeof host);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    host, sizeof host);
	snprintf(out, cap, "%s", host);
}

void
net_local_literal(int fd, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char host[INET6_ADDRSTRLEN];
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		snprintf(out, cap, "[127.0.0.1]");
		return;
	}
	addr_str((struct sockaddr *)&ss, host, sizeof host);
	snprintf(out, cap, ss.ss_family == AF_INET6 ? "[IPv6:%s]" : "[%s]", host);
}

/* What getaddrinfo() said, as the resolving child hands it back: one
 * write() of at most PIPE_BUF bytes, so it arrives whole or not at all. */
struct resolved {
	int gai;                /* getaddrinfo()'s status */
	int sys_errno;          /* errno, for EAI_SYSTEM */
	unsigned n;
	struct resolved_addr {
		int family, socktype, protocol;
		socklen_t len;
		struct sockaddr_storage addr;
	} a[NET_ADDRS_MAX];
	char canon[256];        /* AI_CANONNAME's answer, or "" */
};
_Static_assert(sizeof(struct resolved) <= PIPE_BUF, "one atomic pipe write");

static void
resolved_fill(struct resolved *r, const char *host, const char *service,
    const struct addrinfo *hints)
{
	struct addrinfo *res = NULL;

	memset(r, 0, sizeof *r);
	r->gai = getaddrinfo(host, service, hints, &res);
	r->sys_errno = errno;
	if (r->gai != 0)
		return;
	for (const struct addrinfo *ai = res; ai && r->n < NET_ADDRS_MAX; ai = ai->ai_next) {
		struct resolved_addr *a = &r->a[r->n];
		if (ai->ai_addrlen > sizeof a->addr)
			continue;
		a->family = ai->ai_family;
		a->socktype = ai->ai_socktype;
		a->protocol = ai->ai_protocol;
		a->len = ai->ai_addrlen;
		memcpy(&a->addr, ai->ai_addr, ai->ai_addrlen);
		r->n++;
	}
	if (res->ai_canonname)
		snprintf(r->canon, sizeof r->canon, "%s", res->ai_canonname);
	freeaddrinfo(res);
}

/* getaddrinfo(host, service, hints) into *r before dl. A numeric address
 * is converted here; a name is resolved in a child, killed at dl if it
 * has not answered (it can do nothing else: it only resolves and writes,
 * and it dies with us). Errors: ERR_TIMEOUT (dl passed), ERR_IO (no child,
 * or it died without answering); *r->gai says how resolution went. */
static enum err
resolve(const char *host, const char *service, const struct addrinfo *hints,
    const struct deadline *dl, struct resolved *r, struct buf *err)
{
	struct addrinfo numeric = *hints;
	enum err rc = ERR_OK;
	size_t got = 0;
	pid_t parent = getpid(), pid;
	int p[2];

	if (net_is_ip_literal(host)) {
		numeric.ai_flags |= AI_NUMERICHOST;
		resolved_fill(r, host, service, &numeric);
		return ERR_OK;
	}
	if (pipe2(p, O_CLOEXEC) != 0) {
		errf(err, "cannot resolve %s: pipe: %s", host, strerror(errno));
		return ERR_IO;
	}
	if ((pid = fork()) < 0) {
		errf(err, "cannot resolve %s: fork: %s", host, strerror(errno));
		close(p[0]);
		close(p[1]);
		return ERR_IO;
	}
	if (pid == 0) {
		close(p[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(1);
		resolved_fill(r, host, service, hints);
		_exit(write(p[1], r, sizeof *r) == (ssize_t)sizeof *r ? 0 : 1);
	}
	close(p[1]);
	while (got < sizeof *r) {
		int pr = deadline_poll(p[0], POLLIN, dl);
		ssize_t n;
		if (pr <= 0) {
			rc = pr == 0 ? ERR_TIMEOUT : ERR_IO;
			break;
		}
		n = read(p[0], (char *)r + got, sizeof *r - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = ERR_IO;
			break;
		}
		got += (size_t)n;
	}
	close(p[0]);
	if (rc != ERR_OK)
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (rc == ERR_TIMEOUT)
		errf(err, "cannot resolve %s: no answer from the resolver in time", host);
	else if (rc != ERR_OK)
		errf(err, "cannot resolve %s: the resolver process failed", host);
	else if (r->n > NET_ADDRS_MAX)
		r->n = NET_ADDRS_MAX;
	r->canon[sizeof r->canon - 1] = '\0';
	return rc;
}

bool
net_canonical_name(const char *name, uint64_t timeout_ms, char *out, size_t cap)
{
	struct addrinfo hints;
	struct resolved r;
	struct buf err;
	struct deadline dl = deadline_after_ms(timeout_ms);
	bool ok;

	memset(&hints, 0, sizeof hints);
	hints.ai_flags = AI_CANONNAME;
	buf_init(&err, 512);
	ok = resolve(name, NULL, &hints, &dl, &r, &err) == ERR_OK && r.gai == 0 && r.canon[0];
	if (!ok && err.len)
		debug("%s", buf_str(&err));
	buf_free(&err);
	if (ok)
		snprintf(out, cap, "%s", r.canon);
	return ok;
}

/* One address: connect, then wait for writability until dl. */
static enum err
try_one(const struct resolved_addr *ai, const struct deadline *dl, int *fdp, int *err_no)
{
	int fd, one = 1, soerr = 0;
	socklen_t len = sizeof soerr;

	fd = socket(ai->family, ai->socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->protocol);
	if (fd < 0) {
		*err_no = errno;
		return ERR_CONNECT;
	}
	/* Nagle plus delayed ACKs costs ~40 ms per exchange (measured with msmtp; make bench);
	 * we coalesce our own writes instead. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (const struct sockaddr *)&ai->addr, ai->len) != 0) {
		if (errno != EINPROGRESS) {
			*err_no = errno;
			close(fd);
			return ERR_CONNECT;
		}
		int r = deadline_poll(fd, POLLOUT, dl);
		if (r <= 0) {
			*err_no = r == 0 ? ETIMEDOUT : errno;
			close(fd);
			return r == 0 ? ERR_TIMEOUT : ERR_CONNECT;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0) {
			*err_no = soerr ? soerr : errno;
			close(fd);
			return ERR_CONNECT;
		}
	}
	*fdp = fd;
	return ERR_OK;
}

enum err
net_connect(const char *host, const char *shown, unsigned port, uint64_t connect_timeout_ms,
    const struct deadline *dl, int *fd, char *peer, size_t peercap, struct buf *err)
{
	struct addrinfo hints;
	struct resolved res;
	struct deadline rdl = deadline_min(deadline_after_ms(connect_timeout_ms), *dl);
	char service[8];
	enum err rc = ERR_CONNECT;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	snprintf(service, sizeof service, "%u", port);
	/* Resolving the name is part of connecting: it gets connect_timeout too. */
	if (resolve(host, service, &hints, &rdl, &res, err) != ERR_OK)
		return ERR_DNS;
	if (res.gai != 0) {
		errf(err, "cannot resolve %s: %s", host,
		    res.gai == EAI_SYSTEM ? strerror(res.sys_errno) : gai_strerror(res.gai));
		return ERR_DNS;
	}
	if (res.n == 0)
		errf(err, "cannot resolve %s: no address", host);
	for (unsigned i = 0; i < res.n; i++) {
		const struct resolved_addr *ai = &res.a[i];
		char addr[INET6_ADDRSTRLEN];
		int e = 0;
		struct deadline one;
		if (deadline_expired(dl)) {
			rc = ERR_TIMEOUT;
			break;
		}
		one = deadline_min(deadline_after_ms(connect_timeout_ms), *dl);
		addr_str((const struct sockaddr *)&ai->addr, addr, sizeof addr);
		rc = try_one(ai, &one, fd, &e);
		if (rc == ERR_OK) {
			snprintf(peer, peercap, ai->family == AF_INET6 ? "%s[%s]:%u" :
			    "%s[%s]:%u", shown ? shown : host, addr, port);
			break;
		}
		if (err->len)
			errf(err, "; ");
		errf(err, "connect to %s[%s]:%u: %s", host, addr, port, strerror(e));
		trace_note("connect to %s[%s]:%u failed: %s", host, addr, port, strerror(e));
		rc = rc == ERR_TIMEOUT ? ERR_CONNECT : rc;
	}
	return rc;
}
