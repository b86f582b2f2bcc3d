/*
 * The status renderer's text (status.c's file comment shows its sections):
 * STATUS.txt and `tiktokfs status`.  The queue and results are written as
 * the walk hands items over; the upload bars are gathered beside them and
 * placed after the results, the scheduled times at the end.  The whole text
 * passes log_redact() once it is complete.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/account.h"
#include "meta/config.h"
#include "meta/creator.h"
#include "meta/job/drop.h"
#include "meta/job/status_int.h"
#include "util/escape.h"
#include "util/log.h"
#include "util/timefmt.h"

#define BAR_WIDTH 30

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

/* "  STATE       PATH", the path escaped; "  [YouTube]" after the path of
 * an item of a YouTube account (TikTok's are the unmarked default). */
static void add_head(const struct status_walk *w, struct strbuf *sb, const struct job *j)
{
	strbuf_addf(sb, "  %-10s  ", job_state_name(j->state));
	esc_text(sb, j->path);
	if (status_youtube(w, j))
		strbuf_addstr(sb, "  [YouTube]");
}

/* "Account: @user (nick)"; an account's own view names the account, and
 * the login command it needs. */
static void add_account(struct strbuf *sb, const char *state_dir, const char *account)
{
	bool named = account && strcmp(account, DROP_DEFAULT_ACCOUNT);
	struct creator_info ci;

	memset(&ci, 0, sizeof(ci));
	strbuf_addstr(sb, "Account");
	if (named)
		strbuf_addf(sb, " %s", account); /* a checked account name */
	if (!state_dir || creator_load(state_dir, &ci) < 0 || !ci.username[0]) {
		if (named)
			strbuf_addf(sb, ": not logged in (run `tiktokfs login --account %s`)\n",
				    account);
		else
			strbuf_addstr(sb, ": not logged in (run `tiktokfs login`)\n");
		return;
	}
	strbuf_addstr(sb, ": @");
	esc_text(sb, ci.username);
	if (ci.nickname[0]) {
		strbuf_addstr(sb, " (");
		esc_text(sb, ci.nickname);
		strbuf_addch(sb, ')');
	}
	strbuf_addch(sb, '\n');
}

/* What a live item waits for, after its head on the same line. */
static void add_waits_for(const struct status_walk *w, struct strbuf *sb, const struct job *j)
{
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
		if (!j->size)
			strbuf_addf(sb, "  %" PRIu64 " bytes sent", j->sent);
		else
			strbuf_addf(sb, "  %" PRIu64 "/%" PRIu64 " bytes (%u%%)", j->sent, j->size,
				    status_percent(j));
		break;
	case JOB_PROCESSING:
		if (j->status) {
			strbuf_addstr(sb, status_youtube(w, j) ? "  YouTube: " : "  TikTok: ");
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
}

/* "targets: TikTok (default) posted, https://...; YouTube (yt) uploading"
 * under an item posted to several platforms (meta/job/store.h, THE
 * TARGETS); nothing for an item of one account. */
static void add_targets(const struct status_walk *w, struct strbuf *sb, const struct job *j)
{
	struct status_target t[STATUS_TARGETS_MAX];
	size_t n = status_targets_of(w, j, t);

	if (!n)
		return;
	strbuf_addstr(sb, "      targets: ");
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(sb, "%s%s (%s) %s", i ? "; " : "", t[i].youtube ? "YouTube" : "TikTok",
			    t[i].account, t[i].state);
		if (t[i].url) {
			strbuf_addstr(sb, ", ");
			esc_text(sb, t[i].url);
		}
	}
	strbuf_addch(sb, '\n');
	status_targets_free(t, n);
}

static void add_queued(const struct status_walk *w, struct strbuf *sb, const struct job *j)
{
	add_head(w, sb, j);
	add_waits_for(w, sb, j);
	strbuf_addch(sb, '\n');
	add_targets(w, sb, j);
	if (j->caption_path)
		add_line(sb, "caption", j->caption_path);
	add_line(sb, "warning", j->warning);
	add_line(sb, j->state == JOB_DEFERRED ? "reason" : "error", j->error);
}

static void add_result(const struct status_walk *w, struct strbuf *sb, const struct job *j)
{
	add_head(w, sb, j);
	if (j->state == JOB_POSTED && j->posted_at > 0) {
		strbuf_addstr(sb, "  at ");
		add_time(sb, j->posted_at);
	}
	strbuf_addch(sb, '\n');
	add_targets(w, sb, j);
	if (j->state == JOB_POSTED) {
		if (j->url)
			add_line(sb, "url", j->url);
		else if (j->publish_id)
			add_line(sb, "publish_id", j->publish_id);
		if (j->status && strcmp(j->status, "PUBLISH_COMPLETE"))
			add_line(sb, "status", j->status);
		if (!j->url) /* a wait for the post ID that ended without one */
			add_line(sb, "post", j->post_status);
		add_line(sb, "warning", j->warning);
		add_line(sb, "error", j->error); /* a move that could not be made */
	} else {
		add_line(sb, "error", j->error);
	}
}

/* 1234567 -> "1.2 MB": decimal units, as a file manager shows sizes. */
static void add_bytes(struct strbuf *sb, double n)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
	int u = 0;

	while (n >= 1000 && u < 4) {
		n /= 1000;
		u++;
	}
	strbuf_addf(sb, u ? "%.1f %s" : "%.0f %s", n, units[u]);
}

static void add_duration(struct strbuf *sb, double s)
{
	long t = (long)(s + 0.5);

	if (t >= 3600)
		strbuf_addf(sb, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		strbuf_addf(sb, "%ld:%02ld", t / 60, t % 60);
}

/* "    [####....]  75%  30.0 MB of 40.0 MB  1.5 MB/s  ETA 0:07" */
static void add_bar(struct strbuf *sb, const struct status_progress *p)
{
	int fill = (int)(p->percent * BAR_WIDTH / 100);

	strbuf_addstr(sb, "    [");
	for (int i = 0; i < BAR_WIDTH; i++)
		strbuf_addch(sb, i < fill ? '#' : '.');
	strbuf_addf(sb, "] %3u%%  ", p->percent);
	add_bytes(sb, (double)p->sent);
	strbuf_addstr(sb, " of ");
	add_bytes(sb, (double)p->total);
	if (p->rate >= 0) {
		strbuf_addstr(sb, "  ");
		add_bytes(sb, p->rate);
		strbuf_addstr(sb, "/s");
	}
	if (p->eta >= 0) {
		strbuf_addstr(sb, "  ETA ");
		add_duration(sb, p->eta);
	}
	strbuf_addch(sb, '\n');
}

static void add_upload(struct status_walk *w, const struct job *j)
{
	struct status_progress p;

	status_progress_of(w, j, &p);
	strbuf_addstr(&w->uploads, "  ");
	esc_text(&w->uploads, j->path);
	strbuf_addch(&w->uploads, '\n');
	add_bar(&w->uploads, &p);
}

/* "Accounts: default (TikTok), yt (YouTube)" when the config has more
 * than the default account: which accounts there are and where each posts
 * (issue 15), so a folder's rules are no surprise. */
static void add_accounts(struct strbuf *sb, const struct config *cfg)
{
	if (!cfg || cfg->n_accounts < 2)
		return;
	strbuf_addstr(sb, "Accounts: ");
	for (size_t i = 0; i < cfg->n_accounts; i++) {
		const struct account *a = &cfg->accounts[i];
		bool yt = platform_is_youtube(a->platform);

		if (i)
			strbuf_addstr(sb, ", ");
		esc_text(sb, a->name);
		strbuf_addstr(sb, yt ? " (YouTube)" : " (TikTok)");
	}
	strbuf_addch(sb, '\n');
}

/* The last config reload's refusal, while it stands (status_note_reload). */
static void add_reload_note(struct strbuf *sb, const char *state_dir)
{
	char text[4096], *path;
	size_t len = 0;
	FILE *f;

	if (!state_dir)
		return;
	path = xasprintf("%s/%s", state_dir, STATUS_RELOAD_NOTE);
	f = fopen(path, "re");
	free(path);
	if (!f)
		return;
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	if (!len)
		return;
	strbuf_addstr(sb, "Config reload refused: ");
	esc_text(sb, text);
	strbuf_addch(sb, '\n');
}

/* The whole mount's view names every TikTok account's login, the default
 * first: its items are listed together below. */
static void add_other_accounts(struct status_walk *w)
{
	for (size_t i = 0; w->cfg && w->state_dir && i < w->cfg->n_accounts; i++) {
		const struct account *a = &w->cfg->accounts[i];
		char *dir;

		if (!strcmp(a->name, DROP_DEFAULT_ACCOUNT) ||
		    (a->platform && strcmp(a->platform, "tiktok")))
			continue;
		dir = account_state_dir(w->state_dir, a->name);
		add_account(&w->text, dir, a->name);
		free(dir);
	}
}

void status_text_begin(struct status_walk *w)
{
	strbuf_addstr(&w->text, "tiktokfs status\n\n");
	add_account(&w->text, w->state_dir, w->account);
	if (!w->account) { /* the whole view: every account */
		add_other_accounts(w);
		add_accounts(&w->text, w->cfg);
	}
	add_reload_note(&w->text, w->state_dir);
	strbuf_addstr(&w->text, "\nQueue:\n");
}

/* "  posted/clip.mp4  published at ISO" in the waiting section, with its
 * status and warning lines when it has them. */
static void add_waiting(struct status_walk *w, const struct job *j)
{
	w->nwaiting++;
	strbuf_addstr(&w->waiting, "  ");
	esc_text(&w->waiting, j->path);
	if (status_youtube(w, j))
		strbuf_addstr(&w->waiting, "  [YouTube]");
	if (j->posted_at > 0) {
		strbuf_addstr(&w->waiting, "  published at ");
		add_time(&w->waiting, j->posted_at);
	}
	strbuf_addch(&w->waiting, '\n');
	/* a YouTube video's processing ("processing"; TikTok's is always
	 * PUBLISH_COMPLETE here), and what the upload's answer warned of (the
	 * private lock of an unaudited project) */
	if (j->status && strcmp(j->status, "PUBLISH_COMPLETE"))
		add_line(&w->waiting, "status", j->status);
	add_line(&w->waiting, "warning", j->warning);
}

void status_text_item(struct status_walk *w, const struct job *j)
{
	if ((w->sections & STATUS_UPLOADS) && j->state == JOB_UPLOADING)
		add_upload(w, j);
	if (j->state == JOB_PUBLISHED) {
		add_waiting(w, j);
		return;
	}
	if (!job_state_final(j->state)) {
		w->queued++;
		add_queued(w, &w->text, j);
		return;
	}
	/* store_each gives live jobs first, then the final ones */
	if (!w->in_results) {
		if (!w->queued)
			strbuf_addstr(&w->text, "  (empty)\n");
		strbuf_addstr(&w->text, "\nRecent results:\n");
		w->in_results = true;
	}
	add_result(w, &w->text, j);
}

static void add_next_scheduled(struct strbuf *sb, const struct status_walk *w)
{
	strbuf_addstr(sb, "\nNext scheduled:\n");
	for (size_t i = 0; i < w->nsched && i < STATUS_NEXT_TEXT_MAX; i++) {
		strbuf_addstr(sb, "  ");
		add_time(sb, w->sched[i].schedule_at);
		strbuf_addstr(sb, "  ");
		esc_text(sb, w->sched[i].path);
		strbuf_addch(sb, '\n');
	}
}

char *status_text_end(struct status_walk *w, int rc)
{
	struct strbuf *sb = &w->text;
	size_t len;
	char *text;

	if (rc < 0)
		strbuf_addstr(sb, "  (the job store cannot be read; see the tiktokfs log)\n");
	if (!w->in_results) {
		if (!w->queued)
			strbuf_addstr(sb, "  (empty)\n");
		strbuf_addstr(sb, "\nRecent results:\n  (none)\n");
	}
	if (w->nwaiting)
		strbuf_addf(sb, "\nWaiting for post IDs (%d):\n%s", w->nwaiting,
			    strbuf_str(&w->waiting));
	if (w->uploads.len)
		strbuf_addf(sb, "\nUploads:\n%s", strbuf_str(&w->uploads));
	if ((w->sections & STATUS_NEXT) && w->nsched)
		add_next_scheduled(sb, w);
	strbuf_addstr(sb, "\nGenerated at ");
	add_time(sb, w->now);
	strbuf_addch(sb, '\n');
	text = strbuf_detach(sb, &len);
	return log_redact(text, len + 1);
}
