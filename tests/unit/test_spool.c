// SPDX-License-Identifier: MIT
/* test_spool.c: spool_lock() on an entry that a delivering run removes
 * between our open() and our flock(): the lock is then on a file no longer
 * in the queue, and the entry is gone (ERR_EOF), never "locked". This
 * binary is linked with -Wl,--wrap=flock (Makefile) so that the removal
 * can happen exactly there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "spool.h"

#define ID "0123456789ABCDEF"

int __real_flock(int fd, int op);
int __wrap_flock(int fd, int op);

/* What the next flock() does first: nothing, remove the entry's files, or
 * put a new file in the message's place (another entry's, same name). */
static enum { RACE_NONE, RACE_REMOVE, RACE_REPLACE } race;
static struct spool *racing;

int
__wrap_flock(int fd, int op)
{
	if (race != RACE_NONE && racing) {
		int qfd = racing->qfd;
		assert_int_equal(unlinkat(qfd, ID ".msg", 0), 0);
		if (race == RACE_REMOVE) {
			assert_int_equal(unlinkat(qfd, ID ".env", 0), 0);
		} else {
			int n = openat(qfd, ID ".msg", O_WRONLY | O_CREAT | O_EXCL, 0600);
			assert_true(n >= 0);
			close(n);
		}
		race = RACE_NONE;
	}
	return __real_flock(fd, op);
}

struct fixture {
	char dir[64];
	struct spool sp;
	struct buf err;
};

static void
put(int qfd, const char *name)
{
	int fd = openat(qfd, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/sealpost-test-spool.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	chmod(f->dir, 0700);
	buf_init(&f->err, 4096);
	assert_int_equal(spool_open(&f->sp, f->dir, &f->err), ERR_OK);
	put(f->sp.qfd, ID ".msg");
	put(f->sp.qfd, ID ".env");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	spool_close(&f->sp);
	assert_int_equal(system(cmd), 0);
	buf_free(&f->err);
	free(f);
	racing = NULL;
	return 0;
}

static void
lock_an_entry(void **state)
{
	struct fixture *f = *state;
	int fd = -1;
	assert_int_equal(spool_lock(&f->sp, ID, &fd, &f->err), ERR_OK);
	assert_true(fd >= 0);
	close(fd);
}

/* Delivered (both files removed) while we waited for the lock: gone. */
static void
removed_before_the_lock_is_gone(void **state)
{
	struct fixture *f = *state;
	int fd = -1;
	racing = &f->sp;
	race = RACE_REMOVE;
	assert_int_equal(spool_lock(&f->sp, ID, &fd, &f->err), ERR_EOF);
	assert_int_equal(fd, -1);
}

/* The name now holds another file: the one we locked is not the entry. */
static void
replaced_before_the_lock_is_not_the_entry(void **state)
{
	struct fixture *f = *state;
	int fd = -1;
	racing = &f->sp;
	race = RACE_REPLACE;
	assert_int_equal(spool_lock(&f->sp, ID, &fd, &f->err), ERR_EOF);
	assert_int_equal(fd, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(lock_an_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(removed_before_the_lock_is_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(replaced_before_the_lock_is_not_the_entry, setup,
		    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
