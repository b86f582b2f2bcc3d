/*
 * Validation before upload (spec: "Validation before upload"): the media
 * probe's findings and the sidecar checked against the config's bounds and,
 * when known, the creator's limits.  Pure policy; one line per reason, naming
 * the file, the number and the limit ("clip.mp4: 2.4 s long; TikTok needs at
 * least 3 s").
 */
#ifndef TIKTOKFS_RULES_H
#define TIKTOKFS_RULES_H

#include <stdbool.h>

#include "meta/creator.h"
#include "util/error.h"
#include "meta/media/media.h"
#include "meta/caption/sidecar.h"

struct config;

enum verdict_kind {
	VERDICT_OK = 0,	    /* would be accepted (warnings possible) */
	VERDICT_INCOMPLETE, /* looks like an unfinished copy: keep waiting */
	VERDICT_CAPTION,    /* the user can fix it in place: NAME.error beside it */
	VERDICT_MEDIA	    /* the video itself can never pass: failed/ */
};

/*
 * One drop, several platforms: an item whose folder (also_post_to in the
 * config) or caption (also_post_to: in the front matter or a .defaults)
 * names further accounts is checked as each of them.  targets[0] is the
 * folder's own account, the rest in the order named; at most one account
 * per platform.  n_targets is 0 for an item posted by its folder's account
 * alone (everything as before).  v->kind, error, privacy, warning and mode
 * stay the folder account's; each target carries its own.  verdict_apply()
 * (meta/job/verdict.h) combines them over the targets still to post.
 */
#define VERDICT_TARGETS_MAX 4
struct verdict_target {
	char account[65]; /* ACCOUNT_NAME_MAX + 1 */
	bool youtube;	  /* the account's platform */
	enum verdict_kind kind;
	struct tt_error error; /* when not OK, naming the account and platform */
	char privacy[32];
	char warning[512];
	int mode;
};

struct verdict {
	enum verdict_kind kind;
	struct tt_error error;	/* the first reason, when not OK */
	char warning[512];	/* "not 9:16", "below 720x1280"; "" if none */
	struct media_info media;
	struct sidecar sidecar; /* parsed caption (owned; verdict_free) */
	bool have_sidecar;
	char privacy[32];	/* the privacy that will be sent, "" if none */
	int mode;		/* enum post_mode that will be used */
	size_t n_targets;	/* 0: the folder's account only */
	/* The tracker resolved the item's targets and found the folder's
	 * account alone: an item that named others before (a caption's
	 * also_post_to taken out) no longer posts to them.  false for the
	 * poster's re-check, which checks the current account only. */
	bool targets_resolved;
	struct verdict_target targets[VERDICT_TARGETS_MAX];
};

/*
 * Validate the item whose video is at @video_path (absolute) and caption at
 * @caption_path (absolute, or NULL when there is none yet).  @ci may be NULL
 * (not logged in: config bounds only).  @in_scheduled: the item is in
 * scheduled/, where a schedule time is required.  Always fills @v; returns
 * 0 when VERDICT_OK, else tt_error_errno() of v->error's class (-EINVAL
 * refused, -EAGAIN not complete yet, -EIO unreadable).
 */
int rules_validate(const struct config *cfg, const struct creator_info *ci,
		   const char *video_path, const char *caption_path, bool in_scheduled,
		   struct verdict *v);
/*
 * rules_validate() for an item below a drop folder: @video_rel and
 * @caption_rel (or NULL) are relative to the root descriptor @root_fd and
 * opened through meta/job/itemfile.h.  A video or caption that is a link, a
 * FIFO, a socket, a device or a folder is never opened: VERDICT_CAPTION
 * (fixed in place) with "NAME is refused: ..." in v->error.  The caption
 * is settled with the .defaults of the folders above the video
 * (meta/caption/defaults.h): a bad .defaults is a VERDICT_CAPTION naming
 * it, and with caption_from filename a video without @caption_rel has a
 * caption made of its name (v->have_sidecar is then true too).
 * rules_validate(), on plain paths, reads no .defaults.
 */
int rules_validate_at(const struct config *cfg, const struct creator_info *ci, int root_fd,
		      const char *video_rel, const char *caption_rel, bool in_scheduled,
		      struct verdict *v);
void verdict_free(struct verdict *v);

/*
 * rules_validate_at() for an item with several targets (v->n_targets >= 2
 * and each targets[i].account and .youtube filled, meta/targets.h; @v
 * holds nothing else).  The video is probed once; then the media and the
 * caption (with its .defaults) are checked as each target's account:
 * @cfgs[i] is the config as targets[i]'s account sees it
 * (config_account_view), @cis[i] its creator info or NULL.  Each
 * targets[i] gets its kind, error (starting "YouTube (account yt): "),
 * privacy, warning and mode; v's own fields, its media and its sidecar are
 * targets[0]'s, as rules_validate_at() would give them.  A probe that
 * fails (a link, a FIFO, an unfinished copy) is every target's.  Returns
 * as rules_validate_at() does for targets[0].
 */
int rules_validate_targets_at(const struct config *const cfgs[],
			      const struct creator_info *const cis[], int root_fd,
			      const char *video_rel, const char *caption_rel, bool in_scheduled,
			      struct verdict *v);
/* rules_validate_targets_at() after the probe: @mi is what it found in the
 * video @video_rel (which is not opened here).  For tests and for callers
 * that probed already. */
int rules_check_targets(const struct config *const cfgs[], const struct creator_info *const cis[],
			int root_fd, const char *video_rel, const char *caption_rel,
			bool in_scheduled, const struct media_info *mi, struct verdict *v);

/*
 * The pieces rules_validate() is made of, for callers that hold a probe's
 * result already (tests, `tiktokfs check`).
 */

/* An empty verdict: VERDICT_OK, no sidecar, mode direct. */
void verdict_init(struct verdict *v);

/*
 * Check @mi (the probe's findings for the video called @name, a base name
 * used in messages) against the config's bounds and the creator's limits.
 * Copies @mi into v->media and appends warnings to v->warning.  Returns 0,
 * or -EINVAL with v->kind VERDICT_MEDIA and v->error (class ERR_PERMANENT).
 */
int rules_check_media(const struct config *cfg, const struct creator_info *ci, const char *name,
		      const struct media_info *mi, struct verdict *v);

/*
 * Check the caption already parsed into v->sidecar (v->have_sidecar must be
 * true; @name is the sidecar's base name) and settle what will be sent:
 * v->privacy and v->mode.  Interactions the creator disabled are turned off
 * in v->sidecar, with a warning.  Uses v->media.duration, when known, to
 * check the cover time.  Returns 0, or -EINVAL with v->kind
 * VERDICT_CAPTION and v->error (class ERR_USER).
 */
int rules_check_caption(const struct config *cfg, const struct creator_info *ci,
			const char *name, bool in_scheduled, struct verdict *v);

/*
 * YouTube's rules (meta/rules_youtube.c), which rules_check_media() and
 * rules_check_caption() apply in place of TikTok's when @cfg is a YouTube
 * account's (config_is_youtube): none of TikTok's frame-rate, picture or
 * duration bounds, YouTube's file size, and the caption mapped with
 * yt_meta_from_sidecar() (meta/youtube_meta.h), whose privacyStatus goes
 * to v->privacy.  Same returns as the two above.
 */
int rules_yt_check_media(const char *name, const struct media_info *mi, struct verdict *v);
int rules_yt_check_caption(const struct config *cfg, const char *name, bool in_scheduled,
			   struct verdict *v);

/*
 * Whether YouTube will make the video @mi describes a Short
 * (docs/youtube.md §7: square or vertical as shown, rotation applied, and
 * at most YT_SHORT_MAX_SECONDS), with the reason in @why (@size bytes):
 * "vertical 1080x1920, 20.0 s".  A side or a duration the headers do not
 * state gives false and says so.
 */
bool rules_yt_is_short(const struct media_info *mi, char *why, size_t size);

#endif
