/* Unit tests for meta/job/store.c: the job store on a real SQLite file. */
#include "meta/job/store.h"
#include "util/strbuf.h"
#include "unit.h"
#include "fixture.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Each test's store in a fresh fixture (tests/unit/fixture.h): the test
 * owns the store (closes it, reopens fx.db), the fixture the folder. */
static struct fixture fx;

static struct store *open_fresh(void)
{
	struct store *st;

	fixture_down(&fx);
	if (!FIXTURE_UP(&fx, "store"))
		return NULL;
	st = fx.st;
	fx.st = NULL;
	return st;
}

static const char *state_of(struct store *st, int64_t id)
{
	static char buf[32];
	struct job j;

	if (store_get(st, id, &j))
		return "(none)";
	snprintf(buf, sizeof(buf), "%s", job_state_name(j.state));
	job_free(&j);
	return buf;
}

static const char *path_of(struct store *st, int64_t id, bool caption)
{
	static char buf[2][256];
	struct job j;

	if (store_get(st, id, &j))
		return "(none)";
	snprintf(buf[caption], sizeof(buf[0]), "%s",
		 caption ? (j.caption_path ? j.caption_path : "(null)") : j.path);
	job_free(&j);
	return buf[caption];
}

TEST(test_ensure_is_idempotent_and_file_is_private)
{
	struct store *st = open_fresh();
	struct stat sb;
	int64_t a, b;

	if (!st)
		return;
	a = store_ensure(st, "outbox/clip.mp4");
	b = store_ensure(st, "outbox/clip.mp4");
	CHECK(a > 0);
	CHECK_INT(a, b);
	CHECK(store_ensure(st, "outbox/other.mp4") != a);
	CHECK_STR(state_of(st, a), "waiting");
	CHECK_INT(stat(fx.db, &sb), 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	store_close(st);
}

TEST(test_wal_mode_is_on)
{
	struct store *st = open_fresh();
	sqlite3 *db;
	sqlite3_stmt *s;

	if (!st)
		return;
	store_ensure(st, "outbox/a.mp4");
	CHECK_INT(sqlite3_open_v2(fx.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
	/* the log beside it is as private as the database */
	char wal[160];
	struct stat sb;
	snprintf(wal, sizeof(wal), "%s-wal", fx.db);
	CHECK_INT(stat(wal, &sb), 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	store_close(st);
}

TEST(test_only_one_live_job_per_path)
{
	struct store *st = open_fresh();
	int64_t a, b;

	if (!st)
		return;
	a = store_ensure(st, "outbox/clip.mp4");
	CHECK_INT(store_transition(st, a, JOB_CANCELLED, "user deleted it"), 0);
	b = store_ensure(st, "outbox/clip.mp4");
	CHECK(b > 0 && b != a);
	/* the cancelled one cannot come back to life beside the new one */
	CHECK_INT(store_transition(st, a, JOB_WAITING, "resurrect"), -EEXIST);
	CHECK_STR(state_of(st, a), "cancelled");
	/* by path: the live one wins over the older final one */
	struct job j;
	CHECK_INT(store_get_by_path(st, "outbox/clip.mp4", &j), 0);
	CHECK_INT(j.id, b);
	job_free(&j);
	CHECK_INT(store_get_by_path(st, "outbox/nothing.mp4", &j), -ENOENT);
	/* by its caption too: what posted/ keeps when keep_posted = no */
	CHECK_INT(store_set_caption(st, b, "outbox/clip.caption"), 0);
	CHECK_INT(store_get_by_path(st, "outbox/clip.caption", &j), 0);
	CHECK_INT(j.id, b);
	job_free(&j);
	store_close(st);
}

struct hist {
	int n;
	char text[512];
};

static int add_event(const struct store_event *ev, void *arg)
{
	struct hist *h = arg;
	size_t len = strlen(h->text);

	snprintf(h->text + len, sizeof(h->text) - len, "%s>%s(%s);",
		 ev->from < 0 ? "-" : job_state_name((enum job_state)ev->from),
		 job_state_name(ev->to), ev->note);
	h->n++;
	return 0;
}

TEST(test_transitions_write_history)
{
	struct store *st = open_fresh();
	struct hist h = {0};
	int64_t id;

	if (!st)
		return;
	id = store_ensure(st, "outbox/clip.mp4");
	CHECK_INT(store_transition(st, id, JOB_READY, "complete"), 0);
	CHECK_INT(store_transition(st, id, JOB_READY, "again"), 0); /* no-op */
	CHECK_INT(store_set_publish(st, id, 0, "v_pub_1", "https://up.example/u?sig=SECRET", 99),
		  0);
	CHECK_INT(store_transition(st, id, JOB_UPLOADING, "init"), 0);
	CHECK_INT(store_transition(st, id, JOB_POSTED, "PUBLISH_COMPLETE"), 0);
	CHECK_INT(store_history(st, id, add_event, &h), 0);
	CHECK_INT(h.n, 4);
	CHECK_STR(h.text, "->waiting(found);waiting>ready(complete);ready>uploading(init);"
			  "uploading>posted(PUBLISH_COMPLETE);");
	CHECK_INT(store_transition(st, 9999, JOB_READY, "x"), -ENOENT);

	/* a final job forgets its upload URL */
	struct job j;
	CHECK_INT(store_get(st, id, &j), 0);
	CHECK(j.upload_url == NULL);
	CHECK_STR(j.publish_id, "v_pub_1");
	CHECK_INT(j.attempts, 1);
	job_free(&j);
	store_close(st);
}

TEST(test_a_note_is_history_but_no_transition)
{
	struct store *st = open_fresh();
	struct hist h = {0};
	int64_t id;

	if (!st)
		return;
	id = store_ensure(st, "outbox/clip.mp4");
	CHECK_INT(store_transition(st, id, JOB_READY, "complete"), 0);
	CHECK_INT(store_note(st, id, "youtube quota: videos.insert"), 0);
	CHECK_STR(state_of(st, id), "ready");
	CHECK_INT(store_history(st, id, add_event, &h), 0);
	CHECK_STR(h.text, "->waiting(found);waiting>ready(complete);"
			  "ready>ready(youtube quota: videos.insert);");
	CHECK_INT(store_note(st, 9999, "x"), -ENOENT);
	store_close(st);
}

TEST(test_field_setters_round_trip)
{
	struct store *st = open_fresh();
	struct job j;
	int64_t id;

	if (!st)
		return;
	id = store_ensure(st, "outbox/clip.mp4");
	CHECK_INT(store_set_caption(st, id, "outbox/clip.caption"), 0);
	CHECK_INT(store_set_ready(st, id, 5000000000ULL, 1800000000, "SELF_ONLY", "not 9:16", NULL), 0);
	CHECK_INT(store_set_progress(st, id, 10000000), 0);
	CHECK_INT(store_set_status(st, id, "PROCESSING_UPLOAD"), 0);
	CHECK_INT(store_set_retry(st, id, 1700000000), 0);
	CHECK_INT(store_set_error(st, id, "bad caption"), 0);
	CHECK_INT(store_set_result(st, id, "7312345678901234567", "https://t/x", 1700000100), 0);
	CHECK_INT(store_set_result(st, id, NULL, NULL, 0), 0); /* keeps what is there */
	CHECK_INT(store_get(st, id, &j), 0);
	CHECK_STR(j.caption_path, "outbox/clip.caption");
	CHECK_U64(j.size, 5000000000ULL);
	CHECK_INT(j.schedule_at, 1800000000);
	CHECK_STR(j.privacy, "SELF_ONLY");
	CHECK_STR(j.warning, "not 9:16");
	CHECK_U64(j.sent, 10000000);
	CHECK_STR(j.status, "PROCESSING_UPLOAD");
	CHECK_INT(j.retry_at, 1700000000);
	CHECK_STR(j.error, "bad caption");
	CHECK_STR(j.post_id, "7312345678901234567");
	CHECK_STR(j.url, "https://t/x");
	CHECK_INT(j.posted_at, 1700000100);
	job_free(&j);
	CHECK_INT(store_find_live(st, "outbox/clip.caption", &j), 0);
	CHECK_INT(j.id, id);
	job_free(&j);
	CHECK_INT(store_set_publish(st, id, 1, "p", "u", 5), 0);
	CHECK_INT(store_clear_publish(st, id), 0);
	CHECK_INT(store_get(st, id, &j), 0);
	CHECK(j.publish_id == NULL && j.upload_url == NULL);
	CHECK_INT(j.mode, 1);
	job_free(&j);
	CHECK_INT(store_set_error(st, 4242, "x"), -ENOENT);
	store_close(st);
}

TEST(test_stop_upload_only_before_the_last_byte)
{
	struct store *st = open_fresh();
	struct job j;
	int64_t a, b;

	if (!st)
		return;
	a = store_ensure(st, "outbox/a.mp4");
	store_set_publish(st, a, 0, "v_pub_a", "https://up.example/a?sig=S", 99);
	store_transition(st, a, JOB_UPLOADING, "init");
	store_set_progress(st, a, 10000000);
	CHECK_INT(store_stop_upload(st, a, "a.mp4: its caption was removed", "stopped"), 0);
	CHECK_INT(store_get(st, a, &j), 0);
	CHECK_STR(job_state_name(j.state), "waiting");
	CHECK(j.publish_id == NULL && j.upload_url == NULL);
	CHECK_U64(j.sent, 0);
	CHECK_STR(j.error, "a.mp4: its caption was removed");
	job_free(&j);

	b = store_ensure(st, "outbox/b.mp4");
	store_set_publish(st, b, 0, "v_pub_b", "https://up.example/b", 99);
	store_transition(st, b, JOB_PROCESSING, "all bytes sent");
	CHECK_INT(store_stop_upload(st, b, "too late", "stopped"), -EBUSY);
	CHECK_INT(store_get(st, b, &j), 0);
	CHECK_STR(job_state_name(j.state), "processing");
	CHECK_STR(j.publish_id, "v_pub_b");
	CHECK(j.error == NULL);
	job_free(&j);
	CHECK_INT(store_stop_upload(st, 4242, "x", "y"), -ENOENT);
	store_close(st);
}

TEST(test_next_work_order_and_wake_at)
{
	struct store *st = open_fresh();
	int64_t now = 1000000, wake, ready, sched_due, sched_later, defer_later, up, waiting;

	if (!st)
		return;
	waiting = store_ensure(st, "outbox/w.mp4");
	sched_later = store_ensure(st, "scheduled/later.mp4");
	store_set_ready(st, sched_later, 1, now + 500, NULL, NULL, NULL);
	store_transition(st, sched_later, JOB_SCHEDULED, "");
	defer_later = store_ensure(st, "outbox/defer.mp4");
	store_set_retry(st, defer_later, now + 60);
	store_transition(st, defer_later, JOB_DEFERRED, "rate limit");
	sched_due = store_ensure(st, "scheduled/due.mp4");
	store_set_ready(st, sched_due, 1, now - 5, NULL, NULL, NULL);
	store_transition(st, sched_due, JOB_SCHEDULED, "");
	ready = store_ensure(st, "outbox/ready.mp4");
	store_transition(st, ready, JOB_READY, "");
	up = store_ensure(st, "outbox/up.mp4");
	store_transition(st, up, JOB_UPLOADING, "");
	(void)waiting;

	CHECK_INT(store_next_work(st, now, &wake), up);
	CHECK_INT(wake, now + 60);
	store_transition(st, up, JOB_POSTED, "");
	CHECK_INT(store_next_work(st, now, &wake), ready);
	store_transition(st, ready, JOB_FAILED, "");
	CHECK_INT(store_next_work(st, now, &wake), sched_due);
	store_transition(st, sched_due, JOB_POSTED, "");
	CHECK_INT(store_next_work(st, now, &wake), 0);
	CHECK_INT(wake, now + 60);
	/* time passes: the deferred one is due, the scheduled one is next */
	CHECK_INT(store_next_work(st, now + 60, &wake), defer_later);
	CHECK_INT(wake, now + 500);
	/* both due: the older item first */
	CHECK_INT(store_next_work(st, now + 1000, &wake), sched_later);
	CHECK_INT(wake, 0);
	store_close(st);
}

static bool skip_b(const char *account, void *arg)
{
	(void)arg;
	return !strcmp(account, "b");
}

/* An account waiting for a login is passed over: the next due job of
 * another account is the worker's, in the same order as ever. */
TEST(test_next_work_passes_over_a_skipped_account)
{
	struct store *st = open_fresh();
	int64_t now = 1000000, wake, b_up, b_ready, root, c;

	if (!st)
		return;
	b_up = store_ensure(st, "accounts/b/outbox/up.mp4");
	store_transition(st, b_up, JOB_UPLOADING, "");
	b_ready = store_ensure(st, "accounts/b/outbox/r.mp4");
	store_transition(st, b_ready, JOB_READY, "");
	root = store_ensure(st, "outbox/root.mp4");
	store_transition(st, root, JOB_READY, "");
	c = store_ensure(st, "accounts/c/outbox/c.mp4");
	store_transition(st, c, JOB_READY, "");

	CHECK_INT(store_next_work(st, now, &wake), b_up);
	CHECK_INT(store_next_work_skip(st, now, skip_b, NULL, &wake), root);
	store_transition(st, root, JOB_POSTED, "");
	CHECK_INT(store_next_work_skip(st, now, skip_b, NULL, &wake), c);
	store_transition(st, c, JOB_POSTED, "");
	CHECK_INT(store_next_work_skip(st, now, skip_b, NULL, &wake), 0);
	CHECK_INT(store_next_work(st, now, &wake), b_up);
	store_close(st);
}

TEST(test_rename_file_and_directory_prefix)
{
	struct store *st = open_fresh();
	int64_t a, b, c, d, gone;

	if (!st)
		return;
	a = store_ensure(st, "outbox/100%_a.mp4");
	store_set_caption(st, a, "outbox/100%_a.caption");
	b = store_ensure(st, "outbox/d_1%/x.mp4");
	store_set_caption(st, b, "outbox/d_1%/x.mp4.caption");
	c = store_ensure(st, "outbox/d_1%/sub/y.mp4");
	/* names a LIKE 'outbox/d_1%/%' would wrongly match */
	d = store_ensure(st, "outbox/dX1abc/z.mp4");
	gone = store_ensure(st, "outbox/d_1%/gone.mp4");
	store_transition(st, gone, JOB_CANCELLED, "deleted");

	CHECK_INT(store_rename(st, "outbox/100%_a.mp4", "outbox/b%.mp4"), 0);
	CHECK_STR(path_of(st, a, false), "outbox/b%.mp4");
	CHECK_STR(path_of(st, a, true), "outbox/100%_a.caption");
	CHECK_INT(store_rename(st, "outbox/100%_a.caption", "outbox/b%.caption"), 0);
	CHECK_STR(path_of(st, a, true), "outbox/b%.caption");

	CHECK_INT(store_rename(st, "outbox/d_1%", "scheduled/e"), 0);
	CHECK_STR(path_of(st, b, false), "scheduled/e/x.mp4");
	CHECK_STR(path_of(st, b, true), "scheduled/e/x.mp4.caption");
	CHECK_STR(path_of(st, c, false), "scheduled/e/sub/y.mp4");
	CHECK_STR(path_of(st, d, false), "outbox/dX1abc/z.mp4");
	CHECK_STR(path_of(st, gone, false), "outbox/d_1%/gone.mp4");
	/* a prefix that is not a whole path component moves nothing */
	CHECK_INT(store_rename(st, "scheduled/e/su", "outbox/q"), 0);
	CHECK_STR(path_of(st, c, false), "scheduled/e/sub/y.mp4");
	store_close(st);
}

TEST(test_rename_over_a_live_item_cancels_it)
{
	struct store *st = open_fresh();
	int64_t a, b;

	if (!st)
		return;
	a = store_ensure(st, "outbox/a.mp4");
	b = store_ensure(st, "outbox/b.mp4");
	CHECK_INT(store_rename(st, "outbox/a.mp4", "outbox/b.mp4"), 0);
	CHECK_STR(path_of(st, a, false), "outbox/b.mp4");
	CHECK_STR(state_of(st, b), "cancelled");
	CHECK_STR(state_of(st, a), "waiting");
	store_close(st);
}

static int count_job(const struct job *j, void *arg)
{
	struct strbuf *sb = arg;
	strbuf_addf(sb, "%s:%s;", j->path, job_state_name(j->state));
	return 0;
}

TEST(test_each_lists_live_and_recent_final)
{
	struct store *st = open_fresh();
	struct strbuf sb = STRBUF_INIT;
	int64_t ids[5];
	char name[32];

	if (!st)
		return;
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "outbox/%d.mp4", i);
		ids[i] = store_ensure(st, name);
	}
	store_transition(st, ids[0], JOB_POSTED, "");
	store_transition(st, ids[1], JOB_FAILED, "");
	store_transition(st, ids[2], JOB_READY, "");
	CHECK_INT(store_each(st, 1, count_job, &sb), 0);
	CHECK_STR(strbuf_str(&sb), "outbox/2.mp4:ready;outbox/3.mp4:waiting;outbox/4.mp4:waiting;"
				   "outbox/1.mp4:failed;");
	strbuf_reset(&sb);
	CHECK_INT(store_each(st, 10, count_job, &sb), 0);
	CHECK_CONTAINS(strbuf_str(&sb), "outbox/0.mp4:posted;");
	strbuf_release(&sb);
	store_close(st);
}

TEST(test_reopen_keeps_everything)
{
	struct store *st = open_fresh();
	struct tt_error e;
	struct hist h = {0};
	struct job j;
	int64_t id;

	if (!st)
		return;
	id = store_ensure(st, "outbox/keep.mp4");
	store_set_publish(st, id, 0, "v_pub_9", "https://u", 123);
	store_transition(st, id, JOB_UPLOADING, "init");
	store_close(st);
	st = store_open(fx.db, &e);
	CHECK(st != NULL);
	if (!st)
		return;
	CHECK_INT(store_get(st, id, &j), 0);
	CHECK_STR(j.publish_id, "v_pub_9");
	CHECK_STR(j.upload_url, "https://u");
	CHECK_INT(j.state, JOB_UPLOADING);
	job_free(&j);
	CHECK_INT(store_ensure(st, "outbox/keep.mp4"), id);
	store_history(st, id, add_event, &h);
	CHECK_INT(h.n, 2);
	store_close(st);
}

/* The poster resumes an upload with the Content-Type the probe found when
 * the item became ready, after any restart, without probing again. */
TEST(test_mime_of_a_ready_item_survives_a_reopen)
{
	struct store *st = open_fresh();
	struct tt_error e;
	struct job j;
	int64_t id, other;

	if (!st)
		return;
	id = store_ensure(st, "outbox/clip.mov");
	other = store_ensure(st, "outbox/other.mp4");
	CHECK_INT(store_set_ready(st, id, 4000, 0, "SELF_ONLY", NULL, "video/quicktime"), 0);
	store_transition(st, id, JOB_READY, "complete and valid");
	store_close(st);
	st = store_open(fx.db, &e);
	CHECK(st != NULL);
	if (!st)
		return;
	CHECK_INT(store_get(st, id, &j), 0);
	CHECK_STR(j.mime, "video/quicktime");
	job_free(&j);
	CHECK_INT(store_get(st, other, &j), 0);
	CHECK(j.mime == NULL); /* never ready: nothing known */
	job_free(&j);
	/* readied again after a change: the new type replaces the old */
	CHECK_INT(store_set_ready(st, id, 4000, 0, "SELF_ONLY", NULL, "video/mp4"), 0);
	CHECK_INT(store_get(st, id, &j), 0);
	CHECK_STR(j.mime, "video/mp4");
	job_free(&j);
	store_close(st);
}

/*
 * Close @st, turn its file back into a store of schema @version (dropping
 * the columns later migrations added: 3 mime, 5 post_status and
 * post_poll_at, 6 account, 7 targets) and open it again, so the migrations run on it.
 * NULL, with a failed check, if it cannot be opened.
 */
static struct store *reopen_at_version(struct store *st, int version)
{
	struct strbuf sql = STRBUF_INIT;
	struct tt_error e;
	sqlite3 *db;

	store_close(st);
	strbuf_init(&sql);
	if (version < 7)
		strbuf_addstr(&sql, "DROP TABLE targets; ALTER TABLE jobs DROP COLUMN targets;");
	if (version < 6)
		strbuf_addstr(&sql, "ALTER TABLE jobs DROP COLUMN account;");
	if (version < 5)
		strbuf_addstr(&sql, "ALTER TABLE jobs DROP COLUMN post_poll_at;"
				    "ALTER TABLE jobs DROP COLUMN post_status;");
	if (version < 3)
		strbuf_addstr(&sql, "ALTER TABLE jobs DROP COLUMN mime;");
	strbuf_addf(&sql, "UPDATE schema_version SET version = %d", version);
	CHECK_INT(sqlite3_open(fx.db, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, sql.buf, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	strbuf_release(&sql);
	st = store_open(fx.db, &e);
	CHECK(st != NULL);
	return st;
}

/* A store made before the MIME column (schema version 2) is migrated in
 * place: its rows keep everything and have no MIME type. */
TEST(test_store_of_version_2_gains_the_mime_column)
{
	struct store *st = open_fresh();
	struct job j;
	int64_t id;

	if (!st)
		return;
	id = store_ensure(st, "outbox/old.mp4");
	store_set_ready(st, id, 4000, 0, "SELF_ONLY", NULL, "video/mp4");
	st = reopen_at_version(st, 2);
	if (!st)
		return;
	CHECK_INT(store_get(st, id, &j), 0);
	CHECK_STR(j.privacy, "SELF_ONLY");
	CHECK(j.mime == NULL);
	job_free(&j);
	CHECK_INT(store_set_ready(st, id, 4000, 0, "SELF_ONLY", NULL, "video/webm"), 0);
	CHECK_INT(store_get(st, id, &j), 0);
	CHECK_STR(j.mime, "video/webm");
	job_free(&j);
	store_close(st);
}

static int tally(const struct job *j, void *arg)
{
	(void)j;
	++*(int *)arg;
	return 0;
}

/* published: final for the files (the tracker's live walk and the live
 * path index skip it), walked with the live jobs, left only for posted
 * and only once. */
TEST(test_published_waits_for_its_post_id_then_is_posted)
{
	struct store *st = open_fresh();
	struct job j;
	int64_t id, again;
	int n = 0;

	if (!st)
		return;
	id = store_ensure(st, "outbox/a.mp4");
	CHECK_INT(store_begin_move(st, id, JOB_PUBLISHED, "posted/a.mp4", NULL, NULL, "published"),
		  0);
	CHECK(job_state_final(JOB_PUBLISHED));
	CHECK_INT(store_set_post_poll(st, id, 1796040000, "waiting for moderation"), 0);
	again = store_ensure(st, "posted/a.mp4"); /* not a live path any more */
	CHECK(again > 0 && again != id);
	store_transition(st, again, JOB_CANCELLED, "test");
	CHECK_INT(store_each(st, 0, tally, &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(store_next_post_wait(st, &j), 0);
	CHECK(j.id == id && j.post_poll_at == 1796040000);
	CHECK_STR(j.post_status, "waiting for moderation");
	job_free(&j);
	CHECK_INT(store_end_post_wait(st, id, "7300000000000000001", "https://x/1", "public", "id"),
		  0);
	CHECK_STR(state_of(st, id), "posted");
	CHECK_INT(store_end_post_wait(st, id, "7", NULL, "again", "id"), -ENOENT);
	CHECK_INT(store_next_post_wait(st, &j), -ENOENT);
	CHECK_INT(store_get(st, id, &j), 0);
	CHECK_STR(j.post_id, "7300000000000000001");
	CHECK_STR(j.post_status, "public");
	CHECK(j.post_poll_at == 0);
	job_free(&j);
	store_close(st);
}

/* A store of schema version 3 gains the wait's columns, its rows intact. */
TEST(test_store_of_version_3_gains_the_post_wait)
{
	struct store *st = open_fresh();
	struct job j;
	int64_t id;

	if (!st)
		return;
	id = store_ensure(st, "outbox/old.mp4");
	st = reopen_at_version(st, 3);
	if (!st)
		return;
	CHECK_INT(store_get(st, id, &j), 0);
	CHECK_STR(j.path, "outbox/old.mp4");
	CHECK(j.post_status == NULL && j.post_poll_at == 0);
	job_free(&j);
	CHECK_INT(store_transition(st, id, JOB_PUBLISHED, "published"), 0);
	CHECK(store_ensure(st, "outbox/old.mp4") != id); /* the index was made anew */
	store_close(st);
}

/* A store of schema version 5 gains the account column: every row from
 * before is the default account's, as every item was then. */
TEST(test_store_of_version_5_gains_the_account)
{
	struct store *st = open_fresh();
	struct job j;
	int64_t id;

	if (!st)
		return;
	id = store_ensure(st, "outbox/old.mp4");
	st = reopen_at_version(st, 5);
	if (!st)
		return;
	CHECK_INT(store_get(st, id, &j), 0);
	CHECK_STR(j.path, "outbox/old.mp4");
	CHECK_STR(j.account, "default");
	job_free(&j);
	store_close(st);
}

static const char *account_of(struct store *st, int64_t id)
{
	static char buf[80];
	struct job j;

	if (store_get(st, id, &j))
		return "(none)";
	snprintf(buf, sizeof(buf), "%s", j.account);
	job_free(&j);
	return buf;
}

/* A job is its folder's account's from its birth; a move to another
 * account's folder re-targets it until its upload started, and after that
 * it stays with the first account, and its warning says so. */
TEST(test_account_follows_the_folder_until_the_upload_started)
{
	struct store *st = open_fresh();
	struct job j;
	int64_t a, b;

	if (!st)
		return;
	a = store_ensure(st, "outbox/a.mp4");
	b = store_ensure(st, "accounts/b/outbox/b.mp4");
	CHECK_STR(account_of(st, a), "default");
	CHECK_STR(account_of(st, b), "b");
	CHECK_INT(store_transition(st, a, JOB_READY, "valid"), 0);
	CHECK_INT(store_rename(st, "outbox/a.mp4", "accounts/c/queue/a.mp4"), 0);
	CHECK_STR(account_of(st, a), "c");
	CHECK_INT(store_rename(st, "accounts/c/queue", "scheduled/q"), 0);
	CHECK_STR(account_of(st, a), "default");

	CHECK_INT(store_set_publish(st, b, 0, "p_pub.1", "https://up.example/x", 1), 0);
	CHECK_INT(store_transition(st, b, JOB_UPLOADING, "init"), 0);
	CHECK_INT(store_rename(st, "accounts/b/outbox/b.mp4", "outbox/b.mp4"), 0);
	CHECK_STR(account_of(st, b), "b");
	CHECK_INT(store_get(st, b, &j), 0);
	CHECK_STR(j.path, "outbox/b.mp4");
	CHECK(j.warning && strstr(j.warning, "posted by account b"));
	job_free(&j);
	store_close(st);
}

TEST(test_readonly_sees_commits_while_writer_is_open)
{
	struct store *st = open_fresh(), *ro;
	struct tt_error e;
	struct job j;
	int64_t id;

	if (!st)
		return;
	id = store_ensure(st, "outbox/a.mp4");
	ro = store_open_readonly(fx.db, &e);
	CHECK(ro != NULL);
	if (!ro) {
		FAILF("%s", e.what);
		store_close(st);
		return;
	}
	CHECK_INT(store_get(ro, id, &j), 0);
	CHECK_INT(j.state, JOB_WAITING);
	job_free(&j);
	store_transition(st, id, JOB_READY, "");
	CHECK_INT(store_get(ro, id, &j), 0);
	CHECK_INT(j.state, JOB_READY);
	job_free(&j);
	CHECK_INT(store_ensure(ro, "outbox/b.mp4"), -EROFS);
	CHECK_INT(store_transition(ro, id, JOB_POSTED, ""), -EROFS);
	store_close(ro);
	store_close(st);

	/* and when no daemon runs (no -wal, no -shm left) */
	ro = store_open_readonly(fx.db, &e);
	CHECK(ro != NULL);
	if (ro) {
		CHECK_INT(store_get(ro, id, &j), 0);
		CHECK_INT(j.state, JOB_READY);
		job_free(&j);
		store_close(ro);
	}

	char missing[200];
	snprintf(missing, sizeof(missing), "%s/none.db", fx.dir);
	CHECK(store_open_readonly(missing, &e) == NULL);
	CHECK_CONTAINS(e.what, "none.db");
}

TEST(test_newer_schema_is_refused)
{
	struct store *st = open_fresh();
	struct tt_error e;
	sqlite3 *db;

	if (!st)
		return;
	store_close(st);
	CHECK_INT(sqlite3_open(fx.db, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "UPDATE schema_version SET version = 99", NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	st = store_open(fx.db, &e);
	CHECK(st == NULL);
	CHECK_CONTAINS(e.what, "schema version 99 is newer");
	store_close(st);
}

TEST(test_kick_before_wait_is_not_lost)
{
	struct store *st = open_fresh();

	if (!st)
		return;
	store_kick(st);
	/* returns at once; were the kick lost this would take a minute */
	store_wait(st, 60000);
	store_wait(st, 1); /* and a plain timeout returns too */
	store_close(st);
}

struct worker {
	struct store *st;
	int n, errors;
};

static void *writer(void *arg)
{
	struct worker *w = arg;
	char name[64];

	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "outbox/t%d/%d.mp4", w->n, i);
		int64_t id = store_ensure(w->st, name);
		if (id <= 0 || store_ensure(w->st, name) != id ||
		    store_transition(w->st, id, JOB_READY, "t") ||
		    store_set_progress(w->st, id, (uint64_t)i))
			w->errors++;
	}
	return NULL;
}

static int count_ready(const struct job *j, void *arg)
{
	if (j->state == JOB_READY)
		(*(int *)arg)++;
	return 0;
}

TEST(test_threads_share_one_store)
{
	struct store *st = open_fresh();
	struct worker w[4];
	pthread_t th[4];
	int ready = 0;

	if (!st)
		return;
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){st, i, 0};
		pthread_create(&th[i], NULL, writer, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CHECK_INT(w[i].errors, 0);
	}
	CHECK_INT(store_each(st, 0, count_ready, &ready), 0);
	CHECK_INT(ready, 160);
	store_close(st);
}

TEST(test_begin_and_end_move)
{
	struct store *st = open_fresh();
	struct strbuf sb = STRBUF_INIT;
	struct job j;
	int64_t id;

	if (!st)
		return;
	id = store_ensure(st, "outbox/s/a.mp4");
	store_set_caption(st, id, "outbox/s/a.caption");
	store_set_publish(st, id, 0, "p", "https://u", 1);
	CHECK_INT(store_begin_move(st, id, JOB_FAILED, "failed/s/a.mp4", "failed/s/a.caption",
				   "what failed\nmore", "failed"),
		  0);
	CHECK_INT(store_get(st, id, &j), 0);
	CHECK_INT(j.state, JOB_FAILED);
	CHECK_STR(j.move_from, "outbox/s/a.mp4");
	CHECK_STR(j.move_caption_from, "outbox/s/a.caption");
	CHECK_STR(j.error_text, "what failed\nmore");
	CHECK_STR(j.error, "what failed");
	CHECK(j.upload_url == NULL);
	job_free(&j);
	CHECK_INT(store_moving(st, count_job, &sb), 0);
	CHECK_STR(strbuf_str(&sb), "failed/s/a.mp4:failed;");
	/* until the move is finished, the file left behind is not a new item */
	CHECK_INT(store_ensure(st, "outbox/s/a.mp4"), -EBUSY);
	CHECK_INT(store_end_move(st, id), 0);
	CHECK(store_ensure(st, "outbox/s/a.mp4") > 0);
	strbuf_reset(&sb);
	CHECK_INT(store_moving(st, count_job, &sb), 0);
	CHECK_STR(strbuf_str(&sb), "");
	strbuf_release(&sb);
	store_close(st);
}

int main(void)
{
	unit_run_all();
	fixture_down(&fx);
	return UNIT_DONE();
}
