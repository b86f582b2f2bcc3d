/*
 * The wait for a YouTube video's processing (docs/youtube.md §5), the
 * YouTube twin of the post-ID wait of net/poster_watch.c, on the same
 * store machinery: the job is `published` (its item already in posted/),
 * post_poll_at says when videos.list is asked next, and its status (shown
 * as user.youtube.status) says what YouTube said last.  So a restart or a
 * remount picks the wait up where it was.
 *
 * Each ask is one quota unit of the account's project, spent in the store
 * first (net/yt_ledger.h); a project whose day is used up is asked again
 * after the next Pacific midnight.  The gaps double with the upload's age
 * (pw_wait_gap: 3 s, 6 s ... up to 15 minutes), for post_id_wait hours.
 * The wait ends, published -> posted, when uploadStatus is processed,
 * failed or rejected (the reason on the item and in NAME.error beside the
 * file, which stays in posted/: the upload did happen), deleted, or when
 * the hours pass.
 *
 * A wait is asked with its account's login: between turns the worker
 * switches to it; inside a turn only a wait of the turn's own account is
 * asked, as for TikTok's waits.  A YouTube target of a multi-target item
 * waits on its own row the same way (store_wait_*, meta/job/store.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "meta/config.h"
#include "meta/job/outcome.h"
#include "meta/job/store.h"
#include "net/poster_int.h"
#include "net/yt_errors.h"
#include "net/yt_ledger.h"
#include "net/yt_video.h"
#include "util/clock.h"
#include "util/log.h"

int pw_yt_wait_begin(struct poster *p, int64_t id, int64_t posted_at)
{
	return store_set_post_poll(p->st, id, posted_at + POST_WAIT_FIRST, NULL);
}

static void wait_end(struct poster *p, const struct job *j, const char *status, const char *note)
{
	int rc;

	store_wait_status(p->st, j, status);
	rc = store_wait_end(p->st, j, NULL, NULL, NULL, note);
	if (rc && rc != -ENOENT)
		log_warn("job %" PRId64 ": cannot record the end of YouTube's processing: %s",
			 j->id, strerror(-rc));
}

/* failed or rejected: said on the item and in NAME.error beside it. */
static void wait_refused(struct poster *p, const struct job *j, enum yt_proc state,
			 const char *reason)
{
	struct tt_error err;
	char status[96];
	int rc;

	snprintf(status, sizeof(status), "%s (%s)", yt_proc_name(state),
		 reason[0] ? reason : "no reason given");
	tt_error_clear(&err);
	tt_error_set(&err, ERR_PERMANENT,
		     "YouTube %s the video after its upload: %s is YouTube's %s",
		     state == YTP_REJECTED ? "rejected" : "could not process",
		     reason[0] ? reason : "no reason given",
		     state == YTP_REJECTED ? "rejectionReason" : "failureReason");
	tt_error_code(&err, reason, "");
	tt_error_advise(&err, "The upload was made, so the video stays in posted/. See the "
			      "video in YouTube Studio; to post it again after fixing the cause, "
			      "move it back to outbox/.");
	log_warn("job %" PRId64 ": %s: %s", j->id, j->path, err.what);
	rc = outcome_error_file(p->root, j->path, &err);
	if (rc)
		log_warn("%s: cannot write its .error file: %s", j->path, strerror(-rc));
	store_wait_error(p->st, j, err.what);
	wait_end(p, j, status, "YouTube ended the processing");
}

static void wait_expired(struct poster *p, const struct job *j)
{
	char text[200];

	snprintf(text, sizeof(text),
		 "still processing after %u hours (post_id_wait): see the video in YouTube "
		 "Studio",
		 p->cfg->post_id_wait);
	log_info("job %" PRId64 ": %s: %s", j->id, j->path, text);
	wait_end(p, j, text, "YouTube's processing not over in time");
}

/* The answer @rep of videos.list for @j. */
static void wait_answer(struct poster *p, const struct job *j, const struct yt_reply *rep)
{
	enum yt_proc state = yt_proc_from(rep->upload_status);

	switch (state) {
	case YTP_PROCESSED:
		log_info("job %" PRId64 ": %s: YouTube processed video %s", j->id, j->path,
			 j->post_id);
		wait_end(p, j, yt_proc_name(state), "YouTube processed the video");
		break;
	case YTP_FAILED:
	case YTP_REJECTED:
		wait_refused(p, j, state, rep->reason);
		break;
	case YTP_DELETED:
		wait_end(p, j, yt_proc_name(state), "the video was deleted at YouTube");
		break;
	default:
		store_wait_status(p->st, j, yt_proc_name(state));
		break;
	}
}

/* A failed ask: the quota (the project waits for midnight), the login (it
 * is looked at again later), or a passing failure (the next gap). */
static void wait_error(struct poster *p, const struct job *j, struct tt_error *err)
{
	struct tt_error q;
	int64_t at;

	tt_error_clear(&q);
	at = pw_ytq_refused(p, j, err->code, &q);
	log_info("job %" PRId64 ": asking YouTube about its processing: %s", j->id,
		 at ? q.what : err->what);
	if (at)
		store_wait_poll(p->st, j, at, NULL);
	if (!strcmp(err->code, YT_LOGIN_CODE)) {
		pw_logout(p);
		p->login_retry_at = mono_now() + LOGIN_RETRY_SEC;
	}
}

/* One videos.list for @j at @now (its account's login is at hand). */
static void wait_ask(struct poster *p, const struct job *j, int64_t now)
{
	struct yt_reply rep;
	struct tt_error err;
	int64_t next = now + pw_wait_gap(now - j->posted_at);
	int64_t end = pw_wait_deadline(p, j), at;

	tt_error_clear(&err);
	at = pw_ytq_take(p, j, YTQ_LIST, &err);
	if (at) {
		store_wait_poll(p->st, j, at < end ? at : end, NULL);
		return;
	}
	store_wait_poll(p->st, j, next < end ? next : end, NULL);
	memset(&rep, 0, sizeof(rep));
	if (p->yt.poll(p->yt.ctx, j->post_id ? j->post_id : "", &rep, &err))
		wait_error(p, j, &err);
	else
		wait_answer(p, j, &rep);
}

/* The login of @j's account, made current: false when it cannot be now
 * (inside another account's turn, or no login: looked at again later). */
static bool as_its_account(struct poster *p, const struct job *j, bool in_turn)
{
	struct tt_error err;

	if (strcmp(p->account, j->account ? j->account : "default") != 0) {
		if (in_turn || pw_use_account(p, j) < 0)
			return false;
	}
	if (p->logged_in)
		return true;
	if (mono_now() < p->login_retry_at || !p->yt.login)
		return false;
	tt_error_clear(&err);
	if (p->yt.login(p->yt.ctx, &err)) {
		p->login_retry_at = mono_now() + LOGIN_RETRY_SEC;
		return false;
	}
	p->logged_in = true;
	return true;
}

int pw_yt_wait_service(struct poster *p, const struct job *j, int64_t now, bool in_turn)
{
	if (!ytq_is_youtube(p->all, j->account))
		return 0;
	if (now >= pw_wait_deadline(p, j)) {
		wait_expired(p, j);
		return 1;
	}
	if (!as_its_account(p, j, in_turn))
		return -1;
	wait_ask(p, j, now);
	return 1;
}
