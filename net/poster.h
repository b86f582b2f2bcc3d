/*
 * The posting worker: one thread that takes work from the job store
 * (store_next_work), logs in with the saved tokens, uploads and publishes,
 * and ends each item with outcome_posted()/outcome_failed().  The filesystem
 * never waits on it.  Exactly once: the publish_id is committed before the
 * first byte is sent, and an item with a publish_id is reconciled by
 * status/fetch, never initialised again while TikTok may still publish it.
 */
#ifndef TIKTOKFS_POSTER_H
#define TIKTOKFS_POSTER_H

struct store;
struct config;
struct outcome_final;
struct poster;

/* Start the worker thread.  @root: the staging root.  Borrowed pointers must
 * outlive the poster.  NULL on failure (logged). */
struct poster *poster_start(struct store *st, const struct config *cfg, const char *root,
			    const struct outcome_final *on_final);
/* Stop at the next safe point (between chunks or polls), keeping all work,
 * and join the thread.  Accepts NULL. */
void poster_stop(struct poster *p);

#endif
