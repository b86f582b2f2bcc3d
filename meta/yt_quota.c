/*
 * The Pacific day and the per-project ledger of YouTube's quota
 * (meta/yt_quota.h, docs/youtube.md §6).
 *
 * Local time comes from the tz database's America/Los_Angeles through
 * meta/caption/tzdb.c (no setenv("TZ") in a threaded daemon); a system
 * without tzdata falls back to the US rule string, which gives the same
 * answers for every year since 2007.  A midnight is found by taking the
 * next local date at 00:00 and correcting for the offset in force then:
 * Pacific summer time switches at 02:00, so midnight itself is never
 * skipped or repeated, but the day before and after a switch is 23 or 25
 * hours long, which is why "now + a day" would be wrong.
 */
#include "meta/yt_quota.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/caption/tzdb.h"
#include "meta/caption/tzrule.h"
#include "util/array.h"
#include "util/strbuf.h"
#include "util/timefmt.h"

#define DAY_SEC 86400

/* Seconds east of UTC in Pacific time at @t. */
static int32_t pacific_offset(int64_t t)
{
	const struct tzfile *tz;
	struct tzrule r;
	struct tz_local lt;
	char why[160];

	if (tzdb_get(YT_QUOTA_ZONE, &tz, why, sizeof(why)) == 0)
		return tzfile_offset(tz, t);
	if (tzrule_parse(YT_QUOTA_ZONE_RULE, strlen(YT_QUOTA_ZONE_RULE), &r) < 0)
		return -8 * 3600;
	tzrule_at(&r, t, &lt);
	return lt.utoff;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t ytq_day(int64_t t)
{
	return floor_div(t + pacific_offset(t), DAY_SEC);
}

int64_t ytq_next_midnight(int64_t t)
{
	int64_t local = (ytq_day(t) + 1) * DAY_SEC;
	int64_t u = local - pacific_offset(t);

	/* The offset at midnight may differ from the offset at @t: look again
	 * with the offset of the instant found (twice settles it). */
	for (int i = 0; i < 2; i++)
		u = local - pacific_offset(u);
	return u > t ? u : t + 1;
}

void ytq_ledger_init(struct ytq_ledger *l)
{
	memset(l, 0, sizeof(*l));
}

void ytq_ledger_free(struct ytq_ledger *l)
{
	free(l->c);
	ytq_ledger_init(l);
}

static struct ytq_count *find(const struct ytq_ledger *l, const char *project)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->c[i].project, project))
			return &l->c[i];
	return NULL;
}

/* @project's count for the day of @at, made (or started afresh for a new
 * day); NULL for a day before the one counted. */
static struct ytq_count *today(struct ytq_ledger *l, const char *project, int64_t at)
{
	struct ytq_count *c = find(l, project);
	int64_t day = ytq_day(at);

	if (!c) {
		ALLOC_GROW(l->c, l->n + 1, l->alloc);
		c = &l->c[l->n++];
		memset(c, 0, sizeof(*c));
		snprintf(c->project, sizeof(c->project), "%s", project);
		c->day = day;
	}
	if (day < c->day)
		return NULL;
	if (day > c->day) {
		c->day = day;
		c->inserts = c->units = 0;
		c->exhausted = false;
	}
	return c;
}

void ytq_note(struct ytq_ledger *l, const char *project, int64_t at, enum ytq_call call)
{
	struct ytq_count *c = today(l, project, at);

	if (!c)
		return;
	if (call == YTQ_INSERT) {
		c->inserts++;
		c->units += YT_INSERT_UNITS;
	} else {
		c->units += YT_LIST_UNITS;
	}
}

void ytq_note_exhausted(struct ytq_ledger *l, const char *project, int64_t at)
{
	struct ytq_count *c = today(l, project, at);

	if (c)
		c->exhausted = true;
}

/* The count of @project for @now's day, or NULL when it spent nothing. */
static const struct ytq_count *count_of(const struct ytq_ledger *l, const char *project,
					int64_t now)
{
	const struct ytq_count *c = find(l, project);

	return c && c->day == ytq_day(now) ? c : NULL;
}

int ytq_inserts(const struct ytq_ledger *l, const char *project, int64_t now)
{
	const struct ytq_count *c = count_of(l, project, now);

	return c ? c->inserts : 0;
}

int64_t ytq_wait(const struct ytq_ledger *l, const char *project, int64_t now, enum ytq_call call,
		 int budget)
{
	const struct ytq_count *c = count_of(l, project, now);
	int cost = call == YTQ_INSERT ? YT_INSERT_UNITS : YT_LIST_UNITS;

	if (!c)
		return 0;
	if (c->exhausted || c->units + cost > YT_DAILY_UNITS ||
	    (call == YTQ_INSERT && c->inserts >= budget))
		return ytq_next_midnight(now);
	return 0;
}

bool ytq_reason_exhausts(const char *reason)
{
	static const char *const r[] = {"quotaExceeded", "dailyLimitExceeded",
					"uploadLimitExceeded"};

	for (size_t i = 0; reason && i < sizeof(r) / sizeof(r[0]); i++)
		if (!strcmp(reason, r[i]))
			return true;
	return false;
}

void ytq_message(char *buf, size_t size, const char *why, int64_t at)
{
	char when[ISO_UTC_SIZE];

	iso_utc(at, when, sizeof(when));
	snprintf(buf, size,
		 "YouTube's daily quota for this project is used up (%s); retrying at %s, "
		 "midnight Pacific time",
		 why, when);
}
