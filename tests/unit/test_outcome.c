/* Unit tests for meta/job/outcome.c: items leaving for posted/ and failed/. */
#include "meta/config.h"
#include "meta/job/outcome.h"
#include "meta/job/outcome_int.h"
#include "meta/caption/utf8.h"
#include "meta/job/store.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "unit.h"
#include "fixture.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fixture of the running test (tests/unit/fixture.h). */
static struct fixture fx;

/* A fresh drop folder, store and config, made as the daemon makes them;
 * the posted videos are kept (keep_posted). */
static int setup(void)
{
	fixture_down(&fx);
	if (!FIXTURE_UP(&fx, "outcome"))
		return -1;
	fx.cfg.keep_posted = true;
	return 0;
}

/* Create root/@rel (and its folders) holding @text. */
static void put(const char *rel, const char *text)
{
	if (fixture_put(&fx, rel, text, strlen(text)) < 0)
		FAILF("%s", fx.why);
}

static bool has(const char *rel)
{
	return fixture_exists(&fx, rel);
}

static char *slurp(const char *rel)
{
	return fixture_slurp(&fx, rel, NULL);
}

/* An item with a caption, as the tracker would have registered it. */
static int64_t item(const char *video, const char *caption)
{
	int64_t id;

	put(video, "VIDEO");
	id = store_ensure(fx.st, video);
	if (caption) {
		put(caption, "CAPTION");
		store_set_caption(fx.st, id, caption);
	}
	store_transition(fx.st, id, JOB_PROCESSING, "");
	return id;
}

TEST(test_posted_item_keeps_its_subfolder)
{
	struct job j;
	int64_t id;

	if (setup())
		return;
	id = item("outbox/trips/clip.mp4", "outbox/trips/clip.caption");
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, NULL, id), 0);
	CHECK(has("posted/trips/clip.mp4"));
	CHECK(has("posted/trips/clip.caption"));
	CHECK(!has("outbox/trips/clip.mp4"));
	CHECK(!has("outbox/trips/clip.caption"));
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_INT(j.state, JOB_POSTED);
	CHECK_STR(j.path, "posted/trips/clip.mp4");
	CHECK_STR(j.caption_path, "posted/trips/clip.caption");
	CHECK(j.move_from == NULL && j.move_caption_from == NULL);
	job_free(&j);
	/* calling it again changes nothing */
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, NULL, id), 0);
	CHECK(has("posted/trips/clip.mp4"));
}

/* posted/ gone while the daemon runs (an administrator removed it) is
 * made again by meta/job/drop.h's one rule, as drop_create made it, not
 * by a rule of the move's own (01777 as root, 0755 otherwise, exactly). */
TEST(test_missing_posted_folder_is_made_by_the_drop_rule)
{
	unsigned want = geteuid() == 0 ? 01777 : 0755;
	struct stat sb;
	char p[512];
	int64_t id;
	mode_t old;

	if (setup())
		return;
	snprintf(p, sizeof(p), "%s/posted", fx.root);
	CHECK_INT(fixture_rm_tree(p), 0); /* the fixture made it as the daemon does */
	id = item("outbox/trips/clip.mp4", "outbox/trips/clip.caption");
	old = umask(022);
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, NULL, id), 0);
	umask(old);
	CHECK_INT(stat(p, &sb), 0);
	CHECK_INT(sb.st_mode & 07777, want);
	snprintf(p, sizeof(p), "%s/posted/trips", fx.root);
	CHECK_INT(stat(p, &sb), 0);
	CHECK_INT(sb.st_mode & 07777, 0755); /* the item's own subfolder */
}

TEST(test_same_name_in_posted_gets_suffix_for_video_and_caption)
{
	struct job j;
	int64_t a, b, c;

	if (setup())
		return;
	put("posted/clip.mp4", "OLD");
	put("posted/clip.mp4.caption", "OLD");
	a = item("outbox/clip.mp4", "outbox/clip.mp4.caption");
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, NULL, a), 0);
	CHECK(has("posted/clip (2).mp4"));
	CHECK(has("posted/clip (2).mp4.caption"));
	char *old = slurp("posted/clip.mp4");
	CHECK_STR(old, "OLD"); /* nothing is overwritten */
	free(old);
	CHECK_INT(store_get(fx.st, a, &j), 0);
	CHECK_STR(j.path, "posted/clip (2).mp4");
	CHECK_STR(j.caption_path, "posted/clip (2).mp4.caption");
	job_free(&j);

	/* the other caption spelling follows the same number */
	b = item("scheduled/clip.mp4", "scheduled/clip.caption");
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, NULL, b), 0);
	CHECK(has("posted/clip (3).mp4"));
	CHECK(has("posted/clip (3).caption"));

	/* a caption alone (keep_posted=no earlier) also takes the name */
	put("posted/solo.caption", "OLD");
	c = item("outbox/solo.mp4", "outbox/solo.caption");
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, NULL, c), 0);
	CHECK(has("posted/solo (2).mp4"));
	CHECK(has("posted/solo (2).caption"));
}

TEST(test_keep_posted_no_removes_only_the_video)
{
	struct job j;
	int64_t id;

	if (setup())
		return;
	fx.cfg.keep_posted = false;
	id = item("outbox/a/b/v.mov", "outbox/a/b/v.caption");
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, NULL, id), 0);
	CHECK(!has("outbox/a/b/v.mov"));
	CHECK(!has("posted/a/b/v.mov"));
	CHECK(has("posted/a/b/v.caption"));
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_INT(j.state, JOB_POSTED);
	CHECK_STR(j.caption_path, "posted/a/b/v.caption");
	job_free(&j);
}

TEST(test_failed_item_gets_error_file_without_secrets)
{
	struct tt_error why;
	struct job j;
	char *text;
	int64_t id;

	if (setup())
		return;
	log_add_secret("s3cr3t-client-secret");
	id = item("outbox/sub/v.mp4", "outbox/sub/v.mp4.caption");
	put("outbox/sub/v.mp4.error", "an older caption problem");
	store_set_publish(fx.st, id, 0, "v_pub_1", "https://upload.example/put?sig=ZZZsignedZZZ",
			  1);
	tt_error_clear(&why);
	tt_error_set(&why, ERR_USER, "TikTok refused the post (s3cr3t-client-secret)");
	tt_error_code(&why, "unaudited_client_can_only_post_to_private_accounts", "2026LOGID42");
	tt_error_advise(&why, "Set `privacy: private` and make the account private. "
			      "URL was https://upload.example/put?sig=ZZZsignedZZZ");
	CHECK_INT(outcome_failed(fx.st, &fx.cfg, fx.root, NULL, id, &why), 0);
	CHECK(has("failed/sub/v.mp4"));
	CHECK(has("failed/sub/v.mp4.caption"));
	CHECK(!has("outbox/sub/v.mp4"));
	CHECK(!has("outbox/sub/v.mp4.error"));
	text = slurp("failed/sub/v.mp4.error");
	CHECK(text != NULL);
	CHECK_CONTAINS(text, "v.mp4: TikTok refused the post");
	CHECK_CONTAINS(text, "unaudited_client_can_only_post_to_private_accounts");
	CHECK_CONTAINS(text, "2026LOGID42");
	CHECK_CONTAINS(text, "Retrying can help: yes");
	CHECK_CONTAINS(text, "What to do: Set `privacy: private`");
	CHECK(text && !strstr(text, "s3cr3t-client-secret"));
	CHECK(text && !strstr(text, "ZZZsignedZZZ"));
	free(text);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_INT(j.state, JOB_FAILED);
	CHECK_STR(j.path, "failed/sub/v.mp4");
	CHECK_CONTAINS(j.error, "v.mp4: TikTok refused the post");
	CHECK(j.error && !strchr(j.error, '\n'));
	CHECK(j.upload_url == NULL);
	job_free(&j);
	log_forget_secrets();
}

TEST(test_failed_name_collision_counts_error_files)
{
	int64_t id;
	struct tt_error why;

	if (setup())
		return;
	put("failed/v.mp4.error", "old");
	id = item("outbox/v.mp4", NULL);
	tt_error_clear(&why);
	tt_error_set(&why, ERR_PERMANENT, "v.mp4: 2.4 s long; TikTok needs at least 3 s");
	CHECK_INT(outcome_failed(fx.st, &fx.cfg, fx.root, NULL, id, &why), 0);
	CHECK(has("failed/v (2).mp4"));
	CHECK(has("failed/v (2).mp4.error"));
	char *text = slurp("failed/v (2).mp4.error");
	/* the name is not repeated when the reason already starts with it */
	CHECK(text && !strncmp(text, "v.mp4: 2.4 s long", 17));
	CHECK_CONTAINS(text, "Retrying can help: no");
	free(text);
}

TEST(test_crash_after_commit_is_finished_at_start)
{
	struct job j;
	int64_t a, b;

	if (setup())
		return;
	/* a: state committed, nothing moved yet */
	a = item("outbox/x/a.mp4", "outbox/x/a.caption");
	CHECK_INT(store_begin_move(fx.st, a, JOB_POSTED, "posted/x/a.mp4", "posted/x/a.caption",
				   NULL, "published"),
		  0);
	/* b: the video moved, then the kill came before the caption */
	b = item("outbox/b.mp4", "outbox/b.caption");
	CHECK_INT(store_begin_move(fx.st, b, JOB_FAILED, "failed/b.mp4", "failed/b.caption",
				   "b.mp4: it broke\nWhat to do: retry\n", "failed"),
		  0);
	char from[256], to[256];
	snprintf(from, sizeof(from), "%s/outbox/b.mp4", fx.root);
	snprintf(to, sizeof(to), "%s/failed", fx.root);
	mkdir(to, 0755);
	snprintf(to, sizeof(to), "%s/failed/b.mp4", fx.root);
	CHECK_INT(rename(from, to), 0);

	CHECK_INT(outcome_finish_moves(fx.st, &fx.cfg, fx.root, NULL), 0);
	CHECK(has("posted/x/a.mp4") && has("posted/x/a.caption"));
	CHECK(!has("outbox/x/a.mp4") && !has("outbox/x/a.caption"));
	CHECK(has("failed/b.mp4") && has("failed/b.caption"));
	char *text = slurp("failed/b.mp4.error");
	CHECK_STR(text, "b.mp4: it broke\nWhat to do: retry\n");
	free(text);
	CHECK_INT(store_get(fx.st, a, &j), 0);
	CHECK(j.move_from == NULL);
	job_free(&j);
	CHECK_INT(store_get(fx.st, b, &j), 0);
	CHECK(j.move_from == NULL);
	CHECK_STR(j.error, "b.mp4: it broke");
	job_free(&j);
}

TEST(test_crash_with_keep_posted_no_still_drops_the_video)
{
	int64_t id;

	if (setup())
		return;
	fx.cfg.keep_posted = false;
	id = item("outbox/k.mp4", "outbox/k.caption");
	CHECK_INT(store_begin_move(fx.st, id, JOB_POSTED, "posted/k.mp4", "posted/k.caption", NULL,
				   "published"),
		  0);
	/* the leftover is not a new item while the move is pending */
	CHECK_INT(store_ensure(fx.st, "outbox/k.mp4"), -EBUSY);
	CHECK_INT(outcome_finish_moves(fx.st, &fx.cfg, fx.root, NULL), 0);
	CHECK(!has("outbox/k.mp4") && !has("posted/k.mp4"));
	CHECK(has("posted/k.caption"));
}

TEST(test_name_taken_after_the_choice_is_never_overwritten)
{
	struct job j;
	int64_t id;

	if (setup())
		return;
	id = item("outbox/r.mp4", "outbox/r.caption");
	CHECK_INT(store_begin_move(fx.st, id, JOB_POSTED, "posted/r.mp4", "posted/r.caption", NULL,
				   "published"),
		  0);
	/* someone drops posted/r.caption between the choice and the rename */
	put("posted/r.caption", "THEIRS");
	CHECK_INT(outcome_finish_moves(fx.st, &fx.cfg, fx.root, NULL), 0);
	char *theirs = slurp("posted/r.caption");
	CHECK_STR(theirs, "THEIRS");
	free(theirs);
	CHECK(has("posted/r (2).mp4") && has("posted/r (2).caption"));
	CHECK(!has("posted/r.mp4"));
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_STR(j.path, "posted/r (2).mp4");
	CHECK_STR(j.caption_path, "posted/r (2).caption");
	CHECK(j.move_from == NULL);
	job_free(&j);
}

TEST(test_error_file_beside_live_item_comes_and_goes)
{
	struct tt_error why;

	if (setup())
		return;
	put("outbox/c.mp4", "V");
	tt_error_clear(&why);
	tt_error_set(&why, ERR_USER, "c.caption: line 2: privacy: unknown value \"pub\"");
	tt_error_advise(&why, "Use public, friends, followers or private.");
	CHECK_INT(outcome_error_file(fx.root, "outbox/c.mp4", &why), 0);
	char *text = slurp("outbox/c.mp4.error");
	CHECK_CONTAINS(text, "c.mp4: c.caption: line 2");
	CHECK_CONTAINS(text, "What to do: Use public");
	free(text);
	CHECK_INT(outcome_error_file(fx.root, "outbox/c.mp4", NULL), 0);
	CHECK(!has("outbox/c.mp4.error"));
	CHECK_INT(outcome_error_file(fx.root, "outbox/c.mp4", NULL), 0); /* already gone */
}

TEST(test_error_text_for_each_class)
{
	struct tt_error why;
	char *t;

	tt_error_clear(&why);
	tt_error_set(&why, ERR_DEFER, "daily limit reached");
	why.retry_at = 1800000000; /* 2027-01-15T08:00:00Z */
	t = outcome_error_text("v.mp4", &why);
	CHECK_CONTAINS(t, "v.mp4: daily limit reached\n");
	CHECK_CONTAINS(t, "Retrying can help: yes");
	CHECK_CONTAINS(t, "2027-01-15T08:00:00Z");
	CHECK_CONTAINS(t, "What to do: ");
	free(t);
	log_add_token("act.abcdefSECRET"); /* tokens are registered when obtained */
	tt_error_set(&why, ERR_RETRY, "network down, token act.abcdefSECRET");
	t = outcome_error_text("v.mp4", &why);
	CHECK(t && !strstr(t, "abcdefSECRET"));
	free(t);
	t = outcome_error_text("v.mp4", NULL);
	CHECK_CONTAINS(t, "v.mp4: ");
	CHECK_CONTAINS(t, "Retrying can help: ");
	free(t);
}

/* ---- hardening: links, other users' folders, long names ---- */

static char *abs_of(const char *rel)
{
	return fixture_path(&fx, rel);
}

/* A folder outside the staging root, for links to point at. */
static char *outside(void)
{
	char *p = xasprintf("%s/elsewhere", fx.dir);

	mkdir(p, 0755);
	return p;
}

static int entries(const char *path)
{
	int n = 0;
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* @n copies of @unit, then @tail. */
static char *repeat(const char *unit, int n, const char *tail)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_init(&sb);
	for (int i = 0; i < n; i++)
		strbuf_addstr(&sb, unit);
	strbuf_addstr(&sb, tail);
	return strbuf_detach(&sb, NULL);
}

static bool name_ok(const char *path)
{
	const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	return strlen(b) <= 255 && utf8_valid(b, strlen(b), NULL);
}

TEST(test_cut_never_splits_a_utf8_character)
{
	/* "aé": cutting at 2 bytes would split the é */
	CHECK_INT(oc_fit("a\xc3\xa9", 3, 0, 2), 1);
	CHECK_INT(oc_fit("a\xc3\xa9", 3, 0, 3), 3);
	CHECK_INT(oc_fit("abc", 3, 10, 5), 0);
	/* an emoji (4 bytes) goes whole */
	CHECK_INT(oc_fit("\xf0\x9f\x8e\xac\xf0\x9f\x8e\xac", 8, 1, 8), 4);
	char *name = repeat("\xc3\xa9", 125, "x.mp4"); /* 255 bytes */
	char *s = oc_suffixed(name, 4, 2, 255);
	CHECK(s && strlen(s) <= 255 && utf8_valid(s, strlen(s), NULL));
	CHECK(s && strlen(s) > 4 + 8 && !strcmp(s + strlen(s) - 8, " (2).mp4"));
	free(s);
	free(name);
}

TEST(test_candidate_leaves_room_for_caption_and_error_file)
{
	struct oc_plan p;
	char *stem = repeat("\xc3\xa9", 123, "y"), *video, *caption, *v = NULL, *c = NULL;

	/* a 251-byte video whose caption takes the whole 255 bytes */
	video = xasprintf("outbox/%s.mp4", stem);
	caption = xasprintf("outbox/%s.caption", stem);
	oc_plan_names(&p, "failed", video, caption, true);
	CHECK_INT(oc_candidate(&p, 1, &v, &c), 0);
	CHECK(v && strlen(v) + strlen(".error") <= 255 && name_ok(v));
	CHECK(c && strlen(c) <= 255 && name_ok(c));
	CHECK(v && c && !strncmp(v, c, strlen(v) - 4)); /* the same stem */
	free(v);
	free(c);
	CHECK_INT(oc_candidate(&p, 10000, &v, &c), 0);
	CHECK(v && strlen(v) + strlen(".error") <= 255 && strstr(v, " (10000).mp4"));
	free(v);
	free(c);
	oc_plan_free(&p);
	free(video);
	free(caption);
	free(stem);
}

TEST(test_long_name_posts_and_is_shortened_only_when_it_must)
{
	struct job j;
	char *stem = repeat("\xc3\xa9", 123, "z"); /* 247 bytes */
	char *video = xasprintf("outbox/%s.mp4", stem), *cap = xasprintf("outbox/%s.caption", stem);
	int64_t a, b;

	if (setup())
		goto out;
	a = item(video, cap);
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, NULL, a), 0);
	CHECK_INT(store_get(fx.st, a, &j), 0);
	CHECK_INT(j.state, JOB_POSTED);
	CHECK(j.move_from == NULL);
	CHECK(j.path && !strcmp(j.path + 7, video + 7)); /* fits: the same name */
	CHECK(has(j.path) && has(j.caption_path));
	job_free(&j);
	/* the same name again needs " (2)": the stem gives way */
	b = item(video, cap);
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, NULL, b), 0);
	CHECK_INT(store_get(fx.st, b, &j), 0);
	CHECK(j.move_from == NULL);
	CHECK(j.path && strstr(j.path, " (2).mp4") && name_ok(j.path) && has(j.path));
	CHECK(j.caption_path && strstr(j.caption_path, " (2).caption") && name_ok(j.caption_path));
	CHECK(j.caption_path && has(j.caption_path));
	CHECK(!has(video) && !has(cap));
	job_free(&j);
out:
	free(video);
	free(cap);
	free(stem);
}

TEST(test_failed_long_name_gets_an_error_file_that_fits)
{
	struct tt_error why;
	struct job j;
	char *name = repeat("a", 246, ".mp4"); /* 250 bytes: NAME.error would be 256 */
	char *video = xasprintf("outbox/%s", name), *err = NULL;
	int64_t id;

	if (setup())
		goto out;
	id = item(video, NULL);
	tt_error_clear(&why);
	tt_error_set(&why, ERR_PERMANENT, "too short");
	CHECK_INT(outcome_failed(fx.st, &fx.cfg, fx.root, NULL, id, &why), 0);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK(j.move_from == NULL);
	CHECK(j.path && !strncmp(j.path, "failed/", 7) && has(j.path));
	err = j.path ? xasprintf("%s.error", j.path) : NULL;
	CHECK(err && name_ok(err) && has(err));
	CHECK(!has(video));
	job_free(&j);
out:
	free(err);
	free(video);
	free(name);
}

TEST(test_symlinked_posted_folder_is_refused_and_retried_later)
{
	struct job j;
	char *away = NULL, *link = NULL, *text = NULL;
	int64_t id;

	if (setup())
		return;
	away = outside();
	put("posted/keep", "x");
	link = abs_of("posted/sub");
	CHECK_INT(symlink(away, link), 0);
	id = item("outbox/sub/clip.mp4", "outbox/sub/clip.caption");
	/* the state is committed */
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, NULL, id), 0);
	CHECK_INT(entries(away), 0);
	CHECK(has("outbox/sub/clip.mp4") && has("outbox/sub/clip.caption"));
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_INT(j.state, JOB_POSTED);
	CHECK_STR(j.path, "outbox/sub/clip.mp4"); /* where it really is */
	CHECK_STR(j.move_from, "outbox/sub/clip.mp4");
	CHECK_CONTAINS(j.error, "clip.mp4 cannot move to posted/: posted/sub is a symbolic link");
	job_free(&j);
	/* the leftover never becomes a new item, and retrying changes nothing */
	CHECK_INT(store_ensure(fx.st, "outbox/sub/clip.mp4"), -EBUSY);
	CHECK_INT(outcome_finish_moves(fx.st, &fx.cfg, fx.root, NULL), 1);
	CHECK_INT(entries(away), 0);
	/* once the link is gone the move completes by itself */
	CHECK_INT(unlink(link), 0);
	CHECK_INT(outcome_finish_moves(fx.st, &fx.cfg, fx.root, NULL), 0);
	CHECK(has("posted/sub/clip.mp4") && has("posted/sub/clip.caption"));
	CHECK(!has("outbox/sub/clip.mp4"));
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_STR(j.path, "posted/sub/clip.mp4");
	CHECK(j.move_from == NULL && j.error == NULL);
	job_free(&j);
	free(text);
	free(link);
	free(away);
}

TEST(test_symlinked_failed_folder_leaves_error_file_beside_the_item)
{
	struct tt_error why;
	struct job j;
	char *away = NULL, *link = NULL, *text;
	int64_t id;

	if (setup())
		return;
	away = outside();
	put("failed/keep", "x");
	link = abs_of("failed/sub");
	CHECK_INT(symlink(away, link), 0);
	id = item("outbox/sub/v.mp4", "outbox/sub/v.caption");
	tt_error_clear(&why);
	tt_error_set(&why, ERR_PERMANENT, "v.mp4: 2.4 s long; TikTok needs at least 3 s");
	CHECK_INT(outcome_failed(fx.st, &fx.cfg, fx.root, NULL, id, &why), 0);
	CHECK_INT(entries(away), 0);
	CHECK(has("outbox/sub/v.mp4") && has("outbox/sub/v.caption"));
	text = slurp("outbox/sub/v.mp4.error");
	CHECK_CONTAINS(text, "failed/sub is a symbolic link");
	CHECK_CONTAINS(text, "2.4 s long"); /* and why it failed */
	free(text);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_INT(j.state, JOB_FAILED);
	CHECK_CONTAINS(j.error, "failed/sub is a symbolic link");
	job_free(&j);
	CHECK_INT(unlink(link), 0);
	CHECK_INT(outcome_finish_moves(fx.st, &fx.cfg, fx.root, NULL), 0);
	CHECK(has("failed/sub/v.mp4") && has("failed/sub/v.caption"));
	CHECK(!has("outbox/sub/v.mp4.error"));
	text = slurp("failed/sub/v.mp4.error");
	CHECK(text && !strncmp(text, "v.mp4: 2.4 s long", 17));
	free(text);
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_STR(j.error, "v.mp4: 2.4 s long; TikTok needs at least 3 s");
	job_free(&j);
	free(link);
	free(away);
}

TEST(test_symlinked_source_folder_is_refused)
{
	struct job j;
	char *away = NULL, *link = NULL;
	int64_t id;

	if (setup())
		return;
	away = outside();
	link = abs_of("outbox/sub");
	put("outbox/keep", "x");
	CHECK_INT(symlink(away, link), 0);
	/* a job whose path runs through the link (the walk never makes one,
	 * but a link can replace a folder at any time) */
	id = store_ensure(fx.st, "outbox/sub/c.mp4");
	store_transition(fx.st, id, JOB_PROCESSING, "");
	char *victim = xasprintf("%s/c.mp4", away);
	FILE *f = fopen(victim, "w");
	if (f)
		fclose(f);
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, NULL, id), 0);
	CHECK(access(victim, F_OK) == 0); /* not moved into the drop folder */
	CHECK(!has("posted/sub/c.mp4"));
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_CONTAINS(j.error, "outbox/sub is a symbolic link");
	job_free(&j);
	free(victim);
	free(link);
	free(away);
}

TEST(test_stuck_item_renamed_in_outbox_is_still_not_a_new_item)
{
	struct job j;
	char *away = NULL, *link = NULL;
	int64_t id;

	if (setup())
		return;
	away = outside();
	put("posted/keep", "x");
	link = abs_of("posted/sub");
	CHECK_INT(symlink(away, link), 0);
	id = item("outbox/sub/clip.mp4", "outbox/sub/clip.caption");
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, NULL, id), 0);
	/* the user renames the published, stuck item (the tracker records it) */
	char *from = abs_of("outbox/sub/clip.mp4"), *to = abs_of("outbox/sub/renamed.mp4");
	CHECK_INT(rename(from, to), 0);
	CHECK_INT(store_rename(fx.st, "outbox/sub/clip.mp4", "outbox/sub/renamed.mp4"), 0);
	/* posting it again would publish it twice */
	CHECK_INT(store_ensure(fx.st, "outbox/sub/renamed.mp4"), -EBUSY);
	CHECK_INT(unlink(link), 0);
	CHECK_INT(outcome_finish_moves(fx.st, &fx.cfg, fx.root, NULL), 0);
	CHECK(has("posted/sub/renamed.mp4") && has("posted/sub/clip.caption"));
	CHECK(!has("outbox/sub/renamed.mp4"));
	CHECK_INT(store_get(fx.st, id, &j), 0);
	CHECK_STR(j.path, "posted/sub/renamed.mp4");
	CHECK(j.move_from == NULL);
	job_free(&j);
	free(from);
	free(to);
	free(link);
	free(away);
}

TEST(test_error_file_beside_a_long_name_fits)
{
	struct tt_error why;
	char *name = repeat("\xc3\xa9", 123, "w.mp4"); /* 251 bytes */
	char *video = xasprintf("outbox/%s", name);
	/* 245 + 10 bytes would fit, but byte 245 is inside an é: 244 */
	char *err = xasprintf("outbox/%.*s.mp4.error", 244, name);

	if (setup())
		goto out;
	put(video, "V");
	tt_error_clear(&why);
	tt_error_set(&why, ERR_USER, "bad front matter");
	CHECK_INT(outcome_error_file(fx.root, video, &why), 0);
	CHECK(name_ok(err) && has(err));
	char *text = slurp(err);
	CHECK_CONTAINS(text, "bad front matter");
	free(text);
	CHECK_INT(outcome_error_file(fx.root, video, NULL), 0);
	CHECK(!has(err));
out:
	free(err);
	free(video);
	free(name);
}

TEST(test_folder_of_another_user_is_stepped_aside)
{
	struct stat sb;
	struct job j;
	char *p;
	int64_t a, b;

	if (geteuid() != 0)
		return; /* needs chown */
	if (setup())
		return;
	put("posted/sub/theirs.txt", "x");
	p = abs_of("posted/sub");
	CHECK_INT(chown(p, 4242, 4242), 0);
	free(p);
	a = item("outbox/sub/o.mp4", "outbox/sub/o.caption");
	p = abs_of("outbox/sub/o.mp4");
	CHECK_INT(chown(p, 4343, 4343), 0);
	free(p);
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, NULL, a), 0);
	CHECK(has("posted/sub (2)/o.mp4") && has("posted/sub (2)/o.caption"));
	CHECK(!has("posted/sub/o.mp4"));
	p = abs_of("posted/sub (2)");
	CHECK(stat(p, &sb) == 0 && sb.st_uid == 4343 && sb.st_gid == 4343);
	free(p);
	CHECK_INT(store_get(fx.st, a, &j), 0);
	CHECK_STR(j.path, "posted/sub (2)/o.mp4");
	CHECK_CONTAINS(j.warning, "posted/sub belongs to another user");
	CHECK(j.error == NULL);
	job_free(&j);
	/* the same owner's next item uses the folder made for it */
	b = item("outbox/sub/q.mp4", NULL);
	p = abs_of("outbox/sub/q.mp4");
	CHECK_INT(chown(p, 4343, 4343), 0);
	free(p);
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, NULL, b), 0);
	CHECK(has("posted/sub (2)/q.mp4"));
	CHECK(!has("posted/sub (3)"));
}

/* What on_final was told: how often, and the last job's path and state. */
struct told {
	int n;
	char path[256];
	enum job_state state;
};

static void record_final(const struct job *j, void *arg)
{
	struct told *t = arg;

	t->n++;
	snprintf(t->path, sizeof(t->path), "%s", j->path);
	t->state = j->state;
}

TEST(test_on_final_is_told_once_the_item_is_in_its_folder)
{
	struct told t = {0};
	struct outcome_final on_final = {record_final, &t};
	struct tt_error why;
	char *link = NULL;
	int64_t a, b;

	if (setup())
		return;
	a = item("outbox/clip.mp4", "outbox/clip.caption");
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, &on_final, a), 0);
	CHECK_INT(t.n, 1);
	CHECK_STR(t.path, "posted/clip.mp4");
	CHECK_INT(t.state, JOB_POSTED);
	CHECK_INT(outcome_posted(fx.st, &fx.cfg, fx.root, &on_final, a), 0); /* already done */
	CHECK_INT(t.n, 1);
	/* a move that cannot be made now is told only once it is made */
	put("failed/keep", "x");
	link = abs_of("failed/sub");
	CHECK_INT(symlink("/tmp", link), 0);
	b = item("outbox/sub/bad.mp4", NULL);
	tt_error_clear(&why);
	tt_error_set(&why, ERR_PERMANENT, "bad.mp4 is not a video");
	CHECK_INT(outcome_failed(fx.st, &fx.cfg, fx.root, &on_final, b, &why), 0);
	CHECK_INT(t.n, 1);
	CHECK_INT(unlink(link), 0);
	CHECK_INT(outcome_finish_moves(fx.st, &fx.cfg, fx.root, &on_final), 0);
	CHECK_INT(t.n, 2);
	CHECK_STR(t.path, "failed/sub/bad.mp4");
	CHECK_INT(t.state, JOB_FAILED);
	free(link);
}

int main(void)
{
	log_init(LOG_LVL_ERROR, false);
	unit_run_all();
	fixture_down(&fx);
	return UNIT_DONE();
}
