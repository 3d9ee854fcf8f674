// SPDX-License-Identifier: MIT
/* privs.c: set-group-ID hygiene. The group is acquired at exec and given
 * up for good before anything a caller controls is parsed with it: a
 * caller's config (-C or ~/.config), and the message itself, which
 * submit.c reads in a child that dropped the group. */
#include "privs.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static bool held;
static gid_t priv_gid;
static bool stdin_closed;

void
privs_init(void)
{
	struct rlimit no_core = { 0, 0 };

	/* Keep 0-2 occupied so no file we open becomes someone's stdout. */
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (fd == 0)
			stdin_closed = true;
		int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (n < 0 || (n != fd && (dup2(n, fd) < 0 || close(n) < 0)))
			_exit(71);      /* EX_OSERR: no /dev/null, nothing sane to do */
	}
	(void)setrlimit(RLIMIT_CORE, &no_core);
	held = getegid() != getgid();
	if (held) {
		/* Nothing the caller left open or set up reaches the group's
		 * process: descriptors above 2 are closed, every signal gets
		 * its default action and none stays blocked. */
		sigset_t none;
		if (close_range(3, ~0U, 0) != 0)
			for (int fd = 3; fd < 1024; fd++)
				(void)close(fd);
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				(void)signal(sig, SIG_DFL);
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
	}
	/* A peer that closes while we write, or a file-size limit, must be an
	 * error we handle (and queue), never a signal that kills us. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);

	if (!held) {
		umask(077);
		return;
	}
	priv_gid = getegid();
	/* Nothing from the caller's environment steers a privileged process. */
	const char *tz = getenv("TZ");
	char *keep_tz = tz && strlen(tz) < 64 && !strchr(tz, '/') ? xstrdup(tz) : NULL;
	if (clearenv() != 0)
		fatalx("cannot clear the environment");
	if (setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) != 0 ||
	    (keep_tz && setenv("TZ", keep_tz, 1) != 0))
		fatalx("cannot set the environment");
	free(keep_tz);
	umask(007);
	if (chdir("/") != 0)
		fatalx("cannot change to /");
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

bool
privs_held(void)
{
	return held;
}

gid_t
privs_gid(void)
{
	return priv_gid;
}

void
privs_drop(void)
{
	gid_t g = getgid();
	if (held) {
		if (setresgid(g, g, g) != 0)
			fatalx("cannot drop the set-group-ID privilege: %s", strerror(errno));
		gid_t r, e, s;
		if (getresgid(&r, &e, &s) != 0 || r != g || e != g || s != g)
			fatalx("the set-group-ID privilege is still held");
		held = false;
		umask(077);
		/* The kernel resets dumpability on a credential change as
		 * fs.suid_dumpable says; ours does not depend on that. */
		(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fatalx("prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
}

bool
privs_stdin_closed(void)
{
	return stdin_closed;
}
