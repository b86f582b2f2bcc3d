/*
 * The tracker's slow half: the walk at start (tracker_reconcile) and the
 * timer's tick (tracker_tick), which settles items, validates them with the
 * probe, the sidecar parser and the rules, and applies the verdict to the
 * job: ready, scheduled, invalid with NAME.error beside it, failed/ (media
 * that can never pass), or still waiting (a truncated copy).
 *
 * The tick works in three steps so that validation never holds the mutex
 * the filesystem's threads take: (1) under the mutex, collect the items
 * whose settle time has passed, with their generation; (2) without it,
 * validate; (3) under it again, apply each result only if the item's
 * generation is unchanged (an event since then bumped it: the result
 * describes bytes that are gone, and the item settles again).  Applying
 * (a few commits, an error file, outcome_failed's renames) happens under the
 * mutex so that no event can slip between the check and the apply; so does
 * the one commit of step (2), the job made for an item that has none, with
 * the same check, or a job would be made at a name just renamed or deleted.
 * tests/unit/test_tracker_race.c forces each of these interleavings.
 * tracker_tick() is called by one thread.
 */
#include "meta/job/tracker_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "meta/account.h"
#include "meta/config.h"
#include "meta/creator.h"
#include "meta/job/itemfile.h"
#include "meta/job/outcome.h"
#include "meta/rules.h"
#include "meta/caption/sidecar.h"
#include "meta/job/store.h"
#include "meta/job/verdict.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/safepath.h"
#include "util/strbuf.h"
#include "util/path.h"

#define WALK_MAX_DEPTH 64

/* ---- walking the staging tree ---- */

struct found {
	char *path;
	enum drop_kind k;
	double age; /* seconds since its mtime, >= 0 */
};

struct foundlist {
	struct found *v;
	size_t n, alloc;
};

static void found_clear(struct foundlist *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		free(fl->v[i].path);
	free(fl->v);
	memset(fl, 0, sizeof(*fl));
}

static double mtime_age(const struct stat *sb, const struct timespec *wall)
{
	double age = (double)(wall->tv_sec - sb->st_mtim.tv_sec) +
		     (double)(wall->tv_nsec - sb->st_mtim.tv_nsec) / 1e9;

	return age > 0 ? age : 0; /* a file from the future is fresh */
}

static void found_add(struct foundlist *out, char *path, enum drop_kind k, double age)
{
	ALLOC_GROW(out->v, out->n + 1, out->alloc);
	out->v[out->n++] = (struct found){ path, k, age };
}

/*
 * Every video and caption below @rel (a directory), depth-first, reached
 * from the root descriptor without following links: a symlinked folder is
 * never entered.  Any entry with an item's name counts, whatever it is (a
 * symlink, a FIFO, a device, a folder named like a caption): validation
 * refuses those on their items, which is how the user learns of them.
 */
static void walk(struct tracker *t, const char *rel, int depth, const struct timespec *wall,
		 struct foundlist *out)
{
	int fd = sp_open_dir(t->root_fd, rel);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		else if (fd != -ENOENT && fd != -ENOTDIR && fd != -ELOOP)
			log_warn("%s/%s: cannot list it: %s", t->root, rel, strerror(-fd));
		return;
	}
	while ((de = readdir(d))) {
		struct stat sb;
		char *child;
		enum drop_kind k;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		child = xasprintf("%s/%s", rel, de->d_name);
		k = drop_classify(child);
		if (S_ISDIR(sb.st_mode)) {
			if (depth < WALK_MAX_DEPTH && drop_dir_visible(child))
				walk(t, child, depth + 1, wall, out);
			else if (depth >= WALK_MAX_DEPTH)
				log_warn("%s/%s: folders nested too deep; not looked into", t->root,
					 child);
			if (k == DROP_CAPTION)
				found_add(out, xstrdup(child), k, mtime_age(&sb, wall));
		} else if (k != DROP_NOT_ITEM) {
			found_add(out, child, k, mtime_age(&sb, wall));
			child = NULL;
		}
		free(child);
	}
	closedir(d);
}

/*
 * Enter what a walk found into the map.  @by_mtime: the file's last change
 * is its mtime (a start: files copied while the daemon was away are settled
 * when old enough); otherwise it arrives now.  Known files are left alone,
 * so walking twice starts nothing twice.
 */
static void enter_found(struct tracker *t, struct foundlist *fl, double now, bool by_mtime)
{
	struct pathlist created = { 0 }, resets = { 0 };

	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < fl->n; i++) {
		struct tfile *f;
		double changed = by_mtime ? now - fl->v[i].age : now;

		if (trk_find_path(t, fl->v[i].path))
			continue;
		f = trk_entry_new(t, fl->v[i].path, fl->v[i].k, changed);
		trk_owners_touched(t, f, &resets);
		if (f->video)
			trk_pl_add(&created, f->path);
	}
	pthread_mutex_unlock(&t->mu);
	for (size_t i = 0; i < created.n; i++)
		trk_ensure_job(t, created.v[i]);
	trk_pl_clear(&created);
	trk_run_resets(t, &resets, "a caption appeared: checking it again");
}

static void scan_dir(struct tracker *t, const char *rel, double now, bool by_mtime)
{
	struct foundlist fl = { 0 };
	struct timespec wall;

	wall = wall_real_timespec(); /* against mtimes: real */
	walk(t, rel, 0, &wall, &fl);
	enter_found(t, &fl, now, by_mtime);
	found_clear(&fl);
}

/* ---- reconcile ---- */

struct jobref {
	int64_t id;
	char *path;
	bool in_flight;
	enum job_state state;
};

struct joblist {
	struct jobref *v;
	size_t n, alloc;
};

static int collect_live(const struct job *j, void *arg)
{
	struct joblist *jl = arg;

	if (job_state_final(j->state) || !j->path)
		return 0;
	ALLOC_GROW(jl->v, jl->n + 1, jl->alloc);
	jl->v[jl->n++] = (struct jobref){ j->id, xstrdup(j->path), trk_job_in_flight(j), j->state };
	return 0;
}

/*
 * The one maker of live -> lost (meta/job/store.h, the state machine): the
 * video of job @id at @path is gone and no upload holds it.  In flight,
 * the poster reconciles by TikTok's status instead (the bytes may be
 * published), so those are left alone and 0 is returned.
 */
static int close_lost(struct tracker *t, int64_t id, const char *path, bool in_flight,
		      const char *why)
{
	int rc;

	if (in_flight)
		return 0;
	rc = store_transition(t->st, id, JOB_LOST, why);
	if (rc < 0)
		log_warn("%s: cannot close its job as lost", path);
	else
		log_info("%s: job closed as lost: %s", path, why);
	return rc;
}

/* Live jobs whose video is gone are closed as lost. */
static void close_vanished(struct tracker *t)
{
	struct joblist jl = { 0 };

	/* Collect first, then change: one transition per job, outside the walk. */
	if (store_each(t->st, 0, collect_live, &jl) < 0)
		log_warn("cannot list the jobs to reconcile them");
	for (size_t i = 0; i < jl.n; i++) {
		struct jobref *r = &jl.v[i];

		if (!trk_file_at(t, r->path)) {
			if (r->in_flight)
				log_info("%s: gone while %s; left for the poster to reconcile",
					 r->path, job_state_name(r->state));
			close_lost(t, r->id, r->path, r->in_flight,
				   "the video was gone when tiktokfs started");
		}
		free(r->path);
	}
	free(jl.v);
}

/* The staging folders of one account (meta/job/drop.h). */
static void scan_account(struct tracker *t, const char *account, double now)
{
	static const enum drop_folder staging[] = {DROP_OUTBOX, DROP_SCHEDULED, DROP_QUEUE};
	char rel[128];

	for (size_t i = 0; i < sizeof(staging) / sizeof(staging[0]); i++)
		if (drop_account_folder(account, staging[i], rel, sizeof(rel)) == 0)
			scan_dir(t, rel, now, true);
}

/* Every folder below accounts/, configured or not: the items of an account
 * the config does not have are found too, and told so (verdict.c). */
static void scan_accounts(struct tracker *t, double now)
{
	int fd = openat(t->root_fd, DROP_ACCOUNTS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char name[ACCOUNT_NAME_MAX + 1];

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		char *rel = xasprintf("%s/%s", DROP_ACCOUNTS, de->d_name);

		if (de->d_name[0] != '.' && drop_account_of(rel, name, sizeof(name)) == 0)
			scan_account(t, name, now);
		free(rel);
	}
	closedir(d);
}

int tracker_reconcile(struct tracker *t, double now)
{
	struct tt_error err;
	int rc;

	/* Made by the daemon before: this is for a tracker on its own (tests),
	 * and by the same rule (meta/job/drop.h). */
	tt_error_clear(&err);
	rc = drop_create(t->root, &err);
	if (rc == 0)
		rc = drop_create_accounts(t->root, t->cfg, &err);
	if (rc < 0) {
		log_err("%s", err.what);
		return rc;
	}
	if (t->root_fd < 0 && (t->root_fd = sp_open_root(t->root)) < 0) {
		rc = t->root_fd;
		t->root_fd = -1;
		log_err("%s: cannot open the staging folder: %s", t->root, strerror(-rc));
		return rc;
	}
	/* A crash mid-move leaves a posted video in outbox/ with a final job:
	 * finish those moves first, or the walk would make it a new item. */
	rc = outcome_finish_moves(t->st, t->cfg, t->root, t->on_final);
	if (rc < 0)
		log_warn("cannot finish the moves a crash interrupted: %s", strerror(-rc));
	scan_account(t, DROP_DEFAULT_ACCOUNT, now);
	scan_accounts(t, now);
	close_vanished(t);
	return 0;
}

/* ---- tick: settle, validate, apply ---- */

/* What the look at a due item found: a verdict to apply (meta/job/verdict.h),
 * or a reason to leave it. */
enum due_what { D_VERDICT, D_IN_FLIGHT, D_GONE, D_RETRY, D_NOCAP, D_STALE };

struct due {
	char *video;
	char *cap[2];
	int ncap;
	uint64_t gen;
	bool sched; /* in scheduled/ */
	enum due_what what;
	int64_t id;
	struct verdict v; /* D_VERDICT; always initialised, verdict_free'd */
};

struct duelist {
	struct due *v;
	size_t n, alloc;
};

static void duelist_clear(struct duelist *dl)
{
	for (size_t i = 0; i < dl->n; i++) {
		struct due *d = &dl->v[i];

		free(d->video);
		free(d->cap[0]);
		free(d->cap[1]);
		verdict_free(&d->v);
	}
	free(dl->v);
	memset(dl, 0, sizeof(*dl));
}

/* Items that settled together are checked, and so planned into queue/'s
 * slots (meta/job/queue.h), in name order: one rsync batch of a week's
 * renders takes the slots in the order of its names. */
static int due_cmp(const void *a, const void *b)
{
	return strcmp(((const struct due *)a)->video, ((const struct due *)b)->video);
}

static void not_pending(struct tracker *t, struct tfile *f)
{
	if (f->pending) {
		f->pending = false;
		t->npending--;
	}
}

/* Under the mutex: the items whose settle time has passed, with a caption
 * file or without (a .defaults may make theirs of the name: D_NOCAP when
 * not).  @next gets the earliest time something still settling becomes
 * due. */
static void collect_due(struct tracker *t, double now, struct duelist *dl, double *next)
{
	double settle = t->cfg->settle_time;

	for (size_t b = 0; b < t->nbuckets && t->npending; b++) {
		for (struct tfile *f = t->tab[BY_PATH][b]; f; f = f->next[BY_PATH]) {
			struct tfile *caps[2];
			int nc;
			bool busy = f->writers > 0;
			double last = f->changed;
			struct due *d;

			if (!f->video || !f->pending)
				continue;
			nc = trk_captions_of(t, f, caps);
			for (int i = 0; i < nc; i++) {
				busy |= caps[i]->writers > 0;
				if (caps[i]->changed > last)
					last = caps[i]->changed;
			}
			if (busy)
				continue; /* its close is an event and restarts the clock */
			if (now - last < settle) {
				if (last + settle - now < *next)
					*next = last + settle - now;
				continue;
			}
			ALLOC_GROW(dl->v, dl->n + 1, dl->alloc);
			d = &dl->v[dl->n++];
			memset(d, 0, sizeof(*d));
			verdict_init(&d->v);
			d->video = xstrdup(f->path);
			d->ncap = nc;
			for (int i = 0; i < nc; i++)
				d->cap[i] = xstrdup(caps[i]->path);
			d->gen = f->gen;
			d->sched = drop_in_scheduled(f->path);
		}
	}
}

/* Read at most SIDECAR_MAX_BYTES + 1 bytes of @path (caller frees). */
static int read_small(int root_fd, const char *rel, char **out, size_t *len)
{
	size_t max = SIDECAR_MAX_BYTES + 1, n = 0;
	char *buf = NULL;
	int fd = sp_open_regular(root_fd, rel, NULL);
	int rc = 0;

	if (fd < 0)
		return fd;
	buf = xmalloc(max);
	while (n < max) {
		ssize_t r = read(fd, buf + n, max - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

/* Both caption names exist: they must agree. */
static bool captions_disagree(int root_fd, const char *a, const char *b)
{
	char *x = NULL, *y = NULL;
	size_t nx = 0, ny = 0;
	bool differ = false;

	if (read_small(root_fd, a, &x, &nx) == 0 && read_small(root_fd, b, &y, &ny) == 0)
		differ = nx != ny || memcmp(x, y, nx);
	free(x);
	free(y);
	return differ;
}

/*
 * Whether a file of @d is one the daemon will not read (a symlink, a hard
 * link, a FIFO, a socket, a device, a folder named like a caption): then
 * d->v is a caption verdict saying which and why, to be fixed in place.  Looked at before
 * anything is opened so that the video's refusal is named even when the
 * caption is refused too; the opens that follow refuse the same way if a
 * file is swapped meanwhile.
 */
static bool item_refused(struct tracker *t, struct due *d)
{
	const char *files[3] = { d->video, d->cap[0], d->ncap > 1 ? d->cap[1] : NULL };
	int rc;

	for (int i = 0; i < 3 && files[i]; i++) {
		tt_error_clear(&d->v.error);
		rc = itemfile_check(t->root_fd, files[i], path_base(files[i]), &d->v.error);
		if (rc < 0 && itemfile_refused(rc)) {
			d->v.kind = VERDICT_CAPTION;
			return true;
		}
	}
	tt_error_clear(&d->v.error);
	return false;
}

/*
 * The job of a due item, made if it has none, but only while the map still
 * has the item as it was collected: a rename or a removal since then moved
 * or ended its job (tracker_renamed, tracker_removed), and a job made at
 * the old name would be one no file belongs to.  Under the mutex, as the
 * apply is, so that no event slips between the look and the commit.
 * -ESTALE when the item changed.
 */
static int64_t due_job(struct tracker *t, const struct due *d)
{
	struct tfile *f;
	int64_t id = -ESTALE;

	pthread_mutex_lock(&t->mu);
	f = trk_find_path(t, d->video);
	if (f && f->video && f->gen == d->gen)
		id = store_ensure(t->st, d->video);
	pthread_mutex_unlock(&t->mu);
	return id;
}

/*
 * The job of @d (made if missing, by due_job()), whether it is in
 * flight and whether it had a caption file.  False, with d->what set,
 * when it is not to be looked at now.  A video whose caption file went
 * loses it from its job here, unless an upload holds it.
 */
static bool job_of_due(struct tracker *t, struct due *d, bool *in_flight, bool *had_caption)
{
	struct job j;

	d->id = due_job(t, d);
	if (d->id == -ESTALE) {
		d->what = D_STALE;
		return false;
	}
	if (d->id == -EBUSY) {
		/* the source of a pending outcome move: a final job owns it */
		d->what = D_IN_FLIGHT;
		return false;
	}
	if (d->id < 0 || store_get(t->st, d->id, &j) < 0) {
		log_warn("%s: cannot read its job; trying again", d->video);
		d->what = D_RETRY;
		return false;
	}
	*in_flight = trk_job_in_flight(&j);
	*had_caption = j.caption_path != NULL;
	if (!*in_flight && d->ncap == 0 && j.caption_path)
		store_set_caption(t->st, j.id, NULL);
	job_free(&j);
	return true;
}

/* After the validation: a file of the item went away while it was read
 * (its event may not have come yet, in watch mode).  What the verdict
 * says of it (unreadable, no caption) is not the user's doing: the event
 * decides. */
static bool due_files_gone(struct tracker *t, const struct due *d)
{
	return !trk_file_at(t, d->video) || (d->cap[0] && !trk_file_at(t, d->cap[0]));
}

/* Without the mutex: decide what a due item is. */
static void validate_due(struct tracker *t, struct due *d, const struct creator_info *ci)
{
	bool in_flight, had_caption;
	int nocap_rc = 0;

	if (!trk_file_at(t, d->video)) {
		d->what = D_GONE;
		return;
	}
	if (t->hook)
		t->hook(t->hook_arg, TRACKER_SEEN, d->video);
	if (!job_of_due(t, d, &in_flight, &had_caption))
		return;
	/* An upload whose caption file is missing at a tick is for
	 * trk_caption_gone() to judge (D_NOCAP), as when it is deleted. */
	if (in_flight && !(d->ncap == 0 && had_caption)) {
		d->what = D_IN_FLIGHT;
		return;
	}
	/* No caption file: it waits for one, unless the folder's .defaults
	 * or the config make the caption of its name (or a .defaults is
	 * bad: that is said on the item).  Asked after the in-flight check:
	 * an upload that started from a name keeps it whatever a .defaults
	 * says now. */
	if (d->ncap == 0 &&
	    (in_flight || (nocap_rc = trk_caption_source(t, d->video, &d->v.error)) == -ENOENT)) {
		d->what = D_NOCAP;
		return;
	}
	d->what = D_VERDICT;
	if (d->ncap == 0 && nocap_rc < 0) {
		d->v.kind = VERDICT_CAPTION;
		return;
	}
	if (item_refused(t, d))
		return;
	if (d->ncap > 1 && captions_disagree(t->root_fd, d->cap[0], d->cap[1])) {
		tt_error_set(&d->v.error, ERR_USER, "%s: two captions, %s and %s, differ",
			     path_base(d->video), path_base(d->cap[0]), path_base(d->cap[1]));
		tt_error_advise(&d->v.error,
				"Delete the one you do not want, or make them the same; "
				"when both exist and agree, %s is used.",
				path_base(d->cap[0]));
		d->v.kind = VERDICT_CAPTION;
		return;
	}
	trk_validate_as_accounts(t, &(struct trk_item){d->video, d->cap[0], d->sched}, ci, &d->v);
	if (due_files_gone(t, d))
		d->what = D_GONE;
}

/*
 * Apply the verdict (meta/job/verdict.h) and keep the map in step: an item
 * left ready, scheduled or invalid by our hand is armed (a change sends it
 * back to waiting); one sent to failed/ was moved behind the filesystem's
 * back, so the map forgets it and its caption, and other videos that
 * shared the caption lose it.
 */
static void apply_verdict(struct tracker *t, struct tfile *f, const struct due *d,
			  const struct job *j, struct pathlist *resets)
{
	struct tfile *c = d->cap[0] ? trk_find_path(t, d->cap[0]) : NULL;
	int rc = verdict_apply(t->st, t->cfg, t->root, t->on_final, j, &d->v, d->cap[0]);

	/* By where the item went, not by v.kind alone: an item of several
	 * targets may stay (one target's media failed, the others go on) or
	 * end (none left) whatever its folder account's verdict says. */
	if (rc == JOB_FAILED || rc == JOB_POSTED) {
		trk_entry_drop(t, f, resets);
		if (c)
			trk_entry_drop(t, c, resets);
		return;
	}
	switch (d->v.kind) {
	case VERDICT_OK:
	case VERDICT_MEDIA: /* still here: another target goes on */
		f->armed = rc >= 0;
		break;
	case VERDICT_CAPTION:
		f->armed = true;
		break;
	default:
		f->armed = false;
		break;
	}
}

/*
 * A file of the item is gone, and no event has said so (the item's
 * generation is unchanged): in watch mode inotify and the poller report a
 * rename or a removal after it happened.  That event decides: a rename
 * carries the job to the new name, a removal cancels it.  Closing the job
 * as lost here would end an item that was only renamed (the rename would
 * then make a second job), so a live job is left as it is, and the item
 * waits for its event; a restart's walk closes what never gets one.  An
 * entry with no live job is stale (outcome.c moved its file): forgotten.
 */
static void apply_gone(struct tracker *t, struct tfile *f, const struct due *d)
{
	struct job j;

	if (store_find_live(t->st, d->video, &j) == 0) {
		log_info("%s: gone while it was checked; waiting to hear where it went", d->video);
		not_pending(t, f);
		job_free(&j);
		return;
	}
	trk_entry_drop(t, f, NULL);
}

/* Under the mutex: apply @d unless its item changed meanwhile.  A video
 * that waits for its caption file goes to @nocap. */
static void apply_due(struct tracker *t, struct due *d, struct pathlist *resets,
		      struct pathlist *nocap)
{
	struct tfile *f = trk_find_path(t, d->video);
	struct job j;

	if (!f || !f->video || f->gen != d->gen || d->what == D_RETRY || d->what == D_STALE)
		return; /* changed while we looked: it settles again */
	if (d->what == D_GONE) {
		apply_gone(t, f, d);
		return;
	}
	if (d->what == D_NOCAP) {
		not_pending(t, f); /* waits for its caption */
		trk_pl_add(nocap, f->path);
		return;
	}
	not_pending(t, f);
	/* The poster may have taken it since (a job that was ready at start). */
	if (store_get(t->st, d->id, &j) < 0)
		return;
	if (d->what == D_IN_FLIGHT || trk_job_in_flight(&j) || job_state_final(j.state)) {
		f->armed = true;
		log_info("%s: %s; not checked again, the poster owns it", d->video,
			 job_state_name(j.state));
	} else {
		apply_verdict(t, f, d, &j, resets);
	}
	job_free(&j);
}

/* A video alone is waiting; its job may say otherwise after a start, and
 * may still name a caption that was deleted. */
static void no_caption(struct tracker *t, const char *video)
{
	struct job j;

	trk_caption_gone(t, video, "its caption is missing");
	if (store_find_live(t->st, video, &j) == 0) {
		if (j.caption_path && !trk_job_in_flight(&j))
			store_set_caption(t->st, j.id, NULL);
		job_free(&j);
	}
	trk_clear_error_file(t, video);
}

static void run_scans(struct tracker *t, double now)
{
	struct pathlist scans;

	pthread_mutex_lock(&t->mu);
	scans = t->scans;
	memset(&t->scans, 0, sizeof(t->scans));
	pthread_mutex_unlock(&t->mu);
	for (size_t i = 0; i < scans.n; i++)
		scan_dir(t, scans.v[i], now, false);
	trk_pl_clear(&scans);
}

/* A job moved to its next target (store_take_checks): check its item again
 * now, as the next account, rather than at its next change. */
static void recheck_one(const char *path, void *arg)
{
	struct tracker *t = arg;

	pthread_mutex_lock(&t->mu);
	trk_recheck(t, path);
	pthread_mutex_unlock(&t->mu);
}

double tracker_tick(struct tracker *t, double now)
{
	struct duelist dl = { 0 };
	struct pathlist nocap = { 0 }, resets = { 0 };
	struct creator_info ci;
	bool have_ci = false;
	double next = TRACKER_IDLE_WAIT;

	run_scans(t, now);
	store_take_checks(t->st, recheck_one, t);
	pthread_mutex_lock(&t->mu);
	collect_due(t, now, &dl, &next);
	pthread_mutex_unlock(&t->mu);

	if (dl.n > 1)
		qsort(dl.v, dl.n, sizeof(*dl.v), due_cmp);
	if (dl.n && t->cfg->state_dir)
		have_ci = creator_load(t->cfg->state_dir, &ci) == 0;
	/* One item at a time, the mutex only around each apply: a batch of
	 * a hundred items must not hold the filesystem's events for a hundred
	 * validations or a hundred items' commits. */
	for (size_t i = 0; i < dl.n; i++) {
		validate_due(t, &dl.v[i], have_ci ? &ci : NULL);
		if (t->hook)
			t->hook(t->hook_arg, TRACKER_VALIDATED, dl.v[i].video);
		pthread_mutex_lock(&t->mu);
		apply_due(t, &dl.v[i], &resets, &nocap);
		pthread_mutex_unlock(&t->mu);
		if (dl.v[i].what == D_RETRY && t->cfg->settle_time < next)
			next = t->cfg->settle_time;
	}
	for (size_t i = 0; i < nocap.n; i++)
		no_caption(t, nocap.v[i]);
	trk_pl_clear(&nocap);
	trk_run_resets(t, &resets, "its caption went to failed/ with another video");
	duelist_clear(&dl);
	return next > 0 ? next : 0;
}
