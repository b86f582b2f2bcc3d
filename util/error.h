/*
 * The one error type below the file operations, and the one convention
 * for reporting failure there (the FUSE operations in fs/ return -errno
 * to the kernel, as libfuse wants):
 *
 *  - A function that can fail returns 0 (or a count or a descriptor, never
 *    negative) on success and a negative errno on failure.  Where a person
 *    will read the reason it also fills a caller-owned struct tt_error: what
 *    failed (one line naming the file, the number and the limit), TikTok's
 *    code and log_id if any, whether retrying helps, and the next step for
 *    the user.  With no better errno at hand the code is
 *    tt_error_errno(err->cls), so the class and the code never disagree.
 *  - A constructor returns the object, or NULL with @err filled
 *    (store_open, tokens_open, watcher_new).
 *  - An enum takes the place of the int only where a call has more than two
 *    outcomes that the caller switches on (upload_chunk's upload_result,
 *    the poster's step results), with that reason written beside the enum.
 *  - What runs with no caller to tell (a reload on SIGHUP) logs the reason
 *    and still returns -errno.
 *
 * Predicates answer bool and lookups an index or -1 ("none"): those are
 * answers, not failures.  The way curl threads CURLcode and an error buffer
 * through its layers.
 */
#ifndef TIKTOKFS_ERROR_H
#define TIKTOKFS_ERROR_H

#include <stdint.h>
#include <stdio.h>

#include "util/strbuf.h"

enum err_class {
	ERR_NONE = 0,
	ERR_RETRY,     /* network, 5xx: retry with backoff, same step */
	ERR_DEFER,     /* a TikTok limit: wait until retry_at, then retry */
	ERR_USER,      /* the user must fix something (privacy, audit, media) */
	ERR_PERMANENT, /* will never work as it is */
	ERR_INCOMPLETE /* the input is not finished yet (truncated copy): wait */
};

struct tt_error {
	enum err_class cls;
	char what[512];	  /* first line: what failed, for NAME.error and user.tiktok.error */
	char code[80];	  /* TikTok's error.code or fail_reason, "" if none */
	char log_id[80];  /* TikTok's log_id, "" if none */
	char advice[768]; /* the next step, in plain words */
	int http_status;  /* 0 if not HTTP */
	int64_t retry_at; /* unix seconds, for ERR_DEFER; 0 if unknown */
};

void tt_error_clear(struct tt_error *e);
/* Set class and the first line; keeps code/log_id/advice untouched. */
void tt_error_set(struct tt_error *e, enum err_class cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tt_error_advise(struct tt_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tt_error_code(struct tt_error *e, const char *code, const char *log_id);
const char *err_class_name(enum err_class cls);
/*
 * The -errno returned together with an error of class @cls, so that every
 * function below fs/ returns 0 or -errno while the class (what to do
 * about it) stays in err->cls: -EIO for ERR_RETRY (reading or the network
 * failed), -EAGAIN for ERR_INCOMPLETE and ERR_DEFER (not now, later),
 * -EINVAL for the rest (the input is refused as it is).
 */
int tt_error_errno(enum err_class cls);

/* How a person is shown a tt_error: the one printer for every command. */
enum tt_error_style {
	/* "what. advice" as it is: for log_*(), which escapes the whole line */
	TT_ERR_LOG,
	/* the same with names escaped (util/escape.h): a command's last word */
	TT_ERR_TERM,
	/* escaped "what", then "\n  advice" and "\n  (TikTok log_id ID)" when
	 * there are any: login, where the advice is a step to take */
	TT_ERR_LINES,
};

/*
 * Append @e to @sb in @style, without a final newline.  One sentence stop
 * between what and advice: none is added after a "what" that ends in one.
 */
void tt_error_line(struct strbuf *sb, const struct tt_error *e, enum tt_error_style style);
/* "PREFIX: " (when @prefix), tt_error_line(), "\n" to @f. */
void tt_error_print(FILE *f, const char *prefix, const struct tt_error *e,
		    enum tt_error_style style);

#endif
