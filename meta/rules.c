/*
 * Validation before upload (spec: "Validation before upload"; limits from
 * docs/tiktok.md §6 and the audit rules of §7).  Pure policy over what the
 * probe found and what the sidecar says: no I/O except in rules_validate()
 * and rules_validate_at(), which read the two files (the latter from a drop
 * folder's root, refusing links and special files) and then only call the
 * checks below.
 *
 * Invariants:
 *  - a refusal is one line naming the file, the number and the limit, plus
 *    advice; the first reason found wins, in the order the user would fix
 *    them (media before caption);
 *  - a fact we cannot know from the headers (duration, size on screen,
 *    codec, frame rate left unset by the probe) is never a refusal: TikTok
 *    checks it again after upload, and refusing an unknown would refuse
 *    good files;
 *  - privacy is never defaulted silently (the audit rules forbid it): it
 *    comes from the sidecar or the config, or the item waits for the user;
 *  - numbers shown next to a limit are printed with enough digits that the
 *    comparison reads true ("2.99 s; at least 3 s", never "3.0 s; at least
 *    3 s").
 */
#include "meta/rules.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "meta/config.h"
#include "meta/caption/defaults.h"
#include "meta/caption/utf8.h"
#include "meta/media/probe.h"
#include "meta/tiktok.h"
#include "util/clock.h"
#include "util/path.h"
#include "util/strbuf.h"

/* TikTok's frame-rate window (meta/tiktok.h) with a little slack: 59.94
 * and 23.976 are the usual NTSC rates, and containers round the rate they
 * state. */
#define FPS_SLACK 0.01

/* Below/above TikTok's bounds (meta/tiktok.h) a config value is TikTok's
 * limit, otherwise it is the user's own, and the message says which.
 * The minimum duration is tiktokfs's own rule (min_duration's default;
 * TikTok states none, docs/tiktok.md §6), worded as TikTok's since the
 * start: the words are kept. */
#define DEFAULT_MIN_DURATION 3.0

/* The recommended picture (spec: a warning below it, not a refusal). */
#define GOOD_SHORT_SIDE 720u
#define GOOD_LONG_SIDE 1280u

void verdict_init(struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->kind = VERDICT_OK;
	v->media.duration = -1;
	v->mode = POST_DIRECT;
}

void verdict_free(struct verdict *v)
{
	if (!v)
		return;
	if (v->have_sidecar)
		sidecar_free(&v->sidecar);
	v->have_sidecar = false;
}

/* Append one warning, "; "-separated; a warning that does not fit is cut. */
static void __attribute__((format(printf, 2, 3))) warn(struct verdict *v, const char *fmt, ...)
{
	size_t len = strlen(v->warning);
	va_list ap;

	if (len + 3 >= sizeof(v->warning))
		return;
	if (len) {
		snprintf(v->warning + len, sizeof(v->warning) - len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(v->warning + len, sizeof(v->warning) - len, fmt, ap);
	va_end(ap);
}

/*
 * @x printed so that comparing the printed text with @limit gives the same
 * answer as comparing @x: one decimal unless rounding would hide the
 * difference (2.96 -> "2.96", not "3.0").
 */
static void fmt_num(char *buf, size_t size, double x, double limit)
{
	static const int digits[] = {1, 2, 3, 6};
	int want = (x > limit) - (x < limit);

	for (size_t i = 0; i < sizeof(digits) / sizeof(digits[0]); i++) {
		snprintf(buf, size, "%.*f", digits[i], x);
		double shown = strtod(buf, NULL);
		if ((shown > limit) - (shown < limit) == want)
			return;
	}
}

/* A size for people: "4.29 GB (4294967297 bytes)", "12.5 MB (12500000 bytes)",
 * "0 bytes": decimal units. */
static void fmt_size(char *buf, size_t size, uint64_t n)
{
	if (n < 1000)
		snprintf(buf, size, "%llu bytes", (unsigned long long)n);
	else if (n < 1000ULL * 1000 * 1000)
		snprintf(buf, size, "%.1f MB (%llu bytes)", (double)n / 1e6, (unsigned long long)n);
	else /* decimal, as TikTok's "4 GB" limit is read (§6) */
		snprintf(buf, size, "%.2f GB (%llu bytes)", (double)n / 1e9, (unsigned long long)n);
}

static int refuse_media(struct verdict *v)
{
	v->kind = VERDICT_MEDIA;
	return tt_error_errno(v->error.cls);
}

/* Length of @name without its extension ("clip" of "clip.avi"). */
static int stem_len(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && dot != name ? (int)(dot - name) : (int)strlen(name);
}

static int check_container(const char *name, const struct media_info *mi, struct verdict *v)
{
	if (media_container_mime(mi->container))
		return 0;
	tt_error_set(
	    &v->error, ERR_PERMANENT, "%s: %s container; TikTok takes only MP4, MOV and WebM", name,
	    mi->container == CONTAINER_UNKNOWN ? "unknown" : media_container_name(mi->container));
	tt_error_advise(&v->error,
			"Convert it: ffmpeg -i '%s' -c:v libx264 -c:a aac '%.*s.mp4', then drop "
			"the MP4 in with its caption.",
			name, stem_len(name), name);
	return refuse_media(v);
}

static int check_size(const struct config *cfg, const char *name, const struct media_info *mi,
		      struct verdict *v)
{
	char have[64], lim[64];
	uint64_t max = cfg->max_size;

	if (mi->size == 0) {
		tt_error_set(&v->error, ERR_PERMANENT, "%s: empty file (0 bytes)", name);
		tt_error_advise(&v->error, "Copy the video again; the copy held no data.");
		return refuse_media(v);
	}
	/* A max_size above TikTok's 4 GB cannot let more through. */
	if (!max || max > (uint64_t)TIKTOK_FILE_MAX)
		max = (uint64_t)TIKTOK_FILE_MAX;
	if (mi->size > max) {
		fmt_size(have, sizeof(have), mi->size);
		fmt_size(lim, sizeof(lim), max);
		tt_error_set(&v->error, ERR_PERMANENT, "%s: %s; %s at most %s", name, have,
			     max == (uint64_t)TIKTOK_FILE_MAX ? "TikTok takes"
							    : "max_size in the config allows",
			     lim);
		tt_error_advise(&v->error,
				"Export it at a lower bitrate or cut it shorter so that it fits.");
		return refuse_media(v);
	}
	return 0;
}

static int check_duration(const struct config *cfg, const struct creator_info *ci, const char *name,
			  const struct media_info *mi, struct verdict *v)
{
	double max = cfg->max_duration;
	bool creator_cap = false;
	char have[48];

	if (mi->duration < 0) {
		warn(v, "duration not stated in the headers; TikTok checks it after upload");
		return 0;
	}
	if (mi->duration < cfg->min_duration) {
		fmt_num(have, sizeof(have), mi->duration, cfg->min_duration);
		if (cfg->min_duration <= DEFAULT_MIN_DURATION)
			tt_error_set(&v->error, ERR_PERMANENT,
				     "%s: %s s long; TikTok needs at least %g s", name, have,
				     cfg->min_duration);
		else
			tt_error_set(&v->error, ERR_PERMANENT,
				     "%s: %s s long; min_duration in the config is %g s", name,
				     have, cfg->min_duration);
		tt_error_advise(&v->error, "Use a clip of at least %g s.", cfg->min_duration);
		return refuse_media(v);
	}
	/* The creator's own cap (§5.1) is required reading before an upload. */
	if (ci && ci->max_duration_sec > 0 && ci->max_duration_sec < max) {
		max = ci->max_duration_sec;
		creator_cap = true;
	}
	if (mi->duration > max) {
		fmt_num(have, sizeof(have), mi->duration, max);
		if (creator_cap)
			tt_error_set(&v->error, ERR_PERMANENT,
				     "%s: %s s long; this TikTok account may post at most %g s",
				     name, have, max);
		else if (max >= TIKTOK_DURATION_MAX)
			tt_error_set(&v->error, ERR_PERMANENT,
				     "%s: %s s long; TikTok takes at most %g s", name, have, max);
		else
			tt_error_set(&v->error, ERR_PERMANENT,
				     "%s: %s s long; max_duration in the config is %g s", name,
				     have, max);
		tt_error_advise(
		    &v->error,
		    "Trim it to at most %g s, e.g. ffmpeg -i '%s' -t %g -c copy short.mp4.", max,
		    name, max);
		return refuse_media(v);
	}
	return 0;
}

static int check_picture(const struct config *cfg, const char *name, const struct media_info *mi,
			 struct verdict *v)
{
	unsigned w = mi->width, h = mi->height;

	if (!w || !h) {
		warn(v, "picture size not stated in the headers; TikTok checks it after upload");
		return 0;
	}
	if (w < cfg->min_width || h < cfg->min_height) {
		tt_error_set(&v->error, ERR_PERMANENT, "%s: %ux%u pixels; %s at least %ux%u", name,
			     w, h,
			     cfg->min_width <= (unsigned)TIKTOK_SIDE_MIN &&
				     cfg->min_height <= (unsigned)TIKTOK_SIDE_MIN
				 ? "TikTok needs"
				 : "min_width/min_height in the config ask for",
			     cfg->min_width, cfg->min_height);
		tt_error_advise(&v->error, "Export it at a larger size, ideally 1080x1920.");
		return refuse_media(v);
	}
	if (w > cfg->max_width || h > cfg->max_height) {
		tt_error_set(&v->error, ERR_PERMANENT, "%s: %ux%u pixels; %s at most %ux%u", name,
			     w, h,
			     cfg->max_width >= (unsigned)TIKTOK_SIDE_MAX &&
				     cfg->max_height >= (unsigned)TIKTOK_SIDE_MAX
				 ? "TikTok takes"
				 : "max_width/max_height in the config allow",
			     cfg->max_width, cfg->max_height);
		tt_error_advise(&v->error,
				"Scale it down, e.g. to 1080x1920: ffmpeg -i '%s' -vf "
				"scale=-2:1920 -c:a copy smaller.mp4.",
				name);
		return refuse_media(v);
	}
	/* 9:16 within a pixel of rounding: 1080x1920, 720x1280, 608x1080. */
	if (llabs((long long)w * 16 - (long long)h * 9) > 16)
		warn(v, "%ux%u is not 9:16 portrait; TikTok shows it with bars", w, h);
	if ((w < h ? w : h) < GOOD_SHORT_SIDE || (w < h ? h : w) < GOOD_LONG_SIDE)
		warn(v, "%ux%u is below 720x1280; it will look soft on phones", w, h);
	return 0;
}

static bool codec_accepted(const char *c)
{
	static const char *const ok[] = {"h264", "avc",	 "avc1", "hevc", "h265",
					 "hvc1", "hev1", "vp8",	 "vp9"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcasecmp(c, ok[i]))
			return true;
	return false;
}

static int check_codec(const char *name, const struct media_info *mi, struct verdict *v)
{
	char have[32];

	if (mi->codec[0] && !codec_accepted(mi->codec)) {
		tt_error_set(&v->error, ERR_PERMANENT,
			     "%s: video codec %s; TikTok takes H.264, H.265, VP8 or VP9", name,
			     mi->codec);
		tt_error_advise(&v->error,
				"Re-encode it: ffmpeg -i '%s' -c:v libx264 -c:a aac clip.mp4.",
				name);
		return refuse_media(v);
	}
	if (mi->fps > 0 && (mi->fps < TIKTOK_FPS_MIN - FPS_SLACK || mi->fps > TIKTOK_FPS_MAX + FPS_SLACK)) {
		fmt_num(have, sizeof(have), mi->fps, mi->fps < TIKTOK_FPS_MIN ? TIKTOK_FPS_MIN : TIKTOK_FPS_MAX);
		tt_error_set(&v->error, ERR_PERMANENT,
			     "%s: %s frames per second; TikTok takes %d to %d", name, have,
			     TIKTOK_FPS_MIN, TIKTOK_FPS_MAX);
		tt_error_advise(
		    &v->error,
		    "Re-encode it at 30 fps: ffmpeg -i '%s' -r 30 -c:v libx264 -c:a copy "
		    "clip.mp4.",
		    name);
		return refuse_media(v);
	}
	return 0;
}

int rules_check_media(const struct config *cfg, const struct creator_info *ci, const char *name,
		      const struct media_info *mi, struct verdict *v)
{
	if (config_is_youtube(cfg))
		return rules_yt_check_media(name, mi, v);
	v->media = *mi;
	if (check_size(cfg, name, mi, v) || check_container(name, mi, v) ||
	    check_duration(cfg, ci, name, mi, v) || check_picture(cfg, name, mi, v) ||
	    check_codec(name, mi, v))
		return tt_error_errno(v->error.cls);
	return 0;
}

static int refuse_caption(struct verdict *v)
{
	v->kind = VERDICT_CAPTION;
	return tt_error_errno(v->error.cls);
}

/* "followers, friends or private": the account's options in user words. */
static void options_words(const struct creator_info *ci, char *buf, size_t size)
{
	size_t len = 0;
	int n = ci->n_privacy < CREATOR_MAX_PRIVACY ? ci->n_privacy : CREATOR_MAX_PRIVACY;

	buf[0] = '\0';
	for (int i = 0; i < n && len < size; i++) {
		const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
		int k = snprintf(buf + len, size - len, "%s%s", sep,
				 tiktok_privacy_word(ci->privacy_options[i]));
		if (k < 0)
			break;
		len += (size_t)k;
	}
}

/*
 * TikTok's inbox upload takes no title (§5.3): a draft arrives without its
 * caption.  The caption file moves to posted/ with the video (and stays
 * there with keep_posted = no), so the user is told to paste it from there.
 */
static void note_draft_caption(const char *name, struct verdict *v)
{
	const char *c = v->have_sidecar ? v->sidecar.caption : NULL;

	if (c && c[strspn(c, " \t\r\n")])
		warn(v,
		     "draft mode: TikTok's inbox upload carries no caption, so the draft has "
		     "none; %s stays beside the video in posted/: paste its text into the "
		     "TikTok app when you finish the draft",
		     name);
}

static int settle_privacy(const struct config *cfg, const struct creator_info *ci, const char *name,
			  struct verdict *v)
{
	const struct sidecar *sc = &v->sidecar;
	const char *p = sc->privacy[0] ? sc->privacy : cfg->privacy;
	const char *from = sc->privacy[0] ? "" : " (from the config)";
	char opts[160];

	snprintf(v->privacy, sizeof(v->privacy), "%s", p ? p : "");
	if (p && !tiktok_privacy_name(p)) {
		/* "unlisted": the parser and the config take YouTube's word too */
		tt_error_set(&v->error, ERR_USER,
			     "%s: privacy %s%s is YouTube's; a TikTok post is public, friends, "
			     "followers or private",
			     name, p, from);
		tt_error_advise(&v->error, "Set `privacy:` to public, friends, followers or "
					   "private.");
		return refuse_caption(v);
	}
	if (v->mode == POST_DRAFT) {
		/* The inbox endpoint takes no post settings (§5.3): the creator
		 * chooses them in the app when finishing the draft. */
		if (!v->privacy[0])
			warn(v, "draft mode: no privacy needed; you choose it in the TikTok app");
		note_draft_caption(name, v);
		return 0;
	}
	if (!v->privacy[0]) {
		tt_error_set(
		    &v->error, ERR_USER,
		    "%s: no privacy chosen; add `privacy: public|friends|followers|private` "
		    "to the caption's front matter or set privacy in the config",
		    name);
		tt_error_advise(&v->error, "TikTok requires that you choose who sees each post; "
					   "tiktokfs never picks one for you.");
		return refuse_caption(v);
	}
	if (!creator_allows_privacy(ci, v->privacy)) {
		options_words(ci, opts, sizeof(opts));
		tt_error_set(&v->error, ERR_USER,
			     "%s: privacy %s%s is not open to this account; it allows %s", name,
			     tiktok_privacy_word(v->privacy), from, opts);
		tt_error_advise(&v->error, "Set `privacy:` to one of: %s.", opts);
		return refuse_caption(v);
	}
	/* TikTok refuses paid partnerships that only the creator sees (§7). */
	if (v->sidecar.branded == TRI_ON && !strcmp(v->privacy, TIKTOK_PRIVACY_SELF_ONLY)) {
		tt_error_set(&v->error, ERR_USER,
			     "%s: branded content cannot be private; TikTok refuses it", name);
		tt_error_advise(
		    &v->error, "Set `privacy:` to public, friends or followers, or `branded: no`.");
		return refuse_caption(v);
	}
	return 0;
}

/* Interactions stay off where the creator disabled them (§5.1, §7). */
static void settle_interactions(const struct creator_info *ci, struct verdict *v)
{
	struct sidecar *sc = &v->sidecar;

	if (!ci)
		return;
	if (ci->comment_disabled && sc->comments == TRI_ON) {
		sc->comments = TRI_OFF;
		warn(v, "comments turned off: the account does not allow them");
	}
	if (ci->duet_disabled && sc->duet == TRI_ON) {
		sc->duet = TRI_OFF;
		warn(v, "duet turned off: the account does not allow it");
	}
	if (ci->stitch_disabled && sc->stitch == TRI_ON) {
		sc->stitch = TRI_OFF;
		warn(v, "stitch turned off: the account does not allow it");
	}
}

static int check_schedule(const char *name, bool in_scheduled, struct verdict *v)
{
	const struct sidecar *sc = &v->sidecar;

	if (in_scheduled && !sc->has_schedule) {
		tt_error_set(&v->error, ERR_USER,
			     "%s: no schedule time; items in scheduled/ need one", name);
		tt_error_advise(
		    &v->error,
		    "Add `schedule: 2026-12-01 18:00 Europe/Berlin` (or ISO 8601 with an "
		    "offset) to the front matter, or move the item to outbox/ to post it "
		    "now.");
		return refuse_caption(v);
	}
	if (sc->has_schedule && sc->schedule_ambiguous)
		warn(v, "the schedule's wall time occurs twice (clocks go back); the first one "
			"is used");
	if (in_scheduled && sc->has_schedule && sc->schedule_at < wall_now())
		warn(v, "the schedule time has passed; it will be posted right away");
	return 0;
}

static int check_cover(const char *name, struct verdict *v)
{
	const struct sidecar *sc = &v->sidecar;
	double d = v->media.duration;
	char at[48], len[48];

	if (!sc->has_cover || d <= 0)
		return 0;
	/* A frame exists only before the end: the cover must be earlier. */
	if ((double)sc->cover_ms >= d * 1000.0) {
		fmt_num(at, sizeof(at), (double)sc->cover_ms / 1000.0, d);
		fmt_num(len, sizeof(len), d, (double)sc->cover_ms / 1000.0);
		tt_error_set(&v->error, ERR_USER, "%s: cover at %s s, but the video is %s s long",
			     name, at, len);
		tt_error_advise(&v->error, "Set `cover:` to a time before %s s.", len);
		return refuse_caption(v);
	}
	return 0;
}

/* TikTok's caption length (the parser takes up to what any platform
 * takes, meta/caption/sidecar.h). */
static int check_caption_length(const char *name, struct verdict *v)
{
	size_t n = v->sidecar.caption_utf16;

	if (n <= TIKTOK_CAPTION_MAX_UTF16)
		return 0;
	tt_error_set(&v->error, ERR_USER,
		     "%s: caption is %zu UTF-16 units long; TikTok allows at most %d", name, n,
		     TIKTOK_CAPTION_MAX_UTF16);
	tt_error_advise(&v->error, "Shorten the caption by %zu units (an emoji counts 2).",
			n - TIKTOK_CAPTION_MAX_UTF16);
	return refuse_caption(v);
}

int rules_check_caption(const struct config *cfg, const struct creator_info *ci, const char *name,
			bool in_scheduled, struct verdict *v)
{
	if (config_is_youtube(cfg))
		return rules_yt_check_caption(cfg, name, in_scheduled, v);
	if (check_caption_length(name, v))
		return tt_error_errno(v->error.cls);
	v->mode = v->sidecar.mode >= 0 ? v->sidecar.mode : (int)cfg->mode;
	settle_interactions(ci, v);
	if (settle_privacy(cfg, ci, name, v) || check_schedule(name, in_scheduled, v) ||
	    check_cover(name, v))
		return tt_error_errno(v->error.cls);
	return 0;
}

/* The probe of the video called @name failed with @err: wait for a
 * truncated copy, leave a refused file (a link, a FIFO ...) in place for
 * the user to fix, fail anything else. */
static int probe_failed(const struct tt_error *err, struct verdict *v)
{
	v->error = *err;
	if (err->cls == ERR_INCOMPLETE) {
		v->kind = VERDICT_INCOMPLETE;
	} else if (err->cls == ERR_USER) {
		v->kind = VERDICT_CAPTION;
	} else {
		v->kind = VERDICT_MEDIA;
		v->error.cls = ERR_PERMANENT;
	}
	return tt_error_errno(v->error.cls);
}

static int caption_missing(const char *name, struct verdict *v)
{
	int stem = stem_len(name);

	v->kind = VERDICT_INCOMPLETE;
	tt_error_set(&v->error, ERR_INCOMPLETE, "%s: waiting for %.*s.caption", name, stem, name);
	tt_error_advise(&v->error,
			"Put the caption beside the video as %.*s.caption or %s.caption.", stem,
			name, name);
	return tt_error_errno(v->error.cls);
}

int rules_validate(const struct config *cfg, const struct creator_info *ci, const char *video_path,
		   const char *caption_path, bool in_scheduled, struct verdict *v)
{
	const char *name = path_base(video_path);
	struct media_info mi;
	struct tt_error err;

	verdict_init(v);
	tt_error_clear(&err);
	memset(&mi, 0, sizeof(mi));
	if (probe_file(video_path, name, &mi, &err))
		return probe_failed(&err, v);
	if (rules_check_media(cfg, ci, name, &mi, v))
		return tt_error_errno(v->error.cls);
	if (!caption_path)
		return caption_missing(name, v);
	if (sidecar_load(caption_path, path_base(caption_path), &v->sidecar, &v->error)) {
		v->kind = VERDICT_CAPTION;
		return tt_error_errno(v->error.cls);
	}
	v->have_sidecar = true;
	return rules_check_caption(cfg, ci, path_base(caption_path), in_scheduled, v);
}

/* The checks after the probe, for one account: the media found @mi, then
 * the caption file merged with the folders' .defaults, or made of the name
 * (meta/caption/defaults.h).  Fills @v from scratch. */
static int check_probed(const struct config *cfg, const struct creator_info *ci, int root_fd,
			const char *video_rel, const char *caption_rel, bool in_scheduled,
			const struct media_info *mi, struct verdict *v)
{
	const char *name = path_base(video_rel);
	int rc;

	verdict_init(v);
	if (rules_check_media(cfg, ci, name, mi, v))
		return tt_error_errno(v->error.cls);
	rc = dflt_item_caption_at(cfg, root_fd, video_rel, caption_rel, &v->sidecar, &v->error);
	if (rc == -ENOENT && !caption_rel) {
		sidecar_free(&v->sidecar);
		return caption_missing(name, v);
	}
	if (rc) {
		v->kind = VERDICT_CAPTION;
		return tt_error_errno(v->error.cls);
	}
	v->have_sidecar = true;
	return rules_check_caption(cfg, ci, caption_rel ? path_base(caption_rel) : name,
				   in_scheduled, v);
}

int rules_validate_at(const struct config *cfg, const struct creator_info *ci, int root_fd,
		      const char *video_rel, const char *caption_rel, bool in_scheduled,
		      struct verdict *v)
{
	struct media_info mi;
	struct tt_error err;

	verdict_init(v);
	tt_error_clear(&err);
	memset(&mi, 0, sizeof(mi));
	if (probe_file_at(root_fd, video_rel, path_base(video_rel), &mi, &err))
		return probe_failed(&err, v);
	return check_probed(cfg, ci, root_fd, video_rel, caption_rel, in_scheduled, &mi, v);
}

/* What the checks as target @t's account found, in @t: its error starts
 * with the platform and the account, "YouTube (account yt): ...". */
static void target_fill(struct verdict_target *t, const struct verdict *found)
{
	struct strbuf sb = STRBUF_INIT;

	t->kind = found->kind;
	t->error = found->error;
	if (found->kind != VERDICT_OK) {
		strbuf_init(&sb);
		strbuf_addf(&sb, "%s (account %s): %s", t->youtube ? "YouTube" : "TikTok",
			    t->account, found->error.what);
		/* a reason too long for the prefix loses its end (whole characters:
		 * it reaches an xattr), never who said it */
		snprintf(t->error.what, sizeof(t->error.what), "%.*s",
			 (int)utf8_cut(sb.buf, sb.len, sizeof(t->error.what) - 1), sb.buf);
		strbuf_release(&sb);
	}
	snprintf(t->privacy, sizeof(t->privacy), "%s", found->privacy);
	snprintf(t->warning, sizeof(t->warning), "%s", found->warning);
	t->mode = found->mode;
}

/* @found becomes @v's own (its sidecar too), keeping @v's targets. */
static void take_as_own(struct verdict *v, const struct verdict *found)
{
	struct verdict_target targets[VERDICT_TARGETS_MAX];
	size_t n = v->n_targets;

	memcpy(targets, v->targets, sizeof(targets));
	*v = *found;
	memcpy(v->targets, targets, sizeof(targets));
	v->n_targets = n;
}

int rules_check_targets(const struct config *const cfgs[], const struct creator_info *const cis[],
			int root_fd, const char *video_rel, const char *caption_rel,
			bool in_scheduled, const struct media_info *mi, struct verdict *v)
{
	struct verdict found;

	for (size_t i = 0; i < v->n_targets; i++) {
		check_probed(cfgs[i], cis[i], root_fd, video_rel, caption_rel, in_scheduled, mi,
			     &found);
		target_fill(&v->targets[i], &found);
		if (i == 0)
			take_as_own(v, &found);
		else
			verdict_free(&found);
	}
	return v->kind == VERDICT_OK ? 0 : tt_error_errno(v->error.cls);
}

int rules_validate_targets_at(const struct config *const cfgs[],
			      const struct creator_info *const cis[], int root_fd,
			      const char *video_rel, const char *caption_rel, bool in_scheduled,
			      struct verdict *v)
{
	struct media_info mi;
	struct tt_error err;

	tt_error_clear(&err);
	memset(&mi, 0, sizeof(mi));
	/* one probe for every target: the video is the same file for all */
	if (probe_file_at(root_fd, video_rel, path_base(video_rel), &mi, &err)) {
		probe_failed(&err, v);
		for (size_t i = 0; i < v->n_targets; i++)
			target_fill(&v->targets[i], v);
		return tt_error_errno(v->error.cls);
	}
	return rules_check_targets(cfgs, cis, root_fd, video_rel, caption_rel, in_scheduled, &mi,
				   v);
}
