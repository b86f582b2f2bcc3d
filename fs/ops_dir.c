/*
 * Namespace operations: attributes, directories, names.  Each maps one
 * request onto one *at() call relative to the staging root's fd and returns
 * -errno, then tells the tracker what happened (rename, unlink).
 *
 * Folder rules: the root and its fixed entries (the four folders and
 * STATUS.txt) cannot be created, removed or renamed; everything inside the
 * folders can.  Symbolic and hard links answer EPERM: an item is a regular
 * file staged once; a symlink in the staging tree would make the daemon,
 * which may run as root, read or upload whatever it points at, and a hard
 * link would give one staged file two item names.
 */
#include "fs/fs_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "meta/account.h"
#include "meta/config.h"
#include "meta/job/drop.h"
#include "meta/job/tracker.h"
#include "util/clock.h"
#include "util/path.h"

static int root_stat(struct stat *st)
{
	if (fstat(fs_ctx()->root_fd, st) < 0)
		return -errno;
	/* Shown read-only: only the folders inside take new names. */
	st->st_mode &= ~(mode_t)0222;
	return 0;
}

static int status_stat(const char *path, struct stat *st)
{
	char *text = NULL;
	size_t len = 0;
	int rc = root_stat(st);

	if (rc < 0)
		return rc;
	/* The size is the text's real length, so that clients which trust
	 * st_size (Samba, some GUI tools) read it whole; reads are direct_io
	 * anyway and return whatever is current at open. */
	if (fs_status_render(path, &text, &len) < 0)
		len = 0;
	free(text);
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_size = (off_t)len;
	st->st_blocks = (blkcnt_t)((len + 511) / 512);
	st->st_mtim = wall_real_timespec(); /* a file time: real */
	st->st_ctim = st->st_mtim;
	st->st_atim = st->st_mtim;
	return 0;
}

/* The preferred I/O size tools such as cp use for their buffers: the
 * staging disk says 4 KiB, which would make cp write 128 KiB pieces, each
 * a round trip through the daemon.  1 MiB matches max_write. */
#define FS_IO_HINT (1 << 20)

static int with_io_hint(struct stat *st)
{
	st->st_blksize = FS_IO_HINT;
	return 0;
}

int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct fs_file *f = fs_file_of(fi);

	if (f && f->fd >= 0)
		return fstat(f->fd, st) < 0 ? -errno : with_io_hint(st);
	switch (fs_place(path)) {
	case FS_ROOT:
		return root_stat(st);
	case FS_STATUS:
		return status_stat(path, st);
	case FS_NOWHERE:
		return -ENOENT;
	default:
		break;
	}
	if (fstatat(fs_ctx()->root_fd, fs_rel(path), st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return with_io_hint(st);
}

int fs_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n;

	if (size == 0)
		return -EINVAL;
	n = readlinkat(fs_ctx()->root_fd, fs_rel(path), buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int fs_mknod(const char *path, mode_t mode, dev_t rdev)
{
	struct tiktokfs *fs = fs_ctx();
	int rc = fs_check_mutable(path);
	int fd;

	(void)rdev;
	if (rc < 0)
		return rc;
	/* Only regular files: devices and fifos have no place in a drop box. */
	if (!S_ISREG(mode))
		return -EPERM;
	fd = openat(fs->root_fd, fs_rel(path), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
		    mode & 07777);
	if (fd < 0)
		return -errno;
	fs_own(fs->root_fd, NULL, fd);
	rc = fchmod(fd, mode & 07777);
	(void)rc;
	close(fd);
	fs_ev_changed(path);
	return 0;
}

int fs_mkdir(const char *path, mode_t mode)
{
	struct tiktokfs *fs = fs_ctx();
	const char *rel = fs_rel(path);
	int rc = fs_check_mutable(path);

	if (rc < 0)
		return rc;
	if (mkdirat(fs->root_fd, rel, mode & 07777) < 0)
		return -errno;
	fs_own(fs->root_fd, rel, -1);
	/* The kernel applied the caller's umask already; ours must not
	 * apply twice. */
	rc = fchmodat(fs->root_fd, rel, mode & 07777, 0);
	(void)rc;
	/* A folder named like a caption is refused on its items: the
	 * tracker must hear of it (it ignores every other folder name). */
	fs_ev_changed(path);
	return 0;
}

int fs_unlink(const char *path)
{
	struct tiktokfs *fs = fs_ctx();
	int rc = fs_check_mutable(path);

	if (rc < 0)
		return rc;
	if (unlinkat(fs->root_fd, fs_rel(path), 0) < 0)
		return -errno;
	if (fs->tracker)
		tracker_removed(fs->tracker, fs_rel(path), mono_real_now());
	return 0;
}

int fs_rmdir(const char *path)
{
	struct tiktokfs *fs = fs_ctx();
	int rc = fs_check_mutable(path);

	if (rc < 0)
		return rc;
	if (unlinkat(fs->root_fd, fs_rel(path), AT_REMOVEDIR) < 0)
		return -errno;
	if (fs->tracker)
		tracker_removed(fs->tracker, fs_rel(path), mono_real_now());
	return 0;
}

int fs_symlink(const char *from, const char *to)
{
	(void)from, (void)to;
	return -EPERM;
}

int fs_link(const char *from, const char *to)
{
	(void)from, (void)to;
	return -EPERM;
}

static bool is_hidden(const char *path)
{
	return !strncmp(path_base(path), FS_HIDDEN_PREFIX, strlen(FS_HIDDEN_PREFIX));
}

int fs_rename(const char *from, const char *to, unsigned int flags)
{
	struct tiktokfs *fs = fs_ctx();
	int rc;

	if (flags & ~(unsigned int)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL; /* RENAME_WHITEOUT is for overlayfs; never ENOSYS */
	if ((rc = fs_check_mutable(from)) < 0 || (rc = fs_check_mutable(to)) < 0)
		return rc;
	if (renameat2(fs->root_fd, fs_rel(from), fs->root_fd, fs_rel(to), flags) < 0)
		return -errno;
	if (!fs->tracker)
		return 0;
	if (flags & RENAME_EXCHANGE) {
		/* Both names now hold other content: each is a changed file. */
		tracker_changed(fs->tracker, fs_rel(from), mono_real_now());
		tracker_changed(fs->tracker, fs_rel(to), mono_real_now());
	} else if (is_hidden(to)) {
		/* libfuse hiding an unlinked open file: for the user it is gone. */
		tracker_removed(fs->tracker, fs_rel(from), mono_real_now());
	} else {
		tracker_renamed(fs->tracker, fs_rel(from), fs_rel(to), mono_real_now());
	}
	return 0;
}

/* ---- directories ---- */

struct fs_dir {
	DIR *dp;
	struct dirent *entry; /* the entry that did not fit last time */
	off_t offset;	      /* telldir() cookie after @entry */
	bool root;
	bool account; /* accounts/NAME of a configured account: fixed, like the root */
};

int fs_opendir(const char *path, struct fuse_file_info *fi)
{
	struct tiktokfs *fs = fs_ctx();
	struct fs_dir *d;
	int fd;

	if (fs_place(path) == FS_NOWHERE || fs_place(path) == FS_STATUS)
		return -ENOENT;
	fd = openat(fs->root_fd, fs_rel(path), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	d->dp = fdopendir(fd);
	if (!d->dp) {
		int e = errno;

		close(fd);
		free(d);
		return -e;
	}
	d->root = fs_place(path) == FS_ROOT;
	d->account = !d->root && fs_is_account_root(path);
	fi->fh = (uint64_t)(uintptr_t)d;
	return 0;
}

/* The root lists a fixed set, at fixed offsets 1..N: ".", "..", the five
 * folders in drop.h's order, STATUS.txt, and accounts/ when the config has
 * accounts besides the default one; an account's folder (@root false) the
 * same but accounts/. */
static const char *root_entry(off_t i, bool root)
{
	const struct config *cfg = fs_ctx()->cfg;

	if (i == 0)
		return ".";
	if (i == 1)
		return "..";
	if (i - 2 < DROP_NFOLDERS)
		return drop_folder_name((enum drop_folder)(i - 2));
	if (i - 2 == DROP_NFOLDERS)
		return FS_STATUS_NAME;
	return root && i - 3 == DROP_NFOLDERS && cfg && cfg->n_accounts > 1 ? DROP_ACCOUNTS : NULL;
}

static int readdir_root(void *buf, fuse_fill_dir_t filler, off_t offset, bool root)
{
	const char *name;

	for (off_t i = offset; (name = root_entry(i, root)) != NULL; i++)
		if (filler(buf, name, NULL, i + 1, 0))
			break;
	return 0;
}

int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
	       struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct fs_dir *d = (struct fs_dir *)(uintptr_t)fi->fh;
	bool plus = flags & FUSE_READDIR_PLUS;

	(void)path;
	if (d->root || d->account)
		return readdir_root(buf, filler, offset, d->root);
	/* Offsets are telldir() cookies, as in libfuse's passthrough: the
	 * kernel asks again from the last cookie it got, so a folder of any
	 * size is listed in as many calls as its buffer needs. */
	if (offset != d->offset) {
		seekdir(d->dp, offset);
		d->entry = NULL;
		d->offset = offset;
	}
	for (;;) {
		struct stat st;
		enum fuse_fill_dir_flags fill = 0;
		off_t next;

		if (!d->entry) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (!d->entry)
				return errno ? -errno : 0;
		}
		next = telldir(d->dp);
		if (is_hidden(d->entry->d_name)) {
			d->entry = NULL;
			d->offset = next;
			continue;
		}
		memset(&st, 0, sizeof(st));
		if (plus && strcmp(d->entry->d_name, ".") && strcmp(d->entry->d_name, "..") &&
		    fstatat(dirfd(d->dp), d->entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			fill = FUSE_FILL_DIR_PLUS;
		} else {
			st.st_ino = d->entry->d_ino;
			st.st_mode = (mode_t)DTTOIF(d->entry->d_type);
		}
		if (filler(buf, d->entry->d_name, &st, next, fill))
			break;
		d->entry = NULL;
		d->offset = next;
	}
	return 0;
}

int fs_releasedir(const char *path, struct fuse_file_info *fi)
{
	struct fs_dir *d = (struct fs_dir *)(uintptr_t)fi->fh;

	(void)path;
	closedir(d->dp);
	free(d);
	return 0;
}

int fs_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct fs_dir *d = (struct fs_dir *)(uintptr_t)fi->fh;
	int fd = dirfd(d->dp);

	(void)path;
	if ((datasync ? fdatasync(fd) : fsync(fd)) < 0)
		return -errno;
	return 0;
}

int fs_statfs(const char *path, struct statvfs *sv)
{
	(void)path;
	/* The staging disk's real figures: df on the mount is df of the
	 * state directory's filesystem. */
	if (fstatvfs(fs_ctx()->root_fd, sv) < 0)
		return -errno;
	return 0;
}
