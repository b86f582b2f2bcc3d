/*
 * TikTok's API as tiktokfs uses it (docs/tiktok.md §2–§5): one struct api per
 * thread that talks to TikTok, holding its own curl handle and sharing the
 * token store.  Every call checks HTTP status *and* error.code (errors come
 * with HTTP 200 too), maps failures to an error class with advice
 * (net/errors.c), refreshes the access token before it expires and once on
 * access_token_invalid, then replays the request once.
 *
 * Never blindly retries an init: api_init() returns ERR_RETRY only when the
 * request certainly did not reach TikTok (connection refused, TLS failure
 * before sending); when it may have arrived, it returns ERR_PERMANENT with
 * code "init_outcome_unknown" so the caller can reconcile.
 */
#ifndef TIKTOKFS_API_H
#define TIKTOKFS_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meta/creator.h"
#include "util/error.h"

struct config;
struct tokens;
struct api;

/* @tokens is shared between threads (see net/tokens.h); borrowed. */
struct api *api_new(const struct config *cfg, struct tokens *tokens);
void api_free(struct api *a);

/* What goes into post_info for a direct post. */
struct post_info {
	const char *title; /* UTF-8 caption, may be "" */
	const char *privacy_level;
	bool disable_comment, disable_duet, disable_stitch;
	bool has_cover;
	int64_t cover_ms;
	bool brand_content, brand_organic, is_aigc;
};

struct publish_ticket {
	char publish_id[80];
	char *upload_url; /* secret; owned; free with publish_ticket_clear */
};
void publish_ticket_clear(struct publish_ticket *t);

struct publish_status {
	char status[48]; /* PROCESSING_UPLOAD, PUBLISH_COMPLETE, ... */
	char fail_reason[80];
	char post_id[32]; /* first publicaly_available_post_id as exact decimal, "" if none */
	uint64_t uploaded_bytes;
};

/* Each call below returns 0, or -errno with @err saying what TikTok (or
 * the network) answered: tt_error_errno() of its class (util/error.h). */
int api_creator_info(struct api *a, struct creator_info *ci, struct tt_error *err);
/* @draft: inbox/video/init (post_info ignored) instead of video/init. */
int api_init(struct api *a, bool draft, const struct post_info *pi, uint64_t video_size,
	     uint64_t chunk_size, uint64_t chunk_count, struct publish_ticket *out,
	     struct tt_error *err);
int api_status(struct api *a, const char *publish_id, struct publish_status *out,
	       struct tt_error *err);
/* display_name and username (when granted) of the logged-in user. */
int api_user_info(struct api *a, char *display_name, size_t dn_size, char *username, size_t un_size,
		  struct tt_error *err);

/*
 * The pure halves of the calls above: judge one HTTP answer (@status and
 * @len bytes of @body) without the network, for the calls themselves, the
 * unit tests and the fuzzer (tests/fuzz/fuzz_api.c).  @scope: the scope the
 * endpoint needs, named when TikTok says scope_not_authorized.
 * api_parse_envelope returns 0 and a new reference to "data" (or NULL when
 * absent) in @data when error.code is "ok" and the status is 2xx; else
 * -errno and @err, as the calls above.
 */
int api_parse_envelope(const char *body, size_t len, long status, const char *scope, json_t **data,
		       struct tt_error *err);
int api_parse_creator_info(const char *body, size_t len, long status, struct creator_info *ci,
			   struct tt_error *err);
int api_parse_init(const char *body, size_t len, long status, struct publish_ticket *out,
		   struct tt_error *err);
int api_parse_status(const char *body, size_t len, long status, struct publish_status *out,
		     struct tt_error *err);
int api_parse_user_info(const char *body, size_t len, long status, char *display_name,
			size_t dn_size, char *username, size_t un_size, struct tt_error *err);

#endif
