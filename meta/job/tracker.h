/*
 * Item tracking and completion: the policy half of the drop folder.  The
 * filesystem (fs/) and watch mode (inotify) report what happens to files;
 * the tracker decides what is an item (video + caption, temporary names
 * ignored), when it is complete (no writer, unchanged for settle_time), and
 * then validates it (probe, sidecar, rules) and moves its job to ready,
 * scheduled, invalid (NAME.error beside it), failed/ (bad media), or leaves
 * it waiting (truncated copy).  No HTTP here.
 *
 * Paths are relative to the staging root ("outbox/clip.mp4"; a leading '/'
 * is ignored).  Only files in outbox/, scheduled/ and queue/ (subfolders allowed)
 * take part; events about anything else are ignored, except that a file
 * moved out of those folders is a removal.  All calls are thread-safe and
 * cheap: the expensive work (probe, sidecar, rules) happens in
 * tracker_tick(), never under the lock the event calls take.
 *
 * Pairing: the caption of "clip.mp4" is "clip.mp4.caption" or
 * "clip.caption".  When both exist, "clip.mp4.caption" is used (it names one
 * video, "clip.caption" may be shared by clip.mp4 and clip.mov); if the two
 * differ in content the item is invalid with a NAME.error saying so.
 *
 * Folder defaults (meta/caption/defaults.h): an event on a .defaults is an
 * event on every item below its folder (tracker_defaults.c), and a video
 * without a caption is validated when caption_from makes its caption of
 * its name; otherwise it waits for its caption as before.
 */
#ifndef TIKTOKFS_TRACKER_H
#define TIKTOKFS_TRACKER_H

#include <stdbool.h>
#include <stdint.h>

struct store;
struct config;
struct outcome_final;
struct tracker;

/* @root: absolute staging root; @on_final is told of each item that ends
 * (meta/job/outcome.h; NULL: nobody).  Borrowed pointers must outlive the
 * tracker.  Never NULL: allocation failure aborts, as everywhere
 * (util/strbuf.h). */
struct tracker *tracker_new(struct store *st, const struct config *cfg, const char *root,
			    const struct outcome_final *on_final);
void tracker_free(struct tracker *t);
/* Point the tracker at another config (SIGHUP reload), under its lock.
 * The timer thread must be stopped: tracker_tick() reads the config outside
 * the lock while it validates.  When caption_from changed, every item is
 * checked again (a video without a caption may now be taken, or not). */
void tracker_set_config(struct tracker *t, const struct config *cfg);

/*
 * Events.  @now is real CLOCK_MONOTONIC seconds, mono_real_now(): the
 * settle windows are compared with file mtimes, which the test clock does not
 * speed up (tests pass their own clock).
 * open_write/close_write count writers per path; close_write must name the
 * file's current path (after renames), as libfuse's release does.  A file
 * removed while open gets no close_write: tracker_removed forgot it.
 * A change to an item that was ready, scheduled or invalid sends its job
 * back to waiting at once (before the poster can take it) and through settle
 * and validation again; an item being uploaded is not disturbed.
 */
void tracker_open_write(struct tracker *t, const char *path, double now);
void tracker_close_write(struct tracker *t, const char *path, double now);
void tracker_changed(struct tracker *t, const char *path, double now); /* write, truncate, create */
/* A file or a directory was renamed (the rename has happened). */
void tracker_renamed(struct tracker *t, const char *from, const char *to, double now);
/* A file (or an empty directory) was removed.  A video's job is cancelled
 * unless all its bytes are sent; a caption's item goes back to waiting, and
 * if it was being uploaded the upload stops (unless all its bytes are sent:
 * then it is published and its warning says the caption was removed). */
void tracker_removed(struct tracker *t, const char *path, double now);

/* Walk the staging tree and the store after a start: create the four
 * folders, a file with no job gets one (a file whose mtime is older than
 * settle_time counts as settled), a job with no file is closed as lost
 * (uploading/processing ones are left for the poster).  Call once before
 * serving; calling it again starts nothing twice.  0 or -errno. */
int tracker_reconcile(struct tracker *t, double now);

/* Settle, validate and hand over what is due.  Returns how many seconds
 * until the next thing may become due (for the timer thread's sleep; at
 * most TRACKER_IDLE_WAIT, so a plain sleep loop never misses an event).
 * Called by one thread at a time (the timer thread); validation runs
 * without the lock the event calls take. */
double tracker_tick(struct tracker *t, double now);
#define TRACKER_IDLE_WAIT 1.0

/*
 * A seam for unit tests (tests/unit/test_tracker_race.c), which must force
 * what a filesystem thread may do while tracker_tick() validates without
 * the mutex: rename, delete or replace the item.  @fn is called for each
 * due item at each stage below, without the mutex, in the tick's thread; it
 * may make events.  The daemon never sets it (NULL: nothing is called).
 *   TRACKER_SEEN       its video was found in place; its job is looked up
 *                      and the files validated next
 *   TRACKER_VALIDATED  the verdict is ready; it is applied next, or dropped
 *                      if an event touched the item since the tick took it
 */
enum tracker_stage { TRACKER_SEEN, TRACKER_VALIDATED };
typedef void tracker_hook_fn(void *arg, enum tracker_stage stage, const char *video);
void tracker_set_hook(struct tracker *t, tracker_hook_fn *fn, void *arg);

#endif
