/*
 * What `tiktokfs login` shares between platforms (cmd/login.c): the
 * options, the browser, the hint's delay, and the seam by which an
 * account's platform picks its login (TikTok's in cmd/login.c, YouTube's in
 * cmd/login_yt.c; Facebook's would be one more row of login.c's table).
 */
#ifndef TIKTOKFS_CMD_LOGIN_H
#define TIKTOKFS_CMD_LOGIN_H

#include <curl/curl.h>

#include "cmd/accounts.h"
#include "net/oauth.h"
#include "net/tokens.h"

/* The options of login and logout. */
struct login_opts {
	const char *config;
	const char *account; /* NULL: the default account */
	int no_browser, timeout, rebind;
};

/* One platform's login: @ready says on stderr what the config lacks (the
 * client's id or secret) and returns -1; @flow runs the login and returns
 * the exit status; @revoke ends the saved grant at the platform (1 when
 * it confirmed, else 0 with a warning printed). */
struct login_platform {
	const char *name; /* the config's platform word */
	int (*ready)(const struct account_ctx *ctx);
	int (*flow)(const struct account_ctx *ctx, const struct login_opts *o);
	int (*revoke)(const struct config *view);
};

extern const struct login_platform login_youtube;

/*
 * What a platform's login flow holds: its secrets (the PKCE verifier, the
 * callback's code, the tokens) and the means of getting them.  Every flow
 * starts with login_flow_start() and, wherever it stopped, ends with
 * login_flow_end(), so no flow can forget to wipe a secret.
 */
struct login_flow {
	struct oauth_pkce pk;
	struct oauth_callback cb;
	struct token_set ts;
	char *url; /* the consent page's address (owned) */
	CURL *h;
	int lfd; /* the loopback listener, or -1 */
};

/* All empty; no listener. */
void login_flow_start(struct login_flow *f);
/* The secrets wiped, the handle, the listener and the URL let go. */
void login_flow_end(struct login_flow *f);

/* xdg-open @url, its output silenced. */
void login_open_browser(const char *url);
/* Milliseconds before the hint: 60 s, or TIKTOKFS_LOGIN_HINT_SEC (tests). */
long login_hint_ms(void);

#endif
