/* Unit tests for meta/caption/sidecar.c and meta/caption/utf8.c: the caption sidecar. */
#include "meta/config.h"
#include "meta/caption/sidecar.h"
#include "meta/caption/utf8.h"
#include "unit.h"

#include <errno.h>

#include <stdlib.h>
#include <unistd.h>

#define EMOJI "\xF0\x9F\x98\x80" /* U+1F600, 4 bytes, 2 UTF-16 units */

static struct tt_error e;

static int parse(const char *text, struct sidecar *sc)
{
	tt_error_clear(&e);
	return sidecar_parse("clip.caption", text, strlen(text), sc, &e);
}

static int parse_n(const char *text, size_t len, struct sidecar *sc)
{
	tt_error_clear(&e);
	return sidecar_parse("clip.caption", text, len, sc, &e);
}

/* Parse must fail and the message must hold @needle. */
static void refused(const char *text, const char *needle)
{
	struct sidecar sc;
	if (parse(text, &sc) == 0) {
		FAILF("accepted: %s", text);
		sidecar_free(&sc);
		return;
	}
	if (!strstr(e.what, needle))
		FAILF("\"%s\" lacks \"%s\"", e.what, needle);
	if (e.cls != ERR_USER)
		FAILF("class %d, expected ERR_USER", e.cls);
}

TEST(test_file_without_front_matter_is_just_the_caption)
{
	struct sidecar sc;
	CHECK_INT(parse("Sunset over the harbour #travel @friend\n", &sc), 0);
	CHECK_STR(sc.caption, "Sunset over the harbour #travel @friend");
	CHECK_INT(sc.caption_utf16, 39);
	CHECK_STR(sc.privacy, "");
	CHECK(!sc.has_schedule && !sc.has_cover);
	CHECK_INT(sc.mode, -1);
	CHECK_INT(sc.comments, TRI_UNSET);
	CHECK_INT(sc.ai_generated, TRI_UNSET);
	sidecar_free(&sc);
}

TEST(test_spec_example_sets_every_key)
{
	struct sidecar sc;
	const char *t = "---\n"
			"privacy: public            # public | friends | followers | private\n"
			"schedule: 2026-12-01 18:00 Europe/Berlin   # or ISO 8601\n"
			"comments: off              # on | off\n"
			"duet: on\n"
			"stitch: off\n"
			"# a comment on its own line\n"
			"\n"
			"cover: 1.5s                # frame used as cover\n"
			"mode: draft\n"
			"branded: yes\n"
			"promotional: no\n"
			"ai_generated: true\n"
			"---\n"
			"Sunset over the harbour #travel #sunset @friend\n";
	CHECK_INT(parse(t, &sc), 0);
	CHECK_STR(sc.privacy, "PUBLIC_TO_EVERYONE");
	CHECK(sc.has_schedule);
	CHECK_INT(sc.schedule_at, 1796144400);
	CHECK(!sc.schedule_ambiguous);
	CHECK_INT(sc.comments, TRI_OFF);
	CHECK_INT(sc.duet, TRI_ON);
	CHECK_INT(sc.stitch, TRI_OFF);
	CHECK(sc.has_cover);
	CHECK_INT(sc.cover_ms, 1500);
	CHECK_INT(sc.mode, POST_DRAFT);
	CHECK_INT(sc.branded, TRI_ON);
	CHECK_INT(sc.promotional, TRI_OFF);
	CHECK_INT(sc.ai_generated, TRI_ON);
	CHECK_STR(sc.caption, "Sunset over the harbour #travel #sunset @friend");
	sidecar_free(&sc);
	if (e.what[0])
		FAILF("error set on success: %s", e.what);
}

TEST(test_tiktok_privacy_names_and_quotes_are_accepted)
{
	struct sidecar sc;
	CHECK_INT(parse("---\nprivacy: SELF_ONLY\n---\nx", &sc), 0);
	CHECK_STR(sc.privacy, "SELF_ONLY");
	sidecar_free(&sc);
	CHECK_INT(parse("---\nPrivacy: \"friends\"\nmode: 'direct'\n---\nx", &sc), 0);
	CHECK_STR(sc.privacy, "MUTUAL_FOLLOW_FRIENDS");
	CHECK_INT(sc.mode, POST_DIRECT);
	sidecar_free(&sc);
	CHECK_INT(parse("---\nprivacy: FOLLOWER_OF_CREATOR\n---\n", &sc), 0);
	CHECK_STR(sc.privacy, "FOLLOWER_OF_CREATOR");
	CHECK_STR(sc.caption, "");
	sidecar_free(&sc);
}

TEST(test_cover_accepts_seconds_and_milliseconds)
{
	static const struct {
		const char *v;
		int64_t ms;
	} cases[] = { { "1.5s", 1500 }, { "1.5", 1500 },   { "1500ms", 1500 }, { "2", 2000 },
		      { "0.25 s", 250 }, { "0ms", 0 },       { ".5s", 500 },     { "12.3456s", 12345 } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sidecar sc;
		char t[128];
		snprintf(t, sizeof(t), "---\ncover: %s\n---\n", cases[i].v);
		if (parse(t, &sc)) {
			FAILF("cover %s refused: %s", cases[i].v, e.what);
			continue;
		}
		if (sc.cover_ms != cases[i].ms)
			FAILF("cover %s gave %lld ms", cases[i].v, (long long)sc.cover_ms);
		sidecar_free(&sc);
	}
}

TEST(test_caption_of_2200_utf16_units_is_accepted)
{
	struct sidecar sc;
	size_t n = 1100 * 4;
	char *t = malloc(n + 1);
	for (size_t i = 0; i < 1100; i++)
		memcpy(t + i * 4, EMOJI, 4);
	t[n] = '\0';
	CHECK_INT(parse(t, &sc), 0);
	CHECK_INT(sc.caption_utf16, 2200);
	CHECK_INT(strlen(sc.caption), 4400);
	sidecar_free(&sc);
	free(t);
}

/* The parser takes what any platform takes (YouTube's title and
 * description); TikTok's 2200 is meta/rules.c's to refuse (test_rules). */
TEST(test_caption_over_what_any_platform_takes_is_refused_with_the_count)
{
	struct sidecar sc;
	char *t = malloc(SIDECAR_CAPTION_MAX_UTF16 + 2);

	memset(t, 'x', SIDECAR_CAPTION_MAX_UTF16);
	t[SIDECAR_CAPTION_MAX_UTF16] = '\0';
	CHECK_INT(parse(t, &sc), 0);
	CHECK_INT(sc.caption_utf16, SIDECAR_CAPTION_MAX_UTF16);
	sidecar_free(&sc);
	t[SIDECAR_CAPTION_MAX_UTF16] = 'y';
	t[SIDECAR_CAPTION_MAX_UTF16 + 1] = '\0';
	CHECK_INT(parse(t, &sc), -EINVAL);
	CHECK_STR(e.what, "clip.caption: caption is 5202 UTF-16 units long; no platform takes more than 5201");
	CHECK(sc.caption == NULL);
	free(t);
}

TEST(test_invalid_utf8_is_refused_naming_line_and_offset)
{
	/* overlong '/' */
	refused("---\nprivacy: private\n---\nbad \xC0\xAF here", "line 4: invalid UTF-8 at byte offset 29");
	/* UTF-16 surrogate U+D800 encoded in UTF-8 */
	refused("ok\nsur \xED\xA0\x80", "line 2: invalid UTF-8 at byte offset 7");
	/* truncated 4-byte sequence at the end */
	refused("cut " EMOJI "\xF0\x9F\x98", "line 1: invalid UTF-8 at byte offset 8");
	/* lone continuation byte, bytes above F4, overlong 3-byte form */
	refused("\x80", "byte offset 0");
	refused("a\xF5\x80\x80\x80", "byte offset 1");
	refused("a\xE0\x80\xAF", "byte offset 1");
	/* beyond U+10FFFF */
	refused("\xF4\x90\x80\x80", "byte offset 0");
	/* in a front matter value too */
	refused("---\nprivacy: priv\xFFte\n---\n", "line 2: invalid UTF-8");
}

TEST(test_nul_byte_is_refused)
{
	struct sidecar sc;
	CHECK_INT(parse_n("abc\0def", 7, &sc), -EINVAL);
	CHECK_CONTAINS(e.what, "NUL byte at byte offset 3");
}

TEST(test_front_matter_errors_name_file_line_and_key)
{
	refused("---\nprivacy: private\ncolour: red\n---\n",
		"clip.caption: line 3: colour: unknown key; the keys are privacy");
	refused("---\nprivacy: private\nduet: on\nprivacy: public\n---\n",
		"clip.caption: line 4: privacy: set twice (first on line 2)");
	refused("---\ncomments: maybe\n---\n",
		"clip.caption: line 2: comments: \"maybe\" is not on or off");
	refused("---\nbranded: perhaps\n---\n", "line 2: branded: \"perhaps\" is not yes or no");
	refused("---\nprivacy: everybody\n---\n",
		"line 2: privacy: \"everybody\" is not a privacy; write public, friends, followers or private");
	refused("---\ncover: soon\n---\n", "line 2: cover: \"soon\" is not a time in the video");
	refused("---\ncover: -1s\n---\n", "cover: \"-1s\" is not a time");
	refused("---\ncover: 1.5min\n---\n", "cover: \"1.5min\"");
	refused("---\ncover: 99999999999s\n---\n", "cover:");
	refused("---\nmode: publish\n---\n", "line 2: mode: \"publish\" is not a mode; write direct or draft");
	refused("---\nprivacy:\n---\n", "line 2: privacy: no value");
	refused("---\njust some words\n---\n", "line 2: \"just some words\" is not a `key: value` line");
}

TEST(test_unclosed_front_matter_names_line_1)
{
	refused("---\nprivacy: private\nHello world\n", "clip.caption: line 1: the front matter opened with --- is never closed");
	refused("---", "line 1: the front matter");
}

TEST(test_bad_schedule_gives_the_exact_message)
{
	struct sidecar sc;
	CHECK_INT(parse("---\nprivacy: private\nschedule: 2026-13-01 18:00\n---\nx", &sc), -EINVAL);
	CHECK_STR(e.what, "clip.caption: line 3: schedule: \"2026-13-01 18:00\" is not a date; "
			  "write 2026-12-01 18:00 Europe/Berlin or 2026-12-01T18:00+01:00");
	refused("---\nschedule: 2026-12-01 18:00 Europe/Atlantis\n---\n",
		"line 2: schedule: \"2026-12-01 18:00 Europe/Atlantis\" names an unknown time zone (Europe/Atlantis)");
	refused("---\nschedule: 2026-03-29 02:30 Europe/Berlin\n---\n",
		"line 2: schedule: \"2026-03-29 02:30 Europe/Berlin\" does not exist in Europe/Berlin");
}

TEST(test_ambiguous_schedule_is_flagged)
{
	struct sidecar sc;
	CHECK_INT(parse("---\nschedule: 2026-10-25 02:30 Europe/Berlin\n---\n", &sc), 0);
	CHECK(sc.schedule_ambiguous);
	CHECK_INT(sc.schedule_at, 1792888200);
	sidecar_free(&sc);
}

TEST(test_crlf_front_matter_and_caption_bytes_are_kept)
{
	struct sidecar sc;
	CHECK_INT(parse("---\r\nprivacy: private\r\ncomments: on  \r\n---\r\nline one\r\nline two\r\n\r\n", &sc), 0);
	CHECK_STR(sc.privacy, "SELF_ONLY");
	CHECK_INT(sc.comments, TRI_ON);
	CHECK_STR(sc.caption, "line one\r\nline two");
	sidecar_free(&sc);
}

TEST(test_bom_is_tolerated)
{
	struct sidecar sc;
	CHECK_INT(parse("\xEF\xBB\xBF---\nprivacy: followers\n---\nhi", &sc), 0);
	CHECK_STR(sc.privacy, "FOLLOWER_OF_CREATOR");
	CHECK_STR(sc.caption, "hi");
	sidecar_free(&sc);
	CHECK_INT(parse("\xEF\xBB\xBFjust text", &sc), 0);
	CHECK_STR(sc.caption, "just text");
	sidecar_free(&sc);
}

/* @text (ASCII) as UTF-16 or UTF-32 with its byte-order mark. */
static size_t wide(char *out, const char *bom, size_t bom_len, size_t unit, bool big,
		   const char *text)
{
	size_t n = bom_len;

	memcpy(out, bom, bom_len);
	for (const char *p = text; *p; p++) {
		memset(out + n, 0, unit);
		out[n + (big ? unit - 1 : 0)] = *p;
		n += unit;
	}
	return n;
}

TEST(test_utf16_and_utf32_captions_are_named_with_save_as_utf8)
{
	static const struct {
		const char *bom;
		size_t bom_len, unit;
		bool big;
		const char *what;
	} cases[] = {
	    {"\xFF\xFE", 2, 2, false, "UTF-16 (little-endian)"},
	    {"\xFE\xFF", 2, 2, true, "UTF-16 (big-endian)"},
	    {"\xFF\xFE\x00\x00", 4, 4, false, "UTF-32 (little-endian)"},
	    {"\x00\x00\xFE\xFF", 4, 4, true, "UTF-32 (big-endian)"},
	};
	char buf[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sidecar sc;
		size_t n = wide(buf, cases[i].bom, cases[i].bom_len, cases[i].unit, cases[i].big,
				"---\nprivacy: private\n---\nhi\n");

		tt_error_clear(&e);
		CHECK_INT(parse_n(buf, n, &sc), -EINVAL);
		CHECK_CONTAINS(e.what, "clip.caption: the file is ");
		CHECK_CONTAINS(e.what, cases[i].what);
		CHECK_CONTAINS(e.what, "save it as UTF-8");
		CHECK_CONTAINS(e.advice, "Encoding: UTF-8");
		CHECK_INT(e.cls, ERR_USER);
	}
}

TEST(test_emoji_and_inner_newlines_are_preserved_byte_for_byte)
{
	struct sidecar sc;
	const char *cap = "Sunset " EMOJI "\xF0\x9F\x8C\x85 #travel\n\n\tZweite Zeile: \xC3\xA4\xC3\xB6\xC3\xBC "
			  "\xE2\x9D\xA4\xEF\xB8\x8F\n# not a comment here\n--- not a fence";
	char t[512];
	snprintf(t, sizeof(t), "---\nprivacy: private\n---\n\n  %s  \n\n", cap);
	CHECK_INT(parse(t, &sc), 0);
	CHECK_STR(sc.caption, cap);
	/* 7 + 2 + 2 + 9 + 2 + 16 + 3 +1 +2 + ... counted by hand below */
	CHECK_INT(sc.caption_utf16, utf8_utf16_len(cap, strlen(cap)));
	sidecar_free(&sc);
}

TEST(test_empty_file_and_empty_caption_are_allowed)
{
	struct sidecar sc;
	CHECK_INT(parse("", &sc), 0);
	CHECK_STR(sc.caption, "");
	CHECK_INT(sc.caption_utf16, 0);
	sidecar_free(&sc);
	CHECK_INT(parse("---\nprivacy: private\n---", &sc), 0);
	CHECK_STR(sc.caption, "");
	sidecar_free(&sc);
}

TEST(test_oversized_sidecar_is_refused)
{
	struct sidecar sc;
	size_t n = SIDECAR_MAX_BYTES + 1;
	char *t = malloc(n);
	memset(t, 'a', n);
	CHECK_INT(parse_n(t, n, &sc), -EINVAL);
	CHECK_CONTAINS(e.what, "a caption file may be at most 1048576");
	free(t);
}

TEST(test_utf16_length_counts_astral_as_two)
{
	CHECK_INT(utf8_utf16_len("abc", 3), 3);
	CHECK_INT(utf8_utf16_len("\xC3\xA4", 2), 1);
	CHECK_INT(utf8_utf16_len("\xE2\x82\xAC", 3), 1);
	CHECK_INT(utf8_utf16_len(EMOJI, 4), 2);
	CHECK_INT(utf8_cut(EMOJI EMOJI, 8, 6), 4);
	CHECK_INT(utf8_cut("abc", 3, 10), 3);
}

TEST(test_load_reads_a_file)
{
	char tmpl[] = "/tmp/ttfs-cap-XXXXXX";
	int fd = mkstemp(tmpl);
	struct sidecar sc;
	const char *t = "---\nprivacy: private\n---\nfrom a file " EMOJI "\n";
	CHECK(fd >= 0);
	CHECK_INT(write(fd, t, strlen(t)), (long long)strlen(t));
	close(fd);
	tt_error_clear(&e);
	CHECK_INT(sidecar_load(tmpl, "clip.caption", &sc, &e), 0);
	CHECK_STR(sc.caption, "from a file " EMOJI);
	sidecar_free(&sc);
	unlink(tmpl);
	CHECK_INT(sidecar_load(tmpl, "clip.caption", &sc, &e), -ENOENT);
	CHECK_CONTAINS(e.what, "clip.caption: cannot open");
}

TEST(test_youtube_keys_parse_for_every_platform)
{
	struct sidecar sc;

	CHECK_INT(parse("---\ntitle: My #1 video # a comment\nmade_for_kids: No\n"
			"category: Pets & Animals\nprivacy: Unlisted\n---\nText",
			&sc),
		  0);
	CHECK_STR(sc.title, "My #1 video");
	CHECK_INT(sc.made_for_kids, TRI_OFF);
	CHECK_STR(sc.category, "15");
	CHECK_STR(sc.privacy, "unlisted");
	CHECK(sidecar_key_is_set(&sc, SK_TITLE) && sidecar_key_is_set(&sc, SK_CATEGORY) &&
	      sidecar_key_is_set(&sc, SK_MADE_FOR_KIDS));
	sidecar_free(&sc);
	refused("---\nmade_for_kids: maybe\n---\nx", "made_for_kids: \"maybe\" is not yes or no");
	refused("---\ncategory: 99\n---\nx", "is not a YouTube category");
	refused("---\nprivacy: secret\n---\nx", "public, unlisted or private (YouTube)");
}

TEST(test_also_post_to_keeps_the_names_where_they_were_written)
{
	struct sidecar sc;

	CHECK_INT(parse("---\nprivacy: public\nAlso_Post_To:  yt ,brand-b # both\n---\nText", &sc),
		  0);
	CHECK_STR(sc.also_post_to, "yt, brand-b");
	CHECK_STR(sc.also_post_to_file, "clip.caption");
	CHECK_INT(sc.also_post_to_line, 3);
	CHECK(sidecar_key_is_set(&sc, SK_ALSO_POST_TO));
	sidecar_free(&sc);
	CHECK_INT(parse("---\nalso_post_to: none\n---\nText", &sc), 0);
	CHECK_STR(sc.also_post_to, "none");
	CHECK(sidecar_key_is_set(&sc, SK_ALSO_POST_TO));
	sidecar_free(&sc);
	CHECK_INT(parse("---\nprivacy: public\n---\nText", &sc), 0);
	CHECK(sc.also_post_to == NULL && !sidecar_key_is_set(&sc, SK_ALSO_POST_TO));
	sidecar_free(&sc);
}

TEST(test_also_post_to_errors_name_the_file_the_line_and_the_name)
{
	refused("---\nprivacy: public\nalso_post_to: yt, yt\n---\nx",
		"clip.caption: line 3: also_post_to: \"yt, yt\" is not a list of accounts: names "
		"'yt' twice: name each account once; or write none");
	refused("---\nalso_post_to: yt,,b\n---\nx", "line 2: also_post_to: \"yt,,b\" is not a list "
							 "of accounts: an empty name between commas");
	refused("---\nalso_post_to: my channel\n---\nx", "the account name has ' ' (byte 3)");
	refused("---\nalso_post_to:\n---\nx", "also_post_to: no value; write e.g. also_post_to: yt");
	refused("---\nalso_post_to: yt\nalso_post_to: none\n---\nx",
		"line 3: also_post_to: set twice (first on line 2)");
}

UNIT_MAIN()
