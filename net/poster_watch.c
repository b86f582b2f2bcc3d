/*
 * The wait for public post IDs (net/poster_int.h).  PUBLISH_COMPLETE may
 * come with no publicaly_available_post_id yet: TikTok's moderation can
 * take hours (docs/tiktok.md).  Such a job is `published` in the store
 * (meta/job/store.h, (4)): its item is already in posted/, and the store,
 * not this file, remembers that an ID is owed and when to ask next
 * (post_poll_at).  So a restart or a remount picks every wait up where it
 * was, and a hundred waiting posts are a hundred rows, not a list that
 * could overflow.
 *
 * Each wait is asked with its job's account's login (as_its_account).
 * A target of a multi-target item that ended published waits the same
 * way on its own row (meta/job/store.h, THE TARGETS): the store hands it
 * as a job with target_id set, and store_wait_*() change the row.
 *
 * Asks come through the same 30/min status window as the active upload's
 * polls, and the upload goes first: between its steps a wait is asked
 * about only while POST_WAIT_RESERVE calls of the window stay free, and
 * never by waiting for room.  The interval doubles with the age of the
 * publish (the gap is the time since the publish: 3 s, 6 s, 12 s ...),
 * capped at POST_WAIT_CAP; waits due at once go in order of their due
 * time.  The wait ends, published -> posted through store_end_post_wait(),
 * when the ID comes (post_id and url set; the results follow the file
 * wherever it went within posted/, as for any posted item), when TikTok
 * says FAILED meanwhile (post_status and NAME.error beside the file, which
 * stays in posted/: the upload did happen), or after config post_id_wait
 * hours with no ID (post_status says so; no more asks).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "meta/config.h"
#include "meta/creator.h"
#include "meta/job/outcome.h"
#include "meta/job/store.h"
#include "net/errors.h"
#include "meta/tiktok.h"
#include "net/poster_int.h"
#include "util/clock.h"
#include "util/log.h"

void pw_post_url(const struct poster *p, const char *post_id, char *out, size_t size)
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

int64_t pw_wait_gap(int64_t since)
{
	if (since < POST_WAIT_FIRST)
		return POST_WAIT_FIRST;
	return since > POST_WAIT_CAP ? POST_WAIT_CAP : since;
}

int64_t pw_wait_deadline(const struct poster *p, const struct job *j)
{
	return j->posted_at + (int64_t)p->cfg->post_id_wait * 3600;
}

int pw_wait_begin(struct poster *p, int64_t id, int64_t posted_at)
{
	return store_set_post_poll(p->st, id, posted_at + POST_WAIT_FIRST, POST_WAIT_TEXT);
}

/* The next ask of @j after one at @now: the gap, never past the deadline. */
static void wait_again(struct poster *p, const struct job *j, int64_t now)
{
	int64_t next = now + pw_wait_gap(now - j->posted_at);
	int64_t end = pw_wait_deadline(p, j);

	store_wait_poll(p->st, j, next < end ? next : end, NULL);
}

static void wait_end(struct poster *p, const struct job *j, const char *post_id, const char *url,
		     const char *post_status, const char *note)
{
	int rc = store_wait_end(p->st, j, post_id, url, post_status, note);

	if (rc && rc != -ENOENT)
		log_warn("job %" PRId64 ": cannot record the end of the wait for its post ID: %s",
			 j->id, strerror(-rc));
}

static void wait_found(struct poster *p, const struct job *j, const char *post_id)
{
	char url[256];

	pw_load_ci(p);
	pw_post_url(p, post_id, url, sizeof(url));
	log_info("job %" PRId64 ": %s: public post ID %s after moderation", j->id, j->path,
		 post_id);
	wait_end(p, j, post_id, url[0] ? url : NULL, POST_WAIT_FOUND, "post ID known");
}

/* FAILED after PUBLISH_COMPLETE: moderation took the post down, or TikTok
 * gave up.  Said on the item and in NAME.error beside it. */
static void wait_failed(struct poster *p, const struct job *j, const char *reason)
{
	struct tt_error err;
	char text[sizeof(err.what)];
	int rc;

	tt_error_clear(&err);
	errors_fail_reason(&err, reason);
	snprintf(text, sizeof(text), "TikTok reported FAILED (%.80s) after publishing it: %.300s",
		 reason[0] ? reason : "no reason given", err.what);
	memcpy(err.what, text, sizeof(err.what));
	tt_error_advise(&err, "The upload was made, so the video stays in posted/. Look for the "
			      "post in the TikTok app; to post it again, move it back to outbox/.");
	log_warn("job %" PRId64 ": %s: %s", j->id, j->path, text);
	rc = outcome_error_file(p->root, j->path, &err);
	if (rc)
		log_warn("%s: cannot write its .error file: %s", j->path, strerror(-rc));
	wait_end(p, j, NULL, NULL, text, "TikTok reported FAILED after publishing");
}

static void wait_expired(struct poster *p, const struct job *j)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "no post ID after %u hours (post_id_wait): TikTok's moderation has not made "
		 "the post public; look for it in the TikTok app",
		 p->cfg->post_id_wait);
	log_info("job %" PRId64 ": %s: %s", j->id, j->path, text);
	wait_end(p, j, NULL, NULL, text, "no post ID in time");
}

/* One status/fetch for waiting job @j at @now (the window was checked). */
static void wait_ask(struct poster *p, const struct job *j, int64_t now)
{
	struct publish_status ps;
	struct tt_error err;

	pace_window_note(p->status_lim, mono_now());
	tt_error_clear(&err);
	memset(&ps, 0, sizeof(ps));
	wait_again(p, j, now); /* first: whatever happens, this ask counts */
	if (p->io.status(p->io.ctx, j->publish_id, &ps, &err)) {
		log_info("job %" PRId64 ": asking for the post ID: %s", j->id, err.what);
		if (pw_login_problem(&err)) {
			p->io.logout(p->io.ctx);
			p->logged_in = false;
			p->login_retry_at = mono_now() + LOGIN_RETRY_SEC;
		}
		return;
	}
	if (ps.post_id[0])
		wait_found(p, j, ps.post_id);
	else if (!strcmp(ps.status, "FAILED"))
		wait_failed(p, j, ps.fail_reason);
}

/* Whether a wait may be asked about now: logged in (trying once more when
 * the pause after a refusal is over) and room in the window, keeping
 * @reserve calls for the upload in progress. */
static bool may_ask(struct poster *p, int reserve)
{
	double now = mono_now();
	struct tt_error err;

	if (!p->logged_in) {
		if (now < p->login_retry_at)
			return false;
		tt_error_clear(&err);
		if (p->io.login(p->io.ctx, &err)) {
			p->login_retry_at = now + LOGIN_RETRY_SEC;
			return false;
		}
		p->logged_in = true;
	}
	return pace_window_delay(p->status_lim, now) <= 0 &&
	       p->status_lim->n + reserve < p->status_lim->max;
}

/* The next due wait into @j: 1 when one is due at @now, else 0. */
static int due_wait(struct poster *p, struct job *j, int64_t now)
{
	if (store_next_post_wait(p->st, j))
		return 0;
	if (j->post_poll_at <= now)
		return 1;
	job_free(j);
	return 0;
}

/*
 * A publish is asked about with the token of the user who made it: its
 * job's account's (docs/tiktok.md §5.2).  Between turns the worker makes
 * that account current; inside a turn it may not (the turn's upload holds
 * the login), so a wait of another account is left for the next pause
 * between jobs.  One of an account the config no longer has can never be
 * asked: its wait ends now (it would hold up every wait behind it).
 */
static bool as_its_account(struct poster *p, const struct job *j, bool in_turn)
{
	if (!strcmp(p->account, j->account ? j->account : "default"))
		return true;
	if (in_turn)
		return false;
	if (pw_use_account(p, j) == 0)
		return true;
	log_warn("job %" PRId64 ": %s: account %s is no longer configured; its post ID is not "
		 "asked for",
		 j->id, j->path, j->account);
	wait_end(p, j, NULL, NULL, "account no longer configured: the post ID is not asked for",
		 "account no longer configured");
	return false;
}

void pw_wait_service(struct poster *p, bool in_turn)
{
	int reserve = in_turn ? POST_WAIT_RESERVE : 0;
	struct job j;
	int yt;

	for (int n = 0; n < POST_WAIT_BURST && !pw_stopping(p); n++) {
		int64_t now = pw_now();

		if (!due_wait(p, &j, now))
			return;
		yt = pw_yt_wait_service(p, &j, now, in_turn); /* YouTube's processing */
		if (yt)
			n = yt < 0 ? POST_WAIT_BURST : n;
		else if (now >= pw_wait_deadline(p, &j))
			wait_expired(p, &j);
		else if (!as_its_account(p, &j, in_turn))
			n = POST_WAIT_BURST;
		else if (may_ask(p, reserve))
			wait_ask(p, &j, now);
		else
			n = POST_WAIT_BURST;
		job_free(&j);
	}
}

double pw_wait_next(struct poster *p)
{
	struct job j;
	double in, d;

	if (store_next_post_wait(p->st, &j))
		return -1;
	in = (double)j.post_poll_at - (double)pw_now();
	job_free(&j);
	d = pace_window_delay(p->status_lim, mono_now());
	if (d > in)
		in = d;
	if (!p->logged_in && p->login_retry_at - mono_now() > in)
		in = p->login_retry_at - mono_now();
	return in < 0 ? 0 : in;
}
