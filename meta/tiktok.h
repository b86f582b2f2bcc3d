/*
 * TikTok's numbers and names, each written once with where it comes from.
 * Sections are those of docs/tiktok.md, which quotes the TikTok pages
 * ([media-transfer]: the Content Posting API's media transfer guide,
 * [direct-post]: the video/init reference, [rate-limits]: the API rate
 * limit page).  Code that checks a file, plans an upload or paces requests
 * takes its bounds from here, never from a literal of its own.
 *
 * Every number is a bare decimal literal (no suffix, no decimal point), so
 * that messages and the config table can spell it with TIKTOK_STR(); code
 * that needs another type casts where it uses it.
 */
#ifndef TIKTOKFS_TIKTOK_H
#define TIKTOKFS_TIKTOK_H

#define TIKTOK_STR_(x) #x
/* A number below as text: TIKTOK_STR(TIKTOK_CHUNK_MIN) is "5242880". */
#define TIKTOK_STR(x) TIKTOK_STR_(x)

/* ---- chunks (§5.6, [media-transfer] "chunk rules") ---- */

/* "at least 5 MB": 5 MiB, which is at least 5 MB under both readings of
 * TikTok's "MB" (its 4 MB example is 2^22 bytes, §5.6). */
#define TIKTOK_CHUNK_MIN 5242880
/* "at most 64 MB": 64,000,000, at most 64 MB under both readings; also
 * the single-chunk ceiling TikTok enforces (400 invalid_params above it,
 * seen 2026, §5.6 "single chunk ceiling"). */
#define TIKTOK_CHUNK_MAX 64000000
/* A file up to this size goes in one chunk of its own size; above it,
 * several chunks ("over 64 MB: several chunks", and the observed ceiling). */
#define TIKTOK_SINGLE_CHUNK_MAX 64000000
/* "1 to 1000 chunks". */
#define TIKTOK_CHUNK_COUNT_MAX 1000
/* The last chunk takes the bytes left over and "may reach 128 MB": it is
 * below 2 x chunk_size <= 128,000,000. */
#define TIKTOK_LAST_CHUNK_MAX 128000000
/* "maximum of 4GB", read as decimal 4,000,000,000: the reading that is safe
 * whichever TikTok means (§6; §11.3 has an unverified 10 GB claim).  A
 * larger max_size in the config acts as this. */
#define TIKTOK_FILE_MAX 4000000000

/* ---- media and text (§6, [media-transfer] "video restrictions",
 * [direct-post] post_info.title) ---- */

#define TIKTOK_FPS_MIN 23 /* "23 to 60 FPS" */
#define TIKTOK_FPS_MAX 60
#define TIKTOK_SIDE_MIN 360 /* "360 to 4096 px, width and height" */
#define TIKTOK_SIDE_MAX 4096
/* "API maximum 10 minutes"; no page states a minimum (the 3 s default of
 * min_duration is tiktokfs's rule, docs/contract.md). */
#define TIKTOK_DURATION_MAX 600
/* post_info.title: "max 2200 UTF-16 code units" (characters outside the
 * BMP count 2). */
#define TIKTOK_CAPTION_MAX_UTF16 2200

/* ---- limits (§7, [rate-limits], the Content Posting reference) ---- */

/* video/init and inbox/video/init: "6 requests per minute per user access
 * token" each; whether they share one budget is not said, so tiktokfs
 * paces both together. */
#define TIKTOK_INITS_PER_MINUTE 6
/* inbox/video/init: "at most 5 pending shares" in 24 h, then 403
 * spam_risk_too_many_pending_share. */
#define TIKTOK_PENDING_DRAFTS_MAX 5
/* "about 15 direct posts per creator per 24 h, varying by creator"
 * (spam_risk_too_many_posts, §7): the number queue/'s planner plans a
 * day's slots up to (meta/job/queue.h).  Not a guarantee: a creator with a
 * lower cap is held back by the pace (net/pace.h) when TikTok says so. */
#define TIKTOK_DAILY_POSTS 15

/* ---- privacy levels ([direct-post] post_info.privacy_level, §5.2) ---- */

/* "Only me": branded content cannot be private (content-sharing
 * guidelines, §7), and such posts never get a public post id (status
 * fetch, publicaly_available_post_id, §5.7). */
#define TIKTOK_PRIVACY_SELF_ONLY "SELF_ONLY"

/*
 * TikTok's privacy level for a word a user writes ("public", "friends",
 * "followers", "private", and the aliases "everyone" and "self"), or for
 * TikTok's own name; case-insensitive.  NULL when unknown.  Static string.
 */
const char *tiktok_privacy_name(const char *word);
/* The user's word for TikTok's privacy level @name ("SELF_ONLY" ->
 * "private"); "" for NULL; @name itself when unknown (a level added later
 * is shown as TikTok spells it). */
const char *tiktok_privacy_word(const char *name);

#endif
