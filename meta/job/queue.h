/*
 * queue/: items that need no time of their own.  Each valid item of
 * queue/ gets the next free posting slot of the config's `slots`
 * (meta/job/slots.h) when it becomes ready, in the order items become
 * ready (the tracker hands a batch over in name order), and keeps it: the
 * slot is stored with its job (store_set_slot) and shown as its
 * schedule_at, so a remount, a re-check after an edit or a config reload
 * never plans it again.  Removing the item, or moving it out of queue/,
 * frees the slot for the next item that comes; items already planned keep
 * theirs.  A slot whose time passed while the daemon was down posts as soon
 * as the pace allows, oldest item first (store_next_work), which is slot
 * order but for a freed slot taken by a newcomer.
 *
 * A day's slots never plan more posts than TikTok's daily cap allows
 * (TIKTOK_DAILY_POSTS direct posts, TIKTOK_PENDING_DRAFTS_MAX drafts in
 * any 24 hours, counting the slots of posted items too): a slot that would
 * exceed it is skipped, and the item gets a later one.
 */
#ifndef TIKTOKFS_QUEUE_H
#define TIKTOKFS_QUEUE_H

#include <stdint.h>

#include "meta/config.h"
#include "meta/job/store.h"
#include "util/error.h"

/*
 * The posting time of job @j, an item of queue/ that is valid at @now:
 * the slot it holds, or the next free one, chosen and stored now (with its
 * jitter).  0 with *@at (slot + jitter; may be past: then it posts as soon
 * as it may), or -errno with @err saying what the user must do: -ENOENT no
 * slots are configured, -ENOSPC every slot of the next year is taken, or
 * the store's error.
 */
int queue_plan(struct store *st, const struct config *cfg, const struct job *j, int64_t now,
	       int64_t *at, struct tt_error *err);

/* Job @j is not in queue/ (any more): free its slot, if it held one. */
void queue_forget(struct store *st, const struct job *j);

#endif
