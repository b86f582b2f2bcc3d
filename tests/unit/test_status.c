/* Unit tests for meta/job/status.c: STATUS.txt, `tiktokfs status` and its
 * JSON, all from the one renderer. */
#include "meta/config.h"
#include "meta/creator.h"
#include "meta/job/status.h"
#include "meta/job/store.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "unit.h"
#include "fixture.h"
#include "meta/config.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Each test's store in a fresh fixture (tests/unit/fixture.h): the test
 * owns the store (closes it), the fixture the folder. */
static struct fixture fx;

static struct store *open_fresh(void)
{
	struct store *st;

	fixture_down(&fx);
	if (!FIXTURE_UP(&fx, "status"))
		return NULL;
	st = fx.st;
	fx.st = NULL;
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

/* The view @format with @sections of @st at @now, with the account saved in fx.dir. */
static char *render(struct store *st, enum status_format format, unsigned sections, int64_t now)
{
	struct status_view v = {
	    .format = format, .sections = sections, .state_dir = fx.dir, .now = now};
	char *out = NULL;

	CHECK_INT(status_render(st, &v, &out), 0);
	return out;
}

/* The store's clock is the wall clock: pin its times with plain SQL so
 * that rates, ETAs and ISO times are the same in every run. */
static void pin_times(const char *sql)
{
	char *msg = NULL;
	sqlite3 *h;

	if (sqlite3_open(fx.db, &h) != SQLITE_OK || sqlite3_exec(h, sql, NULL, NULL, &msg))
		FAILF("pin_times: %s", msg ? msg : sqlite3_errmsg(h));
	sqlite3_free(msg);
	sqlite3_close(h);
}

TEST(test_status_shows_every_state)
{
	struct store *st = open_fresh();
	struct creator_info ci;
	int64_t id;
	char *text;

	if (!st)
		return;
	memset(&ci, 0, sizeof(ci));
	snprintf(ci.username, sizeof(ci.username), "harbour.films");
	snprintf(ci.nickname, sizeof(ci.nickname), "Harbour Films");
	CHECK_INT(creator_save(fx.dir, &ci), 0);

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

	text = render(st, STATUS_TEXT, 0, 1796054400); /* 2026-11-30T16:00:00Z */
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
	char *again = render(st, STATUS_TEXT, 0, 1796054400);
	CHECK_STR(again, text);
	free(again);
	free(text);

	/* only the most recent results */
	struct status_view one = {.state_dir = fx.dir, .now = 1796054400, .recent = 1};
	CHECK_INT(status_render(st, &one, &text), 0);
	CHECK_CONTAINS(text, "outbox/gone.mp4");
	CHECK(text && !strstr(text, "posted/a.mp4"));
	free(text);
	store_close(st);
}

TEST(test_status_of_an_empty_store_without_login)
{
	struct store *st = open_fresh();
	char *text;

	if (!st)
		return;
	text = render(st, STATUS_TEXT, 0, 1796054400);
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
	CHECK_INT(status_render(st, NULL, &text), 0);
	CHECK_CONTAINS(text, "outbox/x.mp4");
	CHECK(text && !strstr(text, "hunter2-secret"));
	free(text);
	log_forget_secrets();
	store_close(st);
}

TEST(test_status_names_cannot_forge_lines)
{
	struct store *st = open_fresh();
	char *text;

	if (!st)
		return;
	job_in(st, "outbox/a.mp4\n  posted      fake.mp4", "outbox/a\x1b[2J.caption", JOB_READY);
	job_in(st, "outbox/b\xff.mp4", NULL, JOB_WAITING);
	text = render(st, STATUS_TEXT, 0, 1796054400);
	CHECK_CONTAINS(text, "  ready       outbox/a.mp4\\n  posted      fake.mp4\n"
			     "      caption: outbox/a\\x1b[2J.caption\n"
			     "  waiting     outbox/b\\xff.mp4  (no caption yet)\n");
	CHECK(text && !strstr(text, "\n  posted"));
	free(text);
	store_close(st);
}

/* An upload started at 14:46:50 whose last acknowledged chunk came 20 s
 * later, one of unknown size, and two scheduled items out of order. */
static void fill_command_store(struct store *st)
{
	int64_t id;

	id = job_in(st, "outbox/sub/u.mp4", "outbox/sub/u.caption", JOB_UPLOADING);
	store_set_ready(st, id, 40000000, 0, "SELF_ONLY", NULL, NULL);
	store_set_publish(st, id, 0, "v_pub_u", "https://upload.example/SIGNEDURL", 99);
	store_set_progress(st, id, 30000000);
	job_in(st, "outbox/u0.mp4", NULL, JOB_UPLOADING);
	id = job_in(st, "scheduled/late.mp4", "scheduled/late.caption", JOB_SCHEDULED);
	store_set_ready(st, id, 100, 1796140800, "SELF_ONLY", NULL, NULL);
	id = job_in(st, "scheduled/soon\xff.mp4", NULL, JOB_SCHEDULED);
	store_set_ready(st, id, 100, 1796100000, "SELF_ONLY", NULL, NULL);
	pin_times("UPDATE history SET at = 1796050010;"
		  "UPDATE jobs SET created_at = 1796050000 + id, updated_at = 1796050000 + id;"
		  "UPDATE jobs SET updated_at = 1796050030 WHERE path = 'outbox/sub/u.mp4';");
}

TEST(test_status_command_adds_uploads_and_next_scheduled)
{
	struct store *st = open_fresh();
	char *text, *plain;

	if (!st)
		return;
	fill_command_store(st);
	text = render(st, STATUS_TEXT, STATUS_COMMAND, 1796054400);
	CHECK_STR(
	    text,
	    "tiktokfs status\n"
	    "\n"
	    "Account: not logged in (run `tiktokfs login`)\n"
	    "\n"
	    "Queue:\n"
	    "  uploading   outbox/sub/u.mp4  30000000/40000000 bytes (75%)\n"
	    "      caption: outbox/sub/u.caption\n"
	    "  uploading   outbox/u0.mp4  0 bytes sent\n"
	    "  scheduled   scheduled/late.mp4  publishes at 2026-12-01T16:00:00Z\n"
	    "      caption: scheduled/late.caption\n"
	    "  scheduled   scheduled/soon\\xff.mp4  publishes at 2026-12-01T04:40:00Z\n"
	    "\n"
	    "Recent results:\n"
	    "  (none)\n"
	    "\n"
	    "Uploads:\n"
	    "  outbox/sub/u.mp4\n"
	    "    [######################........]  75%  30.0 MB of 40.0 MB  1.5 MB/s  ETA 0:07\n"
	    "  outbox/u0.mp4\n"
	    "    [..............................]   0%  0 B of 0 B\n"
	    "\n"
	    "Next scheduled:\n"
	    "  2026-12-01T04:40:00Z  scheduled/soon\\xff.mp4\n"
	    "  2026-12-01T16:00:00Z  scheduled/late.mp4\n"
	    "\n"
	    "Generated at 2026-11-30T16:00:00Z\n");
	/* STATUS.txt is the same text without the two sections */
	plain = render(st, STATUS_TEXT, 0, 1796054400);
	const char *tail = plain ? strstr(plain, "\nGenerated at ") : NULL;
	CHECK(tail && text && !strncmp(plain, text, (size_t)(tail - plain)));
	CHECK(plain && !strstr(plain, "Uploads:") && !strstr(plain, "Next scheduled:"));
	free(plain);
	free(text);
	store_close(st);
}

TEST(test_status_json_document)
{
	struct store *st = open_fresh();
	char *doc;

	if (!st)
		return;
	fill_command_store(st);
	doc = render(st, STATUS_JSON, 0, 1796054400);
	CHECK(doc && !strstr(doc, "SIGNEDURL"));
	CHECK_CONTAINS(doc, "{\n  \"version\": 1,\n  \"generated_at\": \"2026-11-30T16:00:00Z\",\n"
			    "  \"account\": null,\n  \"queue\": [\n    {\n      \"id\": 1,\n"
			    "      \"path\": \"outbox/sub/u.mp4\",\n");
	CHECK_CONTAINS(doc, "      \"progress\": {\n"
			    "        \"sent\": 30000000,\n"
			    "        \"total\": 40000000,\n"
			    "        \"percent\": 75,\n"
			    "        \"rate_bps\": 1500000.0,\n"
			    "        \"eta_seconds\": 7,\n"
			    "        \"started_at\": \"2026-11-30T14:46:50Z\"\n"
			    "      },\n");
	CHECK_CONTAINS(doc, "      \"path\": \"scheduled/soon\xef\xbf\xbd.mp4\",\n"
			    "      \"path_bytes\": \"c2NoZWR1bGVkL3Nvb27/Lm1wNA==\",\n"
			    "      \"caption\": null,\n");
	CHECK_CONTAINS(doc, "  \"recent\": [],\n"
			    "  \"next_scheduled\": [\n"
			    "    {\n"
			    "      \"path\": \"scheduled/soon\xef\xbf\xbd.mp4\",\n"
			    "      \"path_bytes\": \"c2NoZWR1bGVkL3Nvb27/Lm1wNA==\",\n"
			    "      \"at\": \"2026-12-01T04:40:00Z\"\n"
			    "    },\n"
			    "    {\n"
			    "      \"path\": \"scheduled/late.mp4\",\n"
			    "      \"at\": \"2026-12-01T16:00:00Z\"\n"
			    "    }\n"
			    "  ],\n"
			    "  \"waiting_post_id\": []\n"
			    "}\n");
	free(doc);
	store_close(st);
}

TEST(test_status_without_a_store)
{
	struct status_view json = {.format = STATUS_JSON, .now = 1796054400};
	char *out = NULL;

	CHECK_INT(status_render(NULL, NULL, &out), 0);
	CHECK_STR(out, "No items yet.\n");
	free(out);
	CHECK_INT(status_render(NULL, &json, &out), 0);
	CHECK_STR(out, "{\n  \"version\": 1,\n  \"generated_at\": \"2026-11-30T16:00:00Z\",\n"
		       "  \"account\": null,\n  \"queue\": [],\n  \"recent\": [],\n"
		       "  \"next_scheduled\": [],\n  \"waiting_post_id\": []\n}\n");
	free(out);
}

/* Published posts whose ID is still to come: a section of their own, with
 * the count and since when, in every view; never in the queue or results. */
TEST(test_status_lists_posts_waiting_for_their_id)
{
	struct store *st = open_fresh();
	char *text, *doc;
	int64_t a, b;

	if (!st)
		return;
	a = job_in(st, "posted/a.mp4", NULL, JOB_PUBLISHED);
	b = job_in(st, "posted/sub/b.mp4", NULL, JOB_PUBLISHED);
	job_in(st, "posted/done.mp4", NULL, JOB_POSTED);
	store_set_result(st, a, NULL, NULL, 1796040000);
	store_set_result(st, b, NULL, NULL, 1796050000);
	store_set_post_poll(st, a, 1796041000, "waiting for TikTok's moderation");
	text = render(st, STATUS_TEXT, 0, 1796054400);
	CHECK_CONTAINS(text, "\nWaiting for post IDs (2):\n"
			     "  posted/a.mp4  published at 2026-11-30T12:00:00Z\n"
			     "  posted/sub/b.mp4  published at 2026-11-30T14:46:40Z\n");
	CHECK_CONTAINS(text, "Recent results:\n  posted      posted/done.mp4\n");
	free(text);
	/* a wait that ended without an ID says why among the results */
	CHECK_INT(store_end_post_wait(st, b, NULL, NULL, "no post ID after 72 hours", "end"), 0);
	text = render(st, STATUS_TEXT, 0, 1796054400);
	CHECK_CONTAINS(text, "\nWaiting for post IDs (1):\n"
			     "  posted/a.mp4  published at 2026-11-30T12:00:00Z\n");
	CHECK_CONTAINS(text, "  posted      posted/sub/b.mp4  at 2026-11-30T14:46:40Z\n"
			     "      post: no post ID after 72 hours\n");
	CHECK(text && !strstr(text, "published   posted/a.mp4"));
	doc = render(st, STATUS_JSON, 0, 1796054400);
	CHECK_CONTAINS(doc, "  \"waiting_post_id\": [\n    {\n      \"id\": 1,\n"
			    "      \"path\": \"posted/a.mp4\",\n");
	CHECK_CONTAINS(doc, "      \"state\": \"published\",\n");
	CHECK_CONTAINS(doc, "      \"posted_at\": \"2026-11-30T12:00:00Z\",\n");
	CHECK_CONTAINS(doc, "      \"post_status\": \"waiting for TikTok's moderation\"\n");
	free(text);
	free(doc);
	store_close(st);
}

/* A name may hold a registered secret (a client secret typed as a file
 * name): every view masks it, the command's extra sections too. */
TEST(test_status_scrubs_secrets_in_every_view)
{
	struct store *st = open_fresh();
	const enum status_format formats[] = {STATUS_TEXT, STATUS_JSON};
	int64_t id;

	if (!st)
		return;
	log_add_secret("hunter2-secret");
	id = job_in(st, "outbox/hunter2-secret.mp4", NULL, JOB_UPLOADING);
	store_set_ready(st, id, 1000, 0, "SELF_ONLY", NULL, NULL);
	id = job_in(st, "scheduled/hunter2-secret.mp4", NULL, JOB_SCHEDULED);
	store_set_ready(st, id, 100, 1796140800, "SELF_ONLY", NULL, NULL);
	for (size_t i = 0; i < 2; i++) {
		char *out = render(st, formats[i], STATUS_COMMAND, 1796054400);

		CHECK_CONTAINS(out, "outbox/");
		CHECK(out && !strstr(out, "hunter2-secret"));
		free(out);
	}
	log_forget_secrets();
	store_close(st);
}

/* The root's STATUS.txt lists every account's items and names the
 * accounts, with a reload's refusal while it stands; an account's own
 * lists its items alone. */
TEST(test_status_of_one_account_and_of_all)
{
	struct store *st = open_fresh();
	struct config cfg;
	struct status_view all = {.state_dir = fx.dir}, mine = {.account = "b"};
	char *out = NULL;

	if (!st)
		return;
	memset(&cfg, 0, sizeof(cfg));
	cfg.accounts = xcalloc(2, sizeof(*cfg.accounts));
	cfg.accounts[0].name = "default";
	cfg.accounts[1].name = "b";
	cfg.n_accounts = 2;
	all.cfg = &cfg;
	job_in(st, "outbox/root.mp4", NULL, JOB_READY);
	job_in(st, "accounts/b/outbox/mine.mp4", NULL, JOB_READY);
	CHECK_INT(status_note_reload(fx.dir, "account b is no longer in x.conf"), 0);
	CHECK_INT(status_render(st, &all, &out), 0);
	CHECK_CONTAINS(out, "Accounts: default (TikTok), b (TikTok)\n");
	CHECK_CONTAINS(out, "Config reload refused: account b is no longer in x.conf\n");
	CHECK_CONTAINS(out, "outbox/root.mp4");
	CHECK_CONTAINS(out, "accounts/b/outbox/mine.mp4");
	free(out);
	CHECK_INT(status_note_reload(fx.dir, NULL), 0);
	CHECK_INT(status_render(st, &all, &out), 0);
	CHECK(!strstr(out, "Config reload refused"));
	free(out);
	CHECK_INT(status_render(st, &mine, &out), 0);
	CHECK_CONTAINS(out, "outbox/mine.mp4"); /* as b's team sees it in its share */
	CHECK(!strstr(out, "root.mp4"));
	free(out);
	free(cfg.accounts);
	store_close(st);
}

int main(void)
{
	unit_run_all();
	fixture_down(&fx);
	return UNIT_DONE();
}

/* accounts/b/STATUS.txt: account b's items alone, named as b's team sees
 * them in its share (accounts/b/ is its root), and b's own login line. */
TEST(test_status_of_one_account_lists_its_items_alone)
{
	struct store *st = open_fresh();
	struct status_view v = {.format = STATUS_TEXT, .now = 1796054400, .account = "b"};
	struct account accounts[] = {
	    {.name = "default"}, {.name = "b"}, {.name = "yt", .platform = "youtube"}};
	struct config cfg = {.accounts = accounts, .n_accounts = 3};
	char *text = NULL, *all = NULL;

	if (!st)
		return;
	job_in(st, "outbox/root.mp4", NULL, JOB_READY);
	job_in(st, "accounts/b/outbox/mine.mp4", NULL, JOB_READY);
	job_in(st, "accounts/c/posted/theirs.mp4", NULL, JOB_POSTED);
	job_in(st, "accounts/b/failed/bad.mp4", NULL, JOB_FAILED);
	CHECK_INT(status_render(st, &v, &text), 0);
	CHECK(strstr(text, "Account b: not logged in (run `tiktokfs login --account b`)\n") !=
	      NULL);
	CHECK(strstr(text, "  ready       outbox/mine.mp4\n") != NULL);
	CHECK(strstr(text, "failed/bad.mp4") != NULL);
	CHECK(strstr(text, "accounts/") == NULL);
	CHECK(strstr(text, "root.mp4") == NULL);
	CHECK(strstr(text, "theirs.mp4") == NULL);
	/* the root's view lists all of them, by their paths under the mount,
	 * and names every TikTok account's login after the default's */
	v.account = NULL;
	v.cfg = &cfg;
	v.state_dir = fx.dir;
	CHECK_INT(status_render(st, &v, &all), 0);
	CHECK(strstr(all, "outbox/root.mp4") && strstr(all, "accounts/b/outbox/mine.mp4") &&
	      strstr(all, "accounts/c/posted/theirs.mp4"));
	CHECK(strstr(all, "Account b: not logged in (run `tiktokfs login --account b`)\n") != NULL);
	CHECK(strstr(all, "Account yt") == NULL); /* a YouTube account has no such line */
	free(text);
	free(all);
	store_close(st);
}

/* One account's last results are its own last ten, however many the other
 * accounts posted since. */
TEST(test_status_of_one_account_keeps_its_own_recent_results)
{
	struct store *st = open_fresh();
	struct status_view v = {.format = STATUS_TEXT, .now = 1796054400, .account = "b"};
	char *text = NULL, path[64];

	if (!st)
		return;
	job_in(st, "accounts/b/posted/old.mp4", NULL, JOB_POSTED);
	for (int i = 0; i < 30; i++) {
		snprintf(path, sizeof(path), "posted/other%02d.mp4", i);
		job_in(st, path, NULL, JOB_POSTED);
	}
	CHECK_INT(status_render(st, &v, &text), 0);
	CHECK(strstr(text, "posted/old.mp4") != NULL);
	CHECK(strstr(text, "other") == NULL);
	free(text);
	store_close(st);
}
