/*
 * YouTube's numbers and names, each written once with where it comes from
 * (the sections of docs/youtube.md, which cite Google's pages).  Code that
 * maps a caption onto a videos.insert body, says whether a video will be
 * a Short or plans a resumable upload takes its bounds from here, never
 * from a literal of its own.  The counterpart of meta/tiktok.h.
 *
 * Every number is a bare decimal literal, so that messages can spell it
 * with YT_STR().
 */
#ifndef TIKTOKFS_YOUTUBE_H
#define TIKTOKFS_YOUTUBE_H

#define YT_STR_(x) #x
/* A number below as text: YT_STR(YT_TITLE_MAX) is "100". */
#define YT_STR(x) YT_STR_(x)

/* ---- videos.insert metadata (docs/youtube.md §3) ---- */

/* snippet.title: "at most 100 characters", counted as Unicode code
 * points (an emoji is one); empty or absent is refused (invalidTitle). */
#define YT_TITLE_MAX 100
/* snippet.description: "at most 5000 bytes" of UTF-8 (invalidDescription). */
#define YT_DESCRIPTION_MAX 5000
/* snippet.tags: "at most 500 characters together", a comma between two
 * tags counting one and a tag holding a space two more, for the quotes
 * YouTube puts around it (invalidTags). */
#define YT_TAGS_MAX 500
#define YT_TAG_SEPARATOR_COST 1
#define YT_TAG_QUOTE_COST 2
/* Refused anywhere in a title or description (invalidTitle,
 * invalidDescription); tiktokfs refuses them in tags too. */
#define YT_FORBIDDEN_CHARS "<>"
/* snippet.categoryId when the user names none: 22, People & Blogs. */
#define YT_CATEGORY_DEFAULT "22"

/* status.privacyStatus: exactly these three words (§3). */
#define YT_PRIVACY_PUBLIC "public"
#define YT_PRIVACY_UNLISTED "unlisted"
#define YT_PRIVACY_PRIVATE "private"
/* status.publishAt is taken only with privacyStatus private and a time in
 * the future (invalidPublishAt); YouTube then makes the video public at
 * that time itself (§3). */

/* ---- the upload (§4.2, §3) ---- */

/* Every chunk but the last is a multiple of 256 KiB. */
#define YT_CHUNK_UNIT 262144
/* "files up to 256 GB": read as 256 * 2^30, the larger reading; tiktokfs
 * never gets near it. */
#define YT_FILE_MAX 274877906944

/* ---- Shorts (§7) ---- */

/* Square or vertical (width <= height) and at most 3 minutes, for videos
 * uploaded on or after 15 October 2024 (60 s before). */
#define YT_SHORT_MAX_SECONDS 180

/*
 * The category id for @word: an id of the list below ("22") or its name
 * in any case ("People & Blogs", "people-and-blogs", "people"...).  NULL
 * when unknown.  Static string.
 */
const char *yt_category_id(const char *word);
/* The name of category @id ("People & Blogs"), or NULL.  Static string. */
const char *yt_category_name(const char *id);
/* "1 Film & Animation, 2 Autos & Vehicles, ...": every category, for a
 * message.  Static string. */
const char *yt_category_list(void);
/* YouTube's privacy word for @word (public, unlisted or private, any
 * case), or NULL.  Static string. */
const char *yt_privacy_name(const char *word);

#endif
