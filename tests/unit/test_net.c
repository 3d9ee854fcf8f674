// SPDX-License-Identifier: MIT
/* test_net.c: net_connect() and net_canonical_name(): names resolved in a
 * child under the caller's deadline, so that a resolver that never answers
 * costs connect_timeout and no more. The silent-resolver cases need a
 * private mount namespace (root) for their own resolv.conf; without one
 * they are skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "deadline.h"
#include "net.h"

/* A TCP listener on 127.0.0.1; its port into *port. */
static int
listener(unsigned *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
connect_by_address_and_by_name(void **state)
{
	unsigned port;
	int lfd = listener(&port), fd = -1;
	char peer[NET_PEER_MAX + 300];
	struct buf err;
	struct deadline dl = deadline_after_ms(5000);
	(void)state;

	buf_init(&err, 1024);
	assert_int_equal(net_connect("127.0.0.1", NULL, port, 2000, &dl, &fd, peer, sizeof peer,
	    &err), ERR_OK);
	assert_true(strstr(peer, "127.0.0.1[127.0.0.1]:") == peer);
	close(fd);
	/* "localhost" goes through the resolving child (files, not DNS). */
	buf_reset(&err);
	assert_int_equal(net_connect("localhost", "shown.example", port, 2000, &dl, &fd, peer,
	    sizeof peer, &err), ERR_OK);
	assert_true(strstr(peer, "shown.example[") == peer);
	close(fd);
	buf_free(&err);
	close(lfd);
}

/* Point this process's resolver at a UDP socket on 127.53.x.y:53 (from
 * our PID, so that parallel runs do not collide) that never answers, with timeout:30 so any bound seen is ours. Returns the
 * socket, or -1 when that is not possible here (then the test skips). */
static int
silent_resolver(void)
{
	static int sfd = -2;
	char path[] = "/tmp/sealpost-test-resolv.XXXXXX", addr[32], text[128];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	int fd;

	if (sfd != -2)
		return sfd;
	sfd = -1;
	if (geteuid() != 0 || unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -1;
	snprintf(addr, sizeof addr, "127.53.%u.%u", (unsigned)(getpid() >> 8) & 255,
	    ((unsigned)getpid() & 254) + 1);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		return -1;
	int tmp = mkstemp(path);
	if (tmp < 0)
		return -1;
	int n = snprintf(text, sizeof text, "nameserver %s\noptions timeout:30 attempts:1\n", addr);
	bool ok = write(tmp, text, (size_t)n) == (ssize_t)n;
	close(tmp);
	if (!ok || mount(path, "/etc/resolv.conf", NULL, MS_BIND, NULL) != 0) {
		unlink(path);
		return -1;
	}
	unlink(path);   /* the mount keeps it */
	sfd = fd;
	return sfd;
}

static void
connect_gives_up_on_a_silent_resolver_at_connect_timeout(void **state)
{
	char peer[NET_PEER_MAX + 300];
	struct buf err;
	struct deadline dl = deadline_after_ms(20000);
	int fd = -1;
	uint64_t t0;
	(void)state;

	if (silent_resolver() < 0)
		skip();
	buf_init(&err, 1024);
	t0 = now_ms();
	assert_int_equal(net_connect("relay.sealpost.test", NULL, 25, 1000, &dl, &fd, peer,
	    sizeof peer, &err), ERR_DNS);
	uint64_t took = now_ms() - t0;
	assert_true(took >= 900 && took < 3000);
	assert_string_equal(buf_str(&err),
	    "cannot resolve relay.sealpost.test: no answer from the resolver in time");
	assert_int_equal(fd, -1);
	/* The session deadline bounds it too, when it comes first. */
	dl = deadline_after_ms(500);
	buf_reset(&err);
	t0 = now_ms();
	assert_int_equal(net_connect("relay.sealpost.test", NULL, 25, 30000, &dl, &fd, peer,
	    sizeof peer, &err), ERR_DNS);
	took = now_ms() - t0;
	assert_true(took >= 400 && took < 2500);
	buf_free(&err);
}

static void
canonical_name_gives_up_on_a_silent_resolver(void **state)
{
	char out[256] = "unchanged";
	uint64_t t0;
	(void)state;

	if (silent_resolver() < 0)
		skip();
	t0 = now_ms();
	assert_false(net_canonical_name("somehost", 800, out, sizeof out));
	assert_true(now_ms() - t0 < 2500);
	assert_string_equal(out, "unchanged");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(connect_by_address_and_by_name),
		cmocka_unit_test(connect_gives_up_on_a_silent_resolver_at_connect_timeout),
		cmocka_unit_test(canonical_name_gives_up_on_a_silent_resolver),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
