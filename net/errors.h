/*
 * What TikTok's error codes mean for tiktokfs: every error.code of the v2
 * envelope (docs/tiktok.md §4.1, §4.2), every fail_reason of status/fetch
 * (§5.7) and every OAuth error (§2.6), each with its class (retry, defer,
 * the user must act, permanent), a plain-words first line and the next
 * step.  Unknown codes are permanent and shown as they came.
 */
#ifndef TIKTOKFS_ERRORS_H
#define TIKTOKFS_ERRORS_H

#include <stddef.h>

#include "util/error.h"

enum errors_kind {
	ERRK_API,	  /* error.code of the §4 envelope */
	ERRK_FAIL_REASON, /* data.fail_reason of a FAILED status */
	ERRK_OAUTH,	  /* "error" of the flat OAuth answers and the callback */
};

struct errors_entry {
	const char *code;
	enum err_class cls;
	int defer_sec; /* ERR_DEFER: retry_at = now + defer_sec */
	const char *what;
	const char *advice;
};

/* The whole table of one kind (static; for the unit test and lookups). */
const struct errors_entry *errors_table(enum errors_kind kind, size_t *n);
/* NULL when @code is unknown. */
const struct errors_entry *errors_lookup(enum errors_kind kind, const char *code);

/*
 * Fill @err for an envelope error: @code (error.code; invalid_param and
 * invalid_params are one), TikTok's @message (may be ""), @log_id, the
 * HTTP @status, and @scope the scope the endpoint needs (named for
 * scope_not_authorized).  An empty @code is classed by @status alone.
 */
void errors_api(struct tt_error *err, const char *code, const char *message, const char *log_id,
		int status, const char *scope);
void errors_fail_reason(struct tt_error *err, const char *reason);
/*
 * OAuth: @error, @description (may be ""), @error_type (the authorize
 * page's error_type, may be ""), @log_id; @client_key and @redirect_uri
 * are shown in the advice (neither is secret).
 */
void errors_oauth(struct tt_error *err, const char *error, const char *description,
		  const char *error_type, const char *log_id, const char *client_key,
		  const char *redirect_uri);

#endif
