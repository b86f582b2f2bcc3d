/*
 * What the mount's files (fs/fs.c, ops_file.c, ops_dir.c, xattr.c,
 * status_file.c) share, and no other module may use: an open file, the
 * path rules of the mount's top level, the tracker's events and the
 * operations themselves, which only fs_operations() hands out.  fs/fs.h
 * is the public part.
 */
#ifndef TIKTOKFS_FS_INT_H
#define TIKTOKFS_FS_INT_H

#include "fs/fs.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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
	FS_STATUS, /* "/STATUS.txt", "/accounts/NAME/STATUS.txt" */
	FS_FOLDER, /* one of the four folders itself */
	FS_INSIDE, /* something inside a folder */
	FS_NOWHERE /* any other name at the root: does not exist */
};
/* The place of @path for the mount's current config, inside a FUSE
 * operation only (it asks libfuse for the context). */
enum fs_place fs_place(const char *path);
/* The same for @cfg (NULL: no account configured): pure, for any thread. */
enum fs_place fs_place_in(const struct config *cfg, const char *path);
/* 0 when @path may be created/removed/renamed (inside a folder), else the
 * -errno to answer: -EACCES for the read-only root and its fixed entries.
 * Inside a FUSE operation only, as fs_place; _in as fs_place_in. */
int fs_check_mutable(const char *path);
/* accounts/NAME of a configured NAME: the folder of an account, which
 * holds that account's five folders and STATUS.txt alone. */
bool fs_is_account_root(const char *path);
int fs_check_mutable_in(const struct config *cfg, const char *path);
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

/* STATUS.txt at @path (the root's or accounts/NAME/'s): render the current
 * text (caller frees *@out). */
int fs_status_render(const char *path, char **out, size_t *len);

#endif
