/*
 * The context, path rules and the operations table of the mount.
 *
 * Invariants:
 *  - The root of the mount is read-only: it holds exactly the five folders
 *    (outbox, scheduled, posted, failed, queue), STATUS.txt and, with
 *    accounts configured, accounts/ (one folder per account, each with the
 *    same five and its own STATUS.txt, fixed in the same way:
 *    account_place).  Anything else that
 *    may sit at the top of the staging directory is invisible.  Running as
 *    root, the kernel's permission check lets uid 0 through, so the rule is
 *    enforced here, not only by the mode bits shown.
 *  - Timeouts: entries and attributes are cached for 1 s.  The daemon itself
 *    moves files behind the kernel's back (outbox/ -> posted/, NAME.error
 *    appears and disappears), so long caches would show ghosts; 1 s keeps
 *    `ls -l` of big folders from turning into one lookup per name per call
 *    while a moved item is visible in its new place within a second.
 *    Negative lookups are not cached at all: a file the daemon creates (a
 *    result in posted/, an .error) must appear at once.
 *  - An unlinked open file is hidden by libfuse (renamed to .fuse_hiddenN
 *    in its folder, unlinked at the last close), not removed at once
 *    (hard_remove): the high-level API resolves fstat() by path, and a
 *    removed node has none, so fstat on an unlinked open file would fail
 *    with ESTALE.  The hidden name is told to the tracker as a removal of
 *    the old name (FS_HIDDEN_PREFIX) and left out of listings.
 */
#include "fs/fs_int.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "meta/account.h"
#include "meta/config.h"
#include "meta/job/drop.h"
#include "meta/job/tracker.h"
#include "util/clock.h"

void fs_ctx_init(struct tiktokfs *fs)
{
	memset(fs, 0, sizeof(*fs));
	fs->root_fd = -1;
	pthread_mutex_init(&fs->files_lock, NULL);
}

void fs_ctx_destroy(struct tiktokfs *fs)
{
	pthread_mutex_destroy(&fs->files_lock);
}

struct tiktokfs *fs_ctx(void)
{
	return fuse_get_context()->private_data;
}

const char *fs_rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

/*
 * Below accounts/: a configured account's folder and its five folders are
 * fixed, like the root's (nothing else exists beside them); a folder of a
 * name the config does not have is the user's, everything in it mutable,
 * so that its items can be told they have no account (meta/job/verdict.c).
 */
static enum fs_place account_place(const struct config *cfg, const char *rel)
{
	char name[ACCOUNT_NAME_MAX + 1];
	const char *in = drop_account_rel(rel);
	const char *slash;

	if (!strcmp(rel, DROP_ACCOUNTS))
		return FS_FOLDER;
	if (drop_account_of(rel, name, sizeof(name)) < 0)
		return FS_NOWHERE;
	if (!cfg || !config_account(cfg, name))
		return FS_INSIDE;
	if (!in)
		return FS_FOLDER;
	if (!strcmp(in, FS_STATUS_NAME))
		return FS_STATUS; /* the account's own, rendered (status_file.c) */
	if (drop_folder_of(in) == DROP_NONE)
		return FS_NOWHERE;
	slash = strchr(in, '/');
	return slash && slash[1] ? FS_INSIDE : FS_FOLDER;
}

/*
 * The mount's config, from libfuse's context: inside a FUSE operation.
 * At unmount, fs_release_all() releases the handles still open from the
 * main thread, where libfuse has no context (NULL): no account is known
 * then, and releasing needs none.  Never call it where libfuse was not
 * started at all (unit tests): its thread key does not exist yet.
 */
static const struct config *placing_config(void)
{
	struct fuse_context *fc = fuse_get_context();
	struct tiktokfs *fs = fc ? fc->private_data : NULL;

	return fs ? fs->cfg : NULL;
}

enum fs_place fs_place(const char *path)
{
	return fs_place_in(placing_config(), path);
}

enum fs_place fs_place_in(const struct config *cfg, const char *path)
{
	const char *rel = fs_rel(path);
	const char *slash = strchr(rel, '/');

	if (!strcmp(rel, "."))
		return FS_ROOT;
	if (!slash && !strcmp(rel, FS_STATUS_NAME))
		return FS_STATUS;
	if (!strcmp(rel, DROP_ACCOUNTS) || !strncmp(rel, DROP_ACCOUNTS "/", 9))
		return account_place(cfg, rel);
	if (drop_folder_of(rel) != DROP_NONE)
		return slash && slash[1] ? FS_INSIDE : FS_FOLDER;
	return FS_NOWHERE;
}

bool fs_is_account_root(const char *path)
{
	const char *rel = fs_rel(path);

	return !strncmp(rel, DROP_ACCOUNTS "/", 9) && !drop_account_rel(rel) &&
	       fs_place(path) == FS_FOLDER;
}

int fs_check_mutable(const char *path)
{
	return fs_check_mutable_in(placing_config(), path);
}

int fs_check_mutable_in(const struct config *cfg, const char *path)
{
	/* A new name at the root, or the root's fixed entries: refused even
	 * for uid 0, whom the kernel's permission check lets through. */
	return fs_place_in(cfg, path) == FS_INSIDE ? 0 : -EACCES;
}

void fs_own(int dirfd, const char *rel, int fd)
{
	struct fuse_context *fc = fuse_get_context();
	struct tiktokfs *fs = fc->private_data;
	int rc;

	if (!fs->as_root)
		return;
	/* Files belong to whoever made them, as on a local disk, so that the
	 * kernel's default_permissions check and chmod/chown by the owner
	 * work the way users expect. */
	if (fd >= 0)
		rc = fchown(fd, fc->uid, fc->gid);
	else
		rc = fchownat(dirfd, rel, fc->uid, fc->gid, AT_SYMLINK_NOFOLLOW);
	(void)rc; /* best effort: the file exists either way */
}

struct fs_file *fs_file_of(const struct fuse_file_info *fi)
{
	return fi ? (struct fs_file *)(uintptr_t)fi->fh : NULL;
}

void fs_ev_changed(const char *path)
{
	struct tiktokfs *fs = fs_ctx();

	if (path && fs->tracker && fs_place(path) == FS_INSIDE)
		tracker_changed(fs->tracker, fs_rel(path), mono_real_now());
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* 1 MiB writes: libfuse 3.14's buffer holds FUSE_MAX_MAX_PAGES pages
	 * and tells the kernel max_pages accordingly. */
	conn->max_write = 1024 * 1024;
	conn->max_read = 0;
	/* Move data between /dev/fuse and the staged file with splice where
	 * the kernel allows it: write_buf() and read_buf() hand fds to
	 * fuse_buf_copy(), which splices instead of copying through a buffer. */
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE;
	if (conn->capable & FUSE_CAP_SPLICE_MOVE)
		conn->want |= FUSE_CAP_SPLICE_MOVE;
	if (conn->capable & FUSE_CAP_SPLICE_READ)
		conn->want |= FUSE_CAP_SPLICE_READ;
	/* The kernel applies the caller's umask before create/mkdir; we set
	 * the exact mode afterwards (see fs_create). */
	cfg->use_ino = 0;
	cfg->hard_remove = 0;
	cfg->nullpath_ok = 0; /* we want the current path on write, for the tracker */
	cfg->entry_timeout = 1.0;
	cfg->attr_timeout = 1.0;
	cfg->negative_timeout = 0.0;
	cfg->kernel_cache = 0;
	cfg->auto_cache = 0;
	return fuse_get_context()->private_data;
}

static const struct fuse_operations ops = {
    .init = fs_init,
    .getattr = fs_getattr,
    .readlink = fs_readlink,
    .mknod = fs_mknod,
    .mkdir = fs_mkdir,
    .unlink = fs_unlink,
    .rmdir = fs_rmdir,
    .symlink = fs_symlink,
    .link = fs_link,
    .rename = fs_rename,
    .chmod = fs_chmod,
    .chown = fs_chown,
    .truncate = fs_truncate,
    .utimens = fs_utimens,
    .create = fs_create,
    .open = fs_open,
    .read = fs_read,
    .read_buf = fs_read_buf,
    .write = fs_write,
    .write_buf = fs_write_buf,
    .flush = fs_flush,
    .release = fs_release,
    .fsync = fs_fsync,
    .fallocate = fs_fallocate,
    .lseek = fs_lseek,
    .copy_file_range = fs_copy_file_range,
    .statfs = fs_statfs,
    .opendir = fs_opendir,
    .readdir = fs_readdir,
    .releasedir = fs_releasedir,
    .fsyncdir = fs_fsyncdir,
    .setxattr = fs_setxattr,
    .getxattr = fs_getxattr,
    .listxattr = fs_listxattr,
    .removexattr = fs_removexattr,
};

const struct fuse_operations *fs_operations(void)
{
	return &ops;
}
