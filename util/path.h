/*
 * Path names as strings, never touching the file system (that is
 * util/safepath.h).  Paths here are the drop folder's relative names,
 * "outbox/sub/clip.mp4", or absolute names of the program's own files.
 */
#ifndef TIKTOKFS_PATH_H
#define TIKTOKFS_PATH_H

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* The last component of @path: "clip.mp4" for "outbox/sub/clip.mp4". */
static inline const char *path_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Whether @s ends in @suffix, byte for byte. */
static inline bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Whether @s ends in @suffix, ASCII letters in either case ("CLIP.MP4"). */
static inline bool has_suffix_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

#endif
