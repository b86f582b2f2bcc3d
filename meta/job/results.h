/*
 * The user.tiktok.* attributes an item shows: their names and the one
 * formatter of their values, shared by the mount (fs/xattr.c answers them
 * from the store) and watch mode (fs/mirror.c writes them onto real files
 * or into NAME.tiktok.json), so both always say the same thing.
 *
 * An item of a YouTube account (platform = youtube) shows user.youtube.*
 * instead: the same states and values, named for YouTube (video_id is the
 * video's id, status YouTube's uploadStatus), without TikTok's publish_id
 * and post_status.  A results_view says which set a job shows.
 */
#ifndef TIKTOKFS_RESULTS_H
#define TIKTOKFS_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct job;

#define RESULTS_XATTR_PREFIX "user.tiktok."
#define RESULTS_YT_PREFIX "user.youtube."

struct config;

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

/* The attribute set a job shows: its prefix and names, by its account. */
struct results_view {
	const char *prefix; /* RESULTS_XATTR_PREFIX or RESULTS_YT_PREFIX */
	const char *const *keys;
	size_t nkeys;
	bool youtube;
};

/* The set of @j, whose account @cfg (may be NULL: TikTok) says posts to
 * TikTok or YouTube. */
void results_view_of(const struct config *cfg, const struct job *j, struct results_view *v);
/* The value of v->prefix@key for @j, as results_value. */
bool results_view_value(const struct results_view *v, const struct job *j, const char *key,
			char *out, size_t size);
/*
 * One drop, several platforms (meta/job/store.h, THE TARGETS): an item
 * shows one set per platform, user.tiktok.* and user.youtube.*: for each,
 * the finished target of that platform if there is one, else the job
 * itself when its current account posts there.  An item of one account
 * shows its job's set alone, as results_view_of() says.
 */
#define RESULTS_SETS_MAX 2
struct results_sets {
	size_t n;
	struct job *rows[RESULTS_SETS_MAX]; /* owned copies */
	struct results_view views[RESULTS_SETS_MAX];
};
struct store;
/* The sets of job @j (as read from @st) into @out, TikTok's first; 0 or
 * -errno (then @out is empty).  results_sets_free() releases them. */
int results_sets_of(struct store *st, const struct config *cfg, const struct job *j,
		    struct results_sets *out);
void results_sets_free(struct results_sets *s);
/* The value of xattr @name (prefix and key) for the item, as
 * results_view_value(); false when none of its sets shows it. */
bool results_sets_value(const struct results_sets *s, const char *name, char *out, size_t size);

/* Whether @xattr_name is one of ours (user.tiktok.* or user.youtube.*). */
bool results_is_name(const char *xattr_name);

#endif
