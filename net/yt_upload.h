/*
 * YouTube's resumable upload over libcurl (docs/youtube.md §4): the
 * session start (POST with the metadata, Location = the session URI), one
 * chunk PUT with Content-Range, and the status query (a PUT of no bytes
 * with "Content-Range: bytes *\/TOTAL"), each answer classified for the posting worker, which owns
 * the decisions (net/poster_yt.c).  The body of a chunk is read with pread() from the caller's
 * descriptor, as net/upload.c does for TikTok.
 *
 * The session URI is the only handle to an upload: whoever holds it can
 * finish it.  It is registered with the log redaction before any request
 * and never copied into an error text (libcurl's messages are redacted).
 */
#ifndef TIKTOKFS_YT_UPLOAD_H
#define TIKTOKFS_YT_UPLOAD_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meta/youtube.h" /* YT_CHUNK_UNIT: every chunk but the last is a multiple */
#include "net/upload.h"
#include "util/error.h"

/* What an answer means for the worker: an enum, not 0/-errno
 * (util/error.h), because each leads to a different step. */
enum yt_answer {
	YT_MORE = 0,   /* 308: the server holds rep->held bytes; go on from there */
	YT_DONE,       /* 200/201 with the video resource: rep->video_id */
	YT_GONE,       /* 404/410 on the session URI: the server says it is dead */
	YT_RETRY,      /* 5xx, 429, a network error: ask (the status query) and resume */
	YT_AUTH,       /* 401: the access token was refused */
	YT_REFUSED,    /* an error reason of §8 (class in err: user, defer, ...) */
	YT_FILE_ERROR, /* the staging file could not be read or shrank */
	YT_ABORTED,    /* the progress callback asked to stop */
	YT_LOST	       /* session start: the request may have reached Google, no answer */
};

/* What an answer said, as far as the worker needs it. */
struct yt_reply {
	long http_status;	/* 0 when no answer arrived */
	bool have_range;	/* a Range header came with a 308 */
	uint64_t held;		/* bytes the server holds (Range: bytes=0-N gives N+1) */
	char video_id[64];	/* YT_DONE: the video's id */
	char upload_status[32]; /* YT_DONE: status.uploadStatus ("uploaded") */
	char privacy[16];	/* YT_DONE: status.privacyStatus as applied */
	char reason[64];	/* error.errors[0].reason, "" if none */
	char upload_id[96];	/* X-GUploader-UploadID, for support (not a secret) */
};

/* "bytes=0-N" → N+1 bytes held; 0 or -EINVAL (pure). */
int yt_parse_range(const char *value, uint64_t *held);
/*
 * Classify an answer on the session URI (pure, for the unit tests):
 * @status, the body (the video resource or Google's error envelope),
 * @is_query (a status query: 200/201 is the video too).  Fills @rep's
 * video fields and reason, and @err for every answer but MORE and DONE.
 */
enum yt_answer yt_classify(long status, const char *body, size_t len, struct yt_reply *rep,
			   struct tt_error *err);
/*
 * POST @api_base/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status
 * with @meta_json, X-Upload-Content-Length @size and -Type @mime.  YT_MORE
 * (read it as "started") with *@uri (the caller frees it); else the answer
 * with @err; YT_LOST when the request may have reached Google and no
 * answer came (a session may exist that nobody can ever fill).
 */
enum yt_answer yt_session_start(CURL *h, const char *api_base, const char *token,
				const char *meta_json, uint64_t size, const char *mime, char **uri,
				struct yt_reply *rep, struct tt_error *err);
/* PUT bytes c->first..c->last of c->total from c->fd to @uri. */
enum yt_answer yt_put_chunk(CURL *h, const char *uri, const char *token,
			    const struct upload_chunk *c, struct yt_reply *rep,
			    struct tt_error *err);
/* PUT with Content-Range: bytes *\/@total and no body: how far it got. */
enum yt_answer yt_query(CURL *h, const char *uri, const char *token, uint64_t total,
			struct yt_reply *rep, struct tt_error *err);
/* GET @api_base/youtube/v3/videos?part=status,processingDetails&id=@video_id:
 * rep->upload_status (and reason) of the video; 0, or -1 with @err. */
int yt_video_status(CURL *h, const char *api_base, const char *token, const char *video_id,
		    struct yt_reply *rep, struct tt_error *err);

#endif
