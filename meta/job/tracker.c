/*
 * Item tracking, the fast half: the in-memory map of item files and the
 * events fs/ and watch mode report (spec: "The mount", "Item states").
 *
 * The map holds one entry per video or caption file that exists in outbox/
 * or scheduled/ (learnt from events and from the walk in
 * tracker_reconcile): its writers, the monotonic time of its last change,
 * and for videos two flags.  `pending` means the item must be settled and
 * validated again (tracker_tick.c); `armed` means the tracker moved its job
 * out of waiting (or found it in flight), so the next change must look at
 * the store.  Other files cost nothing: only names are looked at.
 *
 * Invariants:
 *  - Event calls hold the mutex only for map updates.  The store calls they
 *    make (create a job for a new video, send an armed job back to waiting
 *    before the poster can take it, cancel) happen after it is released and
 *    are single short commits; a write() on a waiting item makes none.
 *  - Any event on a video or one of its captions bumps the video's
 *    generation, which is how tracker_tick() knows a validation is stale.
 *  - A job in flight (uploading, processing, or with a publish_id) is never
 *    reset: the poster owns it; a deletion cancels it unless all its bytes
 *    are sent (processing), and the poster checks the state between chunks.
 *    Deleting only its caption stops it the same way before the last byte
 *    (back to waiting, its publish forgotten, the video stays); after it,
 *    TikTok publishes and the result says the caption was removed.
 */
#include "meta/job/tracker_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "meta/caption/defaults.h"
#include "meta/config.h"
#include "meta/job/outcome.h"
#include "meta/job/store.h"
#include "util/array.h"
#include "util/log.h"
#include "util/safepath.h"
#include "util/strbuf.h"
#include "util/path.h"

void trk_pl_add(struct pathlist *pl, const char *s)
{
	ALLOC_GROW(pl->v, pl->n + 1, pl->alloc);
	pl->v[pl->n++] = xstrdup(s);
}

void trk_pl_clear(struct pathlist *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		free(pl->v[i]);
	free(pl->v);
	memset(pl, 0, sizeof(*pl));
}

static const char *skip_slash(const char *path)
{
	while (path && *path == '/')
		path++;
	return path;
}

/* "dir/clip.mp4" -> "dir/clip"; "dir/clip.caption" -> "dir/clip". */
static char *key_of(const char *path, enum drop_kind k)
{
	size_t n = strlen(path);

	if (k == DROP_CAPTION)
		return xstrndup(path, n - strlen(".caption"));
	return xstrndup(path, (size_t)(strrchr(path, '.') - path));
}

/* ---- the map ---- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static const char *idx_of(const struct tfile *f, int which)
{
	return which == BY_PATH ? f->path : f->key;
}

static void tab_link(struct tracker *t, struct tfile *f, int which)
{
	size_t b = hash_str(idx_of(f, which)) % t->nbuckets;

	f->next[which] = t->tab[which][b];
	t->tab[which][b] = f;
}

static void tab_grow(struct tracker *t)
{
	struct tfile **old[2] = { t->tab[0], t->tab[1] };
	size_t oldn = t->nbuckets;

	t->nbuckets *= 4;
	for (int w = 0; w < 2; w++) {
		t->tab[w] = xcalloc(t->nbuckets, sizeof(struct tfile *));
		for (size_t b = 0; b < oldn; b++) {
			for (struct tfile *f = old[w][b], *next; f; f = next) {
				next = f->next[w];
				tab_link(t, f, w);
			}
		}
		free(old[w]);
	}
}

static void tab_insert(struct tracker *t, struct tfile *f)
{
	if (t->count >= 2 * t->nbuckets)
		tab_grow(t);
	tab_link(t, f, BY_PATH);
	tab_link(t, f, BY_KEY);
	t->count++;
}

static void tab_unlink(struct tracker *t, struct tfile *f)
{
	for (int w = 0; w < 2; w++) {
		struct tfile **pp = &t->tab[w][hash_str(idx_of(f, w)) % t->nbuckets];

		while (*pp && *pp != f)
			pp = &(*pp)->next[w];
		if (*pp)
			*pp = f->next[w];
	}
	t->count--;
	if (f->pending)
		t->npending--;
}

struct tfile *trk_find_path(struct tracker *t, const char *path)
{
	struct tfile *f = t->tab[BY_PATH][hash_str(path) % t->nbuckets];

	while (f && strcmp(f->path, path))
		f = f->next[BY_PATH];
	return f;
}

/* The first entry of the wanted kind whose key is @key. */
static struct tfile *find_key(struct tracker *t, const char *key, bool video, struct tfile *after)
{
	struct tfile *f = after ? after->next[BY_KEY] : t->tab[BY_KEY][hash_str(key) % t->nbuckets];

	while (f && (f->video != video || strcmp(f->key, key)))
		f = f->next[BY_KEY];
	return f;
}

static void tfile_free(struct tfile *f)
{
	if (!f)
		return;
	free(f->path);
	free(f->key);
	free(f);
}

/* The captions of @v, the preferred one first (see tracker.h).  Returns
 * how many there are (0-2). */
int trk_captions_of(struct tracker *t, const struct tfile *v, struct tfile *out[2])
{
	int n = 0;
	struct tfile *c;

	if ((c = find_key(t, v->path, false, NULL)))
		out[n++] = c; /* clip.mp4.caption */
	if ((c = find_key(t, v->key, false, NULL)))
		out[n++] = c; /* clip.caption */
	return n;
}

/* Something about the item of video @v changed: validate it again, and if
 * its job had left waiting, remember to send it back (in @resets). */
static void item_touched(struct tracker *t, struct tfile *v, struct pathlist *resets)
{
	v->gen = ++t->seq;
	if (!v->pending) {
		v->pending = true;
		t->npending++;
	}
	if (v->armed) {
		v->armed = false;
		if (resets)
			trk_pl_add(resets, v->path);
	}
}

void trk_recheck(struct tracker *t, const char *video)
{
	struct tfile *v = trk_find_path(t, video);

	/* already waiting (store_target_done): nothing to send back */
	if (v && v->video)
		item_touched(t, v, NULL);
}

/* Touch every item that a caption (or a video) @f belongs to. */
void trk_owners_touched(struct tracker *t, struct tfile *f, struct pathlist *resets)
{
	struct tfile *v;

	if (f->video) {
		item_touched(t, f, resets);
		return;
	}
	/* clip.mp4.caption belongs to clip.mp4; clip.caption to every clip.EXT */
	if ((v = trk_find_path(t, f->key)) && v->video)
		item_touched(t, v, resets);
	for (v = find_key(t, f->key, true, NULL); v; v = find_key(t, f->key, true, v))
		item_touched(t, v, resets);
}

struct tfile *trk_entry_new(struct tracker *t, const char *path, enum drop_kind k, double changed)
{
	struct tfile *f = xcalloc(1, sizeof(*f));

	f->path = xstrdup(path);
	f->key = key_of(path, k);
	f->video = k == DROP_VIDEO;
	f->changed = changed;
	tab_insert(t, f);
	return f;
}

/* Forget @f (the file is gone); its items are touched. */
void trk_entry_drop(struct tracker *t, struct tfile *f, struct pathlist *resets)
{
	if (!f->video)
		trk_owners_touched(t, f, resets);
	tab_unlink(t, f);
	tfile_free(f);
}

/* ---- store side of events (called without the mutex) ---- */

static bool is_dir(struct tracker *t, const char *rel)
{
	struct stat sb;

	/* The root itself ("."): where watch mode sends a folder that left
	 * the tree; safepath refuses "." as a component. */
	if (!*rel || !strcmp(rel, "."))
		return true;
	return t->root_fd >= 0 && sp_lstat(t->root_fd, rel, &sb) == 0 && S_ISDIR(sb.st_mode);
}

bool trk_file_at(struct tracker *t, const char *rel)
{
	struct stat sb;

	return t->root_fd >= 0 && sp_lstat(t->root_fd, rel, &sb) == 0 && !S_ISDIR(sb.st_mode);
}

/*
 * Remove the NAME.error beside @video if there is one.  outcome.c owns the
 * name ("clip.mp4.error"); the look first spares the directory fsync that
 * outcome_error_file() does even when there was nothing to remove, which
 * would otherwise run in a filesystem thread for every deleted video.
 */
void trk_clear_error_file(struct tracker *t, const char *video)
{
	char *rel = xasprintf("%s.error", video);
	struct stat sb;
	int rc = t->root_fd < 0 ? 0 : sp_lstat(t->root_fd, rel, &sb);

	/* too long a name: outcome.c wrote a shortened one */
	if (rc == 0 || rc == -ENAMETOOLONG)
		outcome_error_file(t->root, video, NULL);
	free(rel);
}

bool trk_job_in_flight(const struct job *j)
{
	return j->state == JOB_UPLOADING || j->state == JOB_PROCESSING ||
	       (j->publish_id && !job_state_final(j->state));
}

static void cancel_job(struct tracker *t, const char *video, const char *why)
{
	struct job j;

	if (store_find_live(t->st, video, &j) < 0)
		return;
	if (j.state == JOB_PROCESSING) {
		log_info("%s: %s after all of it was sent; TikTok is publishing it", video, why);
	} else {
		if (store_transition(t->st, j.id, JOB_CANCELLED, why) < 0)
			log_warn("%s: cannot cancel its job", video);
		else
			log_info("%s: cancelled: %s", video, why);
	}
	job_free(&j);
}

/*
 * Make the job of a video that just appeared.  The store call runs without
 * the mutex, so the file may be removed meanwhile, and that removal found
 * no job to cancel: look again afterwards and cancel it then.
 */
void trk_ensure_job(struct tracker *t, const char *video)
{
	int64_t id;
	bool gone;

	/* An event late for a file that is no longer there (watch mode: a
	 * rename reported after the tick moved the item to failed/), or one
	 * reached through a link: a job made now would wait for a file that
	 * never comes. */
	if (!trk_file_at(t, video))
		return;
	id = store_ensure(t->st, video);
	if (id < 0) {
		log_warn("%s: cannot create its job: %s", video, strerror((int)-id));
		return;
	}
	pthread_mutex_lock(&t->mu);
	gone = !trk_find_path(t, video);
	pthread_mutex_unlock(&t->mu);
	if (gone)
		cancel_job(t, video, "deleted by the user");
}

/* The item of @video changed after its job had left waiting. */
void trk_reset_job(struct tracker *t, const char *video, const char *why)
{
	struct job j;

	if (store_find_live(t->st, video, &j) < 0) {
		/* Its job ended (posted, failed) and a new file took the name;
		 * or the entry is stale (outcome moved the file away). */
		if (trk_file_at(t, video))
			trk_ensure_job(t, video);
		return;
	}
	if (trk_job_in_flight(&j)) {
		log_info("%s: %s while it is %s; the upload goes on as it started", video, why,
			 job_state_name(j.state));
	} else if (j.state == JOB_READY || j.state == JOB_SCHEDULED || j.state == JOB_INVALID ||
		   j.state == JOB_DEFERRED) {
		if (store_transition(t->st, j.id, JOB_WAITING, why) < 0)
			log_warn("%s: cannot set it back to waiting", video);
	}
	job_free(&j);
}

/* Whether the map still pairs a caption with @video (clip.caption removed,
 * clip.mp4.caption still there). */
static bool has_caption(struct tracker *t, const char *video)
{
	struct tfile *c[2];
	struct tfile *v;
	bool r;

	pthread_mutex_lock(&t->mu);
	v = trk_find_path(t, video);
	r = v && v->video && trk_captions_of(t, v, c) > 0;
	pthread_mutex_unlock(&t->mu);
	return r;
}

/*
 * All bytes are at TikTok: the publish can no longer be stopped.  The
 * result says so (user.tiktok.warning), since posted/ will hold the video
 * without the caption it was posted with.
 */
static void caption_gone_after_send(struct tracker *t, const struct job *j)
{
	const char *note = "its caption was removed after the upload; TikTok publishes it "
			   "with the caption it was sent";
	char *warning;

	if (j->warning && strstr(j->warning, note))
		return; /* said already (the event, then the tick) */
	warning = j->warning && *j->warning ? xasprintf("%s; %s", j->warning, note) : xstrdup(note);
	log_info("%s: %s", j->path, note);
	if (store_set_warning(t->st, j->id, warning) < 0)
		log_warn("%s: cannot record that its caption was removed", j->path);
	free(warning);
}

/*
 * The caption went while the upload is still sending chunks: nothing is
 * committed at TikTok until its last byte, so the item is stopped the way a
 * deleted video stops it (a state the poster does not own: it checks between
 * chunks and twice a second inside one, and abandons the upload), but it
 * stays: waiting, with a reason, until a caption comes back.  Its publish is
 * forgotten in the same commit, so that the caption that comes back starts a
 * new upload (the old one carries the old caption) and the tracker no longer
 * sees the item in flight; the store refuses if the poster moved it to
 * processing first (its last byte went out).
 */
static void caption_gone_mid_upload(struct tracker *t, const struct job *j)
{
	char *error = xasprintf("%s: its caption%s%s was removed during the upload, so the "
				"upload was stopped and nothing was posted; put a caption "
				"beside it again to post it",
				path_base(j->path), j->caption_path ? " " : "",
				j->caption_path ? path_base(j->caption_path) : "");
	int rc = store_stop_upload(t->st, j->id, error,
				   "its caption was removed during the upload: stopped");

	if (rc == -EBUSY) /* the last byte went out meanwhile */
		caption_gone_after_send(t, j);
	else if (rc < 0)
		log_warn("%s: cannot stop its upload: %s", j->path, strerror(-rc));
	else
		log_info("%s: its caption was removed during the upload; stopping it", j->path);
	free(error);
}

/* The caption of @video is gone (deleted, or missing at a tick).  Like
 * trk_reset_job(), except for an item in flight: see the two above. */
void trk_caption_gone(struct tracker *t, const char *video, const char *why)
{
	struct job j;

	if (has_caption(t, video) || store_find_live(t->st, video, &j) < 0) {
		trk_reset_job(t, video, why);
		return;
	}
	/* An upload whose caption was made of the name (caption_from:
	 * filename) never depended on a caption file. */
	if (!trk_job_in_flight(&j) || !j.caption_path)
		trk_reset_job(t, video, why);
	else if (j.state == JOB_PROCESSING)
		caption_gone_after_send(t, &j);
	else
		caption_gone_mid_upload(t, &j);
	job_free(&j);
}

void trk_run_resets(struct tracker *t, struct pathlist *resets, const char *why)
{
	for (size_t i = 0; i < resets->n; i++)
		trk_reset_job(t, resets->v[i], why);
	trk_pl_clear(resets);
}

/* ---- events ---- */

/* T_ARRIVED: a rename brought the file in; its job is made even when the
 * map still had an entry for the name (a stale one: outcome.c moved the
 * old file away behind the tracker's back). */
enum touch_how { T_CHANGED, T_OPEN, T_CLOSE, T_ARRIVED };

static void touch(struct tracker *t, const char *path, double now, enum touch_how how)
{
	struct pathlist resets = { 0 };
	enum drop_kind k;
	struct tfile *f;
	bool created = false;

	path = skip_slash(path);
	if (!path || trk_defaults_event(t, path, now) || (k = drop_classify(path)) == DROP_NOT_ITEM)
		return;
	pthread_mutex_lock(&t->mu);
	f = trk_find_path(t, path);
	if (f && f->video != (k == DROP_VIDEO)) {
		trk_entry_drop(t, f, &resets); /* cannot happen: the kind is the name */
		f = NULL;
	}
	if (!f) {
		f = trk_entry_new(t, path, k, now);
		created = f->video;
	}
	if (how == T_OPEN)
		f->writers++;
	else if (how == T_CLOSE && f->writers > 0)
		f->writers--;
	/* A close counts as a change: the writer may have flushed on close,
	 * and "complete" is measured from the last thing a writer did. */
	f->changed = now;
	trk_owners_touched(t, f, &resets);
	pthread_mutex_unlock(&t->mu);

	if (created || (how == T_ARRIVED && k == DROP_VIDEO))
		trk_ensure_job(t, path);
	trk_run_resets(t, &resets, "changed: checking it again");
}

void tracker_open_write(struct tracker *t, const char *path, double now)
{
	touch(t, path, now, T_OPEN);
}

void tracker_close_write(struct tracker *t, const char *path, double now)
{
	touch(t, path, now, T_CLOSE);
}

void tracker_changed(struct tracker *t, const char *path, double now)
{
	touch(t, path, now, T_CHANGED);
}

/* Forget the file at @path; in @cancels the video whose job ends. */
static void forget_file(struct tracker *t, const char *path, struct pathlist *cancels,
			struct pathlist *resets)
{
	struct tfile *f = trk_find_path(t, path);

	if (!f)
		return;
	if (f->video)
		trk_pl_add(cancels, f->path);
	trk_entry_drop(t, f, resets);
}

/* Forget every file under directory @dir (a prefix "dir/"). */
static void forget_dir(struct tracker *t, const char *dir, struct pathlist *cancels,
		       struct pathlist *resets)
{
	size_t n = strlen(dir);
	struct pathlist under = { 0 };

	for (size_t b = 0; b < t->nbuckets; b++)
		for (struct tfile *f = t->tab[BY_PATH][b]; f; f = f->next[BY_PATH])
			if (!strncmp(f->path, dir, n) && f->path[n] == '/')
				trk_pl_add(&under, f->path);
	for (size_t i = 0; i < under.n; i++)
		forget_file(t, under.v[i], cancels, resets);
	trk_pl_clear(&under);
}

static void finish_removals(struct tracker *t, struct pathlist *cancels, struct pathlist *resets)
{
	/* The NAME.error of a video that is gone would speak of nothing. */
	for (size_t i = 0; i < cancels->n; i++) {
		cancel_job(t, cancels->v[i], "deleted by the user");
		trk_clear_error_file(t, cancels->v[i]);
	}
	trk_pl_clear(cancels);
	/* Only captions put videos in @resets here (a video's own removal
	 * touches no other item). */
	for (size_t i = 0; i < resets->n; i++)
		trk_caption_gone(t, resets->v[i], "its caption was removed");
	trk_pl_clear(resets);
}

void tracker_removed(struct tracker *t, const char *path, double now)
{
	struct pathlist cancels = { 0 }, resets = { 0 };

	path = skip_slash(path);
	if (!path || trk_defaults_event(t, path, now))
		return;
	/* An rmdir needs nothing: the directory was empty, so no entry was
	 * under it (rm -r and inotify report every file first). */
	pthread_mutex_lock(&t->mu);
	forget_file(t, path, &cancels, &resets);
	pthread_mutex_unlock(&t->mu);
	/* A video the tracker never saw (removed before reconcile) still has
	 * its job ended. */
	if (!cancels.n && drop_classify(path) == DROP_VIDEO)
		trk_pl_add(&cancels, path);
	finish_removals(t, &cancels, &resets);
}

/* Move entry @f to @to (kind @k); the content is unchanged, so the settle
 * clock keeps running from its last change. */
static void entry_move(struct tracker *t, struct tfile *f, const char *to, enum drop_kind k,
		       struct pathlist *cancels, struct pathlist *resets)
{
	struct tfile *old = trk_find_path(t, to);

	if (old && old != f)
		forget_file(t, to, cancels, resets); /* replaced by the rename */
	if (!f->video)
		trk_owners_touched(t, f, resets); /* its old items lose it */
	tab_unlink(t, f);
	free(f->path);
	free(f->key);
	f->path = xstrdup(to);
	f->key = key_of(to, k);
	f->video = k == DROP_VIDEO;
	f->pending = false;
	tab_insert(t, f);
	trk_owners_touched(t, f, resets); /* its new items (or itself) */
}

/* A directory was renamed: carry its entries along, or forget them when it
 * left the staging folders.  Files the map did not know (a directory moved
 * in from posted/ or failed/) are found by a walk at the next tick: a walk
 * is too slow for an event call.  Returns whether jobs moved. */
static bool dir_renamed(struct tracker *t, const char *from, const char *to,
			struct pathlist *cancels, struct pathlist *resets)
{
	size_t n = strlen(from);
	struct pathlist under = { 0 };
	bool moved = false;

	if (!drop_dir_visible(to)) {
		forget_dir(t, from, cancels, resets);
		return false;
	}
	for (size_t b = 0; b < t->nbuckets; b++)
		for (struct tfile *f = t->tab[BY_PATH][b]; f; f = f->next[BY_PATH])
			if (!strncmp(f->path, from, n) && f->path[n] == '/')
				trk_pl_add(&under, f->path);
	for (size_t i = 0; i < under.n; i++) {
		struct tfile *f = trk_find_path(t, under.v[i]);
		char *dst = xasprintf("%s%s", to, under.v[i] + n);

		enum drop_kind k = drop_classify(dst);

		if (f && k != DROP_NOT_ITEM) {
			entry_move(t, f, dst, k, cancels, resets);
			moved = true;
		} else if (f) {
			forget_file(t, under.v[i], cancels, resets);
		}
		free(dst);
	}
	trk_pl_clear(&under);
	trk_pl_add(&t->scans, to);
	return moved;
}

/* A rename from or to a .defaults (an editor saving one through a
 * temporary name): the folders' items are checked again, and a file that
 * became the .defaults, or the .defaults that became an item's file, is
 * gone or has arrived.  False when neither name is a .defaults. */
static bool defaults_renamed(struct tracker *t, const char *from, const char *to, double now)
{
	bool fd, td;

	if (!dflt_is_defaults_path(from) && !dflt_is_defaults_path(to))
		return false;
	fd = trk_defaults_event(t, from, now);
	td = trk_defaults_event(t, to, now);
	if (!fd)
		tracker_removed(t, from, now);
	if (!td && drop_classify(to) != DROP_NOT_ITEM)
		touch(t, to, now, T_ARRIVED);
	return true;
}

/* Cancel the jobs of @cancels (their items left the folders) and clear
 * the list; outside the tracker's lock, since cancelling takes the store's. */
static void cancel_moved_out(struct tracker *t, struct pathlist *cancels)
{
	for (size_t i = 0; i < cancels->n; i++) {
		cancel_job(t, cancels->v[i], "moved out of the folder by the user");
		trk_clear_error_file(t, cancels->v[i]);
	}
	trk_pl_clear(cancels);
}

/*
 * A file of a multi-target item moved back from failed/ (meta/job/store.h,
 * THE TARGETS): its failed job's paths follow it, so that the new job made
 * at @to finds it and keeps what it posted (store_ensure); only what failed
 * is posted again.  An item of one account starts afresh, as always.
 */
static void follow_back_from_failed(struct tracker *t, const char *from, const char *to)
{
	struct job j;

	if (drop_folder_of(from) != DROP_FAILED || store_get_by_path(t->st, from, &j) < 0)
		return;
	if (j.state == JOB_FAILED && j.targets && store_rename(t->st, from, to) < 0)
		log_warn("%s -> %s: cannot record the move", from, to);
	job_free(&j);
}

/*
 * Order matters after the mutex is released: jobs of files that were
 * replaced or moved out are cancelled first (while they still sit at their
 * paths), then the store follows the move, then the moved items go back to
 * waiting under their new paths.
 */
void tracker_renamed(struct tracker *t, const char *from, const char *to, double now)
{
	struct pathlist cancels = { 0 }, resets = { 0 };
	struct tfile *f;
	enum drop_kind k;
	bool moved = false, dir, dir_caption = false;

	from = skip_slash(from);
	to = skip_slash(to);
	if (!from || !to || defaults_renamed(t, from, to, now))
		return;
	k = drop_classify(to);
	dir = is_dir(t, to); /* even one called "x.mp4" */
	pthread_mutex_lock(&t->mu);
	f = trk_find_path(t, from);
	if (dir) {
		/* A folder named like a caption is an entry of its own: its
		 * items are refused until it is gone (tracker_tick.c). */
		if (f)
			forget_file(t, from, &cancels, &resets);
		moved = dir_renamed(t, from, to, &cancels, &resets);
		dir_caption = k == DROP_CAPTION;
		k = DROP_NOT_ITEM;
	} else if (f && k != DROP_NOT_ITEM && f->video == (k == DROP_VIDEO)) {
		/* Within or between the staging folders: the same job.  From
		 * scheduled/ to outbox/ it is validated again and posted now;
		 * out of queue/ it gives its slot up (meta/job/queue.h). */
		entry_move(t, f, to, k, &cancels, &resets);
		moved = true;
	} else if (f) {
		/* Out to posted/, failed/, a temporary or another kind of name. */
		forget_file(t, from, &cancels, &resets);
	} else if (drop_classify(from) == DROP_VIDEO && k == DROP_NOT_ITEM) {
		trk_pl_add(&cancels, from); /* a video we had not seen yet left */
	}
	/* Within posted/ the results (a post ID may be still to come) follow. */
	moved = moved || (!f && drop_folder_of(from) == DROP_POSTED &&
			  drop_folder_of(to) == DROP_POSTED);
	pthread_mutex_unlock(&t->mu);

	cancel_moved_out(t, &cancels);
	if (moved) {
		if (store_rename(t->st, from, to) < 0)
			log_warn("%s -> %s: cannot record the move", from, to);
		/* A NAME.error is written again under the new name if needed. */
		if (k == DROP_VIDEO)
			trk_clear_error_file(t, from);
	}
	trk_run_resets(t, &resets, "moved: checking it again");
	if (k != DROP_NOT_ITEM && !f)
		follow_back_from_failed(t, from, to);
	/* A temporary name (or a file from posted/ or failed/) becoming a real
	 * name in the folders: that is when it arrives.  Also a video renamed
	 * from a caption name, or over a known file: a change of @to. */
	if (k != DROP_NOT_ITEM && !moved)
		touch(t, to, now, T_ARRIVED);
	else if (dir_caption)
		touch(t, to, now, T_CHANGED);
}

/* ---- life cycle ---- */

struct tracker *tracker_new(struct store *st, const struct config *cfg, const char *root,
			    const struct outcome_final *on_final)
{
	struct tracker *t = xcalloc(1, sizeof(*t));

	t->st = st;
	t->on_final = on_final;
	t->cfg = cfg;
	t->root = xstrdup(root);
	t->root_fd = sp_open_root(root); /* or -1: tracker_reconcile makes it */
	if (t->root_fd < 0)
		t->root_fd = -1;
	t->nbuckets = 1024;
	t->tab[BY_PATH] = xcalloc(t->nbuckets, sizeof(struct tfile *));
	t->tab[BY_KEY] = xcalloc(t->nbuckets, sizeof(struct tfile *));
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

/* Whether @a and @b configure the same account names. */
static bool same_accounts(const struct config *a, const struct config *b)
{
	if (a->n_accounts != b->n_accounts)
		return false;
	for (size_t i = 0; i < a->n_accounts; i++)
		if (!config_account(b, a->accounts[i].name))
			return false;
	return true;
}

void tracker_set_config(struct tracker *t, const struct config *cfg)
{
	struct pathlist resets = {0};
	const char *why = NULL;

	pthread_mutex_lock(&t->mu);
	/* Whether a video without a caption is taken depends on it, and
	 * whether an item's account exists (an item of accounts/X refused
	 * before X was configured is taken now). */
	if (t->cfg && t->cfg->caption_from != cfg->caption_from)
		why = "caption_from changed in the config: checking it again";
	else if (t->cfg && !same_accounts(t->cfg, cfg))
		why = "the config's accounts changed: checking it again";
	if (why)
		trk_touch_all(t, &resets);
	t->cfg = cfg;
	pthread_mutex_unlock(&t->mu);
	trk_run_resets(t, &resets, why ? why : "");
}

void tracker_set_hook(struct tracker *t, tracker_hook_fn *fn, void *arg)
{
	t->hook = fn;
	t->hook_arg = arg;
}

void tracker_free(struct tracker *t)
{
	if (!t)
		return;
	for (size_t b = 0; b < t->nbuckets; b++) {
		for (struct tfile *f = t->tab[BY_PATH][b], *next; f; f = next) {
			next = f->next[BY_PATH];
			tfile_free(f);
		}
	}
	free(t->tab[BY_PATH]);
	free(t->tab[BY_KEY]);
	trk_pl_clear(&t->scans);
	pthread_mutex_destroy(&t->mu);
	if (t->root_fd >= 0)
		close(t->root_fd);
	free(t->root);
	free(t);
}
