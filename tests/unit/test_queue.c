/*
 * Unit tests for meta/job/queue.c and its hook in verdict_apply(): items of
 * queue/ planned into the config's slots against a real job store, the way
 * the tracker does it when items become ready.  Order, a slot kept once
 * given, a slot freed by a removed or moved item and taken by the next
 * newcomer only, the daily cap, and an item that can get no slot.
 */
#include "meta/config.h"
#include "meta/job/drop.h"
#include "meta/job/queue.h"
#include "meta/job/store.h"
#include "meta/job/verdict.h"
#include "meta/caption/when.h"
#include "util/strbuf.h"
#include "unit.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

struct env {
	char dir[64];
	char *root;
	struct config cfg;
	struct store *st;
};

static int env_up(struct env *e, const char *slots)
{
	struct tt_error err;
	char *db;

	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "/tmp/test_queue-XXXXXX");
	if (!mkdtemp(e->dir))
		return -1;
	e->root = xasprintf("%s/staging", e->dir);
	tt_error_clear(&err);
	if (drop_create(e->root, &err) < 0)
		return -1;
	config_defaults(&e->cfg);
	if (slots && config_set(&e->cfg, "slots", slots, &err) < 0)
		return -1;
	db = xasprintf("%s/jobs.db", e->dir);
	e->st = store_open(db, &err);
	free(db);
	return e->st ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static void env_down(struct env *e)
{
	store_close(e->st);
	config_free(&e->cfg);
	nftw(e->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(e->root);
}

static int64_t at(const char *s)
{
	struct tt_error err;
	int64_t t = 0;

	tt_error_clear(&err);
	if (when_parse(s, &t, NULL, &err) < 0)
		FAILF("when_parse(%s): %s", s, err.what);
	return t;
}

/* Plan the item @video (a new job) at @now; its time, or the -errno. */
static int64_t plan(struct env *e, const char *video, int64_t now)
{
	struct tt_error err;
	struct job j;
	int64_t id = store_ensure(e->st, video), t = 0;
	int rc;

	if (id <= 0 || store_get(e->st, id, &j) < 0) {
		FAILF("no job for %s", video);
		return -1;
	}
	tt_error_clear(&err);
	rc = queue_plan(e->st, &e->cfg, &j, now, &t, &err);
	job_free(&j);
	return rc < 0 ? rc : t;
}

static int64_t id_of(struct env *e, const char *video)
{
	struct job j;
	int64_t id = -1;

	if (store_find_live(e->st, video, &j) == 0) {
		id = j.id;
		job_free(&j);
	}
	return id;
}

TEST(test_ten_items_get_ten_slots_in_order_and_keep_them)
{
	struct env e;
	int64_t now = at("2026-12-01 10:00 UTC"), t[10];
	char name[64];

	if (env_up(&e, "Mon-Fri 09:00,18:00; Sat 12:00") < 0) {
		FAILF("setup");
		return;
	}
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "queue/clip%02d.mp4", i);
		t[i] = plan(&e, name, now);
		CHECK(i == 0 || t[i] > t[i - 1]);
	}
	CHECK_INT(t[0], at("2026-12-01 18:00 UTC"));
	CHECK_INT(t[6], at("2026-12-04 18:00 UTC"));
	CHECK_INT(t[7], at("2026-12-05 12:00 UTC")); /* Saturday's one slot */
	CHECK_INT(t[8], at("2026-12-07 09:00 UTC"));
	/* asked again (a re-check, a restart, later): the same time */
	CHECK_INT(plan(&e, "queue/clip03.mp4", now + 86400 * 3), t[3]);
	env_down(&e);
}

/* Each account's queue/ has the slots to itself: TikTok's daily cap counts
 * per user.  Items of one account still never share a slot. */
TEST(test_each_accounts_queue_has_its_own_slots)
{
	struct env e;
	int64_t now = at("2026-12-01 10:00 UTC");

	if (env_up(&e, "Mon-Fri 09:00,18:00") < 0) {
		FAILF("setup");
		return;
	}
	CHECK_INT(plan(&e, "queue/a.mp4", now), at("2026-12-01 18:00 UTC"));
	CHECK_INT(plan(&e, "accounts/b/queue/b1.mp4", now), at("2026-12-01 18:00 UTC"));
	CHECK_INT(plan(&e, "accounts/b/queue/b2.mp4", now), at("2026-12-02 09:00 UTC"));
	CHECK_INT(plan(&e, "queue/a2.mp4", now), at("2026-12-02 09:00 UTC"));
	env_down(&e);
}

TEST(test_a_removed_item_frees_its_slot_for_the_next_newcomer_only)
{
	struct env e;
	int64_t now = at("2026-12-01 10:00 UTC"), a, b, c, d;

	if (env_up(&e, "daily 09:00,18:00") < 0) {
		FAILF("setup");
		return;
	}
	a = plan(&e, "queue/a.mp4", now);
	b = plan(&e, "queue/b.mp4", now);
	c = plan(&e, "queue/c.mp4", now);
	CHECK_INT(store_transition(e.st, id_of(&e, "queue/b.mp4"), JOB_CANCELLED, "deleted"), 0);
	CHECK_INT(plan(&e, "queue/a.mp4", now), a);
	CHECK_INT(plan(&e, "queue/c.mp4", now), c); /* no reshuffle */
	d = plan(&e, "queue/d.mp4", now);
	CHECK_INT(d, b);
	/* moved out to outbox/: its slot is free too */
	CHECK_INT(store_rename(e.st, "queue/c.mp4", "outbox/c.mp4"), 0);
	CHECK_INT(plan(&e, "queue/e.mp4", now), c);
	/* c comes back: e holds its old slot now, so c gets a new one */
	CHECK_INT(store_rename(e.st, "outbox/c.mp4", "queue/c.mp4"), 0);
	CHECK(plan(&e, "queue/c.mp4", now) > d && plan(&e, "queue/c.mp4", now) != c);
	CHECK_INT(plan(&e, "queue/e.mp4", now), c);
	env_down(&e);
}

/* Slots every half hour: 15 a day at most, posted ones counted too. */
TEST(test_a_days_slots_never_plan_more_than_the_daily_cap)
{
	struct env e;
	struct strbuf s = STRBUF_INIT;
	int64_t now = at("2026-12-01 00:00 UTC"), t[20];
	char name[64];

	for (int h = 0; h < 24; h++)
		strbuf_addf(&s, "%s%02d:00,%02d:30", h ? "," : "", h, h);
	if (env_up(&e, s.buf) < 0) {
		FAILF("setup");
		strbuf_release(&s);
		return;
	}
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "queue/v%02d.mp4", i);
		t[i] = plan(&e, name, now);
	}
	CHECK_INT(t[14], now + 15 * 1800);
	CHECK(t[15] >= t[0] + 86400);
	for (int i = 0; i + 15 < 20; i++)
		CHECK(t[i + 15] - t[i] >= 86400);
	strbuf_release(&s);
	env_down(&e);
}

TEST(test_no_slots_configured_refuses_with_the_fix)
{
	struct env e;
	struct tt_error err;
	struct job j;
	int64_t t = 0;

	if (env_up(&e, NULL) < 0) {
		FAILF("setup");
		return;
	}
	store_ensure(e.st, "queue/clip.mp4");
	CHECK_INT(store_find_live(e.st, "queue/clip.mp4", &j), 0);
	tt_error_clear(&err);
	CHECK_INT(queue_plan(e.st, &e.cfg, &j, 1000, &t, &err), -ENOENT);
	CHECK_CONTAINS(err.what, "clip.mp4: no posting slots are configured");
	CHECK_CONTAINS(err.advice, "slots = Mon-Fri 09:00,18:00");
	job_free(&j);
	env_down(&e);
}

static void ok_verdict(struct verdict *v)
{
	verdict_init(v);
	v->media.size = 4000;
	v->media.container = CONTAINER_MP4;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = xmalloc(4096);
	size_t n = f ? fread(buf, 1, 4095, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

TEST(test_valid_item_in_queue_is_scheduled_at_its_slot)
{
	struct env e;
	struct verdict v;
	struct job j, after;
	int64_t id;

	if (env_up(&e, "daily 09:00") < 0) {
		FAILF("setup");
		return;
	}
	id = store_ensure(e.st, "queue/clip.mp4");
	CHECK_INT(store_get(e.st, id, &j), 0);
	ok_verdict(&v);
	CHECK_INT(verdict_apply(e.st, &e.cfg, e.root, NULL, &j, &v, "queue/clip.caption"),
		  JOB_SCHEDULED);
	CHECK_INT(store_get(e.st, id, &after), 0);
	CHECK(after.schedule_at > 0 && after.schedule_at % 86400 == 9 * 3600);
	job_free(&after);
	job_free(&j);
	verdict_free(&v);
	env_down(&e);
}

TEST(test_item_in_queue_without_slots_waits_with_its_error_file)
{
	struct env e;
	struct verdict v;
	struct job j, after;
	char *path, *text;
	int64_t id;

	if (env_up(&e, NULL) < 0) {
		FAILF("setup");
		return;
	}
	id = store_ensure(e.st, "queue/clip.mp4");
	CHECK_INT(store_get(e.st, id, &j), 0);
	ok_verdict(&v);
	CHECK_INT(verdict_apply(e.st, &e.cfg, e.root, NULL, &j, &v, "queue/clip.caption"),
		  JOB_INVALID);
	CHECK_INT(store_get(e.st, id, &after), 0);
	CHECK_CONTAINS(after.error, "no posting slots are configured");
	path = xasprintf("%s/queue/clip.mp4.error", e.root);
	text = read_all(path);
	CHECK_CONTAINS(text, "no posting slots are configured");
	free(text);
	free(path);
	job_free(&after);
	job_free(&j);
	verdict_free(&v);
	env_down(&e);
}

TEST(test_bad_slots_line_names_the_part_refused)
{
	struct config c;
	struct tt_error err;

	config_defaults(&c);
	tt_error_clear(&err);
	CHECK_INT(config_set(&c, "slots", "Mon-Fri 09:00,18:00; Sat 24:00", &err), -EINVAL);
	CHECK_CONTAINS(err.what, "slots = Mon-Fri 09:00,18:00; Sat 24:00: 24:00 is not a time");
	tt_error_clear(&err);
	CHECK_INT(config_set(&c, "slots", "Mo-Fr 09:00", &err), -EINVAL);
	CHECK_CONTAINS(err.what, ": Mo is not a day");
	tt_error_clear(&err);
	CHECK_INT(config_set(&c, "slots", "Mon-Fr 09:00", &err), -EINVAL);
	CHECK_CONTAINS(err.what, ": Fr is not a day");
	tt_error_clear(&err);
	CHECK_INT(config_set(&c, "timezone", "Europe/Nowhere", &err), -EINVAL);
	CHECK_INT(config_set(&c, "slot_jitter", "15 minutes", &err), 0);
	CHECK_INT(c.slot_jitter, 15);
	CHECK_INT(config_set(&c, "slot_jitter", "15 hours", &err), -EINVAL);
	config_free(&c);
}

UNIT_MAIN()
