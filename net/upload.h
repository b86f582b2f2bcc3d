/*
 * One chunk PUT to TikTok's upload_url (docs/tiktok.md §5.5), streamed from
 * the staging file: the body is read with pread() from the caller's fd in
 * the pieces libcurl asks for, so neither the file nor the chunk is ever
 * held in memory.  The answer is classified for the posting worker, which
 * owns the decisions (retry, resync, re-init, give up).
 *
 * The upload URL holds upload_token: it is never logged and never copied
 * into an error text.
 */
#ifndef TIKTOKFS_UPLOAD_H
#define TIKTOKFS_UPLOAD_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

/* An enum, not 0/-errno (util/error.h): the poster switches on these eight
 * outcomes, and each leads to a different step (next chunk, status,
 * resync, new init, pause, give up). */
enum upload_result {
	UPLOAD_MORE = 0,   /* 206: chunk taken, more expected */
	UPLOAD_DONE,	   /* 201: every byte arrived; TikTok processes now */
	UPLOAD_RESYNC,	   /* 416: the server's progress differs from the range sent */
	UPLOAD_EXPIRED,	   /* 403/404: the URL expired or the task is gone: new init */
	UPLOAD_RETRY,	   /* 5xx, 408, 429, network: same range again after a pause */
	UPLOAD_REJECTED,   /* 400 or another 4xx: a bug or a broken file; permanent */
	UPLOAD_FILE_ERROR, /* the staging file could not be read or shrank */
	UPLOAD_ABORTED	   /* the caller's progress callback asked to stop */
};

/*
 * Called from inside the transfer (several times a second, and once per
 * body piece) with the bytes of this chunk sent so far.  Return true to
 * abort the transfer (stop requested, item deleted).
 */
typedef bool (*upload_progress_fn)(void *arg, uint64_t chunk_sent);

struct upload_chunk {
	int fd;			     /* the staging file, read with pread() */
	uint64_t first, last;	     /* inclusive byte range of this chunk */
	uint64_t total;		     /* video_size */
	bool is_last;		     /* the final chunk (a 200 then means done) */
	const char *content_type;    /* video/mp4, video/quicktime or video/webm */
	uint64_t max_send_speed;     /* bytes/s, 0 = no cap (config bandwidth_limit) */
	upload_progress_fn progress; /* may be NULL */
	void *arg;
};

struct upload_reply {
	long http_status; /* 0 when no answer arrived */
	/* From the answer's "Content-Range: bytes 0-N/T", when present.
	 * §11.6: N is the last index (N+1 bytes held) or a count (N bytes);
	 * the caller decides with the chunk plan which reading is a chunk
	 * boundary (upload_server_bytes). */
	bool have_range;
	uint64_t range_end;
	uint64_t range_total;
	char log_id[80]; /* X-Tt-Logid, "" if none */
};

/*
 * PUT one chunk.  @h is the caller's handle (from http_easy_new(); options
 * for uploads are set here on every call, so the handle may be reused for
 * the next chunk and its keep-alive connection).  Fills @rep and, for every
 * result but UPLOAD_MORE/UPLOAD_DONE, @err (class ERR_RETRY, ERR_USER or
 * ERR_PERMANENT; never the URL).  Returns the enum upload_result.
 */
enum upload_result upload_chunk(CURL *h, const char *url, const struct upload_chunk *c,
				struct upload_reply *rep, struct tt_error *err);

/* "MORE", "DONE", ... for logs. */
const char *upload_result_name(enum upload_result r);

/* Parse "bytes F-L/T" (also "bytes 0-N/T" answers); 0 or -EINVAL. */
int upload_parse_range(const char *value, uint64_t *first, uint64_t *last, uint64_t *total);

#endif
