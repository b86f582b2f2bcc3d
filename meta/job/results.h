/*
 * The user.tiktok.* attributes an item shows: their names and the one
 * formatter of their values, shared by the mount (fs/xattr.c answers them
 * from the store) and watch mode (fs/mirror.c writes them onto real files
 * or into NAME.tiktok.json), so both always say the same thing.
 */
#ifndef TIKTOKFS_RESULTS_H
#define TIKTOKFS_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct job;

#define RESULTS_XATTR_PREFIX "user.tiktok."
/* The same names of an item of a YouTube account (platform = youtube). */
#define RESULTS_YT_PREFIX "user.youtube."

struct config;

/* The prefix @j's names are shown under: RESULTS_YT_PREFIX when its
 * account in @cfg (may be NULL) posts to YouTube, else
 * RESULTS_XATTR_PREFIX.  Static text. */
const char *results_prefix(const struct config *cfg, const struct job *j);

/* The names, in the order they are listed (user.tiktok.NAME). */
extern const char *const results_keys[];
extern const size_t results_nkeys;

/*
 * The value of user.tiktok.@key for @j into @out; false when the job has
 * none, or when its state does not show that name (a table in results.c:
 * retry_at only while deferred, progress only while uploading, posted_at,
 * post_id and url only once posted, post_status once published, ...: a field left from an earlier
 * state never shows).  progress is "SENT/TOTAL" while uploading; times are ISO 8601 UTC;
 * text values are cut to their first line and passed through log_redact(),
 * since whatever reaches a user must hold no secret.
 */
bool results_value(const struct job *j, const char *key, char *out, size_t size);

#endif
