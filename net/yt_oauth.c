/*
 * Google OAuth for a YouTube account (docs/youtube.md §2).  What differs
 * from TikTok's Login Kit (net/oauth.c), and why this file exists:
 *   - the PKCE challenge is RFC 7636's BASE64URL(SHA-256(verifier)) without
 *     padding (§2.3): TikTok's hex challenge passes Google's consent page
 *     and fails the exchange;
 *   - the redirect URI is http://127.0.0.1:PORT/ with whatever port the
 *     listener got: a Desktop client registers none (§2.1), and the exchange
 *     repeats it byte for byte (§2.4);
 *   - scopes are space-separated URLs, and access_type=offline is what
 *     makes Google send a refresh token;
 *   - errors are flat {error, error_description} with a real 4xx status,
 *     and on a refresh invalid_grant means the refresh token is dead: only
 *     a new login helps, and for a project in "Testing" that happens
 *     seven days after every login (§2.5), so the message says both.
 * Google does not rotate refresh tokens: a refresh answer has none, and
 * the saved one is kept.  Every token obtained goes to log_add_token.
 */
#include "net/yt_oauth.h"

#include <stdbool.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/config.h"
#include "net/http.h"
#include "net/tjson.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

#define REFRESH_MARGIN 60 /* seconds before the access token's expiry */

void yt_challenge(const char *verifier, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE], b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	unsigned int n = 0;
	size_t len;

	EVP_Digest(verifier, strlen(verifier), md, &n, EVP_sha256(), NULL);
	EVP_EncodeBlock(b64, md, (int)n);
	/* base64 to base64url, padding dropped (RFC 7636 appendix A) */
	for (len = 0; b64[len] && b64[len] != '=' && len < 64; len++)
		out[len] = b64[len] == '+' ? '-' : b64[len] == '/' ? '_' : (char)b64[len];
	out[len] = '\0';
}

int yt_pkce_new(struct oauth_pkce *p)
{
	int rc = oauth_pkce_new(p);

	if (!rc)
		yt_challenge(p->verifier, p->challenge);
	return rc;
}

char *yt_authorize_url(const struct config *cfg, const char *redirect_uri,
		       const struct oauth_pkce *p)
{
	/* access_type offline and prompt consent: a refresh token, and a
	 * fresh one even if this client had consent before */
	const char *const kv[] = {"client_id", cfg->youtube_client_id, "redirect_uri", redirect_uri,
				  "response_type", "code", "scope", YT_SCOPES, "state", p->state,
				  "code_challenge", p->challenge, "code_challenge_method", "S256",
				  "access_type", "offline", "prompt", "consent", NULL};

	return oauth_build_url(cfg->youtube_auth_url, kv);
}

int yt_check_callback(const struct oauth_callback *cb, const char *state, struct tt_error *err)
{
	if (cb->error[0]) {
		tt_error_set(err, ERR_USER, "Google refused the login: %s%s%s", cb->error,
			     cb->error_description[0] ? ": " : "", cb->error_description);
		tt_error_advise(err, !strcmp(cb->error, "access_denied")
					 ? "Run the login again and press Allow on Google's page."
					 : "Check youtube_client_id in the config and run the "
					   "login again.");
		return -1;
	}
	if (strcmp(cb->state, state)) {
		tt_error_set(err, ERR_USER,
			     "the address does not carry this login's state: "
			     "it belongs to another login, or it was forged");
		tt_error_advise(err, "Paste the address from this login's own page.");
		return -1;
	}
	if (!cb->code[0]) {
		tt_error_set(err, ERR_USER, "the address carries no code");
		return -1;
	}
	if (cb->scopes[0] && !oauth_has_scope(cb->scopes, YT_SCOPE_UPLOAD)) {
		tt_error_set(err, ERR_USER, "the login did not grant %s (uploading videos)",
			     YT_SCOPE_UPLOAD);
		tt_error_advise(err, "Run the login again and leave every permission ticked.");
		return -1;
	}
	return 0;
}

/* The words of a refresh token that died (§2.5). */
static void dead_refresh(struct tt_error *err)
{
	tt_error_set(err, ERR_USER,
		     "Google says the YouTube login has expired or was revoked (invalid_grant: "
		     "the refresh token is dead). A Google Cloud project whose OAuth consent "
		     "screen is in \"Testing\" ends every login 7 days after it was made");
	tt_error_advise(err, "Publish the app (Google Cloud console, OAuth consent screen, "
			     "Publish app: \"In production\"; unverified is fine for your own "
			     "channel), or run `tiktokfs login --account NAME` again every week.");
}

/* Google's {error, error_description}, printable, into @err. */
static void reply_error(struct tt_error *err, const json_t *root, long status, int refresh)
{
	const char *code = tjson_str(root, "error"), *desc = tjson_str(root, "error_description");
	char c[64], d[256];

	if (refresh && !strcmp(code, "invalid_grant")) {
		dead_refresh(err);
	} else {
		oauth_clean_text(c, sizeof(c), code, strlen(code));
		oauth_clean_text(d, sizeof(d), desc, strlen(desc));
		tt_error_set(err, status >= 500 ? ERR_RETRY : ERR_USER,
			     "Google's token endpoint refused: %s%s%s (HTTP %ld)", c[0] ? c : "?",
			     d[0] ? ": " : "", d, status);
		tt_error_advise(err, !strcmp(code, "invalid_client")
					 ? "Check youtube_client_id and youtube_client_secret "
					   "(the OAuth client of type Desktop app)."
					 : "Run the login again.");
	}
	err->http_status = (int)status;
}

/* expires_in as a time, bounded so the sum cannot overflow; @now if absent. */
static int64_t expiry(const json_t *root, int64_t now)
{
	const json_t *v = json_object_get(root, "expires_in");
	int64_t s = json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;

	return now + (s > 0 && s < 10LL * 365 * 86400 ? s : 0);
}

int yt_parse_token_reply(const char *body, size_t len, long status, int64_t now, int refresh,
			 struct token_set *ts, struct tt_error *err)
{
	json_error_t jerr;
	json_t *root = tjson_parse(body, len, &jerr);
	int rc = -1;

	memset(ts, 0, sizeof(*ts));
	if (!json_is_object(root)) {
		tt_error_set(err, status >= 500 || status == 0 ? ERR_RETRY : ERR_PERMANENT,
			     "Google's token endpoint answered HTTP %ld with no JSON", status);
		tt_error_advise(err, "Try again later.");
		goto out;
	}
	if (status != 200 || json_object_get(root, "error")) {
		reply_error(err, root, status, refresh);
		goto out;
	}
	if (tjson_copy(ts->access_token, sizeof(ts->access_token), root, "access_token") ||
	    tjson_copy(ts->refresh_token, sizeof(ts->refresh_token), root, "refresh_token") ==
		-E2BIG) {
		tt_error_set(err, ERR_PERMANENT,
			     "Google's token answer lacks an access token or one is longer than "
			     "%zu bytes",
			     sizeof(ts->access_token) - 1);
		goto out;
	}
	tjson_copy(ts->scope, sizeof(ts->scope), root, "scope");
	ts->access_expires = expiry(root, now);
	ts->refresh_expires = 0; /* Google does not say (§2.5) */
	log_add_token(ts->access_token);
	log_add_token(ts->refresh_token);
	rc = 0;
out:
	json_decref(root);
	if (rc)
		explicit_bzero(ts, sizeof(*ts));
	return rc;
}

/* POST @form to Google's /token and parse the answer. */
static int token_call(CURL *h, const struct config *cfg, struct strbuf *form, int refresh,
		      struct token_set *ts, struct tt_error *err)
{
	struct http_reply r;
	char *url = xasprintf("%s/token", cfg->youtube_oauth_base);
	int rc;

	http_reply_init(&r);
	rc = http_post(h, url, NULL, "application/x-www-form-urlencoded", form->buf, &r);
	explicit_bzero(form->buf, form->len);
	if (rc) {
		http_transport_error(&r, "Google token request", err);
		goto out;
	}
	rc = yt_parse_token_reply(r.body.buf, r.body.len, r.status, wall_now(), refresh, ts, err);
out:
	explicit_bzero(r.body.buf, r.body.len);
	http_reply_release(&r);
	free(url);
	return rc;
}

/* client_id and client_secret, the start of every form. */
static int client_params(struct strbuf *form, const struct config *cfg)
{
	return http_add_param(form, "client_id", cfg->youtube_client_id) |
	       http_add_param(form, "client_secret", cfg->youtube_client_secret);
}

int yt_exchange(CURL *h, const struct config *cfg, const char *code, const char *verifier,
		const char *redirect_uri, struct token_set *ts, struct tt_error *err)
{
	struct strbuf form = STRBUF_INIT;
	int rc;

	strbuf_init(&form);
	rc = client_params(&form, cfg);
	rc |= http_add_param(&form, "code", code);
	rc |= http_add_param(&form, "code_verifier", verifier);
	rc |= http_add_param(&form, "grant_type", "authorization_code");
	rc |= http_add_param(&form, "redirect_uri", redirect_uri);
	if (rc) {
		tt_error_set(err, ERR_PERMANENT, "cannot encode the token request");
		rc = -1;
	} else {
		rc = token_call(h, cfg, &form, 0, ts, err);
	}
	if (!rc && !ts->refresh_token[0]) {
		/* without it the login would end within the hour (§2.5) */
		tt_error_set(err, ERR_PERMANENT, "Google's token answer holds no refresh_token");
		tt_error_advise(err, "Run the login again; report it if it persists.");
		explicit_bzero(ts, sizeof(*ts));
		rc = -1;
	}
	strbuf_release(&form);
	return rc;
}

int yt_refresh(CURL *h, const struct config *cfg, const char *refresh_token, struct token_set *ts,
	       struct tt_error *err)
{
	struct strbuf form = STRBUF_INIT;
	int rc;

	strbuf_init(&form);
	rc = client_params(&form, cfg);
	rc |= http_add_param(&form, "grant_type", "refresh_token");
	rc |= http_add_param(&form, "refresh_token", refresh_token);
	if (rc) {
		tt_error_set(err, ERR_PERMANENT, "cannot encode the refresh request");
		rc = -1;
	} else {
		rc = token_call(h, cfg, &form, 1, ts, err);
	}
	if (!rc && !ts->refresh_token[0])
		snprintf(ts->refresh_token, sizeof(ts->refresh_token), "%s", refresh_token);
	strbuf_release(&form);
	return rc;
}

/* @force: refresh even when the access token looks valid (Google refused it). */
static int tokens_fresh(const struct config *cfg, struct token_set *ts, struct tt_error *err,
			bool force)
{
	struct token_set nt;
	CURL *h = NULL;
	int rc = tokens_load(cfg->state_dir, ts, err);

	if (rc)
		return rc;
	if (!force && ts->access_expires > wall_now() + REFRESH_MARGIN)
		return 0;
	memset(&nt, 0, sizeof(nt));
	h = http_easy_new(cfg);
	rc = -1;
	if (!h) {
		tt_error_set(err, ERR_RETRY, "cannot create an HTTP handle");
		goto out;
	}
	if (yt_refresh(h, cfg, ts->refresh_token, &nt, err))
		goto out;
	/* the binding and the granted scopes stay the login's */
	memcpy(nt.open_id, ts->open_id, sizeof(nt.open_id));
	if (!nt.scope[0])
		memcpy(nt.scope, ts->scope, sizeof(nt.scope));
	if (tokens_save(cfg->state_dir, &nt, err))
		goto out;
	*ts = nt;
	rc = 0;
out:
	explicit_bzero(&nt, sizeof(nt));
	if (h)
		curl_easy_cleanup(h);
	return rc;
}

int yt_tokens_fresh(const struct config *cfg, struct token_set *ts, struct tt_error *err)
{
	return tokens_fresh(cfg, ts, err, false);
}

int yt_tokens_refresh(const struct config *cfg, struct token_set *ts, struct tt_error *err)
{
	return tokens_fresh(cfg, ts, err, true);
}

int yt_revoke(CURL *h, const struct config *cfg, const char *token, struct tt_error *err)
{
	struct strbuf form = STRBUF_INIT;
	struct http_reply r;
	char *url = xasprintf("%s/revoke", cfg->youtube_oauth_base);
	int rc = -1;

	http_reply_init(&r);
	strbuf_init(&form);
	if (http_add_param(&form, "token", token)) {
		tt_error_set(err, ERR_PERMANENT, "cannot encode the revoke request");
		goto out;
	}
	if (http_post(h, url, NULL, "application/x-www-form-urlencoded", form.buf, &r)) {
		http_transport_error(&r, "Google revoke", err);
		goto out;
	}
	/* 200 and an empty body; 400 invalid_token: already dead (§2.5) */
	if (r.status != 200) {
		tt_error_set(err, ERR_USER, "Google answered the revoke with HTTP %ld", r.status);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(form.buf, form.len);
	strbuf_release(&form);
	http_reply_release(&r);
	free(url);
	return rc;
}
