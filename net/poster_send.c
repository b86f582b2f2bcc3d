/*
 * The posting worker's bytes (net/poster_int.h).  STEP_SEND sends one
 * chunk a step, strictly in order (§5.5), each a PUT streamed from the
 * staging file by the io (net/upload.c for real).  206 → the next chunk;
 * 201 → processing; 5xx and network errors → the same range again after a
 * pause; 416 → continue where TikTok says it is (the answer's
 * Content-Range, else status uploaded_bytes); 403/404 → the link is dead,
 * the publish can never complete: a new init.  Twice a second inside a
 * chunk the worker checks for a stop or a deleted item; between chunks the
 * dispatcher does.  STEP_RESUME reopens the file of an interrupted upload
 * and continues at the offset status/fetch reported.  user.tiktok.progress
 * is stored every few MiB; resuming never trusts it, only what TikTok
 * reports.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meta/config.h"
#include "meta/job/itemfile.h"
#include "meta/job/store.h"
#include "meta/media/media.h"
#include "meta/media/probe.h"
#include "meta/tiktok.h"
#include "net/chunk.h"
#include "net/poster_int.h"
#include "net/upload.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/path.h"
#include "util/safepath.h"

struct send_ctx {
	struct poster *p;
	int64_t id;
	uint64_t base;	/* first byte of the chunk in flight */
	uint64_t saved; /* last progress stored */
	double saved_at, next_check;
	uint64_t len; /* bytes in the chunk in flight */
	bool last;    /* it is the last chunk */
	bool taken;   /* the job is no longer ours (deleted, changed) */
};

/* Every byte of the last chunk has gone out: TikTok may hold them all and
 * publish whatever this side does, so the transfer is no longer stopped for
 * a caption removed or a file moved; its answer is awaited and the publish
 * kept (net/poster_status.c, keep_publish).  Aborting here would leave a
 * post nobody follows, and the item posted a second time. */
static bool past_stopping(const struct send_ctx *c, uint64_t chunk_sent)
{
	return c->last && chunk_sent >= c->len;
}

static bool on_progress(void *arg, uint64_t chunk_sent)
{
	struct send_ctx *c = arg;
	double now;
	uint64_t pos = c->base + chunk_sent;

	if (pw_stopping(c->p))
		return true;
	now = mono_now();
	if (now >= c->next_check && !past_stopping(c, chunk_sent)) {
		c->next_check = now + CANCEL_CHECK_SEC;
		if (!pw_still_ours(c->p, c->id, JOB_UPLOADING)) {
			c->taken = true;
			return true;
		}
	}
	/* For user.tiktok.progress; resume never trusts it (status does). */
	if (pos > c->saved &&
	    (pos - c->saved >= PROGRESS_STEP || now - c->saved_at >= PROGRESS_SEC)) {
		store_set_progress(c->p->st, c->id, pos);
		c->saved = pos;
		c->saved_at = now;
	}
	return false;
}

/*
 * Where to continue after a 416: the answer's Content-Range (whichever of
 * its two readings, §11.6, is a chunk boundary), else status uploaded_bytes.
 * -1 when neither says.
 */
static int64_t resync_offset(struct poster *p, const struct job *j, const struct chunk_plan *plan,
			     const struct upload_reply *rep)
{
	struct publish_status ps;
	struct tt_error err;

	if (rep->have_range && rep->range_total == plan->video_size) {
		uint64_t held[2] = {rep->range_end + 1, rep->range_end};
		for (int k = 0; k < 2; k++)
			if (held[k] == plan->video_size || chunk_index_at(plan, held[k]) >= 0)
				return (int64_t)held[k];
	}
	if (!pw_window_take(p, p->status_lim))
		return -1;
	tt_error_clear(&err);
	if (p->io.status(p->io.ctx, j->publish_id, &ps, &err))
		return -1;
	if (ps.uploaded_bytes == plan->video_size || chunk_index_at(plan, ps.uploaded_bytes) >= 0)
		return (int64_t)ps.uploaded_bytes;
	return rep->have_range ? -1 : 0; /* no Content-Range: nothing held (sandbox, §5.5) */
}

/* A 416: continue where TikTok says it is. */
static struct step resync(struct poster *p, struct turn *t, const struct upload_reply *rep,
			  const struct tt_error *err)
{
	int64_t off;

	if (++t->resyncs > 3)
		return step_defer(err, 0);
	off = resync_offset(p, &t->j, &t->plan, rep);
	if (pw_stopping(p))
		return step_end(TURN_STOP, NULL);
	if (off < 0)
		return step_retry(STEP_SEND, err);
	log_info("job %" PRId64 ": TikTok holds %" PRId64 " bytes; continuing there", t->j.id, off);
	if ((uint64_t)off == t->plan.video_size)
		return step_go(STEP_PROCESSING);
	t->chunk = chunk_index_at(&t->plan, (uint64_t)off);
	return step_go(STEP_SEND);
}

/* How the turn goes on after one chunk's answer @r. */
static struct step chunk_answer(struct poster *p, struct turn *t, enum upload_result r,
				const struct upload_chunk *c, const struct upload_reply *rep,
				const struct tt_error *err, bool taken)
{
	const struct job *j = &t->j;

	switch (r) {
	case UPLOAD_MORE:
		t->retries = 0;
		t->chunk++;
		store_set_progress(p->st, j->id, c->last + 1);
		/* 206 to the final chunk: let status say */
		return step_go((uint64_t)t->chunk == t->plan.chunk_count ? STEP_PROCESSING
									 : STEP_SEND);
	case UPLOAD_DONE:
		log_info("job %" PRId64 ": all %" PRIu64 " bytes sent in %" PRIu64 " chunk%s",
			 j->id, t->plan.video_size, t->plan.chunk_count,
			 t->plan.chunk_count == 1 ? "" : "s");
		return step_go(STEP_PROCESSING);
	case UPLOAD_RESYNC:
		return resync(p, t, rep, err);
	case UPLOAD_EXPIRED:
		return step_end(TURN_RESTART, err);
	case UPLOAD_RETRY:
		return step_retry(STEP_SEND, err);
	case UPLOAD_REJECTED:
		return step_end(TURN_FAIL, err);
	case UPLOAD_FILE_ERROR:
		return step_end(TURN_CHANGED, err);
	case UPLOAD_ABORTED:
		break;
	}
	if (taken)
		log_info("job %" PRId64 ": %s was deleted or changed; upload abandoned "
			 "(TikTok drops it when its link expires)",
			 j->id, j->path);
	return step_end(TURN_STOP, NULL);
}

/* Chunk t->chunk of the job, which carries publish_id and upload_url. */
struct step step_send(struct poster *p, struct turn *t)
{
	const struct job *j = &t->j;
	struct send_ctx ctx = {.p = p, .id = j->id};
	struct upload_chunk c = {.fd = t->fd,
				 .total = t->plan.video_size,
				 .content_type = t->mime,
				 .max_send_speed = p->cfg->bandwidth_limit,
				 .progress = on_progress,
				 .arg = &ctx};
	struct upload_reply rep;
	struct tt_error err;
	enum upload_result r;

	memset(&rep, 0, sizeof(rep));
	tt_error_clear(&err);
	chunk_range(&t->plan, (uint64_t)t->chunk, &c.first, &c.last);
	c.is_last = (uint64_t)t->chunk + 1 == t->plan.chunk_count;
	ctx.len = c.last - c.first + 1;
	ctx.last = c.is_last;
	ctx.base = ctx.saved = c.first;
	ctx.saved_at = ctx.next_check = mono_now();
	store_set_progress(p->st, j->id, c.first);
	log_debug("job %" PRId64 ": chunk %" PRId64 "/%" PRIu64 " bytes %" PRIu64 "-%" PRIu64,
		  j->id, t->chunk + 1, t->plan.chunk_count, c.first, c.last);
	r = p->io.upload(p->io.ctx, j->upload_url, &c, &rep, &err);
	return chunk_answer(p, t, r, &c, &rep, &err, ctx.taken);
}

/*
 * Open the staging file and check it still has the size it had when it
 * became ready.  It is opened through meta/job/itemfile.h from the folder's
 * root, like every read of an item file: a video swapped for a symlink, a
 * hard link or a FIFO since it was validated is never read, let alone sent
 * (the swap is an event, so the tracker refuses it on the item).  -1 with
 * @err (ERR_INCOMPLETE: changed) on failure.
 */
int pw_open_video(struct poster *p, const struct job *j, struct tt_error *err)
{
	int root_fd = sp_open_root(p->root);
	struct stat sb;
	int fd = -1;

	if (root_fd < 0) {
		tt_error_set(err, ERR_INCOMPLETE, "%s: cannot open the staging folder: %s",
			     path_base(j->path), strerror(-root_fd));
		return tt_error_errno(err->cls);
	}
	fd = itemfile_open(root_fd, j->path, path_base(j->path), err);
	close(root_fd);
	if (fd < 0) {
		err->cls = ERR_INCOMPLETE;
		return tt_error_errno(err->cls);
	}
	if (fstat(fd, &sb)) {
		tt_error_set(err, ERR_INCOMPLETE, "%s: cannot open the staged file: %s",
			     path_base(j->path), strerror(errno));
		close(fd);
		fd = tt_error_errno(err->cls);
	} else if (j->size && (uint64_t)sb.st_size != j->size) {
		tt_error_set(err, ERR_INCOMPLETE,
			     "%s: %" PRIu64 " bytes now, %" PRIu64 " when it was "
			     "complete",
			     path_base(j->path), (uint64_t)sb.st_size, j->size);
		close(fd);
		fd = tt_error_errno(err->cls);
	}
	return fd;
}

/* The chunk plan for @size, or -EINVAL with @err. */
int pw_make_plan(struct poster *p, const struct job *j, uint64_t size, struct chunk_plan *plan,
		 struct tt_error *err)
{
	if (chunk_plan(size, p->cfg->chunk_size, plan) == 0)
		return 0;
	tt_error_set(err, ERR_PERMANENT,
		     "%s: %" PRIu64 " bytes cannot be sent in chunks of %" PRIu64
		     " (TikTok takes 1 to " TIKTOK_STR(TIKTOK_FILE_MAX) " bytes, chunk_size "
		     TIKTOK_STR(TIKTOK_CHUNK_MIN) " to " TIKTOK_STR(TIKTOK_CHUNK_MAX) ")",
		     path_base(j->path), size, p->cfg->chunk_size);
	return tt_error_errno(err->cls);
}

/* ---- resuming ------------------------------------------------------------- */

/* The file of an interrupted upload, reopened and probed from the
 * descriptor the bytes go from (not the name again).  0, or -1 with @s. */
static int reopen(struct poster *p, struct turn *t, struct step *s)
{
	const struct job *j = &t->j;
	struct media_info mi;
	struct tt_error err;

	tt_error_clear(&err);
	t->fd = pw_open_video(p, j, &err);
	if (t->fd < 0) {
		t->fd = -1; /* struct turn: -1 when not open */
		*s = step_end(TURN_CHANGED, &err);
		return -1;
	}
	/* The type was stored when the item became ready; only rows readied
	 * before that column existed probe the file again. */
	t->mime = j->mime;
	if (!t->mime && (probe_fd(t->fd, path_base(j->path), &mi, &err) ||
			 !(t->mime = media_container_mime(mi.container)))) {
		if (err.cls == ERR_NONE)
			tt_error_set(&err, ERR_PERMANENT, "%s: not a container TikTok takes",
				     path_base(j->path));
		*s = step_end(TURN_CHANGED, &err);
		return -1;
	}
	if (pw_make_plan(p, j, j->size, &t->plan, &err)) {
		*s = step_end(TURN_FAIL, &err);
		return -1;
	}
	return 0;
}

/* Continue the upload of t->j at t->from, the bytes TikTok holds. */
struct step step_resume(struct poster *p, struct turn *t)
{
	struct job *j = &t->j;
	struct tt_error err;
	struct step s;

	if (reopen(p, t, &s))
		return s;
	log_info("job %" PRId64 ": resuming publish %s at byte %" PRIu64 " of %" PRIu64, j->id,
		 j->publish_id, t->from, j->size);
	if (j->state != JOB_UPLOADING &&
	    store_transition(p->st, j->id, JOB_UPLOADING, "resuming the upload"))
		return step_end(TURN_PAUSE, NULL);
	j->state = JOB_UPLOADING;
	t->chunk = t->from == t->plan.video_size ? (int64_t)t->plan.chunk_count
						 : chunk_index_at(&t->plan, t->from);
	if (t->chunk < 0) {
		tt_error_clear(&err);
		tt_error_set(&err, ERR_RETRY,
			     "TikTok holds %" PRIu64 " bytes, not a chunk boundary "
			     "of this plan (was chunk_size changed?)",
			     t->from);
		return step_end(TURN_RESTART, &err);
	}
	if ((uint64_t)t->chunk == t->plan.chunk_count)
		return step_go(STEP_PROCESSING);
	return step_go(STEP_SEND);
}
