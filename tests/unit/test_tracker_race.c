/*
 * Unit tests for the race in meta/job/tracker_tick.c between validating a
 * settled item (without the tracker's mutex) and applying its verdict:
 * meanwhile a user may rename, delete or replace the item.  The tracker's
 * test hook (tracker_set_hook, tracker.h) runs the user's move at the
 * stage named by each test, so that every interleaving happens for sure:
 *
 *   TRACKER_SEEN       the video was found; its job and files come next
 *   TRACKER_VALIDATED  the verdict is ready; applying it comes next
 *
 * Two ways the move reaches the tracker: at once (the mount: fs/ reports a
 * rename or an unlink as it makes it), or after the tick (watch mode:
 * inotify or the poller report it later).  Either way the verdict must
 * follow the item to its new name or be dropped and made again, never be
 * applied to the old name, a deleted item leaves no job and no result, and
 * a replaced file is validated itself.  A real drop folder, store and
 * rules (tests/unit/fixture.h), a hand-made MP4, a fake monotonic clock.
 */
#include "meta/job/store.h"
#include "meta/job/tracker.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "unit.h"
#include "fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SETTLE 2.0
#define T0 1000.0
#define VSIZE 100000

static const char *const good_caption = "---\nprivacy: private\n---\nSunset #travel\n";
static const char *const bad_caption = "---\nprivacy: sometimes\n---\nSunset\n";

/* How the move reaches the tracker. */
enum told { TOLD_AT_ONCE, TOLD_AFTER_TICK };

struct race;
typedef void race_move_fn(struct race *r);

/* One forced interleaving: @move runs once, at @at, on the first due item. */
struct race {
	struct fixture fx;
	enum tracker_stage at;
	enum told told;
	race_move_fn *move;
	const char *replacement; /* replace_video: "mp4" or "text" */
	bool fired;
	/* events held back until after the tick (TOLD_AFTER_TICK) */
	char *held_from[4], *held_to[4];
	int nheld;
};

static void hook(void *arg, enum tracker_stage stage, const char *video)
{
	struct race *r = arg;

	(void)video;
	if (r->fired || stage != r->at)
		return;
	r->fired = true;
	r->move(r);
}

/* An item put in place at T0 and settled by T0 + SETTLE. */
static bool race_up(struct race *r, enum tracker_stage at, enum told told, race_move_fn *move,
		    const char *caption)
{
	memset(r, 0, sizeof(*r));
	if (!FIXTURE_UP(&r->fx, "race"))
		return false;
	r->fx.cfg.settle_time = SETTLE;
	if (!FIXTURE_TRACKER(&r->fx, T0))
		return false;
	r->at = at;
	r->told = told;
	r->move = move;
	if (fixture_put_mp4(&r->fx, "outbox/clip.mp4", VSIZE) < 0 ||
	    fixture_put(&r->fx, "outbox/clip.caption", caption, strlen(caption)) < 0) {
		FAILF("set-up: %s", r->fx.why);
		return false;
	}
	tracker_changed(r->fx.t, "outbox/clip.mp4", T0);
	tracker_changed(r->fx.t, "outbox/clip.caption", T0);
	tracker_set_hook(r->fx.t, hook, r);
	return true;
}

static void race_down(struct race *r)
{
	for (int i = 0; i < r->nheld; i++) {
		free(r->held_from[i]);
		free(r->held_to[i]);
	}
	fixture_down(&r->fx);
}

/* An event now or later; @to NULL is a removal. */
static void tell(struct race *r, const char *from, const char *to, double now)
{
	if (r->told == TOLD_AFTER_TICK) {
		r->held_from[r->nheld] = xstrdup(from);
		r->held_to[r->nheld++] = to ? xstrdup(to) : NULL;
	} else if (to) {
		tracker_renamed(r->fx.t, from, to, now);
	} else {
		tracker_removed(r->fx.t, from, now);
	}
}

/* Deliver what watch mode would have reported late. */
static void tell_held(struct race *r, double now)
{
	for (int i = 0; i < r->nheld; i++) {
		if (r->held_to[i])
			tracker_renamed(r->fx.t, r->held_from[i], r->held_to[i], now);
		else
			tracker_removed(r->fx.t, r->held_from[i], now);
	}
}

static void move_file(struct race *r, const char *from, const char *to)
{
	char *a = fixture_path(&r->fx, from), *b = fixture_path(&r->fx, to);

	if (rename(a, b) < 0)
		FAILF("rename %s -> %s: %s", a, b, strerror(errno));
	tell(r, from, to, T0 + SETTLE + 0.2);
	free(a);
	free(b);
}

static void remove_file(struct race *r, const char *rel)
{
	char *p = fixture_path(&r->fx, rel);

	if (unlink(p) < 0)
		FAILF("unlink %s: %s", p, strerror(errno));
	tell(r, rel, NULL, T0 + SETTLE + 0.2);
	free(p);
}

/* mv clip.mp4 new.mp4; mv clip.caption new.caption */
static void rename_item(struct race *r)
{
	move_file(r, "outbox/clip.mp4", "outbox/new.mp4");
	move_file(r, "outbox/clip.caption", "outbox/new.caption");
}

/* rm clip.mp4 clip.caption */
static void delete_item(struct race *r)
{
	remove_file(r, "outbox/clip.mp4");
	remove_file(r, "outbox/clip.caption");
}

/* rsync's way: a new file under a temporary name, renamed over the video.
 * The temporary name is not an item, so only the rename is an event. */
static void replace_video(struct race *r)
{
	const char *tmp = "outbox/.clip.mp4.Xa3bQ9";
	int rc = !strcmp(r->replacement, "mp4") ? fixture_put_mp4(&r->fx, tmp, 2 * VSIZE)
						: fixture_put(&r->fx, tmp, "not a video\n", 12);

	if (rc < 0)
		FAILF("%s", r->fx.why);
	move_file(r, tmp, "outbox/clip.mp4");
}

/* The tick that meets the move, then (watch mode) the late events. */
static void tick_through_the_move(struct race *r)
{
	tracker_tick(r->fx.t, T0 + SETTLE + 0.1);
	CHECK(r->fired);
	tell_held(r, T0 + SETTLE + 0.3);
}

/* What the item's file settles to: ticks until nothing is due. */
static void settle_all(struct race *r)
{
	for (double now = T0 + 2 * SETTLE + 1; now < T0 + 6 * SETTLE; now += SETTLE)
		tracker_tick(r->fx.t, now);
}

static int add_live(const struct job *j, void *arg)
{
	struct strbuf *sb = arg;

	strbuf_addf(sb, "%s:%s;", j->path, job_state_name(j->state));
	return 0;
}

/* Every live job, "path:state;" each (caller frees). */
static char *live_jobs(struct race *r)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_init(&sb);
	store_each(r->fx.st, 0, add_live, &sb);
	return strbuf_detach(&sb, NULL);
}

#define CHECK_LIVE(r, want)                                                                        \
	do {                                                                                       \
		char *l_ = live_jobs(r);                                                           \
		CHECK_STR(l_, want);                                                               \
		free(l_);                                                                          \
	} while (0)

/* The newest job that was ever at @rel: its state, or "none". */
static const char *state_at(struct race *r, const char *rel)
{
	static char out[32];
	struct job j;

	if (store_get_by_path(r->fx.st, rel, &j) < 0)
		return "none";
	snprintf(out, sizeof(out), "%s", job_state_name(j.state));
	job_free(&j);
	return out;
}

/* Nothing under failed/ or posted/, no NAME.error in outbox/. */
static void check_no_results(struct race *r)
{
	CHECK(!fixture_exists(&r->fx, "failed/clip.mp4"));
	CHECK(!fixture_exists(&r->fx, "failed/clip.mp4.error"));
	CHECK(!fixture_exists(&r->fx, "posted/clip.mp4"));
	CHECK(!fixture_exists(&r->fx, "outbox/clip.mp4.error"));
}

/* ---- renamed ---- */

static void renamed_follows(enum tracker_stage at, enum told told)
{
	struct race r;
	struct job j;

	if (!race_up(&r, at, told, rename_item, good_caption))
		goto out;
	tick_through_the_move(&r);
	settle_all(&r);
	CHECK_LIVE(&r, "outbox/new.mp4:ready;");
	CHECK_STR(state_at(&r, "outbox/clip.mp4"), "none");
	if (store_find_live(r.fx.st, "outbox/new.mp4", &j) == 0) {
		CHECK_STR(j.caption_path, "outbox/new.caption");
		job_free(&j);
	}
	check_no_results(&r);
out:
	race_down(&r);
}

TEST(test_renamed_after_validation_is_applied_under_its_new_name)
{
	renamed_follows(TRACKER_VALIDATED, TOLD_AT_ONCE);
}

TEST(test_renamed_before_its_job_is_looked_up_leaves_no_job_at_the_old_name)
{
	renamed_follows(TRACKER_SEEN, TOLD_AT_ONCE);
}

TEST(test_renamed_after_validation_told_late_follows_the_item)
{
	renamed_follows(TRACKER_VALIDATED, TOLD_AFTER_TICK);
}

TEST(test_renamed_while_validated_told_late_follows_the_item)
{
	renamed_follows(TRACKER_SEEN, TOLD_AFTER_TICK);
}

/* The tick finds the video gone before it looks at anything: watch mode
 * has not reported the rename yet.  The job is not closed as lost. */
TEST(test_renamed_before_the_tick_told_late_is_not_lost)
{
	struct race r;

	if (!race_up(&r, TRACKER_SEEN, TOLD_AFTER_TICK, rename_item, good_caption))
		goto out;
	tracker_set_hook(r.fx.t, NULL, NULL);
	rename_item(&r);
	tracker_tick(r.fx.t, T0 + SETTLE + 0.1);
	tell_held(&r, T0 + SETTLE + 0.3);
	settle_all(&r);
	CHECK_LIVE(&r, "outbox/new.mp4:ready;");
	CHECK_STR(state_at(&r, "outbox/clip.mp4"), "none");
	check_no_results(&r);
out:
	race_down(&r);
}

/* ---- deleted ---- */

static void deleted_leaves_nothing(enum tracker_stage at, enum told told, const char *caption)
{
	struct race r;

	if (!race_up(&r, at, told, delete_item, caption))
		goto out;
	tick_through_the_move(&r);
	settle_all(&r);
	CHECK_LIVE(&r, "");
	CHECK_STR(state_at(&r, "outbox/clip.mp4"), "cancelled");
	check_no_results(&r);
out:
	race_down(&r);
}

TEST(test_deleted_after_validation_posts_nothing)
{
	deleted_leaves_nothing(TRACKER_VALIDATED, TOLD_AT_ONCE, good_caption);
}

TEST(test_deleted_after_a_refusal_leaves_no_error_file)
{
	deleted_leaves_nothing(TRACKER_VALIDATED, TOLD_AT_ONCE, bad_caption);
}

TEST(test_deleted_before_its_job_is_looked_up_leaves_no_job)
{
	deleted_leaves_nothing(TRACKER_SEEN, TOLD_AT_ONCE, good_caption);
}

TEST(test_deleted_after_validation_told_late_leaves_nothing)
{
	deleted_leaves_nothing(TRACKER_VALIDATED, TOLD_AFTER_TICK, bad_caption);
}

TEST(test_deleted_while_validated_told_late_leaves_nothing)
{
	deleted_leaves_nothing(TRACKER_SEEN, TOLD_AFTER_TICK, good_caption);
}

/* ---- replaced ---- */

/* The old file was a good video; the verdict made for it must not reach
 * the new one, which is validated itself: @what is "mp4" (a video twice
 * the size: ready with the new size) or "text" (failed/, never ready). */
static void replaced_is_validated(enum tracker_stage at, enum told told, const char *what)
{
	struct race r;
	struct job j;
	bool text = !strcmp(what, "text");

	if (!race_up(&r, at, told, replace_video, good_caption))
		goto out;
	r.replacement = what;
	tick_through_the_move(&r);
	if (told == TOLD_AT_ONCE)
		CHECK(strcmp(state_at(&r, "outbox/clip.mp4"), "ready")); /* not yet */
	settle_all(&r);
	CHECK_LIVE(&r, text ? "" : "outbox/clip.mp4:ready;");
	if (text) {
		CHECK_STR(state_at(&r, "failed/clip.mp4"), "failed");
		CHECK(fixture_exists(&r.fx, "failed/clip.mp4.error"));
	} else if (store_find_live(r.fx.st, "outbox/clip.mp4", &j) == 0) {
		CHECK_INT(j.size, 2 * VSIZE);
		job_free(&j);
	}
out:
	race_down(&r);
}

TEST(test_replaced_by_a_video_after_validation_is_validated_anew)
{
	replaced_is_validated(TRACKER_VALIDATED, TOLD_AT_ONCE, "mp4");
}

TEST(test_replaced_by_a_non_video_after_validation_is_never_ready)
{
	replaced_is_validated(TRACKER_VALIDATED, TOLD_AT_ONCE, "text");
}

TEST(test_replaced_before_its_job_is_looked_up_is_validated_anew)
{
	replaced_is_validated(TRACKER_SEEN, TOLD_AT_ONCE, "text");
}

TEST(test_replaced_after_validation_told_late_is_validated_anew)
{
	replaced_is_validated(TRACKER_VALIDATED, TOLD_AFTER_TICK, "mp4");
}

TEST(test_replaced_while_validated_told_late_is_validated_anew)
{
	replaced_is_validated(TRACKER_SEEN, TOLD_AFTER_TICK, "text");
}

int main(int argc, char **argv)
{
	unit_args(argc, argv);
	log_init(LOG_LVL_ERROR, false);
	unit_run_all();
	return UNIT_DONE();
}
