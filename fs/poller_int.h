/*
 * Inside the poller: a snapshot of the tree and the diff of two snapshots
 * into sink events (fs/polldiff.c).  The diff never touches the file
 * system, so tests/unit/test_poller.c drives it with snapshots made by
 * hand and a fake sink.  Nothing outside fs/poll*.c and that test includes
 * this.
 */
#ifndef TIKTOKFS_POLLER_INT_H
#define TIKTOKFS_POLLER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/poller.h"

struct pentry {
	char *path; /* relative to the root; owned */
	uint64_t ino;
	int64_t size, mtime_ns;
	bool dir;    /* a folder named like a caption: reported, never held */
	bool held;   /* the sink has an open_write from us; a close is owed */
	double seen; /* monotonic time of the poll that last saw it change */
	/* scratch of one diff */
	bool matched; /* @next: carries an old entry's state */
	bool changed; /* @next: differs from the last poll */
	bool claimed; /* @old: its inode lives on in @next (or was replaced) */
};

struct psnap {
	struct pentry *v;
	size_t n, alloc;
};

void psnap_add(struct psnap *s, const char *path, uint64_t ino, int64_t size, int64_t mtime_ns,
	       bool dir);
/* By path, as the diff and its lookups need. */
void psnap_sort(struct psnap *s);
void psnap_clear(struct psnap *s);

/*
 * Report to @sink what changed from @old to @next (both sorted), carry the
 * holds over into @next, and release the held files that are settled: see
 * poller.h for the rules.  @old is spent (its entries are marked); the
 * caller frees it and keeps @next.
 */
void poll_diff(const struct poll_sink *sink, struct psnap *old, struct psnap *next, double now,
	       double settle);

#endif
