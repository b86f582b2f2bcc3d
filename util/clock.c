/*
 * The clocks (util/clock.h): real CLOCK_MONOTONIC and CLOCK_REALTIME, and
 * the test clock that runs them N times faster when TIKTOKFS_TEST_TIME_SCALE
 * says so.  The environment is read once, on the first read of any clock
 * (pthread_once: the daemon's threads may race to it), and the origin is
 * fixed then; afterwards the state is read-only, so no lock is needed.
 */
#include "util/clock.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

static struct test_clock the_clock = { .scale = 1.0 };
static const char *scale_problem;
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

double test_clock_mono(const struct test_clock *c, double real)
{
	return c->mono0 + (real - c->mono0) * c->scale;
}

double test_clock_wall(const struct test_clock *c, double real)
{
	return c->wall0 + (real - c->mono0) * c->scale;
}

double test_clock_real_sec(const struct test_clock *c, double seconds)
{
	if (!(seconds > 0))
		return 0; /* also NaN */
	return seconds / c->scale;
}

int clock_parse_scale(const char *s, double *out)
{
	char *end;
	double v;

	if (!s)
		return -ENOENT;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v) || v < 1.0 || v > CLOCK_SCALE_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

int clock_parse_offset(const char *s, double *out)
{
	char *end;
	double v;

	if (!s)
		return -ENOENT;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

static double real_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void clock_setup(void)
{
	const char *env = getenv(CLOCK_SCALE_ENV);
	double scale, offset;

	the_clock.mono0 = real_clock(CLOCK_MONOTONIC);
	the_clock.wall0 = real_clock(CLOCK_REALTIME);
	if (!env || !*env)
		return;
	if (clock_parse_scale(env, &scale) < 0) {
		scale_problem = CLOCK_SCALE_ENV " is not a number from 1 to 10000; "
						"the clock runs at real speed";
		return;
	}
	the_clock.scale = scale;
	/* the sandbox's "real × scale + offset", from the same instant */
	if (clock_parse_offset(getenv(CLOCK_OFFSET_ENV), &offset) == 0)
		the_clock.wall0 = the_clock.wall0 * scale + offset;
}

static const struct test_clock *clk(void)
{
	pthread_once(&clock_once, clock_setup);
	return &the_clock;
}

double clock_scale(void)
{
	return clk()->scale;
}

const char *clock_scale_problem(void)
{
	clk();
	return scale_problem;
}

double mono_real_now(void)
{
	return real_clock(CLOCK_MONOTONIC);
}

int64_t wall_real_now(void)
{
	return (int64_t)time(NULL);
}

struct timespec wall_real_timespec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

double mono_now(void)
{
	const struct test_clock *c = clk();

	if (c->scale == 1.0)
		return mono_real_now();
	return test_clock_mono(c, mono_real_now());
}

double wall_now_frac(void)
{
	const struct test_clock *c = clk();

	if (c->scale == 1.0)
		return real_clock(CLOCK_REALTIME);
	return test_clock_wall(c, mono_real_now());
}

int64_t wall_now(void)
{
	if (clk()->scale == 1.0)
		return wall_real_now(); /* exactly time(NULL), as before */
	return (int64_t)wall_now_frac(); /* positive: truncation is floor */
}

double clock_real_sec(double seconds)
{
	return test_clock_real_sec(clk(), seconds);
}

struct timespec mono_real_deadline(double seconds)
{
	struct timespec ts;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (!(seconds > 0))
		seconds = 0;
	if (seconds > 1e9)
		seconds = 1e9; /* "forever" must not overflow time_t */
	ns = (long long)ts.tv_nsec + (long long)((seconds - (double)(int64_t)seconds) * 1e9);
	ts.tv_sec += (time_t)seconds + (time_t)(ns / 1000000000LL);
	ts.tv_nsec = (long)(ns % 1000000000LL);
	return ts;
}

struct timespec mono_deadline(double seconds)
{
	return mono_real_deadline(clock_real_sec(seconds));
}

struct timespec clock_deadline_at(double when)
{
	return mono_deadline(when - mono_now());
}
