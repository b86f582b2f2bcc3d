/*
 * Unit tests for util/clock.c: the test clock's arithmetic (scale 1 is the
 * identity, waits shrink by the scale, time never runs backwards), the
 * environment variable's accepted values, and that the process clock
 * without the variable is real time.
 */
#include "util/clock.h"

#include <errno.h>

#include "tests/unit/unit.h"

#define NEAR(a, b) ((a) - (b) < 1e-6 && (b) - (a) < 1e-6)

TEST(test_scale_one_is_the_identity)
{
	struct test_clock c = { .scale = 1.0, .mono0 = 500.0, .wall0 = 1800000000.0 };

	CHECK(NEAR(test_clock_mono(&c, 500.0), 500.0));
	CHECK(NEAR(test_clock_mono(&c, 512.25), 512.25));
	CHECK(NEAR(test_clock_wall(&c, 512.25), 1800000012.25));
	CHECK(NEAR(test_clock_real_sec(&c, 60.0), 60.0));
}

TEST(test_scaled_time_runs_n_times_faster_from_the_origin)
{
	struct test_clock c = { .scale = 20.0, .mono0 = 500.0, .wall0 = 1800000000.0 };

	/* at the origin both clocks read real time */
	CHECK(NEAR(test_clock_mono(&c, 500.0), 500.0));
	CHECK(NEAR(test_clock_wall(&c, 500.0), 1800000000.0));
	/* three real seconds later: a TikTok minute has passed */
	CHECK(NEAR(test_clock_mono(&c, 503.0), 560.0));
	CHECK(NEAR(test_clock_wall(&c, 503.0), 1800000060.0));
}

TEST(test_deadlines_shrink_by_the_scale)
{
	struct test_clock c = { .scale = 20.0, .mono0 = 0, .wall0 = 0 };

	CHECK(NEAR(test_clock_real_sec(&c, 60.0), 3.0));
	CHECK(NEAR(test_clock_real_sec(&c, 0.5), 0.025));
	/* a deadline in the past, or NaN, is "now", never negative */
	CHECK(NEAR(test_clock_real_sec(&c, -4.0), 0.0));
	CHECK(NEAR(test_clock_real_sec(&c, 0.0 / 0.0), 0.0));
}

TEST(test_scaled_monotonic_never_goes_back)
{
	struct test_clock c = { .scale = 10000.0, .mono0 = 1000.0, .wall0 = 1.0e9 };
	double prev = test_clock_mono(&c, 1000.0), prev_wall = test_clock_wall(&c, 1000.0);

	for (int i = 1; i <= 1000; i++) {
		double real = 1000.0 + i * 0.000137;
		double m = test_clock_mono(&c, real), w = test_clock_wall(&c, real);

		CHECK(m >= prev);
		CHECK(w >= prev_wall);
		prev = m;
		prev_wall = w;
	}
}

TEST(test_scale_variable_takes_only_numbers_from_1_to_10000)
{
	double v = 0;

	CHECK_INT(clock_parse_scale("20", &v), 0);
	CHECK(NEAR(v, 20.0));
	CHECK_INT(clock_parse_scale("1", &v), 0);
	CHECK_INT(clock_parse_scale("10000", &v), 0);
	CHECK_INT(clock_parse_scale("2.5", &v), 0);
	CHECK(NEAR(v, 2.5));
	CHECK_INT(clock_parse_scale(NULL, &v), -ENOENT);
	CHECK_INT(clock_parse_scale("", &v), -EINVAL);
	CHECK_INT(clock_parse_scale("0", &v), -EINVAL);
	CHECK_INT(clock_parse_scale("0.5", &v), -EINVAL);
	CHECK_INT(clock_parse_scale("-20", &v), -EINVAL);
	CHECK_INT(clock_parse_scale("10001", &v), -EINVAL);
	CHECK_INT(clock_parse_scale("20x", &v), -EINVAL);
	CHECK_INT(clock_parse_scale("nan", &v), -EINVAL);
	CHECK_INT(clock_parse_scale("inf", &v), -EINVAL);
}

TEST(test_offset_variable_takes_any_finite_number)
{
	double v = 0;

	CHECK_INT(clock_parse_offset("-34200000000.25", &v), 0);
	CHECK(NEAR(v, -34200000000.25));
	CHECK_INT(clock_parse_offset("0", &v), 0);
	CHECK_INT(clock_parse_offset(NULL, &v), -ENOENT);
	CHECK_INT(clock_parse_offset("", &v), -EINVAL);
	CHECK_INT(clock_parse_offset("12s", &v), -EINVAL);
	CHECK_INT(clock_parse_offset("inf", &v), -EINVAL);
}

/* run_unit.py does not set the variable: the process clock is real. */
TEST(test_without_the_variable_the_clock_is_real)
{
	int64_t before = wall_real_now(), w = wall_now(), after = wall_real_now();
	double m0 = mono_real_now(), m = mono_now(), m1 = mono_real_now();

	CHECK(NEAR(clock_scale(), 1.0));
	CHECK(clock_scale_problem() == NULL);
	CHECK(before <= w && w <= after);
	CHECK(m0 <= m && m <= m1);
	CHECK(NEAR(clock_real_sec(7.5), 7.5));
}

UNIT_MAIN()
