/*
 * The posting worker: one thread that takes the next job from the store
 * (store_next_work: interrupted uploads first, then ready items, then
 * scheduled and deferred ones whose time came) and carries it one turn
 * forward.  Every decision is committed to the store before anyone acts on
 * it, so a kill -9 at any moment leaves a job the next turn can continue.
 *
 * A fresh item (no publish_id):
 *   login → creator_info (direct posts; drafts use it when it answers) →
 *   rules_validate with the fresh creator limits (invalid caption: the job
 *   goes to `invalid` with NAME.error beside it; bad media: failed/) →
 *   chunk plan (net/chunk.c) → video/init or inbox/video/init →
 *   store_set_publish (publish_id and upload_url COMMITTED) → `uploading` →
 *   sequential chunk PUTs (net/upload.c) → 201 → `processing` → status/fetch
 *   until PUBLISH_COMPLETE (direct) or SEND_TO_USER_INBOX (draft) →
 *   store_set_status/store_set_result → outcome_posted().
 *
 * An item with a publish_id (an interrupted turn, a restart, a deferral) is
 * first reconciled with status/fetch, never initialised again while TikTok
 * may still publish it:
 *   PUBLISH_COMPLETE / SEND_TO_USER_INBOX → finish; FAILED → by fail_reason;
 *   PROCESSING_UPLOAD with uploaded_bytes < size → resume from uploaded_bytes
 *   while the upload URL lives; once it has expired (or TikTok answers 403/404
 *   to a chunk) the task can never receive its last bytes, so it can never
 *   publish: the publish is cleared and the item initialised again — the one
 *   legitimate second init, besides FAILED with a retryable fail_reason
 *   (`internal`).  Both are bounded by MAX_INITS per item.
 *
 * An init whose answer was lost (net/api.h: "init_outcome_unknown"): TikTok
 * may have created a task, but a FILE_UPLOAD task publishes only after all
 * its bytes arrive through its upload_url, and that URL exists only in the
 * answer we never saw.  Such an orphan can never become a post; it expires
 * with its URL after an hour.  So a second init cannot post the video twice,
 * and this worker does start again — not at once, but deferred by
 * LOST_INIT_DEFER_SEC (the orphan still counts against the 6 inits/min and
 * the daily caps, and a lost answer usually means a sick network), and at
 * most MAX_LOST_INITS times per item and daemon run; then the item goes to
 * failed/ with the advice to check the account and move it back to outbox/.
 * A kill -9 between sending an init and committing its answer is the same
 * case seen from a restart (the job has no publish_id), and is handled the
 * same way by the same argument.  PULL_FROM_URL would break the argument
 * (TikTok fetches the bytes itself); tiktokfs never uses it.
 *
 * Errors by class (net/errors.c): ERR_RETRY — pause 1, 2, 4 … 60 s and redo
 * the same step, at most STEP_RETRIES times, then the item is deferred for a
 * minute so others get their turn; ERR_DEFER (429, daily caps) — state
 * `deferred` with user.tiktok.retry_at; ERR_USER / ERR_PERMANENT — failed/
 * with NAME.error.  Login problems (no tokens.json, a refresh TikTok refused,
 * a missing scope) are not the item's fault: it stays where it is with
 * "not logged in: run tiktokfs login" as its error, and the worker looks
 * again every LOGIN_RETRY_SEC.
 *
 * Rate limits are respected, not fought.  Upload starts are paced by
 * net/pace.c (6 a minute, and the daily cap once TikTok said it is
 * reached), seeded from the store's history so a restart keeps the count:
 * an item whose turn has not come is deferred (state `deferred`,
 * user.tiktok.retry_at) before anything is sent for it, so a burst goes out
 * at the allowed rate without a single refusal.  creator_info 20/min and
 * status 30/min are counted in sliding windows here (a restart forgets
 * them; TikTok's 429 then defers, which is safe).  Polls
 * start at 1 s and grow to 10 s.  A task still processing after
 * PROCESSING_POLL_MAX is deferred for five minutes and polled again then.
 *
 * Moves: an item whose move to posted/ or failed/ cannot be made now (a
 * symbolic link on the way, a full disk) keeps its final state with the
 * move pending in the store and says why on the item (meta/job/outcome.c);
 * this loop tries such moves again every MOVE_RETRY_SEC between items, so
 * one stuck move never holds up the queue.
 *
 * Post IDs: PUBLISH_COMPLETE may come with no publicaly_available_post_id
 * yet (moderation); SELF_ONLY posts never get one.  For other posts the
 * worker keeps a small list of watches and polls them, between its other
 * work, for up to WATCH_SEC, filling user.tiktok.post_id and .url in later.
 * Watches live in memory; at start, posts of the last WATCH_SEC without an
 * ID are watched again.
 *
 * Cancel: deleting an item sets its job to cancelled (or removes it).  The
 * worker checks between chunks and twice a second inside a transfer, and
 * stops.  TikTok has no cancel for FILE_UPLOAD (§5.8): an abandoned upload
 * expires unfinished and is never published.  After the last chunk a post
 * can no longer be stopped; it is recorded and logged.
 *
 * Secrets: the upload URL lives only in the store and in this thread's
 * memory; it is never logged (net/upload.c never names it).  Tokens never
 * pass through here at all (net/api.c and net/tokens.c hold them).
 *
 * The worker is four files (net/poster_int.h lists them); this one holds
 * the thread, its loop, login, and the ways a turn ends.
 */
#include "net/poster.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "meta/config.h"
#include "meta/job/outcome.h"
#include "meta/job/store.h"
#include "net/api.h"
#include "net/http.h"
#include "net/poster_int.h"
#include "net/tokens.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/strbuf.h"

/* ---- small helpers ---------------------------------------------------- */

int64_t pw_now(void)
{
	return (int64_t)time(NULL);
}

double pw_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool pw_stopping(struct poster *p)
{
	return atomic_load(&p->stop);
}

/* Sleep @sec seconds, waking early only to stop.  False when stopping. */
bool pw_nap(struct poster *p, double sec)
{
	double until = mono_now() + sec;

	while (!pw_stopping(p)) {
		double left = until - mono_now();
		if (left <= 0)
			return true;
		store_wait(p->st, (int)(left * 1000.0) + 1);
	}
	return false;
}

static void limiter_init(struct limiter *l, int max, double window)
{
	memset(l, 0, sizeof(*l));
	l->max = max;
	l->window = window;
}

/* Seconds to wait before the next call is allowed (0: now). */
double pw_limiter_delay(struct limiter *l, double now)
{
	int drop = 0;

	while (drop < l->n && l->t[drop] <= now - l->window)
		drop++;
	if (drop) {
		memmove(l->t, l->t + drop, sizeof(l->t[0]) * (size_t)(l->n - drop));
		l->n -= drop;
	}
	return l->n < l->max ? 0.0 : l->t[0] + l->window - now;
}

void pw_limiter_note(struct limiter *l, double now)
{
	if (l->n == (int)(sizeof(l->t) / sizeof(l->t[0]))) {
		memmove(l->t, l->t + 1, sizeof(l->t[0]) * (size_t)(l->n - 1));
		l->n--;
	}
	l->t[l->n++] = now;
}

/* Wait for room under @l and count the call.  False when stopping. */
bool pw_limiter_take(struct poster *p, struct limiter *l)
{
	double d;

	while ((d = pw_limiter_delay(l, mono_now())) > 0)
		if (!pw_nap(p, d))
			return false;
	pw_limiter_note(l, mono_now());
	return true;
}

char *pw_abs_path(const struct poster *p, const char *rel)
{
	return rel ? xasprintf("%s/%s", p->root, rel) : NULL;
}

/* Whose remedy is logging in again: not the item's fault. */
bool pw_login_problem(const struct tt_error *err)
{
	static const char *const codes[] = {"access_token_invalid", "scope_not_authorized",
					    "invalid_grant", "invalid_client"};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strcmp(err->code, codes[i]))
			return true;
	return strstr(err->what, "tiktokfs login") || strstr(err->advice, "tiktokfs login");
}

/*
 * Whether job @id is still ours to work on: it exists, is not final, and
 * was not put back to waiting/invalid by the tracker (the file changed)
 * while we worked.  @want: the state we left it in.
 */
bool pw_still_ours(struct poster *p, int64_t id, enum job_state want)
{
	struct job j = {0};
	bool ours;

	if (store_get(p->st, id, &j))
		return false;
	ours = j.state == want;
	job_free(&j);
	return ours;
}

int pw_lost_inits(struct poster *p, int64_t id, bool add)
{
	for (int i = 0; i < p->nlost; i++)
		if (p->lost[i].id == id)
			return add ? ++p->lost[i].count : p->lost[i].count;
	if (!add)
		return 0;
	if (p->nlost == (int)(sizeof(p->lost) / sizeof(p->lost[0]))) {
		memmove(p->lost, p->lost + 1, sizeof(p->lost[0]) * (size_t)(p->nlost - 1));
		p->nlost--;
	}
	p->lost[p->nlost].id = id;
	p->lost[p->nlost].count = 1;
	return p->nlost++, 1;
}

/* ---- login ------------------------------------------------------------ */

static void drop_login(struct poster *p)
{
	api_free(p->api);
	p->api = NULL;
	tokens_free(p->tokens);
	p->tokens = NULL;
}

/* Open the saved tokens and an API handle.  False + @err when not logged in. */
bool pw_ensure_api(struct poster *p, struct tt_error *err)
{
	if (p->api)
		return true;
	p->tokens = tokens_open(p->cfg, err);
	if (!p->tokens)
		return false;
	p->api = api_new(p->cfg, p->tokens);
	if (!p->api) {
		tt_error_set(err, ERR_RETRY, "cannot set up the TikTok API client");
		tokens_free(p->tokens);
		p->tokens = NULL;
		return false;
	}
	if (!p->up)
		p->up = http_easy_new(p->cfg);
	return true;
}

/* The item keeps its state; its error says what the user must do. */
void pw_login_wait(struct poster *p, int64_t id, const struct tt_error *err)
{
	log_warn("job %" PRId64 ": %s; waiting for a login", id, err->what);
	store_set_error(p->st, id, err->what);
	drop_login(p);
	p->login_retry_at = mono_now() + LOGIN_RETRY_SEC;
}

/* ---- ends of a turn ---------------------------------------------------- */

void pw_fail(struct poster *p, int64_t id, const struct tt_error *err)
{
	int rc;

	log_warn("job %" PRId64 ": failed (%s): %s", id, err_class_name(err->cls), err->what);
	rc = outcome_failed(p->st, p->cfg, p->root, p->on_final, id, err);
	if (rc) {
		log_err("job %" PRId64 ": cannot move to failed/: %s", id, strerror(-rc));
		pw_nap(p, 5);
	}
}

void pw_defer(struct poster *p, int64_t id, const struct tt_error *err, int64_t retry_at)
{
	char note[640];
	char when[ISO_UTC_SIZE];

	if (retry_at <= pw_now())
		retry_at = err->retry_at > pw_now() ? err->retry_at : pw_now() + RETRY_DEFER_SEC;
	iso_utc(retry_at, when, sizeof(when));
	snprintf(note, sizeof(note), "deferred until %s: %s", when, err->what);
	log_info("job %" PRId64 ": %s", id, note);
	store_set_error(p->st, id, err->what);
	store_set_retry(p->st, id, retry_at);
	if (store_transition(p->st, id, JOB_DEFERRED, note))
		pw_nap(p, 5);
}

/* The file changed after it was complete: give it back to the tracker.  A
 * started publish is abandoned (never sent its last bytes, it cannot post). */
void pw_changed(struct poster *p, int64_t id, const struct tt_error *err)
{
	log_info("job %" PRId64 ": %s; waiting for the file to settle again", id, err->what);
	store_clear_publish(p->st, id);
	store_transition(p->st, id, JOB_WAITING, err->what);
}

/*
 * The current publish can never complete (URL expired before the last
 * chunk, task unknown, FAILED with a retryable reason): forget it and start
 * again, unless the item used up its inits.
 */
void pw_restart(struct poster *p, const struct job *j, struct tt_error *err, bool defer)
{
	if (j->attempts >= MAX_INITS) {
		char what[sizeof(err->what)];

		memcpy(what, err->what, sizeof(what));
		snprintf(err->what, sizeof(err->what), "%.460s (gave up after %d uploads)", what,
			 j->attempts);
		pw_fail(p, j->id, err);
		return;
	}
	log_info("job %" PRId64 ": %s; publish %s abandoned, starting a new upload", j->id,
		 err->what, j->publish_id ? j->publish_id : "-");
	store_clear_publish(p->st, j->id);
	if (defer) {
		pw_defer(p, j->id, err, 0);
		return;
	}
	store_set_error(p->st, j->id, err->what);
	store_transition(p->st, j->id, JOB_READY, err->what);
}

/* Pause before redoing a step that failed with ERR_RETRY.  After
 * STEP_RETRIES pauses the item is deferred instead.  False: stop here. */
bool pw_retry_pause(struct poster *p, int64_t id, enum job_state state, int *attempt,
		    const struct tt_error *err)
{
	double d;

	if (*attempt >= STEP_RETRIES) {
		pw_defer(p, id, err, pw_now() + RETRY_DEFER_SEC);
		return false;
	}
	d = (double)(1 << *attempt);
	if (d > 60)
		d = 60;
	(*attempt)++;
	log_info("job %" PRId64 ": %s; again in %.0f s", id, err->what, d);
	return pw_nap(p, d) && pw_still_ours(p, id, state);
}

/* ---- the pace, from the store's history ---------------------------------- */

struct seed {
	int64_t *ids;
	bool *direct;
	size_t n, cap;
	int64_t since;
	struct pace *pace;
	bool cur_direct;
};

static int seed_job(const struct job *j, void *arg)
{
	struct seed *sd = arg;

	if (j->attempts <= 0 || j->updated_at < sd->since)
		return 0;
	if (sd->n == sd->cap) {
		sd->cap = sd->cap ? 2 * sd->cap : 64;
		sd->ids = xrealloc(sd->ids, sd->cap * sizeof(*sd->ids));
		sd->direct = xrealloc(sd->direct, sd->cap * sizeof(*sd->direct));
	}
	sd->ids[sd->n] = j->id;
	sd->direct[sd->n++] = j->mode != POST_DRAFT;
	return 0;
}

static int seed_event(const struct store_event *ev, void *arg)
{
	struct seed *sd = arg;

	if (ev->to == JOB_UPLOADING && ev->at >= sd->since && !strcmp(ev->note, PW_INIT_NOTE))
		pace_note(sd->pace, ev->at, sd->cur_direct);
	return 0;
}

/* Every init of the last day left an "upload started" row in the history
 * of its job; jobs untouched for a day cannot hold one. */
void pw_pace_seed(struct poster *p)
{
	struct seed sd = {0};

	sd.since = pw_now() - PACE_DAY;
	sd.pace = &p->pace;
	store_each(p->st, PACE_MAX, seed_job, &sd);
	for (size_t i = 0; i < sd.n; i++) {
		sd.cur_direct = sd.direct[i];
		store_history(p->st, sd.ids[i], seed_event, &sd);
	}
	if (p->pace.n)
		log_info("pacing: %d upload start(s) in the last minute, %d direct in the last "
			 "24 h",
			 pace_count(&p->pace, pw_now(), PACE_MINUTE, false),
			 pace_count(&p->pace, pw_now(), PACE_DAY, true));
	free(sd.ids);
	free(sd.direct);
}

/* ---- the thread ------------------------------------------------------------- */

static void work(struct poster *p, int64_t id)
{
	struct job j = {0};
	struct tt_error err;

	if (store_get(p->st, id, &j))
		return;
	if (job_state_final(j.state))
		goto out;
	if (j.publish_id && j.publish_id[0]) {
		tt_error_clear(&err);
		if (!pw_ensure_api(p, &err)) {
			pw_login_wait(p, id, &err);
			goto out;
		}
		pw_reconcile(p, &j);
	} else {
		pw_start_item(p, &j);
	}
out:
	job_free(&j);
}

/* Moves that could not be made wait in the store (outcome.c), not in this
 * loop: one stuck item never holds up the others.  Try them now and then. */
static void retry_moves(struct poster *p, double now)
{
	int n;

	if (now < p->moves_at)
		return;
	n = outcome_finish_moves(p->st, p->cfg, p->root, p->on_final);
	p->moves_pending = n > 0;
	p->moves_at = now + MOVE_RETRY_SEC;
}

static void *run(void *arg)
{
	struct poster *p = arg;
	struct tt_error err;

	tt_error_clear(&err);
	pw_pace_seed(p);
	if (pw_ensure_api(p, &err))
		store_each(p->st, 100, pw_watch_scan, p);
	while (!pw_stopping(p)) {
		int64_t wake_at = 0, id;
		double now = mono_now(), sleep_s;

		pw_watch_service(p);
		retry_moves(p, now);
		if (p->login_retry_at > now) {
			pw_nap(p, p->login_retry_at - now);
			continue;
		}
		id = store_next_work(p->st, pw_now(), &wake_at);
		if (id > 0) {
			work(p, id);
			continue;
		}
		/* Wake at the due second itself, not up to a poll late: a
		 * schedule must post within 2 s of its time.  The +1 ms makes
		 * sure time(NULL) has reached wake_at when we look again. */
		sleep_s = 30;
		if (wake_at && (double)wake_at - pw_wall() < sleep_s)
			sleep_s = (double)wake_at - pw_wall();
		if (p->nwatch && pw_watch_next(p) - now < sleep_s)
			sleep_s = pw_watch_next(p) - now;
		if (p->moves_pending && p->moves_at - now < sleep_s)
			sleep_s = p->moves_at - now;
		if (sleep_s < 0.001)
			sleep_s = 0.001;
		store_wait(p->st, (int)(sleep_s * 1000.0) + 1);
	}
	return NULL;
}

struct poster *poster_start(struct store *st, const struct config *cfg, const char *root,
			    const struct outcome_final *on_final)
{
	struct poster *p = xcalloc(1, sizeof(*p));
	int rc;

	p->st = st;
	p->on_final = on_final;
	p->cfg = cfg;
	p->root = xstrdup(root);
	atomic_init(&p->stop, false);
	pace_init(&p->pace);
	limiter_init(&p->creator_lim, 20, 60.0);
	limiter_init(&p->status_lim, 30, 60.0);
	rc = pthread_create(&p->thread, NULL, run, p);
	if (rc) {
		log_err("cannot start the posting worker: %s", strerror(rc));
		free(p->root);
		free(p);
		return NULL;
	}
	return p;
}

void poster_stop(struct poster *p)
{
	if (!p)
		return;
	atomic_store(&p->stop, true);
	store_kick(p->st);
	pthread_join(p->thread, NULL);
	drop_login(p);
	if (p->up)
		curl_easy_cleanup(p->up);
	free(p->root);
	free(p);
}
