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

/* What a login asks for follows the config's mode (docs/contract.md,
 * `login`): drafts need video.upload only, so an app approved for drafts
 * alone can log in; direct posts need video.publish as well. */
#define OAUTH_SCOPES_DRAFT "user.info.basic,video.upload"
#define OAUTH_SCOPES_DIRECT "user.info.basic,video.upload,video.publish"
#define OAUTH_VERIFIER_LEN 64
#define OAUTH_PASTE_MAX 16384

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
/* The scopes a login with @cfg asks for (static text). */
const char *oauth_scopes(const struct config *cfg);
/* The consent page URL (caller frees), with disable_auto_auth=1 so that
 * TikTok always asks who signs in.  NULL if escaping fails. */
char *oauth_authorize_url(const struct config *cfg, const struct oauth_pkce *p);
/* @base with the NULL-terminated name/value pairs @kv appended as a query
 * (after '&' when @base has one already), each value escaped; the caller
 * frees.  NULL if escaping fails.  TikTok's and Google's consent pages. */
char *oauth_build_url(const char *base, const char *const *kv);
/* Whether @list, the scopes a provider granted, holds @scope: TikTok
 * separates them with commas, Google with spaces; both are taken. */
int oauth_has_scope(const char *list, const char *scope);

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
 * Judge a parsed callback: an error from TikTok (with or without a state:
 * TikTok's error page need not carry ours, and the listener lets no error
 * through without it), a state that is not @state (refused: it may be a
 * forged redirect), no code, or granted scopes lacking one this login
 * asked for (named).  0 when the code may be exchanged.  An error of the
 * authorize page (error_type redirect_uri, client_key, code_challenge)
 * gets its own message naming what to change; others are told in
 * TikTok's words (errors_oauth).
 */
int oauth_check_callback(const struct oauth_callback *cb, const char *state,
			 const struct config *cfg, struct tt_error *err);

/*
 * A pasted address, assembled from what standard input gives
 * (net/oauth_paste.c).  TikTok's error page is a page, not a redirect
 * (docs/tiktok.md §2.2), so the user's paste of its address is the only
 * way its error reaches us.  Zero the struct to start.
 */
struct oauth_paste {
	size_t len;
	char buf[OAUTH_PASTE_MAX + 1];
};
/*
 * Feed @n bytes read from the paste (@n == 0: end of input).  Blank lines
 * are skipped; the first other line (or the unfinished one at the end of
 * input) is parsed with oauth_parse_callback.  1: a line parsed, @cb
 * filled; 0: more is needed; -EINVAL: the line holds neither a code nor
 * an error; -E2BIG: a line longer than OAUTH_PASTE_MAX; -ENODATA: input
 * ended with nothing pasted.  The buffer is wiped of what it consumed.
 */
int oauth_paste_feed(struct oauth_paste *p, const char *data, size_t n, struct oauth_callback *cb);

/*
 * Waiting for the login's answer (net/oauth_listen.c): the redirect on the
 * loopback listener @lfd (browser mode; -1 for none) or an address pasted
 * on @paste_fd (-1 for none), whichever comes first.  Nothing arriving is
 * trusted: the listener serves every connection, answering and ignoring
 * all that oauth_judge_request refuses.  After @hint_ms with neither,
 * @hint(@arg) is called once (login must not wait in silence).  An end of
 * input on @paste_fd ends the wait only when there is no listener.
 */
struct oauth_wait {
	int lfd, paste_fd;
	const char *path, *state; /* the redirect URI's path, this login's state */
	int timeout_sec;
	long hint_ms; /* < 0: no hint */
	void (*hint)(void *arg);
	void *arg;
};
/* A listening socket on 127.0.0.1:@port only, or -errno with @err saying
 * why. */
int oauth_listen_socket(int port, struct tt_error *err);
/* 0 with @cb filled (it may hold TikTok's error); -errno with @err: the
 * timeout, a paste that is not an address, or nothing pasted. */
int oauth_wait_answer(const struct oauth_wait *w, struct oauth_callback *cb, struct tt_error *err);

/*
 * The token calls below, like oauth_check_callback() above, return 0, or
 * -errno with @err (util/error.h).
 *
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
