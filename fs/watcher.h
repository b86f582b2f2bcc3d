/*
 * The inotify half of watch mode: turns kernel events on a plain directory
 * tree into tracker events (meta/job/tracker.h), the way fs/ does for the mount.
 *
 * Watched: the root (for the five folders themselves) and every directory
 * under outbox/, scheduled/ and queue/ except dot-directories (Samba's .recycle,
 * macOS's .TemporaryItems: the tracker ignores their files anyway).
 *
 * Mapping:
 *   IN_CREATE (file)        a writer opened it: tracker_open_write, paired
 *                           with its IN_CLOSE_WRITE.  inotify has no "opened
 *                           for writing" event (IN_OPEN has no mode), so
 *                           only a creation counts as an open writer; a file
 *                           created by link(2) (nlink > 1) is just a change.
 *   IN_CLOSE_WRITE          tracker_close_write (a change if none was open)
 *   IN_MODIFY               tracker_changed
 *   IN_ATTRIB               tracker_changed only when mtime >= ctime (touch,
 *                           utimens to now); chmod, chown and xattr writes,
 *                           the mirror's own included, leave mtime behind
 *                           ctime and are no change of the item
 *   IN_MOVED_FROM + _TO     by cookie: tracker_renamed; FROM alone: removed
 *                           (moved out); TO alone: an arrival
 *   IN_DELETE               tracker_removed
 *   new directory           watched, then listed: files created before the
 *                           watch existed are reported as changes
 *   IN_Q_OVERFLOW           writers forgotten, directories watched again,
 *                           tracker_reconcile
 * Closes come late or never over NFS and Samba: a writer that has not
 * written for WATCH_WRITER_QUIET seconds (or 10 x settle_time if longer) is
 * counted as closed, and the settle timer decides from there.
 * NAME.tiktok.json (the mirror's) and NAME.error files are never reported.
 * On network file systems inotify hears nothing of other machines' writes:
 * there the watcher polls instead (fs/poller.h), behind the same calls.
 */
#ifndef TIKTOKFS_WATCHER_H
#define TIKTOKFS_WATCHER_H

struct tracker;
struct tt_error;
struct watcher;

#define WATCH_WRITER_QUIET 30.0

/* @root absolute (borrowed).  Sets up inotify and watches the tree; events
 * wait in the kernel's queue until watcher_attach().  NULL + @err (which
 * names @root and the system's reason) when it cannot.
 * Polls instead (fs/poller.h: every call below goes there, and
 * watcher_fd() is -1) when @poll_interval > 0, every that many seconds, or
 * when @root is on a file system where inotify does not see other
 * machines' writes (fs/fstype.h), every POLL_DEFAULT_INTERVAL. */
struct watcher *watcher_new(const char *root, double settle_time, double poll_interval,
			    struct tt_error *err);
/* "inotify", or "polling every N s: ..." with the reason, for the log.
 * Owned by @w. */
const char *watcher_how(const struct watcher *w);
/* Start reporting to @t (call after tracker_reconcile: the walk and the
 * watches overlap, so nothing created in between is missed). */
void watcher_attach(struct watcher *w, struct tracker *t);
/* The fd to poll for input; -1 when polling (poll(2) skips it). */
int watcher_fd(const struct watcher *w);
/* Read and dispatch what is queued; never blocks.  0 or -errno. */
int watcher_process(struct watcher *w, double now);
/* Housekeeping due by @now (quiet writers, unpaired moves; a poll when
 * polling); returns the seconds until it is next due (<= 1 with inotify,
 * the next poll when polling). */
double watcher_tick(struct watcher *w, double now);
void watcher_free(struct watcher *w);

#endif
