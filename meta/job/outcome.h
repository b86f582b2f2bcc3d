/*
 * Where an item ends: moving its files (video, caption) within the staging
 * tree (or the watched folder) to posted/ or failed/, keeping subfolders,
 * never overwriting (" (2)" suffix), names shortened to fit, writing
 * failed/NAME.error, and recording the new paths in the store.  Everything
 * is reached from the folder's root without following links, and result
 * folders belong to the item's owner.  Used by the posting worker (net/)
 * and by the tracker (media that can never pass).
 *
 * An item that has reached its final folder is announced through the
 * caller's struct outcome_final (the daemon runs the team's hook from it,
 * cmd/hooks.h): meta/ itself starts no process.
 */
#ifndef TIKTOKFS_OUTCOME_H
#define TIKTOKFS_OUTCOME_H

#include <stdint.h>

#include "util/error.h"

struct store;
struct config;
struct job;

/*
 * "Item ended": job @j (as stored, its path the final one below the
 * root) is now in posted/ or failed/.  Called once per completed move,
 * also for a move finished later (a restart, a retry), under the lock
 * that serialises moves: it must not block (hooks_item_ended spawns and
 * returns).
 */
typedef void outcome_final_fn(const struct job *j, void *arg);

/* Whom to tell; a NULL struct outcome_final tells nobody.  Borrowed: it
 * must outlive the calls it is passed to. */
struct outcome_final {
	outcome_final_fn *fn;
	void *arg;
};

/* Move job @id to posted/ (state posted).  keep_posted=no keeps only the
 * caption and the job's record.  0 once the state is committed: a move that
 * cannot be made now (a symbolic link on the way, a full disk) stays
 * pending, said on the item (user.tiktok.error), for
 * outcome_finish_moves() to try again.  -errno when the store failed. */
int outcome_posted(struct store *st, const struct config *cfg, const char *root,
		   const struct outcome_final *on_final, int64_t id);
/* The same as outcome_posted(), state published: TikTok published the
 * post and its public post ID is still to come (meta/job/store.h, (4)). */
int outcome_published(struct store *st, const struct config *cfg, const char *root,
		      const struct outcome_final *on_final, int64_t id);
/* Move job @id to failed/ with NAME.error from @why (state failed); the
 * same return as outcome_posted().  For a multi-target job (meta/job/
 * store.h, THE TARGETS) these three end its CURRENT target: it moves on
 * to the next one, and only the last makes the item's final move.  A failed item that cannot reach
 * failed/ gets its NAME.error beside it. */
int outcome_failed(struct store *st, const struct config *cfg, const char *root,
		   const struct outcome_final *on_final, int64_t id, const struct tt_error *why);
/* A multi-target item none of whose targets is left (meta/job/store.h,
 * THE TARGETS; verdict_apply): its final move, posted/ when every target
 * posted or published, else failed/ with one block per target in
 * NAME.error.  Returns as outcome_posted(). */
int outcome_targets_end(struct store *st, const struct config *cfg, const char *root,
			const struct outcome_final *on_final, int64_t id);
/* Write or remove NAME.error beside a live item (invalid caption, no
 * privacy): @why NULL removes it.  Reached without following links; for a
 * video name too long to take ".error" the stem is shortened to fit. */
int outcome_error_file(const char *root, const char *video_path, const struct tt_error *why);
/* Render the text of a NAME.error file (caller frees). */
char *outcome_error_text(const char *video_name, const struct tt_error *why);
/* Complete the moves a crash interrupted or that could not be made (jobs
 * with move_from set).  Call at start before the tree is walked
 * (tracker_reconcile): until then a posted item's video may still sit in
 * outbox/ with no live job; and now and then (the posting worker) for the
 * moves that were stuck.  The number of moves still pending, or -errno. */
int outcome_finish_moves(struct store *st, const struct config *cfg, const char *root,
			 const struct outcome_final *on_final);

#endif
