/* Unit tests for meta/rules.c: the media and caption rules, on synthetic
 * probe results and creator_info, each bound at and just beyond its limit. */
#include "meta/config.h"
#include "meta/rules.h"
#include "meta/tiktok.h"
#include "mp4w.h"
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "util/strbuf.h"

static struct config cfg;

/* A good portrait MP4: 10 s, 1080x1920, H.264, 30 fps, 5 MB. */
static struct media_info good_media(void)
{
	struct media_info mi;
	memset(&mi, 0, sizeof(mi));
	mi.container = CONTAINER_MP4;
	mi.size = 5000000;
	mi.duration = 10.0;
	mi.width = 1080;
	mi.height = 1920;
	snprintf(mi.codec, sizeof(mi.codec), "h264");
	mi.fps = 30.0;
	return mi;
}

/* An account that may post 300 s, public/friends/private, nothing disabled. */
static struct creator_info public_account(void)
{
	struct creator_info ci;
	memset(&ci, 0, sizeof(ci));
	snprintf(ci.username, sizeof(ci.username), "harbourfilms");
	snprintf(ci.privacy_options[0], sizeof(ci.privacy_options[0]), "PUBLIC_TO_EVERYONE");
	snprintf(ci.privacy_options[1], sizeof(ci.privacy_options[1]), "MUTUAL_FOLLOW_FRIENDS");
	snprintf(ci.privacy_options[2], sizeof(ci.privacy_options[2]), "SELF_ONLY");
	ci.n_privacy = 3;
	ci.max_duration_sec = 300;
	return ci;
}

/* Check @mi; returns rules_check_media's result, the verdict kept in @v. */
static int media(const struct media_info *mi, const struct creator_info *ci, struct verdict *v)
{
	verdict_init(v);
	return rules_check_media(&cfg, ci, "clip.mp4", mi, v);
}

static void media_refused(const struct media_info *mi, const struct creator_info *ci,
			  const char *needle)
{
	struct verdict v;
	if (media(mi, ci, &v) == 0) {
		FAILF("accepted, expected \"%s\"", needle);
		return;
	}
	if (!strstr(v.error.what, needle))
		FAILF("\"%s\" lacks \"%s\"", v.error.what, needle);
	if (v.kind != VERDICT_MEDIA || v.error.cls != ERR_PERMANENT)
		FAILF("kind %d class %d, expected VERDICT_MEDIA/ERR_PERMANENT", v.kind,
		      v.error.cls);
	if (!v.error.advice[0])
		FAILF("no advice for \"%s\"", v.error.what);
}

static void media_accepted(const struct media_info *mi, const struct creator_info *ci)
{
	struct verdict v;
	if (media(mi, ci, &v))
		FAILF("refused: %s", v.error.what);
}

/* A verdict holding a default sidecar (nothing set), ready for the caption rules. */
static void caption_verdict(struct verdict *v)
{
	verdict_init(v);
	v->media = good_media();
	v->sidecar.caption = strdup("Sunset over the harbour");
	v->sidecar.caption_utf16 = strlen(v->sidecar.caption);
	v->sidecar.comments = v->sidecar.duet = v->sidecar.stitch = TRI_UNSET;
	v->sidecar.branded = v->sidecar.promotional = v->sidecar.ai_generated = TRI_UNSET;
	v->sidecar.mode = -1;
	v->have_sidecar = true;
}

static int caption(struct verdict *v, const struct creator_info *ci, bool in_scheduled)
{
	return rules_check_caption(&cfg, ci, "clip.caption", in_scheduled, v);
}

static void set_privacy(struct verdict *v, const char *p)
{
	snprintf(v->sidecar.privacy, sizeof(v->sidecar.privacy), "%s", p);
}

TEST(test_good_portrait_mp4_passes_without_warning)
{
	struct media_info mi = good_media();
	struct creator_info ci = public_account();
	struct verdict v;
	CHECK_INT(media(&mi, &ci, &v), 0);
	CHECK_INT(v.kind, VERDICT_OK);
	CHECK_STR(v.warning, "");
	CHECK_INT(v.media.width, 1080);
}

TEST(test_duration_below_three_seconds_is_refused_naming_both)
{
	struct media_info mi = good_media();
	mi.duration = 2.9;
	media_refused(&mi, NULL, "clip.mp4: 2.9 s long; TikTok needs at least 3 s");
	mi.duration = 2.4;
	media_refused(&mi, NULL, "clip.mp4: 2.4 s long; TikTok needs at least 3 s");
	/* Rounding must not print a number that reads as allowed. */
	mi.duration = 2.96;
	media_refused(&mi, NULL, "2.96 s long");
	mi.duration = 2.9999;
	media_refused(&mi, NULL, "2.9999");
	mi.duration = 3.0;
	media_accepted(&mi, NULL);
}

TEST(test_duration_at_config_max_passes_and_beyond_is_refused)
{
	struct media_info mi = good_media();
	mi.duration = 600.0;
	media_accepted(&mi, NULL);
	mi.duration = 600.04;
	media_refused(&mi, NULL, "clip.mp4: 600.04 s long; TikTok takes at most 600 s");
}

TEST(test_creator_cap_smaller_than_config_wins)
{
	struct media_info mi = good_media();
	struct creator_info ci = public_account();
	ci.max_duration_sec = 5;
	mi.duration = 5.0;
	media_accepted(&mi, &ci);
	mi.duration = 6.0;
	media_refused(&mi, &ci, "clip.mp4: 6.0 s long; this TikTok account may post at most 5 s");
	/* Not logged in: only the config's 600 s applies. */
	media_accepted(&mi, NULL);
}

TEST(test_config_max_smaller_than_creator_cap_wins)
{
	struct media_info mi = good_media();
	struct creator_info ci = public_account();
	cfg.max_duration = 60;
	mi.duration = 61.0;
	media_refused(&mi, &ci, "61.0 s long; max_duration in the config is 60 s");
	cfg.max_duration = 600;
}

TEST(test_size_bounds)
{
	struct media_info mi = good_media();
	mi.size = 0;
	media_refused(&mi, NULL, "clip.mp4: empty file (0 bytes)");
	/* TikTok's "4 GB" is 4,000,000,000 bytes, not 4 GiB. */
	mi.size = 4000000000ULL;
	media_accepted(&mi, NULL);
	mi.size = 4000000001ULL;
	media_refused(&mi, NULL, "clip.mp4: 4.00 GB (4000000001 bytes)");
	media_refused(&mi, NULL, "TikTok takes at most 4.00 GB (4000000000 bytes)");
	mi.size = 4294967296ULL;
	media_refused(&mi, NULL, "TikTok takes at most 4.00 GB (4000000000 bytes)");
}

/* A max_size above 4 GB (an old config's 4294967296) cannot let more
 * through than TikTok takes; a smaller one is the config's own limit. */
TEST(test_max_size_above_tiktoks_limit_acts_as_it)
{
	struct media_info mi = good_media();

	cfg.max_size = 4294967296ULL;
	mi.size = 4000000001ULL;
	media_refused(&mi, NULL, "TikTok takes at most 4.00 GB (4000000000 bytes)");
	cfg.max_size = 287600000;
	mi.size = 287600001;
	media_refused(&mi, NULL,
		      "max_size in the config allows at most 287.6 MB (287600000 bytes)");
	cfg.max_size = 4000000000ULL;
}

TEST(test_picture_bounds)
{
	struct media_info mi = good_media();
	mi.width = 360, mi.height = 640;
	media_accepted(&mi, NULL);
	mi.width = 359;
	media_refused(&mi, NULL, "clip.mp4: 359x640 pixels; TikTok needs at least 360x360");
	mi.width = 2304, mi.height = 4096;
	media_accepted(&mi, NULL);
	mi.height = 4097;
	media_refused(&mi, NULL, "clip.mp4: 2304x4097 pixels; TikTok takes at most 4096x4096");
	mi.width = 4097, mi.height = 2000;
	media_refused(&mi, NULL, "4097x2000");
	/* The web-upload bounds from tiktokfs.conf.example are the user's own. */
	cfg.min_width = 720, cfg.min_height = 1280;
	cfg.max_width = 1080, cfg.max_height = 1920;
	mi.width = 540, mi.height = 960;
	media_refused(&mi, NULL,
		      "540x960 pixels; min_width/min_height in the config ask for at "
		      "least 720x1280");
	mi.width = 2160, mi.height = 3840;
	media_refused(&mi, NULL,
		      "2160x3840 pixels; max_width/max_height in the config allow at "
		      "most 1080x1920");
	cfg.min_width = cfg.min_height = 360;
	cfg.max_width = cfg.max_height = 4096;
}

TEST(test_unknown_facts_warn_but_do_not_refuse)
{
	struct media_info mi = good_media();
	struct verdict v;
	mi.duration = -1;
	mi.width = mi.height = 0;
	mi.codec[0] = '\0';
	mi.fps = 0;
	CHECK_INT(media(&mi, NULL, &v), 0);
	CHECK_CONTAINS(v.warning, "duration not stated");
	CHECK_CONTAINS(v.warning, "picture size not stated");
}

TEST(test_containers_tiktok_does_not_take_are_refused)
{
	struct media_info mi = good_media();
	mi.container = CONTAINER_AVI;
	media_refused(&mi, NULL, "clip.mp4: AVI container; TikTok takes only MP4, MOV and WebM");
	mi.container = CONTAINER_MKV;
	media_refused(&mi, NULL, "Matroska container");
	mi.container = CONTAINER_ASF;
	media_refused(&mi, NULL, "container; TikTok takes only MP4, MOV and WebM");
	mi.container = CONTAINER_MOV;
	media_accepted(&mi, NULL);
	mi.container = CONTAINER_WEBM;
	snprintf(mi.codec, sizeof(mi.codec), "vp9");
	media_accepted(&mi, NULL);
}

TEST(test_codecs)
{
	struct media_info mi = good_media();
	static const char *const ok[] = {"h264", "hevc", "vp8", "vp9"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(mi.codec, sizeof(mi.codec), "%s", ok[i]);
		media_accepted(&mi, NULL);
	}
	snprintf(mi.codec, sizeof(mi.codec), "mpeg4");
	media_refused(&mi, NULL,
		      "clip.mp4: video codec mpeg4; TikTok takes H.264, H.265, VP8 or VP9");
	snprintf(mi.codec, sizeof(mi.codec), "av1");
	media_refused(&mi, NULL, "video codec av1");
}

TEST(test_frame_rate_bounds)
{
	struct media_info mi = good_media();
	mi.fps = 23.0;
	media_accepted(&mi, NULL);
	mi.fps = 23.976;
	media_accepted(&mi, NULL);
	mi.fps = 60.0;
	media_accepted(&mi, NULL);
	mi.fps = 15.0;
	media_refused(&mi, NULL, "clip.mp4: 15.0 frames per second; TikTok takes 23 to 60");
	mi.fps = 120.0;
	media_refused(&mi, NULL, "120.0 frames per second");
}

TEST(test_landscape_warns_not_refuses)
{
	struct media_info mi = good_media();
	struct verdict v;
	mi.width = 1920, mi.height = 1080;
	CHECK_INT(media(&mi, NULL, &v), 0);
	CHECK_CONTAINS(v.warning, "1920x1080 is not 9:16");
	CHECK(!strstr(v.warning, "below"));
}

TEST(test_small_portrait_warns_below_720x1280)
{
	struct media_info mi = good_media();
	struct verdict v;
	mi.width = 540, mi.height = 960;
	CHECK_INT(media(&mi, NULL, &v), 0);
	CHECK_CONTAINS(v.warning, "540x960 is below 720x1280");
	CHECK(!strstr(v.warning, "9:16"));
	mi.width = 720, mi.height = 1280;
	CHECK_INT(media(&mi, NULL, &v), 0);
	CHECK_STR(v.warning, "");
}

TEST(test_no_privacy_anywhere_is_a_caption_error)
{
	struct verdict v;
	caption_verdict(&v);
	CHECK_INT(caption(&v, NULL, false), -EINVAL);
	CHECK_INT(v.kind, VERDICT_CAPTION);
	CHECK_INT(v.error.cls, ERR_USER);
	CHECK_STR(v.error.what,
		  "clip.caption: no privacy chosen; add `privacy: "
		  "public|friends|followers|private` to the caption's front matter or "
		  "set privacy in the config");
	verdict_free(&v);
}

TEST(test_privacy_from_config_is_used)
{
	struct verdict v;
	caption_verdict(&v);
	cfg.privacy = strdup("SELF_ONLY");
	CHECK_INT(caption(&v, NULL, false), 0);
	CHECK_STR(v.privacy, "SELF_ONLY");
	/* The sidecar's own choice wins over the config's. */
	set_privacy(&v, "PUBLIC_TO_EVERYONE");
	CHECK_INT(caption(&v, NULL, false), 0);
	CHECK_STR(v.privacy, "PUBLIC_TO_EVERYONE");
	free(cfg.privacy);
	cfg.privacy = NULL;
	verdict_free(&v);
}

TEST(test_privacy_must_be_one_of_the_accounts_options)
{
	struct creator_info ci = public_account();
	struct verdict v;

	/* A private account: followers, friends, private. */
	snprintf(ci.privacy_options[0], sizeof(ci.privacy_options[0]), "FOLLOWER_OF_CREATOR");
	caption_verdict(&v);
	set_privacy(&v, "PUBLIC_TO_EVERYONE");
	CHECK_INT(caption(&v, &ci, false), -EINVAL);
	CHECK_INT(v.kind, VERDICT_CAPTION);
	CHECK_STR(v.error.what, "clip.caption: privacy public is not open to this account; it "
				"allows followers, friends or private");
	set_privacy(&v, "FOLLOWER_OF_CREATOR");
	v.kind = VERDICT_OK;
	CHECK_INT(caption(&v, &ci, false), 0);
	CHECK_STR(v.privacy, "FOLLOWER_OF_CREATOR");
	verdict_free(&v);
}

TEST(test_privacy_words)
{
	CHECK_STR(tiktok_privacy_word("PUBLIC_TO_EVERYONE"), "public");
	CHECK_STR(tiktok_privacy_word("MUTUAL_FOLLOW_FRIENDS"), "friends");
	CHECK_STR(tiktok_privacy_word("FOLLOWER_OF_CREATOR"), "followers");
	CHECK_STR(tiktok_privacy_word("SELF_ONLY"), "private");
	CHECK_STR(tiktok_privacy_word("SOMETHING_NEW"), "SOMETHING_NEW");
	CHECK_STR(tiktok_privacy_word(NULL), "");
	/* The one table also reads the words back (config, sidecar). */
	CHECK_STR(tiktok_privacy_name("Public"), "PUBLIC_TO_EVERYONE");
	CHECK_STR(tiktok_privacy_name("everyone"), "PUBLIC_TO_EVERYONE");
	CHECK_STR(tiktok_privacy_name("friends"), "MUTUAL_FOLLOW_FRIENDS");
	CHECK_STR(tiktok_privacy_name("FOLLOWERS"), "FOLLOWER_OF_CREATOR");
	CHECK_STR(tiktok_privacy_name("self"), "SELF_ONLY");
	CHECK_STR(tiktok_privacy_name("self_only"), "SELF_ONLY");
	CHECK(tiktok_privacy_name("sometimes") == NULL);
	CHECK(tiktok_privacy_name(NULL) == NULL);
}

TEST(test_scheduled_folder_needs_a_schedule)
{
	struct verdict v;
	caption_verdict(&v);
	set_privacy(&v, "SELF_ONLY");
	CHECK_INT(caption(&v, NULL, true), -EINVAL);
	CHECK_CONTAINS(v.error.what,
		       "clip.caption: no schedule time; items in scheduled/ need one");
	CHECK_INT(v.error.cls, ERR_USER);
	v.kind = VERDICT_OK;
	v.sidecar.has_schedule = true;
	v.sidecar.schedule_at = (int64_t)time(NULL) + 3600;
	CHECK_INT(caption(&v, NULL, true), 0);
	CHECK_STR(v.warning, "");
	/* outbox/ posts now: no schedule is fine there. */
	v.sidecar.has_schedule = false;
	CHECK_INT(caption(&v, NULL, false), 0);
	verdict_free(&v);
}

TEST(test_interactions_the_creator_disabled_are_turned_off_with_warning)
{
	struct creator_info ci = public_account();
	struct verdict v;
	ci.comment_disabled = ci.stitch_disabled = true;
	caption_verdict(&v);
	set_privacy(&v, "PUBLIC_TO_EVERYONE");
	v.sidecar.comments = v.sidecar.duet = v.sidecar.stitch = TRI_ON;
	CHECK_INT(caption(&v, &ci, false), 0);
	CHECK_INT(v.sidecar.comments, TRI_OFF);
	CHECK_INT(v.sidecar.duet, TRI_ON);
	CHECK_INT(v.sidecar.stitch, TRI_OFF);
	CHECK_CONTAINS(v.warning, "comments turned off");
	CHECK_CONTAINS(v.warning, "stitch turned off");
	CHECK(!strstr(v.warning, "duet"));
	verdict_free(&v);
}

TEST(test_cover_must_be_within_the_video)
{
	struct verdict v;
	caption_verdict(&v);
	set_privacy(&v, "SELF_ONLY");
	v.sidecar.has_cover = true;
	v.sidecar.cover_ms = 9999;
	CHECK_INT(caption(&v, NULL, false), 0);
	v.sidecar.cover_ms = 12000;
	CHECK_INT(caption(&v, NULL, false), -EINVAL);
	CHECK_STR(v.error.what, "clip.caption: cover at 12.0 s, but the video is 10.0 s long");
	v.kind = VERDICT_OK;
	v.sidecar.cover_ms = 10000;
	CHECK_INT(caption(&v, NULL, false), -EINVAL);
	verdict_free(&v);
}

TEST(test_draft_mode_needs_no_privacy)
{
	struct verdict v;
	caption_verdict(&v);
	v.sidecar.mode = POST_DRAFT;
	CHECK_INT(caption(&v, NULL, false), 0);
	CHECK_INT(v.mode, POST_DRAFT);
	CHECK_STR(v.privacy, "");
	CHECK_CONTAINS(v.warning, "draft mode");
	verdict_free(&v);

	/* Draft from the config, the sidecar silent. */
	cfg.mode = POST_DRAFT;
	caption_verdict(&v);
	CHECK_INT(caption(&v, NULL, false), 0);
	CHECK_INT(v.mode, POST_DRAFT);
	/* The sidecar's direct wins over the config's draft, and then needs privacy. */
	v.sidecar.mode = POST_DIRECT;
	CHECK_INT(caption(&v, NULL, false), -EINVAL);
	CHECK_CONTAINS(v.error.what, "no privacy chosen");
	cfg.mode = POST_DIRECT;
	verdict_free(&v);
}

/* The inbox upload takes no title (§5.3): the user is told where the
 * caption is and to paste it; a caption with no text needs no such note. */
TEST(test_draft_says_the_caption_is_not_carried)
{
	struct verdict v;

	caption_verdict(&v);
	v.sidecar.mode = POST_DRAFT;
	CHECK_INT(caption(&v, NULL, false), 0);
	CHECK_CONTAINS(v.warning, "inbox upload carries no caption");
	CHECK_CONTAINS(v.warning, "clip.caption stays beside the video in posted/");
	CHECK_CONTAINS(v.warning, "paste its text into the TikTok app");
	verdict_free(&v);

	caption_verdict(&v);
	v.sidecar.mode = POST_DRAFT;
	free(v.sidecar.caption);
	v.sidecar.caption = strdup(" \n");
	CHECK_INT(caption(&v, NULL, false), 0);
	CHECK(strstr(v.warning, "caption") == NULL);
	verdict_free(&v);

	/* A direct post carries its caption: no note. */
	caption_verdict(&v);
	set_privacy(&v, "SELF_ONLY");
	CHECK_INT(caption(&v, NULL, false), 0);
	CHECK_STR(v.warning, "");
	verdict_free(&v);
}

TEST(test_branded_content_cannot_be_private)
{
	struct verdict v;
	caption_verdict(&v);
	set_privacy(&v, "SELF_ONLY");
	v.sidecar.branded = TRI_ON;
	CHECK_INT(caption(&v, NULL, false), -EINVAL);
	CHECK_CONTAINS(v.error.what, "branded content cannot be private");
	v.kind = VERDICT_OK;
	set_privacy(&v, "PUBLIC_TO_EVERYONE");
	CHECK_INT(caption(&v, NULL, false), 0);
	verdict_free(&v);
}

TEST(test_tiktok_caption_of_2201_utf16_units_is_refused_with_the_count)
{
	struct verdict v;

	caption_verdict(&v);
	set_privacy(&v, "PUBLIC_TO_EVERYONE");
	v.sidecar.caption_utf16 = 2200;
	CHECK_INT(caption(&v, NULL, false), 0);
	v.sidecar.caption_utf16 = 2201;
	CHECK_INT(caption(&v, NULL, false), -EINVAL);
	CHECK_STR(v.error.what, "clip.caption: caption is 2201 UTF-16 units long; TikTok allows at most 2200");
	CHECK_INT(v.kind, VERDICT_CAPTION);
	verdict_free(&v);
}

TEST(test_tiktok_refuses_youtubes_unlisted_naming_its_own_choices)
{
	struct verdict v;

	caption_verdict(&v);
	set_privacy(&v, "unlisted");
	CHECK_INT(caption(&v, NULL, false), -EINVAL);
	CHECK_CONTAINS(v.error.what, "privacy unlisted is YouTube's");
	CHECK_CONTAINS(v.error.what, "public, friends, followers or private");
	verdict_free(&v);
}

/* @cfg as a YouTube account sees it. */
static struct config youtube_view(void)
{
	struct config y = cfg;

	y.platform = "youtube";
	return y;
}

TEST(test_youtube_account_takes_what_tiktok_refuses)
{
	struct config y = youtube_view();
	struct media_info mi = good_media();
	struct verdict v;

	/* 11 minutes of 1920x1080 landscape at 120 fps in Matroska */
	mi.width = 1920;
	mi.height = 1080;
	mi.duration = 660;
	mi.fps = 120;
	mi.container = CONTAINER_MKV;
	media_refused(&mi, NULL, "TikTok");
	verdict_init(&v);
	CHECK_INT(rules_check_media(&y, NULL, "clip.mkv", &mi, &v), 0);
	CHECK_INT(v.kind, VERDICT_OK);
	mi.size = 0;
	CHECK_INT(rules_check_media(&y, NULL, "clip.mkv", &mi, &v), -EINVAL);
	CHECK_CONTAINS(v.error.what, "clip.mkv: empty file");
	CHECK_INT(v.kind, VERDICT_MEDIA);
}

TEST(test_youtube_caption_is_mapped_and_needs_made_for_kids)
{
	struct config y = youtube_view();
	struct verdict v;

	caption_verdict(&v);
	set_privacy(&v, "unlisted");
	v.sidecar.made_for_kids = TRI_UNSET;
	CHECK_INT(rules_check_caption(&y, NULL, "clip.caption", false, &v), -EINVAL);
	CHECK_CONTAINS(v.error.what, "made_for_kids: yes");
	CHECK_INT(v.kind, VERDICT_CAPTION);
	verdict_free(&v);
	caption_verdict(&v);
	set_privacy(&v, "unlisted");
	v.sidecar.made_for_kids = TRI_OFF;
	v.sidecar.caption_utf16 = 3000; /* over TikTok's, not YouTube's business */
	CHECK_INT(rules_check_caption(&y, NULL, "clip.caption", false, &v), 0);
	CHECK_STR(v.privacy, "unlisted");
	verdict_free(&v);
}

TEST(test_youtube_short_is_vertical_or_square_and_at_most_3_minutes)
{
	struct media_info mi = good_media();
	char why[160];

	mi.duration = 20;
	CHECK(rules_yt_is_short(&mi, why, sizeof(why)));
	CHECK_CONTAINS(why, "vertical 1080x1920");
	mi.width = mi.height = 1080;
	mi.duration = 180;
	CHECK(rules_yt_is_short(&mi, why, sizeof(why)));
	CHECK_CONTAINS(why, "square");
	mi.duration = 180.5;
	CHECK(!rules_yt_is_short(&mi, why, sizeof(why)));
	CHECK_CONTAINS(why, "a Short is at most 180 s");
	mi.duration = 180.04;
	CHECK(!rules_yt_is_short(&mi, why, sizeof(why)));
	CHECK_CONTAINS(why, "180.040 s long");
	mi.width = 1920;
	mi.duration = 120;
	CHECK(!rules_yt_is_short(&mi, why, sizeof(why)));
	CHECK_CONTAINS(why, "landscape 1920x1080");
	mi.duration = -1;
	mi.width = 1080;
	mi.height = 1920;
	CHECK(!rules_yt_is_short(&mi, why, sizeof(why)));
	CHECK_CONTAINS(why, "duration is not stated");
}

TEST(test_validate_missing_video_is_media_failure_and_no_caption_waits)
{
	struct verdict v;
	CHECK_INT(rules_validate(&cfg, NULL, "/nonexistent/clip.mp4", NULL, false, &v), -EINVAL);
	CHECK(v.kind == VERDICT_MEDIA || v.kind == VERDICT_INCOMPLETE);
	CHECK(v.error.what[0] != '\0');
	verdict_free(&v);
}

/*
 * A minimal faststart MP4 written by hand, for rules_validate() on a real
 * file: ftyp, moov (mvhd, one H.264 video trak) and an mdat of @mdat_have
 * bytes whose header claims @mdat_claim.  @secs long at 30 fps, w x h.
 */
static char *write_mp4(const char *dir, const char *name, double secs, unsigned w, unsigned h,
		       uint32_t mdat_claim, size_t mdat_have)
{
	struct mp4w m = {.len = 0};
	uint32_t frames = (uint32_t)(secs * 30 + 0.5);
	char *path;
	FILE *f;

	open_box(&m, "ftyp");
	put(&m, "isom", 4), put32(&m, 0x200), put(&m, "isomavc1", 8);
	close_box(&m);
	open_box(&m, "moov");
	open_box(&m, "mvhd");
	zeros(&m, 12), put32(&m, 30), put32(&m, frames), put32(&m, 0x10000), put16(&m, 0x100);
	zeros(&m, 10), matrix(&m), zeros(&m, 24), put32(&m, 2);
	close_box(&m);
	open_box(&m, "trak");
	open_box(&m, "tkhd");
	put32(&m, 3), zeros(&m, 8), put32(&m, 1), zeros(&m, 4), put32(&m, frames), zeros(&m, 16);
	matrix(&m), put32(&m, w << 16), put32(&m, h << 16);
	close_box(&m);
	open_box(&m, "mdia");
	open_box(&m, "mdhd");
	zeros(&m, 12), put32(&m, 30), put32(&m, frames), put16(&m, 0x55c4), put16(&m, 0);
	close_box(&m);
	open_box(&m, "hdlr");
	zeros(&m, 8), put(&m, "vide", 4), zeros(&m, 13);
	close_box(&m);
	open_box(&m, "minf");
	open_box(&m, "stbl");
	open_box(&m, "stsd");
	zeros(&m, 4), put32(&m, 1);
	open_box(&m, "avc1");
	zeros(&m, 6), put16(&m, 1), zeros(&m, 16), put16(&m, w), put16(&m, h);
	put32(&m, 0x480000), put32(&m, 0x480000), zeros(&m, 4), put16(&m, 1), zeros(&m, 32);
	put16(&m, 0x18), put16(&m, 0xffff);
	close_box(&m);
	close_box(&m); /* stsd */
	open_box(&m, "stts");
	zeros(&m, 4), put32(&m, 1), put32(&m, frames), put32(&m, 1);
	close_box(&m);
	close_box(&m); /* stbl */
	close_box(&m); /* minf */
	close_box(&m); /* mdia */
	close_box(&m); /* trak */
	close_box(&m); /* moov */
	put32(&m, mdat_claim), put(&m, "mdat", 4), zeros(&m, mdat_have);

	path = xasprintf("%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f) {
		fwrite(m.b, 1, m.len, f);
		fclose(f);
	}
	return path;
}

static char *write_text(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

TEST(test_validate_real_files_end_to_end)
{
	char tmpl[] = "/tmp/test_rules.XXXXXX";
	const char *dir = mkdtemp(tmpl);
	char *good, *shortv, *cut, *text, *cap, *bad, *nopriv;
	struct verdict v;

	if (!dir) {
		FAILF("mkdtemp failed");
		return;
	}
	good = write_mp4(dir, "clip.mp4", 10, 1080, 1920, 8 + 64, 64);
	shortv = write_mp4(dir, "short.mp4", 2.9, 1080, 1920, 8 + 64, 64);
	cut = write_mp4(dir, "cut.mp4", 10, 1080, 1920, 8 + 100000, 64);
	text = write_text(dir, "notes.mp4", "These are notes, not a video.\n");
	cap = write_text(dir, "clip.caption", "---\nprivacy: private\n---\nHello\n");
	bad = write_text(dir, "bad.caption", "---\ncolour: blue\n---\nHello\n");
	nopriv = write_text(dir, "nopriv.caption", "Hello\n");

	CHECK_INT(rules_validate(&cfg, NULL, good, cap, false, &v), 0);
	CHECK_INT(v.kind, VERDICT_OK);
	CHECK_INT(v.media.width, 1080);
	CHECK_STR(v.privacy, "SELF_ONLY");
	CHECK(v.have_sidecar);
	CHECK_STR(v.sidecar.caption, "Hello");
	verdict_free(&v);

	CHECK_INT(rules_validate(&cfg, NULL, good, NULL, false, &v),
		  -EAGAIN); /* waiting for its caption */
	CHECK_INT(v.kind, VERDICT_INCOMPLETE);
	CHECK_STR(v.error.what, "clip.mp4: waiting for clip.caption");
	verdict_free(&v);

	CHECK_INT(rules_validate(&cfg, NULL, shortv, cap, false, &v), -EINVAL);
	CHECK_INT(v.kind, VERDICT_MEDIA);
	CHECK_STR(v.error.what, "short.mp4: 2.9 s long; TikTok needs at least 3 s");
	verdict_free(&v);

	CHECK_INT(rules_validate(&cfg, NULL, cut, cap, false, &v),
		  -EAGAIN); /* an unfinished copy */
	CHECK_INT(v.kind, VERDICT_INCOMPLETE);
	CHECK_INT(v.error.cls, ERR_INCOMPLETE);
	verdict_free(&v);

	CHECK_INT(rules_validate(&cfg, NULL, text, cap, false, &v), -EINVAL);
	CHECK_INT(v.kind, VERDICT_MEDIA);
	CHECK_INT(v.error.cls, ERR_PERMANENT);
	CHECK_CONTAINS(v.error.what, "notes.mp4");
	verdict_free(&v);

	CHECK_INT(rules_validate(&cfg, NULL, good, bad, false, &v), -EINVAL);
	CHECK_INT(v.kind, VERDICT_CAPTION);
	CHECK_CONTAINS(v.error.what, "bad.caption: line 2:");
	verdict_free(&v);

	CHECK_INT(rules_validate(&cfg, NULL, good, nopriv, false, &v), -EINVAL);
	CHECK_INT(v.kind, VERDICT_CAPTION);
	CHECK_CONTAINS(v.error.what, "nopriv.caption: no privacy chosen");
	verdict_free(&v);

	char *all[] = {good, shortv, cut, text, cap, bad, nopriv};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		unlink(all[i]);
		free(all[i]);
	}
	rmdir(dir);
}

int main(void)
{
	config_defaults(&cfg);
	unit_run_all();
	config_free(&cfg);
	return UNIT_DONE();
}
