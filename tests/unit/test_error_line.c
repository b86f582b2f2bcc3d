/*
 * The one printer of a struct tt_error (util/error.h): what mount, watch,
 * check, status and login print when they fail, and what the reload log
 * line holds.  Pinned byte for byte, since tests of the commands and
 * people's scripts read these lines.
 */
#include "util/error.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static char *line_of(const struct tt_error *e, enum tt_error_style style)
{
	struct strbuf sb = STRBUF_INIT;

	tt_error_line(&sb, e, style);
	return strbuf_detach(&sb, NULL);
}

static void check_line(const struct tt_error *e, enum tt_error_style style, const char *want)
{
	char *got = line_of(e, style);

	CHECK_STR(got, want);
	free(got);
}

TEST(test_what_alone_is_the_whole_line)
{
	struct tt_error e;

	tt_error_clear(&e);
	tt_error_set(&e, ERR_USER, "/srv/x: not a directory");
	check_line(&e, TT_ERR_TERM, "/srv/x: not a directory");
	check_line(&e, TT_ERR_LOG, "/srv/x: not a directory");
	check_line(&e, TT_ERR_LINES, "/srv/x: not a directory");
}

TEST(test_advice_follows_one_sentence_stop)
{
	struct tt_error e;

	tt_error_clear(&e);
	tt_error_set(&e, ERR_USER, "clip.caption: privacy is missing");
	tt_error_advise(&e, "Add privacy: public.");
	check_line(&e, TT_ERR_TERM, "clip.caption: privacy is missing. Add privacy: public.");
	tt_error_set(&e, ERR_USER, "clip.mp4 is 11 minutes long.");
	check_line(&e, TT_ERR_TERM, "clip.mp4 is 11 minutes long. Add privacy: public.");
}

TEST(test_login_style_puts_advice_and_log_id_on_lines_of_their_own)
{
	struct tt_error e;

	tt_error_clear(&e);
	tt_error_set(&e, ERR_USER, "TikTok refused the code");
	tt_error_advise(&e, "Run tiktokfs login again.");
	tt_error_code(&e, "invalid_grant", "2026LOG");
	check_line(&e, TT_ERR_LINES,
		   "TikTok refused the code\n  Run tiktokfs login again.\n  (TikTok log_id 2026LOG)");
}

TEST(test_a_name_cannot_add_a_line_on_the_terminal)
{
	struct tt_error e;

	tt_error_clear(&e);
	tt_error_set(&e, ERR_USER, "bad\nname.mp4: refused");
	check_line(&e, TT_ERR_TERM, "bad\\nname.mp4: refused");
	/* the log escapes the whole line itself: escaping here would double it */
	check_line(&e, TT_ERR_LOG, "bad\nname.mp4: refused");
}

TEST(test_print_adds_the_prefix_and_one_newline)
{
	struct tt_error e;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	tt_error_clear(&e);
	tt_error_set(&e, ERR_USER, "state: cannot create the directory");
	tt_error_advise(&e, "Check the path and its permissions.");
	tt_error_print(f, "tiktokfs", &e, TT_ERR_TERM);
	tt_error_print(f, NULL, &e, TT_ERR_TERM);
	fclose(f);
	CHECK_STR(buf, "tiktokfs: state: cannot create the directory. Check the path and its "
		       "permissions.\nstate: cannot create the directory. Check the path and its "
		       "permissions.\n");
	free(buf);
}

UNIT_MAIN()
