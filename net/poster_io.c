/*
 * The posting worker's real TikTok (struct poster_io, net/poster_int.h):
 * the saved tokens and an API handle (net/tokens.c, net/api.c) opened on
 * the first login() and dropped on logout(), and one curl handle for the
 * chunk PUTs (net/upload.c), kept for its keep-alive connection.  The
 * tokens are those of the account the worker posts as: use_account() drops
 * the login and points at that account's view of the config, whose
 * state_dir holds its tokens.json (net/poster_account.c).  Tokens
 * and the upload URL stay in here and in net/api.c; nothing is logged.
 */
#include <curl/curl.h>
#include <stdlib.h>

#include "meta/config.h"
#include "net/api.h"
#include "net/http.h"
#include "net/poster_int.h"
#include "net/tokens.h"
#include "net/upload.h"
#include "util/strbuf.h"

struct real_io {
	const struct config *cfg;
	struct tokens *tokens; /* NULL until logged in */
	struct api *api;
	CURL *up; /* the upload handle, kept for its connection */
};

static void real_logout(void *ctx)
{
	struct real_io *r = ctx;

	api_free(r->api);
	r->api = NULL;
	tokens_free(r->tokens);
	r->tokens = NULL;
}

static int real_login(void *ctx, struct tt_error *err)
{
	struct real_io *r = ctx;

	if (r->api)
		return 0;
	r->tokens = tokens_open(r->cfg, err);
	if (!r->tokens)
		return tt_error_errno(err->cls);
	r->api = api_new(r->cfg, r->tokens);
	if (!r->api) {
		tt_error_set(err, ERR_RETRY, "cannot set up the TikTok API client");
		tokens_free(r->tokens);
		r->tokens = NULL;
		return tt_error_errno(err->cls);
	}
	if (!r->up)
		r->up = http_easy_new(r->cfg);
	return 0;
}

static int real_creator_info(void *ctx, struct creator_info *ci, struct tt_error *err)
{
	struct real_io *r = ctx;

	return api_creator_info(r->api, ci, err);
}

static int real_init(void *ctx, bool draft, const struct post_info *pi,
		     const struct chunk_plan *plan, struct publish_ticket *out,
		     struct tt_error *err)
{
	struct real_io *r = ctx;

	return api_init(r->api, draft, pi, plan->video_size, plan->chunk_size, plan->chunk_count,
			out, err);
}

static int real_status(void *ctx, const char *publish_id, struct publish_status *out,
		       struct tt_error *err)
{
	struct real_io *r = ctx;

	return api_status(r->api, publish_id, out, err);
}

static enum upload_result real_upload(void *ctx, const char *url, const struct upload_chunk *c,
				      struct upload_reply *rep, struct tt_error *err)
{
	struct real_io *r = ctx;

	if (!r->up && !(r->up = http_easy_new(r->cfg))) {
		tt_error_set(err, ERR_RETRY, "cannot create an HTTP handle for the upload");
		return UPLOAD_RETRY;
	}
	return upload_chunk(r->up, url, c, rep, err);
}

static void real_free(void *ctx)
{
	struct real_io *r = ctx;

	if (!r)
		return;
	real_logout(r);
	if (r->up)
		curl_easy_cleanup(r->up);
	free(r);
}

static void real_use_account(void *ctx, const struct config *cfg)
{
	struct real_io *r = ctx;

	real_logout(r);
	r->cfg = cfg;
}

static bool real_lacks_scope(void *ctx, const char *scope)
{
	struct real_io *r = ctx;

	return r->tokens && tokens_lacks_scope(r->tokens, scope);
}

struct poster_io poster_io_real(const struct config *cfg)
{
	struct real_io *r = xcalloc(1, sizeof(*r));
	struct poster_io io = {.ctx = r,
			       .login = real_login,
			       .logout = real_logout,
			       .creator_info = real_creator_info,
			       .lacks_scope = real_lacks_scope,
			       .init = real_init,
			       .status = real_status,
			       .upload = real_upload,
			       .free = real_free,
			       .use_account = real_use_account};

	r->cfg = cfg;
	return io;
}
