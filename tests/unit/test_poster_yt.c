/*
 * Unit tests for the posting worker's YouTube steps (net/poster_yt*.c):
 * the exactly-once cases of a resumable upload, against a fake YouTube
 * written here, a struct yt_io acting on a small model (sessions, the bytes
 * each holds, the videos made) and answering like docs/youtube.md §4, with
 * faults on cue.  As in test_poster.c, the worker runs on a real store and
 * drop folder without its thread, pauses scaled to nothing, and kills are
 * real: the worker runs in a child that the fake ends with _exit() inside a
 * call; the fake's record lives in shared memory.  Each test asserts what
 * YouTube received (sessions, PUT offsets, status queries) and where the
 * job ended; each runs in milliseconds.
 */
#include "meta/config.h"
#include "meta/job/store.h"
#include "net/poster_int.h"
#include "net/yt_errors.h"
#include "net/yt_upload.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "unit.h"
#include "fixture.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define UNIT YT_CHUNK_UNIT
#define CHUNK (2 * UNIT)	/* youtube_chunk_size */
#define VSIZE (5 * UNIT + 1000) /* three chunks: 2, 2 and 1 unit + 1000 */
#define KILLED 99
#define FAKE_SESSIONS 8
#define FAKE_CALLS 64

/* ---- the fake YouTube --------------------------------------------------- */

struct fake_session {
	char uri[96];
	uint64_t size, held;
	bool dead;	   /* 404 from now on */
	char video_id[32]; /* set when the last byte arrived */
	char meta[512];	   /* the metadata as received */
};

/* Calls as they came: 'S' start, 'P' PUT (with its first byte), 'Q' query. */
struct fake_call {
	char kind;
	uint64_t first;
};

struct fake {
	struct fake_session s[FAKE_SESSIONS];
	int nsess, starts, puts, queries;
	struct fake_call calls[FAKE_CALLS];
	int ncalls;
	/* faults, by the 1-based number of the call they hit (0: none) */
	int lose_start;	     /* start N: opened, the answer lost */
	int kill_start;	     /* die inside start N, after opening */
	int kill_put_before; /* die as PUT N begins, before a byte */
	int kill_put;	     /* die inside PUT N, after storing */
	int fail_put;	     /* PUT N: half of it stored, then a 503 */
	int norange_put;     /* PUT N: the server lost everything; 308, no Range */
	int short_put;	     /* PUT N: only one unit kept; 308 short of it */
	int gone_put;	     /* PUT N and later on session 1: 404 */
	int auth_put;	     /* PUT N and later: 401 */
	bool in_child;
};

static struct fake *fk;

static void fake_kill(int n, int at)
{
	if (fk->in_child && at && n == at)
		_exit(KILLED);
}

static void note(char kind, uint64_t first)
{
	if (fk->ncalls < FAKE_CALLS)
		fk->calls[fk->ncalls++] = (struct fake_call){kind, first};
}

static struct fake_session *by_uri(const char *uri)
{
	for (int i = 0; uri && i < fk->nsess; i++)
		if (!strcmp(fk->s[i].uri, uri))
			return &fk->s[i];
	return NULL;
}

/* Sessions that became videos: each is one video on the channel. */
static int videos(void)
{
	int n = 0;

	for (int i = 0; i < fk->nsess; i++)
		n += fk->s[i].video_id[0] != 0;
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

static enum yt_answer fake_start(void *ctx, const char *meta, uint64_t size, const char *mime,
				 char **uri, struct yt_reply *rep, struct tt_error *err)
{
	struct fake_session *s = &fk->s[fk->nsess++];
	int n = ++fk->starts;

	(void)ctx, (void)mime;
	note('S', 0);
	memset(s, 0, sizeof(*s));
	memset(rep, 0, sizeof(*rep));
	snprintf(s->uri, sizeof(s->uri), "https://upload.fake/v?upload_id=secret%d", n);
	snprintf(s->meta, sizeof(s->meta), "%s", meta);
	s->size = size;
	fake_kill(n, fk->kill_start);
	if (n == fk->lose_start) {
		tt_error_set(err, ERR_RETRY, "network: the answer was lost");
		tt_error_code(err, "session_outcome_unknown", "");
		return YT_LOST;
	}
	snprintf(rep->upload_id, sizeof(rep->upload_id), "guploader-%d", n);
	*uri = xstrdup(s->uri);
	return YT_MORE;
}

/* The session holds @held bytes; the last one makes the video. */
static void store_upto(struct fake_session *s, uint64_t held)
{
	s->held = held;
	if (s->held == s->size && !s->video_id[0])
		snprintf(s->video_id, sizeof(s->video_id), "vid%dXXXXXX", (int)(s - fk->s) + 1);
}

/* The answer of a session that holds s->held bytes. */
static enum yt_answer answer(struct fake_session *s, struct yt_reply *rep)
{
	if (s->held == s->size) {
		snprintf(rep->video_id, sizeof(rep->video_id), "%s", s->video_id);
		snprintf(rep->upload_status, sizeof(rep->upload_status), "uploaded");
		rep->http_status = 201;
		return YT_DONE;
	}
	rep->http_status = 308;
	rep->have_range = s->held > 0;
	rep->held = s->held;
	return YT_MORE;
}

static enum yt_answer dead(struct fake_session *s, struct tt_error *err)
{
	if (s)
		s->dead = true;
	yt_errors_apply(err, 404, "notFound");
	return YT_GONE;
}

static enum yt_answer fake_upload(void *ctx, const char *uri, const struct upload_chunk *c,
				  struct yt_reply *rep, struct tt_error *err)
{
	struct fake_session *s = by_uri(uri);
	int n = ++fk->puts;
	uint64_t len = c->last - c->first + 1;

	(void)ctx;
	note('P', c->first);
	memset(rep, 0, sizeof(*rep));
	fake_kill(n, fk->kill_put_before);
	if (!s || s->dead || (fk->gone_put && n >= fk->gone_put && s == &fk->s[0]))
		return dead(s, err);
	if (fk->auth_put && n >= fk->auth_put) {
		yt_errors_apply(err, 401, "authError");
		return YT_AUTH;
	}
	if (c->first > s->held || c->total != s->size ||
	    (c->last + 1 < s->size && len % UNIT)) { /* what YouTube refuses (§4.2) */
		yt_errors_apply(err, 400, "invalidParameter");
		return YT_REFUSED;
	}
	if (n == fk->fail_put) {
		s->held = c->first + len / 2 / UNIT * UNIT;
		yt_errors_apply(err, 503, "backendError");
		return YT_RETRY;
	}
	if (n == fk->norange_put) {
		s->held = 0;
		rep->http_status = 308;
		return YT_MORE;
	}
	store_upto(s, n == fk->short_put ? c->first + UNIT : c->last + 1);
	fake_kill(n, fk->kill_put);
	return answer(s, rep);
}

static enum yt_answer fake_finish(void *ctx, const char *uri, uint64_t total, struct yt_reply *rep,
				  struct tt_error *err)
{
	struct fake_session *s = by_uri(uri);

	(void)ctx;
	++fk->queries;
	note('Q', total);
	memset(rep, 0, sizeof(*rep));
	if (!s || s->dead)
		return dead(s, err);
	return answer(s, rep);
}

static struct yt_io fake_yt(void)
{
	struct yt_io io = {.login = fake_login,
			   .logout = fake_logout,
			   .start = fake_start,
			   .upload = fake_upload,
			   .finish = fake_finish};
	return io;
}

/* TikTok is never asked for a YouTube job: every call of it fails. */
static int no_tiktok_login(void *ctx, struct tt_error *err)
{
	(void)ctx;
	tt_error_set(err, ERR_USER, "TikTok was asked");
	return -1;
}

static void no_tiktok_logout(void *ctx)
{
	(void)ctx;
}

/* ---- a drop folder, a store, a worker ----------------------------------------- */

static struct fixture fx;
static int64_t wake;

static void open_store(void)
{
	struct tt_error e;

	fx.st = store_open(fx.db, &e);
	if (!fx.st)
		abort();
}

static void setup(void)
{
	fixture_down(&fx);
	if (!FIXTURE_UP(&fx, "poster_yt"))
		abort();
	free(fx.cfg.platform);
	fx.cfg.platform = xstrdup("youtube");
	fx.cfg.youtube_chunk_size = CHUNK + 1000; /* used as a multiple of 256 KiB */
	fx.cfg.keep_posted = true;
	memset(fk, 0, sizeof(*fk));
}

static int64_t ready_item(void)
{
	static const char caption[] =
	    "---\nprivacy: private\nmade_for_kids: no\n---\nSunset over the harbour\n"
	    "Shot at dusk #travel #sunset\n";
	int64_t id;

	if (fixture_put_mp4(&fx, "outbox/clip.mp4", VSIZE) < 0 ||
	    fixture_put(&fx, "outbox/clip.caption", caption, strlen(caption)) < 0)
		abort();
	id = store_ensure(fx.st, "outbox/clip.mp4");
	if (id <= 0 || store_set_caption(fx.st, id, "outbox/clip.caption") ||
	    store_set_ready(fx.st, id, VSIZE, 0, "SELF_ONLY", NULL, "video/mp4") ||
	    store_transition(fx.st, id, JOB_READY, "complete and valid"))
		abort();
	return id;
}

static struct poster *worker(void)
{
	struct poster_io tiktok = {.login = no_tiktok_login, .logout = no_tiktok_logout};
	struct poster *p = poster_new(fx.st, &fx.cfg, fx.root, tiktok);

	poster_set_yt_io(p, fake_yt());
	p->nap_scale = 0;
	poster_prepare(p);
	return p;
}

/* Turns until nothing is due, a deferred job made due at once. */
static void run(struct poster *p)
{
	for (int turns = 0; turns < 40; turns++) {
		int64_t id;
		struct job j = {0};

		if (poster_work_once(p, &wake))
			continue;
		id = store_next_work(fx.st, 0x7fffffff, &wake);
		if (id <= 0 || store_get(fx.st, id, &j))
			return;
		if (j.state != JOB_DEFERRED) {
			job_free(&j);
			return;
		}
		store_set_retry(fx.st, j.id, wall_now());
		job_free(&j);
	}
	FAILF("still busy after 40 turns");
}

static void run_fresh(void)
{
	struct poster *p = worker();

	run(p);
	poster_free(p);
}

/* A worker in a child until the fake kills it; its exit status. */
static int run_until_killed(void)
{
	pid_t pid;
	int status = 0;

	store_close(fx.st);
	fx.st = NULL;
	pid = fork();
	if (pid == 0) {
		fk->in_child = true;
		open_store();
		run_fresh();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	fk->in_child = false;
	open_store();
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static struct job job_of(int64_t id)
{
	struct job j = {0};

	if (store_get(fx.st, id, &j))
		FAILF("job %lld is gone", (long long)id);
	return j;
}

/* Posted, with the video of session @n (1-based) as its result: in
 * posted/, published while YouTube's processing is awaited
 * (net/poster_yt_wait.c). */
static void check_posted(int64_t id, int n)
{
	struct job j = job_of(id);
	char want[96];

	CHECK_STR(job_state_name(j.state), "published");
	CHECK_STR(j.path, "posted/clip.mp4");
	snprintf(want, sizeof(want), "vid%dXXXXXX", n);
	CHECK_STR(j.post_id, want);
	snprintf(want, sizeof(want), "https://www.youtube.com/watch?v=vid%dXXXXXX", n);
	CHECK_STR(j.url, want);
	CHECK_STR(j.status, "processing");
	CHECK(fixture_exists(&fx, "posted/clip.mp4"));
	job_free(&j);
}

/* The calls from the @i-th on, as a string: "SPPP", "QP"... */
static const char *calls_from(int i)
{
	static char s[FAKE_CALLS + 1];
	int k = 0;

	for (; i < fk->ncalls; i++)
		s[k++] = fk->calls[i].kind;
	s[k] = '\0';
	return s;
}

/* ---- the tests ---------------------------------------------------------------- */

TEST(test_yt_item_goes_up_in_chunks_of_256k_and_is_posted_once)
{
	int64_t id;

	setup();
	id = ready_item();
	run_fresh();
	CHECK_STR(calls_from(0), "SPPP");
	CHECK_U64(fk->calls[1].first, 0);
	CHECK_U64(fk->calls[2].first, CHUNK);
	CHECK_U64(fk->calls[3].first, 2 * CHUNK);
	CHECK_INT(videos(), 1);
	CHECK(strstr(fk->s[0].meta, "\"title\":\"Sunset over the harbour\"") != NULL);
	CHECK(strstr(fk->s[0].meta, "\"description\":\"Shot at dusk #travel #sunset\"") != NULL);
	CHECK(strstr(fk->s[0].meta, "[\"travel\",\"sunset\"]") != NULL);
	CHECK(strstr(fk->s[0].meta, "\"privacyStatus\":\"private\"") != NULL);
	check_posted(id, 1);
}

TEST(test_yt_lost_session_answer_never_makes_two_videos)
{
	int64_t id;
	struct job j;

	setup();
	id = ready_item();
	fk->lose_start = 1;
	run_fresh();
	/* the orphan got nothing, the second session everything */
	CHECK_STR(calls_from(0), "SSPPP");
	CHECK_U64(fk->s[0].held, 0);
	CHECK_INT(videos(), 1);
	check_posted(id, 2);
	j = job_of(id);
	CHECK_INT(j.attempts, 1);
	job_free(&j);
}

TEST(test_yt_kill_inside_session_start_opens_one_more_session_never_a_video)
{
	int64_t id;

	setup();
	id = ready_item();
	fk->kill_start = 1;
	CHECK_INT(run_until_killed(), KILLED);
	CHECK_INT(fk->nsess, 1);
	run_fresh();
	CHECK_U64(fk->s[0].held, 0); /* its URI was never known: no byte */
	CHECK_INT(videos(), 1);
	check_posted(id, 2);
}

TEST(test_yt_kill_after_commit_before_first_byte_resumes_the_same_session)
{
	int64_t id;
	int mark;

	setup();
	id = ready_item();
	fk->kill_put_before = 1;
	CHECK_INT(run_until_killed(), KILLED);
	mark = fk->ncalls;
	fk->kill_put_before = 0;
	run_fresh();
	/* a stored session: ask first, then send from 0; never a new session */
	CHECK_STR(calls_from(mark), "QPPP");
	CHECK_U64(fk->calls[mark].first, VSIZE); /* bytes *\/TOTAL */
	CHECK_U64(fk->calls[mark + 1].first, 0);
	CHECK_INT(fk->starts, 1);
	CHECK_INT(videos(), 1);
	check_posted(id, 1);
}

TEST(test_yt_resume_after_restart_asks_bytes_total_first)
{
	int64_t id;
	int mark;

	setup();
	id = ready_item();
	fk->kill_put = 2; /* chunk 2 stored, its answer never seen */
	CHECK_INT(run_until_killed(), KILLED);
	mark = fk->ncalls;
	fk->kill_put = 0;
	run_fresh();
	CHECK_STR(calls_from(mark), "QP");
	CHECK_U64(fk->calls[mark + 1].first, 2 * CHUNK); /* from the server's Range */
	CHECK_INT(fk->starts, 1);
	CHECK_INT(videos(), 1);
	check_posted(id, 1);
}

TEST(test_yt_kill_after_the_last_byte_records_the_video_not_a_new_upload)
{
	int64_t id;
	int mark;

	setup();
	id = ready_item();
	fk->kill_put = 3;
	CHECK_INT(run_until_killed(), KILLED);
	CHECK_INT(videos(), 1);
	mark = fk->ncalls;
	fk->kill_put = 0;
	run_fresh();
	CHECK_STR(calls_from(mark), "Q"); /* the query answers with the video */
	CHECK_INT(videos(), 1);
	check_posted(id, 1);
}

TEST(test_yt_308_without_range_starts_again_at_zero)
{
	int64_t id;

	setup();
	id = ready_item();
	fk->norange_put = 2;
	run_fresh();
	CHECK_STR(calls_from(0), "SPPPPP");
	CHECK_U64(fk->calls[3].first, 0); /* no Range: the server holds nothing */
	CHECK_INT(fk->starts, 1);
	CHECK_INT(videos(), 1);
	check_posted(id, 1);
}

TEST(test_yt_308_short_of_the_chunk_resends_the_rest)
{
	int64_t id;

	setup();
	id = ready_item();
	fk->short_put = 1; /* one unit of two kept */
	run_fresh();
	CHECK_U64(fk->calls[2].first, UNIT);
	CHECK_INT(fk->starts, 1);
	CHECK_INT(videos(), 1);
	check_posted(id, 1);
}

TEST(test_yt_5xx_mid_chunk_asks_then_resumes_where_the_server_is)
{
	int64_t id;

	setup();
	id = ready_item();
	fk->fail_put = 2; /* half of chunk 2 stored, then 503 */
	run_fresh();
	CHECK_STR(calls_from(0), "SPPQPP");
	CHECK_U64(fk->calls[4].first, CHUNK + UNIT);
	CHECK_INT(fk->starts, 1);
	CHECK_INT(videos(), 1);
	check_posted(id, 1);
}

TEST(test_yt_session_gone_starts_one_new_session)
{
	int64_t id;

	setup();
	id = ready_item();
	fk->gone_put = 2;
	run_fresh();
	CHECK_INT(fk->starts, 2);
	CHECK(fk->s[0].dead);
	CHECK_INT(videos(), 1);
	check_posted(id, 2);
}

TEST(test_yt_refused_login_tells_to_log_in_and_keeps_the_item)
{
	struct poster *p;
	int64_t id;
	struct job j;

	setup();
	id = ready_item();
	fk->auth_put = 1;
	p = worker();
	CHECK_INT(poster_work_once(p, &wake), id); /* one turn: then it waits for a login */
	CHECK(p->login_retry_at > mono_now());
	poster_free(p);
	j = job_of(id);
	CHECK_STR(job_state_name(j.state), "uploading");
	CHECK_STR(j.error, "not logged in to YouTube as account default (Google refused the login "
			   "(HTTP 401, authError)): run `tiktokfs login -c CONFIG`; its items "
			   "wait and then post by themselves");
	CHECK_INT(videos(), 0);
	job_free(&j);
}

/* ---- the pure parts ----------------------------------------------------------------- */

TEST(test_yt_range_header_gives_the_next_byte)
{
	uint64_t held = 7;

	CHECK_INT(yt_parse_range("bytes=0-524287", &held), 0);
	CHECK_U64(held, 524288);
	CHECK_INT(yt_parse_range("bytes=0-0", &held), 0);
	CHECK_U64(held, 1);
	CHECK_INT(yt_parse_range("bytes=5-9", &held), -EINVAL);
	CHECK_INT(yt_parse_range("bytes=0--1", &held), -EINVAL);
	CHECK_INT(yt_parse_range("bytes 0-9", &held), -EINVAL);
	CHECK_INT(yt_parse_range("bytes=0-18446744073709551615", &held), -EINVAL);
}

TEST(test_yt_answers_are_classified_as_section_4_says)
{
	static const char video[] = "{\"id\":\"abcDEF_-123\",\"status\":{\"uploadStatus\":"
				    "\"uploaded\",\"privacyStatus\":\"private\"}}";
	static const char quota[] = "{\"error\":{\"code\":403,\"errors\":[{\"reason\":"
				    "\"quotaExceeded\"}]}}";
	struct yt_reply rep;
	struct tt_error err;

	memset(&rep, 0, sizeof(rep));
	CHECK_INT(yt_classify(308, "", 0, &rep, &err), YT_MORE);
	CHECK_U64(rep.held, 0);
	CHECK_INT(yt_classify(201, video, strlen(video), &rep, &err), YT_DONE);
	CHECK_STR(rep.video_id, "abcDEF_-123");
	CHECK_STR(rep.privacy, "private");
	memset(&rep, 0, sizeof(rep));
	CHECK_INT(yt_classify(200, "{\"id\":\"<x>\"}", 12, &rep, &err), YT_RETRY);
	CHECK_INT(yt_classify(404, "", 0, &rep, &err), YT_GONE);
	CHECK_INT(yt_classify(401, "", 0, &rep, &err), YT_AUTH);
	CHECK_INT(yt_classify(503, "", 0, &rep, &err), YT_RETRY);
	CHECK_INT(yt_classify(403, quota, strlen(quota), &rep, &err), YT_REFUSED);
	CHECK_INT(err.cls, ERR_DEFER);
	CHECK_STR(err.code, "quotaExceeded");
	CHECK(err.retry_at > wall_now());
}

TEST(test_yt_every_error_reason_has_a_class_and_advice)
{
	size_t n;
	const struct yt_error_entry *t = yt_errors_table(&n);
	struct tt_error err;

	CHECK(n >= 20);
	for (size_t i = 0; i < n; i++) {
		CHECK(t[i].cls != ERR_NONE);
		CHECK(t[i].what[0] && t[i].advice[0]);
		CHECK(t[i].cls != ERR_DEFER || t[i].defer_sec > 0);
	}
	yt_errors_apply(&err, 400, "invalidTitle");
	CHECK_INT(err.cls, ERR_USER);
	yt_errors_apply(&err, 400, "uploadLimitExceeded");
	CHECK_INT(err.cls, ERR_DEFER);
	yt_errors_apply(&err, 403, "rateLimitExceeded");
	CHECK_INT(err.cls, ERR_RETRY);
	yt_errors_apply(&err, 403, "insufficientPermissions");
	CHECK_STR(err.code, YT_LOGIN_CODE);
	yt_errors_apply(&err, 502, "somethingNew");
	CHECK_INT(err.cls, ERR_RETRY);
	yt_errors_apply(&err, 400, "somethingNew");
	CHECK_INT(err.cls, ERR_PERMANENT);
	CHECK(strstr(err.what, "somethingNew") != NULL);
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
