/*
 * Unit tests for the posting worker's exactly-once logic (net/poster*.c),
 * against a fake TikTok written here: a struct poster_io whose calls act
 * on a small model of TikTok (publishes, the bytes each holds, what each
 * call received) and answer like the real API, with faults on cue.  The
 * worker runs on a real job store (a temp SQLite file) and a real temp drop
 * folder, without its thread and with pauses scaled to nothing, so each
 * test takes milliseconds.  Each test asserts what TikTok received (inits,
 * chunk PUTs, bytes) as well as where the job ended.
 *
 * Kills are real: the worker runs in a child process that the fake ends
 * with _exit() in the middle of a call (after TikTok acted, before the
 * answer arrived); the fake's record lives in shared memory, so the parent
 * sees what TikTok got, then builds a new worker on the same store and
 * lets it finish.
 */
#include "meta/config.h"
#include "meta/job/store.h"
#include "net/poster_int.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "unit.h"
#include "fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VSIZE 72000000ULL /* three chunks of ... */
#define CHUNK 24000000ULL /* ... chunk_size (a single chunk ends at 64,000,000) */
#define KILLED 99	  /* exit status of a child the fake killed */
#define FAKE_PUBS 8
#define FAKE_PUTS 32

/* ---- the fake TikTok ------------------------------------------------------ */

struct fake_publish {
	char id[32];
	char url[64];
	bool draft;
	char title[64];
	uint64_t size, chunk_size, chunk_count;
	uint64_t held; /* bytes received, in order */
	bool dead;     /* its upload link expired */
};

struct fake {
	/* what TikTok received */
	int inits, creator_calls, status_calls, puts;
	uint64_t put_first[FAKE_PUTS]; /* first byte of each PUT, in order */
	uint64_t bytes;		       /* bytes taken, over every publish */
	struct fake_publish pub[FAKE_PUBS];
	int npub;
	/* faults, by the 1-based number of the call they hit (0: none) */
	int lose_init_from; /* init N and later: made, but the answer is lost */
	int fail_put;	    /* PUT N: 503, nothing taken */
	int lose_put;	    /* PUT N: taken, but the answer is lost */
	int expire_put;	    /* PUT N and later to the first publish: 403 */
	int shrink_put;	    /* before PUT N the video shrinks to 30,000,000 bytes */
	int kill_init, kill_put, kill_status; /* die inside call N, after acting */
	int pending_polls;		      /* status says PROCESSING_DOWNLOAD this often first */
	bool in_child;
	char video[256]; /* absolute path of the video, for shrink_put */
	/* moderation: a public post's first N complete answers have no post
	 * ID; a fail_later reason makes them FAILED instead (taken down) */
	int moderation_polls;
	char fail_later[48];
	/* the user moves the item to another account's outbox while init is
	 * on its way: these files are renamed (and told to the store, as the
	 * tracker would) inside the init call, before its answer */
	struct fixture *move_fx;
	const char *move_from[2], *move_to[2];
};

static struct fake *fk;

static void fake_kill(int n, int at)
{
	if (fk->in_child && at && n == at)
		_exit(KILLED);
}

static struct fake_publish *by_id(const char *id)
{
	for (int i = 0; i < fk->npub; i++)
		if (!strcmp(fk->pub[i].id, id))
			return &fk->pub[i];
	return NULL;
}

static struct fake_publish *by_url(const char *url)
{
	for (int i = 0; i < fk->npub; i++)
		if (!strcmp(fk->pub[i].url, url))
			return &fk->pub[i];
	return NULL;
}

/* Publishes that got every byte: each of them becomes a post. */
static int posts(void)
{
	int n = 0;

	for (int i = 0; i < fk->npub; i++)
		n += fk->pub[i].held == fk->pub[i].size;
	return n;
}

static int fake_login(void *ctx, struct tt_error *err)
{
	(void)ctx, (void)err;
	return 0;
}

static void fake_logout(void *ctx)
{
	(void)ctx;
}

static int fake_creator_info(void *ctx, struct creator_info *ci, struct tt_error *err)
{
	(void)ctx, (void)err;
	fk->creator_calls++;
	memset(ci, 0, sizeof(*ci));
	snprintf(ci->username, sizeof(ci->username), "tester");
	snprintf(ci->privacy_options[0], sizeof(ci->privacy_options[0]), "PUBLIC_TO_EVERYONE");
	snprintf(ci->privacy_options[1], sizeof(ci->privacy_options[1]), "SELF_ONLY");
	ci->n_privacy = 2;
	ci->max_duration_sec = 600;
	return 0;
}

/* The user's move during the init (fk->move_*): the files, then the
 * store, as the tracker tells it. */
static void move_during_init(void)
{
	for (int i = 0; fk->move_fx && i < 2 && fk->move_from[i]; i++) {
		char *from = fixture_path(fk->move_fx, fk->move_from[i]);
		char *to = fixture_path(fk->move_fx, fk->move_to[i]);

		if (rename(from, to) || store_rename(fk->move_fx->st, fk->move_from[i],
						     fk->move_to[i]))
			abort();
		free(from);
		free(to);
	}
	fk->move_fx = NULL;
}

static int fake_init(void *ctx, bool draft, const struct post_info *pi,
		     const struct chunk_plan *plan, struct publish_ticket *out,
		     struct tt_error *err)
{
	struct fake_publish *f = &fk->pub[fk->npub++];
	int n = ++fk->inits;

	(void)ctx;
	memset(f, 0, sizeof(*f));
	snprintf(f->id, sizeof(f->id), "v_pub_file~v2-%d", n);
	snprintf(f->url, sizeof(f->url), "https://upload.fake/%d?upload_token=secret", n);
	snprintf(f->title, sizeof(f->title), "%s", pi->title ? pi->title : "");
	f->draft = draft;
	f->size = plan->video_size;
	f->chunk_size = plan->chunk_size;
	f->chunk_count = plan->chunk_count;
	fake_kill(n, fk->kill_init);
	move_during_init();
	if (fk->lose_init_from && n >= fk->lose_init_from) {
		tt_error_set(err, ERR_PERMANENT, "video/init: the answer was lost");
		tt_error_code(err, "init_outcome_unknown", "");
		return -1;
	}
	snprintf(out->publish_id, sizeof(out->publish_id), "%s", f->id);
	out->upload_url = xstrdup(f->url);
	return 0;
}

static int fake_status(void *ctx, const char *publish_id, struct publish_status *out,
		       struct tt_error *err)
{
	struct fake_publish *f = by_id(publish_id);
	int n = ++fk->status_calls;

	(void)ctx;
	memset(out, 0, sizeof(*out));
	if (!f) {
		tt_error_set(err, ERR_PERMANENT, "status: unknown publish");
		tt_error_code(err, "invalid_publish_id", "");
		return -1;
	}
	fake_kill(n, fk->kill_status);
	out->uploaded_bytes = f->held;
	if (f->held < f->size) {
		snprintf(out->status, sizeof(out->status), "PROCESSING_UPLOAD");
	} else if (fk->pending_polls > 0) {
		fk->pending_polls--;
		snprintf(out->status, sizeof(out->status), "PROCESSING_DOWNLOAD");
	} else {
		snprintf(out->status, sizeof(out->status), "%s",
			 f->draft ? "SEND_TO_USER_INBOX" : "PUBLISH_COMPLETE");
		if (!f->draft && fk->moderation_polls > 0)
			fk->moderation_polls--;
		else if (!f->draft && fk->fail_later[0]) {
			snprintf(out->status, sizeof(out->status), "FAILED");
			snprintf(out->fail_reason, sizeof(out->fail_reason), "%s", fk->fail_later);
		} else if (!f->draft)
			snprintf(out->post_id, sizeof(out->post_id), "7300000000000000001");
	}
	return 0;
}

/* Whether the video still holds byte @last, as upload.c's pread would see. */
static bool file_holds(int fd, uint64_t last)
{
	char b;

	return pread(fd, &b, 1, (off_t)last) == 1;
}

static enum upload_result fake_upload(void *ctx, const char *url, const struct upload_chunk *c,
				      struct upload_reply *rep, struct tt_error *err)
{
	struct fake_publish *f = by_url(url);
	int n = ++fk->puts;

	(void)ctx;
	memset(rep, 0, sizeof(*rep));
	if (n <= FAKE_PUTS)
		fk->put_first[n - 1] = c->first;
	if (fk->shrink_put == n && truncate(fk->video, 30000000) != 0)
		abort();
	if (!f || f->dead || (fk->expire_put && n >= fk->expire_put && f == &fk->pub[0])) {
		if (f)
			f->dead = true;
		tt_error_set(err, ERR_RETRY, "chunk upload: HTTP 403 (the link expired)");
		return UPLOAD_EXPIRED;
	}
	if (n == fk->fail_put) {
		tt_error_set(err, ERR_RETRY, "chunk upload: HTTP 503");
		return UPLOAD_RETRY;
	}
	if (c->first != f->held) {
		rep->http_status = 416;
		rep->have_range = f->held > 0;
		rep->range_end = f->held - 1;
		rep->range_total = f->size;
		tt_error_set(err, ERR_RETRY, "chunk upload: HTTP 416");
		return UPLOAD_RESYNC;
	}
	if (!file_holds(c->fd, c->last)) {
		tt_error_set(err, ERR_INCOMPLETE, "clip.mp4: the file shrank during the upload");
		return UPLOAD_FILE_ERROR;
	}
	f->held = c->last + 1;
	fk->bytes += c->last + 1 - c->first;
	fake_kill(n, fk->kill_put);
	if (n == fk->lose_put) {
		tt_error_set(err, ERR_RETRY, "chunk upload: the connection was reset");
		return UPLOAD_RETRY;
	}
	rep->http_status = f->held == f->size ? 201 : 206;
	return f->held == f->size ? UPLOAD_DONE : UPLOAD_MORE;
}

static struct poster_io fake_io(void)
{
	struct poster_io io = {.ctx = NULL,
			       .login = fake_login,
			       .logout = fake_logout,
			       .creator_info = fake_creator_info,
			       .init = fake_init,
			       .status = fake_status,
			       .upload = fake_upload,
			       .free = NULL};
	return io;
}

/* ---- a drop folder, a store, a worker -------------------------------------- */

/* The drop folder, store and config of the running test
 * (tests/unit/fixture.h). */
static struct fixture fx;

/* Open the fixture's store again (after a fork: no SQLite connection
 * crosses one). */
static void open_store(void)
{
	struct tt_error e;

	fx.st = store_open(fx.db, &e);
	if (!fx.st) {
		fprintf(stderr, "store_open: %s\n", e.what);
		abort();
	}
}

/* A fresh drop folder, store, config and fake TikTok. */
static void setup(void)
{
	fixture_down(&fx);
	if (!FIXTURE_UP(&fx, "poster"))
		abort();
	fx.cfg.chunk_size = CHUNK;
	fx.cfg.keep_posted = true;
	memset(fk, 0, sizeof(*fk));
	snprintf(fk->video, sizeof(fk->video), "%s/outbox/clip.mp4", fx.root);
}

/* outbox/clip.mp4: a 10 s H.264 MP4 of @size bytes, sparse (fixture.h). */
static void put_video(uint64_t size)
{
	if (fixture_put_mp4(&fx, "outbox/clip.mp4", size) < 0)
		abort();
}

/* outbox/clip.mp4 of @size bytes with its caption, ready as the tracker
 * leaves a complete and valid item.  Returns the job id. */
static int64_t ready_item(uint64_t size)
{
	static const char caption[] = "---\nprivacy: private\n---\nSunset over the harbour\n";
	int64_t id;

	put_video(size);
	if (fixture_put(&fx, "outbox/clip.caption", caption, strlen(caption)) < 0)
		abort();
	id = store_ensure(fx.st, "outbox/clip.mp4");
	if (id <= 0 || store_set_caption(fx.st, id, "outbox/clip.caption") ||
	    store_set_ready(fx.st, id, size, 0, "SELF_ONLY", NULL, "video/mp4") ||
	    store_transition(fx.st, id, JOB_READY, "complete and valid"))
		abort();
	return id;
}

/* When the worker said it would look again (poster_work_once). */
static int64_t wake;

static struct poster *worker(void)
{
	struct poster *p = poster_new(fx.st, &fx.cfg, fx.root, fake_io());

	p->nap_scale = 0; /* retries and polls without waiting */
	poster_prepare(p);
	return p;
}

/* Turns until nothing is due.  @due_now: a deferred job is made due at
 * once (the time it waits for is not what these tests are about). */
static void run(struct poster *p, bool due_now)
{
	for (int turns = 0; turns < 40; turns++) {
		struct job j = {0};

		if (poster_work_once(p, &wake))
			continue;
		if (!due_now || store_next_work(fx.st, 0x7fffffff, &wake) <= 0)
			return;
		if (store_get(fx.st, store_next_work(fx.st, 0x7fffffff, &wake), &j) == 0) {
			store_set_retry(fx.st, j.id, wall_now());
			job_free(&j);
		}
	}
	FAILF("still busy after 40 turns");
}

static struct job job_of(int64_t id)
{
	struct job j = {0};

	if (store_get(fx.st, id, &j))
		FAILF("job %lld is gone", (long long)id);
	return j;
}

/* The job ended posted, its files in posted/. */
static void check_posted(int64_t id)
{
	struct job j = job_of(id);
	char path[256];

	CHECK_STR(job_state_name(j.state), "posted");
	CHECK_STR(j.path, "posted/clip.mp4");
	CHECK_STR(j.post_id, "7300000000000000001");
	snprintf(path, sizeof(path), "%s/posted/clip.mp4", fx.root);
	CHECK(access(path, F_OK) == 0);
	job_free(&j);
}

/* ---- the tests --------------------------------------------------------------- */

/* TikTok counts inits per user: six by account a leave account b free to
 * start at once, and each account keeps its counts across switches. */
TEST(test_each_account_has_its_own_pace)
{
	struct poster *p;
	int64_t now = wall_now();

	setup();
	p = worker();
	CHECK(pw_account_pace(p, "b") == pw_account_pace(p, "b"));
	CHECK(pw_account_pace(p, "b") != pw_account_pace(p, "default"));
	for (int i = 0; i < PACE_PER_MINUTE; i++)
		pace_note(p->pace, now, true);
	CHECK(pace_next(p->pace, now, true) > now);
	pw_pace_switch(p, "b");
	CHECK(p->pace == &pw_account_pace(p, "b")->pace);
	CHECK(p->status_lim == &pw_account_pace(p, "b")->status_lim);
	CHECK_INT(pace_next(p->pace, now, true), now);
	pw_pace_switch(p, "default");
	CHECK(pace_next(p->pace, now, true) > now);
	poster_free(p);
}

TEST(test_fresh_item_goes_up_in_order_and_is_posted_once)
{
	struct poster *p;
	int64_t id;

	setup();
	id = ready_item(VSIZE);
	p = worker();
	fk->pending_polls = 2;
	run(p, false);
	poster_free(p);
	CHECK_INT(fk->inits, 1);
	CHECK_INT(fk->creator_calls, 1);
	CHECK_STR(fk->pub[0].title, "Sunset over the harbour");
	CHECK_INT(fk->puts, 3);
	CHECK_U64(fk->put_first[0], 0);
	CHECK_U64(fk->put_first[1], CHUNK);
	CHECK_U64(fk->put_first[2], 2 * CHUNK);
	CHECK_U64(fk->bytes, VSIZE);
	CHECK_INT(fk->status_calls, 3); /* two pending answers, then complete */
	CHECK_INT(posts(), 1);
	check_posted(id);
}

TEST(test_lost_init_answer_is_never_posted_twice)
{
	struct poster *p;
	struct job j;
	int64_t id;

	setup();
	id = ready_item(VSIZE);
	p = worker();
	fk->lose_init_from = 1;
	poster_work_once(p, &wake);
	/* TikTok made publish 1, but we never saw its URL: no byte can go to
	 * it, so it can never post.  Not re-inited at once: deferred. */
	j = job_of(id);
	CHECK_STR(job_state_name(j.state), "deferred");
	CHECK(j.publish_id == NULL);
	CHECK(j.retry_at >= wall_now() + LOST_INIT_DEFER_SEC - 1);
	CHECK_CONTAINS(j.error, "the answer was lost");
	job_free(&j);
	CHECK_INT(fk->inits, 1);
	CHECK_INT(fk->puts, 0);
	CHECK(poster_work_once(p, &wake) == 0);		     /* not due yet ... */
	CHECK(wake >= wall_now() + LOST_INIT_DEFER_SEC - 1); /* ... woken then */
	/* A minute later the answers come again. */
	fk->lose_init_from = 0;
	run(p, true);
	poster_free(p);
	CHECK_INT(fk->inits, 2);
	CHECK_U64(fk->pub[0].held, 0);
	CHECK_U64(fk->pub[1].held, VSIZE);
	CHECK_U64(fk->bytes, VSIZE);
	CHECK_INT(posts(), 1);
	check_posted(id);
}

TEST(test_lost_init_answers_fail_the_item_after_three)
{
	struct poster *p;
	struct job j;
	int64_t id;

	setup();
	id = ready_item(VSIZE);
	p = worker();
	fk->lose_init_from = 1;
	run(p, true);
	poster_free(p);
	CHECK_INT(fk->inits, MAX_LOST_INITS);
	CHECK_INT(fk->puts, 0);
	CHECK_INT(posts(), 0);
	j = job_of(id);
	CHECK_STR(job_state_name(j.state), "failed");
	CHECK_STR(j.path, "failed/clip.mp4");
	job_free(&j);
}

TEST(test_expired_upload_url_means_exactly_one_new_init)
{
	struct poster *p;
	struct job j;
	int64_t id;

	setup();
	id = ready_item(VSIZE);
	p = worker();
	fk->expire_put = 2; /* the link dies after the first chunk */
	poster_work_once(p, &wake);
	j = job_of(id);
	CHECK_STR(job_state_name(j.state), "ready");
	CHECK(j.publish_id == NULL);
	CHECK_INT(j.attempts, 1);
	job_free(&j);
	run(p, false);
	poster_free(p);
	CHECK_INT(fk->inits, 2);
	CHECK_U64(fk->pub[0].held, CHUNK); /* never completes: never posts */
	CHECK_U64(fk->pub[1].held, VSIZE);
	CHECK_INT(posts(), 1);
	check_posted(id);
}

TEST(test_416_range_resync_continues_from_tiktoks_offset)
{
	struct poster *p;
	int64_t id;

	setup();
	id = ready_item(VSIZE);
	p = worker();
	fk->lose_put = 2; /* chunk 2 arrives, its 206 does not */
	run(p, false);
	poster_free(p);
	CHECK_INT(fk->inits, 1);
	/* chunk 2 again (416: TikTok holds 2 chunks), then chunk 3 */
	CHECK_INT(fk->puts, 4);
	CHECK_U64(fk->put_first[1], CHUNK);
	CHECK_U64(fk->put_first[2], CHUNK);
	CHECK_U64(fk->put_first[3], 2 * CHUNK);
	CHECK_U64(fk->bytes, VSIZE); /* no byte taken twice */
	CHECK_INT(posts(), 1);
	check_posted(id);
}

TEST(test_5xx_on_a_chunk_retries_that_chunk_only)
{
	struct poster *p;
	int64_t id;

	setup();
	id = ready_item(VSIZE);
	p = worker();
	fk->fail_put = 2;
	run(p, false);
	poster_free(p);
	CHECK_INT(fk->inits, 1);
	CHECK_INT(fk->puts, 4);
	CHECK_U64(fk->put_first[0], 0);
	CHECK_U64(fk->put_first[1], CHUNK);
	CHECK_U64(fk->put_first[2], CHUNK);
	CHECK_U64(fk->put_first[3], 2 * CHUNK);
	CHECK_U64(fk->bytes, VSIZE);
	CHECK_INT(posts(), 1);
	check_posted(id);
}

TEST(test_changed_file_mid_upload_restarts_with_the_new_file)
{
	struct poster *p;
	struct job j;
	int64_t id;

	setup();
	id = ready_item(VSIZE);
	p = worker();
	fk->shrink_put = 2; /* a copy starts rewriting the file */
	poster_work_once(p, &wake);
	j = job_of(id);
	CHECK_STR(job_state_name(j.state), "waiting");
	CHECK(j.publish_id == NULL);
	job_free(&j);
	CHECK_U64(fk->pub[0].held, CHUNK);
	/* The copy ends with a new video; the tracker finds it settled. */
	put_video(VSIZE + 1000);
	store_set_ready(fx.st, id, VSIZE + 1000, 0, "SELF_ONLY", NULL, "video/mp4");
	store_transition(fx.st, id, JOB_READY, "complete and valid");
	run(p, false);
	poster_free(p);
	CHECK_INT(fk->inits, 2);
	CHECK_U64(fk->pub[1].size, VSIZE + 1000);
	CHECK_U64(fk->pub[1].held, VSIZE + 1000);
	CHECK_INT(posts(), 1);
	check_posted(id);
}

/* Run a worker in a child until the fake kills it; its exit status. */
static int run_until_killed(void)
{
	struct poster *p;
	pid_t pid;
	int status = 0;

	store_close(fx.st); /* no SQLite connection across fork() */
	fx.st = NULL;
	pid = fork();
	if (pid == 0) {
		fk->in_child = true;
		open_store();
		p = worker();
		run(p, true);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	fk->in_child = false;
	open_store();
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A new worker on the same store, after a kill. */
static void resume(void)
{
	struct poster *p = worker();

	run(p, true);
	poster_free(p);
}

TEST(test_kill_at_each_step_posts_the_video_exactly_once)
{
	static const struct {
		const char *when;
		int init, put, status, inits;
	} kills[] = {
	    {"inside init, after TikTok made the publish", 1, 0, 0, 2},
	    {"inside the first chunk, after TikTok took it", 0, 1, 0, 1},
	    {"inside the second chunk", 0, 2, 0, 1},
	    {"inside the last chunk, TikTok has every byte", 0, 3, 0, 1},
	    {"inside the first poll", 0, 0, 1, 1},
	};

	for (size_t k = 0; k < sizeof(kills) / sizeof(kills[0]); k++) {
		int64_t id;

		setup();
		id = ready_item(VSIZE);
		fk->kill_init = kills[k].init;
		fk->kill_put = kills[k].put;
		fk->kill_status = kills[k].status;
		if (run_until_killed() != KILLED)
			FAILF("kill %s: the child was not killed", kills[k].when);
		resume();
		if (fk->inits != kills[k].inits || posts() != 1 || fk->bytes != VSIZE)
			FAILF("kill %s: %d inits, %d posts, %llu bytes", kills[k].when, fk->inits,
			      posts(), (unsigned long long)fk->bytes);
		check_posted(id);
	}
}

TEST(test_expired_url_found_at_restart_is_not_resumed)
{
	struct job j;
	int64_t id;

	setup();
	id = ready_item(VSIZE);
	fk->kill_put = 2; /* killed with two chunks at TikTok */
	CHECK_INT(run_until_killed(), KILLED);
	j = job_of(id);
	CHECK_STR(job_state_name(j.state), "uploading");
	/* Back an hour later: the link has expired.  Resuming would send
	 * bytes TikTok refuses; a new init is the only way on. */
	store_set_publish(fx.st, id, j.mode, j.publish_id, j.upload_url, wall_now() - 1);
	job_free(&j);
	fk->kill_put = 0;
	resume();
	CHECK_INT(fk->inits, 2);
	CHECK_U64(fk->pub[0].held, 2 * CHUNK);
	CHECK_U64(fk->pub[1].held, VSIZE);
	CHECK_INT(fk->puts, 5);
	CHECK_INT(posts(), 1);
	check_posted(id);
}

TEST(test_unknown_publish_while_uploading_is_started_again)
{
	struct poster *p;
	struct job j;
	int64_t id;

	setup();
	id = ready_item(VSIZE);
	/* A publish TikTok never heard of (a store restored from a backup). */
	store_set_publish(fx.st, id, 0, "v_pub_file~v2-999", "https://upload.fake/999",
			  wall_now() + 3600);
	store_transition(fx.st, id, JOB_UPLOADING, "upload started");
	p = worker();
	run(p, false);
	poster_free(p);
	j = job_of(id);
	CHECK_INT(fk->inits, 1);
	CHECK_INT(posts(), 1);
	job_free(&j);
	check_posted(id);
}

/*
 * The race of a turn and its init answer: the worker took the item for the
 * default account and asked TikTok to start the upload with its login;
 * meanwhile the user moved the item to account b's outbox, and the store
 * re-targeted the job to b (no publish_id yet).  TikTok holds the upload
 * under the default account: the publish must be recorded as the default
 * account's, with the warning that the move came too late, and posted
 * there.
 */
TEST(test_a_move_during_the_init_leaves_the_upload_with_its_account)
{
	struct poster *p;
	struct job j;
	int64_t id;

	setup();
	id = ready_item(VSIZE);
	CHECK_INT(fixture_put(&fx, "accounts/b/outbox/.keep", "", 0), 0);
	fk->move_fx = &fx;
	fk->move_from[0] = "outbox/clip.mp4";
	fk->move_to[0] = "accounts/b/outbox/clip.mp4";
	fk->move_from[1] = "outbox/clip.caption";
	fk->move_to[1] = "accounts/b/outbox/clip.caption";
	p = worker();
	run(p, false);
	poster_free(p);
	CHECK_INT(fk->inits, 1);
	CHECK_INT(posts(), 1);
	/* posted as the default account, in its posted/, saying why */
	j = job_of(id);
	CHECK_STR(j.account, "default");
	CHECK_CONTAINS(j.warning, "moved to the folder of account b after its upload started: "
				  "it is posted by account default, which began it");
	job_free(&j);
	check_posted(id);
}

/* ---- the wait for a post ID after moderation ---------------------------- */

/* outbox/clip.mp4 as ready_item(), but public: its post ID is awaited. */
static int64_t public_item(uint64_t size)
{
	const char *text;
	int64_t id = ready_item(size);

	text = "---\nprivacy: public\n---\nSunset over the harbour\n";
	CHECK_INT(fixture_put(&fx, "outbox/clip.caption", text, strlen(text)), 0);
	store_set_ready(fx.st, id, size, 0, "PUBLIC_TO_EVERYONE", NULL, "video/mp4");
	return id;
}

/* The whole of a small text file into *@out (caller frees); 0 or -1. */
static int read_text(const char *path, char **out)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	*out = xstrdup(buf);
	return 0;
}

/* Make the next ask of published job @id due now (no waiting in tests). */
static void due_now(int64_t id)
{
	CHECK_INT(store_set_post_poll(fx.st, id, wall_now() - 1, NULL), 0);
}

/* A published job of its own, as a run left it: posted/NAME, published
 * @age seconds ago, its next ask due now. */
static int64_t published_job(const char *name, const char *publish_id, int64_t age)
{
	char path[256];
	int64_t id;

	snprintf(path, sizeof(path), "posted/%s", name);
	id = store_ensure(fx.st, path);
	if (id <= 0 || store_set_publish(fx.st, id, 0, publish_id, NULL, 0) ||
	    store_set_result(fx.st, id, NULL, NULL, wall_now() - age) ||
	    store_set_post_poll(fx.st, id, wall_now() - 1, POST_WAIT_TEXT) ||
	    store_transition(fx.st, id, JOB_PUBLISHED, "published"))
		abort();
	return id;
}

TEST(test_public_post_without_an_id_waits_in_posted_and_gets_it_later)
{
	struct poster *p;
	struct job j;
	char path[256];
	int64_t id;

	setup();
	id = public_item(VSIZE);
	fk->moderation_polls = 1;
	p = worker();
	run(p, false);
	j = job_of(id);
	CHECK_STR(job_state_name(j.state), "published");
	CHECK_STR(j.path, "posted/clip.mp4");
	CHECK(j.post_id == NULL);
	CHECK_STR(j.post_status, POST_WAIT_TEXT);
	CHECK(j.posted_at > 0 && j.post_poll_at == j.posted_at + POST_WAIT_FIRST);
	job_free(&j);
	/* the user renames it within posted/ meanwhile: the ID follows */
	CHECK_INT(store_rename(fx.st, "posted/clip.mp4", "posted/sunset.mp4"), 0);
	due_now(id);
	pw_wait_service(p, false);
	poster_free(p);
	j = job_of(id);
	CHECK_STR(job_state_name(j.state), "posted");
	CHECK_STR(j.path, "posted/sunset.mp4");
	CHECK_STR(j.post_id, "7300000000000000001");
	CHECK_STR(j.url, "https://www.tiktok.com/@tester/video/7300000000000000001");
	CHECK_STR(j.post_status, POST_WAIT_FOUND);
	job_free(&j);
	snprintf(path, sizeof(path), "%s/posted/clip.mp4", fx.root);
	CHECK(access(path, F_OK) == 0); /* the store's rename; the file is the test's */
	CHECK_INT(fk->inits, 1);
}

/* The gap is the age of the publish: 3 s, then doubling, capped at 15 min. */
TEST(test_post_id_asks_grow_from_seconds_to_the_cap)
{
	struct poster *p;
	struct job j;
	int64_t id;

	CHECK_INT((int)pw_wait_gap(0), POST_WAIT_FIRST);
	CHECK_INT((int)pw_wait_gap(3), 3);
	CHECK_INT((int)pw_wait_gap(6), 6);
	CHECK_INT((int)pw_wait_gap(12), 12);
	CHECK_INT((int)pw_wait_gap(600), 600);
	CHECK_INT((int)pw_wait_gap(901), POST_WAIT_CAP);
	CHECK_INT((int)pw_wait_gap(50 * 3600), POST_WAIT_CAP);
	setup();
	id = published_job("a.mp4", "v_pub_file~v2-77", 100);
	p = worker();
	pw_wait_service(p, false);
	j = job_of(id);
	CHECK_STR(job_state_name(j.state), "published"); /* TikTok never heard of it */
	CHECK(j.post_poll_at >= wall_now() + 99 && j.post_poll_at <= wall_now() + 101);
	job_free(&j);
	CHECK_INT(fk->status_calls, 1);
	pw_wait_service(p, false); /* not due: not asked */
	CHECK_INT(fk->status_calls, 1);
	CHECK_INT(store_set_result(fx.st, id, NULL, NULL, wall_now() - 5 * 3600), 0);
	due_now(id);
	pw_wait_service(p, false);
	j = job_of(id);
	CHECK(j.post_poll_at >= wall_now() + POST_WAIT_CAP - 1 &&
	      j.post_poll_at <= wall_now() + POST_WAIT_CAP);
	job_free(&j);
	poster_free(p);
}

TEST(test_post_id_wait_ends_after_post_id_wait_hours)
{
	struct poster *p;
	struct job j;
	int64_t near, over;

	setup();
	fx.cfg.post_id_wait = 72;
	near = published_job("near.mp4", "v_pub_file~v2-70", 72 * 3600 - 10);
	over = published_job("over.mp4", "v_pub_file~v2-71", 72 * 3600 + 1);
	p = worker();
	pw_wait_service(p, false);
	poster_free(p);
	CHECK_INT(fk->status_calls, 1); /* the one past its deadline is not asked */
	j = job_of(near);
	CHECK_STR(job_state_name(j.state), "published");
	CHECK(j.post_poll_at == j.posted_at + 72 * 3600); /* never past the deadline */
	job_free(&j);
	j = job_of(over);
	CHECK_STR(job_state_name(j.state), "posted");
	CHECK(j.post_id == NULL);
	CHECK_CONTAINS(j.post_status, "no post ID after 72 hours");
	job_free(&j);
}

TEST(test_failed_after_publishing_is_said_beside_the_posted_file)
{
	struct poster *p;
	struct job j;
	char path[256], *text = NULL;
	int64_t id;

	setup();
	id = public_item(VSIZE);
	fk->moderation_polls = 1;
	p = worker();
	run(p, false);
	snprintf(fk->fail_later, sizeof(fk->fail_later), "spam_risk_too_many_posts");
	due_now(id);
	pw_wait_service(p, false);
	poster_free(p);
	j = job_of(id);
	CHECK_STR(job_state_name(j.state), "posted");
	CHECK_STR(j.path, "posted/clip.mp4");
	CHECK(j.post_id == NULL);
	CHECK_CONTAINS(j.post_status, "FAILED (spam_risk_too_many_posts)");
	job_free(&j);
	snprintf(path, sizeof(path), "%s/posted/clip.mp4", fx.root);
	CHECK(access(path, F_OK) == 0);
	snprintf(path, sizeof(path), "%s/posted/clip.mp4.error", fx.root);
	CHECK(read_text(path, &text) == 0);
	CHECK_CONTAINS(text, "spam_risk_too_many_posts");
	CHECK(text && !strstr(text, "upload_token"));
	free(text);
}

/* Nothing of the wait lives in the worker: a new one (a restart, a
 * remount) goes on with it. */
TEST(test_a_restart_goes_on_with_the_wait)
{
	struct poster *p;
	struct job j;
	int64_t id;

	setup();
	id = public_item(VSIZE);
	fk->moderation_polls = 1;
	p = worker();
	run(p, false);
	poster_free(p);
	store_close(fx.st);
	open_store();
	due_now(id);
	p = worker();
	run(p, false); /* no work: the published job is no turn's */
	CHECK_INT(fk->inits, 1);
	pw_wait_service(p, false);
	poster_free(p);
	j = job_of(id);
	CHECK_STR(job_state_name(j.state), "posted");
	CHECK_STR(j.post_id, "7300000000000000001");
	job_free(&j);
}

/* A hundred waiting posts: all kept, asked earliest-due first, within the
 * 30/min status window, and while an upload runs its polls keep room. */
TEST(test_a_hundred_waiting_posts_are_all_kept_and_asked_in_due_order)
{
	struct poster *p;
	int64_t ids[100];
	int asked = 0, late = 0;

	setup();
	for (int i = 0; i < 100; i++) {
		char name[32];

		snprintf(name, sizeof(name), "p%03d.mp4", i);
		ids[i] = published_job(name, "v_pub_file~v2-500", 600);
		/* due at different past times: 99 is the most overdue */
		store_set_post_poll(fx.st, ids[i], wall_now() - 1 - i, NULL);
	}
	p = worker();
	for (int i = 0; i < 20; i++)
		pace_window_note(p->status_lim, mono_now());
	pw_wait_service(p, true); /* an upload runs: 10 calls stay its own */
	CHECK_INT(fk->status_calls, 0);
	pace_window_init(p->status_lim, 30, 60.0);
	for (int round = 0; round < 10; round++)
		pw_wait_service(p, false);
	CHECK_INT(fk->status_calls, 30); /* the window, never more */
	for (int i = 0; i < 100; i++) {
		struct job j = job_of(ids[i]);

		CHECK_STR(job_state_name(j.state), "published");
		if (j.post_poll_at > wall_now()) {
			asked++;
			late += i < 70; /* asked before a more overdue one */
		}
		job_free(&j);
	}
	CHECK_INT(asked, 30);
	CHECK_INT(late, 0);
	pace_window_init(p->status_lim, 30, 60.0);
	for (int round = 0; round < 3; round++) {
		for (int k = 0; k < 10; k++)
			pw_wait_service(p, false);
		pace_window_init(p->status_lim, 30, 60.0);
	}
	CHECK_INT(fk->status_calls, 100); /* every one asked, none dropped */
	poster_free(p);
}

/* A size no chunk plan can carry is refused with TikTok's bounds as
 * meta/tiktok.h states them: 4,000,000,000 bytes (decimal, not 4 GiB) and
 * the chunk_size range. */
TEST(test_unplannable_size_names_tiktoks_bounds)
{
	struct config c = {0};
	struct poster p = {.cfg = &c};
	struct job j = {.path = (char *)"outbox/huge.mp4"};
	struct chunk_plan plan;
	struct tt_error err;

	c.chunk_size = 10000000;
	tt_error_clear(&err);
	CHECK_INT(pw_make_plan(&p, &j, 4000000001ULL, &plan, &err), -EINVAL);
	CHECK(strstr(err.what, "huge.mp4") != NULL);
	CHECK(strstr(err.what, "4000000001 bytes") != NULL);
	CHECK(strstr(err.what, "1 to 4000000000 bytes") != NULL);
	CHECK(strstr(err.what, "chunk_size 5242880 to 64000000") != NULL);
	CHECK(strstr(err.what, "GiB") == NULL);
}

int main(int argc, char **argv)
{
	unit_args(argc, argv);
	fk = mmap(NULL, sizeof(*fk), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fk == MAP_FAILED)
		return 1;
	log_set_level(getenv("TEST_POSTER_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	unit_run_all();
	fixture_down(&fx);
	return UNIT_DONE();
}
