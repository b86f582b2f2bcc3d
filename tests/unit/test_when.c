/* Unit tests for meta/when.c: schedule times across DST, offsets, errors. */
#include "meta/when.h"
#include "unit.h"

#include <stdlib.h>

static char why[512];

static int64_t parse_ok(const char *s, bool *amb)
{
	int64_t at = -1;
	why[0] = '\0';
	if (when_parse(s, &at, amb, why, sizeof(why)))
		FAILF("\"%s\" refused: %s", s, why);
	return at;
}

static void parse_bad(const char *s, const char *phrase)
{
	int64_t at = 0;
	why[0] = '\0';
	if (!when_parse(s, &at, NULL, why, sizeof(why)))
		FAILF("\"%s\" accepted as %lld", s, (long long)at);
	else if (!strstr(why, phrase))
		FAILF("\"%s\": \"%s\" lacks \"%s\"", s, why, phrase);
}

TEST(test_berlin_winter_and_summer_times_convert_to_utc)
{
	bool amb = true;
	CHECK_INT(parse_ok("2026-12-01 18:00 Europe/Berlin", &amb), 1796144400); /* CET, +1 */
	CHECK(!amb);
	CHECK_INT(parse_ok("2026-07-01 18:00 Europe/Berlin", NULL), 1782921600); /* CEST, +2 */
	CHECK_INT(parse_ok("  2026-12-01T18:00:00 Europe/Berlin  ", NULL), 1796144400);
}

TEST(test_berlin_spring_forward_gap_is_an_error_naming_it)
{
	CHECK_INT(parse_ok("2026-03-29 01:59 Europe/Berlin", NULL), 1774745940);
	CHECK_INT(parse_ok("2026-03-29 03:00 Europe/Berlin", NULL), 1774746000);
	parse_bad("2026-03-29 02:30 Europe/Berlin", "does not exist in Europe/Berlin");
	parse_bad("2026-03-29 02:00 Europe/Berlin", "does not exist");
}

/* 01:30 and 03:30 that night are one hour apart, not two: 00:30Z and 01:30Z. */
TEST(test_berlin_times_across_the_spring_change_are_an_hour_apart)
{
	CHECK_INT(parse_ok("2026-03-29 01:30 Europe/Berlin", NULL), 1774747800 - 3600);
	CHECK_INT(parse_ok("2026-03-29 03:30 Europe/Berlin", NULL), 1774747800);
	CHECK_INT(parse_ok("2026-03-29T03:30:00+02:00", NULL), 1774747800);
}

TEST(test_berlin_fall_back_takes_the_first_occurrence)
{
	bool amb = false;
	/* 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET). */
	CHECK_INT(parse_ok("2026-10-25 02:30 Europe/Berlin", &amb), 1792888200);
	CHECK(amb);
	CHECK_INT(parse_ok("2026-10-25 03:00 Europe/Berlin", &amb), 1792893600);
	CHECK(!amb);
}

TEST(test_new_york_across_dst)
{
	bool amb = false;
	CHECK_INT(parse_ok("2026-12-01 18:00 America/New_York", NULL), 1796166000); /* EST, -5 */
	parse_bad("2026-03-08 02:30 America/New_York", "does not exist in America/New_York");
	/* 01:30 on 2026-11-01 is 05:30Z (EDT) first, then 06:30Z (EST). */
	CHECK_INT(parse_ok("2026-11-01 01:30 America/New_York", &amb), 1793511000);
	CHECK(amb);
	CHECK_INT(parse_ok("2026-11-01 02:30 America/New_York", &amb), 1793511000 + 2 * 3600);
	CHECK(!amb);
}

TEST(test_iso_offsets_and_z)
{
	CHECK_INT(parse_ok("2026-12-01T18:00:00+01:00", NULL), 1796144400);
	CHECK_INT(parse_ok("2026-12-01T18:00+01:00", NULL), 1796144400);
	CHECK_INT(parse_ok("2026-12-01 18:00+0100", NULL), 1796144400);
	CHECK_INT(parse_ok("2026-12-01 17:00:00Z", NULL), 1796144400);
	CHECK_INT(parse_ok("2026-12-01t17:00z", NULL), 1796144400);
	CHECK_INT(parse_ok("2026-12-01 12:00-05:00", NULL), 1796144400);
	CHECK_INT(parse_ok("2026-12-01 17:00:00.250Z", NULL), 1796144400);
	CHECK_INT(parse_ok("2026-12-01 18:00 UTC", NULL), 1796144400 + 3600);
	CHECK_INT(parse_ok("2026-12-01 17:00 Z", NULL), 1796144400);
	CHECK_INT(parse_ok("2026-12-01 18:00 +01:00", NULL), 1796144400);
	CHECK_INT(parse_ok("2028-02-29 10:00Z", NULL), 1835431200);
}

TEST(test_bad_dates_and_times_say_how_to_write_them)
{
	parse_bad("2026-13-01 18:00", "is not a date; write 2026-12-01 18:00 Europe/Berlin or "
				      "2026-12-01T18:00+01:00");
	parse_bad("2026-02-29 10:00Z", "is not a date");
	parse_bad("2026-04-31 10:00Z", "is not a date");
	parse_bad("26-12-01 10:00Z", "is not a date");
	parse_bad("tomorrow", "is not a date");
	parse_bad("", "is not a date");
	parse_bad("2026-12-01", "has no time of day");
	parse_bad("2026-12-01 24:00Z", "is not a time of day");
	parse_bad("2026-12-01 18:60Z", "is not a time of day");
	parse_bad("2026-12-01 18:00:61Z", "is not a time of day");
	parse_bad("2026-12-01 6pm Europe/Berlin", "is not a time of day");
	parse_bad("2026-12-01 18:00", "has no time zone");
	parse_bad("2026-12-01 18:00+25:00", "beyond 18 hours");
	parse_bad("2026-12-01 18:00+1", "bad UTC offset");
	parse_bad("2026-12-01 18:00Z tomorrow", "unexpected text");
	parse_bad("2026-12-01 18:00 Europe/Berlin x", "is not a date");
}

TEST(test_unknown_or_escaping_zone_names_are_refused)
{
	parse_bad("2026-12-01 18:00 Mars/Olympus_Mons", "unknown time zone (Mars/Olympus_Mons)");
	parse_bad("2026-12-01 18:00 Europe/Berln", "unknown time zone");
	parse_bad("2026-12-01 18:00 ../../../etc/passwd", "unknown time zone");
	parse_bad("2026-12-01 18:00 /usr/share/zoneinfo/UTC", "unknown time zone");
	parse_bad("2026-12-01 18:00 Europe", "unknown time zone"); /* a directory */
}

TEST(test_tz_of_the_process_is_restored)
{
	setenv("TZ", "Asia/Tokyo", 1);
	parse_ok("2026-12-01 18:00 Europe/Berlin", NULL);
	CHECK_STR(getenv("TZ"), "Asia/Tokyo");
	unsetenv("TZ");
	parse_ok("2026-12-01 18:00 Europe/Berlin", NULL);
	CHECK(getenv("TZ") == NULL);
}

TEST(test_format_utc_and_local)
{
	char buf[64];
	when_format_utc(1796144400, buf, sizeof(buf));
	CHECK_STR(buf, "2026-12-01 17:00:00 UTC");
	setenv("TZ", "Europe/Berlin", 1);
	when_format_local(1796144400, buf, sizeof(buf));
	CHECK_STR(buf, "2026-12-01 18:00:00 CET");
	unsetenv("TZ");
}

int main(void)
{
	RUN(test_berlin_winter_and_summer_times_convert_to_utc);
	RUN(test_berlin_spring_forward_gap_is_an_error_naming_it);
	RUN(test_berlin_times_across_the_spring_change_are_an_hour_apart);
	RUN(test_berlin_fall_back_takes_the_first_occurrence);
	RUN(test_new_york_across_dst);
	RUN(test_iso_offsets_and_z);
	RUN(test_bad_dates_and_times_say_how_to_write_them);
	RUN(test_unknown_or_escaping_zone_names_are_refused);
	RUN(test_tz_of_the_process_is_restored);
	RUN(test_format_utc_and_local);
	return UNIT_DONE();
}
