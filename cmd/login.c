/*
 * `tiktokfs login` and `tiktokfs logout`.
 *
 * login runs TikTok's desktop Login Kit flow (net/oauth.h): a fresh PKCE
 * verifier and state, the consent page opened with xdg-open, and the
 * browser's redirect caught by the loopback listener (net/oauth_listen.c)
 * on the redirect_uri's port, bound to 127.0.0.1 only so nothing outside
 * the machine can reach it; what arrives there without our state is
 * ignored, an error included, since any local process or web page can
 * send it.  TikTok shows the errors of its authorize step on its own page
 * and never redirects them (docs/tiktok.md §2.2), so at the same time an
 * address pasted on standard input is accepted: the user's own paste, so
 * its error is told even without our state.  With --no-browser (a NAS over
 * ssh) only the paste is awaited.  The wait never is silent: after
 * TIKTOKFS_LOGIN_HINT_SEC (60 s; tests shorten it) the usual causes are
 * printed, and --timeout bounds it.  A code needs our state; then it is
 * exchanged, the tokens saved (0600), and TikTok tells who logged in.
 *
 * The scopes asked follow the account's mode (oauth_scopes): an app
 * approved only for drafts (video.upload) can log in with mode = draft.
 *
 * Accounts.  --account NAME logs in (or out) one account of the config
 * (cmd/accounts.h); without it, the default one, whose files are where
 * they always were.  The authorize URL carries disable_auto_auth=1, so
 * TikTok asks who logs in even when the browser is signed in to another
 * user.  After the exchange, before anything is saved, the open_id of the
 * token answer is checked against the other accounts' bindings: a TikTok
 * user bound to another account name is refused (TikTok's caps count per
 * user, and two folders would share them unseen) unless --rebind moves
 * the user here.  Then the tokens are saved, TikTok tells who logged in,
 * and the binding (open_id and names) is written beside the tokens.
 *
 * logout revokes the grant at TikTok and deletes the account's tokens,
 * creator info and binding.  Not being logged in is not an error: logout
 * is idempotent, so scripts may call it unconditionally.
 */
#include "cmd/cmd.h"
#include "cmd/accounts.h"
#include "cmd/login.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "meta/config.h"
#include "meta/creator.h"
#include "net/api.h"
#include "net/http.h"
#include "net/oauth.h"
#include "net/tokens.h"
#include "meta/tiktok.h"
#include "util/escape.h"
#include "util/log.h"
#include "util/strbuf.h"

extern char **environ;

#define LOGIN_TIMEOUT_SEC (10 * 60)
#define LOGIN_HINT_SEC 60
#define LOGIN_HINT_ENV "TIKTOKFS_LOGIN_HINT_SEC"

static void print_error(const struct tt_error *err)
{
	tt_error_print(stderr, "tiktokfs", err, TT_ERR_LINES);
}

static int load_config(const char *path, struct config *cfg)
{
	struct tt_error err;

	tt_error_clear(&err);
	memset(cfg, 0, sizeof(*cfg));
	if (config_load(cfg, path, &err)) {
		print_error(&err);
		return -1;
	}
	return 0;
}

/* A TikTok login needs the app's client key and secret. */
static int tiktok_ready(const struct account_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;

	if (cfg->client_key && *cfg->client_key && cfg->client_secret && *cfg->client_secret)
		return 0;
	fprintf(stderr,
		"tiktokfs: login needs the app's client key and secret: set client_key and "
		"client_secret in %s (mode 0600), or TIKTOK_CLIENT_ID and "
		"TIKTOK_CLIENT_SECRET\n",
		cfg->path ? cfg->path : "the config (-c CONFIG)");
	return -1;
}

/* port and path of an http://localhost:PORT/PATH or 127.0.0.1 redirect URI. */
static int redirect_target(const char *uri, int *port, char *path, size_t size)
{
	const char *p, *slash;
	char *end;
	long v;

	if (strncmp(uri, "http://", 7))
		return -1;
	p = uri + 7;
	if (!strncmp(p, "localhost:", 10))
		p += 10;
	else if (!strncmp(p, "127.0.0.1:", 10))
		p += 10;
	else
		return -1;
	v = strtol(p, &end, 10);
	if (end == p || v <= 0 || v > 65535 || (*end && *end != '/'))
		return -1;
	*port = (int)v;
	slash = *end ? end : "/";
	if ((size_t)snprintf(path, size, "%s", slash) >= size)
		return -1;
	return 0;
}

void login_open_browser(const char *url)
{
	char *argv[] = {"xdg-open", (char *)url, NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;

	/* xdg-open may chatter on stdout; keep our output clean. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ) == 0)
		waitpid(pid, NULL, 0);
	posix_spawn_file_actions_destroy(&fa);
}

/* The hint's delay in ms: LOGIN_HINT_SEC, or the environment's (tests). */
long login_hint_ms(void)
{
	const char *v = getenv(LOGIN_HINT_ENV);
	char *end;
	double sec;

	if (!v || !*v)
		return LOGIN_HINT_SEC * 1000L;
	sec = strtod(v, &end);
	if (*end || sec < 0 || sec > 86400)
		return LOGIN_HINT_SEC * 1000L;
	return (long)(sec * 1000);
}

/* Printed when neither the redirect nor a paste came for a while: the three
 * usual causes, each with what to change (docs/tiktok.md §2.2). */
static void print_hint(void *arg)
{
	const struct config *cfg = arg;
	const char *conf = cfg->path ? cfg->path : "the config";

	fprintf(stderr,
		"tiktokfs: still no answer from TikTok. If its page shows an error, paste that "
		"page's address here. What usually went wrong:\n"
		"  - Invalid client key: client_key (%s) in %s must be the app's Client key "
		"from the developer portal.\n"
		"  - Redirect URI mismatch: register exactly %s in the developer portal (Login "
		"Kit, Redirect URI); localhost and 127.0.0.1 differ, and the port counts. Or "
		"set redirect_uri in %s to one that is registered.\n"
		"  - Insufficient permissions: the app lacks Login Kit or the Content Posting "
		"API, a scope of %s is not approved for it, or (a sandbox app) this TikTok "
		"account is not one of its Target users.\n",
		cfg->client_key, conf, cfg->redirect_uri, conf, oauth_scopes(cfg));
	fflush(stderr);
}

/* "Account NAME is now bound to TikTok user WHO, open_id ID." */
static void print_binding(const struct account_ctx *ctx, const struct account_binding *b)
{
	char *who = accounts_user_words(b);
	char *oid = esc_text_dup(b->open_id);

	printf("Account %s is now bound to TikTok user %s, open_id %s.\n", ctx->a->name, who, oid);
	free(oid);
	free(who);
}

/* The posting options creator_info gave, or why there are none. */
static void print_options(const struct creator_info *ci)
{
	printf("Logged in as @%s (%s). Privacy options: ", ci->username, ci->nickname);
	for (int i = 0; i < ci->n_privacy; i++)
		printf("%s%s", i ? ", " : "", tiktok_privacy_word(ci->privacy_options[i]));
	if (ci->max_duration_sec > 0)
		printf(". Max video length: %d s.\n", ci->max_duration_sec);
	else
		printf(".\n");
}

/* Who logged in, from user/info and creator_info (saved): printed, and the
 * names put in @b for the binding. */
static int report_who(const struct account_ctx *ctx, struct account_binding *b)
{
	const struct config *cfg = &ctx->view;
	struct tt_error err;
	struct creator_info ci;
	struct tokens *t;
	struct api *a = NULL;
	char *un = b->username;
	int rc = -1;

	tt_error_clear(&err);
	t = tokens_open(cfg, &err);
	if (t && !(a = api_new(cfg, t)))
		tt_error_set(&err, ERR_RETRY, "cannot create an HTTP handle");
	if (!a || api_user_info(a, b->display_name, sizeof(b->display_name), b->username,
				sizeof(b->username), &err)) {
		print_error(&err);
		goto out;
	}
	print_binding(ctx, b);
	rc = 0;
	if (tokens_lacks_scope(t, "video.publish")) {
		/* creator_info needs video.publish: a drafts-only login. */
		printf("Logged in as %s%s, for drafts only (no video.publish: mode = draft).\n",
		       un[0] ? "@" : "", un[0] ? un : b->display_name);
	} else if (api_creator_info(a, &ci, &err)) {
		/* The login itself worked (tokens saved); only the posting
		 * options are unknown for now, e.g. the daily cap answered. */
		printf("Logged in as %s%s.\n", un[0] ? "@" : "", un[0] ? un : b->display_name);
		fprintf(stderr, "tiktokfs: warning: cannot read the account's posting options:\n");
		print_error(&err);
	} else {
		snprintf(b->username, sizeof(b->username), "%s", ci.username);
		print_options(&ci);
	}
out:
	api_free(a);
	tokens_free(t);
	return rc;
}

/* Print how to go on, open the browser (unless @no_browser) and wait for
 * the answer: the redirect on @lfd or a paste on standard input. */
static int await_answer(const struct config *cfg, const char *url, int no_browser, int lfd,
			const char *path, const char *state, int timeout, struct oauth_callback *cb,
			struct tt_error *err)
{
	struct oauth_wait w = {.lfd = lfd,
			       .paste_fd = STDIN_FILENO,
			       .path = path,
			       .state = state,
			       .timeout_sec = timeout,
			       .hint_ms = login_hint_ms(),
			       .hint = print_hint,
			       .arg = (void *)cfg};

	if (no_browser)
		printf("Open this address in a browser, log in to TikTok and allow access:\n\n"
		       "%s\n\nThen paste the address the browser was sent to (it starts with "
		       "%s), or the address of TikTok's error page:\n",
		       url, cfg->redirect_uri);
	else
		printf("Opening the TikTok login in the browser. If nothing opens, visit:\n\n"
		       "%s\n\nIf TikTok shows an error page, paste its address here.\n",
		       url);
	fflush(stdout);
	if (!no_browser)
		login_open_browser(url);
	return oauth_wait_answer(&w, cb, err);
}

/* A loopback listener on the redirect URI's port; -errno with @err. */
static int listen_redirect(const struct config *cfg, char *path, size_t size, struct tt_error *err)
{
	int port;

	if (redirect_target(cfg->redirect_uri, &port, path, size)) {
		tt_error_set(err, ERR_USER,
			     "redirect_uri %s is not http://localhost:PORT/... or "
			     "http://127.0.0.1:PORT/...: cannot catch the redirect here",
			     cfg->redirect_uri);
		tt_error_advise(err, "Use --no-browser and paste the address you are sent to.");
		return tt_error_errno(err->cls);
	}
	return oauth_listen_socket(port, err);
}

/* The exchanged tokens @ts: bound (accounts_bind_check), saved, told.  The exit
 * status. */
static int save_login(const struct account_ctx *ctx, struct token_set *ts, int rebind)
{
	struct account_binding b;
	struct tt_error err;
	int rc, src;

	tt_error_clear(&err);
	memset(&b, 0, sizeof(b));
	if (accounts_bind_check(ctx, ts->open_id, rebind))
		return 1;
	if (tokens_save(ctx->dir, ts, &err)) {
		print_error(&err);
		return 1;
	}
	snprintf(b.open_id, sizeof(b.open_id), "%s", ts->open_id);
	b.bound_at = (int64_t)time(NULL);
	rc = report_who(ctx, &b) ? 1 : 0;
	/* bound even when TikTok did not tell the names: the tokens are saved */
	if ((src = account_binding_save(ctx->dir, &b))) {
		fprintf(stderr, "tiktokfs: cannot save the binding of account %s in %s: %s\n",
			ctx->a->name, ctx->dir, strerror(-src));
		rc = 1;
	}
	return rc;
}

void login_flow_start(struct login_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->lfd = -1;
}

void login_flow_end(struct login_flow *f)
{
	explicit_bzero(&f->ts, sizeof(f->ts));
	explicit_bzero(&f->pk, sizeof(f->pk));
	explicit_bzero(&f->cb, sizeof(f->cb));
	if (f->h)
		curl_easy_cleanup(f->h);
	if (f->lfd >= 0)
		close(f->lfd);
	free(f->url);
	login_flow_start(f);
}

static int tiktok_flow(const struct account_ctx *ctx, const struct login_opts *o)
{
	const struct config *cfg = &ctx->view;
	struct login_flow f;
	struct tt_error err;
	char path[1024] = "/";
	int rc = 1;

	tt_error_clear(&err);
	login_flow_start(&f);
	if (oauth_pkce_new(&f.pk) || !(f.url = oauth_authorize_url(cfg, &f.pk))) {
		fprintf(stderr, "tiktokfs: cannot prepare the login (random generator)\n");
		goto out;
	}
	if (!o->no_browser && (f.lfd = listen_redirect(cfg, path, sizeof(path), &err)) < 0)
		goto fail;
	if (await_answer(cfg, f.url, o->no_browser, f.lfd, path, f.pk.state, o->timeout, &f.cb,
			 &err))
		goto fail;
	if (oauth_check_callback(&f.cb, f.pk.state, cfg, &err))
		goto fail;
	f.h = http_easy_new(cfg);
	if (!f.h || oauth_exchange(f.h, cfg, f.cb.code, f.pk.verifier, &f.ts, &err))
		goto fail;
	rc = save_login(ctx, &f.ts, o->rebind);
	goto out;
fail:
	print_error(&err);
out:
	login_flow_end(&f);
	return rc;
}

static int revoke_saved(const struct config *cfg);

static const struct login_platform login_tiktok = {"tiktok", tiktok_ready, tiktok_flow,
						   revoke_saved};

/* The seam: the login of @platform (config.c accepts no other word). */
static const struct login_platform *platform_login(const char *platform)
{
	static const struct login_platform *const all[] = {&login_tiktok, &login_youtube};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i]->name, platform))
			return all[i];
	return &login_tiktok;
}

/* --timeout's value: whole seconds, 1 to a day.  -1 if it is not one. */
static int parse_timeout(const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	return (end == v || *end || n < 1 || n > 86400) ? -1 : (int)n;
}

/* Options of login (@login: --no-browser, --timeout, --rebind too) and
 * logout.  -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct login_opts *o, bool login, const char *usage)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"account", required_argument, NULL, 'a'},
	    {"no-browser", no_argument, NULL, 'n'},
	    {"timeout", required_argument, NULL, 't'},
	    {"rebind", no_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (c == 'c') {
			o->config = optarg;
		} else if (c == 'a') {
			o->account = optarg;
		} else if (c == 'n' && login) {
			o->no_browser = 1;
		} else if (c == 'r' && login) {
			o->rebind = 1;
		} else if (c == 't' && login) {
			o->timeout = parse_timeout(optarg);
			if (o->timeout < 0) {
				fprintf(stderr,
					"tiktokfs: --timeout %s: give whole seconds, 1 to "
					"86400\n",
					optarg);
				return 2;
			}
		} else {
			fputs(usage, c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind < argc) {
		fputs(usage, stderr);
		return 2;
	}
	return -1;
}

int cmd_login(int argc, char **argv)
{
	const struct login_platform *lp;
	struct login_opts o = {.timeout = LOGIN_TIMEOUT_SEC};
	struct account_ctx ctx;
	struct config cfg;
	int rc;

	rc = parse_args(argc, argv, &o, true,
			"usage: tiktokfs login [-c CONFIG] [--account NAME] [--rebind] "
			"[--no-browser] [--timeout SECONDS]\n");
	if (rc >= 0)
		return rc;
	log_init(LOG_LVL_WARN, false);
	if (load_config(o.config, &cfg))
		return 1;
	if (accounts_pick(&cfg, o.account, &ctx)) {
		config_free(&cfg);
		return 2;
	}
	lp = platform_login(ctx.a->platform);
	if (lp->ready(&ctx)) {
		rc = 1;
		goto out;
	}
	rc = account_dir_prepare(cfg.state_dir, ctx.a->name);
	if (rc) {
		fprintf(stderr, "tiktokfs: cannot make the directory of account %s in %s: %s\n",
			ctx.a->name, cfg.state_dir, strerror(-rc));
		rc = 1;
	} else {
		http_global_init();
		rc = lp->flow(&ctx, &o);
	}
out:
	accounts_ctx_release(&ctx);
	config_free(&cfg);
	return rc;
}

static int remove_state(const struct account_ctx *ctx)
{
	int rc = accounts_forget(ctx->dir);

	if (rc)
		fprintf(stderr, "tiktokfs: cannot delete the login of account %s in %s: %s\n",
			ctx->a->name, ctx->dir, strerror(-rc));
	return rc;
}

/* Revoke the saved grant at TikTok (a valid access token is needed: it is
 * refreshed if it expired).  1 when TikTok confirmed, else 0 with a
 * warning printed. */
static int revoke_saved(const struct config *cfg)
{
	struct token_set ts;
	struct tt_error err;
	struct tokens *t;
	char token[sizeof(ts.access_token)];
	CURL *h;
	int revoked = 0;

	tt_error_clear(&err);
	http_global_init();
	t = tokens_open(cfg, &err);
	h = http_easy_new(cfg);
	if (t && h && tokens_access(t, NULL, token, sizeof(token), &err) == 0 &&
	    oauth_revoke(h, cfg, token, &err) == 0)
		revoked = 1;
	explicit_bzero(token, sizeof(token));
	if (!revoked) {
		/* The advice is for using the login ("log in again"), not for
		 * leaving it: the line below says what to do instead. */
		err.advice[0] = '\0';
		tt_error_print(stderr, "tiktokfs: warning: TikTok did not confirm the revocation",
			       &err, TT_ERR_TERM);
		fprintf(stderr, "  The local login is deleted anyway; to be sure, remove the app "
				"under Settings > Security > Apps in the TikTok app.\n");
	}
	if (h)
		curl_easy_cleanup(h);
	tokens_free(t);
	return revoked;
}

int cmd_logout(int argc, char **argv)
{
	struct login_opts o = {0};
	struct account_ctx ctx;
	struct config cfg;
	struct token_set ts;
	int rc, revoked;

	rc = parse_args(argc, argv, &o, false,
			"usage: tiktokfs logout [-c CONFIG] [--account NAME]\n");
	if (rc >= 0)
		return rc;
	log_init(LOG_LVL_WARN, false);
	if (load_config(o.config, &cfg))
		return 1;
	if (accounts_pick(&cfg, o.account, &ctx)) {
		config_free(&cfg);
		return 2;
	}
	if (tokens_load(ctx.dir, &ts, NULL) == -ENOENT) {
		printf("Not logged in.\n");
		remove_state(&ctx);
		rc = 0;
		goto out;
	}
	explicit_bzero(&ts, sizeof(ts));
	revoked = platform_login(ctx.a->platform)->revoke(&ctx.view);
	rc = remove_state(&ctx) ? 1 : 0;
	if (!rc)
		printf("Logged out.\n");
	rc = rc ? 1 : (revoked ? 0 : 1);
out:
	accounts_ctx_release(&ctx);
	config_free(&cfg);
	return rc;
}
