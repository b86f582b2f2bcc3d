/*
 * File helpers: see fileio.h.  The directory fsync after the rename is what
 * makes the rename itself survive a power cut (ext4 and xfs commit a rename
 * with the directory, not with the file).  file_mkdir_p() follows links on
 * purpose: it is for paths the operator wrote in the config or on the
 * command line, never for names a drop folder's users chose.
 */
#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/strbuf.h"

int file_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

void file_sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");

	fsync_dir(dir);
	free(dir);
}

int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool durable)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	char *tmp = slash ? xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1)
			  : xasprintf(".%s.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC), rc;

	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = fchmod(fd, mode) ? -errno : 0;
	if (!rc)
		rc = file_write_all(fd, data, len);
	if (!rc && durable && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	else if (durable)
		fsync_dir(dir);
out:
	free(dir);
	free(tmp);
	return rc;
}

/* mkdir(2) that takes an existing directory as success; with @exact, a
 * directory it makes is given @mode itself, not @mode less the umask. */
static int mkdir_one(const char *path, mode_t mode, bool exact)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return exact && chmod(path, mode) < 0 ? -errno : 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* The one mkdir -p: missing parents get @parents, the last level @leaf. */
static int mkdir_p(const char *path, mode_t parents, mode_t leaf, bool exact)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = strchr(p + 1, '/'); s && rc == 0; s = strchr(s + 1, '/')) {
		if (s[1] == '/' || s[1] == '\0')
			continue; /* "a//b", "a/": the same folder once */
		*s = '\0';
		rc = mkdir_one(p, parents, exact);
		*s = '/';
	}
	if (rc == 0)
		rc = mkdir_one(p, leaf, exact);
	free(p);
	return rc;
}

int file_mkdir_p(const char *path, mode_t mode)
{
	return mkdir_p(path, 0755, mode, false);
}

int file_mkdir_p_exact(const char *path, mode_t mode)
{
	return mkdir_p(path, mode, mode, true);
}

int file_mkdir_private(const char *path, const char **failed)
{
	const char *what = "create the directory";
	struct stat st;
	int rc = file_mkdir_p(path, 0700);

	if (rc == 0 && stat(path, &st) < 0)
		rc = -errno;
	if (rc == 0 && (st.st_mode & 07777) != 0700) {
		what = "set mode 0700";
		rc = chmod(path, 0700) < 0 ? -errno : 0;
	}
	if (rc < 0 && failed)
		*failed = what;
	return rc;
}
