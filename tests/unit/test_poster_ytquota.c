/*
 * Unit tests for what the posting worker checks around a YouTube upload
 * (net/poster_yt_quota.c, net/poster_yt_wait.c): the project's daily budget
 * spent before the session starts and kept across a restart, Google's
 * quotaExceeded deferring to the next Pacific midnight, the audit lock as a
 * warning, and the processing wait ending in NAME.error for a rejected
 * video.  A small fake YouTube (one-chunk uploads, a scripted videos.list)
 * stands in for Google; the worker runs without its thread, on a real store
 * and drop folder.
 */
#include "meta/config.h"
#include "meta/job/store.h"
#include "meta/yt_quota.h"
#include "net/poster_int.h"
#include "net/yt_errors.h"
#include "util/clock.h"
#include "util/strbuf.h"
#include "unit.h"
#include "fixture.h"

#include <stdlib.h>

#define VSIZE 8192

static struct {
	int starts, polls;
	const char *start_refusal; /* reason of every start, NULL: accepted */
	const char *privacy;	   /* what the final answer says was applied */
	const char *poll_status;   /* uploadStatus videos.list answers */
	const char *poll_reason;   /* its failure/rejection reason */
	const char *poll_refusal;  /* reason of every poll, NULL: answered */
	char meta[512];		   /* the last session's metadata */
} fk;

static struct fixture fx;

static int fake_login(void *ctx, struct tt_error *err)
{
	(void)ctx, (void)err;
	return 0;
}

static void fake_logout(void *ctx)
{
	(void)ctx;
}

static enum yt_answer fake_start(void *ctx, const char *meta, uint64_t size, const char *mime,
				 char **uri, struct yt_reply *rep, struct tt_error *err)
{
	(void)ctx, (void)size, (void)mime;
	fk.starts++;
	memset(rep, 0, sizeof(*rep));
	snprintf(fk.meta, sizeof(fk.meta), "%s", meta);
	if (fk.start_refusal) {
		yt_errors_apply(err, 403, fk.start_refusal);
		return YT_REFUSED;
	}
	*uri = xasprintf("https://upload.fake/v?upload_id=s%d", fk.starts);
	return YT_MORE;
}

/* The whole file in one PUT: the video. */
static enum yt_answer fake_upload(void *ctx, const char *uri, const struct upload_chunk *c,
				  struct yt_reply *rep, struct tt_error *err)
{
	(void)ctx, (void)uri, (void)c, (void)err;
	memset(rep, 0, sizeof(*rep));
	rep->http_status = 201;
	snprintf(rep->video_id, sizeof(rep->video_id), "vid%dXXXXXX", fk.starts);
	snprintf(rep->upload_status, sizeof(rep->upload_status), "uploaded");
	snprintf(rep->privacy, sizeof(rep->privacy), "%s", fk.privacy ? fk.privacy : "private");
	return YT_DONE;
}

static enum yt_answer fake_finish(void *ctx, const char *uri, uint64_t total, struct yt_reply *rep,
				  struct tt_error *err)
{
	(void)ctx, (void)uri, (void)total, (void)err;
	memset(rep, 0, sizeof(*rep));
	rep->http_status = 308;
	return YT_MORE;
}

static int fake_poll(void *ctx, const char *video_id, struct yt_reply *rep, struct tt_error *err)
{
	(void)ctx, (void)video_id;
	fk.polls++;
	memset(rep, 0, sizeof(*rep));
	if (fk.poll_refusal) {
		yt_errors_apply(err, 403, fk.poll_refusal);
		return -1;
	}
	snprintf(rep->upload_status, sizeof(rep->upload_status), "%s",
		 fk.poll_status ? fk.poll_status : "uploaded");
	snprintf(rep->reason, sizeof(rep->reason), "%s", fk.poll_reason ? fk.poll_reason : "");
	return 0;
}

static int no_tiktok(void *ctx, struct tt_error *err)
{
	(void)ctx;
	tt_error_set(err, ERR_USER, "TikTok was asked");
	return -1;
}

static struct poster *worker(void)
{
	struct poster_io tiktok = {.login = no_tiktok, .logout = fake_logout};
	struct yt_io yt = {.login = fake_login,
			   .logout = fake_logout,
			   .start = fake_start,
			   .upload = fake_upload,
			   .finish = fake_finish,
			   .poll = fake_poll};
	struct poster *p = poster_new(fx.st, &fx.cfg, fx.root, tiktok);

	poster_set_yt_io(p, yt);
	p->nap_scale = 0;
	poster_prepare(p);
	return p;
}

static bool setup(const char *budget)
{
	struct tt_error err;

	memset(&fk, 0, sizeof(fk));
	if (!FIXTURE_UP(&fx, "poster_ytq"))
		return false;
	tt_error_clear(&err);
	CHECK_INT(config_set(&fx.cfg, "platform", "youtube", &err), 0);
	CHECK_INT(config_set(&fx.cfg, "youtube_client_id", "proj.apps", &err), 0);
	CHECK_INT(config_set(&fx.cfg, "youtube_daily_uploads", budget, &err), 0);
	return true;
}

static int64_t ready_item(const char *name, const char *privacy)
{
	char video[64], cap[64], caption[160];
	int64_t id;

	snprintf(video, sizeof(video), "outbox/%s.mp4", name);
	snprintf(cap, sizeof(cap), "outbox/%s.caption", name);
	snprintf(caption, sizeof(caption),
		 "---\nprivacy: %s\nmade_for_kids: no\n---\n%s by the harbour\n", privacy, name);
	if (fixture_put_mp4(&fx, video, VSIZE) < 0 ||
	    fixture_put(&fx, cap, caption, strlen(caption)) < 0)
		abort();
	id = store_ensure(fx.st, video);
	if (id <= 0 || store_set_caption(fx.st, id, cap) ||
	    store_set_ready(fx.st, id, VSIZE, 0, "SELF_ONLY", NULL, "video/mp4") ||
	    store_transition(fx.st, id, JOB_READY, "complete and valid"))
		abort();
	return id;
}

static struct job job_of(int64_t id)
{
	struct job j = {0};

	if (store_get(fx.st, id, &j))
		FAILF("job %lld is gone", (long long)id);
	return j;
}

/* Turns until nothing is due now. */
static void run(struct poster *p)
{
	int64_t wake;

	for (int i = 0; i < 20 && poster_work_once(p, &wake); i++)
		;
}

TEST(test_budget_spent_before_the_session_defers_the_next_to_pacific_midnight)
{
	struct poster *p;
	struct job a, b;
	int64_t ia, ib;

	if (!setup("1"))
		return;
	ia = ready_item("a", "private");
	ib = ready_item("b", "private");
	p = worker();
	run(p);
	poster_free(p);
	a = job_of(ia);
	b = job_of(ib);
	CHECK_INT(fk.starts, 1); /* never a session beyond the budget */
	CHECK_STR(job_state_name(a.state), "published");
	CHECK_STR(job_state_name(b.state), "deferred");
	CHECK_INT(b.retry_at, ytq_next_midnight(wall_now()));
	CHECK_CONTAINS(b.error, "YouTube's daily quota for this project is used up");
	CHECK_CONTAINS(b.error, "1 of 1 uploads today");
	job_free(&a);
	job_free(&b);
	/* a restart, with b due again: the store still counts a's upload */
	store_set_retry(fx.st, ib, wall_now());
	p = worker();
	run(p);
	poster_free(p);
	b = job_of(ib);
	CHECK_INT(fk.starts, 1);
	CHECK_STR(job_state_name(b.state), "deferred");
	job_free(&b);
	fixture_down(&fx);
}

TEST(test_quota_exceeded_at_the_start_defers_the_project_not_a_day)
{
	struct poster *p;
	struct job a, b;
	int64_t ia, ib;

	if (!setup("6"))
		return;
	fk.start_refusal = "quotaExceeded";
	ia = ready_item("a", "private");
	ib = ready_item("b", "private");
	p = worker();
	run(p);
	poster_free(p);
	a = job_of(ia);
	b = job_of(ib);
	CHECK_INT(fk.starts, 1); /* b was held without asking Google */
	CHECK_STR(job_state_name(a.state), "deferred");
	CHECK_INT(a.retry_at, ytq_next_midnight(wall_now()));
	CHECK_CONTAINS(a.error, "used up (Google answered quotaExceeded)");
	CHECK_STR(job_state_name(b.state), "deferred");
	CHECK_INT(b.retry_at, ytq_next_midnight(wall_now()));
	job_free(&a);
	job_free(&b);
	fixture_down(&fx);
}

TEST(test_public_upload_made_private_is_posted_with_the_lock_warning)
{
	struct poster *p;
	struct job a;
	int64_t ia;

	if (!setup("6"))
		return;
	fk.privacy = "private";
	ia = ready_item("a", "public");
	p = worker();
	run(p);
	poster_free(p);
	a = job_of(ia);
	CHECK_CONTAINS(fk.meta, "\"privacyStatus\":\"public\"");
	CHECK_STR(job_state_name(a.state), "published");
	CHECK_CONTAINS(a.warning, "private although public was asked");
	CHECK_STR(a.status, "processing");
	job_free(&a);
	fixture_down(&fx);
}

/* One ask of the processing wait of @id, made due now. */
static void ask_now(struct poster *p, int64_t id)
{
	store_set_post_poll(fx.st, id, wall_now(), NULL);
	pw_wait_service(p, false);
}

TEST(test_rejected_after_processing_writes_the_error_file_in_posted)
{
	struct poster *p;
	struct job a;
	int64_t ia;

	if (!setup("6"))
		return;
	ia = ready_item("a", "private");
	p = worker();
	run(p);
	ask_now(p, ia); /* still processing */
	a = job_of(ia);
	CHECK_STR(job_state_name(a.state), "published");
	CHECK_STR(a.status, "processing");
	CHECK_STR(a.post_id, "vid1XXXXXX");
	job_free(&a);
	fk.poll_status = "rejected";
	fk.poll_reason = "duplicate";
	ask_now(p, ia);
	poster_free(p);
	a = job_of(ia);
	CHECK_INT(fk.polls, 2);
	CHECK_STR(job_state_name(a.state), "posted");
	CHECK_STR(a.status, "rejected (duplicate)");
	CHECK(fixture_exists(&fx, "posted/a.mp4"));
	CHECK(fixture_exists(&fx, "posted/a.mp4.error"));
	job_free(&a);
	fixture_down(&fx);
}

TEST(test_a_poll_refused_for_the_quota_waits_for_pacific_midnight)
{
	struct poster *p;
	struct job a;
	int64_t ia;

	if (!setup("6"))
		return;
	ia = ready_item("a", "private");
	p = worker();
	run(p);
	fk.poll_refusal = "quotaExceeded";
	ask_now(p, ia);
	a = job_of(ia);
	CHECK_STR(job_state_name(a.state), "published");
	CHECK_INT(a.post_poll_at, ytq_next_midnight(wall_now()));
	job_free(&a);
	/* the project is held: the next ask spends nothing and asks nobody */
	ask_now(p, ia);
	CHECK_INT(fk.polls, 1);
	poster_free(p);
	fixture_down(&fx);
}

UNIT_MAIN()
