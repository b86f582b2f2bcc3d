/* Unit tests for meta/caption/when.c: schedule times across DST, offsets, errors. */
#include "meta/caption/when.h"
#include "unit.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct tt_error werr; /* the last refusal */

static int64_t parse_ok(const char *s, bool *amb)
{
	int64_t at = -1;
	tt_error_clear(&werr);
	if (when_parse(s, &at, amb, &werr))
		FAILF("\"%s\" refused: %s", s, werr.what);
	return at;
}

static void parse_bad(const char *s, const char *phrase)
{
	int64_t at = 0;
	int rc;

	tt_error_clear(&werr);
	rc = when_parse(s, &at, NULL, &werr);

	if (!rc)
		FAILF("\"%s\" accepted as %lld", s, (long long)at);
	/* -EINVAL, or a zone file's own read error (-EBADMSG ...) */
	else if (werr.cls != ERR_USER || (rc != -EINVAL && !strstr(werr.what, "cannot be read")))
		FAILF("\"%s\": returned %d, class %s", s, rc, err_class_name(werr.cls));
	else if (!strstr(werr.what, phrase))
		FAILF("\"%s\": \"%s\" lacks \"%s\"", s, werr.what, phrase);
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


/*
 * The daemon converts schedules on one thread while hooks are spawned
 * (posix_spawn reads environ) and other threads call getenv(): a
 * conversion must never write the environment, not even for a moment.
 */
static atomic_int env_stop;
static atomic_long env_reads, env_changes;

static void *watch_tz(void *want)
{
	while (!atomic_load(&env_stop)) {
		const char *v = getenv("TZ");

		if (!v || strcmp(v, want))
			atomic_fetch_add(&env_changes, 1);
		atomic_fetch_add(&env_reads, 1);
	}
	return NULL;
}

TEST(test_converting_zones_never_touches_the_environment)
{
	static const char *const zones[] = { "Europe/Berlin", "America/New_York",
					     "Asia/Kolkata", "Australia/Lord_Howe" };
	char s[80];
	pthread_t th;
	long n = 0;

	setenv("TZ", "UTC-unusual", 1);
	atomic_store(&env_stop, 0);
	if (pthread_create(&th, NULL, watch_tz, "UTC-unusual")) {
		FAILF("pthread_create failed");
		return;
	}
	/* at least 2000 conversions, and until the reader has looked often */
	while ((n < 2000 || atomic_load(&env_reads) < 100000) && n < 2000000) {
		snprintf(s, sizeof(s), "2026-%02ld-01 18:00 %s", n % 12 + 1, zones[n % 4]);
		parse_ok(s, NULL);
		n++;
	}
	atomic_store(&env_stop, 1);
	pthread_join(th, NULL);
	CHECK(atomic_load(&env_reads) > 0);
	CHECK_INT(atomic_load(&env_changes), 0);
	CHECK_STR(getenv("TZ"), "UTC-unusual");
	unsetenv("TZ");
}

/* A zone directory of our own (TZDIR) holding copies of a real zone file,
 * some damaged: cut after @cut bytes, byte @flip changed, byte @flip_end
 * from the end set to @to_ch. */
static char tzdir[64];

static int copy_zone(const char *to, size_t cut, size_t flip, long flip_end, char to_ch)
{
	char path[512], buf[65536];
	size_t n;
	FILE *in, *out;

	if (!(in = fopen("/usr/share/zoneinfo/Europe/Berlin", "rb")))
		return -1;
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	if (cut && cut < n)
		n = cut;
	if (flip && flip < n)
		buf[flip] ^= 0x5a;
	if (flip_end && (size_t)flip_end <= n)
		buf[n - (size_t)flip_end] = to_ch;
	snprintf(path, sizeof(path), "%s/%s", tzdir, to);
	if (!(out = fopen(path, "wb")))
		return -1;
	fwrite(buf, 1, n, out);
	return fclose(out);
}

static const char *const zone_copies[] = { "Good", "Bad/Truncated", "Bad/Header",
					   "Bad/Footer" };

static void remove_tzdir(void)
{
	char path[512];

	for (size_t i = 0; i < sizeof(zone_copies) / sizeof(zone_copies[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tzdir, zone_copies[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/Bad", tzdir);
	rmdir(path);
	rmdir(tzdir);
}

TEST(test_damaged_or_unknown_zone_files_are_errors_naming_the_zone)
{
	char path[128];

	snprintf(tzdir, sizeof(tzdir), "/tmp/test_when.%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/Bad", tzdir);
	/* Berlin's footer ends "M10.5.0/3\n": make it month 13 */
	if ((mkdir(tzdir, 0700) && errno != EEXIST) || (mkdir(path, 0700) && errno != EEXIST) ||
	    copy_zone("Good", 0, 0, 0, 0) || copy_zone("Bad/Truncated", 700, 0, 0, 0) ||
	    copy_zone("Bad/Header", 0, 38, 0, 0) || copy_zone("Bad/Footer", 0, 0, 8, '3')) {
		FAILF("cannot make a zone directory in %s", tzdir);
		remove_tzdir();
		return;
	}
	setenv("TZDIR", tzdir, 1);
	CHECK_INT(parse_ok("2026-12-01 18:00 Good", NULL), 1796144400);
	parse_bad("2026-12-01 18:00 Bad/Truncated", "time zone (Bad/Truncated)");
	parse_bad("2026-12-01 18:00 Bad/Truncated", "damaged");
	parse_bad("2026-12-01 18:00 Bad/Header", "damaged");
	parse_bad("2026-12-01 18:00 Bad/Footer", "footer");
	parse_bad("2026-12-01 18:00 Bad", "unknown time zone (Bad)");
	parse_bad("2026-12-01 18:00 Bad/None", "unknown time zone (Bad/None)");
	unsetenv("TZDIR");
	CHECK_INT(parse_ok("2026-12-01 18:00 Europe/Berlin", NULL), 1796144400);
	remove_tzdir();
}

/* ---- wall times in real zones against glibc (TZ switched here only) ---- */

static long glibc_off(int64_t t, int *isdst)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm))
		return 0;
	if (isdst)
		*isdst = tm.tm_isdst > 0;
	return tm.tm_gmtoff;
}

/* when_parse() of wall time @wall in @zone: the instant, -2 when refused. */
static int64_t parse_wall(const char *zone, int64_t wall, bool *amb)
{
	time_t w = (time_t)wall;
	char s[96], d[40];
	struct tm tm;
	int64_t at;

	gmtime_r(&w, &tm);
	strftime(d, sizeof(d), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(s, sizeof(s), "%s %s", d, zone);
	*amb = false;
	return when_parse(s, &at, amb, &werr) ? -2 : at;
}

static int wall_checks, wall_fails;

#define WALL_CHECK(cond, ...)                                                            \
	do {                                                                             \
		wall_checks++;                                                           \
		if (!(cond) && wall_fails++ < 10)                                        \
			FAILF(__VA_ARGS__);                                              \
	} while (0)

/* The wall time of instant @t converts back to its first occurrence. */
static void check_instant(const char *zone, int64_t t)
{
	int64_t wall = t + glibc_off(t, NULL), r;
	bool amb;

	r = parse_wall(zone, wall, &amb);
	WALL_CHECK(r != -2 && r <= t && r + glibc_off(r, NULL) == wall && (r == t || amb),
		   "%s: wall time of %lld gave %lld (amb %d): %s", zone, (long long)t, (long long)r,
		   amb, r == -2 ? werr.what : "");
}

/* Around a change of offset at @T from @o1 to @o2: the gap is refused, the
 * overlap gives its first occurrence, flagged ambiguous. */
static void check_change(const char *zone, int64_t T, long o1, long o2)
{
	bool amb;

	if (o2 > o1) {
		WALL_CHECK(parse_wall(zone, T + o1, &amb) == -2 &&
			       strstr(werr.what, "does not exist"),
			   "%s: gap start %lld accepted", zone, (long long)T);
		WALL_CHECK(parse_wall(zone, T + o2 - 1, &amb) == -2,
			   "%s: gap end %lld accepted", zone, (long long)T);
		WALL_CHECK(parse_wall(zone, T + o1 - 1, &amb) == T - 1 && !amb,
			   "%s: before the gap at %lld", zone, (long long)T);
		WALL_CHECK(parse_wall(zone, T + o2, &amb) == T && !amb,
			   "%s: after the gap at %lld", zone, (long long)T);
	} else if (o2 < o1) {
		WALL_CHECK(parse_wall(zone, T + o2, &amb) == T + o2 - o1 && amb,
			   "%s: overlap start at %lld", zone, (long long)T);
		WALL_CHECK(parse_wall(zone, T + o1 - 1, &amb) == T - 1 && amb,
			   "%s: overlap end at %lld", zone, (long long)T);
		WALL_CHECK(parse_wall(zone, T + o1, &amb) == T + o1 - o2 && !amb,
			   "%s: after the overlap at %lld", zone, (long long)T);
	}
}

static void compare_zone(const char *zone)
{
	const int64_t step = 9 * 86400 + 3607, end = 4133894400; /* 2101-01-01 */
	char tzv[80];
	int d1 = 0, d2 = 0;

	snprintf(tzv, sizeof(tzv), ":%s", zone);
	setenv("TZ", tzv, 1);
	tzset();
	for (int64_t t = 3 * 86400; t < end; t += step) {
		int64_t lo = t, hi = t + step;
		long o1 = glibc_off(lo, &d1);

		check_instant(zone, t);
		if (o1 == glibc_off(hi, &d2) && d1 == d2)
			continue;
		while (hi - lo > 1) { /* the change is in (lo, hi] */
			int64_t mid = lo + (hi - lo) / 2;

			if (glibc_off(mid, &d2) == o1 && d2 == d1)
				lo = mid;
			else
				hi = mid;
		}
		check_change(zone, hi, o1, glibc_off(hi, NULL));
	}
}

TEST(test_wall_times_convert_like_glibc_in_many_zones_1970_to_2100)
{
	static const char *const zones[] = {
		"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
		"Pacific/Chatham", "America/Sao_Paulo", "Africa/Casablanca",
		"Antarctica/Troll", "Europe/Dublin", "America/Nuuk", "Asia/Jerusalem",
		"America/Santiago", "America/St_Johns", "Asia/Kathmandu", "Europe/Moscow",
	};

	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		compare_zone(zones[i]);
	unsetenv("TZ");
	tzset();
	CHECK(wall_checks > 15 * 5000);
	CHECK_INT(wall_fails, 0);
}

UNIT_MAIN()
