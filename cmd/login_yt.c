/*
 * `tiktokfs login --account NAME` for an account with platform = youtube:
 * Google's desktop-app flow (docs/youtube.md §2, net/yt_oauth.h).
 *
 * A Desktop client registers no redirect URI and Google accepts any port on
 * the loopback address (§2.1), so the listener (net/oauth_listen.c, bound
 * to 127.0.0.1 only) takes a free port from the kernel and the redirect URI
 * is http://127.0.0.1:PORT/ with that port.  It is opened with --no-browser
 * too, where nobody may connect to it (the browser is elsewhere): the port
 * it holds keeps the redirect URI from naming a port that some other local
 * program listens on, and the address the browser fails to load is pasted
 * back, as with TikTok.  After the exchange, channels.list mine=true names
 * the channel; its id is what the account is bound to (meta/account.h),
 * checked against the other accounts' bindings before anything is saved,
 * as TikTok's open_id is.  A Google account without a channel is refused:
 * nothing could be uploaded for it.
 */
#include "cmd/login.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "meta/config.h"
#include "net/http.h"
#include "net/oauth.h"
#include "net/tokens.h"
#include "net/yt_api.h"
#include "net/yt_oauth.h"
#include "util/escape.h"

static void print_error(const struct tt_error *err)
{
	tt_error_print(stderr, "tiktokfs", err, TT_ERR_LINES);
}

static int yt_ready(const struct account_ctx *ctx)
{
	const struct config *v = &ctx->view;
	const char *conf = ctx->cfg->path ? ctx->cfg->path : "the config (-c CONFIG)";

	if (v->youtube_client_id && *v->youtube_client_id && v->youtube_client_secret &&
	    *v->youtube_client_secret)
		return 0;
	fprintf(stderr,
		"tiktokfs: account %s is a YouTube account and its login needs the Google "
		"OAuth client (type Desktop app): set youtube_client_id and "
		"youtube_client_secret in its [account %s] section of %s (mode 0600), or "
		"YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET\n",
		ctx->a->name, ctx->a->name, conf);
	return -1;
}

/* The listener on a free loopback port and its redirect URI; -1 with @err. */
static int listen_free_port(char *uri, size_t size, struct tt_error *err)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = oauth_listen_socket(0, err);

	if (fd < 0)
		return -1;
	if (getsockname(fd, (struct sockaddr *)&sa, &len)) {
		tt_error_set(err, ERR_RETRY, "cannot read the listener's port: %s",
			     strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(uri, size, "http://127.0.0.1:%u/", (unsigned)ntohs(sa.sin_port));
	return fd;
}

/* Printed when no answer came for a while: what usually went wrong. */
static void print_hint(void *arg)
{
	const struct account_ctx *ctx = arg;

	fprintf(stderr,
		"tiktokfs: still no answer from Google. If its page shows an error, paste that "
		"page's address here. What usually went wrong:\n"
		"  - The OAuth client: youtube_client_id of account %s must be a client of "
		"type Desktop app of your Google Cloud project.\n"
		"  - The YouTube Data API v3 is not enabled in that project.\n"
		"  - The consent screen is in Testing and this Google account is not one of "
		"its test users.\n",
		ctx->a->name);
	fflush(stderr);
}

static int await_answer(const struct account_ctx *ctx, const char *url, const char *state, int lfd,
			const struct login_opts *o, struct oauth_callback *cb, struct tt_error *err)
{
	struct oauth_wait w = {.lfd = o->no_browser ? -1 : lfd,
			       .paste_fd = STDIN_FILENO,
			       .path = "/",
			       .state = state,
			       .timeout_sec = o->timeout,
			       .hint_ms = login_hint_ms(),
			       .hint = print_hint,
			       .arg = (void *)ctx};

	if (o->no_browser)
		printf("Open this address in a browser, log in to Google and allow access:\n\n"
		       "%s\n\nThen paste the address the browser was sent to (it starts with "
		       "http://127.0.0.1: and may show an error page, which is fine):\n",
		       url);
	else
		printf("Opening the Google login in the browser. If nothing opens, visit:\n\n"
		       "%s\n\nIf Google shows an error page, paste its address here.\n",
		       url);
	fflush(stdout);
	if (!o->no_browser)
		login_open_browser(url);
	return oauth_wait_answer(&w, cb, err);
}

/* The channel of the fresh @ts, or -1 after saying why on stderr. */
static int find_channel(const struct config *cfg, CURL *h, const struct token_set *ts,
			struct yt_channel *ch)
{
	struct tt_error err;
	int rc;

	tt_error_clear(&err);
	rc = yt_channel_mine(h, cfg, ts->access_token, ch, &err);
	if (rc == -ENOENT) {
		fprintf(stderr,
			"tiktokfs: this Google account has no YouTube channel, so nothing could be "
			"uploaded for it: create one on youtube.com (or log in with the Google "
			"account that owns the channel), then run the login again\n");
		return -1;
	}
	if (rc)
		print_error(&err);
	return rc ? -1 : 0;
}

/* Bind, save and tell: the exit status. */
static int save_login(const struct account_ctx *ctx, struct token_set *ts,
		      const struct yt_channel *ch, int rebind)
{
	struct account_binding b;
	struct tt_error err;
	char *title, *id;
	int rc;

	tt_error_clear(&err);
	memset(&b, 0, sizeof(b));
	snprintf(ts->open_id, sizeof(ts->open_id), "%s", ch->id);
	if (accounts_bind_check(ctx, ch->id, rebind))
		return 1;
	if (tokens_save(ctx->dir, ts, &err)) {
		print_error(&err);
		return 1;
	}
	snprintf(b.open_id, sizeof(b.open_id), "%s", ch->id);
	snprintf(b.display_name, sizeof(b.display_name), "%s", ch->title);
	b.bound_at = (int64_t)time(NULL);
	if ((rc = account_binding_save(ctx->dir, &b))) {
		fprintf(stderr, "tiktokfs: cannot save the binding of account %s in %s: %s\n",
			ctx->a->name, ctx->dir, strerror(-rc));
		return 1;
	}
	title = esc_text_dup(ch->title);
	id = esc_text_dup(ch->id);
	printf("Logged in to YouTube channel %s (channel id %s).\n"
	       "Account %s is now bound to that channel.\n",
	       title, id, ctx->a->name);
	free(id);
	free(title);
	return 0;
}

static int yt_flow(const struct account_ctx *ctx, const struct login_opts *o)
{
	const struct config *cfg = &ctx->view;
	struct login_flow f;
	struct yt_channel ch;
	struct tt_error err;
	char uri[64];
	int rc = 1;

	tt_error_clear(&err);
	login_flow_start(&f);
	if ((f.lfd = listen_free_port(uri, sizeof(uri), &err)) < 0)
		goto fail;
	if (yt_pkce_new(&f.pk) || !(f.url = yt_authorize_url(cfg, uri, &f.pk))) {
		fprintf(stderr, "tiktokfs: cannot prepare the login (random generator)\n");
		goto out;
	}
	if (await_answer(ctx, f.url, f.pk.state, f.lfd, o, &f.cb, &err) ||
	    yt_check_callback(&f.cb, f.pk.state, &err))
		goto fail;
	f.h = http_easy_new(cfg);
	if (!f.h || yt_exchange(f.h, cfg, f.cb.code, f.pk.verifier, uri, &f.ts, &err))
		goto fail;
	if (find_channel(cfg, f.h, &f.ts, &ch) == 0)
		rc = save_login(ctx, &f.ts, &ch, o->rebind);
	goto out;
fail:
	print_error(&err);
out:
	login_flow_end(&f);
	return rc;
}

/* Revoke the saved grant at Google: the refresh token, which takes the
 * access tokens with it (docs/youtube.md §2.5). */
static int yt_revoke_saved(const struct config *cfg)
{
	struct token_set ts;
	struct tt_error err;
	CURL *h;
	int revoked = 0;

	tt_error_clear(&err);
	http_global_init();
	h = http_easy_new(cfg);
	if (tokens_load(cfg->state_dir, &ts, NULL) == 0 && h &&
	    yt_revoke(h, cfg, ts.refresh_token, &err) == 0)
		revoked = 1;
	explicit_bzero(&ts, sizeof(ts));
	if (!revoked)
		fprintf(stderr,
			"tiktokfs: warning: Google did not confirm the revocation: %s\n"
			"  The local login is deleted anyway; to be sure, remove the app at "
			"myaccount.google.com/permissions.\n",
			err.what[0] ? err.what : "no answer");
	if (h)
		curl_easy_cleanup(h);
	return revoked;
}

const struct login_platform login_youtube = {"youtube", yt_ready, yt_flow, yt_revoke_saved};
