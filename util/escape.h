/*
 * Names as people read them.  A file name in a shared drop folder is
 * chosen by whoever can write there: it may hold a newline (forging a line
 * of STATUS.txt or of a log), a terminal escape (ESC [ ...), or bytes that
 * are not UTF-8.  Every text view prints names through esc_text(), which
 * shows such bytes C-style (\n, \x1b, \xff) and leaves everything else,
 * accents and emoji included, as it is.  JSON views use esc_utf8_lossy()
 * for display and keep the exact bytes beside it (base64) when they differ.
 */
#ifndef TIKTOKFS_ESCAPE_H
#define TIKTOKFS_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"

/*
 * Append @s (NUL-terminated) to @sb with these shown C-style: the C0
 * controls (\t \n \r by letter, others \xHH), DEL (\x7f), the backslash
 * itself (\\, so that the form cannot be confused with a real name), each
 * byte of an invalid UTF-8 sequence (\xHH), and the characters that move or
 * reorder text on a terminal: C1 controls, U+2028/U+2029, bidi embeddings
 * and isolates (\u202e).  NULL appends "(null)".
 */
void esc_text(struct strbuf *sb, const char *s);

/* esc_text() into a new string; the caller frees it.  Never NULL. */
char *esc_text_dup(const char *s);

/*
 * Length of the valid UTF-8 sequence at @s (at most @len bytes; RFC 3629:
 * no overlong forms, surrogates or code points above U+10FFFF), or 0 when
 * the byte at @s starts none.  *@cp gets the code point.
 */
size_t esc_utf8_seq(const unsigned char *s, size_t len, unsigned *cp);

/* True when the @len bytes at @s are valid UTF-8. */
bool esc_utf8_valid(const char *s, size_t len);

/* Append @s with every byte of an invalid sequence replaced by U+FFFD:
 * always valid UTF-8, for display in JSON. */
void esc_utf8_lossy(struct strbuf *sb, const char *s);

#endif
