/*
 * Unit tests for util/escape.c: a name chosen by whoever can write to the
 * drop folder is shown so that it cannot forge a line, move the cursor or
 * break a UTF-8 reader, and nothing ordinary is changed.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util/escape.h"

static void check_esc(const char *in, const char *want)
{
	char *got = esc_text_dup(in);

	CHECK_STR(got, want);
	free(got);
}

TEST(test_ordinary_names_are_unchanged)
{
	check_esc("outbox/contact.mp4", "outbox/contact.mp4");
	check_esc("Été à Zürich 🎬.mp4", "Été à Zürich 🎬.mp4");
	check_esc("", "");
}

TEST(test_newline_cannot_forge_a_line)
{
	check_esc("a.mp4\n  posted      fake.mp4", "a.mp4\\n  posted      fake.mp4");
	check_esc("a\r\tb", "a\\r\\tb");
}

TEST(test_terminal_escapes_and_del_are_shown)
{
	check_esc("\x1b[2Jx\x7f", "\\x1b[2Jx\\x7f");
	check_esc("a\xc2\x9b!", "a\\u009b!");	  /* C1 CSI */
	check_esc("x\xe2\x80\xaey", "x\\u202ey"); /* RIGHT-TO-LEFT OVERRIDE */
	check_esc("l\xe2\x80\xa8m", "l\\u2028m"); /* LINE SEPARATOR */
}

TEST(test_invalid_utf8_bytes_are_shown_one_by_one)
{
	check_esc("bad\xff.mp4", "bad\\xff.mp4");
	check_esc("\xc3", "\\xc3");			       /* truncated */
	check_esc("\xc0\xaf", "\\xc0\\xaf");		       /* overlong '/' */
	check_esc("\xed\xa0\x80", "\\xed\\xa0\\x80");	       /* surrogate */
	check_esc("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* above U+10FFFF */
}

TEST(test_backslash_is_doubled_so_the_form_is_unambiguous)
{
	check_esc("a\\nb", "a\\\\nb");
}

TEST(test_null_is_named)
{
	check_esc(NULL, "(null)");
}

TEST(test_lossy_form_is_valid_utf8)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_init(&sb);
	esc_utf8_lossy(&sb, "a\xff-\xc3");
	CHECK_STR(strbuf_str(&sb), "a\xef\xbf\xbd-\xef\xbf\xbd");
	CHECK(esc_utf8_valid(sb.buf, sb.len));
	CHECK(!esc_utf8_valid("a\xff", 2));
	strbuf_release(&sb);
}

UNIT_MAIN()
