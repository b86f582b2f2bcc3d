/*
 * POSIX TZ rule strings, the footer of a TZif file (RFC 8536 §3.3):
 *
 *   CET-1CEST,M3.5.0,M10.5.0/3       Europe/Berlin
 *   <+0330>-3:30                      a quoted name, a fixed offset
 *   <-02>2<-01>,M3.5.0/-1,M10.5.0/0   a negative transition time (TZif v3)
 *   IST-2IDT,M3.4.4/26,M10.5.0        a transition time beyond 24 hours
 *
 * They say what local time is after the last transition the file lists,
 * which is how a zone's rules reach years after 2037.  Offsets in the string
 * count west of UTC (CET-1 is one hour ahead); everything here stores
 * seconds east of UTC, the sign struct tm's tm_gmtoff uses.  The parser
 * takes a bounded buffer, not a C string, because the footer is not
 * NUL-terminated inside the file.
 */
#ifndef TIKTOKFS_TZRULE_H
#define TIKTOKFS_TZRULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TZ_ABBR_MAX 32 /* longest zone abbreviation kept, with its NUL */

/* Local time at an instant: offset east of UTC, summer time or not, and the
 * abbreviation ("CEST", "+0330"), borrowed from the rule or zone it came
 * from and valid as long as that is. */
struct tz_local {
	int32_t utoff;
	bool isdst;
	const char *abbr;
};

/* One end of summer time: a day of the year and the local time of day. */
struct tzrule_date {
	char kind;    /* 'J' Julian 1..365 without Feb 29, 'D' 0..365, 'M' month.week.day */
	int n;	      /* the day for 'J' and 'D' */
	int m, w, d;  /* 'M': month 1..12, week 1..5 (5 = last), weekday 0..6 (Sunday) */
	int32_t secs; /* time of day, -167h..167h (RFC 8536 §3.3.1) */
};

struct tzrule {
	int32_t std_off, dst_off; /* seconds east of UTC */
	bool has_dst;
	char std_abbr[TZ_ABBR_MAX], dst_abbr[TZ_ABBR_MAX];
	struct tzrule_date start, end; /* start and end of summer time */
};

/* Parse the @len bytes at @s into *@r.  0, or -EINVAL when they are not one
 * whole TZ rule string. */
int tzrule_parse(const char *s, size_t len, struct tzrule *r);

/* Local time under @r at @t (unix seconds). */
void tzrule_at(const struct tzrule *r, int64_t t, struct tz_local *out);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t tz_days_from_civil(int64_t y, int m, int d);
void tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

#endif
