/*
 * The posting worker, part 2 of 4 (net/poster_int.h): a fresh item, one
 * without a publish_id.  Validate it with what is known, ask creator_info
 * (a direct post needs it; a draft goes on without), validate again when
 * the creator's limits changed, plan the chunks, init, and commit the
 * publish_id and upload_url before the first byte.  An init whose answer
 * was lost is started again only later and a bounded number of times, by
 * the rule in net/poster.c's opening comment.
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
#include "meta/media.h"
#include "meta/outcome.h"
#include "meta/rules.h"
#include "meta/store.h"
#include "net/api.h"
#include "net/chunk.h"
#include "net/poster_int.h"
#include "net/tokens.h"
#include "util/log.h"
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

/* An error from creator_info or init: act on its class.  -EAGAIN: retry. */
static int step_error(struct poster *p, const struct job *j, struct tt_error *err)
{
	if (pw_login_problem(err)) {
		pw_login_wait(p, j->id, err);
		return 0;
	}
	switch (err->cls) {
	case ERR_RETRY:
		return -EAGAIN;
	case ERR_DEFER:
		/* The daily cap: no direct post before a slot can open. */
		if (!strcmp(err->code, "spam_risk_too_many_posts"))
			err->retry_at = pace_cap_reached(&p->pace, pw_now());
		else if (!strcmp(err->code, "spam_risk_too_many_pending_share"))
			err->retry_at = pace_drafts_full(&p->pace, pw_now());
		else if (!strcmp(err->code, "rate_limit_exceeded") && err->retry_at > 0)
			pace_hold(&p->pace, err->retry_at); /* the others wait too */
		pw_defer(p, j->id, err, err->retry_at);
		return 0;
	case ERR_INCOMPLETE:
		pw_changed(p, j->id, err);
		return 0;
	default:
		pw_fail(p, j->id, err);
		return 0;
	}
}

/* The validation verdict says no: hand the item back where it belongs. */
static void verdict_refused(struct poster *p, const struct job *j, struct verdict *v)
{
	switch (v->kind) {
	case VERDICT_INCOMPLETE:
		pw_changed(p, j->id, &v->error);
		break;
	case VERDICT_CAPTION:
		log_info("job %" PRId64 ": %s", j->id, v->error.what);
		outcome_error_file(p->root, j->path, &v->error);
		store_set_error(p->st, j->id, v->error.what);
		store_transition(p->st, j->id, JOB_INVALID, v->error.what);
		break;
	default:
		pw_fail(p, j->id, &v->error);
		break;
	}
}

/* The lost-answer rule (net/poster.c, opening comment). */
static void init_lost(struct poster *p, const struct job *j, struct tt_error *err)
{
	int n = pw_lost_inits(p, j->id, true);

	if (n >= MAX_LOST_INITS) {
		pw_fail(p, j->id, err);
		return;
	}
	log_warn("job %" PRId64 ": the answer to the upload start was lost (%s); an unanswered "
		 "upload can never be published, so it starts again in %d s",
		 j->id, err->what, LOST_INIT_DEFER_SEC);
	pw_defer(p, j->id, err, pw_now() + LOST_INIT_DEFER_SEC);
}

/* Validate against @ci (may be NULL).  0 and @v filled when OK; else the
 * item was handed back and the turn ended. */
static int validate(struct poster *p, const struct job *j, struct verdict *v,
		    const struct creator_info *ci)
{
	bool in_scheduled = !strncmp(j->path, "scheduled/", 10);
	int root_fd = sp_open_root(p->root);
	int rc;

	/* From the root without links, like the tracker (meta/itemfile.h). */
	if (root_fd < 0) {
		verdict_init(v);
		tt_error_set(&v->error, ERR_INCOMPLETE, "%s: cannot open the staging folder: %s",
			     pw_base_name(j->path), strerror(-root_fd));
		v->kind = VERDICT_INCOMPLETE;
		verdict_refused(p, j, v);
		return -1;
	}
	rc = rules_validate_at(p->cfg, ci, root_fd, j->path, j->caption_path, in_scheduled, v);
	close(root_fd);
	if (rc == 0 && v->kind == VERDICT_OK)
		return 0;
	verdict_refused(p, j, v);
	return -1;
}

/*
 * Whether @j may start its upload now under the pace (net/pace.h).  Not
 * yet: it is deferred to the first second it may, and the turn ends.  Asked
 * before creator_info too, so a waiting item costs TikTok no request.
 */
static bool pace_turn(struct poster *p, const struct job *j, bool direct)
{
	int64_t now = pw_now(), at;
	struct tt_error err;

	pace_expire(&p->pace, now);
	at = pace_reserve(&p->pace, now, direct, j->id);
	if (at <= now)
		return true;
	tt_error_clear(&err);
	if (direct && p->pace.cap_until >= at)
		tt_error_set(&err, ERR_DEFER,
			     "TikTok's daily post limit for this account is reached; it waits "
			     "for a free slot");
	else if (!direct && p->pace.drafts_until >= at)
		tt_error_set(&err, ERR_DEFER,
			     "TikTok holds 5 drafts not yet finished in the app; it waits "
			     "until one is");
	else if (p->pace.hold_until >= at)
		tt_error_set(&err, ERR_DEFER,
			     "TikTok's rate limit was reached; it waits for the window to free");
	else
		tt_error_set(&err, ERR_DEFER,
			     "TikTok allows %d upload starts a minute; it waits for its turn",
			     PACE_PER_MINUTE);
	pw_defer(p, j->id, &err, at);
	return false;
}

/* Init and commit.  0 with @j's publish fields set; else the turn ended
 * (or -EAGAIN: retry with err). */
static int start_publish(struct poster *p, struct job *j, const struct verdict *v,
			 const struct chunk_plan *plan, struct tt_error *err)
{
	struct post_info pi;
	struct publish_ticket t = {0};
	enum job_state was = j->state;
	int rc;

	fill_post_info(v, &pi);
	if (!pw_still_ours(p, j->id, was) || !pace_turn(p, j, v->mode != POST_DRAFT))
		return -ECANCELED;
	pace_release(&p->pace, j->id);
	rc = api_init(p->api, v->mode == POST_DRAFT, &pi, plan->video_size, plan->chunk_size,
		      plan->chunk_count, &t, err);
	/* Counted when the answer came (or did not), not when the request
	 * left: TikTok's window starts when the request reaches it, which is
	 * somewhere in between, so only the later time keeps the next start
	 * out of TikTok's minute however slow the network or the TLS
	 * handshake (seen as 429s under load before). */
	pace_note(&p->pace, pw_now(), v->mode != POST_DRAFT);
	if (rc) {
		publish_ticket_clear(&t);
		if (!strcmp(err->code, "init_outcome_unknown")) {
			init_lost(p, j, err);
			return -ECANCELED;
		}
		return step_error(p, j, err) == -EAGAIN ? -EAGAIN : -ECANCELED;
	}
	/* Exactly once: durable before the first byte. */
	rc = store_set_publish(p->st, j->id, v->mode, t.publish_id, t.upload_url,
			       pw_now() + UPLOAD_URL_LIFETIME);
	if (rc) {
		/* Never sent a byte: the task cannot publish; try again later. */
		log_err("job %" PRId64 ": cannot record publish %s: %s", j->id, t.publish_id,
			strerror(-rc));
		publish_ticket_clear(&t);
		pw_nap(p, 5);
		return -ECANCELED;
	}
	if (!pw_still_ours(p, j->id, was)) {
		log_info("job %" PRId64 ": %s went away during the upload start; publish %s "
			 "abandoned",
			 j->id, j->path, t.publish_id);
		store_clear_publish(p->st, j->id);
		publish_ticket_clear(&t);
		return -ECANCELED;
	}
	store_set_error(p->st, j->id, NULL);
	store_transition(p->st, j->id, JOB_UPLOADING, PW_INIT_NOTE);
	log_info("job %" PRId64 ": %s: publish %s, %" PRIu64 " bytes in %" PRIu64 " chunk%s (%s)",
		 j->id, j->path, t.publish_id, plan->video_size, plan->chunk_count,
		 plan->chunk_count == 1 ? "" : "s", v->mode == POST_DRAFT ? "draft" : "direct");
	free(j->publish_id);
	free(j->upload_url);
	j->publish_id = xstrdup(t.publish_id);
	j->upload_url = t.upload_url; /* handed over */
	t.upload_url = NULL;
	j->attempts++;
	j->state = JOB_UPLOADING;
	publish_ticket_clear(&t);
	return 0;
}

/*
 * A direct post asked with a drafts-only login (no video.publish: the
 * login asks for it only with mode = direct, cmd/login.c).  TikTok would
 * refuse it with scope_not_authorized; the item fails now, saying which
 * scope is missing and where to enable it.
 */
static void no_publish_scope(struct poster *p, const struct job *j, struct tt_error *err)
{
	tt_error_set(err, ERR_USER,
		     "%s asks for a direct post, but the TikTok login has no video.publish "
		     "permission (it was made for drafts)",
		     pw_base_name(j->path));
	tt_error_advise(err,
			"Post it as a draft (mode: draft in its caption), or: in the developer "
			"portal enable Direct Post in the app's Content Posting API so that "
			"video.publish is approved, set mode = direct in %s, run `tiktokfs "
			"login` again, and put the video back in outbox/.",
			p->cfg->path ? p->cfg->path : "the config");
	tt_error_code(err, "scope_not_authorized", "");
	pw_fail(p, j->id, err);
}

/* One try at a fresh item.  -EAGAIN with @err: pause and try again. */
static int try_start(struct poster *p, struct job *j, struct tt_error *err)
{
	struct verdict v;
	struct creator_info ci;
	struct chunk_plan plan;
	const char *mime;
	bool drafts_only;
	int fd = -1, rc = -ECANCELED;

	verdict_init(&v);
	memset(&ci, 0, sizeof(ci));
	if (!pw_ensure_api(p, err)) {
		if (err->cls == ERR_RETRY)
			return -EAGAIN;
		pw_login_wait(p, j->id, err);
		return -ECANCELED;
	}
	/* Validate with what is known (the saved creator_info) to learn the
	 * mode, then ask TikTok and validate again when the answer differs. */
	pw_load_ci(p);
	if (validate(p, j, &v, p->have_ci ? &p->ci : NULL))
		goto out;
	drafts_only = tokens_lacks_scope(p->tokens, "video.publish");
	if (drafts_only && v.mode != POST_DRAFT) {
		no_publish_scope(p, j, err);
		goto out;
	}
	if (!pace_turn(p, j, v.mode != POST_DRAFT))
		goto out;
	if (!drafts_only && !pw_limiter_take(p, &p->creator_lim))
		goto out;
	if (drafts_only) {
		/* creator_info needs video.publish, which a drafts-only
		 * login lacks; a draft goes on without it. */
	} else if (api_creator_info(p->api, &ci, err) == 0) {
		bool same = p->have_ci && ci_same(&ci, &p->ci);

		p->ci = ci;
		p->have_ci = true;
		creator_save(p->cfg->state_dir, &ci);
		if (!same) {
			verdict_free(&v);
			verdict_init(&v);
			if (validate(p, j, &v, &p->ci))
				goto out;
		}
	} else if (v.mode != POST_DRAFT || pw_login_problem(err) || err->cls == ERR_RETRY) {
		/* A direct post needs creator_info (§5.1, UX rules); a draft
		 * does not, so only the login or the network stop it. */
		rc = step_error(p, j, err);
		goto out;
	} else {
		log_info("job %" PRId64 ": creator_info: %s; a draft goes on without it", j->id,
			 err->what);
		tt_error_clear(err);
	}
	if (pw_stopping(p))
		goto out;
	if (v.privacy[0] && (!j->privacy || strcmp(j->privacy, v.privacy)))
		store_set_ready(p->st, j->id, j->size, j->schedule_at, v.privacy,
				v.warning[0] ? v.warning : NULL);
	mime = container_mime(v.media.container);
	if (!mime) {
		tt_error_set(err, ERR_USER, "%s: TikTok takes MP4, MOV and WebM files only, not %s",
			     pw_base_name(j->path), container_name(v.media.container));
		tt_error_advise(err,
				"Convert it, e.g. ffmpeg -i IN -c:v libx264 -c:a aac OUT.mp4.");
		pw_fail(p, j->id, err);
		goto out;
	}
	fd = pw_open_video(p, j, err);
	if (fd < 0) {
		pw_changed(p, j->id, err);
		goto out;
	}
	if (pw_make_plan(p, j, j->size ? j->size : v.media.size, &plan, err)) {
		pw_fail(p, j->id, err);
		goto out;
	}
	j->size = plan.video_size;
	rc = start_publish(p, j, &v, &plan, err);
	if (rc)
		goto out;
	pw_send_chunks(p, j, fd, &plan, mime, 0);
	rc = -ECANCELED;
out:
	if (fd >= 0)
		close(fd);
	verdict_free(&v);
	return rc;
}

void pw_start_item(struct poster *p, struct job *j)
{
	struct tt_error err;
	int attempt = 0;

	for (;;) {
		tt_error_clear(&err);
		if (try_start(p, j, &err) != -EAGAIN)
			return;
		if (!pw_retry_pause(p, j->id, j->state, &attempt, &err))
			return;
	}
}
