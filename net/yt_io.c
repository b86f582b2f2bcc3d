/*
 * The posting worker's real YouTube (struct yt_io, net/poster_int.h): the
 * account's Google tokens (net/yt_oauth.c, refreshed when they are about to
 * end) and one curl handle kept for its keep-alive connection, over the
 * requests of net/yt_upload.c.  A 401 is answered here, once: the tokens
 * are refreshed whatever their time says and the same request is made
 * again; a second 401 is YT_AUTH, and the worker tells the user to log in
 * (docs/youtube.md §4.2, §8).  Repeating a request after a 401 is safe:
 * Google refused it before acting (a refused session start opens nothing,
 * a refused chunk stores nothing).  Tokens stay in here; nothing is logged.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "meta/config.h"
#include "net/http.h"
#include "net/poster_int.h"
#include "net/tokens.h"
#include "net/yt_oauth.h"
#include "net/yt_upload.h"
#include "util/log.h"
#include "util/strbuf.h"

struct yt_real {
	const struct config *cfg;
	struct token_set ts;
	bool have_ts;
	CURL *h;
};

static void yr_logout(void *ctx)
{
	struct yt_real *r = ctx;

	explicit_bzero(&r->ts, sizeof(r->ts));
	r->have_ts = false;
}

static int yr_login(void *ctx, struct tt_error *err)
{
	struct yt_real *r = ctx;
	int rc;

	if (!r->h && !(r->h = http_easy_new(r->cfg))) {
		tt_error_set(err, ERR_RETRY, "cannot create an HTTP handle for YouTube");
		return tt_error_errno(err->cls);
	}
	rc = yt_tokens_fresh(r->cfg, &r->ts, err);
	r->have_ts = rc == 0;
	if (rc == 0)
		log_add_token(r->ts.access_token);
	return rc == 0 ? 0 : tt_error_errno(err->cls ? err->cls : ERR_USER);
}

/* After a 401: new tokens, or false (the caller answers YT_AUTH) with
 * @err saying why the refresh failed (a dead refresh token names Google's
 * "Testing" week), which the item's error then carries. */
static bool refresh(struct yt_real *r, struct tt_error *err)
{
	struct tt_error e;

	tt_error_clear(&e);
	if (yt_tokens_refresh(r->cfg, &r->ts, &e)) {
		log_warn("YouTube refused the access token and the refresh failed: %s", e.what);
		yr_logout(r);
		if (e.what[0])
			*err = e;
		return false;
	}
	log_add_token(r->ts.access_token);
	return true;
}

static enum yt_answer yr_start(void *ctx, const char *meta_json, uint64_t size, const char *mime,
			       char **uri, struct yt_reply *rep, struct tt_error *err)
{
	struct yt_real *r = ctx;
	enum yt_answer a = yt_session_start(r->h, r->cfg->youtube_api_base, r->ts.access_token,
					    meta_json, size, mime, uri, rep, err);

	if (a == YT_AUTH && refresh(r, err))
		a = yt_session_start(r->h, r->cfg->youtube_api_base, r->ts.access_token, meta_json,
				     size, mime, uri, rep, err);
	return a;
}

static enum yt_answer yr_upload(void *ctx, const char *uri, const struct upload_chunk *c,
				struct yt_reply *rep, struct tt_error *err)
{
	struct yt_real *r = ctx;
	enum yt_answer a = yt_put_chunk(r->h, uri, r->ts.access_token, c, rep, err);

	if (a == YT_AUTH && refresh(r, err))
		a = yt_put_chunk(r->h, uri, r->ts.access_token, c, rep, err);
	return a;
}

static enum yt_answer yr_finish(void *ctx, const char *uri, uint64_t total, struct yt_reply *rep,
				struct tt_error *err)
{
	struct yt_real *r = ctx;
	enum yt_answer a = yt_query(r->h, uri, r->ts.access_token, total, rep, err);

	if (a == YT_AUTH && refresh(r, err))
		a = yt_query(r->h, uri, r->ts.access_token, total, rep, err);
	return a;
}

static int yr_poll(void *ctx, const char *video_id, struct yt_reply *rep, struct tt_error *err)
{
	struct yt_real *r = ctx;
	int rc =
	    yt_video_status(r->h, r->cfg->youtube_api_base, r->ts.access_token, video_id, rep, err);

	if (rc && rep->http_status == 401 && refresh(r, err))
		rc = yt_video_status(r->h, r->cfg->youtube_api_base, r->ts.access_token, video_id,
				     rep, err);
	return rc;
}

static void yr_use_account(void *ctx, const struct config *cfg)
{
	struct yt_real *r = ctx;

	yr_logout(r);
	r->cfg = cfg;
}

static void yr_free(void *ctx)
{
	struct yt_real *r = ctx;

	if (!r)
		return;
	yr_logout(r);
	if (r->h)
		curl_easy_cleanup(r->h);
	free(r);
}

struct yt_io yt_io_real(const struct config *cfg)
{
	struct yt_real *r = xcalloc(1, sizeof(*r));
	struct yt_io io = {.ctx = r,
			   .login = yr_login,
			   .logout = yr_logout,
			   .start = yr_start,
			   .upload = yr_upload,
			   .finish = yr_finish,
			   .poll = yr_poll,
			   .use_account = yr_use_account,
			   .free = yr_free};

	r->cfg = cfg;
	return io;
}
