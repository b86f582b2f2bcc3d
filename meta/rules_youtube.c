/*
 * Validation before upload for a YouTube account's items (the TikTok
 * rules are meta/rules.c; which applies is the account's platform,
 * config_is_youtube).  YouTube takes almost any video and decides itself
 * what it is (docs/youtube.md §3, §7): a 2-minute 1080p landscape clip at
 * 25 fps is fine, so none of TikTok's frame-rate, picture-size or
 * duration bounds apply.  What is checked here is what YouTube would
 * refuse and the user can fix before uploading: an empty or over-large
 * file, and the caption as meta/youtube_meta.h maps it.
 *
 * The same invariants as the TikTok rules: one line per refusal naming
 * the file, the number and the limit; a fact the headers do not state is
 * never a refusal; privacy and made for kids are never defaulted.
 */
#include "meta/rules.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "meta/config.h"
#include "meta/youtube.h"
#include "meta/youtube_meta.h"
#include "util/clock.h"

/* Longer than this, YouTube takes the video only from a channel with a
 * verified phone number (docs/youtube.md §6, unsure: a warning only). */
#define YT_UNVERIFIED_MAX_SECONDS 900

int rules_yt_check_media(const char *name, const struct media_info *mi, struct verdict *v)
{
	v->media = *mi;
	if (mi->size == 0) {
		tt_error_set(&v->error, ERR_PERMANENT, "%s: empty file (0 bytes)", name);
		tt_error_advise(&v->error, "Copy the video again; the copy held no data.");
		v->kind = VERDICT_MEDIA;
		return -EINVAL;
	}
	if (mi->size > (uint64_t)YT_FILE_MAX) {
		tt_error_set(&v->error, ERR_PERMANENT,
			     "%s: %llu bytes; YouTube takes at most %llu (256 GB)", name,
			     (unsigned long long)mi->size, (unsigned long long)YT_FILE_MAX);
		tt_error_advise(&v->error, "Export it at a lower bitrate or cut it shorter.");
		v->kind = VERDICT_MEDIA;
		return -EINVAL;
	}
	if (mi->duration > YT_UNVERIFIED_MAX_SECONDS)
		snprintf(v->warning, sizeof(v->warning),
			 "%.0f s long: over 15 minutes, YouTube takes it only from a channel "
			 "with a verified phone number",
			 mi->duration);
	return 0;
}

/* Items in scheduled/ need a time, as on TikTok (meta/rules.c). */
static int check_scheduled(const char *name, bool in_scheduled, struct verdict *v)
{
	if (!in_scheduled || v->sidecar.has_schedule)
		return 0;
	tt_error_set(&v->error, ERR_USER, "%s: no schedule time; items in scheduled/ need one",
		     name);
	tt_error_advise(&v->error,
			"Add `schedule: 2026-12-01 18:00 Europe/Berlin` (or ISO 8601 with an "
			"offset) to the front matter, or move the item to outbox/ to post it now.");
	v->kind = VERDICT_CAPTION;
	return -EINVAL;
}

int rules_yt_check_caption(const struct config *cfg, const char *name, bool in_scheduled,
			   struct verdict *v)
{
	struct yt_meta m;
	int rc;

	v->mode = POST_DIRECT; /* YouTube has no drafts */
	if (check_scheduled(name, in_scheduled, v))
		return -EINVAL;
	rc = yt_meta_from_sidecar(cfg, &v->sidecar, name, wall_now(), &m, &v->error);
	if (rc == 0)
		snprintf(v->privacy, sizeof(v->privacy), "%s", m.privacy);
	else
		v->kind = VERDICT_CAPTION;
	yt_meta_free(&m);
	return rc;
}

bool rules_yt_is_short(const struct media_info *mi, char *why, size_t size)
{
	unsigned w = mi->width, h = mi->height;
	const char *shape = w < h ? "vertical" : w == h ? "square" : "landscape";

	if (!w || !h) {
		snprintf(why, size, "the picture size is not stated in the headers");
		return false;
	}
	if (mi->duration < 0) {
		snprintf(why, size, "%s %ux%u, but the duration is not stated in the headers",
			 shape, w, h);
		return false;
	}
	if (w > h) {
		snprintf(why, size, "landscape %ux%u: a Short is vertical or square", w, h);
		return false;
	}
	if (mi->duration > YT_SHORT_MAX_SECONDS) {
		/* 180.04 s is "180.04", never a "180.0" that reads as within */
		snprintf(why, size, "%s %ux%u, but %.*f s long: a Short is at most %d s", shape, w,
			 h, mi->duration < YT_SHORT_MAX_SECONDS + 0.05 ? 3 : 1, mi->duration,
			 YT_SHORT_MAX_SECONDS);
		return false;
	}
	snprintf(why, size, "%s %ux%u, %.1f s: at most %d s", shape, w, h, mi->duration,
		 YT_SHORT_MAX_SECONDS);
	return true;
}
