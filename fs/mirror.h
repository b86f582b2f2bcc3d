/*
 * The result mirror of watch mode.  With no FUSE layer to answer
 * user.tiktok.* from the job store, the mirror writes the same attributes,
 * with the same names and values as the mount shows, onto the real files:
 * the video and its caption (the caption alone carries them when
 * keep_posted=no took the video away).  Where the filesystem refuses user
 * xattrs (ENOTSUP on vfat, ramfs, some NFS and SMB setups; EPERM/EACCES when
 * the daemon may not write them) it writes NAME.tiktok.json beside the video
 * instead: a JSON object of the same names without the "user.tiktok."
 * prefix, string values, written atomically (temporary dotfile + rename).
 *
 * The store is the truth; the files follow it.  mirror_sync() compares each
 * job's attributes with what it last wrote and writes only the difference
 * of jobs that changed (attributes a job no longer has are removed).  Jobs
 * cancelled or lost lose their NAME.tiktok.json.  A job whose file is not
 * there yet (an outcome move between its commit and its rename) is tried
 * again at the next sync.
 *
 * The folder is shared with untrusted people, and the daemon runs as root:
 * every file is reached from the folder's root descriptor without following
 * links (util/safepath.h).  xattrs go through a descriptor of the file
 * itself (opened O_NOFOLLOW, checked to be a regular file with one name),
 * NAME.tiktok.json is created with openat() in the walked directory.  A
 * symlink (at the file or a folder on the way), a FIFO or a hard link found
 * where an item's file should be is skipped with a log line, never
 * followed, so a share user cannot point the daemon at a file elsewhere.
 *
 * Writing an xattr raises IN_ATTRIB on the file: the watcher must not take
 * that for a change of the item (cmd/watch.c compares mtime with ctime).
 *
 * Not thread-safe: one thread calls mirror_sync().
 */
#ifndef TIKTOKFS_MIRROR_H
#define TIKTOKFS_MIRROR_H

#include <stdbool.h>
#include <stddef.h>

struct store;
struct job;
struct mirror;
struct config;

#define MIRROR_JSON_SUFFIX ".tiktok.json"
/* Final jobs looked at besides the live ones: a post ID that appears after
 * moderation reaches the file while its job is among these. */
#define MIRROR_RECENT 200
/* Seconds between walks while the store's files look unchanged (size and
 * mtime of the database and its -wal): a commit that left both as they
 * were still reaches the files within this. */
#define MIRROR_FULL_EVERY 5.0

/* The names and values written are those of meta/job/results.h. */

/* @root: absolute staging root (borrowed).  @db_path: the store's file
 * (borrowed, may be NULL): while neither it nor its -wal changed, a sync
 * with nothing left to retry skips the walk, except every
 * MIRROR_FULL_EVERY seconds.  NULL only when out of memory. */
struct mirror *mirror_new(struct store *st, const char *root, const char *db_path);
void mirror_free(struct mirror *m);
/* Whose accounts post where (@cfg borrowed, read at each sync on the
 * caller's thread): an item of a YouTube account gets user.youtube.*.
 * Without it every item is TikTok's. */
void mirror_set_config(struct mirror *m, const struct config *cfg);
/* Bring the files in step with the store.  0, or -errno when the store
 * cannot be read. */
int mirror_sync(struct mirror *m);

/* A name the mirror writes (NAME.tiktok.json or its temporary), which the
 * watcher must not report as an item event. */
bool mirror_own_name(const char *basename);

#endif
