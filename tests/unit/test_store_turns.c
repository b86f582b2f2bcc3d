/*
 * Unit tests for the accounts' turns in store_next_work() (meta/job/store.c,
 * meta/job/turns.c): on a real store, items of several accounts due at
 * once are handed out by weighted round-robin of their bandwidth_share,
 * interrupted uploads first, and an account whose items all wait holds no
 * one back.  Each "turn" below is what the worker does: take the next job,
 * finish it.
 */
#include "meta/job/store.h"
#include "meta/job/turns.h"
#include "util/strbuf.h"
#include "unit.h"
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fixture fx;

static bool fresh(void)
{
	fixture_down(&fx);
	return FIXTURE_UP(&fx, "turns");
}

/* @n ready items in account @acct's outbox (the default account's for
 * "default"), made in that order. */
static void ready_items(const char *acct, int n)
{
	for (int i = 0; i < n; i++) {
		char path[128];
		int64_t id;

		if (!strcmp(acct, "default"))
			snprintf(path, sizeof(path), "outbox/%d.mp4", i);
		else
			snprintf(path, sizeof(path), "accounts/%s/outbox/%d.mp4", acct, i);
		id = store_ensure(fx.st, path);
		if (id <= 0 || store_transition(fx.st, id, JOB_READY, "complete and valid"))
			abort();
	}
}

/* Turns until nothing is due, as the worker takes them: the account of
 * each, one letter per turn ("a" for account a ...), into @out. */
static void turns(char *out, size_t size)
{
	size_t n = 0;
	int64_t id, wake;

	while ((id = store_next_work(fx.st, 0x7fffffff, &wake)) > 0 && n + 1 < size) {
		struct job j = {0};

		if (store_get(fx.st, id, &j))
			abort();
		out[n++] = j.account[0];
		store_transition(fx.st, id, JOB_CANCELLED, "done in the test");
		job_free(&j);
	}
	out[n] = '\0';
}

TEST(test_one_account_is_served_oldest_first)
{
	char got[32];
	int64_t first, id, wake;

	if (!fresh())
		return;
	ready_items("a", 3);
	first = store_next_work(fx.st, 0x7fffffff, &wake);
	id = store_ensure(fx.st, "accounts/a/outbox/0.mp4");
	CHECK_INT(first, id);
	turns(got, sizeof(got));
	CHECK_STR(got, "aaa");
}

TEST(test_equal_shares_take_turns_so_a_late_account_is_not_held_back)
{
	char got[32];

	if (!fresh())
		return;
	/* 6 items of a dropped first, 2 of b after them */
	ready_items("a", 6);
	ready_items("b", 2);
	turns(got, sizeof(got));
	CHECK_STR(got, "ababaaaa");
}

TEST(test_share_three_gets_three_turns_for_each_of_share_one)
{
	char got[32];

	if (!fresh())
		return;
	store_set_share(fx.st, "a", 3);
	store_set_share(fx.st, "b", 1);
	ready_items("a", 8);
	ready_items("b", 4);
	turns(got, sizeof(got));
	CHECK_STR(got, "aaabaaabaabb");
}

TEST(test_shares_weigh_the_default_account_too)
{
	char got[32];

	if (!fresh())
		return;
	store_set_share(fx.st, "default", 1);
	store_set_share(fx.st, "b", 2);
	ready_items("default", 4);
	ready_items("b", 4);
	turns(got, sizeof(got));
	/* b's turns end at 1/2, 1 ...; default's at 1, 2 ...: ties go to the
	 * account whose item waited longest */
	CHECK_STR(got, "bdbbdbdd");
}

TEST(test_an_interrupted_upload_comes_before_anyones_turn)
{
	int64_t up, wake;

	if (!fresh())
		return;
	ready_items("a", 2);
	up = store_ensure(fx.st, "accounts/b/outbox/up.mp4");
	store_transition(fx.st, up, JOB_READY, "complete and valid");
	store_set_publish(fx.st, up, 0, "p_up", NULL, 0);
	store_transition(fx.st, up, JOB_UPLOADING, "upload started");
	CHECK_INT(store_next_work(fx.st, 0x7fffffff, &wake), up);
	CHECK_INT(store_next_work(fx.st, 0x7fffffff, &wake), up);
}

TEST(test_a_deferred_account_holds_no_one_back)
{
	char got[32];
	int64_t now = 1000000, id, wake;

	if (!fresh())
		return;
	ready_items("a", 1);
	id = store_next_work(fx.st, now, &wake);
	/* a's item hits a 429: deferred for ten minutes */
	store_set_retry(fx.st, id, now + 600);
	store_transition(fx.st, id, JOB_DEFERRED, "TikTok's rate limit");
	ready_items("b", 2);
	CHECK(store_next_work(fx.st, now, &wake) != id);
	CHECK_INT(wake, now + 600);
	turns(got, sizeof(got)); /* later: a's time came, everyone's due */
	CHECK_STR(got, "bab");
}

TEST(test_an_account_back_from_a_pause_gets_no_burst)
{
	struct turns *t = turns_new();
	const char *both[] = {"a", "b"}, *only_a[] = {"a"};
	char got[16];
	size_t n = 0;

	/* a alone for ten turns, then b comes: b gets the next turn, then
	 * they alternate; b's ten missed turns are not owed to it */
	for (int i = 0; i < 10; i++)
		turns_pick(t, only_a, 1);
	for (int i = 0; i < 6; i++)
		got[n++] = both[turns_pick(t, both, 2)][0];
	got[n] = '\0';
	CHECK_STR(got, "babab"
		       "a");
	turns_free(t);
}

UNIT_MAIN()
