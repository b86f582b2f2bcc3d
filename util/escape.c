/*
 * Escaping for text views (escape.h).  The decoder is strict RFC 3629 so
 * that what is shown as a character is exactly what a UTF-8 terminal would
 * draw; anything else is shown byte by byte, which loses nothing: a person
 * can copy the escaped form back into printf(1) to name the file.
 */
#include "util/escape.h"

#include <stdlib.h>
#include <string.h>

size_t esc_utf8_seq(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned c = s[0], min, n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000, c &= 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (unsigned i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

bool esc_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned cp;

	for (size_t i = 0; i < len;) {
		size_t n = esc_utf8_seq(p + i, len - i, &cp);

		if (!n)
			return false;
		i += n;
	}
	return true;
}

/* Characters that are valid but move, hide or reorder text on a screen. */
static bool is_hidden(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static void add_ascii(struct strbuf *sb, unsigned char c)
{
	switch (c) {
	case '\n':
		strbuf_addstr(sb, "\\n");
		break;
	case '\r':
		strbuf_addstr(sb, "\\r");
		break;
	case '\t':
		strbuf_addstr(sb, "\\t");
		break;
	case '\\':
		strbuf_addstr(sb, "\\\\");
		break;
	default:
		if (c < 0x20 || c == 0x7f)
			strbuf_addf(sb, "\\x%02x", c);
		else
			strbuf_addch(sb, (char)c);
	}
}

void esc_text(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;
	unsigned cp;

	if (!s) {
		strbuf_addstr(sb, "(null)");
		return;
	}
	len = strlen(s);
	for (size_t i = 0; i < len;) {
		size_t n = esc_utf8_seq(p + i, len - i, &cp);

		if (n == 1)
			add_ascii(sb, p[i]);
		else if (n == 0)
			strbuf_addf(sb, "\\x%02x", p[i]);
		else if (is_hidden(cp))
			strbuf_addf(sb, "\\u%04x", cp);
		else
			strbuf_add(sb, p + i, n);
		i += n ? n : 1;
	}
}

char *esc_text_dup(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_init(&sb);
	esc_text(&sb, s);
	return strbuf_detach(&sb, NULL);
}

void esc_utf8_lossy(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = s ? strlen(s) : 0;
	unsigned cp;

	for (size_t i = 0; i < len;) {
		size_t n = esc_utf8_seq(p + i, len - i, &cp);

		if (n)
			strbuf_add(sb, p + i, n);
		else
			strbuf_addstr(sb, "\xef\xbf\xbd"); /* U+FFFD */
		i += n ? n : 1;
	}
}
