/*
 * A FUSE mount of a local folder, for the polling tests of watch mode when
 * no NFS or CIFS client can be mounted (no kernel module in a container).
 * What matters is what such a file system shares with them: a file written
 * into the folder behind the mount (the "server side") makes no inotify
 * event on the mount, and statfs says FUSE, so `tiktokfs watch` has to find
 * it by polling.  Inode numbers are the folder's own (use_ino), as NFS and
 * CIFS give the server's, so a rename keeps its inode.
 *
 *   passthrough BACKING MOUNTPOINT [FUSE options]   (runs in the foreground)
 *
 * Each operation maps one request onto one system call on BACKING + path,
 * as libfuse's example/passthrough.c does; only what the tests and the
 * daemon use is here.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 314
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *backing;

static const char *real(const char *path, char *buf)
{
	snprintf(buf, PATH_MAX, "%s%s", backing, path);
	return buf;
}

#define REAL(p) real((p), (char[PATH_MAX]){ 0 })
#define RET(expr) return (expr) < 0 ? -errno : 0

static void *pt_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->use_ino = 1;
	return NULL;
}

static int pt_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	if (fi)
		RET(fstat((int)fi->fh, st));
	RET(lstat(REAL(path), st));
}

static int pt_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	DIR *d = opendir(REAL(path));
	struct dirent *de;

	(void)off, (void)fi, (void)flags;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct stat st = { .st_ino = de->d_ino, .st_mode = (mode_t)de->d_type << 12 };

		if (fill(buf, de->d_name, &st, 0, 0))
			break;
	}
	closedir(d);
	return 0;
}

static int pt_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink(REAL(path), buf, size - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int pt_mkdir(const char *path, mode_t mode)
{
	RET(mkdir(REAL(path), mode));
}

static int pt_unlink(const char *path)
{
	RET(unlink(REAL(path)));
}

static int pt_rmdir(const char *path)
{
	RET(rmdir(REAL(path)));
}

static int pt_symlink(const char *target, const char *path)
{
	RET(symlink(target, REAL(path)));
}

static int pt_rename(const char *from, const char *to, unsigned int flags)
{
	RET(renameat2(AT_FDCWD, REAL(from), AT_FDCWD, REAL(to), flags));
}

static int pt_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	if (fi)
		RET(fchmod((int)fi->fh, mode));
	RET(chmod(REAL(path), mode));
}

static int pt_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	if (fi)
		RET(fchown((int)fi->fh, uid, gid));
	RET(lchown(REAL(path), uid, gid));
}

static int pt_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	if (fi)
		RET(ftruncate((int)fi->fh, size));
	RET(truncate(REAL(path), size));
}

static int pt_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	if (fi)
		RET(futimens((int)fi->fh, tv));
	RET(utimensat(AT_FDCWD, REAL(path), tv, AT_SYMLINK_NOFOLLOW));
}

static int pt_open(const char *path, struct fuse_file_info *fi)
{
	int fd = open(REAL(path), fi->flags & ~O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int pt_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int fd = open(REAL(path), fi->flags, mode);

	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int pt_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	ssize_t n = pread((int)fi->fh, buf, size, off);

	(void)path;
	return n < 0 ? -errno : (int)n;
}

static int pt_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	ssize_t n = pwrite((int)fi->fh, buf, size, off);

	(void)path;
	return n < 0 ? -errno : (int)n;
}

static int pt_statfs(const char *path, struct statvfs *st)
{
	RET(statvfs(REAL(path), st));
}

static int pt_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close((int)fi->fh);
	return 0;
}

static int pt_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	RET(datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh));
}

static int pt_setxattr(const char *path, const char *name, const char *value, size_t size,
		       int flags)
{
	RET(lsetxattr(REAL(path), name, value, size, flags));
}

static int pt_getxattr(const char *path, const char *name, char *value, size_t size)
{
	ssize_t n = lgetxattr(REAL(path), name, value, size);

	return n < 0 ? -errno : (int)n;
}

static int pt_listxattr(const char *path, char *list, size_t size)
{
	ssize_t n = llistxattr(REAL(path), list, size);

	return n < 0 ? -errno : (int)n;
}

static int pt_removexattr(const char *path, const char *name)
{
	RET(lremovexattr(REAL(path), name));
}

static const struct fuse_operations ops = {
	.init = pt_init,
	.getattr = pt_getattr,
	.readlink = pt_readlink,
	.readdir = pt_readdir,
	.mkdir = pt_mkdir,
	.unlink = pt_unlink,
	.rmdir = pt_rmdir,
	.symlink = pt_symlink,
	.rename = pt_rename,
	.chmod = pt_chmod,
	.chown = pt_chown,
	.truncate = pt_truncate,
	.utimens = pt_utimens,
	.open = pt_open,
	.create = pt_create,
	.read = pt_read,
	.write = pt_write,
	.statfs = pt_statfs,
	.release = pt_release,
	.fsync = pt_fsync,
	.setxattr = pt_setxattr,
	.getxattr = pt_getxattr,
	.listxattr = pt_listxattr,
	.removexattr = pt_removexattr,
};

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: passthrough BACKING MOUNTPOINT [FUSE options]\n");
		return 2;
	}
	backing = realpath(argv[1], NULL);
	if (!backing) {
		perror(argv[1]);
		return 1;
	}
	argv[1] = argv[0];
	return fuse_main(argc - 1, argv + 1, &ops, NULL);
}
