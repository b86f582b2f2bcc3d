/*
 * The zone cache (see tzdb.h).  Each entry is a parsed file keyed by its
 * path and its identity (device, inode, size, modification time), found by
 * opening the file and comparing fstat() with the entries: a tzdata update
 * replaces files by rename, so a changed zone is a new identity and is read
 * again, while a lookup of an unchanged zone costs an open and an fstat.
 * Entries are never freed or changed once in the list: the pointer
 * tzdb_get() hands out needs no reference count, and the list only grows
 * by the zones people use (a few kilobytes each) and by tzdata updates.
 * The mutex guards the list head; the file is read and parsed outside it,
 * and a thread that loses the race to insert the same file drops its copy.
 *
 * The zone directory is trusted (root's, or TZDIR set by the administrator)
 * and its symlinks (UTC -> Etc/UTC) are followed; the name is not trusted
 * and is checked before it becomes a path below that directory.
 */
#include "meta/caption/tzdb.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZONE_NAME_MAX 64
#define TZIF_MAX_SIZE (1024 * 1024) /* real ones are under 10 KiB */

struct zone_entry {
	struct zone_entry *next;
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
	struct tzfile *tz;
};

static pthread_mutex_t cache_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct zone_entry *cache;

bool tzdb_name_valid(const char *zone)
{
	size_t n = strlen(zone);

	if (!n || n > ZONE_NAME_MAX || zone[0] == '/' || zone[n - 1] == '/' || strstr(zone, "//"))
		return false;
	for (const char *c = zone; *c; c++) {
		bool alnum = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			     (*c >= '0' && *c <= '9');

		if (!alnum && !strchr("/_+-", *c))
			return false; /* also no '.', so no ".." */
	}
	return true;
}

static bool same_file(const struct zone_entry *e, const char *path, const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
	       e->mtim.tv_sec == st->st_mtim.tv_sec && e->mtim.tv_nsec == st->st_mtim.tv_nsec &&
	       !strcmp(e->path, path);
}

static const struct tzfile *cache_find(const char *path, const struct stat *st)
{
	const struct tzfile *tz = NULL;

	pthread_mutex_lock(&cache_mutex);
	for (const struct zone_entry *e = cache; e && !tz; e = e->next)
		if (same_file(e, path, st))
			tz = e->tz;
	pthread_mutex_unlock(&cache_mutex);
	return tz;
}

/* Add @tz (taken over) read from @path; returns the cached parse, which is
 * another thread's when it came first. NULL when out of memory. */
static const struct tzfile *cache_add(const char *path, const struct stat *st, struct tzfile *tz)
{
	struct zone_entry *e = calloc(1, sizeof(*e));
	const struct tzfile *have;

	if (!e || !(e->path = strdup(path))) {
		free(e);
		tzfile_free(tz);
		return NULL;
	}
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtim = st->st_mtim;
	e->tz = tz;
	pthread_mutex_lock(&cache_mutex);
	have = NULL;
	for (const struct zone_entry *o = cache; o && !have; o = o->next)
		if (same_file(o, path, st))
			have = o->tz;
	if (!have) {
		e->next = cache;
		cache = e;
	}
	pthread_mutex_unlock(&cache_mutex);
	if (!have)
		return tz;
	free(e->path);
	free(e);
	tzfile_free(tz);
	return have;
}

/* Open the zone file; *@st describes it.  fd or -errno. */
static int open_zone(const char *zone, char *path, size_t path_size, struct stat *st, char *why,
		     size_t why_size)
{
	const char *dir = getenv("TZDIR");
	int fd, rc;

	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	if (snprintf(path, path_size, "%s/%s", dir, zone) >= (int)path_size) {
		snprintf(why, why_size, "%s: the path of its file is too long", zone);
		return -ENAMETOOLONG;
	}
	/* O_NONBLOCK: a FIFO in TZDIR must not hang the caller; fstat refuses it */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rc = errno == ENOTDIR || errno == ELOOP ? -ENOENT : -errno;
		snprintf(why, why_size, "%s: %s", zone,
			 rc == -ENOENT ? "no such zone in the tz database" : strerror(-rc));
		return rc;
	}
	if (fstat(fd, st)) {
		rc = -errno;
		snprintf(why, why_size, "%s: %s", zone, strerror(-rc));
		close(fd);
		return rc;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(why, why_size, "%s: %s", zone,
			 S_ISDIR(st->st_mode) ? "a region of the tz database, not a zone"
					      : "not a zone file");
		close(fd);
		return -ENOENT;
	}
	if (st->st_size > TZIF_MAX_SIZE) {
		snprintf(why, why_size, "%s: its file has %lld bytes, more than a zone's %d", zone,
			 (long long)st->st_size, TZIF_MAX_SIZE);
		close(fd);
		return -EFBIG;
	}
	return fd;
}

/* Read and parse the @size bytes of @fd.  0 with *@out, or -errno. */
static int parse_fd(int fd, size_t size, const char *zone, struct tzfile **out, char *why,
		    size_t why_size)
{
	uint8_t *buf = malloc(size ? size : 1);
	char detail[200];
	size_t got = 0;
	int rc = -ENOMEM;

	if (!buf)
		goto out;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* shorter than fstat said: parsed as it is */
		got += (size_t)n;
	}
	rc = tzfile_parse(buf, got, out, detail, sizeof(detail));
	if (rc)
		snprintf(why, why_size, "%s: the tz database file is damaged: %s", zone, detail);
out:
	if (rc == -ENOMEM)
		snprintf(why, why_size, "%s: out of memory", zone);
	free(buf);
	return rc;
}

int tzdb_get(const char *zone, const struct tzfile **tz, char *why, size_t why_size)
{
	char path[PATH_MAX];
	struct tzfile *parsed;
	struct stat st;
	int fd, rc;

	*tz = NULL;
	if (!tzdb_name_valid(zone)) {
		snprintf(why, why_size, "%s: not a name of the tz database", zone);
		return -EINVAL;
	}
	fd = open_zone(zone, path, sizeof(path), &st, why, why_size);
	if (fd < 0)
		return fd;
	*tz = cache_find(path, &st);
	rc = 0;
	if (*tz)
		goto out;
	rc = parse_fd(fd, (size_t)st.st_size, zone, &parsed, why, why_size);
	if (rc)
		goto out;
	*tz = cache_add(path, &st, parsed);
	if (!*tz) {
		snprintf(why, why_size, "%s: out of memory", zone);
		rc = -ENOMEM;
	}
out:
	close(fd);
	return rc;
}
