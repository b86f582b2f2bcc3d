/*
 * STATUS.txt (and `tiktokfs status`): a plain-text picture of the account,
 * the queue with states and upload progress, and recent results, rendered
 * from the job store.  Deterministic for a given store and @now, and free of
 * secrets: upload URLs are never read, and the text passes through
 * log_redact() before it is returned.  Names and texts are escaped
 * (util/escape.h): whatever the file names, each item is exactly its lines.
 */
#ifndef TIKTOKFS_STATUS_H
#define TIKTOKFS_STATUS_H

#include <stdint.h>

struct store;

#define STATUS_RECENT_DEFAULT 10

struct status_extra {
	const char *state_dir; /* where creator_info.json lives; NULL: "not logged in" */
	int64_t now;	       /* unix seconds for the generated-at line; 0: the clock */
	int recent;	       /* final results to list; 0: STATUS_RECENT_DEFAULT */
};

/* Render the whole text; @x may be NULL.  Never NULL; the caller frees. */
char *status_render(struct store *st, const struct status_extra *x);

#endif
