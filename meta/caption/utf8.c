/*
 * Strict UTF-8 decoding (RFC 3629, table 3-7 of the Unicode standard):
 * every sequence is checked for its lead byte, the allowed range of its
 * second byte (which is what excludes overlong forms, surrogates and values
 * above U+10FFFF) and its continuation bytes.  utf8_utf16_len() relies on
 * valid input: 4-byte sequences are the astral code points, 2 units each.
 */
#include "meta/caption/utf8.h"

#include <stdint.h>

/* Length of the valid sequence at @p (at most @left bytes), 0 if invalid. */
static size_t seq_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0; /* continuation byte, C0/C1 (overlong) or F5..FF */
	if (c == 0xE0)
		lo = 0xA0; /* below is an overlong 3-byte form */
	else if (c == 0xED)
		hi = 0x9F; /* above is a UTF-16 surrogate */
	else if (c == 0xF0)
		lo = 0x90; /* below is an overlong 4-byte form */
	else if (c == 0xF4)
		hi = 0x8F; /* above is beyond U+10FFFF */
	if (left < 2 || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (i >= left || (p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

bool utf8_valid(const char *s, size_t len, size_t *bad_off)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = seq_len(p + i, len - i);
		if (!n) {
			if (bad_off)
				*bad_off = i;
			return false;
		}
		i += n;
	}
	return true;
}

size_t utf8_utf16_len(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t units = 0;

	for (size_t i = 0; i < len; i++) {
		if ((p[i] & 0xC0) == 0x80)
			continue; /* continuation bytes add nothing */
		units += (p[i] >= 0xF0) ? 2 : 1;
	}
	return units;
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (len <= max)
		return len;
	n = max;
	/* Step back over continuation bytes to the lead byte of the cut character. */
	while (n > 0 && (p[n] & 0xC0) == 0x80)
		n--;
	return n;
}
