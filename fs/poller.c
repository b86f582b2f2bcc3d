/*
 * Polling a drop folder (see poller.h for what is reported and when).
 *
 * The walk: outbox/, scheduled/ and queue/, depth-first, each folder opened from
 * the root descriptor without following links (sp_open_dir) and listed
 * with readdir; each entry is looked at with fstatat(AT_SYMLINK_NOFOLLOW)
 * and never opened.  A symlink, a FIFO or a device is recorded by its name
 * like a file (the tracker refuses it on its item); a symlinked folder is
 * not entered.  The walk keeps the last snapshot until a whole new one is
 * in hand: a folder that cannot be listed (EIO, ESTALE, a server that went
 * away) fails the poll, and nothing is reported.
 */
#include "fs/poller_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs/mirror.h"
#include "meta/job/drop.h"
#include "meta/job/tracker.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/path.h"
#include "util/safepath.h"
#include "util/strbuf.h"

#define WALK_MAX_DEPTH 64
/* an mtime this much newer than settle_time + interval at the start may be
 * a clock a little ahead on the server: held all the same */
#define CLOCK_SLACK 2.0 /* s */

struct poller {
	char *root;
	int root_fd;
	double interval, settle;
	struct poll_sink sink;
	bool attached;
	struct psnap cur;
	double next;	 /* monotonic time the next poll is due */
	bool failing;	 /* the last poll failed: said once in the log */
};

/* The daemon's own files (NAME.tiktok.json, NAME.error and the temporaries
 * they are written through): the same names the inotify watcher skips. */
static bool own_file(const char *name)
{
	return mirror_own_name(name) || has_suffix(name, ".error") ||
	       (name[0] == '.' && strstr(name, ".error."));
}

static int64_t mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

/* One entry of folder @rel: recorded, entered, or skipped.  -errno fails
 * the poll. */
static int walk_dir(struct poller *p, const char *rel, int depth, struct psnap *out);

static int walk_entry(struct poller *p, int dfd, const char *rel, const char *name, int depth,
		      struct psnap *out)
{
	struct stat sb;
	char *child;
	int rc = 0;

	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno; /* gone since readdir: fine */
	child = xasprintf("%s/%s", rel, name);
	if (S_ISDIR(sb.st_mode)) {
		if (drop_is_caption_name(name))
			psnap_add(out, child, (uint64_t)sb.st_ino, 0, 0, true);
		if (name[0] != '.') /* dot-folders hold no items (Samba's .recycle) */
			rc = walk_dir(p, child, depth + 1, out);
	} else if (!own_file(name)) {
		psnap_add(out, child, (uint64_t)sb.st_ino, (int64_t)sb.st_size, mtime_ns(&sb),
			  false);
	}
	free(child);
	return rc;
}

static int walk_dir(struct poller *p, const char *rel, int depth, struct psnap *out)
{
	int fd, rc = 0;
	DIR *d;
	struct dirent *de;

	if (depth > WALK_MAX_DEPTH)
		return 0;
	fd = sp_open_dir(p->root_fd, rel);
	if (fd < 0) /* a subfolder removed or swapped for a link meanwhile: no items */
		return depth && (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP) ? 0 : fd;
	if (!(d = fdopendir(fd))) {
		rc = -errno;
		close(fd);
		return rc;
	}
	for (;;) {
		errno = 0;
		if (!(de = readdir(d))) {
			rc = errno ? -errno : 0;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((rc = walk_entry(p, dirfd(d), rel, de->d_name, depth, out)) < 0)
			break;
	}
	closedir(d);
	return rc;
}

/* The staging folders of every accounts/NAME/ (meta/job/drop.h), configured
 * or not (an unknown account's items are refused by name); walked as
 * subfolders (depth 1), so that one missing or swapped for a link holds no
 * items and fails nothing. */
static int walk_accounts(struct poller *p, struct psnap *out)
{
	static const enum drop_folder staging[] = {DROP_OUTBOX, DROP_SCHEDULED, DROP_QUEUE};
	int fd = sp_open_dir(p->root_fd, DROP_ACCOUNTS), rc = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char name[80];

	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0; /* no accounts/: no accounts */
	}
	while (rc == 0 && (de = readdir(d))) {
		for (size_t i = 0; i < sizeof(staging) / sizeof(staging[0]) && rc == 0; i++) {
			char *rel = xasprintf("%s/%s/%s", DROP_ACCOUNTS, de->d_name,
					      drop_folder_name(staging[i]));

			if (de->d_name[0] != '.' && drop_account_of(rel, name, sizeof(name)) == 0)
				rc = walk_dir(p, rel, 1, out);
			free(rel);
		}
	}
	closedir(d);
	return rc;
}

/* A new snapshot of outbox/, scheduled/ and queue/ of every account, sorted;
 * -errno and nothing in @out when some folder could not be listed. */
static int snapshot(struct poller *p, struct psnap *out)
{
	int rc = walk_dir(p, drop_folder_name(DROP_OUTBOX), 0, out);

	if (rc == 0)
		rc = walk_dir(p, drop_folder_name(DROP_SCHEDULED), 0, out);
	/* queue/ came later than the others: a folder made before it, not
	 * yet created by a start of this version, has none */
	if (rc == 0 && (rc = walk_dir(p, drop_folder_name(DROP_QUEUE), 0, out)) == -ENOENT)
		rc = 0;
	if (rc == 0)
		rc = walk_accounts(p, out);
	if (rc < 0) {
		psnap_clear(out);
		return rc;
	}
	psnap_sort(out);
	return 0;
}

struct poller *poller_new(const char *root, double interval, double settle_time)
{
	struct poller *p = xcalloc(1, sizeof(*p));

	p->root_fd = sp_open_root(root);
	if (p->root_fd < 0) {
		int e = -p->root_fd;

		free(p);
		errno = e;
		return NULL;
	}
	p->root = xstrdup(root);
	p->interval = interval;
	p->settle = settle_time;
	/* the baseline; outbox/ may not exist yet (reconcile makes it) */
	if (snapshot(p, &p->cur) < 0)
		memset(&p->cur, 0, sizeof(p->cur));
	return p;
}

/* Seconds since @e's mtime on the wall clock, or 0 for one in the future. */
static double mtime_age(const struct pentry *e, const struct timespec *wall)
{
	double age = (double)wall->tv_sec - (double)e->mtime_ns / 1e9 + (double)wall->tv_nsec / 1e9;

	return age > 0 ? age : 0;
}

void poller_attach(struct poller *p, const struct poll_sink *sink, double now)
{
	struct timespec wall;

	wall = wall_real_timespec(); /* against mtimes: real */
	p->sink = *sink;
	p->attached = true;
	for (size_t i = 0; i < p->cur.n; i++) {
		struct pentry *e = &p->cur.v[i];
		double age = mtime_age(e, &wall);

		/* reconcile counted it settled by its mtime: too soon to know */
		if (e->dir || age >= p->settle + p->interval + CLOCK_SLACK)
			continue;
		e->held = true;
		e->seen = now - age;
		sink->open_write(sink->arg, e->path, now);
	}
	p->next = now + p->interval;
}

int poller_poll(struct poller *p, double now)
{
	struct psnap next = { 0 };
	int rc;

	if (!p->attached)
		return 0;
	rc = snapshot(p, &next);
	if (rc < 0) {
		if (!p->failing)
			log_warn("%s: cannot list the folders to poll them: %s; trying again every "
				 "%g s, nothing counts as changed meanwhile",
				 p->root, strerror(-rc), p->interval);
		p->failing = true;
		return rc;
	}
	if (p->failing)
		log_info("%s: listing the folders works again", p->root);
	p->failing = false;
	poll_diff(&p->sink, &p->cur, &next, now, p->settle);
	psnap_clear(&p->cur);
	p->cur = next;
	log_debug("%s: polled, %zu entries", p->root, p->cur.n);
	return 0;
}

double poller_tick(struct poller *p, double now)
{
	if (!p->attached)
		return p->interval;
	if (now >= p->next) {
		poller_poll(p, now);
		/* from now, not from the due time: a slow poll never queues
		 * polls back to back */
		p->next = now + p->interval;
	}
	return p->next - now;
}

double poller_interval(const struct poller *p)
{
	return p->interval;
}

unsigned long poller_count(const struct poller *p)
{
	return (unsigned long)p->cur.n;
}

void poller_free(struct poller *p)
{
	if (!p)
		return;
	if (p->root_fd >= 0)
		close(p->root_fd);
	psnap_clear(&p->cur);
	free(p->root);
	free(p);
}

/* ---- the tracker as the sink ---- */

static void t_open(void *arg, const char *path, double now)
{
	tracker_open_write(arg, path, now);
}

static void t_close(void *arg, const char *path, double now)
{
	tracker_close_write(arg, path, now);
}

static void t_changed(void *arg, const char *path, double now)
{
	tracker_changed(arg, path, now);
}

static void t_renamed(void *arg, const char *from, const char *to, double now)
{
	tracker_renamed(arg, from, to, now);
}

static void t_removed(void *arg, const char *path, double now)
{
	tracker_removed(arg, path, now);
}

void poller_attach_tracker(struct poller *p, struct tracker *t, double now)
{
	const struct poll_sink sink = { t_open, t_close, t_changed, t_renamed, t_removed, t };

	poller_attach(p, &sink, now);
}
