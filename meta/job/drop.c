/*
 * The drop folder's names and folders (see drop.h): pure functions on
 * relative paths, and drop_create(), which makes the five folders by the
 * one mode rule stated in drop.h.  What used to be spelled in the tracker,
 * the filesystem, watch mode and the daemon is here.
 */
#include "meta/job/drop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"
#include "meta/account.h"
#include "meta/config.h"
#include "util/path.h"
#include "util/safepath.h"
#include "util/strbuf.h"

static const char *const folder_names[DROP_NFOLDERS] = {
    [DROP_OUTBOX] = "outbox",
    [DROP_SCHEDULED] = "scheduled",
    [DROP_POSTED] = "posted",
    [DROP_FAILED] = "failed",
    [DROP_QUEUE] = "queue",
};

const char *drop_folder_name(enum drop_folder f)
{
	return f >= 0 && f < DROP_NFOLDERS ? folder_names[f] : NULL;
}

/* The NAME of "accounts/NAME/..." into @buf (ACCOUNT_NAME_MAX + 1 bytes)
 * and what follows its slash into *@rest ("" when none); false when @path
 * (slashes skipped) is not below accounts/ or NAME is no account name. */
static bool account_part(const char *path, char *buf, const char **rest)
{
	size_t k = strlen(DROP_ACCOUNTS), n;
	char why[8];

	if (strncmp(path, DROP_ACCOUNTS, k) || path[k] != '/')
		return false;
	path += k + 1;
	n = strcspn(path, "/");
	if (n == 0 || n > ACCOUNT_NAME_MAX)
		return false;
	memcpy(buf, path, n);
	buf[n] = '\0';
	if (account_name_check(buf, why, sizeof(why)))
		return false;
	*rest = path[n] ? path + n + 1 : path + n;
	return true;
}

const char *drop_account_rel(const char *path)
{
	char name[ACCOUNT_NAME_MAX + 1];
	const char *rest;

	if (!path)
		return NULL;
	while (*path == '/')
		path++;
	if (account_part(path, name, &rest))
		return *rest ? rest : NULL;
	if (!strcmp(path, DROP_ACCOUNTS) || !strncmp(path, DROP_ACCOUNTS "/", 9))
		return NULL;
	return path;
}

int drop_account_of(const char *path, char *buf, size_t size)
{
	char name[ACCOUNT_NAME_MAX + 1];
	const char *rest;

	if (!path)
		return -ENOENT;
	while (*path == '/')
		path++;
	if (account_part(path, name, &rest))
		return snprintf(buf, size, "%s", name) < (int)size ? 0 : -ENAMETOOLONG;
	if (!strcmp(path, DROP_ACCOUNTS) || !strncmp(path, DROP_ACCOUNTS "/", 9))
		return -ENOENT;
	return snprintf(buf, size, "%s", DROP_DEFAULT_ACCOUNT) < (int)size ? 0 : -ENAMETOOLONG;
}

int drop_account_folder(const char *account, enum drop_folder f, char *buf, size_t size)
{
	int n;

	if (!drop_folder_name(f))
		return -EINVAL;
	if (!account || !strcmp(account, DROP_DEFAULT_ACCOUNT))
		n = snprintf(buf, size, "%s", drop_folder_name(f));
	else
		n = snprintf(buf, size, "%s/%s/%s", DROP_ACCOUNTS, account, drop_folder_name(f));
	return n >= 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

enum drop_folder drop_folder_of(const char *path)
{
	size_t n;

	path = drop_account_rel(path);
	if (!path)
		return DROP_NONE;
	n = strcspn(path, "/");
	for (int i = 0; i < DROP_NFOLDERS; i++)
		if (strlen(folder_names[i]) == n && !strncmp(path, folder_names[i], n))
			return (enum drop_folder)i;
	return DROP_NONE;
}

bool drop_in_staging(const char *path)
{
	enum drop_folder f = drop_folder_of(path);

	return f == DROP_OUTBOX || f == DROP_SCHEDULED || f == DROP_QUEUE;
}

bool drop_in_scheduled(const char *path)
{
	return drop_folder_of(path) == DROP_SCHEDULED;
}

bool drop_in_queue(const char *path)
{
	return drop_folder_of(path) == DROP_QUEUE;
}

/*
 * True when no component of @path after the top folder and before @end
 * starts with a dot or is empty ("outbox//x", "outbox/sub/").  Two copies
 * of this rule disagreed on empty components (watch mode let "outbox//x"
 * through, the tracker a trailing slash); no tool makes such names, so
 * both are refused.
 */
static bool visible_upto(const char *path, const char *end)
{
	path = drop_account_rel(path);
	if (!path)
		return false;
	for (const char *p = strchr(path, '/'); p && p + 1 < end; p = strchr(p + 1, '/'))
		if (p[1] == '.' || p[1] == '/' || p[1] == '\0')
			return false;
	return true;
}

bool drop_dir_visible(const char *dir)
{
	return dir && drop_in_staging(dir) && visible_upto(dir, dir + strlen(dir) + 1);
}

bool drop_is_temp_name(const char *name)
{
	static const char *const suffixes[] = {".part", ".partial",  ".crdownload",
					       ".tmp",	".filepart", ".download"};

	if (!name || !*name || name[0] == '.' || name[0] == '~')
		return true;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (has_suffix_ci(name, suffixes[i]))
			return true;
	return false;
}

bool drop_is_video_name(const char *name)
{
	static const char *const exts[] = {"mp4",  "mov",  "m4v", "3gp", "3g2",
					   "webm", "mkv",  "avi", "mpg", "mpeg",
					   "ts",   "m2ts", "mts", "wmv", "asf"};
	const char *dot;

	if (drop_is_temp_name(name))
		return false;
	dot = strrchr(name, '.');
	if (!dot || dot == name)
		return false;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (!strcasecmp(dot + 1, exts[i]))
			return true;
	return false;
}

bool drop_is_caption_name(const char *name)
{
	return !drop_is_temp_name(name) && has_suffix_ci(name, ".caption");
}

enum drop_kind drop_classify(const char *path)
{
	const char *base = path_base(path);

	if (!drop_in_staging(path) || base == path || !visible_upto(path, base))
		return DROP_NOT_ITEM;
	if (drop_is_video_name(base))
		return DROP_VIDEO;
	if (drop_is_caption_name(base))
		return DROP_CAPTION;
	return DROP_NOT_ITEM;
}

/* ---- creating the folders ---- */

/* One folder below @root_fd, made only when missing, with its mode set
 * exactly (mkdir's mode is narrowed by the umask). */
static int make_folder(int root_fd, const char *name, mode_t mode)
{
	struct stat sb;
	int rc = sp_lstat(root_fd, name, &sb);
	int fd;

	if (rc != -ENOENT)
		return rc == 0 ? 0 : rc;
	fd = sp_mkdir_p(root_fd, name, mode, (uid_t)-1, (gid_t)-1);
	if (fd < 0)
		return fd;
	rc = fchmod(fd, mode) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* Something that is not a directory is at @path (links followed: the
 * root is the administrator's path). */
static bool is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode);
}

mode_t drop_folder_mode(void)
{
	return geteuid() == 0 ? DROP_FOLDER_MODE_SHARED : DROP_FOLDER_MODE_OWN;
}

/* The five folders below @root_fd, in @dir ("accounts/NAME") or at the
 * root (NULL), by the mode rule. */
static int make_folders(const char *root, int root_fd, const char *dir, struct tt_error *err)
{
	mode_t mode = drop_folder_mode();
	char rel[sizeof(DROP_ACCOUNTS) + ACCOUNT_NAME_MAX + 16];
	int rc = 0;

	for (int i = 0; i < DROP_NFOLDERS && rc == 0; i++) {
		snprintf(rel, sizeof(rel), "%s%s%s", dir ? dir : "", dir ? "/" : "",
			 folder_names[i]);
		rc = make_folder(root_fd, rel, mode);
		if (rc < 0) {
			tt_error_set(err, ERR_USER, "%s/%s: cannot create the directory: %s", root,
				     rel, strerror(-rc));
			tt_error_advise(err, "Check the path and its permissions.");
		}
	}
	return rc;
}

int drop_create(const char *root, struct tt_error *err)
{
	int root_fd, rc;

	/* What it creates, parents and the root alike, gets DROP_ROOT_MODE
	 * exactly: a parent is on the way to the root, so it must let people
	 * through as well.  A file where the root goes is named below. */
	rc = file_mkdir_p_exact(root, DROP_ROOT_MODE);
	if (rc < 0 && !(rc == -ENOTDIR && is_file(root))) {
		tt_error_set(err, ERR_USER, "%s: cannot create the directory: %s", root,
			     strerror(-rc));
		tt_error_advise(err, "Check the path and its permissions.");
		return rc;
	}
	root_fd = sp_open_root(root);
	if (root_fd == -ENOTDIR) {
		tt_error_set(err, ERR_USER, "%s: not a directory", root);
		tt_error_advise(err, "Name a directory, or remove the file that has its name.");
		return root_fd;
	}
	if (root_fd < 0) {
		tt_error_set(err, ERR_USER, "%s: cannot open it: %s", root, strerror(-root_fd));
		tt_error_advise(err, "Check its permissions.");
		return root_fd;
	}
	rc = make_folders(root, root_fd, NULL, err);
	close(root_fd);
	return rc;
}

/* What a non-directory is, for a person. */
static const char *kind_name(mode_t mode)
{
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISFIFO(mode))
		return "a FIFO (named pipe)";
	if (S_ISREG(mode))
		return "a file";
	if (S_ISSOCK(mode))
		return "a socket";
	return S_ISCHR(mode) || S_ISBLK(mode) ? "a device node" : "not a folder";
}

/*
 * accounts/ and accounts/@name are folders or missing.  Anything else was
 * put there by someone who could write in the drop folder (a share user's
 * symlink to elsewhere, a FIFO that would hang a walk): no account folder
 * is made through it, and the administrator is told what is in the way.
 * 0 or -ENOTDIR with @err.
 */
static int check_account_path(const char *root, int root_fd, const char *rel, const char *name,
			      struct tt_error *err)
{
	struct stat sb;
	int rc = sp_lstat(root_fd, rel, &sb);

	if (rc == -ENOENT || (rc == 0 && S_ISDIR(sb.st_mode)))
		return 0;
	if (rc < 0 && rc != -ELOOP && rc != -ENOTDIR) {
		tt_error_set(err, ERR_USER, "%s/%s: cannot look at it: %s", root, rel,
			     strerror(-rc));
		return rc;
	}
	tt_error_set(err, ERR_USER,
		     "%s/%s: it is %s, not a folder: tiktokfs makes no folders of account %s "
		     "through it",
		     root, rel, rc == 0 ? kind_name(sb.st_mode) : "below a symbolic link", name);
	tt_error_advise(err, "Someone who can write in the drop folder put it there: remove it, "
			     "then send SIGHUP again (or restart) to make the account's folders.");
	return -ENOTDIR;
}

int drop_create_account(const char *root, const char *name, struct tt_error *err)
{
	char dir[sizeof(DROP_ACCOUNTS) + ACCOUNT_NAME_MAX + 2];
	int root_fd, rc;

	if (account_name_check(name, dir, sizeof(dir))) {
		tt_error_set(err, ERR_USER, "account %s: not a folder name", name);
		return -EINVAL;
	}
	root_fd = sp_open_root(root);
	if (root_fd < 0) {
		tt_error_set(err, ERR_USER, "%s: cannot open it: %s", root, strerror(-root_fd));
		tt_error_advise(err, "Check its permissions.");
		return root_fd;
	}
	snprintf(dir, sizeof(dir), "%s/%s", DROP_ACCOUNTS, name);
	if ((rc = check_account_path(root, root_fd, DROP_ACCOUNTS, name, err)) < 0 ||
	    (rc = check_account_path(root, root_fd, dir, name, err)) < 0)
		goto out;
	rc = make_folder(root_fd, DROP_ACCOUNTS, DROP_ROOT_MODE);
	if (rc == 0)
		rc = make_folder(root_fd, dir, DROP_ROOT_MODE);
	if (rc < 0) {
		tt_error_set(err, ERR_USER, "%s/%s: cannot create the directory: %s", root, dir,
			     strerror(-rc));
		tt_error_advise(err, "Check the path and its permissions.");
	} else {
		rc = make_folders(root, root_fd, dir, err);
	}
out:
	close(root_fd);
	return rc;
}

int drop_create_accounts(const char *root, const struct config *cfg, struct tt_error *err)
{
	int rc = 0;

	for (size_t i = 0; cfg && i < cfg->n_accounts && rc == 0; i++)
		if (strcmp(cfg->accounts[i].name, DROP_DEFAULT_ACCOUNT))
			rc = drop_create_account(root, cfg->accounts[i].name, err);
	return rc;
}
