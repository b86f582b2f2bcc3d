/*
 * verdict_apply(): what a validation verdict does to a job (see
 * verdict.h).  The tracker calls it for every settled item; the posting
 * worker's own re-validation can hand its refusals here too, so that an
 * invalid caption looks the same whoever found it.
 */
#include "meta/job/verdict.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "meta/config.h"
#include "meta/job/drop.h"
#include "meta/job/outcome.h"
#include "meta/job/queue.h"
#include "meta/media/media.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/path.h"

/* Move @j to @to unless it is there: @j was read before the caller's
 * validation finished, so "no change" is asked of the store again (an
 * event may have reset the job meanwhile). */
static int set_state(struct store *st, const struct job *j, enum job_state to, const char *note)
{
	enum job_state from = j->state;
	struct job cur;
	int rc = 0;

	if (from == to && store_get(st, j->id, &cur) == 0) {
		from = cur.state;
		job_free(&cur);
	}
	if (from != to && (rc = store_transition(st, j->id, to, note)) < 0)
		log_warn("%s: cannot record that it is %s", j->path, job_state_name(to));
	return rc;
}

static void set_caption(struct store *st, const struct job *j, const char *caption)
{
	if (caption && (!j->caption_path || strcmp(j->caption_path, caption)))
		store_set_caption(st, j->id, caption);
}

static void set_error(struct store *st, const struct job *j, const char *line)
{
	if (line ? !j->error || strcmp(j->error, line) : j->error != NULL)
		store_set_error(st, j->id, line);
}

static int apply_refusal(struct store *st, const char *root, const struct job *j,
			 const struct tt_error *e)
{
	int rc;

	if (outcome_error_file(root, j->path, e) < 0)
		log_warn("%s: cannot write its .error file", j->path);
	set_error(st, j, e->what);
	rc = set_state(st, j, JOB_INVALID, e->what);
	log_info("%s: invalid: %s", j->path, e->what);
	return rc < 0 ? rc : JOB_INVALID;
}

/* Whether job @j's account posts to YouTube. */
static bool posts_to_youtube(const struct config *cfg, const struct job *j)
{
	const struct account *a = cfg && j->account ? config_account(cfg, j->account) : NULL;

	if (a)
		return a->platform && !strcmp(a->platform, "youtube");
	return config_is_youtube(cfg);
}

/*
 * When a valid item posts: in queue/ at its slot (meta/job/queue.h), in
 * scheduled/ at its caption's time still to come, else now (0).  An item
 * of queue/ that can get no slot is refused with the reason: -1.  A
 * YouTube account's item in scheduled/ is uploaded now: it goes up
 * private with status.publishAt, and YouTube publishes it at its time
 * itself (docs/youtube.md §3, meta/youtube_meta.h).
 */
static int post_time(struct store *st, const struct config *cfg, const char *root,
		     const struct job *j, const struct verdict *v, int64_t *at)
{
	const struct sidecar *sc = &v->sidecar;
	struct tt_error qerr;

	*at = 0;
	if (!drop_in_queue(j->path))
		queue_forget(st, j); /* moved out: the slot is free for others */
	if (drop_in_queue(j->path)) {
		tt_error_clear(&qerr);
		if (queue_plan(st, cfg, j, wall_now(), at, &qerr) < 0) {
			apply_refusal(st, root, j, &qerr);
			return -1;
		}
		if (*at <= 0)
			*at = 1; /* a slot is a time: never "none" */
	} else if (drop_in_scheduled(j->path) && v->have_sidecar && sc->has_schedule &&
		   sc->schedule_at > wall_now() && !posts_to_youtube(cfg, j)) {
		*at = sc->schedule_at;
	}
	return 0;
}

static int apply_ok(struct store *st, const struct config *cfg, const char *root,
		    const struct job *j, const struct verdict *v)
{
	enum job_state to;
	int64_t at = 0;
	int rc;

	if (post_time(st, cfg, root, j, v, &at) < 0)
		return JOB_INVALID;
	to = at ? JOB_SCHEDULED : JOB_READY;
	rc = store_set_ready(st, j->id, v->media.size, at, v->privacy[0] ? v->privacy : NULL,
			     v->warning[0] ? v->warning : NULL,
			     media_container_mime(v->media.container));
	if (rc < 0) {
		log_warn("%s: cannot record its checked details", j->path);
		return rc;
	}
	set_error(st, j, NULL);
	rc = set_state(st, j, to,
		       to == JOB_READY		 ? "complete and valid"
		       : drop_in_queue(j->path) ? "complete and valid; waits for its slot"
						: "complete and valid; waits for its time");
	if (rc < 0)
		return rc;
	outcome_error_file(root, j->path, NULL);
	log_info("%s: %s%s%s", j->path, job_state_name(to), v->warning[0] ? "; warning: " : "",
		 v->warning);
	return (int)to;
}

static int apply_caption(struct store *st, const char *root, const struct job *j,
			 const struct verdict *v)
{
	return apply_refusal(st, root, j, &v->error);
}

static int apply_media(struct store *st, const struct config *cfg, const char *root,
		       const struct outcome_final *on_final, const struct job *j,
		       const struct verdict *v)
{
	int rc = outcome_failed(st, cfg, root, on_final, j->id, &v->error);

	if (rc < 0) {
		log_warn("%s: cannot move it to failed/ (%s)", j->path, v->error.what);
		return rc;
	}
	log_info("%s: failed: %s", j->path, v->error.what);
	return JOB_FAILED;
}

static int apply_incomplete(struct store *st, const struct job *j, const struct verdict *v)
{
	int rc;

	set_error(st, j, v->error.what);
	rc = set_state(st, j, JOB_WAITING, v->error.what);
	log_info("%s: waits: %s", j->path, v->error.what);
	return rc < 0 ? rc : JOB_WAITING;
}

/*
 * An item in accounts/NAME/ for a NAME the config does not have: no login
 * to post it with.  It stays where it is, invalid, with NAME.error saying
 * so (fixed in place: configure the account, or move the item); 1 when
 * refused, 0 when its account is configured.
 */
static int refuse_unknown_account(struct store *st, const struct config *cfg, const char *root,
				  const struct job *j)
{
	const char *acct = j->account ? j->account : DROP_DEFAULT_ACCOUNT;
	const char *file = cfg && cfg->path ? cfg->path : "the config file";
	struct tt_error e;

	if (!cfg || !strcmp(acct, DROP_DEFAULT_ACCOUNT) || config_account(cfg, acct))
		return 0; /* the default account is always there */
	tt_error_clear(&e);
	tt_error_set(&e, ERR_USER, "%s: account %s is not configured in %s: nothing posts it",
		     path_base(j->path), acct, file);
	tt_error_advise(&e,
			"Add an [account %s] section to %s and log it in (tiktokfs login --account "
			"%s), then send tiktokfs SIGHUP (or restart it); or move the item to the "
			"outbox/ of a "
			"configured account.",
			acct, file, acct);
	apply_refusal(st, root, j, &e);
	return 1;
}

int verdict_apply(struct store *st, const struct config *cfg, const char *root,
		  const struct outcome_final *on_final, const struct job *j,
		  const struct verdict *v, const char *caption)
{
	/* A truncated copy is not checked yet: its caption is not taken. */
	if (v->kind != VERDICT_INCOMPLETE)
		set_caption(st, j, caption);
	if (v->kind != VERDICT_INCOMPLETE && refuse_unknown_account(st, cfg, root, j))
		return JOB_INVALID;
	switch (v->kind) {
	case VERDICT_OK:
		return apply_ok(st, cfg, root, j, v);
	case VERDICT_CAPTION:
		return apply_caption(st, root, j, v);
	case VERDICT_MEDIA:
		return apply_media(st, cfg, root, on_final, j, v);
	default:
		return apply_incomplete(st, j, v);
	}
}
