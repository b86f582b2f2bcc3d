/*
 * Destination folders of an item's move, reached from the drop folder's
 * root descriptor (see outcome_int.h and util/safepath.h for why).
 *
 * The drop folder is shared and the daemon runs as root, so two attacks
 * shape this file.  A symlink planted as posted/sub would make a path-based
 * rename carry the video out of the drop folder: every component is opened
 * with O_NOFOLLOW from the one before, and a link is refused with a
 * sentence naming it.  A folder pre-created in posted/ by another user
 * would receive a victim's video and let its owner delete or hide it: a
 * folder below posted/ or failed/ is used only when it belongs to the
 * item's owner or to the daemon's own user, and is otherwise stepped aside
 * ("sub (2)").  What is checked is the opened descriptor (fstat), not the
 * name, so a swap between the look and the open is caught.
 */
#include "meta/job/outcome_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meta/job/drop.h"
#include "util/fileio.h"
#include "util/safepath.h"
#include "util/strbuf.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define RACE_TRIES 3

/* A folder the item's results may go into. */
static bool usable_owner(uid_t uid, const struct oc_owner *who)
{
	return uid == geteuid() || (who->known && uid == who->uid);
}

static void give_away(int dfd, const char *name, int fd, const struct oc_owner *who)
{
	int rc = 0;

	if (!who->known || geteuid() != 0)
		return;
	rc = fd >= 0 ? fchown(fd, who->uid, who->gid)
		     : fchownat(dfd, name, who->uid, who->gid, AT_SYMLINK_NOFOLLOW);
	(void)rc; /* checked by the caller through fstat where it matters */
}

/*
 * Open (creating it for @who when missing) the folder @name in @dfd.  fd,
 * -ELOOP for a link, -EEXIST when the name is not a folder, -EPERM when
 * it is a folder of someone else, -EAGAIN when it changed under us, else
 * -errno.  @top: @name is posted/ or failed/ itself, the daemon's own,
 * made by drop.h's rule; else a subfolder, made for @who and checked to
 * be its.
 */
static int try_folder(int dfd, const char *name, const struct oc_owner *who, bool top)
{
	struct stat st;
	bool made = false;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return -errno;
		if (mkdirat(dfd, name, top ? drop_folder_mode() : DROP_SUBFOLDER_MODE) < 0)
			return errno == EEXIST ? -EAGAIN : -errno;
		made = true;
		/* given away before we open it: the open is checked anyway */
		give_away(dfd, name, -1, who);
	} else if (S_ISLNK(st.st_mode)) {
		return -ELOOP;
	} else if (!S_ISDIR(st.st_mode)) {
		return -EEXIST;
	}
	fd = openat(dfd, name, DIR_FLAGS);
	if (fd < 0)
		return errno == ENOTDIR || errno == ELOOP || errno == ENOENT ? -EAGAIN : -errno;
	if (fstat(fd, &st) < 0 || (!top && !usable_owner(st.st_uid, who))) {
		close(fd);
		return -EPERM;
	}
	if (made && top)
		fchmod(fd, drop_folder_mode()); /* exactly, as drop_create: not less the umask */
	return fd;
}

char *oc_refusal(const char *path, int err)
{
	if (err == -ELOOP)
		return xasprintf(
		    "%s is a symbolic link; tiktokfs never follows links in the "
		    "drop folder. Replace it with a real folder (or remove it) and the "
		    "item moves there by itself",
		    path);
	if (err == -ENOTDIR || err == -EEXIST)
		return xasprintf("%s is not a folder; rename or remove it and the item moves "
				 "there by itself",
				 path);
	return xasprintf("cannot open or create %s: %s; tiktokfs tries again by itself", path,
			 strerror(-err));
}

/* One component below the top folder: @name or the first free "name (n)".
 * @at: the path so far, extended with the name used. */
static int sub_folder(int dfd, const char *name, const struct oc_owner *who, struct strbuf *at,
		      char **note, char **why)
{
	size_t max = NAME_MAX;
	long pc = fpathconf(dfd, _PC_NAME_MAX);

	if (pc > 0 && (size_t)pc < max)
		max = (size_t)pc;
	int first = 0; /* why the name itself was not used */

	for (int n = 1, tries = 0; n <= OC_MAX_SUFFIX; n++) {
		char *cand = n == 1 ? xstrdup(name) : oc_suffixed(name, 0, n, max);
		int fd = cand ? try_folder(dfd, cand, who, false) : -ENAMETOOLONG;

		if (fd == -EAGAIN && ++tries < RACE_TRIES) {
			free(cand);
			n--; /* changed while we looked: look again */
			continue;
		}
		tries = 0;
		if (n == 1)
			first = fd;
		if (fd >= 0) {
			if (n > 1 && !*note)
				*note = xasprintf(
				    "%s/%s %s, so the item went to %s/%s instead", at->buf, name,
				    first == -EPERM ? "belongs to another user" : "is not a folder",
				    at->buf, cand);
			strbuf_addf(at, "/%s", cand);
			free(cand);
			return fd;
		}
		free(cand);
		if (fd == -ELOOP && n == 1) {
			strbuf_addf(at, "/%s", name);
			*why = oc_refusal(at->buf, fd);
			return fd;
		}
		if (fd != -EEXIST && fd != -EPERM && fd != -ELOOP && fd != -EAGAIN) {
			strbuf_addf(at, "/%s", name);
			*why = oc_refusal(at->buf, fd);
			return fd;
		}
	}
	*why = xasprintf("no free folder name beside %s/%s after %d tries", at->buf, name,
			 OC_MAX_SUFFIX);
	return -EEXIST;
}

/* The top folder, posted or failed: the daemon's own, created if missing. */
static int top_folder(int root_fd, const char *name, struct strbuf *at, char **why)
{
	struct oc_owner nobody = {0, 0, false};
	int fd = -EAGAIN;

	for (int tries = 0; tries < RACE_TRIES; tries++) {
		fd = try_folder(root_fd, name, &nobody, true);
		if (fd != -EAGAIN)
			break;
	}
	strbuf_addstr(at, name);
	if (fd < 0)
		*why = oc_refusal(at->buf, fd == -EAGAIN ? -ELOOP : fd);
	return fd;
}

int oc_open_dest(int root_fd, const char *rel, const struct oc_owner *who, char **used, char **note,
		 char **why)
{
	struct strbuf at = STRBUF_INIT;
	const char *p = rel;
	int fd = -EINVAL;

	*used = *note = *why = NULL;
	strbuf_init(&at);
	while (*p) {
		size_t n = strcspn(p, "/");
		char *name = xstrndup(p, n);
		int next;

		if (!strcmp(name, ".") || !strcmp(name, "..") || n > NAME_MAX)
			next = -EINVAL;
		else if (fd == -EINVAL)
			next = top_folder(root_fd, name, &at, why);
		else
			next = sub_folder(fd, name, who, &at, note, why);
		free(name);
		if (fd >= 0)
			close(fd);
		fd = next;
		if (fd < 0)
			break;
		p += n;
		while (*p == '/')
			p++;
	}
	if (fd == -EINVAL && !*why)
		*why = xasprintf("%s is not a folder tiktokfs can use", rel);
	if (fd >= 0)
		*used = strbuf_detach(&at, NULL);
	else
		strbuf_release(&at);
	return fd;
}

char *oc_link_on_path(int root_fd, const char *rel)
{
	struct stat st;

	for (const char *s = strchr(rel, '/');; s = strchr(s + 1, '/')) {
		char *prefix = s ? xstrndup(rel, (size_t)(s - rel)) : xstrdup(rel);

		if (sp_lstat(root_fd, prefix, &st) == 0 && S_ISLNK(st.st_mode))
			return prefix;
		free(prefix);
		if (!s)
			return NULL;
	}
}

int oc_write_at(int dfd, const char *name, const char *text, const struct oc_owner *who)
{
	char tmp[40];
	unsigned int r = 0;
	int fd = -1, rc;

	for (int i = 0; i < 8 && fd < 0; i++) {
		if (getrandom(&r, sizeof(r), 0) < 0)
			r ^= (unsigned int)getpid() * 2654435761u + (unsigned int)i;
		/* short and dotted: fits beside a 255-byte name, never an item */
		snprintf(tmp, sizeof(tmp), ".tiktokfs-error.%08x", r);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	give_away(dfd, tmp, fd, who);
	rc = file_write_all(fd, text, strlen(text));
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	/* replaces whatever sits at @name (even a link), never follows it */
	if (!rc && renameat(dfd, tmp, dfd, name) < 0)
		rc = -errno;
	if (rc)
		unlinkat(dfd, tmp, 0);
	else
		fsync(dfd);
	return rc;
}
