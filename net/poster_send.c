/*
 * The posting worker, part 3 of 4 (net/poster_int.h): the bytes.  Chunks go
 * strictly in order (§5.5), each a PUT streamed from the staging file by
 * net/upload.c.  206 → next chunk; 201 → processing; 5xx and network errors
 * → the same range again after a pause; 416 → continue where TikTok says it
 * is (the answer's Content-Range, else status uploaded_bytes); 403/404 →
 * the link is dead, the publish can never complete: a new init.  Between
 * chunks and twice a second inside one, the worker checks for a stop or a
 * deleted item.  user.tiktok.progress is stored every few MiB; resuming
 * never trusts it, only what TikTok reports.
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
#include "meta/job/itemfile.h"
#include "meta/media/media.h"
#include "meta/media/probe.h"
#include "meta/job/store.h"
#include "net/api.h"
#include "net/chunk.h"
#include "net/poster_int.h"
#include "net/upload.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/safepath.h"
#include "util/strbuf.h"
#include "util/path.h"

struct send_ctx {
	struct poster *p;
	int64_t id;
	uint64_t base;	/* first byte of the chunk in flight */
	uint64_t saved; /* last progress stored */
	double saved_at, next_check;
	bool taken; /* the job is no longer ours (deleted, changed) */
};

static bool on_progress(void *arg, uint64_t chunk_sent)
{
	struct send_ctx *c = arg;
	double now;
	uint64_t pos = c->base + chunk_sent;

	if (pw_stopping(c->p))
		return true;
	now = mono_now();
	if (now >= c->next_check) {
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
	if (!pw_limiter_take(p, &p->status_lim))
		return -1;
	tt_error_clear(&err);
	if (api_status(p->api, j->publish_id, &ps, &err))
		return -1;
	if (ps.uploaded_bytes == plan->video_size || chunk_index_at(plan, ps.uploaded_bytes) >= 0)
		return (int64_t)ps.uploaded_bytes;
	return rep->have_range ? -1 : 0; /* no Content-Range: nothing held (sandbox, §5.5) */
}

/*
 * Send the chunks of @j from byte @from.  @j carries publish_id and
 * upload_url.  Ends the turn in every case.
 */
void pw_send_chunks(struct poster *p, const struct job *j, int fd, const struct chunk_plan *plan,
		    const char *mime, uint64_t from)
{
	struct send_ctx ctx = {.p = p, .id = j->id};
	struct upload_chunk c = {.fd = fd,
				 .total = plan->video_size,
				 .content_type = mime,
				 .max_send_speed = p->cfg->bandwidth_limit,
				 .progress = on_progress,
				 .arg = &ctx};
	struct upload_reply rep;
	struct tt_error err;
	int retries = 0, resyncs = 0;
	int64_t i =
	    from == plan->video_size ? (int64_t)plan->chunk_count : chunk_index_at(plan, from);

	if (i < 0) {
		tt_error_clear(&err);
		tt_error_set(&err, ERR_RETRY,
			     "TikTok holds %" PRIu64 " bytes, not a chunk boundary "
			     "of this plan (was chunk_size changed?)",
			     from);
		pw_restart(p, j, &err, false);
		return;
	}
	if (!p->up) {
		tt_error_clear(&err);
		tt_error_set(&err, ERR_RETRY, "cannot create an HTTP handle for the upload");
		pw_defer(p, j->id, &err, 0);
		return;
	}
	while ((uint64_t)i < plan->chunk_count) {
		enum upload_result r;

		if (pw_stopping(p))
			return;
		chunk_range(plan, (uint64_t)i, &c.first, &c.last);
		c.is_last = (uint64_t)i + 1 == plan->chunk_count;
		ctx.base = ctx.saved = c.first;
		ctx.saved_at = ctx.next_check = mono_now();
		store_set_progress(p->st, j->id, c.first);
		log_debug("job %" PRId64 ": chunk %" PRId64 "/%" PRIu64 " bytes %" PRIu64
			  "-%" PRIu64,
			  j->id, i + 1, plan->chunk_count, c.first, c.last);
		r = upload_chunk(p->up, j->upload_url, &c, &rep, &err);
		switch (r) {
		case UPLOAD_MORE:
			retries = 0;
			i++;
			store_set_progress(p->st, j->id, c.last + 1);
			if ((uint64_t)i == plan->chunk_count) {
				/* 206 to the final chunk: let status say */
				pw_to_processing(p, j);
				return;
			}
			pw_watch_service(p);
			continue;
		case UPLOAD_DONE:
			log_info("job %" PRId64 ": all %" PRIu64 " bytes sent in %" PRIu64
				 " chunk%s",
				 j->id, plan->video_size, plan->chunk_count,
				 plan->chunk_count == 1 ? "" : "s");
			pw_to_processing(p, j);
			return;
		case UPLOAD_RESYNC: {
			int64_t off;

			if (++resyncs > 3) {
				pw_defer(p, j->id, &err, 0);
				return;
			}
			off = resync_offset(p, j, plan, &rep);
			if (pw_stopping(p))
				return;
			if (off < 0) {
				if (!pw_retry_pause(p, j->id, JOB_UPLOADING, &retries, &err))
					return;
				continue;
			}
			log_info("job %" PRId64 ": TikTok holds %" PRId64
				 " bytes; continuing there",
				 j->id, off);
			if ((uint64_t)off == plan->video_size) {
				pw_to_processing(p, j);
				return;
			}
			i = chunk_index_at(plan, (uint64_t)off);
			continue;
		}
		case UPLOAD_EXPIRED:
			pw_restart(p, j, &err, false);
			return;
		case UPLOAD_RETRY:
			if (!pw_retry_pause(p, j->id, JOB_UPLOADING, &retries, &err))
				return;
			continue;
		case UPLOAD_REJECTED:
			pw_fail(p, j->id, &err);
			return;
		case UPLOAD_FILE_ERROR:
			pw_changed(p, j->id, &err);
			return;
		case UPLOAD_ABORTED:
			if (ctx.taken)
				log_info("job %" PRId64
					 ": %s was deleted or changed; upload abandoned "
					 "(TikTok drops it when its link expires)",
					 j->id, j->path);
			return;
		}
	}
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
		return -1;
	}
	fd = itemfile_open(root_fd, j->path, path_base(j->path), err);
	close(root_fd);
	if (fd < 0) {
		err->cls = ERR_INCOMPLETE;
		return -1;
	}
	if (fstat(fd, &sb)) {
		tt_error_set(err, ERR_INCOMPLETE, "%s: cannot open the staged file: %s",
			     path_base(j->path), strerror(errno));
		close(fd);
		fd = -1;
	} else if (j->size && (uint64_t)sb.st_size != j->size) {
		tt_error_set(err, ERR_INCOMPLETE,
			     "%s: %" PRIu64 " bytes now, %" PRIu64 " when it was "
			     "complete",
			     path_base(j->path), (uint64_t)sb.st_size, j->size);
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The chunk plan for @size, or -1 with @err. */
int pw_make_plan(struct poster *p, const struct job *j, uint64_t size, struct chunk_plan *plan,
		 struct tt_error *err)
{
	if (chunk_plan(size, p->cfg->chunk_size, plan) == 0)
		return 0;
	tt_error_set(err, ERR_PERMANENT,
		     "%s: %" PRIu64 " bytes cannot be sent in chunks of %" PRIu64
		     " (TikTok takes 1 byte to 4 GiB, chunk_size 5242880 to "
		     "64000000)",
		     path_base(j->path), size, p->cfg->chunk_size);
	return -1;
}

/* ---- resuming ------------------------------------------------------------- */

void pw_resume_upload(struct poster *p, const struct job *j, uint64_t held)
{
	struct media_info mi;
	struct chunk_plan plan;
	struct tt_error err;
	const char *mime;
	int fd;

	tt_error_clear(&err);
	fd = pw_open_video(p, j, &err);
	if (fd < 0) {
		pw_changed(p, j->id, &err);
		return;
	}
	/* The descriptor the bytes go from, not the name again. */
	if (probe_fd(fd, path_base(j->path), &mi, &err) ||
	    !(mime = container_mime(mi.container))) {
		close(fd);
		if (err.cls == ERR_NONE)
			tt_error_set(&err, ERR_PERMANENT, "%s: not a container TikTok takes",
				     path_base(j->path));
		pw_changed(p, j->id, &err);
		return;
	}
	if (pw_make_plan(p, j, j->size, &plan, &err)) {
		close(fd);
		pw_fail(p, j->id, &err);
		return;
	}
	log_info("job %" PRId64 ": resuming publish %s at byte %" PRIu64 " of %" PRIu64, j->id,
		 j->publish_id, held, j->size);
	if (j->state != JOB_UPLOADING &&
	    store_transition(p->st, j->id, JOB_UPLOADING, "resuming the upload")) {
		close(fd);
		pw_nap(p, 5);
		return;
	}
	pw_send_chunks(p, j, fd, &plan, mime, held);
	close(fd);
}
