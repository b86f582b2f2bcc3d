/*
 * `tiktokfs check` for a YouTube account (cmd/check_yt.h): the mapping of
 * meta/youtube_meta.h printed value by value, so that a user sees the
 * title, tags and privacy YouTube will get before anything is uploaded,
 * and whether YouTube will make the video a Short (docs/youtube.md §7).
 * Names and values are printed through util/escape.h, as in cmd/check.c.
 */
#include "cmd/check_yt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/config.h"
#include "meta/youtube.h"
#include "meta/youtube_meta.h"
#include "util/clock.h"
#include "util/escape.h"
#include "util/strbuf.h"
#include "util/timefmt.h"

static void put_esc(const char *s)
{
	char *e = esc_text_dup(s);

	fputs(e, stdout);
	free(e);
}

void check_yt_print_short(const struct media_info *mi)
{
	char why[200];
	bool is_short = rules_yt_is_short(mi, why, sizeof(why));

	printf("  YouTube Short %s: %s\n", is_short ? "yes" : "no", why);
}

/* " (from clip.caption)", " (from the account's config FILE)"... */
static void put_from(const struct config *cfg, enum yt_from f, const char *file)
{
	fputs(" (from ", stdout);
	if (f == YT_FROM_KEY && file) {
		put_esc(file);
	} else if (f == YT_FROM_ACCOUNT && cfg->path) {
		fputs("the account's config, ", stdout);
		put_esc(cfg->path);
	} else {
		fputs(yt_from_name(f), stdout);
	}
	putchar(')');
}

static void print_tags(const struct yt_meta *m)
{
	printf("  tags          ");
	for (size_t i = 0; i < m->ntags; i++) {
		fputs(i ? ", " : "", stdout);
		put_esc(m->tags[i]);
	}
	printf("%s (%zu of %d characters; from the caption's hashtags)\n", m->ntags ? "" : "none",
	       m->tags_length, YT_TAGS_MAX);
}

static void print_publish_at(const struct yt_meta *m)
{
	char at[ISO_UTC_SIZE];

	if (m->publish_at) {
		iso_utc(m->publish_at, at, sizeof(at));
		printf("  publishAt     %s: uploaded private now, YouTube makes it public then\n",
		       at);
	} else {
		printf("  publishAt     none: %s as soon as it is processed\n", m->privacy);
	}
}

static void print_mapping(const struct config *cfg, const struct yt_meta *m,
			  const struct dflt_sources *src)
{
	printf("  title         \"");
	put_esc(m->title);
	printf("\" (%zu of %d characters", yt_char_count(m->title), YT_TITLE_MAX);
	fputs("; from ", stdout);
	if (m->title_from == YT_FROM_KEY)
		fputs("the title: key", stdout);
	else
		fputs(src->caption_from_name ? "the video's file name"
					     : yt_from_name(m->title_from),
		      stdout);
	printf(")\n  description   %zu of %d bytes\n", strlen(m->description), YT_DESCRIPTION_MAX);
	print_tags(m);
	printf("  privacy       %s", m->privacy);
	put_from(cfg, m->privacy_from, src->from[SK_PRIVACY]);
	printf("\n  made for kids %s", m->made_for_kids ? "yes" : "no");
	put_from(cfg, m->made_for_kids_from, src->from[SK_MADE_FOR_KIDS]);
	printf("\n  category      %s %s", m->category_id, yt_category_name(m->category_id));
	put_from(cfg, m->category_from, src->from[SK_CATEGORY]);
	putchar('\n');
	print_publish_at(m);
}

void check_yt_print_caption(const struct config *cfg, const char *name, const struct verdict *v,
			    const struct dflt_sources *src)
{
	struct yt_meta m;
	struct tt_error err;

	tt_error_clear(&err);
	put_esc(name);
	printf(" on YouTube\n");
	if (yt_meta_from_sidecar(cfg, &v->sidecar, name, wall_now(), &m, &err) == 0)
		print_mapping(cfg, &m, src);
	yt_meta_free(&m);
}

bool check_key_used(const struct config *cfg, enum sidecar_key k)
{
	bool yt = config_is_youtube(cfg);

	switch (k) {
	case SK_PRIVACY:
	case SK_SCHEDULE:
	case SK_CAPTION_FROM:
	case SK_HASHTAGS:
	case SK_ALSO_POST_TO:
		return true;
	case SK_TITLE:
	case SK_MADE_FOR_KIDS:
	case SK_CATEGORY:
		return yt;
	default:
		return !yt;
	}
}

void check_print_ignored_keys(const struct config *cfg, const struct dflt_sources *src)
{
	bool yt = config_is_youtube(cfg);
	struct strbuf sb = STRBUF_INIT;

	for (int k = 0; k < SK_COUNT; k++)
		if (src->from[k] && !check_key_used(cfg, (enum sidecar_key)k))
			strbuf_addf(&sb, "%s%s", sb.len ? ", " : "",
				    sidecar_key_name((enum sidecar_key)k));
	if (sb.len)
		printf("note: %s %s for %s; this %s account ignores %s\n", sb.buf,
		       strchr(sb.buf, ',') ? "are keys" : "is a key", yt ? "TikTok" : "YouTube",
		       yt ? "YouTube" : "TikTok", strchr(sb.buf, ',') ? "them" : "it");
	strbuf_release(&sb);
}
