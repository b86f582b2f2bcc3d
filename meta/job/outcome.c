/*
 * Where an item ends: its video and caption move from outbox/... or
 * scheduled/... to posted/... or failed/..., keeping the subfolder, never
 * overwriting anything ("clip.mp4" becomes "clip (2).mp4", and its caption
 * "clip (2).caption" or "clip (2).mp4.caption" in the same style), and a
 * failed item gets failed/NAME.error saying why and what to do.
 *
 * Crash safety.  The order is: (1) commit to the store, in one
 * transaction, the final state, the source paths (move_from) and the error
 * text, the destination not chosen yet (path = move_from); (2) open the
 * destination folder, choose free names and record them (store_set_paths);
 * (3) rename the files (renameat2 RENAME_NOREPLACE), write NAME.error;
 * (4) clear move_from.  Invariant: a job whose move_from is set may have
 * its files at the source or at the destination, each file independently;
 * a job whose path still equals move_from has all of them at the source.
 * outcome_finish_moves() completes such a move idempotently (a file missing
 * at its source has already moved, or the user deleted it).  Because the
 * state is committed first, a kill at any point never leaves a posted video
 * looking unposted: the video in outbox/ belongs to a final job with a
 * pending move, and the tracker runs outcome_finish_moves() before it walks
 * the tree.
 *
 * Safety in a shared folder.  Everything is reached from the drop folder's
 * root descriptor without following links (util/safepath.h; the folders
 * through outcome_dir.c, which also keeps other users' folders from
 * receiving the item), names are shortened to fit (outcome_names.c), and
 * a move that cannot be made now (a link on the way, a full disk) is not an
 * error of the caller: the final state stays committed with the move
 * pending, the item says why (user.tiktok.error, STATUS.txt, and for a
 * failed item NAME.error beside it), and the posting worker calls
 * outcome_finish_moves() again later.  One stuck item never holds up the
 * others.  Moves are serialised by one lock: the tracker and the posting
 * worker both move files, and two moves at once could choose the same free
 * name or finish the same pending move twice.
 *
 * Nothing secret reaches an error file: every text passes through
 * log_redact(), and the job's own upload URL is masked too.
 *
 * Once an item's move is complete (step 4), the caller's on_final is told
 * (outcome.h): that is where the daemon runs the team's hook.
 */
#include "meta/job/outcome.h"
#include "meta/job/outcome_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "meta/config.h"
#include "meta/job/drop.h"
#include "meta/job/store.h"
#include "util/escape.h"
#include "util/timefmt.h"
#include "util/log.h"
#include "util/path.h"
#include "util/safepath.h"
#include "util/strbuf.h"

/* Names taken between the choice and the rename, chosen again at most. */
#define MOVE_RETRIES 8

static pthread_mutex_t move_lock = PTHREAD_MUTEX_INITIALIZER;

/* "posted/sub/clip.mp4" -> "posted/sub" */
static char *dir_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? xstrndup(path, (size_t)(s - path)) : xstrdup("");
}

/*
 * The name of NAME.error for the video named @base: "clip.mp4.error", or,
 * where that would be longer than a name may be, the stem cut on a whole
 * character so that it fits (the extension kept): a person still sees
 * which video it speaks of.  Caller frees.
 */
static char *error_name(const char *base)
{
	const char *dot = strrchr(base, '.');
	size_t len = strlen(base), ext = dot && dot != base ? strlen(dot) : 0;
	size_t keep = oc_fit(base, len - ext, ext + strlen(".error"), NAME_MAX);

	return xasprintf("%.*s%s.error", (int)keep, base, base + len - ext);
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
			char when[ISO_UTC_SIZE];

			iso_utc(why->retry_at, when, sizeof(when));
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
void oc_mask_literal(char *s, const char *secret)
{
	size_t n;

	if (!secret || (n = strlen(secret)) < 4)
		return;
	for (char *p = strstr(s, secret); p; p = strstr(p + n, secret))
		memset(p, '*', n);
}

/* ---- NAME.error beside a live item ------------------------------------- */

static void owner_at(int dfd, const char *name, struct oc_owner *who)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
		who->uid = st.st_uid;
		who->gid = st.st_gid;
		who->known = true;
	}
}

int outcome_error_file(const char *root, const char *video_path, const struct tt_error *why)
{
	struct oc_owner who = {0, 0, false};
	const char *base;
	char *name = NULL, *text = NULL;
	int root_fd = sp_open_root(root), dfd = -1, rc;

	if (root_fd < 0)
		return root_fd;
	dfd = rc = sp_open_parent(root_fd, video_path, &base);
	if (rc < 0)
		goto out;
	name = error_name(base);
	if (!why) {
		rc = unlinkat(dfd, name, 0) < 0 ? -errno : 0;
		if (rc == 0)
			fsync(dfd);
		else if (rc == -ENOENT || rc == -ENAMETOOLONG)
			rc = 0; /* a name too long to exist was never written */
		goto out;
	}
	owner_at(dfd, base, &who);
	text = outcome_error_text(base, why);
	rc = oc_write_at(dfd, name, text, &who);
	if (rc)
		log_err("%s: cannot write %s: %s", video_path, name, strerror(-rc));
out:
	if (!why && rc == -ENOENT)
		rc = 0; /* its folder is gone: nothing to remove */
	free(text);
	free(name);
	if (dfd >= 0)
		close(dfd);
	close(root_fd);
	return rc;
}

/* ---- the move --------------------------------------------------------- */

/* One move of one job, from where its files are to where they go. */
struct move {
	struct store *st;
	const struct job *j;
	bool failed, drop;
	int root_fd, dfd;
	struct oc_owner who;
	struct oc_plan plan; /* from the source names */
	char *cur_v, *cur_c; /* where the files are now */
	char *dst_v, *dst_c; /* where they go */
	char *dst_dir;	     /* the destination folder, relative */
	bool fresh;	     /* no destination recorded yet */
	char *why;	     /* why the move cannot be made now */
	char *note;	     /* a folder was stepped aside */
};

static void move_init(struct move *m, struct store *st, const struct config *cfg,
		      const struct job *j)
{
	const char *src_v = j->move_from ? j->move_from : j->path;
	const char *src_c = j->move_from ? j->move_caption_from : j->caption_path;
	char folder[128], *first;
	int rc;

	memset(m, 0, sizeof(*m));
	m->st = st;
	m->j = j;
	m->failed = j->state == JOB_FAILED;
	m->drop = (j->state == JOB_POSTED || j->state == JOB_PUBLISHED) && cfg && !cfg->keep_posted;
	m->root_fd = m->dfd = -1;
	m->cur_v = xstrdup(src_v);
	m->cur_c = src_c ? xstrdup(src_c) : NULL;
	m->dst_v = xstrdup(j->path);
	m->dst_c = j->caption_path ? xstrdup(j->caption_path) : NULL;
	m->fresh = !strcmp(m->dst_v, m->cur_v);
	/* posted/ or failed/ of the job's account, which may not be the
	 * folder the item is in now: moved after its upload started; of a
	 * multi-target item, its first target's (the folder it was dropped in) */
	first = j->targets ? xstrndup(j->targets, strcspn(j->targets, ",")) : NULL;
	rc = drop_account_folder(first ? first : j->account, m->failed ? DROP_FAILED : DROP_POSTED,
				 folder, sizeof(folder));
	free(first);
	if (rc < 0)
		snprintf(folder, sizeof(folder), "%s",
			 drop_folder_name(m->failed ? DROP_FAILED : DROP_POSTED));
	oc_plan_names(&m->plan, folder, src_v, src_c, m->failed);
}

static void move_free(struct move *m)
{
	if (m->dfd >= 0)
		close(m->dfd);
	if (m->root_fd >= 0)
		close(m->root_fd);
	oc_plan_free(&m->plan);
	free(m->cur_v);
	free(m->cur_c);
	free(m->dst_v);
	free(m->dst_c);
	free(m->dst_dir);
	free(m->why);
	free(m->note);
}

/* The item's owner: of its video, else of its caption, wherever they are. */
static void find_owner(struct move *m)
{
	const char *paths[] = {m->cur_v, m->cur_c, m->dst_v, m->dst_c};
	struct stat st;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (paths[i] && sp_lstat(m->root_fd, paths[i], &st) == 0 && S_ISREG(st.st_mode)) {
			m->who = (struct oc_owner){st.st_uid, st.st_gid, true};
			return;
		}
	}
}

/* Taken: it exists, or cannot be looked at.  A name too long to exist is
 * free (it can hold nothing); mistaking it for taken once meant "no free
 * name after 10000 tries" for every long name. */
static bool name_taken(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	       (errno != ENOENT && errno != ENAMETOOLONG);
}

/* Is the video name @video free in @dfd, with both caption spellings of it
 * (so the pairing stays unambiguous), @caption and, in failed/, its
 * NAME.error? */
static bool candidate_free(int dfd, const struct oc_plan *p, const char *video, const char *caption)
{
	const char *dot = strrchr(video, '.');
	size_t stem_len = dot && dot != video ? (size_t)(dot - video) : strlen(video);
	char *v_cap = xasprintf("%s.caption", video);
	char *s_cap = xasprintf("%.*s.caption", (int)stem_len, video);
	char *err = xasprintf("%s.error", video);
	bool busy = name_taken(dfd, video) || name_taken(dfd, v_cap) || name_taken(dfd, s_cap) ||
		    (caption && name_taken(dfd, caption)) ||
		    (p->error_file && name_taken(dfd, err));

	free(v_cap);
	free(s_cap);
	free(err);
	return !busy;
}

/* Choose free names in the open destination folder and record them. */
static int choose_names(struct move *m)
{
	long pc = fpathconf(m->dfd, _PC_NAME_MAX);
	char *v = NULL, *c = NULL;
	int rc = -EEXIST;

	if (pc > 0 && (size_t)pc < m->plan.name_max)
		m->plan.name_max = (size_t)pc;
	for (int n = 1; n <= OC_MAX_SUFFIX; n++) {
		rc = oc_candidate(&m->plan, n, &v, &c);
		if (rc || candidate_free(m->dfd, &m->plan, v, c))
			break;
		free(v);
		free(c);
		v = c = NULL;
		rc = -EEXIST;
	}
	if (rc) {
		m->why = rc == -EEXIST ? xasprintf("no free name in %s after %d tries", m->dst_dir,
						   OC_MAX_SUFFIX)
				       : xasprintf("no name short enough for %s", m->dst_dir);
		return rc;
	}
	free(m->dst_v);
	free(m->dst_c);
	m->dst_v = xasprintf("%s/%s", m->dst_dir, v);
	m->dst_c = c ? xasprintf("%s/%s", m->dst_dir, c) : NULL;
	free(v);
	free(c);
	return store_set_paths(m->st, m->j->id, m->dst_v, m->dst_c);
}

/* The item's results show that its folder was stepped aside, once. */
static void note_warning(struct move *m)
{
	const char *old = m->j->warning;
	char *w;

	log_warn("%s: %s", m->cur_v, m->note);
	if (old && strstr(old, m->note))
		return;
	w = old && *old ? xasprintf("%s; %s", old, m->note) : xstrdup(m->note);
	store_set_warning(m->st, m->j->id, w);
	free(w);
}

/* Open the destination folder: the recorded one, or the plan's when none
 * is recorded yet.  Names are chosen when none are, or the folder was
 * stepped aside since they were. */
static int open_dest(struct move *m)
{
	char *want = m->fresh ? xstrdup(m->plan.dir) : dir_of(m->dst_v);
	int rc;

	m->dfd = oc_open_dest(m->root_fd, want, &m->who, &m->dst_dir, &m->note, &m->why);
	rc = m->dfd < 0 ? m->dfd : 0;
	if (rc == 0 && m->note)
		note_warning(m);
	if (rc == 0 && (m->fresh || strcmp(want, m->dst_dir)))
		rc = choose_names(m);
	free(want);
	return rc;
}

/* The source folder of @from cannot be walked: say which link is to blame. */
static int source_refused(struct move *m, const char *from, int err)
{
	char *link = err == -ELOOP || err == -ENOTDIR ? oc_link_on_path(m->root_fd, from) : NULL;

	if (!m->why)
		m->why = link ? oc_refusal(link, -ELOOP)
			      : xasprintf("cannot reach %s: %s", from, strerror(-err));
	free(link);
	return err;
}

/*
 * Move one file @from -> @to (in the open destination folder) without ever
 * replacing @to.  A missing @from is not an error: it has already moved,
 * or the user deleted it.  @drop unlinks @from instead (keep_posted = no).
 */
static int place(struct move *m, const char *from, const char *to, bool drop)
{
	const char *fb, *tb;
	int sfd, rc = 0;

	if (!from || !to || !strcmp(from, to))
		return 0;
	sfd = sp_open_parent(m->root_fd, from, &fb);
	if (sfd == -ENOENT)
		return 0; /* its folder went, and the file with it */
	if (sfd < 0)
		return source_refused(m, from, sfd);
	tb = path_base(to);
	if (drop) {
		rc = unlinkat(sfd, fb, 0) < 0 && errno != ENOENT ? -errno : 0;
		goto out;
	}
	if (renameat2(sfd, fb, m->dfd, tb, RENAME_NOREPLACE) == 0)
		goto out;
	rc = -errno;
	if (rc == -EINVAL || rc == -ENOSYS) {
		/* a filesystem without RENAME_NOREPLACE: link() never replaces */
		rc = linkat(sfd, fb, m->dfd, tb, 0) < 0 ? -errno
							: (unlinkat(sfd, fb, 0) < 0 ? -errno : 0);
	}
	if (rc == -ENOENT && faccessat(sfd, fb, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		rc = 0;
out:
	if (rc && rc != -EEXIST && !m->why)
		m->why = xasprintf("cannot move %s to %s: %s", from, to, strerror(-rc));
	close(sfd);
	return rc;
}

static int place_both(struct move *m)
{
	int rc = place(m, m->cur_v, m->dst_v, m->drop);

	if (rc)
		return rc;
	if (!m->drop) {
		free(m->cur_v);
		m->cur_v = xstrdup(m->dst_v);
	}
	rc = place(m, m->cur_c, m->dst_c, false);
	if (rc == 0 && m->cur_c) {
		free(m->cur_c);
		m->cur_c = xstrdup(m->dst_c);
	}
	return rc;
}

/* The first line of a failed job's error text: its user.tiktok.error. */
static char *first_line(const char *text)
{
	return text ? xstrndup(text, strcspn(text, "\n")) : NULL;
}

/* After the move, user.tiktok.error is the item's own again: none for a
 * posted item, the first line of NAME.error for a failed one. */
static void settle_error(struct move *m)
{
	char *want = m->failed ? first_line(m->j->error_text) : NULL;
	const char *have = m->j->error;

	if (m->failed && !want)
		return;
	if (want ? !have || strcmp(have, want) : have != NULL)
		store_set_error(m->st, m->j->id, want);
	free(want);
}

/* A NAME.error left beside the item (an earlier caption problem, or a move
 * that could not be made) would otherwise stay with nothing to explain. */
static void drop_stale_error(struct move *m)
{
	char *dir, *name, *stale;
	int rc;

	if (!m->j->move_from || !strcmp(m->j->move_from, m->dst_v))
		return;
	dir = dir_of(m->j->move_from);
	name = error_name(path_base(m->j->move_from));
	stale = *dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
	free(dir);
	free(name);
	rc = sp_unlink(m->root_fd, stale);
	if (rc && rc != -ENOENT && rc != -ENAMETOOLONG)
		log_warn("%s: cannot remove: %s", stale, strerror(-rc));
	free(stale);
}

/* Step (3), second half: a failed item's NAME.error beside its video in
 * failed/.  Nothing for a posted item. */
static int write_error(struct move *m)
{
	char *name, *fallback = NULL;
	const char *text = m->j->error_text;
	int rc;

	if (!m->failed)
		return 0;
	name = error_name(path_base(m->dst_v));
	if (!text)
		text = fallback = xasprintf("%s\n", m->j->error ? m->j->error : "failed");
	rc = oc_write_at(m->dfd, name, text, &m->who);
	if (rc)
		m->why = xasprintf("cannot write %s/%s: %s", m->dst_dir, name, strerror(-rc));
	free(fallback);
	free(name);
	return rc;
}

/* Step (4): the files are in place; the leftovers, the store. */
static int complete(struct move *m)
{
	int rc;

	drop_stale_error(m);
	fsync(m->dfd);
	settle_error(m);
	rc = store_end_move(m->st, m->j->id);
	if (rc == 0)
		log_info("%s: %s, now %s", m->j->move_from ? m->j->move_from : m->j->path,
			 job_state_name(m->j->state), m->drop ? m->dst_c : m->dst_v);
	return rc;
}

/* A failed item that cannot reach failed/ gets its NAME.error where it is. */
static void error_beside(struct move *m, const char *line)
{
	const char *base;
	int dfd = sp_open_parent(m->root_fd, m->cur_v, &base);
	char *name, *text;

	if (dfd < 0)
		return;
	name = error_name(base);
	text = xasprintf("%s\n\n%s", line, m->j->error_text ? m->j->error_text : "");
	oc_write_at(dfd, name, text, &m->who); /* best effort: the error says it too */
	free(text);
	free(name);
	close(dfd);
}

/* The move cannot be made now: the item says why, once per reason. */
static void report(struct move *m, int rc)
{
	const char *item = m->j->move_from ? m->j->move_from : m->j->path;
	char *line = xasprintf("%s cannot move to %s/: %s", path_base(item),
			       drop_folder_name(m->failed ? DROP_FAILED : DROP_POSTED),
			       m->why ? m->why : strerror(-rc));

	if (!m->j->error || strcmp(m->j->error, line)) {
		log_warn("%s: %s", m->cur_v, line);
		store_set_error(m->st, m->j->id, line);
		if (m->failed)
			error_beside(m, line);
	}
	free(line);
}

/*
 * Steps (2) and (3), first half: open the destination, choose and record
 * names when none are, and rename the files.  On a name taken in the
 * meantime (someone created it between the choice and the rename) new
 * names are chosen and recorded first, at most MOVE_RETRIES times.
 */
static int place_files(struct move *m, const char *root)
{
	int rc = m->root_fd = sp_open_root(root);

	if (rc < 0)
		return rc;
	find_owner(m);
	rc = open_dest(m);
	for (int attempt = 0; rc == 0; attempt++) {
		rc = place_both(m);
		if (rc != -EEXIST || attempt == MOVE_RETRIES)
			break;
		log_warn("%s: name taken meanwhile, choosing another", m->dst_v);
		rc = choose_names(m);
	}
	return rc;
}

/*
 * Carry out (or finish) steps (2) to (4) for @j, which holds the
 * destination paths (or none yet: path = move_from) and move_from.
 * Idempotent.  0 when done; else the item says why and the move stays
 * pending.
 */
static int do_move(struct store *st, const struct config *cfg, const char *root,
		   const struct job *j)
{
	struct move m;
	int rc;

	move_init(&m, st, cfg, j);
	rc = place_files(&m, root);
	if (rc == 0)
		rc = write_error(&m);
	if (rc == 0)
		rc = complete(&m);
	if (rc)
		report(&m, rc);
	move_free(&m);
	return rc;
}

/* The item is in its final folder: tell the caller (the team's hook).  Also
 * after a move finished later (a restart, a retry), since it could not be
 * told before.  The job is read again: the move changed its paths. */
static void tell_final(struct store *st, const struct outcome_final *on_final, int64_t id)
{
	struct job j;

	if (!on_final || !on_final->fn || store_get(st, id, &j))
		return;
	on_final->fn(&j, on_final->arg);
	job_free(&j);
}

/*
 * Job @id ends in @to: step (1) of the file comment (commit the final
 * state, the sources in move_from and, failed, the NAME.error text) unless
 * it is already committed, then steps (2) to (4) through do_move(), then
 * on_final.  Idempotent: a job already in @to with no move pending is left
 * alone.  Under move_lock, which serialises every move.  @fin_text, when
 * not NULL, is the whole NAME.error text (a multi-target item's blocks).
 */
static int finish_item(struct store *st, const struct config *cfg, const char *root,
		       const struct outcome_final *on_final, int64_t id, enum job_state to,
		       const struct tt_error *why, const char *fin_text)
{
	struct job j = {0};
	char *text = NULL;
	int rc;

	pthread_mutex_lock(&move_lock);
	rc = store_get(st, id, &j);
	if (rc)
		goto out;
	if (j.state == to && !j.move_from && !j.move_caption_from)
		goto out; /* already done: idempotent */
	if (j.state != to) {
		if (to == JOB_FAILED) {
			text = fin_text ? xstrdup(fin_text) : outcome_error_text(path_base(j.path), why);
			oc_mask_literal(text, j.upload_url);
		}
		/* the destination is chosen after the commit (do_move) */
		rc = store_begin_move(st, id, to, j.path, j.caption_path, text,
				      to == JOB_FAILED ? "failed" : "published");
		job_free(&j);
		if (rc == 0)
			rc = store_get(st, id, &j);
		if (rc)
			goto out;
	}
	/* a move that cannot be made now was reported on the item and stays
	 * pending: the state is committed, which is what the caller needs */
	if (do_move(st, cfg, root, &j) == 0)
		tell_final(st, on_final, id);
out:
	job_free(&j);
	pthread_mutex_unlock(&move_lock);
	free(text);
	return rc;
}

int oc_finish_final(struct store *st, const struct config *cfg, const char *root,
		    const struct outcome_final *on_final, int64_t id, const struct oc_final *fin)
{
	return finish_item(st, cfg, root, on_final, id, (enum job_state)fin->to, NULL, fin->text);
}

/*
 * Job @id's current target ended in @to: a job of one account ends as
 * always; a multi-target one moves on to its next target, or makes the
 * item's final move when none is left (outcome_targets.c).
 */
static int end_job(struct store *st, const struct config *cfg, const char *root,
		   const struct outcome_final *on_final, int64_t id, enum job_state to,
		   const struct tt_error *why)
{
	struct oc_final fin = {(int)to, NULL};
	struct job j;
	int rc = store_get(st, id, &j);

	if (rc == 0)
		rc = oc_targets_step(st, cfg, &j, (int)to, why, &fin);
	job_free(&j);
	if (rc == 0)
		rc = finish_item(st, cfg, root, on_final, id, (enum job_state)fin.to, why, fin.text);
	free(fin.text);
	return rc < 0 ? rc : 0;
}

int outcome_posted(struct store *st, const struct config *cfg, const char *root,
		   const struct outcome_final *on_final, int64_t id)
{
	return end_job(st, cfg, root, on_final, id, JOB_POSTED, NULL);
}

int outcome_published(struct store *st, const struct config *cfg, const char *root,
		      const struct outcome_final *on_final, int64_t id)
{
	return end_job(st, cfg, root, on_final, id, JOB_PUBLISHED, NULL);
}

int outcome_failed(struct store *st, const struct config *cfg, const char *root,
		   const struct outcome_final *on_final, int64_t id, const struct tt_error *why)
{
	return end_job(st, cfg, root, on_final, id, JOB_FAILED, why);
}

struct finish_arg {
	struct store *st;
	const struct config *cfg;
	const char *root;
	const struct outcome_final *on_final;
	int pending;
};

static int finish_one(const struct job *j, void *arg)
{
	struct finish_arg *a = arg;

	if (do_move(a->st, a->cfg, a->root, j) == 0)
		tell_final(a->st, a->on_final, j->id);
	else
		a->pending++;
	return 0; /* one stuck item must not block the others */
}

int outcome_finish_moves(struct store *st, const struct config *cfg, const char *root,
			 const struct outcome_final *on_final)
{
	struct finish_arg a = {st, cfg, root, on_final, 0};
	int rc;

	pthread_mutex_lock(&move_lock);
	rc = store_moving(st, finish_one, &a);
	pthread_mutex_unlock(&move_lock);
	return rc < 0 ? rc : a.pending;
}
