/*
 * Component-by-component path walking below a root descriptor; see
 * safepath.h for why.  Paths are at most PATH_MAX bytes; each component is
 * copied into a buffer of NAME_MAX + 1 so that the walk never writes into
 * the caller's string.
 */
#include "util/safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

int sp_open_root(const char *root)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* Copy the component of @p that ends at '/' or NUL into @out; return the
 * length, or -errno for an empty, "." / ".." or over-long component. */
static int component(const char *p, char out[NAME_MAX + 1])
{
	size_t n = strcspn(p, "/");

	if (n == 0 || n > NAME_MAX)
		return n ? -ENAMETOOLONG : -EINVAL;
	memcpy(out, p, n);
	out[n] = '\0';
	if (!strcmp(out, ".") || !strcmp(out, ".."))
		return -EINVAL;
	return (int)n;
}

/* openat one directory level; a symlink gives ELOOP, a file ENOTDIR. */
static int step_dir(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, DIR_FLAGS);
	struct stat st;

	if (fd >= 0)
		return fd;
	/* O_DIRECTORY | O_NOFOLLOW on a symlink says ENOTDIR; callers (and
	 * the people they tell) need to know it was a link. */
	if (errno == ENOTDIR && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return -ELOOP;
	return -errno;
}

/* How missing components are made while walking (sp_mkdir_p), if at all. */
struct make {
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/* Create @name in @dirfd for @mk unless it exists.  0 or -errno. */
static int make_dir(int dirfd, const char *name, const struct make *mk)
{
	if (mkdirat(dirfd, name, mk->mode) == 0) {
		/* Given away before anyone else can use it: the fd the walk
		 * opens next is checked to be a directory, not a link. */
		if (mk->uid != (uid_t)-1 &&
		    fchownat(dirfd, name, mk->uid, mk->gid, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		return 0;
	}
	return errno == EEXIST ? 0 : -errno;
}

/* Walk @n bytes of @rel (whole components) from @root_fd, making missing
 * directories on the way when @mk is not NULL. */
static int walk(int root_fd, const char *rel, size_t n, const struct make *mk)
{
	char name[NAME_MAX + 1];
	int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
	size_t i = 0;

	if (fd < 0)
		return -errno;
	while (i < n) {
		int len, next;

		if (rel[i] == '/') {
			i++;
			continue;
		}
		len = component(rel + i, name);
		next = len < 0 ? len : mk ? make_dir(fd, name, mk) : 0;
		if (next == 0)
			next = step_dir(fd, name);
		close(fd);
		if (next < 0)
			return next;
		fd = next;
		i += (size_t)len;
	}
	return fd;
}

int sp_open_dir(int root_fd, const char *rel)
{
	if (!strcmp(rel, "."))
		rel = "";
	if (strlen(rel) >= PATH_MAX)
		return -ENAMETOOLONG;
	return walk(root_fd, rel, strlen(rel), NULL);
}

int sp_open_parent(int root_fd, const char *rel, const char **base)
{
	size_t len = strlen(rel);
	const char *slash;
	char name[NAME_MAX + 1];
	int rc;

	while (len > 0 && rel[len - 1] == '/')
		len--; /* "a/b/" names b */
	if (len == 0 || len >= PATH_MAX)
		return len ? -ENAMETOOLONG : -EINVAL;
	slash = memrchr(rel, '/', len);
	*base = slash ? slash + 1 : rel;
	rc = component(*base, name);
	if (rc < 0)
		return rc;
	return walk(root_fd, rel, slash ? (size_t)(slash - rel) : 0, NULL);
}

/* The checks of sp_open_regular() on what fstat(at) reported. */
static int regular_one_name(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return -ELOOP;
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	if (st->st_nlink > 1)
		return -EMLINK;
	return 0;
}

int sp_check_regular(int root_fd, const char *rel, struct stat *st)
{
	struct stat local;
	const char *base;
	int dfd, rc;

	if (!st)
		st = &local;
	dfd = sp_open_parent(root_fd, rel, &base);
	if (dfd < 0)
		return dfd;
	rc = fstatat(dfd, base, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : regular_one_name(st);
	close(dfd);
	return rc;
}

int sp_open_regular(int root_fd, const char *rel, struct stat *st)
{
	struct stat local, got;
	const char *base;
	int dfd, fd, rc;

	if (!st)
		st = &local;
	dfd = sp_open_parent(root_fd, rel, &base);
	if (dfd < 0)
		return dfd;
	/* Look before opening: opening a device node or a FIFO has effects
	 * (a tape rewinds, a writer wakes up) even when we then refuse it. */
	if (fstatat(dfd, base, st, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = -errno;
		goto out;
	}
	if ((rc = regular_one_name(st)) < 0)
		goto out;
	/* O_NONBLOCK: a FIFO swapped in after the look must not hang us. */
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	/* What we opened is what counts: the name may have changed since. */
	if (fstat(fd, &got) < 0) {
		rc = -errno;
		close(fd);
		goto out;
	}
	*st = got;
	if ((rc = regular_one_name(&got)) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		if (rc == 0)
			rc = -errno;
		close(fd);
		goto out;
	}
	rc = fd;
out:
	close(dfd);
	return rc;
}

static const char *kind_of(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a folder";
	if (S_ISFIFO(mode))
		return "a FIFO (named pipe)";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISLNK(mode))
		return "a symbolic link";
	return "not a regular file";
}

const char *sp_describe(int err, const struct stat *st, char *buf, size_t size)
{
	switch (err) {
	case -ELOOP:
		return "it is a symbolic link, or its path goes through one; "
		       "copy the file itself into the folder";
	case -EINVAL:
		snprintf(buf, size, "it is %s, not a regular file", kind_of(st->st_mode));
		return buf;
	case -EMLINK:
		snprintf(buf, size,
			 "it has %ju hard links; copy the file into the folder "
			 "instead of linking it",
			 (uintmax_t)st->st_nlink);
		return buf;
	case -ENOTDIR:
		return "a folder on its path is not a folder";
	default:
		snprintf(buf, size, "it cannot be opened: %s", strerror(-err));
		return buf;
	}
}

int sp_mkdir_p(int root_fd, const char *rel, mode_t mode, uid_t uid, gid_t gid)
{
	const struct make mk = {.mode = mode, .uid = uid, .gid = gid};

	if (strlen(rel) >= PATH_MAX)
		return -ENAMETOOLONG;
	return walk(root_fd, rel, strlen(rel), &mk);
}

int sp_rename(int root_fd, const char *from, const char *to, unsigned int flags)
{
	const char *fb, *tb;
	int ffd, tfd, rc;

	ffd = sp_open_parent(root_fd, from, &fb);
	if (ffd < 0)
		return ffd;
	tfd = sp_open_parent(root_fd, to, &tb);
	if (tfd < 0) {
		close(ffd);
		return tfd;
	}
	rc = renameat2(ffd, fb, tfd, tb, flags) < 0 ? -errno : 0;
	close(tfd);
	close(ffd);
	return rc;
}

int sp_unlink(int root_fd, const char *rel)
{
	const char *base;
	int dfd = sp_open_parent(root_fd, rel, &base);
	int rc;

	if (dfd < 0)
		return dfd;
	rc = unlinkat(dfd, base, 0) < 0 ? -errno : 0;
	close(dfd);
	return rc;
}

int sp_lstat(int root_fd, const char *rel, struct stat *st)
{
	const char *base;
	int dfd = sp_open_parent(root_fd, rel, &base);
	int rc;

	if (dfd < 0)
		return dfd;
	rc = fstatat(dfd, base, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	close(dfd);
	return rc;
}
