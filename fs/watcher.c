/*
 * inotify to tracker events for watch mode (see watcher.h for the mapping).
 *
 * Bookkeeping, and its invariants:
 *  - dirs: every watch descriptor with the directory's path relative to the
 *    root ("" for the root).  A renamed directory keeps its descriptor, so
 *    the paths of it and everything below are rewritten on the rename.
 *  - writers: files we saw created and whose IN_CLOSE_WRITE has not come;
 *    each one has told the tracker tracker_open_write exactly once per
 *    count, and leaves by tracker_close_write (a close, a quiet timeout, an
 *    overflow) or by disappearing (the tracker forgot it on the removal).
 *  - a MOVED_FROM waits for its MOVED_TO (same cookie) until the next event
 *    that touches the same path, or until WATCH_PAIR_WAIT passes: the pair
 *    is queued back to back by the kernel but a read may split it.
 */
#include "fs/watcher.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fstype.h"
#include "fs/mirror.h"
#include "meta/job/drop.h"
#include "fs/poller.h"
#include "meta/job/tracker.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"
#include "util/safepath.h"
#include "util/strbuf.h"
#include "util/path.h"

#define WATCH_PAIR_WAIT 0.05 /* s */
#define WALK_MAX_DEPTH 64

#define DIR_MASK                                                                                   \
	(IN_CREATE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO |        \
	 IN_DELETE | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)
#define ROOT_MASK (IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW)

struct wdir {
	int wd;
	char *path;
};

struct writer {
	char *path;
	int count;
	double last; /* monotonic time of its last write */
};

struct watcher {
	int fd;
	char *root;
	int root_fd;  /* every directory below is reached from it */
	double quiet; /* seconds without a write before a writer counts as closed */
	struct tracker *t;
	struct wdir *dirs;
	size_t ndirs, adirs;
	struct writer *writers;
	size_t nwriters, awriters;
	/* one MOVED_FROM waiting for its pair */
	bool from_pending;
	uint32_t from_cookie;
	char *from_path;
	bool from_dir;
	double from_deadline;
	bool warned_limit;
	/* polling instead of inotify (fs/poller.h): every call goes there */
	struct poller *poller;
	char *how; /* "inotify" or why and how often it polls */
};

/* ---- names ---- */

/* Our own files and the tracker's error files (and the temporaries they
 * are written through, ".NAME.error.XXXXXX"): never item events. */
static bool ignored_file(const char *name)
{
	return mirror_own_name(name) || has_suffix(name, ".error") ||
	       (name[0] == '.' && strstr(name, ".error."));
}

static char *join(const char *dir, const char *name)
{
	return *dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
}

/* ---- directories ---- */

static struct wdir *dir_by_wd(struct watcher *w, int wd)
{
	for (size_t i = 0; i < w->ndirs; i++)
		if (w->dirs[i].wd == wd)
			return &w->dirs[i];
	return NULL;
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

static void dir_forget(struct watcher *w, size_t i)
{
	free(w->dirs[i].path);
	w->dirs[i] = w->dirs[--w->ndirs];
}

/* Remember that @wd watches @rel (a directory moved keeps its wd). */
static void dir_note(struct watcher *w, int wd, const char *rel)
{
	struct wdir *d;

	if ((d = dir_by_wd(w, wd))) { /* the same directory, moved */
		free(d->path);
		d->path = xstrdup(rel);
		return;
	}
	ALLOC_GROW(w->dirs, w->ndirs + 1, w->adirs);
	w->dirs[w->ndirs++] = (struct wdir){wd, xstrdup(rel)};
}

/*
 * Watch the directory @rel.  The root is the administrator's path; any
 * other is opened from the root descriptor without following links
 * (util/safepath.h), and the watch is put on that descriptor through
 * /proc/self/fd: a path would follow a folder swapped for a symlink on the
 * way, which IN_DONT_FOLLOW checks only at its end.  Returns the open
 * directory (caller closes) for the listing, or -errno: -ELOOP for a
 * symlinked folder, which is neither watched nor listed.
 */
static int add_watch(struct watcher *w, const char *rel, uint32_t mask)
{
	char proc[64];
	int fd = -1, wd;

	if (*rel) {
		fd = sp_open_dir(w->root_fd, rel);
		if (fd < 0) {
			if (fd == -ELOOP)
				log_info("%s/%s: a symbolic link to a folder; not looked into",
					 w->root, rel);
			return fd;
		}
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		wd = inotify_add_watch(w->fd, proc, mask & ~IN_DONT_FOLLOW);
	} else {
		wd = inotify_add_watch(w->fd, w->root, mask);
	}
	if (wd < 0) {
		if (errno == ENOSPC && !w->warned_limit) {
			log_err("%s/%s: cannot watch it: the inotify watch limit is reached; raise "
				"fs.inotify.max_user_watches (sysctl)",
				w->root, rel);
			w->warned_limit = true;
		} else if (errno != ENOENT && errno != ENOTDIR) {
			log_warn("%s/%s: cannot watch it: %s", w->root, rel, strerror(errno));
		}
	} else {
		dir_note(w, wd, rel);
	}
	return fd;
}

/* A folder named like a caption is refused on its items: the tracker
 * hears of it as of a file. */
static void report_dir(struct watcher *w, const char *rel, double now)
{
	if (w->t && drop_is_caption_name(path_base(rel)))
		tracker_changed(w->t, rel, now);
}

/* Watch @rel and every directory below it; with @report, tell the tracker
 * of each file found (they were created before the watch could see them).
 * Entries are looked at with fstatat(AT_SYMLINK_NOFOLLOW) and never
 * opened: a FIFO, a socket or a device is reported by name only. */
static void add_tree(struct watcher *w, const char *rel, bool report, double now, int depth)
{
	DIR *dir;
	struct dirent *de;
	int fd;

	if (!drop_dir_visible(rel) || depth > WALK_MAX_DEPTH)
		return;
	/* the watch first, then the listing: a file created in between is
	 * seen twice, never missed */
	fd = add_watch(w, rel, DIR_MASK);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		struct stat sb;
		char *child;

		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		if (fstatat(dirfd(dir), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		child = join(rel, de->d_name);
		if (S_ISDIR(sb.st_mode)) {
			add_tree(w, child, report, now, depth + 1);
			if (report)
				report_dir(w, child, now);
		} else if (report && w->t && !ignored_file(de->d_name)) {
			tracker_changed(w->t, child, now);
		}
		free(child);
	}
	closedir(dir);
}

/* ---- accounts/NAME/ (meta/job/drop.h) ---- */

/* "accounts" or "accounts/NAME": a folder that holds folders, not items. */
static bool account_level(const char *rel)
{
	char name[80];

	return !strcmp(rel, DROP_ACCOUNTS) ||
	       (!drop_account_rel(rel) && drop_account_of(rel, name, sizeof(name)) == 0);
}

/*
 * Watch accounts/ (@rel "accounts") and each account's folder below it, or
 * one account's folder (@rel "accounts/NAME"), like the root: for the
 * staging folders made in it; and watch the staging folders themselves.
 * Every name that can be an account is watched, configured or not: an
 * item of an unknown account is refused by name (meta/job/verdict.c).
 */
static void add_accounts(struct watcher *w, const char *rel, bool report, double now)
{
	static const enum drop_folder staging[] = {DROP_OUTBOX, DROP_SCHEDULED, DROP_QUEUE};
	int fd = add_watch(w, rel, ROOT_MASK);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while (!strcmp(rel, DROP_ACCOUNTS) && (de = readdir(dir))) {
		char *child = join(rel, de->d_name);

		if (de->d_name[0] != '.' && account_level(child))
			add_accounts(w, child, report, now);
		free(child);
	}
	closedir(dir);
	for (size_t i = 0; strcmp(rel, DROP_ACCOUNTS) && i < sizeof(staging) / sizeof(staging[0]);
	     i++) {
		char *child = join(rel, drop_folder_name(staging[i]));

		add_tree(w, child, report, now, 0);
		free(child);
	}
}

/* The staging folders of every account: the root's and accounts/'s. */
static void add_all_trees(struct watcher *w, double now)
{
	add_tree(w, drop_folder_name(DROP_OUTBOX), false, now, 0);
	add_tree(w, drop_folder_name(DROP_SCHEDULED), false, now, 0);
	add_tree(w, drop_folder_name(DROP_QUEUE), false, now, 0);
	add_accounts(w, DROP_ACCOUNTS, false, now);
}

/*
 * An event in the root or a folder of accounts/: only the staging folders
 * matter, and a new accounts/ or accounts/NAME/, which is watched and
 * walked at once (what was put in it before the watch is reported).  true
 * when @path is done with (freed).
 */
static bool at_account_level(struct watcher *w, const struct wdir *d, char *path, bool dir,
			     uint32_t mask, double now)
{
	if (*d->path && !account_level(d->path))
		return false;
	if (dir && (mask & (IN_CREATE | IN_MOVED_TO)) && account_level(path)) {
		add_accounts(w, path, true, now);
		free(path);
		return true;
	}
	if (drop_dir_visible(path))
		return false;
	free(path);
	return true;
}

/* Stop watching @rel and everything below it. */
static void drop_tree(struct watcher *w, const char *rel)
{
	for (size_t i = 0; i < w->ndirs;) {
		if (under(w->dirs[i].path, rel) && *w->dirs[i].path) {
			inotify_rm_watch(w->fd, w->dirs[i].wd);
			dir_forget(w, i);
			continue;
		}
		i++;
	}
}

/* A watched directory moved from @from to @to: rewrite the paths below. */
static bool move_tree(struct watcher *w, const char *from, const char *to)
{
	size_t n = strlen(from);
	bool any = false;

	for (size_t i = 0; i < w->ndirs; i++) {
		char *p = w->dirs[i].path;

		if (!*p || !under(p, from))
			continue;
		w->dirs[i].path = xasprintf("%s%s", to, p + n);
		free(p);
		any = true;
	}
	return any;
}

/* ---- writers ---- */

static struct writer *writer_find(struct watcher *w, const char *path)
{
	for (size_t i = 0; i < w->nwriters; i++)
		if (!strcmp(w->writers[i].path, path))
			return &w->writers[i];
	return NULL;
}

static void writer_drop(struct watcher *w, struct writer *wr)
{
	free(wr->path);
	*wr = w->writers[--w->nwriters];
}

static void writer_open(struct watcher *w, const char *path, double now)
{
	struct writer *wr = writer_find(w, path);

	if (!wr) {
		ALLOC_GROW(w->writers, w->nwriters + 1, w->awriters);
		wr = &w->writers[w->nwriters++];
		*wr = (struct writer){xstrdup(path), 0, now};
	}
	wr->count++;
	wr->last = now;
	tracker_open_write(w->t, path, now);
}

static void writer_close(struct watcher *w, const char *path, double now)
{
	struct writer *wr = writer_find(w, path);

	if (wr && --wr->count <= 0)
		writer_drop(w, wr);
	tracker_close_write(w->t, path, now);
}

static void writer_activity(struct watcher *w, const char *path, double now)
{
	struct writer *wr = writer_find(w, path);

	if (wr)
		wr->last = now;
}

/* Everything at or under @path is gone: the tracker forgot its writers. */
static void writers_gone(struct watcher *w, const char *path)
{
	for (size_t i = 0; i < w->nwriters;) {
		if (under(w->writers[i].path, path)) {
			writer_drop(w, &w->writers[i]);
			continue;
		}
		i++;
	}
}

static void writers_moved(struct watcher *w, const char *from, const char *to)
{
	size_t n = strlen(from);

	for (size_t i = 0; i < w->nwriters; i++) {
		char *p = w->writers[i].path;

		if (!under(p, from))
			continue;
		w->writers[i].path = xasprintf("%s%s", to, p + n);
		free(p);
	}
}

/* Count every open writer as closed: the settle timer decides from here. */
static void writers_release(struct watcher *w, double now, const char *why)
{
	while (w->nwriters) {
		struct writer *wr = &w->writers[w->nwriters - 1];

		log_info("%s: %s; counting its writer as gone", wr->path, why);
		while (wr->count-- > 0)
			tracker_close_write(w->t, wr->path, now);
		writer_drop(w, wr);
	}
}

/* ---- events ---- */

static bool is_plain_file(int root_fd, const char *rel, struct stat *sb)
{
	return sp_lstat(root_fd, rel, sb) == 0 && S_ISREG(sb->st_mode);
}

static bool mtime_not_before_ctime(const struct stat *sb)
{
	if (sb->st_mtim.tv_sec != sb->st_ctim.tv_sec)
		return sb->st_mtim.tv_sec > sb->st_ctim.tv_sec;
	return sb->st_mtim.tv_nsec >= sb->st_ctim.tv_nsec;
}

/* A MOVED_FROM that found no MOVED_TO: the entry left the watched tree. */
static void from_unpaired(struct watcher *w, double now)
{
	char *path = w->from_path;

	w->from_pending = false;
	w->from_path = NULL;
	writers_gone(w, path);
	if (w->from_dir) {
		drop_tree(w, path);
		/* The tracker learns that a directory left the folders from a
		 * rename to a place outside them; the root is such a place. */
		tracker_renamed(w->t, path, ".", now);
	} else {
		tracker_removed(w->t, path, now);
	}
	free(path);
}

static void flush_from(struct watcher *w, double now)
{
	if (w->from_pending)
		from_unpaired(w, now);
}

static void moved_pair(struct watcher *w, const char *from, const char *to, bool dir, double now)
{
	if (dir) {
		bool had = move_tree(w, from, to);

		if (!drop_dir_visible(to))
			drop_tree(w, to);
		else if (!had)
			add_tree(w, to, true, now, 0); /* from a dot-directory */
	}
	writers_moved(w, from, to);
	tracker_renamed(w->t, from, to, now);
}

static void on_dir_event(struct watcher *w, uint32_t mask, const char *path, double now)
{
	if (mask & (IN_CREATE | IN_MOVED_TO)) {
		add_tree(w, path, true, now, 0);
		report_dir(w, path, now);
	} else if (mask & IN_DELETE) {
		writers_gone(w, path);
		tracker_removed(w->t, path, now);
	}
}

static void on_file_event(struct watcher *w, uint32_t mask, const char *path, double now)
{
	struct stat sb;

	if (mask & IN_CREATE) {
		/* open(O_CREAT) makes a writer; link(2) makes a second name */
		if (is_plain_file(w->root_fd, path, &sb) && sb.st_nlink == 1)
			writer_open(w, path, now);
		else
			tracker_changed(w->t, path, now);
	} else if (mask & IN_MODIFY) {
		writer_activity(w, path, now);
		tracker_changed(w->t, path, now);
	} else if (mask & IN_ATTRIB) {
		if (is_plain_file(w->root_fd, path, &sb) && mtime_not_before_ctime(&sb))
			tracker_changed(w->t, path, now);
	} else if (mask & IN_CLOSE_WRITE) {
		writer_close(w, path, now);
	} else if (mask & IN_MOVED_TO) {
		tracker_changed(w->t, path, now); /* arrived from outside */
	} else if (mask & IN_DELETE) {
		writers_gone(w, path);
		tracker_removed(w->t, path, now);
	}
}

/* The kernel dropped events: report what waits, forget the writers and
 * walk the folders again, as at start. */
static void on_overflow(struct watcher *w, double now)
{
	flush_from(w, now);
	log_warn("%s: inotify queue overflowed; walking the folders again", w->root);
	writers_release(w, now, "events were lost");
	add_all_trees(w, now);
	if (tracker_reconcile(w->t, now) < 0)
		log_warn("%s: reconciling after the overflow failed", w->root);
}

/*
 * A MOVED_FROM waits.  true when @ev is its MOVED_TO: the pair is handled
 * and @path freed.  Otherwise an event on the same path (or one above or
 * below it) reports the lone MOVED_FROM first, to keep the order of what
 * happens to one path, and false lets @ev go on.
 */
static bool pair_with_from(struct watcher *w, const struct inotify_event *ev, char *path, bool dir,
			   bool ignored, double now)
{
	char *from = w->from_path;

	if (!(ev->mask & IN_MOVED_TO) || ev->cookie != w->from_cookie) {
		if (under(path, w->from_path) || under(w->from_path, path))
			flush_from(w, now);
		return false;
	}
	if (ignored) { /* renamed to a name that is no item: gone */
		flush_from(w, now);
	} else {
		w->from_pending = false;
		w->from_path = NULL;
		moved_pair(w, from, path, dir, now);
		free(from);
	}
	free(path);
	return true;
}

/* Keep a MOVED_FROM (and @path) until its MOVED_TO comes or
 * WATCH_PAIR_WAIT passes; only one waits at a time. */
static void hold_from(struct watcher *w, const struct inotify_event *ev, char *path, bool dir,
		      double now)
{
	flush_from(w, now);
	w->from_pending = true;
	w->from_cookie = ev->cookie;
	w->from_path = path;
	w->from_dir = dir;
	w->from_deadline = now + WATCH_PAIR_WAIT;
}

static void on_event(struct watcher *w, const struct inotify_event *ev, double now)
{
	struct wdir *d;
	bool dir = ev->mask & IN_ISDIR, ignored;
	char *path;

	if (ev->mask & IN_Q_OVERFLOW) {
		on_overflow(w, now);
		return;
	}
	d = dir_by_wd(w, ev->wd);
	if (ev->mask & IN_IGNORED) {
		if (d)
			dir_forget(w, (size_t)(d - w->dirs));
		return;
	}
	if (!d || !ev->len || !ev->name[0])
		return;
	ignored = !dir && ignored_file(ev->name);
	path = join(d->path, ev->name);
	if (at_account_level(w, d, path, dir, ev->mask, now))
		return;
	if (w->from_pending && pair_with_from(w, ev, path, dir, ignored, now))
		return;
	if (ignored) {
		free(path);
		return;
	}
	if (ev->mask & IN_MOVED_FROM) {
		hold_from(w, ev, path, dir, now); /* keeps @path */
		return;
	}
	if (dir)
		on_dir_event(w, ev->mask, path, now);
	else
		on_file_event(w, ev->mask, path, now);
	free(path);
}

/* ---- life cycle ---- */

/*
 * Polling is chosen when asked for (@poll_interval > 0) or when the root
 * is on a file system where inotify misses other machines' writes.  The
 * reason is kept for the log: a user who sees items picked up late should
 * learn why from the first line of it.
 */
/* Say in @err why @root cannot be watched (errno @e), free the half-made
 * @w, and return NULL for the caller to pass on. */
static struct watcher *refuse(struct watcher *w, const char *root, int e, struct tt_error *err)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w);
	tt_error_set(err, ERR_USER, "%s: cannot watch it: %s", root, strerror(e));
	return NULL;
}

static struct watcher *watcher_new_polling(const char *root, double settle_time,
					   double poll_interval, const char *fstype,
					   struct tt_error *err)
{
	double every = poll_interval > 0 ? poll_interval : POLL_DEFAULT_INTERVAL;
	struct watcher *w = xcalloc(1, sizeof(*w));

	w->fd = w->root_fd = -1;
	w->poller = poller_new(root, every, settle_time);
	if (!w->poller)
		return refuse(w, root, errno, err);
	w->root = xstrdup(root);
	if (fstype)
		w->how = xasprintf("polling every %g s: %s is on %s, which does not report "
				   "changes made by other machines",
				   every, root, fstype);
	else
		w->how = xasprintf("polling every %g s, as configured (--poll or poll_interval)",
				   every);
	return w;
}

static const char *root_fstype(const char *root)
{
	int fd = sp_open_root(root);
	const char *name = fd >= 0 ? fstype_unwatchable_fd(fd) : NULL;

	if (fd >= 0)
		close(fd);
	return name;
}

struct watcher *watcher_new(const char *root, double settle_time, double poll_interval,
			    struct tt_error *err)
{
	const char *fstype = root_fstype(root);
	struct watcher *w;

	if (poll_interval > 0 || fstype)
		return watcher_new_polling(root, settle_time, poll_interval, fstype, err);
	w = xcalloc(1, sizeof(*w));
	w->root_fd = -1;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return refuse(w, root, errno, err);
	w->root_fd = sp_open_root(root);
	if (w->root_fd < 0)
		return refuse(w, root, -w->root_fd, err);
	w->root = xstrdup(root);
	w->how = xstrdup("inotify");
	w->quiet = settle_time * 10 > WATCH_WRITER_QUIET ? settle_time * 10 : WATCH_WRITER_QUIET;
	add_watch(w, "", ROOT_MASK);
	add_all_trees(w, 0);
	return w;
}

const char *watcher_how(const struct watcher *w)
{
	return w->how;
}

void watcher_attach(struct watcher *w, struct tracker *t)
{
	w->t = t;
	if (w->poller)
		poller_attach_tracker(w->poller, t, mono_real_now());
}

int watcher_fd(const struct watcher *w)
{
	return w->fd;
}

int watcher_process(struct watcher *w, double now)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));

	if (!w->t || w->poller)
		return 0;
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			on_event(w, ev, now);
			p += sizeof(*ev) + ev->len;
		}
	}
}

double watcher_tick(struct watcher *w, double now)
{
	double next = 1.0;

	if (w->poller)
		return poller_tick(w->poller, now);
	if (!w->t)
		return next;
	if (w->from_pending) {
		if (now >= w->from_deadline)
			flush_from(w, now);
		else if (w->from_deadline - now < next)
			next = w->from_deadline - now;
	}
	for (size_t i = 0; i < w->nwriters;) {
		struct writer *wr = &w->writers[i];
		double idle = now - wr->last;

		if (idle >= w->quiet) {
			log_info("%s: no write for %.0f s and no close; counting it as closed "
				 "(network clients close late)",
				 wr->path, idle);
			while (wr->count-- > 0)
				tracker_close_write(w->t, wr->path, now);
			writer_drop(w, wr);
			continue;
		}
		if (w->quiet - idle < next)
			next = w->quiet - idle;
		i++;
	}
	return next;
}

void watcher_free(struct watcher *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->root_fd >= 0)
		close(w->root_fd);
	for (size_t i = 0; i < w->ndirs; i++)
		free(w->dirs[i].path);
	for (size_t i = 0; i < w->nwriters; i++)
		free(w->writers[i].path);
	free(w->dirs);
	free(w->writers);
	free(w->from_path);
	poller_free(w->poller);
	free(w->how);
	free(w->root);
	free(w);
}
