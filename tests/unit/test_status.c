/* Unit tests for meta/job/status.c: the text of STATUS.txt. */
#include "meta/creator.h"
#include "meta/job/status.h"
#include "meta/job/store.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "unit.h"

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
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
	char db[128];
	struct store *st;

	if (dir[0])
		nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	snprintf(dir, sizeof(dir), "/tmp/ttfs-status-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(db, sizeof(db), "%s/jobs.db", dir);
	st = store_open(db, &e);
	if (!st)
		FAILF("store_open: %s", e.what);
	return st;
}

static int64_t job_in(struct store *st, const char *path, const char *caption, enum job_state s)
{
	int64_t id = store_ensure(st, path);
	if (caption)
		store_set_caption(st, id, caption);
	store_transition(st, id, s, "");
	return id;
}

TEST(test_status_shows_every_state)
{
	struct store *st = open_fresh();
	struct creator_info ci;
	struct status_extra x;
	int64_t id;
	char *text;

	if (!st)
		return;
	memset(&ci, 0, sizeof(ci));
	snprintf(ci.username, sizeof(ci.username), "harbour.films");
	snprintf(ci.nickname, sizeof(ci.nickname), "Harbour Films");
	CHECK_INT(creator_save(dir, &ci), 0);

	job_in(st, "outbox/w.mp4", NULL, JOB_WAITING);
	id = job_in(st, "outbox/r.mp4", "outbox/r.caption", JOB_READY);
	store_set_ready(st, id, 100, 0, "SELF_ONLY", "720x720 is not 9:16; TikTok will crop it", NULL);
	id = job_in(st, "scheduled/s.mp4", "scheduled/s.caption", JOB_SCHEDULED);
	store_set_ready(st, id, 100, 1796140800, "SELF_ONLY", NULL, NULL); /* 2026-12-01T16:00:00Z */
	id = job_in(st, "outbox/sub/u.mp4", "outbox/sub/u.caption", JOB_UPLOADING);
	store_set_ready(st, id, 40000000, 0, "SELF_ONLY", NULL, NULL);
	store_set_publish(st, id, 0, "v_pub_u", "https://upload.example/SIGNEDURL", 99);
	store_set_progress(st, id, 30000000);
	id = job_in(st, "outbox/p.mp4", "outbox/p.caption", JOB_PROCESSING);
	store_set_status(st, id, "PROCESSING_UPLOAD");
	id = job_in(st, "outbox/d.mp4", "outbox/d.caption", JOB_DEFERRED);
	store_set_retry(st, id, 1796144400);
	store_set_error(st, id, "TikTok's daily post limit was reached\nmore");
	id = job_in(st, "outbox/i.mp4", "outbox/i.caption", JOB_INVALID);
	store_set_error(st, id, "i.caption: line 2: privacy: unknown value \"pub\"");
	/* results, made in order so that the newest is the last one */
	id = job_in(st, "posted/a.mp4", "posted/a.caption", JOB_READY);
	store_set_publish(st, id, 0, "v_pub_a", NULL, 0);
	store_set_result(st, id, "7312345678901234567",
			 "https://www.tiktok.com/@harbour.films/video/7312345678901234567",
			 1796100000);
	store_transition(st, id, JOB_POSTED, "");
	id = job_in(st, "posted/b.mp4", NULL, JOB_READY);
	store_set_publish(st, id, 1, "v_inbox_b", NULL, 0);
	store_set_status(st, id, "SEND_TO_USER_INBOX");
	store_transition(st, id, JOB_POSTED, "");
	id = job_in(st, "failed/c.mp4", NULL, JOB_READY);
	store_set_error(st, id, "c.mp4: 2.4 s long; TikTok needs at least 3 s");
	store_transition(st, id, JOB_FAILED, "");
	job_in(st, "outbox/gone.mp4", NULL, JOB_CANCELLED);

	memset(&x, 0, sizeof(x));
	x.state_dir = dir;
	x.now = 1796054400; /* 2026-11-30T16:00:00Z */
	text = status_render(st, &x);
	CHECK_STR(text,
		  "tiktokfs status\n"
		  "\n"
		  "Account: @harbour.films (Harbour Films)\n"
		  "\n"
		  "Queue:\n"
		  "  waiting     outbox/w.mp4  (no caption yet)\n"
		  "  ready       outbox/r.mp4\n"
		  "      caption: outbox/r.caption\n"
		  "      warning: 720x720 is not 9:16; TikTok will crop it\n"
		  "  scheduled   scheduled/s.mp4  publishes at 2026-12-01T16:00:00Z\n"
		  "      caption: scheduled/s.caption\n"
		  "  uploading   outbox/sub/u.mp4  30000000/40000000 bytes (75%)\n"
		  "      caption: outbox/sub/u.caption\n"
		  "  processing  outbox/p.mp4  TikTok: PROCESSING_UPLOAD\n"
		  "      caption: outbox/p.caption\n"
		  "  deferred    outbox/d.mp4  retries at 2026-12-01T17:00:00Z\n"
		  "      caption: outbox/d.caption\n"
		  "      reason: TikTok's daily post limit was reached\\nmore\n"
		  "  invalid     outbox/i.mp4\n"
		  "      caption: outbox/i.caption\n"
		  "      error: i.caption: line 2: privacy: unknown value \"pub\"\n"
		  "\n"
		  "Recent results:\n"
		  "  cancelled   outbox/gone.mp4\n"
		  "  failed      failed/c.mp4\n"
		  "      error: c.mp4: 2.4 s long; TikTok needs at least 3 s\n"
		  "  posted      posted/b.mp4\n"
		  "      publish_id: v_inbox_b\n"
		  "      status: SEND_TO_USER_INBOX\n"
		  "  posted      posted/a.mp4  at 2026-12-01T04:40:00Z\n"
		  "      url: https://www.tiktok.com/@harbour.films/video/7312345678901234567\n"
		  "\n"
		  "Generated at 2026-11-30T16:00:00Z\n");
	CHECK(text && !strstr(text, "SIGNEDURL"));
	/* the same store renders the same text */
	char *again = status_render(st, &x);
	CHECK_STR(again, text);
	free(again);
	free(text);

	/* only the most recent results */
	x.recent = 1;
	text = status_render(st, &x);
	CHECK_CONTAINS(text, "outbox/gone.mp4");
	CHECK(text && !strstr(text, "posted/a.mp4"));
	free(text);
	store_close(st);
}

TEST(test_status_of_an_empty_store_without_login)
{
	struct store *st = open_fresh();
	struct status_extra x = {dir, 1796054400, 0};
	char *text;

	if (!st)
		return;
	text = status_render(st, &x);
	CHECK_STR(text, "tiktokfs status\n"
			"\n"
			"Account: not logged in (run `tiktokfs login`)\n"
			"\n"
			"Queue:\n"
			"  (empty)\n"
			"\n"
			"Recent results:\n"
			"  (none)\n"
			"\n"
			"Generated at 2026-11-30T16:00:00Z\n");
	free(text);
	store_close(st);
}

TEST(test_status_scrubs_registered_secrets)
{
	struct store *st = open_fresh();
	char *text;
	int64_t id;

	if (!st)
		return;
	log_add_secret("hunter2-secret");
	id = job_in(st, "outbox/x.mp4", NULL, JOB_INVALID);
	store_set_error(st, id, "bad: hunter2-secret");
	text = status_render(st, NULL);
	CHECK_CONTAINS(text, "outbox/x.mp4");
	CHECK(text && !strstr(text, "hunter2-secret"));
	free(text);
	log_forget_secrets();
	store_close(st);
}

TEST(test_status_names_cannot_forge_lines)
{
	struct store *st = open_fresh();
	struct status_extra x = {dir, 1796054400, 0};
	char *text;

	if (!st)
		return;
	job_in(st, "outbox/a.mp4\n  posted      fake.mp4", "outbox/a\x1b[2J.caption", JOB_READY);
	job_in(st, "outbox/b\xff.mp4", NULL, JOB_WAITING);
	text = status_render(st, &x);
	CHECK_CONTAINS(text, "  ready       outbox/a.mp4\\n  posted      fake.mp4\n"
			     "      caption: outbox/a\\x1b[2J.caption\n"
			     "  waiting     outbox/b\\xff.mp4  (no caption yet)\n");
	CHECK(text && !strstr(text, "\n  posted"));
	free(text);
	store_close(st);
}

int main(void)
{
	unit_run_all();
	if (dir[0])
		nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return UNIT_DONE();
}
