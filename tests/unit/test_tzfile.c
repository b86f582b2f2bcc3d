/*
 * Unit tests for meta/caption/tzrule.c, meta/caption/tzfile.c and meta/caption/tzdb.c: POSIX TZ
 * rule strings, TZif files of every version built here byte by byte
 * (leap second records, indicators, footers, damage of every kind), zone
 * names, and local time in a few dozen real zones compared with glibc's
 * from 1970 to 2100 (this single-threaded process may switch TZ).
 */
#include "meta/caption/tzdb.h"
#include "meta/caption/tzfile.h"
#include "meta/caption/tzrule.h"
#include "unit.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static char why[256];

/* ---- POSIX TZ rule strings ---- */

static struct tzrule rule_ok(const char *s)
{
	struct tzrule r;

	if (tzrule_parse(s, strlen(s), &r))
		FAILF("rule \"%s\" refused", s);
	return r;
}

/* Offset east of UTC under @s at @t. */
static int32_t rule_off(const char *s, int64_t t)
{
	struct tzrule r = rule_ok(s);
	struct tz_local l;

	tzrule_at(&r, t, &l);
	return l.utoff;
}

static int64_t utc(int y, int m, int d, int h, int mi)
{
	return tz_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60;
}

TEST(test_rule_strings_of_real_zones_parse)
{
	struct tzrule r = rule_ok("CET-1CEST,M3.5.0,M10.5.0/3");

	CHECK_INT(r.std_off, 3600);
	CHECK_INT(r.dst_off, 7200);
	CHECK_STR(r.std_abbr, "CET");
	CHECK_STR(r.dst_abbr, "CEST");
	CHECK_INT(r.end.secs, 3 * 3600);
	r = rule_ok("<+0330>-3:30");
	CHECK_INT(r.std_off, 3 * 3600 + 1800);
	CHECK(!r.has_dst);
	CHECK_STR(r.std_abbr, "+0330");
	r = rule_ok("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
	CHECK_INT(r.std_off, -7200);
	CHECK_INT(r.start.secs, -3600);
	r = rule_ok("IST-2IDT,M3.4.4/26,M10.5.0");
	CHECK_INT(r.start.secs, 26 * 3600);
	r = rule_ok("<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45");
	CHECK_INT(r.std_off, 12 * 3600 + 45 * 60);
	CHECK_INT(r.start.secs, 2 * 3600 + 45 * 60);
	r = rule_ok("<-12>12");
	CHECK_INT(r.std_off, -12 * 3600);
	r = rule_ok("<+14>-14");
	CHECK_INT(r.std_off, 14 * 3600);
	r = rule_ok("EST5EDT"); /* no dates: the US rules */
	CHECK(r.has_dst && r.start.m == 3 && r.start.w == 2 && r.end.m == 11);
	CHECK_INT(r.dst_off, -4 * 3600);
	r = rule_ok("AAA-0:30:15BBB-1:00:15,J60/0,300/1:2:3");
	CHECK_INT(r.std_off, 1815);
	CHECK_INT(r.dst_off, 3615);
	CHECK_INT(r.start.kind, 'J');
	CHECK_INT(r.end.kind, 'D');
	CHECK_INT(r.end.secs, 3723);
}

TEST(test_broken_rule_strings_are_refused)
{
	static const char *const bad[] = {
		"", "CE-1", "CET", "CET-", "CET-25", "CET-1:60", "<+03", "<+0>3", "<+03>",
		"CET-1CEST,M3.5.0", "CET-1CEST,M13.1.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
		"CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,M3.0.0,M10.5.0", "CET-1CEST,J0,J365",
		"CET-1CEST,J1,366", "CET-1CEST,M3.5.0/168,M10.5.0", "CET-1X", "CET-1CEST,",
		"CET-1CEST,M3.5.0,M10.5.0/3x", "CET-1CEST;M3.5.0,M10.5.0", "<a b>1",
	};
	struct tzrule r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!tzrule_parse(bad[i], strlen(bad[i]), &r))
			FAILF("rule \"%s\" accepted", bad[i]);
	/* the length bounds the string: no NUL needed, none read past */
	CHECK(!tzrule_parse("CET-1CEST,M3.5.0,M10.5.0/3garbage", 26, &r));
	CHECK(tzrule_parse("CET-1CEST,M3.5.0,M10.5.0/3", 25, &r) == -EINVAL); /* ".../" */
	CHECK(tzrule_parse("CET-1CEST,M3.5.0,M10.5.0/3", 24, &r) == 0 && r.end.secs == 7200);
}

TEST(test_rules_change_the_clock_at_the_right_instant)
{
	const char *berlin = "CET-1CEST,M3.5.0,M10.5.0/3";

	/* 2100: last Sunday of March is the 28th, of October the 31st */
	CHECK_INT(rule_off(berlin, utc(2100, 3, 28, 0, 59) + 59), 3600);
	CHECK_INT(rule_off(berlin, utc(2100, 3, 28, 1, 0)), 7200);
	CHECK_INT(rule_off(berlin, utc(2100, 10, 31, 0, 59) + 59), 7200);
	CHECK_INT(rule_off(berlin, utc(2100, 10, 31, 1, 0)), 3600);
	/* southern hemisphere: summer time across the new year */
	CHECK_INT(rule_off("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", utc(2090, 1, 1, 0, 0)),
		  11 * 3600);
	CHECK_INT(rule_off("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", utc(2090, 7, 1, 0, 0)),
		  10 * 3600 + 1800);
	/* Jn never counts Feb 29: J60 is March 1, also in 2096 */
	CHECK_INT(rule_off("AAA0BBB,J60/0,J61/0", utc(2096, 2, 29, 12, 0)), 0);
	CHECK_INT(rule_off("AAA0BBB,J60/0,J61/0", utc(2096, 3, 1, 12, 0)), 3600);
	/* n counts from 0 and counts Feb 29: 59 is Feb 29 in 2096 */
	CHECK_INT(rule_off("AAA0BBB,59/0,60/0", utc(2096, 2, 29, 12, 0)), 3600);
	CHECK_INT(rule_off("AAA0BBB,59/0,60/0", utc(2095, 3, 1, 12, 0)), 3600);
	CHECK_INT(rule_off("AAA0BBB,59/0,60/0", utc(2096, 3, 1, 12, 0)), 0);
	/* negative time: Nuuk changes at -1:00 on the last Sunday of March
	 * (2090-03-26), which is Saturday 23:00 local, 01:00Z */
	CHECK_INT(rule_off("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", utc(2090, 3, 26, 0, 59)), -7200);
	CHECK_INT(rule_off("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", utc(2090, 3, 26, 1, 0)), -3600);
	/* summer time all year: EDT on both sides of each new year */
	for (int y = 2040; y < 2044; y++) {
		CHECK_INT(rule_off("EST5EDT,0/0,J365/25", utc(y, 1, 1, 0, 0)), -4 * 3600);
		CHECK_INT(rule_off("EST5EDT,0/0,J365/25", utc(y, 1, 1, 5, 0)), -4 * 3600);
		CHECK_INT(rule_off("EST5EDT,0/0,J365/25", utc(y, 12, 31, 23, 0)), -4 * 3600);
	}
	/* far instants do not overflow */
	CHECK_INT(rule_off(berlin, INT64_MAX), 3600);
	CHECK_INT(rule_off(berlin, INT64_MIN), 3600);
}

/* ---- TZif files built byte by byte ---- */

struct blob {
	uint8_t b[8192];
	size_t n;
};

static void put(struct blob *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put32(struct blob *b, uint32_t v)
{
	uint8_t x[4] = { v >> 24, v >> 16, v >> 8, v };
	put(b, x, 4);
}

static void put64(struct blob *b, uint64_t v)
{
	put32(b, (uint32_t)(v >> 32));
	put32(b, (uint32_t)v);
}

/* A zone with types AAA (+1h), BBB (+2h, DST), CCC (-3:30); @nt transitions
 * at @times to @idx, @nleap leap second records, indicators when @ind. */
struct zone {
	char version;
	int nt;
	const int64_t *times;
	const uint8_t *idx;
	int nleap;
	bool ind;
	const char *footer; /* NULL: none written */
};

static void block(struct blob *b, const struct zone *z, int tsize)
{
	static const char chars[] = "AAA\0BBB\0CCC";
	int nt = 0;

	for (int i = 0; i < z->nt; i++) /* the 32-bit block holds what fits */
		nt += tsize == 8 || (z->times[i] >= INT32_MIN && z->times[i] <= INT32_MAX);
	put(b, "TZif", 4);
	put(b, &z->version, 1);
	put(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15);
	put32(b, z->ind ? 3 : 0);
	put32(b, z->ind ? 3 : 0);
	put32(b, z->nleap);
	put32(b, nt);
	put32(b, 3);
	put32(b, sizeof(chars));
	for (int i = 0; i < nt; i++)
		tsize == 8 ? put64(b, z->times[i]) : put32(b, (uint32_t)z->times[i]);
	put(b, z->idx, nt);
	put(b, "\0\0\x0e\x10\0\0" "\0\0\x1c\x20\1\4" "\xff\xff\xce\xc8\0\x08", 18);
	put(b, chars, sizeof(chars));
	for (int i = 0; i < z->nleap; i++) { /* occurrence, correction */
		tsize == 8 ? put64(b, 78796800 + i * 1000000) : put32(b, 78796800 + i * 1000000);
		put32(b, i + 1);
	}
	if (z->ind)
		put(b, "\1\0\1\1\0\0", 6); /* isstd[3], isut[3] */
}

static struct blob make(const struct zone *z)
{
	struct blob b = { .n = 0 };

	block(&b, z, 4);
	if (z->version) {
		block(&b, z, 8);
		if (z->footer) {
			put(&b, "\n", 1);
			put(&b, z->footer, strlen(z->footer));
			put(&b, "\n", 1);
		}
	}
	return b;
}

static struct tzfile *parse_ok(const struct blob *b)
{
	struct tzfile *tz = NULL;

	why[0] = '\0';
	if (tzfile_parse(b->b, b->n, &tz, why, sizeof(why)))
		FAILF("TZif of %zu bytes refused: %s", b->n, why);
	return tz;
}

static void parse_bad(const struct blob *b, const char *phrase)
{
	struct tzfile *tz = NULL;
	int rc;

	why[0] = '\0';
	rc = tzfile_parse(b->b, b->n, &tz, why, sizeof(why));
	if (!rc)
		FAILF("TZif of %zu bytes accepted, wanted \"%s\"", b->n, phrase);
	else if (rc != -EBADMSG || !strstr(why, phrase))
		FAILF("TZif refused with %d \"%s\", wanted \"%s\"", rc, why, phrase);
	tzfile_free(tz);
}

static const int64_t times[] = { -1000, 1000, 2000, (int64_t)1 << 33 };
static const uint8_t idx[] = { 0, 1, 2, 1 };

TEST(test_version_1_file_reads_its_32_bit_block)
{
	struct zone z = { 0, 3, times, idx, 2, true, NULL };
	struct blob b = make(&z);
	struct tzfile *tz = parse_ok(&b);
	struct tz_local l;

	if (!tz)
		return;
	CHECK_INT(tzfile_offset(tz, -5000), 3600); /* before the first: type 0 */
	CHECK_INT(tzfile_offset(tz, 999), 3600);
	tzfile_at(tz, 1000, &l);
	CHECK_INT(l.utoff, 7200);
	CHECK(l.isdst);
	CHECK_STR(l.abbr, "BBB");
	tzfile_at(tz, 2000, &l);
	CHECK_INT(l.utoff, -3 * 3600 - 1800);
	CHECK_STR(l.abbr, "CCC");
	CHECK_INT(tzfile_offset(tz, (int64_t)1 << 40), -3 * 3600 - 1800); /* no footer */
	tzfile_free(tz);
}

TEST(test_version_2_to_4_files_skip_leap_seconds_and_use_their_footer)
{
	for (char v = '2'; v <= '4'; v++) {
		struct zone z = { v, 4, times, idx, 3, true, "CET-1CEST,M3.5.0,M10.5.0/3" };
		struct blob b = make(&z);
		struct tzfile *tz = parse_ok(&b);

		if (!tz)
			continue;
		CHECK_INT(tzfile_offset(tz, 1999), 7200);
		CHECK_INT(tzfile_offset(tz, 2000), -3 * 3600 - 1800);
		CHECK_INT(tzfile_offset(tz, ((int64_t)1 << 33) - 1), -3 * 3600 - 1800);
		/* 2^33 s is 2242-03-16: the footer rule from the last transition on */
		CHECK_INT(tzfile_offset(tz, utc(2242, 3, 1, 0, 0)), -3 * 3600 - 1800);
		CHECK_INT(tzfile_offset(tz, utc(2242, 7, 1, 0, 0)), 7200);
		CHECK_INT(tzfile_offset(tz, utc(2243, 1, 10, 0, 0)), 3600);
		tzfile_free(tz);
	}
}

TEST(test_footer_alone_or_empty)
{
	struct zone z = { '3', 0, times, idx, 0, false, "<+0330>-3:30" };
	struct blob b = make(&z);
	struct tzfile *tz = parse_ok(&b);

	if (tz) /* no transitions: the footer says it all (RFC 9636 §3.2) */
		CHECK_INT(tzfile_offset(tz, 0), 3 * 3600 + 1800);
	tzfile_free(tz);
	z = (struct zone){ '2', 3, times, idx, 1, false, "" };
	b = make(&z);
	tz = parse_ok(&b);
	if (tz) /* an empty footer: the last type stays */
		CHECK_INT(tzfile_offset(tz, (int64_t)1 << 40), -3 * 3600 - 1800);
	tzfile_free(tz);
}

TEST(test_damaged_files_are_refused_in_words)
{
	struct zone z = { '2', 4, times, idx, 2, true, "CET-1CEST,M3.5.0,M10.5.0/3" };
	struct blob good = make(&z), b;
	size_t v2 = 0;

	for (size_t i = 4; i + 4 <= good.n; i++)
		if (!memcmp(good.b + i, "TZif", 4))
			v2 = i; /* the second header */
	b = good;
	memcpy(b.b, "TZib", 4);
	parse_bad(&b, "not a TZif file");
	b = good;
	b.b[4] = '1';
	parse_bad(&b, "version");
	b = good;
	b.b[v2 + 39] = 0; /* no time types */
	parse_bad(&b, "0 time types");
	b = good;
	b.b[v2 + 44 + 4 * 8 + 1] = 3; /* transition 1 to type 3 of 3 */
	parse_bad(&b, "names time type 3 of 3");
	b = good;
	b.b[v2 + 44 + 8] = 0x80; /* transition 1 before transition 0 */
	parse_bad(&b, "not later");
	b = good;
	b.b[v2 + 44 + 4 * 9 + 5] = 12; /* abbreviation index beyond the 12 bytes */
	parse_bad(&b, "abbreviation");
	b = good;
	b.b[v2 + 44 + 4 * 9] = 0x7f; /* an offset of 24 days */
	parse_bad(&b, "offset");
	b = good;
	b.b[b.n - 1] = 'x'; /* footer without its closing newline */
	parse_bad(&b, "footer");
	b = good;
	b.b[b.n - 3] = 'x'; /* "M10.5.0/x" */
	parse_bad(&b, "not a POSIX TZ string");
	b = good;
	b.b[v2 + 43] = 1; /* charcnt 1: the types' abbreviations fall outside */
	parse_bad(&b, "");
	b = good;
	b.b[v2 + 35] = 0xff; /* 255 more transitions than there are bytes */
	parse_bad(&b, "ends after");
	b = good;
	b.b[22] = 0xff; /* a huge first block */
	parse_bad(&b, "ends after");
}

TEST(test_every_truncation_of_a_file_is_refused)
{
	struct zone z = { '2', 4, times, idx, 2, true, "CET-1CEST,M3.5.0,M10.5.0/3" };
	struct blob b = make(&z);
	size_t n = b.n;
	FILE *f = fopen("/usr/share/zoneinfo/Europe/Berlin", "rb");

	for (b.n = 0; b.n < n; b.n++)
		parse_bad(&b, "");
	if (!f) {
		FAILF("no /usr/share/zoneinfo/Europe/Berlin");
		return;
	}
	n = fread(b.b, 1, sizeof(b.b), f);
	fclose(f);
	for (b.n = 0; b.n < n; b.n++)
		parse_bad(&b, "");
	b.n = n;
	tzfile_free(parse_ok(&b));
}

/* ---- zone names and the zone database ---- */

TEST(test_zone_names_are_checked_before_any_path_is_made)
{
	static const char *const good[] = { "Europe/Berlin", "America/Argentina/Buenos_Aires",
					    "Etc/GMT+5", "Etc/GMT-14", "UTC", "EST5EDT" };
	static const char *const bad[] = { "", "/etc/passwd", "../etc/passwd", "Europe/..",
					   "Europe//Berlin", "Europe/", "Europe/Berlin\n",
					   "Europe/Ber lin", "./UTC", "Europe\\Berlin",
					   "A234567890123456789012345678901234567890123456789012345"
					   "6789012345" };
	const struct tzfile *tz;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!tzdb_name_valid(good[i]))
			FAILF("\"%s\" refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tzdb_name_valid(bad[i]))
			FAILF("\"%s\" accepted", bad[i]);
		CHECK_INT(tzdb_get(bad[i], &tz, why, sizeof(why)), -EINVAL);
	}
	CHECK_INT(tzdb_get("Mars/Olympus_Mons", &tz, why, sizeof(why)), -ENOENT);
	CHECK_CONTAINS(why, "Mars/Olympus_Mons");
	CHECK_INT(tzdb_get("Europe", &tz, why, sizeof(why)), -ENOENT);
	CHECK_INT(tzdb_get("zone1970.tab", &tz, why, sizeof(why)), -EINVAL);
	CHECK_INT(tzdb_get("leapseconds", &tz, why, sizeof(why)), -EBADMSG); /* text */
	CHECK_INT(tzdb_get("Europe/Berlin/x", &tz, why, sizeof(why)), -ENOENT);
}

TEST(test_a_zone_is_parsed_once_and_shared)
{
	const struct tzfile *a = NULL, *b = NULL;

	CHECK_INT(tzdb_get("Europe/Berlin", &a, why, sizeof(why)), 0);
	CHECK_INT(tzdb_get("Europe/Berlin", &b, why, sizeof(why)), 0);
	CHECK(a && a == b);
	CHECK_INT(tzdb_get("UTC", &a, why, sizeof(why)), 0); /* a symlink in the database */
	if (a)
		CHECK_INT(tzfile_offset(a, 1796144400), 0);
}

/* Threads asking for zones nobody asked for yet, all at once: each zone is
 * handed out as one parse, and every thread reads the same offsets. */
#define N_THREADS 4
static const char *const fresh[] = { "Europe/Paris", "Asia/Dubai", "America/Lima",
				     "Africa/Nairobi" };
static const struct tzfile *got[N_THREADS][4];
static pthread_barrier_t start;

static void *get_zones(void *arg)
{
	int me = (int)(intptr_t)arg;
	char w[256];

	pthread_barrier_wait(&start);
	for (int round = 0; round < 200; round++)
		for (int i = 0; i < 4; i++) {
			const struct tzfile *tz = NULL;

			if (tzdb_get(fresh[(i + me) % 4], &tz, w, sizeof(w)) ||
			    (round && tz != got[me][(i + me) % 4]))
				tz = NULL; /* an error, or another parse than before */
			got[me][(i + me) % 4] = tz;
			if (!tz)
				return NULL;
		}
	return NULL;
}

TEST(test_threads_share_one_parse_per_zone)
{
	static const int32_t off[4] = { 3600, 4 * 3600, -5 * 3600, 3 * 3600 };
	pthread_t th[N_THREADS];

	pthread_barrier_init(&start, NULL, N_THREADS);
	for (int i = 0; i < N_THREADS; i++)
		pthread_create(&th[i], NULL, get_zones, (void *)(intptr_t)i);
	for (int i = 0; i < N_THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < 4; i++) {
		for (int t = 0; t < N_THREADS; t++)
			if (!got[t][i] || got[t][i] != got[0][i])
				FAILF("%s: thread %d got %p, thread 0 %p", fresh[i], t,
				      (const void *)got[t][i], (const void *)got[0][i]);
		if (got[0][i])
			CHECK_INT(tzfile_offset(got[0][i], 1796144400), off[i]);
	}
}

/* ---- real zones against glibc ---- */

static const char *const zones[] = {
	"Europe/Berlin", "Europe/London", "Europe/Dublin", "Europe/Moscow", "Europe/Lisbon",
	"Atlantic/Azores", "America/New_York", "America/Chicago", "America/Denver",
	"America/Phoenix", "America/Los_Angeles", "America/Anchorage", "America/St_Johns",
	"America/Sao_Paulo", "America/Santiago", "America/Nuuk", "America/Havana",
	"America/Caracas", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Tehran", "Asia/Jerusalem",
	"Asia/Gaza", "Asia/Tokyo", "Asia/Shanghai", "Australia/Sydney", "Australia/Adelaide",
	"Australia/Lord_Howe", "Australia/Eucla", "Pacific/Auckland", "Pacific/Chatham",
	"Pacific/Apia", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Etc/GMT+12",
	"Africa/Casablanca", "Africa/Cairo", "Antarctica/Troll", "UTC", "EST5EDT",
};

static int compared, mismatches;

static void compare_at(const char *zone, const struct tzfile *tz, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	struct tz_local l;

	compared++;
	if (!localtime_r(&tt, &tm)) {
		FAILF("%s: glibc has no local time at %lld", zone, (long long)t);
		return;
	}
	tzfile_at(tz, t, &l);
	if (l.utoff == tm.tm_gmtoff && l.isdst == (tm.tm_isdst > 0) && !strcmp(l.abbr, tm.tm_zone))
		return;
	if (mismatches++ < 10)
		FAILF("%s at %lld: %d %d %s, glibc %ld %d %s", zone, (long long)t, (int)l.utoff,
		      l.isdst, l.abbr, tm.tm_gmtoff, tm.tm_isdst, tm.tm_zone);
}

/* glibc's offset at @t, for finding transitions. */
static long glibc_off(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	return localtime_r(&tt, &tm) ? tm.tm_gmtoff * 2 + (tm.tm_isdst > 0) : 0;
}

/* Every ~3 days from 1970 to 2100, and around each change glibc sees. */
static void compare_zone(const char *zone)
{
	const int64_t step = 3 * 86400 + 3607, end = utc(2100, 12, 31, 0, 0);
	const struct tzfile *tz;
	char tzv[80];

	if (tzdb_get(zone, &tz, why, sizeof(why))) {
		FAILF("%s: %s", zone, why);
		return;
	}
	snprintf(tzv, sizeof(tzv), ":%s", zone);
	setenv("TZ", tzv, 1);
	tzset();
	for (int64_t t = 0; t < end; t += step) {
		int64_t lo = t, hi = t + step;

		compare_at(zone, tz, t);
		if (glibc_off(lo) == glibc_off(hi))
			continue;
		while (hi - lo > 1) { /* glibc_off(lo) != glibc_off(hi) */
			int64_t mid = lo + (hi - lo) / 2;

			if (glibc_off(mid) == glibc_off(lo))
				lo = mid;
			else
				hi = mid;
		}
		compare_at(zone, tz, hi - 1);
		compare_at(zone, tz, hi);
		compare_at(zone, tz, hi + 1);
	}
}

TEST(test_local_time_matches_glibc_in_many_zones_1970_to_2100)
{
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		compare_zone(zones[i]);
	unsetenv("TZ");
	tzset();
	CHECK(compared > 40 * 15000);
	CHECK_INT(mismatches, 0);
}

UNIT_MAIN()
