/*
 * The clocks, once.  Timeouts, retries and pacing run on the monotonic
 * clock, which a wall-clock step (NTP, a user setting the date) cannot move;
 * what people read (schedule times, xattrs) is wall time.  Both are seconds:
 * monotonic as a double, wall as whole Unix seconds.
 *
 * The test clock (for tests only, never for users): with the environment
 * variable TIKTOKFS_TEST_TIME_SCALE=N, N a number from 1 to 10000, mono_now()
 * and wall_now() run N times faster than real time from the moment the
 * clock is first read (wall_now() starts at the real wall time), and every
 * wait made with mono_deadline(), clock_real_sec() or clock_deadline_at()
 * lasts 1/N as long in real time.  The TikTok sandbox runs on the same
 * arithmetic (tests/sandbox/README.md, "The clock"), so a test can run the
 * daemon and TikTok together at ×N and see TikTok's minute-long windows pass
 * in seconds.  Anything else (unset, empty, not a number, out of range) is
 * ignored: the clock is real (clock_scale_problem() says why, for a log).
 * With the scale, TIKTOKFS_TEST_TIME_OFFSET=K (seconds) puts the wall clock
 * exactly on the sandbox's, "real × scale + offset": wall_now() is then the
 * real wall time × N + K, so the daemon's retry_at and the sandbox's record
 * of when things happened can be compared (without it, or if it is not a
 * number, wall_now() starts at the real wall time).
 *
 * Some times are compared with things that do not run faster: file mtimes
 * (the tracker's settle check, the poller), child processes (hook timeouts),
 * log timestamps, network timeouts, random seeds.  They read
 * mono_real_now()/wall_real_now()/mono_real_deadline(), so the choice is
 * visible where it is made.
 */
#ifndef TIKTOKFS_CLOCK_H
#define TIKTOKFS_CLOCK_H

#include <stdint.h>
#include <time.h>

#define CLOCK_SCALE_ENV "TIKTOKFS_TEST_TIME_SCALE"
#define CLOCK_SCALE_MAX 10000.0
#define CLOCK_OFFSET_ENV "TIKTOKFS_TEST_TIME_OFFSET"

/*
 * A scaled clock: at real monotonic instant r, its monotonic time is
 * mono0 + (r - mono0) * scale and its wall time wall0 + (r - mono0) * scale.
 * Scale 1 is real time.
 */
struct test_clock {
	double scale;
	double mono0; /* real CLOCK_MONOTONIC seconds at the origin */
	double wall0; /* real Unix seconds at the origin */
};

/* The scaled instants of the real monotonic instant @real (pure). */
double test_clock_mono(const struct test_clock *c, double real);
double test_clock_wall(const struct test_clock *c, double real);

/* Real seconds that @seconds of scaled time last (pure; never negative). */
double test_clock_real_sec(const struct test_clock *c, double seconds);

/* TIKTOKFS_TEST_TIME_SCALE's value: 0 and *out, or -EINVAL (NULL: -ENOENT). */
int clock_parse_scale(const char *s, double *out);

/* TIKTOKFS_TEST_TIME_OFFSET's value, any finite number: as above. */
int clock_parse_offset(const char *s, double *out);

/* The process's scale (1 without the variable), and why the variable was
 * ignored (NULL when it was not set or was used; static text). */
double clock_scale(void);
const char *clock_scale_problem(void);

/* Real time, for what is compared with real things (see above). */
double mono_real_now(void);
int64_t wall_real_now(void);
struct timespec wall_real_timespec(void); /* CLOCK_REALTIME, as st_mtim */

/* Seconds on the daemon's monotonic clock (scaled under the test clock). */
double mono_now(void);

/* Unix seconds on the daemon's wall clock (scaled under the test clock). */
int64_t wall_now(void);

/* The same with fractions of a second. */
double wall_now_frac(void);

/* Real seconds that @seconds of the daemon's time last: poll() and
 * millisecond timeouts. */
double clock_real_sec(double seconds);

/*
 * The CLOCK_MONOTONIC instant @seconds of the daemon's time from now, for
 * pthread_cond_timedwait on a condition variable whose clock was set to
 * CLOCK_MONOTONIC.  mono_real_deadline() counts real seconds.
 */
struct timespec mono_deadline(double seconds);
struct timespec mono_real_deadline(double seconds);

/* The CLOCK_MONOTONIC instant at which mono_now() reaches @when. */
struct timespec clock_deadline_at(double when);

#endif
