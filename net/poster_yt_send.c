/*
 * The bytes of a YouTube upload (net/poster_yt.c has the rules).
 * STEP_YT_QUERY asks the session what it holds (bytes *\/TOTAL, no body):
 * 308 with Range bytes=0-N → the next byte is N+1; 308 without Range →
 * nothing arrived, start at 0; the video → it completed, record it; 404 →
 * the server says the session is dead, a new one may start.  STEP_YT_SEND
 * sends one chunk from t->from, a multiple of 256 KiB unless it is the last
 * (docs/youtube.md §4.2), and continues where the answer's Range says,
 * whatever was sent: a 308 short of the chunk's end resends the rest.  A
 * 5xx or a network error goes back to the query, after the dispatcher's
 * pause.  Twice a second inside a chunk the worker checks for a stop or a
 * deleted item, as for TikTok.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "meta/config.h"
#include "meta/job/store.h"
#include "meta/media/media.h"
#include "meta/media/probe.h"
#include "net/poster_int.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/path.h"

uint64_t pw_yt_chunk(const struct poster *p)
{
	uint64_t c = p->cfg->youtube_chunk_size / YT_CHUNK_UNIT * YT_CHUNK_UNIT;

	return c ? c : YT_CHUNK_UNIT;
}

/* The staging file of a job with a session, opened again (a restart, a
 * deferral); the type is the one stored when it became ready.  0, or -1
 * with @s. */
static int reopen(struct poster *p, struct turn *t, struct step *s)
{
	struct tt_error err;
	struct media_info mi;

	tt_error_clear(&err);
	t->fd = pw_open_video(p, &t->j, &err);
	if (t->fd < 0) {
		t->fd = -1;
		*s = step_end(TURN_CHANGED, &err);
		return -1;
	}
	t->mime = t->j.mime;
	if (!t->mime && probe_fd(t->fd, path_base(t->j.path), &mi, &err) == 0)
		t->mime = media_container_mime(mi.container);
	if (!t->mime)
		t->mime = "application/octet-stream";
	return 0;
}

/* The server holds rep->held bytes of a file of @size (a 308). */
static struct step holds(struct poster *p, struct turn *t, uint64_t held)
{
	struct tt_error err;

	if (held > t->j.size) {
		tt_error_clear(&err);
		tt_error_set(&err, ERR_RETRY,
			     "YouTube says it holds %" PRIu64 " of %" PRIu64 " bytes", held,
			     t->j.size);
		return step_retry(STEP_YT_QUERY, &err);
	}
	if (held <= t->from && t->j.state == JOB_UPLOADING && ++t->stalls > YT_MAX_STALLS) {
		tt_error_clear(&err);
		tt_error_set(&err, ERR_RETRY,
			     "%s: YouTube keeps %" PRIu64 " bytes and takes no "
			     "more",
			     path_base(t->j.path), held);
		return step_defer(&err, 0);
	}
	if (held > t->from)
		t->stalls = 0;
	t->from = held;
	store_set_progress(p->st, t->j.id, held);
	if (held == t->j.size) /* all there, but no video yet: ask */
		return step_retry(STEP_YT_QUERY, NULL);
	return step_go(STEP_YT_SEND);
}

struct step step_yt_query(struct poster *p, struct turn *t)
{
	struct job *j = &t->j;
	struct tt_error err;
	enum yt_answer a;
	struct step s;

	if (t->fd < 0 && reopen(p, t, &s))
		return s;
	tt_error_clear(&err);
	a = p->yt.finish(p->yt.ctx, j->upload_url, j->size, &t->yr, &err);
	if (a == YT_DONE)
		return step_go(STEP_YT_DONE);
	if (a != YT_MORE)
		return pw_yt_error(p, t, a, &err, STEP_YT_QUERY);
	log_info("job %" PRId64 ": YouTube session %s holds %" PRIu64 " of %" PRIu64 " bytes",
		 j->id, j->publish_id, t->yr.held, j->size);
	if (j->state != JOB_UPLOADING) {
		if (store_transition(p->st, j->id, JOB_UPLOADING, "resuming the upload"))
			return step_end(TURN_PAUSE, NULL);
		j->state = JOB_UPLOADING;
	}
	return holds(p, t, t->yr.held);
}

struct send_yt {
	struct poster *p;
	int64_t id;
	bool taken;
	double next_check;
};

static bool on_progress(void *arg, uint64_t sent)
{
	struct send_yt *c = arg;
	double now;

	(void)sent;
	if (pw_stopping(c->p))
		return true;
	now = mono_now();
	if (now < c->next_check)
		return false;
	c->next_check = now + CANCEL_CHECK_SEC;
	c->taken = !pw_still_ours(c->p, c->id, JOB_UPLOADING);
	return c->taken;
}

struct step step_yt_send(struct poster *p, struct turn *t)
{
	const struct job *j = &t->j;
	struct send_yt ctx = {.p = p, .id = j->id, .next_check = mono_now()};
	uint64_t chunk = pw_yt_chunk(p);
	struct upload_chunk c = {.fd = t->fd,
				 .first = t->from,
				 .total = j->size,
				 .content_type = t->mime,
				 .max_send_speed = p->cfg->bandwidth_limit,
				 .progress = on_progress,
				 .arg = &ctx};
	struct tt_error err;
	enum yt_answer a;

	c.last = (j->size - t->from > chunk ? t->from + chunk : j->size) - 1;
	c.is_last = c.last + 1 == j->size;
	tt_error_clear(&err);
	log_debug("job %" PRId64 ": YouTube bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, j->id, c.first,
		  c.last, c.total);
	a = p->yt.upload(p->yt.ctx, j->upload_url, &c, &t->yr, &err);
	if (a == YT_DONE) {
		log_info("job %" PRId64 ": all %" PRIu64 " bytes at YouTube", j->id, j->size);
		return step_go(STEP_YT_DONE);
	}
	if (a == YT_MORE) {
		t->retries = 0;
		return holds(p, t, t->yr.held);
	}
	if (a == YT_ABORTED && ctx.taken)
		log_info("job %" PRId64 ": %s was deleted or changed; upload abandoned (an "
			 "unfinished session never becomes a video)",
			 j->id, j->path);
	/* 5xx, network: ask the session, then resume where it says */
	return pw_yt_error(p, t, a, &err, STEP_YT_QUERY);
}
