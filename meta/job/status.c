/*
 * The status renderer: one read of the job store (store_each: live items
 * oldest first, then the last final ones newest first), handed item by item
 * to the format asked for, so that every view of a moment agrees with
 * itself and the text depends only on the store and @now.
 *
 * Text (status_text.c), each line naming an item by its path under the
 * mount, in this order:
 *
 *   tiktokfs status
 *   Account: @username (nickname)        or "not logged in"
 *   Queue: every live item with its state and what it waits for
 *   Recent results: the last posted/failed/cancelled items
 *   Waiting for post IDs (N): every published item, with since when
 *                             (only when there is one)
 *   Uploads: a bar, bytes, percent, rate, ETA per upload   (STATUS_UPLOADS)
 *   Next scheduled: the 10 soonest times                   (STATUS_NEXT)
 *   Generated at <ISO 8601 UTC>
 *
 * STATUS.txt has neither optional section; `tiktokfs status` has both.
 * Times are ISO 8601 UTC: the reader may be on another continent (a Samba
 * share).  Every name and text from the store goes through esc_text(): a
 * file name is chosen by whoever can write to the share, and one holding a
 * newline must not add a line ("  posted  fake.mp4") to the picture.
 *
 * Rate and ETA: the store keeps bytes acknowledged (sent) and the time of
 * the last progress write (updated_at), not a progress history; the upload
 * started at the job's last transition to uploading (history).  So the
 * rate is sent / (updated_at - started), in whole seconds: rough in the
 * first seconds, and low after a resume (bytes sent before a restart count
 * from the first start).  Unknown until a second has passed.
 *
 * JSON (status_json.c), version 1 (keys are only ever added):
 *   { "version": 1, "generated_at": ISO,
 *     "account": null | { "username", "nickname", "privacy_options": [..],
 *                         "max_video_post_duration_sec", "fetched_at": ISO },
 *     "queue":  [ ITEM, ... ]     live items, oldest first,
 *     "recent": [ ITEM, ... ]     final items, newest first (at most 10),
 *     "next_scheduled": [ { "path", "at": ISO }, ... ] soonest first,
 *     "waiting_post_id": [ ITEM, ... ]  published items, their post ID
 *                        still to come (posted_at: since when), oldest first }
 *   ITEM: { "id", "path", "caption" (null), "state", "size", "sent",
 *           "progress": null | { "sent", "total", "percent", "rate_bps" (null),
 *                                "eta_seconds" (null), "started_at" (null) },
 *           "schedule_at", "retry_at", "posted_at", "created_at",
 *           "updated_at" (ISO or null), "publish_id", "status", "post_id",
 *           "url", "privacy", "error", "warning", "post_status" (string or null) }
 * Names are bytes, JSON strings are UTF-8: every string is shown valid
 * UTF-8, an invalid byte as U+FFFD, and "path" and "caption" (also in
 * next_scheduled) get a lossless twin, "path_bytes" / "caption_bytes": the
 * exact bytes in standard base64, present only when the name is not valid
 * UTF-8 (a name that is valid needs none: JSON escapes newlines itself).
 *
 * struct job's upload_url is never read here.
 */
#include "meta/job/status.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "meta/config.h"
#include "meta/job/drop.h"
#include "meta/job/results.h"
#include "meta/job/status_int.h"
#include "meta/job/store.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/fileio.h"
#include "util/strbuf.h"

unsigned status_percent(const struct job *j)
{
	/* sizes are at most max_size (a few GiB): sent * 100 cannot overflow */
	if (!j->size)
		return 0;
	return j->sent >= j->size ? 100 : (unsigned)(j->sent * 100 / j->size);
}

static int last_upload_start(const struct store_event *ev, void *arg)
{
	int64_t *at = arg;

	if (ev->to == JOB_UPLOADING && ev->from != JOB_UPLOADING)
		*at = ev->at;
	return 0;
}

void status_progress_of(const struct status_walk *w, const struct job *j, struct status_progress *p)
{
	int64_t until;

	p->sent = j->sent;
	p->total = j->size;
	p->percent = status_percent(j);
	p->started_at = 0;
	p->rate = p->eta = -1;
	store_history(w->st, j->id, last_upload_start, &p->started_at);
	if (!p->started_at || !j->sent)
		return;
	until = j->updated_at > p->started_at ? j->updated_at : w->now;
	if (until <= p->started_at)
		return;
	p->rate = (double)j->sent / (double)(until - p->started_at);
	if (p->rate > 0 && j->size >= j->sent)
		p->eta = (double)(j->size - j->sent) / p->rate;
}

static void keep_scheduled(struct status_walk *w, const struct job *j)
{
	ALLOC_GROW(w->sched, w->nsched + 1, w->asched);
	w->sched[w->nsched++] =
	    (struct job){.id = j->id, .path = xstrdup(j->path), .schedule_at = j->schedule_at};
}

/* Soonest first; the older item first at the same second. */
static int by_time(const void *a, const void *b)
{
	const struct job *x = a, *y = b;

	if (x->schedule_at != y->schedule_at)
		return x->schedule_at < y->schedule_at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * @j as @w shows it: every job for the whole mount; for one account only
 * its own, named by their path in its folder ("posted/x.mp4" for
 * "accounts/b/posted/x.mp4"), and only its own last @w->nrecent results
 * (the walk was asked for more: the other accounts' are skipped here).
 * Returns false when @j is not shown.
 */
static bool shown_as(struct status_walk *w, const struct job *j, struct job *out)
{
	const char *rel;

	*out = *j;
	if (!w->account)
		return true;
	if (strcmp(j->account ? j->account : DROP_DEFAULT_ACCOUNT, w->account))
		return false;
	if (job_state_final(j->state) && j->state != JOB_PUBLISHED && ++w->nfinal > w->nrecent)
		return false;
	rel = drop_account_rel(j->path);
	out->path = (char *)(rel ? rel : j->path);
	return true;
}

static int visit(const struct job *jj, void *arg)
{
	struct status_walk *w = arg;
	struct job view;
	const struct job *j = &view;

	if (!shown_as(w, jj, &view))
		return 0;
	if (j->state == JOB_SCHEDULED && j->schedule_at > 0)
		keep_scheduled(w, j);
	if (w->format == STATUS_JSON)
		status_json_item(w, j);
	else
		status_text_item(w, j);
	return 0;
}

static void walk_init(struct status_walk *w, struct store *st, const struct status_view *v)
{
	memset(w, 0, sizeof(*w));
	w->st = st;
	w->format = v ? v->format : STATUS_TEXT;
	w->sections = v ? v->sections : 0;
	w->state_dir = v ? v->state_dir : NULL;
	w->account = v ? v->account : NULL;
	w->cfg = v ? v->cfg : NULL;
	w->nrecent = v && v->recent > 0 ? v->recent : STATUS_RECENT_DEFAULT;
	w->now = v && v->now ? v->now : wall_now();
	strbuf_init(&w->text);
	strbuf_init(&w->uploads);
	strbuf_init(&w->waiting);
}

static void walk_release(struct status_walk *w)
{
	for (size_t i = 0; i < w->nsched; i++)
		free(w->sched[i].path);
	free(w->sched);
	strbuf_release(&w->text);
	strbuf_release(&w->uploads);
	strbuf_release(&w->waiting);
	json_decref(w->queue);
	json_decref(w->recent);
	json_decref(w->jwaiting);
}

int status_render(struct store *st, const struct status_view *v, char **out)
{
	struct status_walk w;
	int recent = v && v->recent > 0 ? v->recent : STATUS_RECENT_DEFAULT;
	int rc = 0;

	walk_init(&w, st, v);
	if (w.format == STATUS_TEXT && !st) {
		*out = xstrdup("No items yet.\n");
		goto out;
	}
	if (w.format == STATUS_JSON)
		status_json_begin(&w);
	else
		status_text_begin(&w);
	/* One account's last results are among the mount's last many. */
	if (w.account)
		recent = recent * STATUS_ACCOUNT_LOOKBACK;
	if (st && store_each(st, recent, visit, &w) < 0)
		rc = -EIO;
	if (w.nsched)
		qsort(w.sched, w.nsched, sizeof(*w.sched), by_time);
	*out = w.format == STATUS_JSON ? status_json_end(&w) : status_text_end(&w, rc);
out:
	walk_release(&w);
	return rc;
}

bool status_youtube(const struct status_walk *w, const struct job *j)
{
	struct results_view rv;

	results_view_of(w->cfg, j, &rv);
	return rv.youtube;
}

/* ---- the targets of one item (status_int.h) ---- */

struct targets_walk {
	const struct status_walk *w;
	struct status_target *out;
	size_t n;
};

/* The finished target @t fills the entry of its account, if listed. */
static int target_row(const struct job *t, void *arg)
{
	struct targets_walk *tw = arg;

	for (size_t i = 0; i < tw->n; i++) {
		if (strcmp(tw->out[i].account, t->account))
			continue;
		tw->out[i].state = job_state_name(t->state);
		tw->out[i].youtube = platform_is_youtube(t->platform);
		free(tw->out[i].url);
		tw->out[i].url = t->url ? xstrdup(t->url) : NULL;
	}
	return 0;
}

size_t status_targets_of(const struct status_walk *w, const struct job *j,
			 struct status_target *out)
{
	struct targets_walk tw = {w, out, 0};

	for (const char *p = j->targets; p && *p && tw.n < STATUS_TARGETS_MAX;) {
		size_t len = strcspn(p, ",");
		struct job probe;

		memset(&probe, 0, sizeof(probe));
		probe.account = xstrndup(p, len);
		out[tw.n].account = probe.account;
		out[tw.n].youtube = status_youtube(w, &probe);
		/* the job's own account is the current target while it lives */
		out[tw.n].state = !strcmp(probe.account, j->account) && !job_state_final(j->state)
				      ? job_state_name(j->state)
				      : "pending";
		out[tw.n].url = NULL;
		tw.n++;
		p += len;
		p += *p == ',';
	}
	if (tw.n && w->st)
		store_targets_of(w->st, j->id, target_row, &tw);
	return tw.n;
}

void status_targets_free(struct status_target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].account);
		free(t[i].url);
	}
}

int status_note_reload(const char *state_dir, const char *why)
{
	char *path = xasprintf("%s/%s", state_dir, STATUS_RELOAD_NOTE);
	int rc = 0;

	if (why)
		rc = file_write_atomic(path, why, strlen(why), 0600, false);
	else if (unlink(path) < 0 && errno != ENOENT)
		rc = -errno;
	free(path);
	return rc;
}
