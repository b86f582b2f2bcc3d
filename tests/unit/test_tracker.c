/*
 * Unit tests for meta/job/tracker.c: items, completion and what validation does
 * to jobs, on a real staging directory with the real store, rules, probe and
 * outcome, and real media made by Debian's ffmpeg (tests/tools/mediafiles.py; set
 * TIKTOKFS_MEDIA to its output directory, or the test runs it itself).
 *
 * The tests play the filesystem: they write files into the staging
 * directory and report the events fs/ would report, with a fake monotonic
 * clock.  settle_time is 2 s.
 */
#include "meta/config.h"
#include "meta/job/outcome.h"
#include "meta/job/store.h"
#include "meta/job/tracker.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "unit.h"
#include "fixture.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define SETTLE 2.0

static char media_dir[256];

static const char *const good_caption = "---\nprivacy: private\n---\nSunset #travel\n";
static const char *const other_caption = "---\nprivacy: public\n---\nAnother one\n";
static const char *const bad_caption = "---\nprivacy: sometimes\n---\nSunset\n";
static const char *const future_caption =
	"---\nprivacy: private\nschedule: 2099-12-01 18:00 Europe/Berlin\n---\nLater\n";
static const char *const past_caption =
	"---\nprivacy: private\nschedule: 2020-01-01T10:00:00+00:00\n---\nLate\n";

/* One staging tree, store and tracker, as the daemon has them
 * (tests/unit/fixture.h), settle_time SETTLE, reconciled at 1000.  A set-up
 * that fails ends the run: every test needs one. */
static void env_start_tracker(struct fixture *e, double now)
{
	FIXTURE_TRACKER(e, now);
}

static void env_up(struct fixture *e)
{
	if (!FIXTURE_UP(e, "tracker"))
		exit(2);
	e->cfg.settle_time = SETTLE;
	env_start_tracker(e, 1000);
}

static void write_bytes(struct fixture *e, const char *rel, const void *data, size_t len)
{
	if (fixture_put(e, rel, data, len) < 0)
		FAILF("%s", e->why);
}

static char *read_file(const char *path, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	strbuf_init(&sb);
	if (fd < 0) {
		FAILF("cannot read %s", path);
		*len = 0;
		return strbuf_detach(&sb, NULL);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(&sb, buf, (size_t)n);
	close(fd);
	return strbuf_detach(&sb, len);
}

/* The whole story of a copy as fs/ reports it: open, write, close. */
static void copy_events(struct fixture *e, const char *rel, double now)
{
	tracker_open_write(e->t, rel, now);
	tracker_changed(e->t, rel, now);
	tracker_close_write(e->t, rel, now);
}

/* Copy media file @name (from the media directory) to @rel at @now. */
static void put_media(struct fixture *e, const char *rel, const char *name, double now)
{
	char *src = xasprintf("%s/%s", media_dir, name);
	size_t len;
	char *data = read_file(src, &len);

	write_bytes(e, rel, data, len);
	copy_events(e, rel, now);
	free(data);
	free(src);
}

static void put_text(struct fixture *e, const char *rel, const char *text, double now)
{
	write_bytes(e, rel, text, strlen(text));
	copy_events(e, rel, now);
}

static void do_rename(struct fixture *e, const char *from, const char *to, double now)
{
	char *a = fixture_path(e, from), *b = fixture_path(e, to), *dir = xstrdup(b);

	*strrchr(dir, '/') = '\0';
	mkdir(dir, 0755);
	if (rename(a, b) < 0)
		FAILF("rename %s -> %s: %s", a, b, strerror(errno));
	tracker_renamed(e->t, from, to, now);
	free(a);
	free(b);
	free(dir);
}

static void do_unlink(struct fixture *e, const char *rel, double now)
{
	char *p = fixture_path(e, rel);

	if (unlink(p) < 0)
		FAILF("unlink %s: %s", p, strerror(errno));
	tracker_removed(e->t, rel, now);
	free(p);
}

/* The state of the live job of @rel, or of its newest job, as a name;
 * "none" when there is no job. */
static const char *state(struct fixture *e, const char *rel)
{
	static char out[32];
	struct job j;

	if (store_get_by_path(e->st, rel, &j) < 0)
		return "none";
	snprintf(out, sizeof(out), "%s", job_state_name(j.state));
	job_free(&j);
	return out;
}

static int64_t live_id(struct fixture *e, const char *rel)
{
	struct job j;
	int64_t id;

	if (store_find_live(e->st, rel, &j) < 0)
		return 0;
	id = j.id;
	job_free(&j);
	return id;
}

static int count_live_one(const struct job *j, void *arg)
{
	(void)j;
	++*(int *)arg;
	return 0;
}

static int count_live(struct fixture *e)
{
	int n = 0;

	store_each(e->st, 0, count_live_one, &n);
	return n;
}

/* ---- arrival and completion ---- */

static unsigned mode_of(struct fixture *e, const char *rel)
{
	char *p = rel ? fixture_path(e, rel) : xstrdup(e->root);
	struct stat sb;
	unsigned m = stat(p, &sb) == 0 ? (unsigned)(sb.st_mode & 07777) : 0;

	free(p);
	return m;
}

/* The same mode rule as the daemon's (meta/job/drop.h): the tracker made
 * the root 0700 and the folders 0755 when it was the first to create them,
 * which shut out the other users a root daemon serves. */
TEST(test_reconcile_creates_the_four_folders)
{
	unsigned folder = geteuid() == 0 ? 01777 : 0755;
	mode_t old;
	struct fixture e;

	if (!FIXTURE_UP(&e, "tracker"))
		return;
	fixture_rm_tree(e.root); /* the tracker is the first to make it here */
	old = umask(077);
	env_start_tracker(&e, 1000);
	umask(old);
	CHECK(fixture_exists(&e, "outbox") && fixture_exists(&e, "scheduled"));
	CHECK(fixture_exists(&e, "posted") && fixture_exists(&e, "failed"));
	CHECK_INT(mode_of(&e, NULL), 0755);
	CHECK_INT(mode_of(&e, "outbox"), folder);
	CHECK_INT(mode_of(&e, "scheduled"), folder);
	CHECK_INT(mode_of(&e, "posted"), folder);
	CHECK_INT(mode_of(&e, "failed"), folder);
	fixture_down(&e);
}

TEST(test_caption_first_then_video_becomes_ready)
{
	struct fixture e;
	struct job j;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", good_caption, 1000);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "none");
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1001);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_tick(e.t, 1002.9);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_tick(e.t, 1003.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	if (store_get_by_path(e.st, "outbox/clip.mp4", &j) == 0) {
		CHECK_STR(j.caption_path, "outbox/clip.caption");
		CHECK_STR(j.privacy, "SELF_ONLY");
		CHECK(j.size > 10000);
		CHECK_INT(j.schedule_at, 0);
		CHECK_STR(j.mime, "video/mp4"); /* what the poster PUTs it as */
		job_free(&j);
	} else {
		FAILF("no job");
	}
	CHECK_INT(count_live(&e), 1);
	fixture_down(&e);
}

TEST(test_video_first_caption_much_later)
{
	struct fixture e;
	double next;

	env_up(&e);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1010);
	tracker_tick(e.t, 3000);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	put_text(&e, "outbox/clip.mp4.caption", good_caption, 90000);
	next = tracker_tick(e.t, 90001);
	CHECK(next > 0.5 && next <= 1.0 + 1e-9);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_tick(e.t, 90002.5);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	fixture_down(&e);
}

TEST(test_rsync_temp_file_becomes_item_at_its_rename)
{
	struct fixture e;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", good_caption, 1000);
	put_media(&e, "outbox/.clip.mp4.Xa3bQ9", "portrait.mp4", 1000);
	tracker_tick(e.t, 1100);
	CHECK_STR(state(&e, "outbox/.clip.mp4.Xa3bQ9"), "none");
	CHECK_INT(count_live(&e), 0);
	do_rename(&e, "outbox/.clip.mp4.Xa3bQ9", "outbox/clip.mp4", 1100);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_tick(e.t, 1101);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_tick(e.t, 1102.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	CHECK_INT(count_live(&e), 1);
	fixture_down(&e);
}

TEST(test_open_writer_never_completes_until_closed_and_settled)
{
	struct fixture e;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", good_caption, 1000);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	/* a Samba client that keeps the file open for an hour */
	tracker_open_write(e.t, "outbox/clip.mp4", 1000.5);
	tracker_tick(e.t, 1010);
	tracker_tick(e.t, 4600);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_close_write(e.t, "outbox/clip.mp4", 4600);
	tracker_tick(e.t, 4601);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_tick(e.t, 4602.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	fixture_down(&e);
}

TEST(test_a_writer_on_the_caption_also_holds_the_item)
{
	struct fixture e;

	env_up(&e);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	write_bytes(&e, "outbox/clip.caption", good_caption, strlen(good_caption));
	tracker_open_write(e.t, "outbox/clip.caption", 1000);
	tracker_changed(e.t, "outbox/clip.caption", 1000);
	tracker_tick(e.t, 1100);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_close_write(e.t, "outbox/clip.caption", 1100);
	tracker_tick(e.t, 1102.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	fixture_down(&e);
}

TEST(test_changes_restart_the_settle_timer)
{
	struct fixture e;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", good_caption, 1000);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	tracker_changed(e.t, "outbox/clip.mp4", 1001.5);
	tracker_tick(e.t, 1002.5);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_changed(e.t, "outbox/clip.caption", 1003);
	tracker_tick(e.t, 1004.5);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_tick(e.t, 1005.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	fixture_down(&e);
}

TEST(test_killed_copy_is_never_posted)
{
	struct fixture e;
	struct job j;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", good_caption, 1000);
	put_media(&e, "outbox/clip.mp4", "truncated.mp4", 1000);
	tracker_tick(e.t, 1010);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_tick(e.t, 50000);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	CHECK(fixture_exists(&e, "outbox/clip.mp4"));
	CHECK(!fixture_exists(&e, "failed/clip.mp4"));
	CHECK(!fixture_exists(&e, "outbox/clip.mp4.error"));
	if (store_get_by_path(e.st, "outbox/clip.mp4", &j) == 0) {
		CHECK(j.error != NULL); /* says why it waits */
		job_free(&j);
	}
	/* the copy is started again and finishes */
	put_media(&e, "outbox/clip.mp4", "faststart.mp4", 60000);
	tracker_tick(e.t, 60002.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	if (store_get_by_path(e.st, "outbox/clip.mp4", &j) == 0) {
		CHECK(j.error == NULL);
		job_free(&j);
	}
	fixture_down(&e);
}

TEST(test_not_a_video_goes_to_failed_with_its_caption)
{
	struct fixture e;
	char *text;
	size_t len;
	char *p;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", good_caption, 1000);
	put_media(&e, "outbox/clip.mp4", "text.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK(!fixture_exists(&e, "outbox/clip.mp4"));
	CHECK(!fixture_exists(&e, "outbox/clip.caption"));
	CHECK(fixture_exists(&e, "failed/clip.mp4"));
	CHECK(fixture_exists(&e, "failed/clip.caption"));
	CHECK_STR(state(&e, "failed/clip.mp4"), "failed");
	p = fixture_path(&e, "failed/clip.mp4.error");
	text = read_file(p, &len);
	CHECK_CONTAINS(text, "clip.mp4");
	free(text);
	free(p);
	CHECK_INT(count_live(&e), 0);
	/* the map forgot them: later ticks do nothing */
	tracker_tick(e.t, 2000);
	CHECK_INT(count_live(&e), 0);
	fixture_down(&e);
}

/* ---- captions the user can fix ---- */

TEST(test_bad_caption_is_invalid_with_error_file_until_fixed)
{
	struct fixture e;
	char *p, *text;
	size_t len;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", bad_caption, 1000);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "invalid");
	CHECK(fixture_exists(&e, "outbox/clip.mp4"));
	p = fixture_path(&e, "outbox/clip.mp4.error");
	text = read_file(p, &len);
	CHECK_CONTAINS(text, "sometimes");
	free(text);
	free(p);
	/* the user edits the caption: back to waiting at once */
	put_text(&e, "outbox/clip.caption", good_caption, 2000);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_tick(e.t, 2001);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	CHECK(fixture_exists(&e, "outbox/clip.mp4.error"));
	tracker_tick(e.t, 2002.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	CHECK(!fixture_exists(&e, "outbox/clip.mp4.error"));
	CHECK_INT(count_live(&e), 1);
	fixture_down(&e);
}

/* @text at @path, mode 0600 (a config holding no secret may be 0644, but
 * it costs nothing to write it as users are told to). */
static void write_private(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0)
		FAILF("cannot write %s", path);
	if (f)
		fclose(f);
	chmod(path, 0600);
}

/* env_up() with the config @text (state_dir the fixture's) in place of
 * the defaults: accounts for the tests of items posted to several. */
static void env_up_with_config(struct fixture *e, const char *text)
{
	char *path, *full;
	struct tt_error err;

	if (!FIXTURE_UP(e, "tracker"))
		exit(2);
	path = xasprintf("%s/tiktokfs.conf", e->dir);
	full = xasprintf("state_dir = %s\nsettle_time = %g\n%s", e->dir, SETTLE, text);
	write_private(path, full);
	config_free(&e->cfg);
	tt_error_clear(&err);
	if (config_load(&e->cfg, path, &err))
		FAILF("config: %s", err.what);
	free(full);
	free(path);
	env_start_tracker(e, 1000);
}

TEST(test_a_caption_naming_an_unknown_account_is_invalid_until_fixed)
{
	struct fixture e;
	char *text;

	env_up_with_config(&e, "also_post_to = yt\n[account yt]\nplatform = youtube\n");
	put_text(&e, "outbox/clip.caption",
		 "---\nprivacy: private\nalso_post_to: yt2\n---\nSunset\n", 1000);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "invalid");
	text = fixture_slurp(&e, "outbox/clip.mp4.error", NULL);
	CHECK(text != NULL);
	if (text)
		CHECK_CONTAINS(text, "clip.caption: line 3: also_post_to names 'yt2', which is not "
				     "an account in ");
	free(text);
	/* named right, it is checked as TikTok and YouTube, and both take it */
	put_text(&e, "outbox/clip.caption",
		 "---\nprivacy: private\nmade_for_kids: no\nalso_post_to: yt\n---\nSunset\n",
		 2000);
	tracker_tick(e.t, 2002.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	CHECK(!fixture_exists(&e, "outbox/clip.mp4.error"));
	fixture_down(&e);
}

TEST(test_editing_a_ready_item_checks_it_again)
{
	struct fixture e;
	int64_t id;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", good_caption, 1000);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	id = live_id(&e, "outbox/clip.mp4");
	/* rewritten in place (rsync --inplace): the poster must not take it now */
	tracker_open_write(e.t, "outbox/clip.mp4", 1500);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_changed(e.t, "outbox/clip.mp4", 1500);
	tracker_close_write(e.t, "outbox/clip.mp4", 1501);
	tracker_tick(e.t, 1502);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_tick(e.t, 1503.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	CHECK_INT(live_id(&e, "outbox/clip.mp4"), id);
	fixture_down(&e);
}

/* ---- folder defaults (meta/caption/defaults.h) ---- */

TEST(test_bad_defaults_holds_the_items_below_it_until_fixed)
{
	struct fixture e;
	char *p, *text;
	size_t len;

	env_up(&e);
	put_text(&e, "outbox/brand/.defaults", "privacy: private\nduet: maybe\n", 1000);
	put_text(&e, "outbox/brand/clip.caption", "Brand clip\n", 1000);
	put_media(&e, "outbox/brand/clip.mp4", "portrait.mp4", 1000);
	put_text(&e, "outbox/other.caption", good_caption, 1000);
	put_media(&e, "outbox/other.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK_STR(state(&e, "outbox/brand/clip.mp4"), "invalid");
	CHECK_STR(state(&e, "outbox/other.mp4"), "ready");
	p = fixture_path(&e, "outbox/brand/clip.mp4.error");
	text = read_file(p, &len);
	CHECK_CONTAINS(text, "outbox/brand/.defaults: line 2: duet: \"maybe\"");
	free(text);
	free(p);
	CHECK(!fixture_exists(&e, "outbox/brand/.defaults.error"));
	/* fixed: back to waiting at once, ready once settled */
	put_text(&e, "outbox/brand/.defaults", "privacy: private\nduet: off\n", 2000);
	CHECK_STR(state(&e, "outbox/brand/clip.mp4"), "waiting");
	CHECK_STR(state(&e, "outbox/other.mp4"), "ready");
	tracker_tick(e.t, 2002.1);
	CHECK_STR(state(&e, "outbox/brand/clip.mp4"), "ready");
	CHECK(!fixture_exists(&e, "outbox/brand/clip.mp4.error"));
	CHECK(fixture_exists(&e, "outbox/brand/.defaults"));
	fixture_down(&e);
}

TEST(test_caption_from_filename_takes_a_video_without_caption)
{
	struct fixture e;
	char *p;
	struct stat sb;

	env_up(&e);
	put_media(&e, "outbox/alone.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK_STR(state(&e, "outbox/alone.mp4"), "waiting");
	/* a .defaults saying filename, saved through a temporary name */
	put_text(&e, "outbox/.defaults.tmp", "privacy: private\ncaption_from: filename\n", 1100);
	do_rename(&e, "outbox/.defaults.tmp", "outbox/.defaults", 1100);
	tracker_tick(e.t, 1102.1);
	CHECK_STR(state(&e, "outbox/alone.mp4"), "ready");
	/* and back: it waits for its caption file again */
	p = fixture_path(&e, "outbox/.defaults");
	CHECK_INT(lstat(p, &sb), 0);
	free(p);
	do_unlink(&e, "outbox/.defaults", 1200);
	CHECK_STR(state(&e, "outbox/alone.mp4"), "waiting");
	tracker_tick(e.t, 1202.1);
	CHECK_STR(state(&e, "outbox/alone.mp4"), "waiting");
	fixture_down(&e);
}

TEST(test_defaults_edits_during_an_upload_do_not_disturb_it)
{
	struct fixture e;

	env_up(&e);
	put_text(&e, "outbox/.defaults", "privacy: private\ncaption_from: filename\n", 1000);
	put_media(&e, "outbox/by_name.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK_STR(state(&e, "outbox/by_name.mp4"), "ready");
	/* the poster takes it; then the folder stops taking names */
	CHECK_INT(store_transition(e.st, live_id(&e, "outbox/by_name.mp4"), JOB_UPLOADING, "test"),
		  0);
	put_text(&e, "outbox/.defaults", "privacy: private\n", 1100);
	tracker_tick(e.t, 1200);
	CHECK_STR(state(&e, "outbox/by_name.mp4"), "uploading");
	/* a caption file that comes and goes changes nothing of it either */
	put_text(&e, "outbox/by_name.caption", good_caption, 1300);
	do_unlink(&e, "outbox/by_name.caption", 1301);
	tracker_tick(e.t, 1400);
	CHECK_STR(state(&e, "outbox/by_name.mp4"), "uploading");
	fixture_down(&e);
}

TEST(test_caption_from_changed_by_a_reload_checks_lone_videos_again)
{
	struct fixture e;
	struct config next;

	env_up(&e);
	put_media(&e, "outbox/alone.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK_STR(state(&e, "outbox/alone.mp4"), "waiting");
	next = e.cfg; /* the reload's new config, sharing the strings */
	next.caption_from = CAPTION_FROM_FILENAME;
	next.privacy = e.cfg.privacy ? e.cfg.privacy : (char *)"SELF_ONLY";
	tracker_set_config(e.t, &next);
	tracker_tick(e.t, 1003);
	CHECK_STR(state(&e, "outbox/alone.mp4"), "ready");
	tracker_set_config(e.t, &e.cfg);
	CHECK_STR(state(&e, "outbox/alone.mp4"), "waiting");
	tracker_tick(e.t, 1004);
	CHECK_STR(state(&e, "outbox/alone.mp4"), "waiting");
	fixture_down(&e);
}

TEST(test_caption_missing_at_a_start_stops_the_upload_that_had_it)
{
	struct fixture e;
	char *p;
	int64_t a;

	env_up(&e);
	put_text(&e, "outbox/a.caption", good_caption, 1000);
	put_media(&e, "outbox/a.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	a = live_id(&e, "outbox/a.mp4");
	store_set_publish(e.st, a, 0, "v_pub_a", "https://up.example/a", 99);
	CHECK_INT(store_transition(e.st, a, JOB_UPLOADING, "test"), 0);
	/* the daemon stops; the caption is deleted while it is away */
	tracker_free(e.t);
	p = fixture_path(&e, "outbox/a.caption");
	CHECK_INT(unlink(p), 0);
	free(p);
	env_start_tracker(&e, 2000);
	tracker_tick(e.t, 2003);
	CHECK_STR(state(&e, "outbox/a.mp4"), "waiting");
	fixture_down(&e);
}

TEST(test_both_caption_names)
{
	struct fixture e;
	char *p, *text;
	size_t len;
	struct job j;

	env_up(&e);
	/* the long name alone */
	put_text(&e, "outbox/a.mp4.caption", good_caption, 1000);
	put_media(&e, "outbox/a.mp4", "portrait.mp4", 1000);
	/* both, the same text: fine, the long one is used */
	put_text(&e, "outbox/b.caption", good_caption, 1000);
	put_text(&e, "outbox/b.mp4.caption", good_caption, 1000);
	put_media(&e, "outbox/b.mp4", "portrait.mp4", 1000);
	/* both, different: the user must choose */
	put_text(&e, "outbox/c.caption", good_caption, 1000);
	put_text(&e, "outbox/c.mp4.caption", other_caption, 1000);
	put_media(&e, "outbox/c.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK_STR(state(&e, "outbox/a.mp4"), "ready");
	CHECK_STR(state(&e, "outbox/b.mp4"), "ready");
	if (store_get_by_path(e.st, "outbox/b.mp4", &j) == 0) {
		CHECK_STR(j.caption_path, "outbox/b.mp4.caption");
		job_free(&j);
	}
	CHECK_STR(state(&e, "outbox/c.mp4"), "invalid");
	p = fixture_path(&e, "outbox/c.mp4.error");
	text = read_file(p, &len);
	CHECK_CONTAINS(text, "c.caption");
	CHECK_CONTAINS(text, "c.mp4.caption");
	free(text);
	free(p);
	/* deleting one of them fixes it */
	do_unlink(&e, "outbox/c.caption", 2000);
	CHECK_STR(state(&e, "outbox/c.mp4"), "waiting");
	tracker_tick(e.t, 2002.1);
	CHECK_STR(state(&e, "outbox/c.mp4"), "ready");
	CHECK(!fixture_exists(&e, "outbox/c.mp4.error"));
	fixture_down(&e);
}

TEST(test_one_short_caption_serves_two_videos)
{
	struct fixture e;
	struct job j;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", good_caption, 1000);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	put_media(&e, "outbox/clip.mov", "clip.mov", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	CHECK_STR(state(&e, "outbox/clip.mov"), "ready");
	/* removing the caption sends both back to waiting */
	do_unlink(&e, "outbox/clip.caption", 1100);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	CHECK_STR(state(&e, "outbox/clip.mov"), "waiting");
	tracker_tick(e.t, 1200);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	if (store_get_by_path(e.st, "outbox/clip.mov", &j) == 0) {
		CHECK(j.caption_path == NULL);
		job_free(&j);
	}
	fixture_down(&e);
}

/* ---- scheduled/ ---- */

TEST(test_scheduled_future_past_and_missing_times)
{
	struct fixture e;
	struct job j;
	char *p, *text;
	size_t len;

	env_up(&e);
	put_text(&e, "scheduled/later.caption", future_caption, 1000);
	put_media(&e, "scheduled/later.mp4", "portrait.mp4", 1000);
	put_text(&e, "scheduled/late.caption", past_caption, 1000);
	put_media(&e, "scheduled/late.mp4", "portrait.mp4", 1000);
	put_text(&e, "scheduled/never.caption", good_caption, 1000);
	put_media(&e, "scheduled/never.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK_STR(state(&e, "scheduled/later.mp4"), "scheduled");
	if (store_get_by_path(e.st, "scheduled/later.mp4", &j) == 0) {
		CHECK(j.schedule_at > 4000000000LL);
		job_free(&j);
	}
	CHECK_STR(state(&e, "scheduled/late.mp4"), "ready");
	CHECK_STR(state(&e, "scheduled/never.mp4"), "invalid");
	p = fixture_path(&e, "scheduled/never.mp4.error");
	text = read_file(p, &len);
	CHECK_CONTAINS(text, "schedule");
	free(text);
	free(p);
	/* an edited caption reschedules */
	put_text(&e, "scheduled/later.caption", past_caption, 2000);
	CHECK_STR(state(&e, "scheduled/later.mp4"), "waiting");
	tracker_tick(e.t, 2002.1);
	CHECK_STR(state(&e, "scheduled/later.mp4"), "ready");
	fixture_down(&e);
}

/* Items of queue/ that settle together take their slots in name order
 * (meta/job/queue.h), whatever order they arrived in: one rsync of a
 * week's renders is planned as it is named. */
TEST(test_a_batch_in_queue_takes_its_slots_in_name_order)
{
	static const char *const stems[] = {"queue/e", "queue/c", "queue/a", "queue/f",
					    "queue/d", "queue/b"};
	struct tt_error err;
	struct fixture e;
	int64_t last = 0;

	env_up(&e);
	tt_error_clear(&err);
	CHECK_INT(config_set(&e.cfg, "slots", "daily 06:00,09:00,12:00,18:00", &err), 0);
	for (size_t i = 0; i < sizeof(stems) / sizeof(stems[0]); i++) {
		char *v = xasprintf("%s.mp4", stems[i]), *c = xasprintf("%s.caption", stems[i]);

		put_media(&e, v, "portrait.mp4", 1000);
		put_text(&e, c, good_caption, 1000);
		free(v);
		free(c);
	}
	tracker_tick(e.t, 1002.1);
	for (char n = 'a'; n <= 'f'; n++) {
		char rel[32];
		struct job j;

		snprintf(rel, sizeof(rel), "queue/%c.mp4", n);
		CHECK_STR(state(&e, rel), "scheduled");
		if (store_find_live(e.st, rel, &j) < 0)
			continue;
		if (j.schedule_at <= last)
			FAILF("%s: slot %" PRId64 " not after the one before, %" PRId64, rel,
			      j.schedule_at, last);
		last = j.schedule_at;
		job_free(&j);
	}
	fixture_down(&e);
}

TEST(test_scheduled_moved_to_outbox_posts_now_as_the_same_job)
{
	struct fixture e;
	int64_t id;
	struct job j;

	env_up(&e);
	put_text(&e, "scheduled/clip.caption", future_caption, 1000);
	put_media(&e, "scheduled/clip.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK_STR(state(&e, "scheduled/clip.mp4"), "scheduled");
	id = live_id(&e, "scheduled/clip.mp4");
	do_rename(&e, "scheduled/clip.mp4", "outbox/clip.mp4", 1100);
	do_rename(&e, "scheduled/clip.caption", "outbox/clip.caption", 1100);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	CHECK_INT(live_id(&e, "outbox/clip.mp4"), id);
	/* the content did not change: no new settle time is needed */
	tracker_tick(e.t, 1100.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	if (store_get(e.st, id, &j) == 0) {
		CHECK_INT(j.schedule_at, 0);
		CHECK_STR(j.caption_path, "outbox/clip.caption");
		job_free(&j);
	}
	CHECK_INT(count_live(&e), 1);
	fixture_down(&e);
}

/* ---- removal and moves ---- */

TEST(test_rm_cancels)
{
	struct fixture e;

	env_up(&e);
	put_text(&e, "outbox/a.caption", good_caption, 1000);
	put_media(&e, "outbox/a.mp4", "portrait.mp4", 1000);
	put_media(&e, "outbox/b.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK_STR(state(&e, "outbox/a.mp4"), "ready");
	do_unlink(&e, "outbox/a.mp4", 1100);
	do_unlink(&e, "outbox/b.mp4", 1100);
	CHECK_STR(state(&e, "outbox/a.mp4"), "cancelled");
	CHECK_STR(state(&e, "outbox/b.mp4"), "cancelled");
	CHECK_INT(count_live(&e), 0);
	tracker_tick(e.t, 1200);
	CHECK_INT(count_live(&e), 0);
	fixture_down(&e);
}

TEST(test_invalid_item_deleted_takes_its_error_file_along)
{
	struct fixture e;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", bad_caption, 1000);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK(fixture_exists(&e, "outbox/clip.mp4.error"));
	do_unlink(&e, "outbox/clip.mp4", 1100);
	CHECK(!fixture_exists(&e, "outbox/clip.mp4.error"));
	CHECK_STR(state(&e, "outbox/clip.mp4"), "cancelled");
	fixture_down(&e);
}

TEST(test_changes_during_upload_do_not_disturb_it)
{
	struct fixture e;
	int64_t id;

	env_up(&e);
	put_text(&e, "outbox/a.caption", good_caption, 1000);
	put_media(&e, "outbox/a.mp4", "portrait.mp4", 1000);
	put_text(&e, "outbox/b.caption", good_caption, 1000);
	put_media(&e, "outbox/b.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	/* the poster takes both */
	id = live_id(&e, "outbox/a.mp4");
	CHECK_INT(store_transition(e.st, id, JOB_UPLOADING, "test"), 0);
	CHECK_INT(store_transition(e.st, live_id(&e, "outbox/b.mp4"), JOB_PROCESSING, "test"), 0);
	put_text(&e, "outbox/a.caption", other_caption, 1100);
	tracker_changed(e.t, "outbox/a.mp4", 1100);
	tracker_tick(e.t, 1200);
	CHECK_STR(state(&e, "outbox/a.mp4"), "uploading");
	/* deleting it before its last chunk cancels; after, TikTok has it */
	do_unlink(&e, "outbox/a.mp4", 1300);
	CHECK_STR(state(&e, "outbox/a.mp4"), "cancelled");
	do_unlink(&e, "outbox/b.mp4", 1300);
	CHECK_STR(state(&e, "outbox/b.mp4"), "processing");
	fixture_down(&e);
}

/* Deleting only the caption: before the last chunk the upload is stopped and
 * the video waits for a caption; after it, TikTok has the post and the
 * result says the caption went. */
TEST(test_deleting_the_caption_mid_upload_stops_it_and_the_video_waits)
{
	struct fixture e;
	struct job j;
	int64_t a, b;

	env_up(&e);
	put_text(&e, "outbox/a.caption", good_caption, 1000);
	put_media(&e, "outbox/a.mp4", "portrait.mp4", 1000);
	put_text(&e, "outbox/b.caption", good_caption, 1000);
	put_media(&e, "outbox/b.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	a = live_id(&e, "outbox/a.mp4");
	b = live_id(&e, "outbox/b.mp4");
	store_set_publish(e.st, a, 0, "v_pub_a", "https://up.example/a", 99);
	CHECK_INT(store_transition(e.st, a, JOB_UPLOADING, "test"), 0);
	store_set_publish(e.st, b, 0, "v_pub_b", "https://up.example/b", 99);
	CHECK_INT(store_transition(e.st, b, JOB_PROCESSING, "test"), 0);

	do_unlink(&e, "outbox/a.caption", 1100);
	CHECK_STR(state(&e, "outbox/a.mp4"), "waiting");
	CHECK(fixture_exists(&e, "outbox/a.mp4"));
	CHECK_INT(store_get(e.st, a, &j), 0);
	CHECK(j.publish_id == NULL && j.upload_url == NULL); /* a caption back starts anew */
	CHECK_CONTAINS(j.error, "a.mp4: its caption a.caption was removed during the upload");
	job_free(&j);
	tracker_tick(e.t, 1200); /* settles without a caption: still waiting, same reason */
	CHECK_STR(state(&e, "outbox/a.mp4"), "waiting");
	CHECK_INT(store_get(e.st, a, &j), 0);
	CHECK_CONTAINS(j.error, "was removed during the upload");
	job_free(&j);

	do_unlink(&e, "outbox/b.caption", 1100);
	tracker_tick(e.t, 1200);
	CHECK_STR(state(&e, "outbox/b.mp4"), "processing");
	CHECK_INT(store_get(e.st, b, &j), 0);
	CHECK_STR(j.publish_id, "v_pub_b");
	CHECK_CONTAINS(j.warning, "its caption was removed after the upload; TikTok publishes "
				  "it with the caption it was sent");
	job_free(&j);

	/* the caption comes back: checked again and ready for a new upload */
	put_text(&e, "outbox/a.caption", other_caption, 1300);
	tracker_tick(e.t, 1302.1);
	CHECK_STR(state(&e, "outbox/a.mp4"), "ready");
	fixture_down(&e);
}

TEST(test_moving_out_to_posted_by_hand_cancels)
{
	struct fixture e;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", good_caption, 1000);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	do_rename(&e, "outbox/clip.mp4", "posted/clip.mp4", 1100);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "cancelled");
	CHECK_INT(count_live(&e), 0);
	fixture_down(&e);
}

TEST(test_failed_item_moved_back_to_outbox_is_retried)
{
	struct fixture e;
	struct tt_error why;
	int64_t old, fresh;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", good_caption, 1000);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	old = live_id(&e, "outbox/clip.mp4");
	/* the poster gave up on it (say TikTok refused it) */
	tt_error_clear(&why);
	tt_error_set(&why, ERR_USER, "clip.mp4: TikTok refused it");
	CHECK_INT(outcome_failed(e.st, &e.cfg, e.root, NULL, old, &why), 0);
	CHECK(fixture_exists(&e, "failed/clip.mp4"));
	do_rename(&e, "failed/clip.caption", "outbox/clip.caption", 2000);
	do_rename(&e, "failed/clip.mp4", "outbox/clip.mp4", 2000);
	fresh = live_id(&e, "outbox/clip.mp4");
	CHECK(fresh > 0 && fresh != old);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_tick(e.t, 2002.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	CHECK_INT(count_live(&e), 1);
	fixture_down(&e);
}

TEST(test_rename_within_outbox_keeps_the_job)
{
	struct fixture e;
	int64_t id;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", good_caption, 1000);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	id = live_id(&e, "outbox/clip.mp4");
	do_rename(&e, "outbox/clip.mp4", "outbox/sunset.mp4", 1100);
	CHECK_INT(live_id(&e, "outbox/sunset.mp4"), id);
	/* clip.caption is not sunset.mp4's caption */
	tracker_tick(e.t, 1200);
	CHECK_STR(state(&e, "outbox/sunset.mp4"), "waiting");
	do_rename(&e, "outbox/clip.caption", "outbox/sunset.caption", 1300);
	tracker_tick(e.t, 1300.1);
	CHECK_STR(state(&e, "outbox/sunset.mp4"), "ready");
	CHECK_INT(live_id(&e, "outbox/sunset.mp4"), id);
	CHECK_INT(count_live(&e), 1);
	fixture_down(&e);
}

TEST(test_rename_within_posted_keeps_the_results)
{
	struct fixture e;
	struct job j;
	int64_t id;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", good_caption, 1000);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	id = live_id(&e, "outbox/clip.mp4");
	/* published, its post ID still to come, when the user renames it */
	CHECK_INT(outcome_published(e.st, &e.cfg, e.root, NULL, id), 0);
	CHECK(fixture_exists(&e, "posted/clip.mp4"));
	do_rename(&e, "posted/clip.mp4", "posted/sunset.mp4", 2000);
	do_rename(&e, "posted/clip.caption", "posted/2026/sunset.caption", 2000);
	CHECK_INT(store_get(e.st, id, &j), 0);
	CHECK_STR(j.path, "posted/sunset.mp4");
	CHECK_STR(j.caption_path, "posted/2026/sunset.caption");
	CHECK_STR(job_state_name(j.state), "published");
	job_free(&j);
	CHECK_INT(count_live(&e), 1); /* the published job (walked with the live), no new one */
	fixture_down(&e);
}

TEST(test_mv_over_an_existing_item_replaces_it)
{
	struct fixture e;
	int64_t a, b;

	env_up(&e);
	put_text(&e, "outbox/a.caption", good_caption, 1000);
	put_media(&e, "outbox/a.mp4", "portrait.mp4", 1000);
	put_text(&e, "outbox/b.caption", good_caption, 1000);
	put_media(&e, "outbox/b.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	a = live_id(&e, "outbox/a.mp4");
	b = live_id(&e, "outbox/b.mp4");
	do_rename(&e, "outbox/a.mp4", "outbox/b.mp4", 1100);
	CHECK_INT(live_id(&e, "outbox/b.mp4"), a);
	CHECK_INT(count_live(&e), 1);
	{
		struct job j;
		if (store_get(e.st, b, &j) == 0) {
			CHECK_INT(j.state, JOB_CANCELLED);
			job_free(&j);
		}
	}
	tracker_tick(e.t, 1100.1);
	CHECK_STR(state(&e, "outbox/b.mp4"), "ready");
	fixture_down(&e);
}

TEST(test_rsync_update_of_a_ready_item_checks_it_again)
{
	struct fixture e;
	int64_t id;

	env_up(&e);
	put_text(&e, "outbox/clip.caption", good_caption, 1000);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	id = live_id(&e, "outbox/clip.mp4");
	put_media(&e, "outbox/.clip.mp4.Qw12Er", "faststart.mp4", 1100);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	do_rename(&e, "outbox/.clip.mp4.Qw12Er", "outbox/clip.mp4", 1101);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	CHECK_INT(live_id(&e, "outbox/clip.mp4"), id);
	tracker_tick(e.t, 1102);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "waiting");
	tracker_tick(e.t, 1103.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	CHECK_INT(count_live(&e), 1);
	fixture_down(&e);
}

/* ---- subfolders ---- */

TEST(test_subfolders_and_directory_renames)
{
	struct fixture e;
	int64_t id;
	struct job j;

	env_up(&e);
	put_text(&e, "outbox/trip/day1/clip.caption", good_caption, 1000);
	put_media(&e, "outbox/trip/day1/clip.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK_STR(state(&e, "outbox/trip/day1/clip.mp4"), "ready");
	id = live_id(&e, "outbox/trip/day1/clip.mp4");
	do_rename(&e, "outbox/trip", "outbox/holiday", 1100);
	CHECK_INT(live_id(&e, "outbox/holiday/day1/clip.mp4"), id);
	tracker_tick(e.t, 1100.1);
	CHECK_STR(state(&e, "outbox/holiday/day1/clip.mp4"), "ready");
	if (store_get(e.st, id, &j) == 0) {
		CHECK_STR(j.caption_path, "outbox/holiday/day1/clip.caption");
		job_free(&j);
	}
	/* a folder moved into the Samba recycle bin is deleted */
	do_rename(&e, "outbox/holiday", "outbox/.recycle", 1200);
	CHECK_STR(state(&e, "outbox/holiday/day1/clip.mp4"), "cancelled");
	CHECK_INT(count_live(&e), 0);
	fixture_down(&e);
}

TEST(test_folder_moved_in_from_failed_is_found)
{
	struct fixture e;

	env_up(&e);
	put_text(&e, "failed/trip/clip.caption", good_caption, 1000);
	put_media(&e, "failed/trip/clip.mp4", "portrait.mp4", 1000);
	CHECK_INT(count_live(&e), 0);
	do_rename(&e, "failed/trip", "outbox/trip", 1100);
	tracker_tick(e.t, 1100.5);
	CHECK_STR(state(&e, "outbox/trip/clip.mp4"), "waiting");
	tracker_tick(e.t, 1102.6);
	CHECK_STR(state(&e, "outbox/trip/clip.mp4"), "ready");
	fixture_down(&e);
}

/* ---- restart ---- */

static void set_mtime(struct fixture *e, const char *rel, time_t when)
{
	char *p = fixture_path(e, rel);
	struct timespec ts[2] = { { when, 0 }, { when, 0 } };

	if (utimensat(AT_FDCWD, p, ts, 0) < 0)
		FAILF("utimensat %s", p);
	free(p);
}

TEST(test_reconcile_after_restart)
{
	struct fixture e;
	int64_t kept, gone, flying;
	struct job j;
	time_t old = time(NULL) - 3600;

	env_up(&e);
	put_text(&e, "outbox/kept.caption", good_caption, 1000);
	put_media(&e, "outbox/kept.mp4", "portrait.mp4", 1000);
	put_text(&e, "outbox/gone.caption", good_caption, 1000);
	put_media(&e, "outbox/gone.mp4", "portrait.mp4", 1000);
	put_text(&e, "outbox/flying.caption", good_caption, 1000);
	put_media(&e, "outbox/flying.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	kept = live_id(&e, "outbox/kept.mp4");
	gone = live_id(&e, "outbox/gone.mp4");
	flying = live_id(&e, "outbox/flying.mp4");
	CHECK_INT(store_transition(e.st, flying, JOB_UPLOADING, "test"), 0);

	/* the daemon dies; while it is away files come and go */
	tracker_free(e.t);
	e.t = NULL;
	{
		char *p = fixture_path(&e, "outbox/gone.mp4");
		unlink(p);
		free(p);
		p = fixture_path(&e, "outbox/flying.mp4");
		unlink(p);
		free(p);
	}
	write_bytes(&e, "outbox/old.caption", good_caption, strlen(good_caption));
	{
		char *src = xasprintf("%s/portrait.mp4", media_dir);
		size_t len;
		char *data = read_file(src, &len);

		write_bytes(&e, "outbox/old.mp4", data, len);
		write_bytes(&e, "scheduled/sub/fresh.mp4", data, len);
		free(data);
		free(src);
	}
	write_bytes(&e, "scheduled/sub/fresh.caption", future_caption, strlen(future_caption));
	write_bytes(&e, "outbox/.old.mp4.AbC123", "partial", 7);
	set_mtime(&e, "outbox/old.mp4", old);
	set_mtime(&e, "outbox/old.caption", old);

	env_start_tracker(&e, 5000);
	CHECK_INT(live_id(&e, "outbox/kept.mp4"), kept);
	CHECK_STR(state(&e, "outbox/gone.mp4"), "lost");
	if (store_get(e.st, gone, &j) == 0) {
		CHECK_INT(j.state, JOB_LOST);
		job_free(&j);
	}
	/* in flight: the poster reconciles it by TikTok's status */
	CHECK_STR(state(&e, "outbox/flying.mp4"), "uploading");
	CHECK_STR(state(&e, "outbox/old.mp4"), "waiting");
	CHECK_STR(state(&e, "scheduled/sub/fresh.mp4"), "waiting");
	CHECK_STR(state(&e, "outbox/.old.mp4.AbC123"), "none");
	CHECK_INT(count_live(&e), 4);

	/* old files are settled at once; fresh ones wait settle_time */
	tracker_tick(e.t, 5000);
	CHECK_STR(state(&e, "outbox/old.mp4"), "ready");
	CHECK_STR(state(&e, "outbox/kept.mp4"), "ready");
	CHECK_STR(state(&e, "scheduled/sub/fresh.mp4"), "waiting");
	tracker_tick(e.t, 5002.5);
	CHECK_STR(state(&e, "scheduled/sub/fresh.mp4"), "scheduled");

	/* another start: nothing doubles */
	tracker_free(e.t);
	env_start_tracker(&e, 9000);
	CHECK_INT(tracker_reconcile(e.t, 9000), 0);
	tracker_tick(e.t, 9100);
	CHECK_INT(count_live(&e), 4);
	CHECK_INT(live_id(&e, "outbox/kept.mp4"), kept);
	CHECK_STR(state(&e, "outbox/kept.mp4"), "ready");
	CHECK_STR(state(&e, "outbox/flying.mp4"), "uploading");
	fixture_down(&e);
}

TEST(test_many_items_in_one_folder)
{
	struct fixture e;
	char v[64], c[64];
	int ready = 0;

	env_up(&e);
	for (int i = 0; i < 40; i++) {
		snprintf(v, sizeof(v), "outbox/many/clip%02d.mp4", i);
		snprintf(c, sizeof(c), "outbox/many/clip%02d.caption", i);
		put_text(&e, c, good_caption, 1000 + i * 0.01);
		put_media(&e, v, i % 2 ? "portrait.mp4" : "clip.webm", 1000 + i * 0.01);
	}
	tracker_tick(e.t, 1003);
	for (int i = 0; i < 40; i++) {
		snprintf(v, sizeof(v), "outbox/many/clip%02d.mp4", i);
		ready += !strcmp(state(&e, v), "ready");
	}
	CHECK_INT(ready, 40);
	CHECK_INT(count_live(&e), 40);
	fixture_down(&e);
}

/* ---- threads ---- */

struct racer {
	struct fixture *e;
	int n;
	atomic_bool *stop;
};

/* A copy tool in its own thread: items arrive and keep being touched. */
static void *racer_main(void *arg)
{
	struct racer *r = arg;
	char v[64], c[64];

	for (int i = 0; i < 5; i++) {
		snprintf(v, sizeof(v), "outbox/r%d/clip%d.mp4", r->n, i);
		snprintf(c, sizeof(c), "outbox/r%d/clip%d.caption", r->n, i);
		put_text(r->e, c, good_caption, 1000);
		put_media(r->e, v, "portrait.mp4", 1000);
		for (int k = 0; k < 20; k++) {
			tracker_changed(r->e->t, v, 1000);
			tracker_changed(r->e->t, c, 1000);
		}
	}
	return NULL;
}

static void *ticker_main(void *arg)
{
	struct racer *r = arg;

	while (!atomic_load(r->stop))
		tracker_tick(r->e->t, 1003);
	return NULL;
}

TEST(test_events_from_many_threads_while_ticking)
{
	struct fixture e;
	pthread_t th[4], tick;
	struct racer r[4], rt;
	atomic_bool stop = false;
	char v[64];
	int ready = 0;

	env_up(&e);
	rt = (struct racer){ &e, -1, &stop };
	pthread_create(&tick, NULL, ticker_main, &rt);
	for (int i = 0; i < 4; i++) {
		r[i] = (struct racer){ &e, i, &stop };
		pthread_create(&th[i], NULL, racer_main, &r[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	atomic_store(&stop, true);
	pthread_join(tick, NULL);
	tracker_tick(e.t, 1003);
	for (int i = 0; i < 4; i++) {
		for (int k = 0; k < 5; k++) {
			snprintf(v, sizeof(v), "outbox/r%d/clip%d.mp4", i, k);
			ready += !strcmp(state(&e, v), "ready");
		}
	}
	CHECK_INT(ready, 20);
	CHECK_INT(count_live(&e), 20);
	fixture_down(&e);
}

/* The media set: TIKTOKFS_MEDIA, or made now by tests/tools/mediafiles.py. */
static int find_media(void)
{
	const char *env = getenv("TIKTOKFS_MEDIA");
	char cmd[512];

	if (env && *env) {
		snprintf(media_dir, sizeof(media_dir), "%s", env);
		return 0;
	}
	snprintf(media_dir, sizeof(media_dir), "/tmp/test_tracker-media-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 tests/tools/mediafiles.py %s >/dev/null", media_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- files the daemon will not read ---- */

/* The text of outbox/NAME.error, or "" (caller frees). */
static char *error_text(struct fixture *e, const char *video)
{
	char *rel = xasprintf("%s.error", video), *p = fixture_path(e, rel), *text;
	size_t len;

	text = fixture_exists(e, rel) ? read_file(p, &len) : xstrdup("");
	free(rel);
	free(p);
	return text;
}

/* A file outside the staging root that nobody may publish. */
static char *make_secret(struct fixture *e)
{
	char *p = xasprintf("%s/secret.txt", e->dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, good_caption, strlen(good_caption)) < 0)
		FAILF("cannot write %s", p);
	if (fd >= 0)
		close(fd);
	return p;
}

static void expect_refused(struct fixture *e, const char *video, const char *words)
{
	char *text = error_text(e, video);
	struct job j;

	CHECK_STR(state(e, video), "invalid");
	CHECK_CONTAINS(text, words);
	if (store_get_by_path(e->st, video, &j) == 0) {
		CHECK_CONTAINS(j.error ? j.error : "", words);
		job_free(&j);
	}
	free(text);
}

TEST(test_symlinked_caption_is_refused_on_the_item_until_replaced)
{
	struct fixture e;
	char *secret, *cap;

	env_up(&e);
	secret = make_secret(&e);
	cap = fixture_path(&e, "outbox/clip.caption");
	CHECK_INT(symlink(secret, cap), 0);
	tracker_changed(e.t, "outbox/clip.caption", 1000);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	expect_refused(&e, "outbox/clip.mp4", "clip.caption is refused: it is a symbolic link");
	CHECK(fixture_exists(&e, "outbox/clip.mp4"));
	/* the same verdict after a restart, from the files alone */
	tracker_free(e.t);
	env_start_tracker(&e, 1100);
	tracker_tick(e.t, 1102.1);
	expect_refused(&e, "outbox/clip.mp4", "clip.caption is refused: it is a symbolic link");
	/* replaced by a plain copy: accepted, the error file goes */
	do_unlink(&e, "outbox/clip.caption", 1200);
	put_text(&e, "outbox/clip.caption", good_caption, 1200);
	tracker_tick(e.t, 1202.1);
	CHECK_STR(state(&e, "outbox/clip.mp4"), "ready");
	CHECK(!fixture_exists(&e, "outbox/clip.mp4.error"));
	free(cap);
	free(secret);
	fixture_down(&e);
}

TEST(test_hard_linked_caption_and_video_are_refused)
{
	struct fixture e;
	char *secret, *cap, *a, *b;

	env_up(&e);
	secret = make_secret(&e);
	cap = fixture_path(&e, "outbox/clip.caption");
	CHECK_INT(link(secret, cap), 0);
	tracker_changed(e.t, "outbox/clip.caption", 1000);
	put_media(&e, "outbox/clip.mp4", "portrait.mp4", 1000);
	tracker_tick(e.t, 1002.1);
	expect_refused(&e, "outbox/clip.mp4", "clip.caption is refused: it has 2 hard links");

	put_text(&e, "outbox/two.caption", good_caption, 1000);
	put_media(&e, "outbox/two.mp4", "portrait.mp4", 1000);
	a = fixture_path(&e, "outbox/two.mp4");
	b = xasprintf("%s/elsewhere.mp4", e.dir);
	CHECK_INT(link(a, b), 0);
	tracker_tick(e.t, 1002.1);
	expect_refused(&e, "outbox/two.mp4", "two.mp4 is refused: it has 2 hard links");
	free(a);
	free(b);
	free(cap);
	free(secret);
	fixture_down(&e);
}

/* A FIFO, a socket and a device node dropped as a video, and a folder and
 * a FIFO as a caption: refused by name, never opened (a FIFO opened for
 * reading would block the tick until a writer came). */
TEST(test_fifo_socket_device_and_folder_are_refused_without_opening)
{
	static const struct {
		const char *video, *caption, *words;
		mode_t mode;
	} cases[] = {
		{ "outbox/f.mp4", NULL, "f.mp4 is refused: it is a FIFO", S_IFIFO | 0644 },
		{ "outbox/s.mp4", NULL, "s.mp4 is refused: it is a socket", S_IFSOCK | 0644 },
		{ "outbox/d.mp4", NULL, "d.mp4 is refused: it is a character device",
		  S_IFCHR | 0644 },
		{ "outbox/fc.mp4", "outbox/fc.caption", "fc.caption is refused: it is a FIFO",
		  S_IFIFO | 0644 },
		{ "outbox/dc.mp4", "outbox/dc.caption", "dc.caption is refused: it is a folder",
		  S_IFDIR | 0755 },
	};
	struct fixture e;

	env_up(&e);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *odd = cases[i].caption ? cases[i].caption : cases[i].video;
		char *p = fixture_path(&e, odd);
		int rc = S_ISDIR(cases[i].mode) ? mkdir(p, 0755)
						 : mknod(p, cases[i].mode, makedev(1, 3));

		if (rc < 0 && errno == EPERM) { /* not root: no device node */
			free(p);
			continue;
		}
		CHECK_INT(rc, 0);
		tracker_changed(e.t, odd, 1000);
		if (cases[i].caption) {
			put_media(&e, cases[i].video, "portrait.mp4", 1000);
		} else {
			char *cap = xasprintf("%.*s.caption", (int)(strlen(cases[i].video) - 4),
					      cases[i].video);

			put_text(&e, cap, good_caption, 1000);
			free(cap);
		}
		free(p);
	}
	tracker_tick(e.t, 1002.1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(state(&e, cases[i].video), "none"))
			expect_refused(&e, cases[i].video, cases[i].words);
	fixture_down(&e);
}

TEST(test_symlinked_subfolder_is_never_walked)
{
	struct fixture e;
	char *outside = NULL, *src = NULL, *link_at;
	size_t len;
	char *data;

	env_up(&e);
	tracker_free(e.t);
	outside = xasprintf("%s/outside", e.dir);
	mkdir(outside, 0755);
	src = xasprintf("%s/portrait.mp4", media_dir);
	data = read_file(src, &len);
	free(src);
	src = xasprintf("%s/clip.mp4", outside);
	{
		int fd = open(src, O_WRONLY | O_CREAT, 0644);
		CHECK(fd >= 0 && write(fd, data, len) == (ssize_t)len);
		close(fd);
	}
	free(src);
	src = xasprintf("%s/clip.caption", outside);
	{
		int fd = open(src, O_WRONLY | O_CREAT, 0644);
		CHECK(fd >= 0 && write(fd, good_caption, strlen(good_caption)) > 0);
		close(fd);
	}
	link_at = fixture_path(&e, "outbox/sub");
	CHECK_INT(symlink(outside, link_at), 0);
	env_start_tracker(&e, 1000);
	tracker_changed(e.t, "outbox/sub/clip.mp4", 1000);
	tracker_changed(e.t, "outbox/sub/clip.caption", 1000);
	tracker_tick(e.t, 1002.1);
	CHECK(strcmp(state(&e, "outbox/sub/clip.mp4"), "ready"));
	CHECK_INT(count_live(&e), 0);
	free(data);
	free(src);
	free(link_at);
	free(outside);
	fixture_down(&e);
}

int main(void)
{
	bool made = !getenv("TIKTOKFS_MEDIA") || !*getenv("TIKTOKFS_MEDIA");

	log_init(LOG_LVL_ERROR, false);
	if (find_media() < 0) {
		fprintf(stderr, "test_tracker: set TIKTOKFS_MEDIA or run from the source tree "
				"(tests/tools/mediafiles.py makes the media)\n");
		return UNIT_DONE();
	}
	unit_run_all();
	if (made)
		fixture_rm_tree(media_dir);
	return UNIT_DONE();
}
