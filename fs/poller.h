/*
 * The polling half of watch mode: for folders where inotify hears nothing
 * of what other machines write (NFS, Samba/CIFS, FUSE: fs/fstype.h), the
 * tree is listed every `interval` seconds and the differences become the
 * same tracker events the inotify watcher sends (fs/watcher.h).
 *
 * A poll reads directory entries and fstatat(AT_SYMLINK_NOFOLLOW) only,
 * from the root descriptor without following links (util/safepath.h): no
 * file is ever opened, so a poll of 10,000 settled files costs a listing.
 * It keeps (inode, size, mtime) per path under outbox/, scheduled/ and queue/
 * (dot-folders skipped, the daemon's own NAME.tiktok.json and NAME.error
 * left out) and reports:
 *   new file, or size or mtime changed   tracker_open_write (held: see below)
 *   held, unchanged since the last poll  tracker_close_write once
 *     and settle_time since its change     settle_time has passed
 *   gone                                 tracker_removed
 *   the same inode at another path       tracker_renamed (the job follows)
 *   gone and a new inode at the path     tracker_removed, then a new file
 *   a folder named like a caption        tracker_changed / _removed
 * Completion: the poller cannot see a remote writer, so a file that changed
 * is held open for the tracker until a poll finds it as the poll before
 * did, settle_time or more after the poll that last saw it change; its
 * close then carries that poll's time, so the tracker's own settle clock
 * has already run.  A file whose size or mtime changed since the last poll
 * is therefore never taken, whatever settle_time and the interval are.
 * A poll that cannot list a folder (the server went away) changes nothing:
 * it would otherwise read as every file deleted.
 */
#ifndef TIKTOKFS_POLLER_H
#define TIKTOKFS_POLLER_H

#include <stdbool.h>

struct tracker;
struct poller;

#define POLL_DEFAULT_INTERVAL 2.0 /* s, when a network folder is found */

/* Where events go: the tracker (poller_attach_tracker), or a test's fake. */
struct poll_sink {
	void (*open_write)(void *arg, const char *path, double now);
	void (*close_write)(void *arg, const char *path, double now);
	void (*changed)(void *arg, const char *path, double now);
	void (*renamed)(void *arg, const char *from, const char *to, double now);
	void (*removed)(void *arg, const char *path, double now);
	void *arg;
};

/* @root absolute (borrowed).  Opens it and lists the tree once (the
 * baseline: a poll before tracker_reconcile, as the watcher's watches come
 * before it, so nothing that changes in between is missed).  NULL + errno. */
struct poller *poller_new(const char *root, double interval, double settle_time);
/* Start reporting to @sink (copied).  Files of the baseline whose mtime is
 * newer than settle_time + interval may still be growing: they are held
 * until polls show them settled. */
void poller_attach(struct poller *p, const struct poll_sink *sink, double now);
void poller_attach_tracker(struct poller *p, struct tracker *t, double now);
/* Poll now.  0, or -errno when a folder could not be listed (nothing was
 * reported then; the next poll tries again). */
int poller_poll(struct poller *p, double now);
/* Poll if one is due by @now; returns the seconds until the next one. */
double poller_tick(struct poller *p, double now);
double poller_interval(const struct poller *p);
/* Entries the last poll found (files and caption-named folders). */
unsigned long poller_count(const struct poller *p);
void poller_free(struct poller *p);

#endif
