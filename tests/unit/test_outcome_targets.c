/*
 * Unit tests for one drop, several platforms in the job layer
 * (meta/job/store.h, outcome_targets.c, verdict.c; THE
 * TARGETS): an item of the default account (TikTok) that also posts as
 * account yt (YouTube), with a real store and drop folder.  The verdicts
 * are filled by hand, as the tracker's validation fills them; the poster is
 * played by the store calls it makes and the outcome calls that end a
 * target.
 */
#include "meta/config.h"
#include "meta/job/outcome.h"
#include "meta/job/results.h"
#include "meta/job/store.h"
#include "meta/job/verdict.h"
#include "util/strbuf.h"
#include "unit.h"
#include "fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TT_URL "https://www.tiktok.com/@maker/video/7312345678901234567"
#define YT_URL "https://www.youtube.com/watch?v=abcDEF12345"

static struct fixture fx;
static int finals; /* on_final calls: the team's hook */

static void count_final(const struct job *j, void *arg)
{
	(void)j;
	(void)arg;
	finals++;
}

static const struct outcome_final on_final = {count_final, NULL};

/* The fixture with a config of two accounts: default on TikTok, yt on
 * YouTube; the posted files kept. */
static bool setup(void)
{
	static const char text[] = "[account yt]\nplatform = youtube\n";
	char path[128];
	struct tt_error e;
	FILE *f;

	finals = 0;
	if (!FIXTURE_UP(&fx, "targets"))
		return false;
	snprintf(path, sizeof(path), "%s/tiktokfs.conf", fx.dir);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		FAILF("cannot write %s", path);
		return false;
	}
	chmod(path, 0600);
	config_free(&fx.cfg);
	tt_error_clear(&e);
	if (config_load(&fx.cfg, path, &e) < 0) {
		FAILF("config: %s", e.what);
		return false;
	}
	free(fx.cfg.state_dir);
	fx.cfg.state_dir = xstrdup(fx.dir);
	fx.cfg.keep_posted = true;
	return true;
}

/* outbox/clip.mp4 and its caption on disk, and its job as the poster
 * holds it once TikTok published it: processing, as account default,
 * with both targets listed. */
static int64_t tiktok_done_uploading(void)
{
	int64_t id;

	if (fixture_put_mp4(&fx, "outbox/clip.mp4", 8192) < 0 ||
	    fixture_put(&fx, "outbox/clip.caption", "hi\n", 3) < 0)
		FAILF("%s", fx.why);
	id = store_ensure(fx.st, "outbox/clip.mp4");
	store_set_caption(fx.st, id, "outbox/clip.caption");
	store_set_targets(fx.st, id, "default,yt");
	store_set_ready(fx.st, id, 8192, 0, "PUBLIC_TO_EVERYONE", NULL, "video/mp4");
	store_transition(fx.st, id, JOB_READY, "complete and valid");
	store_set_publish(fx.st, id, 0, "v_pub_1", "https://upload.example/secret", 0);
	store_transition(fx.st, id, JOB_UPLOADING, "init");
	store_transition(fx.st, id, JOB_PROCESSING, "all bytes sent");
	store_set_status(fx.st, id, "PUBLISH_COMPLETE");
	store_set_result(fx.st, id, "7312345678901234567", TT_URL, 1000);
	return id;
}

/* The job row as the YouTube upload leaves it: its video's id and URL. */
static void youtube_done_uploading(int64_t id)
{
	store_set_ready(fx.st, id, 8192, 0, "public", NULL, "video/mp4");
	store_transition(fx.st, id, JOB_READY, "complete and valid");
	store_set_publish(fx.st, id, 0, "yt-session", "https://upload.example/yt", 0);
	store_transition(fx.st, id, JOB_UPLOADING, "session");
	store_set_result(fx.st, id, "abcDEF12345", YT_URL, 2000);
	store_transition(fx.st, id, JOB_PROCESSING, "all bytes at YouTube");
}

static int last_note(const struct store_event *ev, void *arg)
{
	snprintf(arg, 256, "%s", ev->note);
	return 0;
}

static int count_rows(const struct job *t, void *arg)
{
	(void)t;
	++*(int *)arg;
	return 0;
}

static void take_path(const char *path, void *arg)
{
	snprintf(arg, 256, "%s", path);
}

/* The value of xattr @name of job @id as the mount answers it, or "". */
static void xattr_of(int64_t id, const char *name, char *out, size_t size)
{
	struct results_sets sets;
	struct job j;

	out[0] = '\0';
	if (store_get(fx.st, id, &j) < 0)
		return;
	if (results_sets_of(fx.st, &fx.cfg, &j, &sets) == 0 &&
	    !results_sets_value(&sets, name, out, size))
		out[0] = '\0';
	results_sets_free(&sets);
	job_free(&j);
}

TEST(test_a_finished_target_hands_the_job_to_the_next_in_one_commit)
{
	char note[256] = "", check[256] = "", value[256];
	struct job j;
	int64_t id;
	int rows = 0;

	if (!setup())
		return;
	id = tiktok_done_uploading();
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, &on_final, id), 0);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_INT(j.state, JOB_WAITING);
	CHECK_STR(j.account, "yt");
	CHECK(j.publish_id == NULL && j.upload_url == NULL && j.post_id == NULL && j.url == NULL);
	CHECK_INT(j.attempts, 0);
	job_free(&j);
	CHECK_INT(store_targets_of(fx.st, id, count_rows, &rows), 0);
	CHECK_INT(rows, 1);
	store_history(fx.st, id, last_note, note);
	CHECK_STR(note, "posted to TikTok as default; next: yt (YouTube)");
	/* the item stays where it is, no hook yet; the tracker is told */
	CHECK(fixture_exists(&fx, "outbox/clip.mp4"));
	CHECK_INT(finals, 0);
	store_take_checks(fx.st, take_path, check);
	CHECK_STR(check, "outbox/clip.mp4");
	/* TikTok's results show already, YouTube's is the job's own */
	xattr_of(id, "user.tiktok.url", value, sizeof(value));
	CHECK_STR(value, TT_URL);
	xattr_of(id, "user.youtube.state", value, sizeof(value));
	CHECK_STR(value, "waiting");
	/* a target is finished once: recording it again changes nothing */
	CHECK_INT(store_target_failed(fx.st, id, "default", "tiktok", "late failure"), 0);
	rows = 0;
	store_targets_of(fx.st, id, count_rows, &rows);
	CHECK_INT(rows, 1);
	xattr_of(id, "user.tiktok.state", value, sizeof(value));
	CHECK_STR(value, "posted");
	fixture_down(&fx);
}

TEST(test_every_target_posted_moves_the_item_to_posted_once)
{
	char value[256];
	struct job j;
	int64_t id;

	if (!setup())
		return;
	id = tiktok_done_uploading();
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, &on_final, id), 0);
	youtube_done_uploading(id);
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, &on_final, id), 0);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_INT(j.state, JOB_POSTED);
	CHECK_STR(j.path, "posted/clip.mp4");
	job_free(&j);
	CHECK(fixture_exists(&fx, "posted/clip.mp4"));
	CHECK(!fixture_exists(&fx, "outbox/clip.mp4"));
	CHECK_INT(finals, 1);
	xattr_of(id, "user.tiktok.post_id", value, sizeof(value));
	CHECK_STR(value, "7312345678901234567");
	xattr_of(id, "user.tiktok.url", value, sizeof(value));
	CHECK_STR(value, TT_URL);
	xattr_of(id, "user.youtube.video_id", value, sizeof(value));
	CHECK_STR(value, "abcDEF12345");
	xattr_of(id, "user.youtube.url", value, sizeof(value));
	CHECK_STR(value, YT_URL);
	fixture_down(&fx);
}

/* TikTok posted, YouTube failed: failed/ with a block per target. */
static int64_t youtube_fails(void)
{
	struct tt_error why;
	int64_t id = tiktok_done_uploading();

	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, &on_final, id), 0);
	youtube_done_uploading(id);
	tt_error_clear(&why);
	tt_error_set(&why, ERR_PERMANENT, "clip.mp4: YouTube rejected the video (uploadLimitExceeded)");
	tt_error_advise(&why, "Wait a day, then move it back to outbox/.");
	CHECK_INT(outcome_failed(fx.st, &fx.cfg, fx.root, &on_final, id, &why), 0);
	return id;
}

TEST(test_one_failed_target_sends_the_item_to_failed_with_a_block_each)
{
	char value[256];
	char *text;
	struct job j;
	int64_t id;

	if (!setup())
		return;
	id = youtube_fails();
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_INT(j.state, JOB_FAILED);
	CHECK_STR(j.path, "failed/clip.mp4");
	job_free(&j);
	CHECK_INT(finals, 1);
	text = fixture_slurp(&fx, "failed/clip.mp4.error", NULL);
	CHECK(text != NULL);
	if (text) {
		CHECK_CONTAINS(text, "clip.mp4: not posted to YouTube; posted to TikTok\n");
		CHECK_CONTAINS(text, "TikTok (account default): posted, " TT_URL "\n");
		CHECK_CONTAINS(text, "YouTube (account yt): failed: clip.mp4: YouTube rejected the "
				     "video (uploadLimitExceeded)\n");
		CHECK_CONTAINS(text, "  What to do: Wait a day, then move it back to outbox/.\n");
		CHECK_CONTAINS(text, "only YouTube is tried again");
		CHECK(!strstr(text, "secret"));
	}
	free(text);
	/* the TikTok post is still on the file */
	xattr_of(id, "user.tiktok.state", value, sizeof(value));
	CHECK_STR(value, "posted");
	xattr_of(id, "user.tiktok.url", value, sizeof(value));
	CHECK_STR(value, TT_URL);
	xattr_of(id, "user.youtube.state", value, sizeof(value));
	CHECK_STR(value, "failed");
	fixture_down(&fx);
}

static void verdict_two(struct verdict *v, enum verdict_kind tiktok, enum verdict_kind youtube)
{
	verdict_init(v);
	v->n_targets = 2;
	snprintf(v->targets[0].account, sizeof(v->targets[0].account), "default");
	v->targets[0].kind = tiktok;
	snprintf(v->targets[0].privacy, sizeof(v->targets[0].privacy), "PUBLIC_TO_EVERYONE");
	snprintf(v->targets[1].account, sizeof(v->targets[1].account), "yt");
	v->targets[1].youtube = true;
	v->targets[1].kind = youtube;
	snprintf(v->targets[1].privacy, sizeof(v->targets[1].privacy), "public");
	v->media.size = 8192;
	v->media.container = CONTAINER_MP4;
}

TEST(test_an_item_moved_back_from_failed_retries_only_what_failed)
{
	struct verdict v;
	struct job j;
	int64_t id, again;
	int rows = 0;
	char value[256], *from, *to;

	if (!setup())
		return;
	id = youtube_fails();
	/* the user moves it back: the failed job's path follows its file */
	from = fixture_path(&fx, "failed/clip.mp4");
	to = fixture_path(&fx, "outbox/clip.mp4");
	CHECK(rename(from, to) == 0);
	free(from);
	free(to);
	CHECK_INT(store_rename(fx.st, "failed/clip.mp4", "outbox/clip.mp4"), 0);
	again = store_ensure(fx.st, "outbox/clip.mp4");
	CHECK(again > 0 && again != id);
	CHECK_INT(store_targets_of(fx.st, again, count_rows, &rows), 0);
	CHECK_INT(rows, 1); /* TikTok's, not YouTube's failure */
	xattr_of(again, "user.tiktok.url", value, sizeof(value));
	CHECK_STR(value, TT_URL);
	/* checked again, as both: TikTok is skipped, YouTube is next */
	CHECK_INT(store_get(fx.st, again, &j), 0);
	verdict_two(&v, VERDICT_OK, VERDICT_OK);
	CHECK_INT(verdict_apply(fx.st, &fx.cfg, fx.root, &on_final, &j, &v, NULL), JOB_READY);
	job_free(&j);
	CHECK_INT(store_get(fx.st, again, &j), 0);
	CHECK_STR(j.account, "yt");
	CHECK_STR(j.privacy, "public");
	job_free(&j);
	verdict_free(&v);
	fixture_down(&fx);
}

TEST(test_a_rename_never_retargets_a_job_with_a_finished_target)
{
	struct job j;
	int64_t id, plain;

	if (!setup())
		return;
	id = tiktok_done_uploading();
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, &on_final, id), 0);
	plain = store_ensure(fx.st, "outbox/other.mp4");
	CHECK_INT(store_rename(fx.st, "outbox/clip.mp4", "accounts/b/outbox/clip.mp4"), 0);
	CHECK_INT(store_rename(fx.st, "outbox/other.mp4", "accounts/b/outbox/other.mp4"), 0);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_STR(j.account, "yt"); /* TikTok posted it as default: yt is next */
	job_free(&j);
	/* the same rename of a job without one follows the folder */
	CHECK_INT(store_get(fx.st, plain, &j), 0);
	CHECK_STR(j.account, "b");
	job_free(&j);
	fixture_down(&fx);
}

TEST(test_a_tiktok_target_waits_for_its_post_id_on_its_row)
{
	struct job w;
	int64_t id;

	if (!setup())
		return;
	id = tiktok_done_uploading();
	store_set_result(fx.st, id, NULL, NULL, 1000);
	/* PUBLISH_COMPLETE without a post ID: the wait begins, then published */
	CHECK_INT(store_set_post_poll(fx.st, id, 1003, "waiting for moderation"), 0);
	CHECK_INT(outcome_published(fx.st, &fx.cfg, fx.root, &on_final, id), 0);
	CHECK_INT(store_next_post_wait(fx.st, &w), 0);
	CHECK(w.target_id > 0);
	CHECK_INT(w.id, id);
	CHECK_STR(w.account, "default");
	CHECK_INT(w.state, JOB_PUBLISHED);
	CHECK_INT(w.post_poll_at, 1003);
	CHECK_STR(w.publish_id, "v_pub_1");
	CHECK_INT(store_set_target_poll(fx.st, w.target_id, 1009, NULL), 0);
	job_free(&w);
	CHECK_INT(store_next_post_wait(fx.st, &w), 0);
	CHECK_INT(w.post_poll_at, 1009);
	CHECK_INT(store_end_target_wait(fx.st, w.target_id, "7312345678901234567", TT_URL,
					"post ID known", "post ID known"),
		  0);
	CHECK_INT(store_end_target_wait(fx.st, w.target_id, NULL, NULL, "x", "again"), -ENOENT);
	job_free(&w);
	CHECK_INT(store_next_post_wait(fx.st, &w), -ENOENT);
	{
		char value[256];

		xattr_of(id, "user.tiktok.state", value, sizeof(value));
		CHECK_STR(value, "posted");
		xattr_of(id, "user.tiktok.post_id", value, sizeof(value));
		CHECK_STR(value, "7312345678901234567");
	}
	fixture_down(&fx);
}

/* YouTube still processing after the upload: the item's final move is
 * made (posted/), and its YouTube target waits on its row. */
TEST(test_a_youtube_target_waits_for_its_processing_on_its_row)
{
	char value[256];
	struct job w, j;
	int64_t id;

	if (!setup())
		return;
	id = tiktok_done_uploading();
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, &on_final, id), 0);
	youtube_done_uploading(id);
	store_set_status(fx.st, id, "processing");
	CHECK_INT(store_set_post_poll(fx.st, id, 2003, NULL), 0);
	CHECK_INT(outcome_published(fx.st, &fx.cfg, fx.root, &on_final, id), 0);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_INT(j.state, JOB_POSTED);
	job_free(&j);
	CHECK(fixture_exists(&fx, "posted/clip.mp4"));
	CHECK_INT(finals, 1);
	xattr_of(id, "user.youtube.state", value, sizeof(value));
	CHECK_STR(value, "published");
	CHECK_INT(store_next_post_wait(fx.st, &w), 0);
	CHECK(w.target_id > 0);
	CHECK_STR(w.account, "yt");
	CHECK_STR(w.platform, "youtube");
	CHECK_STR(w.post_id, "abcDEF12345");
	CHECK_INT(w.post_poll_at, 2003);
	CHECK_INT(store_wait_status(fx.st, &w, "processed"), 0);
	CHECK_INT(store_wait_end(fx.st, &w, NULL, NULL, NULL, "YouTube processed the video"), 0);
	job_free(&w);
	CHECK_INT(store_next_post_wait(fx.st, &w), -ENOENT);
	xattr_of(id, "user.youtube.state", value, sizeof(value));
	CHECK_STR(value, "posted");
	xattr_of(id, "user.youtube.status", value, sizeof(value));
	CHECK_STR(value, "processed");
	xattr_of(id, "user.youtube.video_id", value, sizeof(value));
	CHECK_STR(value, "abcDEF12345");
	fixture_down(&fx);
}

/* outbox/clip.mp4 waiting to be checked as both targets. */
static int64_t waiting_item(struct job *j)
{
	int64_t id;

	if (fixture_put_mp4(&fx, "outbox/clip.mp4", 8192) < 0 ||
	    fixture_put(&fx, "outbox/clip.caption", "hi\n", 3) < 0)
		FAILF("%s", fx.why);
	id = store_ensure(fx.st, "outbox/clip.mp4");
	store_set_caption(fx.st, id, "outbox/clip.caption");
	if (store_get(fx.st, id, j) < 0)
		FAILF("no job");
	return id;
}

TEST(test_media_one_target_refuses_fails_that_target_alone)
{
	struct verdict v;
	struct job j;
	int64_t id;
	int rows = 0;
	char value[256];

	if (!setup())
		return;
	id = waiting_item(&j);
	verdict_two(&v, VERDICT_MEDIA, VERDICT_OK);
	tt_error_set(&v.targets[0].error, ERR_PERMANENT,
		     "clip.mp4: 0.5 s long; TikTok (account default) needs at least 3 s");
	CHECK_INT(verdict_apply(fx.st, &fx.cfg, fx.root, &on_final, &j, &v, NULL), JOB_READY);
	job_free(&j);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_STR(j.account, "yt");
	CHECK_STR(j.targets, "default,yt");
	job_free(&j);
	store_targets_of(fx.st, id, count_rows, &rows);
	CHECK_INT(rows, 1);
	xattr_of(id, "user.tiktok.state", value, sizeof(value));
	CHECK_STR(value, "failed");
	xattr_of(id, "user.tiktok.error", value, sizeof(value));
	CHECK_CONTAINS(value, "needs at least 3 s");
	CHECK(fixture_exists(&fx, "outbox/clip.mp4"));
	verdict_free(&v);
	fixture_down(&fx);
}

TEST(test_a_caption_one_target_refuses_makes_the_item_invalid)
{
	struct verdict v;
	struct job j;
	int64_t id;
	char *text;

	if (!setup())
		return;
	id = waiting_item(&j);
	verdict_two(&v, VERDICT_OK, VERDICT_CAPTION);
	tt_error_set(&v.targets[1].error, ERR_USER,
		     "clip.caption: YouTube (account yt): the title is 120 characters; YouTube "
		     "allows 100");
	tt_error_advise(&v.targets[1].error, "Shorten the first line to 100 characters.");
	CHECK_INT(verdict_apply(fx.st, &fx.cfg, fx.root, &on_final, &j, &v, NULL), JOB_INVALID);
	job_free(&j);
	text = fixture_slurp(&fx, "outbox/clip.mp4.error", NULL);
	CHECK(text != NULL);
	if (text)
		CHECK_CONTAINS(text, "YouTube (account yt): the title is 120 characters");
	free(text);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_INT(j.state, JOB_INVALID);
	CHECK_STR(j.account, "default");
	job_free(&j);
	verdict_free(&v);
	fixture_down(&fx);
}

TEST(test_media_every_target_refuses_ends_the_item_in_failed)
{
	struct verdict v;
	struct job j;
	char *text;

	if (!setup())
		return;
	waiting_item(&j);
	verdict_two(&v, VERDICT_MEDIA, VERDICT_MEDIA);
	tt_error_set(&v.targets[0].error, ERR_PERMANENT, "clip.mp4: not a video TikTok takes");
	tt_error_set(&v.targets[1].error, ERR_PERMANENT, "clip.mp4: not a video YouTube takes");
	CHECK_INT(verdict_apply(fx.st, &fx.cfg, fx.root, &on_final, &j, &v, NULL), JOB_FAILED);
	job_free(&j);
	CHECK(fixture_exists(&fx, "failed/clip.mp4"));
	CHECK_INT(finals, 1);
	text = fixture_slurp(&fx, "failed/clip.mp4.error", NULL);
	CHECK(text != NULL);
	if (text) {
		CHECK_CONTAINS(text, "clip.mp4: not posted to TikTok and YouTube\n");
		CHECK_CONTAINS(text, "TikTok (account default): failed: clip.mp4: not a video TikTok");
		CHECK_CONTAINS(text, "YouTube (account yt): failed: clip.mp4: not a video YouTube");
	}
	free(text);
	verdict_free(&v);
	fixture_down(&fx);
}

/* An item of one account is untouched by all this: no targets, no rows. */
TEST(test_an_item_of_one_account_ends_as_before)
{
	struct job j;
	int64_t id;
	int rows = 0;

	if (!setup())
		return;
	if (fixture_put_mp4(&fx, "outbox/one.mp4", 8192) < 0)
		FAILF("%s", fx.why);
	id = store_ensure(fx.st, "outbox/one.mp4");
	store_transition(fx.st, id, JOB_PROCESSING, "all bytes sent");
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, &on_final, id), 0);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_INT(j.state, JOB_POSTED);
	CHECK(j.targets == NULL);
	job_free(&j);
	store_targets_of(fx.st, id, count_rows, &rows);
	CHECK_INT(rows, 0);
	CHECK_INT(finals, 1);
	fixture_down(&fx);
}

/* The tracker's verdict of an item whose caption names no other account
 * now: the folder's account alone, resolved. */
static void verdict_alone(struct verdict *v)
{
	verdict_init(v);
	v->targets_resolved = true;
	snprintf(v->privacy, sizeof(v->privacy), "PUBLIC_TO_EVERYONE");
	v->media.size = 8192;
	v->media.container = CONTAINER_MP4;
}

TEST(test_also_post_to_taken_out_before_any_post_makes_an_item_of_one_account)
{
	struct verdict v;
	struct job j;
	int64_t id;

	if (!setup())
		return;
	id = waiting_item(&j);
	verdict_two(&v, VERDICT_OK, VERDICT_OK);
	CHECK_INT(verdict_apply(fx.st, &fx.cfg, fx.root, &on_final, &j, &v, NULL), JOB_READY);
	verdict_free(&v);
	job_free(&j);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_STR(j.targets, "default,yt");
	verdict_alone(&v);
	CHECK_INT(verdict_apply(fx.st, &fx.cfg, fx.root, &on_final, &j, &v, NULL), JOB_READY);
	job_free(&j);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK(j.targets == NULL); /* YouTube is no longer posted to */
	CHECK_STR(j.account, "default");
	job_free(&j);
	/* the poster's re-check resolves nothing: it never drops a target */
	CHECK_INT(store_set_targets(fx.st, id, "default,yt"), 0);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	v.targets_resolved = false;
	verdict_apply(fx.st, &fx.cfg, fx.root, &on_final, &j, &v, NULL);
	job_free(&j);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_STR(j.targets, "default,yt");
	job_free(&j);
	verdict_free(&v);
	fixture_down(&fx);
}

TEST(test_also_post_to_taken_out_after_its_folder_posted_ends_the_item)
{
	struct verdict v;
	struct job j;
	int64_t id;

	if (!setup())
		return;
	id = tiktok_done_uploading();
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, &on_final, id), 0);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_INT(j.state, JOB_WAITING); /* the next target: yt */
	CHECK_STR(j.account, "yt");
	verdict_alone(&v);
	CHECK_INT(verdict_apply(fx.st, &fx.cfg, fx.root, &on_final, &j, &v, NULL), JOB_POSTED);
	job_free(&j);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_INT(j.state, JOB_POSTED);
	CHECK(fixture_exists(&fx, "posted/clip.mp4"));
	CHECK_INT(finals, 1);
	job_free(&j);
	verdict_free(&v);
	fixture_down(&fx);
}

UNIT_MAIN()
