/*
 * The result mirror (see mirror.h): user.tiktok.* on the real files of
 * watch mode (user.youtube.* for an item of a YouTube account, both for
 * an item posted to both, meta/job/results.h), or NAME.tiktok.json where
 * the filesystem has no user xattrs.
 *
 * Each sync walks the live jobs and the MIRROR_RECENT newest final ones
 * (store_each), renders every job's attributes into one string (its
 * "print": paths and key=value lines) and writes the files only when the
 * print differs from the one cached for that job id.  The cache forgets
 * jobs that left the walk, so it stays as large as the walk.
 *
 * Invariant: a print is cached only after the write reached the files, so
 * a failed write (file not there yet, disk full) is retried next sync.  A
 * file refused for being a link or not a plain file counts as done for that
 * print: it is logged once, not every quarter second.
 */
#include "fs/mirror.h"
#include "meta/job/results.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "meta/job/store.h"
#include "util/clock.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/safepath.h"
#include "util/strbuf.h"

#define NBUCKETS 256
#define VALUE_MAX 1024


struct mentry {
	int64_t id;
	char *print;   /* what was last written; owned */
	char *json_at; /* relative path of the NAME.tiktok.json written, or NULL */
	bool json;     /* this job's files have no user xattrs */
	bool seen;     /* in the current walk */
	struct mentry *next;
};

/* What the store's files looked like at the last walk. */
struct db_stamp {
	struct timespec mtime, wal_mtime;
	off_t size, wal_size;
};

struct mirror {
	struct store *st;
	const struct config *cfg; /* whose accounts post where; NULL: TikTok */
	const char *root;
	int root_fd; /* root, opened once; -1 until then */
	char *wal; /* db_path + "-wal", or NULL */
	const char *db;
	struct db_stamp stamp;
	double last_walk; /* CLOCK_MONOTONIC seconds */
	bool retry;	  /* a write failed: walk again next time */
	struct mentry *tab[NBUCKETS];
};

/* ---- values ---- */

void mirror_set_config(struct mirror *m, const struct config *cfg)
{
	m->cfg = cfg;
}

bool mirror_own_name(const char *name)
{
	size_t n = strlen(name), m = strlen(MIRROR_JSON_SUFFIX);

	if (n > m && !strcmp(name + n - m, MIRROR_JSON_SUFFIX))
		return true;
	/* the temporary of an atomic write: ".NAME.tiktok.json.XXXXXX" */
	return name[0] == '.' && strstr(name, MIRROR_JSON_SUFFIX ".") != NULL;
}

/* ---- the cache ---- */

static struct mentry **slot_of(struct mirror *m, int64_t id)
{
	struct mentry **pp = &m->tab[(uint64_t)id % NBUCKETS];

	while (*pp && (*pp)->id != id)
		pp = &(*pp)->next;
	return pp;
}

static void mentry_free(struct mentry *e)
{
	free(e->print);
	free(e->json_at);
	free(e);
}

struct mirror *mirror_new(struct store *st, const char *root, const char *db_path)
{
	struct mirror *m = xcalloc(1, sizeof(*m));

	m->st = st;
	m->root = root;
	m->root_fd = -1;
	m->db = db_path;
	m->wal = db_path ? xasprintf("%s-wal", db_path) : NULL;
	m->retry = true; /* the first sync always walks */
	return m;
}

void mirror_free(struct mirror *m)
{
	if (!m)
		return;
	for (size_t b = 0; b < NBUCKETS; b++)
		for (struct mentry *e = m->tab[b], *next; e; e = next) {
			next = e->next;
			mentry_free(e);
		}
	if (m->root_fd >= 0)
		close(m->root_fd);
	free(m->wal);
	free(m);
}

/* ---- writing ---- */

/* The sets @j shows: one, or one per platform for an item posted to
 * several (meta/job/results.h).  Never empty: the job's own on a store
 * error. */
static void sets_of(struct mirror *m, const struct job *j, struct results_sets *s)
{
	if (results_sets_of(m->st, m->cfg, j, s) < 0) {
		results_sets_free(s);
		results_sets_of(NULL, m->cfg, j, s);
	}
}

/* The attributes of @j as "key\tvalue\n" lines, in each view's order. */
static char *render(struct mirror *m, const struct job *j)
{
	struct strbuf sb = STRBUF_INIT;
	char value[VALUE_MAX];
	struct results_sets sets;

	sets_of(m, j, &sets);
	strbuf_init(&sb);
	strbuf_addf(&sb, "%s\n%s\n", j->path ? j->path : "", j->caption_path ? j->caption_path : "");
	for (size_t k = 0; k < sets.n; k++) {
		const struct results_view *v = &sets.views[k];

		strbuf_addf(&sb, "%s\n", v->prefix);
		for (size_t i = 0; i < v->nkeys; i++)
			if (results_view_value(v, sets.rows[k], v->keys[i], value, sizeof(value)))
				strbuf_addf(&sb, "%s\t%s\n", v->keys[i], value);
	}
	results_sets_free(&sets);
	return strbuf_detach(&sb, NULL);
}

static bool no_user_xattrs(int e)
{
	return e == ENOTSUP || e == EOPNOTSUPP || e == EPERM || e == EACCES;
}

/* What safepath refuses to open, found where a plain file should be: a
 * symlink (on the way or at the end), a FIFO, a device, a hard link. */
static bool refused(int rc)
{
	return rc == -ELOOP || rc == -ENOTDIR || rc == -EINVAL || rc == -EMLINK;
}

/* The root descriptor every file is reached from, opened at the first sync
 * that needs it (the folder may not exist yet when the mirror is made). */
static int root_fd(struct mirror *m)
{
	if (m->root_fd < 0)
		m->root_fd = sp_open_root(m->root);
	return m->root_fd;
}

/* A link or special file where @rel should be: said once per print (the
 * caller caches it as written), never followed. */
static void log_refused(struct mirror *m, const char *rel, int rc, const struct stat *st)
{
	char why[160];

	log_warn("%s/%s: results not written there: %s", m->root, rel,
		 sp_describe(rc, st, why, sizeof(why)));
}

/*
 * Remove every user.tiktok.* of @fd that @j's state does not show: those of
 * the state it left, and any other the file carries (`cp -a` of a posted
 * file into outbox/ brings the old post's, which must not pose as a result).
 * 0 or -errno.
 */
static int remove_stale(int fd, const struct results_sets *sets)
{
	char value[VALUE_MAX];
	char *names = NULL;
	ssize_t n = flistxattr(fd, NULL, 0);
	int rc = 0;

	if (n > 0) {
		names = xmalloc((size_t)n);
		n = flistxattr(fd, names, (size_t)n);
	}
	if (n < 0) /* ERANGE: one was added meanwhile; the next print sees it */
		rc = errno == ERANGE ? 0 : -errno;
	for (ssize_t i = 0; i < n && rc == 0;) {
		const char *name = names + i;
		size_t len = strnlen(name, (size_t)(n - i));

		i += (ssize_t)len + 1;
		if (!results_is_name(name) || results_sets_value(sets, name, value, sizeof(value)))
			continue;
		if (fremovexattr(fd, name) < 0 && errno != ENODATA)
			rc = -errno;
	}
	free(names);
	return rc;
}

/* Set or remove every user.tiktok.* of one file, through a descriptor
 * opened from the root without following links.  0, -ENOENT when the file
 * is not there, a refused() code (*@st says what was found), or -errno of
 * the first refusal of an xattr call. */
/* Set the names of one set (@v for @j) on @fd; 0 or -errno. */
static int set_view(int fd, const struct results_view *v, const struct job *j)
{
	char name[64], value[VALUE_MAX];

	for (size_t i = 0; i < v->nkeys; i++) {
		if (!results_view_value(v, j, v->keys[i], value, sizeof(value)))
			continue;
		snprintf(name, sizeof(name), "%s%s", v->prefix, v->keys[i]);
		if (fsetxattr(fd, name, value, strlen(value), 0) < 0)
			return -errno;
	}
	return 0;
}

static int write_xattrs(struct mirror *m, const char *rel, const struct job *j, struct stat *st)
{
	struct results_sets sets;
	int fd, rc = 0;

	memset(st, 0, sizeof(*st));
	fd = root_fd(m);
	if (fd >= 0)
		fd = sp_open_regular(fd, rel, st);
	if (fd < 0)
		return fd;
	sets_of(m, j, &sets);
	for (size_t k = 0; k < sets.n && rc == 0; k++)
		rc = set_view(fd, &sets.views[k], sets.rows[k]);
	if (rc == 0)
		rc = remove_stale(fd, &sets);
	results_sets_free(&sets);
	close(fd);
	return rc;
}

/* A temporary name beside the JSON file: ".NAME.tiktok.json.XXXXXX", which
 * mirror_own_name() knows and the tracker takes for a dotfile. */
static void temp_name(const char *base, char *out, size_t size)
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[8] = {0};
	char sfx[7];

	if (getrandom(r, sizeof(r), 0) < 0) {
		/* O_EXCL makes a guessable name safe; it only has to differ */
		uint64_t x = (uint64_t)wall_real_now() ^ ((uint64_t)getpid() << 20);

		memcpy(r, &x, sizeof(r));
	}
	for (size_t i = 0; i < 6; i++)
		sfx[i] = digits[r[i] % (sizeof(digits) - 1)];
	sfx[6] = '\0';
	snprintf(out, size, ".%s.%s", base, sfx);
}

/* Create the temporary in @dfd (never through a link: O_EXCL|O_NOFOLLOW)
 * and write @text into it.  0 or -errno; on failure nothing is left. */
static int write_temp(int dfd, const char *tmp, const char *text)
{
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	int rc;

	if (fd < 0)
		return -errno;
	rc = fchmod(fd, 0644) < 0 ? -errno : 0; /* whatever the umask */
	if (rc == 0)
		rc = file_write_all(fd, text, strlen(text));
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		unlinkat(dfd, tmp, 0);
	return rc;
}

/* Write @text to root/@rel atomically, in the directory walked from the
 * root: a temporary beside it, renamed over it (a link planted at @rel is
 * replaced, not followed).  Not fsync'ed: it is a view of the store,
 * rewritten from it after a crash. */
static int write_atomic(struct mirror *m, const char *rel, const char *text)
{
	char tmp[NAME_MAX + 1];
	const char *base;
	int dfd = root_fd(m), rc;

	if (dfd >= 0)
		dfd = sp_open_parent(dfd, rel, &base);
	if (dfd < 0)
		return dfd;
	if (strlen(base) + 9 > NAME_MAX) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	for (int tries = 0; tries < 8; tries++) {
		temp_name(base, tmp, sizeof(tmp));
		rc = write_temp(dfd, tmp, text);
		if (rc != -EEXIST)
			break;
	}
	if (rc == 0 && renameat(dfd, tmp, dfd, base) < 0) {
		rc = -errno;
		unlinkat(dfd, tmp, 0);
	}
out:
	close(dfd);
	return rc;
}

/* The keys of one set with a value into @o. */
static void json_set(json_t *o, const struct results_view *v, const struct job *j)
{
	char value[VALUE_MAX];

	for (size_t i = 0; i < v->nkeys; i++)
		if (results_view_value(v, j, v->keys[i], value, sizeof(value)))
			json_object_set_new(o, v->keys[i], json_string(value));
}

/* One set at the top (with "platform": "youtube" for YouTube's); an item
 * posted to both has TikTok's at the top and YouTube's under "youtube". */
static char *json_text(struct mirror *m, const struct job *j)
{
	json_t *o = json_object();
	struct results_sets sets;
	char *text;

	sets_of(m, j, &sets);
	if (sets.n == 1 && sets.views[0].youtube) /* the file's name is TikTok's */
		json_object_set_new(o, "platform", json_string("youtube"));
	for (size_t k = 0; k < sets.n; k++) {
		json_t *to = k > 0 ? json_object() : o;

		json_set(to, &sets.views[k], sets.rows[k]);
		if (k > 0)
			json_object_set_new(o, "youtube", to);
	}
	results_sets_free(&sets);
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		return xstrdup("{}\n");
	char *r = xasprintf("%s\n", text);
	free(text);
	return r;
}

static void remove_json(struct mirror *m, struct mentry *e)
{
	int fd, rc;

	if (!e->json_at)
		return;
	fd = root_fd(m);
	rc = fd < 0 ? fd : sp_unlink(fd, e->json_at);
	if (rc < 0 && rc != -ENOENT)
		log_warn("%s/%s: cannot remove it: %s", m->root, e->json_at, strerror(-rc));
	free(e->json_at);
	e->json_at = NULL;
}

/* What is at @rel: 0 a plain file, -ENOENT nothing, else a refused() code
 * (*@st says what), looked at from the root without following links. */
static int look(struct mirror *m, const char *rel, struct stat *st)
{
	int fd = root_fd(m), rc;

	memset(st, 0, sizeof(*st));
	if (fd < 0)
		return fd;
	rc = sp_check_regular(fd, rel, st);
	return rc == -EMLINK ? 0 : rc; /* the JSON is ours, beside it */
}

static bool file_exists(struct mirror *m, const char *rel)
{
	struct stat st;

	return look(m, rel, &st) == 0;
}

/* NAME.tiktok.json beside the video.  A cancelled or lost job has no file
 * to speak of: its JSON goes. */
static int write_json(struct mirror *m, struct mentry *e, const struct job *j)
{
	char *rel, *text;
	int rc;

	if (j->state == JOB_CANCELLED || j->state == JOB_LOST) {
		if (!j->path || !file_exists(m, j->path)) {
			char *at = j->path ? xasprintf("%s" MIRROR_JSON_SUFFIX, j->path) : NULL;

			/* after a restart the cache does not know where it wrote */
			if (at && !e->json_at)
				e->json_at = at;
			else
				free(at);
			remove_json(m, e);
			return 0;
		}
	}
	/* the directory may be gone with the item (rm -r) */
	if (!file_exists(m, j->path) && !(j->caption_path && file_exists(m, j->caption_path)))
		return -ENOENT;
	rel = xasprintf("%s" MIRROR_JSON_SUFFIX, j->path);
	if (e->json_at && strcmp(e->json_at, rel))
		remove_json(m, e); /* the item moved: its old JSON would lie */
	text = json_text(m, j);
	rc = write_atomic(m, rel, text);
	free(text);
	if (rc == 0) {
		free(e->json_at);
		e->json_at = rel;
		rel = NULL;
	} else {
		log_warn("%s/%s: cannot write it: %s", m->root, rel, strerror(-rc));
	}
	free(rel);
	return rc;
}

/* The xattrs of one file of @j.  1 written (or refused and logged: nothing
 * more to do for this print), 0 not there, -errno. */
static int xattrs_one(struct mirror *m, struct mentry *e, const struct job *j, const char *rel)
{
	struct stat st;
	int rc = write_xattrs(m, rel, j, &st);

	if (rc == 0)
		return 1;
	if (refused(rc)) {
		log_refused(m, rel, rc, &st);
		return 1;
	}
	if (rc == -ENOENT)
		return 0;
	if (no_user_xattrs(-rc)) {
		log_info("%s: no user xattrs here (%s); results go to %s%s", rel, strerror(-rc),
			 j->path, MIRROR_JSON_SUFFIX);
		e->json = true;
	} else {
		log_warn("%s/%s: cannot set its user.tiktok.* attributes: %s", m->root, rel,
			 strerror(-rc));
	}
	return rc;
}

/* Write one job's files.  0 when they are in step. */
static int write_job(struct mirror *m, struct mentry *e, const struct job *j)
{
	const char *files[2] = {j->path, j->caption_path};
	int written = 0;

	if (e->json)
		return write_json(m, e, j);
	for (int i = 0; i < 2; i++) {
		int rc;

		if (!files[i])
			continue;
		rc = xattrs_one(m, e, j, files[i]);
		if (e->json)
			return write_json(m, e, j);
		if (rc > 0)
			written++;
	}
	if (written)
		return 0;
	/* nothing there: fine for a job whose files are gone for good */
	return j->state == JOB_CANCELLED || j->state == JOB_LOST ? 0 : -ENOENT;
}

static int sync_one(const struct job *j, void *arg)
{
	struct mirror *m = arg;
	struct mentry **pp = slot_of(m, j->id);
	struct mentry *e = *pp;
	char *print;

	if (!j->path)
		return 0;
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->id = j->id;
		*pp = e;
	}
	e->seen = true;
	print = render(m, j);
	if (e->print && !strcmp(e->print, print)) {
		free(print);
		return 0;
	}
	if (write_job(m, e, j) == 0) {
		free(e->print);
		e->print = print;
	} else {
		free(print);
		m->retry = true;
	}
	return 0;
}

/* Did a commit happen since the last walk?  Every commit writes the -wal
 * (or, after a checkpoint, the database), so an unchanged size and mtime
 * of both means an unchanged store.  Unknown (no path, stat fails): yes. */
static bool store_changed(struct mirror *m)
{
	struct stat a, b;
	struct db_stamp now;

	if (!m->db || stat(m->db, &a) < 0)
		return true;
	memset(&now, 0, sizeof(now));
	now.mtime = a.st_mtim;
	now.size = a.st_size;
	if (stat(m->wal, &b) == 0) {
		now.wal_mtime = b.st_mtim;
		now.wal_size = b.st_size;
	}
	if (!memcmp(&now, &m->stamp, sizeof(now)))
		return false;
	m->stamp = now;
	return true;
}

int mirror_sync(struct mirror *m)
{
	double t = mono_real_now();
	bool changed = store_changed(m);
	int rc;

	/* the stamp is taken before the walk: a commit during it is seen
	 * next time */
	if (!changed && !m->retry && t - m->last_walk < MIRROR_FULL_EVERY)
		return 0;
	m->retry = false;
	m->last_walk = t;
	rc = store_each(m->st, MIRROR_RECENT, sync_one, m);
	if (rc < 0)
		return rc;
	/* forget the jobs that left the walk, keep the rest for next time */
	for (size_t b = 0; b < NBUCKETS; b++) {
		for (struct mentry **pp = &m->tab[b]; *pp;) {
			struct mentry *e = *pp;

			if (!e->seen) {
				*pp = e->next;
				mentry_free(e);
				continue;
			}
			e->seen = false;
			pp = &e->next;
		}
	}
	return 0;
}
