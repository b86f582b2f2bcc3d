/*
 * File operations: open, create, read, write and the attribute changes of a
 * staged file.  The fd of the staged file lives in fi->fh (struct fs_file),
 * so every data operation works on an fd, including on a file unlinked
 * while open (libfuse hides it as .fuse_hiddenN until the last close).
 *
 * Tracker events (meta/job/tracker.h, all cheap by contract):
 *   open/create for writing -> tracker_open_write
 *   release of such a file  -> tracker_close_write
 *   write, truncate, create -> tracker_changed
 * A file unlinked while open was reported removed at the unlink; its later
 * events carry the hidden name, a temporary name the tracker ignores.
 *
 * Every fs_file is in the context's registry (fs->files) from open to
 * release, so that fs_release_all() can release at unmount what the kernel
 * never did, through the same code as fs_release (file_release).
 *
 * Caching: keep_cache is never set, so the page cache is dropped at open.
 * The daemon writes some files behind the kernel's back (NAME.error) and
 * a stale cache of a staged video would be worse than re-reading it.
 */
#include "fs/fs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meta/job/tracker.h"
#include "util/clock.h"

static bool is_writer(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

/* A handle for @fd, in @fs's registry.  NULL when out of memory. */
static struct fs_file *file_new(struct tiktokfs *fs, int fd)
{
	struct fs_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->fd = fd;
	pthread_mutex_lock(&fs->files_lock);
	f->next = fs->files;
	if (fs->files)
		fs->files->prev = f;
	fs->files = f;
	pthread_mutex_unlock(&fs->files_lock);
	return f;
}

static void file_unlink(struct tiktokfs *fs, struct fs_file *f)
{
	pthread_mutex_lock(&fs->files_lock);
	if (f->prev)
		f->prev->next = f->next;
	else if (fs->files == f)
		fs->files = f->next;
	if (f->next)
		f->next->prev = f->prev;
	f->prev = f->next = NULL;
	pthread_mutex_unlock(&fs->files_lock);
}

/* Close @f and tell the tracker a writer of @path (the mount's "/outbox/x"
 * form; NULL: no longer in the folders) is done.  @f is out of the
 * registry; it is freed. */
static void file_release(struct tiktokfs *fs, struct fs_file *f, const char *path)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->writer && path && fs->tracker && fs_place(path) == FS_INSIDE)
		tracker_close_write(fs->tracker, fs_rel(path), mono_real_now());
	free(f->text);
	free(f);
}

/* Attach @fd to @fi and tell the tracker about a writer. */
static int attach(const char *path, int fd, struct fuse_file_info *fi, bool created)
{
	struct tiktokfs *fs = fs_ctx();
	struct fs_file *f = file_new(fs, fd);

	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	f->writer = is_writer(fi->flags) || created;
	fi->fh = (uint64_t)(uintptr_t)f;
	fi->keep_cache = 0;
	if (fs->tracker && f->writer && fs_place(path) == FS_INSIDE) {
		tracker_open_write(fs->tracker, fs_rel(path), mono_real_now());
		if (created || (fi->flags & O_TRUNC))
			tracker_changed(fs->tracker, fs_rel(path), mono_real_now());
	}
	return 0;
}

static int open_status(const char *path, struct fuse_file_info *fi)
{
	struct fs_file *f;
	int rc;

	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC))
		return -EACCES;
	f = file_new(fs_ctx(), -1);
	if (!f)
		return -ENOMEM;
	rc = fs_status_render(path, &f->text, &f->text_len);
	if (rc < 0) {
		file_unlink(fs_ctx(), f);
		file_release(fs_ctx(), f, NULL);
		return rc;
	}
	fi->fh = (uint64_t)(uintptr_t)f;
	/* Read straight from our snapshot, whatever size the kernel cached. */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	return 0;
}

int fs_open(const char *path, struct fuse_file_info *fi)
{
	struct tiktokfs *fs = fs_ctx();
	int fd;

	switch (fs_place(path)) {
	case FS_STATUS:
		return open_status(path, fi);
	case FS_NOWHERE:
		return -ENOENT;
	case FS_ROOT:
	case FS_FOLDER:
		return -EISDIR;
	default:
		break;
	}
	/* O_NOFOLLOW: never follow a symlink someone left in the staging tree. */
	fd = openat(fs->root_fd, fs_rel(path), (fi->flags & ~O_NOFOLLOW) | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return attach(path, fd, fi, false);
}

int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct tiktokfs *fs = fs_ctx();
	int rc = fs_check_mutable(path);
	int fd;

	if (rc < 0)
		return rc;
	/* fi->flags carries the caller's O_EXCL: cp and Samba rely on it. */
	fd = openat(fs->root_fd, fs_rel(path), fi->flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    mode & 07777);
	if (fd < 0)
		return -errno;
	fs_own(fs->root_fd, NULL, fd);
	/* The kernel applied the caller's umask; the daemon's must not apply
	 * twice (a 0644 file would otherwise come out as the daemon likes). */
	rc = fchmod(fd, mode & 07777);
	(void)rc;
	return attach(path, fd, fi, true);
}

int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fs_file *f = fs_file_of(fi);
	ssize_t n;

	(void)path;
	if (f->fd < 0) {
		if (off < 0 || (size_t)off >= f->text_len)
			return 0;
		if (size > f->text_len - (size_t)off)
			size = f->text_len - (size_t)off;
		memcpy(buf, f->text + off, size);
		return (int)size;
	}
	n = pread(f->fd, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

int fs_read_buf(const char *path, struct fuse_bufvec **bufp, size_t size, off_t off,
		struct fuse_file_info *fi)
{
	struct fs_file *f = fs_file_of(fi);
	struct fuse_bufvec *bv;

	if (f->fd < 0) {
		/* STATUS.txt: a memory buffer from our snapshot. */
		bv = malloc(sizeof(*bv));
		if (!bv)
			return -ENOMEM;
		*bv = FUSE_BUFVEC_INIT(0);
		/* libfuse frees memory buffers after the reply: hand it a copy. */
		if (off >= 0 && (size_t)off < f->text_len) {
			size_t n =
			    size < f->text_len - (size_t)off ? size : f->text_len - (size_t)off;

			bv->buf[0].mem = malloc(n);
			if (!bv->buf[0].mem) {
				free(bv);
				return -ENOMEM;
			}
			memcpy(bv->buf[0].mem, f->text + off, n);
			bv->buf[0].size = n;
		}
		*bufp = bv;
		return 0;
	}
	(void)path;
	/* Hand the fd to libfuse: it splices file -> pipe -> /dev/fuse when
	 * the kernel allows, without copying through our memory. */
	bv = malloc(sizeof(*bv));
	if (!bv)
		return -ENOMEM;
	*bv = FUSE_BUFVEC_INIT(size);
	bv->buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	bv->buf[0].fd = f->fd;
	bv->buf[0].pos = off;
	*bufp = bv;
	return 0;
}

int fs_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fs_file *f = fs_file_of(fi);
	ssize_t n;

	if (f->fd < 0)
		return -EBADF;
	n = pwrite(f->fd, buf, size, off);
	if (n < 0)
		return -errno;
	fs_ev_changed(path);
	return (int)n;
}

int fs_write_buf(const char *path, struct fuse_bufvec *buf, off_t off, struct fuse_file_info *fi)
{
	struct fs_file *f = fs_file_of(fi);
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(fuse_buf_size(buf));
	ssize_t n;

	if (f->fd < 0)
		return -EBADF;
	dst.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	dst.buf[0].fd = f->fd;
	dst.buf[0].pos = off;
	/* With splice_read the data is still in the kernel pipe: this
	 * splices it into the staged file. */
	n = fuse_buf_copy(&dst, buf, FUSE_BUF_SPLICE_NONBLOCK);
	if (n < 0)
		return (int)n;
	fs_ev_changed(path);
	return (int)n;
}

int fs_flush(const char *path, struct fuse_file_info *fi)
{
	struct fs_file *f = fs_file_of(fi);
	int fd;

	(void)path;
	if (f->fd < 0)
		return 0;
	/* Called at every close(2) of a descriptor: closing a duplicate
	 * reports delayed write errors (NFS-like staging disks) and drops
	 * POSIX locks, as a local file would. */
	fd = dup(f->fd);
	if (fd < 0)
		return -errno;
	return close(fd) < 0 ? -errno : 0;
}

int fs_release(const char *path, struct fuse_file_info *fi)
{
	struct tiktokfs *fs = fs_ctx();
	struct fs_file *f = fs_file_of(fi);

	file_unlink(fs, f);
	file_release(fs, f, path);
	return 0;
}

/*
 * The name the staged file @fd has now, in the mount's form ("/outbox/x"),
 * read from /proc: no request carries a path at unmount, and the file may
 * have been renamed since it was opened (by its user or by the daemon
 * moving an item).  NULL when it was deleted or is outside the root, as a
 * removed file gets no close (meta/job/tracker.h).  Caller frees.
 */
static char *fd_path(const struct tiktokfs *fs, int fd)
{
	char link[64], target[PATH_MAX];
	size_t n = fs->root ? strlen(fs->root) : 0;
	struct stat st;
	ssize_t len;

	if (!n || fstat(fd, &st) < 0 || st.st_nlink == 0)
		return NULL; /* deleted: /proc would add " (deleted)" */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, target, sizeof(target) - 1);
	if (len <= 0 || (size_t)len >= sizeof(target) - 1)
		return NULL;
	target[len] = '\0';
	if (strncmp(target, fs->root, n) || target[n] != '/')
		return NULL;
	return strdup(target + n);
}

void fs_release_all(struct tiktokfs *fs)
{
	struct fs_file *all, *f;

	pthread_mutex_lock(&fs->files_lock);
	all = fs->files;
	fs->files = NULL;
	pthread_mutex_unlock(&fs->files_lock);
	while ((f = all)) {
		char *path = f->writer && f->fd >= 0 ? fd_path(fs, f->fd) : NULL;

		all = f->next;
		file_release(fs, f, path);
		free(path);
	}
}

int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct fs_file *f = fs_file_of(fi);

	(void)path;
	if (f->fd < 0)
		return 0;
	if ((datasync ? fdatasync(f->fd) : fsync(f->fd)) < 0)
		return -errno;
	return 0;
}

int fs_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
	struct fs_file *f = fs_file_of(fi);

	if (!f || f->fd < 0)
		return -EOPNOTSUPP;
	if (fallocate(f->fd, mode, off, len) < 0)
		/* The kernel caches ENOSYS for good: answer EOPNOTSUPP. */
		return errno == ENOSYS ? -EOPNOTSUPP : -errno;
	fs_ev_changed(path);
	return 0;
}

off_t fs_lseek(const char *path, off_t off, int whence, struct fuse_file_info *fi)
{
	struct fs_file *f = fs_file_of(fi);
	off_t r;

	(void)path;
	if (f->fd < 0)
		return -EINVAL;
	/* SEEK_DATA/SEEK_HOLE: cp and rsync skip holes of sparse files. */
	r = lseek(f->fd, off, whence);
	return r < 0 ? -errno : r;
}

ssize_t fs_copy_file_range(const char *path_in, struct fuse_file_info *fi_in, off_t off_in,
			   const char *path_out, struct fuse_file_info *fi_out, off_t off_out,
			   size_t len, int flags)
{
	struct fs_file *in = fs_file_of(fi_in), *out = fs_file_of(fi_out);
	ssize_t n;

	(void)path_in;
	/* `cp` inside the mount (posted/ back to outbox/): the staging disk
	 * copies, or reflinks, without the data crossing /dev/fuse twice. */
	if (in->fd < 0 || out->fd < 0)
		return -EOPNOTSUPP; /* STATUS.txt: the kernel falls back to read/write */
	n = copy_file_range(in->fd, &off_in, out->fd, &off_out, len, (unsigned int)flags);
	if (n < 0)
		return errno == ENOSYS ? -EOPNOTSUPP : -errno;
	fs_ev_changed(path_out);
	return n;
}

/* ---- attribute changes, on the fd when there is one ---- */

static int with_fd(const char *path, struct fuse_file_info *fi)
{
	struct fs_file *f = fs_file_of(fi);

	if (f && f->fd >= 0)
		return f->fd;
	(void)path;
	return -1;
}

/*
 * The root and the four folders keep their owner and mode: `rsync -a dir/
 * mnt/outbox/` sets the source directory's mode and times on outbox/ itself,
 * and must neither fail nor lock other users (Samba) out of a shared drop
 * folder.  So chmod/chown there succeed without changing anything (1), and
 * their times follow the staging folders (utimens passes through).
 * STATUS.txt has no attributes to change.  Returns 0 to go on, 1 to answer
 * success at once, or -errno.
 */
static int check_attr_target(const char *path, struct fuse_file_info *fi)
{
	if (with_fd(path, fi) >= 0)
		return 0;
	switch (fs_place(path)) {
	case FS_INSIDE:
		return 0;
	case FS_NOWHERE:
		return -ENOENT;
	case FS_STATUS:
		return -EPERM;
	default:
		return 1;
	}
}

int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int fd = with_fd(path, fi);
	int rc = check_attr_target(path, fi);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = fd >= 0 ? fchmod(fd, mode) : fchmodat(fs_ctx()->root_fd, fs_rel(path), mode, 0);
	return rc < 0 ? -errno : 0;
}

int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	int fd = with_fd(path, fi);
	int rc = check_attr_target(path, fi);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	/* Run as root, the kernel (default_permissions) already refused what
	 * the caller may not do; run as a user, the staging disk answers. */
	rc = fd >= 0 ? fchown(fd, uid, gid)
		     : fchownat(fs_ctx()->root_fd, fs_rel(path), uid, gid, AT_SYMLINK_NOFOLLOW);
	return rc < 0 ? -errno : 0;
}

int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	int fd = with_fd(path, fi);
	int rc = check_attr_target(path, fi);

	if (rc < 0)
		return rc;
	if (fs_place(path) == FS_ROOT && fd < 0)
		return 0;
	rc = fd >= 0 ? futimens(fd, tv)
		     : utimensat(fs_ctx()->root_fd, fs_rel(path), tv, AT_SYMLINK_NOFOLLOW);
	return rc < 0 ? -errno : 0;
}

int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	int fd = with_fd(path, fi);
	int rc = check_attr_target(path, fi);
	bool own = false;

	if (rc != 0)
		return rc < 0 ? rc : -EISDIR;
	if (fd < 0) {
		fd = openat(fs_ctx()->root_fd, fs_rel(path), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		own = true;
	}
	rc = ftruncate(fd, size) < 0 ? -errno : 0;
	if (own)
		close(fd);
	if (rc == 0)
		fs_ev_changed(path);
	return rc;
}
