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
 * at most TIKTOK_CAPTION_MAX_UTF16 (meta/tiktok.h) UTF-16 units.  A file
 * that starts with a UTF-16 or UTF-32 byte-order mark (Notepad's
 * "Unicode") is refused by that name, with "save it as UTF-8".
 */
#ifndef TIKTOKFS_SIDECAR_H
#define TIKTOKFS_SIDECAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

enum tristate { TRI_UNSET = -1, TRI_OFF = 0, TRI_ON = 1 };

struct sidecar {
	char *caption;		/* UTF-8, front matter removed, trimmed; owned; never NULL after parse */
	size_t caption_utf16;	/* length in UTF-16 code units */
	char privacy[32];	/* TikTok's name, "" if unset */
	bool has_schedule;
	int64_t schedule_at;	/* unix seconds UTC */
	enum tristate comments, duet, stitch;	/* unset means off */
	bool has_cover;
	int64_t cover_ms;
	int mode;		/* -1 unset, else enum post_mode */
	enum tristate branded, promotional, ai_generated;
	bool schedule_ambiguous; /* the wall time occurred twice; the first was taken */
};

#define SIDECAR_MAX_BYTES (1024 * 1024)

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

#endif
