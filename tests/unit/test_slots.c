/*
 * Unit tests for meta/job/slots.c: the `slots` line as people write it,
 * the next slot in UTC and in a zone with summer time (the night clocks go
 * forward and the night they go back), the planner (skipping held slots,
 * the daily cap over any 24 hours) and the jitter's bounds with a fixed
 * seed.  Instants are checked against when_parse() of the same wall time,
 * so a test reads as the calendar a user has in mind.
 */
#include "meta/caption/tzdb.h"
#include "meta/caption/when.h"
#include "meta/job/slots.h"
#include "unit.h"

#include <errno.h>

static int64_t at(const char *s)
{
	struct tt_error err;
	int64_t t = 0;

	tt_error_clear(&err);
	if (when_parse(s, &t, NULL, &err) < 0)
		FAILF("when_parse(%s): %s", s, err.what);
	return t;
}

static const struct tzfile *zone(const char *name)
{
	const struct tzfile *tz = NULL;
	char why[256];

	if (tzdb_get(name, &tz, why, sizeof(why)) < 0)
		FAILF("zone %s: %s", name, why);
	return tz;
}

static int parse(const char *text, struct slots *sl)
{
	struct tt_error err;
	int rc;

	tt_error_clear(&err);
	rc = slots_parse(text, sl, &err);
	if (rc < 0)
		FAILF("slots_parse(%s): %s", text, err.what);
	return sl->count;
}

static void refused(const char *text, const char *says)
{
	struct tt_error err;
	struct slots sl;

	tt_error_clear(&err);
	CHECK_INT(slots_parse(text, &sl, &err), -EINVAL);
	CHECK_CONTAINS(err.what, says);
}

TEST(test_week_of_slots_as_the_issue_writes_it)
{
	struct slots sl;

	CHECK_INT(parse("Mon-Fri 09:00,18:00; Sat 12:00", &sl), 11);
	CHECK_INT(parse("daily 09:00", &sl), 7);
	CHECK_INT(parse("09:00, 18:00", &sl), 14);
	CHECK_INT(parse("Fri-Mon 10:00", &sl), 4); /* wraps over the weekend */
	CHECK_INT(parse("mon,Wednesday 7:05", &sl), 2);
	CHECK_INT(parse("Mon 09:00; Mon-Tue 09:00;", &sl), 2); /* the same slot once */
}

TEST(test_bad_slots_say_which_part_and_the_rule)
{
	refused("Mon-Fri 25:00", "25:00 is not a time of day; write HH:MM from 00:00 to 23:59");
	refused("Mon 09:60", "09:60 is not a time of day");
	refused("Funday 09:00", "Funday is not a day; write Mon Tue Wed");
	refused("Mon-Fun 09:00", "is not a day");
	refused("Mon", "\"Mon\" has no time");
	refused("Mon 9", "9 is not a time of day");
	refused("", "names no slot");
	refused(" ; ", "names no slot");
}

TEST(test_next_slot_in_utc_walks_the_week)
{
	struct slots sl;

	parse("Mon-Fri 09:00,18:00; Sat 12:00", &sl);
	/* 2026-12-01 is a Tuesday */
	CHECK_INT(slots_next(&sl, NULL, at("2026-12-01 10:00 UTC")), at("2026-12-01 18:00 UTC"));
	CHECK_INT(slots_next(&sl, NULL, at("2026-12-01 09:00 UTC")), at("2026-12-01 18:00 UTC"));
	CHECK_INT(slots_next(&sl, NULL, at("2026-12-04 18:00 UTC")), at("2026-12-05 12:00 UTC"));
	CHECK_INT(slots_next(&sl, NULL, at("2026-12-05 12:00 UTC")), at("2026-12-07 09:00 UTC"));
	parse("Sun 23:59", &sl);
	CHECK_INT(slots_next(&sl, NULL, at("2026-12-07 00:00 UTC")), at("2026-12-13 23:59 UTC"));
}

TEST(test_slots_are_wall_times_of_the_zone)
{
	const struct tzfile *tz = zone("Europe/Berlin");
	struct slots sl;

	parse("daily 09:00", &sl);
	CHECK_INT(slots_next(&sl, tz, at("2026-12-01 00:00 UTC")),
		  at("2026-12-01 09:00 Europe/Berlin"));
	/* either side of the spring-forward night: 09:00 each day, 23 h apart */
	CHECK_INT(slots_next(&sl, tz, at("2026-03-28 00:00 UTC")),
		  at("2026-03-28 09:00 Europe/Berlin"));
	CHECK_INT(slots_next(&sl, tz, at("2026-03-28 09:00 Europe/Berlin")),
		  at("2026-03-29 09:00 Europe/Berlin"));
	CHECK_INT(at("2026-03-29 09:00 Europe/Berlin") - at("2026-03-28 09:00 Europe/Berlin"),
		  23 * 3600);
}

/* 02:30 does not exist on 2026-03-29 in Berlin: the slot is as much later
 * as the clocks jumped (03:30 CEST), and a 03:30 slot of the same day is
 * then the same slot. */
TEST(test_slot_in_the_skipped_hour_moves_on_by_the_jump)
{
	const struct tzfile *tz = zone("Europe/Berlin");
	struct slots sl;

	parse("Sun 02:30", &sl);
	CHECK_INT(slots_next(&sl, tz, at("2026-03-28 12:00 UTC")),
		  at("2026-03-29 03:30 Europe/Berlin"));
	parse("daily 02:30,03:30", &sl);
	CHECK_INT(slots_next(&sl, tz, at("2026-03-29 00:00 UTC")),
		  at("2026-03-29 03:30 Europe/Berlin"));
	CHECK_INT(slots_next(&sl, tz, at("2026-03-29 03:30 Europe/Berlin")),
		  at("2026-03-30 02:30 Europe/Berlin"));
}

/* 02:30 happens twice on 2026-10-25 in Berlin: the slot is the first, on
 * summer time, and there is one slot, not two. */
TEST(test_slot_in_the_repeated_hour_is_its_first_occurrence_once)
{
	const struct tzfile *tz = zone("Europe/Berlin");
	struct slots sl;
	int64_t first;

	parse("Sun 02:30", &sl);
	first = slots_next(&sl, tz, at("2026-10-24 12:00 UTC"));
	CHECK_INT(first, at("2026-10-25T02:30+02:00"));
	CHECK_INT(slots_next(&sl, tz, first), at("2026-11-01 02:30 Europe/Berlin"));
}

static struct slots_plan_in plan_in(const struct slots *sl, int64_t after, const int64_t *taken,
				    size_t n, int cap)
{
	struct slots_plan_in in = {
	    .sl = sl, .after = after, .taken = taken, .ntaken = n, .cap = cap, .window = 86400};
	return in;
}

TEST(test_planner_skips_held_slots_in_order)
{
	struct slots sl;
	int64_t t = 0;
	int64_t held[] = {at("2026-12-01 18:00 UTC"), at("2026-12-02 09:00 UTC")};
	struct slots_plan_in in;

	parse("Mon-Fri 09:00,18:00", &sl);
	in = plan_in(&sl, at("2026-12-01 10:00 UTC"), held, 2, 15);
	CHECK_INT(slots_plan(&in, &t), 0);
	CHECK_INT(t, at("2026-12-02 18:00 UTC"));
	in.ntaken = 0;
	CHECK_INT(slots_plan(&in, &t), 0);
	CHECK_INT(t, at("2026-12-01 18:00 UTC"));
}

/* Hourly slots and a cap of 15: the 16th post of a day waits until a 24-h
 * window has room, i.e. 24 h after the first. */
TEST(test_planner_never_puts_more_than_the_cap_in_24_hours)
{
	struct slots sl;
	int64_t held[64], t = 0, start = at("2026-12-01 00:00 UTC");
	struct slots_plan_in in;
	size_t n = 0;

	parse("00:00,01:00,02:00,03:00,04:00,05:00,06:00,07:00,08:00,09:00,10:00,11:00,12:00,"
	      "13:00,14:00,15:00,16:00,17:00,18:00,19:00,20:00,21:00,22:00,23:00",
	      &sl);
	for (int i = 0; i < 40; i++) {
		in = plan_in(&sl, start, held, n, 15);
		CHECK_INT(slots_plan(&in, &t), 0);
		held[n++] = t;
	}
	CHECK_INT(held[14], start + 15 * 3600);
	CHECK_INT(held[15], start + 25 * 3600); /* the first left the window */
	for (size_t i = 0; i + 15 < n; i++)
		CHECK(held[i + 15] - held[i] >= 86400);
	in = plan_in(&sl, start, held, 0, 0);
	CHECK_INT(slots_plan(&in, &t), 0); /* no cap: the first slot */
	CHECK_INT(t, start + 3600);
}

TEST(test_planner_without_slots_or_room_says_so)
{
	struct slots none = {{{0}}, 0}, sl;
	int64_t t, held[400];
	struct slots_plan_in in = plan_in(&none, 0, NULL, 0, 15);

	CHECK_INT(slots_plan(&in, &t), -ENOENT);
	parse("Mon 09:00", &sl);
	for (int i = 0; i < 400; i++)
		held[i] = slots_next(&sl, NULL, i ? held[i - 1] : at("2026-12-01 00:00 UTC"));
	in = plan_in(&sl, at("2026-12-01 00:00 UTC"), held, 400, 15);
	CHECK_INT(slots_plan(&in, &t), -ENOSPC);
}

/* xorshift64: the fixed seed makes the run the same every time. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

TEST(test_jitter_stays_within_plus_minus_n_minutes)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int64_t lo = 0, hi = 0;

	for (int i = 0; i < 20000; i++) {
		int64_t j = slots_jitter(10, next_rand(&seed));

		CHECK(j >= -600 && j <= 600);
		lo = j < lo ? j : lo;
		hi = j > hi ? j : hi;
	}
	CHECK(lo < -590 && hi > 590); /* the whole range is used */
	CHECK_INT(slots_jitter(0, next_rand(&seed)), 0);
	CHECK_INT(slots_jitter(10, 0), -600);
	CHECK_INT(slots_jitter(10, 1200), 600);
}

UNIT_MAIN()
