/*
 * UTF-8 validation and UTF-16 length, for captions.  TikTok counts a
 * caption in UTF-16 code units (an emoji outside the Basic Multilingual
 * Plane counts 2), so the length compared with TIKTOK_CAPTION_MAX_UTF16
 * (meta/tiktok.h) is that count, not bytes or code points.  Validation is strict (RFC 3629): no overlong forms,
 * no surrogates, nothing above U+10FFFF, no truncated sequences; invalid
 * input is reported, never repaired.
 */
#ifndef TIKTOKFS_UTF8_H
#define TIKTOKFS_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when the @len bytes at @s are valid UTF-8.  When not, *@bad_off (if
 * not NULL) is the offset of the first byte of the first invalid sequence.
 */
bool utf8_valid(const char *s, size_t len, size_t *bad_off);

/* Length in UTF-16 code units of valid UTF-8 text (what TikTok counts). */
size_t utf8_utf16_len(const char *s, size_t len);

/*
 * The largest n <= @max such that the first n bytes of the valid UTF-8 text
 * @s (of @len bytes) end on a character boundary: for cutting text short in
 * messages without splitting a character.
 */
size_t utf8_cut(const char *s, size_t len, size_t max);

#endif
