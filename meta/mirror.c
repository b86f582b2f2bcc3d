/*
 * The result mirror (see mirror.h): user.tiktok.* on the real files of
 * watch mode, or NAME.tiktok.json where the filesystem has no user xattrs.
 *
 * Each sync walks the live jobs and the MIRROR_RECENT newest final ones
 * (store_each), renders every job's attributes into one string (its
 * "print": paths and key=value lines) and writes the files only when the
 * print differs from the one cached for that job id.  The cache forgets
 * jobs that left the walk, so it stays as large as the walk.
 *
 * Invariant: a print is cached only after the write reached the files, so
 * a failed write (file not there yet, disk full) is retried next sync.
 */
#include "meta/mirror.h"
#include "meta/results.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "meta/store.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strbuf.h"

#define TT_PREFIX RESULTS_XATTR_PREFIX
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
	const char *root;
	char *wal; /* db_path + "-wal", or NULL */
	const char *db;
	struct db_stamp stamp;
	double last_walk; /* CLOCK_MONOTONIC seconds */
	bool retry;	  /* a write failed: walk again next time */
	struct mentry *tab[NBUCKETS];
};

/* ---- values ---- */

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
	free(m->wal);
	free(m);
}

/* ---- writing ---- */

/* The attributes of @j as "key\tvalue\n" lines, in results_keys order. */
static char *render(const struct job *j)
{
	struct strbuf sb = STRBUF_INIT;
	char value[VALUE_MAX];

	strbuf_init(&sb);
	strbuf_addf(&sb, "%s\n%s\n", j->path ? j->path : "",
		    j->caption_path ? j->caption_path : "");
	for (size_t i = 0; i < results_nkeys; i++)
		if (results_value(j, results_keys[i], value, sizeof(value)))
			strbuf_addf(&sb, "%s\t%s\n", results_keys[i], value);
	return strbuf_detach(&sb, NULL);
}

static bool no_user_xattrs(int e)
{
	return e == ENOTSUP || e == EOPNOTSUPP || e == EPERM || e == EACCES;
}

/* Set or remove every user.tiktok.* of one file.  0, -ENOENT when the file
 * is not there, or -errno of the first refusal. */
static int write_xattrs(const char *abs, const struct job *j)
{
	char name[64], value[VALUE_MAX];

	for (size_t i = 0; i < results_nkeys; i++) {
		snprintf(name, sizeof(name), TT_PREFIX "%s", results_keys[i]);
		if (results_value(j, results_keys[i], value, sizeof(value))) {
			if (lsetxattr(abs, name, value, strlen(value), 0) < 0)
				return -errno;
		} else if (lremovexattr(abs, name) < 0 && errno != ENODATA) {
			return -errno;
		}
	}
	return 0;
}

/* Write @text to root/@rel atomically.  Not fsync'ed: it is a view of the
 * store, rewritten from it after a crash. */
static int write_atomic(const char *root, const char *rel, const char *text)
{
	char *abs = xasprintf("%s/%s", root, rel);
	int rc = file_write_atomic(abs, text, strlen(text), 0644, false);

	free(abs);
	return rc;
}

static char *json_text(const struct job *j)
{
	json_t *o = json_object();
	char value[VALUE_MAX];
	char *text;

	for (size_t i = 0; i < results_nkeys; i++)
		if (results_value(j, results_keys[i], value, sizeof(value)))
			json_object_set_new(o, results_keys[i], json_string(value));
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
	char *abs;

	if (!e->json_at)
		return;
	abs = xasprintf("%s/%s", m->root, e->json_at);
	if (unlink(abs) < 0 && errno != ENOENT)
		log_warn("%s: cannot remove it: %s", abs, strerror(errno));
	free(abs);
	free(e->json_at);
	e->json_at = NULL;
}

static bool file_exists(const char *root, const char *rel)
{
	struct stat sb;
	char *abs = xasprintf("%s/%s", root, rel);
	bool r = lstat(abs, &sb) == 0 && S_ISREG(sb.st_mode);

	free(abs);
	return r;
}

/* NAME.tiktok.json beside the video.  A cancelled or lost job has no file
 * to speak of: its JSON goes. */
static int write_json(struct mirror *m, struct mentry *e, const struct job *j)
{
	char *rel, *text;
	int rc;

	if (j->state == JOB_CANCELLED || j->state == JOB_LOST) {
		if (!j->path || !file_exists(m->root, j->path)) {
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
	if (!file_exists(m->root, j->path) &&
	    !(j->caption_path && file_exists(m->root, j->caption_path)))
		return -ENOENT;
	rel = xasprintf("%s" MIRROR_JSON_SUFFIX, j->path);
	if (e->json_at && strcmp(e->json_at, rel))
		remove_json(m, e); /* the item moved: its old JSON would lie */
	text = json_text(j);
	rc = write_atomic(m->root, rel, text);
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

/* Write one job's files.  0 when they are in step. */
static int write_job(struct mirror *m, struct mentry *e, const struct job *j)
{
	const char *files[2] = {j->path, j->caption_path};
	int written = 0;

	if (e->json)
		return write_json(m, e, j);
	for (int i = 0; i < 2; i++) {
		char *abs;
		int rc;

		if (!files[i])
			continue;
		abs = xasprintf("%s/%s", m->root, files[i]);
		rc = write_xattrs(abs, j);
		free(abs);
		if (rc == 0) {
			written++;
		} else if (no_user_xattrs(-rc)) {
			log_info("%s: no user xattrs here (%s); results go to %s%s", files[i],
				 strerror(-rc), j->path, MIRROR_JSON_SUFFIX);
			e->json = true;
			return write_json(m, e, j);
		} else if (rc != -ENOENT) {
			log_warn("%s/%s: cannot set its user.tiktok.* attributes: %s", m->root,
				 files[i], strerror(-rc));
		}
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
	print = render(j);
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

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
	double t = mono();
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
