/*
 * YouTube's project quota as tiktokfs counts it (docs/youtube.md §6): the
 * numbers, with where each comes from; the Pacific day the quota is
 * counted in; and the ledger of what each Google Cloud project spent today.
 *
 * The quota belongs to the project (one OAuth client id), not to a
 * channel: several accounts that share a client id share one budget.  It
 * resets at midnight in America/Los_Angeles, 07:00 or 08:00 UTC with
 * summer time, so a day here is a Pacific date, never a UTC one.
 *
 * The ledger is memory only and pure (unit-tested without a store); what
 * makes it durable is net/yt_ledger.c, which writes every spend into the
 * job store's history before the call and reads it back at start.
 */
#ifndef TIKTOKFS_YT_QUOTA_H
#define TIKTOKFS_YT_QUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A project's quota a day, in units: "10,000 units per day" ([insert],
 * §6). */
#define YT_DAILY_UNITS 10000
/* videos.insert: "a call to this method has a quota cost of 1600 units"
 * ([insert], §6).  The newer quota page's separate bucket of 100 inserts
 * (§11.1) would allow more; counting 1600 is the side that never runs
 * into Google's refusal. */
#define YT_INSERT_UNITS 1600
/* videos.list: 1 unit (§5, [quota-cost]). */
#define YT_LIST_UNITS 1
/* The default of youtube_daily_uploads: the inserts that fit a day's
 * units, 10,000 / 1,600 = 6 (rounded down; the 400 units left pay for the
 * processing polls). */
#define YT_DAILY_UPLOADS_DEFAULT 6
/* The most youtube_daily_uploads accepts: the bucket reading of §11.1. */
#define YT_DAILY_UPLOADS_MAX 100
/* The zone the quota day is counted in (§6), and its rule as a POSIX TZ
 * string for a system without the tz database (US rules since 2007). */
#define YT_QUOTA_ZONE "America/Los_Angeles"
#define YT_QUOTA_ZONE_RULE "PST8PDT,M3.2.0,M11.1.0"

/* The Pacific date of unix time @t, as days since 1970-01-01. */
int64_t ytq_day(int64_t t);
/* The first Pacific midnight after @t (unix seconds): when a quota spent
 * at @t is given back. */
int64_t ytq_next_midnight(int64_t t);

/* What a call costs (§6). */
enum ytq_call { YTQ_INSERT, YTQ_LIST };

/* One project's spend on one Pacific day. */
struct ytq_count {
	char project[160]; /* the OAuth client id */
	int64_t day;	   /* ytq_day() */
	int inserts;
	int units;
	bool exhausted; /* Google said quotaExceeded or uploadLimitExceeded */
};

struct ytq_ledger {
	struct ytq_count *c; /* owned */
	size_t n, alloc;
};

void ytq_ledger_init(struct ytq_ledger *l);
void ytq_ledger_free(struct ytq_ledger *l);

/* Count a call of @project made at @at.  Calls of an earlier day than the
 * one counted are ignored (they were given back). */
void ytq_note(struct ytq_ledger *l, const char *project, int64_t at, enum ytq_call call);
/* Google refused for the quota at @at: nothing more that day. */
void ytq_note_exhausted(struct ytq_ledger *l, const char *project, int64_t at);

/* Inserts @project spent on @now's Pacific day. */
int ytq_inserts(const struct ytq_ledger *l, const char *project, int64_t now);

/*
 * Whether a call of @project may be made at @now: 0 when it may, else the
 * unix seconds it may (the next Pacific midnight).  An insert needs fewer
 * than @budget inserts today and its units left; a list needs its unit.
 */
int64_t ytq_wait(const struct ytq_ledger *l, const char *project, int64_t now, enum ytq_call call,
		 int budget);

/* Whether a Data API error reason means the day is used up for the
 * project (§8: quotaExceeded, dailyLimitExceeded; §6:
 * uploadLimitExceeded, the channel's cap, also lasts until midnight). */
bool ytq_reason_exhausts(const char *reason);

/* "YouTube's daily quota for this project is used up (@why); retrying at
 * 2026-12-01T08:00:00Z, midnight Pacific time" (@at) into @buf; @why says
 * which count or which answer of Google's. */
void ytq_message(char *buf, size_t size, const char *why, int64_t at);

#endif
