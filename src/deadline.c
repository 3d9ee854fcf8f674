// SPDX-License-Identifier: MIT
/* deadline.c: monotonic deadlines (skarnet's tain_t idea, in milliseconds). */
#include "deadline.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>

#include "util.h"

uint64_t
now_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fatalx("clock_gettime(CLOCK_MONOTONIC) failed");
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int64_t
wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct deadline
deadline_after_ms(uint64_t ms)
{
	struct deadline dl;
	if (clock_gettime(CLOCK_MONOTONIC, &dl.at) != 0)
		fatalx("clock_gettime(CLOCK_MONOTONIC) failed");
	if (ms > (uint64_t)INT_MAX * 1000)
		ms = (uint64_t)INT_MAX * 1000;
	dl.at.tv_sec += (time_t)(ms / 1000);
	dl.at.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (dl.at.tv_nsec >= 1000000000L) {
		dl.at.tv_sec++;
		dl.at.tv_nsec -= 1000000000L;
	}
	return dl;
}

struct deadline
deadline_min(struct deadline a, struct deadline b)
{
	if (a.at.tv_sec != b.at.tv_sec)
		return a.at.tv_sec < b.at.tv_sec ? a : b;
	return a.at.tv_nsec <= b.at.tv_nsec ? a : b;
}

int
deadline_left_ms(const struct deadline *dl)
{
	struct timespec now;
	int64_t ms;
	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		fatalx("clock_gettime(CLOCK_MONOTONIC) failed");
	ms = ((int64_t)dl->at.tv_sec - (int64_t)now.tv_sec) * 1000 +
	     (dl->at.tv_nsec - now.tv_nsec) / 1000000;
	/* Round a partial millisecond up so we never spin on poll(…, 0). */
	if (ms <= 0 && (dl->at.tv_sec > now.tv_sec ||
	    (dl->at.tv_sec == now.tv_sec && dl->at.tv_nsec > now.tv_nsec)))
		ms = 1;
	if (ms < 0)
		return 0;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

bool
deadline_expired(const struct deadline *dl)
{
	return deadline_left_ms(dl) == 0;
}

int
deadline_poll(int fd, short events, const struct deadline *dl)
{
	struct pollfd p = { .fd = fd, .events = events };
	for (;;) {
		int left = deadline_left_ms(dl);
		int r = left ? poll(&p, 1, left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -1 : r > 0;
	}
}
