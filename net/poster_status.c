/*
 * The posting worker and what TikTok says about a publish
 * (net/poster_int.h).  STEP_RECONCILE is where every job with a publish_id
 * starts its turn (after a crash, a stop, a deferral): one status/fetch
 * decides between finishing, resuming the upload, a new init (only when
 * TikTok can no longer publish the old one) and polling.  STEP_PROCESSING
 * records that every byte is at TikTok; STEP_POLL asks once a step, the
 * dispatcher waiting 1 s growing to 10 s in between (under the 30/min
 * window); unknown statuses are pending.  STEP_FINISH records the result
 * and moves the item to posted/: state posted, or published when a public
 * post's ID is still to come (net/poster_watch.c waits for it).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "meta/config.h"
#include "meta/job/outcome.h"
#include "meta/job/store.h"
#include "meta/tiktok.h"
#include "net/errors.h"
#include "net/poster_int.h"
#include "util/clock.h"
#include "net/result_notes.h"
#include "util/log.h"

static bool is_done(const char *status)
{
	return !strcmp(status, "PUBLISH_COMPLETE") || !strcmp(status, "SEND_TO_USER_INBOX");
}

/*
 * One status/fetch of the job's publish into t->ps.  0 with an answer;
 * else -1 with @s saying how the turn goes on (@again: the step to run
 * again after a passing failure).
 */
static int ask_status(struct poster *p, struct turn *t, enum step_id again, struct step *s)
{
	struct tt_error err;

	if (!pw_window_take(p, p->status_lim)) {
		*s = step_end(TURN_STOP, NULL);
		return -1;
	}
	tt_error_clear(&err);
	memset(&t->ps, 0, sizeof(t->ps));
	if (p->io.status(p->io.ctx, t->j.publish_id, &t->ps, &err) == 0)
		return 0;
	if (pw_login_problem(&err))
		*s = step_end(TURN_LOGIN, &err);
	else if (err.cls == ERR_RETRY)
		*s = step_retry(again, &err);
	else if (err.cls == ERR_DEFER) {
		/* our own window should prevent this; someone else uses the token */
		*s = step_go(again);
		s->wait = 10;
	} else if (!strcmp(err.code, "invalid_publish_id") && t->j.state == JOB_UPLOADING)
		/* TikTok does not know the task: it cannot publish it. */
		*s = step_end(TURN_RESTART, &err);
	else
		*s = step_end(TURN_FAIL, &err);
	return -1;
}

/* FAILED with a fail_reason. */
static struct step publish_failed(struct poster *p, struct turn *t)
{
	struct tt_error err;

	tt_error_clear(&err);
	errors_fail_reason(&err, t->ps.fail_reason);
	store_set_status(p->st, t->j.id, "FAILED");
	if (err.cls == ERR_RETRY)
		return step_end(TURN_RESTART, &err);
	if (err.cls == ERR_DEFER)
		return step_end(TURN_RESTART_LATER, &err);
	return step_end(TURN_FAIL, &err);
}

/* Continue an item that has a publish_id: status/fetch says where it is. */
struct step step_reconcile(struct poster *p, struct turn *t)
{
	struct job *j = &t->j;
	const struct publish_status *ps = &t->ps;
	struct tt_error err;
	struct step s;

	if (ask_status(p, t, STEP_RECONCILE, &s))
		return s;
	t->retries = 0;
	log_info("job %" PRId64 ": publish %s is %s (%" PRIu64 "/%" PRIu64 " bytes at TikTok)",
		 j->id, j->publish_id, ps->status[0] ? ps->status : "?", ps->uploaded_bytes,
		 j->size);
	if (is_done(ps->status)) {
		if (j->state != JOB_PROCESSING &&
		    store_transition(p->st, j->id, JOB_PROCESSING, "reconciled: TikTok has it") ==
			0)
			j->state = JOB_PROCESSING;
		return step_go(STEP_FINISH);
	}
	if (!strcmp(ps->status, "FAILED"))
		return publish_failed(p, t);
	if (!strcmp(ps->status, "PROCESSING_UPLOAD") && ps->uploaded_bytes < j->size &&
	    j->state != JOB_PROCESSING) {
		if (pw_now() + URL_MARGIN >= j->upload_expires) {
			tt_error_clear(&err);
			tt_error_set(&err, ERR_RETRY,
				     "the upload link expired before the last chunk");
			return step_end(TURN_RESTART, &err);
		}
		t->from = ps->uploaded_bytes;
		return step_go(STEP_RESUME);
	}
	return step_go(STEP_PROCESSING);
}

/*
 * The tracker stops an item whose caption is removed mid-upload by forgetting
 * its publish (store_stop_upload, refused once the item is processing).  If
 * that happened while the last chunk was on its way, TikTok has every byte
 * and publishes anyway: once the item is processing, record the publish
 * again so that the post is followed and its result shown.  (It counts as
 * one more init in attempts; the item is done with inits.)
 */
static void keep_publish(struct poster *p, const struct job *j)
{
	struct job now;

	if (!j->publish_id || store_get(p->st, j->id, &now))
		return;
	if (!now.publish_id && !job_state_final(now.state)) {
		log_warn("job %" PRId64 ": %s: its caption was removed as the last chunk went "
			 "out; TikTok has every byte and publishes it (publish %s)",
			 j->id, j->path, j->publish_id);
		store_set_publish_as(p->st, j->id, p->account, j->mode, j->publish_id, NULL, 0);
	}
	job_free(&now);
}

/* All bytes are at TikTok: processing. */
struct step step_processing(struct poster *p, struct turn *t)
{
	store_set_progress(p->st, t->j.id, t->j.size);
	if (store_transition(p->st, t->j.id, JOB_PROCESSING, "all bytes sent"))
		return step_end(TURN_PAUSE, NULL);
	t->j.state = JOB_PROCESSING;
	keep_publish(p, &t->j);
	t->polls = 0;
	t->retries = 0;
	return step_go(STEP_POLL);
}

/* One poll; the dispatcher waits t->poll_gap before the next. */
struct step step_poll(struct poster *p, struct turn *t)
{
	struct tt_error err;
	struct step s;

	if (t->polls++ == 0) {
		t->poll_t0 = mono_now();
		t->poll_gap = POLL_FIRST;
	} else if (!pw_still_ours(p, t->j.id, JOB_PROCESSING)) {
		return step_end(TURN_STOP, NULL);
	}
	if (ask_status(p, t, STEP_POLL, &s))
		return s;
	if (t->ps.status[0]) {
		if (is_done(t->ps.status))
			return step_go(STEP_FINISH);
		if (!strcmp(t->ps.status, "FAILED"))
			return publish_failed(p, t);
		/* PROCESSING_*, and any status TikTok adds later: pending */
		store_set_status(p->st, t->j.id, t->ps.status);
		t->retries = 0;
	}
	if (mono_now() - t->poll_t0 > PROCESSING_POLL_MAX) {
		tt_error_clear(&err);
		tt_error_set(&err, ERR_DEFER,
			     "TikTok is still processing the video after %.0f minutes",
			     PROCESSING_POLL_MAX / 60);
		return step_defer(&err, pw_now() + PROCESSING_DEFER_SEC);
	}
	s = step_go(STEP_POLL);
	s.wait = t->poll_gap;
	t->poll_gap = t->poll_gap * 1.5 > POLL_MAX ? POLL_MAX : t->poll_gap * 1.5;
	return s;
}

/* TikTok has it (t->ps): record the result and move to posted/. */
struct step step_finish(struct poster *p, struct turn *t)
{
	const struct job *j = &t->j;
	const struct publish_status *ps = &t->ps;
	char url[256];
	int64_t posted_at = pw_now();
	bool made_private, wait;
	int rc;

	pw_load_ci(p);
	pw_post_url(p, ps->post_id, url, sizeof(url));
	store_set_status(p->st, j->id, ps->status);
	store_set_result(p->st, j->id, ps->post_id[0] ? ps->post_id : NULL, url[0] ? url : NULL,
			 posted_at);
	if (!pw_still_ours(p, j->id, JOB_PROCESSING)) {
		log_warn("job %" PRId64 ": %s was deleted after its last chunk; TikTok took it "
			 "anyway (publish %s, %s)",
			 j->id, j->path, j->publish_id, ps->status);
		return step_end(TURN_DONE, NULL);
	}
	store_set_error(p->st, j->id, NULL);
	made_private = result_notes_posted(p->st, p->cfg, j->id, ps->status);
	wait = !ps->post_id[0] && !strcmp(ps->status, "PUBLISH_COMPLETE") && !made_private &&
	       !(j->privacy && !strcmp(j->privacy, TIKTOK_PRIVACY_SELF_ONLY));
	/* a public post with no ID yet: published, its ID awaited (poster_watch.c) */
	if (wait && pw_wait_begin(p, j->id, posted_at))
		return step_end(TURN_PAUSE, NULL);
	rc = wait ? outcome_published(p->st, p->cfg, p->root, p->on_final, j->id)
		  : outcome_posted(p->st, p->cfg, p->root, p->on_final, j->id);
	if (rc) {
		log_err("job %" PRId64 ": posted as %s but cannot move to posted/: %s", j->id,
			j->publish_id, strerror(-rc));
		return step_end(TURN_PAUSE, NULL);
	}
	log_info("job %" PRId64 ": %s %s (publish %s%s%s)", j->id, j->path,
		 !strcmp(ps->status, "SEND_TO_USER_INBOX") ? "sent to the TikTok inbox" : "posted",
		 j->publish_id, ps->post_id[0] ? ", post " : "", ps->post_id);
	return step_end(TURN_DONE, NULL);
}
