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
 * The scopes asked follow the config's mode (oauth_scopes): an app
 * approved only for drafts (video.upload) can log in with mode = draft.
 *
 * logout revokes the grant at TikTok and deletes tokens.json and
 * creator_info.json.  Not being logged in is not an error: logout is
 * idempotent, so scripts may call it unconditionally.
 */
#include "cmd/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "meta/config.h"
#include "meta/creator.h"
#include "net/api.h"
#include "net/http.h"
#include "net/oauth.h"
#include "net/tokens.h"
#include "meta/tiktok.h"
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

static int load_config(const char *path, struct config *cfg, int need_client)
{
	struct tt_error err;

	tt_error_clear(&err);
	memset(cfg, 0, sizeof(*cfg));
	if (config_load(cfg, path, &err)) {
		print_error(&err);
		return -1;
	}
	if (need_client && (!cfg->client_key || !*cfg->client_key || !cfg->client_secret ||
			    !*cfg->client_secret)) {
		fprintf(stderr,
			"tiktokfs: login needs the app's client key and secret: set client_key and "
			"client_secret in %s (mode 0600), or TIKTOK_CLIENT_ID and "
			"TIKTOK_CLIENT_SECRET\n",
			cfg->path ? cfg->path : "the config (-c CONFIG)");
		config_free(cfg);
		return -1;
	}
	return 0;
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

static void open_browser(const char *url)
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
static long hint_ms(void)
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

/* Who logged in, from creator_info (saved) and user/info. */
static int report_who(const struct config *cfg)
{
	struct tt_error err;
	struct creator_info ci;
	struct tokens *t = tokens_open(cfg, &err);
	struct api *a = t ? api_new(cfg, t) : NULL;
	char dn[256], un[128];
	int rc = -1;

	if (!a) {
		print_error(&err);
		goto out;
	}
	if (api_user_info(a, dn, sizeof(dn), un, sizeof(un), &err)) {
		print_error(&err);
		goto out;
	}
	if (tokens_lacks_scope(t, "video.publish")) {
		/* creator_info needs video.publish: a drafts-only login. */
		printf("Logged in as %s%s, for drafts only (no video.publish: mode = draft).\n",
		       un[0] ? "@" : "", un[0] ? un : dn);
		rc = 0;
		goto out;
	}
	if (api_creator_info(a, &ci, &err)) {
		/* The login itself worked (tokens saved); only the posting
		 * options are unknown for now, e.g. the daily cap answered. */
		printf("Logged in as %s%s.\n", un[0] ? "@" : "", un[0] ? un : dn);
		fprintf(stderr, "tiktokfs: warning: cannot read the account's posting options:\n");
		print_error(&err);
		rc = 0;
		goto out;
	}
	printf("Logged in as @%s (%s). Privacy options: ", ci.username, ci.nickname);
	for (int i = 0; i < ci.n_privacy; i++)
		printf("%s%s", i ? ", " : "", tiktok_privacy_word(ci.privacy_options[i]));
	if (ci.max_duration_sec > 0)
		printf(". Max video length: %d s.\n", ci.max_duration_sec);
	else
		printf(".\n");
	rc = 0;
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
			       .hint_ms = hint_ms(),
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
		open_browser(url);
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

static int login_flow(const struct config *cfg, int no_browser, int timeout)
{
	struct oauth_pkce pk;
	struct oauth_callback cb;
	struct token_set ts;
	struct tt_error err;
	char path[1024] = "/";
	char *url = NULL;
	CURL *h = NULL;
	int lfd = -1, rc = 1;

	tt_error_clear(&err);
	memset(&cb, 0, sizeof(cb));
	if (oauth_pkce_new(&pk) || !(url = oauth_authorize_url(cfg, &pk))) {
		fprintf(stderr, "tiktokfs: cannot prepare the login (random generator)\n");
		goto out;
	}
	if (!no_browser && (lfd = listen_redirect(cfg, path, sizeof(path), &err)) < 0)
		goto fail;
	if (await_answer(cfg, url, no_browser, lfd, path, pk.state, timeout, &cb, &err))
		goto fail;
	if (oauth_check_callback(&cb, pk.state, cfg, &err))
		goto fail;
	h = http_easy_new(cfg);
	if (!h || oauth_exchange(h, cfg, cb.code, pk.verifier, &ts, &err))
		goto fail;
	if (tokens_save(cfg->state_dir, &ts, &err))
		goto fail;
	explicit_bzero(&ts, sizeof(ts));
	rc = report_who(cfg) ? 1 : 0;
	goto out;
fail:
	print_error(&err);
out:
	explicit_bzero(&pk, sizeof(pk));
	explicit_bzero(&cb, sizeof(cb));
	if (h)
		curl_easy_cleanup(h);
	if (lfd >= 0)
		close(lfd);
	free(url);
	return rc;
}

/* --timeout's value: whole seconds, 1 to a day.  -1 if it is not one. */
static int parse_timeout(const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	return (end == v || *end || n < 1 || n > 86400) ? -1 : (int)n;
}

/* Options of login (@no_browser, @timeout) and logout (both NULL).  -1 to
 * go on, else the exit status. */
static int parse_args(int argc, char **argv, const char **config, int *no_browser, int *timeout,
		      const char *usage)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"no-browser", no_argument, NULL, 'n'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (c == 'c') {
			*config = optarg;
		} else if (c == 'n' && no_browser) {
			*no_browser = 1;
		} else if (c == 't' && timeout) {
			*timeout = parse_timeout(optarg);
			if (*timeout < 0) {
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
	const char *path = NULL;
	int no_browser = 0, timeout = LOGIN_TIMEOUT_SEC, rc;
	struct config cfg;

	rc = parse_args(argc, argv, &path, &no_browser, &timeout,
			"usage: tiktokfs login [-c CONFIG] [--no-browser] [--timeout SECONDS]\n");
	if (rc >= 0)
		return rc;
	log_init(LOG_LVL_WARN, false);
	if (load_config(path, &cfg, 1))
		return 1;
	http_global_init();
	rc = login_flow(&cfg, no_browser, timeout);
	config_free(&cfg);
	return rc;
}

static int remove_state(const struct config *cfg)
{
	char *ci = xasprintf("%s/creator_info.json", cfg->state_dir);
	int rc = tokens_remove(cfg->state_dir);

	if (unlink(ci) && errno != ENOENT && !rc)
		rc = -errno;
	if (rc)
		fprintf(stderr, "tiktokfs: cannot delete the login in %s: %s\n", cfg->state_dir,
			strerror(-rc));
	free(ci);
	return rc;
}

int cmd_logout(int argc, char **argv)
{
	const char *path = NULL;
	struct config cfg;
	struct token_set ts;
	struct tt_error err;
	struct tokens *t = NULL;
	char token[sizeof(ts.access_token)];
	CURL *h = NULL;
	int rc, revoked = 0;

	rc = parse_args(argc, argv, &path, NULL, NULL, "usage: tiktokfs logout [-c CONFIG]\n");
	if (rc >= 0)
		return rc;
	log_init(LOG_LVL_WARN, false);
	if (load_config(path, &cfg, 0))
		return 1;
	tt_error_clear(&err);
	if (tokens_load(cfg.state_dir, &ts, NULL) == -ENOENT) {
		printf("Not logged in.\n");
		remove_state(&cfg);
		config_free(&cfg);
		return 0;
	}
	explicit_bzero(&ts, sizeof(ts));
	http_global_init();
	/* A valid access token is needed to revoke: refresh it if it expired. */
	t = tokens_open(&cfg, &err);
	h = http_easy_new(&cfg);
	if (t && h && tokens_access(t, NULL, token, sizeof(token), &err) == 0 &&
	    oauth_revoke(h, &cfg, token, &err) == 0)
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
	rc = remove_state(&cfg) ? 1 : 0;
	if (!rc)
		printf("Logged out.\n");
	if (h)
		curl_easy_cleanup(h);
	tokens_free(t);
	config_free(&cfg);
	return rc ? 1 : (revoked ? 0 : 1);
}
