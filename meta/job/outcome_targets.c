/*
 * One drop, several platforms: where the current target of a multi-target
 * item ends (meta/job/store.h, THE TARGETS).  outcome.c asks here first
 * whenever a job ends; a job of one account (no targets list) goes on as
 * it always did.  For a multi-target job the current target's row is
 * recorded from the job row, and either the job row moves on to the next
 * pending target in the same commit (store_target_done: no file moves, no
 * hook runs), or no target is left and the item makes its one final move:
 * posted/ when every target posted or published, else failed/ with a
 * NAME.error holding one block per target and what moving it back does.
 *
 * Nothing secret reaches a row or a text: each target's text is made by
 * outcome_error_text() (redacted) and the job's upload URL is masked.
 */
#include "meta/job/outcome.h"
#include "meta/job/outcome_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/config.h"
#include "meta/job/store.h"
#include "util/array.h"
#include "util/escape.h"
#include "util/log.h"
#include "util/path.h"
#include "util/strbuf.h"

const char *oc_platform_of(const struct config *cfg, const char *account)
{
	return config_account_youtube(cfg, account) ? "youtube" : "tiktok";
}

const char *oc_platform_label(const char *platform)
{
	return platform_is_youtube(platform) ? "YouTube" : "TikTok";
}

/* The finished targets of a job, copied out (rows read as jobs). */
struct finished {
	struct job *v;
	size_t n, alloc;
};

static int add_finished(const struct job *t, void *arg)
{
	struct finished *f = arg;
	struct job *c;

	ALLOC_GROW(f->v, f->n + 1, f->alloc);
	c = &f->v[f->n++];
	job_dup(t, c);
	return 0;
}

static void finished_free(struct finished *f)
{
	for (size_t i = 0; i < f->n; i++)
		job_free(&f->v[i]);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static bool is_finished(const struct finished *f, const char *account)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].account, account))
			return true;
	return false;
}

/* The first account of @list ("a,b,c") that is neither @skip nor
 * finished; NULL when none (caller frees). */
static char *next_pending(const char *list, const char *skip, const struct finished *f)
{
	const char *p = list;

	while (p && *p) {
		size_t len = strcspn(p, ",");
		char *name = xstrndup(p, len);

		if (*name && strcmp(name, skip) && !is_finished(f, name))
			return name;
		free(name);
		p += len;
		p += *p == ',';
	}
	return NULL;
}

/* "YouTube (account yt): posted, URL" and the like: one target's block. */
static void add_block(struct strbuf *sb, const struct job *t)
{
	const char *text = t->error_text ? t->error_text : t->error ? t->error : "";
	size_t first = strcspn(text, "\n");

	strbuf_addf(sb, "%s (account %s): %s", oc_platform_label(t->platform), t->account,
		    job_state_name(t->state));
	if (t->state == JOB_FAILED) {
		strbuf_addf(sb, ": %.*s\n", (int)first, text);
		/* the rest of its own text (retry, advice), indented */
		for (const char *p = text + first; *p;) {
			size_t len;

			p += *p == '\n';
			len = strcspn(p, "\n");
			if (len)
				strbuf_addf(sb, "  %.*s\n", (int)len, p);
			p += len;
		}
		return;
	}
	if (t->url && *t->url)
		strbuf_addf(sb, ", %s", t->url);
	else if (t->post_id && *t->post_id)
		strbuf_addf(sb, ", post %s", t->post_id);
	else if (t->state == JOB_PUBLISHED)
		strbuf_addstr(sb, ", its post ID still to come");
	strbuf_addch(sb, '\n');
}

/* The platforms of @f in state failed (@failed) or not, "YouTube and TikTok". */
static void add_platforms(struct strbuf *sb, const struct finished *f, bool failed)
{
	size_t k = 0;

	for (size_t i = 0; i < f->n; i++) {
		if ((f->v[i].state == JOB_FAILED) != failed)
			continue;
		strbuf_addf(sb, "%s%s", k++ ? " and " : "", oc_platform_label(f->v[i].platform));
	}
}

/* NAME.error of an item some of whose targets failed: a first line naming
 * the file and what failed, a block per target, what moving it back does. */
static char *final_text(const char *video, const struct finished *f)
{
	struct strbuf sb = STRBUF_INIT;
	bool some_ok = false;
	char *text;

	for (size_t i = 0; i < f->n; i++)
		some_ok |= f->v[i].state != JOB_FAILED;
	esc_text(&sb, video);
	strbuf_addstr(&sb, ": not posted to ");
	add_platforms(&sb, f, true);
	if (some_ok) {
		strbuf_addstr(&sb, "; posted to ");
		add_platforms(&sb, f, false);
	}
	strbuf_addch(&sb, '\n');
	for (size_t i = 0; i < f->n; i++)
		add_block(&sb, &f->v[i]);
	strbuf_addstr(&sb, "Retrying: move the video and its caption back to outbox/ once the "
			   "cause is fixed: only ");
	add_platforms(&sb, f, true);
	strbuf_addstr(&sb, some_ok ? " is tried again; what was posted is not posted twice.\n"
				   : " is tried again.\n");
	text = strbuf_detach(&sb, NULL);
	return log_redact(text, strlen(text) + 1);
}

/* No target is left: how the item ends, from its rows. */
static void decide_final(const struct job *j, const struct finished *f, struct oc_final *out)
{
	bool all_ok = f->n > 0;

	for (size_t i = 0; i < f->n; i++)
		all_ok &= f->v[i].state != JOB_FAILED;
	out->to = all_ok ? JOB_POSTED : JOB_FAILED;
	out->text = all_ok ? NULL : final_text(path_base(j->path), f);
}

/* The history note of a move to the next target. */
static char *advance_note(const struct config *cfg, const struct job *j, int to,
			  const char *next)
{
	const char *how = to == JOB_FAILED ? "failed on" : to == JOB_PUBLISHED ? "published to"
									       : "posted to";

	return xasprintf("%s %s as %s; next: %s (%s)", how,
			 oc_platform_label(oc_platform_of(cfg, j->account)), j->account, next,
			 oc_platform_label(oc_platform_of(cfg, next)));
}

int oc_targets_step(struct store *st, const struct config *cfg, const struct job *j, int to,
		    const struct tt_error *why, struct oc_final *out)
{
	struct finished f = {0};
	char *text = NULL, *next = NULL, *note = NULL;
	int rc;

	out->to = to;
	out->text = NULL;
	if (!j->targets || job_state_final(j->state))
		return 0; /* one account, or ended already: as always */
	rc = store_targets_of(st, j->id, add_finished, &f);
	if (rc < 0)
		goto out;
	if (to == JOB_FAILED) {
		text = outcome_error_text(path_base(j->path), why);
		oc_mask_literal(text, j->upload_url);
	}
	next = next_pending(j->targets, j->account, &f);
	note = next ? advance_note(cfg, j, to, next) : NULL;
	rc = store_target_done(st, j->id, oc_platform_of(cfg, j->account), to, text, next, note);
	if (rc == 0 && next) {
		log_info("%s: %s", j->path, note);
		rc = 1;
		goto out;
	}
	finished_free(&f);
	if (rc == 0)
		rc = store_targets_of(st, j->id, add_finished, &f);
	if (rc == 0)
		decide_final(j, &f, out);
out:
	finished_free(&f);
	free(text);
	free(next);
	free(note);
	return rc;
}

int outcome_targets_end(struct store *st, const struct config *cfg, const char *root,
			const struct outcome_final *on_final, int64_t id)
{
	struct finished f = {0};
	struct oc_final fin = {JOB_POSTED, NULL};

	struct job j;
	int rc = store_get(st, id, &j);

	if (rc)
		return rc;
	rc = store_targets_of(st, id, add_finished, &f);
	if (rc == 0)
		decide_final(&j, &f, &fin);
	if (rc == 0)
		rc = oc_finish_final(st, cfg, root, on_final, id, &fin);
	free(fin.text);
	finished_free(&f);
	job_free(&j);
	return rc;
}
