/*
 * What a finished publish means beyond TikTok's status, said on the item
 * (user.tiktok.warning, user.tiktok.privacy, STATUS.txt).  One case today:
 * an app that has not passed TikTok's audit (config audited = no), whose
 * direct posts TikTok keeps private (docs/tiktok.md §7).  The posting
 * worker calls result_notes_posted() once per finished publish.
 */
#ifndef TIKTOKFS_RESULT_NOTES_H
#define TIKTOKFS_RESULT_NOTES_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct job;
struct store;

/*
 * The warning for @j, a publish that finished with TikTok status @status,
 * when TikTok made it private, or NULL: a direct post of an unaudited app
 * asked to be seen by others and was published.  Allocated; the caller
 * frees.  Pure.
 */
char *result_notes_made_private(const struct config *cfg, const struct job *j, const char *status);

/*
 * Record the notes of job @id (read again from @st, so that a warning the
 * tracker set meanwhile is kept): the warning appended, and privacy
 * SELF_ONLY when TikTok made the post private.  True in that case: the post
 * will never get a post ID, so none is waited for.
 */
bool result_notes_posted(struct store *st, const struct config *cfg, int64_t id,
			 const char *status);

#endif
