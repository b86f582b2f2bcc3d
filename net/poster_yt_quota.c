/*
 * What the posting worker's YouTube steps (net/poster_yt.c) check before a
 * session starts and after the upload's final answer, kept apart from the
 * upload itself:
 *
 *   before the session   the project's daily budget (net/yt_ledger.h): an
 *                        upload is spent in the job store before Google is
 *                        asked, and an item over the budget, or of a project
 *                        Google said is used up, is deferred to the next
 *                        Pacific midnight, never failed (docs/youtube.md §6)
 *   a refusal            quotaExceeded, dailyLimitExceeded and
 *                        uploadLimitExceeded, at any call, hold the whole
 *                        project until that midnight (§8)
 *   after the upload     the audit lock (§2.6): a video asked public or
 *                        unlisted that YouTube made private gets a warning,
 *                        never a failure; then the item goes to posted/ as
 *                        `published` and its processing is awaited
 *                        (net/poster_yt_wait.c, §5)
 *
 * The ledger is the worker's (p->ytq), seeded from the store on first use,
 * so a restart keeps the day's count.  Projects are looked up in the whole
 * config (p->all): two accounts with one client id share a budget.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "meta/config.h"
#include "meta/job/outcome.h"
#include "meta/job/store.h"
#include "net/poster_int.h"
#include "net/yt_ledger.h"
#include "net/yt_video.h"
#include "util/log.h"

static struct ytq_ledger *ledger(struct poster *p)
{
	if (!p->ytq_seeded) {
		ytq_seed(&p->ytq, p->st, p->all, pw_now());
		p->ytq_seeded = true;
	}
	return &p->ytq;
}

void pw_ytq_free(struct poster *p)
{
	ytq_ledger_free(&p->ytq);
	p->ytq_seeded = false;
}

int64_t pw_ytq_take(struct poster *p, const struct job *j, enum ytq_call call, struct tt_error *err)
{
	return ytq_take(ledger(p), p->st, p->all, j, call, pw_now(), err);
}

int64_t pw_ytq_refused(struct poster *p, const struct job *j, const char *reason,
		       struct tt_error *err)
{
	return ytq_refused(ledger(p), p->st, p->all, j, reason, pw_now(), err);
}

int pw_ytq_before_session(struct poster *p, struct turn *t, struct step *s)
{
	struct tt_error err;
	int64_t at;

	tt_error_clear(&err);
	at = pw_ytq_take(p, &t->j, YTQ_INSERT, &err);
	if (!at)
		return 0;
	log_info("job %" PRId64 ": %s: %s", t->j.id, t->j.path, err.what);
	*s = step_defer(&err, at);
	return -1;
}

bool pw_ytq_error(struct poster *p, struct turn *t, struct tt_error *err)
{
	struct tt_error q;

	tt_error_clear(&q);
	if (!pw_ytq_refused(p, &t->j, err->code, &q))
		return false;
	log_warn("job %" PRId64 ": %s: %s", t->j.id, t->j.path, q.what);
	memcpy(err->what, q.what, sizeof(err->what));
	memcpy(err->advice, q.advice, sizeof(err->advice));
	err->cls = ERR_DEFER;
	err->retry_at = q.retry_at;
	return true;
}

/* What the item asked for: the session's body when this turn made it, else
 * the privacy checked when the item became ready (TikTok's name). */
static void asked_privacy(const struct turn *t, char *out, size_t size)
{
	const char *p = t->j.privacy;

	yt_meta_privacy(t->yt_meta, out, size);
	if (out[0] || !p)
		return;
	snprintf(out, size, "%s", !strcmp(p, "PUBLIC_TO_EVERYONE") ? "public" : "private");
}

/* The audit lock: said on the item, never its failure. */
static void check_lock(struct poster *p, struct turn *t)
{
	char asked[16], warning[600];

	asked_privacy(t, asked, sizeof(asked));
	if (!yt_private_lock(asked, t->yr.privacy, warning, sizeof(warning)))
		return;
	log_warn("job %" PRId64 ": %s: %s", t->j.id, t->j.path, warning);
	store_set_warning(p->st, t->j.id, warning);
}

int pw_ytq_after_upload(struct poster *p, struct turn *t, struct step *s)
{
	enum yt_proc state = yt_proc_from(t->yr.upload_status);
	int rc;

	check_lock(p, t);
	if (yt_proc_final(state))
		return 0; /* nothing left to wait for: posted/ as it is */
	store_set_status(p->st, t->j.id,
			 yt_proc_name(state == YTP_UNSEEN ? YTP_UNSEEN : YTP_PROCESSING));
	store_set_error(p->st, t->j.id, NULL);
	if (pw_yt_wait_begin(p, t->j.id, pw_now())) {
		*s = step_end(TURN_PAUSE, NULL);
		return -1;
	}
	rc = outcome_published(p->st, p->cfg, p->root, p->on_final, t->j.id);
	if (rc) {
		log_err("job %" PRId64 ": uploaded as %s but cannot move to posted/: %s", t->j.id,
			t->yr.video_id, strerror(-rc));
		*s = step_end(TURN_PAUSE, NULL);
		return -1;
	}
	*s = step_end(TURN_DONE, NULL);
	return -1;
}
