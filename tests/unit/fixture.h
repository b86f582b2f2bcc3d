/*
 * The set-up the unit tests of the job layer share: a temporary folder
 * holding a drop folder (its four folders made by meta/job/drop.c, the
 * daemon's rule), a job store opened in it, a default config whose state
 * directory is that folder, and, when asked, a tracker over them; and the
 * cleanup that removes it all.  Tests include it after unit.h.
 *
 *   struct fixture fx;
 *   if (!FIXTURE_UP(&fx, "verdict"))
 *           return;                  (the test has failed, saying why)
 *   ... fx.root, fx.st, fx.cfg, fixture_put(&fx, "outbox/a.mp4", ...) ...
 *   fixture_down(&fx);
 *
 * Linked into every unit test binary (Makefile), so fixture.c cannot use
 * unit.h's counters (they are static, one set per test file): its
 * functions return -1 and say why in fx->why, and FIXTURE_UP (inline, in
 * the test's file) turns that into the running test's failure.
 */
#ifndef TIKTOKFS_UNIT_FIXTURE_H
#define TIKTOKFS_UNIT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meta/config.h"

struct store;
struct tracker;

struct fixture {
	char dir[96];	   /* /tmp/ttfs-NAME-XXXXXX: the state directory */
	char *root;	   /* dir/staging, the drop folder; owned */
	char *db;	   /* dir/jobs.db; owned */
	struct config cfg; /* config_defaults(), state_dir = dir */
	struct store *st;  /* open on db */
	struct tracker *t; /* NULL until fixture_tracker() */
	char why[256];	   /* what failed, after a -1 */
};

/* Make it all for a test named @name (used in the folder's name).  0, or
 * -1 with fx->why; what was made is removed again. */
int fixture_up(struct fixture *fx, const char *name);
/* A tracker over fx's store, config and root, reconciled at @now (the
 * tests' monotonic clock): fx->t.  0 or -1 with fx->why. */
int fixture_tracker(struct fixture *fx, double now);
/* Free the tracker, close the store, free the config, remove the folder.
 * Safe on a fixture whose set-up failed or that was zeroed. */
void fixture_down(struct fixture *fx);

/* root/@rel; caller frees. */
char *fixture_path(const struct fixture *fx, const char *rel);
bool fixture_exists(const struct fixture *fx, const char *rel);
/* Write @len bytes at root/@rel, its missing folders made first.  0 or -1
 * with fx->why. */
int fixture_put(struct fixture *fx, const char *rel, const void *data, size_t len);
/* A minimal faststart MP4 of @size bytes (>= 4096) at root/@rel: one 10 s
 * H.264 1080x1920 track at 30 fps, which the rules accept, and a sparse
 * mdat over the rest.  0 or -1 with fx->why. */
int fixture_put_mp4(struct fixture *fx, const char *rel, uint64_t size);
/* The whole of root/@rel (NUL-terminated; @len may be NULL), or NULL when
 * it cannot be read.  Caller frees. */
char *fixture_slurp(const struct fixture *fx, const char *rel, size_t *len);
/* rm -r @path without following links (0 or -1). */
int fixture_rm_tree(const char *path);

/* fixture_up() and fixture_tracker() inside a TEST: false, and the test
 * has failed saying why, if it did not work.  Static inline so that the
 * failure counts in the test's own unit.h counters (unit.h comes first;
 * fixture.c has none). */
#ifdef TIKTOKFS_UNIT_H
static inline bool fixture_up_or_fail(struct fixture *fx, const char *name)
{
	if (fixture_up(fx, name) == 0)
		return true;
	FAILF("set-up: %s", fx->why);
	return false;
}

static inline bool fixture_tracker_or_fail(struct fixture *fx, double now)
{
	if (fixture_tracker(fx, now) == 0)
		return true;
	FAILF("set-up: %s", fx->why);
	return false;
}
#define FIXTURE_UP(fx, name) fixture_up_or_fail((fx), (name))
#define FIXTURE_TRACKER(fx, now) fixture_tracker_or_fail((fx), (now))
#endif /* TIKTOKFS_UNIT_H */

#endif
