/*
 * A validation verdict (meta/rules.h) applied to a job, in one place, for
 * the tracker (after an item settles) and the posting worker (when it
 * validates again before the upload):
 *
 *   VERDICT_OK          -> ready, or scheduled when the item is in
 *                          scheduled/ and its schedule time is still to
 *                          come, or in queue/ (at its slot, planned now
 *                          or kept: meta/job/queue.h; with no slot to
 *                          give, invalid with NAME.error saying why);
 *                          size, privacy, warning and MIME type
 *                          recorded; error and NAME.error cleared
 *   VERDICT_CAPTION     -> NAME.error written beside the video, then
 *                          invalid with the error (fixed in place)
 *   VERDICT_MEDIA       -> failed/ with NAME.error (outcome_failed)
 *   VERDICT_INCOMPLETE  -> waiting with the reason (a truncated copy)
 *
 * A verdict of several targets (v->n_targets >= 2, meta/rules.h) is
 * applied over the targets not finished yet (meta/job/store.h, THE
 * TARGETS; finished ones are skipped, so a retry never posts one twice):
 *
 *   any INCOMPLETE      -> waiting, as above
 *   a target's MEDIA    -> that target alone failed (its row, its error);
 *                          the others go on
 *   any CAPTION         -> invalid with NAME.error naming that account and
 *                          platform (fixed in place)
 *   the rest OK         -> ready or scheduled as above, as the FIRST target
 *                          left: the job's account, privacy and warning
 *                          become that target's, in the commit of the state
 *   none left           -> the item's final move (outcome_targets_end)
 *
 * NAME.error comes first so that whoever sees `invalid` finds the file.
 * Each store setter is a commit (fsync): what would not change is skipped.
 */
#ifndef TIKTOKFS_VERDICT_H
#define TIKTOKFS_VERDICT_H

#include "meta/job/store.h"
#include "meta/rules.h"

struct outcome_final;

struct config;

/*
 * Apply @v to job @j (as read from @st just before; its path names the
 * video, relative to the drop folder @root).  @caption: the caption the
 * verdict read, recorded on the job, or NULL to keep the job's.  The
 * schedule counts only in scheduled/ (drop_in_scheduled of @j's path): in
 * outbox/ an item is posted now, and so is one whose time has passed.
 * Returns the job's state after it (enum job_state, >= 0) or -errno when
 * the store or the move to failed/ could not be done (logged).
 */
int verdict_apply(struct store *st, const struct config *cfg, const char *root,
		  const struct outcome_final *on_final, const struct job *j,
		  const struct verdict *v, const char *caption);

#endif
