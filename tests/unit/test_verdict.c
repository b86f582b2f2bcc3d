/*
 * Unit tests for meta/job/verdict.c: a verdict applied to a job read from
 * a real store, with the drop folder on disk, the way the tracker and the
 * posting worker apply it.
 */
#include "meta/config.h"
#include "meta/job/drop.h"
#include "meta/job/store.h"
#include "meta/job/verdict.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "unit.h"
#include "fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A job in @state for @video, read back as the callers hold it. */
static int64_t job_in(struct fixture *e, const char *video, enum job_state state, struct job *j)
{
	int64_t id = store_ensure(e->st, video);

	if (state != JOB_WAITING)
		store_transition(e->st, id, state, "test");
	if (store_get(e->st, id, j) < 0)
		FAILF("no job for %s", video);
	return id;
}

/* What the poster's re-check does when the caption is refused: the same as
 * the tracker, NAME.error first, then invalid with the error. */
TEST(test_refused_caption_writes_the_error_file_and_makes_it_invalid)
{
	struct fixture e;
	struct verdict v;
	struct job j, after;
	int64_t id;

	if (!FIXTURE_UP(&e, "verdict"))
		return;
	id = job_in(&e, "scheduled/clip.mp4", JOB_SCHEDULED, &j);
	verdict_init(&v);
	v.kind = VERDICT_CAPTION;
	tt_error_set(&v.error, ERR_USER, "clip.caption: privacy: sometimes is no privacy level");
	tt_error_advise(&v.error, "Write public, friends, followers or private.");
	CHECK_INT(verdict_apply(e.st, &e.cfg, e.root, NULL, &j, &v, NULL), JOB_INVALID);
	CHECK(fixture_exists(&e, "scheduled/clip.mp4.error"));
	CHECK_INT(store_get(e.st, id, &after), 0);
	CHECK_INT(after.state, JOB_INVALID);
	CHECK_STR(after.error, "clip.caption: privacy: sometimes is no privacy level");
	job_free(&after);
	job_free(&j);
	verdict_free(&v);
	fixture_down(&e);
}

/* OK in scheduled/ with a time to come: scheduled, with what the check
 * fixed (size, privacy, MIME); the old NAME.error and error go. */
TEST(test_valid_item_in_scheduled_waits_for_its_time)
{
	struct fixture e;
	struct verdict v;
	struct job j, after;
	int64_t id;
	FILE *f;
	char *p;

	if (!FIXTURE_UP(&e, "verdict"))
		return;
	id = job_in(&e, "scheduled/clip.mp4", JOB_WAITING, &j);
	store_set_error(e.st, id, "old reason");
	p = xasprintf("%s/scheduled/clip.mp4.error", e.root);
	f = fopen(p, "w");
	if (f)
		fclose(f);
	free(p);
	job_free(&j);
	store_get(e.st, id, &j);
	verdict_init(&v);
	v.media.size = 4000;
	v.media.container = CONTAINER_MP4;
	v.have_sidecar = true;
	v.sidecar.has_schedule = true;
	v.sidecar.schedule_at = (int64_t)time(NULL) + 3600;
	snprintf(v.privacy, sizeof(v.privacy), "SELF_ONLY");
	CHECK_INT(verdict_apply(e.st, &e.cfg, e.root, NULL, &j, &v, "scheduled/clip.caption"),
		  JOB_SCHEDULED);
	CHECK(!fixture_exists(&e, "scheduled/clip.mp4.error"));
	CHECK_INT(store_get(e.st, id, &after), 0);
	CHECK_INT(after.state, JOB_SCHEDULED);
	CHECK_INT(after.schedule_at, v.sidecar.schedule_at);
	CHECK_U64(after.size, 4000);
	CHECK_STR(after.privacy, "SELF_ONLY");
	CHECK_STR(after.mime, "video/mp4");
	CHECK_STR(after.caption_path, "scheduled/clip.caption");
	CHECK(after.error == NULL);
	job_free(&after);
	job_free(&j);
	v.have_sidecar = false; /* nothing allocated in it */
	verdict_free(&v);
	fixture_down(&e);
}

/* The same item in outbox/ is posted now: a schedule counts only in
 * scheduled/ (drop_in_scheduled). */
TEST(test_schedule_in_outbox_is_ignored)
{
	struct fixture e;
	struct verdict v;
	struct job j;

	if (!FIXTURE_UP(&e, "verdict"))
		return;
	job_in(&e, "outbox/clip.mp4", JOB_WAITING, &j);
	verdict_init(&v);
	v.media.size = 4000;
	v.media.container = CONTAINER_MP4;
	v.have_sidecar = true;
	v.sidecar.has_schedule = true;
	v.sidecar.schedule_at = (int64_t)time(NULL) + 3600;
	CHECK_INT(verdict_apply(e.st, &e.cfg, e.root, NULL, &j, &v, NULL), JOB_READY);
	job_free(&j);
	v.have_sidecar = false;
	verdict_free(&v);
	fixture_down(&e);
}

/* A truncated copy waits with its reason and takes no caption yet. */
TEST(test_incomplete_copy_waits_with_its_reason)
{
	struct fixture e;
	struct verdict v;
	struct job j, after;
	int64_t id;

	if (!FIXTURE_UP(&e, "verdict"))
		return;
	id = job_in(&e, "outbox/clip.mp4", JOB_READY, &j);
	verdict_init(&v);
	v.kind = VERDICT_INCOMPLETE;
	tt_error_set(&v.error, ERR_INCOMPLETE, "clip.mp4: the file ends early");
	CHECK_INT(verdict_apply(e.st, &e.cfg, e.root, NULL, &j, &v, "outbox/clip.caption"), JOB_WAITING);
	CHECK_INT(store_get(e.st, id, &after), 0);
	CHECK_INT(after.state, JOB_WAITING);
	CHECK_STR(after.error, "clip.mp4: the file ends early");
	CHECK(after.caption_path == NULL);
	job_free(&after);
	job_free(&j);
	verdict_free(&v);
	fixture_down(&e);
}

int main(int argc, char **argv)
{
	unit_args(argc, argv);
	log_init(LOG_LVL_ERROR, false);
	unit_run_all();
	return UNIT_DONE();
}
