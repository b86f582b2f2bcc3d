/*
 * verdict_apply(): what a validation verdict does to a job (see
 * verdict.h).  The tracker calls it for every settled item; the posting
 * worker's own re-validation can hand its refusals here too, so that an
 * invalid caption looks the same whoever found it.
 */
#include "meta/job/verdict.h"

#include <errno.h>
#include <stdlib.h>
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
#include "util/strbuf.h"

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

/*
 * When a valid item posts: in queue/ at its slot (meta/job/queue.h), in
 * scheduled/ at its caption's time still to come, else now (0).  An item
 * of queue/ that can get no slot is refused with the reason: -1.  A
 * YouTube account's item in scheduled/ is uploaded now: it goes up
 * private with status.publishAt, and YouTube publishes it at its time
 * itself (docs/youtube.md §3, meta/youtube_meta.h).
 */
static int post_time(struct store *st, const struct config *cfg, const char *root,
		     const struct job *j, const struct verdict *v, bool youtube, int64_t *at)
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
		   sc->schedule_at > wall_now() && !youtube) {
		*at = sc->schedule_at;
	}
	return 0;
}

/* The history note of a valid item bound for @to. */
static const char *ok_note(const struct job *j, enum job_state to)
{
	return to == JOB_READY		   ? "complete and valid"
	       : drop_in_queue(j->path) ? "complete and valid; waits for its slot"
					: "complete and valid; waits for its time";
}

static int apply_ok(struct store *st, const struct config *cfg, const char *root,
		    const struct job *j, const struct verdict *v)
{
	enum job_state to;
	int64_t at = 0;
	int rc;

	if (post_time(st, cfg, root, j, v, config_account_youtube(cfg, j->account), &at) < 0)
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
	rc = set_state(st, j, to, ok_note(j, to));
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

static int apply_incomplete(struct store *st, const struct job *j, const struct tt_error *why)
{
	int rc;

	set_error(st, j, why->what);
	rc = set_state(st, j, JOB_WAITING, why->what);
	log_info("%s: waits: %s", j->path, why->what);
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

/* ---- one drop, several platforms (store.h, THE TARGETS) ---- */

static int note_finished(const struct job *t, void *arg)
{
	struct strbuf *done = arg;

	strbuf_addf(done, ",%s,", t->account);
	return 0;
}

/* Valid as @t, the first target still to post: the job becomes @t's, with
 * its privacy and warning, and ready or scheduled, in one commit. */
static int apply_ok_as(struct store *st, const struct config *cfg, const char *root,
		       const struct job *j, const struct verdict *v, const struct verdict_target *t)
{
	enum job_state to;
	int64_t at = 0;
	int rc;

	if (post_time(st, cfg, root, j, v, t->youtube, &at) < 0)
		return JOB_INVALID;
	to = at ? JOB_SCHEDULED : JOB_READY;
	set_error(st, j, NULL);
	rc = store_set_ready_as(st, j->id, t->account, v->media.size, at,
				t->privacy[0] ? t->privacy : NULL, t->warning[0] ? t->warning : NULL,
				media_container_mime(v->media.container), to, ok_note(j, to));
	if (rc < 0) {
		log_warn("%s: cannot record its checked details", j->path);
		return rc;
	}
	outcome_error_file(root, j->path, NULL);
	log_info("%s: %s as account %s (%s)%s%s", j->path, job_state_name(to), t->account,
		 t->youtube ? "YouTube" : "TikTok", t->warning[0] ? "; warning: " : "", t->warning);
	return (int)to;
}

/* A target whose media can never pass: it failed, the others go on. */
static void target_failed(struct store *st, const struct job *j, const struct verdict_target *t)
{
	char *text = outcome_error_text(path_base(j->path), &t->error);

	if (store_target_failed(st, j->id, t->account, t->youtube ? "youtube" : "tiktok", text) < 0)
		log_warn("%s: cannot record that account %s failed", j->path, t->account);
	else
		log_info("%s: fails for account %s: %s", j->path, t->account, t->error.what);
	free(text);
}

/* No target is left to post: the item's final move; its state after. */
static int end_targets(struct store *st, const struct config *cfg, const char *root,
		       const struct outcome_final *on_final, const struct job *j)
{
	struct job after;
	int rc = outcome_targets_end(st, cfg, root, on_final, j->id);

	if (rc == 0 && (rc = store_get(st, j->id, &after)) == 0) {
		rc = (int)after.state;
		job_free(&after);
	}
	if (rc < 0)
		log_warn("%s: cannot make its final move: %s", j->path, strerror(-rc));
	return rc;
}

/* The targets list of @v as "a,b" into @sb. */
static void targets_list(const struct verdict *v, struct strbuf *sb)
{
	for (size_t i = 0; i < v->n_targets; i++)
		strbuf_addf(sb, "%s%s", i ? "," : "", v->targets[i].account);
}

/* @t is finished (its row, or recorded failed just now). */
static bool finished(const struct strbuf *done, const struct verdict_target *t)
{
	char *key = xasprintf(",%s,", t->account);
	bool r = done->buf && strstr(done->buf, key) != NULL;

	free(key);
	return r;
}

/*
 * A verdict of several targets over the targets still to post (finished
 * ones are skipped): an unfinished copy waits; a target whose media can
 * never pass fails alone; a caption refused for any target makes the item
 * invalid (fixed in place); none left: the item's final move; else ready
 * as the first target left.
 */
static int apply_targets(struct store *st, const struct config *cfg, const char *root,
			 const struct outcome_final *on_final, const struct job *j,
			 const struct verdict *v)
{
	struct strbuf done = STRBUF_INIT, list = STRBUF_INIT;
	const struct verdict_target *first = NULL, *refused = NULL;
	int rc;

	strbuf_init(&done);
	strbuf_init(&list);
	targets_list(v, &list);
	if (!j->targets || strcmp(j->targets, list.buf))
		store_set_targets(st, j->id, list.buf);
	rc = store_targets_of(st, j->id, note_finished, &done);
	for (size_t i = 0; rc == 0 && i < v->n_targets; i++) {
		const struct verdict_target *t = &v->targets[i];

		if (finished(&done, t))
			continue;
		if (t->kind == VERDICT_INCOMPLETE) {
			rc = apply_incomplete(st, j, &t->error);
			goto out;
		}
		if (t->kind == VERDICT_MEDIA) {
			target_failed(st, j, t);
			strbuf_addf(&done, ",%s,", t->account);
		} else if (t->kind == VERDICT_CAPTION && !refused) {
			refused = t;
		} else if (t->kind == VERDICT_OK && !first) {
			first = t;
		}
	}
	if (rc < 0)
		goto out;
	if (refused)
		rc = apply_refusal(st, root, j, &refused->error);
	else if (first)
		rc = apply_ok_as(st, cfg, root, j, v, first);
	else
		rc = end_targets(st, cfg, root, on_final, j);
out:
	strbuf_release(&done);
	strbuf_release(&list);
	return rc;
}

/*
 * An item that named several targets and now names its folder's account
 * alone (its caption's also_post_to was taken out).  Nothing posted yet:
 * it is an item of one account again, and false is returned for the
 * caller to apply @v as to any.  Else what is left to post is its
 * folder's account, if that is not finished too, as a list of one: true,
 * with the state after (or -errno) in *@state.
 */
static bool apply_fewer_targets(struct store *st, const struct config *cfg, const char *root,
				const struct outcome_final *on_final, const struct job *j,
				const struct verdict *v, int *state)
{
	struct strbuf done = STRBUF_INIT;
	struct verdict one;
	struct verdict_target *own = &one.targets[0];
	const struct account *a;
	bool any;

	strbuf_init(&done);
	*state = store_targets_of(st, j->id, note_finished, &done);
	any = done.len > 0;
	strbuf_release(&done);
	if (*state < 0)
		return true;
	if (!any) {
		log_info("%s: names no other account now; posts as its folder's alone", j->path);
		*state = store_set_targets(st, j->id, NULL);
		return *state < 0;
	}
	one = *v; /* shallow: apply_targets() frees nothing of it */
	memset(own, 0, sizeof(*own));
	if (drop_account_of(j->path, own->account, sizeof(own->account)) < 0 ||
	    !(a = config_account(cfg, own->account))) {
		*state = -ENOENT; /* refuse_unknown_account() has said so */
		return true;
	}
	own->youtube = platform_is_youtube(a->platform);
	own->kind = v->kind;
	own->error = v->error;
	snprintf(own->privacy, sizeof(own->privacy), "%s", v->privacy);
	snprintf(own->warning, sizeof(own->warning), "%s", v->warning);
	own->mode = v->mode;
	one.n_targets = 1;
	*state = apply_targets(st, cfg, root, on_final, j, &one);
	return true;
}

int verdict_apply(struct store *st, const struct config *cfg, const char *root,
		  const struct outcome_final *on_final, const struct job *j,
		  const struct verdict *v, const char *caption)
{
	int state;

	/* A truncated copy is not checked yet: its caption is not taken. */
	if (v->kind != VERDICT_INCOMPLETE)
		set_caption(st, j, caption);
	if (v->kind != VERDICT_INCOMPLETE && refuse_unknown_account(st, cfg, root, j))
		return JOB_INVALID;
	if (v->n_targets >= 2)
		return apply_targets(st, cfg, root, on_final, j, v);
	if (v->targets_resolved && j->targets && v->kind != VERDICT_INCOMPLETE &&
	    apply_fewer_targets(st, cfg, root, on_final, j, v, &state))
		return state;
	switch (v->kind) {
	case VERDICT_OK:
		return apply_ok(st, cfg, root, j, v);
	case VERDICT_CAPTION:
		return apply_caption(st, root, j, v);
	case VERDICT_MEDIA:
		return apply_media(st, cfg, root, on_final, j, v);
	default:
		return apply_incomplete(st, j, &v->error);
	}
}
