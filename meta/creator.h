/*
 * What TikTok says about the creator (creator_info/query, docs/tiktok.md §5.1),
 * as the rules need it.  net/ fills it from the API and saves a copy in
 * state_dir/creator_info.json after each query, so that `tiktokfs check` and
 * the tracker can use the account's limits without a network round trip.
 */
#ifndef TIKTOKFS_CREATOR_H
#define TIKTOKFS_CREATOR_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

#define CREATOR_MAX_PRIVACY 8

struct creator_info {
	char username[128];
	char nickname[256];
	char privacy_options[CREATOR_MAX_PRIVACY][32]; /* TikTok's names */
	int n_privacy;
	bool comment_disabled, duet_disabled, stitch_disabled;
	int max_duration_sec; /* max_video_post_duration_sec; 0 if unknown */
	int64_t fetched_at;   /* unix seconds */
};

bool creator_allows_privacy(const struct creator_info *ci, const char *privacy);
/* Save atomically (0600) / load state_dir/creator_info.json.  Load returns
 * -ENOENT when there is none. */
int creator_save(const char *state_dir, const struct creator_info *ci);
int creator_load(const char *state_dir, struct creator_info *ci);

#endif
