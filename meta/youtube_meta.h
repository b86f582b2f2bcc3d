/*
 * What a caption means on YouTube (docs/contract.md, "YouTube"): the
 * settled sidecar of an item (its caption file merged with the .defaults
 * above it, meta/caption/defaults.h) and the account's settings mapped
 * onto a videos.insert body (docs/youtube.md §3).  Pure: no I/O, no clock
 * (the caller passes now); the tracker, `tiktokfs check`, the YouTube
 * poster and the fuzzer run the same code.
 *
 *   title          `title:` when the front matter sets one, else the
 *                  caption's first line; at most YT_TITLE_MAX characters,
 *                  never cut: a longer one is refused
 *   description    the rest of the caption (all of it with `title:`)
 *   tags           the caption's #hashtags without '#', each once
 *   privacy        public, unlisted or private: the caption, a .defaults
 *                  or the account's `privacy`; never defaulted
 *   made for kids  `made_for_kids: yes|no` from the same layers; never
 *                  defaulted (YouTube's COPPA declaration)
 *   category       a name or an id from the same layers, else 22
 *                  (People & Blogs)
 *   publishAt      `schedule:` still to come: uploaded private with
 *                  status.publishAt, and YouTube makes it public then
 *
 * Every refusal names the file (@name), the count and the limit or the
 * character, and what to write instead, as meta/rules.c does for TikTok.
 */
#ifndef TIKTOKFS_YOUTUBE_META_H
#define TIKTOKFS_YOUTUBE_META_H

#include <stddef.h>
#include <stdint.h>

#include "meta/caption/sidecar.h"
#include "util/error.h"

struct config;

/* Where a value of the mapping came from, for `tiktokfs check`. */
enum yt_from {
	YT_FROM_KEY = 0,  /* a front matter key: the caption file or a .defaults */
	YT_FROM_CAPTION,  /* the caption text (title: its first line) */
	YT_FROM_ACCOUNT,  /* the account's settings in the config */
	YT_FROM_DEFAULT,  /* tiktokfs's default (category 22) */
	YT_FROM_SCHEDULE, /* implied by `schedule:` (privacy) */
};

struct yt_meta {
	char *title;	   /* owned, never NULL after a success */
	char *description; /* owned, "" when none */
	char **tags;	   /* owned, each without '#' */
	size_t ntags;
	char privacy[16];    /* privacyStatus sent: public | unlisted | private */
	int made_for_kids;   /* 0 or 1: never defaulted silently */
	char category_id[8]; /* "22" */
	int64_t publish_at;  /* unix seconds UTC; 0 = none */
	size_t tags_length;  /* YouTube's count of the tags (YT_TAGS_MAX) */
	enum yt_from title_from, privacy_from, made_for_kids_from, category_from;
};

/*
 * Map the settled sidecar @sc of an item onto @out.  @cfg is the config
 * as the item's account sees it (config_account_view; NULL: no account
 * settings).  @name is the file messages name (the caption file, or the
 * video when the caption is made of its name).  @now decides whether a
 * schedule is still to come.  0, or -EINVAL with @err (class ERR_USER)
 * saying what to change; @out is the caller's to yt_meta_free() either way.
 */
int yt_meta_from_sidecar(const struct config *cfg, const struct sidecar *sc, const char *name,
			 int64_t now, struct yt_meta *out, struct tt_error *err);

/* The videos.insert body for @m: {"snippet": {...}, "status": {...}} as
 * compact JSON.  The caller frees it. */
char *yt_meta_json(const struct yt_meta *m);

/* YouTube's count of @n tags (YT_TAGS_MAX): their characters, one per
 * comma between two, two more for a tag that holds a space. */
size_t yt_tags_length(char *const *tags, size_t n);

/* Number of Unicode code points in the valid UTF-8 text @s. */
size_t yt_char_count(const char *s);

/* Free what @m owns and zero it; NULL is fine. */
void yt_meta_free(struct yt_meta *m);

/* "the caption", "the account's config", ...: @f in words. */
const char *yt_from_name(enum yt_from f);

#endif
