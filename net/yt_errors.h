/*
 * What Google's error reasons mean for tiktokfs (docs/youtube.md §8): one
 * table from error.errors[0].reason to the poster's classes (retry, defer,
 * the user must act, permanent) with a plain-words first line and the next
 * step.  A client dispatches on the reason and the HTTP status, never on
 * Google's message.  Unknown reasons are classed by the status: 5xx retry,
 * anything else permanent, shown as they came.
 */
#ifndef TIKTOKFS_YT_ERRORS_H
#define TIKTOKFS_YT_ERRORS_H

#include <stddef.h>

#include "util/error.h"

/* A reason that means the login is the problem: err->code says it, and the
 * poster tells the user to log in again (net/poster_yt.c). */
#define YT_LOGIN_CODE "youtube_login"

struct yt_error_entry {
	const char *reason;
	enum err_class cls;
	int defer_sec; /* ERR_DEFER: retry_at = now + defer_sec */
	const char *what;
	const char *advice;
};

/* The whole table (static; for the unit test and lookups). */
const struct yt_error_entry *yt_errors_table(size_t *n);
/* NULL when @reason is unknown. */
const struct yt_error_entry *yt_errors_lookup(const char *reason);
/* Fill @err for an error answer: the HTTP @status and Google's @reason
 * (may be ""); err->code is the reason (YT_LOGIN_CODE for a login one). */
void yt_errors_apply(struct tt_error *err, long status, const char *reason);

#endif
