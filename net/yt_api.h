/*
 * The YouTube Data API calls a login needs (docs/youtube.md §2.8):
 * channels.list with mine=true, which names the channel the token posts to.
 * Uploading comes later, in files of its own.
 */
#ifndef TIKTOKFS_YT_API_H
#define TIKTOKFS_YT_API_H

#include <curl/curl.h>
#include <stddef.h>

#include "util/error.h"

struct config;

struct yt_channel {
	char id[128];	 /* "UC" + 22 characters */
	char title[256]; /* printable (oauth_clean_text) */
};

/* Parse a channels.list answer (pure).  0 with @ch filled; -ENOENT when the
 * Google account has no channel; -1 with @err for anything else. */
int yt_parse_channels(const char *body, size_t len, long status, struct yt_channel *ch,
		      struct tt_error *err);
/* GET @cfg->youtube_api_base/youtube/v3/channels?part=snippet&mine=true
 * with @access_token; as yt_parse_channels. */
int yt_channel_mine(CURL *h, const struct config *cfg, const char *access_token,
		    struct yt_channel *ch, struct tt_error *err);

#endif
