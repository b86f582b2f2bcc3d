/* Unit tests for fs/mirror.c: the results of watch mode on the real files. */
#include "fs/mirror.h"
#include "meta/config.h"
#include "meta/job/results.h"
#include "meta/job/store.h"
#include "util/strbuf.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static char dir[64];

static int rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb, (void)type, (void)ftw;
	return remove(p);
}

static struct store *open_fresh(void)
{
	struct tt_error e;
	char *db;
	struct store *st;

	if (dir[0])
		nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	snprintf(dir, sizeof(dir), "/tmp/ttfs-mirror-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	db = xasprintf("%s/jobs.db", dir);
	st = store_open(db, &e);
	free(db);
	if (!st)
		FAILF("store_open: %s", e.what);
	return st;
}

static void touch(const char *rel)
{
	char *p = xasprintf("%s/%s", dir, rel);
	char *slash = strrchr(p, '/');
	int fd;

	*slash = '\0';
	mkdir(p, 0755);
	*slash = '/';
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	free(p);
}

static bool has_user_xattrs(void)
{
	char *p = xasprintf("%s/probe", dir);
	int fd = open(p, O_WRONLY | O_CREAT, 0644);
	bool ok = fd >= 0 && fsetxattr(fd, "user.x", "1", 1, 0) == 0;

	if (fd >= 0)
		close(fd);
	unlink(p);
	free(p);
	return ok;
}

/* user.tiktok.@key of root/@rel, or "" */
static const char *xget(const char *rel, const char *key)
{
	static char buf[1024];
	char *p = xasprintf("%s/%s", dir, rel);
	char *name = xasprintf("user.tiktok.%s", key);
	ssize_t n = lgetxattr(p, name, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	free(p);
	free(name);
	return buf;
}

TEST(test_values_are_the_mounts)
{
	struct job j;
	char v[128];

	memset(&j, 0, sizeof(j));
	j.state = JOB_UPLOADING;
	j.sent = 1000;
	j.size = 4000;
	j.posted_at = 1764072000; /* 2025-11-25T12:00:00Z */
	CHECK(results_value(&j, "state", v, sizeof(v)));
	CHECK_STR(v, "uploading");
	CHECK(results_value(&j, "progress", v, sizeof(v)));
	CHECK_STR(v, "1000/4000");
	CHECK(!results_value(&j, "posted_at", v, sizeof(v))); /* not posted yet */
	CHECK(!results_value(&j, "publish_id", v, sizeof(v)));
	CHECK(!results_value(&j, "retry_at", v, sizeof(v)));
	j.state = JOB_READY;
	CHECK(!results_value(&j, "progress", v, sizeof(v)));
	j.state = JOB_POSTED;
	CHECK(results_value(&j, "posted_at", v, sizeof(v)));
	CHECK_STR(v, "2025-11-25T12:00:00Z");
	CHECK(!results_value(&j, "progress", v, sizeof(v)));
}

TEST(test_own_names)
{
	CHECK(mirror_own_name("clip.mp4.tiktok.json"));
	CHECK(mirror_own_name(".clip.mp4.tiktok.json.a1B2c3"));
	CHECK(!mirror_own_name("clip.mp4"));
	CHECK(!mirror_own_name("tiktok.json"));
	CHECK(!mirror_own_name("clip.caption"));
}

TEST(test_xattrs_follow_the_store_and_stale_ones_go)
{
	struct store *st = open_fresh();
	struct mirror *m;
	int64_t id;

	if (!st)
		return;
	if (!has_user_xattrs()) {
		/* the JSON path is covered on ramfs by test_watch.py */
		FAILF("%s has no user xattrs; these tests need a filesystem that has", dir);
		store_close(st);
		return;
	}
	touch("outbox/clip.mp4");
	touch("outbox/clip.caption");
	id = store_ensure(st, "outbox/clip.mp4");
	store_set_caption(st, id, "outbox/clip.caption");
	store_set_error(st, id, "no caption yet");
	m = mirror_new(st, dir, NULL);
	CHECK_INT(mirror_sync(m), 0);
	CHECK_STR(xget("outbox/clip.mp4", "state"), "waiting");
	CHECK_STR(xget("outbox/clip.caption", "state"), "waiting");
	CHECK_STR(xget("outbox/clip.mp4", "error"), "no caption yet");
	/* the error is cleared in the store: it goes from the file too */
	store_set_error(st, id, NULL);
	store_set_ready(st, id, 4000, 0, "SELF_ONLY", NULL, NULL);
	store_transition(st, id, JOB_READY, "test");
	CHECK_INT(mirror_sync(m), 0);
	CHECK_STR(xget("outbox/clip.mp4", "state"), "ready");
	CHECK_STR(xget("outbox/clip.mp4", "privacy"), "SELF_ONLY");
	CHECK_STR(xget("outbox/clip.mp4", "error"), "");
	mirror_free(m);
	store_close(st);
}

/* A posted file copied back into outbox/ with cp -a carries the old post's
 * results, and maybe names no tiktokfs writes: none of them stays. */
TEST(test_names_the_state_does_not_show_are_removed)
{
	struct store *st = open_fresh();
	struct mirror *m;
	char *p;

	if (!st)
		return;
	if (!has_user_xattrs()) {
		FAILF("%s has no user xattrs", dir);
		store_close(st);
		return;
	}
	touch("outbox/again.mp4");
	p = xasprintf("%s/outbox/again.mp4", dir);
	CHECK_INT(lsetxattr(p, "user.tiktok.post_id", "7312345678901234567", 19, 0), 0);
	CHECK_INT(lsetxattr(p, "user.tiktok.retry_at", "2026-01-01T00:00:00Z", 20, 0), 0);
	CHECK_INT(lsetxattr(p, "user.tiktok.from_the_future", "x", 1, 0), 0);
	CHECK_INT(lsetxattr(p, "user.mine", "kept", 4, 0), 0);
	store_ensure(st, "outbox/again.mp4");
	m = mirror_new(st, dir, NULL);
	CHECK_INT(mirror_sync(m), 0);
	CHECK_STR(xget("outbox/again.mp4", "state"), "waiting");
	CHECK_STR(xget("outbox/again.mp4", "post_id"), "");
	CHECK_STR(xget("outbox/again.mp4", "retry_at"), "");
	CHECK_STR(xget("outbox/again.mp4", "from_the_future"), "");
	CHECK_INT(lgetxattr(p, "user.mine", NULL, 0), 4);
	mirror_free(m);
	free(p);
	store_close(st);
}

TEST(test_a_file_not_there_yet_is_written_later)
{
	struct store *st = open_fresh();
	struct mirror *m;
	int64_t id;

	if (!st)
		return;
	if (!has_user_xattrs()) {
		FAILF("%s has no user xattrs", dir);
		store_close(st);
		return;
	}
	id = store_ensure(st, "outbox/late.mp4");
	m = mirror_new(st, dir, NULL);
	CHECK_INT(mirror_sync(m), 0); /* no file: nothing cached */
	touch("outbox/late.mp4");
	CHECK_INT(mirror_sync(m), 0);
	CHECK_STR(xget("outbox/late.mp4", "state"), "waiting");
	(void)id;
	mirror_free(m);
	store_close(st);
}

/* With the store's path given, quiet rounds skip the walk; a commit is
 * still seen at the next round. */
TEST(test_a_commit_after_quiet_rounds_reaches_the_file)
{
	struct store *st = open_fresh();
	struct mirror *m;
	char *db;
	int64_t id;

	if (!st)
		return;
	if (!has_user_xattrs()) {
		FAILF("%s has no user xattrs", dir);
		store_close(st);
		return;
	}
	db = xasprintf("%s/jobs.db", dir);
	touch("outbox/q.mp4");
	id = store_ensure(st, "outbox/q.mp4");
	m = mirror_new(st, dir, db);
	CHECK_INT(mirror_sync(m), 0);
	CHECK_STR(xget("outbox/q.mp4", "state"), "waiting");
	CHECK_INT(mirror_sync(m), 0); /* nothing changed: skipped */
	CHECK_INT(mirror_sync(m), 0);
	store_set_ready(st, id, 10, 0, "SELF_ONLY", NULL, NULL);
	store_transition(st, id, JOB_READY, "test");
	CHECK_INT(mirror_sync(m), 0);
	CHECK_STR(xget("outbox/q.mp4", "state"), "ready");
	mirror_free(m);
	free(db);
	store_close(st);
}

/* A file outside the watched folder that a share user points a link at. */
static char *outside_file(const char *name)
{
	char *p = xasprintf("%s-outside", dir);
	char *f;
	int fd;

	mkdir(p, 0755);
	f = xasprintf("%s/%s", p, name);
	fd = open(f, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	free(p);
	return f;
}

static bool has_any_tiktok_xattr(const char *abs)
{
	char list[4096];
	ssize_t n = llistxattr(abs, list, sizeof(list));

	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1)
		if (!strncmp(list + i, "user.tiktok.", 12))
			return true;
	return false;
}

static void rm_outside(void)
{
	char *p = xasprintf("%s-outside", dir);

	nftw(p, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(p);
}

/* posted/clip.mp4 replaced by a symlink after it was posted: the mirror
 * writes nothing through it. */
TEST(test_a_symlink_in_place_of_the_video_is_not_followed)
{
	struct store *st = open_fresh();
	struct mirror *m;
	char *target, *lnk;
	int64_t id;

	if (!st)
		return;
	if (!has_user_xattrs()) {
		FAILF("%s has no user xattrs", dir);
		store_close(st);
		return;
	}
	target = outside_file("secret.conf");
	touch("posted/clip.caption");
	lnk = xasprintf("%s/posted/clip.mp4", dir);
	CHECK_INT(symlink(target, lnk), 0);
	id = store_ensure(st, "posted/clip.mp4");
	store_set_caption(st, id, "posted/clip.caption");
	store_set_publish(st, id, 0, "v_pub_1", NULL, 0);
	store_transition(st, id, JOB_POSTED, "test");
	m = mirror_new(st, dir, NULL);
	CHECK_INT(mirror_sync(m), 0);
	CHECK(!has_any_tiktok_xattr(target));
	CHECK(!has_any_tiktok_xattr(lnk));
	CHECK_STR(xget("posted/clip.caption", "state"), "posted"); /* the real file has them */
	mirror_free(m);
	store_close(st);
	free(lnk);
	free(target);
	rm_outside();
}

/* A folder on the way replaced by a link to a folder outside. */
TEST(test_a_symlinked_folder_on_the_way_is_not_followed)
{
	struct store *st = open_fresh();
	struct mirror *m;
	char *target, *outdir, *lnk;
	int64_t id;

	if (!st)
		return;
	if (!has_user_xattrs()) {
		FAILF("%s has no user xattrs", dir);
		store_close(st);
		return;
	}
	target = outside_file("clip.mp4");
	outdir = xasprintf("%s-outside", dir);
	touch("posted/x");
	lnk = xasprintf("%s/posted/sub", dir);
	CHECK_INT(symlink(outdir, lnk), 0);
	id = store_ensure(st, "posted/sub/clip.mp4");
	store_transition(st, id, JOB_POSTED, "test");
	m = mirror_new(st, dir, NULL);
	CHECK_INT(mirror_sync(m), 0);
	CHECK(!has_any_tiktok_xattr(target));
	mirror_free(m);
	store_close(st);
	free(lnk);
	free(outdir);
	free(target);
	rm_outside();
}

/* The config of two accounts: default on TikTok, yt on YouTube. */
static bool two_platforms(struct config *cfg)
{
	char *path = xasprintf("%s/two.conf", dir);
	FILE *f = fopen(path, "w");
	struct tt_error e;
	bool ok = f && fputs("[account yt]\nplatform = youtube\n", f) >= 0 && fclose(f) == 0;

	chmod(path, 0600);
	tt_error_clear(&e);
	ok = ok && config_load(cfg, path, &e) == 0;
	if (!ok)
		FAILF("config: %s", e.what);
	unlink(path);
	free(path);
	return ok;
}

/* user.youtube.@key of root/@rel, or "" */
static const char *yget(const char *rel, const char *key)
{
	static char buf[1024];
	char *p = xasprintf("%s/%s", dir, rel);
	char *name = xasprintf("user.youtube.%s", key);
	ssize_t n = lgetxattr(p, name, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	free(p);
	free(name);
	return buf;
}

/* One drop, several platforms (meta/job/store.h, THE TARGETS): while the
 * YouTube upload runs, the file keeps TikTok's finished results beside
 * YouTube's state; neither set removes the other as stale. */
TEST(test_an_item_posted_to_two_platforms_carries_both_sets)
{
	struct store *st = open_fresh();
	struct config cfg;
	struct mirror *m;
	int64_t id;

	if (!st)
		return;
	if (!two_platforms(&cfg)) {
		store_close(st);
		return;
	}
	touch("outbox/clip.mp4");
	id = store_ensure(st, "outbox/clip.mp4");
	store_set_targets(st, id, "default,yt");
	store_transition(st, id, JOB_PROCESSING, "all bytes sent");
	store_set_result(st, id, "7312345678901234567",
			 "https://www.tiktok.com/@u/video/7312345678901234567", 1000);
	CHECK_INT(store_target_done(st, id, "tiktok", JOB_POSTED, NULL, "yt", "next: yt"), 0);
	m = mirror_new(st, dir, NULL);
	mirror_set_config(m, &cfg);
	CHECK_INT(mirror_sync(m), 0);
	CHECK_STR(xget("outbox/clip.mp4", "state"), "posted");
	CHECK_STR(xget("outbox/clip.mp4", "post_id"), "7312345678901234567");
	CHECK_STR(yget("outbox/clip.mp4", "state"), "waiting");
	store_transition(st, id, JOB_UPLOADING, "session");
	CHECK_INT(mirror_sync(m), 0);
	CHECK_STR(xget("outbox/clip.mp4", "post_id"), "7312345678901234567");
	CHECK_STR(yget("outbox/clip.mp4", "state"), "uploading");
	mirror_free(m);
	config_free(&cfg);
	store_close(st);
}

int main(void)
{
	unit_run_all();
	if (dir[0])
		nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return UNIT_DONE();
}
