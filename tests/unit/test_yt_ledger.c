/* Unit tests for net/yt_ledger.c: YouTube's quota spends survive a restart
 * through the job store's history, and Google's quota refusals defer. */
#include "net/yt_ledger.h"

#include "meta/job/store.h"
#include "tests/unit/unit.h"
#include "tests/unit/fixture.h"
#include "util/clock.h"

static bool youtube_fixture(struct fixture *fx, const char *name, const char *budget)
{
	struct tt_error err;

	if (!fixture_up_or_fail(fx, name))
		return false;
	tt_error_clear(&err);
	CHECK_INT(config_set(&fx->cfg, "platform", "youtube", &err), 0);
	CHECK_INT(config_set(&fx->cfg, "youtube_client_id", "proj-1.apps", &err), 0);
	CHECK_INT(config_set(&fx->cfg, "youtube_daily_uploads", budget, &err), 0);
	return true;
}

static int64_t job(struct fixture *fx, const char *path)
{
	int64_t id = store_ensure(fx->st, path);

	CHECK(id > 0);
	return id;
}

/* A fresh ledger seeded from the store, as the worker does at start. */
static int64_t take_after_restart(struct fixture *fx, int64_t id, struct tt_error *err)
{
	struct ytq_ledger l;
	struct job j = {0};
	int64_t at;

	ytq_ledger_init(&l);
	ytq_seed(&l, fx->st, &fx->cfg, wall_now());
	CHECK_INT(store_get(fx->st, id, &j), 0);
	at = ytq_take(&l, fx->st, &fx->cfg, &j, YTQ_INSERT, wall_now(), err);
	job_free(&j);
	ytq_ledger_free(&l);
	return at;
}

TEST(test_budget_of_two_holds_the_third_across_a_restart)
{
	struct fixture fx;
	struct ytq_ledger l;
	struct tt_error err;
	struct job j = {0};
	int64_t now = wall_now(), ids[3];

	if (!youtube_fixture(&fx, "ytledger", "2"))
		return;
	ids[0] = job(&fx, "outbox/a.mp4");
	ids[1] = job(&fx, "outbox/b.mp4");
	ids[2] = job(&fx, "outbox/c.mp4");
	ytq_ledger_init(&l);
	for (int i = 0; i < 2; i++) {
		CHECK_INT(store_get(fx.st, ids[i], &j), 0);
		tt_error_clear(&err);
		CHECK_INT(ytq_take(&l, fx.st, &fx.cfg, &j, YTQ_INSERT, now, &err), 0);
		job_free(&j);
	}
	ytq_ledger_free(&l);
	/* the daemon restarts: the store remembers both */
	tt_error_clear(&err);
	CHECK_INT(take_after_restart(&fx, ids[2], &err), ytq_next_midnight(now));
	CHECK_INT(err.cls, ERR_DEFER);
	CHECK_INT(err.retry_at, ytq_next_midnight(now));
	CHECK_CONTAINS(err.what, "YouTube's daily quota for this project is used up");
	CHECK_CONTAINS(err.what, "2 of 2 uploads today, youtube_daily_uploads");
	CHECK_CONTAINS(err.what, "retrying at ");
	fixture_down(&fx);
}

TEST(test_a_quota_refusal_defers_the_project_across_a_restart)
{
	struct fixture fx;
	struct ytq_ledger l;
	struct tt_error err;
	struct job j = {0};
	int64_t now = wall_now(), a, b;

	if (!youtube_fixture(&fx, "ytrefused", "6"))
		return;
	a = job(&fx, "outbox/a.mp4");
	b = job(&fx, "outbox/b.mp4");
	ytq_ledger_init(&l);
	CHECK_INT(store_get(fx.st, a, &j), 0);
	tt_error_clear(&err);
	/* a reason that is not about the quota changes nothing */
	CHECK_INT(ytq_refused(&l, fx.st, &fx.cfg, &j, "rateLimitExceeded", now, &err), 0);
	CHECK_INT(err.cls, ERR_NONE);
	CHECK_INT(ytq_refused(&l, fx.st, &fx.cfg, &j, "quotaExceeded", now, &err),
		  ytq_next_midnight(now));
	CHECK_INT(err.cls, ERR_DEFER);
	CHECK_CONTAINS(err.what, "Google answered quotaExceeded");
	job_free(&j);
	ytq_ledger_free(&l);
	/* after a restart the other item of the project waits too */
	tt_error_clear(&err);
	CHECK_INT(take_after_restart(&fx, b, &err), ytq_next_midnight(now));
	CHECK_CONTAINS(err.what, "used up");
	fixture_down(&fx);
}

TEST(test_projects_are_counted_apart_and_tiktok_is_not_youtube)
{
	struct fixture fx;
	char buf[96];

	if (!youtube_fixture(&fx, "ytproj", "1"))
		return;
	CHECK(ytq_is_youtube(&fx.cfg, "default"));
	CHECK_STR(ytq_project(&fx.cfg, "default", buf, sizeof(buf)), "proj-1.apps");
	CHECK_INT(ytq_budget(&fx.cfg, "default"), 1);
	fixture_down(&fx);
	if (!fixture_up_or_fail(&fx, "ytproj2"))
		return;
	CHECK(!ytq_is_youtube(&fx.cfg, "default"));
	CHECK_INT(ytq_budget(&fx.cfg, "default"), 6);
	fixture_down(&fx);
}

UNIT_MAIN()
