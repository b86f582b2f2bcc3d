/*
 * The clocks, once.  Timeouts, settle windows and pacing run on the
 * monotonic clock, which a wall-clock step (NTP, a user setting the date)
 * cannot move; what people read (schedule times, xattrs) is wall time.
 * Both are seconds: monotonic as a double, wall as whole Unix seconds.
 */
#ifndef TIKTOKFS_CLOCK_H
#define TIKTOKFS_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Seconds on CLOCK_MONOTONIC. */
static inline double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Unix seconds on the wall clock. */
static inline int64_t wall_now(void)
{
	return (int64_t)time(NULL);
}

/*
 * The CLOCK_MONOTONIC instant @seconds from now, for pthread_cond_timedwait
 * on a condition variable whose clock was set to CLOCK_MONOTONIC.
 */
static inline struct timespec mono_deadline(double seconds)
{
	struct timespec ts;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (seconds < 0)
		seconds = 0;
	ns = (long long)ts.tv_nsec + (long long)((seconds - (double)(int64_t)seconds) * 1e9);
	ts.tv_sec += (time_t)seconds + (time_t)(ns / 1000000000LL);
	ts.tv_nsec = (long)(ns % 1000000000LL);
	return ts;
}

#endif
