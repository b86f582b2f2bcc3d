/*
 * The posting worker's YouTube steps (net/poster_int.h): a job whose
 * account has platform = youtube is posted through the resumable upload of
 * docs/youtube.md §4, by the same dispatcher and end_turn() as TikTok's.
 *
 *   STEP_YT_START    validate, open the staging file, the session's metadata
 *   STEP_YT_SESSION  the session start; its URI committed before any byte
 *   STEP_YT_QUERY    bytes *\/TOTAL: what the server holds (a job with a
 *                    stored session always starts its turn here)
 *   STEP_YT_SEND     one chunk at the server's offset (net/poster_yt_send.c)
 *   STEP_YT_DONE     the video resource: its id recorded, posted/
 *
 * EXACTLY ONCE.  A video comes into being only when a session receives its
 * last byte (docs/youtube.md §3: every completed session is a new video,
 * an unused one produces none).  So the worker keeps one rule: the session
 * URI, the only handle to a session, is committed to the store
 * (upload_url, a secret: never logged, never shown) before the first byte
 * goes, and a job that has one never starts another unless the server said
 * the session is dead (404/410 on the URI: YT_GONE).  Restarts, 5xx,
 * network errors, a lost chunk answer: the turn asks the session what it
 * holds (bytes *\/TOTAL) and goes on from the server's Range, never from a
 * local counter; a session that completed answers with the video itself,
 * which is recorded and not uploaded again.
 *
 * The kill, or the lost answer, between sending the session start and
 * committing its Location: Google may have opened a session, but its URI
 * exists only in the answer nobody saw, so no byte can ever reach it, and
 * an unfilled session never becomes a video.  A new session for the file
 * therefore cannot make a second video; it is started after
 * LOST_INIT_DEFER_SEC, at most MAX_LOST_INITS times per item and run
 * (TURN_LOST_INIT, the rule TikTok's lost init follows in net/poster.c).
 * The orphan costs one insert of the project's quota; that is the whole
 * price.  A stored session the server still holds is never abandoned for a
 * new one, so a file has at most one live session.
 *
 * Seams: "before the session starts" (yt_before_session, the daily
 * budget) and "after the upload answer" (yt_after_upload: the private
 * lock, processing) are single functions, called from one place each.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meta/config.h"
#include "meta/job/drop.h"
#include "meta/job/outcome.h"
#include "meta/job/store.h"
#include "meta/media/media.h"
#include "meta/youtube_meta.h"
#include "net/poster_int.h"
#include "net/yt_errors.h"
#include "util/log.h"
#include "util/path.h"
#include "util/strbuf.h"

void pw_yt_url(const char *video_id, char *out, size_t size)
{
	/* watch?v= plays every video, a Short too: whether YouTube shows it
	 * in the Shorts feed is its own decision (docs/youtube.md §7), so the
	 * one address that is always right is this one. */
	snprintf(out, size, "https://www.youtube.com/watch?v=%s", video_id);
}

/* The videos.insert body of t->j from its settled sidecar, by the one
 * mapping (meta/youtube_meta.h) the tracker and `check` use too; the caller
 * frees it.  NULL with @err when the mapping refuses (the caption changed
 * since it was checked). */
static char *yt_meta_body(struct poster *p, const struct turn *t, struct tt_error *err)
{
	const struct job *j = &t->j;
	const char *name = path_base(j->caption_path ? j->caption_path : j->path);
	struct yt_meta m;
	char *out = NULL;

	memset(&m, 0, sizeof(m));
	if (yt_meta_from_sidecar(p->cfg, &t->v.sidecar, name, pw_now(), &m, err) == 0)
		out = yt_meta_json(&m);
	yt_meta_free(&m);
	return out;
}

/* ---- shared by the YouTube steps --------------------------------------------- */

/* @err as a user reads it: the file's name first. */
static void name_file(const struct turn *t, struct tt_error *err)
{
	char what[sizeof(err->what)];
	const char *base = path_base(t->j.path);

	if (!strncmp(err->what, base, strlen(base)))
		return;
	memcpy(what, err->what, sizeof(what));
	snprintf(err->what, sizeof(err->what), "%s: %.440s", base, what);
}

/* Not logged in (or the login was refused): only the reason, as TikTok's
 * steps give it; the worker's login_wait() (poster_end.c) words what to
 * run, for this account, the same for both platforms. */
static struct step login_error(struct poster *p, struct turn *t, const struct tt_error *why)
{
	struct tt_error err;

	(void)p;
	(void)t;
	tt_error_clear(&err);
	tt_error_set(&err, ERR_USER, "%s", why && why->what[0] ? why->what : "not logged in");
	tt_error_code(&err, YT_LOGIN_CODE, "");
	return step_end(TURN_LOGIN, &err);
}

struct step pw_yt_error(struct poster *p, struct turn *t, enum yt_answer a, struct tt_error *err,
			enum step_id again)
{
	if (a == YT_AUTH || !strcmp(err->code, YT_LOGIN_CODE))
		return login_error(p, t, err);
	if (pw_ytq_error(p, t, err)) /* the project's day is used up */
		a = YT_REFUSED;
	name_file(t, err);
	switch (a) {
	case YT_GONE:
		return step_end(TURN_RESTART, err); /* the server said it: a new session */
	case YT_FILE_ERROR:
		return step_end(TURN_CHANGED, err);
	case YT_ABORTED:
		return step_end(TURN_STOP, NULL);
	case YT_LOST:
		return step_end(TURN_LOST_INIT, err);
	default:
		break;
	}
	if (err->cls == ERR_RETRY)
		return step_retry(again, err);
	if (err->cls == ERR_DEFER)
		return step_defer(err, err->retry_at);
	if (err->cls == ERR_INCOMPLETE)
		return step_end(TURN_CHANGED, err);
	return step_end(TURN_FAIL, err);
}

struct step pw_yt_login(struct poster *p, struct turn *t, bool fresh)
{
	struct tt_error err;
	int rc;

	tt_error_clear(&err);
	if (!p->yt.login)
		return login_error(p, t, NULL);
	rc = p->yt.login(p->yt.ctx, &err);
	if (rc == 0) {
		p->logged_in = true;
		return step_go(fresh ? STEP_YT_START : STEP_YT_QUERY);
	}
	if (fresh && err.cls == ERR_RETRY)
		return step_retry(STEP_LOGIN, &err);
	return login_error(p, t, rc == -ENOENT ? NULL : &err);
}

/* ---- STEP_YT_START and STEP_YT_SESSION ----------------------------------------- */

struct step step_yt_start(struct poster *p, struct turn *t)
{
	struct job *j = &t->j;
	struct tt_error err;

	if (pw_validate(p, t, NULL))
		return step_end(TURN_REFUSED, NULL);
	if (pw_stopping(p))
		return step_end(TURN_STOP, NULL);
	tt_error_clear(&err);
	t->mime = media_container_mime(t->v.media.container);
	if (!t->mime)
		t->mime = "application/octet-stream"; /* YouTube takes it (§3) */
	if (t->fd >= 0)
		close(t->fd);
	t->fd = pw_open_video(p, j, &err);
	if (t->fd < 0) {
		t->fd = -1;
		return step_end(TURN_CHANGED, &err);
	}
	if (!j->size)
		j->size = t->v.media.size;
	free(t->yt_meta);
	t->yt_meta = yt_meta_body(p, t, &err);
	if (!t->yt_meta) {
		if (err.cls == ERR_NONE)
			tt_error_set(&err, ERR_PERMANENT,
				     "%s: cannot write the video's details as JSON",
				     path_base(j->path));
		return step_end(err.cls == ERR_USER ? TURN_CHANGED : TURN_FAIL, &err);
	}
	return step_go(STEP_YT_SESSION);
}

/*
 * Before the session starts: the place for what may hold an item back
 * before Google is asked for anything (the project's daily budget).  0, or
 * -1 with @s saying how the turn goes on.
 */
static int yt_before_session(struct poster *p, struct turn *t, struct step *s)
{
	return pw_ytq_before_session(p, t, s);
}

/* The session URI committed: exactly once, durable before the first byte.
 * 0, or -1 with @s. */
static int commit_session(struct poster *p, struct turn *t, char *uri, enum job_state was,
			  struct step *s)
{
	struct job *j = &t->j;
	const char *handle = t->yr.upload_id[0] ? t->yr.upload_id : "youtube-session";
	int rc =
	    store_set_publish(p->st, j->id, t->v.mode, handle, uri, pw_now() + YT_SESSION_LIFETIME);

	if (rc) {
		/* No byte sent: the session can never become a video. */
		log_err("job %" PRId64 ": cannot record the YouTube session: %s", j->id,
			strerror(-rc));
		*s = step_end(TURN_PAUSE, NULL);
		return -1;
	}
	if (!pw_still_ours(p, j->id, was)) {
		log_info("job %" PRId64 ": %s went away during the session start; session "
			 "abandoned (it never gets a byte)",
			 j->id, j->path);
		store_clear_publish(p->st, j->id);
		*s = step_end(TURN_STOP, NULL);
		return -1;
	}
	store_set_error(p->st, j->id, NULL);
	store_transition(p->st, j->id, JOB_UPLOADING, PW_YT_SESSION_NOTE);
	free(j->publish_id);
	free(j->upload_url);
	j->publish_id = xstrdup(handle);
	j->upload_url = uri; /* handed over */
	j->attempts++;
	j->state = JOB_UPLOADING;
	return 0;
}

struct step step_yt_session(struct poster *p, struct turn *t)
{
	struct job *j = &t->j;
	struct tt_error err;
	char *uri = NULL;
	enum yt_answer a;
	struct step s;

	if (!pw_still_ours(p, j->id, j->state))
		return step_end(TURN_STOP, NULL);
	if (yt_before_session(p, t, &s))
		return s;
	tt_error_clear(&err);
	a = p->yt.start(p->yt.ctx, t->yt_meta, j->size, t->mime, &uri, &t->yr, &err);
	if (a != YT_MORE || !uri) {
		free(uri);
		return pw_yt_error(p, t, a == YT_MORE ? YT_LOST : a, &err, STEP_YT_SESSION);
	}
	if (commit_session(p, t, uri, j->state, &s)) {
		explicit_bzero(uri, strlen(uri));
		free(uri);
		return s;
	}
	log_info("job %" PRId64 ": %s: YouTube session %s for %" PRIu64 " bytes", j->id, j->path,
		 j->publish_id, j->size);
	t->from = 0;
	t->retries = 0;
	return step_go(STEP_YT_SEND);
}

/* ---- STEP_YT_DONE ----------------------------------------------------------------- */

/*
 * After the upload's final answer (t->yr, the video resource): the place
 * for what YouTube's answer says beyond the id (the private lock of an
 * unaudited project, the processing to follow).  0, or -1 with @s.
 */
static int yt_after_upload(struct poster *p, struct turn *t, struct step *s)
{
	return pw_ytq_after_upload(p, t, s);
}

struct step step_yt_done(struct poster *p, struct turn *t)
{
	const struct job *j = &t->j;
	char url[128];
	struct step s;
	int rc;

	pw_yt_url(t->yr.video_id, url, sizeof(url));
	store_set_progress(p->st, j->id, j->size);
	store_set_status(p->st, j->id, t->yr.upload_status[0] ? t->yr.upload_status : "uploaded");
	store_set_result(p->st, j->id, t->yr.video_id, url, pw_now());
	if (j->state != JOB_PROCESSING &&
	    store_transition(p->st, j->id, JOB_PROCESSING, "all bytes at YouTube"))
		return step_end(TURN_PAUSE, NULL);
	t->j.state = JOB_PROCESSING;
	log_info("job %" PRId64 ": %s is YouTube video %s", j->id, j->path, t->yr.video_id);
	if (yt_after_upload(p, t, &s))
		return s;
	store_set_error(p->st, j->id, NULL);
	rc = outcome_posted(p->st, p->cfg, p->root, p->on_final, j->id);
	if (rc) {
		log_err("job %" PRId64 ": uploaded as %s but cannot move to posted/: %s", j->id,
			t->yr.video_id, strerror(-rc));
		return step_end(TURN_PAUSE, NULL);
	}
	return step_end(TURN_DONE, NULL);
}
