/*
 * Inside the tracker: the in-memory map of item files and what the two
 * files of the module share (tracker.c: the map and the events;
 * tracker_tick.c: reconcile, settle, validate, apply; what a name means is
 * meta/job/drop.h's).  Nothing outside meta/job/tracker*.c includes this.
 * Its functions are trk_*, the module's inside prefix (as oc_ is
 * outcome's and pw_ the poster's), so that tracker_* is only ever the
 * interface of tracker.h.
 *
 * Locking: every field of struct tracker below `mu`, and every struct tfile,
 * is read and written only with `mu` held.  Functions marked "(locked)"
 * expect it held; the others must be called without it.
 */
#ifndef TIKTOKFS_TRACKER_INT_H
#define TIKTOKFS_TRACKER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meta/job/drop.h"
#include "meta/job/tracker.h"

struct job;

/* A growable list of owned strings. */
struct pathlist {
	char **v;
	size_t n, alloc;
};

void trk_pl_add(struct pathlist *pl, const char *s);
void trk_pl_clear(struct pathlist *pl);

enum { BY_PATH = 0, BY_KEY = 1 };

/*
 * One video or caption file in outbox/, scheduled/ or queue/.  Found by path and,
 * for pairing, by key: a video's key is its path without the extension
 * ("outbox/clip"), a caption's is its path without ".caption"
 * ("outbox/clip" or "outbox/clip.mp4").
 */
struct tfile {
	char *path; /* relative to the root; owned */
	char *key;  /* pairing key; owned */
	bool video;
	int writers;
	double changed; /* monotonic seconds of the last change */
	uint64_t gen;	/* video: bumped by every event on the item */
	bool pending;	/* video: settle and validate again */
	bool armed;	/* video: its job left waiting by our hand (or is in flight) */
	struct tfile *next[2];
};

struct tracker {
	struct store *st;
	const struct config *cfg;
	const struct outcome_final *on_final; /* borrowed: tracker_new() */
	char *root;
	/* The root opened once (util/safepath.h): every look at and read of
	 * an item file walks from it without following links.  -1 until the
	 * root exists (tracker_reconcile creates it); set before serving. */
	int root_fd;
	tracker_hook_fn *hook; /* tests only (tracker.h); NULL in the daemon */
	void *hook_arg;

	pthread_mutex_t mu; /* everything below */
	struct tfile **tab[2];
	size_t nbuckets, count, npending;
	uint64_t seq;	       /* generation counter */
	struct pathlist scans; /* directories moved in: walk at the next tick */
};

/* ---- the map (tracker.c) ---- */

/* (locked) The entry at @path, or NULL. */
struct tfile *trk_find_path(struct tracker *t, const char *path);
/* (locked) The captions of video @v, the preferred one first; 0-2. */
int trk_captions_of(struct tracker *t, const struct tfile *v, struct tfile *out[2]);
/* (locked) Every item @f belongs to (itself for a video) must be checked
 * again; armed ones are added to @resets (may be NULL). */
void trk_owners_touched(struct tracker *t, struct tfile *f, struct pathlist *resets);
/* (locked) The item of @video must be validated again: its job moved to
 * its next target (store_take_checks, meta/job/store.h THE TARGETS). */
void trk_recheck(struct tracker *t, const char *video);
/* (locked) A new entry; the caller touches its owners. */
struct tfile *trk_entry_new(struct tracker *t, const char *path, enum drop_kind k, double changed);
/* (locked) Forget @f (its file is gone) and free it; its items are touched. */
void trk_entry_drop(struct tracker *t, struct tfile *f, struct pathlist *resets);

/* ---- the store side of events (tracker.c, called without the mutex) ---- */

bool trk_job_in_flight(const struct job *j);
void trk_ensure_job(struct tracker *t, const char *video);
/* The item of @video changed after its job had left waiting: back to it,
 * unless in flight (then only logged). */
void trk_reset_job(struct tracker *t, const char *video, const char *why);
/* The caption of @video is gone.  An item in flight whose bytes are not
 * all sent is stopped (waiting, publish forgotten, a reason in its error);
 * one whose bytes are all sent goes on, with a warning saying so; anything
 * else is trk_reset_job(). */
void trk_caption_gone(struct tracker *t, const char *video, const char *why);
/* trk_reset_job() for each, then clears @resets. */
void trk_run_resets(struct tracker *t, struct pathlist *resets, const char *why);
/* Something other than a folder is at @rel, reached without links: a
 * file that is an item's, or one to refuse on the item (a symlink, a
 * FIFO ...).  Only a name that is gone (or a folder) is no file. */
bool trk_file_at(struct tracker *t, const char *rel);
/* Remove the NAME.error beside @video, if any. */
void trk_clear_error_file(struct tracker *t, const char *video);

/* ---- the accounts an item posts as (tracker_targets.c, without the mutex) ---- */

struct creator_info;
struct verdict;
/* An item being validated: its video and caption (NULL: none) below the
 * root, and whether it is in scheduled/. */
struct trk_item {
	const char *video;
	const char *caption;
	bool sched;
};
/* Validate @it as its folder's account and, when it names others (meta/
 * targets.h), as each of them, into @v (verdict_init'ed here); @ci is the
 * default account's creator info or NULL. */
void trk_validate_as_accounts(struct tracker *t, const struct trk_item *it,
			      const struct creator_info *ci, struct verdict *v);

/* ---- folder defaults (tracker_defaults.c, called without the mutex) ---- */

struct tt_error;
/* When @path is a .defaults: every item below its folder is checked again
 * (and true is returned, the event is handled); else false. */
bool trk_defaults_event(struct tracker *t, const char *path, double now);
/* A video with no caption file: 0 when its caption is made of its name,
 * -ENOENT when it waits for a caption file, -EINVAL with @err when a
 * .defaults above it is bad or the name makes no caption. */
int trk_caption_source(struct tracker *t, const char *video, struct tt_error *err);
/* (locked) Every video is checked again (caption_from changed in the
 * config); armed ones are added to @resets. */
void trk_touch_all(struct tracker *t, struct pathlist *resets);

#endif
