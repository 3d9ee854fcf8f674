/* SPDX-License-Identifier: MIT */
/* deadline.h: absolute CLOCK_MONOTONIC deadlines for every blocking call. */
#ifndef SEALPOST_DEADLINE_H
#define SEALPOST_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct deadline {
	struct timespec at;
};

/* deadline_after_ms: now + ms. */
struct deadline deadline_after_ms(uint64_t ms);
/* deadline_min: the earlier of a and b. */
struct deadline deadline_min(struct deadline a, struct deadline b);
/* deadline_left_ms: milliseconds left, 0 when passed, capped at INT_MAX:
 * directly usable as a poll() timeout. */
int deadline_left_ms(const struct deadline *dl);
bool deadline_expired(const struct deadline *dl);
/* deadline_poll: wait until fd is ready for events or dl passes, retrying
 * after signals. Returns 1 ready, 0 timed out, -1 error (errno set). */
int deadline_poll(int fd, short events, const struct deadline *dl);

/* now_ms: CLOCK_MONOTONIC in milliseconds. */
uint64_t now_ms(void);
/* wall_ms: CLOCK_REALTIME in milliseconds (for ages, not for deadlines). */
int64_t wall_ms(void);

#endif
