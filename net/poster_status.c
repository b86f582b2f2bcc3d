/*
 * The posting worker, part 4 of 4 (net/poster_int.h): what TikTok says
 * about a publish.  pw_reconcile() is where every job with a publish_id
 * starts its turn (after a crash, a stop, a deferral): status/fetch decides
 * between finishing, resuming the upload, a new init (only when TikTok can
 * no longer publish the old one) and polling.  Polls start at 1 s and grow
 * to 10 s under the 30/min limit; unknown statuses are pending.  Public
 * posts whose ID is not out yet are watched for WATCH_SEC in between the
 * other work.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "meta/config.h"
#include "meta/creator.h"
#include "meta/outcome.h"
#include "meta/store.h"
#include "net/api.h"
#include "net/errors.h"
#include "net/poster_int.h"
#include "net/result_notes.h"
#include "util/log.h"

/* ---- post-ID watches ---------------------------------------------------- */

static void post_url(const struct poster *p, const char *post_id, char *out, size_t size)
{
	out[0] = '\0';
	if (post_id[0] && p->have_ci && p->ci.username[0])
		snprintf(out, size, "https://www.tiktok.com/@%s/video/%s", p->ci.username, post_id);
}

void pw_load_ci(struct poster *p)
{
	if (!p->have_ci && creator_load(p->cfg->state_dir, &p->ci) == 0)
		p->have_ci = true;
}

static void watch_add(struct poster *p, int64_t id, const char *publish_id, int64_t until)
{
	struct watch *w;

	if (p->nwatch == MAX_WATCHES) {
		memmove(p->watches, p->watches + 1, sizeof(p->watches[0]) * (MAX_WATCHES - 1));
		p->nwatch--;
	}
	w = &p->watches[p->nwatch++];
	memset(w, 0, sizeof(*w));
	w->id = id;
	snprintf(w->publish_id, sizeof(w->publish_id), "%s", publish_id);
	w->gap = 3.0;
	w->next = pw_mono() + w->gap;
	w->until = until;
}

static void watch_remove(struct poster *p, int i)
{
	memmove(p->watches + i, p->watches + i + 1,
		sizeof(p->watches[0]) * (size_t)(p->nwatch - i - 1));
	p->nwatch--;
}

/* Poll what is due, never waiting for the rate limit (a watch can wait). */
void pw_watch_service(struct poster *p)
{
	struct publish_status ps;
	struct tt_error err;
	char url[256];

	for (int i = 0; i < p->nwatch && !pw_stopping(p); i++) {
		struct watch *w = &p->watches[i];
		double now = pw_mono();

		if (pw_now() > w->until) {
			log_info("job %" PRId64
				 ": no public post ID after %d s; TikTok may show it "
				 "after moderation",
				 w->id, WATCH_SEC);
			watch_remove(p, i--);
			continue;
		}
		if (now < w->next || !p->api || pw_limiter_delay(&p->status_lim, now) > 0)
			continue;
		pw_limiter_note(&p->status_lim, now);
		tt_error_clear(&err);
		w->gap = w->gap * 1.5 > 15 ? 15 : w->gap * 1.5;
		w->next = now + w->gap;
		if (api_status(p->api, w->publish_id, &ps, &err) || !ps.post_id[0])
			continue;
		pw_load_ci(p);
		post_url(p, ps.post_id, url, sizeof(url));
		store_set_result(p->st, w->id, ps.post_id, url[0] ? url : NULL, 0);
		log_info("job %" PRId64 ": public post ID %s", w->id, ps.post_id);
		watch_remove(p, i--);
	}
}

double pw_watch_next(const struct poster *p)
{
	double next = 0;

	for (int i = 0; i < p->nwatch; i++)
		if (!next || p->watches[i].next < next)
			next = p->watches[i].next;
	return next;
}

int pw_watch_scan(const struct job *j, void *arg)
{
	struct poster *p = arg;
	int64_t until = j->posted_at + WATCH_SEC;

	if (j->state == JOB_POSTED && j->publish_id && (!j->post_id || !j->post_id[0]) &&
	    j->status && !strcmp(j->status, "PUBLISH_COMPLETE") &&
	    !(j->privacy && !strcmp(j->privacy, "SELF_ONLY")) && until > pw_now())
		watch_add(p, j->id, j->publish_id, until);
	return 0;
}

/* ---- finishing --------------------------------------------------------- */

static void finish(struct poster *p, const struct job *j, const struct publish_status *ps)
{
	char url[256];
	int64_t posted_at = pw_now();
	bool made_private;
	int rc;

	pw_load_ci(p);
	post_url(p, ps->post_id, url, sizeof(url));
	store_set_status(p->st, j->id, ps->status);
	store_set_result(p->st, j->id, ps->post_id[0] ? ps->post_id : NULL, url[0] ? url : NULL,
			 posted_at);
	if (!pw_still_ours(p, j->id, JOB_PROCESSING)) {
		log_warn("job %" PRId64 ": %s was deleted after its last chunk; TikTok took it "
			 "anyway (publish %s, %s)",
			 j->id, j->path, j->publish_id, ps->status);
		return;
	}
	store_set_error(p->st, j->id, NULL);
	made_private = result_notes_posted(p->st, p->cfg, j->id, ps->status);
	rc = outcome_posted(p->st, p->cfg, p->root, j->id);
	if (rc) {
		log_err("job %" PRId64 ": posted as %s but cannot move to posted/: %s", j->id,
			j->publish_id, strerror(-rc));
		pw_nap(p, 5);
		return;
	}
	log_info("job %" PRId64 ": %s %s (publish %s%s%s)", j->id, j->path,
		 !strcmp(ps->status, "SEND_TO_USER_INBOX") ? "sent to the TikTok inbox" : "posted",
		 j->publish_id, ps->post_id[0] ? ", post " : "", ps->post_id);
	if (!ps->post_id[0] && !strcmp(ps->status, "PUBLISH_COMPLETE") && !made_private &&
	    !(j->privacy && !strcmp(j->privacy, "SELF_ONLY")))
		watch_add(p, j->id, j->publish_id, posted_at + WATCH_SEC);
}

/* FAILED with a fail_reason. */
static void publish_failed(struct poster *p, const struct job *j, const struct publish_status *ps)
{
	struct tt_error err;

	tt_error_clear(&err);
	errors_fail_reason(&err, ps->fail_reason);
	store_set_status(p->st, j->id, "FAILED");
	if (err.cls == ERR_RETRY || err.cls == ERR_DEFER) {
		pw_restart(p, j, &err, err.cls == ERR_DEFER);
		return;
	}
	pw_fail(p, j->id, &err);
}

/* POLL_PENDING: @ps holds an answer; POLL_AGAIN: ask again (after the
 * pause already taken); POLL_DONE: the turn ended; POLL_STOP: stopping. */
enum poll_result { POLL_PENDING, POLL_AGAIN, POLL_DONE, POLL_STOP };

/* One status/fetch, with its errors handled.  POLL_DONE: the turn ended. */
static enum poll_result pw_status_once(struct poster *p, const struct job *j, enum job_state state,
				       struct publish_status *ps, int *fails)
{
	struct tt_error err;

	if (!pw_limiter_take(p, &p->status_lim))
		return POLL_STOP;
	tt_error_clear(&err);
	memset(ps, 0, sizeof(*ps));
	if (api_status(p->api, j->publish_id, ps, &err) == 0)
		return POLL_PENDING;
	if (pw_login_problem(&err)) {
		pw_login_wait(p, j->id, &err);
		return POLL_DONE;
	}
	switch (err.cls) {
	case ERR_RETRY:
		return pw_retry_pause(p, j->id, state, fails, &err) ? POLL_AGAIN : POLL_DONE;
	case ERR_DEFER:
		/* our own limiter should prevent this; someone else uses the token */
		return pw_nap(p, 10) ? POLL_AGAIN : POLL_DONE;
	default:
		break;
	}
	if (!strcmp(err.code, "invalid_publish_id") && state == JOB_UPLOADING) {
		/* TikTok does not know the task: it cannot publish it. */
		pw_restart(p, j, &err, false);
		return POLL_DONE;
	}
	pw_fail(p, j->id, &err);
	return POLL_DONE;
}

/* Poll until a final status, the processing cap, or a stop. */
static void poll_until_final(struct poster *p, const struct job *j)
{
	struct publish_status ps;
	double gap = POLL_FIRST, t0 = pw_mono();
	int fails = 0;

	for (;;) {
		enum poll_result r = pw_status_once(p, j, JOB_PROCESSING, &ps, &fails);

		if (r == POLL_DONE || r == POLL_STOP)
			return;
		if (r == POLL_PENDING && ps.status[0]) {
			if (!strcmp(ps.status, "PUBLISH_COMPLETE") ||
			    !strcmp(ps.status, "SEND_TO_USER_INBOX")) {
				finish(p, j, &ps);
				return;
			}
			if (!strcmp(ps.status, "FAILED")) {
				publish_failed(p, j, &ps);
				return;
			}
			/* PROCESSING_*, and any status TikTok adds later: pending */
			store_set_status(p->st, j->id, ps.status);
			fails = 0;
		}
		if (pw_mono() - t0 > PROCESSING_POLL_MAX) {
			struct tt_error err;

			tt_error_clear(&err);
			tt_error_set(&err, ERR_DEFER,
				     "TikTok is still processing the video after %.0f "
				     "minutes",
				     PROCESSING_POLL_MAX / 60);
			pw_defer(p, j->id, &err, pw_now() + PROCESSING_DEFER_SEC);
			return;
		}
		pw_watch_service(p);
		if (!pw_nap(p, gap) || !pw_still_ours(p, j->id, JOB_PROCESSING))
			return;
		gap = gap * 1.5 > POLL_MAX ? POLL_MAX : gap * 1.5;
	}
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
		store_set_publish(p->st, j->id, j->mode, j->publish_id, NULL, 0);
	}
	job_free(&now);
}

/* All bytes are at TikTok: processing. */
void pw_to_processing(struct poster *p, const struct job *j)
{
	store_set_progress(p->st, j->id, j->size);
	if (store_transition(p->st, j->id, JOB_PROCESSING, "all bytes sent")) {
		pw_nap(p, 5);
		return;
	}
	keep_publish(p, j);
	poll_until_final(p, j);
}

/* Continue an item that has a publish_id: status/fetch says where it is. */
void pw_reconcile(struct poster *p, const struct job *j)
{
	struct publish_status ps;
	struct tt_error err;
	int fails = 0;
	enum poll_result r;

	do
		r = pw_status_once(p, j, j->state, &ps, &fails);
	while (r == POLL_AGAIN);
	if (r != POLL_PENDING)
		return;
	log_info("job %" PRId64 ": publish %s is %s (%" PRIu64 "/%" PRIu64 " bytes at TikTok)",
		 j->id, j->publish_id, ps.status[0] ? ps.status : "?", ps.uploaded_bytes, j->size);
	if (!strcmp(ps.status, "PUBLISH_COMPLETE") || !strcmp(ps.status, "SEND_TO_USER_INBOX")) {
		if (j->state != JOB_PROCESSING)
			store_transition(p->st, j->id, JOB_PROCESSING, "reconciled: TikTok has it");
		finish(p, j, &ps);
		return;
	}
	if (!strcmp(ps.status, "FAILED")) {
		publish_failed(p, j, &ps);
		return;
	}
	if (!strcmp(ps.status, "PROCESSING_UPLOAD") && ps.uploaded_bytes < j->size &&
	    j->state != JOB_PROCESSING) {
		if (pw_now() + URL_MARGIN >= j->upload_expires) {
			tt_error_clear(&err);
			tt_error_set(&err, ERR_RETRY,
				     "the upload link expired before the last chunk");
			pw_restart(p, j, &err, false);
			return;
		}
		pw_resume_upload(p, j, ps.uploaded_bytes);
		return;
	}
	pw_to_processing(p, j);
}
