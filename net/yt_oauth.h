/*
 * Google OAuth for a desktop program, as a YouTube account logs in
 * (docs/youtube.md §2): standard RFC 7636 PKCE (base64url, not TikTok's
 * hex), a loopback redirect on a free port, space-separated scopes,
 * access_type=offline for a refresh token, and the token endpoint's
 * authorization_code and refresh_token grants, form-encoded, answering flat
 * JSON with a real 4xx status on error.  The parse and URL functions are
 * pure, for the unit tests.
 */
#ifndef TIKTOKFS_YT_OAUTH_H
#define TIKTOKFS_YT_OAUTH_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "net/oauth.h"
#include "net/tokens.h"
#include "util/error.h"

struct config;

#define YT_SCOPE_UPLOAD "https://www.googleapis.com/auth/youtube.upload"
#define YT_SCOPE_READONLY "https://www.googleapis.com/auth/youtube.readonly"
/* youtube.upload to post; youtube.readonly for channels.list (the channel's
 * name at login) and videos.list (processing), which refuse upload alone
 * (docs/youtube.md §2.2). */
#define YT_SCOPES YT_SCOPE_UPLOAD " " YT_SCOPE_READONLY

/* RFC 7636 S256: BASE64URL(SHA-256(@verifier)), no padding (43 characters). */
void yt_challenge(const char *verifier, char out[65]);
/* A fresh verifier and state (oauth_pkce_new) with yt_challenge's challenge.
 * -EIO when the random generator fails. */
int yt_pkce_new(struct oauth_pkce *p);
/* The consent page URL for @cfg's YouTube client and @redirect_uri (the
 * caller frees it); NULL if escaping fails. */
char *yt_authorize_url(const struct config *cfg, const char *redirect_uri,
		       const struct oauth_pkce *p);
/*
 * Judge the callback: Google's error (access_denied...), a state that is
 * not @state, no code, or granted scopes lacking youtube.upload.  0 when the
 * code may be exchanged.
 */
int yt_check_callback(const struct oauth_callback *cb, const char *state, struct tt_error *err);
/*
 * A token endpoint answer (@status its HTTP status, @now unix seconds).
 * @refresh: the answer of a refresh, where invalid_grant means the refresh
 * token died (told with the 7-day rule of a project in Testing, §2.5).
 */
int yt_parse_token_reply(const char *body, size_t len, long status, int64_t now, int refresh,
			 struct token_set *ts, struct tt_error *err);
/* POST /token, grant authorization_code; a reply without a refresh token is
 * refused (access_type=offline was asked). */
int yt_exchange(CURL *h, const struct config *cfg, const char *code, const char *verifier,
		const char *redirect_uri, struct token_set *ts, struct tt_error *err);
/* POST /token, grant refresh_token; @ts keeps @refresh_token when Google
 * sends none (it does not rotate). */
int yt_refresh(CURL *h, const struct config *cfg, const char *refresh_token, struct token_set *ts,
	       struct tt_error *err);
/* POST /revoke with @token (the refresh token: the whole grant goes). */
int yt_revoke(CURL *h, const struct config *cfg, const char *token, struct tt_error *err);
/*
 * The saved tokens of the account whose login is in @cfg->state_dir, with
 * an access token valid for a minute more: refreshed and saved (0600,
 * atomic) first when needed.  -ENOENT when not logged in; -1 with @err.
 * No lock (unlike net/tokens.c's TikTok refresh): Google does not rotate
 * the refresh token, so two processes refreshing at once both end with
 * valid tokens and the last save wins.  The uploader will need the lock
 * anyway, for its threads.
 */
int yt_tokens_fresh(const struct config *cfg, struct token_set *ts, struct tt_error *err);
/* The same, refreshed whatever the access token's time says: Google
 * refused it with a 401 (the uploader's one refresh, docs/youtube.md §4.2). */
int yt_tokens_refresh(const struct config *cfg, struct token_set *ts, struct tt_error *err);

#endif
