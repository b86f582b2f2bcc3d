/*
 * Two snapshots of the tree in, tracker events out (poller.h has the
 * rules).  Passes, in this order, because each one decides what is left
 * for the next:
 *  1. same path, same inode: the file stayed; changed if size or mtime
 *     differ.
 *  2. an inode at a new path whose old path it left: a rename.  Renames
 *     onto a free path go first, so that a chain (b -> c, then a -> b
 *     between two polls) is told in the order it happened.
 *  3. what is left in @next is new; an old entry at its path (deleted and
 *     made again, or replaced) is removed first, as inotify would say.
 *  4. what is left in @old is gone.
 *  5. held files that two polls saw alike, settle_time after their last
 *     change, are released.
 * Holds follow renames exactly: a held file is closed under its old name
 * and opened again under its new one, so the tracker counts one writer for
 * it whatever the two names mean to it (a temporary name has no entry).
 */
#include "fs/poller_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/strbuf.h"

void psnap_add(struct psnap *s, const char *path, uint64_t ino, int64_t size, int64_t mtime_ns,
	       bool dir)
{
	ALLOC_GROW(s->v, s->n + 1, s->alloc);
	s->v[s->n++] = (struct pentry){ .path = xstrdup(path),
					.ino = ino,
					.size = size,
					.mtime_ns = mtime_ns,
					.dir = dir };
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct pentry *)a)->path, ((const struct pentry *)b)->path);
}

void psnap_sort(struct psnap *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), by_path);
}

void psnap_clear(struct psnap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static struct pentry *find_path(struct psnap *s, const char *path)
{
	struct pentry key = { .path = (char *)path };

	return s->n ? bsearch(&key, s->v, s->n, sizeof(*s->v), by_path) : NULL;
}

/* ---- the inode index of @old, for renames ---- */

static int by_ino(const void *a, const void *b)
{
	const struct pentry *x = *(struct pentry *const *)a, *y = *(struct pentry *const *)b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static struct pentry **ino_index(struct psnap *s)
{
	struct pentry **ix = xcalloc(s->n ? s->n : 1, sizeof(*ix));

	for (size_t i = 0; i < s->n; i++)
		ix[i] = &s->v[i];
	if (s->n)
		qsort(ix, s->n, sizeof(*ix), by_ino);
	return ix;
}

/* The unclaimed old file with inode @ino, or NULL. */
static struct pentry *find_ino(struct pentry **ix, size_t n, uint64_t ino)
{
	size_t lo = 0, hi = n;

	while (lo < hi) { /* the first with ino >= @ino */
		size_t mid = lo + (hi - lo) / 2;

		if (ix[mid]->ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && ix[lo]->ino == ino; lo++)
		if (!ix[lo]->claimed && !ix[lo]->dir)
			return ix[lo];
	return NULL;
}

/* ---- what a change does ---- */

static bool differs(const struct pentry *a, const struct pentry *b)
{
	return a->size != b->size || a->mtime_ns != b->mtime_ns;
}

static void carry(struct pentry *n, struct pentry *o)
{
	n->held = o->held;
	n->seen = o->seen;
	n->matched = true;
	o->claimed = true;
}

/* @n was written since the last poll (or is new): held from now on. */
static void mark_changed(const struct poll_sink *s, struct pentry *n, double now)
{
	n->changed = true;
	n->seen = now;
	if (n->dir) {
		s->changed(s->arg, n->path, now);
		return;
	}
	if (!n->held) {
		n->held = true;
		s->open_write(s->arg, n->path, now);
	}
}

/* ---- the passes ---- */

static void pass_same(const struct poll_sink *s, struct psnap *old, struct psnap *next, double now)
{
	for (size_t i = 0; i < next->n; i++) {
		struct pentry *n = &next->v[i], *o = find_path(old, n->path);

		if (!o || o->ino != n->ino || o->dir != n->dir)
			continue;
		carry(n, o);
		if (differs(n, o))
			mark_changed(s, n, now);
	}
}

static void rename_one(const struct poll_sink *s, struct psnap *old, struct pentry *o,
		       struct pentry *n, double now)
{
	struct pentry *over = find_path(old, n->path);
	bool held = o->held;

	if (over && !over->claimed)
		over->claimed = true; /* replaced by the rename: no removal of its own */

	if (held)
		s->close_write(s->arg, o->path, now);
	s->renamed(s->arg, o->path, n->path, now);
	carry(n, o);
	if (held)
		s->open_write(s->arg, n->path, now);
	if (differs(n, o))
		mark_changed(s, n, now);
}

/* Pass 2, once for renames onto free paths (@onto_free), once for the
 * rest (onto a path whose old file is itself gone or moved on). */
static void pass_renames(const struct poll_sink *s, struct psnap *old, struct psnap *next,
			 struct pentry **ix, bool onto_free, double now)
{
	for (size_t i = 0; i < next->n; i++) {
		struct pentry *n = &next->v[i], *o;

		if (n->matched || n->dir)
			continue;
		if (onto_free && find_path(old, n->path))
			continue;
		o = find_ino(ix, old->n, n->ino);
		if (o)
			rename_one(s, old, o, n, now);
	}
}

static void pass_new(const struct poll_sink *s, struct psnap *old, struct psnap *next, double now)
{
	for (size_t i = 0; i < next->n; i++) {
		struct pentry *n = &next->v[i], *o;

		if (n->matched)
			continue;
		o = find_path(old, n->path);
		if (o && !o->claimed) { /* its old file is gone: say so first */
			o->claimed = true;
			s->removed(s->arg, o->path, now);
		}
		n->matched = true;
		mark_changed(s, n, now);
	}
}

static void pass_gone(const struct poll_sink *s, struct psnap *old, double now)
{
	for (size_t i = 0; i < old->n; i++)
		if (!old->v[i].claimed)
			s->removed(s->arg, old->v[i].path, now);
}

static void pass_release(const struct poll_sink *s, struct psnap *next, double now, double settle)
{
	for (size_t i = 0; i < next->n; i++) {
		struct pentry *n = &next->v[i];

		if (!n->held || n->changed || now - n->seen < settle)
			continue;
		n->held = false;
		/* the last change was seen at n->seen: the tracker's settle
		 * clock starts there, not now */
		s->close_write(s->arg, n->path, n->seen);
	}
}

void poll_diff(const struct poll_sink *sink, struct psnap *old, struct psnap *next, double now,
	       double settle)
{
	struct pentry **ix = ino_index(old);

	for (size_t i = 0; i < next->n; i++)
		next->v[i].matched = next->v[i].changed = false;
	for (size_t i = 0; i < old->n; i++)
		old->v[i].claimed = false;
	pass_same(sink, old, next, now);
	pass_renames(sink, old, next, ix, true, now);
	pass_renames(sink, old, next, ix, false, now);
	pass_new(sink, old, next, now);
	pass_gone(sink, old, now);
	pass_release(sink, next, now, settle);
	free(ix);
}
