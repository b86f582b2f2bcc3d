/*
 * Where an item ends: moving its files (video, caption) within the staging
 * tree to posted/ or failed/, keeping subfolders, never overwriting (" (2)"
 * suffix), writing failed/NAME.error, and recording the new paths in the
 * store in the same step.  Used by the posting worker (net/) and by the
 * tracker (media that can never pass).
 */
#ifndef TIKTOKFS_OUTCOME_H
#define TIKTOKFS_OUTCOME_H

#include <stdint.h>

#include "meta/error.h"

struct store;
struct config;

/* Move job @id to posted/ (state posted).  keep_posted=no keeps only the
 * caption and the job's record.  0 or -errno. */
int outcome_posted(struct store *st, const struct config *cfg, const char *root, int64_t id);
/* Move job @id to failed/ with NAME.error from @why (state failed). */
int outcome_failed(struct store *st, const struct config *cfg, const char *root, int64_t id,
		   const struct tt_error *why);
/* Write or remove NAME.error beside a live item (invalid caption, no
 * privacy): @why NULL removes it. */
int outcome_error_file(const char *root, const char *video_path, const struct tt_error *why);
/* Render the text of a NAME.error file (caller frees). */
char *outcome_error_text(const char *video_name, const struct tt_error *why);
/* Complete the moves a crash interrupted (jobs with move_from set).  Call at
 * start before the tree is walked (tracker_reconcile): until then a posted
 * item's video may still sit in outbox/ with no live job.  0 or -errno. */
int outcome_finish_moves(struct store *st, const struct config *cfg, const char *root);

#endif
