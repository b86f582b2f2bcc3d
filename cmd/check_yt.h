/*
 * What `tiktokfs check --account NAME` prints for a YouTube account
 * (cmd/check_yt.c): whether the video will be a Short and the caption as
 * YouTube will get it, each value with where it came from.  Also, for
 * every account, the front matter keys its platform ignores.
 */
#ifndef TIKTOKFS_CHECK_YT_H
#define TIKTOKFS_CHECK_YT_H

#include "meta/caption/defaults.h"
#include "meta/media/media.h"
#include "meta/rules.h"

struct config;

/* "  YouTube Short  yes: vertical 1080x1920, 20.0 s ..." under the media. */
void check_yt_print_short(const struct media_info *mi);

/*
 * The mapping of the settled caption in @v (named @name) for the account
 * @cfg (its view): title, description, tags, privacy, made for kids,
 * category and publishAt, each with its source (@src, the config's path).
 * Prints nothing when the mapping is refused: the caller prints why.
 */
void check_yt_print_caption(const struct config *cfg, const char *name, const struct verdict *v,
			    const struct dflt_sources *src);

/* Whether front matter key @k means something on @cfg's platform. */
bool check_key_used(const struct config *cfg, enum sidecar_key k);

/* "note: ... ignored": the keys that @src says were set and that @cfg's
 * platform has no use for (YouTube's on TikTok, TikTok's on YouTube). */
void check_print_ignored_keys(const struct config *cfg, const struct dflt_sources *src);

#endif
