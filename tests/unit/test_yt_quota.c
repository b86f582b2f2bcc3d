/* Unit tests for meta/yt_quota.c: the Pacific day and its midnight (summer
 * time both ways), the per-project ledger, the reasons that end a day. */
#include "meta/yt_quota.h"

#include <stdlib.h>

#include "tests/unit/unit.h"

/* 2026-11-30 12:00 PST = 20:00 UTC */
#define NOV30_NOON 1796068800LL
/* 2026-12-01 00:00 PST = 08:00 UTC */
#define DEC01_MIDNIGHT 1796112000LL

TEST(test_midnight_is_pacific_not_utc)
{
	CHECK_INT(ytq_next_midnight(NOV30_NOON), DEC01_MIDNIGHT);
	/* 23:59:59 PST is still the same day; midnight itself starts the next */
	CHECK_INT(ytq_next_midnight(DEC01_MIDNIGHT - 1), DEC01_MIDNIGHT);
	CHECK_INT(ytq_next_midnight(DEC01_MIDNIGHT), DEC01_MIDNIGHT + 86400);
	CHECK_INT(ytq_day(DEC01_MIDNIGHT) - ytq_day(DEC01_MIDNIGHT - 1), 1);
	/* 2026-12-01 03:00 UTC is still 30 November in California */
	CHECK_INT(ytq_day(DEC01_MIDNIGHT - 5 * 3600), ytq_day(NOV30_NOON));
}

TEST(test_spring_forward_day_is_23_hours)
{
	/* 2026-03-08: PST until 02:00, then PDT.  Midnight that day is
	 * 08:00 UTC (PST), the next one 07:00 UTC (PDT). */
	int64_t mar8_0000 = 1772956800LL; /* 2026-03-08T08:00:00Z */
	int64_t mar9_0000 = 1773039600LL; /* 2026-03-09T07:00:00Z */

	CHECK_INT(ytq_next_midnight(mar8_0000 - 3600), mar8_0000);
	CHECK_INT(ytq_next_midnight(mar8_0000 + 12 * 3600), mar9_0000);
	CHECK_INT(mar9_0000 - mar8_0000, 23 * 3600);
	CHECK_INT(ytq_day(mar9_0000) - ytq_day(mar9_0000 - 1), 1);
}

TEST(test_fall_back_day_is_25_hours)
{
	/* 2026-11-01: PDT until 02:00, then PST. */
	int64_t nov1_0000 = 1793516400LL; /* 2026-11-01T07:00:00Z */
	int64_t nov2_0000 = 1793606400LL; /* 2026-11-02T08:00:00Z */

	CHECK_INT(ytq_next_midnight(nov1_0000 - 1), nov1_0000);
	/* 01:30 comes twice that night; both are 1 November */
	CHECK_INT(ytq_next_midnight(nov1_0000 + 5400), nov2_0000);
	CHECK_INT(ytq_next_midnight(nov1_0000 + 5400 + 3600), nov2_0000);
	CHECK_INT(nov2_0000 - nov1_0000, 25 * 3600);
	CHECK_INT(ytq_day(nov2_0000 - 1), ytq_day(nov1_0000));
}

TEST(test_budget_counts_per_project_and_day)
{
	struct ytq_ledger l;

	ytq_ledger_init(&l);
	ytq_note(&l, "proj-a", NOV30_NOON, YTQ_INSERT);
	ytq_note(&l, "proj-a", NOV30_NOON + 60, YTQ_INSERT);
	ytq_note(&l, "proj-b", NOV30_NOON, YTQ_INSERT);
	CHECK_INT(ytq_inserts(&l, "proj-a", NOV30_NOON + 120), 2);
	/* a budget of 2: the third waits for midnight; the other project not */
	CHECK_INT(ytq_wait(&l, "proj-a", NOV30_NOON + 120, YTQ_INSERT, 2), DEC01_MIDNIGHT);
	CHECK_INT(ytq_wait(&l, "proj-b", NOV30_NOON + 120, YTQ_INSERT, 2), 0);
	CHECK_INT(ytq_wait(&l, "proj-c", NOV30_NOON + 120, YTQ_INSERT, 2), 0);
	/* polls still have units left */
	CHECK_INT(ytq_wait(&l, "proj-a", NOV30_NOON + 120, YTQ_LIST, 2), 0);
	/* the next Pacific day starts afresh */
	CHECK_INT(ytq_wait(&l, "proj-a", DEC01_MIDNIGHT, YTQ_INSERT, 2), 0);
	ytq_note(&l, "proj-a", DEC01_MIDNIGHT + 5, YTQ_INSERT);
	CHECK_INT(ytq_inserts(&l, "proj-a", DEC01_MIDNIGHT + 10), 1);
	/* a late note of the day before changes nothing */
	ytq_note(&l, "proj-a", NOV30_NOON + 200, YTQ_INSERT);
	CHECK_INT(ytq_inserts(&l, "proj-a", DEC01_MIDNIGHT + 10), 1);
	ytq_ledger_free(&l);
}

TEST(test_units_run_out_before_a_large_budget)
{
	struct ytq_ledger l;

	ytq_ledger_init(&l);
	for (int i = 0; i < 6; i++)
		ytq_note(&l, "p", NOV30_NOON + i, YTQ_INSERT);
	/* 9,600 units: a seventh insert does not fit 10,000 whatever the budget */
	CHECK_INT(ytq_wait(&l, "p", NOV30_NOON + 10, YTQ_INSERT, 100), DEC01_MIDNIGHT);
	for (int i = 0; i < 400; i++)
		ytq_note(&l, "p", NOV30_NOON + 20, YTQ_LIST);
	CHECK_INT(ytq_wait(&l, "p", NOV30_NOON + 30, YTQ_LIST, 6), DEC01_MIDNIGHT);
	ytq_ledger_free(&l);
}

TEST(test_google_refusal_ends_the_day_for_the_project)
{
	struct ytq_ledger l;

	CHECK(ytq_reason_exhausts("quotaExceeded"));
	CHECK(ytq_reason_exhausts("dailyLimitExceeded"));
	CHECK(ytq_reason_exhausts("uploadLimitExceeded"));
	CHECK(!ytq_reason_exhausts("rateLimitExceeded"));
	CHECK(!ytq_reason_exhausts(NULL));
	ytq_ledger_init(&l);
	ytq_note_exhausted(&l, "p", NOV30_NOON);
	CHECK_INT(ytq_wait(&l, "p", NOV30_NOON + 1, YTQ_INSERT, 6), DEC01_MIDNIGHT);
	CHECK_INT(ytq_wait(&l, "p", NOV30_NOON + 1, YTQ_LIST, 6), DEC01_MIDNIGHT);
	CHECK_INT(ytq_wait(&l, "p", DEC01_MIDNIGHT, YTQ_INSERT, 6), 0);
	ytq_ledger_free(&l);
}

TEST(test_message_names_the_count_and_the_time)
{
	char buf[300];

	ytq_message(buf, sizeof(buf), "2 of 2 uploads today", DEC01_MIDNIGHT);
	CHECK_STR(buf, "YouTube's daily quota for this project is used up (2 of 2 uploads "
		       "today); retrying at 2026-12-01T08:00:00Z, midnight Pacific time");
}

UNIT_MAIN()
