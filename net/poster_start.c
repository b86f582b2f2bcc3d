/*
 * The posting worker's first steps for a fresh item, one without a
 * publish_id (net/poster_int.h).  STEP_START validates it with what is
 * known, asks creator_info (a direct post needs it; a draft goes on
 * without), validates again when the creator's limits changed, opens the
 * staging file and plans the chunks.  STEP_INIT asks the pace, sends the
 * init and commits publish_id and upload_url before the first byte.  An
 * init whose answer was lost ends the turn as TURN_LOST_INIT, by the rule
 * in net/poster.c's opening comment.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meta/config.h"
#include "meta/creator.h"
#include "meta/job/drop.h"
#include "meta/job/store.h"
#include "meta/media/media.h"
#include "meta/rules.h"
#include "net/api.h"
#include "net/chunk.h"
#include "net/poster_int.h"
#include "util/log.h"
#include "util/path.h"
#include "util/safepath.h"
#include "util/strbuf.h"

/* What init sends, from the verdict's sidecar. */
static void fill_post_info(const struct verdict *v, struct post_info *pi)
{
	const struct sidecar *sc = &v->sidecar;

	memset(pi, 0, sizeof(*pi));
	pi->privacy_level = v->privacy;
	pi->title = v->have_sidecar && sc->caption ? sc->caption : "";
	if (!v->have_sidecar) {
		pi->disable_comment = pi->disable_duet = pi->disable_stitch = true;
		return;
	}
	/* off unless set on (spec: "The caption sidecar") */
	pi->disable_comment = sc->comments != TRI_ON;
	pi->disable_duet = sc->duet != TRI_ON;
	pi->disable_stitch = sc->stitch != TRI_ON;
	pi->has_cover = sc->has_cover;
	pi->cover_ms = sc->cover_ms;
	pi->brand_content = sc->branded == TRI_ON;
	pi->brand_organic = sc->promotional == TRI_ON;
	pi->is_aigc = sc->ai_generated == TRI_ON;
}

/* Whether two creator_info answers would validate alike. */
static bool ci_same(const struct creator_info *a, const struct creator_info *b)
{
	if (a->n_privacy != b->n_privacy || a->comment_disabled != b->comment_disabled ||
	    a->duet_disabled != b->duet_disabled || a->stitch_disabled != b->stitch_disabled ||
	    a->max_duration_sec != b->max_duration_sec)
		return false;
	for (int i = 0; i < a->n_privacy && i < CREATOR_MAX_PRIVACY; i++)
		if (strcmp(a->privacy_options[i], b->privacy_options[i]))
			return false;
	return true;
}

/* An error from creator_info or init: how the turn goes on, by its class. */
static struct step api_error(struct poster *p, struct tt_error *err)
{
	if (pw_login_problem(err))
		return step_end(TURN_LOGIN, err);
	switch (err->cls) {
	case ERR_RETRY:
		return step_retry(STEP_START, err);
	case ERR_DEFER:
		/* The daily cap: no direct post before a slot can open. */
		if (!strcmp(err->code, "spam_risk_too_many_posts"))
			err->retry_at = pace_cap_reached(p->pace, pw_now());
		else if (!strcmp(err->code, "spam_risk_too_many_pending_share"))
			err->retry_at = pace_drafts_full(p->pace, pw_now());
		else if (!strcmp(err->code, "rate_limit_exceeded") && err->retry_at > 0)
			pace_hold(p->pace, err->retry_at); /* the others wait too */
		return step_defer(err, err->retry_at);
	case ERR_INCOMPLETE:
		return step_end(TURN_CHANGED, err);
	default:
		return step_end(TURN_FAIL, err);
	}
}

/* Validate against @ci (may be NULL) into t->v.  0 when OK; else -1 and
 * the turn ends as TURN_REFUSED.  (The YouTube steps call it too.) */
int pw_validate(struct poster *p, struct turn *t, const struct creator_info *ci)
{
	const struct job *j = &t->j;
	bool in_scheduled = drop_in_scheduled(j->path);
	int root_fd = sp_open_root(p->root);
	int rc;

	if (t->have_verdict)
		verdict_free(&t->v);
	verdict_init(&t->v);
	t->have_verdict = true;
	/* From the root without links, like the tracker (meta/job/itemfile.h). */
	if (root_fd < 0) {
		tt_error_set(&t->v.error, ERR_INCOMPLETE, "%s: cannot open the staging folder: %s",
			     path_base(j->path), strerror(-root_fd));
		t->v.kind = VERDICT_INCOMPLETE;
		return -1;
	}
	rc = rules_validate_at(p->cfg, ci, root_fd, j->path, j->caption_path, in_scheduled, &t->v);
	close(root_fd);
	return rc == 0 && t->v.kind == VERDICT_OK ? 0 : -1;
}

/*
 * Whether @j may start its upload now under the pace (net/pace.h): 0, or
 * -1 with @s deferring it to the first second it may.  Asked before
 * creator_info too, so a waiting item costs TikTok no request.
 */
static int pace_turn(struct poster *p, const struct job *j, bool direct, struct step *s)
{
	int64_t now = pw_now(), at;
	struct tt_error err;

	pace_expire(p->pace, now);
	at = pace_reserve(p->pace, now, direct, j->id);
	if (at <= now)
		return 0;
	tt_error_clear(&err);
	if (direct && p->pace->cap_until >= at)
		tt_error_set(&err, ERR_DEFER,
			     "TikTok's daily post limit for this account is reached; it waits "
			     "for a free slot");
	else if (!direct && p->pace->drafts_until >= at)
		tt_error_set(&err, ERR_DEFER,
			     "TikTok holds 5 drafts not yet finished in the app; it waits "
			     "until one is");
	else if (p->pace->hold_until >= at)
		tt_error_set(&err, ERR_DEFER,
			     "TikTok's rate limit was reached; it waits for the window to free");
	else
		tt_error_set(&err, ERR_DEFER,
			     "TikTok allows %d upload starts a minute; it waits for its turn",
			     PACE_PER_MINUTE);
	*s = step_defer(&err, at);
	return -1;
}

/* creator_info, and a second validation when its answer changed.  0, or
 * -1 with @s saying how the turn goes on. */
static int ask_creator(struct poster *p, struct turn *t, struct step *s)
{
	struct creator_info ci;
	struct tt_error err;

	memset(&ci, 0, sizeof(ci));
	tt_error_clear(&err);
	if (!pw_window_take(p, p->creator_lim)) {
		*s = step_end(TURN_STOP, NULL);
		return -1;
	}
	if (p->io.creator_info(p->io.ctx, &ci, &err) == 0) {
		bool same = p->have_ci && ci_same(&ci, &p->ci);

		p->ci = ci;
		p->have_ci = true;
		creator_save(p->cfg->state_dir, &ci);
		if (!same && pw_validate(p, t, &p->ci)) {
			*s = step_end(TURN_REFUSED, NULL);
			return -1;
		}
		return 0;
	}
	/* A direct post needs creator_info (§5.1, UX rules); a draft does
	 * not, so only the login or the network stop it. */
	if (t->v.mode != POST_DRAFT || pw_login_problem(&err) || err.cls == ERR_RETRY) {
		*s = api_error(p, &err);
		return -1;
	}
	log_info("job %" PRId64 ": creator_info: %s; a draft goes on without it", t->j.id,
		 err.what);
	return 0;
}

/* The staging file open and the chunks planned.  0, or -1 with @s. */
static int open_and_plan(struct poster *p, struct turn *t, struct step *s)
{
	struct job *j = &t->j;
	struct tt_error err;

	tt_error_clear(&err);
	t->mime = media_container_mime(t->v.media.container);
	if (!t->mime) {
		tt_error_set(&err, ERR_USER,
			     "%s: TikTok takes MP4, MOV and WebM files only, not %s",
			     path_base(j->path), media_container_name(t->v.media.container));
		tt_error_advise(&err,
				"Convert it, e.g. ffmpeg -i IN -c:v libx264 -c:a aac OUT.mp4.");
		*s = step_end(TURN_FAIL, &err);
		return -1;
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = pw_open_video(p, j, &err);
	if (t->fd < 0) {
		t->fd = -1; /* struct turn: -1 when not open */
		*s = step_end(TURN_CHANGED, &err);
		return -1;
	}
	if (pw_make_plan(p, j, j->size ? j->size : t->v.media.size, &t->plan, &err)) {
		*s = step_end(TURN_FAIL, &err);
		return -1;
	}
	j->size = t->plan.video_size;
	return 0;
}

/*
 * A direct post asked with a drafts-only login (no video.publish: the
 * login asks for it only with mode = direct, cmd/login.c).  TikTok would
 * refuse it with scope_not_authorized; the item fails now, saying which
 * scope is missing and where to enable it.
 */
static struct step no_publish_scope(struct poster *p, const struct job *j)
{
	struct tt_error err;

	tt_error_clear(&err);
	tt_error_set(&err, ERR_USER,
		     "%s asks for a direct post, but the TikTok login has no video.publish "
		     "permission (it was made for drafts)",
		     path_base(j->path));
	tt_error_advise(&err,
			"Post it as a draft (mode: draft in its caption), or: in the developer "
			"portal enable Direct Post in the app's Content Posting API so that "
			"video.publish is approved, set mode = direct in %s, run `tiktokfs "
			"login` again, and put the video back in outbox/.",
			p->cfg->path ? p->cfg->path : "the config");
	tt_error_code(&err, "scope_not_authorized", "");
	return step_end(TURN_FAIL, &err);
}

struct step step_start(struct poster *p, struct turn *t)
{
	struct job *j = &t->j;
	struct step s;
	bool drafts_only;

	/* Validate with what is known (the saved creator_info) to learn the
	 * mode, then ask TikTok and validate again when the answer differs. */
	pw_load_ci(p);
	if (pw_validate(p, t, p->have_ci ? &p->ci : NULL))
		return step_end(TURN_REFUSED, NULL);
	drafts_only = p->io.lacks_scope && p->io.lacks_scope(p->io.ctx, "video.publish");
	if (drafts_only && t->v.mode != POST_DRAFT)
		return no_publish_scope(p, j);
	/* creator_info needs video.publish: a drafts-only login goes on without it */
	if (pace_turn(p, j, t->v.mode != POST_DRAFT, &s) || (!drafts_only && ask_creator(p, t, &s)))
		return s;
	if (pw_stopping(p))
		return step_end(TURN_STOP, NULL);
	if (t->v.privacy[0] && (!j->privacy || strcmp(j->privacy, t->v.privacy)))
		store_set_ready(p->st, j->id, j->size, j->schedule_at, t->v.privacy,
				t->v.warning[0] ? t->v.warning : NULL, j->mime);
	if (open_and_plan(p, t, &s))
		return s;
	return step_go(STEP_INIT);
}

/* The answer of a good init, committed: exactly once, durable before the
 * first byte.  0, or -1 with @s. */
static int commit_publish(struct poster *p, struct turn *t, struct publish_ticket *pt,
			  enum job_state was, struct step *s)
{
	struct job *j = &t->j;
	/* The account of this turn's login (p->account), not the job's as it
	 * is now: a move during the init re-targeted it (store.h, THE ACCOUNT). */
	int rc = store_set_publish_as(p->st, j->id, p->account, t->v.mode, pt->publish_id,
				      pt->upload_url, pw_now() + UPLOAD_URL_LIFETIME);

	if (rc) {
		/* Never sent a byte: the task cannot publish; try again later. */
		log_err("job %" PRId64 ": cannot record publish %s: %s", j->id, pt->publish_id,
			strerror(-rc));
		*s = step_end(TURN_PAUSE, NULL);
		return -1;
	}
	if (!pw_still_ours(p, j->id, was)) {
		log_info("job %" PRId64 ": %s went away during the upload start; publish %s "
			 "abandoned",
			 j->id, j->path, pt->publish_id);
		store_clear_publish(p->st, j->id);
		*s = step_end(TURN_STOP, NULL);
		return -1;
	}
	store_set_error(p->st, j->id, NULL);
	store_transition(p->st, j->id, JOB_UPLOADING, PW_INIT_NOTE);
	free(j->publish_id);
	free(j->upload_url);
	j->publish_id = xstrdup(pt->publish_id);
	j->upload_url = pt->upload_url; /* handed over */
	pt->upload_url = NULL;
	j->attempts++;
	j->state = JOB_UPLOADING;
	return 0;
}

struct step step_init(struct poster *p, struct turn *t)
{
	struct job *j = &t->j;
	bool direct = t->v.mode != POST_DRAFT;
	struct publish_ticket pt = {0};
	struct post_info pi;
	struct step s;
	int rc;

	fill_post_info(&t->v, &pi);
	if (!pw_still_ours(p, j->id, j->state))
		return step_end(TURN_STOP, NULL);
	if (pace_turn(p, j, direct, &s))
		return s;
	pace_release(p->pace, j->id);
	tt_error_clear(&s.err);
	rc = p->io.init(p->io.ctx, !direct, &pi, &t->plan, &pt, &s.err);
	/* Counted when the answer came (or did not), not when the request
	 * left: TikTok's window starts when the request reaches it, which is
	 * somewhere in between, so only the later time keeps the next start
	 * out of TikTok's minute however slow the network or the TLS
	 * handshake (seen as 429s under load before). */
	pace_note(p->pace, pw_now(), direct);
	if (rc) {
		publish_ticket_clear(&pt);
		if (!strcmp(s.err.code, "init_outcome_unknown"))
			return step_end(TURN_LOST_INIT, &s.err);
		return api_error(p, &s.err);
	}
	rc = commit_publish(p, t, &pt, j->state, &s);
	if (rc == 0)
		log_info("job %" PRId64 ": %s: publish %s, %" PRIu64 " bytes in %" PRIu64
			 " chunk%s (%s)",
			 j->id, j->path, pt.publish_id, t->plan.video_size, t->plan.chunk_count,
			 t->plan.chunk_count == 1 ? "" : "s", direct ? "direct" : "draft");
	publish_ticket_clear(&pt);
	if (rc)
		return s;
	t->chunk = 0;
	t->retries = 0;
	return step_go(STEP_SEND);
}
