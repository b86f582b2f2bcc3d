/*
 * What YouTube says about a video after its upload, read without any I/O
 * so that it is unit-tested on Google's own words: the audit lock
 * (docs/youtube.md §2.6) and the processing states of videos.list (§5).
 * The calls themselves are net/yt_upload.c's (the upload's final answer,
 * yt_video_status); this file decides what their fields mean.
 */
#ifndef TIKTOKFS_YT_VIDEO_H
#define TIKTOKFS_YT_VIDEO_H

#include <stdbool.h>
#include <stddef.h>

/* What a video's processing came to (§5), from status.uploadStatus. */
enum yt_proc {
	YTP_UNSEEN,	/* no item: not visible yet, or no uploadStatus */
	YTP_PROCESSING, /* uploaded: YouTube still works on it */
	YTP_PROCESSED,	/* the end we hope for */
	YTP_FAILED,	/* failureReason */
	YTP_REJECTED,	/* rejectionReason */
	YTP_DELETED
};

/* The state of @upload_status ("" or NULL: unseen; an unknown word:
 * processing, so that the wait goes on until its deadline). */
enum yt_proc yt_proc_from(const char *upload_status);

/* The word user.youtube.status shows for @state: "uploaded" (unseen),
 * "processing", "processed", "failed", "rejected", "deleted". */
const char *yt_proc_name(enum yt_proc state);

/* Whether @state ends the wait. */
bool yt_proc_final(enum yt_proc state);

/* status.privacyStatus of the videos.insert body @meta_json into @out
 * ("" when it has none or is not JSON). */
void yt_meta_privacy(const char *meta_json, char *out, size_t size);

/*
 * The audit lock (§2.6): the upload's final answer says @got ("private")
 * although @asked ("public" or "unlisted") was sent.  YouTube keeps every
 * upload of an unaudited project private and says nothing else, so this
 * is the one signal.  True with @warning (for user.youtube.warning and
 * STATUS.txt: what happened, why, what to do).
 */
bool yt_private_lock(const char *asked, const char *got, char *warning, size_t size);

#endif
