// SPDX-License-Identifier: MIT
/* clockshift.c: an LD_PRELOAD library for tests that moves the wall clock
 * by CLOCK_SHIFT_S seconds (may be negative) for one process: time(),
 * gettimeofday() and clock_gettime() on the realtime clocks. The
 * monotonic clock is left alone, as a real clock step leaves it.
 *   cc -shared -fPIC -o clockshift.so clockshift.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long
shift(void)
{
	const char *s = getenv("CLOCK_SHIFT_S");
	return s ? strtol(s, NULL, 10) : 0;
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	int r;
	if (!real)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	r = real(id, ts);
	if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		ts->tv_sec += shift();
	return r;
}

time_t
time(time_t *out)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (out)
		*out = ts.tv_sec;
	return ts.tv_sec;
}

int
gettimeofday(struct timeval *tv, void *tz)
{
	struct timespec ts;
	(void)tz;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}
