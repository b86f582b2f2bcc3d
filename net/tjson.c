/*
 * Exact JSON numbers.  jansson stores integers as json_int_t (long long)
 * and rejects a literal outside its range ("too big integer"), which would
 * turn a valid status reply into a parse error.  TikTok's post IDs are
 * 19-digit int64 values today (above 2^53, so a double would corrupt them)
 * and nothing promises they stay below 2^63.  So before jansson sees the
 * text, a pre-pass walks it once, tracking string literals, and quotes
 * every integer literal that does not fit int64: it then reaches the
 * caller as a string of its exact digits, and tjson_id() accepts both
 * forms.  Reals are left alone; JSON_DECODE_INT_AS_REAL is never used.
 */
#include "net/tjson.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/strbuf.h"

/* Does the integer literal @p[0..n) (optional '-', digits) fit int64? */
static int fits_int64(const char *p, size_t n)
{
	static const char max[] = "9223372036854775807";
	static const char min[] = "9223372036854775808";
	const char *lim = max;
	size_t digits;

	if (*p == '-') {
		p++;
		n--;
		lim = min;
	}
	while (n > 1 && *p == '0') { /* leading zeros are invalid JSON anyway */
		p++;
		n--;
	}
	digits = n;
	if (digits != 19)
		return digits < 19;
	return memcmp(p, lim, 19) <= 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Copy @text to @out with out-of-range integers quoted (see top). */
static void quote_big_ints(const char *text, size_t len, struct strbuf *out)
{
	size_t i = 0, start;
	int in_str = 0;

	while (i < len) {
		char c = text[i];
		if (in_str) {
			if (c == '\\' && i + 1 < len) {
				strbuf_add(out, text + i, 2);
				i += 2;
				continue;
			}
			if (c == '"')
				in_str = 0;
			strbuf_addch(out, c);
			i++;
			continue;
		}
		if (c == '"') {
			in_str = 1;
			strbuf_addch(out, c);
			i++;
			continue;
		}
		if (!(is_digit(c) || (c == '-' && i + 1 < len && is_digit(text[i + 1])))) {
			strbuf_addch(out, c);
			i++;
			continue;
		}
		start = i++;
		while (i < len && is_digit(text[i]))
			i++;
		/* A real (fraction or exponent) or a bare word: leave as it is. */
		if ((i < len && (text[i] == '.' || text[i] == 'e' || text[i] == 'E')) ||
		    fits_int64(text + start, i - start)) {
			while (i < len && (is_digit(text[i]) || strchr(".eE+-", text[i])))
				i++;
			strbuf_add(out, text + start, i - start);
			continue;
		}
		strbuf_addch(out, '"');
		strbuf_add(out, text + start, i - start);
		strbuf_addch(out, '"');
	}
}

json_t *tjson_parse(const char *text, size_t len, json_error_t *jerr)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *root;

	strbuf_init(&sb);
	quote_big_ints(text, len, &sb);
	root = json_loadb(sb.buf, sb.len, JSON_REJECT_DUPLICATES, jerr);
	strbuf_release(&sb);
	return root;
}

const char *tjson_str(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : "";
}

int tjson_copy(char *dst, size_t size, const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	int n;

	if (!json_is_string(v)) {
		if (size)
			dst[0] = '\0';
		return -ENOENT;
	}
	n = snprintf(dst, size, "%s", json_string_value(v));
	return (n < 0 || (size_t)n >= size) ? -E2BIG : 0;
}

int tjson_u64(const json_t *obj, const char *key, uint64_t *out)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	if (!json_is_integer(v))
		return -ENOENT;
	if (json_integer_value(v) < 0)
		return -ERANGE;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int tjson_id(const json_t *v, char *dst, size_t size)
{
	const char *s;
	int n;

	if (json_is_integer(v)) {
		n = snprintf(dst, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_string(v)) {
		/* Only digits: a quoted big integer from the pre-pass, or an ID
		 * TikTok chose to send as a string. */
		s = json_string_value(v);
		if (!*s || strspn(s, "0123456789") != strlen(s))
			return -EINVAL;
		n = snprintf(dst, size, "%s", s);
	} else {
		return -ENOENT;
	}
	return (n < 0 || (size_t)n >= size) ? -E2BIG : 0;
}
