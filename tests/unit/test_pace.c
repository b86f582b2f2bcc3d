/* Unit tests for net/pace.c: the per-minute window, the daily cap, order. */
#include "net/pace.h"

#include "tests/unit/unit.h"

#define T0 1800000000LL

TEST(test_six_inits_a_minute_then_the_window_must_free)
{
	struct pace pc;

	pace_init(&pc);
	for (int i = 0; i < 6; i++) {
		CHECK_INT(pace_next(&pc, T0 + i, true), T0 + i);
		pace_note(&pc, T0 + i, i % 2);
	}
	/* The seventh waits until the first is a minute old, plus the second
	 * our truncated clock may be behind TikTok's. */
	CHECK_INT(pace_next(&pc, T0 + 6, true), T0 + 61);
	CHECK_INT(pace_next(&pc, T0 + 60, false), T0 + 61);
	CHECK_INT(pace_next(&pc, T0 + 61, true), T0 + 61);
	pace_note(&pc, T0 + 61, true);
	/* Now the second one (T0 + 1) must leave. */
	CHECK_INT(pace_next(&pc, T0 + 61, true), T0 + 62);
	CHECK_INT(pace_count(&pc, T0 + 61, 60, false), 5); /* T0 + 2 .. T0 + 5, T0 + 61 */
}

TEST(test_notes_out_of_order_are_sorted)
{
	struct pace pc;

	pace_init(&pc);
	pace_note(&pc, T0 + 5, true);
	pace_note(&pc, T0 + 1, false);
	pace_note(&pc, T0 + 3, true);
	CHECK_INT(pc.t[0], T0 + 1);
	CHECK_INT(pc.t[1], T0 + 3);
	CHECK_INT(pc.t[2], T0 + 5);
	CHECK(!pc.direct[0] && pc.direct[1] && pc.direct[2]);
	CHECK_INT(pace_count(&pc, T0 + 5, PACE_DAY, true), 2);
}

TEST(test_daily_cap_blocks_direct_until_the_oldest_turns_a_day)
{
	struct pace pc;
	int64_t now = T0 + PACE_DAY - 100, until;

	pace_init(&pc);
	pace_note(&pc, T0, true);
	pace_note(&pc, T0 + 5000, true);
	until = pace_cap_reached(&pc, now);
	CHECK_INT(until, T0 + PACE_DAY + 1);
	CHECK_INT(pace_next(&pc, now, true), T0 + PACE_DAY + 1);
	CHECK_INT(pace_next(&pc, now, false), now); /* drafts are not capped */
	/* Far from a slot: ask again within the hour. */
	pace_init(&pc);
	pace_note(&pc, T0, true);
	CHECK_INT(pace_cap_reached(&pc, T0 + 10), T0 + 10 + PACE_CAP_RECHECK);
}

TEST(test_full_drafts_hold_drafts_only)
{
	struct pace pc;

	pace_init(&pc);
	CHECK_INT(pace_drafts_full(&pc, T0), T0 + PACE_CAP_RECHECK);
	CHECK_INT(pace_next(&pc, T0 + 10, false), T0 + PACE_CAP_RECHECK);
	CHECK_INT(pace_next(&pc, T0 + 10, true), T0 + 10);
}

TEST(test_a_429_holds_every_init)
{
	struct pace pc;

	pace_init(&pc);
	pace_hold(&pc, T0 + 60);
	pace_hold(&pc, T0 + 30); /* an earlier end never shortens the hold */
	CHECK_INT(pace_next(&pc, T0, true), T0 + 60);
	CHECK_INT(pace_next(&pc, T0, false), T0 + 60);
	CHECK_INT(pace_next(&pc, T0 + 60, false), T0 + 60);
}

TEST(test_expire_forgets_what_is_a_day_old)
{
	struct pace pc;

	pace_init(&pc);
	pace_note(&pc, T0, true);
	pace_note(&pc, T0 + 10, true);
	pace_expire(&pc, T0 + PACE_DAY + 5);
	CHECK_INT(pc.n, 1);
	CHECK_INT(pc.t[0], T0 + 10);
}

TEST(test_a_full_list_drops_the_oldest)
{
	struct pace pc;

	pace_init(&pc);
	for (int i = 0; i < PACE_MAX + 3; i++)
		pace_note(&pc, T0 + i * 100, true);
	CHECK_INT(pc.n, PACE_MAX);
	CHECK_INT(pc.t[0], T0 + 300);
}

/* What a worker does with one job at @now: go (and count the init) or not. */
static int64_t turn(struct pace *pc, int64_t now, int64_t job)
{
	int64_t at = pace_reserve(pc, now, true, job);

	if (at <= now) {
		pace_note(pc, now, true);
		pace_release(pc, job);
	}
	return at;
}

TEST(test_a_queue_of_twenty_is_deferred_once_each)
{
	static struct pace pc;
	int64_t first[21];
	int went = 0;

	pace_init(&pc);
	for (int j = 1; j <= 20; j++) {
		first[j] = turn(&pc, T0, j);
		went += first[j] == T0;
	}
	CHECK_INT(went, 6);
	/* Six seconds promised a minute, in queue order. */
	for (int j = 7; j <= 12; j++)
		CHECK_INT(first[j], T0 + 61);
	for (int j = 13; j <= 18; j++)
		CHECK_INT(first[j], T0 + 122);
	CHECK_INT(first[19], T0 + 183);
	CHECK_INT(first[20], T0 + 183);
	/* Each comes back at its second and goes: nobody is deferred twice. */
	for (int j = 7; j <= 20; j++) {
		/* one that asks early is told its own second again */
		CHECK_INT(pace_reserve(&pc, first[j] - 1, true, j), first[j]);
		CHECK_INT(turn(&pc, first[j], j), first[j]);
	}
}

TEST(test_asking_twice_before_the_init_keeps_the_turn)
{
	static struct pace pc;

	pace_init(&pc);
	for (int j = 1; j <= 6; j++)
		turn(&pc, T0, j);
	CHECK_INT(pace_reserve(&pc, T0, true, 7), T0 + 61);
	CHECK_INT(pace_reserve(&pc, T0, true, 8), T0 + 61);
	/* Job 7's second came; the worker asks before creator_info and again
	 * before the init: both times it may go. */
	CHECK_INT(pace_reserve(&pc, T0 + 61, true, 7), T0 + 61);
	CHECK_INT(pace_reserve(&pc, T0 + 61, true, 7), T0 + 61);
	pace_note(&pc, T0 + 61, true);
	pace_release(&pc, 7);
	CHECK_INT(turn(&pc, T0 + 61, 8), T0 + 61);
}

TEST(test_a_new_item_does_not_jump_the_queue)
{
	static struct pace pc;

	pace_init(&pc);
	for (int j = 1; j <= 12; j++)
		turn(&pc, T0, j);
	/* 7..12 wait for T0 + 61.  A newcomer asking at that very second goes
	 * behind them, not into one of their seconds. */
	CHECK_INT(pace_reserve(&pc, T0 + 61, true, 99), T0 + 122);
	for (int j = 7; j <= 12; j++)
		CHECK_INT(turn(&pc, T0 + 61, j), T0 + 61);
}

TEST(test_an_unclaimed_second_is_given_back)
{
	static struct pace pc;

	pace_init(&pc);
	for (int j = 1; j <= 7; j++)
		turn(&pc, T0, j);
	/* Job 7 was deleted and never comes back for T0 + 61. */
	CHECK_INT(pace_reserve(&pc, T0 + 61 + PACE_RES_GRACE + 1, true, 8),
		  T0 + 61 + PACE_RES_GRACE + 1);
}

TEST(test_status_window_allows_thirty_a_minute_then_waits_for_the_oldest)
{
	struct pace_window w;

	pace_window_init(&w, 30, 60.0);
	for (int i = 0; i < 30; i++) {
		CHECK(pace_window_delay(&w, 100.0 + i) == 0.0);
		pace_window_note(&w, 100.0 + i);
	}
	/* The 31st waits until the first call is a minute old. */
	CHECK(pace_window_delay(&w, 130.0) == 30.0);
	CHECK(pace_window_delay(&w, 160.5) == 0.0);
	pace_window_note(&w, 160.5);
	CHECK_INT(w.n, 30); /* 101 .. 129 and 160.5 */
	CHECK(pace_window_delay(&w, 160.5) == 0.5);
}

TEST(test_window_never_holds_more_than_it_can_remember)
{
	struct pace_window w;

	pace_window_init(&w, 100, 60.0);
	CHECK_INT(w.max, PACE_WINDOW_MAX);
	for (int i = 0; i < 40; i++)
		pace_window_note(&w, 1.0);
	CHECK_INT(w.n, PACE_WINDOW_MAX);
	CHECK(pace_window_delay(&w, 2.0) == 59.0);
}

UNIT_MAIN()
