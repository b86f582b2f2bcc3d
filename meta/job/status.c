/*
 * STATUS.txt rendering.  Three sections, in this order, each line naming an
 * item by its path under the mount:
 *
 *   Account: @username (nickname)        or "not logged in"
 *   Queue: every live item with its state and what it waits for
 *   Recent results: the last posted/failed/cancelled items
 *   Generated at <ISO 8601 UTC>
 *
 * The queue is listed oldest first, results newest first (store_each's
 * order), so the text depends only on the store and @now.  Times are ISO
 * 8601 UTC: the reader may be on another continent (a Samba share).
 * struct job's upload_url is never read here.
 *
 * Every name and text from the store goes through esc_text(): a file name
 * is chosen by whoever can write to the share, and one holding a newline
 * must not add a line ("  posted  fake.mp4") to the picture.  So each item
 * is exactly its lines, whatever its name.
 */
#include "meta/job/status.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meta/creator.h"
#include "meta/job/results.h"
#include "meta/job/store.h"
#include "util/escape.h"
#include "util/timefmt.h"
#include "util/log.h"
#include "util/strbuf.h"

struct render {
	struct strbuf *sb;
	int queued, results;
	bool in_results;
};

static void add_time(struct strbuf *sb, int64_t t)
{
	char buf[32];

	iso_utc(t, buf, sizeof(buf));
	strbuf_addstr(sb, buf);
}

/* @s with an indent and a label, on one line: escaped whole, not cut at
 * its first newline, which may be inside a file name it quotes. */
static void add_line(struct strbuf *sb, const char *label, const char *s)
{
	if (!s || !*s)
		return;
	strbuf_addf(sb, "      %s: ", label);
	esc_text(sb, s);
	strbuf_addch(sb, '\n');
}

/* "  STATE       PATH", the path escaped. */
static void add_head(struct strbuf *sb, const struct job *j)
{
	strbuf_addf(sb, "  %-10s  ", job_state_name(j->state));
	esc_text(sb, j->path);
}

static void add_account(struct strbuf *sb, const char *state_dir)
{
	struct creator_info ci;

	memset(&ci, 0, sizeof(ci));
	if (!state_dir || creator_load(state_dir, &ci) < 0 || !ci.username[0]) {
		strbuf_addstr(sb, "Account: not logged in (run `tiktokfs login`)\n");
		return;
	}
	strbuf_addstr(sb, "Account: @");
	esc_text(sb, ci.username);
	if (ci.nickname[0]) {
		strbuf_addstr(sb, " (");
		esc_text(sb, ci.nickname);
		strbuf_addch(sb, ')');
	}
	strbuf_addch(sb, '\n');
}

static void add_progress(struct strbuf *sb, const struct job *j)
{
	if (j->size == 0) {
		strbuf_addf(sb, "  %" PRIu64 " bytes sent", j->sent);
		return;
	}
	/* floor: 100% only once the last byte is acknowledged; sizes are at
	 * most max_size (a few GiB), so sent * 100 cannot overflow */
	unsigned pct = j->sent >= j->size ? 100 : (unsigned)(j->sent * 100 / j->size);
	strbuf_addf(sb, "  %" PRIu64 "/%" PRIu64 " bytes (%u%%)", j->sent, j->size, pct);
}

static void add_queued(struct strbuf *sb, const struct job *j)
{
	add_head(sb, j);
	switch (j->state) {
	case JOB_WAITING:
		if (!j->caption_path)
			strbuf_addstr(sb, "  (no caption yet)");
		break;
	case JOB_SCHEDULED:
		strbuf_addstr(sb, "  publishes at ");
		add_time(sb, j->schedule_at);
		break;
	case JOB_UPLOADING:
		add_progress(sb, j);
		break;
	case JOB_PROCESSING:
		if (j->status) {
			strbuf_addstr(sb, "  TikTok: ");
			esc_text(sb, j->status);
		}
		break;
	case JOB_DEFERRED:
		if (j->retry_at > 0) {
			strbuf_addstr(sb, "  retries at ");
			add_time(sb, j->retry_at);
		}
		break;
	default:
		break;
	}
	strbuf_addch(sb, '\n');
	if (j->caption_path)
		add_line(sb, "caption", j->caption_path);
	add_line(sb, "warning", j->warning);
	add_line(sb, j->state == JOB_DEFERRED ? "reason" : "error", j->error);
}

static void add_result(struct strbuf *sb, const struct job *j)
{
	add_head(sb, j);
	if (j->state == JOB_POSTED && j->posted_at > 0) {
		strbuf_addstr(sb, "  at ");
		add_time(sb, j->posted_at);
	}
	strbuf_addch(sb, '\n');
	if (j->state == JOB_POSTED) {
		if (j->url)
			add_line(sb, "url", j->url);
		else if (j->publish_id)
			add_line(sb, "publish_id", j->publish_id);
		if (j->status && strcmp(j->status, "PUBLISH_COMPLETE"))
			add_line(sb, "status", j->status);
		add_line(sb, "warning", j->warning);
		add_line(sb, "error", j->error); /* a move that could not be made */
	} else {
		add_line(sb, "error", j->error);
	}
}

static int add_job(const struct job *j, void *arg)
{
	struct render *r = arg;

	if (!job_state_final(j->state)) {
		r->queued++;
		add_queued(r->sb, j);
		return 0;
	}
	/* store_each gives live jobs first, then the final ones */
	if (!r->in_results) {
		if (!r->queued)
			strbuf_addstr(r->sb, "  (empty)\n");
		strbuf_addstr(r->sb, "\nRecent results:\n");
		r->in_results = true;
	}
	r->results++;
	add_result(r->sb, j);
	return 0;
}

char *status_render(struct store *st, const struct status_extra *x)
{
	struct strbuf sb = STRBUF_INIT;
	struct render r = {&sb, 0, 0, false};
	int64_t now = x && x->now ? x->now : (int64_t)time(NULL);
	int recent = x && x->recent > 0 ? x->recent : STATUS_RECENT_DEFAULT;
	char *text;
	size_t len;

	strbuf_init(&sb);
	strbuf_addstr(&sb, "tiktokfs status\n\n");
	add_account(&sb, x ? x->state_dir : NULL);
	strbuf_addstr(&sb, "\nQueue:\n");
	if (!st || store_each(st, recent, add_job, &r) < 0)
		strbuf_addstr(&sb, "  (the job store cannot be read; see the tiktokfs log)\n");
	if (!r.in_results) {
		if (!r.queued)
			strbuf_addstr(&sb, "  (empty)\n");
		strbuf_addstr(&sb, "\nRecent results:\n  (none)\n");
	}
	strbuf_addstr(&sb, "\nGenerated at ");
	add_time(&sb, now);
	strbuf_addch(&sb, '\n');
	text = strbuf_detach(&sb, &len);
	return log_redact(text, len + 1);
}
