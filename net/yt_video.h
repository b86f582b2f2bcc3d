/*
 * What a YouTube video resource says after the upload, read without any
 * I/O so that it is unit-tested on Google's own shapes: the audit lock
 * (docs/youtube.md §2.6), the processing state of videos.list (§5), and the
 * reason of a Data API error (§8).
 *
 * The video resource comes twice: as the answer to the upload's last byte
 * (status.uploadStatus "uploaded", the privacy YouTube applied) and from
 * videos.list?part=status,processingDetails while YouTube processes it.
 */
#ifndef TIKTOKFS_YT_VIDEO_H
#define TIKTOKFS_YT_VIDEO_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* The first errors[].reason of Google's error envelope in @body, into
 * @reason ("" when there is none or @body is not the envelope). */
void yt_error_reason(const char *body, size_t len, char *reason, size_t size);

/* What a video's processing came to (§5). */
enum yt_proc {
	YTP_UNSEEN,	/* no item: not visible yet, or gone */
	YTP_PROCESSING, /* uploadStatus uploaded: YouTube still works on it */
	YTP_PROCESSED,	/* the end we hope for */
	YTP_FAILED,	/* failureReason */
	YTP_REJECTED,	/* rejectionReason */
	YTP_DELETED
};

struct yt_processing {
	enum yt_proc state;
	char reason[64];  /* failureReason / rejectionReason, printable */
	char privacy[16]; /* status.privacyStatus, "" when not said */
	int percent;	  /* processingProgress while processing, -1 unknown */
};

/* The word user.youtube.status shows for @state: "processing",
 * "processed", "failed", "rejected", "deleted", "uploaded" (unseen). */
const char *yt_proc_name(enum yt_proc state);

/*
 * Parse a videos.list answer (@status its HTTP status) for video @id.  0
 * with @out filled; -1 with @err for an error answer (err->code holds
 * Google's reason, so a caller can tell quotaExceeded).
 */
int yt_parse_processing(const char *body, size_t len, long status, const char *id,
			struct yt_processing *out, struct tt_error *err);

struct config;

/* GET @cfg->youtube_api_base/youtube/v3/videos?part=status,processingDetails
 * &id=@id with @access_token (1 quota unit: the caller counts it first);
 * as yt_parse_processing, or -EIO with @err (ERR_RETRY) when no answer
 * came. */
int yt_list_processing(CURL *h, const struct config *cfg, const char *access_token, const char *id,
		       struct yt_processing *out, struct tt_error *err);

/*
 * The audit lock (§2.6): the video resource @body answered to the last byte
 * says private although @asked ("public", "unlisted" or "private") was
 * not, or a publishAt was asked (@asked_publish_at) and the answer dropped
 * it.  Both mean an unaudited project: YouTube kept the video private and
 * said nothing.  True with @warning (a line for user.youtube.warning and
 * STATUS.txt: what happened, why, what to do).
 */
bool yt_private_lock(const char *body, size_t len, const char *asked, bool asked_publish_at,
		     char *warning, size_t size);

#endif
