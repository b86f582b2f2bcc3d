/*
 * The posting worker: one thread that takes the next job from the store
 * (store_next_work: interrupted uploads first, then ready items, then
 * scheduled and deferred ones whose time came, the accounts taking turns by
 * their bandwidth_share) and carries it one turn forward.  Every decision
 * is committed to the store before anyone acts on it, so a kill -9 at any
 * moment leaves a job the next turn can continue.
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
 * "not logged in as account NAME (...): run `tiktokfs login --account
 * NAME ...`" as its error, and the worker looks again every
 * LOGIN_RETRY_SEC.  Meanwhile it passes over that account's jobs and works
 * on the other accounts' (login_waiting): one account's lost login never
 * holds up another's items.
 *
 * Rate limits are respected, not fought.  Upload starts are paced by
 * net/pace.c (6 a minute, and the daily cap once TikTok said it is
 * reached), seeded from the store's history so a restart keeps the count:
 * an item whose turn has not come is deferred (state `deferred`,
 * user.tiktok.retry_at) before anything is sent for it, so a burst goes out
 * at the allowed rate without a single refusal.  creator_info 20/min and
 * status 30/min are counted in sliding windows (net/pace.h: a restart
 * forgets them; TikTok's 429 then defers, which is safe).  TikTok counts
 * all of these per user, so each account has its own counts
 * (net/poster_account.c), and each job is posted as its account.  Polls
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
 * yet (moderation, which can take hours); SELF_ONLY posts never get one.
 * Other posts go to posted/ in state `published` and are asked about,
 * between the other work, for up to post_id_wait hours
 * (net/poster_watch.c); the store holds every wait, so a restart goes on
 * with all of them.
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
 * YouTube: a job whose account has platform = youtube runs the YouTube
 * steps (net/poster_yt.c, with its own exactly-once argument: the session
 * URI is committed before the first byte, a file never has two live
 * sessions) through struct yt_io, in this same loop; step_login picks the
 * first one.  TikTok's pace, creator_info and post-ID waits never see them.
 *
 * Shape (curl's multi_runsingle): a turn is one loop over one switch on
 * the next step (net/poster_int.h lists the steps and the files that hold
 * them).  Each step does one thing and returns what comes next, or how the
 * turn ends; steps never call each other, and only end_turn()
 * (net/poster_end.c) ends a turn.  The first step is chosen here from the
 * job's stored state: with a publish_id, reconcile; without, start.  The
 * dispatcher pauses before a retry and services the post-ID waits between
 * steps.  This file holds the thread, its loop, the dispatcher and the
 * helpers the steps share.
 */
#include "net/poster.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "meta/config.h"
#include "meta/job/drop.h"
#include "meta/job/outcome.h"
#include "meta/job/store.h"
#include "net/poster_int.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

/* ---- helpers the steps share ------------------------------------------ */

int64_t pw_now(void)
{
	return wall_now();
}

bool pw_stopping(struct poster *p)
{
	return atomic_load(&p->stop);
}

/* Sleep @sec seconds of the daemon's time (util/clock.h), waking early
 * only to stop. */
static bool nap_real(struct poster *p, double sec)
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

bool pw_nap(struct poster *p, double sec)
{
	return nap_real(p, sec * p->nap_scale);
}

/* The windows count the daemon's time, whatever nap_scale says (the test
 * clock speeds them up as the sandbox speeds up TikTok's). */
bool pw_window_take(struct poster *p, struct pace_window *w)
{
	double d;

	while ((d = pace_window_delay(w, mono_now())) > 0)
		if (!nap_real(p, d))
			return false;
	pace_window_note(w, mono_now());
	return true;
}

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

/* ---- the pace, from the store's history ---------------------------------- */

struct seed {
	struct poster *p;
	int64_t *ids;
	bool *direct;
	struct pace **paces; /* each job's account's */
	size_t n, alloc_ids, alloc_direct, alloc_paces;
	int64_t since;
	struct pace *pace;
	bool cur_direct;
};

static int seed_job(const struct job *j, void *arg)
{
	struct seed *sd = arg;

	if (j->attempts <= 0 || j->updated_at < sd->since)
		return 0;
	ALLOC_GROW(sd->ids, sd->n + 1, sd->alloc_ids);
	ALLOC_GROW(sd->direct, sd->n + 1, sd->alloc_direct);
	ALLOC_GROW(sd->paces, sd->n + 1, sd->alloc_paces);
	sd->ids[sd->n] = j->id;
	sd->paces[sd->n] = &pw_account_pace(sd->p, j->account)->pace;
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
 * of its job; jobs untouched for a day cannot hold one.  Each counts for
 * its job's account.  (The log line is the default account's.) */
static void pace_seed(struct poster *p)
{
	struct seed sd = {0};

	sd.p = p;
	sd.since = pw_now() - PACE_DAY;
	store_each(p->st, PACE_MAX, seed_job, &sd);
	for (size_t i = 0; i < sd.n; i++) {
		sd.cur_direct = sd.direct[i];
		sd.pace = sd.paces[i];
		store_history(p->st, sd.ids[i], seed_event, &sd);
	}
	if (p->pace->n)
		log_info("pacing: %d upload start(s) in the last minute, %d direct in the last "
			 "24 h",
			 pace_count(p->pace, pw_now(), PACE_MINUTE, false),
			 pace_count(p->pace, pw_now(), PACE_DAY, true));
	free(sd.ids);
	free(sd.direct);
	free(sd.paces);
}

/* ---- the dispatcher --------------------------------------------------------- */

/* Tokens and an API handle, then the path the stored job asks for. */
static struct step step_login(struct poster *p, struct turn *t)
{
	struct step s;
	bool fresh = !t->j.publish_id || !t->j.publish_id[0];

	if (pw_youtube(p)) /* a YouTube account's job: its own steps */
		return p->logged_in ? step_go(fresh ? STEP_YT_START : STEP_YT_QUERY)
				    : pw_yt_login(p, t, fresh);
	if (p->logged_in)
		return step_go(fresh ? STEP_START : STEP_RECONCILE);
	tt_error_clear(&s.err);
	if (p->io.login(p->io.ctx, &s.err) == 0) {
		p->logged_in = true;
		return step_go(fresh ? STEP_START : STEP_RECONCILE);
	}
	/* A fresh item has nothing at TikTok yet: a passing failure is retried. */
	if (fresh && s.err.cls == ERR_RETRY)
		return step_retry(STEP_LOGIN, &s.err);
	return step_end(TURN_LOGIN, &s.err);
}

/* One step, by the one switch. */
static struct step run_step(struct poster *p, struct turn *t, enum step_id id)
{
	switch (id) {
	case STEP_LOGIN:
		return step_login(p, t);
	case STEP_RECONCILE:
		return step_reconcile(p, t);
	case STEP_START:
		return step_start(p, t);
	case STEP_INIT:
		return step_init(p, t);
	case STEP_RESUME:
		return step_resume(p, t);
	case STEP_SEND:
		return step_send(p, t);
	case STEP_PROCESSING:
		return step_processing(p, t);
	case STEP_POLL:
		return step_poll(p, t);
	case STEP_FINISH:
		return step_finish(p, t);
	case STEP_YT_START:
		return step_yt_start(p, t);
	case STEP_YT_SESSION:
		return step_yt_session(p, t);
	case STEP_YT_QUERY:
		return step_yt_query(p, t);
	case STEP_YT_SEND:
		return step_yt_send(p, t);
	case STEP_YT_DONE:
		return step_yt_done(p, t);
	case STEP_END:
		break;
	}
	return step_end(TURN_DONE, NULL);
}

/*
 * Pause before redoing a step that failed with ERR_RETRY: 1, 2, 4 … 32 s.
 * After STEP_RETRIES pauses the item is deferred instead, so that others
 * get their turn; a job taken from us during the pause is left alone.
 */
static struct step retry_pause(struct poster *p, struct turn *t, struct step s)
{
	double d;

	if (t->retries >= STEP_RETRIES)
		return step_defer(&s.err, pw_now() + RETRY_DEFER_SEC);
	d = (double)(1 << t->retries);
	if (d > 60)
		d = 60;
	t->retries++;
	log_info("job %" PRId64 ": %s; again in %.0f s", t->j.id, s.err.what, d);
	if (!pw_nap(p, d) || !pw_still_ours(p, t->j.id, t->j.state))
		return step_end(TURN_STOP, NULL);
	return step_go(s.next);
}

/* A turn: from the stored state to one of the ends of end_turn(). */
static void run_turn(struct poster *p, struct turn *t)
{
	struct step s = step_go(STEP_LOGIN);

	while (s.next != STEP_END) {
		s = run_step(p, t, s.next);
		if (s.how == TURN_RETRY)
			s = retry_pause(p, t, s);
		if (s.next == STEP_END)
			break;
		/* Between steps (between chunks, between polls): the waits. */
		pw_wait_service(p, true);
		if (pw_stopping(p) || (s.wait > 0 && !pw_nap(p, s.wait)))
			s = step_end(TURN_STOP, NULL);
	}
	end_turn(p, t, &s);
}

static void work(struct poster *p, int64_t id)
{
	struct turn t = {.fd = -1};

	verdict_init(&t.v);
	if (store_get(p->st, id, &t.j))
		return;
	if (!job_state_final(t.j.state) && pw_use_account(p, &t.j) < 0)
		pw_refuse_account(p, &t.j);
	else if (!job_state_final(t.j.state))
		run_turn(p, &t);
	if (t.fd >= 0)
		close(t.fd);
	if (t.have_verdict)
		verdict_free(&t.v);
	free(t.yt_meta);
	job_free(&t.j);
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

/* An account that waits for a login (net/poster_end.c, login_wait) does
 * not hold up the others: its jobs are passed over until its next try. */
static bool login_waiting(const char *account, void *arg)
{
	struct poster *p = arg;
	double now = mono_now();

	for (size_t i = 0; i < p->npaces; i++)
		if (!strcmp(p->paces[i]->name, account))
			return p->paces[i]->login_retry_at > now;
	return false;
}

/* Seconds until the next account waiting for a login tries again; -1 if
 * none waits. */
static double login_wait_next(struct poster *p, double now)
{
	double next = -1;

	for (size_t i = 0; i < p->npaces; i++) {
		double d = p->paces[i]->login_retry_at - now;

		if (d > 0 && (next < 0 || d < next))
			next = d;
	}
	return next;
}

int64_t poster_work_once(struct poster *p, int64_t *wake_at)
{
	int64_t id = store_next_work_skip(p->st, pw_now(), login_waiting, p, wake_at);

	if (id > 0)
		work(p, id);
	return id > 0 ? id : 0;
}

/*
 * How long the loop may sleep: until @wake_at (from the same look at the
 * store that found nothing due: a second look could find the job due
 * already, and then no later time), the next post-ID ask or the next move.
 */
static double idle_sleep(struct poster *p, int64_t wake_at, double now)
{
	double sleep_s = 30, wait = pw_wait_next(p), login = login_wait_next(p, now);

	/* Wake at the due second itself, not up to a poll late: a schedule
	 * must post within 2 s of its time.  The +1 ms makes sure wall_now()
	 * has reached wake_at when we look again. */
	if (wake_at && (double)wake_at - wall_now_frac() < sleep_s)
		sleep_s = (double)wake_at - wall_now_frac();
	if (wait >= 0 && wait < sleep_s)
		sleep_s = wait;
	if (login >= 0 && login < sleep_s)
		sleep_s = login;
	if (p->moves_pending && p->moves_at - now < sleep_s)
		sleep_s = p->moves_at - now;
	return sleep_s < 0.001 ? 0.001 : sleep_s;
}

static void *run(void *arg)
{
	struct poster *p = arg;

	poster_prepare(p);
	while (!pw_stopping(p)) {
		double now = mono_now();
		int64_t wake_at = 0;

		pw_wait_service(p, false);
		retry_moves(p, now);
		if (poster_work_once(p, &wake_at))
			continue;
		store_wait(p->st, (int)(idle_sleep(p, wake_at, mono_now()) * 1000.0) + 1);
	}
	return NULL;
}

/* ---- life of the worker --------------------------------------------------- */

struct poster *poster_new(struct store *st, const struct config *cfg, const char *root,
			  struct poster_io io)
{
	struct poster *p = xcalloc(1, sizeof(*p));

	p->st = st;
	p->cfg = cfg;
	p->all = cfg;
	snprintf(p->account, sizeof(p->account), "%s", DROP_DEFAULT_ACCOUNT);
	p->root = xstrdup(root);
	p->io = io;
	p->nap_scale = 1.0;
	atomic_init(&p->stop, false);
	/* whose turn it is among accounts: their bandwidth_share (store.h) */
	store_clear_shares(st);
	for (size_t i = 0; i < cfg->n_accounts; i++)
		store_set_share(st, cfg->accounts[i].name, cfg->accounts[i].bandwidth_share);
	pw_pace_switch(p, DROP_DEFAULT_ACCOUNT);
	return p;
}

void poster_prepare(struct poster *p)
{
	struct tt_error err;

	tt_error_clear(&err);
	pace_seed(p);
	if (p->io.login(p->io.ctx, &err) == 0)
		p->logged_in = true;
}

void poster_set_yt_io(struct poster *p, struct yt_io yt)
{
	if (p->yt.free)
		p->yt.free(p->yt.ctx);
	p->yt = yt;
}

void poster_free(struct poster *p)
{
	if (!p)
		return;
	if (p->io.free)
		p->io.free(p->io.ctx);
	if (p->yt.free)
		p->yt.free(p->yt.ctx);
	free(p->view_dir);
	pw_ytq_free(p);
	pw_paces_free(p);
	free(p->root);
	free(p);
}

struct poster *poster_start(struct store *st, const struct config *cfg, const char *root,
			    const struct outcome_final *on_final)
{
	struct poster *p = poster_new(st, cfg, root, poster_io_real(cfg));
	int rc;

	p->on_final = on_final;
	poster_set_yt_io(p, yt_io_real(cfg));
	rc = pthread_create(&p->thread, NULL, run, p);
	if (rc) {
		log_err("cannot start the posting worker: %s", strerror(rc));
		poster_free(p);
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
	poster_free(p);
}
