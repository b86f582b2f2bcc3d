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
 *
 * Every path below the root is resolved relative to one directory fd of the
 * staging root (openat, fstatat, ...), so the daemon never depends on its
 * working directory and a rename of the state directory cannot redirect it.
 *
 * Files split by concern: fs.c (context, paths, init, the operations
 * table), ops_file.c (open/read/write/...), ops_dir.c (namespace: lookups,
 * readdir, mkdir, rename, unlink), xattr.c (user.* passthrough and the
 * read-only user.tiktok.* answered from the store), status_file.c
 * (STATUS.txt).
 */
#ifndef TIKTOKFS_FS_H
#define TIKTOKFS_FS_H

#include <fuse.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

struct store;
struct tracker;
struct config;
struct fs_file;

/* The filesystem's context, handed to fuse_new() as private_data.  Borrowed
 * pointers; main owns them and fills store/tracker before the loop runs. */
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

/* ---- shared between the fs/ files, not for other modules ---- */

#define FS_STATUS_NAME "STATUS.txt"
/* libfuse's name for an unlinked file that is still open */
#define FS_HIDDEN_PREFIX ".fuse_hidden"

/* An open file.  fd is -1 for STATUS.txt, whose rendered text is in @text. */
struct fs_file {
	int fd;
	bool writer; /* opened for writing: the tracker was told */
	char *text;  /* STATUS.txt snapshot, owned */
	size_t text_len;
	struct fs_file *prev, *next; /* in tiktokfs.files, under files_lock */
};

struct tiktokfs *fs_ctx(void);

/* "/outbox/a.mp4" -> "outbox/a.mp4"; "/" -> ".". */
const char *fs_rel(const char *path);
/* What a path names at the top of the mount. */
enum fs_place {
	FS_ROOT,   /* "/" */
	FS_STATUS, /* "/STATUS.txt" */
	FS_FOLDER, /* one of the four folders itself */
	FS_INSIDE, /* something inside a folder */
	FS_NOWHERE /* any other name at the root: does not exist */
};
enum fs_place fs_place(const char *path);
/* 0 when @path may be created/removed/renamed (inside a folder), else the
 * -errno to answer: -EACCES for the read-only root and its fixed entries. */
int fs_check_mutable(const char *path);
/* Give a new file or directory to the calling user when running as root. */
void fs_own(int dirfd, const char *rel, int fd);
struct fs_file *fs_file_of(const struct fuse_file_info *fi);

/* The tracker's events, with the mount's clock; no-op for NULL paths. */
void fs_ev_changed(const char *path);

/* Operations, grouped by file. */
int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi);
int fs_readlink(const char *path, char *buf, size_t size);
int fs_mknod(const char *path, mode_t mode, dev_t rdev);
int fs_mkdir(const char *path, mode_t mode);
int fs_unlink(const char *path);
int fs_rmdir(const char *path);
int fs_symlink(const char *from, const char *to);
int fs_link(const char *from, const char *to);
int fs_rename(const char *from, const char *to, unsigned int flags);
int fs_opendir(const char *path, struct fuse_file_info *fi);
int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
	       struct fuse_file_info *fi, enum fuse_readdir_flags flags);
int fs_releasedir(const char *path, struct fuse_file_info *fi);
int fs_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi);
int fs_statfs(const char *path, struct statvfs *sv);

int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi);
int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi);
int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi);
int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi);
int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi);
int fs_open(const char *path, struct fuse_file_info *fi);
int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi);
int fs_read_buf(const char *path, struct fuse_bufvec **bufp, size_t size, off_t off,
		struct fuse_file_info *fi);
int fs_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi);
int fs_write_buf(const char *path, struct fuse_bufvec *buf, off_t off, struct fuse_file_info *fi);
int fs_flush(const char *path, struct fuse_file_info *fi);
int fs_release(const char *path, struct fuse_file_info *fi);
int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi);
int fs_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi);
ssize_t fs_copy_file_range(const char *path_in, struct fuse_file_info *fi_in, off_t off_in,
			   const char *path_out, struct fuse_file_info *fi_out, off_t off_out,
			   size_t len, int flags);
off_t fs_lseek(const char *path, off_t off, int whence, struct fuse_file_info *fi);

int fs_setxattr(const char *path, const char *name, const char *value, size_t size, int flags);
int fs_getxattr(const char *path, const char *name, char *value, size_t size);
int fs_listxattr(const char *path, char *list, size_t size);
int fs_removexattr(const char *path, const char *name);

/* STATUS.txt: render the current text (caller frees *@out). */
int fs_status_render(char **out, size_t *len);

#endif
