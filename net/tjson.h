/*
 * JSON helpers over jansson for TikTok's replies: a parser that keeps every
 * integer exact (post IDs above 2^63 included) and small typed getters that
 * tolerate a missing or mistyped field instead of crashing on it.  The
 * prefix is tjson_ (and so the file's name), since json_ is jansson's.
 */
#ifndef TIKTOKFS_TJSON_H
#define TIKTOKFS_TJSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parse @len bytes of @text.  Integers that do not fit json_int_t (int64)
 * come back as JSON strings of their exact decimal digits rather than
 * failing the whole parse; nothing ever goes through a double.  Returns a
 * new reference (caller json_decref()s) or NULL with @jerr filled.
 */
json_t *tjson_parse(const char *text, size_t len, json_error_t *jerr);

/* The string at @key of @obj, or "" (never NULL) when absent or not a string. */
const char *tjson_str(const json_t *obj, const char *key);
/* Copy the string at @key into @dst; -E2BIG when it did not fit (copied
 * truncated), -ENOENT when absent or not a string (@dst set to ""). */
int tjson_copy(char *dst, size_t size, const json_t *obj, const char *key);
/* A non-negative integer at @key; -ENOENT / -ERANGE. */
int tjson_u64(const json_t *obj, const char *key, uint64_t *out);
/* An ID (integer, or digit string from a big integer) as exact decimal. */
int tjson_id(const json_t *v, char *dst, size_t size);

#endif
