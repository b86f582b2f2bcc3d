/*
 * Where an item ends: its video and caption move from outbox/... or
 * scheduled/... to posted/... or failed/..., keeping the subfolder, never
 * overwriting anything ("clip.mp4" becomes "clip (2).mp4", and its caption
 * "clip (2).caption" or "clip (2).mp4.caption" in the same style), and a
 * failed item gets failed/NAME.error saying why and what to do.
 *
 * Crash safety.  The order is: (1) choose free destination names; (2) commit
 * to the store, in one transaction, the final state, the destination paths,
 * the source paths (move_from) and the error text; (3) rename the files
 * (renameat2 RENAME_NOREPLACE), write NAME.error; (4) clear move_from.
 * Invariant: a job whose move_from is set may have its files at the source
 * or at the destination, each file independently; outcome_finish_moves()
 * completes such a move idempotently (a file missing at its source has
 * already moved, or the user deleted it).  Because the state is committed
 * first, a kill at any point never leaves a posted video looking unposted:
 * the video in outbox/ belongs to a final job with a pending move, and the
 * tracker runs outcome_finish_moves() before it walks the tree.
 *
 * Nothing secret reaches an error file: every text passes through
 * log_redact(), and the job's own upload URL is masked too.
 */
#include "meta/outcome.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "meta/config.h"
#include "meta/hooks.h"
#include "meta/store.h"
#include "util/escape.h"
#include "util/log.h"
#include "util/fileio.h"
#include "util/strbuf.h"

#define MAX_SUFFIX 10000

/* ---- names -------------------------------------------------------------- */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* "outbox/sub/clip.mp4" -> "sub" ("" when at the top of the folder). */
static char *sub_dir(const char *path)
{
	const char *first = strchr(path, '/');
	const char *last = strrchr(path, '/');

	if (!first || first == last)
		return xstrdup("");
	return xstrndup(first + 1, (size_t)(last - first - 1));
}

enum caption_style {
	CAP_STEM,  /* clip.caption */
	CAP_VIDEO, /* clip.mp4.caption */
	CAP_OTHER  /* anything else: " (n)" before ".caption" */
};

/* How the destination names are made from the source names. */
struct name_plan {
	char *dir;	  /* destination folder, relative: "posted/sub" */
	char *stem, *ext; /* video "clip" + ".mp4" */
	enum caption_style style;
	char *cap_stem; /* CAP_OTHER: caption name without ".caption" */
	bool has_caption;
	bool error_file; /* failed/: NAME.error must be free too */
};

static void plan_free(struct name_plan *p)
{
	free(p->dir);
	free(p->stem);
	free(p->ext);
	free(p->cap_stem);
}

static void plan_names(struct name_plan *p, const char *folder, const char *video,
		       const char *caption, bool error_file)
{
	const char *vb = base_name(video), *dot = strrchr(vb, '.');
	char *sub = sub_dir(video);

	memset(p, 0, sizeof(*p));
	p->dir = *sub ? xasprintf("%s/%s", folder, sub) : xstrdup(folder);
	free(sub);
	if (!dot || dot == vb)
		dot = vb + strlen(vb);
	p->stem = xstrndup(vb, (size_t)(dot - vb));
	p->ext = xstrdup(dot);
	p->error_file = error_file;
	p->has_caption = caption != NULL;
	if (!caption)
		return;
	const char *cb = base_name(caption);
	char *as_video = xasprintf("%s.caption", vb), *as_stem = xasprintf("%s.caption", p->stem);
	if (!strcmp(cb, as_video)) {
		p->style = CAP_VIDEO;
	} else if (!strcmp(cb, as_stem)) {
		p->style = CAP_STEM;
	} else {
		size_t n = strlen(cb);
		p->style = CAP_OTHER;
		if (n > 8 && !strcmp(cb + n - 8, ".caption"))
			n -= 8;
		p->cap_stem = xstrndup(cb, n);
	}
	free(as_video);
	free(as_stem);
}

/* Candidate @n (1 = the plain name) of the video and caption names. */
static void plan_candidate(const struct name_plan *p, int n, char **video, char **caption)
{
	char num[24] = "";

	if (n > 1)
		snprintf(num, sizeof(num), " (%d)", n);
	*video = xasprintf("%s/%s%s%s", p->dir, p->stem, num, p->ext);
	*caption = NULL;
	if (!p->has_caption)
		return;
	switch (p->style) {
	case CAP_VIDEO:
		*caption = xasprintf("%s.caption", *video);
		break;
	case CAP_STEM:
		*caption = xasprintf("%s/%s%s.caption", p->dir, p->stem, num);
		break;
	case CAP_OTHER:
		*caption = xasprintf("%s/%s%s.caption", p->dir, p->cap_stem, num);
		break;
	}
}

static bool exists(const char *root, const char *rel)
{
	struct stat sb;
	char *p = xasprintf("%s/%s", root, rel);
	bool r = lstat(p, &sb) == 0 || errno != ENOENT;

	free(p);
	return r;
}

/* Is candidate @video free: the video, both caption spellings of it (so the
 * pairing stays unambiguous) and, in failed/, its NAME.error? */
static bool candidate_free(const char *root, const struct name_plan *p, const char *video,
			   const char *caption)
{
	const char *dot = strrchr(base_name(video), '.');
	size_t stem_len = dot && dot != base_name(video) ? (size_t)(dot - video) : strlen(video);
	char *v_cap = xasprintf("%s.caption", video);
	char *s_cap = xasprintf("%.*s.caption", (int)stem_len, video);
	char *err = xasprintf("%s.error", video);
	bool busy = exists(root, video) || exists(root, v_cap) || exists(root, s_cap) ||
		    (caption && exists(root, caption)) || (p->error_file && exists(root, err));

	free(v_cap);
	free(s_cap);
	free(err);
	return !busy;
}

/* Choose free destination names; 0 or -EEXIST when all MAX_SUFFIX are taken. */
static int pick_names(const char *root, const struct name_plan *p, char **video, char **caption)
{
	for (int n = 1; n <= MAX_SUFFIX; n++) {
		plan_candidate(p, n, video, caption);
		if (candidate_free(root, p, *video, *caption))
			return 0;
		free(*video);
		free(*caption);
	}
	*video = *caption = NULL;
	return -EEXIST;
}

/* ---- files -------------------------------------------------------------- */

static int mkdir_p(const char *root, const char *rel_dir)
{
	char *p = xasprintf("%s/%s", root, rel_dir);
	size_t start = strlen(root) + 1;
	int rc = 0;

	for (size_t i = start;; i++) {
		char c = p[i];
		if (c != '/' && c != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			rc = -errno;
			log_err("%s: cannot create folder: %s", p + start, strerror(errno));
		}
		p[i] = c;
		if (rc || c == '\0')
			break;
	}
	free(p);
	return rc;
}

/*
 * Move one file @from -> @to (relative) without ever replacing @to.  A
 * missing @from is not an error: after a crash it has already moved, or the
 * user deleted it.  @drop unlinks @from instead (keep_posted = no).
 */
static int place(const char *root, const char *from, const char *to, bool drop)
{
	char *f, *t;
	int rc = 0;

	if (!from || !to || !strcmp(from, to))
		return 0;
	f = xasprintf("%s/%s", root, from);
	t = xasprintf("%s/%s", root, to);
	if (drop) {
		if (unlink(f) < 0 && errno != ENOENT)
			rc = -errno;
		goto out;
	}
	if (renameat2(AT_FDCWD, f, AT_FDCWD, t, RENAME_NOREPLACE) == 0)
		goto out;
	rc = -errno;
	if (rc == -EINVAL || rc == -ENOSYS) {
		/* a filesystem without RENAME_NOREPLACE: link() never replaces */
		rc = link(f, t) < 0 ? -errno : (unlink(f) < 0 ? -errno : 0);
	}
	if (rc == -ENOENT && access(f, F_OK) < 0)
		rc = 0;
out:
	if (rc && rc != -EEXIST)
		log_err("%s: cannot move to %s: %s", from, to, strerror(-rc));
	free(f);
	free(t);
	return rc;
}

/* Write @text to absolute @path atomically: a reader sees the old file or
 * the new one. */
static int write_atomic(const char *path, const char *text)
{
	int rc = file_write_atomic(path, text, strlen(text), 0644, true);

	if (rc)
		log_err("%s: cannot write: %s", path, strerror(-rc));
	return rc;
}

/* ---- error text ----------------------------------------------------------- */

static const char *retry_line(const struct tt_error *why, char *buf, size_t size)
{
	switch (why->cls) {
	case ERR_RETRY:
		return "yes — this was a network or server problem. Move the video and its "
		       "caption back to outbox/ to try again.";
	case ERR_DEFER:
		if (why->retry_at > 0) {
			struct tm tm;
			time_t t = (time_t)why->retry_at;
			char when[32];
			gmtime_r(&t, &tm);
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
			snprintf(buf, size,
				 "yes — a TikTok limit was reached; it resets by %s. Move the "
				 "video and its caption back to outbox/ after that.",
				 when);
			return buf;
		}
		return "yes — a TikTok limit was reached; it resets by itself. Move the video "
		       "and its caption back to outbox/ later.";
	case ERR_USER:
		return "yes, once the cause is fixed — then move the video and its caption "
		       "back to outbox/.";
	case ERR_INCOMPLETE:
		return "yes — the file was not complete. Copy it again.";
	case ERR_PERMANENT:
		return "no — it will fail the same way as it is.";
	case ERR_NONE:
		break;
	}
	return "maybe — the cause is not known. Move the video and its caption back to "
	       "outbox/ to try again.";
}

static const char *default_advice(enum err_class cls)
{
	switch (cls) {
	case ERR_RETRY:
	case ERR_DEFER:
		return "Wait a little, then move the item back to outbox/.";
	case ERR_USER:
	case ERR_PERMANENT:
		return "Run `tiktokfs check VIDEO CAPTION` to see what TikTok would refuse.";
	case ERR_INCOMPLETE:
		return "Copy the file again and let the copy finish.";
	case ERR_NONE:
		break;
	}
	return "Look at the tiktokfs log for details.";
}

char *outcome_error_text(const char *video_name, const struct tt_error *why)
{
	struct strbuf sb = STRBUF_INIT;
	struct tt_error none;
	char buf[256];
	size_t nlen = video_name ? strlen(video_name) : 0;
	char *text;

	if (!why) {
		tt_error_clear(&none);
		tt_error_set(&none, ERR_NONE, "the item could not be published");
		why = &none;
	}
	/* the first line names the file, once; escaped, so that a name with a
	 * newline cannot add lines of its own (util/escape.h) */
	if (nlen && strncmp(why->what, video_name, nlen) != 0) {
		esc_text(&sb, video_name);
		strbuf_addstr(&sb, ": ");
	}
	esc_text(&sb, why->what[0] ? why->what : "the item could not be published");
	strbuf_addch(&sb, '\n');
	if (why->code[0])
		strbuf_addf(&sb, "TikTok error code: %s\n", why->code);
	if (why->log_id[0])
		strbuf_addf(&sb, "TikTok log_id: %s\n", why->log_id);
	if (why->http_status)
		strbuf_addf(&sb, "HTTP status: %d\n", why->http_status);
	strbuf_addf(&sb, "Retrying can help: %s\n", retry_line(why, buf, sizeof(buf)));
	strbuf_addf(&sb, "What to do: %s\n",
		    why->advice[0] ? why->advice : default_advice(why->cls));
	text = strbuf_detach(&sb, NULL);
	return log_redact(text, strlen(text) + 1);
}

/* Mask every copy of @secret in @s (the job's upload URL, which log_redact
 * only knows if someone registered it). */
static void mask_literal(char *s, const char *secret)
{
	size_t n;

	if (!secret || (n = strlen(secret)) < 4)
		return;
	for (char *p = strstr(s, secret); p; p = strstr(p + n, secret))
		memset(p, '*', n);
}

int outcome_error_file(const char *root, const char *video_path, const struct tt_error *why)
{
	char *path = xasprintf("%s/%s.error", root, video_path), *text;
	int rc = 0;

	if (!why) {
		if (unlink(path) < 0 && errno != ENOENT)
			rc = -errno;
		if (rc == 0)
			file_sync_parent(path);
		goto out;
	}
	text = outcome_error_text(base_name(video_path), why);
	rc = write_atomic(path, text);
	free(text);
out:
	free(path);
	return rc;
}

/* ---- the move --------------------------------------------------------- */

/*
 * Carry out (or finish) the move of @j, which holds the destination paths
 * and move_from.  Idempotent.  On a name taken in the meantime (someone
 * created it between the choice and the rename) new names are chosen and
 * recorded first.
 */
static int do_move(struct store *st, const struct config *cfg, const char *root, struct job *j)
{
	bool failed = j->state == JOB_FAILED;
	bool drop = j->state == JOB_POSTED && cfg && !cfg->keep_posted;
	char *cur_v = xstrdup(j->move_from ? j->move_from : j->path);
	char *cur_c = j->move_caption_from ? xstrdup(j->move_caption_from) : NULL;
	char *dst_v = xstrdup(j->path);
	char *dst_c = j->caption_path ? xstrdup(j->caption_path) : NULL;
	struct name_plan plan;
	int rc = 0;

	plan_names(&plan, failed ? "failed" : "posted", cur_v, cur_c, failed);
	for (int attempt = 0; attempt < 8; attempt++) {
		char *slash = strrchr(dst_v, '/');
		char *dir = xstrndup(dst_v, slash ? (size_t)(slash - dst_v) : 0);
		rc = mkdir_p(root, dir);
		free(dir);
		if (rc)
			break;
		rc = place(root, cur_v, dst_v, drop);
		if (rc == 0 && !drop) {
			free(cur_v);
			cur_v = xstrdup(dst_v);
		}
		if (rc == 0)
			rc = place(root, cur_c, dst_c, false);
		if (rc == 0 && cur_c) {
			free(cur_c);
			cur_c = xstrdup(dst_c);
		}
		if (rc != -EEXIST)
			break;
		/* a name was taken after we chose it: choose again, record, retry */
		free(dst_v);
		free(dst_c);
		rc = pick_names(root, &plan, &dst_v, &dst_c);
		if (rc == 0)
			rc = store_set_paths(st, j->id, dst_v, dst_c);
		if (rc)
			break;
		log_warn("%s: name taken meanwhile, using %s", j->path, dst_v);
	}
	if (rc == 0 && failed) {
		char *err = xasprintf("%s/%s.error", root, dst_v);
		char *fallback = NULL;
		const char *text = j->error_text;
		if (!text)
			text = fallback = xasprintf("%s\n", j->error ? j->error : "failed");
		rc = write_atomic(err, text);
		free(fallback);
		free(err);
	}
	if (rc == 0 && j->move_from) {
		/* a NAME.error left beside the item (an earlier caption problem)
		 * would otherwise stay in outbox/ with nothing to explain */
		char *stale = xasprintf("%s/%s.error", root, j->move_from);
		if (unlink(stale) < 0 && errno != ENOENT)
			log_warn("%s.error: cannot remove: %s", j->move_from, strerror(errno));
		free(stale);
	}
	if (rc == 0) {
		char *abs = xasprintf("%s/%s", root, dst_v);
		file_sync_parent(abs);
		free(abs);
		rc = store_end_move(st, j->id);
	}
	plan_free(&plan);
	free(cur_v);
	free(cur_c);
	free(dst_v);
	free(dst_c);
	return rc;
}

/* Steps (1) to (4) of the file comment for job @id ending in @to. */
/* The item is in its final folder: tell the team's hook.  Also after a move
 * finished at the next start, since the hook could not run before. */
static void run_hook(struct store *st, const struct config *cfg, const char *root, int64_t id)
{
	struct job j;
	char *path;

	if (store_get(st, id, &j))
		return;
	path = xasprintf("%s/%s", root, j.path);
	struct hook_event ev = {
		.kind = j.state == JOB_POSTED ? HOOK_POSTED : HOOK_FAILED,
		.path = path,
		.publish_id = j.publish_id,
		.post_id = j.post_id,
		.url = j.url,
		.error = j.error,
		.privacy = j.privacy,
	};
	hooks_run(cfg, &ev);
	free(path);
	job_free(&j);
}

static int finish_item(struct store *st, const struct config *cfg, const char *root, int64_t id,
		       enum job_state to, const struct tt_error *why)
{
	struct name_plan plan = {0};
	char *video = NULL, *caption = NULL, *text = NULL;
	struct job j;
	int rc = store_get(st, id, &j);

	if (rc)
		return rc;
	if (j.state == to && !j.move_from && !j.move_caption_from)
		goto out; /* already done: idempotent */
	if (j.state == to)
		goto move; /* a move that was interrupted */
	plan_names(&plan, to == JOB_FAILED ? "failed" : "posted", j.path, j.caption_path,
		   to == JOB_FAILED);
	rc = pick_names(root, &plan, &video, &caption);
	if (rc) {
		log_err("%s: no free name in %s after %d tries", j.path, plan.dir, MAX_SUFFIX);
		goto out;
	}
	if (to == JOB_FAILED) {
		text = outcome_error_text(base_name(j.path), why);
		mask_literal(text, j.upload_url);
	}
	rc = store_begin_move(st, id, to, video, caption, text,
			      to == JOB_FAILED ? "failed" : "published");
	if (rc)
		goto out;
	log_info("%s: %s, now %s", j.path, job_state_name(to), video);
	job_free(&j);
	rc = store_get(st, id, &j);
	if (rc)
		goto out;
move:
	rc = do_move(st, cfg, root, &j);
	if (!rc)
		run_hook(st, cfg, root, id);
out:
	plan_free(&plan);
	free(video);
	free(caption);
	free(text);
	job_free(&j);
	return rc;
}

int outcome_posted(struct store *st, const struct config *cfg, const char *root, int64_t id)
{
	return finish_item(st, cfg, root, id, JOB_POSTED, NULL);
}

int outcome_failed(struct store *st, const struct config *cfg, const char *root, int64_t id,
		   const struct tt_error *why)
{
	return finish_item(st, cfg, root, id, JOB_FAILED, why);
}

struct finish_arg {
	struct store *st;
	const struct config *cfg;
	const char *root;
	int rc;
};

static int finish_one(const struct job *j, void *arg)
{
	struct finish_arg *a = arg;
	struct job copy = *j; /* borrowed: do_move only reads it */
	int rc = do_move(a->st, a->cfg, a->root, &copy);

	if (rc && !a->rc)
		a->rc = rc;
	return 0; /* one stuck item must not block the others */
}

int outcome_finish_moves(struct store *st, const struct config *cfg, const char *root)
{
	struct finish_arg a = {st, cfg, root, 0};
	int rc = store_moving(st, finish_one, &a);

	return rc ? rc : a.rc;
}
