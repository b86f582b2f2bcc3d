/*
 * Item tracking and completion: the policy half of the drop folder.  The
 * filesystem (fs/) and watch mode (inotify) report what happens to files;
 * the tracker decides what is an item (video + caption, temporary names
 * ignored), when it is complete (no writer, unchanged for settle_time), and
 * then validates it (probe, sidecar, rules) and moves its job to ready,
 * scheduled, invalid (NAME.error beside it), failed/ (bad media), or leaves
 * it waiting (truncated copy).  No HTTP here.
 *
 * Paths are relative to the staging root ("outbox/clip.mp4").  All calls are
 * thread-safe and cheap: the expensive work happens in tracker_tick().
 */
#ifndef TIKTOKFS_TRACKER_H
#define TIKTOKFS_TRACKER_H

#include <stdbool.h>
#include <stdint.h>

struct store;
struct config;
struct tracker;

/* @root: absolute staging root.  Borrowed pointers must outlive the tracker. */
struct tracker *tracker_new(struct store *st, const struct config *cfg, const char *root);
void tracker_free(struct tracker *t);

/* Events.  @now is CLOCK_MONOTONIC seconds (tests pass their own clock). */
void tracker_open_write(struct tracker *t, const char *path, double now);
void tracker_close_write(struct tracker *t, const char *path, double now);
void tracker_changed(struct tracker *t, const char *path, double now); /* write, truncate, create */
void tracker_renamed(struct tracker *t, const char *from, const char *to, double now);
void tracker_removed(struct tracker *t, const char *path, double now);

/* Walk the staging tree and the store after a start: a file with no job gets
 * one, a job with no file is closed with a reason.  Call once before
 * serving. */
int tracker_reconcile(struct tracker *t, double now);

/* Settle, validate and hand over what is due.  Returns how many seconds
 * until the next thing may become due (for the timer thread's sleep). */
double tracker_tick(struct tracker *t, double now);

/* Policy helpers, pure, also used by fs/ for folder rules. */
bool item_is_temp_name(const char *basename);
bool item_is_video_name(const char *basename);
bool item_is_caption_name(const char *basename);
/* Top folder of a relative path: "outbox", "scheduled", "posted", "failed" or NULL. */
const char *item_folder(const char *path);

#endif
