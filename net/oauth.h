/*
 * TikTok Login Kit (docs/tiktok.md §2): PKCE with TikTok's lower-case hex
 * SHA-256 challenge, the authorize URL, the redirected callback, and the
 * token endpoint (authorization_code, refresh_token, revoke), all
 * form-encoded.  The parse functions are pure, so that unit tests and the
 * fuzzer call them without a network.
 */
#ifndef TIKTOKFS_OAUTH_H
#define TIKTOKFS_OAUTH_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "net/tokens.h"

struct config;

#define OAUTH_SCOPES "user.info.basic,video.upload,video.publish"
#define OAUTH_VERIFIER_LEN 64

struct oauth_pkce {
	char verifier[129]; /* 43-128 chars of [A-Za-z0-9-._~] */
	char challenge[65]; /* lower-case hex SHA-256 of the verifier */
	char state[65];	    /* random, hex */
};

/* A fresh verifier, its challenge and a state, from RAND_bytes.  -EIO when
 * the random generator fails. */
int oauth_pkce_new(struct oauth_pkce *p);
/* TikTok's challenge: lower-case hex of SHA-256(@verifier) (§2.3). */
void oauth_challenge(const char *verifier, char out[65]);
/* The consent page URL (caller frees).  NULL if escaping fails. */
char *oauth_authorize_url(const struct config *cfg, const struct oauth_pkce *p);

struct oauth_callback {
	char code[512];
	char state[128];
	char scopes[256];
	char error[64];
	char error_description[256];
	char error_type[64];
};
/*
 * Parse what the browser was redirected to: a full URL, a path with a
 * query, or the query alone (leading '?' optional).  Values are URL-decoded
 * ('+' is a space); error, error_description and error_type are then
 * passed through oauth_clean_text (cut to their field, never refused).
 * -EINVAL when there is neither a code nor an error, a parameter comes
 * twice, or a code, state or scopes value is too long (-E2BIG).
 */
int oauth_parse_callback(const char *text, struct oauth_callback *cb);
/*
 * Copy the @len bytes of @src into @dst (@size bytes, NUL-terminated) as
 * text safe for a terminal: printable ASCII and valid UTF-8 letters; tabs
 * and newlines become spaces; other C0 controls, DEL, C1 controls (U+0080-
 * U+009F), bidi controls, U+2028/9 and invalid bytes are dropped; cut on a
 * character boundary when too long.  Returns the bytes written.
 */
size_t oauth_clean_text(char *dst, size_t size, const char *src, size_t len);
/*
 * The loopback listener's verdict on one request head (@len bytes, at
 * least its first line): 0 when it is "GET @path?query HTTP/1.x" whose
 * query parses (oauth_parse_callback) with exactly one state equal to
 * @state, with @cb filled; -ENOENT for another path; -EINVAL for anything
 * else (junk, another method, no state, a wrong one, two of them).  On failure
 * @cb is zeroed: a request that is not ours is never looked at further.
 */
int oauth_judge_request(const char *head, size_t len, const char *path, const char *state,
			struct oauth_callback *cb);
/*
 * Judge a parsed callback: an error from TikTok (in TikTok's words, with
 * or without a state: TikTok's error page has none, and the listener
 * lets no error through without our state), a
 * state that is not @state (refused: it may be a forged redirect), no
 * code, or granted scopes lacking one tiktokfs needs (named).  0 when the
 * code may be exchanged.
 */
int oauth_check_callback(const struct oauth_callback *cb, const char *state,
			 const struct config *cfg, struct tt_error *err);

/*
 * The loopback listener for browser mode (net/oauth_listen.c).
 * oauth_listen_socket: a listening socket on 127.0.0.1:@port only, or -1
 * with @err saying why.  oauth_listen_callback: serve every connection
 * to @lfd, answering and ignoring all that oauth_judge_request refuses,
 * until this login's redirect to @path with @state comes (0, @cb filled,
 * which may hold TikTok's error) or @timeout_sec pass (-1, @err).
 */
int oauth_listen_socket(int port, struct tt_error *err);
int oauth_listen_callback(int lfd, const char *path, const char *state, int timeout_sec,
			  struct oauth_callback *cb, struct tt_error *err);

/*
 * A token endpoint answer: flat JSON; success iff access_token is present
 * and error absent, whatever the HTTP status (§2.6).  @now: unix seconds
 * the expiries are counted from.
 */
int oauth_parse_token_reply(const char *body, size_t len, long status, int64_t now,
			    const struct config *cfg, struct token_set *ts, struct tt_error *err);

/* POST /v2/oauth/token/ grant authorization_code (with the verifier). */
int oauth_exchange(CURL *h, const struct config *cfg, const char *code, const char *verifier,
		   struct token_set *ts, struct tt_error *err);
/* POST /v2/oauth/token/ grant refresh_token. */
int oauth_refresh(CURL *h, const struct config *cfg, const char *refresh_token,
		  struct token_set *ts, struct tt_error *err);
/* POST /v2/oauth/revoke/ with the access token.  Success = any 200. */
int oauth_revoke(CURL *h, const struct config *cfg, const char *access_token, struct tt_error *err);

#endif
