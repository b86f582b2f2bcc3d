/*
 * Schedule time parsing (see when.h for the accepted forms).  The date and
 * time fields are parsed by hand (strptime accepts too much: "2026-13-01"
 * becomes a valid date in some libcs) and turned into a "local wall clock as
 * if it were UTC" count L.  With an offset the answer is L - offset.  With a
 * zone name the answer is the UTC instant t whose offset o(t) satisfies
 * t + o(t) = L: the candidates are the offsets in force a day before, at and
 * a day after L; each candidate o gives t = L - o, kept only when o(t) == o.
 * No candidate: the wall time fell in a gap.  Two: it was ambiguous, and the
 * earlier instant wins.  o(t) comes from the zone's TZif file, read and
 * cached by meta/caption/tzdb.c, never from localtime() with TZ switched: the
 * daemon is threaded, and setenv() races every getenv() and posix_spawn()
 * of a hook in the process.
 */
#include "meta/caption/when.h"
#include "meta/caption/tzdb.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define WHEN_HINT "write 2026-12-01 18:00 Europe/Berlin or 2026-12-01T18:00+01:00"

/* Serialises the C library's local-time calls of when_format_local() and
 * its callers; zone conversions need no lock (tzdb.c's parses are shared
 * read-only). */
static pthread_mutex_t tz_mutex = PTHREAD_MUTEX_INITIALIZER;

void when_lock(void)
{
	pthread_mutex_lock(&tz_mutex);
}

void when_unlock(void)
{
	pthread_mutex_unlock(&tz_mutex);
}

static int days_in_month(int y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return (m == 2 && leap) ? 29 : dm[m - 1];
}

/* Exactly @n digits at *@p; advances. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/*
 * Convert wall time @wall (seconds, as if UTC) in zone @tz.  Returns 0, 1
 * when ambiguous (first occurrence taken), -1 when it does not exist.
 */
static int zone_convert(const struct tzfile *tz, int64_t wall, int64_t *at)
{
	int32_t cand[3];
	int found = 0;
	int64_t best = 0;

	cand[0] = tzfile_offset(tz, wall - 86400);
	cand[1] = tzfile_offset(tz, wall);
	cand[2] = tzfile_offset(tz, wall + 86400);
	for (int i = 0; i < 3; i++) {
		int64_t t = wall - cand[i];
		bool dup = false;

		for (int j = 0; j < i; j++)
			dup |= cand[j] == cand[i];
		if (dup || tzfile_offset(tz, t) != cand[i])
			continue;
		if (!found || t < best)
			best = t;
		found++;
	}
	if (!found)
		return -1;
	*at = best;
	return found > 1 ? 1 : 0;
}

/* Refuse the schedule: @err->what is a phrase that follows the quoted
 * input (when.h).  -EINVAL. */
static int refuse(struct tt_error *err, const char *what)
{
	tt_error_set(err, ERR_USER, "%s; " WHEN_HINT, what);
	return -EINVAL;
}

/* The zone @zone, or -errno with @err saying what is wrong with it. */
static int zone_get(const char *zone, const struct tzfile **tz, struct tt_error *err)
{
	char detail[300];
	int rc = tzdb_get(zone, tz, detail, sizeof(detail));

	if (rc == -EINVAL || rc == -ENOENT) {
		tt_error_set(err, ERR_USER,
			     "names an unknown time zone (%s); use a name of the tz database "
			     "such as Europe/Berlin or America/New_York, or an offset such as "
			     "+01:00",
			     zone);
		return -EINVAL;
	}
	if (rc)
		tt_error_set(err, ERR_USER,
			     "names a time zone (%s) that cannot be read (%s); reinstall the "
			     "tzdata package or write an offset such as +01:00 instead",
			     zone, detail);
	return rc;
}

/* "2026-12-01", then the separator before the time ("T" or blanks), which
 * it skips.  The days are checked against the month. */
static int parse_date(const char **pp, int *y, int *mo, int *d, struct tt_error *err)
{
	const char *p = *pp;

	if (digits(&p, 4, y) || *p++ != '-' || digits(&p, 2, mo) || *p++ != '-' ||
	    digits(&p, 2, d) || *y < 1970 || *mo < 1 || *mo > 12 || *d < 1 ||
	    *d > days_in_month(*y, *mo) ||
	    (*p && *p != 'T' && *p != 't' && *p != ' ' && *p != '\t'))
		return refuse(err, "is not a date");
	if (*p == 'T' || *p == 't')
		p++;
	else
		while (*p == ' ' || *p == '\t')
			p++;
	*pp = p;
	return 0;
}

/* "18:00", "18:00:30" or "18:00:30.250" (the fraction dropped): the
 * seconds of the day in *@secs. */
static int parse_clock(const char **pp, int *secs, struct tt_error *err)
{
	const char *p = *pp;
	int h, mi, sec = 0;

	if (!*p)
		return refuse(err, "has no time of day");
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || h > 23 || mi > 59)
		return refuse(err, "is not a time of day");
	if (*p == ':') {
		p++;
		if (digits(&p, 2, &sec) || sec > 59)
			return refuse(err, "is not a time of day");
		if (*p == '.' || *p == ',') { /* fractions of a second: dropped */
			p++;
			if (!isdigit((unsigned char)*p))
				return refuse(err, "is not a time of day");
			while (isdigit((unsigned char)*p))
				p++;
		}
	}
	*secs = h * 3600 + mi * 60 + sec;
	*pp = p;
	return 0;
}

/* "+01:00", "-0530", "+01": the offset east of UTC in *@off. */
static int parse_offset(const char **pp, long *off, struct tt_error *err)
{
	const char *p = *pp;
	int sign = *p++ == '-' ? -1 : 1, oh, om = 0;

	if (digits(&p, 2, &oh))
		return refuse(err, "has a bad UTC offset");
	if (*p == ':')
		p++;
	if (isdigit((unsigned char)*p) && digits(&p, 2, &om))
		return refuse(err, "has a bad UTC offset");
	if (oh > 18 || om > 59)
		return refuse(err, "has a UTC offset beyond 18 hours");
	*off = sign * (oh * 3600L + om * 60L);
	*pp = p;
	return 0;
}

/* The rest of the line is a zone name: wall time @wall in it, in *@at. */
static int parse_zone_name(const char *p, int64_t wall, int64_t *at, bool *ambiguous,
			   struct tt_error *err)
{
	const char *z = p;
	size_t zlen;
	char zone[80];
	const struct tzfile *tz;
	int rc;

	while (*p && !isspace((unsigned char)*p))
		p++;
	zlen = (size_t)(p - z);
	while (isspace((unsigned char)*p))
		p++;
	if (*p || zlen >= sizeof(zone))
		return refuse(err, "is not a date");
	memcpy(zone, z, zlen);
	zone[zlen] = '\0';
	if ((rc = zone_get(zone, &tz, err)) < 0)
		return rc;
	rc = zone_convert(tz, wall, at);
	if (rc < 0) {
		tt_error_set(err, ERR_USER,
			     "does not exist in %s: the clocks skip that time (summer time "
			     "starts); pick a time outside the gap",
			     zone);
		return -EINVAL;
	}
	if (ambiguous)
		*ambiguous = rc == 1;
	return 0;
}

/* What follows the time: "Z", an offset or a zone name, and nothing else. */
static int parse_zone(const char *p, int64_t wall, int64_t *at, bool *ambiguous,
		      struct tt_error *err)
{
	long off = 0;
	int rc;

	while (*p == ' ' || *p == '\t')
		p++;
	if ((*p == 'Z' || *p == 'z') && (!p[1] || isspace((unsigned char)p[1])))
		p++;
	else if (*p == '+' || *p == '-') {
		if ((rc = parse_offset(&p, &off, err)) < 0)
			return rc;
	} else if (!*p)
		return refuse(err, "has no time zone");
	else
		return parse_zone_name(p, wall, at, ambiguous, err);
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return refuse(err, "has unexpected text after the time");
	*at = wall - off;
	return 0;
}

int when_parse(const char *s, int64_t *at, bool *ambiguous, struct tt_error *err)
{
	const char *p = s;
	int y, mo, d, secs, rc;

	if (ambiguous)
		*ambiguous = false;
	while (isspace((unsigned char)*p))
		p++;
	if ((rc = parse_date(&p, &y, &mo, &d, err)) < 0 || (rc = parse_clock(&p, &secs, err)) < 0)
		return rc;
	return parse_zone(p, tz_days_from_civil(y, mo, d) * 86400 + secs, at, ambiguous, err);
}

static void format_tm(const struct tm *tm, const char *zone, char *buf, size_t size)
{
	char tmp[64];

	if (!strftime(tmp, sizeof(tmp), "%Y-%m-%d %H:%M:%S", tm))
		tmp[0] = '\0';
	snprintf(buf, size, "%s %s", tmp, zone);
}

void when_format_utc(int64_t at, char *buf, size_t size)
{
	time_t t = (time_t)at;
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, size, "@%lld", (long long)at);
		return;
	}
	format_tm(&tm, "UTC", buf, size);
}

void when_format_local(int64_t at, char *buf, size_t size)
{
	time_t t = (time_t)at;
	struct tm tm;
	bool ok;

	/* The process's own zone, as the C library reads it from TZ or
	 * /etc/localtime; nothing in tiktokfs writes TZ any more, but tm_zone
	 * points into the library's tzname storage, which a TZ change made by
	 * an embedding program would rewrite: format under the lock. */
	pthread_mutex_lock(&tz_mutex);
	tzset(); /* localtime_r() need not notice a changed TZ by itself */
	ok = localtime_r(&t, &tm) != NULL;
	if (ok)
		format_tm(&tm, tm.tm_zone ? tm.tm_zone : "local", buf, size);
	pthread_mutex_unlock(&tz_mutex);
	if (!ok)
		snprintf(buf, size, "@%lld", (long long)at);
}
