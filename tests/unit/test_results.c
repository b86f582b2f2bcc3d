/*
 * Unit tests for meta/job/results.c and the store setters behind it: an item
 * shows exactly the user.tiktok.* attributes of its current state, never a
 * leftover of a state it has left (retry_at after a deferral, an error that
 * was fixed, progress after the upload).
 */
#include "meta/config.h"
#include "meta/job/results.h"
#include "meta/job/store.h"
#include "util/strbuf.h"
#include "unit.h"
#include "fixture.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Each test's store in a fresh fixture (tests/unit/fixture.h): the test
 * owns the store (closes it), the fixture the folder. */
static struct fixture fx;

static struct store *open_fresh(void)
{
	struct store *st;

	fixture_down(&fx);
	if (!FIXTURE_UP(&fx, "results"))
		return NULL;
	st = fx.st;
	fx.st = NULL;
	return st;
}

/* The names @j shows, as "a,b,c" in results_keys order. */
static const char *shown(const struct job *j)
{
	static char buf[512];
	char v[1024];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < results_nkeys; i++)
		if (results_value(j, results_keys[i], v, sizeof(v)))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "",
					      results_keys[i]);
	return buf;
}

static const char *shown_by_id(struct store *st, int64_t id)
{
	struct job j;
	const char *r;

	if (store_get(st, id, &j))
		return "(no job)";
	r = shown(&j);
	job_free(&j);
	return r;
}

/* A job with every field filled in, as a careless sequence of setters
 * could leave it. */
static void fill_everything(struct job *j, enum job_state s)
{
	memset(j, 0, sizeof(*j));
	j->state = s;
	j->size = 4000;
	j->sent = 1000;
	j->publish_id = "v_pub_1";
	j->status = "PUBLISH_COMPLETE";
	j->posted_at = 1764072000;
	j->privacy = "SELF_ONLY";
	j->post_id = "7312345678901234567";
	j->url = "https://www.tiktok.com/@u/video/7312345678901234567";
	j->error = "rate limit";
	j->warning = "not 9:16";
	j->retry_at = 1764072060;
	j->schedule_at = 1764075600;
}

TEST(test_each_state_shows_its_own_attributes)
{
	struct job j;

	fill_everything(&j, JOB_WAITING);
	CHECK_STR(shown(&j), "state,error");
	fill_everything(&j, JOB_READY);
	CHECK_STR(shown(&j), "state,privacy,error,warning");
	fill_everything(&j, JOB_SCHEDULED);
	CHECK_STR(shown(&j), "state,privacy,error,warning,schedule_at");
	fill_everything(&j, JOB_UPLOADING);
	CHECK_STR(shown(&j), "state,progress,publish_id,privacy,error,warning");
	fill_everything(&j, JOB_PROCESSING);
	CHECK_STR(shown(&j), "state,publish_id,status,privacy,error,warning");
	fill_everything(&j, JOB_DEFERRED);
	CHECK_STR(shown(&j), "state,publish_id,status,privacy,error,warning,retry_at");
	fill_everything(&j, JOB_INVALID);
	CHECK_STR(shown(&j), "state,error");
	fill_everything(&j, JOB_POSTED);
	/* error only while a move to posted/ is stuck: the store clears it
	 * at the state change and meta/job/outcome.c once the move is made */
	CHECK_STR(shown(&j), "state,publish_id,status,posted_at,privacy,post_id,url,error,warning");
	fill_everything(&j, JOB_FAILED);
	CHECK_STR(shown(&j), "state,publish_id,status,privacy,error");
}

TEST(test_unknown_state_shows_only_state)
{
	struct job j;
	char v[64];

	fill_everything(&j, JOB_LOST);
	CHECK_STR(shown(&j), "state,error");
	j.state = (enum job_state)99;
	CHECK_STR(shown(&j), "state");
	CHECK(results_value(&j, "state", v, sizeof(v)));
	CHECK(!results_value(&j, "no_such_key", v, sizeof(v)));
}

TEST(test_deferral_that_ended_leaves_no_retry_at)
{
	struct store *st = open_fresh();
	int64_t id;

	if (!st)
		return;
	id = store_ensure(st, "outbox/clip.mp4");
	store_set_ready(st, id, 4000, 0, "SELF_ONLY", NULL, NULL);
	store_transition(st, id, JOB_READY, "complete and valid");
	/* defer()'s order (net/poster_end.c): the reason and the time, then the state */
	store_set_error(st, id, "rate limit exceeded");
	store_set_retry(st, id, 1764072060);
	store_transition(st, id, JOB_DEFERRED, "deferred");
	CHECK_STR(shown_by_id(st, id), "state,privacy,error,retry_at");
	/* the init that ends it: error cleared by the poster, retry_at by the
	 * state change */
	store_set_error(st, id, NULL);
	store_set_publish(st, id, 0, "v_pub_1", "https://up.example/u", 99);
	store_transition(st, id, JOB_UPLOADING, "init");
	CHECK_STR(shown_by_id(st, id), "state,progress,publish_id,privacy");
	struct job j;
	CHECK_INT(store_get(st, id, &j), 0);
	CHECK_INT(j.retry_at, 0);
	job_free(&j);
	store_close(st);
}

TEST(test_an_error_belongs_to_the_state_it_was_set_for)
{
	struct store *st = open_fresh();
	struct job j;
	int64_t id;

	if (!st)
		return;
	id = store_ensure(st, "outbox/clip.mp4");
	/* apply_caption's order: the error, then invalid; it stays */
	store_set_error(st, id, "clip.caption: unknown privacy 'pubic'");
	store_transition(st, id, JOB_INVALID, "bad caption");
	CHECK_STR(shown_by_id(st, id), "state,error");
	/* the user edits the caption: back to waiting, the old error goes */
	store_transition(st, id, JOB_WAITING, "changed: checking it again");
	CHECK_STR(shown_by_id(st, id), "state");
	CHECK_INT(store_get(st, id, &j), 0);
	CHECK(j.error == NULL);
	job_free(&j);
	/* a reason set for the next state survives it (apply_incomplete) */
	store_transition(st, id, JOB_READY, "complete and valid");
	store_set_error(st, id, "clip.mp4: the copy is cut short");
	store_transition(st, id, JOB_WAITING, "cut short");
	CHECK_STR(shown_by_id(st, id), "state,error");
	/* a later change of state drops it again */
	store_transition(st, id, JOB_READY, "complete and valid");
	CHECK_STR(shown_by_id(st, id), "state");
	store_close(st);
}

TEST(test_error_set_while_uploading_does_not_reach_processing)
{
	struct store *st = open_fresh();
	int64_t id;

	if (!st)
		return;
	id = store_ensure(st, "outbox/clip.mp4");
	store_set_publish(st, id, 0, "v_pub_1", "https://up.example/u", 99);
	store_transition(st, id, JOB_UPLOADING, "init");
	store_set_error(st, id, "not logged in: run tiktokfs login"); /* pw_login_wait */
	CHECK_STR(shown_by_id(st, id), "state,progress,publish_id,error");
	store_transition(st, id, JOB_PROCESSING, "all bytes sent");
	CHECK_STR(shown_by_id(st, id), "state,publish_id");
	store_close(st);
}

TEST(test_posted_and_failed_through_the_outcome_move)
{
	struct store *st = open_fresh();
	int64_t a, b;

	if (!st)
		return;
	a = store_ensure(st, "outbox/a.mp4");
	store_set_ready(st, a, 4000, 0, "SELF_ONLY", NULL, NULL);
	store_set_publish(st, a, 0, "v_pub_a", "https://up.example/a", 99);
	store_transition(st, a, JOB_UPLOADING, "init");
	store_set_progress(st, a, 4000);
	store_set_error(st, a, "not logged in"); /* a login wait while polling */
	store_transition(st, a, JOB_PROCESSING, "all bytes sent");
	store_set_status(st, a, "PUBLISH_COMPLETE");
	store_set_result(st, a, NULL, NULL, 1764072000);
	CHECK_INT(store_begin_move(st, a, JOB_POSTED, "posted/a.mp4", NULL, NULL, "posted"), 0);
	CHECK_STR(shown_by_id(st, a), "state,publish_id,status,posted_at,privacy");

	b = store_ensure(st, "outbox/b.mp4");
	store_set_retry(st, b, 1764072060);
	store_transition(st, b, JOB_DEFERRED, "deferred");
	CHECK_INT(store_begin_move(st, b, JOB_FAILED, "failed/b.mp4", NULL,
				   "b.mp4: spam risk\nDo something else.", "failed"),
		  0);
	CHECK_STR(shown_by_id(st, b), "state,error");
	store_close(st);
}

/* An item of a YouTube account shows user.youtube.*: video_id, url and
 * status, never TikTok's publish_id or post_status; a TikTok account's
 * item keeps user.tiktok.* as before. */
TEST(test_youtube_item_shows_youtube_names)
{
	struct config cfg;
	struct results_view v;
	struct job j;
	char val[256], list[512] = "";
	size_t n = 0;

	config_defaults(&cfg);
	free(cfg.platform);
	cfg.platform = strdup("youtube");
	fill_everything(&j, JOB_POSTED);
	j.post_id = "abcDEF_-123";
	j.status = "uploaded";
	results_view_of(&cfg, &j, &v);
	CHECK(v.youtube);
	CHECK_STR(v.prefix, "user.youtube.");
	for (size_t i = 0; i < v.nkeys; i++)
		if (results_view_value(&v, &j, v.keys[i], val, sizeof(val)))
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? "," : "",
					      v.keys[i]);
	CHECK_STR(list, "state,status,posted_at,privacy,video_id,url,error,warning");
	CHECK(results_view_value(&v, &j, "video_id", val, sizeof(val)));
	CHECK_STR(val, "abcDEF_-123");
	CHECK(!results_view_value(&v, &j, "publish_id", val, sizeof(val)));
	CHECK(results_is_name("user.youtube.url") && results_is_name("user.tiktok.url"));
	CHECK(!results_is_name("user.other"));
	free(cfg.platform);
	cfg.platform = strdup("tiktok");
	results_view_of(&cfg, &j, &v);
	CHECK(!v.youtube);
	CHECK_STR(v.prefix, "user.tiktok.");
	CHECK(results_view_value(&v, &j, "publish_id", val, sizeof(val)));
	config_free(&cfg);
}

int main(void)
{
	unit_run_all();
	fixture_down(&fx);
	return UNIT_DONE();
}
