/*
 * The mount: a libfuse3 high-level filesystem that passes every operation
 * through to the staging root (state_dir/staging), and reports what happens
 * to files to the tracker (meta/job/tracker.h), which alone decides what is an
 * item and when it is complete.  fs/ never talks to the network.
 *
 * Layout of the mount (spec: "The mount"):
 *   /                 read-only: only the four folders and STATUS.txt
 *   /outbox ...       plain files and subfolders, staged on local disk
 *   /STATUS.txt       read-only, rendered from the job store at open
 *   /accounts/NAME/   a configured account: the same folders and its own
 *                     STATUS.txt (NAME's items only), fixed like the root
 *
 * Every path below the root is resolved relative to one directory fd of the
 * staging root (openat, fstatat, ...), so the daemon never depends on its
 * working directory and a rename of the state directory cannot redirect it.
 *
 * This header is what the command that mounts needs (cmd/mount.c): the
 * context and the operations table.  What the fs/ files share among
 * themselves is in fs/fs_int.h, as libfuse keeps lib/fuse_i.h apart from
 * its public headers.  Files split by concern: fs.c (context, paths, init,
 * the operations table), ops_file.c (open/read/write/...), ops_dir.c
 * (namespace: lookups, readdir, mkdir, rename, unlink), xattr.c (user.*
 * passthrough and the read-only user.tiktok.* answered from the store),
 * status_file.c (STATUS.txt).
 */
#ifndef TIKTOKFS_FS_H
#define TIKTOKFS_FS_H

#include <fuse.h>
#include <pthread.h>
#include <stdbool.h>

struct store;
struct tracker;
struct config;
struct fs_file;

/* The filesystem's context, handed to fuse_new() as private_data.  Its
 * pointers are borrowed: cmd/mount.c (struct mount_ctx and the struct
 * daemon in it, cmd/daemon.h) owns what they point to, fills store and
 * tracker once the daemon's services run, before fuse_mount, and clears
 * them again when the loop is over. */
struct tiktokfs {
	int root_fd;	  /* O_DIRECTORY fd of the staging root */
	const char *root; /* absolute staging root (xattr calls need a path) */
	struct store *store;
	struct tracker *tracker;
	const struct config *cfg;
	bool as_root; /* daemon runs as uid 0: new files are given to the caller */
	/* Every open file (fs_file.next), so that the ones the kernel never
	 * released are released at unmount (fs_release_all). */
	pthread_mutex_t files_lock;
	struct fs_file *files;
};

/* Zero @fs, root_fd -1, the registry of open files empty.  Call first. */
void fs_ctx_init(struct tiktokfs *fs);
/* Release what fs_ctx_init made (the registry must be empty). */
void fs_ctx_destroy(struct tiktokfs *fs);
/* The operations table (static storage). */
const struct fuse_operations *fs_operations(void);

/*
 * After the FUSE loop returned (no request runs any more), release every
 * file still open as its RELEASE would have: the kernel sends RELEASE for a
 * closed file asynchronously, and a session that ends first never gets it;
 * a file a writer still holds open at unmount is never released at all.
 * Each staged fd is closed, a writer's close reaches the tracker under the
 * file's current name on disk (a file cut off mid-copy is then judged like
 * a killed copy: incomplete, it waits), and the handle is freed.  Call
 * while fs->tracker is still valid.
 */
void fs_release_all(struct tiktokfs *fs);

#endif
