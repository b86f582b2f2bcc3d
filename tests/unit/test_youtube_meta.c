/* Unit tests for meta/youtube_meta.c and meta/youtube.c: what a caption
 * means on YouTube (docs/contract.md "YouTube", docs/youtube.md §3). */
#include "meta/config.h"
#include "meta/caption/sidecar.h"
#include "meta/youtube.h"
#include "meta/youtube_meta.h"
#include "util/strbuf.h"
#include "unit.h"

#include <errno.h>
#include <stdlib.h>

#define EMOJI "\xF0\x9F\x98\x80" /* U+1F600: 1 character, 4 bytes, 2 UTF-16 units */
#define E_ACUTE "\xC3\xA9"	 /* U+00E9: 1 character, 2 bytes */
#define NOW 1780000000		 /* 2026-05-28 */

static struct tt_error e;
static struct yt_meta m;

/* Parse @text as clip.caption and map it with @cfg (NULL: no account
 * settings).  The sidecar is freed; m holds the result. */
static int map_cfg(const struct config *cfg, const char *text)
{
	struct sidecar sc;
	int rc;

	yt_meta_free(&m);
	tt_error_clear(&e);
	if (sidecar_parse("clip.caption", text, strlen(text), &sc, &e)) {
		FAILF("does not parse: %s", e.what);
		return -999;
	}
	rc = yt_meta_from_sidecar(cfg, &sc, "clip.caption", NOW, &m, &e);
	sidecar_free(&sc);
	return rc;
}

static int map(const char *text)
{
	return map_cfg(NULL, text);
}

/* The front matter every valid item below needs, then @rest. */
static char *with_keys(const char *rest)
{
	return xasprintf("---\nprivacy: public\nmade_for_kids: no\n---\n%s", rest);
}

static int map_keys(const char *rest)
{
	char *t = with_keys(rest);
	int rc = map(t);

	free(t);
	return rc;
}

/* @n copies of @unit, as a new string. */
static char *repeat(const char *unit, size_t n)
{
	size_t len = strlen(unit);
	char *s = xmalloc(len * n + 1);

	for (size_t i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	return s;
}

TEST(test_first_line_is_title_rest_is_description)
{
	CHECK_INT(map_keys("Sunset over the harbour\n\nShot at 6am.\nSecond line."), 0);
	CHECK_STR(m.title, "Sunset over the harbour");
	CHECK_STR(m.description, "Shot at 6am.\nSecond line.");
	CHECK_INT(m.title_from, YT_FROM_CAPTION);
	CHECK_STR(m.privacy, "public");
	CHECK_INT(m.made_for_kids, 0);
	CHECK_STR(m.category_id, "22");
	CHECK_INT(m.category_from, YT_FROM_DEFAULT);
	CHECK(m.publish_at == 0);
}

TEST(test_one_line_caption_has_empty_description)
{
	CHECK_INT(map_keys("Just a title"), 0);
	CHECK_STR(m.title, "Just a title");
	CHECK_STR(m.description, "");
}

TEST(test_title_key_makes_whole_caption_the_description)
{
	CHECK_INT(map("---\nprivacy: unlisted\nmade_for_kids: yes\ntitle: My #1 video\n---\n"
		      "First line\nsecond"),
		  0);
	CHECK_STR(m.title, "My #1 video");
	CHECK_STR(m.description, "First line\nsecond");
	CHECK_INT(m.title_from, YT_FROM_KEY);
	CHECK_STR(m.privacy, "unlisted");
	CHECK_INT(m.made_for_kids, 1);
}

TEST(test_title_at_limit_passes_over_is_refused_with_count)
{
	char *t = repeat("a", YT_TITLE_MAX), *over = repeat("a", YT_TITLE_MAX + 1);

	CHECK_INT(map_keys(t), 0);
	CHECK_INT(map_keys(over), -EINVAL);
	CHECK_CONTAINS(e.what, "clip.caption");
	CHECK_CONTAINS(e.what, "101 characters");
	CHECK_CONTAINS(e.what, "at most 100");
	CHECK_CONTAINS(e.advice, "title:");
	CHECK_INT(e.cls, ERR_USER);
	free(t);
	free(over);
}

TEST(test_title_counts_characters_not_bytes)
{
	char *emoji = repeat(EMOJI, YT_TITLE_MAX), *acc = repeat(E_ACUTE, YT_TITLE_MAX + 1);

	CHECK_INT(map_keys(emoji), 0); /* 400 bytes, 200 UTF-16 units, 100 characters */
	CHECK_INT(map_keys(acc), -EINVAL);
	CHECK_CONTAINS(e.what, "101 characters");
	free(emoji);
	free(acc);
}

TEST(test_explicit_title_over_limit_is_refused)
{
	char *long_title = repeat("b", 120);
	char *t =
	    xasprintf("---\nprivacy: public\nmade_for_kids: no\ntitle: %s\n---\nx", long_title);

	CHECK_INT(map(t), -EINVAL);
	CHECK_CONTAINS(e.what, "title is 120 characters");
	free(t);
	free(long_title);
}

TEST(test_angle_brackets_refused_in_title_and_description)
{
	CHECK_INT(map_keys("a <b> title"), -EINVAL);
	CHECK_CONTAINS(e.what, "clip.caption");
	CHECK_CONTAINS(e.what, "'<'");
	CHECK_INT(map_keys("title\nsee -> here"), -EINVAL);
	CHECK_CONTAINS(e.what, "description holds '>'");
}

TEST(test_empty_caption_has_no_title)
{
	CHECK_INT(map_keys(""), -EINVAL);
	CHECK_CONTAINS(e.what, "no title");
}

TEST(test_description_limit_is_bytes)
{
	char *ok = repeat("d", YT_DESCRIPTION_MAX), *over = repeat(E_ACUTE, 2501);
	char *t1 = xasprintf("T\n%s", ok), *t2 = xasprintf("T\n%s", over);

	CHECK_INT(map_keys(t1), 0);
	CHECK_INT(map_keys(t2), -EINVAL); /* 2501 characters, 5002 bytes */
	CHECK_CONTAINS(e.what, "5002 bytes");
	CHECK_CONTAINS(e.what, "at most 5000");
	free(ok);
	free(over);
	free(t1);
	free(t2);
}

TEST(test_hashtags_become_tags_once_without_hash)
{
	CHECK_INT(map_keys("Sunset #travel\nmore #Sunset #travel #été, C# is no tag #"), 0);
	CHECK_INT((int)m.ntags, 3);
	if (m.ntags == 3) {
		CHECK_STR(m.tags[0], "travel");
		CHECK_STR(m.tags[1], "Sunset");
		CHECK_STR(m.tags[2], "\xC3\xA9t\xC3\xA9");
	}
	/* travel,Sunset,été: 6 + 6 + 3 characters and 2 commas */
	CHECK_INT((int)m.tags_length, 17);
}

TEST(test_tags_length_counts_commas_and_quotes)
{
	char *tags[] = {"ab", "c d", EMOJI};

	CHECK_INT((int)yt_tags_length(tags, 1), 2);
	CHECK_INT((int)yt_tags_length(tags, 2), 2 + 1 + 3 + 2);
	CHECK_INT((int)yt_tags_length(tags, 3), 2 + 1 + 3 + 2 + 1 + 1);
	CHECK_INT((int)yt_tags_length(tags, 0), 0);
}

/* Hashtags of 9 characters each: n tags count 10n - 1. */
static char *hashtags(size_t n)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "Title\n");
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "#tagx%05zu ", i);
	return strbuf_detach(&sb, NULL);
}

TEST(test_tags_budget_at_and_over_limit)
{
	char *t50 = hashtags(50), *t51 = hashtags(51);

	CHECK_INT(map_keys(t50), 0); /* 499 */
	CHECK_INT((int)m.tags_length, 499);
	CHECK_INT(map_keys(t51), -EINVAL); /* 509 */
	CHECK_CONTAINS(e.what, "509 characters of tags");
	CHECK_CONTAINS(e.what, "at most 500");
	free(t50);
	free(t51);
}

TEST(test_made_for_kids_missing_is_refused_with_what_to_add)
{
	CHECK_INT(map("---\nprivacy: public\n---\nA title"), -EINVAL);
	CHECK_CONTAINS(e.what, "clip.caption");
	CHECK_CONTAINS(e.what, "made_for_kids: yes");
	CHECK_CONTAINS(e.what, "made_for_kids: no");
	CHECK_INT(e.cls, ERR_USER);
}

TEST(test_privacy_missing_is_refused_naming_youtube_choices)
{
	CHECK_INT(map("---\nmade_for_kids: no\n---\nA title"), -EINVAL);
	CHECK_CONTAINS(e.what, "public|unlisted|private");
}

TEST(test_tiktok_privacy_names_youtube_choices)
{
	CHECK_INT(map("---\nprivacy: friends\nmade_for_kids: no\n---\nA title"), -EINVAL);
	CHECK_CONTAINS(e.what, "privacy friends is TikTok's");
	CHECK_CONTAINS(e.what, "public, unlisted or private");
	CHECK_INT(map("---\nprivacy: followers\nmade_for_kids: no\n---\nA title"), -EINVAL);
}

TEST(test_account_settings_fill_what_the_caption_leaves)
{
	struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.privacy = "unlisted";
	cfg.made_for_kids = "yes";
	cfg.category = "27";
	CHECK_INT(map_cfg(&cfg, "A title"), 0);
	CHECK_STR(m.privacy, "unlisted");
	CHECK_INT(m.privacy_from, YT_FROM_ACCOUNT);
	CHECK_INT(m.made_for_kids, 1);
	CHECK_INT(m.made_for_kids_from, YT_FROM_ACCOUNT);
	CHECK_STR(m.category_id, "27");
	CHECK_INT(m.category_from, YT_FROM_ACCOUNT);
	CHECK_INT(
	    map_cfg(&cfg, "---\nprivacy: private\nmade_for_kids: no\ncategory: music\n---\nT"), 0);
	CHECK_STR(m.privacy, "private");
	CHECK_INT(m.made_for_kids, 0);
	CHECK_STR(m.category_id, "10");
	CHECK_INT(m.category_from, YT_FROM_KEY);
}

TEST(test_schedule_to_come_is_private_with_publish_at_utc)
{
	char *json;

	/* 2026-12-01 18:00 in Berlin (CET, UTC+1) is 17:00 UTC */
	CHECK_INT(map("---\nprivacy: public\nmade_for_kids: no\n"
		      "schedule: 2026-12-01 18:00 Europe/Berlin\n---\nT"),
		  0);
	CHECK_STR(m.privacy, "private");
	CHECK(m.publish_at == 1796144400);
	json = yt_meta_json(&m);
	CHECK_CONTAINS(json, "\"publishAt\":\"2026-12-01T17:00:00Z\"");
	CHECK_CONTAINS(json, "\"privacyStatus\":\"private\"");
	free(json);
}

TEST(test_schedule_without_privacy_means_public_at_the_time)
{
	CHECK_INT(map("---\nmade_for_kids: no\nschedule: 2026-12-01T17:00:00Z\n---\nT"), 0);
	CHECK_STR(m.privacy, "private");
	CHECK_INT(m.privacy_from, YT_FROM_SCHEDULE);
	CHECK(m.publish_at == 1796144400);
}

TEST(test_schedule_passed_posts_public_now)
{
	CHECK_INT(map("---\nmade_for_kids: no\nschedule: 2020-01-01T00:00:00Z\n---\nT"), 0);
	CHECK_STR(m.privacy, "public");
	CHECK(m.publish_at == 0);
}

TEST(test_schedule_with_unlisted_or_private_is_refused)
{
	CHECK_INT(map("---\nprivacy: unlisted\nmade_for_kids: no\n"
		      "schedule: 2026-12-01T17:00:00Z\n---\nT"),
		  -EINVAL);
	CHECK_CONTAINS(e.what, "privacy unlisted with a schedule");
	CHECK_INT(map("---\nprivacy: private\nmade_for_kids: no\n"
		      "schedule: 2026-12-01T17:00:00Z\n---\nT"),
		  -EINVAL);
}

TEST(test_json_is_the_insert_body)
{
	char *json;

	CHECK_INT(map_keys("Title \"quoted\"\nDesc #tag"), 0);
	json = yt_meta_json(&m);
	CHECK_STR(json, "{\"snippet\":{\"title\":\"Title \\\"quoted\\\"\",\"description\":"
			"\"Desc #tag\",\"tags\":[\"tag\"],\"categoryId\":\"22\"},\"status\":"
			"{\"privacyStatus\":\"public\",\"selfDeclaredMadeForKids\":false}}");
	free(json);
}

TEST(test_categories_by_name_or_id)
{
	CHECK_STR(yt_category_id("22"), "22");
	CHECK_STR(yt_category_id("People & Blogs"), "22");
	CHECK_STR(yt_category_id("people-and-blogs"), "22");
	CHECK_STR(yt_category_id("SCIENCE & TECHNOLOGY"), "28");
	CHECK_STR(yt_category_id("gaming"), "20");
	CHECK(yt_category_id("21") == NULL);
	CHECK(yt_category_id("") == NULL);
	CHECK(yt_category_id("&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&") == NULL);
	CHECK_STR(yt_category_name("10"), "Music");
}

TEST(test_sidecar_refuses_unknown_category_and_title_in_defaults)
{
	struct sidecar sc;
	const char *bad = "---\ncategory: knitting\n---\nT";
	const char *dflt = "title: Same for all\n";

	tt_error_clear(&e);
	CHECK_INT(sidecar_parse("clip.caption", bad, strlen(bad), &sc, &e), -EINVAL);
	CHECK_CONTAINS(e.what, "not a YouTube category");
	CHECK_CONTAINS(e.what, "22 People & Blogs");
	sidecar_free(&sc);
	tt_error_clear(&e);
	CHECK_INT(sidecar_parse_defaults("outbox/.defaults", dflt, strlen(dflt), &sc, &e), -EINVAL);
	CHECK_CONTAINS(e.what, "title belongs to one video");
	sidecar_free(&sc);
}

TEST(test_free_is_safe_twice)
{
	yt_meta_free(&m);
	yt_meta_free(&m);
	yt_meta_free(NULL);
}

UNIT_MAIN()
