/*
 * The caption sidecar: optional front matter between two "---" lines, then
 * the caption text (spec: "The caption sidecar").  The parser is pure: bytes
 * in, struct out; errors name the line and the key.
 *
 * Accepted: a leading UTF-8 BOM (skipped), LF or CRLF line ends, `# comments` on their
 * own lines and after values, keys in any case, values in matching quotes.
 * The caption is everything after the closing "---" line with surrounding
 * ASCII whitespace trimmed; inner bytes (newlines, CRLF, emoji) are kept
 * exactly.  A successful parse guarantees valid UTF-8 without NUL bytes and
 * at most SIDECAR_CAPTION_MAX_UTF16 UTF-16 units, the most any platform
 * takes; each platform's own limit is its rules' to check (TikTok's in
 * meta/rules.c, YouTube's in meta/youtube_meta.c).  A file
 * that starts with a UTF-16 or UTF-32 byte-order mark (Notepad's
 * "Unicode") is refused by that name, with "save it as UTF-8".
 *
 * A folder's .defaults is the same front matter without a caption
 * (sidecar_parse_defaults; merged with an item's by meta/caption/defaults.h).
 */
#ifndef TIKTOKFS_SIDECAR_H
#define TIKTOKFS_SIDECAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

enum tristate { TRI_UNSET = -1, TRI_OFF = 0, TRI_ON = 1 };

/* The front matter's keys, in the order messages list them.  The last two
 * are a folder's .defaults only (meta/caption/defaults.h): a caption file
 * that names them is told they are unknown there.  title, made_for_kids
 * and category are YouTube's (meta/youtube_meta.h): every platform's
 * parser takes them, and a TikTok account ignores them.  also_post_to names
 * the other accounts an item posts to (meta/targets.h), or none. */
enum sidecar_key {
	SK_PRIVACY,
	SK_SCHEDULE,
	SK_COMMENTS,
	SK_DUET,
	SK_STITCH,
	SK_COVER,
	SK_MODE,
	SK_BRANDED,
	SK_PROMOTIONAL,
	SK_AI_GENERATED,
	SK_TITLE,	  /* YouTube's title; an item's caption only */
	SK_MADE_FOR_KIDS, /* YouTube */
	SK_CATEGORY,	  /* YouTube */
	SK_ALSO_POST_TO,  /* the other accounts to post to (meta/targets.h) */
	SK_CAPTION_FROM, /* .defaults only */
	SK_HASHTAGS,	 /* .defaults only */
	SK_COUNT
};

struct sidecar {
	char *caption;		/* UTF-8, front matter removed, trimmed; owned; never NULL after parse */
	size_t caption_utf16;	/* length in UTF-16 code units */
	char privacy[32];	/* TikTok's name, or "unlisted" (YouTube's only); "" if unset */
	bool has_schedule;
	int64_t schedule_at;	/* unix seconds UTC */
	enum tristate comments, duet, stitch;	/* unset means off */
	bool has_cover;
	int64_t cover_ms;
	int mode;		/* -1 unset, else enum post_mode */
	enum tristate branded, promotional, ai_generated;
	bool schedule_ambiguous; /* the wall time occurred twice; the first was taken */
	int caption_from;	 /* .defaults: -1 unset, else enum caption_from */
	char *hashtags;		 /* .defaults: "#a #b" to append; NULL unset; owned */
	char *title;		 /* YouTube's title, as written; NULL unset; owned */
	enum tristate made_for_kids; /* YouTube's COPPA declaration */
	char category[8];	 /* a YouTube category id (meta/youtube.h); "" unset */
	/* the accounts also posted to (meta/targets.h), as account_list_format
	 * writes them, "none" for none; NULL unset; owned.  The file and the line
	 * that set it go with it (a .defaults' when merged from one), so a name
	 * checked later against the config is reported where it was written. */
	char *also_post_to;
	char *also_post_to_file; /* owned */
	int also_post_to_line;
};

#define SIDECAR_MAX_BYTES (1024 * 1024)
/* The longest caption any platform takes, in UTF-16 units: YouTube's
 * title (YT_TITLE_MAX characters, 2 units each at worst), a newline and
 * its description (YT_DESCRIPTION_MAX bytes, at most as many units);
 * TikTok's TIKTOK_CAPTION_MAX_UTF16 is less. */
#define SIDECAR_CAPTION_MAX_UTF16 5201

/*
 * Parse @len bytes.  @name is the sidecar's file name, used in messages
 * ("clip.caption: line 3: schedule: ...").  Returns 0, or -EINVAL with
 * @err set (class ERR_USER; -errno of reading a schedule's zone file when
 * that failed).  On success the caller frees with sidecar_free().
 */
int sidecar_parse(const char *name, const char *buf, size_t len, struct sidecar *sc,
		  struct tt_error *err);
/* Read and parse a file (at most SIDECAR_MAX_BYTES): sidecar_parse()'s
 * return, or the -errno of an open or read that failed (still ERR_USER). */
int sidecar_load(const char *path, const char *name, struct sidecar *sc, struct tt_error *err);
/*
 * sidecar_load() of the caption @rel below a drop folder's root descriptor
 * @root_fd, opened through meta/job/itemfile.h: a symlink, a hard link, a FIFO,
 * a socket, a device or a folder is never read ("clip.caption is refused:
 * it is a symbolic link, ...").  Every error is class ERR_USER.
 */
int sidecar_load_at(int root_fd, const char *rel, const char *name, struct sidecar *sc,
		    struct tt_error *err);
void sidecar_free(struct sidecar *sc);
/* @sc with every key unset and no caption (NULL): what a file that says
 * nothing gives. */
void sidecar_init(struct sidecar *sc);

/*
 * A folder's .defaults (meta/caption/defaults.h): the same front matter,
 * between --- lines or, as a convenience, the key lines alone, with no
 * caption text after it, where `cover` (a time in one video) and `title`
 * (one video's title) are refused
 * and `caption_from` and `hashtags` are also keys.  @name (the file's path
 * below the drop folder, "outbox/brand/.defaults") starts every message.
 * 0 or -EINVAL with @err set (class ERR_USER); sidecar_free() either way.
 */
int sidecar_parse_defaults(const char *name, const char *buf, size_t len, struct sidecar *sc,
			   struct tt_error *err);

/* "privacy", "caption_from"...: a static string. */
const char *sidecar_key_name(enum sidecar_key k);
/* Whether @k was written in the file @sc was parsed from. */
bool sidecar_key_is_set(const struct sidecar *sc, enum sidecar_key k);
/* Copy @k's value (set or not) from @src to @dst. */
void sidecar_key_copy(struct sidecar *dst, const struct sidecar *src, enum sidecar_key k);

#endif
