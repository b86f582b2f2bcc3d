/*
 * Extended attributes.  Three kinds of names:
 *  - user.tiktok.* (user.youtube.* for an item of a YouTube account, and
 *    both for an item posted to both, meta/job/results.h): the item's state
 *    and result, answered from the job
 *    store (meta/job/store.h), never stored on the file; only the names its
 *    current state shows (meta/job/results.c), so nothing of a state the item
 *    has left is listed.  Read-only: setting or
 *    removing one answers EACCES (cp -a stays quiet about it; a script that
 *    insists learns it may not).  A staged file's own user.tiktok.* (copied
 *    in by `cp -a` from posted/) is hidden so it cannot pose as a result.
 *  - other user.*: passed to the staged file and kept there.
 *  - security.*, trusted.*, system.* and anything else: ENODATA on get,
 *    nothing listed, EOPNOTSUPP on set.  Never ENOSYS: the kernel would
 *    cache it and stop asking for every name, user.* included.
 * The xattr syscalls have no *at() form for a path relative to a dirfd, so
 * they use the absolute staged path (the root never moves while mounted).
 */
#include "fs/fs_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "meta/job/results.h"
#include "meta/job/store.h"
#include "meta/job/drop.h"
#include "util/log.h"
#include "util/strbuf.h"


static bool is_user(const char *name)
{
	return !strncmp(name, "user.", 5);
}

/* user.tiktok.* and user.youtube.*: answered from the store, never the file's. */
static bool is_tiktok(const char *name)
{
	return results_is_name(name);
}

static char *staged_path(const char *path)
{
	return xasprintf("%s/%s", fs_ctx()->root, fs_rel(path));
}

/* The job shown on @path: the live one in outbox/, scheduled/ and queue/ (video or
 * caption), the newest one naming the file in posted/ and failed/. */
static int job_of(const char *path, struct job *j)
{
	struct tiktokfs *fs = fs_ctx();
	const char *rel = fs_rel(path);

	if (!fs->store || fs_place(path) != FS_INSIDE)
		return -ENOENT;
	if (drop_in_staging(rel))
		return store_find_live(fs->store, rel, j);
	return store_get_by_path(fs->store, rel, j);
}

static int reply(const char *value, size_t len, char *buf, size_t size)
{
	if (size == 0)
		return (int)len;
	if (len > size)
		return -ERANGE;
	memcpy(buf, value, len);
	return (int)len;
}

/* @name is user.tiktok.KEY or user.youtube.KEY: of the sets the item
 * shows (one per platform it posts to, meta/job/results.h). */
static int get_tiktok(const char *path, const char *name, char *buf, size_t size)
{
	struct results_sets sets;
	struct job j;
	char value[1024];
	bool have = false;

	memset(&j, 0, sizeof(j));
	if (job_of(path, &j) < 0)
		return -ENODATA;
	if (results_sets_of(fs_ctx()->store, fs_ctx()->cfg, &j, &sets) == 0)
		have = results_sets_value(&sets, name, value, sizeof(value));
	results_sets_free(&sets);
	job_free(&j);
	if (!have)
		return -ENODATA;
	return reply(value, strlen(value), buf, size);
}

int fs_getxattr(const char *path, const char *name, char *value, size_t size)
{
	char *p;
	ssize_t n;

	if (fs_place(path) == FS_NOWHERE)
		return -ENOENT;
	if (!is_user(name) || fs_place(path) == FS_STATUS)
		return -ENODATA;
	if (is_tiktok(name))
		return get_tiktok(path, name, value, size);
	p = staged_path(path);
	n = lgetxattr(p, name, value, size);
	free(p);
	return n < 0 ? -errno : (int)n;
}

int fs_setxattr(const char *path, const char *name, const char *value, size_t size, int flags)
{
	char *p;
	int rc;

	if (fs_place(path) == FS_NOWHERE)
		return -ENOENT;
	if (!is_user(name))
		return -EOPNOTSUPP;
	if (is_tiktok(name) || fs_place(path) == FS_STATUS)
		return -EACCES;
	p = staged_path(path);
	rc = lsetxattr(p, name, value, size, flags) < 0 ? -errno : 0;
	free(p);
	return rc;
}

int fs_removexattr(const char *path, const char *name)
{
	char *p;
	int rc;

	if (fs_place(path) == FS_NOWHERE)
		return -ENOENT;
	if (!is_user(name))
		return -ENODATA;
	if (is_tiktok(name) || fs_place(path) == FS_STATUS)
		return -EACCES;
	p = staged_path(path);
	rc = lremovexattr(p, name) < 0 ? -errno : 0;
	free(p);
	return rc;
}

/* The staged file's own user.* names, minus user.tiktok.*, into @out. */
static int list_staged(const char *path, struct strbuf *out)
{
	char *p = staged_path(path);
	char *raw = NULL;
	ssize_t n;
	int rc = 0;

	n = llistxattr(p, NULL, 0);
	if (n < 0) {
		rc = -errno;
		goto out;
	}
	raw = xmalloc((size_t)n + 1);
	n = llistxattr(p, raw, (size_t)n);
	if (n < 0) {
		rc = errno == ERANGE ? -EAGAIN : -errno;
		goto out;
	}
	for (ssize_t i = 0; i < n;) {
		const char *name = raw + i;
		size_t len = strnlen(name, (size_t)(n - i));

		if (is_user(name) && !is_tiktok(name))
			strbuf_add(out, name, len + 1);
		i += (ssize_t)len + 1;
	}
out:
	free(raw);
	free(p);
	return rc;
}

/* The names of one set (results_view) that have a value. */
static void list_set(const struct results_view *v, const struct job *j, struct strbuf *out)
{
	char value[1024];

	for (size_t i = 0; i < v->nkeys; i++) {
		if (!results_view_value(v, j, v->keys[i], value, sizeof(value)))
			continue;
		strbuf_addstr(out, v->prefix);
		strbuf_add(out, v->keys[i], strlen(v->keys[i]) + 1);
	}
}

static void list_tiktok(const char *path, struct strbuf *out)
{
	struct results_sets sets;
	struct job j;

	memset(&j, 0, sizeof(j));
	if (job_of(path, &j) < 0)
		return;
	if (results_sets_of(fs_ctx()->store, fs_ctx()->cfg, &j, &sets) == 0)
		for (size_t i = 0; i < sets.n; i++)
			list_set(&sets.views[i], sets.rows[i], out);
	results_sets_free(&sets);
	job_free(&j);
}

int fs_listxattr(const char *path, char *list, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	switch (fs_place(path)) {
	case FS_NOWHERE:
		return -ENOENT;
	case FS_STATUS:
		return 0;
	default:
		break;
	}
	strbuf_init(&sb);
	rc = list_staged(path, &sb);
	if (rc < 0 && rc != -EOPNOTSUPP)
		goto out;
	list_tiktok(path, &sb);
	rc = reply(sb.buf, sb.len, list, size);
out:
	strbuf_release(&sb);
	return rc;
}
